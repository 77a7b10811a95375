// Reading a file that someone else controls: only a regular file, never more than a cap.
//
// A FIFO would block the read forever, a character device (/dev/zero) would be read until memory
// runs out, and a socket cannot be read at all; each is refused with a message instead. The file
// is checked with stat before it is opened and opened with O_NONBLOCK, so even a FIFO swapped in
// between the two never blocks the open.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "common/input_limits.h"
#include "common/result.h"

namespace deshim {

/// The content of `file` (a host path; `display` is how messages name it), or nullopt when it
/// does not exist. A folder, a FIFO, a device or a socket is an invalid_input error; so is a file
/// longer than `max_bytes`.
result<std::optional<std::string>> read_regular_file_if_exists(
    const std::filesystem::path& file, const std::string& display,
    std::size_t max_bytes = max_config_file_bytes);

/// As above, with a missing file as a not_found error.
result<std::string> read_regular_file(const std::filesystem::path& file, const std::string& display,
                                      std::size_t max_bytes = max_config_file_bytes);

/// An open descriptor (O_RDONLY, O_CLOEXEC) on `file` when it is a regular file, for a reader
/// that streams it; a not_found error when it does not exist, invalid_input when it is a folder,
/// a FIFO, a device or a socket. The caller closes it.
result<int> open_regular_file(const std::filesystem::path& file, const std::string& display);

/// "a FIFO (named pipe)", "a character device", ... for the file type bits of `mode`.
std::string file_type_name(unsigned mode);

}  // namespace deshim
