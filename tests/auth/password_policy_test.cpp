#include "auth/password_policy.hpp"

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::auth {
namespace {

using namespace std::string_literals;

constexpr std::string_view kLogin = "jdupont";
constexpr std::string_view kName = "Jean Dupont";
constexpr std::string_view kStrong = "Lune-Verte-Kiwi-93";

void expect_refused(std::string_view password, std::string_view login, std::string_view name,
                    std::string_view message) {
  Result<void> checked = check_password(password, login, name);
  ASSERT_FALSE(checked.has_value()) << password;
  EXPECT_EQ(checked.error().code, ErrorCode::kInvalidInput) << password;
  EXPECT_EQ(to_display_text(checked.error()), message) << password;
}

constexpr std::string_view kTooShort =
    "le mot de passe doit comporter au moins 12 caractères / the password must be at least 12 "
    "characters long";
constexpr std::string_view kHasLogin =
    "le mot de passe ne doit pas contenir l'identifiant / the password must not contain the login";
constexpr std::string_view kHasName =
    "le mot de passe ne doit pas contenir le nom / the password must not contain the name";
constexpr std::string_view kCracklibFrench = "mot de passe trop faible selon cracklib : ";
constexpr std::string_view kCracklibEnglish = "password too weak according to cracklib: ";

TEST(PasswordPolicyTest, AcceptsALongUnrelatedPassword) {
  Result<void> checked = check_password(kStrong, kLogin, kName);
  EXPECT_TRUE(checked.has_value()) << checked.error().message;
}

TEST(PasswordPolicyTest, NeedsTwelveCharacters) {
  expect_refused("Kx7#pLm2qR9", kLogin, kName, kTooShort);
  EXPECT_TRUE(check_password("Kx7#pLm2qR9w", kLogin, kName).has_value());
}

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {
  // 11 characters in 22 bytes, then 12 characters.
  expect_refused(
      "\xc3\xa0\xc3\xa9\xc3\xae\xc3\xb5\xc3\xbc\xc3\xa7\xc3\xa0\xc3\xa9\xc3\xae\xc3\xb5"
      "\xc3\xbc",
      kLogin, kName, kTooShort);
  Result<void> twelve = check_password("\xc3\x87\xc3\xa0-m\xc3\xa2rch\xc3\xa9-7!", kLogin, kName);
  EXPECT_TRUE(twelve.has_value()) << twelve.error().message;
}

TEST(PasswordPolicyTest, RefusesThePasswordEqualToOrContainingTheLogin) {
  expect_refused("jean.dupont.x", "jean.dupont.x", "Marie Curie", kHasLogin);
  expect_refused("xxJDUPONT-Kiwi-93", kLogin, "Marie Curie", kHasLogin);
  expect_refused("Kiwi-j.dupont-93", kLogin, "Marie Curie", kHasLogin);
  // Each word of the login counts as well.
  expect_refused("Dupont-Kiwi-93!", "jean.dupont", "Marie Curie", kHasLogin);
}

TEST(PasswordPolicyTest, RefusesAPasswordContainingAWordOfTheName) {
  const std::string_view name = "H\xc3\xa9l\xc3\xa8ne Lef\xc3\xa8vre-D'Arc";
  expect_refused("Kiwi-HELENE-93!", "hl42", name, kHasName);
  expect_refused("lefevre-Kiwi-93!", "hl42", name, kHasName);
  expect_refused("Kiwi-93-Lef\xc3\xa8Vre!", "hl42", name, kHasName);
  expect_refused("Lune-Kiwi-arc-93", "hl42", name, kHasName);
}

TEST(PasswordPolicyTest, IgnoresNameWordsShorterThanThreeCharacters) {
  Result<void> checked = check_password("Li-Wu-Kiwi-93!", "lw", "Li Wu");
  EXPECT_TRUE(checked.has_value()) << checked.error().message;
}

TEST(PasswordPolicyTest, RefusesWhatCracklibCallsWeak) {
  const struct {
    std::string_view password;
    std::string_view reason;
  } weak[] = {
      {"Incomprehensible1", "it is based on a dictionary word"},
      {"elbisneherpmocni", "it is based on a (reversed) dictionary word"},
      {"123456789012", "it is too simplistic/systematic"},
      {"abcdabcdabcd", "it does not contain enough DIFFERENT characters"},
  };
  for (const auto& [password, reason] : weak) {
    expect_refused(password, kLogin, kName,
                   std::string(kCracklibFrench) + std::string(reason) + " / " +
                       std::string(kCracklibEnglish) + std::string(reason));
  }
}

TEST(PasswordPolicyTest, RefusesInvalidUtf8AndControlCharacters) {
  expect_refused("Lune-Verte-Kiwi-93\xff", kLogin, kName,
                 "le mot de passe n'est pas de l'UTF-8 valide / the password is not valid UTF-8");
  for (const std::string& password :
       {"Lune-Verte\n-Kiwi-93"s, "Lune-Verte\0-Kiwi-93"s, "Lune-Verte\x7f-Kiwi-93"s}) {
    expect_refused(password, kLogin, kName,
                   "le mot de passe contient un caractère de contrôle / the password contains a "
                   "control character");
  }
}

TEST(PasswordPolicyTest, MessagesNeverQuoteThePassword) {
  const std::string_view refused[] = {"Incomprehensible1", "Kx7#pLm2qR9", "xxJDUPONT-Kiwi-93",
                                      "Kiwi-Jean-93-Lune"};
  for (std::string_view password : refused) {
    Result<void> checked = check_password(password, kLogin, kName);
    ASSERT_FALSE(checked.has_value()) << password;
    EXPECT_EQ(checked.error().message.find(password), std::string::npos) << password;
  }
}

TEST(PasswordPolicyTest, ConcurrentChecksGiveTheSameAnswers) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::vector<int> wrong_answers(kThreads, 0);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([thread, &wrong_answers] {
      for (int round = 0; round < kRounds; ++round) {
        const bool strong_accepted = check_password(kStrong, kLogin, kName).has_value();
        const bool weak_accepted = check_password("Incomprehensible1", kLogin, kName).has_value();
        wrong_answers[thread] += (strong_accepted ? 0 : 1) + (weak_accepted ? 1 : 0);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wrong_answers, std::vector<int>(kThreads, 0));
}

}  // namespace
}  // namespace vigie::auth
