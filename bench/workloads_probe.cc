// The workloads reader alone, on one file: reads it into workload facts, then prints each pod
// that mounts Docker's socket as a hostPath (`namespace/name`), the question jq answers in the
// benchmark. Run as a child by analyze_bench, which measures its time and peak memory.
#include <cstdio>

#include "analyze/workload_reader.h"

int main(int argc, char** argv) {
  using namespace deshim::analyze;
  if (argc != 2) {
    std::fprintf(stderr, "usage: workloads_probe FILE\n");
    return 2;
  }
  workload_facts facts;
  workload_collector collector(facts);
  auto read = read_workload_file(argv[1], argv[1], collector);
  if (!read) {
    std::fprintf(stderr, "workloads_probe: %s\n", read.error().describe().c_str());
    return read.error().exit_status();
  }
  for (const auto& item : facts.workloads) {
    bool mounts_socket = false;
    for (const auto& container : item.containers) {
      for (const auto& mount : container.mounts) {
        if (facts.text(mount.host_path).ends_with("docker.sock")) mounts_socket = true;
      }
    }
    if (mounts_socket) {
      std::printf("%s/%s\n", facts.text(item.namespace_name).c_str(),
                  facts.text(item.name).c_str());
    }
  }
  std::fprintf(stderr, "workloads_probe: %zu workloads, %zu distinct strings\n",
               facts.workloads.size(), facts.strings.size());
  return 0;
}
