#include "common/http/gzip.h"

#include <zlib.h>

namespace deshim::http {

struct gzip_decoder::state {
  z_stream stream{};
};

gzip_decoder::gzip_decoder() : state_(std::make_unique<state>()) {
  // 16 + MAX_WBITS: a gzip header and trailer around the deflate data.
  inflateInit2(&state_->stream, 16 + MAX_WBITS);
}

gzip_decoder::~gzip_decoder() {
  inflateEnd(&state_->stream);
}

result<void> gzip_decoder::decode(std::string_view input,
                                  const std::function<result<void>(std::string_view)>& out) {
  z_stream& z = state_->stream;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.avail_in = static_cast<uInt>(input.size());
  char buffer[64 * 1024];
  while (z.avail_in > 0 && !finished_) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    int status = inflate(&z, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      return environment_error(std::string("the gzip-encoded body is damaged: ") +
                               (z.msg != nullptr ? z.msg : "inflate failed"));
    }
    std::size_t produced = sizeof(buffer) - z.avail_out;
    if (produced > 0) {
      if (auto passed = out(std::string_view(buffer, produced)); !passed) return passed;
    }
    if (status == Z_STREAM_END) finished_ = true;
    if (status == Z_BUF_ERROR && produced == 0) break;
  }
  return {};
}

}  // namespace deshim::http
