// CNI invocation as libcni does it, checked with tiny recording plugins (`*-fake` shell scripts
// written into a temporary node root): environment, CNI_ARGS, stdin with name, cniVersion,
// prevResult and capability args, DEL in reverse with the cached result, plugin errors.
#include "runtime/pod/pod_network.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* first_result =
    R"({"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/ns"},{"name":"other"}],)"
    R"("ips":[{"address":"fd00::5/64","interface":0},{"address":"198.18.77.5/24","interface":0},)"
    R"({"address":"198.18.99.9/24","interface":1}]})";
const char* second_result =
    R"({"cniVersion":"0.4.0","interfaces":[{"name":"eth1","sandbox":"/ns"}],)"
    R"("ips":[{"version":"4","address":"198.18.78.6/24","interface":0}]})";

class pod_network_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-podnet-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "etc/cni/net.d");
    fs::create_directories(root_ / "opt/cni/bin");
    fs::create_directories(root_ / "record");
    fake("loopback", R"({"cniVersion":"0.3.1","interfaces":[{"name":"lo"}]})");
    fake("ipam-fake", first_result);
    fake("ports-fake", first_result);
    fake("second-fake", second_result);
    fake("broken-fake",
         R"({"cniVersion":"1.0.0","code":7,"msg":"bad config","details":"subnet missing"})", 1);
    fake("crash-fake", "", 2, "boom: no route\n");
    conf("10-first.conflist",
         R"({"cniVersion":"1.0.0","name":"first","plugins":[{"type":"ipam-fake","ipam":{"x":1}},)"
         R"({"type":"ports-fake","capabilities":{"portMappings":true,"bandwidth":true}}]})");
    conf("20-second.conf", R"({"cniVersion":"0.4.0","name":"second","type":"second-fake"})");
    auto fs = rooted_fs::open(root_);
    ASSERT_TRUE(fs);
    fs_.emplace(std::move(*fs));
    settings_.conf_dir = "/etc/cni/net.d";
    settings_.bin_dirs = {"/opt/cni/bin"};
    settings_.max_conf_num = 0;
    settings_.cache_dir = root_ / "state/cni-cache";
    request_.sandbox_id = "sb1";
    request_.netns_path = (root_ / "no-such-netns").string();
    request_.pod_name = "web";
    request_.pod_namespace = "default";
    request_.pod_uid = "uid-1";
    request_.port_mappings = {
        {8080, 80, "tcp", ""}, {0, 81, "tcp", ""}, {53, 53, "udp", "127.0.0.1"}};
  }
  void TearDown() override { fs::remove_all(root_); }

  /// A plugin that records its stdin and CNI_* environment as `<n>-<type>-<command>.*` (n counts
  /// the calls), prints `output` and exits with `status`.
  void fake(const std::string& type, const std::string& output, int status = 0,
            const std::string& stderr_text = {}) {
    fs::path file = root_ / "opt/cni/bin" / type;
    std::string record = (root_ / "record").string();
    std::ofstream script(file);
    script << "#!/bin/sh\n"
           << "n=$(cat " << record << "/counter 2>/dev/null || echo 0); n=$((n+1)); echo $n > "
           << record << "/counter\n"
           << "cat > " << record << "/$n-" << type << "-$CNI_COMMAND.stdin\n"
           << "env | grep '^CNI_' | sort > " << record << "/$n-" << type << "-$CNI_COMMAND.env\n"
           << "printf '%s' '" << output << "'\n";
    if (!stderr_text.empty()) script << "printf '%s' '" << stderr_text << "' >&2\n";
    script << "exit " << status << "\n";
    script.close();
    fs::permissions(file, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  }
  void conf(const std::string& name, const std::string& text) {
    std::ofstream(root_ / "etc/cni/net.d" / name) << text;
  }
  std::string recorded(const std::string& name) {
    std::ifstream in(root_ / "record" / name);
    if (!in) return "<missing " + name + ">";
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  json recorded_json(const std::string& name) { return json::parse(recorded(name)); }
  /// The calls in order: "1-loopback-ADD", "2-ipam-fake-ADD", ...
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(root_ / "record")) {
      std::string name = entry.path().filename().string();
      if (name.size() > 6 && name.substr(name.size() - 6) == ".stdin")
        out.push_back(name.substr(0, name.size() - 6));
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
      return std::stoi(a) < std::stoi(b);
    });
    return out;
  }
  std::string env_for(const std::string& command, const std::string& ifname,
                      const std::string& netns) {
    return "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;"
           "K8S_POD_INFRA_CONTAINER_ID=sb1;K8S_POD_UID=uid-1\n"
           "CNI_COMMAND=" +
           command + "\nCNI_CONTAINERID=sb1\nCNI_IFNAME=" + ifname + "\nCNI_NETNS=" + netns +
           "\nCNI_PATH=" + (root_ / "opt/cni/bin").string() + "\n";
  }

  fs::path root_;
  std::optional<rooted_fs> fs_;
  cni_settings settings_;
  pod_network_request request_;
};

TEST_F(pod_network_test, add_runs_every_plugin_with_chained_results_and_capabilities) {
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network) << network.error().describe();
  EXPECT_EQ(network->network_names(), (std::vector<std::string>{"first", "second"}));
  auto added = network->setup(request_);
  ASSERT_TRUE(added) << added.error().describe();

  EXPECT_EQ(added->primary_ip, "198.18.77.5");  // ipv4 first, eth0's addresses only
  EXPECT_EQ(added->additional_ips, (std::vector<std::string>{"fd00::5"}));
  ASSERT_EQ(added->attachments.size(), 2u);
  EXPECT_EQ(added->attachments[0].network_name, "first");
  EXPECT_EQ(added->attachments[0].interface_name, "eth0");
  EXPECT_EQ(added->attachments[1].network_name, "second");
  EXPECT_EQ(added->attachments[1].interface_name, "eth1");
  EXPECT_EQ(added->attachments[1].ips, (std::vector<std::string>{"198.18.78.6"}));

  EXPECT_EQ(calls(), (std::vector<std::string>{"1-loopback-ADD", "2-ipam-fake-ADD",
                                               "3-ports-fake-ADD", "4-second-fake-ADD"}));
  EXPECT_EQ(recorded("1-loopback-ADD.env"), env_for("ADD", "lo", request_.netns_path));
  EXPECT_EQ(recorded("2-ipam-fake-ADD.env"), env_for("ADD", "eth0", request_.netns_path));
  EXPECT_EQ(recorded("4-second-fake-ADD.env"), env_for("ADD", "eth1", request_.netns_path));

  EXPECT_EQ(recorded_json("1-loopback-ADD.stdin"),
            json::parse(R"({"cniVersion":"0.3.1","name":"cni-loopback","type":"loopback"})"));
  // First plugin: no prevResult; it did not declare the capability, so no runtimeConfig.
  EXPECT_EQ(
      recorded_json("2-ipam-fake-ADD.stdin"),
      json::parse(R"({"cniVersion":"1.0.0","name":"first","type":"ipam-fake","ipam":{"x":1}})"));
  // Second plugin: the first one's result chained, port mappings with a host port only,
  // protocol lower case, hostIP only when set; "bandwidth" has no argument so is left out.
  json expected = json::parse(
      R"({"cniVersion":"1.0.0","name":"first","type":"ports-fake",
          "capabilities":{"portMappings":true,"bandwidth":true},
          "runtimeConfig":{"portMappings":[
            {"hostPort":8080,"containerPort":80,"protocol":"tcp"},
            {"hostPort":53,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}]}})");
  expected["prevResult"] = json::parse(first_result);
  EXPECT_EQ(recorded_json("3-ports-fake-ADD.stdin"), expected);
  // A single .conf is wrapped into a list: name and cniVersion from the file itself.
  EXPECT_EQ(recorded_json("4-second-fake-ADD.stdin"),
            json::parse(R"({"cniVersion":"0.4.0","name":"second","type":"second-fake"})"));
  EXPECT_TRUE(fs::exists(settings_.cache_dir / "sb1.json"));
}

TEST_F(pod_network_test, del_runs_in_reverse_with_the_cached_result_even_after_config_changed) {
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  ASSERT_TRUE(network->setup(request_));
  fs::remove_all(root_ / "record");
  fs::create_directories(root_ / "record");
  // The node's config changes before the pod goes (a CNI upgrade): DEL uses what ADD used.
  fs::remove(root_ / "etc/cni/net.d/20-second.conf");
  auto reloaded = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(reloaded);
  ASSERT_TRUE(reloaded->teardown(request_));

  EXPECT_EQ(calls(), (std::vector<std::string>{"1-second-fake-DEL", "2-ports-fake-DEL",
                                               "3-ipam-fake-DEL", "4-loopback-DEL"}));
  // The namespace path names no namespace any more: CNI_NETNS is empty, as containerd does.
  EXPECT_EQ(recorded("1-second-fake-DEL.env"), env_for("DEL", "eth1", ""));
  EXPECT_EQ(recorded("3-ipam-fake-DEL.env"), env_for("DEL", "eth0", ""));
  json second = json::parse(R"({"cniVersion":"0.4.0","name":"second","type":"second-fake"})");
  second["prevResult"] = json::parse(second_result);
  EXPECT_EQ(recorded_json("1-second-fake-DEL.stdin"), second);
  EXPECT_EQ(recorded_json("3-ipam-fake-DEL.stdin")["prevResult"], json::parse(first_result));
  // cniVersion 0.3.1 predates cached results on DEL.
  EXPECT_FALSE(recorded_json("4-loopback-DEL.stdin").contains("prevResult"));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / "sb1.json"));

  // Idempotent: without a cache the loaded networks are deleted again, without prevResult.
  fs::remove_all(root_ / "record");
  fs::create_directories(root_ / "record");
  ASSERT_TRUE(reloaded->teardown(request_));
  EXPECT_EQ(calls(),
            (std::vector<std::string>{"1-ports-fake-DEL", "2-ipam-fake-DEL", "3-loopback-DEL"}));
  EXPECT_FALSE(recorded_json("2-ipam-fake-DEL.stdin").contains("prevResult"));
}

TEST_F(pod_network_test, plugin_error_object_becomes_the_error_and_add_is_undone) {
  conf("30-bad.conflist",
       R"({"cniVersion":"1.0.0","name":"bad","plugins":[{"type":"broken-fake"}]})");
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network) << network.error().describe();
  auto added = network->setup(request_);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().kind(), error_kind::environment);
  EXPECT_EQ(added.error().message(),
            "setting up the network of pod default/web: CNI plugin \"broken-fake\" (ADD of network "
            "\"bad\", eth2) failed: bad config: subnet missing (CNI error code 7, invalid network "
            "config)");
  EXPECT_EQ(calls(),
            (std::vector<std::string>{"1-loopback-ADD", "2-ipam-fake-ADD", "3-ports-fake-ADD",
                                      "4-second-fake-ADD", "5-broken-fake-ADD", "6-broken-fake-DEL",
                                      "7-second-fake-DEL", "8-ports-fake-DEL", "9-ipam-fake-DEL",
                                      "10-loopback-DEL"}));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / "sb1.json"));
}

TEST_F(pod_network_test, plugin_without_error_object_reports_its_stderr) {
  conf("30-bad.conflist",
       R"({"cniVersion":"1.0.0","name":"bad","plugins":[{"type":"crash-fake"}]})");
  settings_.loopback = false;
  settings_.max_conf_num = 0;
  fs::remove(root_ / "etc/cni/net.d/10-first.conflist");
  fs::remove(root_ / "etc/cni/net.d/20-second.conf");
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  auto added = network->setup(request_);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().message(),
            "setting up the network of pod default/web: CNI plugin \"crash-fake\" (ADD of network "
            "\"bad\", eth0) exited with status 2: boom: no route");
}

TEST_F(pod_network_test, max_conf_num_limits_the_networks_and_ip_pref_picks_the_family) {
  settings_.max_conf_num = 1;
  settings_.ip_pref = "ipv6";
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  EXPECT_EQ(network->network_names(), (std::vector<std::string>{"first"}));
  auto added = network->setup(request_);
  ASSERT_TRUE(added) << added.error().describe();
  EXPECT_EQ(added->primary_ip, "fd00::5");
  EXPECT_EQ(added->additional_ips, (std::vector<std::string>{"198.18.77.5"}));
  EXPECT_EQ(added->attachments.size(), 1u);
}

TEST_F(pod_network_test, no_config_is_the_network_not_ready_error) {
  fs::remove(root_ / "etc/cni/net.d/10-first.conflist");
  fs::remove(root_ / "etc/cni/net.d/20-second.conf");
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_FALSE(network);
  EXPECT_EQ(network.error().kind(), error_kind::environment);
  EXPECT_NE(network.error().message().find("no network config found in /etc/cni/net.d"),
            std::string::npos)
      << network.error().message();
}

TEST_F(pod_network_test, missing_plugin_binary_fails_at_load) {
  conf("05-missing.conflist",
       R"({"cniVersion":"1.0.0","name":"m","plugins":[{"type":"nowhere"}]})");
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_FALSE(network);
  EXPECT_NE(network.error().message().find("plugin binary \"nowhere\""), std::string::npos)
      << network.error().message();
}

TEST_F(pod_network_test, cni_args_cannot_be_smuggled_through_pod_fields) {
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  request_.pod_name = "web;K8S_POD_UID=evil";
  auto added = network->setup(request_);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().kind(), error_kind::invalid_input);
  EXPECT_EQ(calls().size(), 0u);
  request_.pod_name = "web";
  request_.sandbox_id = "../escape";
  EXPECT_FALSE(network->setup(request_));
  EXPECT_FALSE(network->teardown(request_));
}

TEST_F(pod_network_test, truncated_cached_result_falls_back_to_the_loaded_networks) {
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  ASSERT_TRUE(network->setup(request_));
  fs::path cache = settings_.cache_dir / "sb1.json";
  std::ifstream in(cache);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  for (size_t n = 0; n < text.size(); n += text.size() / 8 + 1) {  // each run forks 4 plugins
    std::ofstream(cache, std::ios::trunc) << text.substr(0, n);
    ASSERT_TRUE(network->teardown(request_)) << n;
  }
}

TEST_F(pod_network_test, truncated_conflists_are_refused_at_load_never_crash) {
  const std::string text =
      R"({"cniVersion":"1.0.0","name":"first","plugins":[{"type":"ipam-fake"}]})";
  fs::remove(root_ / "etc/cni/net.d/20-second.conf");
  for (size_t n = 0; n < text.size(); ++n) {
    conf("10-first.conflist", text.substr(0, n));
    auto network = pod_network::load(*fs_, settings_);
    ASSERT_FALSE(network) << n;
    EXPECT_EQ(network.error().kind(), error_kind::environment) << n;
  }
  conf("10-first.conflist", text);
  EXPECT_TRUE(pod_network::load(*fs_, settings_));
}

TEST_F(pod_network_test, a_truncated_plugin_result_is_an_error_naming_the_plugin) {
  std::string result = first_result;
  fake("ipam-fake", result.substr(0, result.size() / 2));
  settings_.loopback = false;
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  auto added = network->setup(request_);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().message(),
            "setting up the network of pod default/web: CNI plugin \"ipam-fake\" of network "
            "\"first\" printed no JSON result on ADD: " +
                result.substr(0, result.size() / 2));
}

TEST_F(pod_network_test, cached_networks_are_deleted_even_when_conf_dir_no_longer_loads) {
  auto network = pod_network::load(*fs_, settings_);
  ASSERT_TRUE(network);
  ASSERT_TRUE(network->setup(request_));
  fs::remove_all(root_ / "record");
  fs::create_directories(root_ / "record");
  fs::remove(root_ / "etc/cni/net.d/10-first.conflist");
  fs::remove(root_ / "etc/cni/net.d/20-second.conf");
  ASSERT_FALSE(pod_network::load(*fs_, settings_));
  ASSERT_TRUE(pod_network::teardown_cached(*fs_, settings_, request_));
  EXPECT_EQ(calls(), (std::vector<std::string>{"1-second-fake-DEL", "2-ports-fake-DEL",
                                               "3-ipam-fake-DEL", "4-loopback-DEL"}));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / "sb1.json"));
  // Nothing cached: nothing to do.
  fs::remove_all(root_ / "record");
  fs::create_directories(root_ / "record");
  ASSERT_TRUE(pod_network::teardown_cached(*fs_, settings_, request_));
  EXPECT_TRUE(calls().empty());
}

}  // namespace
}  // namespace deshim::runtime
