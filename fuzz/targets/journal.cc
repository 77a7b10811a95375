// Fuzz target: a migrate journal (journal.jsonl of a backup) opened and its state read.
#include "migrate/journal.h"

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& node = deshim::fuzz::scratch_node::get();
  node.write("/var/lib/deshim/backups/20260101T000000Z/journal.jsonl",
             deshim::fuzz::as_text(data, size));
  auto opened = deshim::migrate::journal::open(node.fs(), "20260101T000000Z");
  if (opened) {
    (void)opened->state();
    (void)opened->begun_steps();
    (void)opened->done_steps();
    (void)opened->undone_steps();
  }
  (void)deshim::migrate::find_interrupted_apply(node.fs());
  return 0;
}
