#include "cli/backup_commands.hpp"

#include <optional>

#include <fmt/format.h>

#include "cli/unlock.hpp"
#include "http/tls_files.hpp"

namespace vigie::cli {

namespace {

Error missing_option(std::string_view name) {
  return Error{ErrorCode::kUsage, fmt::format("{} is required", name),
               fmt::format("{} est obligatoire", name)};
}

int run_backup(const Options& options) {
  if (options.vault_dir.empty()) {
    return report(missing_option("--vault"));
  }
  if (options.out.empty()) {
    return report(missing_option("--out"));
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  if (options.backup.ledger_copy) {
    auto kept = keep_ledger_copy(gate, unlocked->custodian, options.out);
    return close_gate(gate, kept ? 0 : report(kept.error()));
  }
  if (options.backup.keyring) {
    if (auto written = gate.backup_keyring(unlocked->custodian, options.out); !written) {
      return close_gate(gate, report(written.error()));
    }
    fmt::print(
        "Trousseau sauvegardé dans {} : ses clés restent chiffrées par les déverrouilleurs "
        "(phrase de passe ou fichier de clé) ; gardez-le à part des sauvegardes de données.\n"
        "Keyring backed up to {}: its keys stay wrapped by the unlockers (passphrase or key "
        "file); keep it apart from the data backups.\n",
        options.out, options.out);
    return close_gate(gate, 0);
  }
  auto written = gate.backup_data(unlocked->custodian, options.out);
  if (!written) {
    return close_gate(gate, report(written.error()));
  }
  fmt::print(
      "Sauvegarde scellée écrite dans {} ({} octets de données, {} d'audit ; aucune clé).\n"
      "Sealed backup written to {} ({} data bytes, {} audit bytes; no key in it).\n",
      options.out, written->data_bytes, written->audit_bytes, options.out, written->data_bytes,
      written->audit_bytes);
  return close_gate(gate, 0);
}

std::optional<std::filesystem::path> unless_empty(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  return std::filesystem::path(text);
}

int run_restore(const Options& options) {
  auto config = vault_config(options);
  if (!config) {
    return report(config.error());
  }
  auto secret = secret_for_open(options.unlock);
  if (!secret) {
    return report(secret.error());
  }
  gate::Gate::RestoreRequest request;
  request.backup = options.backup.from;
  request.keyring_backup = unless_empty(options.backup.keyring_backup);
  request.ledger_source = unless_empty(options.backup.ledger);
  request.without_current_ledger = options.backup.without_current_ledger;
  auto restored = gate::Gate::restore(request, options.vault_dir, *secret,
                                      gate::current_local_user(), system_clock(), *config);
  if (!restored) {
    return report(restored.error());
  }
  fmt::print("Coffre restauré dans {} (vault restored).\n", options.vault_dir);
  if (restored->current_ledger_replayed) {
    fmt::print(
        "Registre d'effacements actuel rejoué : {} clé(s) de patients effacés détruite(s), {} "
        "version(s) retirée(s).\nCurrent erasure ledger replayed: {} erased patients' key(s) "
        "dropped, {} version(s) removed.\n",
        restored->ledger.keys_dropped, restored->ledger.versions_removed,
        restored->ledger.keys_dropped, restored->ledger.versions_removed);
  } else {
    fmt::print(stderr,
               "vigie: ATTENTION : restauré sans le registre d'effacements actuel ; un patient "
               "effacé après la sauvegarde du trousseau peut être revenu / WARNING: restored "
               "without the current erasure ledger; a patient erased after the keyring backup "
               "may have come back\n");
  }
  const http::TlsFiles tls = http::default_tls_files(options.vault_dir);
  if (auto written = http::write_localhost_certificate(tls, system_clock().now_ms() / 1000);
      !written) {
    return report(about("coffre restauré, certificat TLS non écrit",
                        "vault restored, TLS certificate not written", written.error()));
  }
  return 0;
}

int run_backup_verify(const Options& options) {
  auto config = vault_config(options);
  if (!config) {
    return report(config.error());
  }
  auto secret = secret_for_open(options.unlock);
  if (!secret) {
    return report(secret.error());
  }
  gate::Gate::RestoreRequest request;
  request.backup = options.backup.file;
  request.keyring_backup = unless_empty(options.backup.keyring_backup);
  request.ledger_source = unless_empty(options.vault_dir);
  auto verified = gate::Gate::verify_backup(request, *secret, gate::current_local_user(),
                                            system_clock(), *config);
  if (!verified) {
    return report(verified.error());
  }
  int64_t resources = 0;
  for (const auto& [type, count] : verified->counts) {
    resources += count;
  }
  const auto patients = verified->counts.find("Patient");
  fmt::print(
      "Sauvegarde lisible (backup opens): {} octets de données, {} d'audit ; {} patient(s), {} "
      "ressource(s) (patients, resources):\n",
      verified->files.data_bytes, verified->files.audit_bytes,
      patients == verified->counts.end() ? 0 : patients->second, resources);
  for (const auto& [type, count] : verified->counts) {
    fmt::print("  {:<28} {:>10}\n", type, count);
  }
  if (!verified->current_ledger_replayed) {
    fmt::print(
        "Sans --vault, les patients effacés depuis la sauvegarde sont comptés / Without --vault, "
        "patients erased since the backup are counted.\n");
  }
  if (verified->audit.failure) {
    return report(Error{ErrorCode::kIntegrity,
                        fmt::format("the backup's audit chain breaks at entry {}: {}",
                                    verified->audit.failure->seq, verified->audit.failure->reason),
                        fmt::format("la chaîne d'audit de la sauvegarde rompt à l'entrée {}",
                                    verified->audit.failure->seq)});
  }
  fmt::print("Journal d'audit : {} entrée(s) vérifiée(s) (audit chain verified).\n",
             verified->audit.verified);
  return 0;
}

}  // namespace

Result<void> keep_ledger_copy(gate::Gate& gate, const gate::Principal& custodian,
                              const std::string& file) {
  std::error_code error;
  const std::filesystem::path path = std::filesystem::absolute(file, error);
  if (error) {
    return fail(ErrorCode::kUsage, "le chemin de la copie du registre est introuvable",
                "the ledger copy's path cannot be resolved");
  }
  auto written = gate.keep_ledger_copy(custodian, path);
  if (!written) {
    return tl::unexpected(written.error());
  }
  fmt::print(
      "Copie du registre d'effacements tenue dans {} ({} entrée(s)) ; gardez-la hors du coffre.\n"
      "Erasure ledger copy kept in {} ({} entries); keep it outside the vault.\n",
      path.string(), *written, path.string(), *written);
  return {};
}

void add_backup_commands(CLI::App& app, Options& options, int (*&action)(const Options&)) {
  CLI::App* backup = app.add_subcommand(
      "backup",
      "Sauvegarde scellée du coffre (données et audit, sans clé), ou du trousseau avec --keyring "
      "/ Sealed backup of the vault (data and audit, no key), or of the keyring with --keyring");
  backup->require_subcommand(0, 1);
  backup->add_option("--vault", options.vault_dir, "Répertoire du coffre / Vault directory");
  add_unlock_options(*backup, options.unlock);
  backup->add_option("--out", options.out,
                     "Nouveau fichier de sauvegarde (jamais écrasé) / New backup file (never "
                     "overwritten)");
  backup->add_flag("--keyring", options.backup.keyring,
                   "Sauvegarde le trousseau (à garder à part) / Back up the keyring (keep it "
                   "apart)");
  backup->add_flag("--ledger-copy", options.backup.ledger_copy,
                   "Tient désormais une copie signée du registre d'effacements dans --out, hors du "
                   "coffre / From now on keep a signed copy of the erasure ledger in --out, "
                   "outside the vault");

  CLI::App* verify = backup->add_subcommand(
      "verify",
      "Restaure dans un répertoire temporaire, compte les ressources et vérifie l'audit, puis "
      "l'efface / Restore into a temporary directory, count resources and verify the audit, then "
      "remove it");
  verify->add_option("file", options.backup.file, "Sauvegarde de données / Data backup")
      ->required();
  verify->add_option("--vault", options.vault_dir,
                     "Le coffre en service (son trousseau et son registre d'effacements) / The "
                     "live vault (its keyring and erasure ledger)");
  verify->add_option("--keyring", options.backup.keyring_backup,
                     "Une sauvegarde du trousseau / A keyring backup");
  add_unlock_options(*verify, options.unlock);
  verify->callback([&action] { action = run_backup_verify; });
  backup->callback([&action, verify] {
    if (!verify->parsed()) {
      action = run_backup;
    }
  });

  CLI::App* restore = app.add_subcommand(
      "restore",
      "Restaure une sauvegarde dans un nouveau répertoire en rejouant le registre d'effacements "
      "actuel / Restore a backup into a new directory, replaying the current erasure ledger");
  restore->add_option("--from", options.backup.from, "Sauvegarde de données / Data backup")
      ->required();
  restore
      ->add_option("--vault", options.vault_dir,
                   "Nouveau répertoire (absent ou vide) / New directory (absent or empty)")
      ->required();
  restore->add_option("--keyring", options.backup.keyring_backup,
                      "Une sauvegarde du trousseau (par défaut : celui du coffre de --ledger) / A "
                      "keyring backup (default: the keyring of the --ledger vault)");
  restore->add_option("--ledger", options.backup.ledger,
                      "Registre d'effacements actuel : répertoire du coffre en service, sa copie "
                      "hors du coffre (--ledger-file), ou sauvegarde du trousseau postérieure au "
                      "dernier effacement / Current erasure ledger: the live vault's directory, "
                      "its copy outside the vault (--ledger-file), or a keyring backup taken "
                      "after the last erasure");
  restore->add_flag("--without-current-ledger", options.backup.without_current_ledger,
                    "Restaure sans le registre actuel (un patient effacé peut revenir) / Restore "
                    "without the current ledger (an erased patient may come back)");
  add_unlock_options(*restore, options.unlock);
  restore->callback([&action] { action = run_restore; });
}

}  // namespace vigie::cli
