#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

// `vigie status --vault DIR [--json]`: what the custodian should look at, in plain words.

namespace vigie::cli {

void add_status_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                         const std::function<void(CLI::App*)>& add_vault);

}  // namespace vigie::cli
