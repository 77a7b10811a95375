// `deshim validate`: static checks of the node's files, then the kubelet's CRI scenario against
// the bundled runtime core booted on the config (default) or a live endpoint.
#include "validate/validate.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include "analyze/report.h"
#include "cli/commands.h"
#include "common/rooted_fs.h"

namespace deshim::cli {
namespace {

struct validate_arguments {
  validate::validate_options options;
  std::string containerd_version;
  std::string kubernetes_version;
  bool boot = false;
};

int fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

int run_validate(const global_options& global, validate_arguments& args) {
  auto format = analyze::parse_report_format(global.output);
  if (!format) {
    return fail(error(error_kind::usage, "unknown output format \"" + global.output + "\""));
  }
  if (args.options.static_only && (args.boot || !args.options.endpoint.empty())) {
    return fail(error(error_kind::usage, "--static runs no CRI scenario: drop --boot/--endpoint"));
  }
  if (args.boot && !args.options.endpoint.empty()) {
    return fail(error(error_kind::usage, "--boot and --endpoint exclude each other", {},
                      "--boot starts the runtime core; --endpoint probes a live runtime"));
  }
  if (!args.containerd_version.empty()) {
    args.options.checks.containerd_version = args.containerd_version;
  }
  if (!args.kubernetes_version.empty()) {
    args.options.checks.kubernetes_version = args.kubernetes_version;
  }
  // Host paths: a relative one is from the working folder, whichever process reads it later.
  for (std::string* path : {&args.options.image_archive, &args.options.pod_log_root}) {
    if (!path->empty() && path->front() != '/') {
      *path = (std::filesystem::current_path() / *path).lexically_normal().string();
    }
  }
  args.options.tool_version = DESHIM_VERSION;
  auto fs = rooted_fs::open(global.root);
  if (!fs) return fail(fs.error());
  auto outcome = validate::run_validation(*fs, args.options);
  if (!outcome) return fail(outcome.error());
  std::cout << validate::render_validation_report(outcome->report, *format, global.use_color());
  if (outcome->environment_failed) return 3;
  return outcome->report.exit_status();
}

}  // namespace

void add_validate_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* command = app.add_subcommand(
      "validate",
      "Prove a migrated node works: static checks, then the kubelet's CRI calls against the "
      "runtime core booted on its config (or a live --endpoint)");
  auto args = std::make_shared<validate_arguments>();
  command->add_flag("--static", args->options.static_only, "Static checks only, no CRI scenario");
  command->add_flag("--boot", args->boot,
                    "Boot the bundled runtime core on a relocated copy of the config (default "
                    "without --endpoint)");
  command->add_option("--endpoint", args->options.endpoint,
                      "Run the scenario against a live CRI endpoint, e.g. "
                      "unix:///run/containerd/containerd.sock");
  command->add_option(
      "--image-archive", args->options.image_archive,
      "Import this docker-save/OCI tarball first (host path; relative to the working "
      "folder). Offline it must hold the sandbox (pause) image too, not only "
      "the test image");
  command->add_option("--test-image", args->options.test_image,
                      "Image of the test container (needs /bin/sh and sleep; default: the "
                      "archive's first image, else docker.io/library/busybox:latest)");
  command->add_flag("--with-network", args->options.with_network,
                    "Give the test pod its own network namespace (CNI ADD/DEL with the node's "
                    "config) instead of the host network");
  command->add_option("--containerd-version", args->containerd_version,
                      "Target containerd version (default: the node's, else 1.6)");
  command->add_option("--kubernetes-version", args->kubernetes_version,
                      "The node's Kubernetes version (default: detected from the kubelet)");
  command
      ->add_option("--config", args->options.checks.config_file,
                   "containerd's config.toml (node path, under --root)")
      ->capture_default_str();
  command->add_flag("--restrict-oom-score-adj", args->options.restrict_oom_score_adj,
                    "--boot only: set restrict_oom_score_adj in the copy (hosts such as CI "
                    "containers that forbid lowering oom_score_adj)");
  command
      ->add_option("--pod-log-root", args->options.pod_log_root,
                   "--endpoint only: the folder the test pod's log directory goes in "
                   "(host path; relative to the working folder)")
      ->capture_default_str();
  command->callback([&options, &exit_status, args] { exit_status = run_validate(options, *args); });
}

}  // namespace deshim::cli
