#include "fhir/json.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <type_traits>

#include <fmt/format.h>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

namespace vigie::fhir {

namespace {

// The first byte of a number kept as text (see json.hpp): never part of UTF-8 text.
constexpr char kNumberMarker = '\xFF';

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259's number grammar, which is also FHIR's decimal grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_number_grammar(std::string_view text) {
  size_t position = 0;
  auto digits = [&] {
    const size_t first = position;
    while (position < text.size() && is_digit(text[position])) {
      ++position;
    }
    return position > first;
  };
  if (position < text.size() && text[position] == '-') {
    ++position;
  }
  if (position < text.size() && text[position] == '0') {
    ++position;
  } else if (!digits()) {
    return false;
  }
  if (position < text.size() && text[position] == '.') {
    ++position;
    if (!digits()) {
      return false;
    }
  }
  if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
    ++position;
    if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
      ++position;
    }
    if (!digits()) {
      return false;
    }
  }
  return position == text.size();
}

// The exact text of a number kept as text; nullopt for any other string.
std::optional<std::string_view> kept_number_text(std::string_view text) {
  if (text.empty() || text.front() != kNumberMarker) {
    return std::nullopt;
  }
  std::string_view number = text.substr(1);
  return is_number_grammar(number) ? std::optional<std::string_view>(number) : std::nullopt;
}

// Serialisation is written here rather than left to boost::json::serialize, which prints every
// double in exponent form (5.4 as 5.4E0): FHIR decimals read better as the shortest round-trip
// form ("5.4", "178.69452709041775", "5.0").

void append_string(std::string_view text, std::string& out) {
  out += '"';
  // Runs of characters that need no escape are appended whole: most text has no escape at all.
  static constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> table{};
    for (size_t c = 0; c < 0x20; ++c) {
      table[c] = true;
    }
    table['"'] = true;
    table['\\'] = true;
    return table;
  }();
  const auto needs_escape = [](char c) { return kNeedsEscape[static_cast<unsigned char>(c)]; };
  size_t run = 0;
  for (size_t index = 0; index < text.size(); ++index) {
    const char c = text[index];
    if (!needs_escape(c)) {
      continue;
    }
    out.append(text.substr(run, index - run));
    run = index + 1;
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
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  out.append(text.substr(run));
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

// Appends how a native number is written; false, with nothing appended, for any other kind.
bool append_native_number(const boost::json::value& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::int64:
      fmt::format_to(std::back_inserter(out), "{}", value.get_int64());
      return true;
    case boost::json::kind::uint64:
      fmt::format_to(std::back_inserter(out), "{}", value.get_uint64());
      return true;
    case boost::json::kind::double_:
      append_double(value.get_double(), out);
      return true;
    default:
      return false;
  }
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
      if (std::optional<std::string_view> number = kept_number_text(value.get_string())) {
        out += *number;
      } else {
        append_string(value.get_string(), out);
      }
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      append_native_number(value, out);
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::null:
      out += "null";
      return;
  }
}

// The events of boost::json::basic_parser, building the value as boost::json::parser does (on a
// value_stack), except that each number is kept as json.hpp says. The parser hands over each
// number's text: in parts (on_number_part) when the input arrives in pieces, then the rest with
// its native value (on_int64, on_uint64, on_double).
class ExactNumberHandler {
 public:
  static constexpr size_t max_object_size = boost::json::object::max_size();
  static constexpr size_t max_array_size = boost::json::array::max_size();
  static constexpr size_t max_key_size = boost::json::string::max_size();
  static constexpr size_t max_string_size = boost::json::string::max_size();

  ExactNumberHandler() { stack_.reset(); }

  bool on_document_begin(boost::json::error_code& /*error*/) { return true; }
  bool on_document_end(boost::json::error_code& /*error*/) { return true; }
  bool on_object_begin(boost::json::error_code& /*error*/) { return true; }
  bool on_object_end(size_t size, boost::json::error_code& /*error*/) {
    stack_.push_object(size);
    return true;
  }
  bool on_array_begin(boost::json::error_code& /*error*/) { return true; }
  bool on_array_end(size_t size, boost::json::error_code& /*error*/) {
    stack_.push_array(size);
    return true;
  }
  bool on_key_part(boost::json::string_view part, size_t /*size*/,
                   boost::json::error_code& /*error*/) {
    stack_.push_chars(part);
    return true;
  }
  bool on_key(boost::json::string_view rest, size_t /*size*/, boost::json::error_code& /*error*/) {
    stack_.push_key(rest);
    return true;
  }
  bool on_string_part(boost::json::string_view part, size_t /*size*/,
                      boost::json::error_code& /*error*/) {
    stack_.push_chars(part);
    return true;
  }
  bool on_string(boost::json::string_view rest, size_t /*size*/,
                 boost::json::error_code& /*error*/) {
    stack_.push_string(rest);
    return true;
  }
  bool on_number_part(boost::json::string_view part, boost::json::error_code& /*error*/) {
    number_text_.append(part.data(), part.size());
    return true;
  }
  bool on_int64(int64_t number, boost::json::string_view rest, boost::json::error_code& /*error*/) {
    push_number(number, rest);
    return true;
  }
  bool on_uint64(uint64_t number, boost::json::string_view rest,
                 boost::json::error_code& /*error*/) {
    push_number(number, rest);
    return true;
  }
  bool on_double(double number, boost::json::string_view rest, boost::json::error_code& /*error*/) {
    push_number(number, rest);
    return true;
  }
  bool on_bool(bool value, boost::json::error_code& /*error*/) {
    stack_.push_bool(value);
    return true;
  }
  bool on_null(boost::json::error_code& /*error*/) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view /*part*/, boost::json::error_code& /*error*/) {
    return true;
  }
  bool on_comment(boost::json::string_view /*rest*/, boost::json::error_code& /*error*/) {
    return true;
  }

  boost::json::value release() { return stack_.release(); }

 private:
  template <typename Native>
  void push_number(Native number, boost::json::string_view rest) {
    number_text_.append(rest.data(), rest.size());
    written_.clear();
    append_native_number(boost::json::value(number), written_);
    if (written_ != number_text_) {
      stack_.push_chars(boost::json::string_view(&kNumberMarker, 1));
      stack_.push_string(number_text_);
    } else if constexpr (std::is_same_v<Native, int64_t>) {
      stack_.push_int64(number);
    } else if constexpr (std::is_same_v<Native, uint64_t>) {
      stack_.push_uint64(number);
    } else {
      stack_.push_double(number);
    }
    number_text_.clear();
  }

  boost::json::value_stack stack_;
  std::string number_text_;  // the current number's text so far
  std::string written_;      // how its native value would be written
};

}  // namespace

Result<boost::json::value> parse_json(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(
        ErrorCode::kInvalidInput,
        fmt::format("JSON document is larger than the limit of {} bytes", limits.max_bytes));
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::json::basic_parser<ExactNumberHandler> parser(options);
  boost::system::error_code error;
  const size_t consumed = parser.write_some(false, text.data(), text.size(), error);
  if (!error && consumed < text.size()) {
    error = boost::json::error::extra_data;
  }
  if (error) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("invalid JSON at byte {}: {}", consumed, error.message()));
  }
  return parser.handler().release();
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

std::optional<boost::json::value> json_number(std::string_view text) {
  if (!is_number_grammar(text)) {
    return std::nullopt;
  }
  Result<boost::json::value> parsed = parse_json(text);
  return parsed ? std::optional<boost::json::value>(std::move(*parsed)) : std::nullopt;
}

std::optional<std::string> json_number_text(const boost::json::value& value) {
  std::string text;
  if (append_native_number(value, text)) {
    return text;
  }
  const boost::json::string* string = value.if_string();
  if (string == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string_view> number = kept_number_text(*string);
  return number ? std::optional<std::string>(*number) : std::nullopt;
}

bool is_json_number(const boost::json::value& value) {
  if (value.is_number()) {
    return true;
  }
  const boost::json::string* string = value.if_string();
  return string != nullptr && kept_number_text(*string).has_value();
}

const boost::json::string* json_string(const boost::json::value& value) {
  const boost::json::string* string = value.if_string();
  return string != nullptr && !kept_number_text(*string) ? string : nullptr;
}

std::optional<std::string_view> json_string_member(const boost::json::object& object,
                                                   std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  const boost::json::string* string = value != nullptr ? json_string(*value) : nullptr;
  if (string == nullptr) {
    return std::nullopt;
  }
  return std::string_view(*string);
}

std::string to_json_text(const boost::json::value& value) {
  std::string out;
  append_value(value, std::nullopt, out);
  return out;
}

std::string to_json_text(const boost::json::object& object) {
  std::string out;
  append_object(object, std::nullopt, out);
  return out;
}

std::string to_pretty_json_text(const boost::json::value& value) {
  std::string out;
  append_value(value, size_t{0}, out);
  return out;
}

std::string to_pretty_json_text(const boost::json::object& object) {
  std::string out;
  append_object(object, size_t{0}, out);
  return out;
}

Result<std::string> to_verified_json_text(const boost::json::object& object) {
  std::string text;
  append_object(object, std::nullopt, text);
  Result<boost::json::object> read_back = parse_json_object(text);
  if (!read_back) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("its JSON text would not read back ({})", read_back.error().message));
  }
  if (*read_back != object) {
    return fail(ErrorCode::kInvalidInput,
                "its JSON text would not read back the same (a value that JSON cannot hold)");
  }
  return text;
}

}  // namespace vigie::fhir
