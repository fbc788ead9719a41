#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

// `vigie backup`, `vigie backup verify` and `vigie restore` (docs/architecture.md 11.4): each
// maps to one gate call; no rule of its own.

namespace vigie::cli {

// Adds the three commands to `app`; their options go to `options`, and the one that runs to
// `action`.
void add_backup_commands(CLI::App& app, Options& options, int (*&action)(const Options&));

}  // namespace vigie::cli
