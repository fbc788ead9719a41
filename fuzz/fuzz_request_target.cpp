// Untrusted request lines and headers of the HTTPS server: the target (path and query), the
// Authorization header, and the route lookup on the path. The input is "TARGET\nAUTHORIZATION".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/utf8.hpp"
#include "fuzz_invariant.hpp"
#include "http/message.hpp"
#include "http/request_target.hpp"
#include "http/router.hpp"

namespace {

using namespace vigie::http;
using vigie::fuzz::require;

bool is_utf8(std::string_view text) {
  return vigie::is_valid_utf8(
      std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// The server's patterns (http/fhir_api.cpp), as public routes: the lookup does not depend on the
// handler.
const Router& patterns() {
  static const Router router = [] {
    Router built;
    for (const char* pattern :
         {"/healthz", "/fhir", "/fhir/metadata", "/fhir/{type}", "/fhir/{type}/{id}",
          "/fhir/{type}/{id}/_history", "/fhir/{type}/{id}/_history/{version}"}) {
      built.add_public(Method::kGet, pattern, [](const Request&) { return Response{}; });
    }
    return built;
  }();
  return router;
}

void check_target(std::string_view text) {
  auto target = parse_target(text);
  if (!target) {
    require(target.error().code == vigie::ErrorCode::kUsage, "a bad target is a usage error");
    // One of the fixed rules, never a piece of the input.
    const std::string& message = target.error().message;
    constexpr std::string_view kPrefix = "invalid request target: ";
    require(message.starts_with(kPrefix), "the message names a request target");
    const std::string_view rule = std::string_view(message).substr(kPrefix.size());
    require(rule == "it must start with \"/\"" || rule == "control character or space" ||
                rule == "a fragment (#) is not allowed" || rule == "malformed %XX escape" ||
                rule == "encoded NUL byte (%00)" || rule == "decoded text is not UTF-8" ||
                rule == "parameter without a name" || rule == "more than 64 parameters",
            "the message is a fixed rule, never the input");
    return;
  }
  require(text.starts_with(target->path), "the path is the target's beginning");
  require(target->query.size() <= kMaxQueryParameters, "the parameters are bounded");
  for (const auto& [name, value] : target->query) {
    require(!name.empty(), "every parameter has a name");
    require(is_utf8(name) && is_utf8(value), "names and values are UTF-8");
    require(name.find('\0') == std::string::npos && value.find('\0') == std::string::npos,
            "no NUL is decoded");
  }
  auto found = patterns().find(Method::kGet, target->path);
  if (auto* match = std::get_if<Router::Match>(&found)) {
    require(!match->parameters["type"].empty() ||
                match->route->pattern.find("{type}") == std::string::npos,
            "a placeholder matches a non-empty segment");
  } else {
    const int status = std::get<Router::Miss>(found).response.status;
    require(status == 404 || status == 400 || status == 405, "a miss is 400, 404 or 405");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  check_target(input.substr(0, newline));
  if (newline != std::string_view::npos) {
    const std::string_view authorization = input.substr(newline + 1);
    if (auto bearer = bearer_of(authorization)) {
      require(!bearer->empty() && authorization.ends_with(*bearer),
              "the bearer is the header's end");
      require(bearer->find(' ') == std::string_view::npos, "the bearer holds no space");
    }
  }
  return 0;
}
