// The OpenSSL client context of one request: what it trusts and which certificate it shows.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "common/http/client.h"
#include "common/result.h"

namespace deshim::http {

/// Trust: `ca_pem` and `ca_file` when given, else the system's bundle. A static deshim cannot
/// rely on OpenSSL's compiled-in folder (Debian's /usr/lib/ssl, absent on other distributions
/// and in an empty chroot), so the first bundle found among the distributions' usual places is
/// loaded (as Go does), after SSL_CERT_FILE / SSL_CERT_DIR when set.
result<void> configure_tls_context(boost::asio::ssl::context& context, const tls_settings& tls);

}  // namespace deshim::http
