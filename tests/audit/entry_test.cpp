#include "audit/entry.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "audit/sample_entries.hpp"

namespace vigie::audit {
namespace {

using testing::sample_entry;

Entry full_entry() {
  Entry entry;
  entry.seq = 123'456'789'012;
  entry.time_ms = 1'709'630'123'456;
  entry.actor = Actor{.kind = ActorKind::kCustodian,
                      .login = "",
                      .os_user = "hélène",
                      .session_id = "cli-4242",
                      .address = "2001:db8::1",
                      .user_agent = "vigie/0.1 \xF0\x9F\xA9\xBA",
                      .auth_method = "key-file"};
  entry.action = std::string(kActionSearch);
  entry.purpose = "urgence : patient inconscient";
  entry.break_glass = true;
  entry.outcome = Outcome::kDenied;
  entry.reason = "permission_denied";
  entry.resources_returned = -1;
  entry.decrypted_data_left = false;
  entry.supervise = true;
  entry.targets = {
      Target{.type = "Patient", .id = "a", .version = 3, .compartment = "a"},
      Target{.type = "Observation", .id = "b", .version = 1, .compartment = "a"},
      Target{.type = "Observation", .id = "c", .version = 0, .compartment = "z"},
      Target{.type = "Practitioner", .id = "d", .version = 2, .compartment = "*shared"},
      Target{.type = "", .id = "", .version = -5, .compartment = ""},
      Target{.type = "", .id = "", .version = 0, .compartment = ""}};
  return entry;
}

TEST(EntryTest, RoundTripKeepsEveryField) {
  const Entry entry = full_entry();
  const std::vector<uint8_t> bytes = encode(entry);
  Result<Entry> decoded = decode(bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(*decoded, entry);
  EXPECT_EQ(canonical_seq(bytes), entry.seq);
  EXPECT_EQ(bytes[0], kEntryFormatVersion);
}

TEST(EntryTest, RoundTripOfEveryEnumValueAndDefaults) {
  for (ActorKind kind : {ActorKind::kCustodian, ActorKind::kAccount, ActorKind::kService}) {
    for (Outcome outcome : {Outcome::kSuccess, Outcome::kDenied, Outcome::kFailed}) {
      Entry entry;
      entry.actor.kind = kind;
      entry.outcome = outcome;
      Result<Entry> decoded = decode(encode(entry));
      ASSERT_TRUE(decoded.has_value());
      EXPECT_EQ(*decoded, entry);
    }
  }
}

TEST(EntryTest, ManyTargetsRoundTripCompactly) {
  Entry entry = sample_entry(7);
  entry.action = std::string(kActionSearch);
  entry.targets.clear();
  for (int index = 0; index < 5000; ++index) {
    entry.targets.push_back(Target{.type = "Observation",
                                   .id = "0f8fad5b-d9cb-469f-a165-" + std::to_string(index),
                                   .version = 1 + index % 3,
                                   .compartment = "patient-" + std::to_string(index / 100)});
  }
  const std::vector<uint8_t> bytes = encode(entry);
  // The repeated type and compartment are not stored again: about id + 11 bytes per target.
  EXPECT_LT(bytes.size(), 5000u * 45u);
  Result<Entry> decoded = decode(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, entry);
}

TEST(EntryTest, EncodingIsDeterministicAndLittleEndian) {
  Entry entry;
  entry.seq = 0x0102030405060708;
  entry.time_ms = 1;
  const std::vector<uint8_t> bytes = encode(entry);
  EXPECT_EQ(bytes, encode(entry));
  ASSERT_GE(bytes.size(), 17u);
  const std::vector<uint8_t> seq_bytes(bytes.begin() + 1, bytes.begin() + 9);
  EXPECT_EQ(seq_bytes, (std::vector<uint8_t>{8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(bytes[9], 1);
}

TEST(EntryTest, TypicalEntryIsSmall) { EXPECT_LT(encode(sample_entry(1)).size(), 200u); }

TEST(EntryTest, OverlongAndInvalidStringsAreCleanedToDecodableBytes) {
  Entry entry = sample_entry(1);
  entry.actor.user_agent = std::string(5000, 'a');
  entry.purpose = "caf\xC3";                           // cut in the middle of a character
  entry.reason = std::string(4095, 'b') + "\xC3\xA9";  // the last character would pass 4096
  Result<Entry> decoded = decode(encode(entry));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->actor.user_agent, std::string(kMaxStringBytes, 'a'));
  EXPECT_EQ(decoded->purpose, "caf\xEF\xBF\xBD");
  EXPECT_EQ(decoded->reason, std::string(4095, 'b'));
}

TEST(EntryTest, TargetsBeyondTheLimitAreDropped) {
  Entry entry = sample_entry(1);
  entry.targets.assign(kMaxTargets + 3,
                       Target{.type = "Observation", .id = "x", .version = 1, .compartment = "p"});
  Result<Entry> decoded = decode(encode(entry));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->targets.size(), kMaxTargets);
}

TEST(EntryTest, EveryTruncationIsAnIntegrityError) {
  const std::vector<uint8_t> bytes = encode(full_entry());
  for (size_t length = 0; length < bytes.size(); ++length) {
    const std::span<const uint8_t> prefix(bytes.data(), length);
    Result<Entry> decoded = decode(prefix);
    ASSERT_FALSE(decoded.has_value()) << "prefix of length " << length;
    EXPECT_EQ(decoded.error().code, ErrorCode::kIntegrity);
    EXPECT_FALSE(canonical_seq(prefix).has_value());
  }
}

TEST(EntryTest, TrailingBytesAreRejected) {
  std::vector<uint8_t> bytes = encode(sample_entry(3));
  bytes.push_back(0);
  Result<Entry> decoded = decode(bytes);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(decoded.error().message.find("trailing"), std::string::npos);
}

TEST(EntryTest, UnknownFormatVersionIsRejected) {
  std::vector<uint8_t> bytes = encode(sample_entry(3));
  bytes[0] = 2;
  EXPECT_EQ(decode(bytes).error().code, ErrorCode::kIntegrity);
}

// Offsets in the encoding of an entry whose strings are all empty and which has no target.
constexpr size_t kActorKindOffset = 17;
constexpr size_t kFirstStringOffset = 18;
constexpr size_t kFlagsOffset = kFirstStringOffset + size_t{8} * 2;
constexpr size_t kOutcomeOffset = kFlagsOffset + 1;
constexpr size_t kCountOffset = kOutcomeOffset + 1 + 2 + 8;

TEST(EntryTest, UnknownEnumValuesAndReservedFlagsAreRejected) {
  const std::vector<uint8_t> bytes = encode(Entry{});
  ASSERT_EQ(bytes.size(), kCountOffset + 4);
  ASSERT_TRUE(decode(bytes).has_value());
  for (auto [offset, value] : std::vector<std::pair<size_t, uint8_t>>{{kActorKindOffset, 3},
                                                                      {kFlagsOffset, 0x10},
                                                                      {kFlagsOffset, 0x80},
                                                                      {kOutcomeOffset, 3}}) {
    std::vector<uint8_t> tampered = bytes;
    tampered[offset] = value;
    Result<Entry> decoded = decode(tampered);
    ASSERT_FALSE(decoded.has_value()) << "offset " << offset;
    EXPECT_EQ(decoded.error().code, ErrorCode::kIntegrity);
  }
}

TEST(EntryTest, AbsurdLengthsAreRejectedWithoutAllocating) {
  std::vector<uint8_t> bytes = encode(Entry{});
  std::vector<uint8_t> long_string = bytes;
  long_string[kFirstStringOffset] = 0x01;  // 4097 bytes
  long_string[kFirstStringOffset + 1] = 0x10;
  long_string.insert(long_string.begin() + kFirstStringOffset + 2, 4097, 'a');
  Result<Entry> decoded = decode(long_string);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("limit"), std::string::npos);

  std::vector<uint8_t> many_targets = bytes;
  many_targets[kCountOffset] = 0xFF;
  many_targets[kCountOffset + 1] = 0xFF;
  many_targets[kCountOffset + 2] = 0xFF;
  many_targets[kCountOffset + 3] = 0xFF;
  EXPECT_EQ(decode(many_targets).error().code, ErrorCode::kIntegrity);
}

TEST(EntryTest, InvalidUtf8IsRejected) {
  Entry entry;
  entry.action = "ab";
  std::vector<uint8_t> bytes = encode(entry);
  const size_t action_offset = kFirstStringOffset + size_t{6} * 2 + 2;
  ASSERT_EQ(bytes[action_offset], 'a');
  for (std::vector<uint8_t> bad : std::vector<std::vector<uint8_t>>{
           {0xC3, 0x28}, {0xC0, 0x80}, {0xED, 0xA0}, {0xFF, 0x41}, {0x80, 0x41}}) {
    std::vector<uint8_t> tampered = bytes;
    tampered[action_offset] = bad[0];
    tampered[action_offset + 1] = bad[1];
    ASSERT_FALSE(decode(tampered).has_value()) << int(bad[0]) << " " << int(bad[1]);
  }
}

TEST(EntryTest, NonCanonicalRepeatsAreRejected) {
  Entry entry;
  entry.targets = {Target{.type = "Patient", .id = "a", .version = 1, .compartment = "a"}};
  std::vector<uint8_t> one = encode(entry);
  // The first target may not claim to repeat a previous one.
  std::vector<uint8_t> repeats_first = one;
  repeats_first[kCountOffset + 4] = 0x01;
  EXPECT_FALSE(decode(repeats_first).has_value());

  // A second target that spells out the previous type instead of setting the flag.
  entry.targets.push_back(Target{.type = "Patient", .id = "b", .version = 1, .compartment = "b"});
  std::vector<uint8_t> two = encode(entry);
  const size_t second = one.size();
  ASSERT_EQ(two[second], 0x01);  // same type, another compartment
  std::vector<uint8_t> spelled_out(two.begin(), two.begin() + static_cast<std::ptrdiff_t>(second));
  spelled_out[kCountOffset] = 2;
  spelled_out.push_back(0x00);
  for (uint8_t byte : std::vector<uint8_t>{7, 0, 'P', 'a', 't', 'i', 'e', 'n', 't'}) {
    spelled_out.push_back(byte);
  }
  spelled_out.insert(spelled_out.end(), two.begin() + static_cast<std::ptrdiff_t>(second) + 1,
                     two.end());
  Result<Entry> decoded = decode(spelled_out);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, ErrorCode::kIntegrity);
}

TEST(EntryTest, RandomGarbageNeverDecodesWrongly) {
  std::mt19937 random(20240305);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 300);
  const std::vector<uint8_t> valid = encode(sample_entry(9));
  for (int round = 0; round < 20'000; ++round) {
    std::vector<uint8_t> bytes;
    if (round % 2 == 0) {
      bytes.resize(length(random));
      for (uint8_t& value : bytes) {
        value = static_cast<uint8_t>(byte(random));
      }
    } else {
      bytes = valid;
      bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(random)] =
          static_cast<uint8_t>(byte(random));
    }
    Result<Entry> decoded = decode(bytes);
    EXPECT_EQ(canonical_seq(bytes).has_value(), decoded.has_value());
    if (decoded) {
      // Whatever decodes is canonical: it encodes back to the same bytes.
      ASSERT_EQ(encode(*decoded), bytes);
    } else {
      ASSERT_EQ(decoded.error().code, ErrorCode::kIntegrity);
    }
  }
}

TEST(EntryTest, NamesAreStable) {
  EXPECT_EQ(name_of(ActorKind::kCustodian), "custodian");
  EXPECT_EQ(name_of(ActorKind::kService), "service");
  EXPECT_EQ(name_of(Outcome::kDenied), "denied");
  EXPECT_EQ(name_of(Outcome::kFailed), "failed");
}

}  // namespace
}  // namespace vigie::audit
