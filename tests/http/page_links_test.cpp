#include <string>

#include <gtest/gtest.h>

#include "http/page_links.hpp"

namespace vigie::http {
namespace {

constexpr int64_t kIssuedAt = 1'790'000'000'000;

TEST(PageLinks, ATokenNamesItsSearchAndPositionForItsCredentialOnly) {
  const PageLinks links;
  const QueryParameters search{{"family", "dupont"}, {"_count", "10"}};
  const std::string token = links.issue("vgt_first", "Patient", search,
                                        fhir::PagePosition{1'790'000'000'123, "p-last"}, kIssuedAt);
  EXPECT_EQ(token.find("dupont"), std::string::npos);
  EXPECT_EQ(token.find("p-last"), std::string::npos);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << "URL-safe: " << token;

  auto page = links.redeem(token, "vgt_first", kIssuedAt + 1000);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->type, "Patient");
  EXPECT_EQ(page->parameters, search);
  EXPECT_EQ(page->after.last_updated_ms, 1'790'000'000'123);
  EXPECT_EQ(page->after.id, "p-last");

  auto other = links.redeem(token, "vgt_second", kIssuedAt + 1000);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kPermissionDenied);
}

TEST(PageLinks, AnAlteredTokenIsAUsageError) {
  const PageLinks links;
  std::string token = links.issue("vgt_first", "Patient", {}, {5, "a"}, kIssuedAt);
  for (size_t index = 0; index < token.size(); index += 7) {
    std::string altered = token;
    altered[index] = altered[index] == 'A' ? 'B' : 'A';
    auto refused = links.redeem(altered, "vgt_first", kIssuedAt);
    ASSERT_FALSE(refused) << index;
    EXPECT_EQ(refused.error().code, ErrorCode::kUsage) << index;
  }
}

TEST(PageLinks, ExpiredForgedOrForeignTokensAreUsageErrors) {
  const PageLinks links;
  const std::string token = links.issue("vgt_first", "Patient", {}, {50, "x"}, kIssuedAt);
  auto expired = links.redeem(token, "vgt_first", kIssuedAt + kPageLinkLifetimeMs);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUsage);

  const PageLinks restarted;  // another process, another key
  EXPECT_EQ(restarted.redeem(token, "vgt_first", kIssuedAt).error().code, ErrorCode::kUsage);
  for (const std::string& forged : {std::string(), std::string("not base64!"),
                                    token.substr(0, token.size() / 2), token + "AAAA"}) {
    auto refused = links.redeem(forged, "vgt_first", kIssuedAt);
    ASSERT_FALSE(refused) << forged;
    EXPECT_EQ(refused.error().code, ErrorCode::kUsage) << forged;
  }
}

}  // namespace
}  // namespace vigie::http
