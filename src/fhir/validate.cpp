#include "fhir/validate.hpp"

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "fhir/date_time.hpp"
#include "fhir/identifiers.hpp"
#include "fhir/json.hpp"
#include "fhir/nir_rules.hpp"
#include "fhir/resource_profile.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/structure.hpp"

namespace vigie::fhir {

namespace {

// Collects the first rule broken; every check names the element path, never the value.
using Violation = std::optional<std::string>;

Violation violation(std::string_view path, std::string_view rule) {
  return fmt::format("{}: {}", path, rule);
}

Violation check_optional_string(const boost::json::object& object, std::string_view key,
                                const std::string& path) {
  const boost::json::value* value = object.if_contains(key);
  if (value != nullptr && json_string(*value) == nullptr) {
    return violation(fmt::format("{}.{}", path, key), "must be a string");
  }
  return std::nullopt;
}

Violation check_identifier(const boost::json::value& value, const std::string& path) {
  const boost::json::object* identifier = value.if_object();
  if (identifier == nullptr) {
    return violation(path, "must be an Identifier object");
  }
  for (std::string_view key : {"system", "value"}) {
    if (Violation found = check_optional_string(*identifier, key, path)) {
      return found;
    }
  }
  const boost::json::value* system = identifier->if_contains("system");
  if (system == nullptr) {
    return std::nullopt;
  }
  std::string_view system_text = *json_string(*system);
  if (system_text != kInsNirSystem && system_text != kInsNiaSystem) {
    return std::nullopt;
  }
  std::string_view label = system_text == kInsNirSystem ? "INS-NIR" : "INS-NIA";
  const boost::json::value* number = identifier->if_contains("value");
  if (number == nullptr) {
    return violation(path, fmt::format("{} has no value", label));
  }
  if (std::optional<std::string_view> rule = nir_rule_violation(*json_string(*number))) {
    return violation(path, fmt::format("{} {}", label, *rule));
  }
  return std::nullopt;
}

// `identifier` is a list in most types and a single Identifier in a few (Bundle, Composition, ...).
Violation check_identifiers(const boost::json::object& resource, const std::string& type) {
  const boost::json::value* value = resource.if_contains("identifier");
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_object()) {
    return check_identifier(*value, type + ".identifier");
  }
  const boost::json::array* identifiers = value->if_array();
  if (identifiers == nullptr) {
    return violation(type + ".identifier", "must be a list of Identifier");
  }
  for (size_t index = 0; index < identifiers->size(); ++index) {
    if (Violation found = check_identifier((*identifiers)[index],
                                           fmt::format("{}.identifier[{}]", type, index))) {
      return found;
    }
  }
  return std::nullopt;
}

Violation check_human_name(const boost::json::value& value, const std::string& path) {
  const boost::json::object* name = value.if_object();
  if (name == nullptr) {
    return violation(path, "must be a HumanName object");
  }
  for (std::string_view key : {"family", "text"}) {
    if (Violation found = check_optional_string(*name, key, path)) {
      return found;
    }
  }
  const boost::json::value* given = name->if_contains("given");
  if (given == nullptr) {
    return std::nullopt;
  }
  const boost::json::array* given_names = given->if_array();
  if (given_names == nullptr) {
    return violation(path + ".given", "must be a list of strings");
  }
  for (size_t index = 0; index < given_names->size(); ++index) {
    if (json_string((*given_names)[index]) == nullptr) {
      return violation(fmt::format("{}.given[{}]", path, index), "must be a string");
    }
  }
  return std::nullopt;
}

Violation check_person(const boost::json::object& resource, const std::string& type) {
  if (const boost::json::value* names = resource.if_contains("name")) {
    const boost::json::array* name_list = names->if_array();
    if (name_list == nullptr) {
      return violation(type + ".name", "must be a list of HumanName");
    }
    for (size_t index = 0; index < name_list->size(); ++index) {
      if (Violation found =
              check_human_name((*name_list)[index], fmt::format("{}.name[{}]", type, index))) {
        return found;
      }
    }
  }
  if (const boost::json::value* gender = resource.if_contains("gender")) {
    const boost::json::string* code = json_string(*gender);
    if (code == nullptr ||
        (*code != "male" && *code != "female" && *code != "other" && *code != "unknown")) {
      return violation(type + ".gender", "must be one of male, female, other, unknown");
    }
  }
  return std::nullopt;
}

Violation check_birth_date(const boost::json::object& resource, const std::string& type) {
  const boost::json::value* birth_date = resource.if_contains("birthDate");
  if (birth_date == nullptr) {
    return std::nullopt;
  }
  const boost::json::string* text = json_string(*birth_date);
  std::optional<DateInterval> interval;
  if (text != nullptr) {
    interval = read_date_interval(*text);
  }
  if (!interval || interval->has_time) {
    return violation(type + ".birthDate", "must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)");
  }
  return std::nullopt;
}

// The Reference that places a resource in a patient's compartment must carry a string reference.
Violation check_patient_link(const boost::json::object& resource, const std::string& type,
                             std::string_view element, bool reference_required) {
  const boost::json::value* link = resource.if_contains(element);
  if (link == nullptr) {
    return std::nullopt;
  }
  std::string path = fmt::format("{}.{}", type, element);
  const boost::json::object* reference = link->if_object();
  if (reference == nullptr) {
    // Outside the profiled types some `subject` elements are lists (Account, Contract, ...).
    return reference_required || !link->is_array() ? violation(path, "must be a Reference object")
                                                   : std::nullopt;
  }
  const boost::json::value* target = reference->if_contains("reference");
  if (target == nullptr && !reference_required) {
    return std::nullopt;
  }
  if (target == nullptr || json_string(*target) == nullptr) {
    return violation(path + ".reference", "must be a string");
  }
  return std::nullopt;
}

Violation check_codeable_concept(const boost::json::object& resource, const std::string& type,
                                 std::string_view element) {
  const boost::json::value* value = resource.if_contains(element);
  if (value == nullptr) {
    return std::nullopt;
  }
  std::string path = fmt::format("{}.{}", type, element);
  const boost::json::object* concept_object = value->if_object();
  if (concept_object == nullptr) {
    return violation(path, "must be a CodeableConcept object");
  }
  if (Violation found = check_optional_string(*concept_object, "text", path)) {
    return found;
  }
  const boost::json::value* coding = concept_object->if_contains("coding");
  if (coding == nullptr) {
    return std::nullopt;
  }
  const boost::json::array* codings = coding->if_array();
  if (codings == nullptr) {
    return violation(path + ".coding", "must be a list of Coding");
  }
  for (size_t index = 0; index < codings->size(); ++index) {
    std::string coding_path = fmt::format("{}.coding[{}]", path, index);
    const boost::json::object* entry = (*codings)[index].if_object();
    if (entry == nullptr) {
      return violation(coding_path, "must be a Coding object");
    }
    for (std::string_view key : {"system", "code"}) {
      if (Violation found = check_optional_string(*entry, key, coding_path)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

Violation check_resource(const boost::json::object& resource) {
  const boost::json::value* resource_type = resource.if_contains("resourceType");
  if (resource_type == nullptr) {
    return std::string("resourceType is missing");
  }
  const boost::json::string* type_text = json_string(*resource_type);
  if (type_text == nullptr || !is_known_resource_type(*type_text)) {
    return std::string("resourceType must be a FHIR R4 resource type");
  }
  std::string type(*type_text);
  if (const boost::json::value* id = resource.if_contains("id")) {
    if (const boost::json::string* id_text = json_string(*id);
        id_text == nullptr || !is_valid_id(*id_text)) {
      return violation(type + ".id", "must match [A-Za-z0-9-.]{1,64}");
    }
  }
  if (const boost::json::value* meta = resource.if_contains("meta")) {
    if (!meta->is_object()) {
      return violation(type + ".meta", "must be an object");
    }
  }
  if (Violation found = check_optional_string(resource, "status", type)) {
    return found;
  }
  if (Violation found = check_identifiers(resource, type)) {
    return found;
  }
  if (has_person_name(type)) {
    if (Violation found = check_person(resource, type)) {
      return found;
    }
  }
  if (Violation found = check_birth_date(resource, type)) {
    return found;
  }
  const ResourceProfile* profile = find_profile(type);
  for (std::string_view element : {"subject", "patient"}) {
    bool reference_required = profile != nullptr && profile->patient_link == element;
    if (Violation found = check_patient_link(resource, type, element, reference_required)) {
      return found;
    }
  }
  if (profile != nullptr && !profile->code_element.empty()) {
    if (Violation found = check_codeable_concept(resource, type, profile->code_element)) {
      return found;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<void> validate_resource(const boost::json::object& resource) {
  if (Violation found = check_resource(resource)) {
    return fail(ErrorCode::kInvalidInput, std::move(*found));
  }
  return validate_structure(resource);
}

}  // namespace vigie::fhir
