// Migration packages (issue 14): the custodian's sealed, minimal, expiring exports. The data is
// read here, cut to what the job lists and sealed into the package as it is read
// (lifecycle::PackageWriter): no plaintext reaches the disk. The package gets its name only once
// the job and its entry, naming every resource that leaves, are durable.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/hex.hpp"
#include "fhir/json.hpp"
#include "fhir/search.hpp"
#include "gate/audited_call.hpp"
#include "gate/gate.hpp"
#include "lifecycle/package.hpp"

namespace vigie::gate {

namespace {

// Resources read per page of a patient's compartment or of the Patient listing.
constexpr size_t kExportPage = 1000;

std::string creator_of(const Custodian& custodian, std::string_view auth_method) {
  return fmt::format("{} ({})", custodian.user().os_user, auth_method);
}

Result<std::vector<lifecycle::ExportJob>> parse_stored_jobs(
    const Result<std::optional<std::string>>& stored) {
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  if (!stored->has_value()) {
    return std::vector<lifecycle::ExportJob>{};
  }
  return lifecycle::parse_jobs(**stored);
}

// The request a job stored while awaiting approval describes.
Result<lifecycle::ExportRequest> request_of(const lifecycle::ExportJob& job) {
  lifecycle::ExportRequest request;
  request.purpose = job.purpose;
  request.types = job.types;
  request.fields = job.fields;
  request.patients = job.pending_patients;
  request.all_patients = job.all_patients;
  request.expires_ms = job.expires_ms;
  request.out = job.package_path;
  const auto recipient = from_hex(job.recipient, request.recipient.size());
  if (!recipient) {
    return fail(ErrorCode::kIntegrity, "the job's recipient key cannot be read");
  }
  std::copy(recipient->begin(), recipient->end(), request.recipient.begin());
  return request;
}

Error custodian_only() {
  return Error{ErrorCode::kPermissionDenied,
               "only the vault's custodian (at the command line) exports packages",
               "seul le dépositaire du coffre (en ligne de commande) exporte des paquets"};
}

}  // namespace

Result<void> Gate::store_export_job(const lifecycle::ExportJob& job,
                                    std::vector<audit::Entry> entries) {
  std::optional<int64_t> intent;
  const audit::Entry first = entries.front();
  Result<void> result = [&]() -> Result<void> {
    auto transaction = store::begin_transaction(*accounts_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    auto jobs = parse_stored_jobs(accounts_->get_meta(std::string(lifecycle::kExportJobsMeta)));
    if (!jobs) {
      return tl::unexpected(jobs.error());
    }
    bool replaced = false;
    for (lifecycle::ExportJob& stored : *jobs) {
      if (stored.id == job.id) {
        stored = job;
        replaced = true;
      }
    }
    if (!replaced) {
      jobs->push_back(job);
    }
    if (auto saved = accounts_->set_meta(std::string(lifecycle::kExportJobsMeta),
                                         lifecycle::jobs_text(*jobs));
        !saved) {
      return saved;
    }
    if (auto recorded = record_intent(*accounts_, std::move(entries), intent); !recorded) {
      return recorded;
    }
    return transaction->commit_durable();
  }();
  return committed(first, std::move(result), intent);
}

Result<lifecycle::ExportJob> Gate::write_export(audit::Entry entry, lifecycle::ExportJob job,
                                                const lifecycle::ExportRequest& request) {
  // The patients, each one checked to be in the vault (an erased or deleted one is refused).
  std::vector<std::string> patients = request.patients;
  if (request.all_patients) {
    fhir::SearchQuery query;
    query.type = "Patient";
    query.count = kExportPage;
    query.needs_total = false;
    while (true) {
      auto page = vault_->search(query);
      if (!page) {
        return refused<lifecycle::ExportJob>(std::move(entry), page.error());
      }
      for (const StoredResource& patient : page->matches) {
        patients.push_back(patient.id);
      }
      if (!page->next) {
        break;
      }
      query.after = page->next;
    }
  } else {
    for (size_t i = 0; i < patients.size(); ++i) {
      auto patient = vault_->read_current("Patient", patients[i]);
      if (!patient || patient->deleted) {
        return refused<lifecycle::ExportJob>(
            std::move(entry),
            Error{ErrorCode::kNotFound,
                  fmt::format("patient number {} of the list is not in the vault", i + 1),
                  fmt::format("le patient n° {} de la liste n'est pas dans le coffre", i + 1)});
      }
    }
  }
  // Decoys never leave in a package (docs/architecture.md 12.2).
  std::erase_if(patients, [&](const std::string& patient) { return vault_->is_decoy(patient); });
  auto writer = lifecycle::PackageWriter::create(request.out, request.recipient, request.types);
  if (!writer) {
    return refused<lifecycle::ExportJob>(std::move(entry), writer.error());
  }
  std::map<std::string, size_t, std::less<>> file_of;
  for (size_t i = 0; i < request.types.size(); ++i) {
    file_of.emplace(request.types[i], i);
  }
  std::vector<audit::Target> targets;
  for (const std::string& patient : patients) {
    for (size_t offset = 0;; offset += kExportPage) {
      auto page = vault_->compartment(patient, kExportPage, offset, {});
      if (!page) {
        return refused<lifecycle::ExportJob>(std::move(entry), page.error());
      }
      for (const StoredResource& resource : page->matches) {
        const auto file = file_of.find(resource.type);
        if (file == file_of.end()) {
          continue;
        }
        const std::string line =
            fhir::to_json_text(lifecycle::project(resource.resource, request.fields));
        if (auto added = (*writer)->add(file->second, line); !added) {
          return refused<lifecycle::ExportJob>(std::move(entry), added.error());
        }
        targets.push_back(target_of(resource));
      }
      if (page->matches.size() < kExportPage) {
        break;
      }
    }
  }
  auto signing_key = vault_->audit_signing_key();
  if (!signing_key) {
    return refused<lifecycle::ExportJob>(std::move(entry), signing_key.error());
  }
  lifecycle::Manifest manifest;
  manifest.job_id = job.id;
  manifest.purpose = request.purpose;
  manifest.fields = request.fields;
  manifest.patient_count = static_cast<int64_t>(patients.size());
  manifest.created_ms = job.created_ms;
  manifest.expires_ms = request.expires_ms;
  auto finished = (*writer)->finish(std::move(manifest), *signing_key);
  if (!finished) {
    return refused<lifecycle::ExportJob>(std::move(entry), finished.error());
  }
  job.patient_count = finished->patient_count;
  job.files = finished->files;
  job.vault_identity = finished->vault_identity;
  job.package_sha256 = (*writer)->package_sha256();
  job.pending_patients.clear();
  job.status = lifecycle::JobStatus::kReady;
  entry.decrypted_data_left = !targets.empty();
  if (auto stored = store_export_job(job, with_targets(entry, std::move(targets), true)); !stored) {
    return tl::unexpected(stored.error());
  }
  // The entry and the job are durable: the package may now be handed out under its name.
  if (auto named = (*writer)->commit(); !named) {
    return tl::unexpected(named.error());
  }
  return job;
}

Result<lifecycle::ExportJob> Gate::create_export(const Principal& principal,
                                                 const lifecycle::ExportRequest& request,
                                                 int64_t approval_threshold) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  lifecycle::ExportJob job;
  job.id = lifecycle::new_job_id();
  entry.purpose = fmt::format("migration package {}: {}", job.id, request.purpose);
  entry.targets.push_back(audit::Target{"ExportJob", job.id, 0, ""});
  auto caller = admit(principal, access::Action::kExport, entry);
  if (!caller) {
    return refused<lifecycle::ExportJob>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<lifecycle::ExportJob>(std::move(entry), custodian_only());
  }
  if (auto checked = lifecycle::check_request(request, clock_.now_ms()); !checked) {
    return refused<lifecycle::ExportJob>(std::move(entry), checked.error());
  }
  job.purpose = request.purpose;
  job.types = request.types;
  job.fields = request.fields;
  job.created_ms = clock_.now_ms();
  job.expires_ms = request.expires_ms;
  job.recipient = to_hex(request.recipient);
  job.package_path = std::filesystem::absolute(request.out).string();
  job.created_by = creator_of(*caller->custodian, auth_method_);
  job.created_unlocker = vault_->unlocker_id();
  job.all_patients = request.all_patients;
  if (request.all_patients || static_cast<int64_t>(request.patients.size()) > approval_threshold) {
    int64_t count = static_cast<int64_t>(request.patients.size());
    if (request.all_patients) {
      auto counts = vault_->count_by_type();
      if (!counts) {
        return refused<lifecycle::ExportJob>(std::move(entry), counts.error());
      }
      const auto patients = counts->find("Patient");
      count = patients == counts->end() ? 0 : patients->second;
    }
    if (count > approval_threshold) {
      // Nothing is read: the job waits for a second custodian.
      job.status = lifecycle::JobStatus::kAwaitingApproval;
      job.patient_count = count;
      job.pending_patients = request.patients;
      entry.purpose += fmt::format(" (awaiting a second custodian's approval: {} patients)", count);
      if (auto stored = store_export_job(job, {entry}); !stored) {
        return tl::unexpected(stored.error());
      }
      return job;
    }
  }
  return write_export(std::move(entry), std::move(job), request);
}

// The stored export job `job_id`, for a custodian: admission of an export (recorded in `entry`
// as every refusal is by the caller), the custodian check, then the job and the custodian named
// as creator_of() names them. kNotFound when there is no such job.
Result<Gate::CustodianJob> Gate::custodians_export_job(const Principal& principal,
                                                       std::string_view job_id,
                                                       audit::Entry& entry) {
  auto caller = admit(principal, access::Action::kExport, entry);
  if (!caller) {
    return tl::unexpected(caller.error());
  }
  if (caller->custodian == nullptr) {
    return tl::unexpected(custodian_only());
  }
  auto jobs = parse_stored_jobs(accounts_->get_meta(std::string(lifecycle::kExportJobsMeta)));
  if (!jobs) {
    return tl::unexpected(jobs.error());
  }
  const auto found = std::find_if(jobs->begin(), jobs->end(), [&](const lifecycle::ExportJob& job) {
    return job.id == job_id;
  });
  if (found == jobs->end()) {
    return fail(ErrorCode::kNotFound, "aucun export de ce nom", "no such export job");
  }
  return CustodianJob{creator_of(*caller->custodian, auth_method_), std::move(*found)};
}

Result<lifecycle::ExportJob> Gate::approve_export(const Principal& principal,
                                                  std::string_view job_id) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  entry.targets.push_back(audit::Target{"ExportJob", std::string(job_id), 0, ""});
  entry.purpose = fmt::format("migration package {} approved", job_id);
  auto stored = custodians_export_job(principal, job_id, entry);
  if (!stored) {
    return refused<lifecycle::ExportJob>(std::move(entry), stored.error());
  }
  lifecycle::ExportJob job = std::move(stored->job);
  if (job.status != lifecycle::JobStatus::kAwaitingApproval) {
    return refused<lifecycle::ExportJob>(
        std::move(entry), Error{ErrorCode::kConflict, "this export job awaits no approval",
                                "cet export n'attend aucune approbation"});
  }
  if (vault_->unlocker_id() == job.created_unlocker) {
    return refused<lifecycle::ExportJob>(
        std::move(entry),
        Error{ErrorCode::kPermissionDenied,
              "the approval must come from another unlocker than the one that created the job",
              "l'approbation doit venir d'un autre déverrouilleur que celui qui a créé l'export"});
  }
  if (clock_.now_ms() >= job.expires_ms) {
    return refused<lifecycle::ExportJob>(
        std::move(entry),
        Error{ErrorCode::kConflict, "this export job has expired", "cet export a expiré"});
  }
  auto request = request_of(job);
  if (!request) {
    return refused<lifecycle::ExportJob>(std::move(entry), request.error());
  }
  job.approved_by = stored->custodian;
  entry.purpose = fmt::format("migration package {} created by {}, approved by {}: {}", job.id,
                              job.created_by, job.approved_by, job.purpose);
  return write_export(std::move(entry), std::move(job), *request);
}

Result<std::vector<lifecycle::ExportJob>> Gate::export_jobs(const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.purpose = "export jobs listed";
  auto caller = admit(principal, access::Action::kExport, entry);
  if (!caller) {
    return refused<std::vector<lifecycle::ExportJob>>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<std::vector<lifecycle::ExportJob>>(std::move(entry), custodian_only());
  }
  return released(std::move(entry),
                  parse_stored_jobs(accounts_->get_meta(std::string(lifecycle::kExportJobsMeta))),
                  {}, false);
}

Result<lifecycle::ExportJob> Gate::revoke_export(const Principal& principal,
                                                 std::string_view job_id) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  entry.targets.push_back(audit::Target{"ExportJob", std::string(job_id), 0, ""});
  entry.purpose = fmt::format("migration package {} revoked", job_id);
  auto stored = custodians_export_job(principal, job_id, entry);
  if (!stored) {
    return refused<lifecycle::ExportJob>(std::move(entry), stored.error());
  }
  lifecycle::ExportJob job = std::move(stored->job);
  if (job.status == lifecycle::JobStatus::kRevoked) {
    return refused<lifecycle::ExportJob>(
        std::move(entry), Error{ErrorCode::kConflict, "this export job is revoked already",
                                "cet export est déjà révoqué"});
  }
  job.status = lifecycle::JobStatus::kRevoked;
  job.revoked_by = stored->custodian;
  job.revoked_ms = clock_.now_ms();
  job.pending_patients.clear();
  if (auto stored = store_export_job(job, {entry}); !stored) {
    return tl::unexpected(stored.error());
  }
  // The vault's side of the package: the file where it was written, if it is still there.
  std::error_code error;
  std::filesystem::remove(job.package_path, error);
  return job;
}

Result<std::string> Gate::export_certificate(const Principal& principal, std::string_view job_id) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  entry.targets.push_back(audit::Target{"ExportJob", std::string(job_id), 0, ""});
  entry.purpose = fmt::format("deletion certificate of migration package {}", job_id);
  auto stored = custodians_export_job(principal, job_id, entry);
  if (!stored) {
    return refused<std::string>(std::move(entry), stored.error());
  }
  const lifecycle::ExportJob& job = stored->job;
  const int64_t now = clock_.now_ms();
  if (now < job.expires_ms && job.status != lifecycle::JobStatus::kRevoked) {
    return refused<std::string>(
        std::move(entry),
        Error{ErrorCode::kConflict,
              "the package has not expired yet: its deletion certificate comes after its expiry",
              "le paquet n'a pas encore expiré : son certificat de suppression vient après"});
  }
  std::error_code error;
  std::filesystem::remove(job.package_path, error);
  if (std::filesystem::exists(job.package_path, error) ||
      std::filesystem::exists(job.package_path + ".partial", error)) {
    return refused<std::string>(
        std::move(entry),
        Error{ErrorCode::kInternal, "the package file could not be deleted: no certificate",
              "le fichier du paquet n'a pas pu être supprimé : pas de certificat"});
  }
  auto signing_key = vault_->audit_signing_key();
  if (!signing_key) {
    return refused<std::string>(std::move(entry), signing_key.error());
  }
  const std::string text = lifecycle::certificate_text(job, now, stored->custodian);
  return released(std::move(entry),
                  Result<std::string>(lifecycle::signed_certificate(text, *signing_key)), {},
                  false);
}

}  // namespace vigie::gate
