#include "analyze/analyze.h"
#include "analyze/docker_daemon_reader.h"

namespace deshim::analyze {

result<node_facts> collect_node_facts(const rooted_fs& fs, const collect_options& /*options*/) {
  node_facts facts;
  facts.root = fs.root().string();
  if (auto read = read_docker_daemon_config(fs, facts); !read) return read.error();
  return facts;
}

}  // namespace deshim::analyze
