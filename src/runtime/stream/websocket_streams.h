// Remote command and port-forward over WebSocket: what the kubelet's streaming library serves
// besides SPDY, for clients that speak WebSocket (the Kubernetes client libraries of Python,
// JavaScript, C#, browsers' terminals).
//
// Remote command: subprotocols `v4.channel.k8s.io`, `v4.base64.channel.k8s.io`,
// `channel.k8s.io`, `base64.channel.k8s.io` (none named: binary channels). Channels 0 stdin,
// 1 stdout, 2 stderr, 3 error (the exit status, as over SPDY: a metav1.Status under v4, the
// error text before), 4 resize (one JSON `{"Width":W,"Height":H}` per message). Once upgraded,
// an empty message on the first output channel tells the client the streams are ready. WebSocket
// has no per-channel close, so stdin stays open until the connection closes.
//
// Port-forward: subprotocols `v4.channel.k8s.io`, `v4.base64.channel.k8s.io` (none named:
// binary). The ports are the PortForward call's; port i has data channel 2i and error channel
// 2i+1, and each channel's first message is the port as two bytes, little-endian. One TCP
// connection per port; the WebSocket closes when all of them have ended.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/stream/stream_request.h"

namespace deshim::runtime {

/// Whether `request` asks for a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket).
bool is_websocket_request(
    const boost::beast::http::request<boost::beast::http::empty_body>& request);

/// The subprotocol to answer for `kind` among the client's `offered` (its order wins, as in
/// the kubelet); "" when the client named none; nullopt when none is served.
std::optional<std::string> choose_websocket_protocol(stream_kind kind,
                                                     const std::vector<std::string>& offered);
/// The subprotocols served for `kind`, for messages.
std::vector<std::string> websocket_protocols(stream_kind kind);

/// Upgrades and serves one WebSocket connection (takes `fd`) until the command or the
/// forwarded connections end, or the client leaves. `log` gets one line about how it ended.
void serve_websocket(int fd,
                     const boost::beast::http::request<boost::beast::http::empty_body>& request,
                     const stream_request& found, const std::string& protocol,
                     stream_backend& backend, std::chrono::milliseconds idle_timeout,
                     const std::function<void(const std::string&)>& log);

}  // namespace deshim::runtime
