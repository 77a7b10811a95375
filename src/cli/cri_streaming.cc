#include "cli/cri_streaming.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>

#include "runtime/client/stream_client.h"

namespace deshim::cli {
namespace {

namespace v1 = ::runtime::v1;

/// Set by SIGINT/SIGTERM while a port-forward runs.
std::atomic<bool> stop_requested{false};

void request_stop(int) {
  stop_requested = true;
}

/// The local descriptors of a remote command session.
runtime::remote_command_io local_io(bool interactive, bool tty) {
  runtime::remote_command_io io;
  io.tty = tty;
  io.stdin_fd = interactive ? 0 : -1;
  io.stdout_fd = 1;
  io.stderr_fd = 2;
  if (tty) io.terminal_fd = ::isatty(0) ? 0 : (::isatty(1) ? 1 : -1);
  return io;
}

int run_stream(const std::string& url, bool interactive, bool tty) {
  std::cout.flush();
  auto ran = runtime::run_remote_command(url, local_io(interactive, tty));
  if (!ran) return cri_fail(ran.error());
  // As crictl: a command that fails is an error of the call, exit 1, its code in the message.
  if (*ran != 0) {
    return cri_fail(error(
        error_kind::environment,
        "execing command in container: command terminated with exit code " + std::to_string(*ran)));
  }
  return 0;
}

struct streaming_arguments {
  std::string id;
  bool interactive = false;
  bool tty = false;
  std::vector<std::string> ports;
  std::string address = "127.0.0.1";
};

int run_attach(const cri_connection& connection, const streaming_arguments& args) {
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  v1::AttachRequest request;
  request.set_container_id(args.id);
  request.set_stdin(args.interactive);
  request.set_tty(args.tty);
  request.set_stdout(true);
  request.set_stderr(!args.tty);
  auto url = client->attach(request);
  if (!url) return cri_fail(url.error());
  return run_stream(*url, args.interactive, args.tty);
}

int run_port_forward(const cri_connection& connection, const streaming_arguments& args) {
  std::vector<runtime::forwarded_port> ports;
  std::vector<std::int32_t> remote;
  for (const auto& text : args.ports) {
    auto port = runtime::parse_forwarded_port(text);
    if (!port) return cri_fail(port.error());
    ports.push_back(*port);
    remote.push_back(port->remote);
  }
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto url = client->port_forward(args.id, remote);
  if (!url) return cri_fail(url.error());
  struct sigaction handler {};
  handler.sa_handler = request_stop;
  ::sigaction(SIGINT, &handler, nullptr);
  ::sigaction(SIGTERM, &handler, nullptr);
  runtime::port_forward_options options;
  options.address = args.address;
  options.stop = &stop_requested;
  options.ready = [&](const std::vector<uint16_t>& locals) {
    for (std::size_t i = 0; i < locals.size(); ++i) {
      std::cout << "Forwarding from " << args.address << ":" << locals[i] << " -> "
                << ports[i].remote << "\n";
    }
    std::cout.flush();
  };
  options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  auto forwarded = runtime::run_port_forward(*url, ports, options);
  if (!forwarded) return cri_fail(forwarded.error());
  return 0;
}

}  // namespace

int run_cri_streaming_exec(const cri_connection& connection, const std::string& container_id,
                           const std::vector<std::string>& command, bool interactive, bool tty) {
  if (command.empty()) {
    return cri_fail(error(error_kind::usage, "no command to run", {},
                          "deshim cri exec -it CONTAINER COMMAND [ARG...]"));
  }
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  v1::ExecRequest request;
  request.set_container_id(container_id);
  for (const auto& word : command)
    request.add_cmd(word);
  request.set_stdin(interactive);
  request.set_tty(tty);
  request.set_stdout(true);
  request.set_stderr(!tty);
  auto url = client->exec(request);
  if (!url) return cri_fail(url.error());
  return run_stream(*url, interactive, tty);
}

void add_cri_streaming_commands(CLI::App& cri, int& exit_status,
                                std::shared_ptr<cri_connection> connection) {
  auto args = std::make_shared<streaming_arguments>();
  auto* attach = cri.add_subcommand(
      "attach", "Attach to a running container's stdio (Attach, through the stream server)");
  attach->add_flag("-i,--stdin", args->interactive, "Forward stdin to the container");
  attach->add_flag("-t,--tty", args->tty, "The container has a terminal (created with tty)");
  attach->add_option("container-id", args->id, "Container id")->required();
  attach->callback(
      [&exit_status, args, connection] { exit_status = run_attach(*connection, *args); });

  auto* forward = cri.add_subcommand(
      "port-forward",
      "Forward local ports to a pod's ports (PortForward, through the stream server)");
  forward->add_option("--address", args->address, "Local address to listen on")
      ->capture_default_str();
  forward->add_option("pod-id", args->id, "Pod sandbox id")->required();
  forward->add_option("ports", args->ports, "[LOCAL_PORT:]REMOTE_PORT, several allowed")
      ->required();
  forward->callback(
      [&exit_status, args, connection] { exit_status = run_port_forward(*connection, *args); });
}

}  // namespace deshim::cli
