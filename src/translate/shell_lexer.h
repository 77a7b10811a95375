// A small shell lexer: enough of POSIX sh to find the simple commands of a script.
//
// It splits text into simple commands (words between control operators), keeps each word's
// position so a command can be rewritten in place, removes quotes, follows line continuations,
// skips comments, sets redirections aside, and lexes the inside of `$(...)` and backticks as
// commands of their own. Heredoc bodies are recorded, not lexed: the scanner decides whether a
// body is a script (fed to a shell) or data. It does not expand anything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim::translate {

struct shell_word {
  size_t begin = 0;      ///< offset of the first character in the lexed text
  size_t end = 0;        ///< offset one past the last character
  std::string value;     ///< quotes removed; substitutions ($x, $(...), `...`) kept as written
  bool quoted = false;   ///< some part was quoted or escaped
  bool expands = false;  ///< contains $ or ` outside single quotes (the shell would expand it)
};

struct text_range {
  size_t begin = 0;
  size_t end = 0;
};

struct shell_command {
  std::vector<shell_word> words;           ///< assignments and argv, in order
  bool redirect_between = false;           ///< a redirection sits between two words
  std::vector<text_range> heredoc_bodies;  ///< bodies of `<<` heredocs this command reads
  int depth = 0;                           ///< 0 at top level, 1 inside $(...), ...
};

struct lex_options {
  bool make_recipe = false;  ///< `$$` is a shell `$`; `$(...)` is a make variable, not a command
  bool strict = false;       ///< unterminated quotes and substitutions are errors
};

/// Lexes text[begin, end). Commands come in the order they start; nested ones are included.
result<std::vector<shell_command>> lex_shell(std::string_view text, size_t begin, size_t end,
                                             const lex_options& options = {});

/// Quotes a value for sh so it reads back as the same word. `keep_expansion` double-quotes
/// values with $ or ` so that the shell still expands them.
std::string shell_quote(std::string_view value, bool keep_expansion = false);

}  // namespace deshim::translate
