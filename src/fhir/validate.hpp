#pragma once

#include <boost/json/object.hpp>

#include "common/error.hpp"

namespace vigie::fhir {

// Envelope validation of one resource, done fully before anything is written:
// - `resourceType` is a known R4 type;
// - `id`, when present, matches the id pattern;
// - the elements vigie indexes have the FHIR types it expects (identifier: array of objects
//   with string system/value; name: array of HumanName with string family, array-of-string
//   given; birthDate: a FHIR date; gender: male|female|other|unknown; subject/patient: an object
//   with a string reference; code: a CodeableConcept; status: a string; meta: an object);
// - identifiers with the INS-NIR or INS-NIA systems pass validate_nir;
// - every number, anywhere, is a decimal that a 64-bit float can hold (999906e00001595 is not);
//   under a whole-number choice element (valueInteger, ...PositiveInt, ...UnsignedInt) it is a
//   whole number in the type's 32-bit range; a numeric choice element (those and ...Decimal)
//   and the value of a Quantity (`quantity`, `valueQuantity`, ...) hold numbers, not strings.
//   Strings and numbers are told apart as json.hpp says: a number is never a string.
// Then the R4 structure: validate_structure (structure.hpp).
// kInvalidInput naming the element path and the rule (e.g. "Patient.identifier[1]: INS-NIR has
// an invalid control key"), never a value.
[[nodiscard]] Result<void> validate_resource(const boost::json::object& resource);

}  // namespace vigie::fhir
