// TLS for the stream server (`enable_tls_streaming`), with OpenSSL.
//
// The certificate is `x509_key_pair_streaming` (its files must hold a certificate and the key
// that matches it), or, without one, a self-signed certificate made at start for the stream
// address, as containerd makes one. A TLS connection is terminated on a thread of its own that
// copies between the TLS socket and one end of a socket pair; the stream server serves the
// other end exactly as a plain connection. So one thread alone drives each TLS session (an
// OpenSSL connection must not be read and written from two threads at once), and the SPDY
// code knows nothing of TLS.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace deshim::runtime {

class tls_terminator {
 public:
  /// From PEM files (host paths); `config_file` and the keys are named in errors.
  static result<std::shared_ptr<tls_terminator>> from_files(const std::string& cert_file,
                                                            const std::string& key_file,
                                                            const std::string& config_file);
  /// A new P-256 key and a certificate for `address` (and localhost), valid for a year.
  static result<std::shared_ptr<tls_terminator>> self_signed(const std::string& address);
  /// A client's context that, as crictl's, does not verify the server's certificate.
  static result<std::shared_ptr<tls_terminator>> insecure_client();
  ~tls_terminator();

  /// Runs the TLS handshake on `fd` (a connected socket it takes over) and returns the plain
  /// end of the pair; the copying thread closes `fd` when either side ends.
  result<int> terminate(int fd);

 private:
  explicit tls_terminator(SSL_CTX* context, bool server) : context_(context), server_(server) {}
  SSL_CTX* context_;
  bool server_;
};

}  // namespace deshim::runtime
