// `result<T>`: a value or a deshim `error`, since C++20 has no std::expected.
//
// Functions that can fail on input or environment return `result<T>`; callers test it with
// `if (!r)` and pass `r.error()` up, adding context. `result<void>` carries success alone.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/error.h"

namespace deshim {

template <typename T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  result(deshim::error failure) : state_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const deshim::error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, deshim::error> state_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(deshim::error failure)
      : failure_(std::move(failure)), failed_(true) {}  // NOLINT: implicit

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const deshim::error& error() const {
    assert(failed_);
    return failure_;
  }

 private:
  deshim::error failure_{error_kind::internal, ""};
  bool failed_ = false;
};

}  // namespace deshim
