#include "runtime/image/digest.h"

namespace deshim::runtime {

bool is_valid_digest(std::string_view digest) {
  constexpr std::string_view prefix = "sha256:";
  if (digest.size() != prefix.size() + 64 || digest.substr(0, prefix.size()) != prefix)
    return false;
  for (char c : digest.substr(prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

result<void> check_digest(std::string_view digest, const std::string& what) {
  if (is_valid_digest(digest)) return {};
  return invalid_input(what + " has an invalid digest \"" + std::string(digest) + "\"", {},
                       "digests are sha256:<64 lowercase hex digits>");
}

std::string digest_hex(std::string_view digest) {
  return std::string(digest.substr(7));
}

sha256_hasher::sha256_hasher() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr);
}

void sha256_hasher::update(const void* data, size_t size) {
  EVP_DigestUpdate(context_.get(), data, size);
}

std::string sha256_hasher::finish() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_.get(), raw, &length);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[raw[i] >> 4];
    out += hex[raw[i] & 15];
  }
  return out;
}

std::string sha256_digest(std::string_view data) {
  sha256_hasher hasher;
  hasher.update(data);
  return hasher.finish();
}

}  // namespace deshim::runtime
