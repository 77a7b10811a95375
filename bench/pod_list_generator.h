// Generates a realistic `kubectl get pods -A -o json` List of a given size, for the analyze
// benchmark: pods with several containers, env, probes, resources, labels and annotations,
// ownerReferences, managedFields and status, projected service-account volumes, and some
// hostPath volumes (a few of them Docker's socket), printed with kubectl's 4-space indent.
#pragma once

#include <cstdint>
#include <cstdio>

namespace deshim::bench {

struct generated_list {
  std::uint64_t bytes = 0;
  std::uint64_t pods = 0;
  std::uint64_t docker_socket_pods = 0;  ///< pods with a hostPath volume of docker.sock, mounted
};

/// Writes pods to `out` until at least `target_bytes` are written. Deterministic for a `seed`.
generated_list generate_pod_list(std::FILE* out, std::uint64_t target_bytes,
                                 std::uint32_t seed = 1);

}  // namespace deshim::bench
