#include "auth/authenticator.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace vigie::auth {

namespace {

struct SettingField {
  std::string_view key;
  int64_t AuthSettings::*field;
};

constexpr std::array<SettingField, 4> kSettingFields = {{
    {"auth.session_idle_ms", &AuthSettings::session_idle_ms},
    {"auth.session_lifetime_ms", &AuthSettings::session_lifetime_ms},
    {"auth.address_failures_per_window", &AuthSettings::address_failures_per_window},
    {"auth.address_window_ms", &AuthSettings::address_window_ms},
}};
constexpr std::string_view kPasswordOpsKey = "auth.password_ops_limit";
constexpr std::string_view kPasswordMemoryKey = "auth.password_mem_bytes";

Result<std::optional<int64_t>> stored_number(store::DataStore& store, std::string_view key) {
  auto text = store.get_meta(std::string(key));
  if (!text) {
    return tl::unexpected(text.error());
  }
  if (!text->has_value()) {
    return std::optional<int64_t>();
  }
  int64_t value = 0;
  const std::string& digits = **text;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value <= 0) {
    return fail(ErrorCode::kIntegrity, fmt::format("the vault setting {} is malformed", key));
  }
  return std::optional<int64_t>(value);
}

}  // namespace

Result<void> store_settings(store::DataStore& tx, const AuthSettings& settings) {
  for (const SettingField& setting : kSettingFields) {
    if (settings.*setting.field <= 0) {
      return fail(ErrorCode::kUsage, fmt::format("the setting {} must be positive", setting.key));
    }
  }
  if (settings.session_idle_ms > settings.session_lifetime_ms) {
    return fail(ErrorCode::kUsage, "l'inactivité maximale dépasse la durée de vie d'une session",
                "the idle timeout exceeds the session lifetime");
  }
  if (!crypto::valid_password_limits(settings.password_limits)) {
    return fail(ErrorCode::kUsage, "password hashing limits outside libsodium's bounds");
  }
  for (const SettingField& setting : kSettingFields) {
    if (auto stored =
            tx.set_meta(std::string(setting.key), std::to_string(settings.*setting.field));
        !stored) {
      return stored;
    }
  }
  if (auto stored = tx.set_meta(std::string(kPasswordOpsKey),
                                std::to_string(settings.password_limits.ops_limit));
      !stored) {
    return stored;
  }
  return tx.set_meta(std::string(kPasswordMemoryKey),
                     std::to_string(settings.password_limits.mem_limit_bytes));
}

Result<AuthSettings> load_settings(store::DataStore& store) {
  AuthSettings settings;
  for (const SettingField& setting : kSettingFields) {
    auto value = stored_number(store, setting.key);
    if (!value) {
      return tl::unexpected(value.error());
    }
    if (value->has_value()) {
      settings.*setting.field = **value;
    }
  }
  auto ops = stored_number(store, kPasswordOpsKey);
  if (!ops) {
    return tl::unexpected(ops.error());
  }
  auto memory = stored_number(store, kPasswordMemoryKey);
  if (!memory) {
    return tl::unexpected(memory.error());
  }
  if (ops->has_value() != memory->has_value()) {
    return fail(ErrorCode::kIntegrity, "the vault's password hashing settings are incomplete");
  }
  if (ops->has_value()) {
    settings.password_limits.ops_limit = static_cast<uint64_t>(**ops);
    settings.password_limits.mem_limit_bytes = static_cast<uint64_t>(**memory);
    if (!crypto::valid_password_limits(settings.password_limits)) {
      return fail(ErrorCode::kIntegrity, "the vault's password hashing settings are out of bounds");
    }
  }
  return settings;
}

}  // namespace vigie::auth
