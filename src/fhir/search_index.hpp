#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace vigie::fhir {

// One value a resource can be found by. `param` is the search parameter name as a client writes
// it ("family", "identifier", "code", ...); `value` is already normalised, and is exactly what
// parse_search() produces for a query that should match it. vault/ turns each pair into a blind
// token; the clear value never reaches storage.
struct IndexEntry {
  std::string param;
  std::string value;
};

// The index entries of a validated resource:
// - any type: identifier -> "system|value", "value" and "system|";
// - Patient, Practitioner, RelatedPerson: family, given and name (family, given and text) ->
//   every prefix from 3 characters of the folded value and of each of its words, and the whole
//   folded value when shorter than 3; Patient also birthdate -> "YYYY", "YYYY-MM", "YYYY-MM-DD"
//   and gender -> the code;
// - resources in a patient's compartment: patient and subject -> "Patient/ID"; code (the `code`
//   element, or Immunization.vaccineCode, or MedicationRequest.medicationCodeableConcept) ->
//   "system|code" and "code"; status -> the code.
// Entries are de-duplicated.
[[nodiscard]] std::vector<IndexEntry> index_entries(const boost::json::object& resource);

// The id of the Patient whose compartment the resource belongs to: its own id for a Patient
// (which must then have one), the id referenced as "Patient/ID" by `subject` or `patient` for
// any other type (`beneficiary` for a Coverage; for an Appointment, the first participant whose
// `actor` is a Patient); nullopt for resources outside any patient compartment (Practitioner,
// Organization, ...), which vault/ keeps in the shared compartment.
[[nodiscard]] std::optional<std::string> patient_compartment_of(
    const boost::json::object& resource);

// True for the types that always belong to a patient (those of the compartment table of
// resource_profile.cpp, and Appointment): patient_compartment_of must find their Patient. Every
// other type is declared non-patient (Organization, Practitioner, Medication, Group, ...).
[[nodiscard]] bool belongs_to_a_patient(std::string_view type);

}  // namespace vigie::fhir
