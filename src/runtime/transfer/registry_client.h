// A client of the distribution API v2 (what `docker pull` and containerd speak), over
// common/http (with the environment's proxy, as libcurl before it).
//
// It resolves a tag or digest to a manifest and downloads blobs, trying the hosts of
// hosts_config in order (mirrors first, with `resolve` only on hosts that may resolve), and
// answers the registry's challenges: `Bearer` (fetch a token from the realm, with the request's
// credentials when given, cached per scope) and `Basic`. Every byte of a blob goes through the
// content store's writer, which checks its digest.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/config/hosts_config.h"
#include "runtime/image/content_store.h"
#include "runtime/image/image_manifest.h"
#include "runtime/image/image_service.h"

namespace deshim::runtime {

/// A `WWW-Authenticate` challenge: scheme ("Bearer", "Basic") and its parameters.
struct auth_challenge {
  std::string scheme;
  std::map<std::string, std::string> parameters;
};

/// Parses `Bearer realm="https://auth",service="registry",scope="repository:x:pull"`.
auth_challenge parse_auth_challenge(const std::string& header);

struct resolved_manifest {
  descriptor target;  ///< media type, digest and size of the document
  std::string body;
};

class registry_client {
 public:
  registry_client(std::vector<registry_host> hosts, std::string registry, std::string repository,
                  registry_credentials credentials);
  ~registry_client();

  /// GET the manifest for a tag or digest; the digest is checked when the reference names one.
  result<resolved_manifest> resolve(const std::string& tag_or_digest);
  /// A manifest (or index) by digest, checked.
  result<std::string> fetch_manifest(const descriptor& target);
  /// Downloads a blob into the content store (no-op when present), checked.
  result<void> fetch_blob(const content_store& store, const descriptor& blob);

 private:
  struct response;
  result<response> request(const registry_host& host, const std::string& url,
                           const std::vector<std::string>& headers, content_store::writer* sink,
                           uint64_t max_body);
  result<std::string> authorization_for(const registry_host& host, const auth_challenge& challenge);
  std::string url_for(const registry_host& host, const std::string& kind,
                      const std::string& reference) const;

  std::vector<registry_host> hosts_;
  std::string registry_;
  std::string repository_;
  registry_credentials credentials_;
  std::mutex mutex_;
  std::map<std::string, std::string> authorization_;  ///< host -> Authorization header value
};

}  // namespace deshim::runtime
