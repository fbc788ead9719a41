#include "fhir/structure.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/structure_table.hpp"

namespace vigie::fhir {

namespace {

using r4::ElementDef;
using r4::TypeDef;
using r4::TypeKind;

// --- the table ---

const TypeDef* find_type(std::string_view name) {
  auto found =
      std::lower_bound(r4::kTypeDefs.begin(), r4::kTypeDefs.end(), name,
                       [](const TypeDef& type, std::string_view key) { return type.name < key; });
  return found != r4::kTypeDefs.end() && found->name == name ? &*found : nullptr;
}

std::span<const ElementDef> elements_of(const TypeDef& type) {
  return std::span<const ElementDef>(r4::kElementDefs).subspan(type.first, type.count);
}

const ElementDef* find_element(const TypeDef& type, std::string_view name) {
  std::span<const ElementDef> elements = elements_of(type);
  auto found = std::lower_bound(
      elements.begin(), elements.end(), name,
      [](const ElementDef& element, std::string_view key) { return element.name < key; });
  return found != elements.end() && found->name == name ? &*found : nullptr;
}

const TypeDef& type_of(const ElementDef& element) { return r4::kTypeDefs[element.type]; }

bool is_primitive(TypeKind kind) { return kind < TypeKind::kComplex; }

bool in_value_set(uint16_t value_set, std::string_view code) {
  const r4::ValueSetDef& set = r4::kValueSetDefs[value_set];
  std::span<const std::string_view> codes =
      std::span<const std::string_view>(r4::kCodes).subspan(set.first, set.count);
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// --- primitive formats (the regular expressions of the R4 JSON schema, written out) ---

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` digits at `text[at]` as a number; nullopt when they are not all there.
std::optional<int> read_digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t index = at; index < at + count; ++index) {
    if (!is_digit(text[index])) {
      return std::nullopt;
    }
    value = value * 10 + (text[index] - '0');
  }
  return value;
}

// YYYY, YYYY-MM or YYYY-MM-DD from the start of `text`; the characters read, or 0.
size_t read_date_part(std::string_view text, bool full_date_only) {
  std::optional<int> year = read_digits(text, 0, 4);
  if (!year || *year == 0) {
    return 0;
  }
  if (text.size() == 4 || text[4] != '-') {
    return full_date_only ? 0 : 4;
  }
  std::optional<int> month = read_digits(text, 5, 2);
  if (!month || *month < 1 || *month > 12) {
    return 0;
  }
  if (text.size() == 7 || text[7] != '-') {
    return full_date_only ? 0 : 7;
  }
  std::optional<int> day = read_digits(text, 8, 2);
  return day && *day >= 1 && *day <= 31 ? 10 : 0;
}

// hh:mm:ss(.fff...) at `text[at]`; the characters read, or 0.
size_t read_time_part(std::string_view text, size_t at) {
  std::optional<int> hour = read_digits(text, at, 2);
  std::optional<int> minute = read_digits(text, at + 3, 2);
  std::optional<int> second = read_digits(text, at + 6, 2);
  if (!hour || !minute || !second || text[at + 2] != ':' || text[at + 5] != ':' || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return 0;
  }
  size_t end = at + 8;
  if (end < text.size() && text[end] == '.') {
    size_t fraction = end + 1;
    while (fraction < text.size() && is_digit(text[fraction])) {
      ++fraction;
    }
    if (fraction == end + 1) {
      return 0;
    }
    end = fraction;
  }
  return end - at;
}

// Z or +hh:mm / -hh:mm (up to 14:00), the whole rest of `text`.
bool is_time_zone(std::string_view zone) {
  if (zone == "Z") {
    return true;
  }
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
    return false;
  }
  std::optional<int> hours = read_digits(zone, 1, 2);
  std::optional<int> minutes = read_digits(zone, 4, 2);
  return hours && minutes && *minutes <= 59 && (*hours <= 13 || (*hours == 14 && *minutes == 0));
}

// A dateTime with a time (`instant` always has one): full date, T, time, zone.
bool is_date_time_with_time(std::string_view text) {
  if (read_date_part(text, true) != 10 || text.size() < 11 || text[10] != 'T') {
    return false;
  }
  size_t time = read_time_part(text, 11);
  return time != 0 && is_time_zone(text.substr(11 + time));
}

bool is_date(std::string_view text) {
  size_t read = read_date_part(text, false);
  return read != 0 && read == text.size();
}

bool is_date_time(std::string_view text) { return is_date(text) || is_date_time_with_time(text); }

bool is_time(std::string_view text) {
  size_t read = read_time_part(text, 0);
  return read != 0 && read == text.size();
}

// [^\s]+(\s[^\s]+)*: no space at either end, never two in a row.
bool is_code(std::string_view text) {
  if (text.empty() || is_ascii_space(text.front()) || is_ascii_space(text.back())) {
    return false;
  }
  for (size_t index = 1; index < text.size(); ++index) {
    if (is_ascii_space(text[index]) && is_ascii_space(text[index - 1])) {
      return false;
    }
  }
  return true;
}

bool is_uri(std::string_view text) {
  return std::none_of(text.begin(), text.end(), is_ascii_space);
}

// urn:oid:[0-2](\.(0|[1-9][0-9]*))+
bool is_oid(std::string_view text) {
  constexpr std::string_view kPrefix = "urn:oid:";
  if (!text.starts_with(kPrefix) || text.size() < kPrefix.size() + 3) {
    return false;
  }
  text.remove_prefix(kPrefix.size());
  if (text[0] < '0' || text[0] > '2') {
    return false;
  }
  text.remove_prefix(1);
  while (!text.empty()) {
    if (text[0] != '.' || text.size() < 2 || !is_digit(text[1])) {
      return false;
    }
    size_t end = 2;
    while (end < text.size() && is_digit(text[end])) {
      ++end;
    }
    if (text[1] == '0' && end > 2) {
      return false;
    }
    text.remove_prefix(end);
  }
  return true;
}

// urn:uuid: and a lowercase 8-4-4-4-12 UUID.
bool is_uuid(std::string_view text) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + 36) {
    return false;
  }
  text.remove_prefix(kPrefix.size());
  for (size_t index = 0; index < text.size(); ++index) {
    bool dash = index == 8 || index == 13 || index == 18 || index == 23;
    char c = text[index];
    if (dash ? c != '-' : !(is_digit(c) || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool is_base64(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
           c == '/' || c == '=' || is_ascii_space(c);
  });
}

// FHIR's integer grammar -?(0|[1-9][0-9]*) within [minimum, 2^31 - 1].
bool is_whole_number(std::string_view text, int64_t minimum) {
  std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 10 ||
      !std::all_of(digits.begin(), digits.end(), is_digit) ||
      (digits[0] == '0' && (digits.size() > 1 || text.size() > 1))) {
    return false;
  }
  int64_t value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  if (text.starts_with('-')) {
    value = -value;
  }
  return value >= minimum && value <= std::numeric_limits<int32_t>::max();
}

// A decimal that a 64-bit float can hold (999906e00001595 is not): what vigie computes with.
bool is_decimal_in_range(std::string_view text) {
  double value = 0;
  const std::from_chars_result read =
      std::from_chars(text.data(), text.data() + text.size(), value);
  return read.ec == std::errc() && read.ptr == text.data() + text.size();
}

// The rule a primitive value breaks, or nullptr.
const char* primitive_violation(const boost::json::value& value, TypeKind kind) {
  switch (kind) {
    case TypeKind::kBoolean:
      return value.is_bool() ? nullptr : "must be a boolean (true or false)";
    case TypeKind::kDecimal: {
      std::optional<std::string> number = json_number_text(value);
      if (!number) {
        return "must be a decimal (a JSON number)";
      }
      return is_decimal_in_range(*number) ? nullptr
                                          : "must be a decimal of magnitude 0 or from about "
                                            "4.9e-324 to 1.8e308 (a 64-bit floating-point number)";
    }
    case TypeKind::kInteger:
    case TypeKind::kUnsignedInt:
    case TypeKind::kPositiveInt: {
      std::optional<std::string> number = json_number_text(value);
      int64_t minimum = kind == TypeKind::kInteger       ? std::numeric_limits<int32_t>::min()
                        : kind == TypeKind::kUnsignedInt ? 0
                                                         : 1;
      if (number && is_whole_number(*number, minimum)) {
        return nullptr;
      }
      return kind == TypeKind::kInteger
                 ? "must be a FHIR integer: a whole JSON number from -2147483648 to 2147483647"
             : kind == TypeKind::kUnsignedInt
                 ? "must be a FHIR unsignedInt: a whole JSON number from 0 to 2147483647"
                 : "must be a FHIR positiveInt: a whole JSON number from 1 to 2147483647";
    }
    default:
      break;
  }
  const boost::json::string* string = json_string(value);
  if (string == nullptr) {
    return "must be a string";
  }
  std::string_view text = *string;
  switch (kind) {
    case TypeKind::kString:
    case TypeKind::kXhtml:
      return text.empty() ? "must not be empty" : nullptr;
    case TypeKind::kCode:
      return is_code(text) ? nullptr : "must be a code (no leading, trailing or double space)";
    case TypeKind::kId:
      return is_valid_id(text) ? nullptr : "must be an id ([A-Za-z0-9-.]{1,64})";
    case TypeKind::kUri:
      return is_uri(text) ? nullptr : "must be a uri (no whitespace)";
    case TypeKind::kOid:
      return is_oid(text) ? nullptr : "must be an oid (urn:oid:...)";
    case TypeKind::kUuid:
      return is_uuid(text) ? nullptr : "must be a uuid (urn:uuid:...)";
    case TypeKind::kDate:
      return is_date(text) ? nullptr : "must be a date (YYYY, YYYY-MM or YYYY-MM-DD)";
    case TypeKind::kDateTime:
      return is_date_time(text) ? nullptr
                                : "must be a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
                                  "YYYY-MM-DDThh:mm:ss with a time zone)";
    case TypeKind::kInstant:
      return is_date_time_with_time(text) ? nullptr
                                          : "must be an instant (YYYY-MM-DDThh:mm:ss[.fff] with "
                                            "a time zone)";
    case TypeKind::kTime:
      return is_time(text) ? nullptr : "must be a time (hh:mm:ss)";
    case TypeKind::kBase64Binary:
      return is_base64(text) ? nullptr : "must be base64";
    default:
      return nullptr;
  }
}

// An element name safe to write in a message: FHIR names are letters and digits, with a leading
// '_' for extension siblings. Anything else may be content and is not echoed.
std::string_view printable_name(std::string_view key) {
  std::string_view body = key.starts_with('_') ? key.substr(1) : key;
  bool fhir_name =
      !body.empty() && body.size() <= 64 && std::all_of(body.begin(), body.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c);
      });
  return fhir_name ? key : std::string_view("(invalid name)");
}

// --- the walk ---

// R4's ele-1: every element has a value or children, so no list or object is empty.
constexpr std::string_view kEmptyList = "must not be an empty list";

// Walks one resource; stops at the first rule broken. The path is a stack of steps, written out
// only when a rule is broken.
class StructureCheck {
 public:
  std::optional<std::string> check_resource(const boost::json::object& resource) {
    const boost::json::value* resource_type = resource.if_contains("resourceType");
    const boost::json::string* type_name =
        resource_type != nullptr ? json_string(*resource_type) : nullptr;
    const TypeDef* type = type_name != nullptr ? find_type(*type_name) : nullptr;
    if (type == nullptr || type->kind != TypeKind::kResource) {
      steps_.push_back(Step{"resourceType", std::nullopt});
      return broken("must be a FHIR R4 resource type that vigie accepts");
    }
    if (steps_.empty()) {
      root_ = type->name;
    }
    return check_object(resource, *type);
  }

 private:
  struct Step {
    std::string_view key;
    std::optional<size_t> index;
  };

  std::optional<std::string> check_object(const boost::json::object& object, const TypeDef& type) {
    if (object.empty()) {
      return broken("must not be empty (an element has a value or children)");
    }
    // The choice types given so far, and by which element: only one form of each.
    std::vector<const ElementDef*> choices;
    for (const boost::json::key_value_pair& member : object) {
      std::string_view key = member.key();
      if (type.kind == TypeKind::kResource && key == "resourceType") {
        continue;  // read by check_resource
      }
      const bool sibling = key.starts_with('_');
      const ElementDef* element = find_element(type, sibling ? key.substr(1) : key);
      steps_.push_back(Step{printable_name(key), std::nullopt});
      if (element == nullptr || (sibling && !is_primitive(type_of(*element).kind))) {
        return broken(fmt::format("is not an element of {}", type.name));
      }
      if (!element->choice.empty()) {
        for (const ElementDef* given : choices) {
          if (given->choice == element->choice && given != element) {
            return broken(fmt::format("only one of {}[x] may be given", element->choice));
          }
        }
        choices.push_back(element);
      }
      std::optional<std::string> found = sibling ? check_sibling(member.value(), *element)
                                                 : check_element(member.value(), *element);
      if (found) {
        return found;
      }
      steps_.pop_back();
    }
    return check_required(object, type);
  }

  std::optional<std::string> check_required(const boost::json::object& object,
                                            const TypeDef& type) {
    std::span<const ElementDef> elements = elements_of(type);
    for (const ElementDef& element : elements) {
      if ((element.flags & r4::kRequired) == 0) {
        continue;
      }
      if (element.choice.empty()) {
        if (!is_given(object, element.name)) {
          steps_.push_back(Step{element.name, std::nullopt});
          return broken("is required");
        }
        continue;
      }
      // Checked once per choice type, at its first form.
      if (&element != &*std::find_if(elements.begin(), elements.end(), [&](const ElementDef& e) {
            return e.choice == element.choice;
          })) {
        continue;
      }
      if (std::none_of(elements.begin(), elements.end(), [&](const ElementDef& form) {
            return form.choice == element.choice && is_given(object, form.name);
          })) {
        std::string name = fmt::format("{}[x]", element.choice);
        steps_.push_back(Step{name, std::nullopt});
        return broken("is required");
      }
    }
    return std::nullopt;
  }

  static bool is_given(const boost::json::object& object, std::string_view name) {
    return object.contains(name) || object.contains(fmt::format("_{}", name));
  }

  // `value` under an element: a list of values or one value, as the cardinality says.
  std::optional<std::string> check_element(const boost::json::value& value,
                                           const ElementDef& element) {
    const boost::json::array* list = value.if_array();
    if ((element.flags & r4::kMany) == 0) {
      if (list != nullptr) {
        return broken("must be a single value, not a list");
      }
      return check_value(value, element);
    }
    if (list == nullptr) {
      return broken("must be a list");
    }
    if (list->empty()) {
      return broken(kEmptyList);
    }
    const bool primitive = is_primitive(type_of(element).kind);
    for (size_t index = 0; index < list->size(); ++index) {
      // In a list of primitives, null holds the place of a value given only by its extensions.
      if (primitive && (*list)[index].is_null()) {
        continue;
      }
      steps_.push_back(Step{{}, index});
      if (std::optional<std::string> found = check_value((*list)[index], element)) {
        return found;
      }
      steps_.pop_back();
    }
    return std::nullopt;
  }

  std::optional<std::string> check_value(const boost::json::value& value,
                                         const ElementDef& element) {
    const TypeDef& type = type_of(element);
    if (is_primitive(type.kind)) {
      if (const char* rule = primitive_violation(value, type.kind)) {
        return broken(rule);
      }
      if (element.value_set != r4::kNoValueSet &&
          !in_value_set(element.value_set, *json_string(value))) {
        return broken(
            fmt::format("must be a code of {}", r4::kValueSetDefs[element.value_set].url));
      }
      return std::nullopt;
    }
    const boost::json::object* object = value.if_object();
    if (object == nullptr) {
      return broken(type.kind == TypeKind::kAnyResource
                        ? std::string("must be a resource object")
                        : fmt::format("must be a {} object", type.name));
    }
    if (type.kind == TypeKind::kAnyResource) {
      return check_resource(*object);
    }
    return check_object(*object, type);
  }

  // `_name`: the primitive's id and extensions, an Element; a list of them (or null) for a list.
  std::optional<std::string> check_sibling(const boost::json::value& value,
                                           const ElementDef& element) {
    const TypeDef* element_type = find_type("Element");
    const boost::json::array* list = value.if_array();
    if ((element.flags & r4::kMany) == 0) {
      if (!value.is_object()) {
        return broken("must be an Element object");
      }
      return check_object(value.get_object(), *element_type);
    }
    if (list == nullptr) {
      return broken("must be a list");
    }
    if (list->empty()) {
      return broken(kEmptyList);
    }
    for (size_t index = 0; index < list->size(); ++index) {
      const boost::json::value& item = (*list)[index];
      if (item.is_null()) {
        continue;
      }
      steps_.push_back(Step{{}, index});
      if (!item.is_object()) {
        return broken("must be an Element object or null");
      }
      if (std::optional<std::string> found = check_object(item.get_object(), *element_type)) {
        return found;
      }
      steps_.pop_back();
    }
    return std::nullopt;
  }

  std::string broken(std::string_view rule) const {
    std::string path(root_);
    for (const Step& step : steps_) {
      if (step.index) {
        path += fmt::format("[{}]", *step.index);
      } else {
        if (!path.empty()) {
          path += '.';
        }
        path += step.key;
      }
    }
    return fmt::format("{}: {}", path, rule);
  }

  std::string_view root_;
  std::vector<Step> steps_;
};

}  // namespace

Result<void> validate_structure(const boost::json::object& resource) {
  if (std::optional<std::string> found = StructureCheck().check_resource(resource)) {
    return fail(ErrorCode::kInvalidInput, std::move(*found));
  }
  return {};
}

bool has_structure_definition(std::string_view type) {
  const TypeDef* found = find_type(type);
  return found != nullptr && found->kind == TypeKind::kResource;
}

boost::json::object subset_elements(const boost::json::object& resource,
                                    const std::vector<std::string>& elements) {
  const boost::json::value* type_name = resource.if_contains("resourceType");
  const TypeDef* type = type_name != nullptr && type_name->is_string()
                            ? find_type(std::string_view(type_name->get_string()))
                            : nullptr;
  boost::json::object subset;
  for (const auto& member : resource) {
    const std::string_view key = member.key();
    const std::string_view name = key.starts_with('_') ? key.substr(1) : key;
    bool keep = name == "resourceType" || name == "id" || name == "meta";
    if (!keep && type != nullptr && type->kind == TypeKind::kResource) {
      if (const ElementDef* element = find_element(*type, name); element != nullptr) {
        const std::string_view base = element->choice.empty() ? element->name : element->choice;
        // A required choice type is flagged on one of its forms: any form given keeps it.
        const std::span<const ElementDef> all = elements_of(*type);
        const bool required =
            (element->flags & r4::kRequired) != 0 ||
            (!element->choice.empty() &&
             std::any_of(all.begin(), all.end(), [&](const ElementDef& form) {
               return form.choice == element->choice && (form.flags & r4::kRequired) != 0;
             }));
        keep = required || std::find(elements.begin(), elements.end(), base) != elements.end();
      }
    }
    if (keep) {
      subset.emplace(key, member.value());
    }
  }
  boost::json::value& meta = subset["meta"];
  if (!meta.is_object()) {
    meta = boost::json::object{};
  }
  boost::json::value& tags = meta.as_object()["tag"];
  if (!tags.is_array()) {
    tags = boost::json::array{};
  }
  tags.as_array().push_back(
      boost::json::object{{"system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"},
                          {"code", "SUBSETTED"},
                          {"display", "subsetted"}});
  return subset;
}

}  // namespace vigie::fhir
