#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "audit/entry.hpp"
#include "common/error.hpp"

// The answer to "whose data left, and which?" (threat T8): from the audit log, the exact list
// of patients an actor read or exported in a time window, with the data categories touched,
// and drafts of the GDPR notifications (art. 33 to the CNIL, art. 34 to each patient), in French.

namespace vigie::audit {

// Data categories of a resource.
inline constexpr std::string_view kCategoryIdentity = "identity";
inline constexpr std::string_view kCategoryContact = "contact";
inline constexpr std::string_view kCategoryNir = "NIR";
inline constexpr std::string_view kCategoryFreeText = "free text";
inline constexpr std::string_view kClinicalCategoryPrefix = "clinical:";

// The categories a resource of `type` carries: Patient -> identity, contact, NIR; RelatedPerson
// -> identity, contact; any other type -> "clinical:<type>", plus "free text" for the types
// that carry narrative (Observation, Condition, DiagnosticReport, DocumentReference,
// Composition, ClinicalImpression, CarePlan, Communication, AllergyIntolerance, Procedure,
// MedicationRequest).
[[nodiscard]] std::vector<std::string> data_categories(std::string_view type);

// What one actor touched of one patient's data.
struct PatientAccess {
  std::string patient_id;
  std::set<std::string> categories;
  int64_t resources = 0;  // distinct resources (type/id) read or exported
  int64_t accesses = 0;   // resource accesses (a resource read twice counts twice)
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  bool left_decrypted = false;  // some of it was sent out of the vault decrypted

  bool operator==(const PatientAccess&) const = default;
};

// Whose activity, and when. Exactly one of the three selectors is set (see check_scope).
struct IncidentScope {
  std::optional<std::string> actor_login =
      std::nullopt;  // an account's login, or the custodian's OS user
  std::optional<std::string> session_id = std::nullopt;
  std::optional<std::string> address = std::nullopt;
  int64_t since_ms = 0;                            // inclusive
  std::optional<int64_t> until_ms = std::nullopt;  // exclusive; none means up to now
};

// kUsage unless exactly one selector is set and the window is not empty.
[[nodiscard]] Result<void> check_scope(const IncidentScope& scope);

// The patients whose data the scope's actor read or exported, sorted by patient id. Counts only
// successful read, vread, history, search and export entries in the window, and only their
// targets in a patient compartment (not the shared compartment "*shared").
[[nodiscard]] std::vector<PatientAccess> patients_touched(const std::vector<Entry>& entries,
                                                          const IncidentScope& scope);

// A patient's name and postal address, read from their Patient resource by the caller, for the
// art. 34 letter.
struct PatientContact {
  std::string patient_id;
  std::string family;
  std::string given;
  std::vector<std::string> address_lines;
  std::string postal_code;
  std::string city;
};

// One patient's art. 34 letter (French, Markdown): only that patient's own details.
struct PatientLetter {
  std::string patient_id;
  std::string text;
};

struct IncidentReport {
  IncidentScope scope;
  int64_t generated_ms = 0;
  std::vector<PatientAccess> patients;  // sorted by patient id
  int64_t resources = 0;                // sums over the patients
  int64_t accesses = 0;
  std::set<std::string> categories;                // union over the patients
  std::optional<int64_t> first_ms = std::nullopt;  // first and last access, when any
  std::optional<int64_t> last_ms = std::nullopt;
  bool left_decrypted = false;         // any data left the vault decrypted
  std::string cnil_notification;       // French Markdown draft (art. 33); empty if no patient
  std::vector<PatientLetter> letters;  // one per patient, in the order of `patients`
};

// Builds the report for `accesses` (from patients_touched). `contacts` may list more patients
// than were touched, or miss some: a letter without a contact carries placeholders for the name
// and address. `now_ms` is the generation time.
[[nodiscard]] IncidentReport build_incident_report(const IncidentScope& scope,
                                                   std::vector<PatientAccess> accesses,
                                                   const std::vector<PatientContact>& contacts,
                                                   int64_t now_ms);

// The whole report as Markdown, in French (English in parentheses in headings): scope, summary,
// the patient list, the encryption statement, the CNIL draft and the letters.
[[nodiscard]] std::string render_markdown(const IncidentReport& report);

// The same report as JSON (times as RFC 3339 strings, texts as Markdown strings).
[[nodiscard]] boost::json::object to_json(const IncidentReport& report);

}  // namespace vigie::audit
