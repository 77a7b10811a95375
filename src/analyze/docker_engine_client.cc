#include "analyze/docker_engine_client.h"

#include <filesystem>
#include <system_error>

#include "common/http/client.h"
#include "common/json_document.h"

namespace deshim::analyze {
namespace {

/// A request to dockerd's socket: the URL's host is only the Host header.
http::request engine_request(const std::string& socket, const std::string& url_path) {
  http::request request;
  request.url = "http://localhost" + url_path;
  request.unix_socket = socket;
  request.connect_timeout = std::chrono::milliseconds(5000);
  request.use_proxy_environment = false;
  return request;
}

/// dockerd's `{"message": "..."}` error body, or the body itself.
std::string daemon_message(const std::string& body) {
  std::string detail = body;
  try {
    auto parsed = nlohmann::json::parse(body);
    if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
      detail = parsed["message"].get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
  }
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
    detail.pop_back();
  return detail;
}

}  // namespace

result<std::string> docker_socket_path(const std::string& docker_host) {
  if (docker_host.rfind("unix://", 0) == 0) {
    std::string path = docker_host.substr(7);
    if (path.empty() || path[0] != '/') {
      return deshim::error(error_kind::usage, "--docker-host " + docker_host + ": no socket path",
                           {"", 0, 0, "--docker-host"}, "write it as unix:///var/run/docker.sock");
    }
    return path;
  }
  if (!docker_host.empty() && docker_host[0] == '/') return docker_host;
  return deshim::error(
      error_kind::usage, "--docker-host " + docker_host + ": only unix sockets are supported",
      {"", 0, 0, "--docker-host"},
      "run deshim on the node and pass unix:///var/run/docker.sock (a tcp:// daemon is itself a "
      "finding: dockerd listening on TCP is reported from daemon.json and its flags)");
}

result<docker_engine_client> docker_engine_client::open(const std::string& docker_host) {
  auto socket = docker_socket_path(docker_host);
  if (!socket) return socket.error();
  std::string endpoint = docker_host.rfind("unix://", 0) == 0 ? docker_host : "unix://" + *socket;
  return docker_engine_client(endpoint, *socket);
}

result<nlohmann::json> docker_engine_client::negotiate() {
  auto version = request("/version");
  if (!version) return version.error();
  auto api = version->find("ApiVersion");
  if (api == version->end() || !api->is_string()) {
    return environment_error("the Docker daemon at " + endpoint_ +
                             " answered /version without an ApiVersion");
  }
  api_version_ = api->get<std::string>();
  return version;
}

result<nlohmann::json> docker_engine_client::get(const std::string& path) const {
  if (api_version_.empty()) return request(path);
  return request("/v" + api_version_ + path);
}

result<nlohmann::json> docker_engine_client::request(const std::string& url_path) const {
  http::request request = engine_request(socket_, url_path);
  request.total_timeout = std::chrono::milliseconds(60000);
  http::failure failed;
  // dockerd's JSON answers are small; a few hundred megabytes would be a broken daemon.
  auto answer = http::perform_buffered(request, std::size_t{256} << 20, &failed);
  if (!answer) {
    std::string why = failed.reason.empty() ? answer.error().message() : failed.reason;
    if (failed.stage == http::failure_stage::connect) {
      std::error_code missing;
      why =
          std::filesystem::exists(socket_, missing)
              ? "cannot connect to " + socket_ + " (is dockerd running, and may this user use it?)"
              : socket_ + " does not exist";
    }
    return environment_error(
        "the Docker daemon at " + endpoint_ + " does not answer (GET " + url_path + "): " + why, {},
        "start dockerd, point --docker-host at its socket, or leave --docker-host out to "
        "analyse files only");
  }
  if (answer->status < 200 || answer->status >= 300) {
    return environment_error("the Docker daemon at " + endpoint_ + " answered GET " + url_path +
                             " with HTTP " + std::to_string(answer->status) + ": " +
                             daemon_message(answer->body));
  }
  auto parsed = parse_json_document(answer->body, "docker API GET " + url_path);
  if (!parsed) {
    return environment_error("the Docker daemon at " + endpoint_ + " sent invalid JSON for GET " +
                             url_path + ": " + parsed.error().message());
  }
  return parsed;
}

result<void> docker_engine_client::stream(
    const std::string& path, const std::function<result<void>(std::string_view)>& sink) const {
  std::string url_path = api_version_.empty() ? path : "/v" + api_version_ + path;
  http::request request = engine_request(socket_, url_path);
  // An export of gigabytes takes as long as it takes; a stalled one does not.
  request.idle_timeout = std::chrono::milliseconds(60000);
  std::string error_body;  // the body of a non-2xx answer, for its message
  http::failure failed;
  auto head = http::perform(
      request,
      [&](const http::response_head& answer, std::string_view data) -> result<void> {
        if (answer.status < 200 || answer.status >= 300) {
          if (error_body.size() < 65536) error_body.append(data);
          return {};
        }
        return sink(data);
      },
      &failed);
  if (!head) {
    if (failed.stage == http::failure_stage::sink) return head.error();
    return environment_error("the Docker daemon at " + endpoint_ + " stopped answering GET " +
                                 url_path + ": " + failed.reason,
                             {}, "check that dockerd is running, then run the command again");
  }
  if (head->status < 200 || head->status >= 300) {
    return environment_error("the Docker daemon at " + endpoint_ + " answered GET " + url_path +
                             " with HTTP " + std::to_string(head->status) + ": " +
                             daemon_message(error_body));
  }
  return {};
}

}  // namespace deshim::analyze
