// The fenced blocks of a Markdown page that docs_runnable_test runs (docs/development.md,
// "Docs that run"): ```sh runnable blocks are run, an ```output block after one holds lines
// its last command must print, <!-- runnable-setup ... --> comments hold hidden preparation,
// and ```sh live blocks name commands that need a real node (only their options are checked).
#pragma once

#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace deshim::docs {

/// One command of a block: shell text (continuation lines joined) and its expected exit status.
struct doc_command {
  std::string text;
  int line = 0;           ///< where it starts in the page (1-based)
  int expected_exit = 0;  ///< from a trailing `# exit N` comment, else 0
};

enum class block_kind { runnable, setup, live, output, other_shell, other };

struct doc_block {
  block_kind kind = block_kind::other;
  int line = 0;  ///< the opening fence's line
  std::vector<doc_command> commands;
  std::vector<std::string> lines;  ///< the raw content lines (fence indentation removed)
};

inline std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;)
    out.push_back(word);
  return out;
}

/// Commands of a shell block: blank and comment-only lines skipped, `\` continuations joined.
inline std::vector<doc_command> commands_of(const std::vector<std::string>& lines, int first_line) {
  static const std::regex exit_comment(R"(#\s*exit\s+([0-9]+)\b)");
  std::vector<doc_command> out;
  std::optional<doc_command> pending;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    std::size_t text_begin = line.find_first_not_of(" \t");
    if (!pending && (text_begin == std::string::npos || line[text_begin] == '#')) continue;
    if (!pending) pending = doc_command{"", first_line + static_cast<int>(i), 0};
    bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.pop_back();
    pending->text += line + (continued ? " " : "");
    if (continued) continue;
    std::smatch match;
    if (std::regex_search(pending->text, match, exit_comment)) {
      pending->expected_exit = std::stoi(match[1]);
    }
    out.push_back(*pending);
    pending.reset();
  }
  if (pending) out.push_back(*pending);
  return out;
}

inline bool is_shell_language(const std::string& word) {
  return word == "sh" || word == "bash" || word == "shell" || word == "console";
}

/// Every fenced block and runnable-setup comment of a page, in order.
inline std::vector<doc_block> parse_doc_blocks(const std::string& page) {
  std::vector<std::string> lines;
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);

  std::vector<doc_block> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos) continue;
    if (std::string_view(line).substr(indent).starts_with("<!-- runnable-setup")) {
      doc_block block{block_kind::setup, static_cast<int>(i + 1), {}, {}};
      std::size_t j = i + 1;
      for (; j < lines.size() && lines[j].find("-->") == std::string::npos; ++j)
        block.lines.push_back(lines[j]);
      block.commands = commands_of(block.lines, static_cast<int>(i + 2));
      out.push_back(block);
      i = j;
      continue;
    }
    if (!std::string_view(line).substr(indent).starts_with("```")) continue;
    std::vector<std::string> info = split_words(line.substr(indent + 3));
    doc_block block{block_kind::other, static_cast<int>(i + 1), {}, {}};
    auto has = [&](const std::string& word) {
      for (const auto& w : info)
        if (w == word) return true;
      return false;
    };
    bool shell = !info.empty() && is_shell_language(info[0]);
    if (shell && has("runnable")) {
      block.kind = block_kind::runnable;
    } else if (shell && has("live")) {
      block.kind = block_kind::live;
    } else if (has("output")) {
      block.kind = block_kind::output;
    } else if (shell) {
      block.kind = block_kind::other_shell;
    }
    std::size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      std::size_t at = lines[j].find_first_not_of(' ');
      if (at != std::string::npos && std::string_view(lines[j]).substr(at).starts_with("```"))
        break;
      // Content of an indented fence (inside a list item) loses the fence's indentation.
      std::size_t drop = std::min(indent, lines[j].find_first_not_of(' '));
      block.lines.push_back(drop == std::string::npos ? "" : lines[j].substr(drop));
    }
    if (block.kind != block_kind::output && block.kind != block_kind::other) {
      block.commands = commands_of(block.lines, static_cast<int>(i + 2));
    }
    out.push_back(block);
    i = j;
  }
  return out;
}

/// True when a shell command runs deshim (`deshim ...`, `VAR=x deshim ...`, `... | deshim`),
/// not when it only names it (`ninja -C build deshim`).
inline bool runs_deshim(const std::string& command) {
  // deshim as the command of a pipeline stage, after any VAR=value assignments.
  static const std::regex deshim_word(
      R"((^|[|;&(])\s*([A-Za-z_][A-Za-z_0-9]*=\S*\s+)*deshim(\s|$))");
  static const std::regex comment(R"((^|\s)#.*)");
  return std::regex_search(std::regex_replace(command, comment, ""), deshim_word);
}

/// The expected lines of an output block missing from `actual`, in order: every line but `...`
/// must be a whole line of `actual` (trailing spaces ignored), after the previous one.
inline std::vector<std::string> missing_output_lines(const std::vector<std::string>& expected,
                                                     const std::string& actual) {
  auto trimmed = [](std::string text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r'))
      text.pop_back();
    return text;
  };
  std::vector<std::string> got;
  std::istringstream in(actual);
  for (std::string line; std::getline(in, line);)
    got.push_back(trimmed(line));
  std::vector<std::string> missing;
  std::size_t at = 0;
  for (const auto& raw : expected) {
    std::string want = trimmed(raw);
    if (want.empty() || want == "...") continue;
    std::size_t found = at;
    while (found < got.size() && got[found] != want)
      ++found;
    if (found == got.size()) {
      missing.push_back(want);
    } else {
      at = found + 1;
    }
  }
  return missing;
}

}  // namespace deshim::docs
