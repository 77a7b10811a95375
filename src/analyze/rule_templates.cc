#include "analyze/rule_templates.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string_view>
#include <unordered_map>

#include "common/semver.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;
using condition_ptr = std::shared_ptr<const condition>;

const std::regex& binding_name_pattern() {
  static const std::regex pattern("^[a-z_][a-z0-9_]*$");
  return pattern;
}

/// Typed access to one template's parameters, with errors pointing at the offending node.
class param_reader {
 public:
  param_reader(const std::string& file, const std::string& template_name, const YAML::Node& params,
               const YAML::Node& where)
      : file_(file), template_(template_name), params_(params), where_(where) {}

  bool has(const char* name) const { return params_.IsMap() && params_[name]; }

  result<YAML::Node> node(const char* name) const {
    if (!has(name)) {
      return rule_error_at(file_, where_,
                           "template " + template_ + " needs parameter \"" + name + "\"",
                           "see docs/rules-format.md, \"Templates\"");
    }
    return params_[name];
  }

  result<std::string> string(const char* name) const {
    auto value = node(name);
    if (!value) return value.error();
    if (!value->IsScalar()) return wrong(*value, name, "a string");
    return value->Scalar();
  }

  result<fact_path> path(const char* name) const {
    auto text = string(name);
    if (!text) return text.error();
    auto parsed = parse_fact_path(*text);
    if (!parsed)
      return rule_error_at(file_, params_[name], parsed.error().message(), parsed.error().hint());
    return parsed;
  }

  result<bool> boolean(const char* name, bool fallback) const {
    if (!has(name)) return fallback;
    json value = yaml_to_json(params_[name]);
    if (!value.is_boolean()) return wrong(params_[name], name, "true or false");
    return value.get<bool>();
  }

  result<std::string> one_of(const char* name, const std::vector<std::string>& choices,
                             const std::string& fallback = {}) const {
    if (!has(name) && !fallback.empty()) return fallback;
    auto text = string(name);
    if (!text) return text.error();
    if (std::find(choices.begin(), choices.end(), *text) == choices.end()) {
      std::string all;
      for (const auto& choice : choices)
        all += (all.empty() ? "" : ", ") + choice;
      return rule_error_at(file_, params_[name],
                           "parameter \"" + std::string(name) + "\" of " + template_ +
                               " must be one of " + all + ", found \"" + *text + "\"");
    }
    return text;
  }

  result<condition_ptr> nested(const char* name) const {
    auto value = node(name);
    if (!value) return value.error();
    return parse_condition(file_, *value);
  }

  result<std::vector<condition_ptr>> nested_list(const char* name) const {
    auto value = node(name);
    if (!value) return value.error();
    if (!value->IsSequence() || value->size() == 0) {
      return wrong(*value, name, "a non-empty list of {template, params}");
    }
    std::vector<condition_ptr> out;
    for (const auto& item : *value) {
      auto built = parse_condition(file_, item);
      if (!built) return built.error();
      out.push_back(*built);
    }
    return out;
  }

  error wrong(const YAML::Node& at, const char* name, const std::string& expected) const {
    return rule_error_at(
        file_, at,
        "parameter \"" + std::string(name) + "\" of " + template_ + " must be " + expected);
  }

  const std::string& file() const { return file_; }
  const YAML::Node& params() const { return params_; }

 private:
  const std::string& file_;
  const std::string& template_;
  const YAML::Node& params_;
  const YAML::Node& where_;
};

match_list one_match() {
  return match_list(1);
}

/// How a leaf template reading `path` reads `array`: a path starting with a name an `each`
/// bound reads that element; any other path overlapping the array needs it whole.
array_access leaf_access(const fact_path& path, const fact_path& array, const bound_names& bound) {
  if (!path.segments.empty()) {
    if (const auto* first = std::get_if<std::string>(&path.segments[0])) {
      if (std::find(bound.begin(), bound.end(), *first) != bound.end()) return array_access::none;
    }
  }
  return paths_overlap(path, array) ? array_access::whole : array_access::none;
}

/// Parts combined (all-of, any-of, two paths): whole when any part needs it whole; one part
/// streaming it keeps the union property, two would pair elements across the stream.
array_access combined_access(const std::vector<array_access>& parts, bool pairs_matches) {
  int per_element = 0;
  for (array_access part : parts) {
    if (part == array_access::whole) return array_access::whole;
    if (part == array_access::per_element) ++per_element;
  }
  if (per_element == 0) return array_access::none;
  return per_element > 1 && pairs_matches ? array_access::whole : array_access::per_element;
}

// ---- the templates -------------------------------------------------------------------------

class fact_present final : public condition {
 public:
  fact_present(fact_path path, bool want_present) : path_(std::move(path)), want_(want_present) {}
  match_list evaluate(const fact_scope& scope) const override {
    const json* value = resolve_fact(path_, scope);
    bool present = value != nullptr && !value->is_null();
    return present == want_ ? one_match() : match_list{};
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    return leaf_access(path_, array, bound);
  }

 private:
  fact_path path_;
  bool want_;
};

class fact_equals final : public condition {
 public:
  fact_equals(fact_path path, std::vector<json> values)
      : path_(std::move(path)), values_(std::move(values)) {}
  match_list evaluate(const fact_scope& scope) const override {
    const json* value = resolve_fact(path_, scope);
    if (value == nullptr) return {};
    for (const auto& wanted : values_) {
      if (*value == wanted) return one_match();
    }
    return {};
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    return leaf_access(path_, array, bound);
  }

 private:
  fact_path path_;
  std::vector<json> values_;
};

/// Hashes std::string and std::string_view alike, so a memo keyed by std::string is searched
/// with a view (no copy per lookup).
struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

class fact_matches final : public condition {
 public:
  fact_matches(fact_path path, std::regex pattern)
      : path_(std::move(path)), pattern_(std::move(pattern)) {}
  match_list evaluate(const fact_scope& scope) const override {
    const json* value = resolve_fact(path_, scope);
    if (value == nullptr) return {};
    std::string joined;
    std::string_view text;
    if (value->is_string()) {
      text = value->get_ref<const std::string&>();
    } else if (value->is_array()) {
      for (const auto& item : *value) {
        if (!item.is_string()) return {};
        if (!joined.empty()) joined += ' ';
        joined += item.get_ref<const std::string&>();
      }
      text = joined;
    } else {
      return {};
    }
    const std::optional<std::string>& found = search(text);
    if (!found) return {};
    match_list out(1);
    out[0].bind_value("match", *found);
    return out;
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    return leaf_access(path_, array, bound);
  }

 private:
  using memo_table =
      std::unordered_map<std::string, std::optional<std::string>, text_hash, std::equal_to<>>;

  /// What the regex matches in `text` (its first match), or nothing. The same few images,
  /// commands and host paths recur across every pod of a big List, and std::regex costs
  /// microseconds a search: each distinct text is searched once and remembered. The memo is
  /// bounded (emptied when full), so a List of all-distinct texts costs memory of a few
  /// thousand entries, not of the List. Rules may run on several threads (rule_engine.cc):
  /// each thread keeps its own memos, keyed by the condition's serial number (an address could
  /// be reused by a later rule set).
  const std::optional<std::string>& search(std::string_view text) const {
    thread_local std::unordered_map<std::uint64_t, memo_table> memos;
    if (memos.size() > 256 && memos.find(serial_) == memos.end()) memos.clear();  // old rule sets
    memo_table& memo = memos[serial_];
    if (auto known = memo.find(text); known != memo.end()) return known->second;
    if (memo.size() >= memo_limit) memo.clear();
    std::optional<std::string> result;
    std::match_results<std::string_view::const_iterator> found;
    if (std::regex_search(text.begin(), text.end(), found, pattern_)) result = found.str(0);
    return memo.emplace(std::string(text), std::move(result)).first->second;
  }

  static std::uint64_t next_serial() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }

  static constexpr std::size_t memo_limit = 4096;
  fact_path path_;
  std::regex pattern_;
  std::uint64_t serial_ = next_serial();
};

enum class compare_op { lt, le, gt, ge, eq, ne };

compare_op parse_op(const std::string& text) {
  static const std::map<std::string, compare_op> ops = {
      {"lt", compare_op::lt}, {"le", compare_op::le}, {"gt", compare_op::gt},
      {"ge", compare_op::ge}, {"eq", compare_op::eq}, {"ne", compare_op::ne}};
  return ops.at(text);
}

template <typename T>
bool holds(compare_op op, const T& left, const T& right) {
  switch (op) {
    case compare_op::lt:
      return left < right;
    case compare_op::le:
      return left <= right;
    case compare_op::gt:
      return left > right;
    case compare_op::ge:
      return left >= right;
    case compare_op::eq:
      return left == right;
    case compare_op::ne:
      return left != right;
  }
  return false;
}

std::optional<double> number_of(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  std::size_t used = 0;
  try {
    double parsed = std::stod(text, &used);
    if (used == text.size()) return parsed;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

class fact_compare final : public condition {
 public:
  fact_compare(fact_path path, compare_op op, bool as_version, double number, semver version)
      : path_(std::move(path)),
        op_(op),
        as_version_(as_version),
        number_(number),
        version_(std::move(version)) {}
  match_list evaluate(const fact_scope& scope) const override {
    const json* value = resolve_fact(path_, scope);
    if (value == nullptr) return {};
    if (as_version_) {
      if (!value->is_string()) return {};
      auto parsed = parse_semver(value->get<std::string>());
      if (!parsed) return {};
      return holds(op_, *parsed, version_) ? one_match() : match_list{};
    }
    auto number = number_of(*value);
    if (!number) return {};
    return holds(op_, *number, number_) ? one_match() : match_list{};
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    return leaf_access(path_, array, bound);
  }

 private:
  fact_path path_;
  compare_op op_;
  bool as_version_;
  double number_;
  semver version_;
};

class facts_compare final : public condition {
 public:
  facts_compare(fact_path left, fact_path right, bool want_equal, std::optional<json> left_default,
                std::optional<json> right_default)
      : left_(std::move(left)),
        right_(std::move(right)),
        want_equal_(want_equal),
        left_default_(std::move(left_default)),
        right_default_(std::move(right_default)) {}
  match_list evaluate(const fact_scope& scope) const override {
    const json* left = effective(left_, left_default_, scope);
    const json* right = effective(right_, right_default_, scope);
    if (left == nullptr || right == nullptr) return {};
    if ((*left == *right) != want_equal_) return {};
    match_list out(1);
    out[0].bind_value("left", *left);
    out[0].bind_value("right", *right);
    return out;
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    return combined_access({leaf_access(left_, array, bound), leaf_access(right_, array, bound)},
                           true);
  }

 private:
  static const json* effective(const fact_path& path, const std::optional<json>& fallback,
                               const fact_scope& scope) {
    const json* value = resolve_fact(path, scope);
    if (value != nullptr && !value->is_null()) return value;
    return fallback ? &*fallback : nullptr;
  }
  fact_path left_, right_;
  bool want_equal_;
  std::optional<json> left_default_, right_default_;
};

class each final : public condition {
 public:
  each(fact_path path, std::string name, condition_ptr where)
      : path_(std::move(path)),
        name_(std::move(name)),
        index_name_(name_ + "_index"),
        key_name_(name_ + "_key"),
        where_(std::move(where)) {}
  match_list evaluate(const fact_scope& scope) const override {
    const json* container = resolve_fact(path_, scope);
    match_list out;
    if (container == nullptr) return out;
    // `own` holds the element's names; the `where` sees them before the enclosing scope's
    // (looked up through `set_outer`, not copied: this runs for every container and mount).
    auto visit = [&](const json& element, fact_bindings& own) {
      own.bind_ref(name_, element);
      if (!where_) {
        out.push_back(own);
        return;
      }
      own.set_outer(&scope.bindings);
      for (auto& inner : where_->evaluate({scope.facts, own, scope.window})) {
        fact_bindings combined = own;
        combined.merge(inner);
        out.push_back(std::move(combined));
      }
    };
    // While the array is streamed the facts hold one element: index it as in the whole array.
    std::size_t offset = scope.window && path_ == scope.window->array ? scope.window->offset : 0;
    if (container->is_array()) {
      for (std::size_t i = 0; i < container->size(); ++i) {
        fact_bindings own;
        own.bind_value(index_name_, offset + i);
        visit((*container)[i], own);
      }
    } else if (container->is_object()) {
      for (const auto& [key, element] : container->items()) {
        fact_bindings own;
        own.bind_value(key_name_, key);
        visit(element, own);
      }
    }
    return out;
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    bound_names inner = bound;
    inner.insert(inner.end(), {name_, index_name_, key_name_});
    array_access where = where_ ? where_->access_to(array, inner) : array_access::none;
    array_access own = leaf_access(path_, array, bound);
    if (own == array_access::none) return where;
    // Over the array itself, with a `where` that reads only the element: the one shape whose
    // matches are the union of each element's.
    if (path_ == array && where == array_access::none) return array_access::per_element;
    return array_access::whole;
  }

 private:
  fact_path path_;
  std::string name_;
  std::string index_name_;  ///< `<name>_index`, bound for each element of an array
  std::string key_name_;    ///< `<name>_key`, bound for each member of an object
  condition_ptr where_;
};

class all_of final : public condition {
 public:
  explicit all_of(std::vector<condition_ptr> parts) : parts_(std::move(parts)) {}
  match_list evaluate(const fact_scope& scope) const override {
    match_list current = one_match();
    for (const auto& part : parts_) {
      match_list next;
      for (auto& so_far : current) {
        so_far.set_outer(&scope.bindings);
        for (auto& found : part->evaluate({scope.facts, so_far, scope.window})) {
          fact_bindings combined = so_far;
          combined.merge(found);
          next.push_back(std::move(combined));
        }
      }
      current = std::move(next);
      if (current.empty()) break;
    }
    return current;
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    std::vector<array_access> parts;
    for (const auto& part : parts_)
      parts.push_back(part->access_to(array, bound));
    return combined_access(parts, true);
  }

 private:
  std::vector<condition_ptr> parts_;
};

class any_of final : public condition {
 public:
  explicit any_of(std::vector<condition_ptr> parts) : parts_(std::move(parts)) {}
  match_list evaluate(const fact_scope& scope) const override {
    match_list out;
    for (const auto& part : parts_) {
      for (auto& found : part->evaluate(scope))
        out.push_back(std::move(found));
    }
    return out;
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    std::vector<array_access> parts;
    for (const auto& part : parts_)
      parts.push_back(part->access_to(array, bound));
    return combined_access(parts, false);
  }

 private:
  std::vector<condition_ptr> parts_;
};

class negation final : public condition {
 public:
  explicit negation(condition_ptr inner) : inner_(std::move(inner)) {}
  match_list evaluate(const fact_scope& scope) const override {
    return inner_->evaluate(scope).empty() ? one_match() : match_list{};
  }

  array_access access_to(const fact_path& array, const bound_names& bound) const override {
    // "no element matches" is not a union over elements.
    return inner_->access_to(array, bound) == array_access::none ? array_access::none
                                                                 : array_access::whole;
  }

 private:
  condition_ptr inner_;
};

// ---- the table: parameters and builders ----------------------------------------------------

struct template_spec {
  std::vector<std::string> required;
  std::vector<std::string> optional;
  std::function<result<condition_ptr>(const param_reader&)> build;
};

result<condition_ptr> build_equals(const param_reader& params) {
  auto path = params.path("path");
  if (!path) return path.error();
  bool has_value = params.has("value");
  bool has_values = params.has("values");
  if (has_value == has_values) {
    return rule_error_at(params.file(), params.params(),
                         "fact-equals needs exactly one of \"value\" and \"values\"");
  }
  std::vector<json> values;
  if (has_value) {
    values.push_back(yaml_to_json(params.params()["value"]));
  } else {
    const YAML::Node& list = params.params()["values"];
    if (!list.IsSequence() || list.size() == 0) {
      return params.wrong(list, "values", "a non-empty list");
    }
    for (const auto& item : list)
      values.push_back(yaml_to_json(item));
  }
  return condition_ptr(std::make_shared<fact_equals>(std::move(*path), std::move(values)));
}

result<condition_ptr> build_matches(const param_reader& params) {
  auto path = params.path("path");
  if (!path) return path.error();
  auto text = params.string("regex");
  if (!text) return text.error();
  auto ignore_case = params.boolean("ignore_case", false);
  if (!ignore_case) return ignore_case.error();
  auto flags = std::regex::ECMAScript;
  if (*ignore_case) flags |= std::regex::icase;
  try {
    return condition_ptr(
        std::make_shared<fact_matches>(std::move(*path), std::regex(*text, flags)));
  } catch (const std::regex_error& e) {
    return rule_error_at(params.file(), params.params()["regex"],
                         "regex \"" + *text + "\" does not compile: " + e.what(),
                         "regexes are ECMAScript (JavaScript) syntax");
  }
}

result<condition_ptr> build_compare_value(const param_reader& params) {
  auto path = params.path("path");
  if (!path) return path.error();
  auto op = params.one_of("op", {"lt", "le", "gt", "ge", "eq", "ne"});
  if (!op) return op.error();
  auto kind = params.one_of("as", {"number", "version"}, "number");
  if (!kind) return kind.error();
  auto value = params.node("value");
  if (!value) return value.error();
  json typed = yaml_to_json(*value);
  if (*kind == "version") {
    if (!value->IsScalar()) return params.wrong(*value, "value", "a version such as 1.24");
    auto version = parse_semver(value->Scalar());
    if (!version) return params.wrong(*value, "value", "a version such as 1.24");
    return condition_ptr(std::make_shared<fact_compare>(std::move(*path), parse_op(*op), true, 0.0,
                                                        std::move(*version)));
  }
  if (!typed.is_number()) return params.wrong(*value, "value", "a number");
  return condition_ptr(std::make_shared<fact_compare>(std::move(*path), parse_op(*op), false,
                                                      typed.get<double>(), semver{}));
}

result<condition_ptr> build_compare_facts(const param_reader& params) {
  auto left = params.path("left");
  if (!left) return left.error();
  auto right = params.path("right");
  if (!right) return right.error();
  auto op = params.one_of("op", {"equal", "differ"});
  if (!op) return op.error();
  std::optional<json> left_default, right_default;
  if (params.has("left_default")) left_default = yaml_to_json(params.params()["left_default"]);
  if (params.has("right_default")) right_default = yaml_to_json(params.params()["right_default"]);
  return condition_ptr(std::make_shared<facts_compare>(std::move(*left), std::move(*right),
                                                       *op == "equal", std::move(left_default),
                                                       std::move(right_default)));
}

result<condition_ptr> build_each(const param_reader& params) {
  auto path = params.path("path");
  if (!path) return path.error();
  auto name = params.string("as");
  if (!name) return name.error();
  static const std::set<std::string> reserved = {"match", "left", "right"};
  if (!std::regex_match(*name, binding_name_pattern()) || reserved.count(*name) != 0) {
    return params.wrong(params.params()["as"], "as",
                        "a lower-case name ([a-z_][a-z0-9_]*) other than match, left, right");
  }
  condition_ptr where;
  if (params.has("where")) {
    auto built = params.nested("where");
    if (!built) return built.error();
    where = *built;
  }
  return condition_ptr(std::make_shared<each>(std::move(*path), std::move(*name), where));
}

const std::map<std::string, template_spec>& templates() {
  static const std::map<std::string, template_spec> table = {
      {"fact-present",
       {{"path"},
        {},
        [](const param_reader& p) -> result<condition_ptr> {
          auto path = p.path("path");
          if (!path) return path.error();
          return condition_ptr(std::make_shared<fact_present>(std::move(*path), true));
        }}},
      {"fact-absent",
       {{"path"},
        {},
        [](const param_reader& p) -> result<condition_ptr> {
          auto path = p.path("path");
          if (!path) return path.error();
          return condition_ptr(std::make_shared<fact_present>(std::move(*path), false));
        }}},
      {"fact-equals", {{"path"}, {"value", "values"}, build_equals}},
      {"fact-matches", {{"path", "regex"}, {"ignore_case"}, build_matches}},
      {"fact-compare", {{"path", "op", "value"}, {"as"}, build_compare_value}},
      {"compare",
       {{"left", "right", "op"}, {"left_default", "right_default"}, build_compare_facts}},
      {"each", {{"path", "as"}, {"where"}, build_each}},
      {"all-of",
       {{"conditions"},
        {},
        [](const param_reader& p) -> result<condition_ptr> {
          auto parts = p.nested_list("conditions");
          if (!parts) return parts.error();
          return condition_ptr(std::make_shared<all_of>(std::move(*parts)));
        }}},
      {"any-of",
       {{"conditions"},
        {},
        [](const param_reader& p) -> result<condition_ptr> {
          auto parts = p.nested_list("conditions");
          if (!parts) return parts.error();
          return condition_ptr(std::make_shared<any_of>(std::move(*parts)));
        }}},
      {"not",
       {{"condition"},
        {},
        [](const param_reader& p) -> result<condition_ptr> {
          auto inner = p.nested("condition");
          if (!inner) return inner.error();
          return condition_ptr(std::make_shared<negation>(std::move(*inner)));
        }}},
  };
  return table;
}

}  // namespace

error rule_error_at(const std::string& file, const YAML::Node& node, std::string message,
                    std::string hint) {
  source_location where{file};
  if (node.IsDefined()) {
    YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      where.line = mark.line + 1;
      where.column = mark.column + 1;
    }
  }
  return invalid_input(std::move(message), where, std::move(hint));
}

const std::vector<std::string>& template_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, spec] : templates())
      out.push_back(name);
    return out;
  }();
  return names;
}

result<std::shared_ptr<const condition>> build_condition(const std::string& file,
                                                         const std::string& name,
                                                         const YAML::Node& params,
                                                         const YAML::Node& where) {
  auto found = templates().find(name);
  if (found == templates().end()) {
    std::string all;
    for (const auto& known : template_names())
      all += (all.empty() ? "" : ", ") + known;
    return rule_error_at(file, where, "unknown template \"" + name + "\"", "templates: " + all);
  }
  const template_spec& spec = found->second;
  if (params.IsDefined() && !params.IsNull() && !params.IsMap()) {
    return rule_error_at(file, params, "params of " + name + " must be a mapping");
  }
  if (params.IsMap()) {
    std::set<std::string> seen;
    for (const auto& entry : params) {
      const std::string key = entry.first.Scalar();
      bool known =
          std::find(spec.required.begin(), spec.required.end(), key) != spec.required.end() ||
          std::find(spec.optional.begin(), spec.optional.end(), key) != spec.optional.end();
      if (!known) {
        std::string all;
        for (const auto& p : spec.required)
          all += (all.empty() ? "" : ", ") + p;
        for (const auto& p : spec.optional)
          all += (all.empty() ? "" : ", ") + p;
        return rule_error_at(file, entry.first,
                             "unknown parameter \"" + key + "\" for template " + name,
                             "its parameters: " + all);
      }
      if (!seen.insert(key).second) {
        return rule_error_at(file, entry.first, "parameter \"" + key + "\" is given twice");
      }
    }
  }
  YAML::Node empty_params(YAML::NodeType::Map);
  const YAML::Node& effective = params.IsMap() ? params : empty_params;
  param_reader reader(file, name, effective, where);
  return spec.build(reader);
}

result<std::shared_ptr<const condition>> parse_condition(const std::string& file,
                                                         const YAML::Node& node) {
  if (!node.IsMap()) {
    return rule_error_at(file, node, "a condition must be a mapping {template: ..., params: ...}");
  }
  YAML::Node name_node(YAML::NodeType::Undefined);
  YAML::Node params(YAML::NodeType::Undefined);
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (key == "template") {
      name_node = entry.second;
    } else if (key == "params") {
      params = entry.second;
    } else {
      return rule_error_at(file, entry.first, "unknown field \"" + key + "\" in a condition",
                           "a condition holds only template and params");
    }
  }
  if (!name_node.IsDefined()) {
    return rule_error_at(file, node, "a condition needs a template");
  }
  if (!name_node.IsScalar()) return rule_error_at(file, name_node, "template must be a name");
  return build_condition(file, name_node.Scalar(), params, name_node);
}

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node)
        out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node)
        out[entry.first.Scalar()] = yaml_to_json(entry.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  static const std::regex integer("^[-+]?[0-9]+$");
  static const std::regex real("^[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text == "null" || text == "Null" || text == "NULL" || text == "~") return nullptr;
  try {
    if (std::regex_match(text, integer)) return std::stoll(text);
    if (std::regex_match(text, real)) return std::stod(text);
  } catch (const std::exception&) {
    // out of range: keep it as text
  }
  return text;
}

}  // namespace deshim::analyze
