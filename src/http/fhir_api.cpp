#include "http/fhir_api.hpp"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>

#include "fhir/outcome.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"

namespace vigie::http {

namespace {

constexpr std::string_view kFhirVersion = "4.0.1";

// The resource's own response: its JSON, ETag W/"version" and Last-Modified.
Response resource_response(const gate::StoredResource& stored) {
  Response response = json_response(200, stored.resource);
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
        return gate.read(principal, path["type"], path["id"], std::move(done));
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
        std::vector<boost::json::object> resources;
        resources.reserve(versions.size());
        for (const gate::StoredResource& version : versions) {
          resources.push_back(version.resource);
        }
        return json_response(200, fhir::make_history_bundle(resources));
      });
}

void search(const Request& request, const PathParameters& path, gate::Gate& gate,
            const gate::Principal& principal, Reply reply) {
  if (auto refused = refused_type_or_id(path, false)) {
    reply(std::move(*refused));
    return;
  }
  answer<gate::SearchPage>(
      reply,
      [&](gate::Gate::Done<gate::SearchPage> done) {
        return gate.search(principal, path["type"], request.query, std::move(done));
      },
      [](const gate::SearchPage& page) {
        std::vector<boost::json::object> resources;
        resources.reserve(page.matches.size());
        for (const gate::StoredResource& match : page.matches) {
          resources.push_back(match.resource);
        }
        return json_response(200, fhir::make_searchset(page.total, resources));
      });
}

Response health(const Request&) {
  return json_response(200, boost::json::object{{"status", "ok"}}, "application/json");
}

}  // namespace

void add_fhir_routes(Router& router) {
  router.add_public(Method::kGet, "/healthz", health);
  router.add_authenticated(Method::kGet, "/fhir/{type}", search);
  router.add_authenticated(Method::kGet, "/fhir/{type}/{id}", read);
  router.add_authenticated(Method::kGet, "/fhir/{type}/{id}/_history", history);
  router.add_authenticated(Method::kGet, "/fhir/{type}/{id}/_history/{version}", vread);
  // Registered last: capability_statement reads the routes above.
  router.add_public(Method::kGet, "/fhir/metadata",
                    [statement = capability_statement(router)](const Request&) {
                      return json_response(200, statement);
                    });
}

boost::json::object capability_statement(const Router& router) {
  boost::json::array interactions;
  for (const Route& route : router.routes()) {
    if (route.method != Method::kGet) {
      continue;
    }
    if (route.pattern == "/fhir/{type}") {
      interactions.push_back(boost::json::object{{"code", "search-type"}});
    } else if (route.pattern == "/fhir/{type}/{id}") {
      interactions.push_back(boost::json::object{{"code", "read"}});
    } else if (route.pattern == "/fhir/{type}/{id}/_history") {
      interactions.push_back(boost::json::object{{"code", "history-instance"}});
    } else if (route.pattern == "/fhir/{type}/{id}/_history/{version}") {
      interactions.push_back(boost::json::object{{"code", "vread"}});
    }
  }
  boost::json::array resources;
  for (const std::string_view type : fhir::known_resource_types()) {
    boost::json::array parameters;
    for (const std::string_view name : fhir::search_parameters_of(type)) {
      const bool is_number = name == "_count" || name == "_offset";
      const bool is_date = name == "date" || name == "birthdate";
      const bool is_string = name == "family" || name == "given" || name == "name";
      const bool is_reference = name == "patient" || name == "subject";
      parameters.push_back(boost::json::object{{"name", name},
                                               {"type", is_number      ? "number"
                                                        : is_date      ? "date"
                                                        : is_string    ? "string"
                                                        : is_reference ? "reference"
                                                                       : "token"}});
    }
    resources.push_back(boost::json::object{{"type", type},
                                            {"interaction", interactions},
                                            {"versioning", "versioned"},
                                            {"readHistory", true},
                                            {"searchParam", std::move(parameters)}});
  }
  boost::json::object rest{
      {"mode", "server"},
      {"security", boost::json::object{{"cors", false},
                                       {"description",
                                        "Authorization: Bearer, a vigie API token or "
                                        "session; every other route answers 401 without "
                                        "one"}}},
      {"resource", std::move(resources)}};
  return boost::json::object{{"resourceType", "CapabilityStatement"},
                             {"status", "active"},
                             {"date", "2026-12-06"},
                             {"kind", "instance"},
                             {"software", boost::json::object{{"name", "vigie"}}},
                             {"fhirVersion", kFhirVersion},
                             {"format", boost::json::array{"application/fhir+json"}},
                             {"rest", boost::json::array{std::move(rest)}}};
}

}  // namespace vigie::http
