#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

// `vigie alerts list|ack --vault DIR`: the alerts the vault stored (watch/alert.hpp), for the
// custodian.

namespace vigie::cli {

void add_alert_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                        const std::function<void(CLI::App*)>& add_vault);

}  // namespace vigie::cli
