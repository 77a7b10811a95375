// Fuzz target: containerd's registry hosts.toml (certs.d/<registry>/hosts.toml).
#include "fuzz_input.h"
#include "runtime/config/hosts_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)deshim::runtime::parse_hosts_toml(std::string(deshim::fuzz::as_text(data, size)),
                                          "docker.io", "certs.d/docker.io/hosts.toml");
  return 0;
}
