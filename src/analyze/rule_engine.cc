#include "analyze/rule_engine.h"

#include <algorithm>
#include <exception>
#include <set>
#include <thread>
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

/// Element `index` of `array`, however the array gives its elements.
nlohmann::json element_at(const streamed_array& array, std::size_t index) {
  if (array.element) return array.element(index);
  nlohmann::json out;
  array.fill(index, out);
  return out;
}

/// Elements handed to one worker at a time: big enough that workers rarely meet, small enough
/// that they finish together.
constexpr std::size_t streamed_block = 256;

/// Runs the rules that read `array` one element at a time over every element. A big List runs
/// on two threads (the workloads of a 1 GiB List take a second on one): each builds its own
/// elements into its own copy of `facts` and collects into its own set, so they share nothing
/// but the rules (read-only) and the element function (`element` or `fill`). The sets are merged,
/// so the findings are the same whatever ran where.
void evaluate_streamed(const std::vector<const rule*>& streamed, nlohmann::json& facts,
                       nlohmann::json& slot, const streamed_array& array,
                       std::set<finding>& found) {
  auto run_blocks = [&](nlohmann::json& own_facts, nlohmann::json& own_slot, std::size_t first,
                        std::size_t stride, std::set<finding>& out) {
    for (std::size_t start = first * streamed_block; start < array.size;
         start += stride * streamed_block) {
      std::size_t stop = std::min(array.size, start + streamed_block);
      for (std::size_t index = start; index < stop; ++index) {
        // The slot's one element is replaced, not copied in: a workload's JSON is built once
        // and read by every streamed rule.
        if (array.fill) {
          if (own_slot.size() != 1) {
            own_slot.clear();
            own_slot.push_back(nlohmann::json());
          }
          array.fill(index, own_slot[0]);
        } else {
          own_slot.clear();
          own_slot.push_back(element_at(array, index));
        }
        streamed_window window{array.path, index};
        for (const rule* checked : streamed)
          collect_findings(*checked, own_facts, &window, out);
      }
    }
    own_slot.clear();
  };
  unsigned cores = std::thread::hardware_concurrency();
  if (array.size < 4 * streamed_block || cores < 2) {
    run_blocks(facts, slot, 0, 1, found);
    return;
  }
  nlohmann::json second_facts = facts;
  nlohmann::json* second_slot = array_at(second_facts, array.path);
  std::set<finding> second_found;
  std::exception_ptr second_failed;
  std::thread second([&] {
    try {
      run_blocks(second_facts, *second_slot, 1, 2, second_found);
    } catch (...) {
      second_failed = std::current_exception();  // passed on as if thrown on one thread
    }
  });
  try {
    run_blocks(facts, slot, 0, 2, found);
  } catch (...) {
    second.join();
    throw;
  }
  second.join();
  if (second_failed) std::rethrow_exception(second_failed);
  found.merge(second_found);
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
  if (!streamed.empty()) evaluate_streamed(streamed, facts, *slot, array, found);
  if (!whole.empty()) {
    *slot = nlohmann::json::array();
    for (std::size_t index = 0; index < array.size; ++index)
      slot->push_back(element_at(array, index));
    for (const rule* checked : whole)
      collect_findings(*checked, facts, nullptr, found);
  }
  *slot = nlohmann::json::array();
  return sorted(std::move(found));
}

}  // namespace deshim::analyze
