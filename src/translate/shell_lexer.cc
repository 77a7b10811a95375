#include "translate/shell_lexer.h"

#include <algorithm>
#include <cctype>

#include "common/text_position.h"

namespace deshim::translate {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
bool is_operator_char(char c) {
  return c == ';' || c == '&' || c == '|' || c == '(' || c == ')';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr size_t unassigned = static_cast<size_t>(-1);

/// Deepest nesting of $(...) and backticks read: each level is a nested lexer on the stack, and
/// no real script nests more than a few.
constexpr int max_substitution_depth = 64;

struct pending_heredoc {
  std::string delimiter;
  bool strip_tabs = false;
  size_t command = 0;  ///< index in the output
};

class lexer {
 public:
  lexer(std::string_view text, size_t end, const lex_options& options, int depth,
        std::vector<shell_command>& out)
      : text_(text), end_(end), options_(options), depth_(depth), out_(out) {}

  result<void> run(size_t begin) {
    pos_ = begin;
    while (true) {
      skip_blanks();
      if (pos_ >= end_) break;
      char c = text_[pos_];
      if (c == '#') {
        while (pos_ < end_ && text_[pos_] != '\n')
          ++pos_;
        continue;
      }
      if (c == '\n') {
        ++pos_;
        finish();
        if (auto ok = read_heredocs(); !ok) return ok;
        continue;
      }
      if (c == '&' && peek(1) == '>') {  // &> and &>> redirect both streams
        pos_ += peek(2) == '>' ? 3 : 2;
        if (auto ok = redirection_target(false, false); !ok) return ok;
        continue;
      }
      if (is_operator_char(c)) {
        finish();
        ++pos_;
        continue;
      }
      if (starts_redirection()) {
        if (auto ok = redirection(); !ok) return ok;
        continue;
      }
      auto word = read_word();
      if (!word) return word.error();
      if (saw_redirect_ && !current_.words.empty()) current_.redirect_between = true;
      current_.words.push_back(std::move(*word));
    }
    finish();
    if (!heredocs_.empty() && options_.strict) {
      return failure("heredoc ended by the end of the text, not by " + heredocs_.front().delimiter,
                     end_);
    }
    return {};
  }

 private:
  /// An error at `offset`: line and column relative to the lexed text, no file (the caller
  /// knows it).
  error failure(std::string message, size_t offset) const {
    auto at = position_of(text_, offset);
    return invalid_input(std::move(message), {"", at.line, at.column});
  }

  char peek(size_t ahead) const { return pos_ + ahead < end_ ? text_[pos_ + ahead] : '\0'; }

  void skip_blanks() {
    while (pos_ < end_) {
      if (is_blank(text_[pos_])) {
        ++pos_;
      } else if (text_[pos_] == '\\' && peek(1) == '\n') {
        pos_ += 2;  // line continuation
      } else {
        break;
      }
    }
  }

  void finish() {
    if (!current_.words.empty()) {
      // Heredocs read by this command get its index now that it has one.
      for (auto& doc : heredocs_) {
        if (doc.command == unassigned) doc.command = out_.size();
      }
      current_.depth = depth_;
      out_.push_back(std::move(current_));
    }
    current_ = shell_command{};
    saw_redirect_ = false;
  }

  bool starts_redirection() const {
    size_t p = pos_;
    while (p < end_ && is_digit(text_[p]))
      ++p;
    return p < end_ && (text_[p] == '<' || text_[p] == '>');
  }

  result<void> redirection() {
    while (is_digit(text_[pos_]))
      ++pos_;
    bool heredoc = false, strip = false;
    if (text_[pos_] == '<') {
      if (peek(1) == '<' && peek(2) == '<') {
        pos_ += 3;  // <<< here-string
      } else if (peek(1) == '<') {
        heredoc = true;
        strip = peek(2) == '-';
        pos_ += strip ? 3 : 2;
      } else {
        pos_ += (peek(1) == '&' || peek(1) == '>') ? 2 : 1;
      }
    } else {
      pos_ += (peek(1) == '>' || peek(1) == '&' || peek(1) == '|') ? 2 : 1;
    }
    return redirection_target(heredoc, strip);
  }

  result<void> redirection_target(bool heredoc, bool strip) {
    saw_redirect_ = true;
    skip_blanks();
    if (pos_ >= end_ || text_[pos_] == '\n' || is_operator_char(text_[pos_])) {
      if (options_.strict) return failure("a redirection without a target", pos_);
      return {};
    }
    auto word = read_word();
    if (!word) return word.error();
    if (heredoc) heredocs_.push_back({word->value, strip, unassigned});
    return {};
  }

  result<void> read_heredocs() {
    for (const auto& doc : heredocs_) {
      size_t body_begin = pos_;
      bool closed = false;
      while (pos_ < end_) {
        size_t line_end = text_.find('\n', pos_);
        if (line_end == std::string_view::npos || line_end > end_) line_end = end_;
        std::string_view line = text_.substr(pos_, line_end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (doc.strip_tabs) {
          while (!line.empty() && line.front() == '\t')
            line.remove_prefix(1);
        }
        if (line == doc.delimiter) {
          if (doc.command < out_.size()) {
            out_[doc.command].heredoc_bodies.push_back({body_begin, pos_});
          }
          pos_ = line_end < end_ ? line_end + 1 : end_;
          closed = true;
          break;
        }
        pos_ = line_end < end_ ? line_end + 1 : end_;
      }
      if (!closed) {
        if (options_.strict)
          return failure("heredoc is not closed by " + doc.delimiter, body_begin);
        if (doc.command < out_.size()) {
          out_[doc.command].heredoc_bodies.push_back({body_begin, end_});
        }
      }
    }
    heredocs_.clear();
    return {};
  }

  /// Finds the `)` closing a `$(` whose inside starts at `p`; npos when there is none.
  size_t matching_paren(size_t p) const {
    int level = 1;
    while (p < end_) {
      char c = text_[p];
      if (c == '\\') {
        p += 2;
        continue;
      }
      if (c == '\'') {
        size_t close = text_.find('\'', p + 1);
        if (close == std::string_view::npos || close >= end_) return std::string_view::npos;
        p = close + 1;
        continue;
      }
      if (c == '"') {
        ++p;
        while (p < end_ && text_[p] != '"')
          p += text_[p] == '\\' ? 2 : 1;
        if (p >= end_) return std::string_view::npos;
        ++p;
        continue;
      }
      if (c == '(') ++level;
      if (c == ')' && --level == 0) return p;
      ++p;
    }
    return std::string_view::npos;
  }

  size_t matching_backtick(size_t p) const {
    while (p < end_) {
      if (text_[p] == '\\') {
        p += 2;
        continue;
      }
      if (text_[p] == '`') return p;
      ++p;
    }
    return std::string_view::npos;
  }

  result<void> nested(size_t begin, size_t end) {
    if (depth_ + 1 > max_substitution_depth) {
      // Refused in lenient mode too: the alternative is a stack overflow.
      return failure("command substitutions nest deeper than " +
                         std::to_string(max_substitution_depth) + " levels",
                     begin);
    }
    lexer inner(text_, end, options_, depth_ + 1, out_);
    return inner.run(begin);
  }

  /// `$...` at pos_ (inside or outside double quotes): appends it to the word as written.
  result<void> dollar(shell_word& word) {
    size_t start = pos_;
    bool make_shell = false;  // `$$(` in a make recipe is a shell substitution
    if (options_.make_recipe && peek(1) == '$') {
      make_shell = true;
      ++pos_;
    }
    word.expands = true;
    if (peek(1) == '(') {
      bool arithmetic = peek(2) == '(';
      size_t close = matching_paren(pos_ + 2);
      if (close == std::string_view::npos) {
        if (options_.strict) return failure("$( is not closed", pos_);
        close = end_ - 1;
      }
      bool is_command = !arithmetic && (!options_.make_recipe || make_shell);
      if (is_command) {
        if (auto ok = nested(pos_ + 2, close); !ok) return ok;
      }
      pos_ = std::min(close + 1, end_);
    } else if (peek(1) == '{') {
      size_t close = text_.find('}', pos_);
      pos_ = (close == std::string_view::npos || close >= end_) ? end_ : close + 1;
    } else {
      ++pos_;
      while (pos_ < end_ &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      if (pos_ == start + 1 + (make_shell ? 1 : 0) && pos_ < end_ &&
          std::string_view("@*#?$!-0123456789").find(text_[pos_]) != std::string_view::npos) {
        ++pos_;
      }
    }
    word.value.append(text_.substr(start, pos_ - start));
    return {};
  }

  result<void> backtick(shell_word& word) {
    size_t close = matching_backtick(pos_ + 1);
    if (close == std::string_view::npos) {
      if (options_.strict) return failure("` is not closed", pos_);
      close = end_;
    }
    if (auto ok = nested(pos_ + 1, close); !ok) return ok;
    size_t stop = std::min(close + 1, end_);
    word.value.append(text_.substr(pos_, stop - pos_));
    word.expands = true;
    pos_ = stop;
    return {};
  }

  result<shell_word> read_word() {
    shell_word word;
    word.begin = pos_;
    while (pos_ < end_) {
      char c = text_[pos_];
      if (is_blank(c) || c == '\n' || is_operator_char(c)) break;
      if (c == '<' || c == '>') break;
      if (c == '\\') {
        if (peek(1) == '\n') {
          pos_ += 2;
          continue;
        }
        word.quoted = true;
        if (pos_ + 1 < end_) word.value.push_back(text_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (c == '\'') {
        word.quoted = true;
        size_t close = text_.find('\'', pos_ + 1);
        if (close == std::string_view::npos || close >= end_) {
          if (options_.strict) return failure("a single quote is not closed", pos_);
          close = end_;
        }
        word.value.append(text_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = std::min(close + 1, end_);
        continue;
      }
      if (c == '"') {
        word.quoted = true;
        size_t opened = pos_;
        ++pos_;
        bool closed = false;
        while (pos_ < end_) {
          char d = text_[pos_];
          if (d == '"') {
            ++pos_;
            closed = true;
            break;
          }
          if (d == '\\' && pos_ + 1 < end_ &&
              std::string_view("$`\"\\\n").find(text_[pos_ + 1]) != std::string_view::npos) {
            if (text_[pos_ + 1] != '\n') word.value.push_back(text_[pos_ + 1]);
            pos_ += 2;
            continue;
          }
          if (d == '$') {
            if (auto ok = dollar(word); !ok) return ok.error();
            continue;
          }
          if (d == '`') {
            if (auto ok = backtick(word); !ok) return ok.error();
            continue;
          }
          word.value.push_back(d);
          ++pos_;
        }
        if (!closed && options_.strict) return failure("a double quote is not closed", opened);
        continue;
      }
      if (c == '$') {
        if (auto ok = dollar(word); !ok) return ok.error();
        continue;
      }
      if (c == '`') {
        if (auto ok = backtick(word); !ok) return ok.error();
        continue;
      }
      word.value.push_back(c);
      ++pos_;
    }
    word.end = pos_;
    return word;
  }

  std::string_view text_;
  size_t end_;
  const lex_options& options_;
  int depth_;
  std::vector<shell_command>& out_;
  size_t pos_ = 0;
  shell_command current_;
  bool saw_redirect_ = false;
  std::vector<pending_heredoc> heredocs_;
};

}  // namespace

result<std::vector<shell_command>> lex_shell(std::string_view text, size_t begin, size_t end,
                                             const lex_options& options) {
  std::vector<shell_command> out;
  end = std::min(end, text.size());
  lexer top(text, end, options, 0, out);
  if (auto ok = top.run(begin); !ok) {
    auto failure = ok.error();
    return failure;
  }
  std::stable_sort(out.begin(), out.end(), [](const shell_command& a, const shell_command& b) {
    return a.words.front().begin < b.words.front().begin;
  });
  return out;
}

std::string shell_quote(std::string_view value, bool keep_expansion) {
  if (value.empty()) return "''";
  bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-_./:=@,+%^").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(value);
  if (keep_expansion) {
    std::string out = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  }
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

}  // namespace deshim::translate
