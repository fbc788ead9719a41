#pragma once

#include <memory>

#include "cli/command.hpp"
#include "cli/retention_commands.hpp"
#include "gate/gate.hpp"
#include "http/worker_pool.hpp"

// The periodic audit chain verification of `vigie serve` ([watch] verify_minutes).

namespace vigie::cli {

// Verifies the audit chain of the vault of `options` every [watch] verify_minutes (the first run
// one period after the start), each run queued on `pool` as the custodian who unlocked it. A
// broken chain, or a verification that cannot run (the external checkpoint file missing, say),
// raises an audit-verification alert (critical) and is written to standard error, without a
// patient value. nullptr when verify_minutes is 0; kUsage for a [watch] section config::load
// refuses. `custodian` and `pool` must outlive the timer.
[[nodiscard]] Result<std::unique_ptr<RetentionTimer>> start_audit_verification(
    const Options& options, const gate::Custodian& custodian, http::WorkerPool& pool);

}  // namespace vigie::cli
