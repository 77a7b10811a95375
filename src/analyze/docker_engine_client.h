// A small Docker Engine API client: HTTP GET over dockerd's unix socket (common/http).
//
// Only reads: deshim never changes the daemon it analyses (`migrate carry-images` reads images
// out of it with `stream`). The API version is negotiated once
// (`GET /version`, then every path is sent as `/v<ApiVersion>/...`), so an old dockerd is asked
// in the dialect it speaks.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::analyze {

/// The socket path of a `--docker-host` value: `unix:///var/run/docker.sock` or a bare absolute
/// path. `tcp://` and other schemes are a usage error (deshim reads the node it runs on).
result<std::string> docker_socket_path(const std::string& docker_host);

class docker_engine_client {
 public:
  /// Connects lazily; `docker_host` as given on the command line.
  static result<docker_engine_client> open(const std::string& docker_host);

  /// `GET /version` (unversioned), and remembers its ApiVersion for later calls.
  result<nlohmann::json> negotiate();
  /// `GET /v<api>/<path>`; `path` starts with '/'. A daemon that does not answer is an
  /// environment error; a non-2xx status names the status and the daemon's message.
  result<nlohmann::json> get(const std::string& path) const;

  /// `GET /v<api>/<path>` whose body is handed to `sink` as it arrives (an image export: a
  /// tar stream of any size). A sink error stops the transfer and is returned as is. No total
  /// time limit; a daemon that sends nothing for a minute is an error.
  result<void> stream(const std::string& path,
                      const std::function<result<void>(std::string_view)>& sink) const;

  const std::string& api_version() const { return api_version_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  docker_engine_client(std::string endpoint, std::string socket)
      : endpoint_(std::move(endpoint)), socket_(std::move(socket)) {}
  result<nlohmann::json> request(const std::string& url_path) const;

  std::string endpoint_;
  std::string socket_;
  std::string api_version_;
};

}  // namespace deshim::analyze
