#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace vigie::demo {

// 2026-11-01T00:00:00Z: the default "now" of generated data, fixed so that a seed alone
// determines the bundle.
inline constexpr int64_t kDefaultDemoNowMs = 1'793'491'200'000;

// Each patient has between 2 and this many Conditions and Observations.
inline constexpr size_t kMaxClinicalResourcesPerPatient = 12;

struct DemoOptions {
  size_t patients = 200;
  uint64_t seed = 1;
  int64_t now_ms = kDefaultDemoNowMs;  // clinical dates fall in the 3 years before it
};

// A FHIR R4 `transaction` Bundle of synthetic French patients; none is a real person.
// Entries are POSTs with `urn:uuid:` fullUrls and every reference between them is by urn:uuid:
// first a few shared resources (laboratory Organizations with a FINESS, nurse and physician
// Practitioners with an RPPS), then for each patient one Patient (INS-NIR identifier with a
// valid NIR, Corsica and births abroad included; official name with accents, hyphens or
// apostrophes; gender; birthDate; address; phone; e-mail) followed by its Conditions (SNOMED CT
// and CIM-10) and Observations (LOINC, UCUM, status final), at most
// kMaxClinicalResourcesPerPatient of them, each Condition with a French free-text note and some
// Observations too, some of them sensitive (HIV, cancer, depression).
// The same options give the same bundle, byte for byte once serialised, on every platform;
// patient i (0-based) does not depend on options.patients, so a smaller bundle's patients are
// a prefix of a larger one's. About 10 resources per patient; 10,000 patients take well under
// a second. Thread-safe (no shared state).
[[nodiscard]] boost::json::object generate_bundle(const DemoOptions& options);

// What an attacker would look for in a leaked file, for one patient.
struct DemoPatientFacts {
  std::string family;
  std::string given;                    // first given name
  std::string nir;                      // the INS-NIR identifier value
  std::string birth_date;               // FHIR date
  std::vector<std::string> note_texts;  // every note[].text of resources whose subject is them
};

// The facts of every Patient entry of `bundle`, in entry order, as generate_bundle writes them.
// Elements missing from a Patient give empty strings; entries that are not Patients only
// contribute their notes to the patient their `subject` names by fullUrl.
[[nodiscard]] std::vector<DemoPatientFacts> patient_facts(const boost::json::object& bundle);

}  // namespace vigie::demo
