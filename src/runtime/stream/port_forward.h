// The port-forward protocol (`kubectl port-forward`, `crictl port-forward`) over one SPDY
// connection: the server side of k8s.io/client-go's portforward (`portforward.k8s.io`).
//
// For each connection it forwards, the client opens two streams with the same `port` and
// `requestid` headers: `streamtype: error` and `streamtype: data`. Once both are open the
// server connects to localhost:PORT inside the pod's network namespace and copies both ways:
// the client's FIN on the data stream half-closes the socket; the socket's end finishes the
// data stream and then the error stream. A connection that fails writes its error on the error
// stream. Many ports and connections share one SPDY connection, each pair on its own thread.
#pragma once

#include <functional>
#include <string>

#include "runtime/stream/spdy_connection.h"
#include "runtime/stream/stream_request.h"

namespace deshim::runtime {

inline constexpr const char* port_forward_v1 = "portforward.k8s.io";

/// Serves one port-forward connection until the client closes it.
void serve_port_forward(spdy::connection& connection, const stream_request& request,
                        stream_backend& backend,
                        const std::function<void(const std::string&)>& log);

}  // namespace deshim::runtime
