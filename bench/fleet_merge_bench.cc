// Benchmark of `deshim report merge`: 2,000 node reports (by default) merged into one fleet
// report. The reports are the example node's real report (`deshim analyze -o json` of
// examples/nodes/tke-docker with its workloads), one per node name, with the workload names
// varied so that some workloads repeat across nodes and some do not, and a quarter of the
// nodes made `incomplete` (no kubelet found). Runs `deshim report merge FOLDER -o json` as a
// child process and prints its wall time (monotonic clock) and the size of what it read. Exit 0
// when the merge takes under the target (1 s), 1 when not, 2 on a usage or setup failure.
//
// Usage: fleet_merge_bench [--nodes N] [--dir FOLDER] [--keep]   (run from the repository root)
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

/// Runs argv with stdout into `output_file`; returns the exit status (-1 on a signal).
int run_to_file(const std::vector<std::string>& argv, const fs::path& output_file) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    FILE* out = std::fopen(output_file.c_str(), "w");
    if (out == nullptr) _exit(127);
    dup2(fileno(out), STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Node `index`'s report from the example's: its own name, workloads renamed so that a
/// workload repeats on every 40th node, and every 4th node missing its kubelet.
json node_report(const json& example, int index) {
  json out = example;
  char name[32];
  std::snprintf(name, sizeof name, "node-%04d", index);
  out["node"]["name"] = name;
  out["node"]["node_name"] = name;
  out["node"]["hostname"] = name;
  std::string suffix = "-" + std::to_string(index % 40);
  for (auto& found : out["findings"]) {
    json& target = found["target"];
    if (target["type"] != "workload") continue;
    target["name"] = target["name"].get<std::string>() + suffix;
    found["subject"] = target["namespace"].get<std::string>() + "/" +
                       target["kind"].get<std::string>() + "/" + target["name"].get<std::string>();
  }
  if (index % 4 == 0) {
    json kept = json::array();
    for (auto& found : out["findings"]) {
      if (found["severity"] != "blocker") kept.push_back(found);
    }
    out["findings"] = kept;
    out["verdict"] = "incomplete";
    out["coverage"].push_back({{"input", "kubelet"},
                               {"path", ""},
                               {"detail", "no kubelet found"},
                               {"needed_for_verdict", true}});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 2000;
  fs::path dir = fs::temp_directory_path() / ("deshim-fleet-bench-" + std::to_string(getpid()));
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--nodes" && i + 1 < argc) {
      nodes = std::atoi(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: fleet_merge_bench [--nodes N] [--dir FOLDER] [--keep]\n");
      return 2;
    }
  }
  if (nodes <= 0) {
    std::fprintf(stderr, "fleet_merge_bench: --nodes must be positive\n");
    return 2;
  }
  fs::create_directories(dir / "reports");
  fs::path example_file = dir / "example.json";
  int analyzed =
      run_to_file({DESHIM_BINARY, "analyze", "--root", "examples/nodes/tke-docker", "--workloads",
                   "examples/workloads/tke-docker", "--fail-on", "never", "-o", "json"},
                  example_file);
  if (analyzed != 0) {
    std::fprintf(stderr,
                 "fleet_merge_bench: deshim analyze of the example node failed (%d); run from the "
                 "repository root\n",
                 analyzed);
    return 2;
  }
  json example = json::parse(std::ifstream(example_file));
  std::uintmax_t bytes = 0;
  for (int i = 0; i < nodes; ++i) {
    char file[32];
    std::snprintf(file, sizeof file, "node-%04d.json", i);
    std::string text = node_report(example, i).dump(2) + "\n";
    bytes += text.size();
    std::ofstream(dir / "reports" / file) << text;
  }

  auto start = std::chrono::steady_clock::now();
  int merged =
      run_to_file({DESHIM_BINARY, "report", "merge", (dir / "reports").string(), "-o", "json"},
                  dir / "fleet.json");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (merged != 0) {
    std::fprintf(stderr, "fleet_merge_bench: deshim report merge exited %d\n", merged);
    return 2;
  }
  json fleet = json::parse(std::ifstream(dir / "fleet.json"));
  std::printf("merged %d node reports (%.1f MiB, %zu findings each) in %.3f s\n", nodes,
              static_cast<double>(bytes) / (1024.0 * 1024.0), example["findings"].size(), seconds);
  std::printf("fleet: %s nodes, %zu blocker rules, %zu blocking workloads, %zu incomplete\n",
              fleet["summary"]["nodes"].dump().c_str(), fleet["blockers"].size(),
              fleet["workloads"].size(), fleet["incomplete"].size());
  bool ok = seconds < 1.0 && fleet["summary"]["nodes"] == nodes;
  std::printf("target (under 1 s): %s\n", ok ? "met" : "NOT met");
  if (!keep) fs::remove_all(dir);
  return ok ? 0 : 1;
}
