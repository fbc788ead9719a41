#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "crypto/signing.hpp"
#include "lifecycle/package.hpp"

// Migration export jobs: what the custodian asked to leave (purpose, types, elements, patients,
// recipient, expiry), checked before anything is read, and the record of each job that the vault
// keeps (in its data file) beside the audit log's entries.

namespace vigie::lifecycle {

inline constexpr size_t kMaxPurposeBytes = 500;
inline constexpr size_t kMaxExportPatients = 1'000'000;
// The meta key of the data file under which the jobs are kept (a JSON array, no patient value).
inline constexpr std::string_view kExportJobsMeta = "export-jobs";
// The FHIR tag of a resource whose elements were cut down (as Bulk Data's _elements does).
inline constexpr std::string_view kSubsettedSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
inline constexpr std::string_view kSubsettedCode = "SUBSETTED";

struct ExportRequest {
  std::string purpose;
  std::vector<std::string> types;     // resource types, each once
  std::vector<std::string> fields;    // "Type.element" of listed types; empty: whole resources
  std::vector<std::string> patients;  // patient ids (without "Patient/"), when not all_patients
  bool all_patients = false;
  std::array<uint8_t, crypto::kBoxPublicKeyBytes> recipient{};
  int64_t expires_ms = 0;
  std::filesystem::path out;
};

// kUsage unless: a purpose of 1 to 500 bytes, not only white space; 1 to 256 known resource
// types, none twice; each field "Type.element" of a listed type with an element name of FHIR's
// form; patients given (ids of FHIR's form, at most kMaxExportPatients, none twice) or all,
// not both; an expiry after `now_ms` and at most a year ahead. Messages quote no patient id.
[[nodiscard]] Result<void> check_request(const ExportRequest& request, int64_t now_ms);

// The ids of a --patients file: one per line, "ID" or "Patient/ID"; blank lines and lines starting
// with '#' skipped. kInvalidInput naming the line (never its text) for anything else.
[[nodiscard]] Result<std::vector<std::string>> read_patient_list(const std::filesystem::path& path);

// The resource as it may leave: with no field listed for its type, whole; otherwise only the
// listed elements, its id and resourceType, and a meta holding only the SUBSETTED tag.
[[nodiscard]] boost::json::object project(const boost::json::object& resource,
                                          const std::vector<std::string>& fields);

enum class JobStatus { kAwaitingApproval, kReady, kRevoked };
[[nodiscard]] std::string_view name_of(JobStatus status);

// One job as the vault keeps it: no patient value, counts only; while it awaits a second
// custodian's approval, the patient ids it will export (clear metadata of the data file, as
// compartment ids are), dropped once the package is written.
struct ExportJob {
  std::string id;  // "exp-" and 16 hex digits
  std::string purpose;
  std::vector<std::string> types;
  std::vector<std::string> fields;
  int64_t patient_count = 0;
  std::vector<PackageFile> files;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  std::string recipient;       // hex
  std::string vault_identity;  // hex
  std::string package_sha256;  // hex, of the whole package file
  std::string package_path;
  std::string created_by;        // the custodian's OS user and how they unlocked
  int64_t created_unlocker = 0;  // the keyring id of the unlocker that opened the vault
  std::vector<std::string> pending_patients;  // while awaiting approval, unless all_patients
  bool all_patients = false;
  JobStatus status = JobStatus::kReady;
  std::string approved_by;
  std::string revoked_by;
  int64_t revoked_ms = 0;
};

// The deletion certificate of a job past its expiry (or revoked): the job, its scope, counts,
// expiry, and the statement that the vault holds no copy of the package; compact JSON, signed by
// the vault's key over kCertificateSignatureContext, a zero byte and this text.
inline constexpr std::string_view kCertificateSignatureContext = "vigie-deletion-certificate-v1";
[[nodiscard]] std::string certificate_text(const ExportJob& job, int64_t issued_ms,
                                           std::string_view issued_by);
// The certificate as the CLI writes it: {"certificate": <text as JSON>, "signature": hex,
// "vault_identity": hex}.
[[nodiscard]] std::string signed_certificate(std::string_view text,
                                             const crypto::SecretBytes& signing_key);

[[nodiscard]] std::string new_job_id();
[[nodiscard]] std::string jobs_text(const std::vector<ExportJob>& jobs);
// kIntegrity when the stored text is not a list of jobs.
[[nodiscard]] Result<std::vector<ExportJob>> parse_jobs(std::string_view text);
[[nodiscard]] boost::json::object job_json(const ExportJob& job);

}  // namespace vigie::lifecycle
