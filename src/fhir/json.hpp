#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/error.hpp"

namespace vigie::fhir {

// Limits applied to every untrusted JSON document before it is parsed.
struct JsonLimits {
  // One document: a Bundle file, a request body, an NDJSON line.
  size_t max_bytes = size_t{32} * 1024 * 1024;
  size_t max_depth = 64;  // FHIR resources nest about 10 deep
};

// Parses one JSON document. kInvalidInput, with a message that gives the byte offset and the
// reason but never the document's content, when the text is larger than the limit, nests deeper
// than the limit, is not UTF-8-valid JSON, or has trailing content.
[[nodiscard]] Result<boost::json::value> parse_json(std::string_view text,
                                                    const JsonLimits& limits = {});

// Same as parse_json, and the top level must be an object.
[[nodiscard]] Result<boost::json::object> parse_json_object(std::string_view text,
                                                            const JsonLimits& limits = {});

// Compact serialisation.
[[nodiscard]] std::string to_json_text(const boost::json::value& value);
// Indented serialisation (2 spaces) for people reading the CLI's output.
[[nodiscard]] std::string to_pretty_json_text(const boost::json::value& value);

}  // namespace vigie::fhir
