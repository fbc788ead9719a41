#pragma once

#include <array>
#include <cstdint>
#include <string_view>

// The R4 structure table's row types. The rows themselves are generated into
// r4_structure_table.inc by tools/r4-structure/generate.mjs (see its header for how to regenerate)
// and read only by structure.cpp.

namespace vigie::fhir::r4 {

// How a value of a type is checked: one kind per primitive check, then the three structured kinds.
enum class TypeKind : uint8_t {
  kBoolean,
  kInteger,
  kUnsignedInt,
  kPositiveInt,
  kDecimal,
  kString,  // string and markdown
  kCode,
  kId,
  kUri,  // uri, url, canonical
  kOid,
  kUuid,
  kDate,
  kDateTime,
  kInstant,
  kTime,
  kBase64Binary,
  kXhtml,
  kComplex,      // a data type or a backbone element: an object of the type's elements
  kResource,     // a resource: the same, plus `resourceType`
  kAnyResource,  // "Resource" (contained, Bundle.entry.resource): a resource of any accepted type
};

// A type: a primitive, a data type ("HumanName"), a resource ("Observation") or a backbone element
// named by its path ("Observation.component"). Its elements are kElementDefs[first, first+count).
struct TypeDef {
  std::string_view name;
  TypeKind kind;
  uint32_t first;
  uint32_t count;
};

inline constexpr uint8_t kMany = 1;      // max > 1: a JSON array
inline constexpr uint8_t kRequired = 2;  // min >= 1
inline constexpr uint16_t kNoValueSet = UINT16_MAX;

// One element of a type, named as in JSON: choice types are expanded (valueQuantity, valueString,
// ... each with `choice` "value"). `type` indexes kTypeDefs, `value_set` kValueSetDefs.
struct ElementDef {
  std::string_view name;
  uint16_t type;
  uint16_t value_set;  // kNoValueSet: no required binding checked
  uint8_t flags;       // kMany, kRequired
  std::string_view choice;
};

// The codes of a required binding's value set: kCodes[first, first+count), sorted.
struct ValueSetDef {
  std::string_view url;
  uint32_t first;
  uint32_t count;
};

#include "fhir/r4_structure_table.inc"

}  // namespace vigie::fhir::r4
