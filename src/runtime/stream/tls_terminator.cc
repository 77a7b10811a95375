#include "runtime/stream/tls_terminator.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "common/fd_io.h"

namespace deshim::runtime {

namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

/// A read that handled only TLS's own records (session tickets): no data, nothing ended.
bool retry_later(SSL* ssl, int got) {
  int why = SSL_get_error(ssl, got);
  return why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE;
}

/// Copies between the TLS session on `fd` and `plain` until both directions ended. Without
/// SSL_MODE_AUTO_RETRY (cleared on every context here), a read that meets only TLS's own
/// records returns instead of waiting for data, so the other direction is not held up.
void copy_both_ways(SSL* ssl, int fd, int plain) {
  bool from_peer = true;  // the TLS side may still send
  bool to_peer = true;    // the plain side may still send
  char buffer[32 * 1024];
  while (from_peer || to_peer) {
    if (from_peer && SSL_pending(ssl) > 0) {
      int got = SSL_read(ssl, buffer, sizeof(buffer));
      if (got <= 0 && retry_later(ssl, got)) continue;
      if (got <= 0 ||
          !write_all_to_fd(plain, std::string_view(buffer, static_cast<std::size_t>(got)))) {
        from_peer = false;
        ::shutdown(plain, SHUT_WR);
      }
      continue;
    }
    pollfd fds[2] = {{from_peer ? fd : -1, POLLIN, 0}, {to_peer ? plain : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      int got = SSL_read(ssl, buffer, sizeof(buffer));
      if (got <= 0 && retry_later(ssl, got)) continue;
      if (got <= 0 ||
          !write_all_to_fd(plain, std::string_view(buffer, static_cast<std::size_t>(got)))) {
        from_peer = false;
        ::shutdown(plain, SHUT_WR);
      }
    }
    if (fds[1].revents) {
      ssize_t got = ::read(plain, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0 || SSL_write(ssl, buffer, static_cast<int>(got)) <= 0) {
        to_peer = false;
        SSL_shutdown(ssl);
        ::shutdown(fd, SHUT_WR);
        // A peer that left: nothing more will come from it either.
        if (got != 0) from_peer = false;
      }
    }
  }
  SSL_free(ssl);
  ::close(fd);
  ::close(plain);
}

}  // namespace

tls_terminator::~tls_terminator() {
  SSL_CTX_free(context_);
}

result<std::shared_ptr<tls_terminator>> tls_terminator::from_files(const std::string& cert_file,
                                                                   const std::string& key_file,
                                                                   const std::string& config_file) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (!context) return environment_error("OpenSSL: " + openssl_error());
  std::shared_ptr<tls_terminator> out(new tls_terminator(context, true));
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(context, cert_file.c_str()) != 1) {
    return invalid_input(
        "cannot use " + cert_file + " as the stream server's certificate: " + openssl_error(),
        {config_file, 0, 0, "x509_key_pair_streaming.tls_cert_file"},
        "give a PEM certificate file that exists");
  }
  if (SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return invalid_input("cannot use " + key_file +
                             " as the stream server's key (a PEM key that matches " + cert_file +
                             "): " + openssl_error(),
                         {config_file, 0, 0, "x509_key_pair_streaming.tls_key_file"},
                         "give the PEM private key of the certificate");
  }
  if (SSL_CTX_check_private_key(context) != 1) {
    return invalid_input("the key " + key_file + " does not match the certificate " + cert_file,
                         {config_file, 0, 0, "x509_key_pair_streaming.tls_key_file"},
                         "give the key the certificate was made for");
  }
  return out;
}

result<std::shared_ptr<tls_terminator>> tls_terminator::self_signed(const std::string& address) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  auto release = [&] {
    EVP_PKEY_free(key);
    X509_free(certificate);
  };
  if (!key || !certificate) {
    release();
    return environment_error("cannot make a key for the stream server: " + openssl_error());
  }
  X509_set_version(certificate, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -60);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 365L * 24 * 3600);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("deshim stream server"), -1, -1,
                             0);
  X509_set_issuer_name(certificate, name);
  X509V3_CTX extension_context;
  X509V3_set_ctx_nodb(&extension_context);
  X509V3_set_ctx(&extension_context, certificate, certificate, nullptr, nullptr, 0);
  std::string names = "IP:" + address + ",DNS:localhost";
  X509_EXTENSION* alt =
      X509V3_EXT_conf_nid(nullptr, &extension_context, NID_subject_alt_name, names.c_str());
  if (alt) {
    X509_add_ext(certificate, alt, -1);
    X509_EXTENSION_free(alt);
  }
  if (X509_sign(certificate, key, EVP_sha256()) == 0) {
    release();
    return environment_error("cannot sign the stream server's certificate: " + openssl_error());
  }
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (!context || SSL_CTX_use_certificate(context, certificate) != 1 ||
      SSL_CTX_use_PrivateKey(context, key) != 1) {
    release();
    if (context) SSL_CTX_free(context);
    return environment_error("cannot use the stream server's certificate: " + openssl_error());
  }
  release();
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  return std::shared_ptr<tls_terminator>(new tls_terminator(context, true));
}

result<std::shared_ptr<tls_terminator>> tls_terminator::insecure_client() {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (!context) return environment_error("OpenSSL: " + openssl_error());
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  return std::shared_ptr<tls_terminator>(new tls_terminator(context, false));
}

result<int> tls_terminator::terminate(int fd) {
  SSL* ssl = SSL_new(context_);
  if (!ssl) {
    ::close(fd);
    return environment_error("OpenSSL: " + openssl_error());
  }
  SSL_set_fd(ssl, fd);
  SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
  // A client that never finishes its handshake does not hold a thread for ever.
  timeval limit{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  int shaken = server_ ? SSL_accept(ssl) : SSL_connect(ssl);
  timeval none{0, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
  if (shaken != 1) {
    std::string why = openssl_error();
    SSL_free(ssl);
    ::close(fd);
    return environment_error("TLS handshake failed: " + why);
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    SSL_free(ssl);
    ::close(fd);
    return environment_error("cannot make a socket pair");
  }
  std::thread([ssl, fd, plain = pair[1]] { copy_both_ways(ssl, fd, plain); }).detach();
  return pair[0];
}

}  // namespace deshim::runtime
