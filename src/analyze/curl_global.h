// libcurl's process-wide setup, shared by the analyzer's HTTP clients (the Docker Engine API over
// its unix socket, the Kubernetes API server over HTTPS).
#pragma once

#include <curl/curl.h>

namespace deshim::analyze {

/// curl_global_init is not thread-safe; it runs once, before the first handle.
inline void init_curl_once() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

}  // namespace deshim::analyze
