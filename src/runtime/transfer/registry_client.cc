#include "runtime/transfer/registry_client.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/http/client.h"
#include "common/http/url.h"
#include "runtime/image/digest.h"

namespace deshim::runtime {
namespace {

constexpr uint64_t max_manifest_size = 4 << 20;

const char* manifest_accept =
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, */*";

/// "HTTP <status>", with what a 401 or 403 means once credentials were offered (a 401 before
/// that was answered with them, or with "asks for credentials").
std::string http_status_text(int status) {
  std::string text = "HTTP " + std::to_string(status);
  if (status == 401) text += " (the registry refused the credentials)";
  if (status == 403) text += " (the registry refused access to the repository)";
  return text;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string escape(const std::string& text) {
  return deshim::http::escape_query_value(text);
}

const char* user_agent = "deshim/0.1 (containerd compatible)";

/// What every request to a registry host shares: TLS as its hosts.toml says, redirects (blobs
/// are often served from object storage elsewhere), the environment's proxy (as libcurl did).
deshim::http::request registry_request(const registry_host& host, const std::string& url) {
  deshim::http::request request;
  request.url = url;
  request.max_redirects = 10;
  request.connect_timeout = std::chrono::seconds(30);
  request.user_agent = user_agent;
  request.tls.insecure_skip_verify = host.skip_verify;
  request.tls.ca_file = host.ca_file;
  return request;
}

}  // namespace

struct registry_client::response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

auth_challenge parse_auth_challenge(const std::string& header) {
  auth_challenge out;
  std::string text = trim(header);
  auto space = text.find(' ');
  out.scheme = text.substr(0, space);
  if (space == std::string::npos) return out;
  size_t i = space + 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ','))
      ++i;
    auto equals = text.find('=', i);
    if (equals == std::string::npos) break;
    std::string key = lower(trim(text.substr(i, equals - i)));
    i = equals + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i++];
      }
      ++i;
    } else {
      auto comma = text.find(',', i);
      value = trim(text.substr(i, comma == std::string::npos ? std::string::npos : comma - i));
      i = comma == std::string::npos ? text.size() : comma;
    }
    out.parameters[key] = value;
  }
  return out;
}

registry_client::registry_client(std::vector<registry_host> hosts, std::string registry,
                                 std::string repository, registry_credentials credentials)
    : hosts_(std::move(hosts)),
      registry_(std::move(registry)),
      repository_(std::move(repository)),
      credentials_(std::move(credentials)) {}

registry_client::~registry_client() = default;

std::string registry_client::url_for(const registry_host& host, const std::string& kind,
                                     const std::string& reference) const {
  std::string url = host.base_url() + "/" + repository_ + "/" + kind + "/" + reference;
  if (host.is_mirror) url += "?ns=" + escape(registry_);
  return url;
}

result<registry_client::response> registry_client::request(const registry_host& host,
                                                           const std::string& url,
                                                           const std::vector<std::string>& headers,
                                                           content_store::writer* sink,
                                                           uint64_t max_body) {
  bool retried_auth = false;
  while (true) {
    deshim::http::request get = registry_request(host, url);
    for (const auto& header : headers)
      get.headers.emplace_back("Accept", header);
    for (const auto& [name, values] : host.headers) {
      for (const auto& value : values)
        get.headers.emplace_back(name, value);
    }
    {
      std::lock_guard lock(mutex_);
      if (auto it = authorization_.find(host.host); it != authorization_.end())
        get.headers.emplace_back("Authorization", it->second);
    }
    // image_pull_progress_timeout: a download that receives nothing for 5 minutes fails.
    get.idle_timeout = std::chrono::seconds(300);
    response out;
    bool sink_failed = false;
    deshim::http::failure failed;
    auto head = deshim::http::perform(
        get,
        [&](const deshim::http::response_head& answer, std::string_view data) -> result<void> {
          if (answer.status == 200 && sink != nullptr) {
            if (!sink->write(data.data(), data.size())) {
              sink_failed = true;
              return environment_error("cannot store the download of " + url);
            }
            return {};
          }
          if (out.body.size() + data.size() > max_body)
            return environment_error(url + " sent more than " + std::to_string(max_body) +
                                     " bytes");
          out.body.append(data);
          return {};
        },
        &failed);
    if (sink_failed) return environment_error("cannot store the download of " + url);
    if (!head) {
      return environment_error("cannot reach " + url + ": " +
                                   (failed.reason.empty() ? head.error().message() : failed.reason),
                               {},
                               host.scheme == "https"
                                   ? "check the registry address; for a plain-HTTP or "
                                     "self-signed registry add a hosts.toml under config_path"
                                   : "check that the registry is running and reachable");
    }
    if (head->status == 401 && !retried_auth) {
      auto header = head->header("www-authenticate");
      if (!header.empty()) {
        auto authorization = authorization_for(host, parse_auth_challenge(header));
        if (!authorization) return authorization.error();
        std::lock_guard lock(mutex_);
        authorization_[host.host] = *authorization;
        retried_auth = true;
        continue;
      }
    }
    out.status = head->status;
    for (const auto& [name, value] : head->headers)
      out.headers.emplace(name, value);
    return out;
  }
}

result<std::string> registry_client::authorization_for(const registry_host& host,
                                                       const auth_challenge& challenge) {
  std::string user_password;
  if (!credentials_.auth.empty()) {
    user_password = credentials_.auth;  // already base64 of user:password
  } else if (!credentials_.username.empty()) {
    user_password =
        deshim::http::basic_credentials(credentials_.username + ":" + credentials_.password);
  }
  std::string scheme = lower(challenge.scheme);
  if (scheme == "basic") {
    if (user_password.empty()) {
      return environment_error("registry " + host.host + " asks for credentials", {},
                               "pass them with the pull (crictl pull --creds USER:PASS)");
    }
    return "Basic " + user_password;
  }
  if (scheme != "bearer")
    return environment_error("registry " + host.host + " uses unsupported auth " +
                             challenge.scheme);
  if (!credentials_.registry_token.empty()) return "Bearer " + credentials_.registry_token;
  auto realm = challenge.parameters.find("realm");
  if (realm == challenge.parameters.end())
    return environment_error("registry " + host.host + " sent a Bearer challenge without realm");
  std::string url = realm->second;
  std::string query;
  if (auto service = challenge.parameters.find("service"); service != challenge.parameters.end())
    query += "service=" + escape(service->second);
  std::string scope = "repository:" + repository_ + ":pull";
  if (auto given = challenge.parameters.find("scope"); given != challenge.parameters.end())
    scope = given->second;
  query += (query.empty() ? "" : "&") + std::string("scope=") + escape(scope);

  deshim::http::request get = registry_request(host, url);
  get.total_timeout = std::chrono::seconds(120);
  if (!credentials_.identity_token.empty()) {
    get.method = "POST";
    get.body = query + "&grant_type=refresh_token&client_id=containerd-client&refresh_token=" +
               escape(credentials_.identity_token);
    get.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else {
    get.url = url + (url.find('?') == std::string::npos ? "?" : "&") + query;
    if (!user_password.empty()) get.headers.emplace_back("Authorization", "Basic " + user_password);
  }
  deshim::http::failure failed;
  auto answer = deshim::http::perform_buffered(get, 1 << 20, &failed);
  if (!answer) {
    return environment_error("cannot reach the token service " + url + ": " +
                             (failed.reason.empty() ? answer.error().message() : failed.reason));
  }
  int status = answer->status;
  if (status == 401 || status == 403) {
    return environment_error("the token service " + url + " refused the credentials (HTTP " +
                                 std::to_string(status) + ")",
                             {}, "check the user name and password given with the pull");
  }
  if (status != 200)
    return environment_error("the token service " + url + " answered HTTP " +
                             std::to_string(status));
  nlohmann::json document = nlohmann::json::parse(answer->body, nullptr, false);
  std::string token;
  if (document.is_object()) {
    if (document.contains("token") && document["token"].is_string())
      token = document["token"].get<std::string>();
    else if (document.contains("access_token") && document["access_token"].is_string())
      token = document["access_token"].get<std::string>();
  }
  if (token.empty()) return environment_error("the token service " + url + " sent no token");
  return "Bearer " + token;
}

result<resolved_manifest> registry_client::resolve(const std::string& tag_or_digest) {
  std::string failures;
  bool by_digest = is_valid_digest(tag_or_digest);
  bool not_found = false;
  for (const auto& host : hosts_) {
    if (!host.can_resolve) continue;
    auto answer = request(host, url_for(host, "manifests", tag_or_digest), {manifest_accept},
                          nullptr, max_manifest_size);
    if (!answer) {
      failures += "\n  " + answer.error().message();
      continue;
    }
    if (answer->status == 404) {
      not_found = true;
      failures += "\n  " + host.base_url() + ": not found";
      continue;
    }
    if (answer->status != 200) {
      failures += "\n  " + host.base_url() + ": " + http_status_text(answer->status);
      continue;
    }
    resolved_manifest out;
    out.body = std::move(answer->body);
    std::string computed = sha256_digest(out.body);
    if (by_digest && computed != tag_or_digest) {
      return invalid_input("the manifest " + host.base_url() + " sent for " + tag_or_digest +
                               " hashes to " + computed,
                           {}, "the registry or a proxy corrupted it");
    }
    nlohmann::json document = nlohmann::json::parse(out.body, nullptr, false);
    if (document.is_discarded() || !document.is_object())
      return invalid_input("the manifest from " + host.base_url() + " is not JSON");
    out.target.media_type = detect_media_type(document);
    if (out.target.media_type.empty()) {
      auto type = answer->headers.find("content-type");
      if (type != answer->headers.end()) out.target.media_type = type->second;
    }
    out.target.digest = computed;
    out.target.size = static_cast<int64_t>(out.body.size());
    return out;
  }
  std::string what = registry_ + "/" + repository_ + (by_digest ? "@" : ":") + tag_or_digest;
  if (not_found) {
    return error(error_kind::not_found, what + " was not found:" + failures, {},
                 "check the name and tag (`docker push` it first, or fix the mirror)");
  }
  return environment_error("cannot resolve " + what + ":" + failures, {},
                           "check the registry address, its hosts.toml, and the network");
}

result<std::string> registry_client::fetch_manifest(const descriptor& target) {
  std::string failures;
  for (const auto& host : hosts_) {
    if (!host.can_pull) continue;
    auto answer = request(host, url_for(host, "manifests", target.digest), {manifest_accept},
                          nullptr, max_manifest_size);
    if (!answer) {
      failures += "\n  " + answer.error().message();
      continue;
    }
    if (answer->status != 200) {
      failures += "\n  " + host.base_url() + ": " + http_status_text(answer->status);
      continue;
    }
    if (sha256_digest(answer->body) != target.digest) {
      return invalid_input("manifest " + target.digest + " from " + host.base_url() +
                           " does not match its digest");
    }
    return std::move(answer->body);
  }
  return environment_error("cannot fetch manifest " + target.digest + ":" + failures);
}

result<void> registry_client::fetch_blob(const content_store& store, const descriptor& blob) {
  if (store.has(blob.digest)) return {};
  std::string failures;
  for (const auto& host : hosts_) {
    if (!host.can_pull) continue;
    auto sink = store.begin_write();
    if (!sink) return sink.error();
    auto answer = request(host, url_for(host, "blobs", blob.digest), {}, &*sink, 64 << 10);
    if (!answer) {
      failures += "\n  " + answer.error().message();
      continue;
    }
    if (answer->status != 200) {
      failures += "\n  " + host.base_url() + ": " + http_status_text(answer->status);
      continue;
    }
    return sink->commit(blob.digest, blob.size);
  }
  return environment_error("cannot fetch blob " + blob.digest + ":" + failures);
}

}  // namespace deshim::runtime
