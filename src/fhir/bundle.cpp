#include "fhir/bundle.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/percent.hpp"
#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/validate.hpp"

namespace vigie::fhir {

namespace {

constexpr std::string_view kUrnUuidPrefix = "urn:uuid:";

// Bundle-wide state while entries are prepared.
struct PlanState {
  BundleKind kind = BundleKind::kTransaction;
  const std::function<std::string()>* new_id = nullptr;
  const ConditionalMatcher* find_matches = nullptr;
  std::set<std::string, std::less<>> full_urls;
  std::set<std::string, std::less<>> targets;                   // "Type/id" of updates and deletes
  std::map<std::string, std::string, std::less<>> urn_targets;  // urn:uuid fullUrl -> "Type/id"
};

std::string entry_label(const PlannedEntry& entry) {
  return entry.type.empty() ? fmt::format("entry {}", entry.index)
                            : fmt::format("entry {} ({})", entry.index, entry.type);
}

tl::unexpected<Error> entry_error(const PlannedEntry& entry, std::string_view rule) {
  return fail(ErrorCode::kInvalidInput, fmt::format("{}: {}", entry_label(entry), rule));
}

// Splits "Type/id"; nullopt unless the type is known and the id valid.
std::optional<std::pair<std::string, std::string>> split_type_and_id(std::string_view url) {
  size_t slash = url.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view type = url.substr(0, slash);
  std::string_view id = url.substr(slash + 1);
  if (!is_known_resource_type(type) || !is_valid_id(id)) {
    return std::nullopt;
  }
  return std::pair(std::string(type), std::string(id));
}

// The resource of an entry, moved out of it, with its type recorded in `planned` for messages.
Result<boost::json::object> entry_resource(boost::json::object& entry, PlannedEntry& planned) {
  boost::json::value* resource = entry.if_contains("resource");
  if (resource == nullptr || !resource->is_object()) {
    return entry_error(planned, "resource is missing or not an object");
  }
  const boost::json::object& object = resource->get_object();
  const boost::json::value* type_value = object.if_contains("resourceType");
  const boost::json::string* type = type_value != nullptr ? json_string(*type_value) : nullptr;
  if (type == nullptr || !is_known_resource_type(*type)) {
    return entry_error(planned, "resourceType must be a FHIR R4 resource type");
  }
  planned.type = std::string(*type);
  return std::move(resource->get_object());
}

Result<void> claim_target(PlanState& state, const PlannedEntry& planned) {
  if (!state.targets.insert(planned.type + "/" + planned.id).second) {
    return entry_error(planned, "another entry already targets the same resource");
  }
  return {};
}

// request.ifNoneExist as a search on the entry's type (parse_if_none_exist), its message naming
// the entry.
Result<SearchQuery> conditional_query(const PlannedEntry& planned, std::string_view query_text) {
  Result<SearchQuery> query = parse_if_none_exist(planned.type, query_text);
  if (!query) {
    return entry_error(planned, fmt::format("request.ifNoneExist: {}", query.error().message));
  }
  return query;
}

// A POST with request.ifNoneExist: kKeep with the one match's id, or unchanged (a create).
Result<void> plan_conditional_create(const boost::json::object& request, const PlanState& state,
                                     PlannedEntry& planned) {
  const boost::json::value* condition = request.if_contains("ifNoneExist");
  if (condition == nullptr) {
    return {};
  }
  if (!condition->is_string()) {
    return entry_error(planned, "request.ifNoneExist must be a string");
  }
  Result<SearchQuery> query = conditional_query(planned, condition->get_string());
  if (!query) {
    return tl::unexpected(std::move(query.error()));
  }
  if (state.find_matches == nullptr || !*state.find_matches) {
    return {};
  }
  Result<std::vector<std::string>> matches = (*state.find_matches)(*query);
  if (!matches) {
    return tl::unexpected(std::move(matches.error()));
  }
  if (matches->size() > 1) {
    return fail(ErrorCode::kPreconditionFailed,
                fmt::format("{}: request.ifNoneExist matches more than one resource; make the "
                            "query select one",
                            entry_label(planned)));
  }
  if (matches->size() == 1) {
    planned.action = EntryAction::kKeep;
    planned.id = std::move(matches->front());
  }
  return {};
}

// Fills action, type, id and resource from a transaction or batch entry's request.
Result<void> plan_request(boost::json::object& entry, PlanState& state, PlannedEntry& planned) {
  const boost::json::value* request_value = entry.if_contains("request");
  const boost::json::object* request =
      request_value != nullptr ? request_value->if_object() : nullptr;
  const boost::json::value* method_value =
      request != nullptr ? request->if_contains("method") : nullptr;
  const boost::json::value* url_value = request != nullptr ? request->if_contains("url") : nullptr;
  const boost::json::string* method_text =
      method_value != nullptr ? json_string(*method_value) : nullptr;
  const boost::json::string* url_text = url_value != nullptr ? json_string(*url_value) : nullptr;
  if (method_text == nullptr || url_text == nullptr) {
    return entry_error(planned, "request.method and request.url are required strings");
  }
  std::string_view method = *method_text;
  std::string_view url = *url_text;
  if (method == "GET" || method == "HEAD") {
    return entry_error(planned, "GET entries are not supported in an import");
  }
  if (method == "DELETE") {
    std::optional<std::pair<std::string, std::string>> target = split_type_and_id(url);
    if (!target) {
      return entry_error(planned, "request.url of a DELETE must be Type/id");
    }
    planned.action = EntryAction::kDelete;
    planned.type = std::move(target->first);
    planned.id = std::move(target->second);
    return claim_target(state, planned);
  }
  if (method != "POST" && method != "PUT") {
    return entry_error(planned, "request.method must be POST, PUT or DELETE");
  }
  Result<boost::json::object> resource = entry_resource(entry, planned);
  if (!resource) {
    return tl::unexpected(std::move(resource.error()));
  }
  planned.resource = std::move(*resource);
  if (method == "POST") {
    if (url != planned.type) {
      return entry_error(planned, "request.url of a POST must be the resource type");
    }
    planned.action = EntryAction::kCreate;
    return plan_conditional_create(*request, state, planned);
  }
  if (request->contains("ifNoneExist")) {
    return entry_error(planned, "request.ifNoneExist is for POST entries only");
  }
  std::optional<std::pair<std::string, std::string>> target = split_type_and_id(url);
  if (!target || target->first != planned.type) {
    return entry_error(planned, "request.url of a PUT must be Type/id of the resource");
  }
  const boost::json::value* id = planned.resource.if_contains("id");
  if (id != nullptr && (json_string(*id) == nullptr || *json_string(*id) != target->second)) {
    return entry_error(planned, "resource id does not match request.url");
  }
  planned.action = EntryAction::kUpdate;
  planned.id = std::move(target->second);
  return claim_target(state, planned);
}

// Fills action, type, id and resource from a collection entry (no request).
Result<void> plan_collection_entry(boost::json::object& entry, PlanState& state,
                                   PlannedEntry& planned) {
  Result<boost::json::object> resource = entry_resource(entry, planned);
  if (!resource) {
    return tl::unexpected(std::move(resource.error()));
  }
  planned.resource = std::move(*resource);
  const boost::json::value* id = planned.resource.if_contains("id");
  if (id == nullptr) {
    planned.action = EntryAction::kCreate;
    return {};
  }
  const boost::json::string* id_text = json_string(*id);
  if (id_text == nullptr || !is_valid_id(*id_text)) {
    return entry_error(planned,
                       fmt::format("{}.id: must match [A-Za-z0-9-.]{{1,64}}", planned.type));
  }
  planned.action = EntryAction::kUpdate;
  planned.id = std::string(*id_text);
  return claim_target(state, planned);
}

// First pass over one entry: request, resource, validation, fullUrl bookkeeping.
Result<void> plan_entry(boost::json::value& entry_value, PlanState& state, PlannedEntry& planned) {
  boost::json::object* entry = entry_value.if_object();
  if (entry == nullptr) {
    return entry_error(planned, "must be an object");
  }
  const boost::json::value* full_url = entry->if_contains("fullUrl");
  if (full_url != nullptr) {
    if (json_string(*full_url) == nullptr) {
      return entry_error(planned, "fullUrl must be a string");
    }
    if (!state.full_urls.emplace(full_url->get_string()).second) {
      return entry_error(planned, "duplicate fullUrl");
    }
  }
  Result<void> planned_action = state.kind == BundleKind::kCollection
                                    ? plan_collection_entry(*entry, state, planned)
                                    : plan_request(*entry, state, planned);
  if (!planned_action) {
    return planned_action;
  }
  if (planned.action == EntryAction::kDelete) {
    return {};
  }
  if (planned.action == EntryAction::kCreate) {
    planned.id = (*state.new_id)();
  }
  planned.resource["id"] = planned.id;
  if (Result<void> valid = validate_resource(planned.resource); !valid) {
    return entry_error(planned, valid.error().message);
  }
  if (full_url != nullptr && full_url->get_string().starts_with(kUrnUuidPrefix)) {
    state.urn_targets.emplace(full_url->get_string(), planned.type + "/" + planned.id);
  }
  return {};
}

// Rewrites every `reference` naming a mapped urn:uuid; false when one names an unmapped one.
bool rewrite_references(boost::json::value& value, const PlanState& state) {
  if (boost::json::array* array = value.if_array()) {
    for (boost::json::value& element : *array) {
      if (!rewrite_references(element, state)) {
        return false;
      }
    }
    return true;
  }
  boost::json::object* object = value.if_object();
  if (object == nullptr) {
    return true;
  }
  for (auto& member : *object) {
    boost::json::string* reference = member.key() == "reference" && json_string(member.value())
                                         ? &member.value().get_string()
                                         : nullptr;
    if (reference == nullptr) {
      if (!rewrite_references(member.value(), state)) {
        return false;
      }
      continue;
    }
    std::string_view text = *reference;
    if (!text.starts_with(kUrnUuidPrefix)) {
      continue;
    }
    auto target = state.urn_targets.find(text);
    if (target == state.urn_targets.end()) {
      return false;
    }
    *reference = target->second;
  }
  return true;
}

Result<void> resolve_references(PlanState& state, PlannedEntry& planned) {
  boost::json::value resource(std::move(planned.resource));
  bool resolved = rewrite_references(resource, state);
  planned.resource = std::move(resource.as_object());
  if (!resolved) {
    return entry_error(planned, "reference to urn:uuid that the bundle does not define");
  }
  return {};
}

Result<BundleKind> bundle_kind(const boost::json::object& bundle) {
  const boost::json::value* resource_type = bundle.if_contains("resourceType");
  if (resource_type == nullptr || json_string(*resource_type) == nullptr ||
      *json_string(*resource_type) != "Bundle") {
    return fail(ErrorCode::kInvalidInput, "resourceType must be Bundle");
  }
  const boost::json::value* type = bundle.if_contains("type");
  const boost::json::string* type_text = type != nullptr ? json_string(*type) : nullptr;
  if (type_text != nullptr && *type_text == "transaction") {
    return BundleKind::kTransaction;
  }
  if (type_text != nullptr && *type_text == "batch") {
    return BundleKind::kBatch;
  }
  if (type_text != nullptr && *type_text == "collection") {
    return BundleKind::kCollection;
  }
  return fail(ErrorCode::kInvalidInput, "Bundle.type must be transaction, batch or collection");
}

}  // namespace

Result<SearchQuery> parse_if_none_exist(std::string_view type, std::string_view query_text) {
  if (query_text.starts_with('?')) {
    query_text.remove_prefix(1);
  }
  std::vector<std::pair<std::string, std::string>> params;
  while (!query_text.empty()) {
    const size_t ampersand = query_text.find('&');
    const std::string_view pair = query_text.substr(0, ampersand);
    const size_t equals = pair.find('=');
    std::optional<std::string> name = decode_percent_escapes(pair.substr(0, equals), false);
    std::optional<std::string> value = equals == std::string_view::npos
                                           ? std::nullopt
                                           : decode_percent_escapes(pair.substr(equals + 1), false);
    if (!name || !value || name->empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "la condition doit être des paires NOM=VALEUR jointes par &",
                  "the condition must be NAME=VALUE pairs joined by &");
    }
    params.emplace_back(std::move(*name), std::move(*value));
    query_text =
        ampersand == std::string_view::npos ? std::string_view{} : query_text.substr(ampersand + 1);
  }
  if (params.empty()) {
    return fail(ErrorCode::kInvalidInput, "la condition doit tenir au moins un paramètre",
                "the condition must hold at least one search parameter");
  }
  Result<SearchQuery> query = parse_search(type, params);
  if (!query) {
    return fail(ErrorCode::kInvalidInput, query.error().french, query.error().message);
  }
  query->count = 2;
  query->offset = 0;
  return query;
}

Result<BundlePlan> plan_bundle(boost::json::object bundle,
                               const std::function<std::string()>& new_id,
                               const ConditionalMatcher& find_matches) {
  Result<BundleKind> kind = bundle_kind(bundle);
  if (!kind) {
    return tl::unexpected(std::move(kind.error()));
  }
  BundlePlan plan;
  plan.kind = *kind;
  boost::json::value* entries = bundle.if_contains("entry");
  if (entries == nullptr) {
    return plan;
  }
  if (!entries->is_array()) {
    return fail(ErrorCode::kInvalidInput, "Bundle.entry must be a list");
  }
  PlanState state;
  state.kind = *kind;
  state.new_id = &new_id;
  state.find_matches = &find_matches;
  bool batch = *kind == BundleKind::kBatch;
  boost::json::array& entry_list = entries->get_array();
  plan.entries.reserve(entry_list.size());
  for (size_t index = 0; index < entry_list.size(); ++index) {
    PlannedEntry& planned = plan.entries.emplace_back();
    planned.index = index;
    if (Result<void> prepared = plan_entry(entry_list[index], state, planned); !prepared) {
      if (!batch) {
        return tl::unexpected(std::move(prepared.error()));
      }
      planned.error = std::move(prepared.error());
      planned.resource = {};
    }
  }
  for (PlannedEntry& planned : plan.entries) {
    if (planned.error || planned.action == EntryAction::kDelete) {
      continue;
    }
    if (Result<void> resolved = resolve_references(state, planned); !resolved) {
      if (!batch) {
        return tl::unexpected(std::move(resolved.error()));
      }
      planned.error = std::move(resolved.error());
      planned.resource = {};
    }
  }
  return plan;
}

}  // namespace vigie::fhir
