// The state folder: records round-trip exactly, truncated records are errors (never crashes),
// folders without a record are reported as orphans, and the monitor's exit record is read.
#include "runtime/pod/pod_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

struct scratch {
  fs::path path =
      fs::temp_directory_path() / ("deshim-pod-state-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  scratch() { fs::create_directories(path); }
  ~scratch() { fs::remove_all(path); }
};

sandbox_record sample_sandbox() {
  sandbox_record r;
  r.id = std::string(64, 'a');
  r.name = "web";
  r.uid = "u-1";
  r.pod_namespace = "default";
  r.attempt = 2;
  r.state = sandbox_state::ready;
  r.created_at = 1764331200123456789;
  r.labels = {{"app", "web"}};
  r.annotations = {{"note", "x y"}};
  r.runtime_handler = "runc";
  r.ip = "198.18.60.5";
  r.additional_ips = {"fd00::5"};
  r.netns_path = "/run/deshim/netns/cni-a";
  r.host_pid = true;
  r.network_set_up = true;
  r.hostname = "web";
  r.log_directory = "/var/log/pods/default_web_u-1";
  r.cgroup_parent = "/kubepods/podu-1";
  r.image_ref = "sha256:" + std::string(64, 'b');
  r.pid = 1234;
  r.monitor_pid = 1233;
  r.config_json = R"({"metadata":{"name":"web"}})";
  return r;
}

container_record sample_container() {
  container_record r;
  r.id = std::string(64, 'c');
  r.sandbox_id = std::string(64, 'a');
  r.name = "main";
  r.attempt = 1;
  r.state = container_state::exited;
  r.created_at = 1;
  r.started_at = 2;
  r.finished_at = 3;
  r.exit_code = 137;
  r.reason = "Error";
  r.message = "killed";
  r.image = "busybox:test";
  r.image_ref = "sha256:" + std::string(64, 'd');
  r.log_path = "/var/log/pods/default_web_u-1/main/1.log";
  r.labels = {{"k", "v"}};
  r.mounts = {{"/data", "/srv/data", true, "rslave"}};
  r.pid = 99;
  r.monitor_pid = 98;
  r.rootfs_mounted = true;
  r.config_json = "{}";
  return r;
}

TEST(pod_state, sandbox_records_round_trip) {
  auto original = sample_sandbox();
  auto parsed = parse_sandbox_record(to_json_text(original), "sandbox.json");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(to_json_text(*parsed), to_json_text(original));
  EXPECT_EQ(parsed->ip, "198.18.60.5");
  EXPECT_EQ(parsed->state, sandbox_state::ready);
  EXPECT_TRUE(parsed->host_pid);
  EXPECT_FALSE(parsed->host_ipc);
}

TEST(pod_state, container_records_round_trip) {
  auto original = sample_container();
  auto parsed = parse_container_record(to_json_text(original), "container.json");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(to_json_text(*parsed), to_json_text(original));
  ASSERT_EQ(parsed->mounts.size(), 1u);
  EXPECT_EQ(parsed->mounts[0].propagation, "rslave");
  EXPECT_EQ(parsed->exit_code, 137);
}

TEST(pod_state, every_truncation_of_a_record_is_an_error) {
  std::string sandbox = to_json_text(sample_sandbox());
  std::string container = to_json_text(sample_container());
  exit_record exit{3, 0, 42, "Error"};
  std::string exit_text = to_json_text(exit);
  // The last byte is the newline after the closing brace: every shorter prefix is broken.
  for (std::size_t n = 0; n + 1 < sandbox.size(); ++n)
    EXPECT_FALSE(parse_sandbox_record(sandbox.substr(0, n), "s")) << n;
  for (std::size_t n = 0; n + 1 < container.size(); ++n)
    EXPECT_FALSE(parse_container_record(container.substr(0, n), "c")) << n;
  for (std::size_t n = 0; n + 1 < exit_text.size(); ++n)
    EXPECT_FALSE(parse_exit_record(exit_text.substr(0, n), "e")) << n;
}

TEST(pod_state, wrong_types_and_states_are_errors_naming_the_file) {
  auto bad_state =
      parse_sandbox_record(R"({"id":"x","state":"sleeping"})", "/state/sandboxes/x/sandbox.json");
  ASSERT_FALSE(bad_state);
  EXPECT_EQ(bad_state.error().where().file, "/state/sandboxes/x/sandbox.json");
  auto text = to_json_text(sample_container());
  text.replace(text.find("\"exitCode\": 137"), 15, "\"exitCode\": \"x\"");
  auto wrong = parse_container_record(text, "c.json");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind(), error_kind::invalid_input);
  EXPECT_FALSE(parse_container_record("[]", "c.json"));
}

TEST(pod_state, saves_loads_and_removes_records_in_their_folders) {
  scratch dir;
  auto state = pod_state::open(dir.path);
  ASSERT_TRUE(state) << state.error().describe();
  ASSERT_TRUE(state->save(sample_sandbox()));
  ASSERT_TRUE(state->save(sample_container()));
  EXPECT_TRUE(fs::exists(dir.path / "deshim/sandboxes" / std::string(64, 'a') / "sandbox.json"));
  // A folder without a record: a crash before the first write.
  fs::create_directories(dir.path / "deshim/containers/orphan/bundle");
  // A record that does not parse is reported, not loaded.
  fs::create_directories(dir.path / "deshim/containers/broken");
  std::ofstream(dir.path / "deshim/containers/broken/container.json") << "{\"id\":";
  auto loaded = state->load_all();
  ASSERT_EQ(loaded.sandboxes.size(), 1u);
  ASSERT_EQ(loaded.containers.size(), 1u);
  EXPECT_EQ(to_json_text(loaded.containers[0]), to_json_text(sample_container()));
  ASSERT_EQ(loaded.orphans.size(), 1u);
  EXPECT_EQ(loaded.orphans[0].filename(), "orphan");
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_NE(loaded.problems[0].find("broken/container.json"), std::string::npos)
      << loaded.problems[0];

  auto none = state->read_exit(state->container_dir(std::string(64, 'c')));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  std::ofstream(pod_state::exit_file(state->container_dir(std::string(64, 'c'))))
      << to_json_text(exit_record{137, 9, 77, "Error"});
  auto exit = state->read_exit(state->container_dir(std::string(64, 'c')));
  ASSERT_TRUE(exit && exit->has_value());
  EXPECT_EQ((*exit)->exit_code, 137);
  EXPECT_EQ((*exit)->signal, 9);
  EXPECT_EQ((*exit)->finished_at, 77);

  ASSERT_TRUE(state->remove_container(std::string(64, 'c')));
  ASSERT_TRUE(state->remove_container(std::string(64, 'c')));  // idempotent
  EXPECT_FALSE(fs::exists(state->container_dir(std::string(64, 'c'))));
  ASSERT_TRUE(state->remove_sandbox(std::string(64, 'a')));
  EXPECT_TRUE(state->load_all().sandboxes.empty());
}

}  // namespace
}  // namespace deshim::runtime
