#include "analyze/api_server_pods.h"

#include "common/http/client.h"
#include "common/http/url.h"
#include "common/json_document.h"

namespace deshim::analyze {
namespace {

/// `object[key]` when it is a string, else empty (a wrong type is not this reader's to throw on).
std::string string_member(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// What a person does about an error answer, by its HTTP status.
std::string hint_for_status(int status) {
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
error status_error(const api_server_access& access, const std::string& request, int status,
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
  http::request get;
  get.url = access.server + request;
  get.headers.emplace_back("Accept", "application/json");
  if (!access.bearer_token.empty())
    get.headers.emplace_back("Authorization", "Bearer " + access.bearer_token);
  get.connect_timeout = std::chrono::milliseconds(10000);
  get.total_timeout = std::chrono::milliseconds(120000);
  get.accept_gzip =
      true;  // a page of 500 pods is megabytes of JSON; gzip when the server offers it
  get.tls.ca_pem = access.ca_pem;
  get.tls.insecure_skip_verify = access.insecure_skip_tls_verify;
  get.tls.client_certificate_pem = access.client_certificate_pem;
  get.tls.client_key_pem = access.client_key_pem;
  // Verify the certificate for tls-server-name while connecting to the server's address.
  get.tls.server_name = access.tls_server_name;
  http::failure failed;
  auto answer = http::perform_buffered(get, max_api_page_bytes, &failed);
  if (!answer && failed.stage == http::failure_stage::size) {
    return environment_error("the API server " + access.server + " sent more than " +
                             std::to_string(max_api_page_bytes >> 20) + " MiB for GET " + request);
  }
  if (!answer) {
    return environment_error("the API server " + access.server + " (from " + access.source +
                                 ") does not answer GET " + request + ": " +
                                 (failed.reason.empty() ? answer.error().message() : failed.reason),
                             {}, hint_for_status(0));
  }
  if (answer->status < 200 || answer->status >= 300)
    return status_error(access, request, answer->status, answer->body);
  auto parsed = parse_json_document(answer->body, "GET " + request);
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
  const std::string list =
      "/api/v1/pods?fieldSelector=" + http::escape_query_value("spec.nodeName=" + node_name) +
      "&limit=" + std::to_string(page_size);
  api_pods_read read;
  std::string continue_token;
  do {
    std::string request = list;
    if (!continue_token.empty()) {
      request += "&continue=" + http::escape_query_value(continue_token);
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
