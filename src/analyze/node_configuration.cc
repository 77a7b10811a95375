#include "analyze/node_configuration.h"

#include <functional>

#include "analyze/containerd_reader.h"
#include "analyze/docker_daemon_reader.h"
#include "analyze/dockerd_flags.h"
#include "analyze/kubelet_reader.h"
#include "analyze/managed_platform.h"
#include "analyze/node_identity.h"

namespace deshim::analyze {
namespace {

/// Runs one reader. With keep_going, its error stays in the inputs list (the reader's own
/// "error" record, given the full description with position and hint) and reading goes on.
result<void> run_reader(const std::function<result<void>()>& reader, const std::string& kind,
                        bool keep_going, node_facts& facts) {
  size_t before = facts.inputs.size();
  auto read = reader();
  if (read || !keep_going) return read;
  for (size_t i = before; i < facts.inputs.size(); ++i) {
    if (facts.inputs[i].status == "error") {
      facts.inputs[i].detail = read.error().describe();
      return {};
    }
  }
  facts.inputs.push_back({kind, read.error().where().file, "error", read.error().describe()});
  return {};
}

}  // namespace

result<void> read_node_configuration(const rooted_fs& fs, const collect_options& options,
                                     node_facts& facts, bool run_binaries) {
  const bool keep_going = options.keep_going;
  kubelet_read_options kubelet_options{options.kubernetes_version, run_binaries,
                                       options.configured_kubelet};
  const std::vector<std::pair<std::string, std::function<result<void>()>>> readers = {
      {"docker daemon.json", [&] { return read_docker_daemon_config(fs, facts); }},
      {"dockerd flags", [&] { return read_dockerd_flags(fs, facts); }},
      {"kubelet", [&] { return read_kubelet(fs, kubelet_options, facts); }},
      {"containerd config", [&] { return read_containerd(fs, run_binaries, facts); }},
      {"node identity", [&] { return read_node_identity(fs, facts); }},
      {"node mounts", [&] { return read_storage_layout(fs, facts); }},
      {"managed platform", [&] { return read_managed_platform(fs, facts); }},
  };
  for (const auto& [kind, reader] : readers) {
    if (auto read = run_reader(reader, kind, keep_going, facts); !read) return read;
  }
  return {};
}

}  // namespace deshim::analyze
