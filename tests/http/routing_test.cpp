#include <map>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fhir/search.hpp"
#include "http/fhir_api.hpp"
#include "http/message.hpp"
#include "http/request_target.hpp"
#include "http/router.hpp"

namespace vigie::http {
namespace {

TEST(RequestTarget, SplitsThePathAndDecodesTheQuery) {
  auto target = parse_target("/fhir/Patient?family=Dupont%20Martin&given=Ana+Lu&_count=10&&flag");
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->path, "/fhir/Patient");
  const QueryParameters expected{
      {"family", "Dupont Martin"}, {"given", "Ana Lu"}, {"_count", "10"}, {"flag", ""}};
  EXPECT_EQ(target->query, expected);
}

TEST(RequestTarget, RefusesMalformedTargetsWithoutEchoingThem) {
  for (const char* bad :
       {"", "fhir/Patient", "http://x/fhir", "/fhir/Patient#x", "/fhir/Patient?name=%4",
        "/fhir/Patient?name=%zzSECRET", "/fhir/Patient?name=%00", "/fhir/Patient?name=%C3%28",
        "/fhir/Patient?=value", "/fhir/Pat ient", "/fhir/Patient?x=\x01"}) {
    auto target = parse_target(bad);
    ASSERT_FALSE(target) << bad;
    EXPECT_EQ(target.error().code, ErrorCode::kUsage) << bad;
    EXPECT_EQ(target.error().message.find("SECRET"), std::string::npos);
  }
}

TEST(RequestTarget, BoundsTheNumberOfParameters) {
  std::string target = "/fhir/Patient?";
  for (size_t i = 0; i < kMaxQueryParameters; ++i) {
    target += "a=" + std::to_string(i) + "&";
  }
  EXPECT_TRUE(parse_target(target));
  EXPECT_FALSE(parse_target(target + "b=1"));
}

TEST(TakeFormat, RemovesJsonFormatsAndRefusesOthers) {
  QueryParameters query{{"_format", "application/fhir+json"}, {"family", "x"}, {"_format", "json"}};
  EXPECT_FALSE(take_format(query));
  EXPECT_EQ(query, (QueryParameters{{"family", "x"}}));
  QueryParameters xml{{"_format", "xml"}};
  auto refused = take_format(xml);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 415);
}

TEST(ParseQuery, DecodesAFormBodyAndRefusesRawSpaces) {
  auto form = parse_query("family=Le%20Gall&given=Ana+Lu");
  ASSERT_TRUE(form);
  EXPECT_EQ(*form, (QueryParameters{{"family", "Le Gall"}, {"given", "Ana Lu"}}));
  EXPECT_FALSE(parse_query("family=Le Gall"));
  EXPECT_FALSE(parse_query("family=x\r\n"));
}

TEST(BearerOf, AcceptsOnlyTheBearerSchemeWithATokenCharacterSet) {
  EXPECT_EQ(bearer_of("Bearer vgt_abc.DEF-1~+/=="), "vgt_abc.DEF-1~+/==");
  EXPECT_EQ(bearer_of("bearer abc"), "abc");
  EXPECT_EQ(bearer_of("BEARER abc"), "abc");
  for (const char* bad : {"", "Bearer", "Bearer ", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer a b",
                          "Bearer ===", "Bearer a\"b", "Bearerabc"}) {
    EXPECT_FALSE(bearer_of(bad)) << bad;
  }
}

Router sample_router() {
  static const PageLinks links;
  Router router;
  add_fhir_routes(router, links);
  return router;
}

TEST(Router, PrefersLiteralSegmentsAndDecodesPlaceholders) {
  const Router router = sample_router();
  auto metadata = router.find(Method::kGet, "/fhir/metadata");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(metadata));
  EXPECT_EQ(std::get<Router::Match>(metadata).route->access, Access::kPublic);
  EXPECT_EQ(std::get<Router::Match>(metadata).route->pattern, "/fhir/metadata");

  auto read = router.find(Method::kGet, "/fhir/Patient/a%2Db");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(read));
  const auto& match = std::get<Router::Match>(read);
  EXPECT_EQ(match.route->pattern, "/fhir/{type}/{id}");
  EXPECT_EQ(match.route->access, Access::kAuthenticated);
  EXPECT_EQ(match.parameters["type"], "Patient");
  EXPECT_EQ(match.parameters["id"], "a-b");
}

TEST(Router, TypeHistoryAndEverythingAreTheirOwnRoutes) {
  const Router router = sample_router();
  auto history = router.find(Method::kGet, "/fhir/Observation/_history");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(history));
  EXPECT_EQ(std::get<Router::Match>(history).route->pattern, "/fhir/{type}/_history");
  EXPECT_EQ(std::get<Router::Match>(history).parameters["type"], "Observation");
  auto everything = router.find(Method::kGet, "/fhir/Patient/p-1/$everything");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(everything));
  EXPECT_EQ(std::get<Router::Match>(everything).route->pattern, "/fhir/Patient/{id}/$everything");
  EXPECT_EQ(std::get<Router::Match>(everything).parameters["id"], "p-1");
  auto elsewhere = router.find(Method::kGet, "/fhir/Observation/o-1/$everything");
  ASSERT_TRUE(std::holds_alternative<Router::Miss>(elsewhere));
  EXPECT_EQ(std::get<Router::Miss>(elsewhere).response.status, 404);
}

TEST(Router, OneTrailingSlashNamesTheSamePath) {
  const Router router = sample_router();
  auto base = router.find(Method::kPost, "/fhir/");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(base));
  EXPECT_EQ(std::get<Router::Match>(base).route->pattern, "/fhir");
  auto search = router.find(Method::kGet, "/fhir/Patient/");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(search));
  EXPECT_EQ(std::get<Router::Match>(search).route->pattern, "/fhir/{type}");
  EXPECT_TRUE(std::holds_alternative<Router::Miss>(router.find(Method::kGet, "/fhir/Patient//")));
}

TEST(Router, AnswersUnknownPaths404AndWrongMethods405WithAllow) {
  const Router router = sample_router();
  for (const char* path : {"/", "/fhir/Patient/1/x", "/fhir//1", "/other"}) {
    auto found = router.find(Method::kGet, path);
    ASSERT_TRUE(std::holds_alternative<Router::Miss>(found)) << path;
    EXPECT_EQ(std::get<Router::Miss>(found).response.status, 404) << path;
  }
  auto wrong = router.find(Method::kPatch, "/fhir/metadata");
  ASSERT_TRUE(std::holds_alternative<Router::Miss>(wrong));
  const Response& response = std::get<Router::Miss>(wrong).response;
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1U);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_NE(response.headers[0].second.find("GET"), std::string::npos);
}

TEST(Router, APathSegmentWithABadEscapeIs400) {
  const Router router = sample_router();
  auto found = router.find(Method::kGet, "/fhir/Patient/%zz");
  ASSERT_TRUE(std::holds_alternative<Router::Miss>(found));
  EXPECT_EQ(std::get<Router::Miss>(found).response.status, 400);
}

TEST(Router, OnlyHealthAndMetadataArePublic) {
  const Router router = sample_router();
  size_t public_routes = 0;
  for (const Route& route : router.routes()) {
    if (route.access == Access::kPublic) {
      ++public_routes;
      EXPECT_TRUE(route.pattern == "/healthz" || route.pattern == "/fhir/metadata")
          << route.pattern;
    }
  }
  EXPECT_EQ(public_routes, 2U);
}

TEST(Router, ASignInRouteIsFoundWithItsAccessKind) {
  Router router;
  router.add_sign_in(Method::kPost, "/auth/login", [](const Request&, gate::Gate&, Reply) {});
  auto found = router.find(Method::kPost, "/auth/login");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(found));
  const Route& route = *std::get<Router::Match>(found).route;
  EXPECT_EQ(route.access, Access::kSignIn);
  EXPECT_TRUE(route.sign_in_handler);
  EXPECT_FALSE(route.gate_handler);
  EXPECT_FALSE(route.public_handler);
}

TEST(ExamplePath, FillsEveryPlaceholder) {
  EXPECT_EQ(example_path("/fhir/{type}/{id}/_history/{version}", "1"), "/fhir/1/1/_history/1");
  EXPECT_EQ(example_path("/healthz", "x"), "/healthz");
}

TEST(OutcomeResponse, MapsTheErrorCodeAndSpeaksFrenchFirst) {
  const Response response =
      outcome_response(Error{ErrorCode::kPermissionDenied, "not allowed", "interdit"});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.content_type, "application/fhir+json");
  const boost::json::object outcome = boost::json::parse(response.body).as_object();
  EXPECT_EQ(outcome.at("resourceType"), "OperationOutcome");
  const auto& issue = outcome.at("issue").as_array().at(0).as_object();
  EXPECT_EQ(issue.at("code"), "forbidden");
  EXPECT_EQ(issue.at("diagnostics"), "interdit / not allowed");
}

TEST(CapabilityStatement, ListsTheInteractionsOfTheRoutesAndTheSearchParameters) {
  const Router router = sample_router();
  const boost::json::object statement = capability_statement(router);
  EXPECT_EQ(statement.at("fhirVersion"), "4.0.1");
  const auto& resources = statement.at("rest").as_array().at(0).at("resource").as_array();
  EXPECT_EQ(resources.size(), 146U);
  for (const auto& resource : resources) {
    if (resource.at("type") == "Patient") {
      const auto& operations = resource.at("operation").as_array();
      ASSERT_EQ(operations.size(), 1U);
      EXPECT_EQ(operations[0].at("name"), "everything");
      EXPECT_EQ(operations[0].at("definition"),
                "http://hl7.org/fhir/OperationDefinition/Patient-everything");
    }
    if (resource.at("type") != "Observation") {
      continue;
    }
    std::vector<std::string> interactions;
    for (const auto& interaction : resource.at("interaction").as_array()) {
      interactions.emplace_back(interaction.at("code").as_string());
    }
    EXPECT_EQ(interactions,
              (std::vector<std::string>{"search-type", "read", "history-instance", "history-type",
                                        "vread", "create", "update", "delete"}));
    EXPECT_EQ(resource.at("conditionalCreate"), true);
    EXPECT_FALSE(resource.as_object().contains("operation"));
    std::vector<std::string> parameters;
    for (const auto& parameter : resource.at("searchParam").as_array()) {
      parameters.emplace_back(parameter.at("name").as_string());
    }
    EXPECT_NE(std::find(parameters.begin(), parameters.end(), "code"), parameters.end());
    EXPECT_NE(std::find(parameters.begin(), parameters.end(), "date"), parameters.end());
  }
}

// _lastUpdated, _sort, searchInclude and searchRevInclude are listed exactly as parse_search takes
// them: every listed include is accepted, and none is listed where none is.
TEST(CapabilityStatement, ListsLastUpdatedSortAndTheIncludesExactlyAsSupported) {
  const boost::json::object statement = capability_statement(sample_router());
  size_t with_includes = 0;
  for (const auto& value : statement.at("rest").as_array().at(0).at("resource").as_array()) {
    const boost::json::object& resource = value.as_object();
    const std::string type(resource.at("type").as_string());
    std::map<std::string, std::string> parameters;
    for (const auto& parameter : resource.at("searchParam").as_array()) {
      parameters[std::string(parameter.at("name").as_string())] =
          std::string(parameter.at("type").as_string());
    }
    EXPECT_EQ(parameters["_lastUpdated"], "date") << type;
    EXPECT_EQ(parameters["_sort"], "special") << type;
    EXPECT_FALSE(parameters.contains("_include")) << type;
    for (const auto& [key, name] :
         {std::pair{"searchInclude", "_include"}, std::pair{"searchRevInclude", "_revinclude"}}) {
      std::vector<std::string> listed;
      if (const boost::json::value* specs = resource.if_contains(key)) {
        for (const auto& spec : specs->as_array()) {
          listed.emplace_back(spec.as_string());
        }
        EXPECT_FALSE(listed.empty()) << type;
      }
      EXPECT_EQ(listed, std::string(key) == "searchInclude" ? fhir::include_targets_of(type)
                                                            : fhir::revinclude_sources_of(type))
          << type;
      for (const std::string& spec : listed) {
        EXPECT_TRUE(fhir::parse_search(type, {{name, spec}})) << type << " " << spec;
        ++with_includes;
      }
    }
    if (type == "Observation") {
      EXPECT_EQ(resource.at("searchInclude"),
                (boost::json::array{"Observation:patient", "Observation:subject"}));
      EXPECT_FALSE(resource.contains("searchRevInclude"));
    }
    if (type == "Patient") {
      EXPECT_FALSE(resource.contains("searchInclude"));
      const auto& reverse = resource.at("searchRevInclude").as_array();
      EXPECT_NE(std::find(reverse.begin(), reverse.end(), "Observation:subject"), reverse.end());
    }
  }
  EXPECT_GT(with_includes, 20U);
}

}  // namespace
}  // namespace vigie::http
