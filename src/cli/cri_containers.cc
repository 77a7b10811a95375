// `deshim cri create|start|ps|inspect|stop|rm|logs|exec|stats`: containers, with crictl's
// arguments and output. `exec` is ExecSync (crictl's `exec -s`); with -i or -t it goes through
// the stream server (cri_streaming.h).
#include <algorithm>
#include <iostream>
#include <regex>
#include <thread>

#include "cli/cri_shared.h"
#include "cli/cri_streaming.h"
#include "common/rooted_fs.h"
#include "runtime/client/cri_config_file.h"
#include "runtime/monitor/cri_log_reader.h"

namespace deshim::cli {
namespace {

namespace v1 = ::runtime::v1;

struct container_arguments {
  std::string pod_id;
  std::string container_config;
  std::string pod_config;
  std::vector<std::string> ids;
  std::string id;
  std::vector<std::string> command;
  bool all = false;
  std::string state;
  std::string pod;
  std::vector<std::string> labels;
  std::string name;
  bool quiet = false;
  bool no_trunc = false;
  std::int64_t stop_timeout = 0;
  std::int64_t exec_timeout = 0;
  bool sync = false;
  bool interactive = false;
  bool tty = false;
  int tail = -1;
  bool timestamps = false;
  int seconds = 1;
};

std::string state_name(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_CREATED:
      return "Created";
    case v1::CONTAINER_RUNNING:
      return "Running";
    case v1::CONTAINER_EXITED:
      return "Exited";
    default:
      return "Unknown";
  }
}

result<v1::ContainerState> parse_state(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "created" || lower == "container_created") return v1::CONTAINER_CREATED;
  if (lower == "running" || lower == "container_running") return v1::CONTAINER_RUNNING;
  if (lower == "exited" || lower == "container_exited") return v1::CONTAINER_EXITED;
  if (lower == "unknown" || lower == "container_unknown") return v1::CONTAINER_UNKNOWN;
  return error(error_kind::usage, "--state \"" + text + "\" is not a container state", {},
               "use created, running, exited or unknown");
}

int run_create(const cri_connection& connection, const container_arguments& args) {
  auto container = runtime::load_container_config(args.container_config);
  if (!container) return cri_fail(container.error());
  auto pod = runtime::load_pod_config(args.pod_config);
  if (!pod) return cri_fail(pod.error());
  for (const auto* warnings : {&container->warnings, &pod->warnings}) {
    for (const auto& warning : *warnings)
      std::cerr << "deshim: warning: " << warning << "\n";
  }
  // As crictl: the image as written is what the user asked for.
  auto& image = *container->message.mutable_image();
  if (image.user_specified_image().empty()) image.set_user_specified_image(image.image());
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto id = client->create_container(args.pod_id, container->message, pod->message);
  if (!id) return cri_fail(id.error());
  std::cout << *id << "\n";
  return 0;
}

int run_start(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto started = client->start_container(id); !started) return cri_fail(started.error());
    std::cout << id << "\n";
  }
  return 0;
}

int run_ps(const global_options& options, const cri_connection& connection,
           const container_arguments& args) {
  v1::ContainerFilter filter;
  filter.set_id(args.id);
  filter.set_pod_sandbox_id(args.pod);
  if (!args.state.empty()) {
    auto state = parse_state(args.state);
    if (!state) return cri_fail(state.error());
    filter.mutable_state()->set_state(*state);
  } else if (!args.all) {
    filter.mutable_state()->set_state(v1::CONTAINER_RUNNING);  // crictl's default
  }
  if (auto labels = cri_parse_labels(args.labels, *filter.mutable_label_selector()); !labels)
    return cri_fail(labels.error());
  std::regex name(".*");
  try {
    if (!args.name.empty()) name = std::regex(args.name);
  } catch (const std::regex_error& e) {
    return cri_fail(error(error_kind::usage,
                          "--name \"" + args.name + "\" is not a regular expression: " + e.what(),
                          {}, "use an ECMAScript regular expression, e.g. --name '^busy'"));
  }
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto listed = client->list_containers(filter);
  if (!listed) return cri_fail(listed.error());
  std::vector<v1::Container> containers;
  for (const auto& container : listed->containers()) {
    if (std::regex_search(container.metadata().name(), name)) containers.push_back(container);
  }
  std::stable_sort(containers.begin(), containers.end(),
                   [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  if (options.output == "json") {
    v1::ListContainersResponse shown;
    for (const auto& container : containers)
      *shown.add_containers() = container;
    nlohmann::json out = cri_message_json(shown);
    cri_render_times(out);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (args.quiet) {
    for (const auto& container : containers)
      std::cout << container.id() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"}};
  for (const auto& c : containers) {
    std::string image = c.image().image();
    if (!args.no_trunc && image.rfind("sha256:", 0) == 0) image = cri_truncated_id(image);
    auto pod_name = c.labels().find("io.kubernetes.pod.name");
    rows.push_back({args.no_trunc ? c.id() : cri_truncated_id(c.id()), image,
                    cri_age(c.created_at()), state_name(c.state()), c.metadata().name(),
                    std::to_string(c.metadata().attempt()),
                    args.no_trunc ? c.pod_sandbox_id() : cri_truncated_id(c.pod_sandbox_id()),
                    pod_name == c.labels().end() ? "unknown" : pod_name->second});
  }
  cri_print_table(rows);
  return 0;
}

int run_inspect(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    auto status = client->container_status(id, !args.quiet);
    if (!status) return cri_fail(status.error());
    cri_print_status(status->status(), status->info(), args.quiet);
  }
  return 0;
}

int run_stop(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto stopped = client->stop_container(id, args.stop_timeout); !stopped)
      return cri_fail(stopped.error());
    std::cout << id << "\n";
  }
  return 0;
}

int run_rm(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto removed = client->remove_container(id); !removed) return cri_fail(removed.error());
    std::cout << id << "\n";
  }
  return 0;
}

int run_logs(const global_options& options, const cri_connection& connection,
             const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto status = client->container_status(args.id, false);
  if (!status) return cri_fail(status.error());
  const std::string& log_path = status->status().log_path();
  if (log_path.empty()) {
    return cri_fail(error(error_kind::not_found, "container " + args.id + " has not set a log path",
                          {},
                          "the pod config needs log_directory and the container config log_path"));
  }
  auto node = rooted_fs::open(options.root);
  if (!node) return cri_fail(node.error());
  auto text = node->read_file(log_path);
  if (!text) return cri_fail(text.error());
  auto lines = runtime::parse_cri_log(*text, node->display(log_path));
  if (!lines) return cri_fail(lines.error());
  size_t first = 0;
  if (args.tail >= 0 && static_cast<size_t>(args.tail) < lines->size())
    first = lines->size() - static_cast<size_t>(args.tail);
  for (size_t i = first; i < lines->size(); ++i) {
    const auto& line = (*lines)[i];
    std::ostream& out = line.stream == "stderr" ? std::cerr : std::cout;
    if (args.timestamps) out << line.time << " ";
    out << line.text;
    if (line.complete) out << "\n";
  }
  std::cout.flush();
  return 0;
}

int run_exec(const cri_connection& connection, const container_arguments& args) {
  if (args.interactive || args.tty)
    return run_cri_streaming_exec(connection, args.id, args.command, args.interactive, args.tty);
  if (args.command.empty()) {
    return cri_fail(error(error_kind::usage, "no command to run", {},
                          "deshim cri exec CONTAINER COMMAND [ARG...]"));
  }
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto ran = client->exec_sync(args.id, args.command, args.exec_timeout);
  if (!ran) return cri_fail(ran.error());
  std::cout << ran->stdout();
  std::cout.flush();
  std::cerr << ran->stderr();
  return ran->exit_code();
}

int run_stats(const global_options& options, const cri_connection& connection,
              const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  v1::ContainerStatsFilter filter;
  filter.set_pod_sandbox_id(args.pod);
  if (auto labels = cri_parse_labels(args.labels, *filter.mutable_label_selector()); !labels)
    return cri_fail(labels.error());
  auto sample = [&]() -> result<std::vector<v1::ContainerStats>> {
    std::vector<v1::ContainerStats> out;
    if (args.ids.empty()) {
      auto listed = client->list_container_stats(filter);
      if (!listed) return listed.error();
      out.assign(listed->stats().begin(), listed->stats().end());
    } else {
      for (const auto& id : args.ids) {
        auto one = client->container_stats(id);
        if (!one) return one.error();
        out.push_back(one->stats());
      }
    }
    return out;
  };
  auto before = sample();
  if (!before) return cri_fail(before.error());
  if (options.output == "json") {
    v1::ListContainerStatsResponse shown;
    for (const auto& stats : *before)
      *shown.add_stats() = stats;
    std::cout << cri_message_json(shown).dump(2) << "\n";
    return 0;
  }
  // CPU % from two samples, as crictl does, unless the runtime reports nano cores itself.
  std::this_thread::sleep_for(std::chrono::seconds(std::max(args.seconds, 1)));
  auto after = sample();
  if (!after) return cri_fail(after.error());
  std::vector<std::vector<std::string>> rows{
      {"CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES"}};
  for (const auto& now : *after) {
    double percent = 0;
    if (now.cpu().usage_nano_cores().value() > 0) {
      percent = static_cast<double>(now.cpu().usage_nano_cores().value()) / 1e7;
    } else {
      for (const auto& then : *before) {
        if (then.attributes().id() != now.attributes().id()) continue;
        double used = static_cast<double>(now.cpu().usage_core_nano_seconds().value()) -
                      static_cast<double>(then.cpu().usage_core_nano_seconds().value());
        double elapsed = static_cast<double>(now.cpu().timestamp() - then.cpu().timestamp());
        if (elapsed > 0 && used > 0) percent = used / elapsed * 100;
      }
    }
    char cpu[32];
    std::snprintf(cpu, sizeof(cpu), "%.2f", percent);
    rows.push_back({cri_truncated_id(now.attributes().id()), now.attributes().metadata().name(),
                    cpu,
                    cri_human_size(static_cast<double>(now.memory().working_set_bytes().value())),
                    cri_human_size(static_cast<double>(now.writable_layer().used_bytes().value())),
                    std::to_string(now.writable_layer().inodes_used().value())});
  }
  cri_print_table(rows);
  return 0;
}

}  // namespace

void add_cri_container_commands(CLI::App& cri, const global_options& options, int& exit_status,
                                std::shared_ptr<cri_connection> connection) {
  auto args = std::make_shared<container_arguments>();

  auto* create = cri.add_subcommand(
      "create", "Create a container in a pod from config files (CreateContainer)");
  create->add_option("pod-id", args->pod_id, "The pod sandbox's id")->required();
  create
      ->add_option("container-config", args->container_config,
                   "Container config, JSON or YAML (host path)")
      ->required();
  create->add_option("pod-config", args->pod_config, "The pod's config, JSON or YAML (host path)")
      ->required();
  create->callback(
      [&exit_status, args, connection] { exit_status = run_create(*connection, *args); });

  auto* start = cri.add_subcommand("start", "Start created containers (StartContainer)");
  start->add_option("container-id", args->ids, "Container ids")->required();
  start->callback(
      [&exit_status, args, connection] { exit_status = run_start(*connection, *args); });

  auto* ps = cri.add_subcommand("ps", "List containers (ListContainers); running ones unless -a");
  ps->add_flag("-a,--all", args->all, "Containers in every state");
  ps->add_option("--state", args->state, "created, running, exited or unknown");
  ps->add_option("-p,--pod", args->pod, "Only the containers of this pod id");
  ps->add_option("--id", args->id, "Only the container with this id");
  ps->add_option("--label", args->labels, "key=value; repeat for more (all must match)");
  ps->add_option("--name", args->name, "Regular expression on the container name");
  ps->add_flag("-q,--quiet", args->quiet, "Only container ids");
  ps->add_flag("--no-trunc", args->no_trunc, "Whole ids");
  ps->callback([&options, &exit_status, args, connection] {
    exit_status = run_ps(options, *connection, *args);
  });

  auto* inspect = cri.add_subcommand("inspect", "Show containers (ContainerStatus)");
  inspect->add_option("container-id", args->ids, "Container ids")->required();
  inspect->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  inspect->callback(
      [&exit_status, args, connection] { exit_status = run_inspect(*connection, *args); });

  auto* stop = cri.add_subcommand("stop", "Stop running containers (StopContainer)");
  stop->add_option("container-id", args->ids, "Container ids")->required();
  stop->add_option("-t,--timeout", args->stop_timeout,
                   "Seconds between SIGTERM and SIGKILL (0: SIGKILL at once)")
      ->capture_default_str();
  stop->callback([&exit_status, args, connection] { exit_status = run_stop(*connection, *args); });

  auto* rm = cri.add_subcommand("rm", "Remove containers (RemoveContainer)");
  rm->add_option("container-id", args->ids, "Container ids")->required();
  rm->callback([&exit_status, args, connection] { exit_status = run_rm(*connection, *args); });

  auto* logs = cri.add_subcommand(
      "logs", "Print a container's log from the file ContainerStatus names (log_path)");
  logs->add_option("container-id", args->id, "Container id")->required();
  logs->add_option("--tail", args->tail, "Only the last N lines (-1: all)")->capture_default_str();
  logs->add_flag("-t,--timestamps", args->timestamps, "Each line with its time");
  logs->callback([&options, &exit_status, args, connection] {
    exit_status = run_logs(options, *connection, *args);
  });

  auto* exec = cri.add_subcommand(
      "exec", "Run COMMAND [ARG...] in a container and wait for it (ExecSync, crictl's exec -s)");
  // CLI11 cannot list the command as a positional (it is `remaining`, see below): say it here.
  exec->footer(
      "Usage: deshim cri exec [OPTIONS] CONTAINER-ID COMMAND [ARG...]\n"
      "Every word after the container id is the command's, dashes included: "
      "deshim cri exec ID sh -c 'echo hi'.");
  exec->add_flag("-s,--sync", args->sync,
                 "Run synchronously (ExecSync; the default without -i/-t)");
  exec->add_flag("-i,--interactive", args->interactive,
                 "Forward stdin (through the stream server: Exec)");
  exec->add_flag("-t,--tty", args->tty, "Give the command a terminal (through the stream server)");
  exec->add_option("--timeout", args->exec_timeout, "Seconds the command may run (0: no limit)")
      ->capture_default_str();
  exec->add_option("container-id", args->id, "Container id")->required();
  // Everything after the container id belongs to the command, dashes included (sh -c ...):
  // CLI11 stops parsing there and hands the rest over as `remaining`.
  // (No fallthrough here: it would hand the command's words to `cri` and `deshim` first.)
  exec->prefix_command();
  exec->fallthrough(false);
  exec->callback([exec, &exit_status, args, connection] {
    args->command = exec->remaining();
    exit_status = run_exec(*connection, *args);
  });

  auto* stats = cri.add_subcommand("stats", "Container resource usage (ContainerStats)");
  stats->add_option("container-id", args->ids, "Container ids (default: all)");
  stats->add_option("-p,--pod", args->pod, "Only the containers of this pod id");
  stats->add_option("--label", args->labels, "key=value; repeat for more (all must match)");
  stats->add_option("-s,--seconds", args->seconds, "Seconds between the two CPU samples")
      ->capture_default_str();
  stats->callback([&options, &exit_status, args, connection] {
    exit_status = run_stats(options, *connection, *args);
  });
}

}  // namespace deshim::cli
