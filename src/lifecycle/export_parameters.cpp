#include "lifecycle/export_parameters.hpp"

#include <algorithm>
#include <cctype>

#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"

namespace vigie::lifecycle {

namespace {

std::string lowercase_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

Error unsupported(std::string_view name) {
  return Error{ErrorCode::kUsage, "unsupported $export parameter or value: " + std::string(name),
               "paramètre ou valeur de $export non pris en charge : " + std::string(name)};
}

// The parameter names vigie knows, so that an error may name them; any other is "parameter".
std::string_view shown_name(std::string_view name) {
  constexpr std::string_view kKnown[] = {
      "_type",       "_since",  "_outputFormat",         "_elements",
      "_typeFilter", "patient", "includeAssociatedData", "_format"};
  for (const std::string_view known : kKnown) {
    if (known == name) {
      return known;
    }
  }
  return "parameter";
}

}  // namespace

std::optional<std::vector<std::string>> elements_for(const std::vector<std::string>& elements,
                                                     std::string_view type) {
  std::optional<std::vector<std::string>> kept;
  for (const std::string& element : elements) {
    const size_t dot = element.find('.');
    const bool applies =
        dot == std::string::npos || std::string_view(element).substr(0, dot) == type;
    if (!applies) {
      continue;
    }
    if (!kept) {
      kept.emplace();
    }
    kept->push_back(dot == std::string::npos ? element : element.substr(dot + 1));
  }
  return kept;
}

bool is_ndjson_format(std::string_view format) {
  return format == "application/fhir+ndjson" || format == "application/ndjson" ||
         format == "ndjson";
}

Result<ExportParameters> parse_export_parameters(
    const std::vector<std::pair<std::string, std::string>>& parameters, bool lenient) {
  ExportParameters parsed;
  bool seen_since = false;
  bool seen_format = false;
  size_t type_values = 0;
  size_t element_values = 0;
  // Refuses `name`, or with `lenient` leaves it out and reports it.
  auto refuse_or_ignore = [&](std::string_view name) -> Result<void> {
    if (!lenient) {
      return tl::unexpected(unsupported(shown_name(name)));
    }
    const std::string shown(shown_name(name));
    if (std::ranges::find(parsed.ignored, shown) == parsed.ignored.end()) {
      parsed.ignored.push_back(shown);
    }
    return {};
  };
  for (const auto& [name, value] : parameters) {
    if (name == "_type") {
      std::string_view rest = value;
      while (true) {
        const size_t comma = rest.find(',');
        const std::string_view type = rest.substr(0, comma);
        if (++type_values > fhir::kMaxSearchValues) {
          return fail(ErrorCode::kUsage, "_type nomme trop de types", "_type names too many types");
        }
        if (!fhir::is_known_resource_type(type)) {
          if (auto ignored = refuse_or_ignore("_type"); !ignored) {
            return tl::unexpected(ignored.error());
          }
        } else if (std::ranges::find(parsed.types, type) == parsed.types.end()) {
          parsed.types.emplace_back(type);
        }
        if (comma == std::string_view::npos) {
          break;
        }
        rest.remove_prefix(comma + 1);
      }
    } else if (name == "_since") {
      if (seen_since) {
        return fail(ErrorCode::kUsage, "_since est donné deux fois", "_since is given twice");
      }
      seen_since = true;
      auto interval = fhir::parse_date_interval(value);
      if (!interval) {
        return fail(ErrorCode::kUsage, "_since attend un instant FHIR",
                    "_since expects a FHIR instant");
      }
      parsed.since_ms = interval->first;
    } else if (name == "_elements") {
      std::string_view rest = value;
      while (true) {
        const size_t comma = rest.find(',');
        const std::string_view element = rest.substr(0, comma);
        if (++element_values > fhir::kMaxSearchValues) {
          return fail(ErrorCode::kUsage, "_elements nomme trop d'éléments",
                      "_elements names too many elements");
        }
        const size_t dot = element.find('.');
        const std::string_view type = dot == std::string_view::npos ? "" : element.substr(0, dot);
        const std::string_view leaf =
            dot == std::string_view::npos ? element : element.substr(dot + 1);
        const bool letters = !leaf.empty() && std::ranges::all_of(leaf, [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        });
        if (!letters || (dot != std::string_view::npos && !fhir::is_known_resource_type(type))) {
          if (auto ignored = refuse_or_ignore("_elements"); !ignored) {
            return tl::unexpected(ignored.error());
          }
        } else if (std::ranges::find(parsed.elements, element) == parsed.elements.end()) {
          parsed.elements.emplace_back(element);
        }
        if (comma == std::string_view::npos) {
          break;
        }
        rest.remove_prefix(comma + 1);
      }
    } else if (name == "_outputFormat") {
      if (seen_format) {
        return fail(ErrorCode::kUsage, "_outputFormat est donné deux fois",
                    "_outputFormat is given twice");
      }
      seen_format = true;
      if (!is_ndjson_format(value)) {
        if (auto ignored = refuse_or_ignore(name); !ignored) {
          return tl::unexpected(ignored.error());
        }
      }
    } else if (auto ignored = refuse_or_ignore(name); !ignored) {
      return tl::unexpected(ignored.error());
    }
  }
  if (lenient && parsed.types.empty() &&
      std::ranges::find(parsed.ignored, "_type") != parsed.ignored.end()) {
    // Every type named was unknown: exporting every type instead would give more than asked.
    return fail(ErrorCode::kUsage, "_type ne nomme aucun type de ressource connu",
                "_type names no known resource type");
  }
  return parsed;
}

Result<std::vector<std::pair<std::string, std::string>>> parameters_of_body(
    const boost::json::object& body) {
  const boost::json::value* type = body.if_contains("resourceType");
  if (type == nullptr || !type->is_string() || type->get_string() != "Parameters") {
    return fail(ErrorCode::kUsage, "le corps doit être une ressource Parameters",
                "the body must be a Parameters resource");
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  const boost::json::value* list = body.if_contains("parameter");
  if (list == nullptr) {
    return pairs;
  }
  if (!list->is_array()) {
    return fail(ErrorCode::kUsage, "Parameters.parameter doit être une liste",
                "Parameters.parameter must be a list");
  }
  for (const boost::json::value& item : list->get_array()) {
    const boost::json::object* parameter = item.if_object();
    const boost::json::value* name = parameter ? parameter->if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string()) {
      return fail(ErrorCode::kUsage, "un paramètre n'a pas de nom", "a parameter has no name");
    }
    std::optional<std::string> value;
    for (const std::string_view key :
         {"valueString", "valueInstant", "valueDateTime", "valueCode"}) {
      if (const boost::json::value* found = parameter->if_contains(key); found != nullptr) {
        if (!found->is_string() || value) {
          return fail(ErrorCode::kUsage, "la valeur d'un paramètre n'est pas un texte unique",
                      "a parameter's value is not a single text");
        }
        value = std::string(found->get_string());
      }
    }
    if (const boost::json::value* found = parameter->if_contains("valueBoolean");
        found != nullptr) {
      if (!found->is_bool() || value) {
        return fail(ErrorCode::kUsage, "la valeur d'un paramètre n'est pas un texte unique",
                    "a parameter's value is not a single text");
      }
      value = found->get_bool() ? "true" : "false";
    }
    if (!value) {
      // A value of another type (a reference for `patient`, a resource): vigie takes none, and
      // an empty text is what the parser then refuses (or leaves out when lenient).
      value = std::string();
    }
    pairs.emplace_back(std::string(name->get_string()), std::move(*value));
  }
  return pairs;
}

ExportPreferences parse_prefer(std::string_view header) {
  ExportPreferences preferences;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string token = lowercase_trimmed(header.substr(0, comma));
    if (token == "respond-async") {
      preferences.respond_async = true;
    } else if (token == "handling=lenient") {
      preferences.lenient = true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    header.remove_prefix(comma + 1);
  }
  return preferences;
}

}  // namespace vigie::lifecycle
