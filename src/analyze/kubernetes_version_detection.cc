#include "analyze/kubernetes_version_detection.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <vector>

#include "analyze/kubelet_reader.h"
#include "common/semver.h"
#include "common/subprocess.h"

namespace deshim::analyze {
namespace {

/// A kubelet is 50 to 200 MB; anything past this is not a kubelet.
constexpr off_t max_binary_size = off_t{1} << 30;
constexpr size_t chunk_size = size_t{4} << 20;
/// Longest version text considered ("v1.24.17-tke.12+abcdef...").
constexpr size_t max_version_length = 64;

bool is_version_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '-' || c == '+' || c == '_';
}

/// `v1.N.M` with an optional `-suffix` or `+build`, nothing else.
bool is_kubernetes_tag(std::string_view text) {
  if (text.size() < 6 || text.substr(0, 3) != "v1.") return false;
  size_t at = 3;
  auto digits = [&] {
    size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9')
      ++at;
    return at > start && at - start <= 3;
  };
  if (!digits() || at >= text.size() || text[at] != '.') return false;
  ++at;
  if (!digits()) return false;
  return at == text.size() || text[at] == '-' || text[at] == '+';
}

/// The version text starting at `at` (up to the first character a version cannot hold).
std::string_view version_text_at(std::string_view data, size_t at) {
  size_t end = at;
  while (end < data.size() && end - at < max_version_length && is_version_char(data[end]))
    ++end;
  return data.substr(at, end - at);
}

/// What one pass over the binary found.
struct binary_scan {
  std::optional<std::string> from_build_info;  ///< `gitVersion=v...` in the recorded ldflags
  std::map<std::string, int> padded;           ///< NUL-delimited `v1.x.y` strings, with counts
};

void scan_chunk(std::string_view data, size_t scan_end, binary_scan& scan) {
  static const std::string_view build_info_key = "gitVersion=";
  for (size_t at = data.find(build_info_key); at != std::string_view::npos && at < scan_end;
       at = data.find(build_info_key, at + 1)) {
    std::string_view version = version_text_at(data, at + build_info_key.size());
    if (!scan.from_build_info && is_kubernetes_tag(version)) {
      scan.from_build_info = std::string(version);
    }
  }
  static const std::string_view padded_start("\0v1.", 4);
  for (size_t at = data.find(padded_start); at != std::string_view::npos && at < scan_end;
       at = data.find(padded_start, at + 1)) {
    std::string_view version = version_text_at(data, at + 1);
    size_t end = at + 1 + version.size();
    if (end < data.size() && data[end] == '\0' && is_kubernetes_tag(version)) {
      ++scan.padded[std::string(version)];
    }
  }
}

/// Reads a regular file in overlapping chunks and hands each to `visit(data, scan_end)`:
/// matches starting before `scan_end` belong to this chunk, later ones come again with the
/// next. False when the file is not a readable regular file of at most `max_binary_size`.
/// O_NONBLOCK: a FIFO in the file's place must not hang the reader.
template <typename Visit>
bool scan_file(const std::filesystem::path& host_path, size_t overlap, Visit visit) {
  int fd = ::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > max_binary_size) {
    ::close(fd);
    return false;
  }
  std::vector<char> buffer(chunk_size + overlap);
  size_t kept = 0;
  for (bool at_end = false; !at_end;) {
    ssize_t got = ::read(fd, buffer.data() + kept, chunk_size);
    if (got < 0 && errno == EINTR) continue;
    at_end = got <= 0;
    size_t filled = kept + static_cast<size_t>(got > 0 ? got : 0);
    size_t scan_end = at_end || filled <= overlap ? filled : filled - overlap;
    if (!visit(std::string_view(buffer.data(), filled), scan_end)) break;
    kept = filled - scan_end;
    std::memmove(buffer.data(), buffer.data() + scan_end, kept);
  }
  ::close(fd);
  return true;
}

}  // namespace

std::optional<std::string> kubernetes_version_in_binary(const std::filesystem::path& host_path,
                                                        std::string* ambiguity) {
  binary_scan scan;
  bool scanned =
      scan_file(host_path, max_version_length + 16, [&](std::string_view data, size_t scan_end) {
        scan_chunk(data, scan_end, scan);
        return true;
      });
  if (!scanned) return std::nullopt;
  if (scan.from_build_info) return scan.from_build_info;
  if (scan.padded.size() == 1) return scan.padded.begin()->first;
  if (scan.padded.size() > 1 && ambiguity != nullptr) {
    for (const auto& [version, count] : scan.padded)
      *ambiguity += (ambiguity->empty() ? "" : ", ") + version;
  }
  return std::nullopt;
}

std::optional<std::string> rpm_package_version_in(std::string_view database,
                                                  std::string_view package, size_t scan_end) {
  const std::string name = std::string(package) + '\0';
  for (size_t at = database.find(name); at != std::string_view::npos && at < scan_end;
       at = database.find(name, at + 1)) {
    // The header's own name starts a string: a printable byte before it means the match is
    // the end of a longer name ("rke2-kubelet").
    if (at > 0 && database[at - 1] >= 0x20 && database[at - 1] < 0x7f) continue;
    size_t version_start = at + name.size();
    size_t version_end = database.find('\0', version_start);
    if (version_end == std::string_view::npos || version_end - version_start > 32) continue;
    std::string_view version = database.substr(version_start, version_end - version_start);
    size_t release_end = database.find('\0', version_end + 1);
    if (release_end == std::string_view::npos || release_end - version_end - 1 > 64) continue;
    std::string_view release = database.substr(version_end + 1, release_end - version_end - 1);
    if (version.empty() || release.empty() || !(version[0] >= '0' && version[0] <= '9')) continue;
    if (!parse_semver(version)) continue;
    if (release.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "._+~") != std::string_view::npos) {
      continue;
    }
    return std::string(version);
  }
  return std::nullopt;
}

const std::vector<std::string>& rpm_database_paths() {
  static const std::vector<std::string> paths = {
      "/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages.db",
      "/var/lib/rpm/Packages"};
  return paths;
}

std::optional<std::string> rpm_package_version(const std::filesystem::path& host_path,
                                               std::string_view package) {
  std::optional<std::string> found;
  scan_file(host_path, 256, [&](std::string_view data, size_t scan_end) {
    found = rpm_package_version_in(data, package, scan_end);
    return !found;
  });
  return found;
}

std::optional<std::pair<std::string, int>> static_pod_version(std::string_view manifest) {
  static const std::regex image(
      "image:\\s*[\"']?\\S*/(kube-apiserver|kube-proxy|kube-controller-manager|kube-scheduler|"
      "hyperkube)(-amd64|-arm64)?:(v[0-9][^\"'\\s]*)");
  int line = 1;
  size_t start = 0;
  while (start <= manifest.size()) {
    size_t end = manifest.find('\n', start);
    if (end == std::string_view::npos) end = manifest.size();
    std::string text(manifest.substr(start, end - start));
    std::smatch match;
    if (std::regex_search(text, match, image)) return std::make_pair(match[3].str(), line);
    ++line;
    start = end + 1;
  }
  return std::nullopt;
}

void detect_kubernetes_version(const rooted_fs& fs, const std::optional<std::string>& given,
                               bool run_binaries, kubelet_facts& kubelet) {
  auto accept = [&](const std::string& text, const std::string& how) {
    auto parsed = parse_semver(text);
    if (!parsed) return false;
    kubelet.kubernetes_version = parsed->to_string();
    kubelet.kubernetes_version_source = how;
    return true;
  };
  if (given && accept(*given, "--kubernetes-version")) return;

  // The kubelet binary: the one the unit runs, else the usual places.
  std::vector<std::string> binaries;
  if (kubelet.executable.rfind('/', 0) == 0) binaries.push_back(kubelet.executable);
  for (const char* path : {"/usr/bin/kubelet", "/usr/local/bin/kubelet"}) {
    if (std::find(binaries.begin(), binaries.end(), path) == binaries.end()) {
      binaries.push_back(path);
    }
  }
  std::vector<std::string> looked_at;
  for (const auto& binary : binaries) {
    if (!fs.exists(binary)) continue;
    if (run_binaries && fs.root() == "/") {
      run_options run;
      run.timeout = std::chrono::seconds(10);
      auto ran = run_process({binary, "--version"}, run);
      if (ran && ran->succeeded() && accept(ran->standard_output, "`" + binary + " --version`")) {
        return;
      }
    }
    auto host = fs.resolve(binary);
    if (!host) continue;
    std::string ambiguity;
    if (auto found = kubernetes_version_in_binary(*host, &ambiguity)) {
      if (accept(*found, "the version linked into " + binary)) return;
    }
    looked_at.push_back(binary +
                        (ambiguity.empty() ? "" : " (several versions: " + ambiguity + ")"));
  }
  if (auto status = fs.read_file_if_exists("/var/lib/dpkg/status"); status && status->has_value()) {
    if (auto found = dpkg_package_version(**status, "kubelet")) {
      if (accept(found->first, "/var/lib/dpkg/status:" + std::to_string(found->second) +
                                   " (kubelet package version)")) {
        return;
      }
    }
    looked_at.push_back("/var/lib/dpkg/status");
  }
  for (const auto& database : rpm_database_paths()) {
    if (!fs.exists(database)) continue;
    auto host = fs.resolve(database);
    if (!host) continue;
    if (auto found = rpm_package_version(*host, "kubelet")) {
      if (accept(*found, database + " (kubelet rpm package version)")) return;
    }
    looked_at.push_back(database);
  }
  std::string manifests = "/etc/kubernetes/manifests";
  if (kubelet.settings.contains("static_pod_path") &&
      kubelet.settings["static_pod_path"].is_string()) {
    manifests = kubelet.settings["static_pod_path"].get<std::string>();
  }
  if (auto names = fs.list_directory(manifests); names) {
    for (const auto& name : *names) {
      std::string path = join_node_path(manifests, name);
      auto text = fs.read_file_if_exists(path);
      if (!text || !text->has_value()) continue;
      if (auto found = static_pod_version(**text)) {
        if (accept(found->first, path + ":" + std::to_string(found->second) +
                                     " (static pod image tag; the kubelet may differ within the "
                                     "supported skew)")) {
          return;
        }
      }
    }
  }
  kubelet.kubernetes_version = "unknown";
  std::string places;
  for (const auto& place : looked_at)
    places += ", " + place;
  kubelet.kubernetes_version_source =
      "not given (--kubernetes-version) and not found in the kubelet binary, the dpkg or rpm "
      "database or static pods" +
      (places.empty() ? std::string(" (none of them is on this node)")
                      : " (looked at" + places.substr(1) + ")");
}

}  // namespace deshim::analyze
