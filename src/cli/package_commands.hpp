#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

// `vigie keygen` and `vigie export create|list|revoke|approve|open|certificate`: sealed migration
// packages (lifecycle/package.hpp), each command one gate call, or no vault at all for the
// recipient's commands (keygen, open).

namespace vigie::cli {

// Adds the commands to `app`; the one chosen sets `action`.
void add_package_commands(CLI::App& app, Options& options, int (*&action)(const Options&));

}  // namespace vigie::cli
