// `deshim cri create|start|ps|inspect|stop|rm|exec|stats`: containers, with crictl's flags,
// output and exit status (`logs` is in cri_logs.cc). `exec` is ExecSync (crictl's `exec -s`);
// with -i or -t it goes through the stream server (cri_streaming.h).
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <thread>

#include "cli/cri_shared.h"
#include "cli/cri_streaming.h"
#include "common/rooted_fs.h"
#include "runtime/client/cri_config_file.h"

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
  std::string image;
  bool quiet = false;
  bool verbose = false;
  bool no_trunc = false;
  bool latest = false;
  int last = 0;
  bool resolve_image_path = false;
  bool force = false;
  bool no_pull = false;
  bool with_pull = false;
  std::string creds;
  std::string auth;
  std::string cancel_timeout;
  std::int64_t stop_timeout = 0;
  std::int64_t exec_timeout = 0;
  bool sync = false;
  bool interactive = false;
  bool tty = false;
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
  if (lower == "created") return v1::CONTAINER_CREATED;
  if (lower == "running") return v1::CONTAINER_RUNNING;
  if (lower == "exited") return v1::CONTAINER_EXITED;
  if (lower == "unknown") return v1::CONTAINER_UNKNOWN;
  return error(error_kind::usage, "--state should be one of created, running, exited or unknown",
               {}, "--state \"" + text + "\" is none of them");
}

int run_create(const cri_connection& connection, const container_arguments& args) {
  if (args.no_pull && args.with_pull)
    return cri_fail(error(error_kind::usage, "conflict: no-pull and with-pull are both set", {},
                          "give one of --no-pull and --with-pull"));
  auto settings = cri_resolve(connection);
  if (!settings) return cri_fail(settings.error());
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
  // crictl.yaml's pull-image-on-create, overridden by --no-pull and --with-pull.
  if ((!args.no_pull && settings->pull_image_on_create) || args.with_pull) {
    auto images = cri_connect_images(connection);
    if (!images) return cri_fail(images.error());
    images->set_timeout(
        std::max<std::chrono::milliseconds>(settings->timeout, std::chrono::seconds(600)));
    runtime::registry_credentials credentials;
    if (!args.creds.empty()) {
      auto colon = args.creds.find(':');
      credentials.username = args.creds.substr(0, colon);
      if (colon != std::string::npos) credentials.password = args.creds.substr(colon + 1);
    }
    credentials.auth = args.auth;
    if (auto pulled = images->pull_image(image.image(), credentials); !pulled)
      return cri_fail(pulled.error().with_context("creating container"));
  }
  cri_connection with_timeout = connection;
  if (!args.cancel_timeout.empty()) with_timeout.timeout = args.cancel_timeout;
  auto client = cri_connect(with_timeout);
  if (!client) return cri_fail(client.error());
  auto id = client->create_container(args.pod_id, container->message, pod->message);
  if (!id) return cri_fail(id.error().with_context("creating container"));
  std::cout << *id << "\n";
  return 0;
}

int run_start(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto started = client->start_container(id); !started)
      return cri_fail(started.error().with_context("starting the container \"" + id + "\""));
    std::cout << id << "\n";
  }
  return 0;
}

int run_ps(const global_options& options, const cri_connection& connection,
           const container_arguments& args) {
  auto listing_format = cri_listing_format(options, "ps");
  if (!listing_format) return cri_fail(listing_format.error());
  const std::string& format = *listing_format;
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
  if (args.latest || args.last > 0) filter.clear_state();  // -l and -n: every state
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
  if (!listed) return cri_fail(listed.error().with_context("listing containers"));
  std::vector<v1::Container> containers;
  for (const auto& container : listed->containers()) {
    if (std::regex_search(container.metadata().name(), name)) containers.push_back(container);
  }
  std::stable_sort(containers.begin(), containers.end(),
                   [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  cri_keep_newest(containers, args.latest, args.last);
  if (format != "table") {
    v1::ListContainersResponse shown;
    for (const auto& container : containers)
      *shown.add_containers() = container;
    if (auto printed = cri_emit(cri_message_json(shown), format, {}, true); !printed)
      return cri_fail(printed.error());
    return 0;
  }
  std::optional<runtime::cri_client> images;
  auto image_id = [&](const std::string& image) -> result<std::string> {
    if (!images) {
      auto made = cri_connect_images(connection);
      if (!made) return made.error();
      images.emplace(std::move(*made));
    }
    auto status = images->image_status(image);
    if (!status) return status.error();
    return status->has_image() ? status->image().id() : std::string();
  };
  auto image_tag = [&](const std::string& image) -> result<std::string> {
    if (!images) {
      auto made = cri_connect_images(connection);
      if (!made) return made.error();
      images.emplace(std::move(*made));
    }
    auto status = images->image_status(image);
    if (!status) return status.error();
    if (status->has_image() && status->image().repo_tags_size() > 0)
      return status->image().repo_tags(0);
    return image;
  };
  std::string wanted_image;
  if (!args.image.empty()) {
    auto wanted = image_id(args.image);
    if (!wanted) return cri_fail(wanted.error());
    wanted_image = *wanted;
  }
  std::vector<std::vector<std::string>> rows;
  if (!args.verbose && !args.quiet)
    rows.push_back({"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"});
  for (const auto& c : containers) {
    if (!args.image.empty()) {
      // --image: the same image as the container's (crictl compares image ids).
      auto id = image_id(c.image().image());
      if (!id) return cri_fail(id.error().with_context("check image match"));
      if (wanted_image.empty() || *id != wanted_image) continue;
    }
    if (args.quiet) {
      std::cout << c.id() << "\n";
      continue;
    }
    std::string age = cri_age(c.created_at());
    if (args.verbose) {
      std::cout << "ID: " << c.id() << "\nPodID: " << c.pod_sandbox_id() << "\n";
      if (!c.metadata().name().empty()) std::cout << "Name: " << c.metadata().name() << "\n";
      std::cout << "Attempt: " << c.metadata().attempt() << "\n"
                << "State: " << state_name(c.state()) << "\n"
                << "Image: " << c.image().image() << "\n"
                << "Created: " << age << "\n";
      print_cri_map("Labels", c.labels());
      print_cri_map("Annotations", c.annotations());
      std::cout << "\n";
      continue;
    }
    std::string image = c.image().image();
    if (!args.no_trunc && image.rfind("sha256:", 0) == 0) image = cri_truncated_id(image);
    if (args.resolve_image_path) {
      // -r: the image's first tag instead of its id.
      auto tag = image_tag(image);
      if (!tag) return cri_fail(tag.error());
      image = *tag;
    }
    auto pod_name = c.labels().find("io.kubernetes.pod.name");
    rows.push_back({args.no_trunc ? c.id() : cri_truncated_id(c.id()), image, age,
                    state_name(c.state()), c.metadata().name(),
                    std::to_string(c.metadata().attempt()),
                    args.no_trunc ? c.pod_sandbox_id() : cri_truncated_id(c.pod_sandbox_id()),
                    pod_name == c.labels().end() ? "unknown" : pod_name->second});
  }
  cri_print_table(rows);
  return 0;
}

/// crictl's marshalContainerStatus: the times as RFC 3339 (Go's zero time when not reached).
nlohmann::ordered_json container_status_json(const v1::ContainerStatus& status) {
  auto out = cri_message_json(status);
  out["createdAt"] = go_rfc3339_nano(status.created_at());
  out["startedAt"] = status.state() != v1::CONTAINER_CREATED ? go_rfc3339_nano(status.started_at())
                                                             : std::string(go_zero_time);
  bool finished = status.state() == v1::CONTAINER_EXITED ||
                  (status.state() == v1::CONTAINER_UNKNOWN && status.finished_at() > 0);
  out["finishedAt"] = finished ? go_rfc3339_nano(status.finished_at()) : std::string(go_zero_time);
  return cri_sorted_below_top(out);
}

int run_inspect(const global_options& options, const cri_connection& connection,
                const container_arguments& args) {
  std::string format = cri_format(options);
  if (format.empty()) format = "json";
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    auto response = client->container_status(id, !args.quiet);
    if (!response)
      return cri_fail(
          response.error().with_context("getting the status of the container \"" + id + "\""));
    const auto& status = response->status();
    if (format == "table") {
      std::cout << "ID: " << status.id() << "\n";
      if (!status.metadata().name().empty())
        std::cout << "Name: " << status.metadata().name() << "\n";
      if (status.metadata().attempt() != 0)
        std::cout << "Attempt: " << status.metadata().attempt() << "\n";
      std::cout << "State: " << v1::ContainerState_Name(status.state()) << "\n"
                << "Created: " << cri_age(status.created_at()) << "\n";
      if (status.state() != v1::CONTAINER_CREATED)
        std::cout << "Started: " << cri_age(status.started_at()) << "\n";
      if (status.state() == v1::CONTAINER_EXITED) {
        if (status.finished_at() > 0)
          std::cout << "Finished: " << cri_age(status.finished_at()) << "\n";
        std::cout << "Exit Code: " << status.exit_code() << "\n";
      }
      print_cri_map("Labels", status.labels());
      print_cri_map("Annotations", status.annotations());
      if (!args.quiet) std::cout << "Info: " << cri_go_map(response->info()) << "\n";
      continue;
    }
    auto document = cri_status_document(container_status_json(status), response->info());
    if (auto printed = cri_emit(document, format, connection.template_text); !printed)
      return cri_fail(printed.error());
  }
  return 0;
}

int run_stop(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  for (const auto& id : args.ids) {
    if (auto stopped = client->stop_container(id, args.stop_timeout); !stopped)
      return cri_fail(stopped.error().with_context("stopping the container \"" + id + "\""));
    std::cout << id << "\n";
  }
  return 0;
}

int run_rm(const cri_connection& connection, const container_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  std::vector<std::string> ids = args.ids;
  if (args.all) {
    auto listed = client->list_containers();
    if (!listed) return cri_fail(listed.error());
    ids.clear();
    for (const auto& container : listed->containers())
      ids.push_back(container.id());
  }
  if (ids.empty()) return 0;  // -a and no container: nothing to remove
  bool failed = false;
  for (const auto& id : ids) {
    auto status = client->container_status(id, false);
    if (!status) {
      std::cerr << "deshim: " << status.error().describe() << "\n";
      failed = true;
      continue;
    }
    if (status->status().state() == v1::CONTAINER_RUNNING) {
      if (!args.force) {
        std::cerr << "deshim: container \"" << id << "\" is running, please stop it first\n";
        failed = true;
        continue;
      }
      if (auto stopped = client->stop_container(id, 0); !stopped) {
        std::cerr << "deshim: stopping the container \"" << id
                  << "\" failed: " << stopped.error().describe() << "\n";
        failed = true;
        continue;
      }
      std::cout << id << "\n";  // crictl's StopContainer prints the id too
    }
    if (auto removed = client->remove_container(id); !removed) {
      std::cerr << "deshim: removing container \"" << id
                << "\" failed: " << removed.error().describe() << "\n";
      failed = true;
      continue;
    }
    std::cout << id << "\n";
  }
  if (failed)
    return cri_fail(error(error_kind::environment, "unable to remove container(s)", {},
                          "stop running containers first (deshim cri stop ID) or use rm -f"));
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
  if (!ran) return cri_fail(ran.error().with_context("execing command in container"));
  if (args.sync) {
    // crictl's exec -s: nothing printed when the command fails; else stdout and stderr, each
    // followed by a newline, both on stdout.
    if (ran->exit_code() != 0)
      return cri_fail(error(error_kind::environment,
                            "execing command in container synchronously: command '" +
                                args.command.front() + "' exited with " +
                                std::to_string(ran->exit_code()) + ": " + ran->stderr(),
                            {}, "crictl exits 1 for any failing command"));
    std::cout << ran->stdout() << "\n" << ran->stderr() << "\n";
    return 0;
  }
  // crictl's streaming exec: the output as it comes, exit 1 when the command fails.
  std::cout << ran->stdout();
  std::cout.flush();
  std::cerr << ran->stderr();
  if (ran->exit_code() != 0)
    return cri_fail(error(error_kind::environment,
                          "execing command in container: command terminated with exit code " +
                              std::to_string(ran->exit_code()),
                          {}, "crictl exits 1 for any failing command"));
  return 0;
}

int run_stats(const global_options& options, const cri_connection& connection,
              const container_arguments& args) {
  std::string format = cri_format(options);
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  v1::ContainerStatsFilter filter;
  filter.set_id(args.id);
  if (filter.id().empty() && !args.ids.empty()) filter.set_id(args.ids.front());
  filter.set_pod_sandbox_id(args.pod);
  if (auto labels = cri_parse_labels(args.labels, *filter.mutable_label_selector()); !labels)
    return cri_fail(labels.error());
  auto sample = [&]() -> result<std::vector<v1::ContainerStats>> {
    std::vector<v1::ContainerStats> out;
    auto listed = client->list_container_stats(filter);
    if (!listed) return listed.error().with_context("get container stats");
    out.assign(listed->stats().begin(), listed->stats().end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.attributes().id() < b.attributes().id();
    });
    return out;
  };
  auto before = sample();
  if (!before) return cri_fail(before.error());
  if (format == "json" || format == "yaml") {
    v1::ListContainerStatsResponse shown;
    for (const auto& stats : *before)
      *shown.add_stats() = stats;
    if (auto printed = cri_emit(cri_message_json(shown), format, {}, true); !printed)
      return cri_fail(printed.error());
    return 0;
  }
  // CPU % from two samples, as crictl does.
  std::this_thread::sleep_for(std::chrono::seconds(std::max(args.seconds, 1)));
  auto after = sample();
  if (!after) return cri_fail(after.error());
  std::vector<std::vector<std::string>> rows{
      {"CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES"}};
  for (const auto& now : *after) {
    auto cpu = now.cpu().usage_core_nano_seconds().value();
    auto memory = now.memory().working_set_bytes().value();
    if (!args.all && cpu == 0 && memory == 0) continue;  // -a shows those too
    const v1::ContainerStats* then = nullptr;
    for (const auto& old : *before)
      if (old.attributes().id() == now.attributes().id()) then = &old;
    if (then == nullptr) continue;
    double percent = 0;
    if (cpu != 0) {
      double elapsed = static_cast<double>(now.cpu().timestamp() - then->cpu().timestamp());
      if (elapsed == 0)
        return cri_fail(error(error_kind::environment, "cpu stat is not updated during sample", {},
                              "try a longer sample with -s"));
      percent = (static_cast<double>(cpu) -
                 static_cast<double>(then->cpu().usage_core_nano_seconds().value())) /
                elapsed * 100;
    }
    char text[32];
    std::snprintf(text, sizeof(text), "%.2f", percent);
    rows.push_back(
        {cri_truncated_id(now.attributes().id()), now.attributes().metadata().name(), text,
         cri_human_size(static_cast<double>(memory), 4),
         cri_human_size(static_cast<double>(now.writable_layer().used_bytes().value()), 4),
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
  create->add_flag("--no-pull", args->no_pull,
                   "Do not pull the image (over crictl.yaml's pull-image-on-create: true)");
  create->add_flag("--with-pull", args->with_pull,
                   "Pull the image first (over crictl.yaml's pull-image-on-create: false)");
  create->add_option("--creds", args->creds, "USER[:PASSWORD] for the registry");
  create->add_option("--auth", args->auth, "base64 of USER:PASSWORD for the registry");
  create->add_option("-T,--cancel-timeout", args->cancel_timeout,
                     "Deadline of the call, a Go duration (default: --timeout)");
  create->callback(
      [&exit_status, args, connection] { exit_status = run_create(*connection, *args); });

  auto* start = cri.add_subcommand("start", "Start created containers (StartContainer)");
  start->add_option("container-id", args->ids, "Container ids")->required();
  start->callback(
      [&exit_status, args, connection] { exit_status = run_start(*connection, *args); });

  auto* ps = cri.add_subcommand("ps", "List containers (ListContainers); running ones unless -a");
  ps->add_flag("-a,--all", args->all, "Containers in every state");
  ps->add_option("-s,--state", args->state, "created, running, exited or unknown");
  ps->add_option("-p,--pod", args->pod, "Only the containers of this pod id");
  ps->add_option("--id", args->id, "Only the container with this id");
  ps->add_option("--image", args->image, "Only the containers of this image");
  ps->add_option("--label", args->labels, "key=value; repeat for more (all must match)");
  ps->add_option("--name", args->name, "Regular expression on the container name");
  ps->add_flag("-q,--quiet", args->quiet, "Only container ids");
  ps->add_flag("-v,--verbose", args->verbose, "Each container's fields, one per line");
  ps->add_flag("-l,--latest", args->latest, "Only the newest container (any state)");
  ps->add_option("-n,--last", args->last, "Only the N newest containers, any state (0: all)");
  ps->add_flag("--no-trunc", args->no_trunc, "Whole ids");
  ps->add_flag("-r,--resolve-image-path", args->resolve_image_path,
               "The image's name instead of its id");
  ps->callback([&options, &exit_status, args, connection] {
    exit_status = run_ps(options, *connection, *args);
  });

  auto* inspect = cri.add_subcommand("inspect", "Show containers (ContainerStatus)");
  inspect->add_option("container-id", args->ids, "Container ids")->required();
  inspect->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  inspect->callback([&options, &exit_status, args, connection] {
    exit_status = run_inspect(options, *connection, *args);
  });

  auto* stop = cri.add_subcommand("stop", "Stop running containers (StopContainer)");
  stop->add_option("container-id", args->ids, "Container ids")->required();
  stop->add_option("-t,--timeout", args->stop_timeout,
                   "Seconds between SIGTERM and SIGKILL (0: SIGKILL at once)")
      ->capture_default_str();
  stop->callback([&exit_status, args, connection] { exit_status = run_stop(*connection, *args); });

  auto* rm = cri.add_subcommand("rm", "Remove containers (RemoveContainer)");
  rm->add_option("container-id", args->ids,
                 "Container ids (none and no -a: the help, exit 0, as crictl)");
  rm->add_flag("-f,--force", args->force, "Stop running containers first");
  rm->add_flag("-a,--all", args->all, "Every container");
  rm->callback([rm, &exit_status, args, connection] {
    if (args->ids.empty() && !args->all) return cri_show_help(*rm, exit_status);
    exit_status = run_rm(*connection, *args);
  });

  auto* exec =
      cri.add_subcommand("exec", "Run COMMAND [ARG...] in a container and wait for it (ExecSync)");
  // CLI11 cannot list the command as a positional (it is `remaining`, see below): say it here.
  exec->footer(
      "Usage: deshim cri exec [OPTIONS] CONTAINER-ID COMMAND [ARG...]\n"
      "Every word after the container id is the command's, dashes included: "
      "deshim cri exec ID sh -c 'echo hi'.");
  exec->add_flag("-s,--sync", args->sync,
                 "crictl's synchronous form: output only when the command succeeds");
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

  auto* stats = cri.add_subcommand("stats", "Container resource usage (ListContainerStats)");
  stats->add_option("container-id", args->ids, "Only this container")->expected(0, 1);
  stats->add_option("--id", args->id, "Only this container");
  stats->add_flag("-a,--all", args->all, "Containers without CPU and memory use too");
  stats->add_option("-p,--pod", args->pod, "Only the containers of this pod id");
  stats->add_option("--label", args->labels, "key=value; repeat for more (all must match)");
  stats->add_option("-s,--seconds", args->seconds, "Seconds between the two CPU samples")
      ->capture_default_str();
  stats->callback([&options, &exit_status, args, connection] {
    exit_status = run_stats(options, *connection, *args);
  });
}

}  // namespace deshim::cli
