// Fuzz target: a rule file (`--rules` folder, rules/*.yaml).
#include "analyze/rule_loader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)deshim::analyze::parse_rule(deshim::fuzz::as_text(data, size), "rules/fuzz.yaml");
  return 0;
}
