#include "http/request_target.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>

#include "common/percent.hpp"
#include "common/utf8.hpp"

namespace vigie::http {

namespace {

tl::unexpected<Error> bad_target(std::string_view french, std::string_view english) {
  return fail(ErrorCode::kUsage, "cible de requête invalide : " + std::string(french),
              "invalid request target: " + std::string(english));
}

// Control characters and spaces are never part of a target or a form body: they are sent encoded.
bool has_raw_control_or_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::optional<std::string> decoded = decode_percent_escapes(text, plus_is_space);
  if (!decoded) {
    return bad_target("séquence %XX incorrecte", "malformed %XX escape");
  }
  if (decoded->find('\0') != std::string::npos) {
    return bad_target("octet nul encodé (%00)", "encoded NUL byte (%00)");
  }
  if (!is_valid_utf8(
          std::span(reinterpret_cast<const uint8_t*>(decoded->data()), decoded->size()))) {
    return bad_target("texte décodé qui n'est pas de l'UTF-8", "decoded text is not UTF-8");
  }
  return std::move(*decoded);
}

Result<QueryParameters> parse_query(std::string_view query) {
  if (has_raw_control_or_space(query)) {
    return bad_target("caractère de contrôle ou espace", "control character or space");
  }
  QueryParameters parameters;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    if (parameters.size() == kMaxQueryParameters) {
      return bad_target("plus de " + std::to_string(kMaxQueryParameters) + " paramètres",
                        "more than " + std::to_string(kMaxQueryParameters) + " parameters");
    }
    const size_t equals = pair.find('=');
    auto name = percent_decode(pair.substr(0, equals), true);
    if (!name) {
      return tl::unexpected(name.error());
    }
    if (name->empty()) {
      return bad_target("paramètre sans nom", "parameter without a name");
    }
    auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), true);
    if (!value) {
      return tl::unexpected(value.error());
    }
    parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return parameters;
}

Result<RequestTarget> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return bad_target("elle doit commencer par « / »", "it must start with \"/\"");
  }
  if (has_raw_control_or_space(target)) {
    return bad_target("caractère de contrôle ou espace", "control character or space");
  }
  if (target.find('#') != std::string_view::npos) {
    return bad_target("fragment (#) interdit", "a fragment (#) is not allowed");
  }
  RequestTarget parsed;
  const size_t question = target.find('?');
  parsed.path = std::string(target.substr(0, question));
  if (question == std::string_view::npos) {
    return parsed;
  }
  auto query = parse_query(target.substr(question + 1));
  if (!query) {
    return tl::unexpected(query.error());
  }
  parsed.query = std::move(*query);
  return parsed;
}

}  // namespace vigie::http
