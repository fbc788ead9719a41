#include "fhir/search_index.hpp"

#include <set>
#include <string_view>
#include <utility>

#include "fhir/date_time.hpp"
#include "fhir/json.hpp"
#include "fhir/name_prefixes.hpp"
#include "fhir/normalize.hpp"
#include "fhir/patient_reference.hpp"
#include "fhir/resource_profile.hpp"
#include "fhir/resource_types.hpp"

namespace vigie::fhir {

namespace {

// Entries in a set while they are collected: de-duplicated and in a stable order.
using EntrySet = std::set<std::pair<std::string, std::string>>;

std::string_view type_of(const boost::json::object& resource) {
  const boost::json::value* type = resource.if_contains("resourceType");
  const boost::json::string* text = type != nullptr ? json_string(*type) : nullptr;
  return text != nullptr ? std::string_view(*text) : std::string_view();
}

const boost::json::string* string_member(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr ? json_string(*value) : nullptr;
}

void add_identifier(const boost::json::value& value, EntrySet& entries) {
  const boost::json::object* identifier = value.if_object();
  if (identifier == nullptr) {
    return;
  }
  const boost::json::string* system = string_member(*identifier, "system");
  const boost::json::string* number = string_member(*identifier, "value");
  if (system != nullptr) {
    entries.emplace("identifier", std::string(*system) + "|");
  }
  if (number != nullptr) {
    entries.emplace("identifier", std::string(*number));
    if (system != nullptr) {
      entries.emplace("identifier", std::string(*system) + "|" + std::string(*number));
    }
  }
}

void add_identifiers(const boost::json::object& resource, EntrySet& entries) {
  const boost::json::value* value = resource.if_contains("identifier");
  if (value == nullptr) {
    return;
  }
  if (const boost::json::array* identifiers = value->if_array()) {
    for (const boost::json::value& identifier : *identifiers) {
      add_identifier(identifier, entries);
    }
  } else {
    add_identifier(*value, entries);
  }
}

// Adds the prefixes of one name part under `param` and under "name".
void add_name_part(std::string_view param, std::string_view text, EntrySet& entries) {
  for (std::string& prefix : name_prefixes(fold_for_search(text))) {
    if (param != "name") {
      entries.emplace(param, prefix);
    }
    entries.emplace("name", std::move(prefix));
  }
}

void add_person_names(const boost::json::object& resource, EntrySet& entries) {
  const boost::json::value* value = resource.if_contains("name");
  const boost::json::array* names = value != nullptr ? value->if_array() : nullptr;
  if (names == nullptr) {
    return;
  }
  for (const boost::json::value& element : *names) {
    const boost::json::object* name = element.if_object();
    if (name == nullptr) {
      continue;
    }
    if (const boost::json::string* family = string_member(*name, "family")) {
      add_name_part("family", *family, entries);
    }
    if (const boost::json::string* text = string_member(*name, "text")) {
      add_name_part("name", *text, entries);
    }
    const boost::json::value* given = name->if_contains("given");
    if (given == nullptr || !given->is_array()) {
      continue;
    }
    for (const boost::json::value& given_name : given->get_array()) {
      if (const boost::json::string* text = json_string(given_name)) {
        add_name_part("given", *text, entries);
      }
    }
  }
}

void add_patient_demographics(const boost::json::object& resource, EntrySet& entries) {
  if (const boost::json::string* birth_date = string_member(resource, "birthDate")) {
    std::optional<DateInterval> interval = read_date_interval(*birth_date);
    if (interval && !interval->has_time) {
      std::string_view text = *birth_date;
      for (size_t length : {size_t{4}, size_t{7}, size_t{10}}) {
        if (text.size() >= length) {
          entries.emplace("birthdate", std::string(text.substr(0, length)));
        }
      }
    }
  }
  if (const boost::json::string* gender = string_member(resource, "gender")) {
    entries.emplace("gender", std::string(*gender));
  }
}

void add_code(const boost::json::object& resource, std::string_view element, EntrySet& entries) {
  const boost::json::value* value = resource.if_contains(element);
  const boost::json::object* concept_object = value != nullptr ? value->if_object() : nullptr;
  if (concept_object == nullptr) {
    return;
  }
  const boost::json::value* coding = concept_object->if_contains("coding");
  if (coding == nullptr || !coding->is_array()) {
    return;
  }
  for (const boost::json::value& element_value : coding->get_array()) {
    const boost::json::object* entry = element_value.if_object();
    if (entry == nullptr) {
      continue;
    }
    const boost::json::string* code = string_member(*entry, "code");
    if (code == nullptr) {
      continue;
    }
    entries.emplace("code", std::string(*code));
    if (const boost::json::string* system = string_member(*entry, "system")) {
      entries.emplace("code", std::string(*system) + "|" + std::string(*code));
    }
  }
}

void add_clinical(const boost::json::object& resource, const ResourceProfile& profile,
                  EntrySet& entries) {
  if (std::optional<std::string> patient = patient_compartment_of(resource)) {
    std::string reference = "Patient/" + *patient;
    if (profile.patient_link == "subject") {
      entries.emplace("subject", reference);
    }
    entries.emplace("patient", std::move(reference));
  }
  if (!profile.code_element.empty()) {
    add_code(resource, profile.code_element, entries);
  }
  if (profile.has_status) {
    if (const boost::json::string* status = string_member(resource, "status")) {
      entries.emplace("status", std::string(*status));
    }
  }
}

std::optional<std::string> patient_of_link(const boost::json::object& resource,
                                           std::string_view element) {
  const boost::json::value* link = resource.if_contains(element);
  const boost::json::object* reference = link != nullptr ? link->if_object() : nullptr;
  if (reference == nullptr) {
    return std::nullopt;
  }
  const boost::json::string* target = string_member(*reference, "reference");
  return target != nullptr ? patient_id_from_reference(*target) : std::nullopt;
}

}  // namespace

std::vector<IndexEntry> index_entries(const boost::json::object& resource) {
  std::string_view type = type_of(resource);
  EntrySet entries;
  add_identifiers(resource, entries);
  if (has_person_name(type)) {
    add_person_names(resource, entries);
  }
  if (type == "Patient") {
    add_patient_demographics(resource, entries);
  }
  if (const ResourceProfile* profile = find_profile(type)) {
    add_clinical(resource, *profile, entries);
  }
  std::vector<IndexEntry> out;
  out.reserve(entries.size());
  for (const auto& [param, value] : entries) {
    out.push_back(IndexEntry{param, value});
  }
  return out;
}

std::optional<std::string> patient_compartment_of(const boost::json::object& resource) {
  std::string_view type = type_of(resource);
  if (type == "Patient") {
    const boost::json::string* id = string_member(resource, "id");
    return id != nullptr && is_valid_id(*id) ? std::optional<std::string>(std::string(*id))
                                             : std::nullopt;
  }
  if (const ResourceProfile* profile = find_profile(type)) {
    return patient_of_link(resource, profile->patient_link);
  }
  if (type == "Appointment") {
    // The patient is one of the participants: the first whose actor is a Patient.
    const boost::json::value* participants = resource.if_contains("participant");
    if (participants != nullptr && participants->is_array()) {
      for (const boost::json::value& participant : participants->as_array()) {
        if (const boost::json::object* fields = participant.if_object()) {
          if (std::optional<std::string> patient = patient_of_link(*fields, "actor")) {
            return patient;
          }
        }
      }
    }
  }
  if (std::optional<std::string> subject = patient_of_link(resource, "subject")) {
    return subject;
  }
  return patient_of_link(resource, "patient");
}

bool belongs_to_a_patient(std::string_view type) {
  return find_profile(type) != nullptr || type == "Appointment";
}

}  // namespace vigie::fhir
