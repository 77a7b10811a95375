// Fuzz target: a CNI configuration file as validate loads it, as a .conflist and as a .conf.
#include "common/semver.h"
#include "fuzz_input.h"
#include "validate/cni_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = deshim::fuzz::as_text(data, size);
  static const deshim::semver containerd = *deshim::parse_semver("1.7.24");
  for (const char* name : {"10-net.conflist", "10-net.conf"}) {
    deshim::validate::cni_network network;
    (void)deshim::validate::check_cni_config_text(name, name, text, containerd, network);
  }
  return 0;
}
