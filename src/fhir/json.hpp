#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "common/error.hpp"

namespace vigie::fhir {

// Limits applied to every untrusted JSON document before it is parsed.
struct JsonLimits {
  // One document: a Bundle file, a request body, an NDJSON line.
  size_t max_bytes = size_t{32} * 1024 * 1024;
  size_t max_depth = 64;  // FHIR resources nest about 10 deep
};

// Numbers keep the text they were written with. Boost.JSON holds a number as a double or a 64-bit
// integer, and a double forgets how a decimal was written, while FHIR decimals are significant as
// written (a lab value of 1.50 is not 1.5). So parse_json keeps a number as a native Boost.JSON
// number only when to_json_text writes that native number back as the very same text ("2", "1.5",
// "5.0"); every other number ("1.50", "1e2", "-0", "999906e00001595") is kept as its exact text,
// in a string value that starts with the byte 0xFF. No UTF-8 text contains that byte, and
// parse_json refuses a string that is not UTF-8, so no string of a document is ever taken for a
// number. Read strings and numbers with json_string() and json_number_text(), never with
// boost::json::value::is_string(): to Boost.JSON a number kept as text is a string.

// Parses one JSON document, numbers kept as above. kInvalidInput, with a message that gives the
// byte offset and the reason but never the document's content, when the text is larger than the
// limit, nests deeper than the limit, is not UTF-8-valid JSON, or has trailing content.
[[nodiscard]] Result<boost::json::value> parse_json(std::string_view text,
                                                    const JsonLimits& limits = {});

// Same as parse_json, and the top level must be an object.
[[nodiscard]] Result<boost::json::object> parse_json_object(std::string_view text,
                                                            const JsonLimits& limits = {});

// The number value parse_json makes of `text`; nullopt when `text` is not exactly one JSON number
// (no sign "+", no leading zero, no surrounding space).
[[nodiscard]] std::optional<boost::json::value> json_number(std::string_view text);

// The text to_json_text writes for a number: the exact text of a number kept as text, or the
// written form of a native int64, uint64 or double. nullopt for any other value.
[[nodiscard]] std::optional<std::string> json_number_text(const boost::json::value& value);

// True for a number, native or kept as text.
[[nodiscard]] bool is_json_number(const boost::json::value& value);

// The string held by a string value; nullptr for a number kept as text and for other kinds.
[[nodiscard]] const boost::json::string* json_string(const boost::json::value& value);

// The string member `name` of `object` (json_string: a number kept as text is not one); nullopt
// when it is absent or not a string.
[[nodiscard]] std::optional<std::string_view> json_string_member(const boost::json::object& object,
                                                                 std::string_view name);

// Compact serialisation; numbers kept as text are written as they were read. The object
// overloads serialise in place: an object passed where a value is expected is copied first.
[[nodiscard]] std::string to_json_text(const boost::json::value& value);
[[nodiscard]] std::string to_json_text(const boost::json::object& object);
// Indented serialisation (2 spaces) for people reading the CLI's output.
[[nodiscard]] std::string to_pretty_json_text(const boost::json::value& value);
[[nodiscard]] std::string to_pretty_json_text(const boost::json::object& object);

// Compact serialisation of what is about to be stored, proven to read back: the text is parsed
// again with the default limits and must give back a value equal to `object`. kInvalidInput,
// naming no content, when it does not (a string built in code that is not UTF-8, a double that
// is not finite, nesting beyond the depth limit).
[[nodiscard]] Result<std::string> to_verified_json_text(const boost::json::object& object);

}  // namespace vigie::fhir
