#include "demo/demo_data.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "demo/civil_date.hpp"
#include "demo/clinical_catalog.hpp"
#include "demo/demo_random.hpp"
#include "demo/french_identity.hpp"
#include "fhir/identifiers.hpp"

namespace vigie::demo {

namespace {

namespace json = boost::json;

constexpr std::string_view kLoincSystem = "http://loinc.org";
constexpr std::string_view kSnomedSystem = "http://snomed.info/sct";
constexpr std::string_view kIcd10System = "http://hl7.org/fhir/sid/icd-10";
constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";
// The system of an identifier that is a URI (here the urn:uuid the demo data gives a resource).
constexpr std::string_view kUriIdentifierSystem = "urn:ietf:rfc:3986";
constexpr std::string_view kObservationCategorySystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";
constexpr std::string_view kConditionClinicalSystem =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
constexpr std::string_view kConditionVerificationSystem =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
constexpr std::string_view kConditionCategorySystem =
    "http://terminology.hl7.org/CodeSystem/condition-category";
constexpr std::string_view kOrganizationTypeSystem =
    "http://terminology.hl7.org/CodeSystem/organization-type";
constexpr std::string_view kActReasonSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr std::string_view kBirthPlaceExtension =
    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
// FINESS, the national register of health and social care establishments.
constexpr std::string_view kFinessSystem = "urn:oid:1.2.250.1.71.4.2.2";

constexpr int64_t kClinicalWindowDays = int64_t{3} * 365;

constexpr auto kLaboratoryNames = std::to_array<std::string_view>({
    "Laboratoire de biologie médicale des Tilleuls",
    "Laboratoire d'analyses médicales Pasteur-Garonne",
    "Biologie médicale du Vieux-Port",
});
constexpr size_t kNurses = 4;
constexpr size_t kPhysicians = 3;

// Age brackets of the patients of home nurses and laboratories: mostly older adults.
struct AgeBracket {
  int low;
  int high;
};
constexpr auto kAgeBrackets = std::to_array<AgeBracket>({{0, 17}, {18, 44}, {45, 69}, {70, 99}});
constexpr auto kAgeBracketWeights = std::to_array<int>({8, 22, 32, 38});
// Adults have 1, 2 or 3 conditions with these weights; children have one.
constexpr auto kConditionCountWeights = std::to_array<int>({45, 35, 20});

enum class Sex { kFemale, kMale };

// Where a patient was born: a French commune, or a country abroad.
struct BirthPlace {
  const City* city = nullptr;
  const BirthCountry* country = nullptr;
};

struct Person {
  Sex sex = Sex::kFemale;
  int age = 0;
  int64_t birth_day = 0;  // days since 1970-01-01
  CivilDate birth;
  BirthPlace birth_place;
  const City* residence = nullptr;
  std::string family;
  std::vector<std::string_view> given;
  std::string nir;
};

// The shared resources every patient's entries refer to.
struct CareProviders {
  std::vector<std::string> laboratories;
  std::vector<std::string> nurses;
  std::vector<std::string> physicians;
};

// One patient's providers, drawn from CareProviders.
struct CareTeam {
  std::string_view laboratory;
  std::string_view nurse;
  std::string_view physician;
};

struct PlannedObservation {
  const ObservationKind* kind = nullptr;
  ValueRange range;
  const ConditionKind* condition = nullptr;  // null for routine vital signs
};

// An independent stream per purpose: index 0 for the shared resources, i + 1 for patient i.
[[nodiscard]] DemoRandom stream(uint64_t seed, uint64_t index) {
  uint64_t index_state = index;
  return DemoRandom(seed ^ splitmix64(index_state));
}

// A random (version 4) UUID as a urn.
[[nodiscard]] std::string new_urn_uuid(DemoRandom& random) {
  const uint64_t high = (random.next() & 0xffff'ffff'ffff'0fffULL) | 0x0000'0000'0000'4000ULL;
  const uint64_t low = (random.next() & 0x3fff'ffff'ffff'ffffULL) | 0x8000'0000'0000'0000ULL;
  return fmt::format("urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32,
                     (high >> 16) & 0xffff, high & 0xffff, low >> 48, low & 0xffff'ffff'ffffULL);
}

// Replaces the note tokens described in clinical_catalog.hpp; unknown tokens stay as written.
[[nodiscard]] std::string expand(std::string_view fragment, Sex sex, DemoRandom& random) {
  const bool female = sex == Sex::kFemale;
  std::string text;
  text.reserve(fragment.size() + 8);
  size_t position = 0;
  while (position < fragment.size()) {
    const size_t open = fragment.find('{', position);
    const size_t close = open == std::string_view::npos ? open : fragment.find('}', open);
    if (close == std::string_view::npos) {
      text.append(fragment.substr(position));
      break;
    }
    text.append(fragment.substr(position, open - position));
    const std::string_view token = fragment.substr(open + 1, close - open - 1);
    if (token == "e") {
      text.append(female ? "e" : "");
    } else if (token == "il") {
      text.append(female ? "elle" : "il");
    } else if (token == "Il") {
      text.append(female ? "Elle" : "Il");
    } else if (token == "le") {
      text.append(female ? "la" : "le");
    } else if (token == "n") {
      text.append(std::to_string(random.uniform(2, 12)));
    } else if (token == "l") {
      text.push_back(static_cast<char>('A' + random.uniform(0, 5)));
    } else {
      text.append(fragment.substr(open, close - open + 1));
    }
    position = close + 1;
  }
  return text;
}

[[nodiscard]] std::string compose_note(NoteTemplate note, Sex sex, DemoRandom& random) {
  std::string text;
  for (const Fragments& group : note) {
    const std::string part = expand(random.pick(group), sex, random);
    if (part.empty()) {
      continue;
    }
    if (!text.empty()) {
      text.push_back(' ');
    }
    text.append(part);
  }
  return text;
}

[[nodiscard]] json::object coding(std::string_view system, std::string_view code,
                                  std::string_view display) {
  return json::object{{"system", system}, {"code", code}, {"display", display}};
}

[[nodiscard]] json::object reference(std::string_view url) {
  return json::object{{"reference", url}};
}

[[nodiscard]] json::array annotation(std::string text) {
  return json::array{json::object{{"text", std::move(text)}}};
}

// Every resource carries its fullUrl as an identifier, and its entry creates it only if no
// resource has that identifier yet (ifNoneExist): importing the same demo data twice adds
// nothing.
void add_entry(json::array& entries, std::string_view type, std::string_view full_url,
               json::object resource) {
  json::value& identifiers = resource["identifier"];
  if (!identifiers.is_array()) {
    identifiers = json::array();
  }
  identifiers.as_array().emplace_back(
      json::object{{"system", kUriIdentifierSystem}, {"value", full_url}});
  json::object entry;
  entry["fullUrl"] = full_url;
  entry["resource"] = std::move(resource);
  entry["request"] = json::object{
      {"method", "POST"},
      {"url", type},
      {"ifNoneExist", fmt::format("identifier={}|{}", kUriIdentifierSystem, full_url)}};
  entries.emplace_back(std::move(entry));
}

[[nodiscard]] std::string mobile_phone(DemoRandom& random) {
  if (random.chance(70)) {
    return fmt::format("+336{:08}", random.uniform(0, 99'999'999));
  }
  const int64_t block = random.uniform(3, 9);  // 07 numbers start with 073..079
  return fmt::format("+337{}{:07}", block, random.uniform(0, 9'999'999));
}

// A work number: +33 then a region digit (1 Paris area .. 5 south-west) and 8 digits.
[[nodiscard]] std::string landline_phone(DemoRandom& random) {
  const int64_t region = random.uniform(1, 5);
  return fmt::format("+33{}{:08}", region, random.uniform(0, 99'999'999));
}

// One postal address; `use` is "home" for people and "work" for organisations.
[[nodiscard]] json::array address(const City& city, std::string_view use, DemoRandom& random) {
  const int64_t number = random.uniform(1, 150);
  const bool bis = random.chance(6);
  json::array lines;
  lines.emplace_back(
      fmt::format("{}{} {}", number, bis ? " bis" : "", random.pick(street_names())));
  if (random.chance(25)) {
    lines.emplace_back(expand(random.pick(address_complements()), Sex::kFemale, random));
  }
  return json::array{json::object{{"use", use},
                                  {"type", "physical"},
                                  {"line", std::move(lines)},
                                  {"city", city.name},
                                  {"postalCode", city.postal_code},
                                  {"country", "FR"}}};
}

[[nodiscard]] json::array human_name(std::string_view family,
                                     std::span<const std::string_view> given,
                                     std::string_view prefix) {
  json::array given_names;
  for (const std::string_view name : given) {
    given_names.emplace_back(name);
  }
  json::object name{{"use", "official"}, {"family", family}, {"given", std::move(given_names)}};
  if (!prefix.empty()) {
    name["prefix"] = json::array{prefix};
  }
  return json::array{std::move(name)};
}

[[nodiscard]] std::span<const std::string_view> given_names(const NamePool& pool, Sex sex) {
  return sex == Sex::kFemale ? pool.female_given : pool.male_given;
}

CareProviders add_care_providers(json::array& entries, DemoRandom& random) {
  CareProviders providers;
  for (const std::string_view name : kLaboratoryNames) {
    const City& city = random.pick(french_cities());
    std::string url = new_urn_uuid(random);
    const std::string finess =
        fmt::format("{}{:07}", city.department, random.uniform(0, 9'999'999));
    const std::string phone = landline_phone(random);
    json::array postal_address = address(city, "work", random);
    json::object organization{
        {"resourceType", "Organization"},
        {"identifier", json::array{json::object{{"system", kFinessSystem}, {"value", finess}}}},
        {"active", true},
        {"type",
         json::array{json::object{{"coding", json::array{coding(kOrganizationTypeSystem, "prov",
                                                                "Healthcare Provider")}},
                                  {"text", "Laboratoire de biologie médicale"}}}},
        {"name", name},
        {"telecom",
         json::array{json::object{{"system", "phone"}, {"value", phone}, {"use", "work"}}}},
        {"address", std::move(postal_address)}};
    add_entry(entries, "Organization", url, std::move(organization));
    providers.laboratories.push_back(std::move(url));
  }
  const NamePool& pool = name_pool(NameOrigin::kFrance);
  for (size_t index = 0; index < kNurses + kPhysicians; ++index) {
    const bool physician = index >= kNurses;
    const Sex sex = random.chance(physician ? 50 : 85) ? Sex::kFemale : Sex::kMale;
    const std::string_view family = random.pick(pool.families);
    const std::array<std::string_view, 1> given{random.pick(given_names(pool, sex))};
    std::string_view qualification = "Médecin généraliste";
    if (!physician) {
      qualification =
          sex == Sex::kFemale ? "Infirmière diplômée d'État" : "Infirmier diplômé d'État";
    }
    std::string url = new_urn_uuid(random);
    const std::string rpps = fmt::format("10{:09}", random.uniform(0, 999'999'999));
    const std::string phone = mobile_phone(random);
    json::object practitioner{
        {"resourceType", "Practitioner"},
        {"identifier", json::array{json::object{{"system", fhir::kRppsSystem}, {"value", rpps}}}},
        {"active", true},
        {"name", human_name(family, given, physician ? "Dr" : "")},
        {"telecom",
         json::array{json::object{{"system", "phone"}, {"value", phone}, {"use", "work"}}}},
        {"gender", sex == Sex::kFemale ? "female" : "male"},
        {"qualification",
         json::array{json::object{{"code", json::object{{"text", qualification}}}}}}};
    add_entry(entries, "Practitioner", url, std::move(practitioner));
    (physician ? providers.physicians : providers.nurses).push_back(std::move(url));
  }
  return providers;
}

[[nodiscard]] BirthPlace draw_birth_place(DemoRandom& random) {
  if (random.chance(6)) {
    return BirthPlace{nullptr, &random.pick(birth_countries())};
  }
  return BirthPlace{&random.pick(french_cities()), nullptr};
}

[[nodiscard]] NameOrigin draw_origin(const BirthPlace& place, DemoRandom& random) {
  if (place.country != nullptr) {
    return random.chance(85) ? place.country->origin : NameOrigin::kFrance;
  }
  if (place.city->department == "2A" || place.city->department == "2B") {
    return random.chance(70) ? NameOrigin::kCorsica : NameOrigin::kFrance;
  }
  return random.chance(82) ? NameOrigin::kFrance : random.pick(settled_origins());
}

[[nodiscard]] std::string make_nir(const Person& person, DemoRandom& random) {
  const std::string_view department =
      person.birth_place.city != nullptr ? person.birth_place.city->department : "99";
  const std::string_view commune = person.birth_place.city != nullptr
                                       ? person.birth_place.city->commune
                                       : person.birth_place.country->cog_code;
  const std::string first13 = fmt::format("{}{:02}{:02}{}{}{:03}", person.sex == Sex::kMale ? 1 : 2,
                                          person.birth.year % 100, person.birth.month, department,
                                          commune, random.uniform(1, 999));
  return fmt::format("{}{:02}", first13, fhir::nir_control_key(first13));
}

[[nodiscard]] Person draw_person(DemoRandom& random, int64_t today) {
  Person person;
  person.sex = random.chance(53) ? Sex::kFemale : Sex::kMale;
  const AgeBracket& bracket = kAgeBrackets[random.pick_weighted(kAgeBracketWeights)];
  person.age = static_cast<int>(random.uniform(bracket.low, bracket.high));
  person.birth_day = today - (person.age * 365 + person.age / 4) - random.uniform(1, 364);
  person.birth = civil_from_days(person.birth_day);
  person.birth_place = draw_birth_place(random);
  person.residence = person.birth_place.city != nullptr && random.chance(65)
                         ? person.birth_place.city
                         : &random.pick(french_cities());

  const NameOrigin origin = draw_origin(person.birth_place, random);
  const NamePool& pool = name_pool(origin);
  const NamePool& french = name_pool(NameOrigin::kFrance);
  person.family = random.pick(pool.families);
  if (origin == NameOrigin::kFrance && random.chance(6)) {
    person.family = fmt::format("{}-{}", person.family, random.pick(french.families));
  }
  // Children of settled families often have a French given name.
  const bool french_given = origin == NameOrigin::kFrance || origin == NameOrigin::kCorsica ||
                            (person.birth_place.city != nullptr && random.chance(50));
  const NamePool& given_pool = french_given ? french : pool;
  person.given.push_back(random.pick(given_names(given_pool, person.sex)));
  if (random.chance(30)) {
    const std::string_view second = random.pick(given_names(given_pool, person.sex));
    if (second != person.given.front()) {
      person.given.push_back(second);
    }
  }
  person.nir = make_nir(person, random);
  return person;
}

[[nodiscard]] std::string email(const Person& person, DemoRandom& random) {
  const std::string given = fold_to_ascii_lower(person.given.front());
  const std::string family = fold_to_ascii_lower(person.family);
  const std::string_view domain = random.pick(email_domains());
  switch (random.uniform(0, 2)) {
    case 0:
      return fmt::format("{}.{}@{}", given, family, domain);
    case 1:
      return fmt::format("{}.{}{:02}@{}", given, family, person.birth.year % 100, domain);
    default:
      return fmt::format("{}{}{}@{}", given.front(), family, random.uniform(1, 99), domain);
  }
}

[[nodiscard]] json::object patient_resource(const Person& person, const CareTeam& team,
                                            DemoRandom& random) {
  json::object birth_address;
  if (person.birth_place.city != nullptr) {
    birth_address = json::object{{"city", person.birth_place.city->name}, {"country", "FR"}};
  } else {
    birth_address = json::object{{"country", person.birth_place.country->iso_code}};
  }
  const std::string phone = mobile_phone(random);
  const std::string mail = email(person, random);
  json::array postal_address = address(*person.residence, "home", random);
  json::object patient{
      {"resourceType", "Patient"},
      {"meta",
       json::object{{"tag", json::array{coding(kActReasonSystem, "HTEST", "test health data")}}}},
      {"extension", json::array{json::object{{"url", kBirthPlaceExtension},
                                             {"valueAddress", std::move(birth_address)}}}},
      {"identifier",
       json::array{json::object{
           {"use", "official"}, {"system", fhir::kInsNirSystem}, {"value", person.nir}}}},
      {"active", true},
      {"name", human_name(person.family, person.given, "")},
      {"telecom",
       json::array{json::object{{"system", "phone"}, {"value", phone}, {"use", "mobile"}},
                   json::object{{"system", "email"}, {"value", mail}, {"use", "home"}}}},
      {"gender", person.sex == Sex::kFemale ? "female" : "male"},
      {"birthDate", format_date(person.birth)},
      {"address", std::move(postal_address)},
      {"generalPractitioner", json::array{reference(team.physician)}}};
  return patient;
}

[[nodiscard]] bool eligible(const ConditionKind& kind, const Person& person) {
  if (person.age < kind.min_age || person.age > kind.max_age) {
    return false;
  }
  return kind.sex == SexRestriction::kAny ||
         (kind.sex == SexRestriction::kFemale) == (person.sex == Sex::kFemale);
}

[[nodiscard]] std::vector<const ConditionKind*> draw_conditions(const Person& person,
                                                                DemoRandom& random) {
  const std::span<const ConditionKind> kinds = condition_kinds();
  std::vector<int> weights(kinds.size(), 0);
  int total = 0;
  for (size_t index = 0; index < kinds.size(); ++index) {
    if (eligible(kinds[index], person)) {
      weights[index] = kinds[index].weight;
      total += weights[index];
    }
  }
  const size_t wanted = person.age < 18 ? 1 : random.pick_weighted(kConditionCountWeights) + 1;
  std::vector<const ConditionKind*> chosen;
  while (chosen.size() < wanted && total > 0) {
    const size_t index = random.pick_weighted(weights);
    chosen.push_back(&kinds[index]);
    total -= weights[index];
    weights[index] = 0;
  }
  return chosen;
}

[[nodiscard]] ValueRange weight_for_age(int age) {
  if (age < 1) {
    return {30, 100, 10};
  }
  if (age < 6) {
    return {90, 220, 10};
  }
  if (age < 12) {
    return {180, 450, 10};
  }
  if (age < 16) {
    return {350, 700, 10};
  }
  return {480, 1050, 10};
}

[[nodiscard]] PlannedObservation routine_observation(const Person& person, DemoRandom& random) {
  switch (random.uniform(0, 4)) {
    case 0:
      return {&kBodyTemperature, {361, 378, 10}, nullptr};
    case 1:
      return {&kHeartRate, person.age < 3 ? ValueRange{100, 150, 1} : ValueRange{58, 95, 1},
              nullptr};
    case 2:
      return {&kOxygenSaturation, {95, 99, 1}, nullptr};
    case 3:
      if (person.age >= 18) {
        return {&kBloodPressurePanel, {105, 150, 1}, nullptr};
      }
      return {&kBodyTemperature, {361, 378, 10}, nullptr};
    default:
      return {&kBodyWeight, weight_for_age(person.age), nullptr};
  }
}

[[nodiscard]] std::vector<PlannedObservation> plan_observations(
    const Person& person, const std::vector<const ConditionKind*>& conditions, DemoRandom& random) {
  std::vector<PlannedObservation> planned;
  for (const ConditionKind* condition : conditions) {
    for (const Monitoring& monitoring : condition->monitoring) {
      const int64_t count = random.uniform(monitoring.min_count, monitoring.max_count);
      for (int64_t repeat = 0; repeat < count; ++repeat) {
        planned.push_back({monitoring.kind, monitoring.range, condition});
      }
    }
  }
  const int64_t routine = random.uniform(planned.empty() ? 1 : 0, 2);
  for (int64_t repeat = 0; repeat < routine; ++repeat) {
    planned.push_back(routine_observation(person, random));
  }
  const size_t room = kMaxClinicalResourcesPerPatient - conditions.size();
  if (planned.size() > room) {
    planned.resize(room);
  }
  return planned;
}

[[nodiscard]] json::value scaled(int64_t raw, int64_t scale) {
  if (scale == 1) {
    return json::value(raw);
  }
  return json::value(static_cast<double>(raw) / static_cast<double>(scale));
}

[[nodiscard]] json::object quantity(const ObservationKind& kind, json::value value) {
  return json::object{{"value", std::move(value)},
                      {"unit", kind.unit},
                      {"system", kUcumSystem},
                      {"code", kind.ucum}};
}

[[nodiscard]] json::object loinc_concept(const ObservationKind& kind) {
  return json::object{{"coding", json::array{coding(kLoincSystem, kind.loinc, kind.loinc_display)}},
                      {"text", kind.text}};
}

[[nodiscard]] json::object category(ObservationCategory category) {
  switch (category) {
    case ObservationCategory::kVitalSigns:
      return coding(kObservationCategorySystem, "vital-signs", "Vital Signs");
    case ObservationCategory::kLaboratory:
      return coding(kObservationCategorySystem, "laboratory", "Laboratory");
    case ObservationCategory::kSurvey:
      break;
  }
  return coding(kObservationCategorySystem, "survey", "Survey");
}

// The days of the clinical window: the 3 years before today, not before birth.
struct Window {
  int64_t first_day = 0;
  int64_t today = 0;
};

[[nodiscard]] std::string draw_date_time(const Window& window, DemoRandom& random) {
  const int64_t day = random.uniform(window.first_day, window.today - 1);
  const int64_t minute = random.uniform(int64_t{7} * 60, int64_t{19} * 60 + 59);
  return format_date_time(day * kMillisPerDay + minute * 60'000);
}

[[nodiscard]] json::object observation_resource(const PlannedObservation& planned,
                                                const Person& person, std::string_view subject,
                                                const CareTeam& team, const Window& window,
                                                DemoRandom& random) {
  const ObservationKind& kind = *planned.kind;
  json::object observation{
      {"resourceType", "Observation"},
      {"status", "final"},
      {"category", json::array{json::object{{"coding", json::array{category(kind.category)}}}}},
      {"code", loinc_concept(kind)},
      {"subject", reference(subject)},
      {"effectiveDateTime", draw_date_time(window, random)},
      {"performer", json::array{reference(kind.performer == Performer::kLaboratory ? team.laboratory
                                                                                   : team.nurse)}}};
  const ValueRange& range = planned.range;
  if (&kind == &kBloodPressurePanel) {
    const int64_t systolic = random.uniform(range.low, range.high);
    const int64_t diastolic = random.uniform(std::max<int64_t>(50, systolic * 55 / 100),
                                             std::max<int64_t>(55, systolic * 65 / 100));
    observation["component"] = json::array{
        json::object{{"code", loinc_concept(kSystolicPressure)},
                     {"valueQuantity", quantity(kSystolicPressure, json::value(systolic))}},
        json::object{{"code", loinc_concept(kDiastolicPressure)},
                     {"valueQuantity", quantity(kDiastolicPressure, json::value(diastolic))}}};
  } else if (range.below_limit_percent > 0 && random.chance(range.below_limit_percent)) {
    json::object value = quantity(kind, scaled(range.low, range.scale));
    value["comparator"] = "<";
    observation["valueQuantity"] = std::move(value);
  } else {
    observation["valueQuantity"] =
        quantity(kind, scaled(random.uniform(range.low, range.high), range.scale));
  }
  if (planned.condition != nullptr && random.chance(45)) {
    observation["note"] =
        annotation(compose_note(planned.condition->follow_up, person.sex, random));
  } else if (kind.performer == Performer::kLaboratory && random.chance(15)) {
    observation["note"] = annotation(compose_note(laboratory_note(), person.sex, random));
  } else if (planned.condition == nullptr && random.chance(20)) {
    observation["note"] = annotation(compose_note(routine_visit_note(), person.sex, random));
  }
  return observation;
}

[[nodiscard]] json::object condition_resource(const ConditionKind& kind, const Person& person,
                                              std::string_view subject, const CareTeam& team,
                                              const Window& window, DemoRandom& random) {
  json::array codings;
  if (!kind.snomed.empty()) {
    codings.emplace_back(coding(kSnomedSystem, kind.snomed, kind.snomed_display));
  }
  codings.emplace_back(coding(kIcd10System, kind.icd10, kind.icd10_display));
  const int64_t recorded_day = random.uniform(window.first_day, window.today - 1);
  return json::object{
      {"resourceType", "Condition"},
      {"clinicalStatus",
       json::object{{"coding", json::array{coding(kConditionClinicalSystem, "active", "Active")}}}},
      {"verificationStatus",
       json::object{{"coding",
                     json::array{coding(kConditionVerificationSystem, "confirmed", "Confirmed")}}}},
      {"category", json::array{json::object{
                       {"coding", json::array{coding(kConditionCategorySystem, "problem-list-item",
                                                     "Problem List Item")}}}}},
      {"code", json::object{{"coding", std::move(codings)}, {"text", kind.text}}},
      {"subject", reference(subject)},
      {"recordedDate", format_date(civil_from_days(recorded_day))},
      {"asserter", reference(team.physician)},
      {"note", annotation(compose_note(kind.summary, person.sex, random))}};
}

void add_patient(json::array& entries, const CareProviders& providers, int64_t today,
                 DemoRandom& random) {
  const Person person = draw_person(random, today);
  CareTeam team;
  team.laboratory = random.pick(std::span<const std::string>(providers.laboratories));
  team.nurse = random.pick(std::span<const std::string>(providers.nurses));
  team.physician = random.pick(std::span<const std::string>(providers.physicians));
  const std::string patient_url = new_urn_uuid(random);
  add_entry(entries, "Patient", patient_url, patient_resource(person, team, random));

  const Window window{std::max(today - kClinicalWindowDays, person.birth_day), today};
  const std::vector<const ConditionKind*> conditions = draw_conditions(person, random);
  for (const ConditionKind* kind : conditions) {
    const std::string url = new_urn_uuid(random);
    add_entry(entries, "Condition", url,
              condition_resource(*kind, person, patient_url, team, window, random));
  }
  for (const PlannedObservation& planned : plan_observations(person, conditions, random)) {
    const std::string url = new_urn_uuid(random);
    add_entry(entries, "Observation", url,
              observation_resource(planned, person, patient_url, team, window, random));
  }
}

// Floor division of milliseconds into days, correct before 1970.
[[nodiscard]] int64_t day_of(int64_t unix_ms) {
  const int64_t days = unix_ms / kMillisPerDay;
  return (unix_ms % kMillisPerDay < 0) ? days - 1 : days;
}

}  // namespace

boost::json::object generate_bundle(const DemoOptions& options) {
  const int64_t today = day_of(options.now_ms);
  json::array entries;
  entries.reserve(options.patients * 9 + kLaboratoryNames.size() + kNurses + kPhysicians);
  DemoRandom shared = stream(options.seed, 0);
  const CareProviders providers = add_care_providers(entries, shared);
  for (size_t index = 0; index < options.patients; ++index) {
    DemoRandom random = stream(options.seed, index + 1);
    add_patient(entries, providers, today, random);
  }
  return json::object{
      {"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
}

}  // namespace vigie::demo
