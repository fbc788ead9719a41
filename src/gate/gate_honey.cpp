// Honey records (docs/architecture.md 12.2): planting decoy patients, listing them, and the trip
// of an account that touches one.

#include <array>
#include <map>

#include <fmt/format.h>

#include "crypto/secret_bytes.hpp"
#include "demo/demo_data.hpp"
#include "gate/audited_call.hpp"
#include "gate/gate.hpp"
#include "watch/alert.hpp"

namespace vigie::gate {

namespace json = boost::json;

namespace {

constexpr std::string_view kCustodianOnly = "honey records are the custodian's";

// A uniform index below `bound` (> 0) from the system's random source (the bias of the modulo
// is below 2^-50 for any vault's number of practitioners).
size_t random_below(size_t bound) {
  std::array<uint8_t, 8> bytes{};
  crypto::random_fill(bytes);
  uint64_t value = 0;
  for (const uint8_t byte : bytes) {
    value = (value << 8) | byte;
  }
  return static_cast<size_t>(value % bound);
}

// A demo Practitioner is a physician when their name carries a prefix ("Dr"), a nurse otherwise.
bool is_physician(const json::object& practitioner) {
  const json::value* names = practitioner.if_contains("name");
  if (names == nullptr || !names->is_array() || names->as_array().empty() ||
      !names->as_array().front().is_object()) {
    return false;
  }
  const json::value* prefix = names->as_array().front().as_object().if_contains("prefix");
  return prefix != nullptr && prefix->is_array() && !prefix->as_array().empty();
}

// Replaces every `reference` whose value `mapping` names, anywhere in `value`.
void replace_references(json::value& value, const std::map<std::string, std::string>& mapping) {
  if (value.is_array()) {
    for (json::value& item : value.as_array()) {
      replace_references(item, mapping);
    }
    return;
  }
  if (!value.is_object()) {
    return;
  }
  for (auto& [key, member] : value.as_object()) {
    if (key == "reference" && member.is_string()) {
      if (auto found = mapping.find(std::string(member.as_string())); found != mapping.end()) {
        member = found->second;
      }
      continue;
    }
    replace_references(member, mapping);
  }
}

// The stored resources of one kind that stand in for the generator's own care providers.
struct StandIns {
  std::vector<std::string> physicians;  // "Practitioner/ID"
  std::vector<std::string> nurses;
  std::vector<std::string> organizations;
};

// Drops from `bundle` the care providers that the generator drew (shared resources every
// decoy would otherwise be alone to reference) and points their references at `stand_ins`, each
// one drawn at random among those of its kind. A kind the vault has none of keeps the
// generator's own resources, which the import then creates like any demo import.
void use_stand_ins(json::object& bundle, const StandIns& stand_ins) {
  json::array& entries = bundle.at("entry").as_array();
  std::map<std::string, std::string> mapping;
  json::array kept;
  kept.reserve(entries.size());
  for (json::value& value : entries) {
    json::object& entry = value.as_object();
    const json::object& resource = entry.at("resource").as_object();
    const std::string_view type = resource.at("resourceType").as_string();
    const std::vector<std::string>* pool = nullptr;
    if (type == "Organization") {
      pool = &stand_ins.organizations;
    } else if (type == "Practitioner") {
      pool = is_physician(resource) ? &stand_ins.physicians : &stand_ins.nurses;
      if (pool->empty()) {
        pool = stand_ins.physicians.empty() ? &stand_ins.nurses : &stand_ins.physicians;
      }
    }
    if (pool != nullptr && !pool->empty()) {
      mapping.emplace(std::string(entry.at("fullUrl").as_string()),
                      (*pool)[random_below(pool->size())]);
      continue;
    }
    kept.push_back(std::move(value));
  }
  for (json::value& entry : kept) {
    replace_references(entry.as_object().at("resource"), mapping);
  }
  entries = std::move(kept);
}

}  // namespace

Result<std::vector<std::string>> Gate::plant_honey(const Principal& principal, size_t count) {
  if (principal.custodian() == nullptr) {
    audit::Entry entry = start_entry(principal, audit::kActionImport);
    if (auto caller = identify(principal, entry); !caller) {
      return refused<std::vector<std::string>>(std::move(entry), caller.error());
    }
    entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), kCustodianOnly);
    return refused<std::vector<std::string>>(
        std::move(entry),
        Error{ErrorCode::kPermissionDenied, fmt::format("access denied: {}", kCustodianOnly),
              "accès refusé : les leurres sont au dépositaire"});
  }
  if (count == 0 || count > kMaxHoneyPlant) {
    return fail(ErrorCode::kUsage, fmt::format("--count va de 1 à {}", kMaxHoneyPlant),
                fmt::format("--count goes from 1 to {}", kMaxHoneyPlant));
  }
  // The care providers the decoys will name: the vault's own, read as any search of them is.
  StandIns stand_ins;
  for (const std::string_view type : {"Practitioner", "Organization"}) {
    auto found = search(principal, type, {{"_count", "1000"}});
    if (!found) {
      return tl::unexpected(found.error());
    }
    for (const StoredResource& stored : found->matches) {
      std::string reference = fmt::format("{}/{}", stored.type, stored.id);
      if (type == "Organization") {
        stand_ins.organizations.push_back(std::move(reference));
      } else if (is_physician(stored.resource)) {
        stand_ins.physicians.push_back(std::move(reference));
      } else {
        stand_ins.nurses.push_back(std::move(reference));
      }
    }
  }
  // Drawn as the demo data is, from a seed nobody knows: no decoy repeats another vault's.
  demo::DemoOptions options;
  options.patients = count;
  std::array<uint8_t, 8> seed{};
  crypto::random_fill(seed);
  for (const uint8_t byte : seed) {
    options.seed = (options.seed << 8) | byte;
  }
  options.now_ms = clock_.now_ms();
  json::object bundle = demo::generate_bundle(options);
  use_stand_ins(bundle, stand_ins);
  auto imported = import_bundle(principal, std::move(bundle));
  if (!imported) {
    return tl::unexpected(imported.error());
  }
  std::vector<std::string> decoys;
  for (const vault::EntryOutcome& outcome : imported->entries) {
    if (outcome.type == "Patient" && outcome.created) {
      decoys.push_back(outcome.id);
    }
  }
  if (auto sealed = vault_->add_decoys(decoys); !sealed) {
    return tl::unexpected(sealed.error());
  }
  return decoys;
}

bool Gate::touches_decoy(const Caller& caller, std::string_view compartment) const {
  return caller.custodian == nullptr && vault_->is_decoy(compartment);
}

Result<void> Gate::trip_honey(const Caller& caller, std::string_view action) {
  auto alerted = record_alert(watch::AlertKind::kHoney, caller.account.login,
                              fmt::format("a {} touched a decoy patient; account locked", action),
                              /*lock=*/true);
  if (!alerted) {
    return tl::unexpected(alerted.error());
  }
  return {};
}

Result<std::vector<std::string>> Gate::honey_list(const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.purpose = "honey list";
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<std::vector<std::string>>(std::move(entry), caller.error());
  }
  if (!caller->custodian) {
    entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), kCustodianOnly);
    return refused<std::vector<std::string>>(
        std::move(entry),
        Error{ErrorCode::kPermissionDenied, fmt::format("access denied: {}", kCustodianOnly),
              "accès refusé : les leurres sont au dépositaire"});
  }
  // The entry names no decoy: the audit log is in clear.
  return released(std::move(entry), Result<std::vector<std::string>>(vault_->decoys()), {}, false);
}

}  // namespace vigie::gate
