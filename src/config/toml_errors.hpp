#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "config/watch_config.hpp"

// Private to config/: how a section's reader refuses a value (config.cpp, watch_config.cpp).

namespace vigie::config::detail {

// At most this many characters of a key are shown in an error.
inline constexpr size_t kShownKeyCharacters = 60;

// `text` for an error line: printable ASCII only (any other byte becomes '?'), shortened.
[[nodiscard]] std::string shown(std::string_view text, size_t at_most = kShownKeyCharacters);

// kUsage naming the line of `where`, French first.
[[nodiscard]] tl::unexpected<Error> refuse(const toml::source_region& where,
                                           std::string_view french, std::string_view english);

// Reads the [watch] section at `where` into `watch` (watch_config.cpp).
[[nodiscard]] Result<void> read_watch(const toml::node& node, const toml::source_region& where,
                                      WatchConfig& watch);

}  // namespace vigie::config::detail
