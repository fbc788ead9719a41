#pragma once

#include <array>
#include <string_view>

namespace vigie::fhir {

// How a date element of a resource is read for the `date` search parameter.
enum class DateElementKind { kDateTime, kPeriod };

struct DateElement {
  std::string_view name;  // empty: no element in this slot
  DateElementKind kind = DateElementKind::kDateTime;
};

// What vigie indexes in one type of the patient compartment. One table drives validation,
// index_entries, parse_search and date matching, so that what is indexed is what can be searched.
struct ResourceProfile {
  std::string_view type;
  // The Reference to the Patient: "subject", "patient", or "beneficiary" (Coverage).
  std::string_view patient_link;
  std::string_view code_element;               // the CodeableConcept indexed as `code`; empty: none
  bool has_status = false;                     // `status` (a code) is indexed
  std::array<DateElement, 3> date_elements{};  // what `date` reads; all empty: no `date`
};

// The profile of `type`, or nullptr for types outside the patient compartment table
// (Patient itself, Practitioner, Organization, ...).
[[nodiscard]] const ResourceProfile* find_profile(std::string_view type);

// True when the `date` search parameter is supported for the profile.
[[nodiscard]] bool has_date(const ResourceProfile& profile);

// True for the types whose `name` is a list of HumanName indexed as family/given/name.
[[nodiscard]] bool has_person_name(std::string_view type);

}  // namespace vigie::fhir
