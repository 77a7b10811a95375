// The pods bound to this node, read from the Kubernetes API server: the same list the kubelet
// itself watches, so a node report covers exactly the pods that will run on containerd.
//
// `GET /api/v1/pods?fieldSelector=spec.nodeName=NODE&limit=500`, then the same with each
// `continue` token the server returns, until it returns none (the API's chunked lists). An error
// answer is reported with the message of the API's Status object: 401 (the credentials were
// refused), 403 (the user may not list pods), 410 (the continue token expired before the last
// page).
#pragma once

#include <cstddef>
#include <string>

#include "analyze/api_server_access.h"
#include "analyze/workload_reader.h"
#include "common/result.h"

namespace deshim::analyze {

/// Pods per page: the API's documented example, and what kubectl asks for.
inline constexpr std::size_t api_pods_page_size = 500;

/// Largest page read; 500 pods are a few megabytes.
inline constexpr std::size_t max_api_page_bytes = 64u << 20;

struct api_pods_read {
  std::size_t pods = 0;  ///< pods in all pages
  int pages = 0;
};

/// Reads every page into `collector`. A failure to connect, a TLS failure or an error answer is
/// an environment error (exit 3) naming the server, the request and the API's message.
result<api_pods_read> read_api_server_pods(const api_server_access& access,
                                           const std::string& node_name,
                                           workload_collector& collector,
                                           std::size_t page_size = api_pods_page_size);

}  // namespace deshim::analyze
