// `deshim cri runp|pods|inspectp|stopp|rmp`: pod sandboxes, with crictl's arguments and output.
#include <algorithm>
#include <iostream>
#include <regex>

#include "cli/cri_shared.h"
#include "runtime/client/cri_config_file.h"

namespace deshim::cli {
namespace {

namespace v1 = ::runtime::v1;

struct pod_arguments {
  std::string config_file;
  std::string runtime_handler;
  std::vector<std::string> ids;
  std::string id;
  std::string state;
  std::vector<std::string> labels;
  std::string name;
  std::string name_space;
  bool quiet = false;
  bool no_trunc = false;
};

int run_runp(const cri_connection& connection, const pod_arguments& args) {
  auto config = runtime::load_pod_config(args.config_file);
  if (!config) return cri_fail(config.error());
  for (const auto& warning : config->warnings)
    std::cerr << "deshim: warning: " << warning << "\n";
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto id = client->run_pod_sandbox(config->message, args.runtime_handler);
  if (!id) return cri_fail(id.error());
  std::cout << *id << "\n";
  return 0;
}

result<std::regex> optional_regex(const std::string& pattern, const char* flag) {
  try {
    return std::regex(pattern.empty() ? std::string(".*") : pattern);
  } catch (const std::regex_error& e) {
    return error(
        error_kind::usage,
        std::string(flag) + " \"" + pattern + "\" is not a regular expression: " + e.what(), {},
        "use an ECMAScript regular expression, e.g. --name '^nginx'");
  }
}

int run_pods(const global_options& options, const cri_connection& connection,
             const pod_arguments& args) {
  v1::PodSandboxFilter filter;
  filter.set_id(args.id);
  if (!args.state.empty()) {
    if (args.state == "ready" || args.state == "Ready" || args.state == "SANDBOX_READY") {
      filter.mutable_state()->set_state(v1::SANDBOX_READY);
    } else if (args.state == "notready" || args.state == "NotReady" ||
               args.state == "SANDBOX_NOTREADY") {
      filter.mutable_state()->set_state(v1::SANDBOX_NOTREADY);
    } else {
      return cri_fail(error(error_kind::usage, "--state \"" + args.state + "\" is not a pod state",
                            {}, "use --state ready or --state notready"));
    }
  }
  if (auto labels = cri_parse_labels(args.labels, *filter.mutable_label_selector()); !labels)
    return cri_fail(labels.error());
  auto name = optional_regex(args.name, "--name");
  if (!name) return cri_fail(name.error());
  auto name_space = optional_regex(args.name_space, "--namespace");
  if (!name_space) return cri_fail(name_space.error());

  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto listed = client->list_pod_sandbox(filter);
  if (!listed) return cri_fail(listed.error());
  std::vector<v1::PodSandbox> pods;
  for (const auto& pod : listed->items()) {
    if (!std::regex_search(pod.metadata().name(), *name)) continue;
    if (!std::regex_search(pod.metadata().namespace_(), *name_space)) continue;
    pods.push_back(pod);
  }
  // Newest first, as crictl sorts.
  std::stable_sort(pods.begin(), pods.end(),
                   [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  if (options.output == "json") {
    v1::ListPodSandboxResponse shown;
    for (const auto& pod : pods)
      *shown.add_items() = pod;
    nlohmann::json out = cri_message_json(shown);
    cri_render_times(out);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (args.quiet) {
    for (const auto& pod : pods)
      std::cout << pod.id() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"}};
  for (const auto& pod : pods) {
    rows.push_back({args.no_trunc ? pod.id() : cri_truncated_id(pod.id()),
                    cri_age(pod.created_at()),
                    pod.state() == v1::SANDBOX_READY ? "Ready" : "NotReady", pod.metadata().name(),
                    pod.metadata().namespace_(), std::to_string(pod.metadata().attempt()),
                    pod.runtime_handler().empty() ? "(default)" : pod.runtime_handler()});
  }
  cri_print_table(rows);
  return 0;
}

int run_inspectp(const cri_connection& connection, const pod_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    auto status = client->pod_sandbox_status(id, !args.quiet);
    if (!status) return cri_fail(status.error());
    cri_print_status(status->status(), status->info(), args.quiet);
  }
  return 0;
}

int run_stopp(const cri_connection& connection, const pod_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto stopped = client->stop_pod_sandbox(id); !stopped) return cri_fail(stopped.error());
    std::cout << "Stopped sandbox " << id << "\n";
  }
  return 0;
}

int run_rmp(const cri_connection& connection, const pod_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto removed = client->remove_pod_sandbox(id); !removed) return cri_fail(removed.error());
    std::cout << "Removed sandbox " << id << "\n";
  }
  return 0;
}

}  // namespace

void add_cri_pod_commands(CLI::App& cri, const global_options& options, int& exit_status,
                          std::shared_ptr<cri_connection> connection) {
  auto args = std::make_shared<pod_arguments>();

  auto* runp = cri.add_subcommand("runp", "Start a pod sandbox from a config file (RunPodSandbox)");
  runp->add_option("pod-config", args->config_file,
                   "Pod config, JSON or YAML (as crictl's; host path)")
      ->required();
  runp->add_option("--runtime", args->runtime_handler, "Runtime handler (default: the runtime's)");
  runp->callback([&exit_status, args, connection] { exit_status = run_runp(*connection, *args); });

  auto* pods = cri.add_subcommand("pods", "List pod sandboxes (ListPodSandbox)");
  pods->add_option("--id", args->id, "Only the pod with this id");
  pods->add_option("--state", args->state, "ready or notready");
  pods->add_option("--label", args->labels, "key=value; repeat for more (all must match)");
  pods->add_option("--name", args->name, "Regular expression on the pod name");
  pods->add_option("--namespace", args->name_space, "Regular expression on the namespace");
  pods->add_flag("-q,--quiet", args->quiet, "Only pod ids");
  pods->add_flag("--no-trunc", args->no_trunc, "Whole ids");
  pods->callback([&options, &exit_status, args, connection] {
    exit_status = run_pods(options, *connection, *args);
  });

  auto* inspectp = cri.add_subcommand("inspectp", "Show pod sandboxes (PodSandboxStatus)");
  inspectp->add_option("pod-id", args->ids, "Pod ids")->required();
  inspectp->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  inspectp->callback(
      [&exit_status, args, connection] { exit_status = run_inspectp(*connection, *args); });

  auto* stopp = cri.add_subcommand("stopp", "Stop pod sandboxes (StopPodSandbox)");
  stopp->add_option("pod-id", args->ids, "Pod ids")->required();
  stopp->callback(
      [&exit_status, args, connection] { exit_status = run_stopp(*connection, *args); });

  auto* rmp = cri.add_subcommand("rmp", "Remove pod sandboxes (RemovePodSandbox)");
  rmp->add_option("pod-id", args->ids, "Pod ids")->required();
  rmp->callback([&exit_status, args, connection] { exit_status = run_rmp(*connection, *args); });
}

}  // namespace deshim::cli
