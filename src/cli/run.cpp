#include "cli/run.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>

#include "cli/account_commands.hpp"
#include "cli/alert_commands.hpp"
#include "cli/audit_commands.hpp"
#include "cli/backup_commands.hpp"
#include "cli/command.hpp"
#include "cli/honey_commands.hpp"
#include "cli/import_file.hpp"
#include "cli/import_opened.hpp"
#include "cli/package_commands.hpp"
#include "cli/retention_commands.hpp"
#include "cli/serve_command.hpp"
#include "cli/status_commands.hpp"
#include "cli/terminal.hpp"
#include "cli/unlock.hpp"
#include "cli/usage_errors.hpp"
#include "demo/demo_data.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "gate/gate.hpp"
#include "http/tls_files.hpp"

namespace vigie::cli {

namespace {

namespace json = boost::json;

// A new vault's TLS pair, for `vigie serve` on localhost. The vault exists by now: files an
// operator put in its tls/ beforehand are kept, and a pair that cannot be written is reported
// with the vault in place.
int write_tls_files(const std::string& vault_dir) {
  const http::TlsFiles files = http::default_tls_files(vault_dir);
  auto written = http::write_localhost_certificate(files, system_clock().now_ms() / 1000);
  if (!written && written.error().code == ErrorCode::kConflict) {
    const std::string dir = files.certificate.parent_path().string();
    fmt::print(
        "Fichiers TLS déjà présents dans {}, conservés tels quels : vigie serve les vérifie au "
        "démarrage.\nTLS files already in {}, kept as they are: vigie serve checks them when it "
        "starts.\n",
        dir, dir);
    return 0;
  }
  if (!written) {
    return report(about("coffre créé, certificat TLS non écrit",
                        "vault created, TLS certificate not written", written.error()));
  }
  fmt::print(
      "Certificat TLS autosigné pour localhost : {} (clé privée : {}) ; pour vos propres "
      "fichiers, passez --tls-certificate et --tls-key à vigie serve.\nSelf-signed TLS "
      "certificate for localhost: {} (private key: {}); to use your own files, give vigie serve "
      "--tls-certificate and --tls-key.\n",
      files.certificate.string(), files.private_key.string(), files.certificate.string(),
      files.private_key.string());
  return 0;
}

int run_init(const Options& options) {
  auto auth_settings = auth_settings_for_init(options);
  if (!auth_settings) {
    return report(auth_settings.error());
  }
  auto config = vault_config(options);
  if (!config) {
    return report(config.error());
  }
  auto secret = passphrase_for_init(options.unlock);
  if (!secret) {
    return report(secret.error());
  }
  std::optional<gate::UnlockSecret> key_file;
  if (!options.unlock.key_file.empty()) {
    auto made = key_file_for_init(options.unlock.key_file);
    if (!made) {
      return report(made.error());
    }
    key_file = std::move(*made);
  }
  std::vector<const gate::UnlockSecret*> extra;
  if (key_file) {
    extra.push_back(&*key_file);
  }
  audit::CheckpointPolicy policy;
  policy.every_entries = options.checkpoint_entries;
  policy.every_seconds = options.checkpoint_seconds;
  if (!options.checkpoint_file.empty()) {
    std::error_code error;
    policy.external_file = std::filesystem::absolute(options.checkpoint_file, error);
    if (error) {
      return report(Error{ErrorCode::kUsage, "the checkpoint file's path cannot be resolved",
                          "le chemin du fichier de points de contrôle est introuvable"});
    }
  }
  auto created =
      gate::Gate::initialize(options.vault_dir, *secret, extra, policy, gate::current_local_user(),
                             *auth_settings, system_clock(), *config);
  if (!created) {
    return report(created.error());
  }
  fmt::print("Coffre créé dans {} (vault created).\n", options.vault_dir);
  if (!options.ledger_file.empty()) {
    if (auto kept = keep_ledger_copy(*created->gate, created->custodian, options.ledger_file);
        !kept) {
      return close_gate(*created->gate, report(kept.error()));
    }
  }
  return close_gate(*created->gate, write_tls_files(options.vault_dir));
}

// What an import did, per type and in all.
struct ImportCounts {
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;  // identical to the current version, or matched by ifNoneExist
  int64_t deleted = 0;

  void add(const gate::EntryOutcome& entry) {
    if (entry.unchanged) {
      ++unchanged;
    } else if (entry.action == fhir::EntryAction::kDelete) {
      ++deleted;
    } else if (entry.created) {
      ++created;
    } else {
      ++updated;
    }
  }
};

int import_files(gate::Gate& gate, const gate::Principal& principal, const ImportSource& source) {
  const std::vector<std::string>& files = source.files;
  // Every file is checked before the first is written, so one bad file changes nothing.
  {
    ProgressBar checking("Vérification", files.size());
    for (size_t file_index = 0; file_index < files.size(); ++file_index) {
      auto bundle = source.read(files[file_index]);
      if (!bundle) {
        return report(bundle.error());
      }
      if (auto checked = gate.check_bundle(principal, *bundle); !checked) {
        const std::string& file = files[file_index];
        return report(about(file, file, checked.error()));
      }
      checking.update(file_index + 1);
    }
  }
  std::map<std::string, ImportCounts> by_type;
  ImportCounts total;
  size_t rejected = 0;
  {
    ProgressBar importing("Import", files.size());
    for (size_t file_index = 0; file_index < files.size(); ++file_index) {
      const std::string& file = files[file_index];
      auto bundle = source.read(file);
      if (!bundle) {
        return report(bundle.error());
      }
      auto outcome = gate.import_bundle(principal, std::move(*bundle));
      if (!outcome) {
        return report(about(fmt::format("{} (rien de ce fichier n'est écrit)", file),
                            fmt::format("{} (nothing from this file was written)", file),
                            outcome.error()));
      }
      for (const auto& entry : outcome->entries) {
        if (entry.error) {
          ++rejected;
          static_cast<void>(report(about(
              fmt::format("{} : entrée {} ({})", file, entry.index, entry.type),
              fmt::format("{}: entry {} ({})", file, entry.index, entry.type), *entry.error)));
          continue;
        }
        total.add(entry);
        by_type[entry.type].add(entry);
      }
      importing.update(file_index + 1);
    }
  }
  fmt::print(
      "{} créée(s), {} mise(s) à jour, {} inchangée(s), {} supprimée(s) depuis {} fichier(s) "
      "({} created, {} updated, {} unchanged, {} deleted):\n",
      total.created, total.updated, total.unchanged, total.deleted, files.size(), total.created,
      total.updated, total.unchanged, total.deleted);
  fmt::print("  {:<28} {:>10} {:>10} {:>10} {:>10}\n", "type", "created", "updated", "unchanged",
             "deleted");
  for (const auto& [type, counts] : by_type) {
    fmt::print("  {:<28} {:>10} {:>10} {:>10} {:>10}\n", type, counts.created, counts.updated,
               counts.unchanged, counts.deleted);
  }
  if (rejected > 0) {
    return report(
        Error{ErrorCode::kInvalidInput,
              fmt::format("{} batch entries were rejected; the others were imported", rejected),
              fmt::format("{} entrées du lot refusées ; les autres sont importées", rejected)});
  }
  return 0;
}

int run_import(const Options& options) {
  auto source = import_source(options.files);
  if (!source) {
    return report(source.error());
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate, import_files(*unlocked->gate, unlocked->custodian, *source));
}

// A command about one TYPE/ID: the reference checked, then the vault opened.
struct ReferenceCommand {
  gate::Unlocked unlocked;
  std::string type;
  std::string id;
};

Result<ReferenceCommand> open_for_reference(const Options& options) {
  auto reference = split_reference(options.reference);
  if (!reference) {
    return tl::unexpected(reference.error());
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return tl::unexpected(unlocked.error());
  }
  return ReferenceCommand{std::move(*unlocked), std::move(reference->first),
                          std::move(reference->second)};
}

int print_resource(ReferenceCommand& command, const Options& options) {
  gate::Gate& gate = *command.unlocked.gate;
  const gate::Principal principal = command.unlocked.custodian;
  auto stored = options.version > 0
                    ? gate.read_version(principal, command.type, command.id, options.version)
                    : gate.read(principal, command.type, command.id);
  if (!stored) {
    return report(stored.error());
  }
  if (stored->deleted) {
    return report(Error{
        ErrorCode::kGone,
        fmt::format("{} was deleted in version {}", options.reference, stored->version),
        fmt::format("{} a été supprimé à la version {}", options.reference, stored->version)});
  }
  fmt::print("{}\n", fhir::to_pretty_json_text(stored->resource));
  return 0;
}

int run_get(const Options& options) {
  auto command = open_for_reference(options);
  if (!command) {
    return report(command.error());
  }
  return close_gate(*command->unlocked.gate, print_resource(*command, options));
}

int print_history(ReferenceCommand& command) {
  auto versions =
      command.unlocked.gate->history(command.unlocked.custodian, command.type, command.id);
  if (!versions) {
    return report(versions.error());
  }
  std::vector<json::object> resources;
  for (gate::StoredResource& version : *versions) {
    resources.push_back(std::move(version.resource));
  }
  fmt::print("{}\n", fhir::to_pretty_json_text(fhir::make_history_bundle(resources)));
  return 0;
}

int run_history(const Options& options) {
  auto command = open_for_reference(options);
  if (!command) {
    return report(command.error());
  }
  return close_gate(*command->unlocked.gate, print_history(*command));
}

int print_search(gate::Gate& gate, const gate::Custodian& custodian, const Options& options,
                 std::vector<std::pair<std::string, std::string>> params) {
  if (options.count_only) {
    params.emplace_back("_count", "0");
  }
  auto page = gate.search(custodian, options.type, params);
  if (!page) {
    return report(page.error());
  }
  if (options.count_only) {
    fmt::print("{}\n", page->total);
    return 0;
  }
  std::vector<json::object> resources;
  for (gate::StoredResource& match : page->matches) {
    resources.push_back(std::move(match.resource));
  }
  std::vector<json::object> included;
  for (gate::StoredResource& resource : page->included) {
    included.push_back(std::move(resource.resource));
  }
  fmt::print("{}\n",
             fhir::to_pretty_json_text(fhir::make_searchset(page->total, resources, included)));
  return 0;
}

int run_search(const Options& options) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& param : options.params) {
    const size_t equals = param.find('=');
    if (equals == std::string::npos || equals == 0) {
      return report(Error{ErrorCode::kUsage, "search parameters are written NAME=VALUE",
                          "un paramètre de recherche s'écrit NOM=VALEUR"});
    }
    params.emplace_back(param.substr(0, equals), param.substr(equals + 1));
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate,
                    print_search(*unlocked->gate, unlocked->custodian, options, std::move(params)));
}

int run_erase(const Options& options) {
  auto reference = split_reference(options.reference);
  if (!reference) {
    return report(reference.error());
  }
  if (reference->first != "Patient") {
    return report(Error{ErrorCode::kUsage, "only a patient can be erased: Patient/ID",
                        "seul un patient peut être effacé : Patient/ID"});
  }
  if (!options.yes) {
    if (!interactive()) {
      return report(Error{ErrorCode::kUsage,
                          "erasure cannot be undone: confirm on a terminal or pass --yes",
                          "l'effacement est irréversible : confirmez sur un terminal ou passez "
                          "--yes"});
    }
    if (!confirm_on_terminal(
            fmt::format("Effacer définitivement {} et tout son dossier ? (erase for good?)",
                        options.reference))) {
      return report(Error{ErrorCode::kUsage, "erasure cancelled", "effacement annulé"});
    }
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  auto erased = gate.erase_patient(unlocked->custodian, reference->second);
  if (!erased) {
    return close_gate(gate, report(erased.error()));
  }
  // The key is shredded: the patient is erased. Its rows go before the command ends, or, if their
  // removal fails, at the next unlock.
  if (auto cleaned = gate.await_erasure_cleanup(); !cleaned) {
    fmt::print(
        "{} effacé (erased): clé détruite, {} version(s) illisible(s), retirée(s) du fichier à la "
        "prochaine ouverture (key shredded, the rows go at the next unlock).\n",
        options.reference, erased->versions_removed);
    return close_gate(gate, 0);
  }
  fmt::print("{} effacé (erased): clé détruite, {} version(s) supprimée(s).\n", options.reference,
             erased->versions_removed);
  return close_gate(gate, 0);
}

int run_demo_data(const Options& options) {
  demo::DemoOptions demo_options;
  demo_options.patients = options.patients;
  demo_options.seed = options.seed;
  const std::string text = fhir::to_json_text(demo::generate_bundle(demo_options));
  if (options.out.empty()) {
    fmt::print("{}\n", text);
    return 0;
  }
  std::ofstream out(options.out, std::ios::binary | std::ios::trunc);
  out << text << '\n';
  out.close();
  if (!out) {
    return report(Error{ErrorCode::kInternal, fmt::format("cannot write {}", options.out),
                        fmt::format("impossible d'écrire {}", options.out)});
  }
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  if (auto hardened = gate::harden_process(); !hardened) {
    return report(hardened.error());
  }
  CLI::App app{
      "vigie — coffre-fort de données de santé, API FHIR R4 / a vault for patient data, FHIR R4 "
      "API",
      "vigie"};
  use_french_first_help(app);
  app.require_subcommand(1);
  Options options;
  OptionRules rules;
  int (*action)(const Options&) = nullptr;

  auto add_vault = [&](CLI::App* command) {
    command->add_option("--vault", options.vault_dir, "Répertoire du coffre / Vault directory")
        ->required();
    add_unlock_options(*command, options.unlock);
  };

  CLI::App* init = app.add_subcommand("init",
                                      "Crée un coffre (demande une nouvelle phrase de passe) / "
                                      "Create a vault (asks for a new passphrase)");
  add_vault(init);
  init->add_option("--checkpoint-file", options.checkpoint_file,
                   "Fichier hors du coffre où les points de contrôle signés sont aussi ajoutés / "
                   "File outside the vault where signed audit checkpoints are also appended");
  init->add_option("--ledger-file", options.ledger_file,
                   "Fichier hors du coffre où chaque effacement est aussi inscrit, signé (pour "
                   "restaurer sans le coffre) / File outside the vault where each erasure is also "
                   "written, signed (to restore without the vault)");
  rules.whole_number(
      init->add_option(
          "--checkpoint-entries", options.checkpoint_entries,
          "Signe un point de contrôle d'audit toutes les N entrées (1000 par défaut) / "
          "Sign an audit checkpoint every N entries (default 1000)"),
      1, 1'000'000'000);
  rules.whole_number(init->add_option("--checkpoint-seconds", options.checkpoint_seconds,
                                      "Signe un point de contrôle au moins toutes les T secondes "
                                      "d'activité (300 par défaut) / Sign an audit checkpoint at "
                                      "least every T seconds of activity (default 300)"),
                     1, 31'536'000);
  init->add_option("--session-idle", options.session_idle,
                   "Une session inutilisée aussi longtemps prend fin : Nm ou Nh (15m par défaut) / "
                   "A session unused this long ends: Nm or Nh (default 15m)");
  init->add_option(
      "--session-lifetime", options.session_lifetime,
      "Toute session prend fin ce temps après sa connexion : Nm ou Nh (12h par défaut) / Every "
      "session ends this long after its login: Nm or Nh (default 12h)");
  init->callback([&] { action = run_init; });

  CLI::App* import = app.add_subcommand(
      "import",
      "Importe des Bundles FHIR, des ressources seules ou du NDJSON (tout est vérifié d'abord) / "
      "Import FHIR Bundles, single resources or NDJSON files (all checked first)");
  add_vault(import);
  import
      ->add_option("files", options.files,
                   "Fichiers à importer, ou le répertoire écrit par vigie export open / Files to "
                   "import, or the directory that vigie export open wrote")
      ->required();
  import->callback([&] { action = run_import; });

  CLI::App* get =
      app.add_subcommand("get", "Affiche une ressource en JSON / Print one resource as JSON");
  add_vault(get);
  get->add_option("reference", options.reference, "TYPE/ID")->required();
  rules.whole_number(get->add_option("--version", options.version,
                                     "Numéro d'une version passée / A past version number"),
                     1);
  get->callback([&] { action = run_get; });

  CLI::App* history = app.add_subcommand(
      "history",
      "Affiche toutes les versions d'une ressource / Print every version of one resource");
  add_vault(history);
  history->add_option("reference", options.reference, "TYPE/ID")->required();
  history->callback([&] { action = run_history; });

  CLI::App* search = app.add_subcommand(
      "search",
      "Recherche FHIR ; affiche un Bundle searchset / FHIR search; prints a searchset Bundle");
  add_vault(search);
  search->add_option("type", options.type, "Type de ressource / Resource type")->required();
  search->add_option("params", options.params,
                     "Paramètres de recherche NOM=VALEUR / NAME=VALUE search parameters");
  search->add_flag("--count-only", options.count_only,
                   "N'affiche que le nombre de résultats / Print only the number of matches");
  search->callback([&] { action = run_search; });

  CLI::App* erase = app.add_subcommand("erase",
                                       "Efface un patient pour de bon (destruction de sa clé) / "
                                       "Erase a patient for good (crypto-shredding of their key)");
  add_vault(erase);
  erase->add_option("reference", options.reference, "Patient/ID")->required();
  erase->add_flag("--yes", options.yes,
                  "Ne demande pas de confirmation / Do not ask for confirmation");
  erase->callback([&] { action = run_erase; });

  CLI::App* audit = app.add_subcommand(
      "audit", "Le journal d'audit infalsifiable / The tamper-evident audit log");
  audit->require_subcommand(1);
  CLI::App* audit_verify = audit->add_subcommand(
      "verify",
      "Vérifie la chaîne et ses points de contrôle signés (sortie 6 là où elle rompt) / Check the "
      "hash chain and its signed checkpoints (exit 6 where it breaks)");
  add_vault(audit_verify);
  audit_verify->add_option("--checkpoint-file", options.checkpoint_file,
                           "Fichier externe de points de contrôle (par défaut : celui fixé à init) "
                           "/ External checkpoint file (default: the one set at init)");
  audit_verify->callback([&] { action = run_audit_verify; });

  CLI::App* audit_log =
      audit->add_subcommand("log", "Affiche les entrées d'audit / Print audit entries");
  add_vault(audit_log);
  audit_log->add_option("--actor", options.actor,
                        "Identifiant du compte, ou utilisateur système du dépositaire / Account "
                        "login, or the custodian's OS user");
  audit_log->add_option(
      "--patient", options.patient,
      "Entrées sur les données de ce patient (ID) / Entries about this patient's data (ID)");
  audit_log->add_option(
      "--action", options.action,
      "read, search, create, import, unlock... / read, search, create, import, unlock...");
  audit_log->add_option(
      "--since", options.since,
      "À partir de ce moment (RFC 3339 ou AAAA-MM-JJ) / From this time (RFC 3339 or YYYY-MM-DD)");
  audit_log->add_option(
      "--until", options.until,
      "Avant ce moment (une date inclut le jour) / Before this time (a date includes the day)");
  options.format = "table";
  rules.accept(
      audit_log
          ->add_option("--format", options.format, "table, json ou ndjson / table, json or ndjson")
          ->check(CLI::IsMember({"table", "json", "ndjson"})),
      {"table, json ou ndjson", "table, json or ndjson"});
  audit_log->callback([&] { action = run_audit_log; });

  CLI::App* incident = app.add_subcommand(
      "incident",
      "Impact d'une violation (RGPD art. 33 et 34) / Breach impact (GDPR art. 33 and 34)");
  incident->require_subcommand(1);
  CLI::App* incident_report = incident->add_subcommand(
      "report",
      "Les données lues par un acteur, une session ou une adresse, avec les projets de "
      "notification / Whose data an actor, session or address read, with draft notifications");
  add_vault(incident_report);
  auto* by_actor = incident_report->add_option(
      "--actor", options.actor,
      "Identifiant du compte ou utilisateur système / Account login or OS user");
  auto* by_session = incident_report->add_option("--session", options.session,
                                                 "Identifiant de session / Session id");
  auto* by_address = incident_report->add_option("--address", options.address,
                                                 "Adresse du client / Client address");
  by_actor->excludes(by_session, by_address);
  by_session->excludes(by_address);
  incident_report
      ->add_option("--since", options.since,
                   "À partir de ce moment (RFC 3339 ou AAAA-MM-JJ) / From this time (RFC 3339 or "
                   "YYYY-MM-DD)")
      ->required();
  incident_report->add_option(
      "--until", options.until,
      "Avant ce moment (par défaut : maintenant) / Before this time (default: now)");
  rules.accept(incident_report
                   ->add_option("--format", options.format,
                                "md (Markdown en français, par défaut) ou json / md (French "
                                "Markdown, the default) or json")
                   ->check(CLI::IsMember({"md", "json"})),
               {"md ou json", "md or json"});
  incident_report->add_option("--out", options.out,
                              "Répertoire du rapport, du projet pour la CNIL et des lettres / "
                              "Directory for the report, the CNIL draft and the letters");
  incident_report->callback([&] {
    if (options.format == "table") {
      options.format = "md";
    }
    action = run_incident_report;
  });

  CLI::App* user = app.add_subcommand(
      "user", "Comptes nominatifs : personnes et services / Named accounts: people and services");
  user->require_subcommand(1);
  CLI::App* user_add =
      user->add_subcommand("add",
                           "Crée un compte ; affiche son mot de passe à usage unique / Create an "
                           "account; prints a person's one-time password");
  add_vault(user_add);
  user_add
      ->add_option("--login", options.login,
                   "2 à 64 caractères parmi a-z 0-9 . _ - / 2 to 64 of a-z 0-9 . _ -")
      ->required();
  user_add->add_option("--name", options.display_name, "Nom affiché / Name shown")->required();
  user_add
      ->add_option("--role", options.role,
                   "practitioner, assistant, admin, dpo ou service / practitioner, assistant, "
                   "admin, dpo or service")
      ->required();
  user_add->add_option("--rpps", options.rpps,
                       "Numéro RPPS (11 chiffres) / RPPS number (11 digits)");
  user_add->callback([&] { action = run_user_add; });

  CLI::App* user_list = user->add_subcommand("list", "Liste les comptes / List the accounts");
  add_vault(user_list);
  user_list->callback([&] { action = run_user_list; });

  CLI::App* user_show = user->add_subcommand("show", "Affiche un compte / Show one account");
  add_vault(user_show);
  user_show->add_option("login", options.login, "Identifiant / Login")->required();
  user_show->callback([&] { action = run_user_show; });

  const std::array<std::tuple<const char*, const char*, int (*)(const Options&)>, 6> login_commands{
      {
          {"lock",
           "Verrouille un compte (ferme ses sessions et jetons) / Lock an account (ends its "
           "sessions and tokens)",
           run_user_lock},
          {"unlock",
           "Déverrouille un compte verrouillé (efface ses échecs de connexion) / Unlock an account "
           "(clears its failed logins)",
           run_user_unlock},
          {"disable",
           "Désactive un compte pour de bon (ferme ses sessions et jetons) / Disable an account "
           "(ends its sessions and tokens)",
           run_user_disable},
          {"reset-password",
           "Donne à une personne un nouveau mot de passe temporaire (affiché une fois) / Give a "
           "person a new temporary password (shown once)",
           run_user_reset_password},
          {"reset-otp",
           "Retire le second facteur d'une personne ; elle en enrôle un nouveau elle-même / Remove "
           "a person's second factor; they enrol a new one themselves",
           run_user_reset_otp},
          {"enrol",
           "Une personne, au terminal, enrôle elle-même son second facteur / A person, at the "
           "terminal, enrols their own second factor",
           run_user_enrol},
      }};
  for (const auto& [name, description, run_command] : login_commands) {
    CLI::App* command = user->add_subcommand(name, description);
    add_vault(command);
    command->add_option("login", options.login, "Identifiant / Login")->required();
    command->callback([&action, run_command = run_command] { action = run_command; });
  }

  CLI::App* token = app.add_subcommand(
      "token", "Jetons d'API des comptes de service / API tokens of service accounts");
  token->require_subcommand(1);
  CLI::App* token_create =
      token->add_subcommand("create",
                            "Crée un jeton d'API (affiché une fois, en dernière ligne) / Create an "
                            "API token (printed once, on the last line)");
  add_vault(token_create);
  token_create->add_option("--login", options.login, "Le compte de service / The service account")
      ->required();
  token_create
      ->add_option("--scope", options.scopes,
                   "Une portée SMART system/ (répétable) / A system/ SMART scope (repeatable)")
      ->required()
      ->allow_extra_args(false);
  token_create
      ->add_option("--expires", options.expires,
                   "Nh, Nd, Nw ou Ny (1y = 365 jours, au plus), ou une date RFC 3339 / Nh, Nd, Nw "
                   "or Ny (1y = 365 days, at most), or an RFC 3339 date or time")
      ->required();
  token_create
      ->add_option("--allow-address", options.allowed_addresses,
                   "N'accepte le jeton que depuis cette adresse IP (répétable) / Accept the token "
                   "only from this IP address (repeatable)")
      ->allow_extra_args(false);
  token_create->callback([&] { action = run_token_create; });

  CLI::App* token_revoke =
      token->add_subcommand("revoke",
                            "Révoque un jeton (ou une session) par son identifiant ou son secret / "
                            "Revoke a token (or a session) by id or by its secret");
  add_vault(token_revoke);
  token_revoke
      ->add_option("id", options.credential_id,
                   "Identifiant de jeton ou de session (tok-…, ses-…), ou son secret (vgt_…, "
                   "vgs_…) / Token or session id (tok-…, ses-…), or its secret (vgt_…, vgs_…)")
      ->required();
  token_revoke->callback([&] { action = run_token_revoke; });

  CLI::App* client =
      app.add_subcommand("client",
                         "Clients SMART Backend Services (clés publiques des comptes de service) / "
                         "SMART Backend Services clients (public keys of service accounts)");
  client->require_subcommand(1);
  CLI::App* client_add = client->add_subcommand(
      "add",
      "Enregistre les clés publiques (JWKS : EC P-384 pour ES384, RSA ≥ 2048 bits pour RS384) "
      "d'un compte de service, dont l'identifiant est le client_id / Register the public keys "
      "(JWKS: EC P-384 for ES384, RSA ≥ 2048 bits for RS384) of a service account, whose login "
      "is the client_id");
  add_vault(client_add);
  client_add->add_option("--login", options.login, "Le compte de service / The service account")
      ->required();
  client_add
      ->add_option("--jwks", options.jwks_file,
                   "Fichier JWKS des clés publiques / JWKS file of the public keys")
      ->required();
  client_add->callback([&] { action = run_client_add; });

  CLI::App* assign = app.add_subcommand("assign",
                                        "Confie un patient à un praticien (équipe de soins) / Put "
                                        "a practitioner in charge of a patient (care team)");
  add_vault(assign);
  assign
      ->add_option("--login", options.login, "Identifiant du praticien / The practitioner's login")
      ->required();
  assign->add_option("reference", options.reference, "Patient/ID")->required();
  assign->callback([&] { action = run_assign; });

  CLI::App* unassign = app.add_subcommand(
      "unassign", "Met fin à l'affectation d'un praticien / End a practitioner's assignment");
  add_vault(unassign);
  unassign
      ->add_option("--login", options.login, "Identifiant du praticien / The practitioner's login")
      ->required();
  unassign->add_option("reference", options.reference, "Patient/ID")->required();
  unassign->callback([&] { action = run_unassign; });

  CLI::App* serve = app.add_subcommand(
      "serve",
      "Sert l'API FHIR en HTTPS jusqu'à SIGTERM / Serve the FHIR API over HTTPS until "
      "SIGTERM");
  add_vault(serve);
  serve->add_option("--listen", options.listen,
                    "ADRESSE:PORT d'écoute (127.0.0.1:8443 par défaut) / ADDRESS:PORT to listen on "
                    "(default 127.0.0.1:8443)");
  serve->add_option("--metrics-listen", options.metrics_listen,
                    "ADRESSE:PORT des mesures Prometheus /metrics (127.0.0.1:9464 par défaut ; "
                    "HTTP clair sur une adresse de bouclage, TLS ailleurs) / ADDRESS:PORT of the "
                    "Prometheus /metrics (default 127.0.0.1:9464; plain HTTP on a loopback "
                    "address, TLS elsewhere)");
  rules.whole_number(serve->add_option("--threads", options.threads,
                                       "Fils de lecture du coffre (2 par défaut ; plus un fil "
                                       "d'écriture) / Threads that read the vault (default 2; "
                                       "plus one writer thread)"),
                     1, 256);
  serve->add_option("--tls-certificate", options.tls_certificate,
                    "Certificat PEM (par défaut : celui du coffre, tls/certificate.pem) / PEM "
                    "certificate (default: the vault's tls/certificate.pem)");
  serve->add_option("--tls-key", options.tls_key,
                    "Clé privée PEM (par défaut : tls/private-key.pem du coffre) / PEM private key "
                    "(default: the vault's tls/private-key.pem)");
  serve->add_option("--public-url", options.public_url,
                    "URL publique du serveur, d'où vient l'URL du jeton SMART (par défaut "
                    "https://localhost:PORT) / The server's public URL, from which SMART's token "
                    "URL is made (default https://localhost:PORT)");
  rules.whole_number(serve->add_option("--export-retention-hours", options.export_retention_hours,
                                       "Heures de conservation des fichiers d'un export Bulk Data "
                                       "(24 par défaut) / Hours a Bulk Data export's files are "
                                       "kept (default 24)"),
                     1, 24 * 30);
  serve->callback([&] { action = run_serve; });

  CLI::App* demo_data = app.add_subcommand(
      "demo-data",
      "Écrit un Bundle transaction de patients français fictifs (aucune personne réelle) / Write a "
      "transaction Bundle of synthetic French patients (no real person)");
  rules.whole_number(demo_data->add_option("--patients", options.patients,
                                           "Nombre de patients / Number of patients"),
                     1, 1'000'000);
  demo_data->add_option(
      "--seed", options.seed,
      "Graine aléatoire (même graine, mêmes données) / Random seed (same seed, same data)");
  demo_data->add_option("--out", options.out,
                        "Fichier de sortie (par défaut : la sortie standard) / Output file "
                        "(default: standard output)");
  demo_data->callback([&] { action = run_demo_data; });

  add_backup_commands(app, options, action);
  add_package_commands(app, options, action);
  add_retention_commands(app, options, action, add_vault);
  add_honey_commands(app, options, action, add_vault);
  add_status_commands(app, options, action, add_vault);
  add_alert_commands(app, options, action, add_vault);
  group_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    return report(usage_error(app, error, rules));
  }
  return action(options);
}

}  // namespace vigie::cli
