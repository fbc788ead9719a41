#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

// `vigie honey plant` and `vigie honey list` (docs/architecture.md 12.2).

namespace vigie::cli {

// Adds `vigie honey plant --vault DIR --count N` and `vigie honey list --vault DIR` to `app`;
// their callbacks set `action`. `add_vault` adds the options of the vault and its unlock.
void add_honey_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                        const std::function<void(CLI::App*)>& add_vault);

}  // namespace vigie::cli
