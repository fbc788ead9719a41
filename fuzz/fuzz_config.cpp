// Untrusted vigie.toml: the TOML parser (toml++, compiled in) and the settings read from it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Result<Config> config = parse(text);
  if (config) {
    vigie::fuzz::require(
        config->memory.locked_mib >= kMinLockedMib && config->memory.locked_mib <= kMaxLockedMib,
        "an accepted budget is within its bounds");
    const WatchConfig& watch = config->watch;
    auto within = [](int64_t value, int64_t low, int64_t high) {
      return value >= low && value <= high;
    };
    bool thresholds = within(watch.login_failures.per_account, 0, kMaxWatchThreshold) &&
                      within(watch.login_failures.per_address, 0, kMaxWatchThreshold);
    for (const auto& [name, patients] : watch.bulk_read.per_role) {
      thresholds = thresholds && within(patients, 0, kMaxWatchThreshold);
    }
    for (const auto& [name, patients] : watch.bulk_read.per_client) {
      thresholds = thresholds && within(patients, 0, kMaxWatchThreshold) && !name.empty();
    }
    vigie::fuzz::require(thresholds, "an accepted [watch] threshold is within its bounds");
    vigie::fuzz::require(
        within(watch.verify_minutes, 0, kMaxVerifyMinutes) &&
            within(watch.bulk_read.window_minutes, 1, kMaxWatchWindowMinutes) &&
            within(watch.login_failures.window_minutes, 1, kMaxWatchWindowMinutes) &&
            within(watch.shared_account.window_minutes, 1, kMaxWatchWindowMinutes),
        "an accepted [watch] window is within its bounds");
    vigie::fuzz::require(watch.opening_hours.open_minute < watch.opening_hours.close_minute &&
                             within(watch.opening_hours.open_minute, 0, 24 * 60) &&
                             within(watch.opening_hours.close_minute, 0, 24 * 60),
                         "accepted opening hours open before they close, within a day");
    return 0;
  }
  const vigie::Error& error = config.error();
  vigie::fuzz::require(error.code == vigie::ErrorCode::kUsage, "a refused file is a usage error");
  vigie::fuzz::require(!error.french.empty() && !error.message.empty(),
                       "a refusal says why in both languages");
  vigie::fuzz::require(error.message.rfind("line ", 0) == 0 && error.french.rfind("ligne ", 0) == 0,
                       "a refusal names its line");
  for (const char character : error.message) {
    vigie::fuzz::require(character >= 0x20 && character < 0x7f,
                         "the English message shows no raw byte of the file");
  }
  vigie::fuzz::require(error.message.size() < 400, "the message stays short");
  return 0;
}
