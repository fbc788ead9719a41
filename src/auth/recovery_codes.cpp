#include "auth/recovery_codes.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

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

// `count` characters drawn uniformly from kAlphabet, written straight into locked memory.
crypto::SecretString random_code_characters(size_t count) {
  crypto::SecretBytes characters(count);
  size_t written = 0;
  std::array<uint8_t, 32> random{};
  while (written < count) {
    crypto::random_fill(random);
    for (uint8_t byte : random) {
      if (byte < kUnbiasedLimit && written < count) {
        characters.data()[written++] = static_cast<uint8_t>(kAlphabet[byte % kAlphabet.size()]);
      }
    }
  }
  crypto::wipe(random);
  return crypto::SecretString::adopt(std::move(characters));
}

crypto::SecretString with_hyphens(std::string_view characters) {
  const size_t hyphens = characters.empty() ? 0 : (characters.size() - 1) / kGroupCharacters;
  crypto::SecretBytes out(characters.size() + hyphens);
  size_t written = 0;
  for (size_t index = 0; index < characters.size(); ++index) {
    if (index > 0 && index % kGroupCharacters == 0) {
      out.data()[written++] = '-';
    }
    out.data()[written++] = static_cast<uint8_t>(characters[index]);
  }
  return crypto::SecretString::adopt(std::move(out));
}

// `c` lower-cased when it belongs to a recovery code; nullopt otherwise.
std::optional<char> code_character(char c) {
  const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (kAlphabet.find(lower) == std::string_view::npos) {
    return std::nullopt;
  }
  return lower;
}

// The 12 characters of `entered`, lower-cased, without spaces and hyphens; empty when it holds
// anything else or the wrong number of characters.
crypto::SecretString canonical_characters(std::string_view entered) {
  size_t count = 0;
  for (char c : entered) {
    if (c == ' ' || c == '-') {
      continue;
    }
    if (!code_character(c)) {
      return {};
    }
    ++count;
  }
  if (count != kCodeCharacters) {
    return {};
  }
  crypto::SecretBytes characters(count);
  size_t written = 0;
  for (char c : entered) {
    if (c != ' ' && c != '-') {
      characters.data()[written++] = static_cast<uint8_t>(*code_character(c));
    }
  }
  return crypto::SecretString::adopt(std::move(characters));
}

}  // namespace

crypto::SecretString random_grouped_code(size_t characters) {
  return with_hyphens(random_code_characters(characters).view());
}

Result<RecoveryCodeSet> new_recovery_codes(const crypto::PasswordHashLimits& limits) {
  RecoveryCodeSet set;
  for (size_t count = 0; count < kRecoveryCodeCount; ++count) {
    const crypto::SecretString characters = random_code_characters(kCodeCharacters);
    Result<std::string> hash = crypto::hash_password(characters.view(), limits);
    if (!hash) {
      return tl::unexpected(hash.error());
    }
    set.codes.push_back(with_hyphens(characters.view()));
    set.stored.push_back(StoredRecoveryCode{std::move(*hash), false});
  }
  return set;
}

Result<size_t> redeem_recovery_code(std::string_view entered,
                                    std::span<StoredRecoveryCode> stored) {
  const crypto::SecretString characters = canonical_characters(entered);
  if (characters.empty()) {
    return fail(ErrorCode::kInvalidInput, "code de récupération mal formé",
                "malformed recovery code");
  }
  for (size_t index = 0; index < stored.size(); ++index) {
    if (!stored[index].used && crypto::verify_password(stored[index].hash, characters.view())) {
      stored[index].used = true;
      return index;
    }
  }
  return fail(ErrorCode::kAuthenticationFailed, "code de récupération refusé",
              "recovery code refused");
}

}  // namespace vigie::auth
