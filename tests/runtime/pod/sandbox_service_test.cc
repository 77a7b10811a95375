// Sandbox service pieces that need no runc: the pod's resolv.conf, and the restart recovery of
// crashed starts (records still `creating`, folders without records) in a scratch state folder.
// runc is replaced by /bin/true through the runtime handler's BinaryName, so nothing runs.
#include "runtime/pod/sandbox_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/pod/container_service.h"

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;

TEST(sandbox_service, resolv_conf_comes_from_the_dns_config) {
  v1::DNSConfig dns;
  dns.add_servers("198.18.0.10");
  dns.add_servers("198.18.0.11");
  dns.add_searches("ns.svc.cluster.local");
  dns.add_searches("cluster.local");
  dns.add_options("ndots:5");
  EXPECT_EQ(pod_resolv_conf(dns, "nameserver 1.1.1.1\n"),
            "search ns.svc.cluster.local cluster.local\n"
            "nameserver 198.18.0.10\n"
            "nameserver 198.18.0.11\n"
            "options ndots:5\n");
  // No DNS config: the node's own file, as containerd copies it.
  EXPECT_EQ(pod_resolv_conf(v1::DNSConfig(), "nameserver 198.18.0.1\n"), "nameserver 198.18.0.1\n");
}

TEST(sandbox_service, recovery_cleans_crashed_starts_and_keeps_finished_ones) {
  fs::path folder = fs::temp_directory_path() / ("deshim-recover-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  auto root = rooted_fs::open(folder);
  ASSERT_TRUE(root);
  containerd_settings settings;
  cri_runtime_handler handler;
  handler.name = "runc";
  handler.binary_name = "/bin/true";  // no real runc in a unit test
  settings.cri.runtimes = {handler};
  auto state = pod_state::open(folder / "state");
  ASSERT_TRUE(state);

  sandbox_record ready;
  ready.id = std::string(64, 'a');
  ready.name = "ready";
  ready.state = sandbox_state::ready;
  ASSERT_TRUE(state->save(ready));
  std::ofstream(pod_state::exit_file(state->sandbox_dir(ready.id)))
      << to_json_text(exit_record{137, 9, 5, "Error"});
  sandbox_record crashed;
  crashed.id = std::string(64, 'b');
  crashed.name = "crashed";
  crashed.state = sandbox_state::creating;
  ASSERT_TRUE(state->save(crashed));
  container_record running;
  running.id = std::string(64, 'c');
  running.sandbox_id = ready.id;
  running.state = container_state::running;
  ASSERT_TRUE(state->save(running));
  std::ofstream(pod_state::exit_file(state->container_dir(running.id)))
      << to_json_text(exit_record{3, 0, 42, "Error"});
  container_record half_made;
  half_made.id = std::string(64, 'd');
  half_made.sandbox_id = ready.id;
  half_made.state = container_state::creating;
  ASSERT_TRUE(state->save(half_made));
  container_record of_crashed_pod;
  of_crashed_pod.id = std::string(64, 'e');
  of_crashed_pod.sandbox_id = crashed.id;
  of_crashed_pod.state = container_state::created;
  ASSERT_TRUE(state->save(of_crashed_pod));
  fs::create_directories(state->folder() / "containers" / "no-record" / "bundle");

  pod_context context(&settings, *root, nullptr, *state, folder / "state");
  container_service containers(context);
  sandbox_service sandboxes(context, containers);
  auto log = sandboxes.recover();
  fs::path base = folder / "state/deshim";
  EXPECT_TRUE(fs::exists(base / "sandboxes" / ready.id));
  EXPECT_FALSE(fs::exists(base / "sandboxes" / crashed.id));
  EXPECT_TRUE(fs::exists(base / "containers" / running.id));
  EXPECT_FALSE(fs::exists(base / "containers" / half_made.id));
  EXPECT_FALSE(fs::exists(base / "containers" / of_crashed_pod.id));
  EXPECT_FALSE(fs::exists(base / "containers" / "no-record"));
  ASSERT_EQ(context.sandboxes.size(), 1u);
  ASSERT_EQ(context.containers.size(), 1u);
  // Exits recorded by the monitors while the core was down are applied.
  EXPECT_EQ(context.sandboxes.at(ready.id).state, sandbox_state::not_ready);
  const auto& container = context.containers.at(running.id);
  EXPECT_EQ(container.state, container_state::exited);
  EXPECT_EQ(container.exit_code, 3);
  EXPECT_EQ(container.finished_at, 42);
  EXPECT_EQ(log.back(), "reloaded 1 pod sandboxes and 1 containers");
  fs::remove_all(folder);
}

}  // namespace
}  // namespace deshim::runtime
