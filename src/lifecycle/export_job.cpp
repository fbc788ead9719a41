#include "lifecycle/export_job.hpp"

#include <fstream>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/hex.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/resource_types.hpp"

namespace vigie::lifecycle {

namespace {

namespace json = boost::json;

constexpr int64_t kMaxExpiryMs = int64_t{366} * 24 * 3600 * 1000;

bool is_element_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) {
    return false;
  }
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

tl::unexpected<Error> usage(std::string french, std::string english) {
  return fail(ErrorCode::kUsage, std::move(french), std::move(english));
}

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& item : items) {
    out.emplace_back(item);
  }
  return out;
}

}  // namespace

Result<void> check_request(const ExportRequest& request, int64_t now_ms) {
  if (request.purpose.empty() || request.purpose.size() > kMaxPurposeBytes ||
      request.purpose.find_first_not_of(" \t\r\n") == std::string::npos) {
    return usage(
        "--purpose est obligatoire : de 1 à 500 octets qui disent pourquoi les données "
        "sortent",
        "--purpose is required: 1 to 500 bytes saying why the data leaves");
  }
  if (request.types.empty() || request.types.size() > kMaxPackageFiles) {
    return usage("--types est obligatoire : de 1 à 256 types de ressources",
                 "--types is required: 1 to 256 resource types");
  }
  std::set<std::string_view> types;
  for (const std::string& type : request.types) {
    if (!fhir::is_known_resource_type(type)) {
      return usage(fmt::format("--types : type de ressource inconnu : {}", type),
                   fmt::format("--types: unknown resource type: {}", type));
    }
    if (!types.insert(type).second) {
      return usage(fmt::format("--types : {} est nommé deux fois", type),
                   fmt::format("--types: {} is named twice", type));
    }
  }
  std::set<std::string_view> fields;
  for (const std::string& field : request.fields) {
    const size_t dot = field.find('.');
    const std::string_view type = std::string_view(field).substr(0, dot);
    if (dot == std::string::npos || !types.contains(type) ||
        !is_element_name(std::string_view(field).substr(dot + 1))) {
      return usage(fmt::format("--fields : {} n'est pas Type.élément d'un type de --types", field),
                   fmt::format("--fields: {} is not Type.element of a type of --types", field));
    }
    if (!fields.insert(field).second) {
      return usage(fmt::format("--fields : {} est nommé deux fois", field),
                   fmt::format("--fields: {} is named twice", field));
    }
  }
  if (request.all_patients == !request.patients.empty()) {
    return usage("donnez soit --patients FICHIER, soit --all (pas les deux)",
                 "give either --patients FILE or --all (not both)");
  }
  if (request.patients.size() > kMaxExportPatients) {
    return usage("--patients : au plus 1 000 000 patients",
                 "--patients: at most 1,000,000 patients");
  }
  std::set<std::string_view> patients;
  for (const std::string& id : request.patients) {
    if (!fhir::is_valid_id(id) || !patients.insert(id).second) {
      return usage("--patients : identifiant mal formé ou en double",
                   "--patients: malformed or repeated id");
    }
  }
  if (request.expires_ms <= now_ms || request.expires_ms - now_ms > kMaxExpiryMs) {
    return usage("--expires : entre maintenant et un an", "--expires: between now and one year");
  }
  return {};
}

Result<std::vector<std::string>> read_patient_list(const std::filesystem::path& path) {
  std::ifstream input(path);
  if (!input) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{} : impossible à ouvrir", path.string()),
                fmt::format("{}: cannot be opened", path.string()));
  }
  std::vector<std::string> ids;
  std::string line;
  size_t number = 0;
  while (std::getline(input, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') {
      continue;
    }
    std::string id = line.substr(start);
    if (id.starts_with("Patient/")) {
      id.erase(0, 8);
    }
    if (!fhir::is_valid_id(id)) {
      return fail(
          ErrorCode::kInvalidInput,
          fmt::format("{}, ligne {} : pas un identifiant de patient", path.string(), number),
          fmt::format("{}, line {}: not a patient id", path.string(), number));
    }
    ids.push_back(std::move(id));
  }
  if (input.bad()) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{} : illisible", path.string()),
                fmt::format("{}: cannot be read", path.string()));
  }
  return ids;
}

json::object project(const json::object& resource, const std::vector<std::string>& fields) {
  const json::value* type_value = resource.if_contains("resourceType");
  const std::string type = type_value != nullptr && type_value->is_string()
                               ? std::string(type_value->get_string())
                               : std::string();
  std::vector<std::string_view> kept;
  for (const std::string& field : fields) {
    if (field.size() > type.size() + 1 && field.starts_with(type) && field[type.size()] == '.') {
      kept.push_back(std::string_view(field).substr(type.size() + 1));
    }
  }
  if (kept.empty()) {
    return resource;
  }
  json::object out;
  out["resourceType"] = type;
  if (const json::value* id = resource.if_contains("id")) {
    out["id"] = *id;
  }
  json::object tag;
  tag["system"] = kSubsettedSystem;
  tag["code"] = kSubsettedCode;
  json::object meta;
  meta["tag"] = json::array{tag};
  out["meta"] = std::move(meta);
  for (const std::string_view element : kept) {
    // An element and its primitive extension (_element) go together.
    for (const std::string& name : {std::string(element), "_" + std::string(element)}) {
      if (const json::value* value = resource.if_contains(name)) {
        out[name] = *value;
      }
    }
  }
  return out;
}

std::string_view name_of(JobStatus status) {
  switch (status) {
    case JobStatus::kAwaitingApproval:
      return "awaiting-approval";
    case JobStatus::kReady:
      return "ready";
    case JobStatus::kRevoked:
      return "revoked";
  }
  return "ready";
}

std::string certificate_text(const ExportJob& job, int64_t issued_ms, std::string_view issued_by) {
  json::object object;
  object["kind"] = "vigie deletion certificate";
  object["job"] = job.id;
  object["purpose"] = job.purpose;
  object["types"] = strings(job.types);
  object["fields"] = strings(job.fields);
  object["patients"] = job.patient_count;
  json::array files;
  for (const PackageFile& file : job.files) {
    files.push_back(
        json::object{{"name", file.name}, {"count", file.count}, {"sha256", file.sha256}});
  }
  object["files"] = std::move(files);
  object["package_sha256"] = job.package_sha256;
  object["recipient"] = job.recipient;
  object["created_ms"] = job.created_ms;
  object["created_by"] = job.created_by;
  object["approved_by"] = job.approved_by;
  object["expires_ms"] = job.expires_ms;
  object["status"] = name_of(job.status);
  object["issued_ms"] = issued_ms;
  object["issued_by"] = issued_by;
  object["statement"] =
      "Le coffre ne détient aucune copie de ce paquet : son fichier a été supprimé et le paquet, "
      "expiré, ne s'ouvre plus. / The vault holds no copy of this package: its file was deleted "
      "and the package, expired, no longer opens.";
  return json::serialize(object);
}

std::string signed_certificate(std::string_view text, const crypto::SecretBytes& signing_key) {
  std::vector<uint8_t> message(kCertificateSignatureContext.begin(),
                               kCertificateSignatureContext.end());
  message.push_back(0);
  message.insert(message.end(), text.begin(), text.end());
  json::object out;
  out["certificate"] = text;
  out["signature"] = to_hex(crypto::sign(signing_key, message));
  out["vault_identity"] = to_hex(crypto::signing_public_key(signing_key));
  return json::serialize(out);
}

std::string new_job_id() {
  std::array<uint8_t, 8> bytes{};
  crypto::random_fill(bytes);
  return "exp-" + to_hex(bytes);
}

json::object job_json(const ExportJob& job) {
  json::object object;
  object["id"] = job.id;
  object["purpose"] = job.purpose;
  object["types"] = strings(job.types);
  object["fields"] = strings(job.fields);
  object["patients"] = job.patient_count;
  json::array files;
  for (const PackageFile& file : job.files) {
    files.push_back(json::object{
        {"type", file.type}, {"name", file.name}, {"count", file.count}, {"sha256", file.sha256}});
  }
  object["files"] = std::move(files);
  object["created_ms"] = job.created_ms;
  object["expires_ms"] = job.expires_ms;
  object["recipient"] = job.recipient;
  object["vault_identity"] = job.vault_identity;
  object["package_sha256"] = job.package_sha256;
  object["package_path"] = job.package_path;
  object["created_by"] = job.created_by;
  object["created_unlocker"] = job.created_unlocker;
  object["pending_patients"] = strings(job.pending_patients);
  object["all_patients"] = job.all_patients;
  object["status"] = name_of(job.status);
  object["approved_by"] = job.approved_by;
  object["revoked_by"] = job.revoked_by;
  object["revoked_ms"] = job.revoked_ms;
  return object;
}

std::string jobs_text(const std::vector<ExportJob>& jobs) {
  json::array array;
  for (const ExportJob& job : jobs) {
    array.push_back(job_json(job));
  }
  return json::serialize(array);
}

Result<std::vector<ExportJob>> parse_jobs(std::string_view text) {
  const auto broken = [] {
    return fail(ErrorCode::kIntegrity, "la liste des exports du coffre est illisible",
                "the vault's list of exports cannot be read");
  };
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_array()) {
    return broken();
  }
  std::vector<ExportJob> jobs;
  for (const json::value& item : value.get_array()) {
    const json::object* object = item.if_object();
    if (object == nullptr) {
      return broken();
    }
    const auto text_of = [&](std::string_view key) -> std::string {
      const json::value* found = object->if_contains(key);
      return found != nullptr && found->is_string() ? std::string(found->get_string()) : "";
    };
    const auto number_of = [&](std::string_view key) -> int64_t {
      const json::value* found = object->if_contains(key);
      return found != nullptr && found->is_int64() ? found->get_int64() : 0;
    };
    const auto list_of = [&](std::string_view key) {
      std::vector<std::string> out;
      if (const json::value* found = object->if_contains(key);
          found != nullptr && found->is_array()) {
        for (const json::value& element : found->get_array()) {
          if (element.is_string()) {
            out.emplace_back(element.get_string());
          }
        }
      }
      return out;
    };
    ExportJob job;
    job.id = text_of("id");
    job.purpose = text_of("purpose");
    job.types = list_of("types");
    job.fields = list_of("fields");
    job.patient_count = number_of("patients");
    if (const json::value* files = object->if_contains("files");
        files != nullptr && files->is_array()) {
      for (const json::value& file : files->get_array()) {
        if (const json::object* entry = file.if_object()) {
          const json::value* count = entry->if_contains("count");
          job.files.push_back(
              PackageFile{entry->contains("type") && entry->at("type").is_string()
                              ? std::string(entry->at("type").get_string())
                              : "",
                          entry->contains("name") && entry->at("name").is_string()
                              ? std::string(entry->at("name").get_string())
                              : "",
                          count != nullptr && count->is_int64() ? count->get_int64() : 0,
                          entry->contains("sha256") && entry->at("sha256").is_string()
                              ? std::string(entry->at("sha256").get_string())
                              : ""});
        }
      }
    }
    job.created_ms = number_of("created_ms");
    job.expires_ms = number_of("expires_ms");
    job.recipient = text_of("recipient");
    job.vault_identity = text_of("vault_identity");
    job.package_sha256 = text_of("package_sha256");
    job.package_path = text_of("package_path");
    job.created_by = text_of("created_by");
    job.created_unlocker = number_of("created_unlocker");
    job.pending_patients = list_of("pending_patients");
    const json::value* all = object->if_contains("all_patients");
    job.all_patients = all != nullptr && all->is_bool() && all->get_bool();
    const std::string status = text_of("status");
    job.status = status == "revoked"             ? JobStatus::kRevoked
                 : status == "awaiting-approval" ? JobStatus::kAwaitingApproval
                                                 : JobStatus::kReady;
    job.approved_by = text_of("approved_by");
    job.revoked_by = text_of("revoked_by");
    job.revoked_ms = number_of("revoked_ms");
    if (job.id.empty()) {
      return broken();
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace vigie::lifecycle
