#include "http/router.hpp"

#include <algorithm>

#include "http/request_target.hpp"

namespace vigie::http {

std::string_view PathParameters::operator[](std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

namespace {

std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(std::min<size_t>(1, path.size()));  // the leading "/"
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      return segments;
    }
    path.remove_prefix(slash + 1);
  }
}

bool is_placeholder(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// The number of literal segments when `path` matches `pattern` (more is more specific), or
// nullopt. A placeholder matches one whole, non-empty segment.
std::optional<size_t> literal_match(const std::vector<std::string>& pattern,
                                    const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) {
    return std::nullopt;
  }
  size_t literals = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_placeholder(pattern[i])) {
      if (path[i].empty()) {
        return std::nullopt;
      }
    } else if (pattern[i] != path[i]) {
      return std::nullopt;
    } else {
      ++literals;
    }
  }
  return literals;
}

Response method_not_allowed(const std::vector<Method>& allowed) {
  Response response =
      outcome_response(405, "not-supported", "méthode non prise en charge pour cette adresse",
                       "method not supported for this path");
  std::string allow;
  for (const Method method : allowed) {
    allow += (allow.empty() ? "" : ", ") + std::string(name_of(method));
  }
  response.headers.emplace_back("Allow", allow);
  return response;
}

}  // namespace

void Router::add(Route route) {
  std::vector<std::string> segments;
  for (const std::string_view segment : segments_of(route.pattern)) {
    segments.emplace_back(segment);
  }
  pattern_segments_.push_back(std::move(segments));
  routes_.push_back(std::move(route));
}

void Router::add_public(Method method, std::string pattern, PublicHandler handler) {
  add(Route{method, std::move(pattern), Access::kPublic, std::move(handler), {}, {}, Lane::kRead});
}

void Router::add_sign_in(Method method, std::string pattern, SignInHandler handler) {
  add(Route{method, std::move(pattern), Access::kSignIn, {}, std::move(handler), {}, Lane::kRead});
}

void Router::add_authenticated(Method method, std::string pattern, GateHandler handler, Lane lane) {
  add(Route{method, std::move(pattern), Access::kAuthenticated, {}, {}, std::move(handler), lane});
}

std::variant<Router::Match, Router::Miss> Router::find(Method method, std::string_view path) const {
  if (path.size() > 1 && path.ends_with('/')) {
    path.remove_suffix(1);  // "/fhir/" is the base "/fhir", as clients that join paths write it
  }
  const std::vector<std::string_view> path_segments = segments_of(path);
  size_t best = routes_.size();
  size_t best_literals = 0;
  std::vector<Method> allowed;
  for (size_t index = 0; index < routes_.size(); ++index) {
    const std::optional<size_t> literals = literal_match(pattern_segments_[index], path_segments);
    if (!literals) {
      continue;
    }
    if (routes_[index].method != method) {
      allowed.push_back(routes_[index].method);
      continue;
    }
    if (best == routes_.size() || *literals > best_literals) {
      best = index;
      best_literals = *literals;
    }
  }
  if (best == routes_.size()) {
    if (!allowed.empty()) {
      return Miss{method_not_allowed(allowed)};
    }
    return Miss{outcome_response(Error{ErrorCode::kNotFound, "no such route"})};
  }
  Match match{&routes_[best], {}};
  const std::vector<std::string>& pattern = pattern_segments_[best];
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!is_placeholder(pattern[i])) {
      continue;
    }
    auto decoded = percent_decode(path_segments[i], false);
    if (!decoded) {
      return Miss{outcome_response(decoded.error())};
    }
    match.parameters.add(pattern[i].substr(1, pattern[i].size() - 2), std::move(*decoded));
  }
  return match;
}

std::string example_path(std::string_view pattern, std::string_view value) {
  std::string path;
  for (const std::string_view segment : segments_of(pattern)) {
    path += "/";
    path += is_placeholder(segment) ? value : segment;
  }
  return path;
}

}  // namespace vigie::http
