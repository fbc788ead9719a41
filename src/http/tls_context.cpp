#include "http/tls_context.hpp"

#include <openssl/ssl.h>

namespace vigie::http {

namespace ssl = boost::asio::ssl;

Result<void> configure_tls(ssl::context& context, const TlsFiles& files) {
  SSL_CTX* native = context.native_handle();
  constexpr char kTls12Suites[] =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Suites) != 1) {
    return fail(ErrorCode::kInternal, "OpenSSL refuse la configuration TLS",
                "OpenSSL refused the TLS settings");
  }
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  context.use_certificate_chain_file(files.certificate.string(), ec);
  if (ec) {
    return fail(ErrorCode::kUsage,
                "certificat TLS illisible (PEM attendu) : " + files.certificate.string(),
                "cannot load the TLS certificate (PEM expected): " + files.certificate.string());
  }
  context.use_private_key_file(files.private_key.string(), ssl::context::pem, ec);
  if (ec) {
    return fail(ErrorCode::kUsage,
                "clé privée TLS illisible (PEM attendu) : " + files.private_key.string(),
                "cannot load the TLS private key (PEM expected): " + files.private_key.string());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return fail(
        ErrorCode::kUsage,
        "la clé privée TLS ne correspond pas au certificat : " + files.private_key.string(),
        "the TLS private key does not match the certificate: " + files.private_key.string());
  }
  return {};
}

}  // namespace vigie::http
