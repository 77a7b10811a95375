// Fact paths: how a rule names one value inside the facts' JSON (`docker.live_restore`,
// `docker.log_opts["max-size"]`, `container.mounts[0]`).
//
// Rules never read files; they match `to_json(node_facts)`. A path's first segment is looked
// up among the names an enclosing `each` bound (a container, a mount) before the top-level
// facts, so one syntax serves both. Paths are parsed when a rule loads, so a typo is a load
// error, not a silent non-match at scan time.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace deshim::analyze {

/// A parsed path: keys (strings) and array indexes.
struct fact_path {
  std::vector<std::variant<std::string, std::size_t>> segments;
  std::string text;  ///< as written in the rule, for messages and docs

  /// Same segments (the written text may differ: `a["b"]` and `a.b`).
  bool operator==(const fact_path& other) const { return segments == other.segments; }
};

/// Parses `docker.sources.live-restore.line`, `labels["io.kubernetes.pod.name"]`, `hosts[0]`.
/// Errors name the column (1-based, within `text`) where the path went wrong.
result<fact_path> parse_fact_path(std::string_view text);

/// Names bound while a rule is evaluated: elements bound by `each` point into the facts (no
/// copies, the facts may hold a large workload list); values a template computes (a regex
/// match, a key) are owned.
///
/// Rules run for every container and mount of a List of a hundred thousand pods, so this is a
/// small flat list (a few names; the first ones kept inline, without allocating) rather than a
/// map, and a nested scope does not copy the names around it: it points at them (`set_outer`)
/// and looks there after its own.
class fact_bindings {
 public:
  fact_bindings() = default;
  fact_bindings(const fact_bindings& other) { merge(other); }
  fact_bindings& operator=(const fact_bindings& other);
  fact_bindings(fact_bindings&& other) noexcept = default;
  fact_bindings& operator=(fact_bindings&& other) noexcept = default;

  void bind_ref(const std::string& name, const nlohmann::json& value);
  void bind_value(const std::string& name, nlohmann::json value);
  /// Adds every binding of `other` (not its outer scope), replacing those of the same name.
  void merge(const fact_bindings& other);
  /// Names not bound here are looked up in `outer`, which must outlive this object's lookups.
  /// Copies and `merge` do not carry it over.
  void set_outer(const fact_bindings* outer) { outer_ = outer; }
  const nlohmann::json* find(const std::string& name) const;
  /// Same names bound to the same values (refs compared by address); the outer scope is not
  /// compared.
  bool operator==(const fact_bindings& other) const;

 private:
  struct entry {
    std::string name;
    const nlohmann::json* ref = nullptr;  ///< null: the value is `value`
    nlohmann::json value;
  };
  static constexpr std::size_t inline_size = 3;

  entry* slot_for(const std::string& name);
  const entry* own(const std::string& name) const;
  const entry& at(std::size_t index) const {
    return index < inline_size ? inline_[index] : more_[index - inline_size];
  }

  std::array<entry, inline_size> inline_;
  std::vector<entry> more_;
  std::size_t size_ = 0;
  const fact_bindings* outer_ = nullptr;
};

/// True when the two paths read the same facts: one is a prefix of the other (a path above an
/// array reads the array whole, a path below it reads part of it).
bool paths_overlap(const fact_path& first, const fact_path& second);

/// An array of the facts fed to the rules one element at a time (a big workload List): the
/// facts hold only the current element, at index 0; `offset` is its index in the whole array,
/// so `each` binds `<name>_index` as if the array were whole.
struct streamed_window {
  const fact_path& array;
  std::size_t offset = 0;
};

/// Where paths are resolved: the bindings first, then the facts root.
struct fact_scope {
  const nlohmann::json& facts;
  const fact_bindings& bindings;
  const streamed_window* window = nullptr;  ///< set while an array is streamed
};

/// The value at `path`, or nullptr when any segment is missing or has the wrong type.
const nlohmann::json* resolve_fact(const fact_path& path, const fact_scope& scope);

}  // namespace deshim::analyze
