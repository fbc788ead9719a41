#include "crypto/aead.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/crypto_test_support.hpp"

namespace vigie::crypto {
namespace {

using test_support::bytes;

std::vector<uint8_t> patterned(size_t size) {
  std::vector<uint8_t> out(size);
  for (size_t index = 0; index < size; ++index) {
    out[index] = static_cast<uint8_t>(index * 7 + 3);
  }
  return out;
}

void expect_integrity_failure(const Result<std::vector<uint8_t>>& result) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(result.error().message, "sealed data failed authentication");
}

class AeadTest : public ::testing::Test {
 protected:
  SecretBytes key_ = SecretBytes::random(kKeyBytes);
  std::vector<uint8_t> associated_data_ = bytes("v1|Patient|abc123|1|compartment-9");
};

TEST_F(AeadTest, RoundTrip) {
  const std::vector<uint8_t> plaintext = bytes(R"({"resourceType":"Patient"})");
  const std::vector<uint8_t> sealed = seal(key_, plaintext, associated_data_);
  ASSERT_EQ(sealed.size(), plaintext.size() + kSealOverhead);

  Result<std::vector<uint8_t>> opened = open(key_, sealed, associated_data_);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(*opened, plaintext);
}

TEST_F(AeadTest, CiphertextDoesNotContainPlaintext) {
  const std::vector<uint8_t> plaintext(64, 'A');
  const std::vector<uint8_t> sealed = seal(key_, plaintext, associated_data_);
  const std::vector<uint8_t> run(16, 'A');
  EXPECT_EQ(std::search(sealed.begin(), sealed.end(), run.begin(), run.end()), sealed.end());
}

TEST_F(AeadTest, SealingTwiceUsesFreshNonces) {
  const std::vector<uint8_t> plaintext = bytes("same input");
  const std::vector<uint8_t> first = seal(key_, plaintext, associated_data_);
  const std::vector<uint8_t> second = seal(key_, plaintext, associated_data_);
  EXPECT_NE(std::vector<uint8_t>(first.begin(), first.begin() + kNonceBytes),
            std::vector<uint8_t>(second.begin(), second.begin() + kNonceBytes));
  EXPECT_NE(first, second);
}

TEST_F(AeadTest, EmptyPlaintextAndAssociatedData) {
  const std::vector<uint8_t> sealed = seal(key_, {}, {});
  ASSERT_EQ(sealed.size(), kSealOverhead);
  Result<std::vector<uint8_t>> opened = open(key_, sealed, {});
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->empty());
  expect_integrity_failure(open(key_, sealed, associated_data_));
}

TEST_F(AeadTest, WrongKeyFails) {
  const std::vector<uint8_t> sealed = seal(key_, bytes("note"), associated_data_);
  SecretBytes other_key = SecretBytes::random(kKeyBytes);
  expect_integrity_failure(open(other_key, sealed, associated_data_));
}

TEST_F(AeadTest, WrongAssociatedDataFails) {
  const std::vector<uint8_t> sealed = seal(key_, bytes("note"), associated_data_);
  expect_integrity_failure(open(key_, sealed, bytes("v1|Patient|abc123|2|compartment-9")));
  expect_integrity_failure(open(key_, sealed, {}));
  std::vector<uint8_t> longer = associated_data_;
  longer.push_back(0);
  expect_integrity_failure(open(key_, sealed, longer));
}

TEST_F(AeadTest, EveryFlippedBitIsDetected) {
  const std::vector<uint8_t> plaintext = patterned(200);
  const std::vector<uint8_t> sealed = seal(key_, plaintext, associated_data_);
  ASSERT_TRUE(open(key_, sealed, associated_data_).has_value());

  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::vector<uint8_t> tampered = sealed;
    tampered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Result<std::vector<uint8_t>> opened = open(key_, tampered, associated_data_);
    ASSERT_FALSE(opened.has_value()) << "flipping bit " << bit << " went undetected";
    ASSERT_EQ(opened.error().code, ErrorCode::kIntegrity);
  }
}

TEST_F(AeadTest, EveryTruncationFails) {
  const std::vector<uint8_t> sealed = seal(key_, patterned(200), associated_data_);
  for (size_t length = 0; length < sealed.size(); ++length) {
    const std::span<const uint8_t> prefix(sealed.data(), length);
    Result<std::vector<uint8_t>> opened = open(key_, prefix, associated_data_);
    ASSERT_FALSE(opened.has_value()) << "prefix of length " << length << " opened";
    ASSERT_EQ(opened.error().code, ErrorCode::kIntegrity);
  }
}

TEST_F(AeadTest, ShortInputsUpToTheOverheadFail) {
  const std::vector<uint8_t> zeros(kSealOverhead + 1, 0);
  for (size_t length = 0; length <= kSealOverhead; ++length) {
    expect_integrity_failure(open(key_, std::span(zeros.data(), length), associated_data_));
  }
}

TEST_F(AeadTest, OpenSecretReturnsLockedCopy) {
  const std::vector<uint8_t> plaintext = patterned(48);
  const std::vector<uint8_t> sealed = seal(key_, plaintext, associated_data_);
  Result<SecretBytes> opened = open_secret(key_.view(), sealed, associated_data_);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(std::vector<uint8_t>(opened->view().begin(), opened->view().end()), plaintext);

  std::vector<uint8_t> tampered = sealed;
  tampered.back() ^= 1;
  Result<SecretBytes> rejected = open_secret(key_.view(), tampered, associated_data_);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().code, ErrorCode::kIntegrity);
  EXPECT_FALSE(
      open_secret(key_.view(), std::span(sealed.data(), kSealOverhead - 1), associated_data_));
}

TEST_F(AeadTest, OpenSecretOfEmptyPlaintext) {
  const std::vector<uint8_t> sealed = seal(key_, {}, associated_data_);
  Result<SecretBytes> opened = open_secret(key_.view(), sealed, associated_data_);
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->empty());
  EXPECT_FALSE(open_secret(key_.view(), sealed, {}).has_value());
}

TEST_F(AeadTest, WrapUnwrapRoundTrip) {
  SecretBytes data_key = SecretBytes::random(kKeyBytes);
  const std::vector<uint8_t> purpose = bytes("dek:patient");
  const std::vector<uint8_t> wrapped = wrap_key(key_.view(), data_key.view(), purpose);
  EXPECT_EQ(wrapped.size(), kKeyBytes + kSealOverhead);

  Result<SecretBytes> unwrapped = unwrap_key(key_.view(), wrapped, purpose);
  ASSERT_TRUE(unwrapped.has_value());
  EXPECT_TRUE(constant_time_equal(unwrapped->view(), data_key.view()));
}

TEST_F(AeadTest, UnwrapWithWrongPurposeOrKeyFails) {
  SecretBytes data_key = SecretBytes::random(kKeyBytes);
  const std::vector<uint8_t> wrapped = wrap_key(key_.view(), data_key.view(), bytes("dek:patient"));

  Result<SecretBytes> wrong_purpose = unwrap_key(key_.view(), wrapped, bytes("signing-key"));
  ASSERT_FALSE(wrong_purpose.has_value());
  EXPECT_EQ(wrong_purpose.error().code, ErrorCode::kIntegrity);

  SecretBytes other_kek = SecretBytes::random(kKeyBytes);
  Result<SecretBytes> wrong_kek = unwrap_key(other_kek.view(), wrapped, bytes("dek:patient"));
  ASSERT_FALSE(wrong_kek.has_value());
  EXPECT_EQ(wrong_kek.error().code, ErrorCode::kIntegrity);
}

TEST(AeadDeathTest, KeyOfWrongSizeAborts) {
  SecretBytes short_key = SecretBytes::random(16);
  EXPECT_DEATH((void)seal(short_key, {}, {}), "AEAD key must be 32 bytes");
}

}  // namespace
}  // namespace vigie::crypto

namespace vigie::crypto {
namespace {

TEST(AeadKeyViewTest, SpanKeysInteroperateWithSecretBytesKeys) {
  const SecretBytes key = SecretBytes::random(kKeyBytes);
  const std::vector<uint8_t> plaintext{1, 2, 3, 4};
  const std::vector<uint8_t> associated{9};
  auto opened = open(key, seal(key.view(), plaintext, associated), associated);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, plaintext);
  auto opened_by_view = open(key.view(), seal(key, plaintext, associated), associated);
  ASSERT_TRUE(opened_by_view.has_value());
  EXPECT_EQ(*opened_by_view, plaintext);
}

TEST(AeadKeyViewTest, UnwrapIntoFillsOrZeroes) {
  const SecretBytes kek = SecretBytes::random(kKeyBytes);
  const SecretBytes data_key = SecretBytes::random(kKeyBytes);
  const std::vector<uint8_t> purpose{'p'};
  const std::vector<uint8_t> wrapped = wrap_key(kek.view(), data_key.view(), purpose);
  std::vector<uint8_t> out(kKeyBytes, 0xEE);
  ASSERT_TRUE(unwrap_key_into(kek.view(), wrapped, purpose, out).has_value());
  EXPECT_TRUE(constant_time_equal(out, data_key.view()));

  const std::vector<uint8_t> other_purpose{'q'};
  std::fill(out.begin(), out.end(), 0xEE);
  auto refused = unwrap_key_into(kek.view(), wrapped, other_purpose, out);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(out, std::vector<uint8_t>(kKeyBytes, 0));

  std::vector<uint8_t> too_small(kKeyBytes - 1);
  EXPECT_EQ(unwrap_key_into(kek.view(), wrapped, purpose, too_small).error().code,
            ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace vigie::crypto
