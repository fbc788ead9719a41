#include "crypto/secret_stream.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "crypto/recipient_key.hpp"
#include "crypto/sha256.hpp"

namespace vigie::crypto {
namespace {

std::vector<uint8_t> stream_bytes(std::string_view text) { return {text.begin(), text.end()}; }

TEST(SecretStreamTest, AMessageOpensOnlyWithTheAssociatedDataItWasSealedWith) {
  SecretBytes key = new_stream_key();
  StreamSealer sealer(key.view());
  const auto sealed = sealer.seal(stream_bytes("un"), true, stream_bytes("en-tete"));
  auto other_data = StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(other_data);
  EXPECT_FALSE(other_data->open(sealed, stream_bytes("EN-TETE")));
  auto no_data = StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(no_data);
  EXPECT_FALSE(no_data->open(sealed));
  auto same_data = StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(same_data);
  auto opened = same_data->open(sealed, stream_bytes("en-tete"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->plaintext, stream_bytes("un"));
  EXPECT_TRUE(opened->final);
}

TEST(SecretStreamTest, MessagesOpenInOrderAndTheLastIsFinal) {
  SecretBytes key = new_stream_key();
  StreamSealer sealer(key.view());
  const auto first = sealer.seal(stream_bytes("un"), false);
  const auto last = sealer.seal(stream_bytes("deux"), true);
  EXPECT_EQ(first.size(), 2 + kStreamMessageOverhead);
  auto opener = StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(opener);
  auto one = opener->open(first);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->plaintext, stream_bytes("un"));
  EXPECT_FALSE(one->final);
  auto two = opener->open(last);
  ASSERT_TRUE(two);
  EXPECT_TRUE(two->final);
  EXPECT_FALSE(opener->open(last));  // nothing after the final message
}

TEST(SecretStreamTest, AReorderedDroppedOrAlteredMessageFails) {
  SecretBytes key = new_stream_key();
  StreamSealer sealer(key.view());
  const auto first = sealer.seal(stream_bytes("un"), false);
  auto second = sealer.seal(stream_bytes("deux"), false);
  auto skipped = StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(skipped);
  EXPECT_FALSE(skipped->open(second));
  second[3] ^= 1;
  auto altered = StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(altered->open(first));
  EXPECT_FALSE(altered->open(second));
  SecretBytes other = new_stream_key();
  auto wrong = StreamOpener::start(other.view(), sealer.header());
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(wrong->open(first));
}

TEST(Sha256Test, KnownVectorInPieces) {
  Sha256 hash;
  hash.update(std::string_view("a"));
  hash.update(std::string_view("bc"));
  EXPECT_EQ(to_hex(hash.finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RecipientKeyTest, ThePublicKeyIsComputedFromTheSecret) {
  const BoxKeyPair pair = generate_box_key_pair();
  auto again = box_key_pair_from_secret(pair.secret_key.view());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->public_key, pair.public_key);
  EXPECT_FALSE(box_key_pair_from_secret(std::array<uint8_t, 31>{}));
}

}  // namespace
}  // namespace vigie::crypto
