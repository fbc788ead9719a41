#include "auth/recovery_codes.hpp"

#include <array>
#include <cstdint>

#include "crypto/secret_bytes.hpp"

namespace vigie::auth {

namespace {

// Lower case letters and digits without the look-alikes 0/o and 1/l/i.
constexpr std::string_view kAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";
constexpr size_t kCodeCharacters = 12;
constexpr size_t kGroupCharacters = 4;
// Random bytes at or above this value are drawn again, so that every character is equally likely.
constexpr unsigned kUnbiasedLimit = 256 - 256 % kAlphabet.size();

static_assert(kAlphabet.size() == 31);

// `count` characters drawn uniformly from kAlphabet.
std::string random_code_characters(size_t count) {
  std::string characters;
  std::array<uint8_t, 32> random{};
  while (characters.size() < count) {
    crypto::random_fill(random);
    for (uint8_t byte : random) {
      if (byte < kUnbiasedLimit && characters.size() < count) {
        characters.push_back(kAlphabet[byte % kAlphabet.size()]);
      }
    }
  }
  crypto::wipe(random);
  return characters;
}

std::string with_hyphens(std::string_view characters) {
  std::string out;
  for (size_t index = 0; index < characters.size(); ++index) {
    if (index > 0 && index % kGroupCharacters == 0) {
      out.push_back('-');
    }
    out.push_back(characters[index]);
  }
  return out;
}

// The 12 characters of `entered`, lower-cased, without spaces and hyphens; empty when it holds
// anything else or the wrong number of characters.
std::string canonical_characters(std::string_view entered) {
  std::string characters;
  for (char c : entered) {
    if (c == ' ' || c == '-') {
      continue;
    }
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (kAlphabet.find(lower) == std::string_view::npos) {
      return {};
    }
    characters.push_back(lower);
  }
  return characters.size() == kCodeCharacters ? characters : std::string{};
}

}  // namespace

std::string random_grouped_code(size_t characters) {
  return with_hyphens(random_code_characters(characters));
}

Result<RecoveryCodeSet> new_recovery_codes(const crypto::PasswordHashLimits& limits) {
  RecoveryCodeSet set;
  for (size_t count = 0; count < kRecoveryCodeCount; ++count) {
    const std::string characters = random_code_characters(kCodeCharacters);
    Result<std::string> hash = crypto::hash_password(characters, limits);
    if (!hash) {
      return tl::unexpected(hash.error());
    }
    set.codes.push_back(with_hyphens(characters));
    set.stored.push_back(StoredRecoveryCode{std::move(*hash), false});
  }
  return set;
}

Result<size_t> redeem_recovery_code(std::string_view entered,
                                    std::span<StoredRecoveryCode> stored) {
  const std::string characters = canonical_characters(entered);
  if (characters.empty()) {
    return fail(ErrorCode::kInvalidInput, "code de récupération mal formé",
                "malformed recovery code");
  }
  for (size_t index = 0; index < stored.size(); ++index) {
    if (!stored[index].used && crypto::verify_password(stored[index].hash, characters)) {
      stored[index].used = true;
      return index;
    }
  }
  return fail(ErrorCode::kAuthenticationFailed, "code de récupération refusé",
              "recovery code refused");
}

}  // namespace vigie::auth
