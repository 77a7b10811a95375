// Small helpers around file descriptors and exec, with nothing but libc and the standard
// library (no iostreams), so the statically linked deshim-monitor can use them and stay small.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deshim {

/// Writes all of `text` to `fd`, retrying on EINTR; false when a write failed.
bool write_all_to_fd(int fd, std::string_view text);

/// The whole content of a small file, read with read(2); nullopt when it cannot be opened.
/// (A stream would link and initialise libstdc++'s locales into deshim-monitor: about a
/// megabyte more resident in every monitor.)
std::optional<std::string> read_small_file(const std::filesystem::path& file);

/// `strings` as the NUL-terminated array exec wants, pointing into `strings` (which must
/// outlive it). Built before fork: a forked child of a multi-threaded process must not allocate.
std::vector<char*> c_strings(std::vector<std::string>& strings);

}  // namespace deshim
