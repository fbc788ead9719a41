#pragma once

#include <cstdint>
#include <filesystem>

#include "common/error.hpp"

// The TLS certificate and private key of `vigie serve`: the localhost pair a new vault gets, and
// the check of any pair before the server starts.

namespace vigie::http {

// Where a server's certificate (PEM X.509; the leaf first when it holds a chain) and its private
// key (PEM, unencrypted: a server has nobody to ask for a passphrase) are.
struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

// The pair `vigie init` writes: VAULT/tls/certificate.pem and VAULT/tls/private-key.pem.
[[nodiscard]] TlsFiles default_tls_files(const std::filesystem::path& vault_dir);

// Writes a new ECDSA P-256 key and a self-signed X.509 v3 certificate for localhost (CN and DNS
// localhost, IP 127.0.0.1 and ::1; serverAuth only, not a CA; SHA-256; valid from a minute
// before `now_seconds` for 397 days). Creates the files' directory (0700) when missing, but not
// its parent. The key file is created 0600 and exclusively, so no one else can read it at any
// moment; the certificate is 0644. kConflict, naming the file, when either exists: an
// operator's certificate or key is never replaced. kInternal when OpenSSL or the disk fails,
// with OpenSSL's reason (never key material); no file is left behind then.
[[nodiscard]] Result<void> write_localhost_certificate(const TlsFiles& files, int64_t now_seconds);

// What `vigie serve` checks before it listens. kUsage, naming the file and the fix: a file that
// does not exist or cannot be read; a key file that is not a regular file of the effective
// user's or that group or others may read or write; a key that is not the certificate's; a
// certificate not valid at `now_seconds`. kInvalidInput, naming the file: a file that is not a
// PEM certificate or an unencrypted PEM private key.
[[nodiscard]] Result<void> check_tls_files(const TlsFiles& files, int64_t now_seconds);

}  // namespace vigie::http
