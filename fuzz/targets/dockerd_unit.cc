// Fuzz target: docker.service (with its EnvironmentFile) read from a node for dockerd's flags:
// the unit parser, the environment file parser and ExecStart's expansion and flag parsing. The
// input's first line is the environment file, the rest the unit.
#include "analyze/dockerd_flags.h"
#include "analyze/node_facts.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = deshim::fuzz::as_text(data, size);
  size_t newline = text.find('\n');
  std::string_view env = newline == std::string_view::npos ? "" : text.substr(0, newline);
  std::string_view unit = newline == std::string_view::npos ? text : text.substr(newline + 1);
  auto& node = deshim::fuzz::scratch_node::get();
  node.write("/etc/default/docker", env);
  node.write("/lib/systemd/system/docker.service", unit);
  deshim::analyze::node_facts facts;
  (void)deshim::analyze::read_dockerd_flags(node.fs(), facts);
  return 0;
}
