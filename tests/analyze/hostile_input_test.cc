// The hostile inputs of issue 17, each through the reader a node file reaches: a clear error
// naming the file and position (exit status 2), in bounded time, never a crash or a hang.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>

#include "analyze/containerd_reader.h"
#include "analyze/docker_daemon_reader.h"
#include "analyze/kubelet_reader.h"
#include "analyze/rule_loader.h"
#include "analyze/systemd_unit.h"
#include "analyze/temp_node.h"
#include "analyze/workload_reader.h"
#include "common/regular_file.h"

namespace deshim::analyze {
namespace {

using testing::temp_node;
using clock_type = std::chrono::steady_clock;

std::string first_line(const error& e) {
  std::string text = e.describe();
  return text.substr(0, text.find('\n'));
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

/// Nine lines whose aliases expand to 9^9 (387 million) strings.
std::string billion_laughs(const std::string& head) {
  std::string out =
      head + "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'i'; ++name) {
    out += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 9; ++i)
      out += std::string(i ? "," : "") + "*" + previous;
    out += "]\n";
    previous = name;
  }
  return out;
}

TEST(hostile_input, daemon_json_nested_100000_levels_is_an_error_not_a_crash) {
  temp_node node;
  node.write("/etc/docker/daemon.json",
             "{\"a\": " + std::string(100'000, '[') + std::string(100'000, ']') + "}");
  node_facts facts;
  auto read = read_docker_daemon_config(node.fs(), facts);
  ASSERT_FALSE(read);
  EXPECT_TRUE(ends_with(first_line(read.error()),
                        "etc/docker/daemon.json:1:518: the JSON document nests deeper than 512 "
                        "levels here"))
      << first_line(read.error());
  EXPECT_EQ(read.error().exit_status(), 2);
}

TEST(hostile_input, config_toml_header_with_100000_dotted_parts_is_an_error) {
  temp_node node;
  std::string header = "version = 2\n[plugins";
  for (int i = 0; i < 100'000; ++i)
    header += ".x";
  node.write("/etc/containerd/config.toml", header + "]\n");
  node_facts facts;
  auto read = read_containerd(node.fs(), false, facts);
  ASSERT_FALSE(read);
  EXPECT_TRUE(ends_with(first_line(read.error()),
                        "etc/containerd/config.toml:2:1031: the TOML table header nests deeper "
                        "than 512 levels here"))
      << first_line(read.error());
}

TEST(hostile_input, kubelet_configuration_with_a_self_referencing_alias) {
  kubelet_facts kubelet;
  auto parsed = parse_kubelet_config(
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nr: &r [*r]\n",
      "/var/lib/kubelet/config.yaml", "var/lib/kubelet/config.yaml", kubelet);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(first_line(parsed.error()),
            "var/lib/kubelet/config.yaml:3:8: this alias refers to a node that contains it, a "
            "loop");
}

TEST(hostile_input, kubelet_configuration_with_a_billion_laughs) {
  kubelet_facts kubelet;
  auto start = clock_type::now();
  auto parsed = parse_kubelet_config(
      billion_laughs("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"),
      "/var/lib/kubelet/config.yaml", "var/lib/kubelet/config.yaml", kubelet);
  ASSERT_FALSE(parsed);
  EXPECT_NE(first_line(parsed.error()).find("var/lib/kubelet/config.yaml:8:"), std::string::npos)
      << first_line(parsed.error());
  EXPECT_NE(parsed.error().message().find("aliases expand this document to more than 100000 nodes"),
            std::string::npos);
  EXPECT_LT(clock_type::now() - start, std::chrono::seconds(10));
}

TEST(hostile_input, workload_manifests_with_looping_and_exponential_aliases) {
  workload_facts out;
  workload_collector collector(out);
  auto loop = read_workload_text("apiVersion: v1\nkind: Pod\nspec: &r [*r]\n", "pod.yaml",
                                 collector, false);
  ASSERT_FALSE(loop);
  EXPECT_EQ(first_line(loop.error()),
            "pod.yaml:3:11: this alias refers to a node that contains it, a loop");
  auto laughs = read_workload_text(billion_laughs("apiVersion: v1\nkind: ConfigMap\n"), "cm.yaml",
                                   collector, false);
  ASSERT_FALSE(laughs);
  EXPECT_NE(laughs.error().message().find("aliases expand this document"), std::string::npos);
}

TEST(hostile_input, a_fifo_as_daemon_json_is_refused_without_blocking) {
  temp_node node;
  node.write("/etc/docker/placeholder", "");
  ASSERT_EQ(::mkfifo((node.root() / "etc/docker/daemon.json").c_str(), 0600), 0);
  node_facts facts;
  auto read = read_docker_daemon_config(node.fs(), facts);
  ASSERT_FALSE(read);
  EXPECT_TRUE(ends_with(read.error().message(),
                        "etc/docker/daemon.json is a FIFO (named pipe), not a regular file"))
      << read.error().message();
  EXPECT_EQ(read.error().exit_status(), 2);
}

TEST(hostile_input, a_character_device_as_the_kubelet_env_file_is_refused) {
  temp_node node;
  node.write("/etc/default/placeholder", "");
  std::string device = (node.root() / "etc/default/kubelet").string();
  if (::mknod(device.c_str(), S_IFCHR | 0600, makedev(1, 5)) != 0) {
    // Without CAP_MKNOD: a symlink to the host's /dev/zero reached as a plain host path.
    auto host = read_regular_file("/dev/zero", "etc/default/kubelet");
    ASSERT_FALSE(host);
    EXPECT_EQ(host.error().message(),
              "etc/default/kubelet is a character device, not a regular file");
    return;
  }
  auto read = node.fs().read_file_if_exists("/etc/default/kubelet");
  ASSERT_FALSE(read);
  EXPECT_TRUE(ends_with(read.error().message(),
                        "etc/default/kubelet is a character device, not a regular file"))
      << read.error().message();
}

TEST(hostile_input, daemon_json_with_100000_keys_reads_in_linear_time) {
  std::string text = "{\n";
  for (int i = 0; i < 100'000; ++i)
    text += "  \"key-" + std::to_string(i) + "\": \"v\",\n";
  text += "  \"log-driver\": \"json-file\"\n}\n";
  docker_daemon_facts docker;
  auto start = clock_type::now();
  auto parsed = parse_docker_daemon_config(text, "daemon.json", "/etc/docker/daemon.json", docker);
  auto took = clock_type::now() - start;
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(docker.settings.size(), 100'001u);
  EXPECT_EQ(docker.sources["key-99999"].line, 100'001);
  EXPECT_LT(took, std::chrono::seconds(10)) << "32 s before";
}

TEST(hostile_input, env_file_with_50000_assignments_reads_in_linear_time) {
  std::string text;
  for (int i = 0; i < 50'000; ++i)
    text += "VAR_" + std::to_string(i) + "=\"--flag-" + std::to_string(i) + "=x\"\n";
  std::map<std::string, located_value> values;
  auto start = clock_type::now();
  auto parsed = parse_environment_file(text, "/etc/default/kubelet", "etc/default/kubelet", values);
  auto took = clock_type::now() - start;
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(values.size(), 50'000u);
  EXPECT_EQ(values["VAR_49999"].line, 50'000);
  EXPECT_LT(took, std::chrono::seconds(10)) << "19 s before";
  // The position of an unclosed quote is still exact.
  auto unclosed = parse_environment_file("A=1\nB=\"x\n", "/e", "e", values);
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(first_line(unclosed.error()), "e:2:3: the quote \" opened here is never closed");
}

TEST(hostile_input, rule_files_are_bounded_too) {
  auto loop = parse_rule("id: x\nr: &r [*r]\n", "rules/x.yaml");
  ASSERT_FALSE(loop);
  EXPECT_EQ(first_line(loop.error()),
            "rules/x.yaml:2:8: this alias refers to a node that contains it, a loop");
  temp_node node;
  node.write("/rules/placeholder", "");
  ASSERT_EQ(::mkfifo((node.root() / "rules/x.yaml").c_str(), 0600), 0);
  auto folder = load_rules_directory(node.root() / "rules");
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.error().message().find("x.yaml is a FIFO (named pipe), not a regular file"),
            std::string::npos)
      << folder.error().message();
}

}  // namespace
}  // namespace deshim::analyze
