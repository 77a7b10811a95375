#include <malloc.h>

#include "analyze/analyze.h"
#include "analyze/rule_engine.h"

namespace deshim::analyze {

std::vector<finding> evaluate_node_rules(const std::vector<rule>& rules, const node_facts& facts,
                                         nlohmann::json& facts_json) {
  streamed_array workloads;
  workloads.path = *parse_fact_path("workloads.items");
  workloads.size = facts.workloads.workloads.size();
  workloads.fill = [&facts](std::size_t index, nlohmann::json& out) {
    // Each thread refills one workload's JSON in place (rule_engine.cc); findings pile up in
    // between, so hand freed pages back now and then, or glibc keeps them and RSS follows the
    // List's size instead of the facts'.
    if (index % 4096 == 0) malloc_trim(0);
    fill_json(out, facts.workloads.workloads[index], facts.workloads);
  };
  // The reader's per-item JSON documents are gone too.
  malloc_trim(0);
  return evaluate_rules(rules, facts_json, workloads);
}

void release_workloads(node_facts& facts) {
  facts.workloads = workload_facts{};
  malloc_trim(0);
}

}  // namespace deshim::analyze
