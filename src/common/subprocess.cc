#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

#include "common/fd_io.h"

namespace deshim {
namespace {

using clock_type = std::chrono::steady_clock;

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& add : extra)
      overridden = overridden || add.substr(0, add.find('=')) == name;
    if (!overridden) env.push_back(std::move(entry));
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

struct pipe_pair {
  int read_end = -1;
  int write_end = -1;
};

/// write() to a pipe whose reader may be gone (a child that exited without reading its
/// stdin): EPIPE for the caller instead of SIGPIPE killing the whole process. SIGPIPE is
/// blocked for this thread around the write and a pending one is taken back, so the process's
/// own disposition and other threads are untouched.
ssize_t write_without_sigpipe(int fd, std::string_view data) {
  sigset_t pipe_only, previous;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  ssize_t wrote = ::write(fd, data.data(), data.size());
  const int saved = errno;
  if (wrote < 0 && errno == EPIPE && !sigismember(&previous, SIGPIPE)) {
    const timespec no_wait{0, 0};
    while (::sigtimedwait(&pipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = saved;
  return wrote;
}

result<pipe_pair> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return environment_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  return pipe_pair{fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

/// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const char* program, char** argv, char** envp, int stdin_fd,
                             int stdout_fd, int stderr_fd, const char* working_dir,
                             pid_t die_with = 0) {
  ::setpgid(0, 0);
  if (die_with > 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != die_with) ::_exit(125);  // the parent died before the prctl
  }
  ::dup2(stdin_fd, 0);
  ::dup2(stdout_fd, 1);
  ::dup2(stderr_fd, 2);
  if (working_dir != nullptr && ::chdir(working_dir) != 0) ::_exit(126);
  ::execve(program, argv, envp);
  ::_exit(127);
}

}  // namespace

std::string process_result::describe_end() const {
  if (timed_out) return "timed out and was killed";
  if (signal != 0) return "was killed by signal " + std::to_string(signal);
  return "exited with status " + std::to_string(exit_code);
}

std::optional<std::filesystem::path> find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return std::filesystem::path(program);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string search = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::filesystem::path candidate =
        std::filesystem::path(search.substr(start, end - start)) / program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

result<process_result> run_process(const std::vector<std::string>& argv,
                                   const run_options& options) {
  if (argv.empty()) return error(error_kind::internal, "run_process called without a command");
  auto program = find_program(argv[0]);
  if (!program) {
    return error(error_kind::not_found, "program " + argv[0] + " was not found in PATH");
  }
  auto in = make_pipe();
  if (!in) return in.error();
  auto out = make_pipe();
  if (!out) return out.error();
  auto err = make_pipe();
  if (!err) return err.error();

  std::vector<std::string> args = argv;
  std::vector<std::string> env = environment_with(options.extra_environment);
  auto arg_pointers = c_strings(args);
  auto env_pointers = c_strings(env);
  std::string program_path = program->string();
  std::string working_dir = options.working_dir ? options.working_dir->string() : "";

  pid_t parent = options.kill_with_parent ? ::getpid() : 0;
  pid_t pid = ::fork();
  if (pid < 0) return environment_error(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    exec_child(program_path.c_str(), arg_pointers.data(), env_pointers.data(), in->read_end,
               out->write_end, err->write_end, working_dir.empty() ? nullptr : working_dir.c_str(),
               parent);
  }
  close_fd(in->read_end);
  close_fd(out->write_end);
  close_fd(err->write_end);
  ::fcntl(in->write_end, F_SETFL, O_NONBLOCK);

  process_result outcome;
  std::string_view to_write = options.standard_input;
  if (to_write.empty()) close_fd(in->write_end);
  auto deadline = clock_type::now() + options.timeout;
  char buffer[65536];
  while (out->read_end >= 0 || err->read_end >= 0) {
    pollfd fds[3];
    int count = 0;
    for (int fd : {out->read_end, err->read_end}) {
      if (fd >= 0) fds[count++] = pollfd{fd, POLLIN, 0};
    }
    if (in->write_end >= 0) fds[count++] = pollfd{in->write_end, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds, static_cast<nfds_t>(count), static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    for (int i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in->write_end) {
        ssize_t wrote = write_without_sigpipe(in->write_end, to_write);
        if (wrote > 0) to_write.remove_prefix(static_cast<size_t>(wrote));
        if (wrote < 0 && errno != EAGAIN) to_write = {};
        if (to_write.empty()) close_fd(in->write_end);
        continue;
      }
      bool is_out = fds[i].fd == out->read_end;
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        close_fd(is_out ? out->read_end : err->read_end);
        continue;
      }
      std::string& sink = is_out ? outcome.standard_output : outcome.standard_error;
      size_t room = options.max_output_bytes - std::min(options.max_output_bytes, sink.size());
      size_t keep = std::min(room, static_cast<size_t>(got));
      if (keep < static_cast<size_t>(got)) outcome.output_truncated = true;
      sink.append(buffer, keep);
    }
  }
  close_fd(in->write_end);
  close_fd(out->read_end);
  close_fd(err->read_end);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (outcome.exit_code == 127 && outcome.standard_error.empty()) {
    return environment_error("cannot execute " + program_path);
  }
  return outcome;
}

result<child_process> child_process::start(const std::vector<std::string>& argv,
                                           const std::filesystem::path& log_file,
                                           const std::vector<std::string>& extra_environment) {
  if (argv.empty()) return error(error_kind::internal, "child_process started without a command");
  auto program = find_program(argv[0]);
  if (!program) {
    return error(error_kind::not_found, "program " + argv[0] + " was not found in PATH");
  }
  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    return environment_error("cannot open " + log_file.string() + ": " + std::strerror(errno));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = environment_with(extra_environment);
  auto arg_pointers = c_strings(args);
  auto env_pointers = c_strings(env);
  std::string program_path = program->string();
  pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(program_path.c_str(), arg_pointers.data(), env_pointers.data(), null_fd, log_fd,
               log_fd, nullptr);
  }
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) return environment_error(std::string("cannot fork: ") + std::strerror(errno));
  return child_process(pid);
}

child_process::child_process(child_process&& other) noexcept
    : pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

child_process::~child_process() {
  stop();
}

bool child_process::running() {
  if (pid_ < 0) return false;
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return got == 0;
}

int child_process::stop(std::chrono::milliseconds grace) {
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  auto deadline = clock_type::now() + grace;
  while (clock_type::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  pid_ = -1;
  return status_;
}

result<fed_process> fed_process::start(const std::vector<std::string>& argv,
                                       std::size_t max_output_bytes) {
  if (argv.empty()) return error(error_kind::internal, "fed_process started without a command");
  auto program = find_program(argv[0]);
  if (!program) {
    return error(error_kind::not_found, "program " + argv[0] + " was not found in PATH");
  }
  auto in = make_pipe();
  if (!in) return in.error();
  int output_fd = ::memfd_create("deshim-fed-process-output", MFD_CLOEXEC);
  if (output_fd < 0) {
    close_fd(in->read_end);
    close_fd(in->write_end);
    return environment_error(std::string("cannot create a memory file: ") + std::strerror(errno));
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> env = environment_with({});
  auto arg_pointers = c_strings(args);
  auto env_pointers = c_strings(env);
  std::string program_path = program->string();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(program_path.c_str(), arg_pointers.data(), env_pointers.data(), in->read_end,
               output_fd, output_fd, nullptr, parent);
  }
  close_fd(in->read_end);
  // A 1 MiB pipe instead of 64 KiB: fewer switches between feeder and reader for bulk data
  // (best effort; the system's pipe-max-size may refuse it).
  (void)::fcntl(in->write_end, F_SETPIPE_SZ, 1 << 20);
  if (pid < 0) {
    close_fd(in->write_end);
    ::close(output_fd);
    return environment_error(std::string("cannot fork: ") + std::strerror(errno));
  }
  return fed_process(pid, in->write_end, output_fd, max_output_bytes);
}

fed_process::fed_process(fed_process&& other) noexcept
    : pid_(other.pid_),
      stdin_fd_(other.stdin_fd_),
      output_fd_(other.output_fd_),
      max_output_(other.max_output_) {
  other.pid_ = -1;
  other.stdin_fd_ = -1;
  other.output_fd_ = -1;
}

fed_process::~fed_process() {
  abort();
}

result<void> fed_process::feed(std::string_view data) {
  if (stdin_fd_ < 0) return error(error_kind::internal, "fed_process fed after its end");
  while (!data.empty()) {
    ssize_t wrote = write_without_sigpipe(stdin_fd_, data);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      return environment_error(std::string("the receiving program stopped reading: ") +
                               std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(wrote));
  }
  return {};
}

std::string fed_process::read_output(bool& truncated) const {
  std::string out;
  truncated = false;
  if (output_fd_ < 0) return out;
  char buffer[65536];
  off_t offset = 0;
  while (out.size() < max_output_) {
    ssize_t got = ::pread(output_fd_, buffer, sizeof buffer, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return out;
    offset += got;
    out.append(buffer, std::min(static_cast<size_t>(got), max_output_ - out.size()));
  }
  char probe = 0;
  truncated = ::pread(output_fd_, &probe, 1, offset) == 1;
  return out;
}

void fed_process::close_fds() {
  close_fd(stdin_fd_);
  close_fd(output_fd_);
}

result<process_result> fed_process::finish(std::chrono::milliseconds timeout) {
  if (pid_ < 0) return error(error_kind::internal, "fed_process finished twice");
  close_fd(stdin_fd_);
  process_result outcome;
  auto deadline = clock_type::now() + timeout;
  int status = 0;
  while (true) {
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) break;
    if (got < 0 && errno != EINTR) break;
    if (clock_type::now() >= deadline) {
      outcome.timed_out = true;
      ::kill(-pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  // Both streams share the memory file, in the order the child wrote them.
  outcome.standard_output = read_output(outcome.output_truncated);
  close_fds();
  return outcome;
}

void fed_process::abort() {
  if (pid_ >= 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  close_fds();
}

}  // namespace deshim
