#include "validate/validate.h"

#include <algorithm>
#include <regex>

#include "common/subprocess.h"
#include "runtime/client/validation_scenario.h"
#include "validate/boot_runtime.h"
#include "validate/stale_boot_folders.h"
#include "validate/static_checks.h"

namespace deshim::validate {
namespace fs = std::filesystem;
namespace {

check_result step_result(const runtime::scenario_step& step) {
  check_result out{"cri-" + step.id,
                   step.title,
                   "cri",
                   step.passed ? check_status::pass : check_status::fail,
                   step.message,
                   step.passed ? "" : step.fix,
                   step.duration};
  return out;
}

/// `ctr images import` into the k8s.io namespace of the containerd at `endpoint`: how an
/// archive reaches a live containerd (the CRI has no import call). Returns the names.
result<std::vector<std::string>> import_with_ctr(const std::string& endpoint,
                                                 const std::string& archive) {
  auto ctr = find_program("ctr");
  if (!ctr) {
    return environment_error("--image-archive with --endpoint needs containerd's `ctr`", {archive},
                             "import the image on the node first");
  }
  std::string socket = endpoint.rfind("unix://", 0) == 0 ? endpoint.substr(7) : endpoint;
  run_options run;
  run.timeout = std::chrono::minutes(5);
  auto ran =
      run_process({ctr->string(), "-a", socket, "-n", "k8s.io", "images", "import", archive}, run);
  if (!ran) return ran.error();
  if (!ran->succeeded()) {
    return environment_error(
        "ctr images import " + archive + " " + ran->describe_end() + ": " + ran->standard_error,
        {archive}, "check the archive and the endpoint");
  }
  std::vector<std::string> names;
  static const std::regex unpacking("unpacking (\\S+) \\(");
  for (std::sregex_iterator it(ran->standard_output.begin(), ran->standard_output.end(), unpacking),
       end;
       it != end; ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

std::string pod_uid() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return "deshim-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

void run_scenario(runtime::cri_client& client, runtime::scenario_options scenario,
                  validation_outcome& out) {
  for (const auto& step : runtime::run_validation_scenario(client, scenario)) {
    out.report.steps.push_back(step_result(step));
    out.environment_failed = out.environment_failed || step.environment;
  }
}

}  // namespace

result<validation_outcome> run_validation(const rooted_fs& node, const validate_options& options) {
  auto context = load_static_context(node, options.checks);
  if (!context) return context.error();
  validation_outcome out;
  validation_report& report = out.report;
  report.tool_version = options.tool_version;
  report.root = node.display("/");  // as analyze shows it: relative below the working folder
  report.checks = run_static_checks(*context);
  report.versions["containerd (target)"] = context->containerd_target.to_string();
  if (context->kubernetes) report.versions["kubernetes"] = context->kubernetes->to_string();

  if (options.static_only) {
    report.mode = "static";
    report.notes.push_back("CRI scenario not run (--static)");
    return out;
  }
  runtime::scenario_options scenario;
  if (context->settings) scenario.sandbox_image = context->settings->cri.sandbox_image;
  scenario.with_network = options.with_network;
  scenario.pod_uid = pod_uid();
  const std::string pod_folder =
      scenario.pod_namespace + "_" + scenario.pod_name + "_" + scenario.pod_uid;
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started);
  };

  if (!options.endpoint.empty()) {
    report.mode = "endpoint " + options.endpoint;
    std::vector<std::string> imported;
    if (!options.image_archive.empty()) {
      auto names = import_with_ctr(options.endpoint, options.image_archive);
      if (!names) {
        report.steps.push_back({"cri-import-image-archive", "ctr images import", "cri",
                                check_status::fail, names.error().describe(), names.error().hint(),
                                elapsed()});
        out.environment_failed = true;
        return out;
      }
      imported = *names;
      report.steps.push_back({"cri-import-image-archive", "ctr images import", "cri",
                              check_status::pass,
                              "imported " + std::to_string(imported.size()) + " image(s) from " +
                                  options.image_archive,
                              "", elapsed()});
    }
    scenario.test_image = !options.test_image.empty() ? options.test_image
                          : !imported.empty()         ? imported.front()
                                                      : scenario.test_image;
    scenario.log_directory = fs::path(options.pod_log_root) / pod_folder;
    auto client = runtime::cri_client::connect(options.endpoint);
    if (!client) return client.error();
    run_scenario(*client, scenario, out);
    std::error_code ec;
    fs::remove_all(scenario.log_directory, ec);  // the kubelet removes a pod's logs alike
    return out;
  }

  report.mode = "boot";
  if (!context->document) {
    report.steps.push_back({"cri-boot", "start the runtime core on the config", "cri",
                            check_status::fail,
                            "not booted: " + context->config_display +
                                (context->config_text ? " does not parse" : " is missing"),
                            "fix containerd-config-parses first", std::nullopt});
    return out;
  }
  // Failed runs keep their folder for reading; a day later the next run clears it away.
  auto stale =
      remove_stale_boot_folders(fs::temp_directory_path(), fs::file_time_type::clock::now());
  if (!stale.empty()) {
    std::string names;
    for (const auto& folder : stale)
      names += (names.empty() ? "" : ", ") + folder.string();
    report.notes.push_back("removed the folders of validate runs older than a day: " + names);
  }
  boot_options boot;
  boot.binary = options.binary;
  boot.restrict_oom_score_adj = options.restrict_oom_score_adj;
  boot.image_archive = options.image_archive;
  auto core = booted_runtime::start(*context, boot);
  if (!core) {
    report.steps.push_back({"cri-boot", "start the runtime core on the config", "cri",
                            check_status::fail, core.error().describe(), core.error().hint(),
                            elapsed()});
    out.environment_failed = core.error().kind() == error_kind::environment &&
                             core.error().message().find("exited") == std::string::npos;
    return out;
  }
  report.steps.push_back(
      {"cri-boot", "start the runtime core on the config", "cri", check_status::pass,
       "runtime core (pid " + std::to_string(core->pid()) + ") serving " + core->endpoint() +
           " on a relocated copy of " + context->config_display,
       "", elapsed()});
  scenario.test_image = !options.test_image.empty()        ? options.test_image
                        : !core->imported_images().empty() ? core->imported_images().front()
                                                           : scenario.test_image;
  scenario.log_directory = core->pod_log_root() / pod_folder;
  auto client = runtime::cri_client::connect(core->endpoint());
  if (!client) return client.error();
  run_scenario(*client, scenario, out);
  core->stop();
  // The folder holds the core's log: keep it when a step failed, not for a static check.
  bool step_failed =
      std::any_of(out.report.steps.begin(), out.report.steps.end(),
                  [](const auto& step) { return step.status == check_status::fail; });
  if (step_failed) {
    core->keep_folder();
    report.notes.push_back("the runtime core's folder is kept for reading: " +
                           core->folder().string() + " (log: " + core->log_file().string() + ")");
  }
  return out;
}

}  // namespace deshim::validate
