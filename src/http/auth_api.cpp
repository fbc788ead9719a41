#include "http/auth_api.hpp"

#include <optional>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "auth/qr_code.hpp"
#include "fhir/json.hpp"

namespace vigie::http {

namespace {

namespace json = boost::json;
using fhir::json_string_member;

// A sign-in body holds a login, a password or code and a ticket: far less than this.
constexpr size_t kMaxSignInBody = 4096;

Response json_answer(const json::object& body) {
  return json_response(200, body, "application/json");
}

// The body of an /auth request: a JSON object of at most kMaxSignInBody bytes, sent as
// application/json; empty counts as {} when `may_be_empty`. A Response for anything else.
std::variant<json::object, Response> auth_body(const Request& request, bool may_be_empty) {
  if (may_be_empty && request.body.empty()) {
    return json::object{};
  }
  if (request.body.size() > kMaxSignInBody) {
    return outcome_response(413, "too-costly", "corps de requête trop grand",
                            "request body too large");
  }
  if (media_type_of(request.content_type) != "application/json") {
    return outcome_response(415, "not-supported", "le corps doit être en application/json",
                            "the body must be application/json");
  }
  auto parsed = fhir::parse_json_object(request.body);
  if (!parsed) {
    return outcome_response(
        Error{ErrorCode::kInvalidInput, parsed.error().message, parsed.error().french});
  }
  return std::move(*parsed);
}

Response missing_members(std::string_view names) {
  return outcome_response(400, "required",
                          fmt::format("champs requis (chaînes de caractères) : {}", names),
                          fmt::format("required members (strings): {}", names));
}

// Whether the session goes in a cookie ("session": "cookie") or back as a bearer token (absent,
// or "bearer"); a Response 400 for anything else.
std::variant<bool, Response> wants_cookie(const json::object& body) {
  const json::value* value = body.if_contains("session");
  if (value == nullptr) {
    return false;
  }
  if (value->is_string() && (value->get_string() == "cookie" || value->get_string() == "bearer")) {
    return value->get_string() == "cookie";
  }
  return outcome_response(400, "value", "« session » vaut \"cookie\" ou \"bearer\"",
                          "\"session\" is \"cookie\" or \"bearer\"");
}

std::string cookie_header(std::string_view value, int64_t max_age_seconds) {
  return fmt::format("{}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}", kSessionCookie,
                     value, max_age_seconds);
}

std::string_view next_step_of(const auth::IssuedSession& session) {
  if (session.password_change_required) {
    return "password";
  }
  return session.second_factor_missing ? "enrol" : "ready";
}

Response session_response(const auth::IssuedSession& session, bool as_cookie, int64_t now_ms) {
  const int64_t seconds = std::max<int64_t>(0, (session.expires_ms - now_ms) / 1000);
  json::object body{{"next", next_step_of(session)}, {"expires_in", seconds}};
  Response response;
  if (as_cookie) {
    body["csrf_token"] = csrf_token_of(session.secret);
    response = json_answer(body);
    response.headers.emplace_back("Set-Cookie", cookie_header(session.secret, seconds));
  } else {
    body["access_token"] = session.secret;
    body["token_type"] = "bearer";
    response = json_answer(body);
  }
  return response;
}

// A refused sign-in: 401 (or 429 during a back-off), one message whatever the reason.
Response sign_in_refusal(const Error& error) {
  Response response = outcome_response(error);
  if (response.status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigie\"");
  }
  return response;
}

void login(const SignInTickets& tickets, const Request& request, gate::Gate& gate, Reply reply) {
  auto body = auth_body(request, false);
  if (auto* refused = std::get_if<Response>(&body)) {
    reply(std::move(*refused));
    return;
  }
  const json::object& members = std::get<json::object>(body);
  const auto login_name = json_string_member(members, "login");
  const auto password = json_string_member(members, "password");
  if (!login_name || !password) {
    reply(missing_members("login, password"));
    return;
  }
  auto cookie = wants_cookie(members);
  if (auto* refused = std::get_if<Response>(&cookie)) {
    reply(std::move(*refused));
    return;
  }
  auth::LoginRequest login_request;
  login_request.login = std::string(*login_name);
  login_request.password = crypto::SecretString(*password);
  login_request.address = request.remote_address;
  if (const auto code = json_string_member(members, "code")) {
    // Both factors at once (a script's sign-in): one step.
    login_request.second_factor = crypto::SecretString(*code);
    auto session = gate.login(login_request, request.user_agent);
    reply(session ? session_response(*session, std::get<bool>(cookie), gate.clock().now_ms())
                  : sign_in_refusal(session.error()));
    return;
  }
  auto step = gate.login_password(login_request, request.user_agent);
  if (!step) {
    reply(sign_in_refusal(step.error()));
    return;
  }
  if (const auto* awaited = std::get_if<gate::Gate::SecondFactorAwaited>(&*step)) {
    reply(json_answer(
        {{"next", "otp"},
         {"ticket", tickets.issue(*awaited, request.remote_address, gate.clock().now_ms())},
         {"expires_in", kSignInTicketLifetimeMs / 1000}}));
    return;
  }
  reply(session_response(std::get<auth::IssuedSession>(*step), std::get<bool>(cookie),
                         gate.clock().now_ms()));
}

void second_factor(const SignInTickets& tickets, const Request& request, gate::Gate& gate,
                   Reply reply) {
  auto body = auth_body(request, false);
  if (auto* refused = std::get_if<Response>(&body)) {
    reply(std::move(*refused));
    return;
  }
  const json::object& members = std::get<json::object>(body);
  const auto ticket = json_string_member(members, "ticket");
  const auto code = json_string_member(members, "code");
  if (!ticket || !code) {
    reply(missing_members("ticket, code"));
    return;
  }
  auto cookie = wants_cookie(members);
  if (auto* refused = std::get_if<Response>(&cookie)) {
    reply(std::move(*refused));
    return;
  }
  auto awaited = tickets.redeem(*ticket, request.remote_address, gate.clock().now_ms());
  if (!awaited) {
    reply(sign_in_refusal(awaited.error()));
    return;
  }
  auth::LoginRequest login_request;
  login_request.login = std::move(awaited->login);
  login_request.second_factor = crypto::SecretString(*code);
  login_request.address = request.remote_address;
  login_request.password_checked_with = awaited->fingerprint;
  auto session = gate.login(login_request, request.user_agent);
  if (!session) {
    reply(sign_in_refusal(session.error()));
    return;
  }
  reply(session_response(*session, std::get<bool>(cookie), gate.clock().now_ms()));
}

// 204, and the cookie cleared when the request came with one.
Response no_content(const Request& request) {
  Response response;
  response.status = 204;
  if (!session_cookie_of(request.cookie).empty()) {
    response.headers.emplace_back("Set-Cookie", cookie_header("", 0));
  }
  return response;
}

void change_password(const Request& request, const PathParameters& /*path*/, gate::Gate& gate,
                     const gate::Principal& principal, Reply reply) {
  auto body = auth_body(request, false);
  if (auto* refused = std::get_if<Response>(&body)) {
    reply(std::move(*refused));
    return;
  }
  const json::object& members = std::get<json::object>(body);
  const auto current = json_string_member(members, "current");
  const auto replacement = json_string_member(members, "new");
  if (!current || !replacement) {
    reply(missing_members("current, new"));
    return;
  }
  auto changed = gate.change_password(principal, *current, *replacement);
  if (!changed) {
    reply(outcome_response(changed.error()));
    return;
  }
  Response response;
  response.status = 204;
  reply(std::move(response));
}

void enrol(const Request& request, const PathParameters& /*path*/, gate::Gate& gate,
           const gate::Principal& principal, Reply reply) {
  auto enrolment = gate.enrol_second_factor(principal);
  if (!enrolment) {
    reply(outcome_response(enrolment.error()));
    return;
  }
  auto svg = auth::render_qr_svg(enrolment->otpauth_uri.view());
  if (!svg) {
    reply(outcome_response(svg.error()));
    return;
  }
  json::array codes;
  for (const crypto::SecretString& code : enrolment->recovery_codes) {
    codes.emplace_back(code.view());
  }
  // The enrolment ended every session of the account, this one included.
  Response response = json_answer({{"otpauth_uri", enrolment->otpauth_uri.view()},
                                   {"qr_svg", std::move(*svg)},
                                   {"recovery_codes", std::move(codes)},
                                   {"next", "login"}});
  if (!session_cookie_of(request.cookie).empty()) {
    response.headers.emplace_back("Set-Cookie", cookie_header("", 0));
  }
  reply(std::move(response));
}

void logout(const Request& request, const PathParameters& /*path*/, gate::Gate& gate,
            const gate::Principal& principal, Reply reply) {
  auto ended = gate.logout(principal);
  reply(ended ? no_content(request) : outcome_response(ended.error()));
}

}  // namespace

void add_auth_routes(Router& router, const SignInTickets& tickets) {
  router.add_sign_in(Method::kPost, "/auth/login",
                     [&tickets](const Request& request, gate::Gate& gate, Reply reply) {
                       login(tickets, request, gate, std::move(reply));
                     });
  router.add_sign_in(Method::kPost, "/auth/otp",
                     [&tickets](const Request& request, gate::Gate& gate, Reply reply) {
                       second_factor(tickets, request, gate, std::move(reply));
                     });
  // Argon2id runs in both: on the sign-in pool, never on the writer that other writes wait for.
  router.add_authenticated(Method::kPost, "/auth/password", change_password, Lane::kSignIn);
  router.add_authenticated(Method::kPost, "/auth/enrol", enrol, Lane::kSignIn);
  router.add_authenticated(Method::kPost, "/auth/logout", logout, Lane::kWrite);
}

}  // namespace vigie::http
