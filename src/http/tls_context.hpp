#pragma once

#include <boost/asio/ssl/context.hpp>

#include "common/error.hpp"
#include "http/tls_files.hpp"

namespace vigie::http {

// Sets up a server's TLS context: TLS 1.2 and 1.3 only; for 1.2, forward-secret AEAD suites only
// (Mozilla's "intermediate" list); no compression, no renegotiation; the certificate chain and
// key of `files`. kUsage naming the file (never its contents) when either cannot be loaded or
// the key is not the certificate's. Shared by the FHIR server and the metrics listener.
[[nodiscard]] Result<void> configure_tls(boost::asio::ssl::context& context, const TlsFiles& files);

}  // namespace vigie::http
