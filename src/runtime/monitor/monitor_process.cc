#include "runtime/monitor/monitor_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "common/atomic_write.h"
#include "common/fd_io.h"
#include "common/unix_time.h"
#include "runtime/monitor/attach_socket.h"
#include "runtime/monitor/console_socket.h"
#include "runtime/monitor/cri_log_writer.h"
#include "runtime/monitor/exit_record.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

fs::path monitor_pid_file(const fs::path& object_dir) {
  return object_dir / "pid";
}
fs::path monitor_control_fifo(const fs::path& object_dir) {
  return object_dir / "control";
}
fs::path monitor_reopen_answer(const fs::path& object_dir) {
  return object_dir / "reopened";
}

result<monitor_options> parse_monitor_arguments(const std::vector<std::string>& args) {
  monitor_options out;
  std::size_t i = 0;
  auto value = [&](const std::string& flag) -> result<std::string> {
    if (i + 1 >= args.size()) return invalid_input(flag + " needs a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--tty") {
      out.tty = true;
      continue;
    }
    if (arg == "--") {
      out.runc_command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    auto v = value(arg);
    if (!v) return v.error();
    try {
      if (arg == "--id") {
        out.id = *v;
      } else if (arg == "--dir") {
        out.object_dir = *v;
      } else if (arg == "--log") {
        out.log_path = *v;
      } else if (arg == "--oom-events") {
        out.oom_events = *v;
      } else if (arg == "--stdin") {
        if (*v != "open" && *v != "once") return invalid_input("--stdin takes open or once");
        out.stdin_mode = *v;
      } else if (arg == "--max-line-size") {
        out.max_line_size = std::stol(*v);
      } else if (arg == "--sync-fd") {
        out.sync_fd = std::stoi(*v);
      } else {
        return invalid_input("unknown monitor option " + arg);
      }
    } catch (const std::exception&) {
      return invalid_input(arg + " needs a number, not \"" + *v + "\"");
    }
  }
  if (out.id.empty() || out.object_dir.empty() || out.runc_command.empty())
    return invalid_input("the monitor needs --id, --dir and a runc command after --");
  return out;
}

int run_monitor(const monitor_options& options) {
  auto report = [&](const std::string& line) {
    if (options.sync_fd >= 0) {
      write_all_to_fd(options.sync_fd, line + "\n");
      ::close(options.sync_fd);
    }
  };
  // runc and the container must not inherit the sync pipe (the core waits for our line).
  if (options.sync_fd >= 0) ::fcntl(options.sync_fd, F_SETFD, FD_CLOEXEC);
  if (::getsid(0) != ::getpid()) ::setsid();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  // Signals arrive through a signalfd; the monitor ignores the terminal and stop signals a
  // node's process group may receive: only the container's end ends it.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGUSR1);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGHUP);
  sigaddset(&handled, SIGPIPE);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  int signal_fd = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);

  // The control fifo; holding a write end ourselves keeps reads from seeing end of file.
  fs::path fifo = monitor_control_fifo(options.object_dir);
  ::unlink(fifo.c_str());
  ::mkfifo(fifo.c_str(), 0600);
  int control_fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  int control_keep = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);

  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (!options.stdin_mode.empty() && !options.tty && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
    report(std::string("error cannot create pipes: ") + std::strerror(errno));
    return 1;
  }
  // Our end of the container's stdin never blocks the monitor: input the container does not
  // read fast enough is dropped rather than stalling its output.
  if (in_pipe[1] >= 0) ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  auto attach_listener = listen_attach_socket(options.object_dir);
  int attach_fd = attach_listener ? *attach_listener : -1;
  std::vector<std::string> runc_args = options.runc_command;
  console_listener console;
  if (options.tty) {
    auto listening = listen_console_socket(options.object_dir);
    if (!listening) {
      report("error " + listening.error().message());
      return 1;
    }
    console = *listening;
    runc_args = with_console_socket(std::move(runc_args), console.runc_path);
  }
  int terminal = -1;  ///< the pty master, with --tty
  auto argv = c_strings(runc_args);
  pid_t runc = ::fork();
  if (runc < 0) {
    report(std::string("error cannot fork runc: ") + std::strerror(errno));
    return 1;
  }
  if (runc == 0) {
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(in_pipe[0] >= 0 ? in_pipe[0] : null_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(argv[0], argv.data());
    const char message[] = "cannot run runc\n";
    (void)!::write(2, message, sizeof(message) - 1);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (in_pipe[0] >= 0) ::close(in_pipe[0]);
  int stdin_fd = in_pipe[1];

  int runc_status = 0;
  bool runc_done = false;
  pid_t container = 0;
  int container_status = 0;
  bool container_done = false;
  int64_t container_finished = 0;
  struct early_exit {
    pid_t pid;
    int status;
    int64_t finished;
  };
  std::vector<early_exit> early_exits;
  auto reap = [&]() {
    for (;;) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      if (pid == runc) {
        runc_status = status;
        runc_done = true;
      } else if (container > 0 && pid == container) {
        container_status = status;
        container_done = true;
        container_finished = unix_nanos_now();
      } else if (container == 0) {
        // With `runc run --detach` the container may end before we know its pid.
        early_exits.push_back({pid, status, unix_nanos_now()});
      }
    }
  };
  auto drain_signals = [&]() {
    signalfd_siginfo info{};
    bool reopen = false;
    while (::read(signal_fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
      if (info.ssi_signo == SIGUSR1) reopen = true;
    }
    return reopen;
  };
  // Until runc returns, what arrives on the pipes is either runc's own message (it failed) or,
  // with `runc run --detach`, the container's first output (it succeeded: runc says nothing
  // then). Both are kept per stream and decided on by runc's exit status. Past the cap a pipe
  // is not read: the writer waits, nothing is lost.
  constexpr std::size_t early_output_cap = 8 << 20;
  std::string early_output[2];
  std::string console_failure;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!runc_done && std::chrono::steady_clock::now() < deadline) {
    pollfd fds[4] = {{signal_fd, POLLIN, 0},
                     {early_output[0].size() < early_output_cap ? out_pipe[0] : -1, POLLIN, 0},
                     {early_output[1].size() < early_output_cap ? err_pipe[0] : -1, POLLIN, 0},
                     {terminal < 0 ? console.socket : -1, POLLIN, 0}};
    ::poll(fds, 4, 100);
    drain_signals();
    if (fds[3].revents & POLLIN) {
      // runc waits for us to take the terminal before it starts the container.
      auto received = receive_terminal(console.socket, std::chrono::seconds(5));
      if (received) {
        terminal = *received;
      } else {
        console_failure = received.error().message();
      }
    }
    char buffer[4096];
    for (int i = 1; i < 3; ++i) {
      if (fds[i].revents & POLLIN) {
        ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
        if (n > 0) early_output[i - 1].append(buffer, static_cast<std::size_t>(n));
      }
    }
    reap();
  }
  if (!runc_done || !WIFEXITED(runc_status) || WEXITSTATUS(runc_status) != 0) {
    if (!runc_done) ::kill(runc, SIGKILL);
    if (options.tty) close_console_listener(console, options.object_dir);
    if (terminal >= 0) ::close(terminal);
    std::string runc_output = early_output[1] + early_output[0];
    if (runc_output.size() > 65536) runc_output.resize(65536);
    while (!runc_output.empty() && (runc_output.back() == '\n' || runc_output.back() == ' '))
      runc_output.pop_back();
    for (auto& c : runc_output) {
      if (c == '\n') c = ' ';
    }
    report("error " + (runc_output.empty() ? std::string("runc failed") : runc_output));
    return 1;
  }
  if (options.tty) {
    // runc sent the terminal before it returned; a connection may still wait in the backlog.
    if (terminal < 0 && console_failure.empty()) {
      auto received = receive_terminal(console.socket, std::chrono::seconds(1));
      if (received)
        terminal = *received;
      else
        console_failure = received.error().message();
    }
    close_console_listener(console, options.object_dir);
    if (terminal < 0) {
      report("error " + console_failure);
      return 1;
    }
    // The pipes carried runc's own messages only (none, as it succeeded); the terminal is
    // the container's stdout from now on, and its stdin when it has one.
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    out_pipe[0] = terminal;
    err_pipe[0] = -1;
    ::fcntl(terminal, F_SETFL, ::fcntl(terminal, F_GETFL) | O_NONBLOCK);
    if (!options.stdin_mode.empty()) stdin_fd = ::fcntl(terminal, F_DUPFD_CLOEXEC, 3);
  }
  try {
    container = std::stoi(read_small_file(monitor_pid_file(options.object_dir)).value_or(""));
  } catch (const std::exception&) {
    report("error runc wrote no pid file");
    return 1;
  }
  // The OOM kills before the container ran (of an earlier container in a reused cgroup).
  std::optional<uint64_t> oom_kills_before;
  if (!options.oom_events.empty())
    oom_kills_before = oom_kill_count(read_small_file(options.oom_events).value_or(""));
  reap();  // the container may have ended already
  for (const auto& ended : early_exits) {
    if (ended.pid != container) continue;
    container_status = ended.status;
    container_done = true;
    container_finished = ended.finished;
  }

  std::unique_ptr<cri_log_writer> log;
  if (!options.log_path.empty()) {
    cri_log_options log_options;
    log_options.max_line_size = options.max_line_size;
    auto opened = cri_log_writer::open(options.log_path, log_options);
    if (!opened) {
      report("error " + opened.error().describe());
      ::kill(container, SIGKILL);
      return 1;
    }
    log = std::move(*opened);
    // The container's first output, from before runc returned, goes first.
    if (!early_output[0].empty()) (void)log->write(log_stream::standard_output, early_output[0]);
    if (!early_output[1].empty()) (void)log->write(log_stream::standard_error, early_output[1]);
  }
  report("created " + std::to_string(container) + " " + std::to_string(::getpid()));

  auto do_reopen = [&]() {
    std::string answer = "ok\n";
    if (log) {
      if (auto reopened = log->reopen(); !reopened) answer = reopened.error().describe() + "\n";
    }
    (void)replace_state_file(monitor_reopen_answer(options.object_dir), answer, 0600);
  };

  // Attached clients: their socket and whether their input still reaches the container.
  struct attach_client {
    int fd;
    bool reading;
  };
  std::vector<attach_client> clients;
  auto drop_client = [&](std::size_t i) {
    ::close(clients[i].fd);
    clients.erase(clients.begin() + static_cast<long>(i));
  };
  auto close_stdin = [&] {
    if (stdin_fd >= 0) ::close(stdin_fd);
    stdin_fd = -1;
  };
  // Output goes to every client without waiting: one that cannot take it now is dropped
  // rather than holding up the container (and its log).
  auto fan_out = [&](uint8_t stream, std::string_view data) {
    if (clients.empty()) return;
    std::string frame = attach_frame(stream, data);
    for (std::size_t i = clients.size(); i-- > 0;) {
      ssize_t sent = ::send(clients[i].fd, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent != static_cast<ssize_t>(frame.size())) drop_client(i);
    }
  };

  bool out_open = true;
  bool err_open = !options.tty;
  std::string control_buffer;
  std::chrono::steady_clock::time_point drain_deadline{};
  while (out_open || err_open) {
    if (container_done && drain_deadline == std::chrono::steady_clock::time_point{}) {
      // Processes that escaped the container's pid namespace may hold the pipes: give them
      // a moment, then stop reading.
      drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    }
    if (container_done && std::chrono::steady_clock::now() > drain_deadline) break;
    std::vector<pollfd> fds = {{signal_fd, POLLIN, 0},
                               {control_fd, POLLIN, 0},
                               {out_open ? out_pipe[0] : -1, POLLIN, 0},
                               {err_open ? err_pipe[0] : -1, POLLIN, 0},
                               {attach_fd, POLLIN, 0}};
    for (const auto& client : clients)
      fds.push_back({client.reading ? client.fd : -1, POLLIN, 0});
    int ready = ::poll(fds.data(), fds.size(), container_done ? 100 : 1000);
    if (ready < 0 && errno != EINTR) break;
    if (attach_fd >= 0 && (fds[4].revents & POLLIN)) {
      int client = ::accept4(attach_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (client >= 0) {
        int buffer_size = 4 << 20;
        ::setsockopt(client, SOL_SOCKET, SO_SNDBUF, &buffer_size, sizeof(buffer_size));
        clients.push_back({client, true});
      }
    }
    for (std::size_t i = clients.size(); i-- > 0;) {
      if (5 + i >= fds.size() || !(fds[5 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char input[65536];
      ssize_t n = ::read(clients[i].fd, input, sizeof(input));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) {
        if (stdin_fd >= 0) (void)!::write(stdin_fd, input, static_cast<std::size_t>(n));
        continue;
      }
      // The client's input ended: with stdin_once, so does the container's.
      clients[i].reading = false;
      if (options.stdin_mode == "once") close_stdin();
      if (n < 0) drop_client(i);
    }
    if (drain_signals()) do_reopen();
    reap();
    if (fds[1].revents & POLLIN) {
      char buffer[256];
      ssize_t n = ::read(control_fd, buffer, sizeof(buffer));
      if (n > 0) control_buffer.append(buffer, static_cast<std::size_t>(n));
      std::size_t newline;
      while ((newline = control_buffer.find('\n')) != std::string::npos) {
        std::string command = control_buffer.substr(0, newline);
        control_buffer.erase(0, newline + 1);
        if (command == "reopen") do_reopen();
        unsigned columns = 0, rows = 0;
        if (terminal >= 0 && std::sscanf(command.c_str(), "resize %u %u", &columns, &rows) == 2 &&
            columns > 0 && rows > 0 && columns < 65536 && rows < 65536) {
          winsize size{};
          size.ws_col = static_cast<unsigned short>(columns);
          size.ws_row = static_cast<unsigned short>(rows);
          ::ioctl(terminal, TIOCSWINSZ, &size);
        }
      }
    }
    char buffer[65536];
    for (int i = 2; i < 4; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      // A terminal whose container side has closed answers EIO: its end of output.
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      log_stream stream = i == 2 ? log_stream::standard_output : log_stream::standard_error;
      if (n <= 0) {
        (i == 2 ? out_open : err_open) = false;
        if (log) (void)log->close_stream(stream);
        continue;
      }
      if (log) (void)log->write(stream, std::string_view(buffer, static_cast<std::size_t>(n)));
      fan_out(i == 2 ? attach_stdout : attach_stderr,
              std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }
  // The container's output has ended: so do the attached sessions.
  for (std::size_t i = clients.size(); i-- > 0;)
    drop_client(i);
  if (attach_fd >= 0) {
    ::close(attach_fd);
    ::unlink(monitor_attach_socket(options.object_dir).c_str());
  }
  close_stdin();
  if (terminal >= 0) ::close(terminal);
  if (log) {
    if (out_open) (void)log->close_stream(log_stream::standard_output);
    if (err_open) (void)log->close_stream(log_stream::standard_error);
    log.reset();
  }
  // The pipes closed (or were given up on): wait for init's status if it is not in yet.
  bool status_lost = false;
  while (!container_done) {
    pollfd fds[1] = {{signal_fd, POLLIN, 0}};
    ::poll(fds, 1, 1000);
    drain_signals();
    reap();
    // Gone without its status reaching us (another process reaped it): record the end with
    // an unknown code, as containerd does, rather than wait forever.
    if (!container_done && ::kill(container, 0) != 0 && errno == ESRCH) {
      status_lost = true;
      container_done = true;
      container_finished = unix_nanos_now();
    }
  }
  exit_record exit;
  if (status_lost) {
    exit.exit_code = 255;
  } else if (WIFEXITED(container_status)) {
    exit.exit_code = WEXITSTATUS(container_status);
  } else if (WIFSIGNALED(container_status)) {
    exit.signal = WTERMSIG(container_status);
    exit.exit_code = 128 + exit.signal;
  }
  exit.finished_at = container_finished;
  exit.reason = status_lost ? "Unknown" : exit.exit_code == 0 ? "Completed" : "Error";
  if (!options.oom_events.empty()) {
    auto oom_kills = oom_kill_count(read_small_file(options.oom_events).value_or(""));
    if (oom_kills && *oom_kills > oom_kills_before.value_or(0)) exit.reason = "OOMKilled";
  }
  (void)replace_state_file(exit_record_file(options.object_dir), to_json_text(exit), 0600);
  ::close(control_keep);
  ::close(control_fd);
  return 0;
}

}  // namespace deshim::runtime
