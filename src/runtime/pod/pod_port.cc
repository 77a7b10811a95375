#include "runtime/pod/pod_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace deshim::runtime {

namespace {

/// Connects to 127.0.0.1:port, then [::1]:port; the errno of the last try on failure.
int connect_localhost(int32_t port, int& failure) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(static_cast<uint16_t>(port));
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(static_cast<uint16_t>(port));
  v6.sin6_addr = in6addr_loopback;
  const std::pair<sockaddr*, socklen_t> tries[] = {{reinterpret_cast<sockaddr*>(&v4), sizeof(v4)},
                                                   {reinterpret_cast<sockaddr*>(&v6), sizeof(v6)}};
  for (const auto& [address, length] : tries) {
    int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      failure = errno;
      continue;
    }
    if (::connect(fd, address, length) == 0) return fd;
    failure = errno;
    ::close(fd);
  }
  return -1;
}

}  // namespace

result<sandbox_record> find_forwardable_pod(pod_context& context, const std::string& pod_id) {
  auto pod = context.find_sandbox(pod_id);
  if (!pod) {
    return error(error_kind::not_found, "pod sandbox " + pod_id + " does not exist",
                 {"", 0, 0, "pod_sandbox_id"}, "list the pods with `deshim cri pods`");
  }
  if (pod->state != sandbox_state::ready) {
    return invalid_input("pod sandbox " + pod->id + " is not ready", {"", 0, 0, "pod_sandbox_id"},
                         "port-forward needs a running pod");
  }
  return *pod;
}

result<int> connect_pod_port(pod_context& context, const std::string& pod_id, int32_t port) {
  auto pod = find_forwardable_pod(context, pod_id);
  if (!pod) return pod.error();
  if (port <= 0 || port > 65535)
    return invalid_input("port " + std::to_string(port) + " is not a TCP port", {"", 0, 0, "port"});
  int failure = 0;
  int fd = -1;
  std::string join_error;
  if (pod->netns_path.empty()) {
    fd = connect_localhost(port, failure);
  } else {
    std::thread inside([&] {
      int ns = ::open(pod->netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
        join_error = "cannot join the pod's network namespace " + pod->netns_path + ": " +
                     std::strerror(errno);
        if (ns >= 0) ::close(ns);
        return;
      }
      ::close(ns);
      // This thread ends in the pod's namespace; no other work runs on it.
      fd = connect_localhost(port, failure);
    });
    inside.join();
  }
  if (!join_error.empty()) return environment_error(join_error);
  if (fd < 0) {
    return environment_error("cannot connect to localhost:" + std::to_string(port) + " in pod " +
                                 pod->id + ": " + std::strerror(failure),
                             {}, "check that the pod listens on that port");
  }
  return fd;
}

}  // namespace deshim::runtime
