#include "analyze/docker_engine_client.h"

#include <curl/curl.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "analyze/curl_global.h"
#include "common/json_document.h"

namespace deshim::analyze {
namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

/// What `stream` hands libcurl: the caller's sink, and what stopped it.
struct stream_target {
  CURL* curl = nullptr;
  const std::function<result<void>(std::string_view)>* sink = nullptr;
  std::optional<deshim::error> sink_error;
  std::string error_body;  ///< the body of a non-2xx answer, for its message
};

std::size_t pass_to_sink(char* data, std::size_t size, std::size_t count, void* opaque) {
  auto* target = static_cast<stream_target*>(opaque);
  long status = 0;
  curl_easy_getinfo(target->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    if (target->error_body.size() < 65536) target->error_body.append(data, size * count);
    return size * count;
  }
  auto passed = (*target->sink)(std::string_view(data, size * count));
  if (!passed) {
    target->sink_error = passed.error();
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  return size * count;
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
  init_curl_once();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return environment_error("libcurl could not start a request");
  std::string body;
  std::string url = "http://localhost" + url_path;
  char message[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    // curl speaks of "localhost port 80" even over a unix socket; name the socket instead.
    std::string why = message[0] ? message : curl_easy_strerror(code);
    if (code == CURLE_COULDNT_CONNECT) {
      std::error_code failed;
      why =
          std::filesystem::exists(socket_, failed)
              ? "cannot connect to " + socket_ + " (is dockerd running, and may this user use it?)"
              : socket_ + " does not exist";
    }
    return environment_error(
        "the Docker daemon at " + endpoint_ + " does not answer (GET " + url_path + "): " + why, {},
        "start dockerd, point --docker-host at its socket, or leave --docker-host out to "
        "analyse files only");
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return environment_error("the Docker daemon at " + endpoint_ + " answered GET " + url_path +
                             " with HTTP " + std::to_string(status) + ": " + daemon_message(body));
  }
  auto parsed = parse_json_document(body, "docker API GET " + url_path);
  if (!parsed) {
    return environment_error("the Docker daemon at " + endpoint_ + " sent invalid JSON for GET " +
                             url_path + ": " + parsed.error().message());
  }
  return parsed;
}

result<void> docker_engine_client::stream(
    const std::string& path, const std::function<result<void>(std::string_view)>& sink) const {
  init_curl_once();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return environment_error("libcurl could not start a request");
  std::string url_path = api_version_.empty() ? path : "/v" + api_version_ + path;
  std::string url = "http://localhost" + url_path;
  stream_target target{curl.get(), &sink, std::nullopt, {}};
  char message[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &pass_to_sink);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &target);
  // Larger reads than libcurl's 16 KiB default: fewer calls into the sink for gigabytes.
  curl_easy_setopt(curl.get(), CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  // An export of gigabytes takes as long as it takes; a stalled one does not.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(curl.get());
  if (target.sink_error) return *target.sink_error;
  if (code != CURLE_OK) {
    std::string why = message[0] ? message : curl_easy_strerror(code);
    return environment_error(
        "the Docker daemon at " + endpoint_ + " stopped answering GET " + url_path + ": " + why, {},
        "check that dockerd is running, then run the command again");
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return environment_error("the Docker daemon at " + endpoint_ + " answered GET " + url_path +
                             " with HTTP " + std::to_string(status) + ": " +
                             daemon_message(target.error_body));
  }
  return {};
}

}  // namespace deshim::analyze
