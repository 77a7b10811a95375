// `deshim cri runp|pods|inspectp|stopp|rmp`: pod sandboxes, with crictl's flags and output.
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
  std::string cancel_timeout;
  std::vector<std::string> ids;
  std::string id;
  std::string state;
  std::vector<std::string> labels;
  std::string name;
  std::string name_space;
  bool quiet = false;
  bool verbose = false;
  bool no_trunc = false;
  bool latest = false;
  int last = 0;
  bool force = false;
  bool all = false;
};

std::string state_name(v1::PodSandboxState state) {
  return state == v1::SANDBOX_READY ? "Ready" : "NotReady";
}

int run_runp(const cri_connection& connection, const pod_arguments& args) {
  cri_connection with_timeout = connection;
  if (!args.cancel_timeout.empty()) with_timeout.timeout = args.cancel_timeout;
  auto config = runtime::load_pod_config(args.config_file);
  if (!config) return cri_fail(config.error());
  for (const auto& warning : config->warnings)
    std::cerr << "deshim: warning: " << warning << "\n";
  auto client = cri_connect(with_timeout);
  if (!client) return cri_fail(client.error());
  auto id = client->run_pod_sandbox(config->message, args.runtime_handler);
  if (!id) return cri_fail(id.error().with_context("run pod sandbox"));
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
  auto listing_format = cri_listing_format(options, "pods");
  if (!listing_format) return cri_fail(listing_format.error());
  const std::string& format = *listing_format;
  v1::PodSandboxFilter filter;
  filter.set_id(args.id);
  if (!args.state.empty()) {
    std::string lower = args.state;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "ready") {
      filter.mutable_state()->set_state(v1::SANDBOX_READY);
    } else if (lower == "notready") {
      filter.mutable_state()->set_state(v1::SANDBOX_NOTREADY);
    } else {
      return cri_fail(error(error_kind::usage, "--state should be ready or notready", {},
                            "use --state ready or --state notready"));
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
  if (!listed) return cri_fail(listed.error().with_context("listing pod sandboxes"));
  std::vector<v1::PodSandbox> pods;
  for (const auto& pod : listed->items()) {
    if (!std::regex_search(pod.metadata().name(), *name)) continue;
    if (!std::regex_search(pod.metadata().namespace_(), *name_space)) continue;
    pods.push_back(pod);
  }
  // Newest first, as crictl sorts.
  std::stable_sort(pods.begin(), pods.end(),
                   [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  cri_keep_newest(pods, args.latest, args.last);
  if (format != "table") {
    v1::ListPodSandboxResponse shown;
    for (const auto& pod : pods)
      *shown.add_items() = pod;
    if (auto printed = cri_emit(cri_message_json(shown), format, {}, true); !printed)
      return cri_fail(printed.error());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  if (!args.quiet && !args.verbose)
    rows.push_back({"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"});
  for (const auto& pod : pods) {
    std::string handler = pod.runtime_handler().empty() ? "(default)" : pod.runtime_handler();
    if (args.quiet) {
      std::cout << pod.id() << "\n";
    } else if (args.verbose) {
      std::cout << "ID: " << pod.id() << "\n";
      const auto& meta = pod.metadata();
      if (!meta.name().empty()) std::cout << "Name: " << meta.name() << "\n";
      if (!meta.uid().empty()) std::cout << "UID: " << meta.uid() << "\n";
      if (!meta.namespace_().empty()) std::cout << "Namespace: " << meta.namespace_() << "\n";
      if (meta.attempt() != 0) std::cout << "Attempt: " << meta.attempt() << "\n";
      std::cout << "Status: " << state_name(pod.state()) << "\n"
                << "Created: " << go_time_string(pod.created_at()) << "\n";
      print_cri_map("Labels", pod.labels());
      print_cri_map("Annotations", pod.annotations());
      std::cout << "Runtime: " << handler << "\n\n";
    } else {
      rows.push_back({args.no_trunc ? pod.id() : cri_truncated_id(pod.id()),
                      cri_age(pod.created_at()), state_name(pod.state()), pod.metadata().name(),
                      pod.metadata().namespace_(), std::to_string(pod.metadata().attempt()),
                      handler});
    }
  }
  cri_print_table(rows);
  return 0;
}

int run_inspectp(const global_options& options, const cri_connection& connection,
                 const pod_arguments& args) {
  std::string format = cri_format(options);
  if (format.empty()) format = "json";
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    auto response = client->pod_sandbox_status(id, !args.quiet);
    if (!response)
      return cri_fail(
          response.error().with_context("getting the pod sandbox status for \"" + id + "\""));
    const auto& status = response->status();
    if (format == "table") {
      std::cout << "ID: " << status.id() << "\n";
      const auto& meta = status.metadata();
      if (!meta.name().empty()) std::cout << "Name: " << meta.name() << "\n";
      if (!meta.uid().empty()) std::cout << "UID: " << meta.uid() << "\n";
      if (!meta.namespace_().empty()) std::cout << "Namespace: " << meta.namespace_() << "\n";
      std::cout << "Attempt: " << meta.attempt() << "\n"
                << "Status: " << v1::PodSandboxState_Name(status.state()) << "\n"
                << "Created: " << go_time_string(status.created_at()) << "\n";
      if (status.has_network()) {
        std::cout << "IP Addresses: " << status.network().ip() << "\n";
        for (const auto& ip : status.network().additional_ips())
          std::cout << "Additional IP: " << ip.ip() << "\n";
      }
      print_cri_map("Labels", status.labels());
      print_cri_map("Annotations", status.annotations());
      if (!args.quiet) std::cout << "Info: " << cri_go_map(response->info()) << "\n";
      continue;
    }
    auto shown = cri_message_json(status);
    shown["createdAt"] = go_rfc3339_nano(status.created_at());
    auto document = cri_status_document(cri_sorted_below_top(shown), response->info());
    if (auto printed = cri_emit(document, format, connection.template_text); !printed)
      return cri_fail(printed.error());
  }
  return 0;
}

int run_stopp(const cri_connection& connection, const pod_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto stopped = client->stop_pod_sandbox(id); !stopped)
      return cri_fail(stopped.error().with_context("stopping the pod sandbox \"" + id + "\""));
    std::cout << "Stopped sandbox " << id << "\n";
  }
  return 0;
}

int run_rmp(const cri_connection& connection, const pod_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  std::vector<std::string> ids = args.ids;
  if (args.all) {
    auto listed = client->list_pod_sandbox();
    if (!listed) return cri_fail(listed.error());
    ids.clear();
    for (const auto& pod : listed->items())
      ids.push_back(pod.id());
  }
  if (ids.empty()) return 0;  // -a and no pod: nothing to remove
  // crictl removes the pods in parallel and reports every failure; deshim goes one by one.
  std::vector<std::string> failures;
  for (const auto& id : ids) {
    auto status = client->pod_sandbox_status(id);
    if (!status) {
      failures.push_back("getting sandbox status of pod \"" + id +
                         "\": " + status.error().describe());
      continue;
    }
    if (status->status().state() == v1::SANDBOX_READY) {
      if (!args.force) {
        failures.push_back("pod sandbox \"" + id + "\" is running, please stop it first");
        continue;
      }
      if (auto stopped = client->stop_pod_sandbox(id); !stopped) {
        failures.push_back("stopping the pod sandbox \"" + id +
                           "\" failed: " + stopped.error().describe());
        continue;
      }
      std::cout << "Stopped sandbox " << id << "\n";
    }
    if (auto removed = client->remove_pod_sandbox(id); !removed) {
      failures.push_back("removing the pod sandbox \"" + id + "\": " + removed.error().describe());
      continue;
    }
    std::cout << "Removed sandbox " << id << "\n";
  }
  if (failures.empty()) return 0;
  std::string message = failures.front();
  for (std::size_t i = 1; i < failures.size(); ++i)
    message += "; " + failures[i];
  return cri_fail(error(error_kind::environment, message, {},
                        "stop running pods first (deshim cri stopp ID) or use rmp -f"));
}

}  // namespace

void add_cri_pod_commands(CLI::App& cri, const global_options& options, int& exit_status,
                          std::shared_ptr<cri_connection> connection) {
  auto args = std::make_shared<pod_arguments>();

  auto* runp = cri.add_subcommand("runp", "Start a pod sandbox from a config file (RunPodSandbox)");
  runp->add_option("pod-config", args->config_file,
                   "Pod config, JSON or YAML (as crictl's; host path)")
      ->required();
  runp->add_option("-r,--runtime", args->runtime_handler,
                   "Runtime handler (default: the runtime's)");
  runp->add_option("-T,--cancel-timeout", args->cancel_timeout,
                   "Deadline of the call, a Go duration (default: --timeout)");
  runp->callback([&exit_status, args, connection] { exit_status = run_runp(*connection, *args); });

  auto* pods = cri.add_subcommand("pods", "List pod sandboxes (ListPodSandbox)");
  pods->add_option("--id", args->id, "Only the pod with this id");
  pods->add_option("-s,--state", args->state, "ready or notready");
  pods->add_option("--label", args->labels, "key=value; repeat for more (all must match)");
  pods->add_option("--name", args->name, "Regular expression on the pod name");
  pods->add_option("--namespace", args->name_space, "Regular expression on the namespace");
  pods->add_flag("-q,--quiet", args->quiet, "Only pod ids");
  pods->add_flag("-v,--verbose", args->verbose, "Each pod's fields, one per line");
  pods->add_flag("-l,--latest", args->latest, "Only the newest pod");
  pods->add_option("-n,--last", args->last, "Only the N newest pods (0: all)");
  pods->add_flag("--no-trunc", args->no_trunc, "Whole ids");
  pods->callback([&options, &exit_status, args, connection] {
    exit_status = run_pods(options, *connection, *args);
  });

  auto* inspectp = cri.add_subcommand("inspectp", "Show pod sandboxes (PodSandboxStatus)");
  inspectp->add_option("pod-id", args->ids, "Pod ids (none: the help, exit 0, as crictl)");
  inspectp->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  inspectp->callback([inspectp, &options, &exit_status, args, connection] {
    if (args->ids.empty()) return cri_show_help(*inspectp, exit_status);
    exit_status = run_inspectp(options, *connection, *args);
  });

  auto* stopp = cri.add_subcommand("stopp", "Stop pod sandboxes (StopPodSandbox)");
  stopp->add_option("pod-id", args->ids, "Pod ids (none: the help, exit 0, as crictl)");
  stopp->callback([stopp, &exit_status, args, connection] {
    if (args->ids.empty()) return cri_show_help(*stopp, exit_status);
    exit_status = run_stopp(*connection, *args);
  });

  auto* rmp = cri.add_subcommand("rmp", "Remove pod sandboxes (RemovePodSandbox)");
  rmp->add_option("pod-id", args->ids, "Pod ids (none and no -a: the help, exit 0, as crictl)");
  rmp->add_flag("-f,--force", args->force, "Stop running pods first");
  rmp->add_flag("-a,--all", args->all, "Every pod");
  rmp->callback([rmp, &exit_status, args, connection] {
    if (args->ids.empty() && !args->all) return cri_show_help(*rmp, exit_status);
    exit_status = run_rmp(*connection, *args);
  });
}

}  // namespace deshim::cli
