#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"

namespace vigie::fhir {

// Validation of a resource against the structure of FHIR R4 (4.0.1), from the table that
// tools/r4-structure/generate.mjs makes of HL7's StructureDefinitions (r4_structure_table.inc).
// Walks the whole resource, contained resources and Bundle entries included, and refuses:
// - an element its type does not have (extensions go in `extension`/`modifierExtension`);
// - a primitive of the wrong JSON type (boolean, number, string) or, for integer, unsignedInt,
//   positiveInt, code, id, uri/url/canonical, oid, uuid, date, dateTime, instant, time and
//   base64Binary, outside the type's format and range; an empty string;
// - a list where the element holds one value, one value where it holds a list; an empty list or
//   object (R4's ele-1: an element has a value or children);
// - a missing element of minimum cardinality 1 (a primitive given only by its `_name` extension
//   sibling counts as given), and for a required choice type (`medication[x]`) none of its forms;
// - two forms of one choice type (valueQuantity and valueString);
// - a code outside the value set of a required binding, for the value sets of at most 64 codes
//   (generate.mjs; larger or open ones such as mime types, languages, currencies are not checked);
// - a contained resource of a type vigie does not accept.
// A primitive's extension sibling (`_birthDate`) is an Element: `id` and `extension` only.
// kInvalidInput naming the element's path ("Observation.code.coding[0].system: must be a uri")
// and the rule, never the value; an element name that is not a FHIR name is not echoed either.
[[nodiscard]] Result<void> validate_structure(const boost::json::object& resource);

// True when the table has the structure of resource type `type`.
[[nodiscard]] bool has_structure_definition(std::string_view type);

// A subset of `resource` (Bulk Data `_elements`, FHIR's search `_elements`): `resourceType`,
// `id`, `meta`, every element of minimum cardinality 1 (any form of a required choice type), and
// the top-level elements `elements` names ("name"; "value" keeps valueQuantity and the other
// forms), each with its `_name` extension sibling; `meta.tag` gains SUBSETTED
// (http://terminology.hl7.org/CodeSystem/v3-ObservationValue), so every subset stays a valid
// resource that says it is one. A type the table does not know keeps only the three first.
[[nodiscard]] boost::json::object subset_elements(const boost::json::object& resource,
                                                  const std::vector<std::string>& elements);

}  // namespace vigie::fhir
