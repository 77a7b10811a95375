#include "migrate/hand_over.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_write.h"
#include "common/fd_io.h"

namespace deshim::migrate {

std::vector<std::string> hand_over_command(const hand_over_options& options) {
  std::vector<std::string> command = {options.systemd_run,
                                      "--unit",
                                      options.unit,
                                      "--description",
                                      "deshim: switch this node from Docker to containerd",
                                      "--collect",
                                      "--",
                                      options.install_path};
  command.insert(command.end(), options.deshim_args.begin(), options.deshim_args.end());
  return command;
}

result<void> install_on_host(const hand_over_options& options) {
  if (options.install_path.empty() || options.install_path.front() != '/') {
    return invalid_input("--install-path " + options.install_path + " is not an absolute path",
                         {"", 0, 0, "--install-path"});
  }
  std::ifstream in(options.self, std::ios::binary);
  if (!in) return environment_error("cannot read " + options.self + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  const std::filesystem::path target =
      std::filesystem::path(options.host_root) / options.install_path.substr(1);
  std::error_code made;
  std::filesystem::create_directories(target.parent_path(), made);
  if (made) {
    return environment_error("cannot make " + target.parent_path().string() + ": " + made.message(),
                             {}, "mount the host's / read-write at --host-root");
  }
  return write_file_atomically(target, content.str(), 0755);
}

result<void> hand_over(const hand_over_options& options) {
  // The namespace first: a pod without hostPID learns it before hundreds of MB are copied.
  const std::string namespace_file = "/proc/" + std::to_string(options.target_pid) + "/ns/mnt";
  int fd = ::open(namespace_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return environment_error("cannot open " + namespace_file + ": " + std::strerror(errno), {},
                             "run the pod with hostPID: true and privileged: true");
  }
  auto installed = install_on_host(options);
  if (!installed) {
    ::close(fd);
    return installed;
  }
  if (::setns(fd, CLONE_NEWNS) != 0) {
    int saved = errno;
    ::close(fd);
    return environment_error("cannot enter the mount namespace of pid " +
                                 std::to_string(options.target_pid) + ": " + std::strerror(saved),
                             {}, "run the pod with hostPID: true and privileged: true");
  }
  ::close(fd);
  if (::chdir("/") != 0) return environment_error("cannot change to / in the host's namespace");
  auto command = hand_over_command(options);
  auto argv = c_strings(command);
  ::execvp(argv[0], argv.data());
  return environment_error(
      "cannot run " + options.systemd_run + " on the host: " + std::strerror(errno), {},
      "the host needs systemd (systemd-run) for hand-over");
}

}  // namespace deshim::migrate
