// SPDY/3.1 framing, as the Kubernetes streaming clients speak it (crictl, the kubelet's proxy:
// moby/spdystream under k8s.io/apimachinery's httpstream/spdy).
//
// A frame is a control frame (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY,
// HEADERS, WINDOW_UPDATE) or a DATA frame on a stream. Name/value header blocks are
// compressed with zlib and the SPDY/3 dictionary, one compression context per direction for the
// whole connection (so the writer and the reader each keep theirs). No Debian package frames
// SPDY, so this is hand-written and small; zlib does the compression.
//
// The reader is fed bytes and hands out whole frames. It bounds what a peer can make it hold:
// a frame's payload (the format allows 16 MiB) and a header block's decompressed size.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace deshim::runtime::spdy {

enum class frame_type : uint16_t {
  data = 0,  ///< not a control type: a DATA frame
  syn_stream = 1,
  syn_reply = 2,
  rst_stream = 3,
  settings = 4,
  ping = 6,
  goaway = 7,
  headers = 8,
  window_update = 9,
};

/// FIN on DATA, SYN_STREAM, SYN_REPLY and HEADERS: the sender sends nothing more on the stream.
inline constexpr uint8_t flag_fin = 0x01;
/// RST_STREAM status codes used here.
inline constexpr uint32_t rst_protocol_error = 1;
inline constexpr uint32_t rst_cancel = 5;

/// Header names are lower case; several values of one name are joined with a NUL byte.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// The first value of `name` in `headers` (names compared as given: SPDY's are lower case).
std::optional<std::string> find_header(const header_list& headers, std::string_view name);

struct frame {
  frame_type type = frame_type::data;
  uint8_t flags = 0;
  uint32_t stream_id = 0;      ///< every frame but SETTINGS, PING and GOAWAY
  uint32_t associated_id = 0;  ///< SYN_STREAM
  uint8_t priority = 0;        ///< SYN_STREAM, 0..7
  uint32_t status = 0;         ///< RST_STREAM, GOAWAY
  uint32_t value = 0;          ///< PING id, WINDOW_UPDATE delta, GOAWAY last good stream id
  header_list headers;         ///< SYN_STREAM, SYN_REPLY, HEADERS
  std::string data;            ///< DATA payload
  std::vector<std::pair<uint32_t, uint32_t>> settings;  ///< (flags << 24 | id, value)

  bool fin() const { return (flags & flag_fin) != 0; }
};

/// The SPDY/3 header compression dictionary (1423 bytes).
const std::string& header_dictionary();

/// Encodes frames; keeps the connection's header compression context.
class frame_writer {
 public:
  frame_writer();
  ~frame_writer();
  frame_writer(const frame_writer&) = delete;
  frame_writer& operator=(const frame_writer&) = delete;
  /// The bytes of `f` on the wire. Data larger than a frame can carry is an internal error.
  result<std::string> encode(const frame& f);

 private:
  std::string compress(const header_list& headers);
  z_stream deflate_{};
  bool ready_ = false;
};

/// Decodes frames from bytes fed in; keeps the peer's header compression context.
class frame_reader {
 public:
  /// Largest payload of a control frame this reader accepts (a DATA frame may fill the
  /// format's 24-bit length).
  static constexpr std::size_t max_control_payload = 1 << 20;
  /// Largest decompressed header block.
  static constexpr std::size_t max_header_block = 256 * 1024;

  frame_reader();
  ~frame_reader();
  frame_reader(const frame_reader&) = delete;
  frame_reader& operator=(const frame_reader&) = delete;

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  /// The next whole frame, nullopt when more bytes are needed; an error for a frame that
  /// breaks the format (the connection cannot go on after one).
  result<std::optional<frame>> next();

 private:
  result<header_list> decompress(std::string_view block);
  std::string buffer_;
  z_stream inflate_{};
  bool ready_ = false;
};

}  // namespace deshim::runtime::spdy
