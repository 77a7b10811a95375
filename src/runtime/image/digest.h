// Content digests (`sha256:<64 hex>`), the names of every blob in the runtime core.
//
// Images are content-addressed: a manifest names its config and layers by digest, and a blob is
// trusted only once the bytes received hash to the digest that named them. Only sha256 is
// accepted, as containerd does by default.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

/// True for `sha256:` followed by 64 lowercase hex digits.
bool is_valid_digest(std::string_view digest);

/// An error naming `what` unless `digest` is valid (so a digest is never used as a path first).
result<void> check_digest(std::string_view digest, const std::string& what);

/// The 64 hex digits of a valid digest.
std::string digest_hex(std::string_view digest);

/// Streaming sha256.
class sha256_hasher {
 public:
  sha256_hasher();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  /// `sha256:<hex>`; the hasher must not be used afterwards.
  std::string finish();

 private:
  struct free_context {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, free_context> context_;
};

/// `sha256:<hex>` of `data`.
std::string sha256_digest(std::string_view data);

}  // namespace deshim::runtime
