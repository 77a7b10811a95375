// The monitor's attach socket: how Attach reaches a running container's stdio.
//
// The monitor holds the container's stdout and stderr pipes (and, for a container created with
// `stdin: true`, the write end of its stdin). It listens on `<dir>/attach`, a unix socket
// only root can reach (the state folder is 0700), and every client connected there receives
// what the container writes from then on, framed as one byte for the stream (1 stdout, 2
// stderr), four bytes of big-endian length and the bytes; what a client sends is written to
// the container's stdin. When a client's sending side ends and the container was created with
// `stdin_once`, the container's stdin is closed (its end of input). The log file keeps every
// line either way: attaching only adds readers.
//
// Socket paths are limited to 107 bytes and a container's folder is longer, so both sides
// name the socket through /proc/self/fd/N/attach, N being a descriptor of the folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

inline constexpr uint8_t attach_stdout = 1;
inline constexpr uint8_t attach_stderr = 2;

std::filesystem::path monitor_attach_socket(const std::filesystem::path& object_dir);

/// A frame of `data` on `stream`.
std::string attach_frame(uint8_t stream, std::string_view data);

/// Binds and listens on the attach socket of `object_dir` (replacing a stale one): the fd.
result<int> listen_attach_socket(const std::filesystem::path& object_dir);
/// Connects to the attach socket of `object_dir`: the fd.
result<int> connect_attach_socket(const std::filesystem::path& object_dir);

}  // namespace deshim::runtime
