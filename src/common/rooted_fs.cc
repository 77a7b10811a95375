#include "common/rooted_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "common/regular_file.h"

namespace deshim {
namespace {

constexpr int max_symlink_hops = 40;  // the kernel's own limit (MAXSYMLINKS)

std::deque<std::string> split_components(std::string_view path) {
  std::deque<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

std::filesystem::path host_path_of(const std::filesystem::path& root,
                                   const std::vector<std::string>& parts) {
  std::filesystem::path out = root;
  for (const auto& part : parts)
    out /= part;
  return out;
}

std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts)
    out += "/" + part;
  return out.empty() ? "/" : out;
}

}  // namespace

std::string join_node_path(std::string_view base, std::string_view name) {
  std::string out(base);
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  size_t skip = 0;
  while (skip < name.size() && name[skip] == '/')
    ++skip;
  out += "/";
  out += name.substr(skip);
  return out;
}

result<rooted_fs> rooted_fs::open(const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return error(error_kind::not_found, "root folder " + root.string() + " does not exist", {},
                 "pass --root with the folder holding the node's files (/ on a live node)");
  }
  auto absolute = std::filesystem::absolute(root, ec).lexically_normal();
  if (ec) return environment_error("cannot make " + root.string() + " absolute: " + ec.message());
  std::string text = absolute.string();
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return rooted_fs(std::filesystem::path(text));
}

result<std::filesystem::path> rooted_fs::resolve(std::string_view node_path) const {
  std::deque<std::string> pending = split_components(node_path);
  std::vector<std::string> resolved;
  int hops = 0;
  bool missing = false;  // once a component is missing, nothing below it can be a symlink
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == "..") {
      if (resolved.empty()) {
        return invalid_input(
            "path " + std::string(node_path) + " climbs above the root " + root_.string(), {},
            "node paths must stay inside --root");
      }
      resolved.pop_back();
      continue;
    }
    resolved.push_back(part);
    if (missing) continue;
    auto host = host_path_of(root_, resolved);
    struct stat info {};
    if (::lstat(host.c_str(), &info) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        missing = true;
        continue;
      }
      return environment_error("cannot stat " + host.string() + ": " + std::strerror(errno));
    }
    if (!S_ISLNK(info.st_mode)) continue;
    if (++hops > max_symlink_hops) {
      return invalid_input("too many levels of symbolic links resolving " + std::string(node_path));
    }
    std::string target(static_cast<size_t>(info.st_size) + 1, '\0');
    ssize_t length = ::readlink(host.c_str(), target.data(), target.size());
    if (length < 0) {
      return environment_error("cannot read link " + host.string() + ": " + std::strerror(errno));
    }
    target.resize(static_cast<size_t>(length));
    resolved.pop_back();
    if (!target.empty() && target.front() == '/') resolved.clear();
    auto target_parts = split_components(target);
    // A relative target that climbs above the root would leave it: check before following.
    long depth = static_cast<long>(resolved.size());
    for (const auto& piece : target_parts) {
      depth += piece == ".." ? -1 : 1;
      if (depth < 0) {
        return invalid_input("symlink " + join_parts(resolved) + "/" + part + " -> " + target +
                                 " points outside the root " + root_.string(),
                             {}, "deshim never follows links out of --root");
      }
    }
    pending.insert(pending.begin(), target_parts.begin(), target_parts.end());
  }
  return host_path_of(root_, resolved);
}

std::string rooted_fs::display(std::string_view node_path) const {
  std::filesystem::path joined = root_;
  for (const auto& part : split_components(node_path))
    joined /= part;
  if (root_ == "/") return joined.string();
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  if (!ec) {
    auto relative = joined.lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return joined.string();
}

bool rooted_fs::exists(std::string_view node_path) const {
  auto host = resolve(node_path);
  std::error_code ec;
  return host && std::filesystem::exists(*host, ec);
}

bool rooted_fs::is_directory(std::string_view node_path) const {
  auto host = resolve(node_path);
  std::error_code ec;
  return host && std::filesystem::is_directory(*host, ec);
}

result<std::optional<std::string>> rooted_fs::read_file_if_exists(std::string_view node_path,
                                                                  std::size_t max_bytes) const {
  auto host = resolve(node_path);
  if (!host) return host.error();
  return read_regular_file_if_exists(*host, display(node_path), max_bytes);
}

result<std::string> rooted_fs::read_file(std::string_view node_path, std::size_t max_bytes) const {
  auto content = read_file_if_exists(node_path, max_bytes);
  if (!content) return content.error();
  if (!content->has_value()) {
    return error(error_kind::not_found, display(node_path) + " does not exist");
  }
  return std::move(**content);
}

result<std::vector<std::string>> rooted_fs::list_directory(std::string_view node_path) const {
  auto host = resolve(node_path);
  if (!host) return host.error();
  std::vector<std::string> names;
  std::error_code ec;
  if (!std::filesystem::is_directory(*host, ec)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(*host, ec)) {
    names.push_back(entry.path().filename().string());
  }
  if (ec) return environment_error("cannot list " + display(node_path) + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace deshim
