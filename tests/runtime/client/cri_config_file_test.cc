// crictl's pod and container config files, JSON and YAML, onto the CRI proto: the fields crictl's
// examples and the kubelet set, YAML scalars typed by their field, unknown keys as warnings,
// and bad input as errors naming line and column (YAML) or the field path (JSON).
#include "runtime/client/cri_config_file.h"

#include <gtest/gtest.h>

#include <string>

namespace deshim::runtime {
namespace {

constexpr const char* pod_json = R"({
  "metadata": {"name": "nginx-sandbox", "namespace": "default", "attempt": 1, "uid": "hdishd83djaidwnduwk28bcsb"},
  "hostname": "nginx",
  "log_directory": "/tmp/pods/nginx",
  "dns_config": {"servers": ["198.18.0.10"], "searches": ["svc.cluster.local"], "options": ["ndots:5"]},
  "port_mappings": [{"protocol": 1, "container_port": 80, "host_port": 8080}],
  "labels": {"app": "nginx"},
  "annotations": {"io.kubernetes.pod.uid": "u1"},
  "linux": {
    "cgroup_parent": "/test.slice",
    "sysctls": {"net.ipv4.ip_forward": "1"},
    "security_context": {
      "namespace_options": {"network": 2, "pid": "CONTAINER"},
      "run_as_user": {"value": 0},
      "privileged": false
    }
  }
})";

TEST(cri_config_file, reads_crictl_pod_json_field_names) {
  auto pod = parse_pod_config(pod_json, "pod.json");
  ASSERT_TRUE(pod) << pod.error().describe();
  const auto& config = pod->message;
  EXPECT_EQ(config.metadata().name(), "nginx-sandbox");
  EXPECT_EQ(config.metadata().namespace_(), "default");
  EXPECT_EQ(config.metadata().attempt(), 1u);
  EXPECT_EQ(config.metadata().uid(), "hdishd83djaidwnduwk28bcsb");
  EXPECT_EQ(config.hostname(), "nginx");
  EXPECT_EQ(config.log_directory(), "/tmp/pods/nginx");
  ASSERT_EQ(config.dns_config().servers_size(), 1);
  EXPECT_EQ(config.dns_config().servers(0), "198.18.0.10");
  EXPECT_EQ(config.dns_config().options(0), "ndots:5");
  ASSERT_EQ(config.port_mappings_size(), 1);
  EXPECT_EQ(config.port_mappings(0).protocol(), ::runtime::v1::UDP);
  EXPECT_EQ(config.port_mappings(0).host_port(), 8080);
  EXPECT_EQ(config.labels().at("app"), "nginx");
  EXPECT_EQ(config.annotations().at("io.kubernetes.pod.uid"), "u1");
  EXPECT_EQ(config.linux().cgroup_parent(), "/test.slice");
  EXPECT_EQ(config.linux().sysctls().at("net.ipv4.ip_forward"), "1");
  const auto& namespaces = config.linux().security_context().namespace_options();
  EXPECT_EQ(namespaces.network(), ::runtime::v1::NODE);
  EXPECT_EQ(namespaces.pid(), ::runtime::v1::CONTAINER);
  EXPECT_TRUE(config.linux().security_context().has_run_as_user());
  EXPECT_EQ(config.linux().security_context().run_as_user().value(), 0);
  EXPECT_TRUE(pod->warnings.empty());
}

TEST(cri_config_file, accepts_the_camel_case_json_names_too) {
  auto pod = parse_pod_config(R"({"metadata": {"name": "a"}, "logDirectory": "/l",
                                  "linux": {"cgroupParent": "/p"}})",
                              "pod.json");
  ASSERT_TRUE(pod) << pod.error().describe();
  EXPECT_EQ(pod->message.log_directory(), "/l");
  EXPECT_EQ(pod->message.linux().cgroup_parent(), "/p");
}

TEST(cri_config_file, reads_a_crictl_container_yaml_with_typed_scalars) {
  constexpr const char* text = R"(metadata:
  name: busybox
  attempt: 2
image:
  image: docker.io/library/busybox:test
command: [/bin/sh, -c]
args:
  - echo hello; sleep 3600
working_dir: /tmp
envs:
  - key: GREETING
    value: "hi"
  - key: DEBUG
    value: true
labels:
  io.kubernetes.container.name: busybox
  flag: yes
log_path: busybox/2.log
stdin: false
tty: False
linux:
  resources:
    memory_limit_in_bytes: 67108864
    cpu_shares: 512
  security_context:
    readonly_rootfs: true
    capabilities:
      add_capabilities: [NET_ADMIN]
mounts:
  - container_path: /data
    host_path: /tmp/data
    readonly: true
    propagation: PROPAGATION_HOST_TO_CONTAINER
)";
  auto container = parse_container_config(text, "container.yaml");
  ASSERT_TRUE(container) << container.error().describe();
  const auto& config = container->message;
  EXPECT_EQ(config.metadata().name(), "busybox");
  EXPECT_EQ(config.metadata().attempt(), 2u);
  EXPECT_EQ(config.image().image(), "docker.io/library/busybox:test");
  ASSERT_EQ(config.command_size(), 2);
  EXPECT_EQ(config.command(1), "-c");
  EXPECT_EQ(config.args(0), "echo hello; sleep 3600");
  EXPECT_EQ(config.working_dir(), "/tmp");
  ASSERT_EQ(config.envs_size(), 2);
  EXPECT_EQ(config.envs(1).key(), "DEBUG");
  EXPECT_EQ(config.envs(1).value(), "true");  // a string field keeps the text
  EXPECT_EQ(config.labels().at("flag"), "yes");
  EXPECT_EQ(config.log_path(), "busybox/2.log");
  EXPECT_FALSE(config.tty());
  EXPECT_EQ(config.linux().resources().memory_limit_in_bytes(), 67108864);
  EXPECT_EQ(config.linux().resources().cpu_shares(), 512);
  EXPECT_TRUE(config.linux().security_context().readonly_rootfs());
  EXPECT_EQ(config.linux().security_context().capabilities().add_capabilities(0), "NET_ADMIN");
  ASSERT_EQ(config.mounts_size(), 1);
  EXPECT_TRUE(config.mounts(0).readonly());
  EXPECT_EQ(config.mounts(0).propagation(), ::runtime::v1::PROPAGATION_HOST_TO_CONTAINER);
}

TEST(cri_config_file, unknown_keys_are_warnings_naming_their_path) {
  auto container = parse_container_config(R"(metadata:
  name: c
  colour: blue
windows: {}
)",
                                          "c.yaml");
  ASSERT_TRUE(container) << container.error().describe();
  ASSERT_EQ(container->warnings.size(), 2u);
  EXPECT_EQ(container->warnings[0],
            "c.yaml:3:11 (metadata.colour): key \"metadata.colour\" is not a field of "
            "runtime.v1.ContainerMetadata; ignored");
  EXPECT_EQ(container->warnings[1],
            "c.yaml:4:10 (windows): key \"windows\" is not a field of "
            "runtime.v1.ContainerConfig; ignored");
  EXPECT_EQ(container->message.metadata().name(), "c");
}

TEST(cri_config_file, a_wrong_yaml_type_names_line_and_column) {
  auto pod = parse_pod_config("metadata:\n  name: p\n  attempt: first\n", "pod.yaml");
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().kind(), error_kind::invalid_input);
  EXPECT_EQ(pod.error().where().file, "pod.yaml");
  EXPECT_EQ(pod.error().where().line, 3);
  EXPECT_EQ(pod.error().where().column, 12);
  EXPECT_EQ(pod.error().where().field, "metadata.attempt");
  EXPECT_EQ(pod.error().message(),
            "\"metadata.attempt\" must be a whole number of zero or more, not \"first\"");
  EXPECT_FALSE(pod.error().hint().empty());
}

TEST(cri_config_file, a_quoted_yaml_number_stays_a_string_and_is_refused_for_a_bool) {
  auto container = parse_container_config("metadata: {name: c}\ntty: \"true\"\n", "c.yml");
  ASSERT_FALSE(container);
  EXPECT_EQ(container.error().where().line, 2);
  EXPECT_EQ(container.error().message(), "\"tty\" must be true or false, not \"true\"");
}

TEST(cri_config_file, a_wrong_json_type_names_the_field) {
  auto pod = parse_pod_config(R"({"metadata": {"name": 7}})", "pod.json");
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().where().file, "pod.json");
  EXPECT_EQ(pod.error().where().field, "metadata.name");
  EXPECT_EQ(pod.error().message(), "\"metadata.name\" must be a string, not 7");

  auto enumerated = parse_pod_config(R"({"port_mappings": [{"protocol": "QUIC"}]})", "pod.json");
  ASSERT_FALSE(enumerated);
  EXPECT_EQ(enumerated.error().where().field, "port_mappings[0].protocol");
  EXPECT_EQ(enumerated.error().message(),
            "\"port_mappings[0].protocol\" must be one of TCP (0), UDP (1), SCTP (2), not "
            "\"QUIC\"");

  auto negative = parse_pod_config(R"({"metadata": {"attempt": -1}})", "pod.json");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().where().field, "metadata.attempt");
}

TEST(cri_config_file, json_syntax_errors_name_line_and_column) {
  auto pod = parse_pod_config("{\n  \"metadata\": {\"name\": \"p\",}\n}", "pod.json");
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().where().file, "pod.json");
  EXPECT_EQ(pod.error().where().line, 2);
  EXPECT_GT(pod.error().where().column, 0);
}

TEST(cri_config_file, an_alias_loop_or_a_billion_laughs_is_an_error_not_a_crash) {
  auto loop = parse_pod_config("metadata: &m\n  name: *m\n", "pod.yaml");
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().where().file, "pod.yaml");
  EXPECT_EQ(loop.error().where().line, 2);
  EXPECT_EQ(loop.error().message(), "this alias refers to a node that contains it, a loop");

  // Nine levels of ten aliases each: a billion nodes once expanded.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char name = 'b'; name <= 'j'; ++name) {
    const char previous = static_cast<char>(name - 1);
    laughs += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i)
      laughs += std::string(i ? ", *" : "*") + previous;
    laughs += "]\n";
  }
  auto container = parse_container_config(laughs, "container.yaml");
  ASSERT_FALSE(container);
  EXPECT_EQ(container.error().where().file, "container.yaml");
  EXPECT_NE(container.error().message().find("aliases expand this document to more than"),
            std::string::npos)
      << container.error().describe();
}

TEST(cri_config_file, yaml_syntax_errors_name_line_and_column) {
  auto pod = parse_pod_config("metadata:\n  name: [p\n", "pod.yaml");
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().where().file, "pod.yaml");
  EXPECT_GT(pod.error().where().line, 0);
  EXPECT_NE(pod.error().message().find("not valid YAML"), std::string::npos);
}

TEST(cri_config_file, a_document_that_is_not_a_mapping_is_refused) {
  auto pod = parse_pod_config("[1, 2]", "pod.yaml");
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().message(), "a PodSandboxConfig file must hold one mapping of fields");
  auto empty = parse_container_config("", "c.yaml");
  ASSERT_FALSE(empty);
}

TEST(cri_config_file, every_prefix_of_a_json_config_is_an_error_never_a_crash) {
  const std::string text = pod_json;
  for (size_t cut = 0; cut < text.size(); ++cut) {
    auto pod = parse_pod_config(text.substr(0, cut), "pod.json");
    EXPECT_FALSE(pod) << "prefix of " << cut << " bytes parsed";
  }
}

TEST(cri_config_file, every_prefix_of_a_yaml_config_parses_or_fails_cleanly) {
  const std::string text =
      "metadata:\n  name: c\n  attempt: 3\nimage: {image: busybox}\nenvs:\n  - key: A\n"
      "    value: \"b\"\nlinux:\n  security_context:\n    run_as_user: {value: 1000}\n";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    auto container = parse_container_config(text.substr(0, cut), "c.yaml");
    if (!container) {
      EXPECT_FALSE(container.error().message().empty());
    }
  }
  auto whole = parse_container_config(text, "c.yaml");
  ASSERT_TRUE(whole) << whole.error().describe();
  EXPECT_EQ(whole->message.linux().security_context().run_as_user().value(), 1000);
}

TEST(cri_config_file, guesses_the_format_from_the_name_then_the_text) {
  EXPECT_EQ(guess_config_format("a.json", "x: 1"), config_format::json);
  EXPECT_EQ(guess_config_format("a.yml", "{}"), config_format::yaml);
  EXPECT_EQ(guess_config_format("a.conf", "  {\"a\": 1}"), config_format::json);
  EXPECT_EQ(guess_config_format("a.conf", "a: 1"), config_format::yaml);
}

TEST(cri_config_file, a_missing_file_is_not_found) {
  auto pod = load_pod_config("/nonexistent/deshim/pod.json");
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().kind(), error_kind::not_found);
  EXPECT_EQ(pod.error().exit_status(), 2);
}

}  // namespace
}  // namespace deshim::runtime
