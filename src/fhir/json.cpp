#include "fhir/json.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <boost/json/parser.hpp>

namespace vigie::fhir {

namespace {

// Serialisation is written here rather than left to boost::json::serialize, which prints every
// double in exponent form (5.4 as 5.4E0): FHIR decimals read better as the shortest round-trip
// form ("5.4", "178.69452709041775", "5.0").

void append_string(std::string_view text, std::string& out) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_double(double number, std::string& out) {
  if (!std::isfinite(number)) {
    out += "null";  // JSON has no NaN or infinity; the parser never produces them
    return;
  }
  std::string text = fmt::format("{}", number);
  // Keep a decimal a decimal: 5.0 prints as "5", which would read back as an integer.
  if (text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  out += text;
}

// `indent` is the depth for indented output, or nullopt for compact output.
void append_value(const boost::json::value& value, std::optional<size_t> indent, std::string& out);

void append_newline(std::optional<size_t> indent, std::string& out) {
  if (indent) {
    out += '\n';
    out.append(*indent * 2, ' ');
  }
}

std::optional<size_t> deeper(std::optional<size_t> indent) {
  return indent ? std::optional<size_t>(*indent + 1) : std::nullopt;
}

void append_object(const boost::json::object& object, std::optional<size_t> indent,
                   std::string& out) {
  if (object.empty()) {
    out += "{}";
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& member : object) {
    if (!first) {
      out += ',';
    }
    first = false;
    append_newline(deeper(indent), out);
    append_string(member.key(), out);
    out += indent ? ": " : ":";
    append_value(member.value(), deeper(indent), out);
  }
  append_newline(indent, out);
  out += '}';
}

void append_array(const boost::json::array& array, std::optional<size_t> indent, std::string& out) {
  if (array.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  bool first = true;
  for (const boost::json::value& element : array) {
    if (!first) {
      out += ',';
    }
    first = false;
    append_newline(deeper(indent), out);
    append_value(element, deeper(indent), out);
  }
  append_newline(indent, out);
  out += ']';
}

void append_value(const boost::json::value& value, std::optional<size_t> indent, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::object:
      append_object(value.get_object(), indent, out);
      return;
    case boost::json::kind::array:
      append_array(value.get_array(), indent, out);
      return;
    case boost::json::kind::string:
      append_string(value.get_string(), out);
      return;
    case boost::json::kind::int64:
      out += fmt::format("{}", value.get_int64());
      return;
    case boost::json::kind::uint64:
      out += fmt::format("{}", value.get_uint64());
      return;
    case boost::json::kind::double_:
      append_double(value.get_double(), out);
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::null:
      out += "null";
      return;
  }
}

}  // namespace

Result<boost::json::value> parse_json(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(
        ErrorCode::kInvalidInput,
        fmt::format("JSON document is larger than the limit of {} bytes", limits.max_bytes));
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::json::parser parser(boost::json::storage_ptr(), options);
  boost::system::error_code error;
  size_t consumed = parser.write(text.data(), text.size(), error);
  if (error) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("invalid JSON at byte {}: {}", consumed, error.message()));
  }
  return parser.release();
}

Result<boost::json::object> parse_json_object(std::string_view text, const JsonLimits& limits) {
  Result<boost::json::value> value = parse_json(text, limits);
  if (!value) {
    return tl::unexpected(std::move(value.error()));
  }
  if (!value->is_object()) {
    return fail(ErrorCode::kInvalidInput, "JSON document must be an object");
  }
  return std::move(value->as_object());
}

std::string to_json_text(const boost::json::value& value) {
  std::string out;
  append_value(value, std::nullopt, out);
  return out;
}

std::string to_pretty_json_text(const boost::json::value& value) {
  std::string out;
  append_value(value, size_t{0}, out);
  return out;
}

}  // namespace vigie::fhir
