#include "runtime/transfer/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <set>
#include <vector>

#include "runtime/image/digest.h"
#include "runtime/transfer/archive_message.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

constexpr const char* whiteout_prefix = ".wh.";
constexpr const char* opaque_marker = ".wh..wh..opq";

struct archive_deleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using archive_ptr = std::unique_ptr<archive, archive_deleter>;

/// The decompressed layer stream, hashed as the tar reader pulls it.
struct stream_source {
  archive* outer = nullptr;
  sha256_hasher hasher;
  std::vector<char> buffer = std::vector<char>(256 * 1024);
  bool failed = false;
  std::string failure;
};

la_ssize_t read_decompressed(archive* inner, void* context, const void** block) {
  auto* source = static_cast<stream_source*>(context);
  la_ssize_t got = archive_read_data(source->outer, source->buffer.data(), source->buffer.size());
  if (got < 0) {
    source->failed = true;
    source->failure = archive_message(source->outer, "decompression failed");
    archive_set_error(inner, EIO, "%s", source->failure.c_str());
    return -1;
  }
  source->hasher.update(source->buffer.data(), static_cast<size_t>(got));
  *block = source->buffer.data();
  return got;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    std::string part =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty() && part != ".") out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts)
    out += (out.empty() ? "" : "/") + part;
  return out;
}

error unsafe(const std::string& entry, const std::string& why) {
  return invalid_input("refusing layer entry \"" + entry + "\": " + why, {},
                       "the layer is malformed or malicious; nothing of it was kept");
}

error sys_error(const std::string& what, const fs::path& path) {
  return environment_error(what + " " + path.string() + ": " + std::strerror(errno));
}

/// A failed write; a full disk (or quota) says so plainly. The caller unpacks into a scratch
/// folder and removes it, so nothing half-unpacked stays.
error write_error(const fs::path& path) {
  if (errno == ENOSPC || errno == EDQUOT) {
    return environment_error(
        "the disk is full (" + std::string(std::strerror(errno)) + ") while unpacking into " +
            path.parent_path().string() + "; the partly unpacked layer was removed",
        {},
        "free space on the filesystem holding the image root (or move `root`), then pull again");
  }
  return sys_error("cannot write", path);
}

/// What a layer may hold after its tar end marker: writers pad to their record size (10 KiB
/// for GNU tar); a stream that goes on for more is refused rather than hashed to its end (a
/// gzip bomb of zeros decompresses to gigabytes there).
constexpr uint64_t max_trailing_bytes = 1 << 20;

class unpacker {
 public:
  unpacker(fs::path root, whiteout_mode mode) : root_(std::move(root)), mode_(mode) {}

  /// The folder `parts` name, following symlinks inside the root only and creating missing
  /// folders; relative to the root.
  result<std::vector<std::string>> resolve_folder(const std::string& entry,
                                                  const std::vector<std::string>& parts) {
    std::deque<std::string> pending(parts.begin(), parts.end());
    std::vector<std::string> current;
    int hops = 0;
    while (!pending.empty()) {
      std::string part = pending.front();
      pending.pop_front();
      if (part == ".") continue;
      if (part == "..") {
        if (current.empty()) return unsafe(entry, "a symlink on its path climbs out of the layer");
        current.pop_back();
        continue;
      }
      fs::path here = root_ / join(current) / part;
      struct stat info {};
      if (::lstat(here.c_str(), &info) != 0) {
        if (errno != ENOENT) return sys_error("cannot inspect", here);
        if (::mkdir(here.c_str(), 0755) != 0) return sys_error("cannot create", here);
        current.push_back(part);
        continue;
      }
      if (S_ISLNK(info.st_mode)) {
        if (++hops > 40) return unsafe(entry, "too many symlinks on its path");
        std::vector<char> target(4096);
        ssize_t length = ::readlink(here.c_str(), target.data(), target.size() - 1);
        if (length < 0) return sys_error("cannot read symlink", here);
        std::string link(target.data(), static_cast<size_t>(length));
        if (!link.empty() && link.front() == '/') current.clear();
        auto link_parts = split_path(link);
        for (auto it = link_parts.rbegin(); it != link_parts.rend(); ++it)
          pending.push_front(*it);
        continue;
      }
      if (!S_ISDIR(info.st_mode))
        return unsafe(entry, join(current) + "/" + part + " is not a folder");
      current.push_back(part);
    }
    return current;
  }

  result<void> remove_existing(const fs::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) return {};
    std::error_code ec;
    if (S_ISDIR(info.st_mode)) {
      fs::remove_all(path, ec);
    } else {
      fs::remove(path, ec);
    }
    if (ec) return environment_error("cannot replace " + path.string() + ": " + ec.message());
    return {};
  }

  result<void> apply_metadata(const fs::path& path, archive_entry* entry, bool symlink) {
    if (::geteuid() == 0 && ::lchown(path.c_str(), static_cast<uid_t>(archive_entry_uid(entry)),
                                     static_cast<gid_t>(archive_entry_gid(entry))) != 0)
      return sys_error("cannot set the owner of", path);
    if (!symlink && ::chmod(path.c_str(), archive_entry_perm(entry) & 07777) != 0)
      return sys_error("cannot set the mode of", path);
    struct timespec times[2];
    times[0].tv_sec = archive_entry_mtime(entry);
    times[0].tv_nsec = archive_entry_mtime_nsec(entry);
    times[1] = times[0];
    ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
    return {};
  }

  /// Writes a regular file's data where the tar puts it: the blocks of a sparse entry at
  /// their offsets, so holes stay holes (a 10 GiB sparse file costs its data, not 10 GiB),
  /// and never a byte past the size the entry's header declares.
  result<void> write_file(archive* tar, const fs::path& path, archive_entry* entry,
                          uint64_t& bytes) {
    if (auto removed = remove_existing(path); !removed) return removed;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return sys_error("cannot create", path);
    struct closer {
      int fd;
      ~closer() {
        if (fd >= 0) ::close(fd);
      }
    } guard{fd};
    la_int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
    while (true) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int status = archive_read_data_block(tar, &block, &size, &offset);
      if (status == ARCHIVE_EOF) break;
      if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
        return invalid_input("layer is corrupted or truncated: " +
                             archive_message(tar, "read error"));
      }
      if (offset < 0 || (declared >= 0 && offset + static_cast<la_int64_t>(size) > declared)) {
        return unsafe(
            archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "",
            "its data runs past the " + std::to_string(declared) + " bytes its header declares");
      }
      const char* data = static_cast<const char*>(block);
      bytes += size;
      // A block of zeros is left as a hole too (the final ftruncate gives the size): a layer
      // of zeros, dense in the tar, then costs no disk.
      if (size > 0 && data[0] == 0 && std::memcmp(data, data + 1, size - 1) == 0) continue;
      off_t at = static_cast<off_t>(offset);
      size_t left = size;
      while (left > 0) {
        ssize_t written = ::pwrite(fd, data, left, at);
        if (written < 0) {
          if (errno == EINTR) continue;
          return write_error(path);
        }
        data += written;
        at += written;
        left -= static_cast<size_t>(written);
      }
    }
    // A trailing hole: the size without the blocks.
    if (declared > 0 && ::ftruncate(fd, static_cast<off_t>(declared)) != 0)
      return write_error(path);
    guard.fd = -1;
    if (::close(fd) != 0) return write_error(path);
    return apply_metadata(path, entry, false);
  }

  result<void> handle_whiteout(const std::string& name, const std::vector<std::string>& folder,
                               const std::string& leaf) {
    fs::path dir = root_ / join(folder);
    if (leaf == opaque_marker) {
      if (mode_ == whiteout_mode::overlay) {
        if (::lsetxattr(dir.c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0)
          return sys_error("cannot mark opaque", dir);
        return {};
      }
      // Collect first: removing entries while a directory is being read is unspecified.
      std::vector<fs::path> hidden;
      std::error_code ec;
      for (const auto& child : fs::directory_iterator(dir, ec)) {
        std::string relative = join(folder);
        relative += (relative.empty() ? "" : "/") + child.path().filename().string();
        if (written_.count(relative) == 0) hidden.push_back(child.path());
      }
      for (const auto& path : hidden) {
        if (auto removed = remove_existing(path); !removed) return removed;
      }
      return {};
    }
    std::string hidden = leaf.substr(std::strlen(whiteout_prefix));
    if (hidden.empty() || hidden == "." || hidden == "..")
      return unsafe(name, "whiteout of an invalid name");
    fs::path target = dir / hidden;
    if (auto removed = remove_existing(target); !removed) return removed;
    if (mode_ == whiteout_mode::overlay && ::mknod(target.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
      return sys_error("cannot create whiteout", target);
    return {};
  }

  result<void> handle(archive* tar, archive_entry* entry, unpack_result& out) {
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name ? raw_name : "";
    auto cleaned = clean_entry_name(name);
    if (!cleaned) return cleaned.error();
    if (cleaned->empty()) return {};  // the layer root itself
    auto parts = split_path(*cleaned);
    std::string leaf = parts.back();
    parts.pop_back();
    auto folder = resolve_folder(name, parts);
    if (!folder) return folder.error();
    if (leaf.rfind(whiteout_prefix, 0) == 0) return handle_whiteout(name, *folder, leaf);
    std::string relative = join(*folder);
    relative += (relative.empty() ? "" : "/") + leaf;
    fs::path path = root_ / relative;
    written_.insert(relative);
    ++out.entries;

    if (const char* hardlink = archive_entry_hardlink(entry)) {
      auto link_name = clean_entry_name(hardlink);
      if (!link_name)
        return unsafe(name,
                      "its hardlink target \"" + std::string(hardlink) + "\" is outside the layer");
      auto link_parts = split_path(*link_name);
      if (link_parts.empty()) return unsafe(name, "a hardlink to the layer root");
      std::string link_leaf = link_parts.back();
      link_parts.pop_back();
      auto link_folder = resolve_folder(name, link_parts);
      if (!link_folder) return link_folder.error();
      fs::path target = root_ / join(*link_folder) / link_leaf;
      struct stat info {};
      if (::lstat(target.c_str(), &info) != 0 || S_ISDIR(info.st_mode))
        return unsafe(name, "its hardlink target \"" + std::string(hardlink) +
                                "\" is not a file of this layer");
      if (target == path) return {};
      if (auto removed = remove_existing(path); !removed) return removed;
      if (::link(target.c_str(), path.c_str()) != 0) return sys_error("cannot link", path);
      return {};
    }

    mode_t type = archive_entry_filetype(entry);
    switch (type) {
      case AE_IFDIR: {
        struct stat info {};
        if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
          if (auto removed = remove_existing(path); !removed) return removed;
          if (::mkdir(path.c_str(), 0755) != 0) return sys_error("cannot create", path);
        }
        return apply_metadata(path, entry, false);
      }
      case AE_IFREG:
        return write_file(tar, path, entry, out.bytes);
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        std::string link = target ? target : "";
        if (link.empty()) return unsafe(name, "a symlink without a target");
        if (link.front() != '/') {
          // A relative target is taken from the symlink's folder; it must stay in the root.
          std::vector<std::string> place = *folder;
          for (const auto& part : split_path(link)) {
            if (part == "..") {
              if (place.empty())
                return unsafe(name, "its symlink target \"" + link + "\" points outside the layer");
              place.pop_back();
            } else {
              place.push_back(part);
            }
          }
        }
        if (auto removed = remove_existing(path); !removed) return removed;
        if (::symlink(link.c_str(), path.c_str()) != 0)
          return sys_error("cannot create symlink", path);
        return apply_metadata(path, entry, true);
      }
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO: {
        if (auto removed = remove_existing(path); !removed) return removed;
        dev_t device = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
        if (::mknod(path.c_str(), type | 0600, device) != 0) {
          if (errno == EPERM) return {};  // as containerd does without the privilege
          return sys_error("cannot create device", path);
        }
        return apply_metadata(path, entry, false);
      }
      default:
        return unsafe(name, "an entry type layers may not hold (sockets)");
    }
  }

 private:
  fs::path root_;
  whiteout_mode mode_;
  std::set<std::string> written_;
};

}  // namespace

result<std::string> clean_entry_name(const std::string& name) {
  if (!name.empty() && name.front() == '/')
    return unsafe(name, "an absolute name (layers hold relative names only)");
  std::vector<std::string> parts;
  for (const auto& part : split_path(name)) {
    if (part == "..") return unsafe(name, "its name climbs out of the layer with \"..\"");
    parts.push_back(part);
  }
  return join(parts);
}

result<unpack_result> unpack_layer(const fs::path& layer_file, const fs::path& target,
                                   whiteout_mode mode) {
  archive_ptr outer(archive_read_new());
  archive_read_support_filter_all(outer.get());
  archive_read_support_format_raw(outer.get());
  if (archive_read_open_filename(outer.get(), layer_file.c_str(), 256 * 1024) != ARCHIVE_OK)
    return environment_error("cannot open layer " + layer_file.string() + ": " +
                             archive_message(outer.get(), "its compression is unreadable"));
  archive_entry* raw_entry = nullptr;
  if (archive_read_next_header(outer.get(), &raw_entry) != ARCHIVE_OK)
    return invalid_input("layer " + layer_file.filename().string() + " is empty or unreadable");

  stream_source source;
  source.outer = outer.get();
  archive_ptr tar(archive_read_new());
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_gnutar(tar.get());
  if (archive_read_open(tar.get(), &source, nullptr, read_decompressed, nullptr) != ARCHIVE_OK)
    return invalid_input("layer is not a tar archive: " + archive_message(tar.get(), "no header"));
  unpacker writer(target, mode);
  unpack_result out;
  while (true) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(tar.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return invalid_input(
          "layer is corrupted or truncated: " + archive_message(tar.get(), "bad tar header"), {},
          "pull or import the image again");
    }
    if (auto handled = writer.handle(tar.get(), entry, out); !handled) return handled.error();
  }
  // The tar end marker may be followed by padding: the diff id covers the whole stream.
  uint64_t trailing = 0;
  while (true) {
    la_ssize_t got = archive_read_data(outer.get(), source.buffer.data(), source.buffer.size());
    if (got < 0) return invalid_input("layer is corrupted or truncated at its end");
    if (got == 0) break;
    trailing += static_cast<uint64_t>(got);
    if (trailing > max_trailing_bytes) {
      return invalid_input("layer " + layer_file.filename().string() +
                               " goes on for more than 1 MiB after its tar end marker",
                           {},
                           "the layer is malformed (or a decompression bomb); nothing of it "
                           "was kept");
    }
    source.hasher.update(source.buffer.data(), static_cast<size_t>(got));
  }
  if (source.failed) return invalid_input("layer is corrupted or truncated: " + source.failure);
  out.diff_id = source.hasher.finish();
  return out;
}

}  // namespace deshim::runtime
