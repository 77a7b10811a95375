#include "harness/registry_daemon.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/atomic_write.h"
#include "harness/http_get.h"
#include "harness/readiness.h"

namespace deshim::testing {

result<int> pick_free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return environment_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return environment_error("cannot bind a loopback port: " + why);
  }
  ::close(fd);
  return static_cast<int>(ntohs(address.sin_port));
}

namespace {

/// `name:bcrypt(password)`, the only htpasswd format the registry accepts.
result<std::string> htpasswd_line(const registry_user& user) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE] = {};
  if (::crypt_gensalt_rn("$2b$", 5, nullptr, 0, salt, sizeof(salt)) == nullptr)
    return environment_error(std::string("crypt_gensalt: ") + std::strerror(errno));
  crypt_data data{};
  const char* hash = ::crypt_rn(user.password.c_str(), salt, &data, sizeof(data));
  if (hash == nullptr || hash[0] == '*')
    return environment_error(std::string("bcrypt failed: ") + std::strerror(errno));
  return user.name + ":" + hash + "\n";
}

}  // namespace

result<registry_daemon> registry_daemon::start(const registry_options& options) {
  auto folder = temp_folder::create(options.name);
  if (!folder) return folder.error();
  registry_daemon daemon(std::move(*folder));
  std::error_code failure;
  std::filesystem::create_directories(daemon.storage_path(), failure);
  if (failure) return environment_error("cannot create " + daemon.storage_path().string());
  if (!options.copy_storage_from.empty()) {
    std::filesystem::copy(options.copy_storage_from, daemon.storage_path(),
                          std::filesystem::copy_options::recursive, failure);
    if (failure) {
      return environment_error("cannot copy " + options.copy_storage_from.string() + ": " +
                               failure.message());
    }
  }
  std::string auth_section;
  if (options.user) {
    auto line = htpasswd_line(*options.user);
    if (!line) return line.error();
    if (auto written = write_file_atomically(daemon.htpasswd_path(), *line); !written)
      return written.error();
    auth_section =
        "auth:\n  htpasswd:\n    realm: deshim-test\n    path: " + daemon.htpasswd_path().string() +
        "\n";
  }

  std::string last_failure;
  for (int attempt = 0; attempt < options.port_attempts; ++attempt) {
    auto port = pick_free_loopback_port();
    if (!port) return port.error();
    daemon.port_ = *port;
    const std::string config =
        "version: 0.1\n"
        "log:\n"
        "  level: info\n"
        "storage:\n"
        "  filesystem:\n"
        "    rootdirectory: " +
        daemon.storage_path().string() +
        "\n"
        "  delete:\n"
        "    enabled: true\n"
        "http:\n"
        "  addr: " +
        daemon.address() + "\n" + auth_section;
    if (auto written = write_file_atomically(daemon.config_path(), config); !written) {
      return written.error();
    }
    auto process = child_process::start({"docker-registry", "serve", daemon.config_path().string()},
                                        daemon.log_path());
    if (!process) return process.error();
    daemon.process_.emplace(std::move(*process));

    const std::string address = daemon.address();
    auto outcome = wait_until(
        [&] {
          auto answer = http_get(address, "/v2/", std::chrono::seconds(2));
          // With auth, the 401 that asks for it is the answer of a ready registry.
          return answer && (answer->status == 200 || (options.user && answer->status == 401));
        },
        [&] { return daemon.process_->running(); }, options.ready_timeout);
    if (outcome == wait_outcome::ready) return daemon;

    std::string tail = log_tail(daemon.log_path());
    daemon.process_->stop(std::chrono::seconds(5));
    daemon.process_.reset();
    last_failure = (outcome == wait_outcome::gave_up
                        ? "docker-registry exited before it answered on " + address
                        : "docker-registry did not answer GET /v2/ on " + address + " within " +
                              std::to_string(options.ready_timeout.count()) + " ms") +
                   "\n" + tail;
    // Only a lost race for the port is worth another try.
    if (outcome != wait_outcome::gave_up ||
        tail.find("address already in use") == std::string::npos) {
      break;
    }
  }
  return environment_error(last_failure);
}

registry_daemon::registry_daemon(registry_daemon&& other) noexcept
    : folder_(std::move(other.folder_)),
      process_(std::move(other.process_)),
      port_(other.port_),
      owns_(std::exchange(other.owns_, false)) {
  other.process_.reset();
}

registry_daemon& registry_daemon::operator=(registry_daemon&& other) noexcept {
  if (this != &other) {
    (void)stop_and_remove();
    folder_ = std::move(other.folder_);
    process_ = std::move(other.process_);
    other.process_.reset();
    port_ = other.port_;
    owns_ = std::exchange(other.owns_, false);
  }
  return *this;
}

registry_daemon::~registry_daemon() {
  (void)stop_and_remove();
}

result<void> registry_daemon::stop() {
  if (!owns_) return {};
  if (process_) {
    process_->stop(std::chrono::seconds(10));
    process_.reset();
  }
  return {};
}

result<void> registry_daemon::stop_and_remove() {
  if (!owns_) return {};
  auto stopped = stop();
  auto removed = folder_.remove();
  if (!stopped) return stopped;
  return removed;
}

}  // namespace deshim::testing
