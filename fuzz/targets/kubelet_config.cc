// Fuzz target: the KubeletConfiguration file (/var/lib/kubelet/config.yaml).
#include "analyze/kubelet_reader.h"
#include "analyze/node_facts.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  deshim::analyze::kubelet_facts facts;
  (void)deshim::analyze::parse_kubelet_config(deshim::fuzz::as_text(data, size),
                                              "/var/lib/kubelet/config.yaml",
                                              "var/lib/kubelet/config.yaml", facts);
  return 0;
}
