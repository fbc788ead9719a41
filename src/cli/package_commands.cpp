#include "cli/package_commands.hpp"

#include <array>
#include <ctime>
#include <tuple>

#include <fmt/format.h>

#include "cli/account_commands.hpp"
#include "common/private_file.hpp"
#include "lifecycle/export_job.hpp"
#include "lifecycle/package.hpp"
#include "lifecycle/recipient_keys.hpp"

namespace vigie::cli {

namespace {

std::string date_text(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += out.empty() ? "" : ",";
    out += item;
  }
  return out;
}

// Runs `work` with the vault of `options` unlocked, then closes it.
template <typename Work>
int with_vault(const Options& options, Work&& work) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate, work(*unlocked->gate, unlocked->custodian));
}

void print_job(const lifecycle::ExportJob& job) {
  fmt::print("{}  {}  {} patient(s)  types {}  expire {}  {}\n", job.id, name_of(job.status),
             job.patient_count, joined(job.types), date_text(job.expires_ms), job.package_path);
}

int run_keygen(const Options& options) {
  auto files = lifecycle::write_recipient_key_pair(options.out);
  if (!files) {
    return report(files.error());
  }
  fmt::print(
      "Clé privée : {} (gardez-la chez le destinataire, mode 0600)\nClé publique : {} (à donner "
      "à l'émetteur du paquet)\nPrivate key: {} (keep it with the recipient, mode 0600)\nPublic "
      "key: {} (give it to the package's sender)\n",
      files->secret_key.string(), files->public_key.string(), files->secret_key.string(),
      files->public_key.string());
  return 0;
}

int run_export_create(const Options& options) {
  lifecycle::ExportRequest request;
  request.purpose = options.package.purpose;
  request.types = options.package.types;
  request.fields = options.package.fields;
  request.all_patients = options.package.all_patients;
  request.out = options.out;
  if (!options.package.patients_file.empty()) {
    auto patients = lifecycle::read_patient_list(options.package.patients_file);
    if (!patients) {
      return report(patients.error());
    }
    request.patients = std::move(*patients);
    if (request.patients.empty()) {
      return report(Error{ErrorCode::kUsage, "the --patients file names no patient",
                          "le fichier --patients ne nomme aucun patient"});
    }
  }
  auto recipient = lifecycle::read_recipient_public_key(options.package.recipient);
  if (!recipient) {
    return report(recipient.error());
  }
  request.recipient = *recipient;
  auto expires = parse_expiry_ms(options.expires, system_clock().now_ms());
  if (!expires) {
    return report(expires.error());
  }
  request.expires_ms = *expires;
  if (auto checked = lifecycle::check_request(request, system_clock().now_ms()); !checked) {
    return report(checked.error());
  }
  auto config = vault_config(options);
  if (!config) {
    return report(config.error());
  }
  return with_vault(options, [&](gate::Gate& gate, const gate::Custodian& custodian) {
    auto job = gate.create_export(custodian, request, config->exports.approval_patients);
    if (!job) {
      return report(job.error());
    }
    if (job->status == lifecycle::JobStatus::kAwaitingApproval) {
      fmt::print(
          "Export {} : {} patients, au-delà de {} ; rien n'est écrit tant qu'un second dépositaire "
          "(un autre déverrouilleur) n'a pas lancé vigie export approve {}.\nExport {}: {} "
          "patients, more than {}; nothing is written until a second custodian (another unlocker) "
          "runs vigie export approve {}.\n",
          job->id, job->patient_count, config->exports.approval_patients, job->id, job->id,
          job->patient_count, config->exports.approval_patients, job->id);
      return 0;
    }
    fmt::print("Paquet scellé écrit (sealed package written): {}\n", job->package_path);
    print_job(*job);
    for (const lifecycle::PackageFile& file : job->files) {
      fmt::print("  {:<28} {:>10}  sha256 {}\n", file.name, file.count, file.sha256);
    }
    return 0;
  });
}

int run_export_approve(const Options& options) {
  return with_vault(options, [&](gate::Gate& gate, const gate::Custodian& custodian) {
    auto job = gate.approve_export(custodian, options.package.job);
    if (!job) {
      return report(job.error());
    }
    fmt::print("Paquet scellé écrit (sealed package written): {}\n", job->package_path);
    print_job(*job);
    return 0;
  });
}

int run_export_list(const Options& options) {
  return with_vault(options, [&](gate::Gate& gate, const gate::Custodian& custodian) {
    auto jobs = gate.export_jobs(custodian);
    if (!jobs) {
      return report(jobs.error());
    }
    for (const lifecycle::ExportJob& job : *jobs) {
      print_job(job);
    }
    return 0;
  });
}

int run_export_revoke(const Options& options) {
  return with_vault(options, [&](gate::Gate& gate, const gate::Custodian& custodian) {
    auto job = gate.revoke_export(custodian, options.package.job);
    if (!job) {
      return report(job.error());
    }
    fmt::print(
        "Export {} révoqué ; fichier du paquet supprimé s'il était encore là ({}).\nExport "
        "{} revoked; package file deleted if it was still there.\n",
        job->id, job->package_path, job->id);
    return 0;
  });
}

int run_export_certificate(const Options& options) {
  return with_vault(options, [&](gate::Gate& gate, const gate::Custodian& custodian) {
    auto certificate = gate.export_certificate(custodian, options.package.job);
    if (!certificate) {
      return report(certificate.error());
    }
    if (options.out.empty()) {
      fmt::print("{}\n", *certificate);
      return 0;
    }
    std::FILE* file = std::fopen(options.out.c_str(), "wx");
    if (file == nullptr) {
      return report(Error{ErrorCode::kConflict, fmt::format("cannot create {}", options.out),
                          fmt::format("impossible de créer {}", options.out)});
    }
    const bool written = std::fputs(certificate->c_str(), file) >= 0 && std::fputc('\n', file) >= 0;
    if (std::fclose(file) != 0 || !written) {
      return report(Error{ErrorCode::kInternal, fmt::format("cannot write {}", options.out),
                          fmt::format("impossible d'écrire {}", options.out)});
    }
    fmt::print("Certificat de suppression signé : {} / Signed deletion certificate: {}\n",
               options.out, options.out);
    return 0;
  });
}

int run_export_open(const Options& options) {
  auto key = lifecycle::read_recipient_key_pair(options.package.key);
  if (!key) {
    return report(key.error());
  }
  std::optional<std::string_view> identity;
  if (!options.package.vault_identity.empty()) {
    identity = options.package.vault_identity;
  }
  auto manifest = lifecycle::open_package(options.files.front(), *key, identity,
                                          system_clock().now_ms(), options.out);
  if (!manifest) {
    return report(manifest.error());
  }
  fmt::print(
      "Paquet {} vérifié et ouvert dans {} (signé par le coffre {}).\nPackage {} verified and "
      "opened into {} (signed by vault {}).\nBut / purpose: {}\n",
      manifest->job_id, options.out, manifest->vault_identity, manifest->job_id, options.out,
      manifest->vault_identity, manifest->purpose);
  for (const lifecycle::PackageFile& file : manifest->files) {
    fmt::print("  {:<28} {:>10}\n", file.name, file.count);
  }
  // vigie import checks the directory against the signed manifest, then imports Patient first.
  fmt::print("Import : vigie import --vault DIR {}\nImport: vigie import --vault DIR {}\n",
             options.out, options.out);
  return 0;
}

void add_vault_options(CLI::App& command, Options& options) {
  command.add_option("--vault", options.vault_dir, "Répertoire du coffre / Vault directory")
      ->required();
  add_unlock_options(command, options.unlock);
}

}  // namespace

void add_package_commands(CLI::App& app, Options& options, int (*&action)(const Options&)) {
  CLI::App* keygen = app.add_subcommand(
      "keygen",
      "Crée la paire de clés X25519 d'un destinataire de paquets (NOM.key, NOM.pub) / Create a "
      "package recipient's X25519 key pair (NAME.key, NAME.pub)");
  keygen->add_option("--out", options.out, "NOM des deux fichiers / NAME of both files")
      ->required();
  keygen->callback([&action] { action = run_keygen; });

  CLI::App* exports = app.add_subcommand(
      "export",
      "Paquets de migration scellés, minimaux et qui expirent / Sealed, minimal, expiring "
      "migration packages");
  exports->require_subcommand(1);

  CLI::App* create = exports->add_subcommand(
      "create",
      "Écrit un paquet scellé pour un destinataire / Write a package sealed to a recipient");
  add_vault_options(*create, options);
  create
      ->add_option("--purpose", options.package.purpose,
                   "Pourquoi les données sortent / Why the data leaves")
      ->required();
  create
      ->add_option("--types", options.package.types,
                   "Types de ressources (Patient,Observation,...) / Resource types")
      ->required()
      ->delimiter(',');
  create
      ->add_option("--fields", options.package.fields,
                   "Éléments gardés (Patient.name,...), les autres restent / Elements kept "
                   "(Patient.name,...), the others stay")
      ->delimiter(',');
  auto* patients = create->add_option(
      "--patients", options.package.patients_file,
      "Fichier des patients (un identifiant par ligne) / File of patients (one id per line)");
  auto* all = create->add_flag("--all", options.package.all_patients,
                               "Tous les patients du coffre / Every patient of the vault");
  patients->excludes(all);
  create
      ->add_option("--recipient", options.package.recipient,
                   "Clé publique du destinataire (NOM.pub de vigie keygen) / The recipient's "
                   "public key (NAME.pub from vigie keygen)")
      ->required();
  create
      ->add_option("--expires", options.expires,
                   "Expiration : 7d, 48h, 2w ou une date RFC 3339 / Expiry: 7d, 48h, 2w or an "
                   "RFC 3339 date")
      ->required();
  create->add_option("--out", options.out, "Fichier du paquet / Package file")->required();
  create->callback([&action] { action = run_export_create; });

  CLI::App* list = exports->add_subcommand("list", "Liste les exports / List the export jobs");
  add_vault_options(*list, options);
  list->callback([&action] { action = run_export_list; });

  const std::array<std::tuple<const char*, const char*, int (*)(const Options&)>, 3> job_commands{{
      {"revoke",
       "Révoque un export et supprime son paquet s'il est encore là / Revoke an export job and "
       "delete its package if still there",
       run_export_revoke},
      {"approve",
       "Second dépositaire : approuve et écrit un export de nombreux patients / Second custodian: "
       "approve and write an export of many patients",
       run_export_approve},
      {"certificate",
       "Certificat de suppression signé, après l'expiration / Signed deletion certificate, after "
       "the expiry",
       run_export_certificate},
  }};
  for (const auto& [name, description, run_command] : job_commands) {
    CLI::App* command = exports->add_subcommand(name, description);
    add_vault_options(*command, options);
    command->add_option("job", options.package.job, "Identifiant de l'export (exp-…) / Job id")
        ->required();
    if (std::string_view(name) == "certificate") {
      command->add_option("--out", options.out,
                          "Fichier du certificat (par défaut : la sortie standard) / Certificate "
                          "file (default: standard output)");
    }
    command->callback([&action, run_command = run_command] { action = run_command; });
  }

  CLI::App* open = exports->add_subcommand(
      "open",
      "Vérifie puis ouvre un paquet (destinataire ; aucun coffre) / Verify then open a package "
      "(recipient; no vault)");
  open->add_option("--key", options.package.key,
                   "Clé privée du destinataire (NOM.key) / The "
                   "recipient's private key (NAME.key)")
      ->required();
  open->add_option("--vault-identity", options.package.vault_identity,
                   "Identité attendue du coffre émetteur (hex) / Expected identity of the sending "
                   "vault (hex)");
  open->add_option("package", options.files, "Fichier du paquet / Package file")
      ->required()
      ->expected(1);
  open->add_option("--out", options.out,
                   "Répertoire où écrire le NDJSON (nouveau ou vide) / Directory for the NDJSON "
                   "(new or empty)")
      ->required();
  open->callback([&action] { action = run_export_open; });
}

}  // namespace vigie::cli
