#include "common/error.h"

#include <utility>

namespace deshim {

std::string source_location::describe() const {
  std::string out = file;
  if (!file.empty() && line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!field.empty()) {
    if (out.empty()) return field;
    out += " (" + field + ")";
  }
  return out;
}

error::error(error_kind kind, std::string message, source_location where, std::string hint)
    : kind_(kind), message_(std::move(message)), where_(std::move(where)), hint_(std::move(hint)) {}

error error::with_context(const std::string& context) const {
  error copy = *this;
  copy.message_ = context + ": " + message_;
  return copy;
}

error error::in_file(const std::string& file) const {
  error copy = *this;
  if (copy.where_.file.empty()) copy.where_.file = file;
  return copy;
}

error error::with_hint(std::string hint) const {
  error copy = *this;
  copy.hint_ = std::move(hint);
  return copy;
}

std::string error::describe() const {
  std::string out;
  if (!where_.empty()) out = where_.describe() + ": ";
  out += message_;
  if (!hint_.empty()) out += "\n  hint: " + hint_;
  return out;
}

int error::exit_status() const {
  switch (kind_) {
    case error_kind::invalid_input:
    case error_kind::usage:
    case error_kind::not_found:
      return 2;
    case error_kind::environment:
    case error_kind::internal:
      return 3;
  }
  return 3;
}

error invalid_input(std::string message, source_location where, std::string hint) {
  return error(error_kind::invalid_input, std::move(message), std::move(where), std::move(hint));
}

error environment_error(std::string message, source_location where, std::string hint) {
  return error(error_kind::environment, std::move(message), std::move(where), std::move(hint));
}

}  // namespace deshim
