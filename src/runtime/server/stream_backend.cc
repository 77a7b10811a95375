#include "runtime/server/stream_backend.h"

#include "runtime/pod/attach_stream.h"
#include "runtime/pod/exec_stream.h"
#include "runtime/pod/pod_port.h"

namespace deshim::runtime {

namespace {

class pod_stream_backend final : public stream_backend {
 public:
  explicit pod_stream_backend(pod_context& context) : context_(context) {}

  result<joined_process> exec(const stream_request& request) override {
    exec_stream_options options;
    options.container_id = request.container_id;
    options.command = request.command;
    options.tty = request.tty;
    options.stdin = request.stdin;
    options.stdout = request.stdout;
    options.stderr = request.stderr && !request.tty;
    auto started = exec_stream::start(context_, options);
    if (!started) return started.error();
    std::shared_ptr<exec_stream> process = *started;
    joined_process out;
    out.stdin_fd = process->take_stdin();
    out.stdout_fd = process->take_stdout();
    out.stderr_fd = process->take_stderr();
    if (request.tty) out.resize = [process](uint16_t w, uint16_t h) { process->resize(w, h); };
    out.wait = [process] { return process->wait(); };
    out.detach = [process] { process->kill(); };
    return out;
  }

  result<joined_process> attach(const stream_request& request) override {
    attach_stream_options options;
    options.container_id = request.container_id;
    options.stdin = request.stdin;
    options.stdout = request.stdout;
    options.stderr = request.stderr && !request.tty;
    auto started = attach_stream::start(context_, options);
    if (!started) return started.error();
    std::shared_ptr<attach_stream> session = *started;
    joined_process out;
    out.stdin_fd = session->take_stdin();
    out.stdout_fd = session->take_stdout();
    out.stderr_fd = session->take_stderr();
    if (request.tty) out.resize = [session](uint16_t w, uint16_t h) { session->resize(w, h); };
    out.wait = [session] { return session->wait(); };
    out.detach = [session] { session->detach(); };
    return out;
  }

  result<int> connect(const std::string& pod_id, int32_t port) override {
    return connect_pod_port(context_, pod_id, port);
  }

 private:
  pod_context& context_;
};

}  // namespace

std::shared_ptr<stream_backend> make_pod_stream_backend(pod_context& context) {
  return std::make_shared<pod_stream_backend>(context);
}

result<void> check_stream_request(pod_context& context, stream_request& request) {
  const char* rpc = request.kind == stream_kind::exec ? "Exec" : "Attach";
  if (request.container_id.empty())
    return invalid_input(std::string(rpc) + " needs a container id", {"", 0, 0, "container_id"});
  if (request.kind == stream_kind::exec && request.command.empty())
    return invalid_input("Exec needs a command", {"", 0, 0, "cmd"}, "e.g. cmd: [\"sh\"]");
  if (request.tty && request.stderr) {
    return invalid_input("tty and stderr cannot both be true", {"", 0, 0, "stderr"},
                         "a terminal carries both outputs: ask for stdout only");
  }
  if (!request.stdin && !request.stdout && !request.stderr) {
    return invalid_input("one of stdin, stdout, or stderr must be set", {"", 0, 0, "stdout"});
  }
  auto found = context.find_container(request.container_id);
  if (!found) {
    return error(error_kind::not_found, "container " + request.container_id + " does not exist",
                 {"", 0, 0, "container_id"}, "list the containers with `deshim cri ps -a`");
  }
  if (found->state != container_state::running) {
    return invalid_input("container " + found->id + " is not running", {"", 0, 0, "container_id"},
                         "start it first");
  }
  request.container_id = found->id;
  return {};
}

}  // namespace deshim::runtime
