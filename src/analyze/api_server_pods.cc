#include "analyze/api_server_pods.h"

#include <curl/curl.h>

#include <memory>

#include "analyze/curl_global.h"
#include "common/json_document.h"

namespace deshim::analyze {
namespace {

using curl_handle = std::unique_ptr<CURL, void (*)(CURL*)>;

/// `object[key]` when it is a string, else empty (a wrong type is not this reader's to throw on).
std::string string_member(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}
using header_list = std::unique_ptr<curl_slist, void (*)(curl_slist*)>;

struct page_body {
  std::string text;
  bool too_large = false;
};

std::size_t append_page(char* data, std::size_t size, std::size_t count, void* target) {
  auto* body = static_cast<page_body*>(target);
  if (body->text.size() + size * count > max_api_page_bytes) {
    body->too_large = true;
    return 0;  // libcurl stops the transfer with CURLE_WRITE_ERROR
  }
  body->text.append(data, size * count);
  return size * count;
}

std::string escaped(CURL* curl, const std::string& text) {
  std::unique_ptr<char, void (*)(void*)> out(
      curl_easy_escape(curl, text.c_str(), static_cast<int>(text.size())), &curl_free);
  return out ? std::string(out.get()) : std::string();
}

/// host and port of `server` (https://host[:port]), for CURLOPT_CONNECT_TO.
std::pair<std::string, std::string> host_and_port(const std::string& server) {
  std::string rest = server.substr(server.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    return {rest.substr(0, colon), rest.substr(colon + 1)};
  }
  return {rest, server.starts_with("https://") ? "443" : "80"};
}

void set_blob(CURL* curl, CURLoption option, const std::string& bytes) {
  curl_blob blob{const_cast<char*>(bytes.data()), bytes.size(), CURL_BLOB_COPY};
  curl_easy_setopt(curl, option, &blob);
}

/// What a person does about an error answer, by its HTTP status.
std::string hint_for_status(long status) {
  switch (status) {
    case 401:
      return "the API server refused the credentials: check the kubeconfig's user (token or "
             "client certificate), or the pod's service account token";
    case 403:
      return "the user may not list pods: grant it `list` on `pods` at the cluster scope (a "
             "ClusterRole with resources: [pods], verbs: [list], and a ClusterRoleBinding)";
    case 410:
      return "the pod list changed for longer than a continue token lives (5 minutes by "
             "default) before the last page was read: run deshim again";
    default:
      return "check the API server's address and health (`kubectl get --raw /readyz`)";
  }
}

/// The error for a non-2xx answer: the API's Status message when the body is one.
error status_error(const api_server_access& access, const std::string& request, long status,
                   const std::string& body) {
  std::string detail = body.substr(0, 512);
  try {
    auto parsed = nlohmann::json::parse(body);
    if (parsed.is_object() && string_member(parsed, "kind") == "Status") {
      detail = string_member(parsed, "message");
      if (auto reason = string_member(parsed, "reason"); !reason.empty()) {
        detail += " (reason " + reason + ")";
      }
    }
  } catch (const nlohmann::json::exception&) {
    // Not JSON (a proxy's page): the start of the body is the best detail there is.
  }
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
    detail.pop_back();
  return environment_error("the API server " + access.server + " answered GET " + request +
                               " with HTTP " + std::to_string(status) + ": " + detail,
                           {}, hint_for_status(status));
}

/// One GET of `request` (a path and query); the parsed body of a 2xx answer.
result<nlohmann::json> get_json(const api_server_access& access, const std::string& request) {
  init_curl_once();
  curl_handle curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return environment_error("libcurl could not start a request");
  std::string server = access.server;
  std::string connect_to;
  curl_slist* connect_list = nullptr;
  header_list connect_holder(nullptr, &curl_slist_free_all);
  if (!access.tls_server_name.empty()) {
    // Verify the certificate for tls-server-name while connecting to the server's address:
    // ask for the name, and tell libcurl where the name really is.
    auto [host, port] = host_and_port(access.server);
    server = "https://" + access.tls_server_name + ":" + port;
    connect_to = access.tls_server_name + ":" + port + ":" + host + ":" + port;
    connect_list = curl_slist_append(nullptr, connect_to.c_str());
    connect_holder.reset(connect_list);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECT_TO, connect_list);
  }
  const std::string url = server + request;
  page_body body;
  char message[CURL_ERROR_SIZE] = {0};
  header_list headers(curl_slist_append(nullptr, "Accept: application/json"), &curl_slist_free_all);
  if (!access.bearer_token.empty()) {
    const std::string authorization = "Authorization: Bearer " + access.bearer_token;
    headers.reset(curl_slist_append(headers.release(), authorization.c_str()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &append_page);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 120000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
  if (!access.ca_pem.empty()) set_blob(curl.get(), CURLOPT_CAINFO_BLOB, access.ca_pem);
  if (access.insecure_skip_tls_verify) {
    curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!access.client_certificate_pem.empty()) {
    set_blob(curl.get(), CURLOPT_SSLCERT_BLOB, access.client_certificate_pem);
    curl_easy_setopt(curl.get(), CURLOPT_SSLCERTTYPE, "PEM");
    set_blob(curl.get(), CURLOPT_SSLKEY_BLOB, access.client_key_pem);
    curl_easy_setopt(curl.get(), CURLOPT_SSLKEYTYPE, "PEM");
  }
  CURLcode code = curl_easy_perform(curl.get());
  if (body.too_large) {
    return environment_error("the API server " + access.server + " sent more than " +
                             std::to_string(max_api_page_bytes >> 20) + " MiB for GET " + request);
  }
  if (code != CURLE_OK) {
    return environment_error("the API server " + access.server + " (from " + access.source +
                                 ") does not answer GET " + request + ": " +
                                 (message[0] ? message : curl_easy_strerror(code)),
                             {}, hint_for_status(0));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return status_error(access, request, status, body.text);
  auto parsed = parse_json_document(body.text, "GET " + request);
  if (!parsed) {
    return environment_error("the API server " + access.server + " sent invalid JSON for GET " +
                             request + ": " + parsed.error().describe());
  }
  return parsed;
}

}  // namespace

result<api_pods_read> read_api_server_pods(const api_server_access& access,
                                           const std::string& node_name,
                                           workload_collector& collector, std::size_t page_size) {
  init_curl_once();
  curl_handle escaper(curl_easy_init(), &curl_easy_cleanup);
  if (!escaper) return environment_error("libcurl could not start a request");
  const std::string list =
      "/api/v1/pods?fieldSelector=" + escaped(escaper.get(), "spec.nodeName=" + node_name) +
      "&limit=" + std::to_string(page_size);
  api_pods_read read;
  std::string continue_token;
  do {
    std::string request = list;
    if (!continue_token.empty()) {
      request += "&continue=" + escaped(escaper.get(), continue_token);
    }
    auto page = get_json(access, request);
    if (!page) return page.error();
    ++read.pages;
    if (!page->is_object() || string_member(*page, "kind") != "PodList") {
      return environment_error("the API server " + access.server + " answered GET " + request +
                               " with something other than a PodList");
    }
    if (auto items = page->find("items"); items != page->end() && items->is_array()) {
      read.pods += items->size();
    }
    // The page names itself in findings: the server and the page, as a file would be named.
    object_origin origin{access.server + "/api/v1/pods (node " + node_name + ", page " +
                         std::to_string(read.pages) + ")"};
    if (auto added = collector.add_object(*page, origin); !added) return added.error();
    continue_token.clear();
    if (auto metadata = page->find("metadata"); metadata != page->end() && metadata->is_object()) {
      continue_token = string_member(*metadata, "continue");
    }
  } while (!continue_token.empty());
  return read;
}

}  // namespace deshim::analyze
