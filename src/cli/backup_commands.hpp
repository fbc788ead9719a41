#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

// `vigie backup`, `vigie backup verify` and `vigie restore` (docs/architecture.md 11.4): each
// maps to one gate call; no rule of its own.

namespace vigie::cli {

// Adds the three commands to `app`; their options go to `options`, and the one that runs to
// `action`.
void add_backup_commands(CLI::App& app, Options& options, int (*&action)(const Options&));

// Starts the erasure ledger's copy at `file` (gate::Gate::keep_ledger_copy) and says so: for
// `vigie init --ledger-file` and `vigie backup --ledger-copy`.
[[nodiscard]] Result<void> keep_ledger_copy(gate::Gate& gate, const gate::Principal& custodian,
                                            const std::string& file);

}  // namespace vigie::cli
