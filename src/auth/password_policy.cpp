#include "auth/password_policy.hpp"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <crack.h>

#include "common/utf8.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/normalize.hpp"

namespace vigie::auth {

namespace {

constexpr size_t kMinIdentityWordCodePoints = 3;

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Code points of valid UTF-8 text: the bytes that do not continue a sequence.
size_t code_points(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) {
    count += (static_cast<uint8_t>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return count;
}

bool has_control_character(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return true;
    }
  }
  return false;
}

// `text` folded for comparison (lower case, no accents), with everything but letters and digits
// removed: "Du-Pont" -> "dupont".
std::string compact_fold(std::string_view text) {
  std::string folded = fhir::fold_for_search(text);
  std::erase(folded, ' ');
  return folded;
}

// The folded words of `text` that have at least 3 code points.
std::vector<std::string> identity_words(std::string_view text) {
  std::vector<std::string> words;
  const std::string folded = fhir::fold_for_search(text);
  size_t start = 0;
  while (start < folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string::npos) {
      end = folded.size();
    }
    std::string word = folded.substr(start, end - start);
    if (code_points(word) >= kMinIdentityWordCodePoints) {
      words.push_back(std::move(word));
    }
    start = end + 1;
  }
  return words;
}

bool contains_any(std::string_view haystack, const std::vector<std::string>& needles) {
  for (const std::string& needle : needles) {
    if (haystack.find(needle) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

bool cracklib_dictionary_present(const std::string& prefix) {
  std::error_code ignored;
  return (std::filesystem::exists(prefix + ".pwd", ignored) ||
          std::filesystem::exists(prefix + ".pwd.gz", ignored)) &&
         std::filesystem::exists(prefix + ".pwi", ignored);
}

// cracklib's reason for refusing `password`, or empty when it accepts it. Passing the login and
// name keeps cracklib from comparing with the account of the process's own Unix user.
Result<std::string> cracklib_objection(std::string_view password, std::string_view login,
                                       std::string_view display_name) {
  // cracklib keeps the open dictionary in static storage and refuses a second concurrent open.
  static std::mutex cracklib_mutex;
  const std::string dictionary = GetDefaultCracklibDict();
  if (!cracklib_dictionary_present(dictionary)) {
    return fail(ErrorCode::kInternal, "dictionnaire cracklib absent (paquet cracklib-runtime)",
                "cracklib dictionary missing (package cracklib-runtime)");
  }
  std::string password_text(password);
  const std::string login_text(login);
  const std::string name_text(display_name);
  const char* reason = nullptr;
  {
    std::lock_guard lock(cracklib_mutex);
    reason = FascistCheckUser(password_text.c_str(), dictionary.c_str(), login_text.c_str(),
                              name_text.c_str());
  }
  crypto::wipe({reinterpret_cast<uint8_t*>(password_text.data()), password_text.size()});
  return reason == nullptr ? std::string{} : std::string(reason);
}

}  // namespace

Result<void> check_password(std::string_view password, std::string_view login,
                            std::string_view display_name) {
  if (!is_valid_utf8(bytes_of(password))) {
    return fail(ErrorCode::kInvalidInput, "le mot de passe n'est pas de l'UTF-8 valide",
                "the password is not valid UTF-8");
  }
  if (has_control_character(password)) {
    return fail(ErrorCode::kInvalidInput, "le mot de passe contient un caractère de contrôle",
                "the password contains a control character");
  }
  if (code_points(password) < kMinPasswordCodePoints) {
    return fail(ErrorCode::kInvalidInput, "le mot de passe doit comporter au moins 12 caractères",
                "the password must be at least 12 characters long");
  }
  const std::string folded_password = compact_fold(password);
  std::vector<std::string> login_forms = identity_words(login);
  if (const std::string whole_login = compact_fold(login);
      code_points(whole_login) >= kMinIdentityWordCodePoints) {
    login_forms.push_back(whole_login);
  }
  if (contains_any(folded_password, login_forms)) {
    return fail(ErrorCode::kInvalidInput, "le mot de passe ne doit pas contenir l'identifiant",
                "the password must not contain the login");
  }
  if (contains_any(folded_password, identity_words(display_name))) {
    return fail(ErrorCode::kInvalidInput, "le mot de passe ne doit pas contenir le nom",
                "the password must not contain the name");
  }
  Result<std::string> objection = cracklib_objection(password, login, display_name);
  if (!objection) {
    return tl::unexpected(objection.error());
  }
  if (!objection->empty()) {
    return fail(ErrorCode::kInvalidInput, "mot de passe trop faible selon cracklib : " + *objection,
                "password too weak according to cracklib: " + *objection);
  }
  return {};
}

}  // namespace vigie::auth
