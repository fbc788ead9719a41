#include "fhir/validate.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

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

// FHIR's whole-number types, named by the suffix of a choice element (valueInteger,
// multipleBirthInteger, doseNumberPositiveInt, ...).
struct WholeNumberType {
  std::string_view suffix;
  int64_t minimum;
  std::string_view rule;
};

constexpr int64_t kIntegerMaximum = std::numeric_limits<int32_t>::max();
constexpr std::array kWholeNumberTypes{
    WholeNumberType{"Integer", std::numeric_limits<int32_t>::min(),
                    "must be a FHIR integer: a whole number from -2147483648 to 2147483647"},
    WholeNumberType{"PositiveInt", 1,
                    "must be a FHIR positiveInt: a whole number from 1 to 2147483647"},
    WholeNumberType{"UnsignedInt", 0,
                    "must be a FHIR unsignedInt: a whole number from 0 to 2147483647"},
};

bool is_decimal_in_range(std::string_view text) {
  double value = 0;
  const std::from_chars_result read =
      std::from_chars(text.data(), text.data() + text.size(), value);
  return read.ec == std::errc() && read.ptr == text.data() + text.size();
}

// FHIR's integer grammar, [0]|-?[1-9][0-9]*, within [minimum, 2^31 - 1].
bool is_whole_number_in_range(std::string_view text, int64_t minimum) {
  if (text.find_first_of(".eE") != std::string_view::npos || text == "-0") {
    return false;
  }
  int64_t value = 0;
  const std::from_chars_result read =
      std::from_chars(text.data(), text.data() + text.size(), value);
  return read.ec == std::errc() && read.ptr == text.data() + text.size() && value >= minimum &&
         value <= kIntegerMaximum;
}

const WholeNumberType* whole_number_type_of(std::string_view key) {
  for (const WholeNumberType& type : kWholeNumberTypes) {
    if (key.size() > type.suffix.size() && key.ends_with(type.suffix)) {
      return &type;
    }
  }
  return nullptr;
}

bool is_numeric_choice(std::string_view key) {
  return whole_number_type_of(key) != nullptr ||
         (key.size() > std::string_view("Decimal").size() && key.ends_with("Decimal"));
}

// Every number of a resource, wherever it is: a decimal that a double can hold, a whole number of
// the right range under a whole-number choice element, a number (not a string) under a numeric
// choice element and as a Quantity's value. Keys starting with '_' hold a primitive's extensions.
class NumberCheck {
 public:
  explicit NumberCheck(std::string_view type) : type_(type) {}

  Violation check_members(const boost::json::object& object) {
    for (const boost::json::key_value_pair& member : object) {
      steps_.push_back(Step{member.key(), std::nullopt});
      Violation found = check(member.value(), member.key());
      steps_.pop_back();
      if (found) {
        return found;
      }
    }
    return std::nullopt;
  }

 private:
  // Where the check is; only written out when a rule is broken.
  struct Step {
    std::string_view key;
    std::optional<size_t> index;
  };

  // `value` is held by the member `key`, directly or as an element of a list.
  Violation check(const boost::json::value& value, std::string_view key) {
    const bool extensions = key.starts_with('_');
    if (std::optional<std::string> number = json_number_text(value)) {
      if (!is_decimal_in_range(*number)) {
        return broken(
            "must be a decimal of magnitude 0 or from about 4.9e-324 to 1.8e308 (a 64-bit "
            "floating-point number)");
      }
      const WholeNumberType* whole = extensions ? nullptr : whole_number_type_of(key);
      if (whole != nullptr && !is_whole_number_in_range(*number, whole->minimum)) {
        return broken(whole->rule);
      }
      return std::nullopt;
    }
    if (const boost::json::array* elements = value.if_array()) {
      for (size_t index = 0; index < elements->size(); ++index) {
        steps_.push_back(Step{{}, index});
        Violation found = check((*elements)[index], key);
        steps_.pop_back();
        if (found) {
          return found;
        }
      }
      return std::nullopt;
    }
    if (!extensions && is_numeric_choice(key)) {
      return broken("must be a number (a JSON number, not a string)");
    }
    const boost::json::object* object = value.if_object();
    if (object == nullptr) {
      return std::nullopt;
    }
    if (!extensions && (key == "quantity" || key.ends_with("Quantity"))) {
      const boost::json::value* quantity_value = object->if_contains("value");
      if (quantity_value != nullptr && !is_json_number(*quantity_value)) {
        steps_.push_back(Step{"value", std::nullopt});
        Violation found = broken("must be a decimal (a JSON number, not a string)");
        steps_.pop_back();
        return found;
      }
    }
    return check_members(*object);
  }

  Violation broken(std::string_view rule) const {
    std::string path(type_);
    for (const Step& step : steps_) {
      if (step.index) {
        path += fmt::format("[{}]", *step.index);
      } else {
        path += '.';
        path += step.key;
      }
    }
    return violation(path, rule);
  }

  std::string_view type_;
  std::vector<Step> steps_;
};

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
  if (Violation found = NumberCheck(type).check_members(resource)) {
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
