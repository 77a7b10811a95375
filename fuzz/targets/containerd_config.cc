// Fuzz target: containerd's config.toml as the analyzer reads it (and the runtime's parser under
// it).
#include "analyze/containerd_reader.h"
#include "analyze/node_facts.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  deshim::analyze::containerd_facts facts;
  (void)deshim::analyze::parse_containerd_facts(deshim::fuzz::as_text(data, size),
                                                "/etc/containerd/config.toml",
                                                "etc/containerd/config.toml", facts);
  return 0;
}
