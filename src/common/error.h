// The one error type of deshim.
//
// An `error` is a tool failure: bad input, a bad invocation, or an environment that did not
// answer. It is not a finding about a node (findings live in analyze/ and are data). Every
// error knows where it happened (a file with line and column, or a field path), what is
// wrong, and how to fix it; context is added on the way up with `with_context`. Exceptions
// from third-party parsers are caught at the parse boundary and turned into errors here.
#pragma once

#include <string>
#include <utility>

namespace deshim {

/// Named failure kinds; each maps to one process exit status (see `exit_status`).
enum class error_kind {
  invalid_input,  ///< a file or value the user gave is malformed (exit 2)
  usage,          ///< the command line is wrong (exit 2)
  not_found,      ///< a required file or object does not exist (exit 2)
  environment,    ///< a daemon did not answer, permission denied, a syscall failed (exit 3)
  internal,       ///< a bug in deshim (exit 3)
};

/// Where an error points: a file position, a field path inside a document, or both.
struct source_location {
  source_location() = default;
  source_location(std::string file_name, int line_number = 0, int column_number = 0,
                  std::string field_path = {})
      : file(std::move(file_name)),
        line(line_number),
        column(column_number),
        field(std::move(field_path)) {}

  std::string file;   ///< path as the user should see it (empty when not about a file)
  int line = 0;       ///< 1-based; 0 when unknown
  int column = 0;     ///< 1-based; 0 when unknown
  std::string field;  ///< e.g. `log-opts.max-size` or `items[3].spec`; empty when unknown

  bool empty() const { return file.empty() && field.empty(); }
  /// `file:line:col` (parts that are known), then ` (field)` when a field is set.
  std::string describe() const;
};

class error {
 public:
  error(error_kind kind, std::string message, source_location where = {}, std::string hint = {});

  error_kind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  const source_location& where() const { return where_; }
  const std::string& hint() const { return hint_; }

  /// Prefixes the message with what was being done: "reading kubelet flags: <message>".
  error with_context(const std::string& context) const;
  /// Fills in the file when the error does not name one yet (parsers report positions only).
  error in_file(const std::string& file) const;
  error with_hint(std::string hint) const;

  /// `file:line:col: message` plus an indented `hint:` line when there is one.
  std::string describe() const;
  /// 2 for bad input or usage, 3 for a failing environment or a bug.
  int exit_status() const;

 private:
  error_kind kind_;
  std::string message_;
  source_location where_;
  std::string hint_;
};

/// Shorthands for the common kinds.
error invalid_input(std::string message, source_location where = {}, std::string hint = {});
error environment_error(std::string message, source_location where = {}, std::string hint = {});

}  // namespace deshim
