#include "crypto/signing.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <array>

namespace vigie::crypto {
namespace {

// crypto_box_SEALBYTES: an ephemeral public key and a Poly1305 tag.
constexpr size_t kSealedBoxOverhead = 48;

std::vector<uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

TEST(SigningTest, KeyPairsHaveExpectedSizesAndDiffer) {
  const SigningKeyPair first = generate_signing_key_pair();
  const SigningKeyPair second = generate_signing_key_pair();
  EXPECT_EQ(first.secret_key.size(), kSigningSecretKeyBytes);
  EXPECT_NE(first.public_key, second.public_key);
}

TEST(SigningTest, PublicKeyIsRecoveredFromTheSecretKey) {
  const SigningKeyPair pair = generate_signing_key_pair();
  const SigningKeyPair other = generate_signing_key_pair();
  EXPECT_EQ(signing_public_key(pair.secret_key), pair.public_key);
  EXPECT_EQ(signing_public_key(other.secret_key), other.public_key);
  const auto signature = sign(pair.secret_key, bytes("checkpoint"));
  EXPECT_TRUE(
      verify_signature(signing_public_key(pair.secret_key), bytes("checkpoint"), signature));
}

TEST(SigningTest, SignatureVerifies) {
  const SigningKeyPair pair = generate_signing_key_pair();
  const std::vector<uint8_t> message = bytes("checkpoint 42: head=abcdef");
  const auto signature = sign(pair.secret_key, message);
  EXPECT_TRUE(verify_signature(pair.public_key, message, signature));
  EXPECT_TRUE(verify_signature(pair.public_key, {}, sign(pair.secret_key, {})));
}

TEST(SigningTest, EveryFlippedSignatureBitFails) {
  const SigningKeyPair pair = generate_signing_key_pair();
  const std::vector<uint8_t> message = bytes("checkpoint 42: head=abcdef");
  const auto signature = sign(pair.secret_key, message);
  for (size_t bit = 0; bit < signature.size() * 8; ++bit) {
    auto tampered = signature;
    tampered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_FALSE(verify_signature(pair.public_key, message, tampered)) << "bit " << bit;
  }
}

TEST(SigningTest, ModifiedMessageOrOtherKeyFails) {
  const SigningKeyPair pair = generate_signing_key_pair();
  const SigningKeyPair other = generate_signing_key_pair();
  std::vector<uint8_t> message = bytes("checkpoint 42: head=abcdef");
  const auto signature = sign(pair.secret_key, message);
  EXPECT_FALSE(verify_signature(other.public_key, message, signature));
  message.back() ^= 1;
  EXPECT_FALSE(verify_signature(pair.public_key, message, signature));
}

TEST(SigningTest, WrongSizedInputsFail) {
  const SigningKeyPair pair = generate_signing_key_pair();
  const std::vector<uint8_t> message = bytes("m");
  const auto signature = sign(pair.secret_key, message);
  EXPECT_FALSE(verify_signature(std::span(pair.public_key).first(31), message, signature));
  EXPECT_FALSE(verify_signature(pair.public_key, message, std::span(signature).first(63)));
  EXPECT_FALSE(verify_signature({}, message, {}));
}

TEST(SealedBoxTest, RoundTrip) {
  const BoxKeyPair recipient = generate_box_key_pair();
  EXPECT_EQ(recipient.secret_key.size(), kBoxSecretKeyBytes);
  const std::vector<uint8_t> plaintext = bytes("export package manifest");
  const std::vector<uint8_t> sealed = seal_to_recipient(recipient.public_key, plaintext).value();
  EXPECT_EQ(sealed.size(), plaintext.size() + kSealedBoxOverhead);

  Result<std::vector<uint8_t>> opened = open_from_sender(recipient, sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, plaintext);
}

TEST(SealedBoxTest, UnusableRecipientKeysAreInputErrors) {
  const std::array<uint8_t, kBoxPublicKeyBytes> low_order{};  // the all-zero point
  auto refused = seal_to_recipient(low_order, bytes("package"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
  const std::array<uint8_t, 31> short_key{};
  EXPECT_EQ(seal_to_recipient(short_key, bytes("package")).error().code, ErrorCode::kInvalidInput);
}

TEST(SealedBoxTest, EmptyPlaintextRoundTrip) {
  const BoxKeyPair recipient = generate_box_key_pair();
  const std::vector<uint8_t> sealed = seal_to_recipient(recipient.public_key, {}).value();
  ASSERT_EQ(sealed.size(), kSealedBoxOverhead);
  Result<std::vector<uint8_t>> opened = open_from_sender(recipient, sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->empty());
}

TEST(SealedBoxTest, EveryFlippedBitIsDetected) {
  const BoxKeyPair recipient = generate_box_key_pair();
  const std::vector<uint8_t> sealed =
      seal_to_recipient(recipient.public_key, bytes("package")).value();
  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::vector<uint8_t> tampered = sealed;
    tampered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Result<std::vector<uint8_t>> opened = open_from_sender(recipient, tampered);
    ASSERT_FALSE(opened.has_value()) << "bit " << bit;
    ASSERT_EQ(opened.error().code, ErrorCode::kIntegrity);
  }
}

TEST(SealedBoxTest, OtherRecipientAndTruncationFail) {
  const BoxKeyPair recipient = generate_box_key_pair();
  const BoxKeyPair other = generate_box_key_pair();
  const std::vector<uint8_t> sealed =
      seal_to_recipient(recipient.public_key, bytes("package")).value();

  Result<std::vector<uint8_t>> wrong_recipient = open_from_sender(other, sealed);
  ASSERT_FALSE(wrong_recipient.has_value());
  EXPECT_EQ(wrong_recipient.error().code, ErrorCode::kIntegrity);

  for (size_t length = 0; length < sealed.size(); ++length) {
    Result<std::vector<uint8_t>> opened =
        open_from_sender(recipient, std::span(sealed).first(length));
    ASSERT_FALSE(opened.has_value()) << "prefix of length " << length;
    EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  }
}

}  // namespace
}  // namespace vigie::crypto
