// The plan as text (what an operator reviews) and as JSON (deshim.migrate-plan/v1).
#include "migrate/plan_render.h"

#include <gtest/gtest.h>

namespace deshim::migrate {
namespace {

migration_plan small_plan() {
  migration_plan plan;
  plan.kubernetes_version = "1.24.4";
  plan.containerd_version = "1.6.20";
  plan.containerd_config_version = 2;
  plan.files.push_back({"/etc/containerd/config.toml",
                        "version = 2\ndisabled_plugins = [\"cri\"]\n",
                        "version = 2\ndisabled_plugins = []\n",
                        0644,
                        {{plan_note::level::info, "disabled_plugins",
                          "cri removed from disabled_plugins so the kubelet can use containerd"}}});
  plan.files.push_back({"/etc/crictl.yaml",
                        std::nullopt,
                        "runtime-endpoint: unix:///run/containerd/containerd.sock\n",
                        0600,
                        {}});
  plan.files.push_back({"/etc/unchanged.conf", "same\n", "same\n", 0644, {}});
  plan.links.push_back({"/var/log/pods",
                        "/data/log/pods",
                        {{plan_note::level::info, "", "logs stay on the data disk, as TKE does"}}});
  plan.steps = {{"stop-kubelet", "Stop the kubelet", {"systemctl", "stop", "kubelet"}, true},
                {"write-files", "Write the files above", {}, false}};
  plan.notes = {{plan_note::level::warning, "containerLogMaxSize",
                 "Docker had no log rotation: the kubelet's defaults apply"}};
  return plan;
}

TEST(plan_render, text_shows_diffs_links_steps_and_notes) {
  EXPECT_EQ(render_plan_text(small_plan(), false),
            "Migration plan: Kubernetes 1.24.4 to containerd 1.6.20 (config.toml version 2)\n"
            "\n"
            "Files: 2 to write, 1 already as planned\n"
            "\n"
            "== /etc/containerd/config.toml (changed)\n"
            "  note: disabled_plugins: cri removed from disabled_plugins so the kubelet can use "
            "containerd\n"
            "--- a/etc/containerd/config.toml\n"
            "+++ b/etc/containerd/config.toml\n"
            "@@ -1,2 +1,2 @@\n"
            " version = 2\n"
            "-disabled_plugins = [\"cri\"]\n"
            "+disabled_plugins = []\n"
            "\n"
            "== /etc/crictl.yaml (new, mode 0600)\n"
            "--- /dev/null\n"
            "+++ b/etc/crictl.yaml\n"
            "@@ -0,0 +1 @@\n"
            "+runtime-endpoint: unix:///run/containerd/containerd.sock\n"
            "\n"
            "== /etc/unchanged.conf (unchanged)\n"
            "\n"
            "Links:\n"
            "  /var/log/pods -> /data/log/pods (whatever /var/log/pods holds moves to "
            "/data/log/pods; nothing is deleted)\n"
            "    note: logs stay on the data disk, as TKE does\n"
            "\n"
            "Steps:\n"
            "  1. stop-kubelet: Stop the kubelet [service step: run by --execute-steps]\n"
            "       $ systemctl stop kubelet\n"
            "  2. write-files: Write the files above\n"
            "\n"
            "Notes:\n"
            "  warning: containerLogMaxSize: Docker had no log rotation: the kubelet's defaults "
            "apply\n");
}

TEST(plan_render, color_marks_removed_and_added_lines) {
  std::string text = render_plan_text(small_plan(), true);
  EXPECT_NE(text.find("\x1b[31m-disabled_plugins = [\"cri\"]\x1b[0m\n"), std::string::npos);
  EXPECT_NE(text.find("\x1b[32m+disabled_plugins = []\x1b[0m\n"), std::string::npos);
  EXPECT_NE(text.find("\x1b[33mwarning\x1b[0m: containerLogMaxSize"), std::string::npos);
}

TEST(plan_render, json_follows_the_v1_schema) {
  auto json = plan_to_json(small_plan());
  EXPECT_EQ(json.at("schema"), "deshim.migrate-plan/v1");
  EXPECT_EQ(json.at("kubernetes_version"), "1.24.4");
  EXPECT_EQ(json.at("containerd_version"), "1.6.20");
  EXPECT_EQ(json.at("containerd_config_version"), 2);
  EXPECT_EQ(json.at("has_file_changes"), true);
  ASSERT_EQ(json.at("files").size(), 3u);
  const auto& config = json.at("files")[0];
  EXPECT_EQ(config.at("path"), "/etc/containerd/config.toml");
  EXPECT_EQ(config.at("before_present"), true);
  EXPECT_EQ(config.at("changed"), true);
  EXPECT_EQ(config.at("after"), "version = 2\ndisabled_plugins = []\n");
  EXPECT_EQ(config.at("diff"),
            "--- a/etc/containerd/config.toml\n+++ b/etc/containerd/config.toml\n@@ -1,2 +1,2 "
            "@@\n version = 2\n-disabled_plugins = [\"cri\"]\n+disabled_plugins = []\n");
  EXPECT_EQ(
      config.at("notes"),
      nlohmann::ordered_json::parse(
          R"([{"severity":"info","setting":"disabled_plugins","text":"cri removed from disabled_plugins so the kubelet can use containerd"}])"));
  const auto& crictl = json.at("files")[1];
  EXPECT_EQ(crictl.at("before_present"), false);
  EXPECT_EQ(crictl.at("mode"), "0600");
  const auto& unchanged = json.at("files")[2];
  EXPECT_EQ(unchanged.at("changed"), false);
  EXPECT_EQ(unchanged.at("diff"), "");
  EXPECT_EQ(json.at("links")[0].at("target"), "/data/log/pods");
  EXPECT_EQ(json.at("steps")[0].at("command"),
            nlohmann::ordered_json::parse(R"(["systemctl","stop","kubelet"])"));
  EXPECT_EQ(json.at("steps")[0].at("service_step"), true);
  EXPECT_EQ(json.at("notes")[0].at("severity"), "warning");
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items())
    keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema", "kubernetes_version", "containerd_version",
                                            "containerd_config_version", "has_file_changes",
                                            "files", "links", "steps", "notes"}));
}

TEST(plan_render, a_plan_with_nothing_to_change_says_so) {
  migration_plan plan;
  plan.containerd_version = "1.6.20";
  plan.files.push_back({"/etc/crictl.yaml", "x\n", "x\n", 0644, {}});
  EXPECT_EQ(plan_to_json(plan).at("has_file_changes"), false);
  std::string text = render_plan_text(plan, false);
  EXPECT_NE(text.find("Files: 0 to write, 1 already as planned\n"), std::string::npos);
  EXPECT_NE(text.find("Kubernetes (unknown)"), std::string::npos);
}

}  // namespace
}  // namespace deshim::migrate
