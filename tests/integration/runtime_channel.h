// A gRPC channel to a `deshim runtime serve` the test just started (or restarted).
//
// Two things every such test needs: a subchannel pool of the channel's own (gRPC's global pool
// would hand a new channel the connection to a server the test just killed, and the first call
// fails with "Broken pipe"), and a wait for a real connection (the socket file appears at
// bind(), a moment before listen(): a call in between is refused, and gRPC then backs off for a
// second).
#pragma once

#include <grpcpp/create_channel.h>

#include <chrono>
#include <memory>
#include <string>

namespace deshim::testing {

/// The connected channel, or nullptr when nothing accepted a connection within 10 s.
inline std::shared_ptr<grpc::Channel> connect_to_runtime(const std::string& socket) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel =
      grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), arguments);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return nullptr;
  }
  return channel;
}

}  // namespace deshim::testing
