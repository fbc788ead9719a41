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
// - identifiers with the INS-NIR or INS-NIA systems pass validate_nir.
// Then the R4 structure: validate_structure (structure.hpp), which also checks every number (a
// decimal a 64-bit float can hold, whole numbers of the right range, numbers never strings).
// kInvalidInput naming the element path and the rule (e.g. "Patient.identifier[1]: INS-NIR has
// an invalid control key"), never a value.
[[nodiscard]] Result<void> validate_resource(const boost::json::object& resource);

}  // namespace vigie::fhir
