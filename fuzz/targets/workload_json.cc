// Fuzz target: workload manifests in JSON, through the streaming parser (a List or objects).
#include "analyze/workload_reader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  deshim::analyze::workload_facts facts;
  deshim::analyze::workload_collector collector(facts);
  (void)deshim::analyze::read_workload_text(deshim::fuzz::as_text(data, size), "workloads.json",
                                            collector, false);
  return 0;
}
