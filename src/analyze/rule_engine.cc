#include "analyze/rule_engine.h"

#include <algorithm>
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

std::vector<finding> evaluate_rule(const rule& checked, const nlohmann::json& facts) {
  std::vector<finding> out;
  fact_bindings none;
  for (const auto& match : checked.match->evaluate({facts, none})) {
    fact_scope scope{facts, match};
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
    out.push_back(std::move(found));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
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

}  // namespace deshim::analyze
