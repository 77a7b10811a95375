// Fuzz target: the shell lexer (lenient and strict) and the script scanner and translator. The
// first byte picks the script kind (shell, crontab, unit, Makefile, CI yaml).
#include "fuzz_input.h"
#include "translate/scan.h"
#include "translate/shell_lexer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deshim::translate;
  if (size == 0) return 0;
  static const auto table = builtin_command_table();
  static const script_kind kinds[] = {script_kind::shell,          script_kind::crontab,
                                      script_kind::system_crontab, script_kind::systemd,
                                      script_kind::makefile,       script_kind::ci_yaml};
  script_kind kind = kinds[data[0] % 6];
  std::string_view text = deshim::fuzz::as_text(data + 1, size - 1);
  for (bool strict : {false, true}) {
    lex_options options;
    options.strict = strict;
    options.make_recipe = kind == script_kind::makefile;
    (void)lex_shell(text, 0, text.size(), options);
  }
  std::vector<std::string> problems;
  (void)scan_script(**table, text, "fuzz.sh", kind, &problems);
  return 0;
}
