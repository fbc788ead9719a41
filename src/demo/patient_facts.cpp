#include <string_view>
#include <unordered_map>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "demo/demo_data.hpp"
#include "fhir/identifiers.hpp"
#include "fhir/json.hpp"

namespace vigie::demo {

namespace {

namespace json = boost::json;

// The string at `key`, or "" when it is missing or not a string.
[[nodiscard]] std::string_view string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  const json::string* text = value != nullptr ? fhir::json_string(*value) : nullptr;
  return text != nullptr ? std::string_view(*text) : std::string_view();
}

[[nodiscard]] const json::object* object_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_object();
}

[[nodiscard]] const json::array* array_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_array();
}

[[nodiscard]] DemoPatientFacts facts_of(const json::object& patient) {
  DemoPatientFacts facts;
  facts.birth_date = string_at(patient, "birthDate");
  if (const json::array* names = array_at(patient, "name"); names != nullptr && !names->empty()) {
    if (const json::object* name = names->front().if_object(); name != nullptr) {
      facts.family = string_at(*name, "family");
      if (const json::array* given = array_at(*name, "given");
          given != nullptr && !given->empty() && fhir::json_string(given->front()) != nullptr) {
        facts.given = *fhir::json_string(given->front());
      }
    }
  }
  if (const json::array* identifiers = array_at(patient, "identifier"); identifiers != nullptr) {
    for (const json::value& identifier : *identifiers) {
      const json::object* fields = identifier.if_object();
      if (fields != nullptr && string_at(*fields, "system") == fhir::kInsNirSystem) {
        facts.nir = string_at(*fields, "value");
        break;
      }
    }
  }
  return facts;
}

}  // namespace

std::vector<DemoPatientFacts> patient_facts(const boost::json::object& bundle) {
  std::vector<DemoPatientFacts> facts;
  const json::array* entries = array_at(bundle, "entry");
  if (entries == nullptr) {
    return facts;
  }
  std::unordered_map<std::string_view, size_t> patient_by_url;
  for (const json::value& entry : *entries) {
    const json::object* fields = entry.if_object();
    const json::object* resource = fields == nullptr ? nullptr : object_at(*fields, "resource");
    if (resource == nullptr || string_at(*resource, "resourceType") != "Patient") {
      continue;
    }
    facts.push_back(facts_of(*resource));
    if (const std::string_view url = string_at(*fields, "fullUrl"); !url.empty()) {
      patient_by_url.emplace(url, facts.size() - 1);
    }
  }
  for (const json::value& entry : *entries) {
    const json::object* fields = entry.if_object();
    const json::object* resource = fields == nullptr ? nullptr : object_at(*fields, "resource");
    const json::object* subject = resource == nullptr ? nullptr : object_at(*resource, "subject");
    const json::array* notes = resource == nullptr ? nullptr : array_at(*resource, "note");
    if (subject == nullptr || notes == nullptr) {
      continue;
    }
    const auto patient = patient_by_url.find(string_at(*subject, "reference"));
    if (patient == patient_by_url.end()) {
      continue;
    }
    for (const json::value& note : *notes) {
      if (const json::object* annotation = note.if_object(); annotation != nullptr) {
        if (const std::string_view text = string_at(*annotation, "text"); !text.empty()) {
          facts[patient->second].note_texts.emplace_back(text);
        }
      }
    }
  }
  return facts;
}

}  // namespace vigie::demo
