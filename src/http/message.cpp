#include "http/message.hpp"

#include <algorithm>
#include <cctype>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"

namespace vigie::http {

std::string_view name_of(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

Response json_response(int status, const boost::json::object& body, std::string_view content_type) {
  Response response;
  response.status = status;
  response.content_type = std::string(content_type);
  // Not boost::json::serialize: a number read from a resource is kept as its exact text
  // (fhir::parse_json), and only fhir::to_json_text writes it back as that number.
  response.body = fhir::to_json_text(body);
  return response;
}

Response outcome_response(const Error& error) {
  Error shown = error;
  shown.message = to_display_text(error);
  return json_response(http_status_for(error.code), fhir::make_operation_outcome(shown));
}

Response outcome_response(int status, std::string_view issue_code, std::string_view french,
                          std::string_view english) {
  return json_response(status, fhir::make_operation_outcome(
                                   issue_code, std::string(french) + " / " + std::string(english)));
}

std::optional<Response> take_format(QueryParameters& query) {
  std::optional<Response> refused;
  std::erase_if(query, [&refused](const auto& parameter) {
    if (parameter.first != "_format") {
      return false;
    }
    const std::string_view format = parameter.second;
    if (format != "json" && format != "application/json" && format != "application/fhir+json") {
      refused = outcome_response(415, "not-supported", "seul le format JSON est servi",
                                 "only the JSON format is served");
    }
    return true;
  });
  return refused;
}

namespace {

// RFC 6750 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding.
bool is_b64token(std::string_view text) {
  const size_t last = text.find_last_not_of('=');
  if (last == std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(last + 1),
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                              c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
                     });
}

}  // namespace

std::optional<std::string_view> bearer_of(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  if (!is_b64token(token)) {
    return std::nullopt;
  }
  return token;
}

std::string media_type_of(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') {
    type.remove_suffix(1);
  }
  std::string lower(type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

}  // namespace vigie::http
