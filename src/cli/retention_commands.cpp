#include "cli/retention_commands.hpp"

#include <chrono>
#include <cstdio>
#include <utility>

#include <fmt/format.h>

#include "audit/query.hpp"
#include "config/config.hpp"

namespace vigie::cli {

namespace {

// The longest the timer sleeps without reading the clock again.
constexpr int64_t kTimerRecheckMs = 60'000;

Result<config::RetentionConfig> retention_rules(const Options& options) {
  auto config = config::load(options.vault_dir);
  if (!config) {
    return tl::unexpected(config.error());
  }
  if (auto checked = lifecycle::check_rules(config->retention); !checked) {
    return tl::unexpected(checked.error());
  }
  return config->retention;
}

std::string day_of(int64_t ms) { return audit::format_time(ms).substr(0, 10); }

void print_report(const lifecycle::RetentionReport& report) {
  if (report.dry_run) {
    fmt::print(
        "Rétention, simulation (rien n'est effacé) / retention, dry run (nothing is erased): {} "
        "patient(s) examiné(s) / examined, {} à effacer / due.\n",
        report.patients_examined, report.due.size());
  } else {
    fmt::print("Rétention / retention: {} patient(s) examiné(s) / examined, {} à effacer / due.\n",
               report.patients_examined, report.due.size());
  }
  for (const lifecycle::DuePatient& due : report.due) {
    const std::string_view state = report.dry_run ? "à effacer (due)"
                                   : due.erased   ? "effacé (erased)"
                                                  : "déjà effacé (erased already)";
    fmt::print("Patient/{}  dernière mise à jour / last update {}  échu / expired {}  {}  ({})\n",
               due.patient_id, day_of(due.verdict.last_update_ms), day_of(due.verdict.expires_ms),
               state, due.verdict.rule);
  }
}

int run_retention(const Options& options) {
  auto rules = retention_rules(options);
  if (!rules) {
    return report(rules.error());
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  auto applied = gate.apply_retention(unlocked->custodian, *rules, options.dry_run);
  if (!applied) {
    return close_gate(gate, report(applied.error()));
  }
  // The keys are shredded; the rows go before the command ends, or at the next unlock.
  static_cast<void>(gate.await_erasure_cleanup());
  print_report(*applied);
  return close_gate(gate, 0);
}

}  // namespace

void add_retention_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                            const std::function<void(CLI::App*)>& add_vault) {
  CLI::App* retention = app.add_subcommand(
      "retention",
      "Durées de conservation ([retention] de vigie.toml) / Retention periods ([retention] of "
      "vigie.toml)");
  retention->require_subcommand(1);
  CLI::App* run = retention->add_subcommand(
      "run",
      "Efface (crypto-effacement, audité) les patients dont la durée de conservation est échue / "
      "Erase (crypto-shredding, audited) the patients whose retention period has expired");
  add_vault(run);
  run->add_flag("--dry-run", options.dry_run,
                "Liste les effacements dus sans rien effacer / List the erasures due, erase "
                "nothing");
  run->callback([&action] { action = run_retention; });
}

RetentionTimer::RetentionTimer(const Clock& clock, lifecycle::RetentionSchedule schedule,
                               std::function<bool()> due)
    : clock_(clock), due_(std::move(due)), schedule_(schedule), thread_([this] { run(); }) {}

RetentionTimer::~RetentionTimer() { stop(); }

void RetentionTimer::wake() {
  {
    const std::scoped_lock lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void RetentionTimer::stop() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void RetentionTimer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const int64_t now = clock_.now_ms();
    if (schedule_.take_if_due(now)) {
      lock.unlock();
      const bool queued = due_();
      lock.lock();
      if (!queued) {
        schedule_.retry_at(now + kTimerRecheckMs);
      }
      continue;
    }
    const int64_t wait_ms = std::min(schedule_.next_run_ms() - now, kTimerRecheckMs);
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                   [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

Result<std::unique_ptr<RetentionTimer>> start_daily_retention(const Options& options,
                                                              const gate::Custodian& custodian,
                                                              http::WorkerPool& writer) {
  auto rules = retention_rules(options);
  if (!rules) {
    return tl::unexpected(rules.error());
  }
  if (!rules->daily) {
    return std::unique_ptr<RetentionTimer>();
  }
  auto apply = [&custodian, rules = *rules](gate::Gate& gate) {
    auto applied = gate.apply_retention(custodian, rules, false);
    if (!applied) {
      fmt::print(stderr, "vigie: rétention quotidienne / daily retention: {}\n",
                 to_display_text(applied.error()));
      return;
    }
    size_t erased = 0;
    for (const lifecycle::DuePatient& due : applied->due) {
      erased += due.erased ? 1 : 0;
    }
    fmt::print(stderr,
               "rétention quotidienne : {} patient(s) examiné(s), {} effacé(s) / daily retention: "
               "{} patient(s) examined, {} erased\n",
               applied->patients_examined, erased, applied->patients_examined, erased);
  };
  const Clock& clock = system_clock();
  return std::make_unique<RetentionTimer>(
      clock, lifecycle::RetentionSchedule(clock.now_ms()), [&writer, apply] {
        if (writer.submit(apply)) {
          return true;
        }
        fmt::print(stderr,
                   "vigie: rétention quotidienne différée d'une minute, file d'écriture pleine / "
                   "daily retention put off for a minute, the writer's queue is full\n");
        return false;
      });
}

}  // namespace vigie::cli
