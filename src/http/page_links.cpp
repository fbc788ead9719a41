#include "http/page_links.hpp"

#include <optional>
#include <span>
#include <vector>

#include <boost/json.hpp>

#include "common/hex.hpp"
#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/kdf.hpp"

namespace vigie::http {

namespace {

namespace json = boost::json;

// The associated data of every token: a sealed value of another kind never opens as one.
constexpr std::string_view kPurpose = "vigie page link v2";

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string credential_hash(std::string_view bearer) {
  const auto hash = crypto::blake2b_256(bytes_of(bearer));
  return to_hex(hash);
}

tl::unexpected<Error> unusable_link() {
  return fail(ErrorCode::kUsage, "lien de page inconnu, altéré ou expiré : relancez la recherche",
              "unknown, altered or expired page link: run the search again");
}

}  // namespace

std::string PageLinks::issue(std::string_view bearer, std::string_view type,
                             const QueryParameters& parameters, const fhir::PagePosition& after,
                             int64_t now_ms) const {
  json::array pairs;
  for (const auto& [name, value] : parameters) {
    pairs.push_back(json::array{json::string(name), json::string(value)});
  }
  const std::string payload =
      json::serialize(json::object{{"credential", credential_hash(bearer)},
                                   {"type", type},
                                   {"parameters", std::move(pairs)},
                                   {"after_ms", after.last_updated_ms},
                                   {"after_id", after.id},
                                   {"expires_ms", now_ms + kPageLinkLifetimeMs}});
  return crypto::to_base64url(crypto::seal(key_, bytes_of(payload), bytes_of(kPurpose)));
}

Result<PageLinks::Page> PageLinks::redeem(std::string_view token, std::string_view bearer,
                                          int64_t now_ms) const {
  const std::optional<std::vector<uint8_t>> sealed = crypto::from_base64url(token);
  if (!sealed) {
    return unusable_link();
  }
  auto opened = crypto::open(key_, *sealed, bytes_of(kPurpose));
  if (!opened) {
    return unusable_link();
  }
  // Sealed by this process: the payload is the one issue() wrote.
  const json::object payload =
      json::parse(std::string_view(reinterpret_cast<const char*>(opened->data()), opened->size()))
          .as_object();
  if (payload.at("expires_ms").to_number<int64_t>() <= now_ms) {
    return unusable_link();
  }
  if (payload.at("credential").as_string() != credential_hash(bearer)) {
    return fail(ErrorCode::kPermissionDenied,
                "ce lien de page appartient à la recherche d'un autre identifiant",
                "this page link belongs to another credential's search");
  }
  Page page{std::string(payload.at("type").as_string()),
            {},
            {payload.at("after_ms").to_number<int64_t>(),
             std::string(payload.at("after_id").as_string())}};
  for (const json::value& pair : payload.at("parameters").as_array()) {
    page.parameters.emplace_back(std::string(pair.as_array().at(0).as_string()),
                                 std::string(pair.as_array().at(1).as_string()));
  }
  return page;
}

}  // namespace vigie::http
