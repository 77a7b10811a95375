#include "runtime/pod/exec_stream.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd_io.h"
#include "common/subprocess.h"
#include "runtime/pod/exec_sync.h"

extern char** environ;

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int take(int& fd) {
  int out = fd;
  fd = -1;
  return out;
}

error system_error(const std::string& what) {
  return environment_error(what + ": " + std::strerror(errno));
}

}  // namespace

result<std::shared_ptr<exec_stream>> exec_stream::start(pod_context& context,
                                                        const exec_stream_options& options) {
  if (options.command.empty())
    return invalid_input("Exec needs a command", {"", 0, 0, "cmd"}, "e.g. cmd: [\"sh\"]");
  auto found = context.find_container(options.container_id);
  if (!found) {
    return error(error_kind::not_found, "container " + options.container_id + " does not exist",
                 {"", 0, 0, "container_id"}, "list the containers with `deshim cri ps -a`");
  }
  if (found->state != container_state::running) {
    return invalid_input("container " + found->id + " is not running", {"", 0, 0, "container_id"},
                         "start it first");
  }
  std::string handler;
  if (auto sandbox = context.find_sandbox(found->sandbox_id)) handler = sandbox->runtime_handler;
  auto runc = context.runc_for(handler);
  if (!runc) return runc.error();
  auto binary = find_program(runc->settings().binary);
  if (!binary) {
    return environment_error("cannot find " + runc->settings().binary + " in PATH", {},
                             "install runc or set the runtime's BinaryName");
  }
  std::shared_ptr<exec_stream> out(new exec_stream());
  out->pid_file_ =
      context.state.container_dir(found->id) / ("exec-" + new_object_id().substr(0, 16) + ".pid");
  std::vector<std::string> argv = runc->base_argv();
  argv[0] = binary->string();
  argv.push_back("exec");
  if (options.tty) argv.push_back("--tty");
  argv.insert(argv.end(), {"--pid-file", out->pid_file_.string(), found->id});
  argv.insert(argv.end(), options.command.begin(), options.command.end());

  // The child's ends, dup'ed onto 0, 1 and 2; ours are close-on-exec, so that no other child
  // the core starts meanwhile holds them (a stdin pipe would never see its end).
  int child[3] = {-1, -1, -1};
  auto close_children = [&] {
    for (int& fd : child)
      close_fd(fd);
  };
  if (options.tty) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return system_error("cannot open a pseudo-terminal");
    char name[128];
    if (::grantpt(master) != 0 || ::unlockpt(master) != 0 ||
        ::ptsname_r(master, name, sizeof(name)) != 0) {
      ::close(master);
      return system_error("cannot set up a pseudo-terminal");
    }
    int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
      ::close(master);
      return system_error(std::string("cannot open ") + name);
    }
    // Raw: bytes pass as they are; the container's own terminal does the line discipline.
    termios mode{};
    if (::tcgetattr(slave, &mode) == 0) {
      ::cfmakeraw(&mode);
      ::tcsetattr(slave, TCSANOW, &mode);
    }
    winsize size{24, 80, 0, 0};
    ::ioctl(master, TIOCSWINSZ, &size);
    out->terminal_ = master;
    out->stdout_ = ::fcntl(master, F_DUPFD_CLOEXEC, 3);
    if (options.stdin) out->stdin_ = ::fcntl(master, F_DUPFD_CLOEXEC, 3);
    child[0] = slave;
    child[1] = ::fcntl(slave, F_DUPFD_CLOEXEC, 3);
    child[2] = ::fcntl(slave, F_DUPFD_CLOEXEC, 3);
  } else {
    auto pipe_or_null = [&](bool wanted, bool input, int& ours, int& theirs) -> result<void> {
      if (!wanted) {
        theirs = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (theirs < 0) return system_error("cannot open /dev/null");
        return {};
      }
      int ends[2];
      if (::pipe2(ends, O_CLOEXEC) != 0) return system_error("cannot make a pipe");
      ours = input ? ends[1] : ends[0];
      theirs = input ? ends[0] : ends[1];
      return {};
    };
    for (auto made : {pipe_or_null(options.stdin, true, out->stdin_, child[0]),
                      pipe_or_null(options.stdout, false, out->stdout_, child[1]),
                      pipe_or_null(options.stderr, false, out->stderr_, child[2])}) {
      if (!made) {
        close_children();
        return made.error();
      }
    }
  }
  std::vector<std::string> argv_copy = argv;
  std::vector<char*> args = c_strings(argv_copy);
  bool tty = options.tty;
  pid_t pid = ::fork();
  if (pid < 0) {
    close_children();
    return system_error("cannot start runc exec");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &fallback, nullptr);
    ::setsid();
    if (tty) ::ioctl(child[0], TIOCSCTTY, 0);
    for (int i = 0; i < 3; ++i) {
      if (::dup2(child[i], i) < 0) ::_exit(127);
    }
    ::close_range(3, ~0U, 0);
    ::execve(args[0], args.data(), environ);
    ::_exit(127);
  }
  close_children();
  out->runc_pid_ = pid;
  return out;
}

exec_stream::~exec_stream() {
  close_fd(stdin_);
  close_fd(stdout_);
  close_fd(stderr_);
  close_fd(terminal_);
  if (!reaped_ && runc_pid_ > 0) {
    kill();
    wait();
  }
}

int exec_stream::take_stdin() {
  return take(stdin_);
}
int exec_stream::take_stdout() {
  return take(stdout_);
}
int exec_stream::take_stderr() {
  return take(stderr_);
}

void exec_stream::resize(uint16_t columns, uint16_t rows) {
  if (terminal_ < 0) return;
  winsize size{rows, columns, 0, 0};
  ::ioctl(terminal_, TIOCSWINSZ, &size);
}

int exec_stream::wait() {
  if (reaped_) return exit_code_;
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(runc_pid_, &status, 0);
  } while (got < 0 && errno == EINTR);
  reaped_ = true;
  if (got == runc_pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else {
    exit_code_ = 255;
  }
  close_fd(terminal_);
  std::error_code ignored;
  fs::remove(pid_file_, ignored);
  return exit_code_;
}

void exec_stream::kill() {
  if (reaped_) return;
  kill_exec_process(pid_file_);
}

}  // namespace deshim::runtime
