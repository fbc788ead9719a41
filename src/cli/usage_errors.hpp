#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "common/error.hpp"

// The command line's own mistakes (a wrong word, a missing option, a bad value) in the CLI's one
// error style, "vigie: <français> / <English>", naming the wrong word and the fix; and its help,
// French first. CLI11's own messages never reach the user.

namespace vigie::cli {

// What an option accepts, in each language, for the message that refuses a value.
struct AcceptedValues {
  std::string french;
  std::string english;
};

// The accepted values of the options that check theirs. Not thread-safe.
class OptionRules {
 public:
  // Declares what `option` accepts; a refused value names it.
  void accept(const CLI::Option* option, AcceptedValues accepted);

  // Makes `option` a whole number in [min, max] (no upper bound without `max`) and declares it.
  void whole_number(CLI::Option* option, int64_t min, std::optional<int64_t> max = std::nullopt);

  [[nodiscard]] const AcceptedValues* find(const CLI::Option* option) const;

 private:
  std::map<const CLI::Option*, AcceptedValues> accepted_;
};

// Sets French-first labels and help texts on `app`'s formatter and help flags. Call before the
// first subcommand is added (subcommands copy the help flags of their parent).
void use_french_first_help(CLI::App& app);

// Files `app`'s subcommands, at every depth, under a bilingual heading in the help.
void group_commands(CLI::App& app);

// The kUsage error for a parse failure of `app` (any ParseError but the help requests).
[[nodiscard]] Error usage_error(CLI::App& app, const CLI::ParseError& error,
                                const OptionRules& rules);

}  // namespace vigie::cli
