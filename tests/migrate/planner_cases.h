// The golden migration cases: a fixture node, the plan options, and the plan rendered as the
// files it writes plus plan-notes.txt. Shared by the golden test (byte-for-byte comparison
// with tests/fixtures/migrate/<case>/expected/) and the integration test (boots containerd 1.6
// on each case's config.toml).
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "analyze/analyze.h"
#include "common/rooted_fs.h"
#include "migrate/planner.h"

namespace deshim::migrate::testing {

struct planner_case {
  std::string name;  ///< folder under tests/fixtures/migrate/
  std::string node;  ///< folder under tests/fixtures/nodes/
  plan_options options;
  bool boots_here = true;  ///< false for containerd 2.x (config version 3): golden files only
  /// --kubernetes-version, for nodes whose kubelet binary is a placeholder.
  std::optional<std::string> kubernetes_version{};
};

/// gtest prints a case by its name.
inline void PrintTo(const planner_case& c, std::ostream* out) {
  *out << c.name;
}

inline std::vector<planner_case> planner_cases() {
  plan_options v3;
  v3.containerd_version = "2.0.0";
  // The GPU node has containerd 1.4 installed (too old for config version 2 with CRI): the
  // operator names the containerd that will be installed.
  plan_options gpu;
  gpu.containerd_version = "1.6.20";
  plan_options v3_2_0;
  v3_2_0.containerd_version = "2.0.0";
  plan_options v2_1_7;
  v2_1_7.containerd_version = "1.7.20";
  return {
      {"tke-data-disk", "tke-data-disk", {}, true, "1.20.6"},
      {"kubeadm-systemd", "kubeadm-systemd", {}, true},
      {"k8s-1.10", "k8s-1.10", {}, true},
      {"gpu-nvidia", "gpu-nvidia", gpu, true},
      {"docker-ce-containerd", "docker-ce-containerd", {}, true},
      {"k8s-1.27-cri-dockerd", "k8s-1.27-cri-dockerd", {}, true},
      {"kubeadm-systemd-containerd-2.0", "kubeadm-systemd", v3, false},
      // Existing config.toml files with keys containerd refuses next to deshim's.
      {"vendor-containerd-config", "vendor-containerd-config", {}, true},
      // 1.7 reads image_pull_progress_timeout, which the containerd 1.6 here would drop.
      {"vendor-containerd-config-1.7", "vendor-containerd-config", v2_1_7, false},
      {"containerd-2-config-2.0", "containerd-2-config", v3_2_0, false},
      {"containerd-2-config-2.1", "containerd-2-config", {}, false},
  };
}

inline std::string node_folder(const planner_case& c) {
  return std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/" + c.node;
}

inline std::string expected_folder(const planner_case& c) {
  return std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/migrate/" + c.name + "/expected";
}

/// Facts and plan for a node folder.
inline result<migration_plan> plan_for(const std::string& folder, const plan_options& options,
                                       std::optional<std::string> kubernetes_version = {}) {
  auto node = rooted_fs::open(folder);
  if (!node) return node.error();
  analyze::collect_options collect;
  collect.kubernetes_version = std::move(kubernetes_version);
  auto facts = analyze::collect_node_facts(*node, collect);
  if (!facts) return facts.error();
  return build_plan(*facts, *node, options);
}

inline std::string describe_note(const plan_note& note) {
  std::string out = note.severity == plan_note::level::warning ? "warning" : "info";
  if (!note.setting.empty()) out += " [" + note.setting + "]";
  return out + ": " + note.text + "\n";
}

/// Everything in the plan that is not a file's content, as a person reads it.
inline std::string render_plan_notes(const migration_plan& plan) {
  std::string out = "kubernetes " + plan.kubernetes_version + ", containerd " +
                    plan.containerd_version + " (config version " +
                    std::to_string(plan.containerd_config_version) + ")\n";
  for (const auto& file : plan.files) {
    out += "\nfile " + file.path + (file.before ? " (changed)" : " (new)") + "\n";
    for (const auto& note : file.notes)
      out += "  " + describe_note(note);
  }
  for (const auto& link : plan.links) {
    out += "\nlink " + link.path + " -> " + link.target + "\n";
    for (const auto& note : link.notes)
      out += "  " + describe_note(note);
  }
  out += "\nsteps\n";
  for (const auto& step : plan.steps) {
    out +=
        "  " + step.id + (step.service_step ? " (service)" : "") + ": " + step.description + "\n";
    if (!step.command.empty()) {
      out += "   ";
      for (const auto& word : step.command)
        out += " " + word;
      out += "\n";
    }
  }
  out += "\nnotes\n";
  for (const auto& note : plan.notes)
    out += "  " + describe_note(note);
  return out;
}

/// expected/<node path> -> content, plus expected/plan-notes.txt.
inline std::map<std::string, std::string> rendered_outputs(const migration_plan& plan) {
  std::map<std::string, std::string> out;
  for (const auto& file : plan.files)
    out[file.path.substr(1)] = file.after;
  out["plan-notes.txt"] = render_plan_notes(plan);
  return out;
}

}  // namespace deshim::migrate::testing
