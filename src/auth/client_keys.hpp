#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "common/error.hpp"

// The public keys a service account signs its SMART Backend Services client assertions with
// (SMART App Launch 2, client-confidential-asymmetric), registered by the custodian from a JWKS
// file (RFC 7517). Only two kinds are taken, each pinned to one algorithm: EC P-384 keys for
// ES384 and RSA keys of 2048 bits or more for RS384. A key is stored as the canonical JSON of its
// public members (ClientKey::jwk) and turned into an OpenSSL key (EVP_PKEY_fromdata) when an
// assertion is checked: neither the JWT library nor anything else reads the JWKS.

namespace vigie::auth {

// The most keys one JWKS file may register, and the longest kid.
inline constexpr size_t kMaxClientKeys = 10;
inline constexpr size_t kMaxKidLength = 128;
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

// One checked public key.
struct ClientKey {
  std::string kid;  // 1 to 128 printable ASCII characters
  std::string alg;  // "ES384" (EC P-384) or "RS384" (RSA), fixed by the key's type
  std::string jwk;  // canonical JSON of kty, kid, alg and the public members, nothing else
};

// The keys of a JWKS document `{"keys": [...]}`: 1 to kMaxClientKeys keys, each with a kid
// unique in the document, `use` absent or "sig", `alg` absent or the one its type allows.
// kInvalidInput with a fixed message (French, then English) that names the rule broken and never
// repeats a value of the file, for malformed JSON, a private key (a `d` member, or any RSA private
// member), another key type or curve, a weak RSA key, a point off the curve, a duplicate kid.
[[nodiscard]] Result<std::vector<ClientKey>> parse_client_jwks(std::string_view text);

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PublicKey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// The OpenSSL key of one JWK (the same checks as parse_client_jwks, for one key): what
// parse_client_jwks builds to check a key, and what an assertion is verified with, from the
// stored ClientKey::jwk.
[[nodiscard]] Result<PublicKey> public_key_of_jwk(std::string_view jwk);

// The key as a PEM SubjectPublicKeyInfo, the form libjwt takes.
[[nodiscard]] Result<std::string> public_key_pem(const EVP_PKEY& key);

}  // namespace vigie::auth
