#include "lifecycle/export_parameters.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

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

// The _typeFilter queries of one value: split at each comma that a resource type and `?` follow
// (a comma inside a query's value list stays in that query).
std::vector<std::string_view> split_type_filters(std::string_view value) {
  std::vector<std::string_view> queries;
  size_t start = 0;
  for (size_t comma = value.find(','); comma != std::string_view::npos;
       comma = value.find(',', comma + 1)) {
    const std::string_view after = value.substr(comma + 1);
    const size_t question = after.find('?');
    if (question != std::string_view::npos &&
        fhir::is_known_resource_type(after.substr(0, question))) {
      queries.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  queries.push_back(value.substr(start));
  return queries;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// One component of a _typeFilter query, its percent escapes decoded ('+' stays itself: a time
// zone offset). nullopt for a bad escape or an encoded NUL.
std::optional<std::string> percent_decoded(std::string_view text) {
  std::string decoded;
  for (size_t position = 0; position < text.size(); ++position) {
    if (text[position] != '%') {
      decoded.push_back(text[position]);
      continue;
    }
    if (position + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex_digit(text[position + 1]);
    const int low = hex_digit(text[position + 2]);
    if (high < 0 || low < 0 || (high == 0 && low == 0)) {
      return std::nullopt;
    }
    decoded.push_back(static_cast<char>(high * 16 + low));
    position += 2;
  }
  return decoded;
}

// A search parameter name as a refusal may show it: letters, digits, '_', '-', '.', at most 64
// characters; anything else is "(unnamed)".
std::string shown_search_name(std::string_view name) {
  const bool printable =
      !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
      });
  return printable ? std::string(name) : std::string("(unnamed)");
}

// One _typeFilter query (`Type?name=value&...`) as a search of that type, or a refusal naming
// the search parameter at fault (never a value).
Result<fhir::SearchQuery> parse_type_filter(std::string_view text) {
  const size_t question = text.find('?');
  const std::string_view type =
      question == std::string_view::npos ? std::string_view() : text.substr(0, question);
  if (!fhir::is_known_resource_type(type)) {
    return fail(ErrorCode::kUsage,
                "_typeFilter : une requête s'écrit Type?paramètres, d'un type de ressource connu",
                "_typeFilter: a query is Type?parameters, of a known resource type");
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string_view rest = text.substr(question + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t equals = pair.find('=');
    auto name = percent_decoded(pair.substr(0, equals));
    auto value = percent_decoded(equals == std::string_view::npos ? std::string_view()
                                                                  : pair.substr(equals + 1));
    if (!name || !value) {
      return fail(ErrorCode::kUsage, "_typeFilter : un échappement % est invalide",
                  "_typeFilter: a % escape is invalid");
    }
    const std::string bare = name->substr(0, name->find(':'));
    constexpr std::string_view kResultParameters[] = {"_include", "_revinclude", "_sort", "_count",
                                                      "_offset"};
    if (std::ranges::find(kResultParameters, bare) != std::end(kResultParameters)) {
      return fail(ErrorCode::kUsage,
                  fmt::format("_typeFilter : {} règle la réponse d'une recherche, il n'est pas "
                              "accepté dans un filtre",
                              bare),
                  fmt::format("_typeFilter: {} shapes a search's response and is not accepted "
                              "in a filter",
                              bare));
    }
    const std::vector<std::string_view> supported = fhir::search_parameters_of(type);
    if (std::ranges::find(supported, bare) == supported.end()) {
      const std::string shown = shown_search_name(bare);
      return fail(
          ErrorCode::kUsage,
          fmt::format("_typeFilter : le paramètre de recherche {} n'est pas pris en charge pour {}",
                      shown, type),
          fmt::format("_typeFilter: search parameter {} is not supported for {}", shown, type));
    }
    pairs.emplace_back(std::move(*name), std::move(*value));
    if (amp == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(amp + 1);
  }
  auto query = fhir::parse_search(type, pairs);
  if (!query) {
    // A supported parameter with a value it cannot take (a modifier, a malformed date, a short
    // name): the search parser's message could quote the value, so a fixed one instead.
    return fail(
        ErrorCode::kUsage,
        fmt::format("_typeFilter : une valeur de recherche pour {} est mal formée ou non "
                    "prise en charge",
                    type),
        fmt::format("_typeFilter: a search value for {} is malformed or unsupported", type));
  }
  return query;
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
    const std::vector<std::pair<std::string, std::string>>& parameters, bool lenient,
    ExportLevel level) {
  ExportParameters parsed;
  size_t filter_values = 0;
  // The types a _typeFilter query was given for, kept or left out (lenient).
  std::vector<std::string> filtered_types;
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
    } else if (name == "_typeFilter") {
      for (const std::string_view text : split_type_filters(value)) {
        if (++filter_values > fhir::kMaxSearchValues) {
          return fail(ErrorCode::kUsage, "_typeFilter nomme trop de requêtes",
                      "_typeFilter names too many queries");
        }
        auto query = parse_type_filter(text);
        if (!query) {
          if (!lenient) {
            return tl::unexpected(query.error());
          }
          if (auto ignored = refuse_or_ignore(name); !ignored) {
            return tl::unexpected(ignored.error());
          }
          const size_t question = text.find('?');
          if (question != std::string_view::npos &&
              fhir::is_known_resource_type(text.substr(0, question)) &&
              std::ranges::find(filtered_types, text.substr(0, question)) == filtered_types.end()) {
            filtered_types.emplace_back(text.substr(0, question));
          }
          continue;
        }
        if (std::ranges::find(filtered_types, query->type) == filtered_types.end()) {
          filtered_types.push_back(query->type);
        }
        parsed.type_filters.push_back(std::move(*query));
      }
    } else if (name == "patient") {
      constexpr std::string_view kPrefix = "Patient/";
      const bool reference = std::string_view(value).starts_with(kPrefix) &&
                             fhir::is_valid_id(std::string_view(value).substr(kPrefix.size()));
      if (level == ExportLevel::kSystem || !reference) {
        if (auto ignored = refuse_or_ignore(name); !ignored) {
          return tl::unexpected(ignored.error());
        }
        continue;
      }
      std::string id = value.substr(kPrefix.size());
      if (std::ranges::find(parsed.patients, id) == parsed.patients.end()) {
        if (parsed.patients.size() == kMaxPatientParameters) {
          return fail(ErrorCode::kUsage, "patient nomme trop de patients",
                      "patient names too many patients");
        }
        parsed.patients.push_back(std::move(id));
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
  for (const fhir::SearchQuery& query : parsed.type_filters) {
    if (!parsed.types.empty() &&
        std::ranges::find(parsed.types, query.type) == parsed.types.end()) {
      return fail(ErrorCode::kUsage, "_typeFilter filtre un type que _type ne demande pas",
                  "_typeFilter filters a type that _type does not ask for");
    }
  }
  for (const std::string& type : filtered_types) {
    if (std::ranges::find(parsed.type_filters, type, &fhir::SearchQuery::type) ==
        parsed.type_filters.end()) {
      // Every query of that type was left out: exporting the type whole would give more.
      return fail(ErrorCode::kUsage, "_typeFilter ne laisse aucune requête utilisable pour un type",
                  "_typeFilter leaves no usable query for a type");
    }
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
    if (const boost::json::value* found = parameter->if_contains("valueReference");
        found != nullptr) {
      const boost::json::object* reference = found->if_object();
      const boost::json::value* text =
          reference != nullptr ? reference->if_contains("reference") : nullptr;
      if (text == nullptr || !text->is_string() || value) {
        return fail(ErrorCode::kUsage, "la valeur d'un paramètre n'est pas un texte unique",
                    "a parameter's value is not a single text");
      }
      value = std::string(text->get_string());
    }
    if (!value) {
      // A value of another type (a resource): vigie takes none, and
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
