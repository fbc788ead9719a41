#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"

// http/: what a route sees of a request and what it answers, independent of Beast, so that
// handlers are plain functions of the request and tests need no socket.

namespace vigie::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOther };

[[nodiscard]] std::string_view name_of(Method method);

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string path;       // the target's path, still percent-encoded
  QueryParameters query;  // decoded name/value pairs, in order
  std::string authorization;
  std::string content_type;
  std::string if_match;
  std::string prefer;
  std::string host;  // the Host header
  std::string user_agent;
  std::string cookie;      // the Cookie header: a browser's session (http/auth_api.hpp)
  std::string csrf_token;  // the X-CSRF-Token header
  std::string remote_address;
  std::string body;
  // The If-None-Exist header of a conditional create; nullopt when absent.
  std::optional<std::string> if_none_exist;
  std::string accept;  // the Accept header (a Bulk Data kick-off requires application/fhir+json)
};

struct Response {
  int status = 200;
  std::string content_type = "application/fhir+json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the access log only, never sent: the id of the credential the request presented.
  std::string principal_id;
};

// A JSON response of `status`.
[[nodiscard]] Response json_response(int status, const boost::json::object& body,
                                     std::string_view content_type = "application/fhir+json");

// The OperationOutcome of `error`, with the status its code maps to (http_status_for). The
// diagnostics say it in French, then English: the message is safe to show (no secret, no
// patient value).
[[nodiscard]] Response outcome_response(const Error& error);

// The same for a failure that has no ErrorCode of its own (405, 413, 415, 431): `issue_code` is a
// value of the R4 issue-type value set.
[[nodiscard]] Response outcome_response(int status, std::string_view issue_code,
                                        std::string_view french, std::string_view english);

// The media type of a Content-Type header, lowercase, without its parameters.
[[nodiscard]] std::string media_type_of(std::string_view content_type);

// Takes FHIR's `_format` out of `query`: nothing when it is absent or names JSON ("json",
// "application/json", "application/fhir+json"), a 415 OperationOutcome for any other format.
[[nodiscard]] std::optional<Response> take_format(QueryParameters& query);

// The bearer credential of an `Authorization: Bearer <secret>` header (scheme case-insensitive,
// RFC 6750's b64token characters), or nullopt when the header is absent or is not one.
[[nodiscard]] std::optional<std::string_view> bearer_of(std::string_view authorization);

}  // namespace vigie::http
