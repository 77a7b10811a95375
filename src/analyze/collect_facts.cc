#include "analyze/analyze.h"
#include "analyze/docker_engine_reader.h"
#include "analyze/node_configuration.h"
#include "analyze/node_scripts_reader.h"
#include "analyze/workload_reader.h"

namespace deshim::analyze {

result<node_facts> collect_node_facts(const rooted_fs& fs, const collect_options& options) {
  node_facts facts;
  // As every path in the report is shown: relative to the working folder when the root is under
  // it, so a report (and the docs' samples) do not carry the folder it was made in.
  facts.root = fs.display("/");
  if (auto read = read_node_configuration(fs, options, facts); !read) return read.error();
  if (options.node_name) {
    facts.node.node_name = *options.node_name;
    facts.node.node_name_source = "--node-name";
  }
  if (auto read = read_workloads(fs, options.workload_paths, static_pod_path_of(facts),
                                 options.keep_going, facts, facts.node.node_name);
      !read) {
    return read.error();
  }
  if (auto read = read_node_scripts(fs, options.scan_paths, options.keep_going, facts); !read) {
    return read.error();
  }
  if (options.docker_host) {
    if (auto read = read_docker_engine(*options.docker_host, options.keep_going, facts); !read) {
      return read.error();
    }
  }
  return facts;
}

}  // namespace deshim::analyze
