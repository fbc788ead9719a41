#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "fhir/search.hpp"

// lifecycle/: the parameters of a FHIR Bulk Data Access 2.0 $export kick-off (HL7 Bulk Data IG
// v2.0.0, export.html), parsed from what a client sent and nothing else: no vault, no principal.

namespace vigie::lifecycle {

// Where an export reaches: every resource of the types ([base]/$export), the patients'
// compartments ([base]/Patient/$export), or the compartments of a Group's member patients
// ([base]/Group/[id]/$export).
enum class ExportLevel { kSystem, kPatient, kGroup };

struct ExportParameters {
  std::vector<std::string> types;   // _type, in the order given, without repeats; empty: every type
  std::optional<int64_t> since_ms;  // _since: resources last updated at or after it
  // _elements as given ("name", "Patient.birthDate"): top-level element names, each for every
  // type or for the one it names (see elements_for).
  std::vector<std::string> elements;
  // _typeFilter: each a search of one type (parsed by fhir::parse_search); a type's resources
  // are exported when they match any of its queries (OR), a type without a query whole.
  std::vector<fhir::SearchQuery> type_filters;
  // `patient` (Patient and Group level): the ids of the patients whose compartments are
  // exported, in the order given, without repeats; empty: no such restriction.
  std::vector<std::string> patients;
  // The parameters left out under `Prefer: handling=lenient` (their names only, never a value),
  // reported in the manifest's error[] as the specification asks.
  std::vector<std::string> ignored;
};

// The element names `elements` (ExportParameters::elements) keeps for resources of `type`, or
// nullopt when none concerns that type (its resources are exported whole).
[[nodiscard]] std::optional<std::vector<std::string>> elements_for(
    const std::vector<std::string>& elements, std::string_view type);

// The output formats vigie writes, all NDJSON (export.html#query-parameters).
[[nodiscard]] bool is_ndjson_format(std::string_view format);

// The patients one `patient` parameter list may name at most.
inline constexpr size_t kMaxPatientParameters = 1000;

// Parses the kick-off's parameters (URL-decoded name/value pairs, the query of a GET or the
// Parameters body of a POST, see parameters_of_body): `_type` (comma-separated FHIR R4 resource
// types, repeatable), `_since` (a FHIR instant; once), `_outputFormat` (application/fhir+ndjson,
// application/ndjson or ndjson; once), `_elements` (comma-separated `name` or `Type.name`, a
// known type and a name of letters; repeatable), `_typeFilter` (comma-separated `Type?query`,
// each query form-encoded and parsed by fhir::parse_search without _include, _revinclude, _sort,
// _count, _offset; repeatable; at most kMaxSearchValues queries; a comma starts a new query only
// when a resource type and `?` follow it), `patient` (a `Patient/id` reference; repeatable; not
// at system level; at most kMaxPatientParameters). `includeAssociatedData` is known but vigie
// honours none of its values (it keeps no Provenance beyond what it exports), so it is refused
// or, lenient, left out. Any other parameter, a value that is not one of these, an unknown
// resource type, more than fhir's bound of values: kUsage with a fixed message naming the
// parameter (for a _typeFilter query, the search parameter's name), never its value; with
// `lenient`, the parameter (or one unknown type of `_type`, or one _typeFilter query) is left out
// instead and named in `ignored`. Refused even with `lenient`, since the client would get another
// export than the one it asked for (more data, never less): a malformed `_since`, a repeated
// parameter, a _typeFilter query of a type `_type` leaves out, and a type whose every _typeFilter
// query was left out.
[[nodiscard]] Result<ExportParameters> parse_export_parameters(
    const std::vector<std::pair<std::string, std::string>>& parameters, bool lenient,
    ExportLevel level = ExportLevel::kSystem);

// The name/value pairs of a POST kick-off's body, a FHIR Parameters resource: each
// `parameter[]` with a `name` and one of valueString, valueInstant, valueDateTime, valueCode,
// valueBoolean (as "true"/"false"), or valueReference (its `reference`). kUsage for another
// resource, a parameter without a name or value, or a value of another type.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> parameters_of_body(
    const boost::json::object& body);

// What a Prefer header asks (RFC 7240: comma-separated preferences, case-insensitive tokens).
struct ExportPreferences {
  bool respond_async = false;
  bool lenient = false;  // handling=lenient
};
[[nodiscard]] ExportPreferences parse_prefer(std::string_view header);

}  // namespace vigie::lifecycle
