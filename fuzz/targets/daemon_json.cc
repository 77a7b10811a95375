// Fuzz target: /etc/docker/daemon.json as the analyzer reads it.
#include "analyze/docker_daemon_reader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  deshim::analyze::docker_daemon_facts facts;
  (void)deshim::analyze::parse_docker_daemon_config(
      deshim::fuzz::as_text(data, size), "daemon.json", "/etc/docker/daemon.json", facts);
  return 0;
}
