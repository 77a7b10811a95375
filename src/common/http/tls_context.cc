#include "common/http/tls_context.h"

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <cstdlib>
#include <filesystem>

namespace deshim::http {
namespace {

/// The CA bundles of Debian/Ubuntu, RHEL/CentOS/TencentOS (two places), openSUSE, Alpine/others.
constexpr std::array<const char*, 6> system_bundles = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
};

result<void> trust_system(boost::asio::ssl::context& context) {
  boost::system::error_code ignored;
  context.set_default_verify_paths(ignored);  // SSL_CERT_FILE, SSL_CERT_DIR, OPENSSLDIR
  if (std::getenv("SSL_CERT_FILE") != nullptr) return {};
  for (const char* bundle : system_bundles) {
    std::error_code missing;
    if (!std::filesystem::exists(bundle, missing)) continue;
    boost::system::error_code failed;
    context.load_verify_file(bundle, failed);
    if (!failed) return {};
  }
  // A folder of hashed certificates is looked up per handshake (Debian's /etc/ssl/certs).
  std::error_code missing;
  if (std::filesystem::is_directory("/etc/ssl/certs", missing)) {
    boost::system::error_code failed;
    context.add_verify_path("/etc/ssl/certs", failed);
  }
  return {};
}

}  // namespace

result<void> configure_tls_context(boost::asio::ssl::context& context, const tls_settings& tls) {
  boost::system::error_code failed;
  if (tls.insecure_skip_verify) {
    context.set_verify_mode(boost::asio::ssl::verify_none);
  } else {
    context.set_verify_mode(boost::asio::ssl::verify_peer);
    if (!tls.ca_pem.empty()) {
      context.add_certificate_authority(boost::asio::buffer(tls.ca_pem), failed);
      if (failed) return invalid_input("the CA certificate is not PEM: " + failed.message());
    }
    if (!tls.ca_file.empty()) {
      context.load_verify_file(tls.ca_file, failed);
      if (failed) {
        return invalid_input("cannot load the CA file " + tls.ca_file + ": " + failed.message(),
                             {tls.ca_file}, "give a PEM file of CA certificates");
      }
    }
    if (tls.ca_pem.empty() && tls.ca_file.empty()) {
      if (auto trusted = trust_system(context); !trusted) return trusted;
    }
  }
  if (!tls.client_certificate_pem.empty()) {
    context.use_certificate_chain(boost::asio::buffer(tls.client_certificate_pem), failed);
    if (failed) return invalid_input("the client certificate is not PEM: " + failed.message());
    context.use_private_key(boost::asio::buffer(tls.client_key_pem), boost::asio::ssl::context::pem,
                            failed);
    if (failed) return invalid_input("the client key is not a PEM key: " + failed.message());
  }
  return {};
}

}  // namespace deshim::http
