#include "demo/demo_data.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "demo/civil_date.hpp"
#include "demo/french_identity.hpp"
#include "fhir/bundle.hpp"
#include "fhir/identifiers.hpp"
#include "fhir/validate.hpp"

namespace vigie::demo {
namespace {

namespace json = boost::json;

constexpr int64_t kThreeYearsMs = int64_t{3} * 365 * kMillisPerDay;

[[nodiscard]] const json::array& entries_of(const json::object& bundle) {
  return bundle.at("entry").as_array();
}

[[nodiscard]] const json::object& resource_of(const json::value& entry) {
  return entry.as_object().at("resource").as_object();
}

[[nodiscard]] std::string_view type_of(const json::value& entry) {
  return resource_of(entry).at("resourceType").as_string();
}

[[nodiscard]] std::vector<const json::object*> resources_of_type(const json::object& bundle,
                                                                 std::string_view type) {
  std::vector<const json::object*> found;
  for (const json::value& entry : entries_of(bundle)) {
    if (type_of(entry) == type) {
      found.push_back(&resource_of(entry));
    }
  }
  return found;
}

// Every string found under a "reference" key, at any depth.
void collect_references(const json::value& value, std::vector<std::string>& references) {
  if (const json::object* object = value.if_object()) {
    for (const auto& [key, member] : *object) {
      if (key == "reference" && member.is_string()) {
        references.emplace_back(member.get_string());
      } else {
        collect_references(member, references);
      }
    }
  } else if (const json::array* array = value.if_array()) {
    for (const json::value& element : *array) {
      collect_references(element, references);
    }
  }
}

[[nodiscard]] bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char letter) { return static_cast<unsigned char>(letter) < 0x80; });
}

[[nodiscard]] bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char letter) { return letter >= '0' && letter <= '9'; });
}

// Parses "YYYY-MM-DDThh:mm:ssZ" into Unix milliseconds.
[[nodiscard]] int64_t parse_date_time(std::string_view text) {
  const auto number = [&](size_t position, size_t length) {
    return std::stoi(std::string(text.substr(position, length)));
  };
  const CivilDate date{number(0, 4), number(5, 2), number(8, 2)};
  return days_from_civil(date) * kMillisPerDay +
         (number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2)) * int64_t{1000};
}

// One FNV-1a 64 of the serialised bundle: the same bytes on every platform.
[[nodiscard]] uint64_t fingerprint(const json::object& bundle) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char byte : json::serialize(bundle)) {
    hash = (hash ^ static_cast<unsigned char>(byte)) * 0x100000001b3ULL;
  }
  return hash;
}

class DemoDataTest : public ::testing::Test {
 protected:
  // Shared by the tests that only read it: generating 500 patients once keeps the suite fast.
  static const json::object& bundle500() {
    static const json::object bundle = generate_bundle(DemoOptions{.patients = 500, .seed = 1});
    return bundle;
  }
};

TEST_F(DemoDataTest, SameSeedGivesTheSameBundle) {
  const DemoOptions options{.patients = 40, .seed = 7};
  EXPECT_EQ(json::serialize(generate_bundle(options)), json::serialize(generate_bundle(options)));
}

TEST_F(DemoDataTest, DifferentSeedOrNowGivesADifferentBundle) {
  const std::string first = json::serialize(generate_bundle({.patients = 40, .seed = 7}));
  EXPECT_NE(first, json::serialize(generate_bundle({.patients = 40, .seed = 8})));
  EXPECT_NE(first, json::serialize(generate_bundle(
                       {.patients = 40, .seed = 7, .now_ms = kDefaultDemoNowMs + kMillisPerDay})));
}

// Pins the output for one seed, so that a platform or library whose arithmetic or iteration
// order differs is caught. Change the constant only with an intended change of the content.
TEST_F(DemoDataTest, OutputIsPinnedForOneSeed) {
  EXPECT_EQ(fingerprint(generate_bundle({.patients = 20, .seed = 1})), 7697860365372935608ULL);
}

TEST_F(DemoDataTest, SmallerBundlesArePrefixesOfLargerOnes) {
  const std::vector<DemoPatientFacts> small = patient_facts(generate_bundle({.patients = 5}));
  const std::vector<DemoPatientFacts> large = patient_facts(generate_bundle({.patients = 30}));
  ASSERT_EQ(small.size(), 5u);
  ASSERT_EQ(large.size(), 30u);
  for (size_t index = 0; index < small.size(); ++index) {
    EXPECT_EQ(small[index].nir, large[index].nir);
    EXPECT_EQ(small[index].note_texts, large[index].note_texts);
  }
}

TEST_F(DemoDataTest, HasExactlyTheRequestedNumberOfPatients) {
  for (const size_t patients : {size_t{0}, size_t{1}, size_t{137}}) {
    const json::object bundle = generate_bundle({.patients = patients, .seed = 3});
    EXPECT_EQ(resources_of_type(bundle, "Patient").size(), patients);
    EXPECT_EQ(bundle.at("resourceType").as_string(), "Bundle");
    EXPECT_EQ(bundle.at("type").as_string(), "transaction");
  }
}

TEST_F(DemoDataTest, EntriesArePostsWithUniqueUrnUuids) {
  std::set<std::string_view> urls;
  for (const json::value& entry : entries_of(bundle500())) {
    const json::object& fields = entry.as_object();
    const std::string_view url = fields.at("fullUrl").as_string();
    ASSERT_EQ(url.size(), 45u);
    ASSERT_TRUE(url.starts_with("urn:uuid:"));
    EXPECT_EQ(url[23], '4');                                                    // version 4
    EXPECT_NE(std::string_view("89ab").find(url[28]), std::string_view::npos);  // variant
    EXPECT_TRUE(urls.insert(url).second) << "duplicate fullUrl";
    const json::object& request = fields.at("request").as_object();
    EXPECT_EQ(request.at("method").as_string(), "POST");
    EXPECT_EQ(request.at("url").as_string(), type_of(entry));
    EXPECT_FALSE(resource_of(entry).contains("id"));
  }
}

TEST_F(DemoDataTest, EveryReferenceResolvesToAnEntry) {
  std::set<std::string_view> urls;
  for (const json::value& entry : entries_of(bundle500())) {
    urls.insert(entry.as_object().at("fullUrl").as_string());
  }
  std::vector<std::string> references;
  collect_references(bundle500().at("entry"), references);
  EXPECT_GT(references.size(), 500u * 4);
  for (const std::string& reference : references) {
    ASSERT_TRUE(reference.starts_with("urn:uuid:"));
    EXPECT_TRUE(urls.contains(reference)) << "dangling reference";
  }
}

TEST_F(DemoDataTest, EveryResourcePassesValidation) {
  for (const json::value& entry : entries_of(bundle500())) {
    const Result<void> valid = fhir::validate_resource(resource_of(entry));
    EXPECT_TRUE(valid.has_value()) << valid.error().message;
  }
}

TEST_F(DemoDataTest, BundlePlansAsATransaction) {
  int next_id = 0;
  const Result<fhir::BundlePlan> plan =
      fhir::plan_bundle(bundle500(), [&next_id] { return "demo-" + std::to_string(++next_id); });
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->kind, fhir::BundleKind::kTransaction);
  ASSERT_EQ(plan->entries.size(), entries_of(bundle500()).size());
  for (const fhir::PlannedEntry& entry : plan->entries) {
    EXPECT_EQ(entry.action, fhir::EntryAction::kCreate);
    EXPECT_FALSE(entry.error.has_value());
    std::vector<std::string> references;
    collect_references(entry.resource, references);
    for (const std::string& reference : references) {
      EXPECT_FALSE(reference.starts_with("urn:uuid:")) << "reference left unrewritten";
    }
  }
}

TEST_F(DemoDataTest, NirsAreValidAndMatchTheirPatient) {
  std::set<std::string> departments;
  std::set<std::string> nirs;
  size_t born_abroad = 0;
  for (const json::object* patient : resources_of_type(bundle500(), "Patient")) {
    const json::object& identifier = patient->at("identifier").as_array().at(0).as_object();
    ASSERT_EQ(identifier.at("system").as_string(), fhir::kInsNirSystem);
    const std::string_view nir = identifier.at("value").as_string();
    ASSERT_EQ(nir.size(), 15u);
    EXPECT_TRUE(fhir::validate_nir(nir).has_value());
    EXPECT_TRUE(nirs.insert(std::string(nir)).second) << "duplicate NIR";

    const std::string_view gender = patient->at("gender").as_string();
    EXPECT_EQ(nir[0], gender == "male" ? '1' : '2');
    const std::string_view birth_date = patient->at("birthDate").as_string();
    EXPECT_EQ(nir.substr(1, 2), birth_date.substr(2, 2));  // year
    EXPECT_EQ(nir.substr(3, 2), birth_date.substr(5, 2));  // month

    const std::string department(nir.substr(5, 2));
    const std::string_view commune = nir.substr(7, 3);
    departments.insert(department);
    const json::object& birth_place =
        patient->at("extension").as_array().at(0).as_object().at("valueAddress").as_object();
    if (department == "99") {
      ++born_abroad;
      const std::string_view country = birth_place.at("country").as_string();
      const auto& countries = birth_countries();
      EXPECT_TRUE(std::any_of(countries.begin(), countries.end(), [&](const BirthCountry& known) {
        return known.iso_code == country && known.cog_code == commune;
      })) << "country of birth does not match the NIR";
    } else {
      const std::string_view city = birth_place.at("city").as_string();
      const auto& cities = french_cities();
      EXPECT_TRUE(std::any_of(cities.begin(), cities.end(), [&](const City& known) {
        return known.name == city && known.department == department && known.commune == commune;
      })) << "commune of birth does not match the NIR";
    }
  }
  EXPECT_TRUE(departments.contains("2A"));
  EXPECT_TRUE(departments.contains("2B"));
  EXPECT_GT(born_abroad, 0u);
  EXPECT_GT(departments.size(), 40u);
}

TEST_F(DemoDataTest, CorsicansAppearForEverySeed) {
  for (const uint64_t seed : {2u, 3u, 4u}) {
    std::set<std::string> departments;
    for (const DemoPatientFacts& facts :
         patient_facts(generate_bundle({.patients = 500, .seed = seed}))) {
      departments.insert(facts.nir.substr(5, 2));
    }
    EXPECT_TRUE(departments.contains("2A")) << seed;
    EXPECT_TRUE(departments.contains("2B")) << seed;
  }
}

TEST_F(DemoDataTest, PatientsHaveFrenchIdentities) {
  size_t accented = 0;
  size_t hyphenated = 0;
  size_t apostrophes = 0;
  const int64_t now_day = kDefaultDemoNowMs / kMillisPerDay;
  for (const json::object* patient : resources_of_type(bundle500(), "Patient")) {
    const json::object& name = patient->at("name").as_array().at(0).as_object();
    EXPECT_EQ(name.at("use").as_string(), "official");
    std::string full(name.at("family").as_string());
    for (const json::value& given : name.at("given").as_array()) {
      full += " ";
      full += given.as_string();
    }
    accented += is_ascii(full) ? 0 : 1;
    hyphenated += full.find('-') != std::string::npos ? 1 : 0;
    apostrophes += full.find('\'') != std::string::npos ? 1 : 0;

    const std::string_view birth_date = patient->at("birthDate").as_string();
    const int64_t birth_day = days_from_civil({std::stoi(std::string(birth_date.substr(0, 4))),
                                               std::stoi(std::string(birth_date.substr(5, 2))),
                                               std::stoi(std::string(birth_date.substr(8, 2)))});
    EXPECT_LT(birth_day, now_day);
    EXPECT_GT(birth_day, now_day - int64_t{101} * 366);

    const json::object& address = patient->at("address").as_array().at(0).as_object();
    EXPECT_EQ(address.at("country").as_string(), "FR");
    const std::string_view city = address.at("city").as_string();
    const std::string_view postal_code = address.at("postalCode").as_string();
    const auto& cities = french_cities();
    EXPECT_TRUE(std::any_of(cities.begin(), cities.end(), [&](const City& known) {
      return known.name == city && known.postal_code == postal_code;
    })) << "postal code does not match the city";
    EXPECT_FALSE(address.at("line").as_array().at(0).as_string().empty());

    const json::array& telecom = patient->at("telecom").as_array();
    ASSERT_EQ(telecom.size(), 2u);
    const std::string_view phone = telecom.at(0).as_object().at("value").as_string();
    ASSERT_EQ(phone.size(), 12u);
    EXPECT_TRUE(phone.starts_with("+336") || phone.starts_with("+337"));
    EXPECT_TRUE(all_digits(phone.substr(1)));
    EXPECT_EQ(telecom.at(1).as_object().at("system").as_string(), "email");
    const std::string_view email = telecom.at(1).as_object().at("value").as_string();
    EXPECT_NE(email.find('@'), std::string_view::npos);
    EXPECT_TRUE(is_ascii(email));
  }
  EXPECT_GT(accented, 100u);
  EXPECT_GT(hyphenated, 10u);
  EXPECT_GT(apostrophes, 0u);
}

TEST_F(DemoDataTest, ClinicalResourcesAreCodedAndRecent) {
  const int64_t now = kDefaultDemoNowMs;
  std::set<std::string_view> loinc_codes;
  for (const json::object* observation : resources_of_type(bundle500(), "Observation")) {
    EXPECT_EQ(observation->at("status").as_string(), "final");
    const std::string_view category = observation->at("category")
                                          .as_array()
                                          .at(0)
                                          .as_object()
                                          .at("coding")
                                          .as_array()
                                          .at(0)
                                          .as_object()
                                          .at("code")
                                          .as_string();
    EXPECT_TRUE(category == "vital-signs" || category == "laboratory" || category == "survey");
    const json::object& coding =
        observation->at("code").as_object().at("coding").as_array().at(0).as_object();
    EXPECT_EQ(coding.at("system").as_string(), "http://loinc.org");
    const std::string_view code = coding.at("code").as_string();
    loinc_codes.insert(code);
    const int64_t effective = parse_date_time(observation->at("effectiveDateTime").as_string());
    EXPECT_LT(effective, now);
    EXPECT_GE(effective, now - kThreeYearsMs - kMillisPerDay);
    if (code == "85354-9") {
      const json::array& components = observation->at("component").as_array();
      ASSERT_EQ(components.size(), 2u);
      EXPECT_FALSE(observation->contains("valueQuantity"));
    } else {
      const json::object& quantity = observation->at("valueQuantity").as_object();
      EXPECT_EQ(quantity.at("system").as_string(), "http://unitsofmeasure.org");
      EXPECT_TRUE(quantity.at("value").is_number());
      EXPECT_FALSE(quantity.at("code").as_string().empty());
    }
    EXPECT_EQ(observation->at("performer").as_array().size(), 1u);
  }
  for (const std::string_view expected : {"85354-9", "8867-4", "8310-5", "29463-7", "2339-0",
                                          "4548-4", "2160-0", "718-7", "6301-6", "2823-3"}) {
    EXPECT_TRUE(loinc_codes.contains(expected)) << expected;
  }
  for (const json::object* condition : resources_of_type(bundle500(), "Condition")) {
    EXPECT_TRUE(condition->at("clinicalStatus").is_object());
    EXPECT_EQ(condition->at("recordedDate").as_string().size(), 10u);
    const json::array& codings = condition->at("code").as_object().at("coding").as_array();
    ASSERT_FALSE(codings.empty());
    EXPECT_EQ(codings.back().as_object().at("system").as_string(),
              "http://hl7.org/fhir/sid/icd-10");
    EXPECT_FALSE(condition->at("note").as_array().at(0).as_object().at("text").as_string().empty());
  }
}

TEST_F(DemoDataTest, EachPatientHasAFewToADozenClinicalResources) {
  std::map<std::string_view, size_t> per_patient;
  for (const json::value& entry : entries_of(bundle500())) {
    const json::object& resource = resource_of(entry);
    if (const json::value* subject = resource.if_contains("subject")) {
      ++per_patient[subject->as_object().at("reference").as_string()];
    }
  }
  ASSERT_EQ(per_patient.size(), 500u);
  for (const auto& [patient, count] : per_patient) {
    EXPECT_GE(count, 2u);
    EXPECT_LE(count, kMaxClinicalResourcesPerPatient);
  }
}

TEST_F(DemoDataTest, SharedProvidersHaveNationalIdentifiers) {
  const std::vector<const json::object*> practitioners =
      resources_of_type(bundle500(), "Practitioner");
  ASSERT_FALSE(practitioners.empty());
  for (const json::object* practitioner : practitioners) {
    const json::object& identifier = practitioner->at("identifier").as_array().at(0).as_object();
    EXPECT_EQ(identifier.at("system").as_string(), fhir::kRppsSystem);
    EXPECT_TRUE(fhir::is_valid_rpps(identifier.at("value").as_string()));
  }
  EXPECT_FALSE(resources_of_type(bundle500(), "Organization").empty());
}

TEST_F(DemoDataTest, PatientFactsCoverEveryPatient) {
  const std::vector<DemoPatientFacts> facts = patient_facts(bundle500());
  ASSERT_EQ(facts.size(), 500u);
  bool hiv = false;
  bool chemotherapy = false;
  std::set<std::string> distinct_notes;
  for (const DemoPatientFacts& patient : facts) {
    EXPECT_FALSE(patient.family.empty());
    EXPECT_FALSE(patient.given.empty());
    EXPECT_EQ(patient.nir.size(), 15u);
    EXPECT_EQ(patient.birth_date.size(), 10u);
    ASSERT_FALSE(patient.note_texts.empty());
    for (const std::string& note : patient.note_texts) {
      EXPECT_GE(note.size(), 20u);
      EXPECT_EQ(note.find_first_of("{}"), std::string::npos) << "unexpanded token";
      hiv = hiv || note.find("VIH") != std::string::npos;
      chemotherapy = chemotherapy || note.find("chimiothérapie") != std::string::npos;
      distinct_notes.insert(note);
    }
  }
  EXPECT_TRUE(hiv);
  EXPECT_TRUE(chemotherapy);
  EXPECT_GT(distinct_notes.size(), 300u);
}

TEST_F(DemoDataTest, PatientFactsToleratesOtherDocuments) {
  EXPECT_TRUE(patient_facts(json::object{}).empty());
  EXPECT_TRUE(patient_facts(json::object{{"entry", 3}}).empty());
  const json::object bundle{
      {"entry", json::array{json::object{{"resource", json::object{{"resourceType", "Patient"}}}},
                            json::object{{"fullUrl", 1}}, 7}}};
  const std::vector<DemoPatientFacts> facts = patient_facts(bundle);
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_TRUE(facts[0].family.empty());
  EXPECT_TRUE(facts[0].note_texts.empty());
}

}  // namespace
}  // namespace vigie::demo
