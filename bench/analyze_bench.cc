// Benchmark of `deshim analyze` on a big workload List, side by side with jq.
//
// Generates a realistic `kubectl get pods -A -o json` List (1 GiB by default), then runs, one
// after the other on the same file: the full `deshim analyze` (every built-in rule, JSON
// report, on an otherwise empty node), deshim's workloads reader alone (bench/workloads_probe),
// and jq answering only "which pods mount docker.sock as a hostPath". Each runs as a child
// process; wall time comes from a monotonic clock, peak memory from wait4's ru_maxrss. Prints
// them, the throughput ratios, whether all three name the same pods, and whether the targets
// hold for the full analyze: peak RSS under 100 MiB and at least 10x jq's throughput. Exit 0
// when they hold, 1 when not, 2 on a usage or setup failure.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pod_list_generator.h"

namespace {

struct measured {
  double seconds = 0;
  double peak_rss_mib = 0;
  int exit_status = -1;
  std::string output;
};

/// Runs argv with stdout captured, waiting with wait4 for its resource usage.
measured run_measured(const std::vector<std::string>& argv) {
  measured out;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return out;
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(pipe_fds[1]);
  char buffer[65536];
  ssize_t got;
  while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0)
    out.output.append(buffer, got);
  close(pipe_fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.peak_rss_mib = usage.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
  out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

std::size_t lines_in(const std::string& text) {
  std::size_t count = 0;
  for (char c : text)
    count += c == '\n';
  return count;
}

/// `namespace/name` of every pod the report says mounts Docker's socket, one per line, sorted
/// (jq's and the probe's answer, in the same form).
std::string socket_pods_in_report(const std::string& report_json) {
  std::set<std::string> pods;
  auto report = nlohmann::json::parse(report_json, nullptr, false);
  if (report.is_discarded() || !report.contains("findings")) return "(no report)\n";
  for (const auto& found : report["findings"]) {
    if (found.value("rule", "") != "docker-api-socket-hostpath") continue;
    // The subject is `namespace/Pod/name container "c"`.
    std::string subject = found.value("subject", "");
    std::string object = subject.substr(0, subject.find(' '));
    auto first = object.find('/');
    auto second = object.find('/', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    pods.insert(object.substr(0, first) + "/" + object.substr(second + 1));
  }
  std::string out;
  for (const auto& pod : pods)
    out += pod + "\n";
  return out;
}

std::string sorted_lines(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.insert(line);
  std::string out;
  for (const auto& line : lines)
    out += line + "\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t size = std::uint64_t{1} << 30;
  std::string folder;
  std::string probe = PROBE_BINARY;
  std::string deshim = DESHIM_BINARY;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--size" && i + 1 < argc) {
      size = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--dir" && i + 1 < argc) {
      folder = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: analyze_bench [--size BYTES] [--dir FOLDER] [--keep]\n");
      return 2;
    }
  }
  if (folder.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "deshim-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      return 2;
    }
    folder = pattern;
  }
  std::string file = folder + "/pods.json";
  // The node under --root is empty: the rules' work is all in the workloads.
  std::string empty_node = folder + "/node";
  std::filesystem::create_directories(empty_node);

  std::printf("generating %.1f MiB of pods into %s ...\n", size / 1048576.0, file.c_str());
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (!out) {
    std::perror(file.c_str());
    return 2;
  }
  auto generated = deshim::bench::generate_pod_list(out, size);
  // Written to disk before anything is timed: the kernel's writeback of a fresh 1 GiB file
  // would otherwise compete with the first run for CPU and I/O.
  std::fflush(out);
  fsync(fileno(out));
  std::fclose(out);
  double mib = generated.bytes / 1048576.0;
  std::printf("  %llu pods, %.1f MiB, %llu mount docker.sock\n",
              static_cast<unsigned long long>(generated.pods), mib,
              static_cast<unsigned long long>(generated.docker_socket_pods));

  const std::string jq_filter =
      R"jq(.items[] | select(any(.spec.volumes[]?; (.hostPath.path? // "") | endswith("docker.sock"))) | "\(.metadata.namespace)/\(.metadata.name)")jq";
  // Warm the page cache so neither run pays for the first read from disk.
  run_measured({"cat", file});
  auto analyze_run = run_measured({deshim, "analyze", "--root", empty_node, "--workloads", file,
                                   "-o", "json", "--fail-on", "never"});
  std::string analyze_report = analyze_run.output;
  analyze_run.output = socket_pods_in_report(analyze_report);
  auto deshim_run = run_measured({probe, file});
  auto jq_run = run_measured({"jq", "-r", jq_filter, file});

  auto row = [&](const char* name, const measured& m) {
    std::printf("  %-26s %8.2f s %9.1f MiB/s %9.1f MiB peak RSS  %zu pods found  (exit %d)\n", name,
                m.seconds, mib / m.seconds, m.peak_rss_mib, lines_in(m.output), m.exit_status);
  };
  std::printf("\nresults on %.1f MiB:\n", mib);
  row("deshim analyze (all rules)", analyze_run);
  row("deshim workloads reader", deshim_run);
  row("jq (docker.sock only)", jq_run);
  double ratio = jq_run.seconds / analyze_run.seconds;
  std::printf("  throughput ratio deshim analyze/jq: %.1fx\n", ratio);
  std::printf("  throughput ratio workloads reader/jq: %.1fx\n",
              jq_run.seconds / deshim_run.seconds);

  std::string jq_answer = sorted_lines(jq_run.output);
  bool same = analyze_run.output == jq_answer && sorted_lines(deshim_run.output) == jq_answer;
  bool ok = analyze_run.exit_status == 0 && deshim_run.exit_status == 0 &&
            jq_run.exit_status == 0 && same &&
            lines_in(analyze_run.output) == generated.docker_socket_pods;
  bool rss_ok = analyze_run.peak_rss_mib < 100;
  bool ratio_ok = ratio >= 10;
  std::printf("\n  answers agree: %s\n", same ? "yes" : "NO");
  std::printf("  deshim analyze peak RSS under 100 MiB: %s\n", rss_ok ? "yes" : "NO");
  std::printf("  at least 10x jq's throughput: %s\n", ratio_ok ? "yes" : "NO");
  if (!keep) {
    std::filesystem::remove_all(folder);
  } else {
    std::printf("  kept %s\n", file.c_str());
  }
  return ok && rss_ok && ratio_ok ? 0 : 1;
}
