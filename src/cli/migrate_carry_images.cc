// `deshim migrate carry-images`: options -> migrate::carry_images -> a table or JSON.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/rooted_fs.h"
#include "migrate/carry_images.h"

namespace deshim::cli {
namespace {

using json = nlohmann::ordered_json;

struct carry_arguments {
  std::string docker_host = migrate::default_docker_host;
  std::string containerd_address;
  std::string snapshotter;
  std::string ctr = "ctr";
  bool all = false;
  bool dry_run = false;
};

std::string megabytes(std::uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

/// One line rewritten in place on a terminal: images, bytes, rate.
void print_progress(const migrate::carry_progress& progress) {
  double rate = progress.seconds > 0 ? static_cast<double>(progress.bytes) / progress.seconds : 0;
  std::fprintf(stderr, "\rcarry-images: %zu/%zu images, %s, %s/s   ", progress.images_done,
               progress.images_total, megabytes(progress.bytes).c_str(),
               megabytes(static_cast<std::uint64_t>(rate)).c_str());
  std::fflush(stderr);
}

json report_json(const migrate::carry_report& report, const migrate::carry_options& options) {
  json images = json::array();
  for (const auto& image : report.images) {
    json entry = {{"id", image.id},
                  {"names", image.names},
                  {"reason", image.reason},
                  {"result", migrate::outcome_name(image.result)},
                  {"bytes", image.bytes}};
    if (!image.detail.empty()) entry["detail"] = image.detail;
    images.push_back(std::move(entry));
  }
  return {{"schema", "deshim.carry-images/v1"},
          {"docker_host", options.docker_host},
          {"containerd_address", options.containerd.address},
          {"namespace", options.containerd_namespace},
          {"snapshotter", options.containerd.snapshotter},
          {"dry_run", options.dry_run},
          {"images", images},
          {"unnamed_image_ids", report.unnamed_ids},
          {"bytes", report.bytes},
          {"seconds", report.seconds}};
}

void print_report(const migrate::carry_report& report, const migrate::carry_options& options) {
  using outcome = migrate::carried_image::outcome;
  for (const auto& image : report.images) {
    std::cout << fmt::format("{:<8} {}", migrate::outcome_name(image.result), image.names.front());
    if (image.names.size() > 1) std::cout << " (+" << image.names.size() - 1 << " names)";
    std::cout << "\n         " << image.reason;
    if (image.result == outcome::carried) std::cout << ", " << megabytes(image.bytes);
    if (!image.detail.empty()) std::cout << "\n         " << image.detail;
    std::cout << "\n";
  }
  if (!report.unnamed_ids.empty()) {
    std::cout << report.unnamed_ids.size()
              << " image(s) without a tag or digest left in Docker: no pod can name them\n";
  }
  double rate = report.seconds > 0 ? static_cast<double>(report.bytes) / report.seconds : 0;
  std::cout << fmt::format(
      "{} carried, {} already in containerd, {} failed{}; {} in {:.1f} s ({}/s) into {} "
      "(namespace {}, snapshotter {})\n",
      report.count(outcome::carried), report.count(outcome::present), report.count(outcome::failed),
      options.dry_run ? fmt::format(", {} to carry (dry run)", report.count(outcome::planned)) : "",
      megabytes(report.bytes), report.seconds, megabytes(static_cast<std::uint64_t>(rate)),
      options.containerd.address, options.containerd_namespace, options.containerd.snapshotter);
}

int run_carry(const global_options& global, const carry_arguments& args) {
  auto fail = [](const error& failure) {
    std::cerr << "deshim: " << failure.describe() << "\n";
    return failure.exit_status();
  };
  if (global.output != "text" && global.output != "json") {
    return fail(error(error_kind::usage, "carry-images prints text or json, not " + global.output,
                      {}, "use -o text or -o json"));
  }
  auto node = rooted_fs::open(global.root);
  if (!node) return fail(node.error());
  auto target = migrate::containerd_target_from_config(*node);
  if (!target) return fail(target.error());
  migrate::carry_options options;
  options.docker_host = args.docker_host;
  options.containerd = *target;
  if (!args.containerd_address.empty()) {
    options.containerd.address = args.containerd_address.rfind("unix://", 0) == 0
                                     ? args.containerd_address.substr(7)
                                     : args.containerd_address;
  }
  if (!args.snapshotter.empty()) options.containerd.snapshotter = args.snapshotter;
  options.ctr_program = args.ctr;
  options.all = args.all;
  options.dry_run = args.dry_run;
  if (::isatty(STDERR_FILENO)) options.on_progress = print_progress;

  auto report = migrate::carry_images(options);
  if (options.on_progress) std::fprintf(stderr, "\n");
  if (!report) return fail(report.error());
  if (global.output == "json") {
    std::cout << report_json(*report, options).dump(2) << "\n";
  } else {
    print_report(*report, options);
  }
  // Some image could not be carried: the switch would lose it or pull it again.
  return report->count(migrate::carried_image::outcome::failed) > 0 ? 3 : 0;
}

}  // namespace

void add_carry_images_command(CLI::App& migrate, const global_options& options, int& exit_status) {
  auto args = std::make_shared<carry_arguments>();
  auto* carry = migrate.add_subcommand(
      "carry-images",
      "Copy Docker's images into containerd's k8s.io namespace, so pods start without pulling "
      "again (run it while both daemons run, before Docker is stopped)");
  carry->add_option("--docker-host", args->docker_host, "dockerd's socket")->capture_default_str();
  carry->add_option("--containerd-address", args->containerd_address,
                    "containerd's socket (default: [grpc] address in the node's config.toml, "
                    "else /run/containerd/containerd.sock)");
  carry->add_option("--snapshotter", args->snapshotter,
                    "Unpack for this snapshotter (default: the CRI plugin's, from config.toml)");
  carry->add_option("--ctr", args->ctr, "containerd's client")->capture_default_str();
  carry->add_flag("--all", args->all,
                  "Every named image, not only those of this node's containers and the "
                  "local-only ones");
  carry->add_flag("--dry-run", args->dry_run, "Say what would be carried; carry nothing");
  carry->callback([&options, &exit_status, args] { exit_status = run_carry(options, *args); });
}

}  // namespace deshim::cli
