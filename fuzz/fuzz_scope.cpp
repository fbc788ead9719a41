// Untrusted SMART scopes: given to `vigie token create --scope` and, later, requested by clients.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "access/scope.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::access;
  using vigie::fuzz::require;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Result<Scope> scope = parse_scope(text);
  if (scope) {
    const std::string canonical = to_string(*scope);
    const bool version1 =
        text.ends_with(".read") || text.ends_with(".write") || text.ends_with(".*");
    require(version1 || canonical == text, "a v2 scope that parses is canonical");
    const vigie::Result<Scope> again = parse_scope(canonical);
    require(again && *again == *scope, "a scope's v2 form parses as the same scope");
    require(scope->permissions != 0 && scope->permissions < 32, "letters are a non-empty cruds");
    require(granted({&*scope, 1}, scope->context, scope->resource_type) == scope->permissions,
            "a scope grants its own letters on its own type");
  } else {
    require(scope.error().code == vigie::ErrorCode::kUsage, "a malformed scope is a usage error");
    const std::string& message = scope.error().message;
    require(message == "a scope has the form context/type.permissions" ||
                message == "a scope's context is patient, user or system" ||
                message == "a scope's type is * or a FHIR R4 resource type" ||
                message == "scope query parameters are not supported" ||
                message ==
                    "a scope's permissions are letters of cruds, in that order, without "
                    "repeats",
            "the message is a fixed rule, never the input");
  }
  return 0;
}
