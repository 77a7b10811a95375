#include "analyze/rule_engine.h"

#include <algorithm>
#include <exception>
#include <set>
#include <thread>
#include <tuple>

namespace deshim::analyze {

int compare_naturally(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const bool a_digit = a[i] >= '0' && a[i] <= '9';
    const bool b_digit = b[j] >= '0' && b[j] <= '9';
    if (a_digit && b_digit) {
      // Compare the two digit runs as numbers: without leading zeros, the longer is larger.
      std::size_t a_end = i;
      std::size_t b_end = j;
      while (a_end < a.size() && a[a_end] >= '0' && a[a_end] <= '9')
        ++a_end;
      while (b_end < b.size() && b[b_end] >= '0' && b[b_end] <= '9')
        ++b_end;
      std::string_view a_run = a.substr(i, a_end - i);
      std::string_view b_run = b.substr(j, b_end - j);
      while (a_run.size() > 1 && a_run.front() == '0')
        a_run.remove_prefix(1);
      while (b_run.size() > 1 && b_run.front() == '0')
        b_run.remove_prefix(1);
      if (a_run.size() != b_run.size()) return a_run.size() < b_run.size() ? -1 : 1;
      if (int order = a_run.compare(b_run); order != 0) return order < 0 ? -1 : 1;
      i = a_end;
      j = b_end;
      continue;
    }
    if (a[i] != b[j])
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size() || j < b.size()) return i < a.size() ? 1 : -1;
  return a.compare(b) < 0 ? -1 : (a.compare(b) > 0 ? 1 : 0);  // "07" and "7": any fixed order
}

bool finding::operator<(const finding& other) const {
  if (level != other.level) return level < other.level;
  if (rule_id != other.rule_id) return rule_id < other.rule_id;
  if (int order = compare_naturally(subject, other.subject); order != 0) return order < 0;
  return std::tie(message, evidence) < std::tie(other.message, other.evidence);
}

std::vector<finding> one_per_rule_and_subject(std::vector<finding> findings) {
  std::sort(findings.begin(), findings.end());
  std::vector<finding> out;
  for (auto& found : findings) {
    if (!out.empty() && out.back().rule_id == found.rule_id &&
        out.back().subject == found.subject && out.back().level == found.level) {
      finding& kept = out.back();
      auto join = [](std::string& into, const std::string& more, const char* separator) {
        if (more.empty() || into == more) return;
        into = into.empty() ? more : into + separator + more;
      };
      join(kept.evidence, found.evidence, ", ");
      join(kept.message, found.message, "; ");
      join(kept.remediation, found.remediation, " ");
      continue;
    }
    out.push_back(std::move(found));
  }
  return out;
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
  found.fixed_by_migrate = checked.fixed_by_migrate;
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
