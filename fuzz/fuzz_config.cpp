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
