// Fuzz target: systemd EnvironmentFile= files (/etc/default/kubelet and the like), and TKE's
// /etc/kubernetes/kubelet read from a node by the kubelet reader.
#include "analyze/kubelet_reader.h"
#include "analyze/node_facts.h"
#include "analyze/systemd_unit.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = deshim::fuzz::as_text(data, size);
  std::map<std::string, deshim::analyze::located_value> values;
  (void)deshim::analyze::parse_environment_file(text, "/etc/default/kubelet", "etc/default/kubelet",
                                                values);
  auto& node = deshim::fuzz::scratch_node::get();
  node.write("/etc/kubernetes/kubelet", text);
  deshim::analyze::node_facts facts;
  deshim::analyze::kubelet_read_options options;
  options.run_binaries = false;
  options.configured_only = true;
  (void)deshim::analyze::read_kubelet(node.fs(), options, facts);
  return 0;
}
