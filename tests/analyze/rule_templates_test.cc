#include "analyze/rule_templates.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

std::shared_ptr<const condition> make(const std::string& yaml) {
  auto built = parse_condition("t.yaml", YAML::Load(yaml));
  EXPECT_TRUE(built) << built.error().describe();
  return built ? *built : nullptr;
}

std::string load_error(const std::string& yaml) {
  auto built = parse_condition("t.yaml", YAML::Load(yaml));
  EXPECT_FALSE(built) << yaml;
  return built ? "" : built.error().describe();
}

match_list run(const std::string& yaml, const json& facts) {
  auto built = make(yaml);
  fact_bindings none;
  return built ? built->evaluate({facts, none}) : match_list{};
}

/// The text of binding `name` in each match.
std::vector<std::string> bound(const match_list& matches, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& m : matches) {
    const json* value = m.find(name);
    out.push_back(value == nullptr     ? "<unbound>"
                  : value->is_string() ? value->get<std::string>()
                                       : value->dump());
  }
  return out;
}

const json facts = json::parse(R"({
  "docker": {"live_restore": true, "log_driver": "journald", "cgroup_driver": "cgroupfs",
             "hosts": ["fd://", "tcp://0.0.0.0:2375"], "max": 5, "nothing": null,
             "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}, "runc": {"path": "runc"}}},
  "kubelet": {"cgroup_driver": "systemd", "version": "v1.18.4-tke.36", "args": ["docker", "build", "."]},
  "workloads": [
    {"name": "ci", "containers": [{"name": "builder", "image": "docker:20-dind"},
                                  {"name": "app", "image": "nginx"}]},
    {"name": "web", "containers": [{"name": "web", "image": "docker:dind"}]}
  ]
})");

TEST(fact_present_absent, distinguish_missing_and_null) {
  EXPECT_EQ(run("{template: fact-present, params: {path: docker.live_restore}}", facts).size(), 1u);
  EXPECT_EQ(run("{template: fact-present, params: {path: docker.nothing}}", facts).size(), 0u);
  EXPECT_EQ(run("{template: fact-present, params: {path: docker.gone}}", facts).size(), 0u);
  EXPECT_EQ(run("{template: fact-absent, params: {path: docker.nothing}}", facts).size(), 1u);
  EXPECT_EQ(run("{template: fact-absent, params: {path: docker.gone}}", facts).size(), 1u);
  EXPECT_EQ(run("{template: fact-absent, params: {path: docker.max}}", facts).size(), 0u);
}

TEST(fact_equals, compares_typed_values) {
  EXPECT_EQ(run("{template: fact-equals, params: {path: docker.live_restore, value: true}}", facts)
                .size(),
            1u);
  // A quoted "true" is a string and does not equal the boolean.
  EXPECT_EQ(
      run("{template: fact-equals, params: {path: docker.live_restore, value: 'true'}}", facts)
          .size(),
      0u);
  EXPECT_EQ(run("{template: fact-equals, params: {path: docker.max, value: 5}}", facts).size(), 1u);
  EXPECT_EQ(run("{template: fact-equals, params: {path: docker.log_driver, values: [json-file, "
                "local]}}",
                facts)
                .size(),
            0u);
  EXPECT_EQ(run("{template: fact-equals, params: {path: docker.log_driver, values: [journald, "
                "syslog]}}",
                facts)
                .size(),
            1u);
  EXPECT_EQ(run("{template: fact-equals, params: {path: docker.gone, value: null}}", facts).size(),
            0u);
}

TEST(fact_equals, needs_exactly_one_of_value_and_values) {
  EXPECT_EQ(load_error("{template: fact-equals, params: {path: a}}"),
            "t.yaml:1:33: fact-equals needs exactly one of \"value\" and \"values\"");
  EXPECT_EQ(load_error("{template: fact-equals, params: {path: a, value: 1, values: [1]}}"),
            "t.yaml:1:33: fact-equals needs exactly one of \"value\" and \"values\"");
  EXPECT_EQ(load_error("{template: fact-equals, params: {path: a, values: []}}"),
            "t.yaml:1:51: parameter \"values\" of fact-equals must be a non-empty list");
}

TEST(fact_matches, searches_strings_and_joined_arrays_and_binds_match) {
  auto found =
      run("{template: fact-matches, params: {path: kubelet.args, regex: 'docker +build'}}", facts);
  EXPECT_EQ(bound(found, "match"), std::vector<std::string>{"docker build"});
  EXPECT_EQ(run("{template: fact-matches, params: {path: docker.log_driver, regex: '^JOURNAL', "
                "ignore_case: true}}",
                facts)
                .size(),
            1u);
  EXPECT_EQ(
      run("{template: fact-matches, params: {path: docker.log_driver, regex: '^JOURNAL'}}", facts)
          .size(),
      0u);
  // Numbers and objects never match a regex.
  EXPECT_EQ(run("{template: fact-matches, params: {path: docker.max, regex: '5'}}", facts).size(),
            0u);
}

TEST(fact_matches, bad_regex_is_a_load_error) {
  std::string message = load_error("{template: fact-matches, params: {path: a, regex: '(x'}}");
  EXPECT_EQ(message.rfind("t.yaml:1:51: regex \"(x\" does not compile: ", 0), 0u) << message;
  EXPECT_EQ(load_error("{template: fact-matches, params: {path: a, regex: x, ignore_case: 3}}"),
            "t.yaml:1:67: parameter \"ignore_case\" of fact-matches must be true or false");
}

TEST(fact_compare, numbers_and_versions) {
  EXPECT_EQ(
      run("{template: fact-compare, params: {path: docker.max, op: gt, value: 3}}", facts).size(),
      1u);
  EXPECT_EQ(
      run("{template: fact-compare, params: {path: docker.max, op: lt, value: 3}}", facts).size(),
      0u);
  EXPECT_EQ(run("{template: fact-compare, params: {path: kubelet.version, op: lt, value: '1.19', "
                "as: version}}",
                facts)
                .size(),
            1u);
  EXPECT_EQ(run("{template: fact-compare, params: {path: kubelet.version, op: lt, value: '1.11', "
                "as: version}}",
                facts)
                .size(),
            0u);
  // An unparsable fact does not match.
  EXPECT_EQ(
      run("{template: fact-compare, params: {path: docker.log_driver, op: ne, value: 1}}", facts)
          .size(),
      0u);
}

TEST(fact_compare, parameters_are_checked) {
  EXPECT_EQ(load_error("{template: fact-compare, params: {path: a, op: bigger, value: 1}}"),
            "t.yaml:1:48: parameter \"op\" of fact-compare must be one of lt, le, gt, ge, eq, ne, "
            "found \"bigger\"");
  EXPECT_EQ(load_error("{template: fact-compare, params: {path: a, op: lt, value: x}}"),
            "t.yaml:1:59: parameter \"value\" of fact-compare must be a number");
  EXPECT_EQ(
      load_error("{template: fact-compare, params: {path: a, op: lt, value: x, as: version}}"),
      "t.yaml:1:59: parameter \"value\" of fact-compare must be a version such as 1.24");
}

TEST(compare, disagreement_with_defaults) {
  auto differ =
      run("{template: compare, params: {left: docker.cgroup_driver, right: "
          "kubelet.cgroup_driver, op: differ}}",
          facts);
  EXPECT_EQ(bound(differ, "left"), std::vector<std::string>{"cgroupfs"});
  EXPECT_EQ(bound(differ, "right"), std::vector<std::string>{"systemd"});
  EXPECT_EQ(run("{template: compare, params: {left: docker.gone, right: kubelet.cgroup_driver, op: "
                "differ}}",
                facts)
                .size(),
            0u);
  EXPECT_EQ(run("{template: compare, params: {left: docker.gone, right: kubelet.cgroup_driver, op: "
                "equal, left_default: systemd}}",
                facts)
                .size(),
            1u);
}

TEST(each, one_match_per_element_with_bindings) {
  auto hosts =
      run("{template: each, params: {path: docker.hosts, as: host, where: {template: "
          "fact-matches, params: {path: host, regex: '^tcp://'}}}}",
          facts);
  EXPECT_EQ(bound(hosts, "host"), std::vector<std::string>{"tcp://0.0.0.0:2375"});
  EXPECT_EQ(bound(hosts, "host_index"), std::vector<std::string>{"1"});
  auto all = run("{template: each, params: {path: docker.hosts, as: host}}", facts);
  EXPECT_EQ(all.size(), 2u);
  auto runtimes =
      run("{template: each, params: {path: docker.runtimes, as: runtime, where: "
          "{template: not, params: {condition: {template: fact-equals, params: {path: "
          "runtime.path, value: runc}}}}}}",
          facts);
  EXPECT_EQ(bound(runtimes, "runtime_key"), std::vector<std::string>{"nvidia"});
  EXPECT_EQ(run("{template: each, params: {path: docker.gone, as: x}}", facts).size(), 0u);
  EXPECT_EQ(run("{template: each, params: {path: docker.max, as: x}}", facts).size(), 0u);
}

TEST(each, nests_and_binds_both_levels) {
  auto found = run(R"(
template: each
params:
  path: workloads
  as: workload
  where:
    template: each
    params:
      path: workload.containers
      as: container
      where: {template: fact-matches, params: {path: container.image, regex: 'dind'}}
)",
                   facts);
  EXPECT_EQ(bound(found, "workload"),
            (std::vector<std::string>{facts["workloads"][0].dump(), facts["workloads"][1].dump()}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(*found[0].find("container"), facts["workloads"][0]["containers"][0]);
  EXPECT_EQ(*found[1].find("container"), facts["workloads"][1]["containers"][0]);
}

TEST(each, binding_names_are_checked) {
  EXPECT_EQ(load_error("{template: each, params: {path: a, as: Bad}}"),
            "t.yaml:1:40: parameter \"as\" of each must be a lower-case name ([a-z_][a-z0-9_]*) "
            "other than match, left, right");
  EXPECT_EQ(load_error("{template: each, params: {path: a, as: match}}"),
            "t.yaml:1:40: parameter \"as\" of each must be a lower-case name ([a-z_][a-z0-9_]*) "
            "other than match, left, right");
}

TEST(all_of, joins_matches_across_conditions) {
  auto found = run(R"(
template: all-of
params:
  conditions:
    - {template: fact-equals, params: {path: docker.live_restore, value: true}}
    - {template: each, params: {path: docker.hosts, as: host}}
    - {template: fact-matches, params: {path: host, regex: tcp}}
)",
                   facts);
  EXPECT_EQ(bound(found, "host"), std::vector<std::string>{"tcp://0.0.0.0:2375"});
  EXPECT_EQ(run("{template: all-of, params: {conditions: [{template: fact-present, params: {path: "
                "docker.gone}}, {template: each, params: {path: docker.hosts, as: h}}]}}",
                facts)
                .size(),
            0u);
}

TEST(any_of, unites_matches) {
  auto found = run(R"(
template: any-of
params:
  conditions:
    - {template: fact-present, params: {path: docker.gone}}
    - {template: each, params: {path: docker.hosts, as: host}}
    - {template: fact-equals, params: {path: docker.max, value: 5}}
)",
                   facts);
  EXPECT_EQ(bound(found, "host"),
            (std::vector<std::string>{"fd://", "tcp://0.0.0.0:2375", "<unbound>"}));
}

TEST(not_template, negates) {
  EXPECT_EQ(run("{template: not, params: {condition: {template: fact-present, params: {path: "
                "docker.gone}}}}",
                facts)
                .size(),
            1u);
  EXPECT_EQ(load_error("{template: not, params: {condition: [1]}}"),
            "t.yaml:1:37: a condition must be a mapping {template: ..., params: ...}");
}

TEST(conditions, structural_load_errors) {
  EXPECT_EQ(load_error("{template: fact-present, params: {path: a, extra: 1}}"),
            "t.yaml:1:44: unknown parameter \"extra\" for template fact-present\n"
            "  hint: its parameters: path");
  EXPECT_EQ(load_error("{template: fact-present}"),
            "t.yaml:1:12: template fact-present needs parameter \"path\"\n"
            "  hint: see docs/rules-format.md, \"Templates\"");
  EXPECT_EQ(load_error("{template: fact-presnt, params: {path: a}}"),
            "t.yaml:1:12: unknown template \"fact-presnt\"\n"
            "  hint: templates: all-of, any-of, compare, each, fact-absent, fact-compare, "
            "fact-equals, fact-matches, fact-present, not");
  EXPECT_EQ(load_error("{template: fact-present, params: [a]}"),
            "t.yaml:1:34: params of fact-present must be a mapping");
  EXPECT_EQ(load_error("{template: fact-present, params: {path: 'a..b'}}"),
            "t.yaml:1:41: fact path \"a..b\": expected a key at column 3\n"
            "  hint: write paths as a.b[\"key.with.dots\"][0]");
  EXPECT_EQ(load_error("{params: {path: a}}"), "t.yaml:1:1: a condition needs a template");
  EXPECT_EQ(load_error("{template: x, when: 1}"),
            "t.yaml:1:15: unknown field \"when\" in a condition\n"
            "  hint: a condition holds only template and params");
  EXPECT_EQ(load_error("{template: all-of, params: {conditions: []}}"),
            "t.yaml:1:41: parameter \"conditions\" of all-of must be a non-empty list of "
            "{template, params}");
  EXPECT_EQ(load_error("{template: fact-present, params: {path: a, path: b}}"),
            "t.yaml:1:44: parameter \"path\" is given twice");
}

TEST(yaml_to_json, types_plain_scalars_and_keeps_quoted_ones_strings) {
  EXPECT_EQ(yaml_to_json(YAML::Load("true")), json(true));
  EXPECT_EQ(yaml_to_json(YAML::Load("'true'")), json("true"));
  EXPECT_EQ(yaml_to_json(YAML::Load("12")), json(12));
  EXPECT_EQ(yaml_to_json(YAML::Load("-1.5")), json(-1.5));
  EXPECT_EQ(yaml_to_json(YAML::Load("\"12\"")), json("12"));
  EXPECT_EQ(yaml_to_json(YAML::Load("~")), json(nullptr));
  EXPECT_EQ(yaml_to_json(YAML::Load("1.24")), json(1.24));
  EXPECT_EQ(yaml_to_json(YAML::Load("[a, 1, {b: false}]")),
            json::parse(R"(["a", 1, {"b": false}])"));
  EXPECT_EQ(yaml_to_json(YAML::Load("v1.2.3")), json("v1.2.3"));
}

}  // namespace
}  // namespace deshim::analyze
