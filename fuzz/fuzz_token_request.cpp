// Untrusted SMART token requests: the form body a backend service posts to /auth/token, the
// client assertion inside it, its scopes, and a JWKS file given to `vigie client add`. The input
// is parsed as a form body; when it parses, its assertion is read and verified against a key made
// at start-up (a fuzzer cannot sign with it, so nothing verifies), and its scopes are checked.
// The whole input is also parsed as a JWKS. Every refusal is a fixed reason, never the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/client_assertion.hpp"
#include "auth/client_keys.hpp"
#include "auth/token_request.hpp"
#include "fuzz_invariant.hpp"
#include "support/client_signer.hpp"

namespace {

using vigie::fuzz::require;

const std::vector<vigie::auth::ClientKey>& registered_keys() {
  static const std::vector<vigie::auth::ClientKey> keys = [] {
    const vigie::test_support::ClientSigner signer(vigie::test_support::ClientSigner::Kind::kEcP384,
                                                   "key-1");
    auto parsed = vigie::auth::parse_client_jwks(signer.jwks());
    require(parsed.has_value(), "a generated key registers");
    return *parsed;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::auth;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = parse_token_request(text);
  if (!request) {
    require(request.error().reason.find('=') == std::string::npos,
            "a refusal's reason is fixed text");
  } else {
    auto claimed = read_assertion_claims(request->assertion);
    require(claimed || claimed.error().code == vigie::ErrorCode::kAuthenticationFailed,
            "a bad assertion is an authentication failure");
    auto verified = verify_client_assertion(request->assertion, "lab-feed", registered_keys(),
                                            "https://vigie.example/auth/token", 1'800'000'000'000);
    require(!verified && verified.error().code == vigie::ErrorCode::kAuthenticationFailed,
            "no assertion verifies without the client's private key");
    auto scopes = service_scopes(request->scope);
    if (scopes) {
      require(!scopes->empty(), "at least one scope");
      for (const std::string& scope : *scopes) {
        require(scope.starts_with("system/"), "a service holds system/ scopes only");
      }
    } else {
      require(scopes.error().error == OAuthError::kInvalidScope, "a bad scope is invalid_scope");
    }
  }
  auto keys = parse_client_jwks(text);
  if (keys) {
    require(!keys->empty() && keys->size() <= kMaxClientKeys, "1 to 10 keys");
    for (const ClientKey& key : *keys) {
      require(key.alg == "ES384" || key.alg == "RS384", "only the two pinned algorithms");
      require(key.jwk.find("\"d\"") == std::string::npos, "no private member is kept");
      require(public_key_of_jwk(key.jwk).has_value(), "a stored key loads again");
    }
  } else {
    require(keys.error().code == vigie::ErrorCode::kInvalidInput, "a bad JWKS is invalid input");
    require(keys.error().french.starts_with("JWKS refusé : ") &&
                keys.error().message.starts_with("JWKS refused: "),
            "the message says it in French and in English");
  }
  return 0;
}
