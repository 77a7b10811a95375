#include "analyze/rule_engine.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace deshim::analyze {

bool finding::operator<(const finding& other) const {
  return std::tie(level, rule_id, subject, message, evidence) <
         std::tie(other.level, other.rule_id, other.subject, other.message, other.evidence);
}

result<std::pair<std::string, severity>> parse_severity_override(std::string_view text) {
  auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return error(error_kind::usage,
                 "--severity takes id=level, found \"" + std::string(text) + "\"", {},
                 "e.g. --severity docker-live-restore=info");
  }
  auto level = parse_severity(text.substr(equals + 1));
  if (!level) {
    return error(error_kind::usage,
                 "--severity " + std::string(text) + ": unknown severity \"" +
                     std::string(text.substr(equals + 1)) + "\"",
                 {}, "severity is blocker, warning or info");
  }
  return std::pair<std::string, severity>(std::string(text.substr(0, equals)), *level);
}

result<std::vector<rule>> select_rules(const std::vector<rule>& rules,
                                       const rule_selection& selection) {
  auto known = [&](const std::string& id) {
    return std::any_of(rules.begin(), rules.end(), [&](const rule& r) { return r.id == id; });
  };
  for (const auto& [id, level] : selection.severity_overrides) {
    if (!known(id)) {
      return error(error_kind::usage, "--severity names no known rule: \"" + id + "\"", {},
                   "`deshim rules list` shows the rule ids");
    }
  }
  for (const auto& id : selection.ignored) {
    if (!known(id)) {
      return error(error_kind::usage, "--ignore names no known rule: \"" + id + "\"", {},
                   "`deshim rules list` shows the rule ids");
    }
  }
  std::vector<rule> out;
  for (const auto& candidate : rules) {
    if (selection.ignored.count(candidate.id) != 0) continue;
    rule selected = candidate;
    if (auto found = selection.severity_overrides.find(candidate.id);
        found != selection.severity_overrides.end()) {
      selected.level = found->second;
    }
    out.push_back(std::move(selected));
  }
  return out;
}

namespace {

finding make_finding(const rule& checked, const fact_scope& scope) {
  finding found;
  found.rule_id = checked.id;
  found.title = checked.title;
  found.category = checked.category;
  found.level = checked.level;
  found.subject = checked.subject.empty() ? "node" : checked.subject.render(scope);
  found.evidence = checked.evidence.render(scope);
  found.message = checked.message.render(scope);
  found.remediation = checked.remediation.render(scope);
  found.docs = checked.docs;
  return found;
}

/// Adds the findings of `checked` under `facts` (and `window`, while streaming) to `out`.
void collect_findings(const rule& checked, const nlohmann::json& facts,
                      const streamed_window* window, std::set<finding>& out) {
  fact_bindings none;
  for (const auto& match : checked.match->evaluate({facts, none, window}))
    out.insert(make_finding(checked, {facts, match, window}));
}

/// The array at `path` inside `facts`, or null when the facts have no array there.
nlohmann::json* array_at(nlohmann::json& facts, const fact_path& path) {
  fact_bindings none;
  // resolve_fact walks from the root it is given; `facts` is ours to change.
  auto* found = const_cast<nlohmann::json*>(resolve_fact(path, {facts, none}));
  return found != nullptr && found->is_array() ? found : nullptr;
}

std::vector<finding> sorted(std::set<finding> found) {
  return {std::make_move_iterator(found.begin()), std::make_move_iterator(found.end())};
}

}  // namespace

std::vector<finding> evaluate_rule(const rule& checked, const nlohmann::json& facts) {
  std::set<finding> found;
  collect_findings(checked, facts, nullptr, found);
  return sorted(std::move(found));
}

std::vector<finding> evaluate_rules(const std::vector<rule>& rules, const nlohmann::json& facts) {
  std::vector<finding> out;
  for (const auto& checked : rules) {
    auto found = evaluate_rule(checked, facts);
    out.insert(out.end(), std::make_move_iterator(found.begin()),
               std::make_move_iterator(found.end()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<finding> evaluate_rules(const std::vector<rule>& rules, nlohmann::json& facts,
                                    const streamed_array& array) {
  nlohmann::json* slot = array_at(facts, array.path);
  if (slot == nullptr) return evaluate_rules(rules, facts);
  std::vector<const rule*> streamed;
  std::vector<const rule*> whole;
  std::set<finding> found;
  *slot = nlohmann::json::array();
  for (const auto& checked : rules) {
    switch (checked.access_to(array.path)) {
      case array_access::none:
        collect_findings(checked, facts, nullptr, found);
        break;
      case array_access::per_element:
        streamed.push_back(&checked);
        // Parts of the rule that do not read the array match on an empty one too.
        collect_findings(checked, facts, nullptr, found);
        break;
      case array_access::whole:
        whole.push_back(&checked);
        break;
    }
  }
  if (!streamed.empty()) {
    for (std::size_t index = 0; index < array.size; ++index) {
      *slot = nlohmann::json::array({array.element(index)});
      streamed_window window{array.path, index};
      for (const rule* checked : streamed)
        collect_findings(*checked, facts, &window, found);
    }
  }
  if (!whole.empty()) {
    *slot = nlohmann::json::array();
    for (std::size_t index = 0; index < array.size; ++index)
      slot->push_back(array.element(index));
    for (const rule* checked : whole)
      collect_findings(*checked, facts, nullptr, found);
  }
  *slot = nlohmann::json::array();
  return sorted(std::move(found));
}

}  // namespace deshim::analyze
