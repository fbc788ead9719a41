// FHIR Bulk Data $export: the kick-off's decision, the job's reads (each resource decided where
// it lies, as a read would be), and the job's status, deletion and downloads, each one audited
// call. The output files are sealed by lifecycle::ExportJobs; only export_job() opens them.

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "access/scope.hpp"
#include "crypto/base64url.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
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
  // The filters' and the patients' number only: their values may be patient data.
  if (!scope.type_filters.empty()) {
    text += fmt::format(", {} _typeFilter queries", scope.type_filters.size());
  }
  if (!scope.patients.empty()) {
    text += fmt::format(", {} patients named", scope.patients.size());
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
    // Moves each inline `data` of a DocumentReference's content[].attachment into a sealed file
    // of the job, the attachment then referring to it by `url` (export.html#attachments).
    auto move_attachments = [&](StoredResource& stored) -> Result<void> {
      boost::json::value* content = stored.resource.if_contains("content");
      if (content == nullptr || !content->is_array()) {
        return {};
      }
      for (boost::json::value& item : content->as_array()) {
        boost::json::object* entry = item.if_object();
        boost::json::value* attachment = entry ? entry->if_contains("attachment") : nullptr;
        boost::json::object* fields = attachment ? attachment->if_object() : nullptr;
        const boost::json::value* data = fields ? fields->if_contains("data") : nullptr;
        if (data == nullptr || !data->is_string()) {
          continue;
        }
        auto bytes = crypto::from_base64(data->get_string());
        if (!bytes) {
          // Not base64 (a stored resource is checked, so never expected): left inline.
          continue;
        }
        auto name = files.attach(
            stored.type, lifecycle::ExportedResource{stored.id, stored.version, stored.compartment},
            text_field(*fields, "contentType"), *bytes);
        const size_t size = bytes->size();
        crypto::wipe(*bytes);
        if (!name) {
          return tl::unexpected(name.error());
        }
        fields->erase("data");
        (*fields)["url"] = scope.file_url_base + *name;
        if (!fields->contains("size")) {
          (*fields)["size"] = size;
        }
      }
      return {};
    };
    // Writes a resource of a page (the page's own copy: its attachments are moved out in place).
    auto write = [&](StoredResource& stored) -> Result<void> {
      if (scope.since_ms && stored.last_updated_ms < *scope.since_ms) {
        return {};
      }
      if (stored.type == "DocumentReference") {
        if (auto moved = move_attachments(stored); !moved) {
          return moved;
        }
      }
      std::string line;
      if (!stored.text.empty()) {
        line = std::move(stored.text);
      } else if (auto kept = lifecycle::elements_for(scope.elements, stored.type)) {
        line = fhir::to_json_text(fhir::subset_elements(stored.resource, *kept));
      } else {
        line = fhir::to_json_text(stored.resource);
      }
      if (auto appended = files.append(
              stored.type,
              lifecycle::ExportedResource{stored.id, stored.version, stored.compartment}, line);
          !appended) {
        return appended;
      }
      targets.push_back(target_of(stored));
      ++written;
      return {};
    };
    // _typeFilter: the types it filters, and (type, id) of what one of a type's OR-ed queries
    // wrote already, so that a resource two queries match is written once.
    std::set<std::string, std::less<>> filtered;
    for (const fhir::SearchQuery& query : scope.type_filters) {
      filtered.insert(query.type);
    }
    std::set<std::pair<std::string, std::string>> seen;
    // Pages through the matches of `query` (by keyset, kExportPage a page) in the compartments
    // `visible` accepts, writing each.
    auto write_matches =
        [&](fhir::SearchQuery query,
            const std::function<bool(const std::string&)>& visible) -> Result<void> {
      query.count = kExportPage;
      query.offset = 0;
      query.sort = fhir::SortOrder::kId;
      query.needs_total = false;
      query.includes.clear();
      query.after.reset();
      // A resource written as stored needs no parse: one whose elements are kept whole and
      // whose attachments stay inline (only DocumentReference's move to files).
      const vault::ResourceForm form =
          query.type != "DocumentReference" && !lifecycle::elements_for(scope.elements, query.type)
              ? vault::ResourceForm::kText
              : vault::ResourceForm::kParsed;
      while (true) {
        auto page = vault_->search(query, visible, form);
        if (!page) {
          return tl::unexpected(page.error());
        }
        for (StoredResource& stored : page->matches) {
          if (filtered.contains(stored.type) && !seen.emplace(stored.type, stored.id).second) {
            continue;
          }
          if (auto done = write(stored); !done) {
            return done;
          }
        }
        if (!page->next) {
          return {};
        }
        query.after = page->next;
      }
    };
    // The queries of `type`: its _typeFilter ones, or one that every resource of it matches.
    auto queries_of = [&](const std::string& type) {
      std::vector<fhir::SearchQuery> queries;
      for (const fhir::SearchQuery& query : scope.type_filters) {
        if (query.type == type) {
          queries.push_back(query);
        }
      }
      if (queries.empty()) {
        fhir::SearchQuery all;
        all.type = type;
        queries.push_back(std::move(all));
      }
      return queries;
    };
    if (scope.level != lifecycle::ExportLevel::kGroup && scope.patients.empty()) {
      for (const std::string& type : admitted->types) {
        for (fhir::SearchQuery& query : queries_of(type)) {
          if (auto done = write_matches(std::move(query),
                                        [&](const std::string& compartment) {
                                          if (scope.level == lifecycle::ExportLevel::kPatient &&
                                              compartment == vault::kSharedCompartment) {
                                            return false;
                                          }
                                          return exportable(type, compartment);
                                        });
              !done) {
            return tl::unexpected(done.error());
          }
        }
      }
      return written;
    }
    // A patient of the `patient` list left out, in the same words whatever the reason (unknown,
    // not readable by the caller, not a member of the Group), so that the report says no more
    // of the patient's existence than a refused read would.
    auto report_patient = [&](const std::string& patient_id) -> Result<void> {
      boost::json::object outcome = fhir::make_operation_outcome(
          "not-found",
          fmt::format("Patient/{} : non exporté (inconnu, illisible pour vous ou hors du groupe) / "
                      "not exported (unknown, not readable by you or not in the Group)",
                      patient_id));
      outcome["issue"].as_array().front().as_object()["severity"] = "warning";
      return files.append("OperationOutcome", {}, fhir::to_json_text(outcome));
    };
    std::vector<std::string> candidates = scope.patients;
    if (scope.level == lifecycle::ExportLevel::kGroup) {
      auto group = vault_->read("Group", scope.group_id);
      if (!group) {
        return tl::unexpected(group.error());
      }
      const std::vector<std::string> members = member_patients(group->resource);
      if (scope.patients.empty()) {
        candidates = members;
      } else {
        std::erase_if(candidates, [&](const std::string& id) {
          return std::ranges::find(members, id) == members.end();
        });
        for (const std::string& id : scope.patients) {
          if (std::ranges::find(members, id) == members.end()) {
            if (auto reported = report_patient(id); !reported) {
              return tl::unexpected(reported.error());
            }
          }
        }
      }
    }
    // The compartments of the candidates the caller may read (a Group's other members are left
    // out silently; a listed patient is reported).
    std::vector<std::string> compartments;
    for (const std::string& patient_id : candidates) {
      auto patient = vault_->read_current("Patient", patient_id);
      // A decoy is left out as an unreadable patient is, and does not trip (12.2).
      bool readable = patient && !patient->deleted && !vault_->is_decoy(patient->compartment);
      if (readable && !caller.custodian) {
        if (auto loaded = load_assignments(caller, patient->compartment); !loaded) {
          return tl::unexpected(loaded.error());
        }
        readable = access::decide(caller.subject, access::Action::kRead,
                                  target_in("Patient", patient->compartment), caller.context)
                       .allow;
      }
      if (readable) {
        compartments.push_back(patient->compartment);
      } else if (!scope.patients.empty()) {
        if (auto reported = report_patient(patient_id); !reported) {
          return tl::unexpected(reported.error());
        }
      }
    }
    const std::set<std::string, std::less<>> in_scope(compartments.begin(), compartments.end());
    for (const std::string& type : admitted->types) {
      if (!filtered.contains(type) || in_scope.empty()) {
        continue;
      }
      for (fhir::SearchQuery& query : queries_of(type)) {
        if (auto done = write_matches(std::move(query),
                                      [&](const std::string& compartment) {
                                        return in_scope.contains(compartment) &&
                                               exportable(type, compartment);
                                      });
            !done) {
          return tl::unexpected(done.error());
        }
      }
    }
    for (const std::string& compartment : compartments) {
      for (size_t offset = 0;; offset += kExportPage) {
        auto page = vault_->compartment(compartment, kExportPage, offset,
                                        [&](const std::string& type, const std::string& where) {
                                          return types.contains(type) && !filtered.contains(type) &&
                                                 exportable(type, where);
                                        });
        if (!page) {
          return tl::unexpected(page.error());
        }
        for (StoredResource& stored : page->matches) {
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
    // Another client's job is refused, its id being no secret of the caller's to learn; an
    // unknown or expired job, or an unknown file of the caller's own job, is not found.
    const auto missing = [&]() -> tl::unexpected<Error> {
      if (jobs.held_by_another(job_id, owner)) {
        constexpr std::string_view kReason = "the export job belongs to another client";
        entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), kReason);
        return fail(ErrorCode::kPermissionDenied,
                    "accès refusé : la tâche d'export est à un autre client",
                    fmt::format("access denied: {}", kReason));
      }
      return fail(ErrorCode::kNotFound, "aucune tâche ou aucun fichier d'export de ce nom",
                  "no such export job or file");
    };
    ExportJobAnswer answer;
    switch (call) {
      case ExportJobCall::kStatus:
        answer.view = jobs.view(job_id, owner);
        if (!answer.view) {
          return missing();
        }
        return answer;
      case ExportJobCall::kDelete:
        if (!jobs.remove(job_id, owner)) {
          return missing();
        }
        return answer;
      case ExportJobCall::kDownload:
        break;
    }
    entry.purpose += fmt::format(" file {}", file);
    auto view = jobs.view(job_id, owner);
    if (!view) {
      return missing();
    }
    const auto output = std::ranges::find(view->outputs, file, &lifecycle::ExportOutput::file);
    if (output == view->outputs.end()) {
      return missing();
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
    answer.content_type = !output->attachment            ? "application/fhir+ndjson"
                          : output->content_type.empty() ? "application/octet-stream"
                                                         : output->content_type;
    return answer;
  }();
  return released_then(
      Acted<ExportJobAnswer>{std::move(entry), std::move(result), std::move(targets)}, decrypted,
      std::move(done));
}

}  // namespace vigie::gate
