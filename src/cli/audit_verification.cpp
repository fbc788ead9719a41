#include "cli/audit_verification.hpp"

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "config/config.hpp"

namespace vigie::cli {

Result<std::unique_ptr<RetentionTimer>> start_audit_verification(const Options& options,
                                                                 const gate::Custodian& custodian,
                                                                 http::WorkerPool& pool) {
  auto config = config::load(options.vault_dir);
  if (!config) {
    return tl::unexpected(config.error());
  }
  if (config->watch.verify_minutes == 0) {
    return std::unique_ptr<RetentionTimer>();
  }
  const int64_t period_ms = config->watch.verify_minutes * 60 * 1000;
  auto verify = [&custodian](gate::Gate& gate) {
    auto report = gate.verify_audit(custodian, std::nullopt);
    if (report && !report->failure) {
      return;
    }
    const std::string detail =
        report ? fmt::format(
                     "chaîne d'audit rompue à l'entrée {} ({}) / audit chain broken at "
                     "entry {} ({})",
                     report->failure->seq, report->failure->reason, report->failure->seq,
                     report->failure->reason)
               : fmt::format(
                     "vérification de l'audit impossible ({}) / audit verification could "
                     "not run ({})",
                     name_of(report.error().code), name_of(report.error().code));
    fmt::print(stderr, "vigie: {}\n", detail);
    if (auto raised =
            gate.raise_alert(custodian, watch::AlertKind::kAuditVerification, "", detail, false);
        !raised) {
      fmt::print(stderr, "vigie: alerte non enregistrée / alert not recorded: {}\n",
                 name_of(raised.error().code));
    }
  };
  const Clock& clock = system_clock();
  return std::make_unique<RetentionTimer>(
      clock, lifecycle::RetentionSchedule(clock.now_ms() + period_ms, period_ms), [&pool, verify] {
        if (pool.submit(verify)) {
          return true;
        }
        fmt::print(stderr,
                   "vigie: vérification de l'audit différée d'une minute, file pleine / audit "
                   "verification put off for a minute, the queue is full\n");
        return false;
      });
}

}  // namespace vigie::cli
