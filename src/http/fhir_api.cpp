#include "http/fhir_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "common/clock.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "http/bulk_api.hpp"
#include "http/request_target.hpp"

namespace vigie::http {

namespace {

constexpr std::string_view kFhirVersion = "4.0.1";

// The resource's own response: its JSON and ETag W/"version". A resource read as
// gate::ResourceForm::kText is sent as stored, the same bytes as its parsed form's (no parse on
// the worker, no render on the audit committer thread).
Response resource_response(const gate::StoredResource& stored) {
  Response response;
  if (stored.text.empty()) {
    response = json_response(200, stored.resource);
  } else {
    response.status = 200;
    response.body = stored.text;
  }
  response.headers.emplace_back("ETag", "W/\"" + std::to_string(stored.version) + "\"");
  return response;
}

// The type and id of the path, checked before any gate call: an unknown type is 404, an id
// outside the FHIR pattern 400. The messages name neither (they may be anything a client sent).
std::optional<Response> refused_type_or_id(const PathParameters& parameters, bool with_id) {
  if (!fhir::is_known_resource_type(parameters["type"])) {
    return outcome_response(404, "not-supported", "type de ressource inconnu en FHIR R4",
                            "unknown FHIR R4 resource type");
  }
  if (with_id && !fhir::is_valid_id(parameters["id"])) {
    return outcome_response(400, "value", "identifiant de ressource invalide",
                            "invalid resource id");
  }
  return std::nullopt;
}

// Runs one asynchronous gate call: `call` hands `done` to the gate; a call refused before its
// entry was queued (a full audit queue) is answered at once.
template <typename T, typename Call, typename Render>
void answer(const Reply& reply, Call call, Render render) {
  auto queued = call([reply, render](Result<T> result) {
    reply(result ? render(*result) : outcome_response(result.error()));
  });
  if (!queued) {
    reply(outcome_response(queued.error()));
  }
}

void read(const Request&, const PathParameters& path, gate::Gate& gate,
          const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, true)) {
    reply(std::move(*refused));
    return;
  }
  answer<gate::StoredResource>(
      reply,
      [&](gate::Gate::Done<gate::StoredResource> done) {
        return gate.read(principal, path["type"], path["id"], std::move(done),
                         gate::ResourceForm::kText);
      },
      resource_response);
}

void vread(const Request&, const PathParameters& path, gate::Gate& gate,
           const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, true)) {
    reply(std::move(*refused));
    return;
  }
  const std::string_view text = path["version"];
  int64_t version = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (error != std::errc{} || end != text.data() + text.size() || version < 1) {
    reply(outcome_response(400, "value", "numéro de version invalide", "invalid version id"));
    return;
  }
  answer<gate::StoredResource>(
      reply,
      [&](gate::Gate::Done<gate::StoredResource> done) {
        return gate.read_version(principal, path["type"], path["id"], version, std::move(done));
      },
      resource_response);
}

// The history Bundle of `versions`, newest first as given; a deleted version is an entry
// without a resource.
boost::json::object history_bundle(const std::vector<gate::StoredResource>& versions) {
  std::vector<fhir::HistoryVersion> listed;
  listed.reserve(versions.size());
  for (const gate::StoredResource& version : versions) {
    listed.push_back(fhir::HistoryVersion{version.type, version.id, version.version,
                                          version.last_updated_ms, version.deleted,
                                          &version.resource});
  }
  return fhir::make_history_bundle(listed);
}

void history(const Request&, const PathParameters& path, gate::Gate& gate,
             const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, true)) {
    reply(std::move(*refused));
    return;
  }
  answer<std::vector<gate::StoredResource>>(
      reply,
      [&](gate::Gate::Done<std::vector<gate::StoredResource>> done) {
        return gate.history(principal, path["type"], path["id"], std::move(done));
      },
      [](const std::vector<gate::StoredResource>& versions) {
        return json_response(200, history_bundle(versions));
      });
}

// The searchset of `page`, with a link to the next page when there is one: an opaque token of
// `links`, for this credential, that names the same search (without _offset) and the position
// after the page's last entry. When _include or _revinclude had more than the bound, a warning
// entry says so.
Response searchset_response(const PageLinks& links, const Request& request, std::string_view bearer,
                            std::string_view type, const QueryParameters& parameters,
                            const gate::SearchPage& page) {
  std::vector<boost::json::object> resources;
  resources.reserve(page.matches.size());
  for (const gate::StoredResource& match : page.matches) {
    resources.push_back(match.resource);
  }
  std::vector<boost::json::object> included;
  included.reserve(page.included.size());
  for (const gate::StoredResource& resource : page.included) {
    included.push_back(resource.resource);
  }
  boost::json::object bundle = fhir::make_searchset(page.total, resources, included);
  if (page.included_cut) {
    boost::json::object outcome = fhir::make_operation_outcome(
        "too-costly",
        fmt::format("page limitée à {0} ressources incluses : d'autres ont été laissées de côté ; "
                    "réduisez _count / included resources are limited to {0} per page: some were "
                    "left out; lower _count",
                    fhir::kMaxIncludedPerPage));
    outcome["issue"].as_array().front().as_object()["severity"] = "warning";
    if (!bundle.contains("entry")) {
      bundle["entry"] = boost::json::array{};
    }
    bundle["entry"].as_array().push_back(boost::json::object{
        {"resource", std::move(outcome)}, {"search", boost::json::object{{"mode", "outcome"}}}});
  }
  if (page.next) {
    QueryParameters search;
    for (const auto& parameter : parameters) {
      if (parameter.first != "_offset") {
        search.push_back(parameter);
      }
    }
    const std::string token =
        links.issue(bearer, type, search, *page.next, system_clock().now_ms());
    const std::string base = request.host.empty() ? "" : "https://" + request.host;
    bundle["link"] = boost::json::array{boost::json::object{
        {"relation", "next"}, {"url", base + "/fhir/" + std::string(type) + "?_page=" + token}}};
  }
  return json_response(200, bundle);
}

// GET /fhir/{type}: a search, or (`_page` alone) the next page of an earlier one, which starts
// after the last entry of the page before (keyset).
void search(const PageLinks& links, const Request& request, const PathParameters& path,
            gate::Gate& gate, const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, false)) {
    reply(std::move(*refused));
    return;
  }
  QueryParameters parameters = request.query;
  std::optional<fhir::PagePosition> after;
  const auto page_token = std::find_if(parameters.begin(), parameters.end(),
                                       [](const auto& pair) { return pair.first == "_page"; });
  if (page_token != parameters.end()) {
    if (parameters.size() != 1) {
      reply(outcome_response(400, "invalid", "_page s'emploie seul", "_page goes alone"));
      return;
    }
    auto page = links.redeem(page_token->second, principal.bearer(), system_clock().now_ms());
    if (page && page->type != path["type"]) {
      page = fail(ErrorCode::kUsage, "ce lien de page est celui d'un autre type",
                  "this page link is another type's");
    }
    if (!page) {
      reply(outcome_response(page.error()));
      return;
    }
    parameters = std::move(page->parameters);
    after = std::move(page->after);
  }
  answer<gate::SearchPage>(
      reply,
      [&](gate::Gate::Done<gate::SearchPage> done) {
        return gate.search(principal, path["type"], parameters, std::move(done), after);
      },
      // Runs on the audit committer once the entry is durable: it owns copies of what it uses.
      [&links, request, bearer = principal.bearer(), type = std::string(path["type"]),
       parameters](const gate::SearchPage& page) {
        return searchset_response(links, request, bearer, type, parameters, page);
      });
}

// POST /fhir/{type}/_search: the parameters of the URL and of the form body, one search.
void post_search(const PageLinks& links, const Request& request, const PathParameters& path,
                 gate::Gate& gate, const gate::Principal& principal, Reply reply) {
  if (media_type_of(request.content_type) != "application/x-www-form-urlencoded") {
    reply(outcome_response(415, "not-supported",
                           "le corps doit être en application/x-www-form-urlencoded",
                           "the body must be application/x-www-form-urlencoded"));
    return;
  }
  auto form = parse_query(request.body);
  if (!form) {
    reply(outcome_response(form.error()));
    return;
  }
  Request combined = request;
  combined.query.insert(combined.query.end(), form->begin(), form->end());
  if (auto refused = take_format(combined.query)) {
    reply(std::move(*refused));
    return;
  }
  search(links, combined, path, gate, principal, std::move(reply));
}

// The parameters of a listing that is not a search (type history, $everything): the request's
// own, or (`_page` alone) those of a token of `links` issued to this credential for the same
// `listing`, with its _offset. A Response (400, 403) otherwise. `from_link` says which.
struct ListingParameters {
  QueryParameters parameters;
  bool from_link = false;
};
std::variant<ListingParameters, Response> listing_parameters(const PageLinks& links,
                                                             const Request& request,
                                                             const gate::Principal& principal,
                                                             std::string_view listing) {
  const auto page_token = std::find_if(request.query.begin(), request.query.end(),
                                       [](const auto& pair) { return pair.first == "_page"; });
  if (page_token == request.query.end()) {
    return ListingParameters{request.query, false};
  }
  if (request.query.size() != 1) {
    return outcome_response(400, "invalid", "_page s'emploie seul", "_page goes alone");
  }
  auto page = links.redeem(page_token->second, principal.bearer(), system_clock().now_ms());
  if (page && page->type != listing) {
    page = fail(ErrorCode::kUsage, "ce lien de page est celui d'une autre liste",
                "this page link is another listing's");
  }
  if (!page) {
    return outcome_response(page.error());
  }
  return ListingParameters{std::move(page->parameters), true};
}

// A number of 1 to 19 digits, or nullopt.
std::optional<int64_t> whole_number(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 19 || error != std::errc{} ||
      end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

Response unsupported_listing_parameter() {
  return outcome_response(400, "not-supported", "paramètre non pris en charge ici",
                          "parameter not supported here");
}

// A listing's Bundle with its total and, when more follows, a link to the next page: a token of
// `links` for this credential naming `listing`, `parameters` and the next offset (among them).
Response listing_response(boost::json::object bundle, const PageLinks& links,
                          const Request& request, std::string_view bearer, std::string_view listing,
                          const QueryParameters& parameters, const gate::SearchPage& page,
                          size_t count, size_t offset) {
  bundle["total"] = page.total;
  if (count > 0 && offset + count < page.total) {
    // Listings page by offset: the next one travels sealed among the parameters.
    QueryParameters next = parameters;
    next.emplace_back("_offset", std::to_string(offset + count));
    const std::string token = links.issue(bearer, listing, next, {}, system_clock().now_ms());
    const std::string base = request.host.empty() ? "" : "https://" + request.host;
    bundle["link"] = boost::json::array{boost::json::object{
        {"relation", "next"}, {"url", base + "/fhir/" + std::string(listing) + "?_page=" + token}}};
  }
  return json_response(200, bundle);
}

std::vector<boost::json::object> resources_of(const gate::SearchPage& page) {
  std::vector<boost::json::object> resources;
  resources.reserve(page.matches.size());
  for (const gate::StoredResource& match : page.matches) {
    resources.push_back(match.resource);
  }
  return resources;
}

// GET /fhir/{type}/_history: every version of the type's resources, newest first, _count (50 by
// default, at most 1000) per page, _since; the first page's time bounds the later pages, so that
// versions written meanwhile do not shift them.
void type_history(const PageLinks& links, const Request& request, const PathParameters& path,
                  gate::Gate& gate, const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, false)) {
    reply(std::move(*refused));
    return;
  }
  const std::string listing = std::string(path["type"]) + "/_history";
  auto parameters = listing_parameters(links, request, principal, listing);
  if (auto* refused = std::get_if<Response>(&parameters)) {
    reply(std::move(*refused));
    return;
  }
  const ListingParameters& given = std::get<ListingParameters>(parameters);
  gate::Gate::TypeHistoryQuery query;
  query.until_ms = system_clock().now_ms();
  QueryParameters next;  // what the next page's link names
  for (const auto& [name, value] : given.parameters) {
    std::optional<int64_t> number = whole_number(value);
    if (name == "_count" && number && *number <= 1000) {
      query.count = static_cast<size_t>(*number);
    } else if (name == "_since") {
      auto since = fhir::parse_date_interval(value);
      if (!since) {
        reply(outcome_response(400, "value", "_since attend une date FHIR",
                               "_since expects a FHIR date"));
        return;
      }
      query.since_ms = since->first;
    } else if (given.from_link && name == "_at" && number) {
      query.until_ms = *number;
      continue;
    } else if (given.from_link && name == "_offset" && number) {
      query.offset = static_cast<size_t>(*number);
      continue;
    } else {
      reply(unsupported_listing_parameter());
      return;
    }
    next.emplace_back(name, value);
  }
  next.emplace_back("_at", std::to_string(query.until_ms));
  answer<gate::SearchPage>(
      reply,
      [&](gate::Gate::Done<gate::SearchPage> done) {
        return gate.type_history(principal, path["type"], query, std::move(done));
      },
      // Runs on the audit committer once the entry is durable: it owns copies of what it uses.
      [&links, request, bearer = principal.bearer(), listing, next,
       query](const gate::SearchPage& page) {
        return listing_response(history_bundle(page.matches), links, request, bearer, listing, next,
                                page, query.count, query.offset);
      });
}

// GET /fhir/Patient/{id}/$everything: the patient's compartment as far as the caller may read
// it, _count (50 by default, at most 1000) per page.
void everything(const PageLinks& links, const Request& request, const PathParameters& path,
                gate::Gate& gate, const gate::Principal& principal, Reply reply) {
  if (!fhir::is_valid_id(path["id"])) {
    reply(
        outcome_response(400, "value", "identifiant de ressource invalide", "invalid resource id"));
    return;
  }
  const std::string listing = "Patient/" + std::string(path["id"]) + "/$everything";
  auto parameters = listing_parameters(links, request, principal, listing);
  if (auto* refused = std::get_if<Response>(&parameters)) {
    reply(std::move(*refused));
    return;
  }
  const ListingParameters& given = std::get<ListingParameters>(parameters);
  size_t count = 50;
  size_t offset = 0;
  QueryParameters next;
  for (const auto& [name, value] : given.parameters) {
    std::optional<int64_t> number = whole_number(value);
    if (name == "_count" && number && *number <= 1000) {
      count = static_cast<size_t>(*number);
      next.emplace_back(name, value);
    } else if (given.from_link && name == "_offset" && number) {
      offset = static_cast<size_t>(*number);
    } else {
      reply(unsupported_listing_parameter());
      return;
    }
  }
  answer<gate::SearchPage>(
      reply,
      [&](gate::Gate::Done<gate::SearchPage> done) {
        return gate.everything(principal, path["id"], count, offset, std::move(done));
      },
      [&links, request, bearer = principal.bearer(), listing, next, count,
       offset](const gate::SearchPage& page) {
        return listing_response(fhir::make_searchset(page.total, resources_of(page)), links,
                                request, bearer, listing, next, page, count, offset);
      });
}

// A search handler bound to the page links it issues and redeems.
using SearchHandler = void (*)(const PageLinks&, const Request&, const PathParameters&, gate::Gate&,
                               const gate::Principal&, Reply);
GateHandler with_links(const PageLinks& links, SearchHandler handler) {
  return [&links, handler](const Request& request, const PathParameters& path, gate::Gate& gate,
                           const gate::Principal& principal, Reply reply) {
    handler(links, request, path, gate, principal, std::move(reply));
  };
}

// The resource a create or update sends: FHIR JSON of the path's type. 415 for another media
// type, 400 for a body that is not a JSON object or names another type.
std::variant<boost::json::object, Response> resource_body(const Request& request,
                                                          std::string_view type) {
  const std::string media_type = media_type_of(request.content_type);
  if (media_type != "application/fhir+json" && media_type != "application/json") {
    return outcome_response(415, "not-supported", "le corps doit être en application/fhir+json",
                            "the body must be application/fhir+json");
  }
  auto parsed = fhir::parse_json_object(request.body);
  if (!parsed) {
    return outcome_response(
        Error{ErrorCode::kInvalidInput, parsed.error().message, parsed.error().french});
  }
  const boost::json::value* resource_type = parsed->if_contains("resourceType");
  if (resource_type == nullptr || !resource_type->is_string() ||
      resource_type->get_string() != type) {
    return outcome_response(400, "invalid",
                            "le resourceType du corps n'est pas le type de l'adresse",
                            "the body's resourceType is not the type of the path");
  }
  return std::move(*parsed);
}

// The version an If-Match header names: W/"3" or "3". nullopt without the header; a Response 400
// when it is malformed.
std::variant<std::optional<int64_t>, Response> if_match_of(std::string_view header) {
  if (header.empty()) {
    return std::optional<int64_t>{};
  }
  if (header.starts_with("W/")) {
    header.remove_prefix(2);
  }
  int64_t version = -1;
  if (header.size() >= 3 && header.front() == '"' && header.back() == '"') {
    const std::string_view digits = header.substr(1, header.size() - 2);
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), version);
    if (error != std::errc{} || end != digits.data() + digits.size()) {
      version = -1;
    }
  }
  if (version < 0) {
    return outcome_response(400, "value", "If-Match attend W/\"version\"",
                            "If-Match expects W/\"version\"");
  }
  return std::optional<int64_t>{version};
}

// A write's answer: `status`, Location of the version written, ETag, and the resource unless the
// client asked for Prefer: return=minimal.
Response written_response(const Request& request, const gate::StoredResource& stored, int status) {
  Response response = resource_response(stored);
  response.status = status;
  response.headers.emplace_back("Location", "/fhir/" + stored.type + "/" + stored.id +
                                                "/_history/" + std::to_string(stored.version));
  if (request.prefer.find("return=minimal") != std::string::npos) {
    response.body.clear();
  }
  return response;
}

void create(const Request& request, const PathParameters& path, gate::Gate& gate,
            const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, false)) {
    reply(std::move(*refused));
    return;
  }
  auto body = resource_body(request, path["type"]);
  if (auto* refused = std::get_if<Response>(&body)) {
    reply(std::move(*refused));
    return;
  }
  if (request.if_none_exist) {
    // Conditional create: the gate searches and creates on this one writer thread, so no other
    // write of the server runs between the two.
    auto outcome = gate.create_if_none_exist(
        principal, std::move(std::get<boost::json::object>(body)), *request.if_none_exist);
    reply(outcome ? written_response(request, outcome->resource, outcome->created ? 201 : 200)
                  : outcome_response(outcome.error()));
    return;
  }
  auto created = gate.create(principal, std::move(std::get<boost::json::object>(body)));
  reply(created ? written_response(request, *created, 201) : outcome_response(created.error()));
}

void update(const Request& request, const PathParameters& path, gate::Gate& gate,
            const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, true)) {
    reply(std::move(*refused));
    return;
  }
  auto if_match = if_match_of(request.if_match);
  if (auto* refused = std::get_if<Response>(&if_match)) {
    reply(std::move(*refused));
    return;
  }
  auto body = resource_body(request, path["type"]);
  if (auto* refused = std::get_if<Response>(&body)) {
    reply(std::move(*refused));
    return;
  }
  auto updated = gate.update(principal, path["type"], path["id"],
                             std::move(std::get<boost::json::object>(body)),
                             std::get<std::optional<int64_t>>(if_match));
  if (!updated) {
    reply(outcome_response(updated.error()));
    return;
  }
  reply(written_response(request, *updated, updated->version == 1 ? 201 : 200));
}

void remove(const Request&, const PathParameters& path, gate::Gate& gate,
            const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, true)) {
    reply(std::move(*refused));
    return;
  }
  auto removed = gate.remove(principal, path["type"], path["id"]);
  if (!removed) {
    reply(outcome_response(removed.error()));
    return;
  }
  Response response;
  response.status = 204;
  response.content_type.clear();
  response.headers.emplace_back("ETag", "W/\"" + std::to_string(removed->version) + "\"");
  reply(std::move(response));
}

// "201 Created": how a transaction-response entry states its HTTP status.
std::string status_line(int status) {
  switch (status) {
    case 200:
      return "200 OK";
    case 201:
      return "201 Created";
    case 204:
      return "204 No Content";
    default:
      return std::to_string(status);
  }
}

// One entry of a transaction-response or batch-response Bundle, in the order of the request's.
boost::json::object response_entry(const gate::EntryOutcome& outcome) {
  boost::json::object response;
  if (outcome.error) {
    response["status"] = std::to_string(http_status_for(outcome.error->code));
    Error shown = *outcome.error;
    shown.message = to_display_text(*outcome.error);
    response["outcome"] = fhir::make_operation_outcome(shown);
    return boost::json::object{{"response", std::move(response)}};
  }
  const bool deleted = outcome.action == fhir::EntryAction::kDelete;
  const bool created = outcome.action == fhir::EntryAction::kCreate || outcome.created;
  response["status"] = status_line(deleted ? 204 : created && !outcome.unchanged ? 201 : 200);
  if (!deleted) {
    response["location"] =
        outcome.type + "/" + outcome.id + "/_history/" + std::to_string(outcome.version);
    response["etag"] = "W/\"" + std::to_string(outcome.version) + "\"";
  }
  return boost::json::object{{"response", std::move(response)}};
}

// POST /fhir with a transaction (all or nothing) or batch Bundle: gate::Gate::import_bundle, the
// CLI's import, answered with the response Bundle.
void transaction(const Request& request, const PathParameters&, gate::Gate& gate,
                 const gate::Principal& principal, Reply reply) {
  auto body = resource_body(request, "Bundle");
  if (auto* refused = std::get_if<Response>(&body)) {
    reply(std::move(*refused));
    return;
  }
  boost::json::object& bundle = std::get<boost::json::object>(body);
  const boost::json::value* kind = bundle.if_contains("type");
  const bool is_batch = kind != nullptr && kind->is_string() && kind->get_string() == "batch";
  if (!is_batch && (kind == nullptr || !kind->is_string() || kind->get_string() != "transaction")) {
    reply(outcome_response(400, "invalid",
                           "seuls les Bundle transaction et batch sont acceptés ici",
                           "only transaction and batch Bundles are accepted here"));
    return;
  }
  auto applied = gate.import_bundle(principal, std::move(bundle));
  if (!applied) {
    reply(outcome_response(applied.error()));
    return;
  }
  boost::json::array entries;
  for (const gate::EntryOutcome& outcome : applied->entries) {
    entries.push_back(response_entry(outcome));
  }
  reply(json_response(
      200, boost::json::object{{"resourceType", "Bundle"},
                               {"type", is_batch ? "batch-response" : "transaction-response"},
                               {"entry", std::move(entries)}}));
}

Response health(const Request&) {
  return json_response(200, boost::json::object{{"status", "ok"}}, "application/json");
}

}  // namespace

void add_fhir_routes(Router& router, const PageLinks& links) {
  router.add_public(Method::kGet, "/healthz", health);
  router.add_authenticated(Method::kGet, "/fhir/{type}", with_links(links, search));
  router.add_authenticated(Method::kPost, "/fhir/{type}/_search", with_links(links, post_search));
  router.add_authenticated(Method::kGet, "/fhir/{type}/{id}", read);
  router.add_authenticated(Method::kGet, "/fhir/{type}/{id}/_history", history);
  router.add_authenticated(Method::kGet, "/fhir/{type}/_history", with_links(links, type_history));
  router.add_authenticated(Method::kGet, "/fhir/Patient/{id}/$everything",
                           with_links(links, everything));
  router.add_authenticated(Method::kGet, "/fhir/{type}/{id}/_history/{version}", vread);
  router.add_authenticated(Method::kPost, "/fhir/{type}", create, Lane::kWrite);
  router.add_authenticated(Method::kPut, "/fhir/{type}/{id}", update, Lane::kWrite);
  router.add_authenticated(Method::kDelete, "/fhir/{type}/{id}", remove, Lane::kWrite);
  router.add_authenticated(Method::kPost, "/fhir", transaction, Lane::kWrite);
  // Registered last: capability_statement reads the routes above.
  router.add_public(Method::kGet, "/fhir/metadata",
                    [statement = capability_statement(router)](const Request&) {
                      return json_response(200, statement);
                    });
}

boost::json::object capability_statement(const Router& router) {
  // The FHIR interaction each route implements.
  struct Interaction {
    Method method;
    std::string_view pattern;
    std::string_view code;
  };
  constexpr Interaction kInteractions[] = {
      {Method::kGet, "/fhir/{type}", "search-type"},
      {Method::kGet, "/fhir/{type}/{id}", "read"},
      {Method::kGet, "/fhir/{type}/{id}/_history", "history-instance"},
      {Method::kGet, "/fhir/{type}/_history", "history-type"},
      {Method::kGet, "/fhir/{type}/{id}/_history/{version}", "vread"},
      {Method::kPost, "/fhir/{type}", "create"},
      {Method::kPut, "/fhir/{type}/{id}", "update"},
      {Method::kDelete, "/fhir/{type}/{id}", "delete"},
  };
  boost::json::array interactions;
  for (const Route& route : router.routes()) {
    for (const Interaction& interaction : kInteractions) {
      if (route.method == interaction.method && route.pattern == interaction.pattern) {
        interactions.push_back(boost::json::object{{"code", interaction.code}});
      }
    }
  }
  boost::json::array resources;
  for (const std::string_view type : fhir::known_resource_types()) {
    boost::json::array parameters;
    for (const std::string_view name : fhir::search_parameters_of(type)) {
      const bool is_number = name == "_count" || name == "_offset";
      const bool is_date = name == "date" || name == "birthdate" || name == "_lastUpdated";
      const bool is_string = name == "family" || name == "given" || name == "name";
      const bool is_reference = name == "patient" || name == "subject";
      boost::json::object parameter{{"name", name},
                                    {"type", is_number         ? "number"
                                             : is_date         ? "date"
                                             : is_string       ? "string"
                                             : is_reference    ? "reference"
                                             : name == "_sort" ? "special"
                                                               : "token"}};
      if (name == "_sort") {
        parameter["documentation"] = "_lastUpdated or -_lastUpdated only";
      } else if (name == "_offset") {
        parameter["documentation"] =
            "skips entries of the first page only; next links page by keyset";
      }
      parameters.push_back(std::move(parameter));
    }
    boost::json::object resource{{"type", type},
                                 {"interaction", interactions},
                                 {"versioning", "versioned-update"},
                                 {"updateCreate", true},
                                 {"readHistory", true},
                                 {"searchParam", std::move(parameters)}};
    for (const auto& [key, specs] :
         {std::pair{"searchInclude", fhir::include_targets_of(type)},
          std::pair{"searchRevInclude", fhir::revinclude_sources_of(type)}}) {
      if (!specs.empty()) {
        resource[key] = boost::json::array(specs.begin(), specs.end());
      }
    }
    for (const Route& route : router.routes()) {
      // POST /fhir/{type} takes If-None-Exist (create_if_none_exist).
      if (route.method == Method::kPost && route.pattern == "/fhir/{type}") {
        resource["conditionalCreate"] = true;
      }
      if (type == "Patient" && route.method == Method::kGet &&
          route.pattern == "/fhir/Patient/{id}/$everything") {
        resource["operation"] = boost::json::array{boost::json::object{
            {"name", "everything"},
            {"definition", "http://hl7.org/fhir/OperationDefinition/Patient-everything"},
            {"documentation",
             "Le patient et son compartiment, ce que l'appelant peut lire (demande d'accès RGPD, "
             "art. 15) ; _count, 1000 au plus par page / The patient and its compartment, as "
             "far as the caller may read it (GDPR access requests, art. 15); _count, at most "
             "1000 per page"}}};
      }
    }
    resources.push_back(std::move(resource));
  }
  boost::json::object rest{
      {"mode", "server"},
      {"security", boost::json::object{{"cors", false},
                                       {"description",
                                        "Authorization: Bearer, a vigie API token or "
                                        "session; every other route answers 401 without "
                                        "one"}}},
      {"resource", std::move(resources)}};
  for (const Route& route : router.routes()) {
    if (route.method == Method::kPost && route.pattern == "/fhir") {
      rest["interaction"] = boost::json::array{boost::json::object{{"code", "transaction"}},
                                               boost::json::object{{"code", "batch"}}};
    }
  }
  boost::json::object statement{{"resourceType", "CapabilityStatement"},
                                {"status", "active"},
                                {"date", "2026-12-06"},
                                {"kind", "instance"},
                                {"software", boost::json::object{{"name", "vigie"}}},
                                {"fhirVersion", kFhirVersion},
                                {"format", boost::json::array{"application/fhir+json"}},
                                {"rest", boost::json::array{std::move(rest)}}};
  if (std::ranges::any_of(router.routes(),
                          [](const Route& route) { return route.pattern == "/fhir/$export"; })) {
    declare_bulk_export(statement);  // add_bulk_export_routes ran before add_fhir_routes
  }
  return statement;
}

}  // namespace vigie::http
