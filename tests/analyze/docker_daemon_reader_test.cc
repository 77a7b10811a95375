#include "analyze/docker_daemon_reader.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

result<docker_daemon_facts> parse(const std::string& text) {
  docker_daemon_facts facts;
  auto parsed = parse_docker_daemon_config(text, "daemon.json", "/etc/docker/daemon.json", facts);
  if (!parsed) return parsed.error();
  return facts;
}

TEST(docker_daemon_reader, reads_the_settings_that_matter_for_the_switch) {
  auto facts = parse(R"({
  "log-driver": "json-file",
  "log-opts": {"max-size": "100m", "max-file": "5"},
  "data-root": "/data/docker",
  "storage-driver": "overlay2",
  "exec-opts": ["native.cgroupdriver=systemd"],
  "registry-mirrors": ["https://mirror.ccs.tencentyun.com"],
  "insecure-registries": ["registry.local:5000"],
  "default-runtime": "nvidia",
  "runtimes": {"nvidia": {"path": "nvidia-container-runtime", "runtimeArgs": ["--debug"]}},
  "max-concurrent-downloads": 10,
  "live-restore": true,
  "selinux-enabled": false,
  "userns-remap": "default",
  "bip": "169.254.123.1/24"
})");
  ASSERT_TRUE(facts.ok()) << facts.error().describe();
  EXPECT_TRUE(facts->config_present);
  EXPECT_EQ(facts->log_driver, "json-file");
  EXPECT_EQ(facts->log_opts.at("max-size"), "100m");
  EXPECT_EQ(facts->log_opts.at("max-file"), "5");
  EXPECT_EQ(facts->data_root, "/data/docker");
  EXPECT_EQ(facts->storage_driver, "overlay2");
  EXPECT_EQ(facts->cgroup_driver, "systemd");
  EXPECT_EQ(facts->registry_mirrors, std::vector<std::string>{"https://mirror.ccs.tencentyun.com"});
  EXPECT_EQ(facts->insecure_registries, std::vector<std::string>{"registry.local:5000"});
  EXPECT_EQ(facts->default_runtime, "nvidia");
  EXPECT_EQ(facts->runtimes.at("nvidia").path, "nvidia-container-runtime");
  EXPECT_EQ(facts->runtimes.at("nvidia").runtime_args, std::vector<std::string>{"--debug"});
  EXPECT_EQ(facts->max_concurrent_downloads, 10);
  EXPECT_EQ(facts->live_restore, true);
  EXPECT_EQ(facts->selinux_enabled, false);
  EXPECT_EQ(facts->userns_remap, "default");
  // Keys deshim does not model are kept for rules, with their line.
  EXPECT_EQ(facts->settings.at("bip"), "169.254.123.1/24");
  EXPECT_EQ(facts->sources.at("bip").line, 15);
  EXPECT_EQ(facts->sources.at("log-opts").describe(),
            "/etc/docker/daemon.json:3 (daemon.json key)");
}

TEST(docker_daemon_reader, graph_is_the_old_name_of_data_root) {
  auto facts = parse(R"({"graph": "/var/lib/docker2"})");
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->data_root, "/var/lib/docker2");
}

TEST(docker_daemon_reader, empty_object_means_defaults) {
  auto facts = parse("{}");
  ASSERT_TRUE(facts.ok());
  EXPECT_FALSE(facts->log_driver.has_value());
  EXPECT_TRUE(facts->log_opts.empty());
  EXPECT_FALSE(facts->cgroup_driver.has_value());
}

TEST(docker_daemon_reader, numbers_in_log_opts_are_refused_as_dockerd_does) {
  auto facts = parse("{\n  \"log-opts\": {\"max-size\": \"100m\", \"max-file\": 5}\n}");
  ASSERT_FALSE(facts.ok());
  EXPECT_EQ(facts.error().describe(),
            "daemon.json:2:3 (log-opts.max-file): log-opts.max-file must be a string, found 5\n"
            "  hint: dockerd refuses non-string values here: write \"5\" in quotes");
}

TEST(docker_daemon_reader, wrong_types_name_the_key) {
  struct bad_case {
    const char* text;
    const char* message;
  };
  for (const auto& [text, message] : std::vector<bad_case>{
           {R"({"data-root": 5})", "data-root must be a string, found 5"},
           {R"({"registry-mirrors": "https://m"})",
            "registry-mirrors must be a list of strings, found \"https://m\""},
           {R"({"live-restore": "yes"})", "live-restore must be true or false, found \"yes\""},
           {R"({"max-concurrent-downloads": 1.5})",
            "max-concurrent-downloads must be a whole number, found 1.5"},
           {R"({"runtimes": {"nvidia": "x"}})",
            "runtimes.nvidia must be an object with a \"path\""},
           {R"([1, 2])", "daemon.json must hold one JSON object, found array"},
       }) {
    auto facts = parse(text);
    ASSERT_FALSE(facts.ok()) << text;
    EXPECT_EQ(facts.error().message(), message);
    EXPECT_EQ(facts.error().exit_status(), 2);
  }
}

TEST(docker_daemon_reader, registry_names_dockerd_refuses_are_refused_at_their_position) {
  auto dots = parse("{\n  \"insecure-registries\": [\"registry.ok:5000\",\n    \"..\"]\n}");
  ASSERT_FALSE(dots.ok());
  EXPECT_EQ(dots.error().describe(),
            "daemon.json:3:5 (insecure-registries[1]): insecure registry \"..\" is not valid: "
            "invalid registry host \"..\": dockerd accepts a domain name (letters, digits, "
            "hyphens and dots) or an IP address\n"
            "  hint: dockerd refuses to start with it: correct or remove the entry");
  auto newline = parse(R"({"registry-mirrors": ["https://mirror.example\n[plugins]"]})");
  ASSERT_FALSE(newline.ok());
  EXPECT_EQ(newline.error().where().line, 1);
  EXPECT_EQ(newline.error().where().column, 23);
  EXPECT_EQ(newline.error().exit_status(), 2);
  auto quote = parse(R"({"insecure-registries": ["reg\"istry:5000"]})");
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.error().message().find("invalid registry host"), std::string::npos);
  auto fine = parse(R"({"registry-mirrors": ["https://mirror.ccs.tencentyun.com"],
                        "insecure-registries": ["10.0.0.0/8", "registry.local:5000"]})");
  EXPECT_TRUE(fine.ok());
}

TEST(docker_daemon_reader, log_opts_dockerd_refuses_are_refused) {
  auto size = parse("{\"log-opts\": {\"max-size\": \"lots\"}}");
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.error().describe(),
            "daemon.json:1:27 (log-opts.max-size): log-opts.max-size \"lots\" is not a size\n"
            "  hint: write a size such as \"100m\" (dockerd refuses this one)");
  auto files = parse("{\"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"-5\"}}");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().message(), "log-opts.max-file \"-5\" is not a positive number");
  // Another driver's options are its own business.
  EXPECT_TRUE(parse("{\"log-driver\": \"fluentd\", \"log-opts\": {\"max-size\": \"lots\"}}").ok());
}

TEST(docker_daemon_reader, malformed_json_names_line_and_column) {
  auto facts = parse("{\n  \"log-driver\": \"json-file\"\n  \"data-root\": \"/data\"\n}");
  ASSERT_FALSE(facts.ok());
  EXPECT_EQ(facts.error().where().file, "daemon.json");
  EXPECT_EQ(facts.error().where().line, 3);
  EXPECT_EQ(facts.error().where().column, 3);
}

TEST(docker_daemon_reader, every_prefix_is_an_error_never_a_crash) {
  std::string text =
      R"({"log-driver":"json-file","log-opts":{"max-size":"10m"},"runtimes":{"n":{"path":"p"}}})";
  ASSERT_TRUE(parse(text).ok());
  for (size_t length = 0; length < text.size(); ++length) {
    EXPECT_FALSE(parse(text.substr(0, length)).ok()) << length;
  }
}

}  // namespace
}  // namespace deshim::analyze
