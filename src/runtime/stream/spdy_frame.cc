#include "runtime/stream/spdy_frame.h"

#include <array>
#include <cstring>

namespace deshim::runtime::spdy {

namespace {

constexpr uint16_t spdy_version = 3;
constexpr std::size_t max_data_length = (1u << 24) - 1;

void put32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

uint32_t get32(std::string_view in, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(in[at + i]));
  };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

error protocol_error(const std::string& what) {
  return error(error_kind::invalid_input, "SPDY protocol error: " + what, {},
               "the client does not speak SPDY/3.1 as the Kubernetes streaming clients do");
}

/// The control frame header: C bit and version, type, flags and length.
std::string control_header(frame_type type, uint8_t flags, std::size_t length) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | (spdy_version >> 8)));
  out.push_back(static_cast<char>(spdy_version & 0xff));
  out.push_back(static_cast<char>(static_cast<uint16_t>(type) >> 8));
  out.push_back(static_cast<char>(static_cast<uint16_t>(type) & 0xff));
  put32(out, static_cast<uint32_t>(flags) << 24 | static_cast<uint32_t>(length));
  return out;
}

}  // namespace

std::optional<std::string> find_header(const header_list& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value.substr(0, value.find('\0'));
  }
  return std::nullopt;
}

const std::string& header_dictionary() {
  // The dictionary of the SPDY/3 draft (section 2.6.10.1): these names, each after its length
  // as four big-endian bytes, then the text below as it is.
  static const std::string dictionary = [] {
    static constexpr const char* words[] = {"options",
                                            "head",
                                            "post",
                                            "put",
                                            "delete",
                                            "trace",
                                            "accept",
                                            "accept-charset",
                                            "accept-encoding",
                                            "accept-language",
                                            "accept-ranges",
                                            "age",
                                            "allow",
                                            "authorization",
                                            "cache-control",
                                            "connection",
                                            "content-base",
                                            "content-encoding",
                                            "content-language",
                                            "content-length",
                                            "content-location",
                                            "content-md5",
                                            "content-range",
                                            "content-type",
                                            "date",
                                            "etag",
                                            "expect",
                                            "expires",
                                            "from",
                                            "host",
                                            "if-match",
                                            "if-modified-since",
                                            "if-none-match",
                                            "if-range",
                                            "if-unmodified-since",
                                            "last-modified",
                                            "location",
                                            "max-forwards",
                                            "pragma",
                                            "proxy-authenticate",
                                            "proxy-authorization",
                                            "range",
                                            "referer",
                                            "retry-after",
                                            "server",
                                            "te",
                                            "trailer",
                                            "transfer-encoding",
                                            "upgrade",
                                            "user-agent",
                                            "vary",
                                            "via",
                                            "warning",
                                            "www-authenticate",
                                            "method",
                                            "get",
                                            "status",
                                            "200 OK",
                                            "version",
                                            "HTTP/1.1",
                                            "url",
                                            "public",
                                            "set-cookie",
                                            "keep-alive",
                                            "origin"};
    std::string out;
    for (const char* word : words) {
      put32(out, static_cast<uint32_t>(std::strlen(word)));
      out += word;
    }
    out +=
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504"
        "505203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad "
        "Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not "
        "Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec "
        "00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,"
        "image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,"
        "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
    return out;
  }();
  return dictionary;
}

// --- writer ----------------------------------------------------------------------------------

frame_writer::frame_writer() {
  // As the Go framer: zlib format, best compression, the dictionary set before the first block.
  if (deflateInit(&deflate_, Z_BEST_COMPRESSION) == Z_OK) {
    const auto& dictionary = header_dictionary();
    ready_ = deflateSetDictionary(&deflate_, reinterpret_cast<const Bytef*>(dictionary.data()),
                                  static_cast<uInt>(dictionary.size())) == Z_OK;
  }
}

frame_writer::~frame_writer() {
  deflateEnd(&deflate_);
}

std::string frame_writer::compress(const header_list& headers) {
  std::string plain;
  put32(plain, static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    put32(plain, static_cast<uint32_t>(name.size()));
    plain += name;
    put32(plain, static_cast<uint32_t>(value.size()));
    plain += value;
  }
  std::string out;
  deflate_.next_in = reinterpret_cast<Bytef*>(plain.data());
  deflate_.avail_in = static_cast<uInt>(plain.size());
  std::array<char, 4096> chunk{};
  do {
    deflate_.next_out = reinterpret_cast<Bytef*>(chunk.data());
    deflate_.avail_out = static_cast<uInt>(chunk.size());
    deflate(&deflate_, Z_SYNC_FLUSH);
    out.append(chunk.data(), chunk.size() - deflate_.avail_out);
  } while (deflate_.avail_out == 0);
  return out;
}

result<std::string> frame_writer::encode(const frame& f) {
  if (!ready_) return error(error_kind::internal, "zlib could not start SPDY header compression");
  std::string body;
  switch (f.type) {
    case frame_type::data: {
      if (f.data.size() > max_data_length || f.stream_id == 0 || f.stream_id > 0x7fffffff)
        return error(error_kind::internal, "SPDY DATA frame too large or without a stream");
      std::string out;
      put32(out, f.stream_id);
      put32(out, static_cast<uint32_t>(f.flags) << 24 | static_cast<uint32_t>(f.data.size()));
      return out + f.data;
    }
    case frame_type::syn_stream:
      put32(body, f.stream_id & 0x7fffffff);
      put32(body, f.associated_id & 0x7fffffff);
      body.push_back(static_cast<char>((f.priority & 7) << 5));
      body.push_back(0);  // slot
      body += compress(f.headers);
      break;
    case frame_type::syn_reply:
    case frame_type::headers:
      put32(body, f.stream_id & 0x7fffffff);
      body += compress(f.headers);
      break;
    case frame_type::rst_stream:
      put32(body, f.stream_id & 0x7fffffff);
      put32(body, f.status);
      break;
    case frame_type::settings:
      put32(body, static_cast<uint32_t>(f.settings.size()));
      for (const auto& [id, value] : f.settings) {
        put32(body, id);
        put32(body, value);
      }
      break;
    case frame_type::ping:
      put32(body, f.value);
      break;
    case frame_type::goaway:
      put32(body, f.value & 0x7fffffff);
      put32(body, f.status);
      break;
    case frame_type::window_update:
      put32(body, f.stream_id & 0x7fffffff);
      put32(body, f.value & 0x7fffffff);
      break;
  }
  return control_header(f.type, f.flags, body.size()) + body;
}

// --- reader ----------------------------------------------------------------------------------

frame_reader::frame_reader() {
  ready_ = inflateInit(&inflate_) == Z_OK;
}

frame_reader::~frame_reader() {
  inflateEnd(&inflate_);
}

result<header_list> frame_reader::decompress(std::string_view block) {
  if (!ready_) return error(error_kind::internal, "zlib could not start SPDY header decompression");
  std::string plain;
  inflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  inflate_.avail_in = static_cast<uInt>(block.size());
  std::array<char, 4096> chunk{};
  while (true) {
    inflate_.next_out = reinterpret_cast<Bytef*>(chunk.data());
    inflate_.avail_out = static_cast<uInt>(chunk.size());
    int status = inflate(&inflate_, Z_SYNC_FLUSH);
    if (status == Z_NEED_DICT) {
      const auto& dictionary = header_dictionary();
      if (inflateSetDictionary(&inflate_, reinterpret_cast<const Bytef*>(dictionary.data()),
                               static_cast<uInt>(dictionary.size())) != Z_OK)
        return protocol_error("the header block names another dictionary than SPDY/3's");
      continue;
    }
    if (status != Z_OK && status != Z_BUF_ERROR && status != Z_STREAM_END)
      return protocol_error("a header block does not decompress (zlib status " +
                            std::to_string(status) + ")");
    plain.append(chunk.data(), chunk.size() - inflate_.avail_out);
    if (plain.size() > max_header_block)
      return protocol_error("a header block is larger than " + std::to_string(max_header_block) +
                            " bytes");
    if (inflate_.avail_in == 0 && inflate_.avail_out != 0) break;
    if (status == Z_BUF_ERROR && inflate_.avail_out != 0) break;
  }
  if (plain.size() < 4) return protocol_error("a header block is shorter than its count");
  uint32_t count = get32(plain, 0);
  std::size_t at = 4;
  header_list out;
  for (uint32_t i = 0; i < count; ++i) {
    std::string parts[2];
    for (auto& part : parts) {
      if (plain.size() - at < 4) return protocol_error("a header block ends inside a header");
      uint32_t length = get32(plain, at);
      at += 4;
      if (plain.size() - at < length) return protocol_error("a header block ends inside a header");
      part = plain.substr(at, length);
      at += length;
    }
    for (auto& c : parts[0]) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    out.emplace_back(std::move(parts[0]), std::move(parts[1]));
  }
  return out;
}

result<std::optional<frame>> frame_reader::next() {
  if (buffer_.size() < 8) return std::optional<frame>{};
  std::string_view in(buffer_);
  bool control = (static_cast<unsigned char>(in[0]) & 0x80) != 0;
  uint32_t flags_length = get32(in, 4);
  std::size_t length = flags_length & 0xffffff;
  frame f;
  f.flags = static_cast<uint8_t>(flags_length >> 24);
  if (control && length > max_control_payload)
    return protocol_error("a control frame of " + std::to_string(length) + " bytes");
  if (buffer_.size() < 8 + length) return std::optional<frame>{};
  std::string_view body = in.substr(8, length);
  if (!control) {
    f.type = frame_type::data;
    f.stream_id = get32(in, 0) & 0x7fffffff;
    if (f.stream_id == 0) return protocol_error("a DATA frame on stream 0");
    f.data.assign(body);
  } else {
    uint16_t version = static_cast<uint16_t>((static_cast<unsigned char>(in[0]) & 0x7f) << 8 |
                                             static_cast<unsigned char>(in[1]));
    if (version != spdy_version)
      return protocol_error("version " + std::to_string(version) + " (only 3 is spoken)");
    uint16_t type = static_cast<uint16_t>(static_cast<unsigned char>(in[2]) << 8 |
                                          static_cast<unsigned char>(in[3]));
    auto need = [&](std::size_t bytes) { return body.size() >= bytes; };
    switch (type) {
      case 1: {  // SYN_STREAM
        if (!need(10)) return protocol_error("a short SYN_STREAM");
        f.type = frame_type::syn_stream;
        f.stream_id = get32(body, 0) & 0x7fffffff;
        f.associated_id = get32(body, 4) & 0x7fffffff;
        f.priority = static_cast<uint8_t>(static_cast<unsigned char>(body[8]) >> 5);
        auto headers = decompress(body.substr(10));
        if (!headers) return headers.error();
        f.headers = std::move(*headers);
        if (f.stream_id == 0) return protocol_error("a SYN_STREAM on stream 0");
        break;
      }
      case 2:    // SYN_REPLY
      case 8: {  // HEADERS
        if (!need(4)) return protocol_error("a short SYN_REPLY or HEADERS");
        f.type = type == 2 ? frame_type::syn_reply : frame_type::headers;
        f.stream_id = get32(body, 0) & 0x7fffffff;
        auto headers = decompress(body.substr(4));
        if (!headers) return headers.error();
        f.headers = std::move(*headers);
        break;
      }
      case 3:  // RST_STREAM
        if (!need(8)) return protocol_error("a short RST_STREAM");
        f.type = frame_type::rst_stream;
        f.stream_id = get32(body, 0) & 0x7fffffff;
        f.status = get32(body, 4);
        break;
      case 4: {  // SETTINGS
        if (!need(4)) return protocol_error("a short SETTINGS");
        f.type = frame_type::settings;
        uint32_t count = get32(body, 0);
        if ((body.size() - 4) / 8 < count) return protocol_error("a SETTINGS frame's count");
        for (uint32_t i = 0; i < count; ++i)
          f.settings.emplace_back(get32(body, 4 + 8 * i), get32(body, 8 + 8 * i));
        break;
      }
      case 6:  // PING
        if (!need(4)) return protocol_error("a short PING");
        f.type = frame_type::ping;
        f.value = get32(body, 0);
        break;
      case 7:  // GOAWAY
        if (!need(4)) return protocol_error("a short GOAWAY");
        f.type = frame_type::goaway;
        f.value = get32(body, 0) & 0x7fffffff;
        f.status = need(8) ? get32(body, 4) : 0;
        break;
      case 9:  // WINDOW_UPDATE
        if (!need(8)) return protocol_error("a short WINDOW_UPDATE");
        f.type = frame_type::window_update;
        f.stream_id = get32(body, 0) & 0x7fffffff;
        f.value = get32(body, 4) & 0x7fffffff;
        break;
      default:
        // Unknown control frames are ignored (SPDY/3 section 2.2.1): skip and read on.
        buffer_.erase(0, 8 + length);
        return next();
    }
  }
  buffer_.erase(0, 8 + length);
  return std::optional<frame>(std::move(f));
}

}  // namespace deshim::runtime::spdy
