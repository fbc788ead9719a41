#include "gate/gate.hpp"

#include "gate/audited_call.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace vigie::gate {

namespace {

std::string_view auth_method_of(const UnlockSecret& secret) {
  return secret.kind == UnlockerKind::kPassphrase ? "passphrase" : "key-file";
}

}  // namespace

Result<std::unique_ptr<Gate>> Gate::compose(std::unique_ptr<vault::Vault> vault,
                                            const std::filesystem::path& dir,
                                            const UnlockSecret& secret,
                                            std::optional<audit::CheckpointPolicy> policy,
                                            std::optional<auth::AuthSettings> auth_settings,
                                            const Clock& clock, const config::WatchConfig& watch) {
  auto log_connection = store::sqlite::open_audit_connection(dir);
  if (!log_connection) {
    return tl::unexpected(log_connection.error());
  }
  auto accounts = store::sqlite::open_data_connection(dir);
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  if (!policy) {
    auto stored = audit::load_policy(**accounts);
    if (!stored) {
      return tl::unexpected(stored.error());
    }
    policy = std::move(*stored);
  }
  if (!auth_settings) {
    auto stored = auth::load_settings(**accounts);
    if (!stored) {
      return tl::unexpected(stored.error());
    }
    auth_settings = *stored;
  }
  auto signing_key = vault->audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  auto log = std::make_unique<audit::AuditLog>(std::move(*log_connection), std::move(*signing_key),
                                               std::move(*policy), clock);
  // Intents a crash left without an outcome get it now, from the data file.
  if (auto resolved = log->resolve_pending(**accounts); !resolved) {
    return tl::unexpected(resolved.error());
  }
  auto authenticator = std::make_shared<auth::Authenticator>(
      auth::AuthKeys{vault->session_pepper(), vault->account_secret_key()}, *auth_settings, clock);
  std::unique_ptr<Gate> gate(new Gate(std::move(vault), std::move(log),
                                      std::make_shared<ErasureCleanup>(), std::move(authenticator),
                                      std::move(*accounts), dir,
                                      std::string(auth_method_of(secret)), clock));
  gate->watch_ = std::make_shared<watch::Watch>(watch);
  return gate;
}

Result<Unlocked> Gate::initialize(const std::filesystem::path& dir, const UnlockSecret& secret,
                                  const std::vector<const UnlockSecret*>& extra,
                                  const audit::CheckpointPolicy& policy, const LocalUser& user,
                                  const auth::AuthSettings& auth_settings, const Clock& clock,
                                  const config::Config& config) {
  if (policy.external_file) {
    std::error_code error;
    if (!std::filesystem::is_directory(policy.external_file->parent_path(), error)) {
      return fail(ErrorCode::kUsage, "the checkpoint file's directory does not exist");
    }
  }
  auto created = vault::Vault::create(dir, secret, extra, clock, config.memory);
  if (!created) {
    return tl::unexpected(created.error());
  }
  auto composed =
      compose(std::move(*created), dir, secret, policy, auth_settings, clock, config.watch);
  if (!composed) {
    return tl::unexpected(composed.error());
  }
  std::unique_ptr<Gate> gate = std::move(*composed);
  Custodian custodian(user);
  // The settings and the entry that records them commit together.
  audit::Entry entry = gate->start_entry(custodian, audit::kActionConfigChange);
  entry.targets.push_back(audit::Target{"Config", "audit-checkpoints", 0, ""});
  entry.targets.push_back(audit::Target{"Config", "auth", 0, ""});
  auto stored = gate->account_change<void>(entry, [&](store::DataStore& data) -> Result<void> {
    if (auto saved = audit::store_policy(data, policy); !saved) {
      return saved;
    }
    return auth::store_settings(data, auth_settings);
  });
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  // A checkpoint from the first entry on: the external file exists as soon as the vault does, so
  // its disappearance is always a finding.
  if (auto signed_first = gate->audit_->checkpoint_now(); !signed_first) {
    return tl::unexpected(signed_first.error());
  }
  return Unlocked{std::move(gate), std::move(custodian)};
}

Result<Unlocked> Gate::open(const std::filesystem::path& dir, const UnlockSecret& secret,
                            const LocalUser& user, const Clock& clock,
                            const config::Config& config) {
  auto opened = vault::Vault::open(dir, secret, clock, config.memory);
  if (!opened) {
    if (opened.error().code != ErrorCode::kNotFound) {
      // Any failed attempt on a vault that exists (a wrong secret, a malformed key file, a
      // damaged keyring) is recorded without the key: the entry is hashed into the chain, and the
      // next unlocked command signs a checkpoint over it. The unlock error is what the caller needs
      // to see.
      if (auto connection = store::sqlite::open_audit_connection(dir)) {
        audit::AuditLog log(std::move(*connection), std::nullopt, audit::CheckpointPolicy{}, clock);
        audit::Entry entry =
            entry_for(actor_of(user, auth_method_of(secret)), audit::kActionUnlockFailed, clock);
        mark_failure(entry, opened.error());
        static_cast<void>(log.record({std::move(entry)}));
      }
    }
    return tl::unexpected(opened.error());
  }
  auto composed =
      compose(std::move(*opened), dir, secret, std::nullopt, std::nullopt, clock, config.watch);
  if (!composed) {
    return tl::unexpected(composed.error());
  }
  std::unique_ptr<Gate> gate = std::move(*composed);
  Custodian custodian(user);
  std::vector<audit::Entry> entries{gate->start_entry(custodian, audit::kActionUnlock)};
  for (const std::string& patient_id : gate->vault_->erasures_finished_at_open()) {
    audit::Entry finished = gate->start_entry(custodian, audit::kActionErase);
    finished.targets.push_back(audit::Target{"Patient", patient_id, 0, patient_id});
    finished.purpose = std::string(kErasureFinishedAtUnlock);
    entries.push_back(std::move(finished));
  }
  if (auto recorded = gate->audit_->record(entries); !recorded) {
    return tl::unexpected(recorded.error());
  }
  return Unlocked{std::move(gate), std::move(custodian)};
}

}  // namespace vigie::gate
