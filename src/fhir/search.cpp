#include "fhir/search.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fhir/date_time.hpp"
#include "fhir/json.hpp"
#include "fhir/name_prefixes.hpp"
#include "fhir/normalize.hpp"
#include "fhir/patient_reference.hpp"
#include "fhir/resource_profile.hpp"
#include "fhir/resource_types.hpp"

namespace vigie::fhir {

namespace {

constexpr size_t kMaxCount = 1000;
constexpr size_t kMaxOffsetDigits = 9;
constexpr size_t kMaxShownNameLength = 40;
constexpr size_t kMinPrefixCodePoints = 3;

// How the values of one search parameter are read.
enum class ParamKind {
  kIdentifier,  // token: "system|value", "value" or "system|"
  kCode,        // token: "system|code" or "code"
  kPlainCode,   // a bare code (gender, status)
  kString,      // folded, matched as a prefix
  kReference,   // a Patient, as "ID", "Patient/ID" or an absolute URL
  kBirthDate,   // YYYY, YYYY-MM or YYYY-MM-DD, eq only
  kGender,      // a code of AdministrativeGender
};

// The parameter name when it is safe and short enough to repeat in a message.
std::string shown_name(std::string_view name) {
  bool printable = !name.empty() && name.size() <= kMaxShownNameLength &&
                   std::all_of(name.begin(), name.end(), [](char c) {
                     return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
                   });
  return printable ? std::string(name) : std::string("(unnamed)");
}

std::optional<ParamKind> kind_of(std::string_view type, const ResourceProfile* profile,
                                 std::string_view name) {
  if (name == "identifier") {
    return ParamKind::kIdentifier;
  }
  if (has_person_name(type) && (name == "family" || name == "given" || name == "name")) {
    return ParamKind::kString;
  }
  if (type == "Patient" && name == "birthdate") {
    return ParamKind::kBirthDate;
  }
  if (type == "Patient" && name == "gender") {
    return ParamKind::kGender;
  }
  if (profile == nullptr) {
    return std::nullopt;
  }
  if (name == "patient" || (name == "subject" && profile->patient_link == "subject")) {
    return ParamKind::kReference;
  }
  if (name == "code" && !profile->code_element.empty()) {
    return ParamKind::kCode;
  }
  if (name == "status" && profile->has_status) {
    return ParamKind::kPlainCode;
  }
  return std::nullopt;
}

// The parameters parse_search accepts for `type`, for messages.
std::string accepted_parameters(std::string_view type) {
  return fmt::format("{}", fmt::join(search_parameters_of(type), ", "));
}

// Position of the first `separator` not escaped by a backslash, or npos.
size_t find_unescaped(std::string_view text, char separator) {
  for (size_t position = 0; position < text.size(); ++position) {
    if (text[position] == '\\') {
      ++position;
    } else if (text[position] == separator) {
      return position;
    }
  }
  return std::string_view::npos;
}

// Removes the FHIR search escapes \, \| \$ and \\.
std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t position = 0; position < text.size(); ++position) {
    char c = text[position];
    if (c == '\\' && position + 1 < text.size()) {
      char next = text[position + 1];
      if (next == ',' || next == '|' || next == '$' || next == '\\') {
        out.push_back(next);
        ++position;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

// Splits the value list of parameter `name` at unescaped commas; the pieces keep their escapes.
// kUsage beyond kMaxSearchValues pieces.
Result<std::vector<std::string_view>> split_list(std::string_view name, std::string_view value) {
  std::vector<std::string_view> pieces;
  while (true) {
    if (pieces.size() == kMaxSearchValues) {
      return fail(ErrorCode::kUsage,
                  fmt::format("search parameter {} has more than {} values in its list",
                              shown_name(name), kMaxSearchValues));
    }
    size_t comma = find_unescaped(value, ',');
    pieces.push_back(value.substr(0, comma));
    if (comma == std::string_view::npos) {
      return pieces;
    }
    value.remove_prefix(comma + 1);
  }
}

Result<std::string> parse_token(std::string_view param, std::string_view piece, bool system_only) {
  size_t bar = find_unescaped(piece, '|');
  if (bar == std::string_view::npos) {
    return unescape(piece);
  }
  std::string system = unescape(piece.substr(0, bar));
  std::string code = unescape(piece.substr(bar + 1));
  if (system.empty()) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: a value without a system (|value) is not supported", param));
  }
  if (code.empty() && !system_only) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: a system without a code is not supported", param));
  }
  return system + "|" + code;
}

Result<std::string> parse_plain_code(std::string_view param, std::string_view piece) {
  if (find_unescaped(piece, '|') != std::string_view::npos) {
    return fail(ErrorCode::kUsage, fmt::format("{} takes a code without a system", param));
  }
  return unescape(piece);
}

size_t code_points(std::string_view utf8) {
  return static_cast<size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// A name is found by a prefix of at least kMinPrefixCodePoints, or whole with :exact when it is
// shorter (the index holds such short names and words whole, see name_prefixes).
Result<std::string> parse_string(std::string_view param, std::string_view piece, bool exact) {
  std::string folded = fold_for_search(unescape(piece));
  if (folded.empty()) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} search needs at least one letter or digit", param));
  }
  const bool short_value = code_points(folded) < kMinPrefixCodePoints;
  if (short_value && !exact) {
    return fail(ErrorCode::kUsage,
                fmt::format("{0} : un début de nom compte au moins 3 lettres ou chiffres ; pour un "
                            "nom entier d'une ou deux lettres, cherchez {0}:exact=NOM",
                            param),
                fmt::format("{0}: a name prefix needs at least 3 letters or digits; for a whole "
                            "name of 1 or 2 letters, search {0}:exact=NAME",
                            param));
  }
  if (!short_value && exact) {
    return fail(ErrorCode::kUsage,
                fmt::format("{0}:exact ne sert qu'aux noms d'une ou deux lettres ; {0}=NOM trouve "
                            "les noms qui commencent par NOM",
                            param),
                fmt::format("{0}:exact is only for names of 1 or 2 letters; {0}=NAME finds the "
                            "names that start with NAME",
                            param));
  }
  return cut_to_prefix_limit(folded);
}

// The codes of the AdministrativeGender value set, the only values a gender search can match.
constexpr std::string_view kGenderCodes[] = {"male", "female", "other", "unknown"};

Result<std::string> parse_gender(std::string_view piece) {
  Result<std::string> code = parse_plain_code("gender", piece);
  if (!code) {
    return code;
  }
  if (std::find(std::begin(kGenderCodes), std::end(kGenderCodes), *code) ==
      std::end(kGenderCodes)) {
    return fail(ErrorCode::kUsage,
                "gender : ce n'est pas un code du jeu de valeurs ; utilisez male, female, other ou "
                "unknown",
                "gender: not a code of the value set; use male, female, other or unknown");
  }
  return code;
}

Result<std::string> parse_reference(std::string_view param, std::string_view piece) {
  std::string text = unescape(piece);
  if (is_valid_id(text)) {
    return "Patient/" + text;
  }
  if (std::optional<std::string> id = patient_id_from_reference(text)) {
    return "Patient/" + *id;
  }
  return fail(ErrorCode::kUsage,
              fmt::format("{} must be a Patient id or a Patient/ID reference", param));
}

bool starts_with_prefix(std::string_view piece) {
  return piece.size() >= 2 && piece[0] >= 'a' && piece[0] <= 'z' && piece[1] >= 'a' &&
         piece[1] <= 'z';
}

Result<std::string> parse_birth_date(std::string_view piece) {
  if (starts_with_prefix(piece)) {
    if (!piece.starts_with("eq")) {
      return fail(ErrorCode::kUsage, "birthdate supports only the eq prefix");
    }
    piece.remove_prefix(2);
  }
  std::optional<DateInterval> interval = read_date_interval(piece);
  if (!interval || interval->has_time) {
    return fail(ErrorCode::kUsage, "birthdate must be YYYY, YYYY-MM or YYYY-MM-DD");
  }
  return std::string(piece);
}

Result<std::string> parse_token_value(ParamKind kind, std::string_view param,
                                      std::string_view piece, bool exact) {
  switch (kind) {
    case ParamKind::kIdentifier:
      return parse_token(param, piece, true);
    case ParamKind::kCode:
      return parse_token(param, piece, false);
    case ParamKind::kPlainCode:
      return parse_plain_code(param, piece);
    case ParamKind::kString:
      return parse_string(param, piece, exact);
    case ParamKind::kReference:
      return parse_reference(param, piece);
    case ParamKind::kBirthDate:
      return parse_birth_date(piece);
    case ParamKind::kGender:
      return parse_gender(piece);
  }
  return fail(ErrorCode::kInternal, "unhandled search parameter kind");
}

// A date condition of parameter `param` (date or _lastUpdated): one value with an optional prefix.
Result<DateCondition> parse_date(std::string_view param, std::string_view value) {
  if (find_unescaped(value, ',') != std::string_view::npos) {
    return fail(
        ErrorCode::kUsage,
        fmt::format("{} takes one value per parameter; repeat the parameter to combine", param));
  }
  DateCondition condition;
  if (starts_with_prefix(value)) {
    static constexpr std::pair<std::string_view, DateComparator> kPrefixes[] = {
        {"eq", DateComparator::kEq}, {"ne", DateComparator::kNe}, {"gt", DateComparator::kGt},
        {"lt", DateComparator::kLt}, {"ge", DateComparator::kGe}, {"le", DateComparator::kLe},
        {"sa", DateComparator::kSa}, {"eb", DateComparator::kEb},
    };
    const auto* found =
        std::find_if(std::begin(kPrefixes), std::end(kPrefixes),
                     [&](const auto& entry) { return value.starts_with(entry.first); });
    if (found == std::end(kPrefixes)) {
      return fail(
          ErrorCode::kUsage,
          fmt::format("{} prefix is not supported (use eq, ne, gt, lt, ge, le, sa or eb)", param));
    }
    condition.comparator = found->second;
    value.remove_prefix(2);
  }
  std::optional<DateInterval> interval = read_date_interval(value);
  if (!interval) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} must be a FHIR date, dateTime or instant", param));
  }
  condition.begin_ms = interval->begin_ms;
  condition.end_ms = interval->end_ms;
  return condition;
}

// The reference search parameters of `type` that vigie indexes (each refers to a Patient).
std::vector<std::string_view> reference_parameters_of(std::string_view type) {
  std::vector<std::string_view> names;
  const ResourceProfile* profile = find_profile(type);
  for (std::string_view name : {"patient", "subject"}) {
    if (kind_of(type, profile, name) == ParamKind::kReference) {
      names.push_back(name);
    }
  }
  return names;
}

// _include=Source:param[:Patient] (reverse: _revinclude). The message never repeats the value.
Result<IncludeSpec> parse_include(std::string_view type, std::string_view name,
                                  std::string_view value) {
  const bool reverse = name == "_revinclude";
  std::vector<std::string_view> parts;
  while (true) {
    const size_t colon = value.find(':');
    parts.push_back(value.substr(0, colon));
    if (colon == std::string_view::npos) {
      break;
    }
    value.remove_prefix(colon + 1);
  }
  IncludeSpec spec{std::string(parts.front()),
                   parts.size() > 1 ? std::string(parts[1]) : std::string(), reverse};
  const std::vector<std::string> supported =
      reverse ? revinclude_sources_of(type) : include_targets_of(type);
  const bool target_ok = parts.size() == 2 || (parts.size() == 3 && parts[2] == "Patient");
  if (!target_ok || std::find(supported.begin(), supported.end(),
                              spec.source_type + ":" + spec.param) == supported.end()) {
    const std::string_view list = reverse ? "searchRevInclude" : "searchInclude";
    return fail(ErrorCode::kUsage,
                fmt::format("{} n'accepte pour {} que les valeurs que le CapabilityStatement "
                            "liste ({})",
                            name, type, list),
                fmt::format("{} accepts for {} only the values the CapabilityStatement lists ({})",
                            name, type, list));
  }
  return spec;
}

// A non-negative decimal number of at most `max_digits` digits.
std::optional<size_t> parse_unsigned(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) {
    return std::nullopt;
  }
  size_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    number = number * 10 + static_cast<size_t>(c - '0');
  }
  return number;
}

// Reads the parameters that apply to any type and appear once (_id, _count, _offset, _sort) into
// `query`.
Result<void> parse_control(std::string_view name, std::string_view value, SearchQuery& query,
                           std::vector<std::string_view>& seen) {
  if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
    return fail(ErrorCode::kUsage, fmt::format("{} may appear only once", name));
  }
  seen.push_back(name);
  if (name == "_id") {
    auto pieces = split_list(name, value);
    if (!pieces) {
      return tl::unexpected(std::move(pieces.error()));
    }
    for (std::string_view piece : *pieces) {
      std::string id = unescape(piece);
      if (!is_valid_id(id)) {
        return fail(ErrorCode::kUsage, "_id values must be resource ids");
      }
      query.ids.push_back(std::move(id));
    }
    return {};
  }
  if (name == "_sort") {
    if (value == "_lastUpdated" || value == "-_lastUpdated") {
      query.sort =
          value == "_lastUpdated" ? SortOrder::kLastUpdated : SortOrder::kLastUpdatedDescending;
      return {};
    }
    return fail(ErrorCode::kUsage, "_sort n'accepte que _lastUpdated et -_lastUpdated",
                "_sort supports only _lastUpdated and -_lastUpdated");
  }
  if (name == "_count") {
    std::optional<size_t> count = parse_unsigned(value, 4);
    if (!count || *count > kMaxCount) {
      return fail(ErrorCode::kUsage, "_count must be an integer from 0 to 1000");
    }
    query.count = *count;
    return {};
  }
  std::optional<size_t> offset = parse_unsigned(value, kMaxOffsetDigits);
  if (!offset) {
    return fail(ErrorCode::kUsage, "_offset must be an integer from 0 to 999999999");
  }
  query.offset = *offset;
  return {};
}

bool interval_matches(int64_t target_begin, int64_t target_end, const DateCondition& condition) {
  bool contained = target_begin >= condition.begin_ms && target_end <= condition.end_ms;
  switch (condition.comparator) {
    case DateComparator::kEq:
      return contained;
    case DateComparator::kNe:
      return !contained;
    case DateComparator::kGt:
      return target_end > condition.end_ms;
    case DateComparator::kLt:
      return target_begin < condition.begin_ms;
    case DateComparator::kGe:
      return target_end > condition.end_ms || contained;
    case DateComparator::kLe:
      return target_begin < condition.begin_ms || contained;
    case DateComparator::kSa:
      return target_begin >= condition.end_ms;
    case DateComparator::kEb:
      return target_end <= condition.begin_ms;
  }
  return false;
}

std::optional<DateInterval> read_string_date(const boost::json::value* value) {
  const boost::json::string* text = value != nullptr ? json_string(*value) : nullptr;
  if (text == nullptr) {
    return std::nullopt;
  }
  return read_date_interval(*text);
}

// The interval a date element of a resource covers; a Period open at one end extends to
// the beginning or the end of time.
std::optional<std::pair<int64_t, int64_t>> element_interval(const boost::json::object& resource,
                                                            const DateElement& element) {
  const boost::json::value* value = resource.if_contains(element.name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (element.kind == DateElementKind::kDateTime) {
    std::optional<DateInterval> interval = read_string_date(value);
    if (!interval) {
      return std::nullopt;
    }
    return std::pair(interval->begin_ms, interval->end_ms);
  }
  const boost::json::object* period = value->if_object();
  if (period == nullptr) {
    return std::nullopt;
  }
  const boost::json::value* start = period->if_contains("start");
  const boost::json::value* end = period->if_contains("end");
  std::optional<DateInterval> start_interval = read_string_date(start);
  std::optional<DateInterval> end_interval = read_string_date(end);
  if ((start == nullptr && end == nullptr) || (start != nullptr && !start_interval) ||
      (end != nullptr && !end_interval)) {
    return std::nullopt;
  }
  return std::pair(start_interval ? start_interval->begin_ms : std::numeric_limits<int64_t>::min(),
                   end_interval ? end_interval->end_ms : std::numeric_limits<int64_t>::max());
}

}  // namespace

Result<SearchQuery> parse_search(std::string_view type,
                                 const std::vector<std::pair<std::string, std::string>>& params) {
  if (!is_known_resource_type(type)) {
    return fail(ErrorCode::kUsage, "unknown resource type");
  }
  const ResourceProfile* profile = find_profile(type);
  SearchQuery query;
  query.type = std::string(type);
  if (params.size() > kMaxSearchParameters) {
    return fail(ErrorCode::kUsage, fmt::format("a search takes at most {} parameters, not {}",
                                               kMaxSearchParameters, params.size()));
  }
  std::vector<std::string_view> seen_controls;
  for (const auto& [written_name, value] : params) {
    // `:exact` is the one modifier: a whole name of 1 or 2 letters (see parse_string).
    const size_t colon = written_name.find(':');
    const bool exact = colon != std::string::npos && written_name.substr(colon) == ":exact";
    const std::string name = exact ? written_name.substr(0, colon) : written_name;
    if (colon != std::string::npos &&
        !(exact && kind_of(type, profile, name) == ParamKind::kString)) {
      return fail(ErrorCode::kUsage,
                  "les modificateurs ne sont pas pris en charge, sauf :exact sur un nom",
                  "modifiers are not supported, except :exact on a name");
    }
    if (value.empty()) {
      return fail(ErrorCode::kUsage,
                  fmt::format("search parameter {} has an empty value", shown_name(name)));
    }
    if (name == "_id" || name == "_count" || name == "_offset" || name == "_sort") {
      if (Result<void> parsed = parse_control(name, value, query, seen_controls); !parsed) {
        return tl::unexpected(std::move(parsed.error()));
      }
      continue;
    }
    if (name == "_lastUpdated" || (name == "date" && profile != nullptr && has_date(*profile))) {
      Result<DateCondition> condition = parse_date(name, value);
      if (!condition) {
        return tl::unexpected(std::move(condition.error()));
      }
      (name == "date" ? query.date_conditions : query.last_updated_conditions)
          .push_back(*condition);
      continue;
    }
    if (name == "_include" || name == "_revinclude") {
      Result<IncludeSpec> include = parse_include(type, name, value);
      if (!include) {
        return tl::unexpected(std::move(include.error()));
      }
      if (std::find(query.includes.begin(), query.includes.end(), *include) ==
          query.includes.end()) {
        query.includes.push_back(std::move(*include));
      }
      continue;
    }
    std::optional<ParamKind> kind = kind_of(type, profile, name);
    if (!kind) {
      const std::string accepted = accepted_parameters(type);
      return fail(ErrorCode::kUsage,
                  fmt::format("le paramètre de recherche {} n'existe pas pour {} ; acceptés : {}",
                              shown_name(name), type, accepted),
                  fmt::format("search parameter {} is not supported for {}; accepted: {}",
                              shown_name(name), type, accepted));
    }
    TokenCondition condition{name, {}};
    auto pieces = split_list(name, value);
    if (!pieces) {
      return tl::unexpected(std::move(pieces.error()));
    }
    for (std::string_view piece : *pieces) {
      if (piece.empty()) {
        return fail(ErrorCode::kUsage,
                    fmt::format("search parameter {} has an empty value in its list", name));
      }
      Result<std::string> token = parse_token_value(*kind, name, piece, exact);
      if (!token) {
        return tl::unexpected(std::move(token.error()));
      }
      condition.any_of.push_back(std::move(*token));
    }
    query.token_conditions.push_back(std::move(condition));
  }
  return query;
}

bool matches_date_conditions(const boost::json::object& resource,
                             const std::vector<DateCondition>& conditions) {
  if (conditions.empty()) {
    return true;
  }
  const boost::json::value* type = resource.if_contains("resourceType");
  const ResourceProfile* profile =
      type != nullptr && json_string(*type) ? find_profile(*json_string(*type)) : nullptr;
  if (profile == nullptr) {
    return false;
  }
  std::vector<std::pair<int64_t, int64_t>> intervals;
  for (const DateElement& element : profile->date_elements) {
    if (element.name.empty()) {
      continue;
    }
    if (std::optional<std::pair<int64_t, int64_t>> interval = element_interval(resource, element)) {
      intervals.push_back(*interval);
    }
  }
  return std::all_of(conditions.begin(), conditions.end(), [&](const DateCondition& condition) {
    return std::any_of(intervals.begin(), intervals.end(), [&](const auto& interval) {
      return interval_matches(interval.first, interval.second, condition);
    });
  });
}

bool matches_last_updated(int64_t epoch_ms, const std::vector<DateCondition>& conditions) {
  return std::all_of(conditions.begin(), conditions.end(), [&](const DateCondition& condition) {
    return interval_matches(epoch_ms, epoch_ms + 1, condition);
  });
}

bool comes_after(SortOrder sort, const PagePosition& entry, const PagePosition& position) {
  if (sort == SortOrder::kLastUpdated && entry.last_updated_ms != position.last_updated_ms) {
    return entry.last_updated_ms > position.last_updated_ms;
  }
  if (sort == SortOrder::kLastUpdatedDescending &&
      entry.last_updated_ms != position.last_updated_ms) {
    return entry.last_updated_ms < position.last_updated_ms;
  }
  return entry.id > position.id;
}

std::vector<std::string> include_targets_of(std::string_view type) {
  std::vector<std::string> specs;
  for (std::string_view param : reference_parameters_of(type)) {
    specs.push_back(fmt::format("{}:{}", type, param));
  }
  std::sort(specs.begin(), specs.end());
  return specs;
}

std::vector<std::string> revinclude_sources_of(std::string_view type) {
  std::vector<std::string> specs;
  if (type != "Patient") {
    return specs;
  }
  for (std::string_view source : known_resource_types()) {
    for (std::string& spec : include_targets_of(source)) {
      specs.push_back(std::move(spec));
    }
  }
  std::sort(specs.begin(), specs.end());
  return specs;
}

std::vector<std::string_view> search_parameters_of(std::string_view type) {
  std::vector<std::string_view> names{"_id",          "_count", "_offset",
                                      "_lastUpdated", "_sort",  "identifier"};
  if (has_person_name(type)) {
    names.insert(names.end(), {"family", "given", "name"});
  }
  if (type == "Patient") {
    names.insert(names.end(), {"birthdate", "gender"});
  }
  const ResourceProfile* profile = find_profile(type);
  if (profile == nullptr) {
    return names;
  }
  names.push_back("patient");
  if (profile->patient_link == "subject") {
    names.push_back("subject");
  }
  if (!profile->code_element.empty()) {
    names.push_back("code");
  }
  if (profile->has_status) {
    names.push_back("status");
  }
  if (has_date(*profile)) {
    names.push_back("date");
  }
  return names;
}

}  // namespace vigie::fhir
