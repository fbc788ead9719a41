#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/client_keys.hpp"
#include "common/error.hpp"

// SMART Backend Services client assertions (SMART App Launch 2, "client-confidential-asymmetric";
// RFC 7523 JWT bearer client authentication): a JWS signed by the client with one of its
// registered keys. The signature is verified by libjwt, with the algorithm pinned to the
// registered key's (ES384 for EC P-384, RS384 for RSA): the header's `alg` only has to agree, so
// that `none`, HS384 keyed with the public key, or any other algorithm is refused before libjwt
// sees the token. The claims are then checked here: iss = sub = the client id, aud = the token
// URL, exp present, in the future and at most 5 minutes ahead, jti present.

namespace vigie::auth {

// The longest assertion taken, and the longest jti.
inline constexpr size_t kMaxAssertionBytes = 8192;
inline constexpr size_t kMaxJtiBytes = 256;
// How far in the future an assertion's exp may lie.
inline constexpr int64_t kMaxAssertionLifetimeMs = 5 * 60 * 1000;

// What an assertion claims before any check, to find the keys that verify it: never trusted.
struct AssertionClaimed {
  std::string alg;
  std::string kid;
  std::string issuer;  // the client id it claims
};

// Reads the header (alg, kid, typ) and the payload's iss of a compact JWS without verifying it.
// kAuthenticationFailed, with the reason for the audit log, when it is not three base64url parts
// of JSON objects, or longer than kMaxAssertionBytes, or its header lacks a kid or an alg, has a
// typ other than JWT, or names a key by reference (jku, jwk, x5u, x5c) or critical extensions
// (crit), none of which vigie supports.
[[nodiscard]] Result<AssertionClaimed> read_assertion_claims(std::string_view assertion);

// A verified assertion.
struct VerifiedAssertion {
  std::string client_id;
  std::string jti;
  int64_t expires_ms = 0;
};

// Verifies `assertion` as a client assertion of `client_id` signed with one of `keys` (that
// client's registered keys), for the token endpoint `audience`, at `now_ms`.
// kAuthenticationFailed with the reason (for the audit log, never for the client) when any check
// fails: no key of that kid, an alg other than the key's, a bad signature, iss or sub other than
// `client_id`, aud other than `audience`, exp missing, past or more than 5 minutes ahead, jti
// missing, empty or longer than kMaxJtiBytes.
[[nodiscard]] Result<VerifiedAssertion> verify_client_assertion(std::string_view assertion,
                                                                std::string_view client_id,
                                                                std::span<const ClientKey> keys,
                                                                std::string_view audience,
                                                                int64_t now_ms);

}  // namespace vigie::auth
