// Fuzz target: CRI container log files (`<time> <stream> <P|F> <line>`).
#include "fuzz_input.h"
#include "runtime/monitor/cri_log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)deshim::runtime::parse_cri_log(deshim::fuzz::as_text(data, size), "0.log");
  return 0;
}
