// Test helper: writes small tar archives (plain or gzip) with libarchive, so tests can build
// layers and image tarballs, including malicious ones, without any external tool.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace deshim::runtime::testing {

struct tar_entry {
  enum kind { file, folder, symlink, hardlink, fifo };
  std::string name;
  kind type = file;
  std::string data;  ///< file content, or link target
  int mode = 0644;
};

inline tar_entry file_entry(std::string name, std::string data, int mode = 0644) {
  return {std::move(name), tar_entry::file, std::move(data), mode};
}
inline tar_entry dir_entry(std::string name) {
  return {std::move(name), tar_entry::folder, "", 0755};
}
inline tar_entry symlink_entry(std::string name, std::string target) {
  return {std::move(name), tar_entry::symlink, std::move(target), 0777};
}
inline tar_entry hardlink_entry(std::string name, std::string target) {
  return {std::move(name), tar_entry::hardlink, std::move(target), 0644};
}

/// Writes the entries as a tar (gzip-compressed when `gzip`) to `path`.
inline void write_tar(const std::filesystem::path& path, const std::vector<tar_entry>& entries,
                      bool gzip = false) {
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  if (gzip) archive_write_add_filter_gzip(writer);
  archive_write_open_filename(writer, path.c_str());
  for (const auto& item : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, item.name.c_str());
    archive_entry_set_perm(entry, static_cast<mode_t>(item.mode));
    archive_entry_set_mtime(entry, 1700000000, 0);
    switch (item.type) {
      case tar_entry::file:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, static_cast<la_int64_t>(item.data.size()));
        break;
      case tar_entry::folder:
        archive_entry_set_filetype(entry, AE_IFDIR);
        break;
      case tar_entry::symlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, item.data.c_str());
        break;
      case tar_entry::hardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, item.data.c_str());
        break;
      case tar_entry::fifo:
        archive_entry_set_filetype(entry, AE_IFIFO);
        break;
    }
    archive_write_header(writer, entry);
    if (item.type == tar_entry::file && !item.data.empty())
      archive_write_data(writer, item.data.data(), item.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
}

inline std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_all(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

/// A scratch folder removed at the end of the test.
class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "deshim-runtime-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Every regular file and symlink below `folder` (relative paths), sorted.
inline std::vector<std::string> files_below(const std::filesystem::path& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec))
      out.push_back(std::filesystem::relative(it->path(), folder).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace deshim::runtime::testing
