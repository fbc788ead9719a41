// The honey set of a vault (docs/architecture.md 12.2): sealed under the master key in the
// keyring, never in clear, loaded at unlock and shared by siblings.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_sql.hpp"
#include "vault/honey_set.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::VaultTest;

TEST(HoneyIdsTest, EncodedIdsArePaddedToWholeBlocksAndComeBack) {
  for (const size_t count : {size_t{0}, size_t{1}, size_t{150}}) {
    std::vector<std::string> ids;
    for (size_t index = 0; index < count; ++index) {
      ids.push_back(vault::Vault::new_id());
    }
    const std::vector<uint8_t> plain = vault::encode_honey_ids(ids);
    EXPECT_EQ(plain.size() % vault::kHoneyPaddingBytes, 0U);
    auto decoded = vault::decode_honey_ids(plain);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, ids);
  }
  // One id or sixty: the same size.
  EXPECT_EQ(vault::encode_honey_ids(std::vector<std::string>(1, vault::Vault::new_id())).size(),
            vault::encode_honey_ids(std::vector<std::string>(60, vault::Vault::new_id())).size());
}

TEST(HoneyIdsTest, AnythingElseIsRefused) {
  const std::vector<std::string> ids{vault::Vault::new_id()};
  std::vector<uint8_t> plain = vault::encode_honey_ids(ids);
  std::vector<uint8_t> no_format = plain;
  no_format[0] = 'X';
  std::vector<uint8_t> trailing = plain;
  trailing.back() = 'x';
  std::vector<uint8_t> short_block(plain.begin(), plain.end() - 1);
  std::vector<uint8_t> empty_line = plain;
  const std::string_view format = "vigie-honey/v1\n";
  empty_line[format.size()] = '\n';
  for (const std::vector<uint8_t>* bad : {&no_format, &trailing, &short_block, &empty_line}) {
    auto decoded = vault::decode_honey_ids(*bad);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::kIntegrity);
  }
}

TEST(HoneySetTest, LooksUpIdsFromManyThreads) {
  vault::HoneySet set;
  EXPECT_FALSE(set.contains("a"));
  const std::vector<std::string> ids{"b", "a"};
  set.assign(ids);
  EXPECT_EQ(set.size(), 2U);
  EXPECT_EQ(set.ids(), (std::vector<std::string>{"a", "b"}));
  std::vector<std::thread> readers;
  std::atomic<int> found = 0;
  for (int thread = 0; thread < 4; ++thread) {
    readers.emplace_back([&] {
      for (int round = 0; round < 1000; ++round) {
        found += set.contains("a") && !set.contains("c") ? 1 : 0;
      }
    });
  }
  for (std::thread& reader : readers) {
    reader.join();
  }
  EXPECT_EQ(found.load(), 4000);
}

class VaultHoneyTest : public VaultTest {};

TEST_F(VaultHoneyTest, DecoysAreSealedInTheKeyringKeptAcrossUnlocksAndSharedBySiblings) {
  const std::string decoy = create(R"({"resourceType":"Patient"})").id;
  const std::string real = create(R"({"resourceType":"Patient"})").id;
  auto sibling = vault_->open_sibling();
  ASSERT_TRUE(sibling) << sibling.error().message;
  EXPECT_FALSE(vault_->is_decoy(decoy));
  ASSERT_TRUE(vault_->add_decoys(std::vector<std::string>{decoy}));
  EXPECT_TRUE(vault_->is_decoy(decoy));
  EXPECT_TRUE((*sibling)->is_decoy(decoy));
  EXPECT_FALSE((*sibling)->is_decoy(real));

  const std::string keyring = testing::read_file(dir_.path() / "keyring.db");
  EXPECT_EQ(keyring.find(decoy), std::string::npos);
  EXPECT_EQ(keyring.find("honey"), std::string::npos);

  sibling->reset();
  reopen();
  EXPECT_TRUE(vault_->is_decoy(decoy));
  EXPECT_FALSE(vault_->is_decoy(real));
  EXPECT_EQ(vault_->decoys(), std::vector<std::string>{decoy});
}

TEST_F(VaultHoneyTest, AnAlteredSealedSetRefusesTheUnlock) {
  ASSERT_TRUE(vault_->add_decoys(std::vector<std::string>{vault::Vault::new_id()}));
  vault_.reset();
  testing::exec_raw(dir_.path() / "keyring.db",
                    "UPDATE system_keys SET wrapped = zeroblob(length(wrapped)) WHERE name = "
                    "'sealed-register'");
  auto opened = vault::Vault::open(dir_.path(), testing::passphrase(kPassphrase), clock_,
                                   testing::kTestMemory);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace vigie
