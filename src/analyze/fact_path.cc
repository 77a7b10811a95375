#include "analyze/fact_path.h"

#include <algorithm>
#include <cctype>

namespace deshim::analyze {
namespace {

bool is_bare_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

error path_error(std::string_view text, std::size_t offset, const std::string& what) {
  return invalid_input("fact path \"" + std::string(text) + "\": " + what + " at column " +
                           std::to_string(offset + 1),
                       {}, "write paths as a.b[\"key.with.dots\"][0]");
}

}  // namespace

result<fact_path> parse_fact_path(std::string_view text) {
  fact_path path;
  path.text = std::string(text);
  std::size_t i = 0;
  bool expect_key = true;  // at the start and after a '.'
  if (text.empty()) return path_error(text, 0, "empty path");
  while (i < text.size()) {
    char c = text[i];
    if (expect_key) {
      if (c == '[' && path.segments.empty()) {
        expect_key = false;  // a quoted first key: ["a.b"].c
        continue;
      }
      std::size_t start = i;
      while (i < text.size() && is_bare_key_char(text[i]))
        ++i;
      if (i == start) return path_error(text, i, "expected a key");
      path.segments.emplace_back(std::string(text.substr(start, i - start)));
      expect_key = false;
      continue;
    }
    if (c == '.') {
      expect_key = true;
      ++i;
      if (i == text.size()) return path_error(text, i, "expected a key after '.'");
      continue;
    }
    if (c != '[') return path_error(text, i, std::string("unexpected '") + c + "'");
    ++i;
    if (i < text.size() && text[i] == '"') {
      ++i;
      std::string key;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        key += text[i++];
      }
      if (i >= text.size()) return path_error(text, i, "unterminated quoted key");
      ++i;  // closing quote
      if (i >= text.size() || text[i] != ']') return path_error(text, i, "expected ']'");
      ++i;
      path.segments.emplace_back(std::move(key));
      continue;
    }
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0)
      ++i;
    if (i == start) return path_error(text, i, "expected an index or a quoted key");
    if (i >= text.size() || text[i] != ']') return path_error(text, i, "expected ']'");
    path.segments.emplace_back(
        static_cast<std::size_t>(std::stoull(std::string(text.substr(start, i - start)))));
    ++i;
  }
  return path;
}

fact_bindings& fact_bindings::operator=(const fact_bindings& other) {
  if (this == &other) return *this;
  more_.clear();
  size_ = 0;
  outer_ = nullptr;
  merge(other);
  return *this;
}

fact_bindings::entry* fact_bindings::slot_for(const std::string& name) {
  for (std::size_t i = 0; i < size_; ++i) {
    entry& existing = i < inline_size ? inline_[i] : more_[i - inline_size];
    if (existing.name == name) return &existing;
  }
  entry* added;
  if (size_ < inline_size) {
    added = &inline_[size_];
  } else {
    added = &more_.emplace_back();
  }
  ++size_;
  added->name = name;
  return added;
}

const fact_bindings::entry* fact_bindings::own(const std::string& name) const {
  for (std::size_t i = 0; i < size_; ++i) {
    if (at(i).name == name) return &at(i);
  }
  return nullptr;
}

void fact_bindings::bind_ref(const std::string& name, const nlohmann::json& value) {
  entry* slot = slot_for(name);
  slot->ref = &value;
  slot->value = nullptr;
}

void fact_bindings::bind_value(const std::string& name, nlohmann::json value) {
  entry* slot = slot_for(name);
  slot->ref = nullptr;
  slot->value = std::move(value);
}

void fact_bindings::merge(const fact_bindings& other) {
  for (std::size_t i = 0; i < other.size_; ++i) {
    const entry& given = other.at(i);
    entry* slot = slot_for(given.name);
    slot->ref = given.ref;
    slot->value = given.value;
  }
}

const nlohmann::json* fact_bindings::find(const std::string& name) const {
  for (const fact_bindings* scope = this; scope != nullptr; scope = scope->outer_) {
    if (const entry* found = scope->own(name)) return found->ref ? found->ref : &found->value;
  }
  return nullptr;
}

bool fact_bindings::operator==(const fact_bindings& other) const {
  if (size_ != other.size_) return false;
  for (std::size_t i = 0; i < size_; ++i) {
    const entry& mine = at(i);
    const entry* theirs = other.own(mine.name);
    if (theirs == nullptr || mine.ref != theirs->ref) return false;
    if (mine.ref == nullptr && mine.value != theirs->value) return false;
  }
  return true;
}

bool paths_overlap(const fact_path& first, const fact_path& second) {
  std::size_t common = std::min(first.segments.size(), second.segments.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (first.segments[i] != second.segments[i]) return false;
  }
  return true;
}

const nlohmann::json* resolve_fact(const fact_path& path, const fact_scope& scope) {
  const nlohmann::json* current = nullptr;
  std::size_t first = 0;
  if (!path.segments.empty()) {
    if (const auto* key = std::get_if<std::string>(&path.segments[0])) {
      current = scope.bindings.find(*key);
      if (current != nullptr) first = 1;
    }
  }
  if (current == nullptr) current = &scope.facts;
  for (std::size_t i = first; i < path.segments.size(); ++i) {
    const auto& segment = path.segments[i];
    if (const auto* key = std::get_if<std::string>(&segment)) {
      if (!current->is_object()) return nullptr;
      auto found = current->find(*key);
      if (found == current->end()) return nullptr;
      current = &*found;
    } else {
      std::size_t index = std::get<std::size_t>(segment);
      if (!current->is_array() || index >= current->size()) return nullptr;
      current = &(*current)[index];
    }
  }
  return current;
}

}  // namespace deshim::analyze
