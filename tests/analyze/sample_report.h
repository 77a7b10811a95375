// A small report shared by the renderer tests: one finding per severity, text that needs
// escaping in every markup, a read and a missing input.
#pragma once

#include "analyze/report.h"

namespace deshim::analyze::testing_support {

inline finding sample_finding(const std::string& id, severity level, const std::string& subject,
                              const std::string& message, const std::string& evidence) {
  finding f;
  f.rule_id = id;
  f.title = "Title of " + id;
  f.category = "docker-api";
  f.level = level;
  f.subject = subject;
  f.evidence = evidence;
  f.message = message;
  f.remediation = "Fix " + id + " <now> & later";
  f.docs = "https://example.invalid/" + id;
  return f;
}

inline report sample_report() {
  report r;
  r.tool_version = "0.1.0";
  r.generated_at = "2026-11-30T06:26:40Z";
  r.root = "/srv/node-1";
  r.node = {{"hostname", "node-1"}, {"os_name", "Ubuntu 20.04.6 LTS"}};
  r.versions = {{"kubernetes", "v1.20.4"}, {"containerd", "1.6.20"}};
  r.outcome = verdict::blocked;
  r.findings = {
      sample_finding("docker-sock-hostpath", severity::blocker,
                     "ci/Deployment/jenkins container \"builder\"",
                     "container \"builder\" in Deployment ci/jenkins mounts /var/run/docker.sock",
                     "hostPath: /var/run/docker.sock"),
      sample_finding("docker-live-restore", severity::warning, "/etc/docker/daemon.json:3",
                     "live-restore <b>&</b> 'x' | *y* `z`", ""),
      sample_finding("registry-mirrors", severity::info, "node", "mirror https://m.example",
                     "\"registry-mirrors\": [\"https://m.example\"]"),
  };
  r.rules = {
      {"docker-live-restore", "Title of docker-live-restore", "daemon-features", severity::warning,
       1},
      {"docker-sock-hostpath", "Title of docker-sock-hostpath", "docker-api", severity::blocker, 1},
      {"logging-no-rotation", "Title of logging-no-rotation", "logging", severity::warning, 0},
      {"registry-mirrors", "Title of registry-mirrors", "registry", severity::info, 1}};
  r.inputs = {{"docker daemon.json", "/etc/docker/daemon.json", "read", ""},
              {"kubelet flags", "/etc/systemd/system/kubelet.service", "missing", "no unit"}};
  r.coverage = {
      {"docker engine API", "", "not queried <--docker-host>", false},
      {"kubelet flags", "/etc/systemd/system/kubelet.service", "missing: no unit", false}};
  return r;
}

}  // namespace deshim::analyze::testing_support
