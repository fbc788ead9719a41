#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/search.hpp"
#include "http/message.hpp"

namespace vigie::http {

// Links to the next page of a search: an opaque token sealed (XChaCha20-Poly1305) under a key
// drawn at start and held in locked memory, so that a client can neither read the query back
// from it (it may hold patient values) nor forge one; bound to the bearer credential that made
// the search, and valid for kPageLinkLifetimeMs in this process (a restart ends them).
// Immutable once made: shared by every worker without a lock.
inline constexpr int64_t kPageLinkLifetimeMs = 60LL * 60 * 1000;

class PageLinks {
 public:
  PageLinks() : key_(crypto::SecretBytes::random(32)) {}

  // The token of the page of `type`'s search `parameters` that starts after `after` (the last
  // entry of the page before: keyset paging), for `bearer`, issued at `now_ms`: URL-safe base64.
  [[nodiscard]] std::string issue(std::string_view bearer, std::string_view type,
                                  const QueryParameters& parameters,
                                  const fhir::PagePosition& after, int64_t now_ms) const;

  struct Page {
    std::string type;
    QueryParameters parameters;
    fhir::PagePosition after;  // the page starts after this entry
  };
  // What a token names. kUsage for a token this process did not issue, altered, or expired;
  // kPermissionDenied for one issued to another credential.
  [[nodiscard]] Result<Page> redeem(std::string_view token, std::string_view bearer,
                                    int64_t now_ms) const;

 private:
  crypto::SecretBytes key_;
};

}  // namespace vigie::http
