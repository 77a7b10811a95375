// Rules fed a big array one element at a time (`evaluate_rules` with a `streamed_array`) must
// find exactly what they find on the whole facts, and say which rules can be fed that way.
#include <gtest/gtest.h>

#include <atomic>

#include "analyze/rule_engine.h"
#include "analyze/rule_loader.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

rule make_rule(const std::string& id, const std::string& body) {
  std::string text = "id: " + id + "\ntitle: T\ncategory: docker-api\nseverity: warning\n" + body +
                     "remediation: r\ndocs: https://d/" + id + "\n";
  auto parsed = parse_rule(text, "rules/" + id + ".yaml");
  EXPECT_TRUE(parsed) << parsed.error().describe();
  return parsed ? *parsed : rule{};
}

const fact_path items = *parse_fact_path("workloads.items");

const json pods = json::parse(R"([
  {"name": "a", "mounts": ["/var/run/docker.sock"], "privileged": true},
  {"name": "b", "mounts": ["/data"], "privileged": false},
  {"name": "c", "mounts": ["/var/run/docker.sock"], "privileged": false}
])");

json whole_facts() {
  return {{"docker", {{"live_restore", true}}}, {"workloads", {{"items", pods}}}};
}

std::vector<std::string> describe(const std::vector<finding>& findings) {
  std::vector<std::string> out;
  for (const auto& found : findings)
    out.push_back(found.rule_id + " " + found.subject + ": " + found.message);
  return out;
}

/// Evaluates with the pods streamed and checks the result equals the whole-facts evaluation.
std::vector<std::string> streamed_equals_whole(const std::vector<rule>& rules) {
  json facts = whole_facts();
  auto whole = describe(evaluate_rules(rules, facts));
  facts["workloads"]["items"] = json::array();
  streamed_array array{items, pods.size(), [](std::size_t i) { return pods[i]; }};
  auto streamed = describe(evaluate_rules(rules, facts, array));
  EXPECT_EQ(streamed, whole);
  EXPECT_EQ(facts["workloads"]["items"], json::array()) << "the facts are left as given";
  return streamed;
}

const char* socket_each = R"(template: each
params:
  path: workloads.items
  as: pod
  where: {template: fact-matches, params: {path: pod.mounts, regex: docker\.sock}}
subject: 'pods[{pod_index}]'
message: '{pod.name} mounts the socket'
)";

TEST(rule_streaming, one_each_over_the_array_is_streamed_with_its_real_indexes) {
  auto socket = make_rule("socket", socket_each);
  EXPECT_EQ(socket.access_to(items), array_access::per_element);
  EXPECT_EQ(streamed_equals_whole({socket}),
            (std::vector<std::string>{"socket pods[0]: a mounts the socket",
                                      "socket pods[2]: c mounts the socket"}));
}

TEST(rule_streaming, rules_not_reading_the_array_run_once) {
  auto live = make_rule("live",
                        "template: fact-equals\nparams: {path: docker.live_restore, "
                        "value: true}\nmessage: live restore\n");
  EXPECT_EQ(live.access_to(items), array_access::none);
  EXPECT_EQ(streamed_equals_whole({live}), (std::vector<std::string>{"live node: live restore"}));
}

TEST(rule_streaming, a_negation_over_the_array_needs_it_whole) {
  auto none_privileged = make_rule("none-privileged", R"(template: not
params:
  condition:
    template: each
    params:
      path: workloads.items
      as: pod
      where: {template: fact-equals, params: {path: pod.privileged, value: true}}
message: no privileged pod
)");
  EXPECT_EQ(none_privileged.access_to(items), array_access::whole);
  // Pod a is privileged: streamed element by element, b and c alone would wrongly match.
  EXPECT_EQ(streamed_equals_whole({none_privileged}), std::vector<std::string>{});
}

TEST(rule_streaming, two_each_over_the_array_in_all_of_need_it_whole) {
  auto pairs = make_rule("pairs", R"(template: all-of
params:
  conditions:
    - template: each
      params:
        path: workloads.items
        as: first
        where: {template: fact-equals, params: {path: first.privileged, value: true}}
    - template: each
      params:
        path: workloads.items
        as: second
        where: {template: fact-matches, params: {path: second.name, regex: '^c$'}}
subject: '{first.name}+{second.name}'
message: pair
)");
  EXPECT_EQ(pairs.access_to(items), array_access::whole);
  EXPECT_EQ(streamed_equals_whole({pairs}), (std::vector<std::string>{"pairs a+c: pair"}));
}

TEST(rule_streaming, any_of_mixing_a_node_fact_and_the_array_streams_and_reports_once) {
  auto mixed = make_rule("mixed", R"(template: any-of
params:
  conditions:
    - template: fact-equals
      params: {path: docker.live_restore, value: true}
    - template: each
      params:
        path: workloads.items
        as: pod
        where: {template: fact-equals, params: {path: pod.privileged, value: true}}
message: 'mixed {pod.name|node}'
)");
  EXPECT_EQ(mixed.access_to(items), array_access::per_element);
  EXPECT_EQ(streamed_equals_whole({mixed}),
            (std::vector<std::string>{"mixed node: mixed a", "mixed node: mixed node"}));
}

TEST(rule_streaming, a_path_into_the_array_or_a_message_naming_it_needs_it_whole) {
  auto first = make_rule("first",
                         "template: fact-present\nparams: {path: "
                         "\"workloads.items[0]\"}\nmessage: has pods\n");
  EXPECT_EQ(first.access_to(items), array_access::whole);
  auto counted = make_rule("counted",
                           "template: fact-present\nparams: {path: docker}\n"
                           "message: 'pods: {workloads.items}'\n");
  EXPECT_EQ(counted.access_to(items), array_access::whole);
  auto results = streamed_equals_whole({first, counted});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1], "first node: has pods");
}

TEST(rule_streaming, a_big_array_split_between_two_threads_finds_the_same) {
  // Enough elements for the engine to hand blocks of them to a second thread; regex matches
  // are remembered per thread, so the same texts recur on both.
  json big = json::array();
  for (int i = 0; i < 3000; ++i) {
    big.push_back({{"name", "p" + std::to_string(i)},
                   {"mounts", {i % 7 == 0 ? "/var/run/docker.sock" : "/data"}},
                   {"privileged", i % 11 == 0}});
  }
  auto socket = make_rule("socket", socket_each);
  auto privileged = make_rule("privileged", R"(template: each
params:
  path: workloads.items
  as: pod
  where: {template: fact-equals, params: {path: pod.privileged, value: true}}
subject: 'pods[{pod_index}]'
message: '{pod.name} is privileged'
)");
  json facts = {{"docker", {{"live_restore", true}}}, {"workloads", {{"items", big}}}};
  auto whole = describe(evaluate_rules({socket, privileged}, facts));
  ASSERT_EQ(whole.size(), 3000u / 7 + 1 + 3000u / 11 + 1);
  facts["workloads"]["items"] = json::array();
  std::atomic<std::size_t> built{0};
  streamed_array array{items, big.size(), [&](std::size_t i) {
                         ++built;
                         return big[i];
                       }};
  EXPECT_EQ(describe(evaluate_rules({socket, privileged}, facts, array)), whole);
  EXPECT_EQ(built.load(), big.size()) << "each element is built once";
  EXPECT_EQ(facts["workloads"]["items"], json::array());

  // Elements written over an earlier one (`fill`) find the same.
  streamed_array filled{items, big.size(), nullptr, [&](std::size_t i, json& out) {
                          if (!out.is_null()) {
                            auto earlier = std::stoul(out["name"].get<std::string>().substr(1));
                            EXPECT_LT(earlier, i);
                          }
                          out = big[i];
                        }};
  EXPECT_EQ(describe(evaluate_rules({socket, privileged}, facts, filled)), whole);
}

TEST(rule_streaming, an_empty_array_still_evaluates_every_rule_once) {
  auto socket = make_rule("socket", socket_each);
  auto live = make_rule("live", "template: fact-present\nparams: {path: docker}\nmessage: d\n");
  json facts = whole_facts();
  facts["workloads"]["items"] = json::array();
  streamed_array array{items, 0, [](std::size_t) { return json(); }};
  EXPECT_EQ(describe(evaluate_rules({socket, live}, facts, array)),
            (std::vector<std::string>{"live node: d"}));
}

}  // namespace
}  // namespace deshim::analyze
