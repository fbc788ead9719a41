#include "access/scope.hpp"

#include <algorithm>
#include <array>

#include "fhir/resource_types.hpp"

namespace vigie::access {

namespace {

constexpr std::string_view kLetters = "cruds";

constexpr std::array<std::string_view, 3> kContextNames = {"patient", "user", "system"};

// SMART v1 permissions and their v2 letters (SMART App Launch 2, "Scopes for requesting clinical
// data": v1 read = rs, write = cud, * = cruds).
struct Version1 {
  std::string_view name;
  std::string_view letters;
};
constexpr std::array<Version1, 3> kVersion1 = {Version1{"read", "rs"}, Version1{"write", "cud"},
                                               Version1{"*", "cruds"}};

}  // namespace

Result<Scope> parse_scope(std::string_view text) {
  const size_t slash = text.find('/');
  const size_t dot = text.find('.', slash == std::string_view::npos ? 0 : slash);
  if (slash == std::string_view::npos || dot == std::string_view::npos) {
    return fail(ErrorCode::kUsage, "a scope has the form context/type.permissions");
  }
  Scope scope;
  const std::string_view context = text.substr(0, slash);
  if (context == "patient") {
    scope.context = ScopeContext::kPatient;
  } else if (context == "user") {
    scope.context = ScopeContext::kUser;
  } else if (context == "system") {
    scope.context = ScopeContext::kSystem;
  } else {
    return fail(ErrorCode::kUsage, "a scope's context is patient, user or system");
  }
  const std::string_view type = text.substr(slash + 1, dot - slash - 1);
  if (type != "*" && !fhir::is_known_resource_type(type)) {
    return fail(ErrorCode::kUsage, "a scope's type is * or a FHIR R4 resource type");
  }
  scope.resource_type = std::string(type);
  std::string_view letters = text.substr(dot + 1);
  if (const auto v1 = std::ranges::find(kVersion1, letters, &Version1::name);
      v1 != kVersion1.end()) {
    letters = v1->letters;
  }
  if (letters.find('?') != std::string_view::npos) {
    return fail(ErrorCode::kUsage, "scope query parameters are not supported");
  }
  size_t next = 0;  // letters must follow kLetters' order, so each one is searched after the last
  for (char letter : letters) {
    const size_t position = kLetters.find(letter, next);
    if (position == std::string_view::npos) {
      return fail(ErrorCode::kUsage,
                  "a scope's permissions are letters of cruds, in that order, without repeats");
    }
    scope.permissions |= static_cast<Permissions>(1U << position);
    next = position + 1;
  }
  if (scope.permissions == 0) {
    return fail(ErrorCode::kUsage,
                "a scope's permissions are letters of cruds, in that order, without repeats");
  }
  return scope;
}

std::string to_string(const Scope& scope) {
  std::string text(kContextNames[static_cast<size_t>(scope.context)]);
  text += '/';
  text += scope.resource_type;
  text += '.';
  for (size_t position = 0; position < kLetters.size(); ++position) {
    if ((scope.permissions & (1U << position)) != 0) {
      text += kLetters[position];
    }
  }
  return text;
}

Permissions granted(std::span<const Scope> scopes, ScopeContext context,
                    std::string_view resource_type) {
  Permissions letters = 0;
  for (const Scope& scope : scopes) {
    if (scope.context == context &&
        (scope.resource_type == "*" || scope.resource_type == resource_type)) {
      letters |= scope.permissions;
    }
  }
  return letters;
}

}  // namespace vigie::access
