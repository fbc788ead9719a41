// FHIR Bulk Data $export: the kick-off's decision, the job's reads (each resource decided where
// it lies, as a read would be), and the job's status, deletion and downloads, each one audited
// call. The output files are sealed by lifecycle::ExportJobs; only export_job() opens them.

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "access/scope.hpp"
#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "fhir/structure.hpp"
#include "gate/audited_call.hpp"
#include "gate/gate.hpp"

namespace vigie::gate {

struct Gate::AdmittedExport {
  Caller caller;
  std::vector<std::string> types;
};

namespace {

constexpr size_t kExportPage = 1000;

std::string_view level_name(lifecycle::ExportLevel level) {
  switch (level) {
    case lifecycle::ExportLevel::kSystem:
      return "system";
    case lifecycle::ExportLevel::kPatient:
      return "Patient";
    case lifecycle::ExportLevel::kGroup:
      return "Group";
  }
  return "";
}

// The scope as the entry's purpose states it: level, Group, types, _since. No patient value.
std::string scope_text(const Gate::ExportScope& scope) {
  std::string text = fmt::format("bulk export, level {}", level_name(scope.level));
  if (scope.level == lifecycle::ExportLevel::kGroup) {
    text += fmt::format(" Group/{}", scope.group_id);
  }
  text += scope.types.empty() ? std::string(", every type allowed")
                              : fmt::format(", types {}", fmt::join(scope.types, ","));
  if (scope.since_ms) {
    text += fmt::format(", since {} ms", *scope.since_ms);
  }
  if (!scope.elements.empty()) {
    text += fmt::format(", elements {}", fmt::join(scope.elements, ","));
  }
  return text;
}

// Whether a token's scopes ask for more than reading: an export runs with read-only tokens only,
// so that a client that may write cannot also carry the vault away under the same credential.
bool asks_for_writes(const access::Subject& subject) {
  if (!subject.scopes) {
    return false;
  }
  constexpr access::Permissions kWrites =
      access::kPermCreate | access::kPermUpdate | access::kPermDelete;
  return std::ranges::any_of(*subject.scopes, [](const access::Scope& scope) {
    return (scope.permissions & kWrites) != 0;
  });
}

// The Patient ids a Group's `member[].entity` references ("Patient/id"), without repeats.
std::vector<std::string> member_patients(const boost::json::object& group) {
  std::vector<std::string> patients;
  const boost::json::value* members = group.if_contains("member");
  if (members == nullptr || !members->is_array()) {
    return patients;
  }
  for (const boost::json::value& member : members->get_array()) {
    const boost::json::object* object = member.if_object();
    const boost::json::value* entity = object ? object->if_contains("entity") : nullptr;
    const std::string reference = entity != nullptr && entity->is_object()
                                      ? text_field(entity->get_object(), "reference")
                                      : std::string();
    constexpr std::string_view kPrefix = "Patient/";
    if (reference.starts_with(kPrefix)) {
      std::string id = reference.substr(kPrefix.size());
      if (fhir::is_valid_id(id) && std::ranges::find(patients, id) == patients.end()) {
        patients.push_back(std::move(id));
      }
    }
  }
  return patients;
}

}  // namespace

Result<Gate::AdmittedExport> Gate::admit_export_scope(const Principal& principal,
                                                      const ExportScope& scope,
                                                      audit::Entry& entry) {
  entry.purpose = scope_text(scope);
  auto caller = identify(principal, entry);
  if (!caller) {
    return tl::unexpected(caller.error());
  }
  if (asks_for_writes(caller->subject)) {
    constexpr std::string_view kReason = "an export needs a token with read scopes only";
    entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), kReason);
    return fail(ErrorCode::kPermissionDenied,
                "accès refusé : un export demande un jeton en lecture seule",
                fmt::format("access denied: {}", kReason));
  }
  for (const std::string& type : scope.types) {
    if (!fhir::is_known_resource_type(type)) {
      return fail(ErrorCode::kUsage, "type de ressource inconnu", "unknown FHIR resource type");
    }
  }
  if (scope.level == lifecycle::ExportLevel::kGroup) {
    if (auto allowed =
            permit_stored(*caller, access::Action::kRead, "Group", scope.group_id, entry);
        !allowed) {
      return tl::unexpected(allowed.error());
    }
  } else {
    for (const std::string& type : scope.types) {
      if (auto allowed =
              permit(*caller, access::Action::kExport, access::Target::all_patients(type), entry);
          !allowed) {
        return tl::unexpected(allowed.error());
      }
    }
  }
  std::vector<std::string> types = scope.types;
  if (types.empty()) {
    // Every stored type the caller may export: across patients, or (a Group's) in a patient's
    // compartment, which run_export decides per patient.
    auto counts = vault_->count_by_type();
    if (!counts) {
      return tl::unexpected(counts.error());
    }
    for (const auto& [type, count] : *counts) {
      const bool allowed =
          caller->custodian != nullptr ||
          (scope.level == lifecycle::ExportLevel::kGroup
               ? !caller->subject.scopes ||
                     (access::granted(*caller->subject.scopes,
                                      caller->subject.role == access::Role::kService
                                          ? access::ScopeContext::kSystem
                                          : access::ScopeContext::kUser,
                                      type) &
                      access::kPermRead) != 0
               : access::decide(caller->subject, access::Action::kExport,
                                access::Target::all_patients(type), caller->context)
                     .allow);
      if (allowed) {
        types.push_back(type);
      }
    }
    if (types.empty() && scope.level != lifecycle::ExportLevel::kGroup) {
      // Nothing the caller may export: refused as a named type would be, with its reason.
      if (auto allowed = permit(*caller, access::Action::kExport,
                                access::Target::all_patients("Patient"), entry);
          !allowed) {
        return tl::unexpected(allowed.error());
      }
    }
  }
  return AdmittedExport{std::move(*caller), std::move(types)};
}

Result<void> Gate::admit_export(const Principal& principal, const ExportScope& scope,
                                Done<std::string> done) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  Result<std::string> result = [&]() -> Result<std::string> {
    auto admitted = admit_export_scope(principal, scope, entry);
    if (!admitted) {
      return tl::unexpected(admitted.error());
    }
    entry.purpose += ": requested";
    return admitted->caller.custodian ? std::string("*custodian") : admitted->caller.account.login;
  }();
  std::vector<audit::Target> targets;
  if (scope.level == lifecycle::ExportLevel::kGroup) {
    targets.push_back(
        audit::Target{"Group", scope.group_id, 0, std::string(vault::kSharedCompartment)});
  }
  return released_then(Acted<std::string>{std::move(entry), std::move(result), std::move(targets)},
                       false, std::move(done));
}

Result<int64_t> Gate::run_export(const Principal& principal, const ExportScope& scope,
                                 lifecycle::ExportFiles& files) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  std::vector<audit::Target> targets;
  Result<int64_t> result = [&]() -> Result<int64_t> {
    auto admitted = admit_export_scope(principal, scope, entry);
    if (!admitted) {
      return tl::unexpected(admitted.error());
    }
    entry.purpose += fmt::format(": job {}", files.job_id());
    Caller& caller = admitted->caller;
    if (!caller.custodian) {
      if (auto loaded = load_assignments(caller, std::nullopt); !loaded) {
        return tl::unexpected(loaded.error());
      }
    }
    const std::set<std::string, std::less<>> types(admitted->types.begin(), admitted->types.end());
    // Whether the caller may export `type` where it lies (the custodian: everything).
    // Decoys never leave in an export, and a job that walks every patient does not trip
    // (docs/architecture.md 12.2).
    auto exportable = [&](const std::string& type, const std::string& compartment) {
      if (vault_->is_decoy(compartment)) {
        return false;
      }
      if (caller.custodian) {
        return true;
      }
      const access::Decision decision = access::decide(
          caller.subject, access::Action::kExport, target_in(type, compartment), caller.context);
      if (decision.allow && decision.break_glass) {
        mark_break_glass(caller, compartment, entry);
      }
      return decision.allow;
    };
    int64_t written = 0;
    auto write = [&](const StoredResource& stored) -> Result<void> {
      if (scope.since_ms && stored.last_updated_ms < *scope.since_ms) {
        return {};
      }
      const std::optional<std::vector<std::string>> kept =
          lifecycle::elements_for(scope.elements, stored.type);
      if (auto appended = files.append(
              stored.type,
              lifecycle::ExportedResource{stored.id, stored.version, stored.compartment},
              fhir::to_json_text(kept ? fhir::subset_elements(stored.resource, *kept)
                                      : stored.resource));
          !appended) {
        return appended;
      }
      targets.push_back(target_of(stored));
      ++written;
      return {};
    };
    if (scope.level != lifecycle::ExportLevel::kGroup) {
      for (const std::string& type : admitted->types) {
        fhir::SearchQuery query;
        query.type = type;
        query.count = kExportPage;
        while (true) {
          auto page = vault_->search(query, [&](const std::string& compartment) {
            if (scope.level == lifecycle::ExportLevel::kPatient &&
                compartment == vault::kSharedCompartment) {
              return false;
            }
            return exportable(type, compartment);
          });
          if (!page) {
            return tl::unexpected(page.error());
          }
          for (const StoredResource& stored : page->matches) {
            if (auto done = write(stored); !done) {
              return tl::unexpected(done.error());
            }
          }
          if (!page->next) {
            break;
          }
          query.after = page->next;
        }
      }
      return written;
    }
    auto group = vault_->read("Group", scope.group_id);
    if (!group) {
      return tl::unexpected(group.error());
    }
    for (const std::string& patient_id : member_patients(group->resource)) {
      // Only the members the caller may read: the others are left out, without a trace in the
      // files (the entry's targets name only what was written).
      auto patient = vault_->read_current("Patient", patient_id);
      if (!patient || patient->deleted || vault_->is_decoy(patient->compartment)) {
        continue;
      }
      if (!caller.custodian) {
        if (auto loaded = load_assignments(caller, patient->compartment); !loaded) {
          return tl::unexpected(loaded.error());
        }
        if (!access::decide(caller.subject, access::Action::kRead,
                            target_in("Patient", patient->compartment), caller.context)
                 .allow) {
          continue;
        }
      }
      for (size_t offset = 0;; offset += kExportPage) {
        auto page =
            vault_->compartment(patient->compartment, kExportPage, offset,
                                [&](const std::string& type, const std::string& compartment) {
                                  return types.contains(type) && exportable(type, compartment);
                                });
        if (!page) {
          return tl::unexpected(page.error());
        }
        for (const StoredResource& stored : page->matches) {
          if (auto done = write(stored); !done) {
            return tl::unexpected(done.error());
          }
        }
        if (page->matches.size() < kExportPage) {
          break;
        }
      }
    }
    return written;
  }();
  // The data is sealed in the job's files, not handed out: each download's entry says so.
  return released(std::move(entry), std::move(result), std::move(targets), false);
}

Result<void> Gate::export_job(const Principal& principal, lifecycle::ExportJobs& jobs,
                              std::string_view job_id, ExportJobCall call, std::string_view file,
                              Done<ExportJobAnswer> done) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  std::vector<audit::Target> targets;
  bool decrypted = false;
  Result<ExportJobAnswer> result = [&]() -> Result<ExportJobAnswer> {
    const std::string_view what = call == ExportJobCall::kStatus   ? "status"
                                  : call == ExportJobCall::kDelete ? "deletion"
                                                                   : "download";
    entry.purpose = fmt::format("bulk export {}: job {}", what, job_id);
    auto caller = identify(principal, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    const std::string owner = caller->custodian ? std::string("*custodian") : caller->account.login;
    const Error unknown{ErrorCode::kNotFound, "no such export job or file",
                        "aucune tâche ou aucun fichier d'export de ce nom"};
    ExportJobAnswer answer;
    switch (call) {
      case ExportJobCall::kStatus:
        answer.view = jobs.view(job_id, owner);
        if (!answer.view) {
          return tl::unexpected(unknown);
        }
        return answer;
      case ExportJobCall::kDelete:
        if (!jobs.remove(job_id, owner)) {
          return tl::unexpected(unknown);
        }
        return answer;
      case ExportJobCall::kDownload:
        break;
    }
    entry.purpose += fmt::format(" file {}", file);
    auto view = jobs.view(job_id, owner);
    if (!view) {
      return tl::unexpected(unknown);
    }
    const auto output = std::ranges::find(view->outputs, file, &lifecycle::ExportOutput::file);
    if (output == view->outputs.end()) {
      return tl::unexpected(unknown);
    }
    // The token must still cover the file's type (a narrower token of the same client, or the
    // account's role changed since the kick-off). The OperationOutcome file of a lenient
    // kick-off holds no resource of the vault.
    if (output->type != "OperationOutcome" && caller->subject.scopes &&
        (access::granted(*caller->subject.scopes,
                         caller->subject.role == access::Role::kService
                             ? access::ScopeContext::kSystem
                             : access::ScopeContext::kUser,
                         output->type) &
         access::kPermRead) == 0) {
      constexpr std::string_view kReason = "the token's scopes do not cover the file's type";
      entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), kReason);
      return fail(ErrorCode::kPermissionDenied, "accès refusé",
                  fmt::format("access denied: {}", kReason));
    }
    auto ndjson = jobs.open_file(lifecycle::DecryptPass{}, job_id, owner, file);
    if (!ndjson) {
      return tl::unexpected(ndjson.error());
    }
    for (const lifecycle::ExportedResource& resource : *output->resources) {
      if (resource.id.empty()) {
        continue;
      }
      targets.push_back(
          audit::Target{output->type, resource.id, resource.version, resource.compartment});
    }
    decrypted = true;
    answer.ndjson = std::move(*ndjson);
    return answer;
  }();
  return released_then(
      Acted<ExportJobAnswer>{std::move(entry), std::move(result), std::move(targets)}, decrypted,
      std::move(done));
}

}  // namespace vigie::gate
