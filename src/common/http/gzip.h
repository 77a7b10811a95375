// A streaming gzip decoder (zlib), for answers sent with `Content-Encoding: gzip`.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/result.h"

namespace deshim::http {

class gzip_decoder {
 public:
  gzip_decoder();
  ~gzip_decoder();
  gzip_decoder(const gzip_decoder&) = delete;
  gzip_decoder& operator=(const gzip_decoder&) = delete;

  /// Decodes `input` and hands what it yields to `out`, as it comes.
  result<void> decode(std::string_view input,
                      const std::function<result<void>(std::string_view)>& out);
  /// Whether the gzip stream ended (its trailer was read).
  bool finished() const { return finished_; }

 private:
  struct state;
  std::unique_ptr<state> state_;
  bool finished_ = false;
};

}  // namespace deshim::http
