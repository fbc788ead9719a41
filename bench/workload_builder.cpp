#include "bench/workload_builder.hpp"

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "demo/demo_data.hpp"
#include "fhir/identifiers.hpp"
#include "fhir/search.hpp"
#include "vault/vault.hpp"

namespace vigie::bench {

namespace {

namespace json = boost::json;

constexpr size_t kPrefixCharacters = 3;
constexpr size_t kMaxDrawsPerSearch = 100;
// A first guess of the demo Bundle's entries per patient; more patients are made if short.
constexpr size_t kExpectedResourcesPerPatient = 8;

// The first `count` UTF-8 characters of `text` (all of it when shorter).
std::string first_characters(std::string_view text, size_t count) {
  size_t end = 0;
  size_t seen = 0;
  while (end < text.size()) {
    const auto byte = static_cast<unsigned char>(text[end]);
    if ((byte & 0xC0) != 0x80 && seen++ == count) {
      break;
    }
    ++end;
  }
  return std::string(text.substr(0, end));
}

// What the searches of a Patient use: its INS-NIR identifier and its first family name.
struct PatientKeys {
  std::string identifier;
  std::string family;
};

// The string at `key` of `object`, or an empty view.
std::string_view string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string())
                                                : std::string_view();
}

// The objects of the array at `key` of `object`.
std::vector<const json::object*> objects_at(const json::object& object, std::string_view key) {
  std::vector<const json::object*> objects;
  const json::value* value = object.if_contains(key);
  if (value != nullptr && value->is_array()) {
    for (const json::value& item : value->get_array()) {
      if (item.is_object()) {
        objects.push_back(&item.get_object());
      }
    }
  }
  return objects;
}

std::optional<PatientKeys> keys_of(const json::object& patient) {
  PatientKeys keys;
  for (const json::object* identifier : objects_at(patient, "identifier")) {
    if (string_at(*identifier, "system") == fhir::kInsNirSystem &&
        !string_at(*identifier, "value").empty()) {
      keys.identifier = fmt::format("{}|{}", fhir::kInsNirSystem, string_at(*identifier, "value"));
      break;
    }
  }
  for (const json::object* name : objects_at(patient, "name")) {
    if (!string_at(*name, "family").empty()) {
      keys.family = std::string(string_at(*name, "family"));
      break;
    }
  }
  if (keys.identifier.empty() || keys.family.empty()) {
    return std::nullopt;
  }
  return keys;
}

Result<fhir::BundlePlan> planned_demo(const WorkloadSpec& spec) {
  demo::DemoOptions options;
  options.seed = spec.seed;
  options.patients = spec.resources / kExpectedResourcesPerPatient + 1;
  json::object bundle;
  while (true) {
    bundle = demo::generate_bundle(options);
    if (bundle.at("entry").as_array().size() >= spec.resources) {
      break;
    }
    options.patients += options.patients / 4 + 1;
  }
  bundle.at("entry").as_array().resize(spec.resources);
  auto plan = fhir::plan_bundle(bundle, [] { return vault::Vault::new_id(); });
  if (!plan) {
    return fail(ErrorCode::kInternal, "the demo Bundle does not plan: " + plan.error().message);
  }
  return plan;
}

}  // namespace

Result<Workload> build_workload(const WorkloadSpec& spec) {
  auto plan = planned_demo(spec);
  if (!plan) {
    return tl::unexpected(plan.error());
  }
  Workload workload;
  std::vector<ResourceKey> keys;
  std::vector<PatientKeys> patients;
  for (fhir::PlannedEntry& entry : plan->entries) {
    if (entry.action != fhir::EntryAction::kCreate || entry.error) {
      return fail(ErrorCode::kInternal, "the demo Bundle holds an entry that is not a create");
    }
    keys.push_back(ResourceKey{entry.type, entry.id});
    if (entry.type == "Patient") {
      if (auto patient = keys_of(entry.resource); patient) {
        patients.push_back(std::move(*patient));
      }
    }
    if (workload.batches.empty() || workload.batches.back().entries.size() == spec.batch_size) {
      workload.batches.emplace_back().kind = fhir::BundleKind::kTransaction;
    }
    workload.batches.back().entries.push_back(std::move(entry));
  }
  if (patients.empty()) {
    return fail(ErrorCode::kInternal, "the demo Bundle holds no Patient with an INS-NIR");
  }
  std::mt19937_64 random(spec.seed);
  std::uniform_int_distribution<size_t> any_entry(0, keys.size() - 1);
  std::uniform_int_distribution<size_t> any_patient(0, patients.size() - 1);
  for (size_t read = 0; read < spec.reads; ++read) {
    workload.reads.push_back(keys[any_entry(random)]);
  }
  for (size_t search = 0; search < spec.identifier_searches; ++search) {
    workload.identifiers.push_back(patients[any_patient(random)].identifier);
  }
  // A prefix that folds to fewer than 3 letters is refused by parse_search: another is drawn.
  for (size_t draw = 0; workload.family_prefixes.size() < spec.family_searches; ++draw) {
    if (draw == kMaxDrawsPerSearch * spec.family_searches) {
      return fail(ErrorCode::kInternal, "too few demo family names make a searchable prefix");
    }
    std::string prefix = first_characters(patients[any_patient(random)].family, kPrefixCharacters);
    if (fhir::parse_search("Patient", {{"family", prefix}})) {
      workload.family_prefixes.push_back(std::move(prefix));
    }
  }
  return workload;
}

}  // namespace vigie::bench
