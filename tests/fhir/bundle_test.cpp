#include "fhir/bundle.hpp"

#include <string>

#include <gtest/gtest.h>

#include "fhir/json.hpp"
#include "fhir/search_index.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using testing::object_from;
using testing::read_fixture;

// Hands out "new-1", "new-2", ... so tests can predict the ids.
class SequentialIds {
 public:
  std::function<std::string()> generator() {
    return [this] { return "new-" + std::to_string(++issued_); };
  }
  int issued() const { return issued_; }

 private:
  int issued_ = 0;
};

std::string reference_at(const boost::json::object& resource, std::string_view element) {
  return std::string(resource.at(element).as_object().at("reference").as_string());
}

TEST(PlanBundle, PlansTheTransactionFixture) {
  Result<boost::json::object> bundle = parse_json_object(read_fixture("transaction_small.json"));
  ASSERT_TRUE(bundle.has_value());
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(*bundle, ids.generator());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->kind, BundleKind::kTransaction);
  ASSERT_EQ(plan->entries.size(), 5u);
  EXPECT_EQ(ids.issued(), 3);

  const PlannedEntry& patient = plan->entries[0];
  EXPECT_EQ(patient.index, 0u);
  EXPECT_EQ(patient.action, EntryAction::kCreate);
  EXPECT_EQ(patient.type, "Patient");
  EXPECT_EQ(patient.id, "new-1");
  EXPECT_EQ(patient.resource.at("id").as_string(), "new-1");
  EXPECT_FALSE(patient.error.has_value());

  const PlannedEntry& encounter = plan->entries[1];
  EXPECT_EQ(encounter.id, "new-2");
  EXPECT_EQ(reference_at(encounter.resource, "subject"), "Patient/new-1");
  EXPECT_EQ(patient_compartment_of(encounter.resource), "new-1");

  const PlannedEntry& observation = plan->entries[2];
  EXPECT_EQ(reference_at(observation.resource, "subject"), "Patient/new-1");
  EXPECT_EQ(reference_at(observation.resource, "encounter"), "Encounter/new-2");
  EXPECT_EQ(observation.resource.at("hasMember").as_array()[0].as_object().at("reference"),
            "Observation/existing-1");

  const PlannedEntry& practitioner = plan->entries[3];
  EXPECT_EQ(practitioner.action, EntryAction::kUpdate);
  EXPECT_EQ(practitioner.type, "Practitioner");
  EXPECT_EQ(practitioner.id, "dr-martin");

  const PlannedEntry& deletion = plan->entries[4];
  EXPECT_EQ(deletion.action, EntryAction::kDelete);
  EXPECT_EQ(deletion.type, "Observation");
  EXPECT_EQ(deletion.id, "old-1");
  EXPECT_TRUE(deletion.resource.empty());
}

TEST(ParseIfNoneExist, IsTheSearchOfAConditionalCreateAskingForTwoMatches) {
  for (std::string_view text :
       {"identifier=https://example.org/ids%7CD-1", "?identifier=https://example.org/ids%7CD-1"}) {
    Result<SearchQuery> query = parse_if_none_exist("Patient", text);
    ASSERT_TRUE(query) << query.error().message;
    EXPECT_EQ(query->type, "Patient");
    ASSERT_EQ(query->token_conditions.size(), 1u);
    EXPECT_EQ(query->token_conditions[0].param, "identifier");
    EXPECT_EQ(query->count, 2u);
    EXPECT_EQ(query->offset, 0u);
  }
  Result<SearchQuery> paged = parse_if_none_exist("Patient", "family=dupont&_count=40&_offset=9");
  ASSERT_TRUE(paged);
  EXPECT_EQ(paged->count, 2u);
  EXPECT_EQ(paged->offset, 0u);
}

TEST(ParseIfNoneExist, RefusesWhatIsNotASearchOfTheType) {
  for (std::string_view text : {"", "?", "identifier", "=x", "identifier=%zz", "a=1&&b=2",
                                "unknown=1", "birthdate=yesterday"}) {
    Result<SearchQuery> query = parse_if_none_exist("Patient", text);
    ASSERT_FALSE(query) << text;
    EXPECT_EQ(query.error().code, ErrorCode::kInvalidInput) << text;
    EXPECT_FALSE(query.error().message.empty()) << text;
  }
  EXPECT_FALSE(parse_if_none_exist("NoSuchType", "identifier=x"));
}

TEST(PlanBundle, AnIfNoneExistMatchingSeveralResourcesIsPreconditionFailed) {
  const boost::json::object bundle = object_from(R"({"resourceType":"Bundle","type":"transaction",
    "entry":[{"resource":{"resourceType":"Organization","name":"Labo"},
      "request":{"method":"POST","url":"Organization","ifNoneExist":"identifier=s%7Cv"}}]})");
  SequentialIds ids;
  const ConditionalMatcher two = [](const SearchQuery& query) -> Result<std::vector<std::string>> {
    EXPECT_EQ(query.count, 2u);
    return std::vector<std::string>{"o-1", "o-2"};
  };
  Result<BundlePlan> refused = plan_bundle(bundle, ids.generator(), two);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPreconditionFailed);
  const ConditionalMatcher one = [](const SearchQuery&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"o-1"};
  };
  Result<BundlePlan> kept = plan_bundle(bundle, ids.generator(), one);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->entries[0].action, EntryAction::kKeep);
  EXPECT_EQ(kept->entries[0].id, "o-1");
}

TEST(PlanBundle, RewritesReferencesAnywhereInTheResource) {
  boost::json::object bundle = object_from(R"({
    "resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"},
       "request":{"method":"POST","url":"Patient"}},
      {"fullUrl":"urn:uuid:e","resource":{"resourceType":"ExplanationOfBenefit","status":"active",
         "type":{"text":"t"},"use":"claim","created":"2024-01-10","outcome":"complete",
         "patient":{"reference":"urn:uuid:p"},"insurer":{"reference":"Organization/i"},
         "provider":{"reference":"not a urn"},
         "insurance":[{"focal":true,"coverage":{"reference":"#c"}}],
         "contained":[{"resourceType":"Coverage","id":"c","status":"active",
                       "beneficiary":{"reference":"urn:uuid:p"},"payor":[{"reference":"Organization/i"}]}],
         "item":[{"sequence":1,"productOrService":{"text":"s"},
                  "encounter":[{"reference":"urn:uuid:p"}]}]},
       "request":{"method":"POST","url":"ExplanationOfBenefit"}}]})");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  const boost::json::object& eob = plan->entries[1].resource;
  EXPECT_EQ(reference_at(eob, "patient"), "Patient/new-1");
  EXPECT_EQ(
      eob.at("contained").as_array()[0].as_object().at("beneficiary").as_object().at("reference"),
      "Patient/new-1");
  const boost::json::object& item = eob.at("item").as_array()[0].as_object();
  EXPECT_EQ(item.at("encounter").as_array()[0].as_object().at("reference"), "Patient/new-1");
  EXPECT_EQ(reference_at(eob, "provider"), "not a urn");
}

TEST(PlanBundle, PutEntriesWithUrnFullUrlsMapToTheirId) {
  boost::json::object bundle = object_from(R"({
    "resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"known"},
       "request":{"method":"PUT","url":"Patient/known"}},
      {"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},
                   "subject":{"reference":"urn:uuid:p"}},
       "request":{"method":"POST","url":"Observation"}}]})");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(reference_at(plan->entries[1].resource, "subject"), "Patient/known");
  EXPECT_EQ(ids.issued(), 1);
}

TEST(PlanBundle, PutSetsTheIdFromTheUrl) {
  boost::json::object bundle = object_from(R"({
    "resourceType":"Bundle","type":"transaction","entry":[
      {"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient/p1"}}]})");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->entries[0].resource.at("id"), "p1");
  EXPECT_EQ(ids.issued(), 0);
}

TEST(PlanBundle, CollectionEntries) {
  boost::json::object bundle = object_from(R"({
    "resourceType":"Bundle","type":"collection","entry":[
      {"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient","name":[{"family":"Durand"}]}},
      {"fullUrl":"urn:uuid:b","resource":{"resourceType":"Patient","id":"kept"}},
      {"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},
                   "subject":{"reference":"urn:uuid:a"},
                   "performer":[{"reference":"urn:uuid:b"}]}}]})");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->kind, BundleKind::kCollection);
  EXPECT_EQ(plan->entries[0].action, EntryAction::kCreate);
  EXPECT_EQ(plan->entries[0].id, "new-1");
  EXPECT_EQ(plan->entries[1].action, EntryAction::kUpdate);
  EXPECT_EQ(plan->entries[1].id, "kept");
  EXPECT_EQ(plan->entries[2].id, "new-2");
  EXPECT_EQ(reference_at(plan->entries[2].resource, "subject"), "Patient/new-1");
  EXPECT_EQ(plan->entries[2].resource.at("performer").as_array()[0].as_object().at("reference"),
            "Patient/kept");
}

TEST(PlanBundle, EmptyBundle) {
  SequentialIds ids;
  Result<BundlePlan> plan =
      plan_bundle(object_from(R"({"resourceType":"Bundle","type":"batch"})"), ids.generator());
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->kind, BundleKind::kBatch);
  EXPECT_TRUE(plan->entries.empty());
}

struct BundleErrorCase {
  std::string name;
  std::string entries;  // the JSON of Bundle.entry, in a transaction
  std::string message;
};

class PlanTransactionRejects : public ::testing::TestWithParam<BundleErrorCase> {};

TEST_P(PlanTransactionRejects, FailingTheWholePlan) {
  boost::json::object bundle = object_from(
      R"({"resourceType":"Bundle","type":"transaction","entry":)" + GetParam().entries + "}");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(plan.error().message, GetParam().message);
  for (std::string_view secret : {"Secret", "deadbeef", "185057800608492"}) {
    EXPECT_EQ(plan.error().message.find(secret), std::string::npos) << plan.error().message;
  }
}

constexpr std::string_view kPatientPost =
    R"({"fullUrl":"urn:uuid:deadbeef","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}})";

std::string entries(std::initializer_list<std::string_view> items) {
  std::string text = "[";
  for (std::string_view item : items) {
    if (text.size() > 1) {
      text += ",";
    }
    text += item;
  }
  return text + "]";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PlanTransactionRejects,
    ::testing::Values(
        BundleErrorCase{"DuplicateFullUrl", entries({kPatientPost, kPatientPost}),
                        "entry 1: duplicate fullUrl"},
        BundleErrorCase{
            "UndefinedUrn",
            entries(
                {kPatientPost,
                 R"({"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},"subject":{"reference":"urn:uuid:Secret"}},"request":{"method":"POST","url":"Observation"}})"}),
            "entry 1 (Observation): reference to urn:uuid that the bundle does not define"},
        BundleErrorCase{
            "UndefinedUrnDeep",
            entries(
                {R"({"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},"component":[{"code":{"text":"c"},"extension":[{"url":"u","valueReference":{"reference":"urn:uuid:deadbeef"}}]}]},"request":{"method":"POST","url":"Observation"}})"}),
            "entry 0 (Observation): reference to urn:uuid that the bundle does not define"},
        BundleErrorCase{"GetEntry",
                        entries({R"({"request":{"method":"GET","url":"Patient?name=Secret"}})"}),
                        "entry 0: GET entries are not supported in an import"},
        BundleErrorCase{"PatchEntry",
                        entries({R"({"request":{"method":"PATCH","url":"Patient/a"}})"}),
                        "entry 0: request.method must be POST, PUT or DELETE"},
        BundleErrorCase{"NoRequest", entries({R"({"resource":{"resourceType":"Patient"}})"}),
                        "entry 0: request.method and request.url are required strings"},
        BundleErrorCase{"EntryNotObject", entries({R"("Secret")"}), "entry 0: must be an object"},
        BundleErrorCase{
            "FullUrlNotString",
            entries(
                {R"({"fullUrl":1,"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}})"}),
            "entry 0: fullUrl must be a string"},
        BundleErrorCase{"PostWithoutResource",
                        entries({R"({"request":{"method":"POST","url":"Patient"}})"}),
                        "entry 0: resource is missing or not an object"},
        BundleErrorCase{
            "UnknownResourceType",
            entries(
                {R"({"resource":{"resourceType":"Secret"},"request":{"method":"POST","url":"Secret"}})"}),
            "entry 0: resourceType must be a FHIR R4 resource type"},
        BundleErrorCase{
            "PostUrlMismatch",
            entries(
                {R"({"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Observation"}})"}),
            "entry 0 (Patient): request.url of a POST must be the resource type"},
        BundleErrorCase{
            "PutUrlWrongType",
            entries(
                {R"({"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Observation/a"}})"}),
            "entry 0 (Patient): request.url of a PUT must be Type/id of the resource"},
        BundleErrorCase{
            "ConditionalPut",
            entries(
                {R"({"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient?identifier=Secret"}})"}),
            "entry 0 (Patient): request.url of a PUT must be Type/id of the resource"},
        BundleErrorCase{
            "PutIdMismatch",
            entries(
                {R"({"resource":{"resourceType":"Patient","id":"b"},"request":{"method":"PUT","url":"Patient/a"}})"}),
            "entry 0 (Patient): resource id does not match request.url"},
        BundleErrorCase{"DeleteBadUrl",
                        entries({R"({"request":{"method":"DELETE","url":"Patient/Secret/x"}})"}),
                        "entry 0: request.url of a DELETE must be Type/id"},
        BundleErrorCase{"DeleteUnknownType",
                        entries({R"({"request":{"method":"DELETE","url":"Secret/a"}})"}),
                        "entry 0: request.url of a DELETE must be Type/id"},
        BundleErrorCase{
            "SameTargetTwice",
            entries(
                {R"({"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient/a"}})",
                 R"({"request":{"method":"DELETE","url":"Patient/a"}})"}),
            "entry 1 (Patient): another entry already targets the same resource"},
        BundleErrorCase{
            "InvalidResource",
            entries(
                {R"({"resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"185057800608492"}]},"request":{"method":"POST","url":"Patient"}})"}),
            "entry 0 (Patient): Patient.identifier[0]: INS-NIR has an invalid control key"},
        BundleErrorCase{"EntryNotList", R"({"a":1})", "Bundle.entry must be a list"}),
    [](const ::testing::TestParamInfo<BundleErrorCase>& info) { return info.param.name; });

TEST(PlanBundle, CollectionStopsAtTheFirstError) {
  boost::json::object bundle = object_from(R"({
    "resourceType":"Bundle","type":"collection","entry":[
      {"resource":{"resourceType":"Patient"}},
      {"resource":{"resourceType":"Patient","id":"bad/id"}}]})");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().message, "entry 1 (Patient): Patient.id: must match [A-Za-z0-9-.]{1,64}");
}

TEST(PlanBundle, BatchKeepsEntryErrorsAndPlansTheRest) {
  boost::json::object bundle = object_from(R"({
    "resourceType":"Bundle","type":"batch","entry":[
      {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
      {"request":{"method":"GET","url":"Patient/x"}},
      {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
      {"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},"subject":{"reference":"urn:uuid:missing"}},
       "request":{"method":"POST","url":"Observation"}},
      {"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},"subject":{"reference":"urn:uuid:p"}},
       "request":{"method":"POST","url":"Observation"}},
      {"resource":{"resourceType":"Patient","gender":"F"},"request":{"method":"POST","url":"Patient"}}]})");
  SequentialIds ids;
  Result<BundlePlan> plan = plan_bundle(bundle, ids.generator());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  ASSERT_EQ(plan->entries.size(), 6u);
  EXPECT_FALSE(plan->entries[0].error.has_value());
  ASSERT_TRUE(plan->entries[1].error.has_value());
  EXPECT_EQ(plan->entries[1].error->message, "entry 1: GET entries are not supported in an import");
  ASSERT_TRUE(plan->entries[2].error.has_value());
  EXPECT_EQ(plan->entries[2].error->message, "entry 2: duplicate fullUrl");
  ASSERT_TRUE(plan->entries[3].error.has_value());
  EXPECT_EQ(plan->entries[3].error->message,
            "entry 3 (Observation): reference to urn:uuid that the bundle does not define");
  EXPECT_TRUE(plan->entries[3].resource.empty());
  EXPECT_FALSE(plan->entries[4].error.has_value());
  EXPECT_EQ(reference_at(plan->entries[4].resource, "subject"), "Patient/new-1");
  ASSERT_TRUE(plan->entries[5].error.has_value());
  EXPECT_EQ(plan->entries[5].error->code, ErrorCode::kInvalidInput);
  EXPECT_EQ(plan->entries[5].error->message,
            "entry 5 (Patient): Patient.gender: must be one of male, female, other, unknown");
}

TEST(PlanBundle, RejectsOtherBundles) {
  SequentialIds ids;
  for (std::string_view json :
       {R"({"resourceType":"Bundle","type":"searchset","entry":[]})",
        R"({"resourceType":"Bundle","type":"history"})", R"({"resourceType":"Bundle"})",
        R"({"resourceType":"Bundle","type":"document"})",
        R"({"resourceType":"Bundle","type":"transaction-response"})"}) {
    Result<BundlePlan> plan = plan_bundle(object_from(json), ids.generator());
    ASSERT_FALSE(plan.has_value()) << json;
    EXPECT_EQ(plan.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(plan.error().message, "Bundle.type must be transaction, batch or collection");
  }
  Result<BundlePlan> plan = plan_bundle(
      object_from(R"({"resourceType":"Patient","type":"transaction"})"), ids.generator());
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().message, "resourceType must be Bundle");
  EXPECT_EQ(ids.issued(), 0);
}

}  // namespace
}  // namespace vigie::fhir
