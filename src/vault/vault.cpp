#include "vault/vault.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "common/hex.hpp"
#include "crypto/aead.hpp"
#include "crypto/kdf.hpp"
#include "crypto/signing.hpp"
#include "fhir/json.hpp"
#include "fhir/search_index.hpp"
#include "fhir/validate.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/transaction.hpp"
#include "vault/vault_internal.hpp"

namespace vigie::vault {

namespace {

namespace json = boost::json;
using store::sqlite::data_file_path;
using store::sqlite::keyring_file_path;

// Bumped when the sealed record layout or its associated data change.
constexpr uint8_t kRecordFormatVersion = 1;
constexpr std::string_view kMasterKeyPurpose = "vigie/master-key/v1";
constexpr std::string_view kDataKeyPurposePrefix = "vigie/data-key/v1/";
constexpr std::string_view kSystemKeyPurposePrefix = "vigie/system-key/v1/";
constexpr std::string_view kAuditSigningKeyName = "audit-signing";

std::vector<uint8_t> purpose_bytes(std::string_view prefix, std::string_view name) {
  std::vector<uint8_t> purpose(prefix.begin(), prefix.end());
  purpose.insert(purpose.end(), name.begin(), name.end());
  return purpose;
}

void append_u64(std::vector<uint8_t>& out, uint64_t value) {
  for (int byte_index = 0; byte_index < 8; ++byte_index) {
    out.push_back(static_cast<uint8_t>(value >> (8 * byte_index)));
  }
}

void append_length_prefixed(std::vector<uint8_t>& out, std::string_view text) {
  append_u64(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
}

// Binds a ciphertext to its place: moving, swapping or relabelling a record breaks it.
std::vector<uint8_t> associated_data(const store::ResourceVersionRow& row) {
  std::vector<uint8_t> ad;
  ad.reserve(64 + row.type.size() + row.id.size() + row.compartment.size());
  append_length_prefixed(ad, "vigie-resource");
  ad.push_back(kRecordFormatVersion);
  append_length_prefixed(ad, row.type);
  append_length_prefixed(ad, row.id);
  append_u64(ad, static_cast<uint64_t>(row.version));
  append_length_prefixed(ad, row.compartment);
  ad.push_back(row.deleted ? 1 : 0);
  append_u64(ad, static_cast<uint64_t>(row.last_updated_ms));
  return ad;
}

// The resource with its id and meta.versionId / meta.lastUpdated set by the vault, and
// resourceType, id and meta first, as FHIR servers conventionally write them.
json::object with_vault_metadata(json::object resource, const store::ResourceVersionRow& row) {
  json::object ordered(resource.storage());
  ordered.reserve(resource.size() + 2);
  ordered["resourceType"] = resource["resourceType"];
  ordered["id"] = row.id;
  json::value& meta_value = ordered["meta"];
  if (json::value* given_meta = resource.if_contains("meta");
      given_meta != nullptr && given_meta->is_object()) {
    meta_value = std::move(*given_meta);
  } else {
    meta_value = json::object();
  }
  json::object& meta = meta_value.as_object();
  meta["versionId"] = std::to_string(row.version);
  meta["lastUpdated"] = fhir::format_instant(row.last_updated_ms);
  for (json::key_value_pair& field : resource) {
    if (field.key() != "resourceType" && field.key() != "id" && field.key() != "meta") {
      ordered.emplace(field.key(), std::move(field.value()));
    }
  }
  return ordered;
}

// `resource` without what the vault sets on every version (meta.versionId, meta.lastUpdated),
// so that two versions compare by what a writer gave.
json::object without_vault_metadata(json::object resource) {
  if (json::value* meta = resource.if_contains("meta"); meta != nullptr && meta->is_object()) {
    meta->as_object().erase("versionId");
    meta->as_object().erase("lastUpdated");
    if (meta->as_object().empty()) {
      resource.erase("meta");
    }
  }
  return resource;
}

Error prefixed(const Error& error, std::string_view prefix) {
  return Error{error.code, fmt::format("{}: {}", prefix, error.message)};
}

Result<crypto::SecretBytes> derive_kek(const UnlockSecret& secret,
                                       const store::UnlockerRecord& record) {
  if (secret.kind == store::UnlockerKind::kKeyFile) {
    return crypto::derive_key_from_key_file(secret.bytes.view());
  }
  crypto::Argon2Params params;
  params.ops_limit = record.argon2_ops_limit;
  params.mem_limit_bytes = record.argon2_mem_limit;
  if (record.salt.size() != params.salt.size()) {
    return fail(ErrorCode::kIntegrity, "keyring holds a malformed unlocker");
  }
  std::copy(record.salt.begin(), record.salt.end(), params.salt.begin());
  return crypto::derive_key_from_passphrase(secret.bytes.view(), params);
}

// Unwraps the master key into `master_key` with the first unlocker of the secret's kind that
// opens with it, and returns that unlocker's id. kUnlockFailed when none does.
Result<int64_t> unwrap_master_key(const std::vector<store::UnlockerRecord>& unlockers,
                                  const UnlockSecret& secret, std::span<uint8_t> master_key) {
  for (const store::UnlockerRecord& record : unlockers) {
    if (record.kind != secret.kind) {
      continue;
    }
    auto kek = derive_kek(secret, record);
    if (!kek) {
      return tl::unexpected(kek.error());
    }
    if (crypto::unwrap_key_into(kek->view(), record.wrapped_master_key, as_bytes(kMasterKeyPurpose),
                                master_key)) {
      return record.id;
    }
  }
  return fail(ErrorCode::kUnlockFailed, secret.kind == store::UnlockerKind::kPassphrase
                                            ? "the passphrase does not unlock this vault"
                                            : "the key file does not unlock this vault");
}

Result<store::UnlockerRecord> make_unlocker(const UnlockSecret& secret,
                                            std::span<const uint8_t> master_key, int64_t now_ms) {
  store::UnlockerRecord record;
  record.kind = secret.kind;
  record.created_ms = now_ms;
  Result<crypto::SecretBytes> kek;
  if (secret.kind == store::UnlockerKind::kPassphrase) {
    crypto::Argon2Params params = crypto::new_argon2_params();
    record.argon2_ops_limit = params.ops_limit;
    record.argon2_mem_limit = params.mem_limit_bytes;
    record.salt.assign(params.salt.begin(), params.salt.end());
    kek = crypto::derive_key_from_passphrase(secret.bytes.view(), params);
  } else {
    kek = crypto::derive_key_from_key_file(secret.bytes.view());
  }
  if (!kek) {
    return tl::unexpected(kek.error());
  }
  record.wrapped_master_key =
      crypto::wrap_key(kek->view(), master_key, as_bytes(kMasterKeyPurpose));
  return record;
}

}  // namespace

Result<std::unique_ptr<Vault>> Vault::create(
    const std::filesystem::path& dir, const UnlockSecret& secret,
    const std::vector<const UnlockSecret*>& extra_unlockers, const Clock& clock,
    const config::MemoryConfig& memory) {
  if (auto ready = crypto::initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  std::error_code error;
  if (std::filesystem::exists(keyring_file_path(dir), error) ||
      std::filesystem::exists(data_file_path(dir), error)) {
    return fail(ErrorCode::kConflict, "this directory already holds a vault");
  }
  std::filesystem::create_directories(dir, error);
  if (error) {
    return fail(ErrorCode::kInternal, "cannot create the vault directory: " + error.message());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);

  auto built = [&]() -> Result<std::unique_ptr<Vault>> {
    auto keys = SharedKeys::create(memory, [](std::span<uint8_t> master_key) -> Result<void> {
      crypto::random_fill(master_key);
      return {};
    });
    if (!keys) {
      return tl::unexpected(keys.error());
    }
    auto keyring =
        store::sqlite::open_keyring_store(keyring_file_path(dir), store::OpenMode::kCreate);
    if (!keyring) {
      return tl::unexpected(keyring.error());
    }
    const std::span<const uint8_t> master_key = (*keys)->master_key();
    std::vector<const UnlockSecret*> secrets{&secret};
    secrets.insert(secrets.end(), extra_unlockers.begin(), extra_unlockers.end());
    for (const UnlockSecret* unlock_secret : secrets) {
      auto record = make_unlocker(*unlock_secret, master_key, clock.now_ms());
      if (!record) {
        return tl::unexpected(record.error());
      }
      if (auto added = (*keyring)->add_unlocker(*record); !added) {
        return tl::unexpected(added.error());
      }
    }
    // Keys that later capabilities use, made now so every vault has them from the start.
    crypto::SigningKeyPair audit_key = crypto::generate_signing_key_pair();
    crypto::BoxKeyPair identity_key = crypto::generate_box_key_pair();
    const std::pair<std::string_view, const crypto::SecretBytes*> system_keys[] = {
        {kAuditSigningKeyName, &audit_key.secret_key},
        {"vault-identity", &identity_key.secret_key}};
    for (const auto& [name, key] : system_keys) {
      auto wrapped =
          crypto::wrap_key(master_key, key->view(), purpose_bytes(kSystemKeyPurposePrefix, name));
      if (auto put = (*keyring)->put_system_key(std::string(name), wrapped); !put) {
        return tl::unexpected(put.error());
      }
    }
    auto data = store::sqlite::open_data_store(data_file_path(dir), store::OpenMode::kCreate);
    if (!data) {
      return tl::unexpected(data.error());
    }
    auto transaction = store::begin_transaction(**data);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    if (auto marked = (*data)->set_meta(std::string(kLedgerReplayedMeta), "0"); !marked) {
      return tl::unexpected(marked.error());
    }
    if (auto committed = transaction->commit_durable(); !committed) {
      return tl::unexpected(committed.error());
    }
    std::unique_ptr<Vault> vault(
        new Vault(dir, std::move(*keyring), std::move(*data), std::move(*keys), clock));
    // An empty honey set from the start, so that the keyring's entry tells nothing.
    if (auto sealed = vault->seal_decoys({}); !sealed) {
      return tl::unexpected(sealed.error());
    }
    return vault;
  }();
  if (!built) {
    // Leave no half-made vault behind.
    for (const auto& path : {keyring_file_path(dir), data_file_path(dir)}) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, error);
      }
    }
  }
  return built;
}

Result<std::unique_ptr<Vault>> Vault::open(const std::filesystem::path& dir,
                                           const UnlockSecret& secret, const Clock& clock,
                                           const config::MemoryConfig& memory) {
  if (auto ready = crypto::initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  std::error_code error;
  if (!std::filesystem::exists(keyring_file_path(dir), error) ||
      !std::filesystem::exists(data_file_path(dir), error)) {
    return fail(ErrorCode::kNotFound, "no vault in this directory (run `vigie init` first)");
  }
  auto keyring =
      store::sqlite::open_keyring_store(keyring_file_path(dir), store::OpenMode::kOpenExisting);
  if (!keyring) {
    return tl::unexpected(keyring.error());
  }
  auto unlockers = (*keyring)->unlockers();
  if (!unlockers) {
    return tl::unexpected(unlockers.error());
  }
  // The master key is unwrapped straight into its place in the locked block, which is allocated
  // first: a process that cannot lock its memory stops before the secret is used.
  int64_t unlocked_with = 0;
  auto keys = SharedKeys::create(memory, [&](std::span<uint8_t> master_key) -> Result<void> {
    auto unlocker = unwrap_master_key(*unlockers, secret, master_key);
    if (!unlocker) {
      return tl::unexpected(unlocker.error());
    }
    unlocked_with = *unlocker;
    return {};
  });
  if (!keys) {
    return tl::unexpected(keys.error());
  }
  // Only now is the data file opened: a failed unlock never creates its WAL.
  auto data = store::sqlite::open_data_store(data_file_path(dir), store::OpenMode::kOpenExisting);
  if (!data) {
    return tl::unexpected(data.error());
  }
  std::unique_ptr<Vault> vault(
      new Vault(dir, std::move(*keyring), std::move(*data), std::move(*keys), clock));
  vault->unlocker_id_ = unlocked_with;
  if (auto replayed = vault->replay_erasure_ledger(); !replayed) {
    return tl::unexpected(replayed.error());
  }
  if (auto finished = vault->finish_pending_erasures(); !finished) {
    return tl::unexpected(finished.error());
  }
  auto decoys = vault->sealed_decoys();
  if (!decoys) {
    return tl::unexpected(decoys.error());
  }
  vault->honey_->assign(*decoys);
  return vault;
}

Vault::Vault(std::filesystem::path dir, std::unique_ptr<store::KeyringStore> keyring,
             std::unique_ptr<store::DataStore> data, std::shared_ptr<SharedKeys> keys,
             const Clock& clock)
    : dir_(std::move(dir)),
      keyring_(std::move(keyring)),
      data_(std::move(data)),
      keys_(std::move(keys)),
      clock_(clock),
      data_key_(DataKeyCache::kKeyBytes) {}

Vault::~Vault() = default;

Result<std::unique_ptr<Vault>> Vault::open_sibling() {
  auto keyring =
      store::sqlite::open_keyring_store(keyring_file_path(dir_), store::OpenMode::kOpenExisting);
  if (!keyring) {
    return tl::unexpected(keyring.error());
  }
  auto data = store::sqlite::open_data_store(data_file_path(dir_), store::OpenMode::kOpenExisting);
  if (!data) {
    return tl::unexpected(data.error());
  }
  std::unique_ptr<Vault> sibling(
      new Vault(dir_, std::move(*keyring), std::move(*data), keys_, clock_));
  sibling->honey_ = honey_;
  return sibling;
}

std::string Vault::new_id() {
  std::array<uint8_t, 16> bytes{};
  crypto::random_fill(bytes);
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = to_hex(bytes);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20));
}

std::string Vault::compartment_of(const json::object& resource) const {
  std::optional<std::string> patient_id = fhir::patient_compartment_of(resource);
  return patient_id ? *patient_id : std::string(kSharedCompartment);
}

Result<void> Vault::ensure_data_keys(const std::vector<std::string>& compartments) {
  auto made = make_missing_data_keys(compartments);
  if (!made && made.error().code == ErrorCode::kConflict) {
    // Another sibling or process may have stored a key for one of these compartments after this
    // one looked: the stored key is the compartment's, and this one's new key was never used. One
    // more pass finds it (an erased patient is refused again, with the same error).
    return make_missing_data_keys(compartments);
  }
  return made;
}

Result<void> Vault::make_missing_data_keys(const std::vector<std::string>& compartments) {
  std::vector<std::string> missing;
  std::set<std::string> seen;
  for (const std::string& compartment : compartments) {
    if (!seen.insert(compartment).second || keys_->has_key(compartment)) {
      continue;
    }
    auto wrapped = keyring_->data_key(compartment);
    if (!wrapped) {
      return tl::unexpected(wrapped.error());
    }
    if (wrapped->has_value()) {
      continue;
    }
    auto erased = is_erased(compartment);
    if (!erased) {
      return tl::unexpected(erased.error());
    }
    if (*erased) {
      return fail(ErrorCode::kConflict,
                  "a resource refers to an erased patient; an erased patient cannot come back");
    }
    missing.push_back(compartment);
  }
  if (missing.empty()) {
    return {};
  }
  // One locked allocation for all the new keys, which other siblings see only once stored.
  crypto::SecretBytes fresh_keys(missing.size() * DataKeyCache::kKeyBytes);
  crypto::random_fill(std::span<uint8_t>(fresh_keys.data(), fresh_keys.size()));
  auto fresh_key = [&](size_t index) {
    return fresh_keys.view().subspan(index * DataKeyCache::kKeyBytes, DataKeyCache::kKeyBytes);
  };
  std::vector<std::pair<std::string, std::vector<uint8_t>>> new_keys;
  std::vector<std::vector<uint8_t>> hashes;
  for (size_t index = 0; index < missing.size(); ++index) {
    const std::string& compartment = missing[index];
    new_keys.emplace_back(compartment,
                          crypto::wrap_key(keys_->master_key(), fresh_key(index),
                                           purpose_bytes(kDataKeyPurposePrefix, compartment)));
    if (compartment != kSharedCompartment) {
      hashes.push_back(erasure_hash(compartment));
    }
  }
  // The keyring commits first: a crash before the data commit leaves an unused key, never data
  // without its key. Its transaction refuses a patient erased since is_erased() was read.
  if (auto stored = keyring_->put_data_keys(new_keys, hashes); !stored) {
    return stored;
  }
  for (size_t index = 0; index < missing.size(); ++index) {
    keys_->cache_key(missing[index], fresh_key(index), erasure_generation_seen_);
  }
  return {};
}

Result<std::span<const uint8_t>> Vault::data_key(const std::string& compartment) {
  std::span<uint8_t> key(data_key_.data(), data_key_.size());
  if (keys_->find_key(compartment, key)) {
    return std::span<const uint8_t>(key);
  }
  auto wrapped = keyring_->data_key(compartment);
  if (!wrapped) {
    return tl::unexpected(wrapped.error());
  }
  const std::optional<std::vector<uint8_t>>& wrapped_key = *wrapped;
  if (!wrapped_key.has_value()) {
    auto erased = is_erased(compartment);
    if (!erased) {
      return tl::unexpected(erased.error());
    }
    if (*erased) {
      return fail(ErrorCode::kNotFound, "this patient's data was erased");
    }
    return fail(ErrorCode::kIntegrity, "a stored record has no data key in the keyring");
  }
  if (auto unwrapped =
          crypto::unwrap_key_into(keys_->master_key(), *wrapped_key,
                                  purpose_bytes(kDataKeyPurposePrefix, compartment), key);
      !unwrapped) {
    crypto::wipe(key);
    return fail(ErrorCode::kIntegrity, "a data key in the keyring failed authentication");
  }
  keys_->cache_key(compartment, key, erasure_generation_seen_);
  return std::span<const uint8_t>(key);
}

Result<StoredResource> Vault::write_version(std::string_view type, std::string_view id,
                                            json::object resource, bool deleted,
                                            std::optional<store::ResourceVersionRow> previous) {
  store::ResourceVersionRow row;
  row.type = std::string(type);
  row.id = std::string(id);
  row.version = previous ? previous->version + 1 : 1;
  row.last_updated_ms = clock_.now_ms();
  row.deleted = deleted;
  std::vector<store::SearchToken> tokens;
  if (deleted) {
    if (!previous.has_value()) {
      return fail(ErrorCode::kInternal, "a deletion needs the version it deletes");
    }
    row.compartment = previous->compartment;
    resource.clear();
  } else {
    resource = with_vault_metadata(std::move(resource), row);
    row.compartment = compartment_of(resource);
    for (const fhir::IndexEntry& entry : fhir::index_entries(resource)) {
      tokens.push_back(store::SearchToken{
          entry.param,
          keys_->blind_indexer().token(fmt::format("{}.{}", row.type, entry.param), entry.value)});
    }
  }
  // Checked in the write's own transaction: an erasure committed by any connection before it
  // began refuses it, whatever keys this Vault has cached.
  auto erased = is_erased(row.compartment);
  if (!erased) {
    return tl::unexpected(erased.error());
  }
  if (*erased) {
    return fail(ErrorCode::kConflict,
                "this patient was erased; an erased patient cannot come back");
  }
  // Proven to read back before it is sealed: no input may store a record that cannot be read.
  Result<std::string> plaintext = fhir::to_verified_json_text(resource);
  if (!plaintext) {
    return fail(plaintext.error().code,
                fmt::format("{} cannot be stored: {}", describe(row.type, row.id),
                            plaintext.error().message));
  }
  auto key = data_key(row.compartment);
  if (!key) {
    return tl::unexpected(key.error());
  }
  std::vector<uint8_t> sealed = crypto::seal(*key, as_bytes(*plaintext), associated_data(row));
  row.sealed.reserve(sealed.size() + 1);
  row.sealed.push_back(kRecordFormatVersion);
  row.sealed.insert(row.sealed.end(), sealed.begin(), sealed.end());
  if (auto appended = data_->append_version(row, tokens); !appended) {
    return tl::unexpected(appended.error());
  }
  return StoredResource{row.type,        row.id,      row.version,        row.last_updated_ms,
                        row.compartment, row.deleted, std::move(resource)};
}

Result<StoredResource> Vault::decrypt(const store::ResourceVersionRow& row, ResourceForm form) {
  if (row.sealed.empty() || row.sealed.front() != kRecordFormatVersion) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("stored record {} has an unknown format", describe(row.type, row.id)));
  }
  auto key = data_key(row.compartment);
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto plaintext = crypto::open(*key, std::span(row.sealed).subspan(1), associated_data(row));
  if (!plaintext) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("stored record {} version {} failed authentication (modified or moved)",
                            describe(row.type, row.id), row.version));
  }
  std::string_view text(reinterpret_cast<const char*>(plaintext->data()), plaintext->size());
  if (form == ResourceForm::kText) {
    // Stored by to_verified_json_text, which proved that the text reads back as the resource.
    StoredResource stored{row.type,        row.id,      row.version, row.last_updated_ms,
                          row.compartment, row.deleted, {},          std::string(text)};
    crypto::wipe(*plaintext);
    return stored;
  }
  auto resource = fhir::parse_json_object(text);
  crypto::wipe(*plaintext);
  if (!resource) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("stored record {} is not a JSON object", describe(row.type, row.id)));
  }
  return StoredResource{row.type,        row.id,      row.version,          row.last_updated_ms,
                        row.compartment, row.deleted, std::move(*resource), {}};
}

Result<StoredResource> Vault::create(json::object resource, const BeforeCommit& before_commit) {
  resource["id"] = new_id();
  if (auto valid = fhir::validate_resource(resource); !valid) {
    return tl::unexpected(valid.error());
  }
  fhir::BundlePlan plan;
  plan.kind = fhir::BundleKind::kTransaction;
  fhir::PlannedEntry& entry = plan.entries.emplace_back();
  entry.action = fhir::EntryAction::kCreate;
  entry.type = std::string(resource.at("resourceType").as_string());
  entry.id = std::string(resource.at("id").as_string());
  entry.resource = std::move(resource);
  auto outcome = apply_bundle(std::move(plan), before_commit);
  if (!outcome) {
    return tl::unexpected(outcome.error());
  }
  return read_version(outcome->entries.front().type, outcome->entries.front().id, 1);
}

Result<StoredResource> Vault::update(std::string_view type, std::string_view id,
                                     json::object resource, const BeforeCommit& before_commit,
                                     std::optional<int64_t> if_match_version) {
  if (auto id_field = resource.if_contains("id");
      id_field != nullptr &&
      (fhir::json_string(*id_field) == nullptr || *fhir::json_string(*id_field) != id)) {
    return fail(ErrorCode::kInvalidInput, "the resource's id does not match the id to update");
  }
  if (auto type_field = resource.if_contains("resourceType");
      type_field == nullptr || fhir::json_string(*type_field) == nullptr ||
      *fhir::json_string(*type_field) != type) {
    return fail(ErrorCode::kInvalidInput, "the resource's type does not match the type to update");
  }
  resource["id"] = std::string(id);
  if (auto valid = fhir::validate_resource(resource); !valid) {
    return tl::unexpected(valid.error());
  }
  fhir::BundlePlan plan;
  fhir::PlannedEntry& entry = plan.entries.emplace_back();
  entry.action = fhir::EntryAction::kUpdate;
  entry.type = std::string(type);
  entry.id = std::string(id);
  entry.resource = std::move(resource);
  entry.if_match_version = if_match_version;
  auto outcome = apply_bundle(std::move(plan), before_commit);
  if (!outcome) {
    return tl::unexpected(outcome.error());
  }
  return read_version(type, id, outcome->entries.front().version);
}

Result<StoredResource> Vault::remove(std::string_view type, std::string_view id,
                                     const BeforeCommit& before_commit) {
  fhir::BundlePlan plan;
  fhir::PlannedEntry& entry = plan.entries.emplace_back();
  entry.action = fhir::EntryAction::kDelete;
  entry.type = std::string(type);
  entry.id = std::string(id);
  auto outcome = apply_bundle(std::move(plan), before_commit);
  if (!outcome) {
    return tl::unexpected(outcome.error());
  }
  return read_version(type, id, outcome->entries.front().version);
}

Result<EntryOutcome> Vault::write_entry(fhir::PlannedEntry& entry) {
  EntryOutcome outcome{entry.index, entry.type, entry.id, 0, {}, entry.action, false, std::nullopt};
  std::optional<store::ResourceVersionRow> previous;
  if (entry.action != fhir::EntryAction::kCreate) {
    auto latest = data_->latest_version(entry.type, entry.id);
    if (!latest) {
      return tl::unexpected(latest.error());
    }
    previous = std::move(*latest);
  }
  // Checked in the write's own transaction, as write_version checks where the write goes: the
  // rows of an erased patient may still be there, and count as gone.
  if (previous.has_value()) {
    auto erased = is_erased(previous->compartment);
    if (!erased) {
      return tl::unexpected(erased.error());
    }
    if (*erased) {
      if (entry.action == fhir::EntryAction::kDelete) {
        return fail(ErrorCode::kNotFound,
                    fmt::format("{} not found", describe(entry.type, entry.id)));
      }
      return fail(ErrorCode::kConflict,
                  "this patient was erased; an erased patient cannot come back");
    }
  }
  if (entry.if_match_version) {
    const int64_t current = previous ? previous->version : 0;
    if (current != *entry.if_match_version) {
      return fail(ErrorCode::kPreconditionFailed,
                  fmt::format("{} est à la version {}, pas {} (If-Match)",
                              describe(entry.type, entry.id), current, *entry.if_match_version),
                  fmt::format("{} is at version {}, not {} (If-Match)",
                              describe(entry.type, entry.id), current, *entry.if_match_version));
    }
  }
  if (entry.action == fhir::EntryAction::kKeep) {
    if (!previous || previous->deleted) {
      return fail(ErrorCode::kConflict,
                  fmt::format("{}, matched by ifNoneExist, was deleted meanwhile",
                              describe(entry.type, entry.id)));
    }
    outcome.version = previous->version;
    outcome.compartment = previous->compartment;
    outcome.unchanged = true;
    return outcome;
  }
  if (entry.action == fhir::EntryAction::kUpdate && previous && !previous->deleted) {
    auto current = decrypt(*previous);
    if (!current) {
      return tl::unexpected(current.error());
    }
    if (without_vault_metadata(std::move(current->resource)) ==
        without_vault_metadata(entry.resource)) {
      outcome.version = previous->version;
      outcome.compartment = previous->compartment;
      outcome.unchanged = true;
      return outcome;
    }
  }
  if (entry.action == fhir::EntryAction::kDelete) {
    if (!previous) {
      return fail(ErrorCode::kNotFound,
                  fmt::format("{} not found", describe(entry.type, entry.id)));
    }
    outcome.version = previous->version;
    if (previous->deleted) {
      outcome.compartment = previous->compartment;
      return outcome;
    }
  } else if (entry.action == fhir::EntryAction::kCreate) {
    outcome.created = true;
  } else {
    outcome.created = !previous.has_value() || previous->deleted;
  }
  auto written = write_version(entry.type, entry.id, std::move(entry.resource),
                               entry.action == fhir::EntryAction::kDelete, std::move(previous));
  if (!written) {
    return tl::unexpected(written.error());
  }
  outcome.version = written->version;
  outcome.compartment = std::move(written->compartment);
  return outcome;
}

Result<BundleOutcome> Vault::apply_bundle(fhir::BundlePlan plan,
                                          const BeforeCommit& before_commit) {
  if (auto fresh = refresh_erasures(); !fresh) {
    return tl::unexpected(fresh.error());
  }
  // Data keys for every compartment the plan writes to, committed before the data transaction.
  std::vector<std::string> compartments;
  for (const fhir::PlannedEntry& entry : plan.entries) {
    if (!entry.error && entry.action != fhir::EntryAction::kDelete &&
        entry.action != fhir::EntryAction::kKeep) {
      compartments.push_back(compartment_of(entry.resource));
    }
  }
  if (auto ensured = ensure_data_keys(compartments); !ensured) {
    return tl::unexpected(ensured.error());
  }
  BundleOutcome bundle_outcome;
  bundle_outcome.kind = plan.kind;
  auto entry_error = [](const fhir::PlannedEntry& entry, const Error& error) {
    return prefixed(error, fmt::format("entry {} ({})", entry.index, entry.type));
  };
  if (plan.kind != fhir::BundleKind::kBatch) {
    auto applied = in_transaction<void>([&]() -> Result<void> {
      for (fhir::PlannedEntry& entry : plan.entries) {
        auto outcome = write_entry(entry);
        if (!outcome) {
          return tl::unexpected(plan.entries.size() == 1 ? outcome.error()
                                                         : entry_error(entry, outcome.error()));
        }
        bundle_outcome.entries.push_back(std::move(*outcome));
      }
      return before_commit ? before_commit(*data_, bundle_outcome.entries) : Result<void>{};
    });
    if (!applied) {
      return tl::unexpected(applied.error());
    }
    return bundle_outcome;
  }
  for (fhir::PlannedEntry& entry : plan.entries) {
    if (entry.error) {
      bundle_outcome.entries.push_back(
          EntryOutcome{entry.index, entry.type, entry.id, 0, {}, entry.action, false, entry.error});
      continue;
    }
    auto outcome = in_transaction<EntryOutcome>([&]() -> Result<EntryOutcome> {
      auto written = write_entry(entry);
      if (!written || !before_commit) {
        return written;
      }
      if (auto hooked = before_commit(*data_, std::span(&*written, 1)); !hooked) {
        return tl::unexpected(hooked.error());
      }
      return written;
    });
    if (!outcome) {
      if (outcome.error().code == ErrorCode::kInternal ||
          outcome.error().code == ErrorCode::kIntegrity) {
        return tl::unexpected(entry_error(entry, outcome.error()));
      }
      bundle_outcome.entries.push_back(EntryOutcome{
          entry.index, entry.type, entry.id, 0, {}, entry.action, false, outcome.error()});
      continue;
    }
    bundle_outcome.entries.push_back(std::move(*outcome));
  }
  return bundle_outcome;
}

Result<StoredResource> Vault::read(std::string_view type, std::string_view id) {
  auto stored = read_current(type, id);
  if (stored && stored->deleted) {
    return fail(ErrorCode::kGone, fmt::format("{} was deleted", describe(type, id)));
  }
  return stored;
}

Result<StoredResource> Vault::read_current(std::string_view type, std::string_view id,
                                           ResourceForm form) {
  auto latest = latest_visible(type, id);
  if (!latest) {
    return tl::unexpected(latest.error());
  }
  const std::optional<store::ResourceVersionRow>& current = *latest;
  if (!current.has_value()) {
    return fail(ErrorCode::kNotFound, fmt::format("{} not found", describe(type, id)));
  }
  return decrypt(*current, form);
}

Result<std::optional<store::ResourceVersionRow>> Vault::latest_visible(std::string_view type,
                                                                       std::string_view id) {
  auto latest = data_->latest_version(std::string(type), std::string(id));
  if (!latest) {
    return latest;
  }
  // The row's statement saw the file as the last refresh did: no erasure committed since (and
  // so no cached key went stale), and none left rows to filter out. The version is nullopt in a
  // write transaction, whose own changes do not move it.
  const std::optional<uint32_t> version = data_->file_version();
  if (version.has_value() && version == file_version_at_refresh_ && erased_with_rows_.empty()) {
    return latest;
  }
  return in_read_snapshot(
      [&] { return without_erased(data_->latest_version(std::string(type), std::string(id))); });
}

Result<StoredResource> Vault::read_version(std::string_view type, std::string_view id,
                                           int64_t version) {
  auto row = in_read_snapshot([&] {
    return without_erased(data_->read_version(std::string(type), std::string(id), version));
  });
  if (!row) {
    return tl::unexpected(row.error());
  }
  const std::optional<store::ResourceVersionRow>& found = *row;
  if (!found.has_value()) {
    return fail(ErrorCode::kNotFound,
                fmt::format("{} has no version {}", describe(type, id), version));
  }
  return decrypt(*found);
}

Result<std::vector<StoredResource>> Vault::history(std::string_view type, std::string_view id) {
  auto rows = in_read_snapshot([&] {
    auto versions = data_->history(std::string(type), std::string(id));
    if (versions) {
      std::erase_if(*versions, [&](const store::ResourceVersionRow& row) {
        return erased_rows_remain(row.compartment);
      });
    }
    return versions;
  });
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  if (rows->empty()) {
    return fail(ErrorCode::kNotFound, fmt::format("{} not found", describe(type, id)));
  }
  std::vector<StoredResource> versions;
  versions.reserve(rows->size());
  for (const store::ResourceVersionRow& row : *rows) {
    auto stored = decrypt(row);
    if (!stored) {
      return tl::unexpected(stored.error());
    }
    versions.push_back(std::move(*stored));
  }
  return versions;
}

Result<std::vector<std::string>> Vault::candidate_ids(const fhir::SearchQuery& query) {
  if (query.token_conditions.empty() && !query.ids.empty()) {
    // _id alone: the ids themselves (search() reads their metadata and drops the absent ones),
    // rather than every resource of the type.
    std::vector<std::string> ids = query.ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }
  std::vector<store::TokenGroup> groups;
  groups.reserve(query.token_conditions.size());
  for (const fhir::TokenCondition& condition : query.token_conditions) {
    store::TokenGroup& group = groups.emplace_back();
    group.param = condition.param;
    const std::string domain = fmt::format("{}.{}", query.type, condition.param);
    for (const std::string& value : condition.any_of) {
      group.any_of.push_back(keys_->blind_indexer().token(domain, value));
    }
  }
  auto ids = data_->find_ids(query.type, groups);
  if (!ids || query.ids.empty()) {
    return ids;
  }
  std::erase_if(*ids, [&](const std::string& id) {
    return std::find(query.ids.begin(), query.ids.end(), id) == query.ids.end();
  });
  return ids;
}

Result<std::vector<StoredResource>> Vault::decrypt_each(const std::string& type,
                                                        std::span<const std::string> ids,
                                                        ResourceForm form) {
  // The current rows from one snapshot (one transaction for the page, not one per resource),
  // decrypted after it ends.
  auto rows = in_read_snapshot([&]() -> Result<std::vector<store::ResourceVersionRow>> {
    std::vector<store::ResourceVersionRow> current;
    current.reserve(ids.size());
    for (const std::string& id : ids) {
      auto latest = without_erased(data_->latest_version(type, id));
      if (!latest) {
        return tl::unexpected(latest.error());
      }
      // Left out: erased or deleted since the candidates were read.
      if (latest->has_value() && !(*latest)->deleted) {
        current.push_back(std::move(**latest));
      }
    }
    return current;
  });
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  std::vector<StoredResource> resources;
  resources.reserve(rows->size());
  for (const store::ResourceVersionRow& row : *rows) {
    auto stored = decrypt(row, form);
    if (!stored) {
      return tl::unexpected(stored.error());
    }
    resources.push_back(std::move(*stored));
  }
  return resources;
}

Result<SearchPage> Vault::search(const fhir::SearchQuery& query,
                                 const std::function<bool(const std::string&)>& visible,
                                 ResourceForm form) {
  // The candidates, their compartments and lastUpdated from one snapshot; the matches are then
  // read again, in a snapshot of their own (decrypt_each()).
  // An erased patient's tokens stay until its rows are removed: its candidates are left out here.
  struct Candidate {
    fhir::PagePosition position;  // lastUpdated (when read) and id
    std::optional<StoredResource> decrypted;
  };
  const bool by_id = query.sort == fhir::SortOrder::kId;
  // Without a total, a page by id needs only the candidates after `after` up to the page and
  // one more (which says that a next page exists): the ids up to `after` are dropped before any
  // metadata is read, and the metadata is read a chunk at a time until the page is full. Walking
  // every page then reads each id's metadata once rather than once per page.
  const bool page_only = by_id && !query.needs_total && query.date_conditions.empty();
  const size_t page_and_one = query.offset + query.count + 1;
  auto found = in_read_snapshot([&]() -> Result<std::vector<Candidate>> {
    auto ids = candidate_ids(query);
    if (!ids) {
      return tl::unexpected(ids.error());
    }
    if (page_only && query.after) {
      ids->erase(ids->begin(), std::upper_bound(ids->begin(), ids->end(), query.after->id));
    }
    std::vector<Candidate> candidates;
    candidates.reserve(page_only ? std::min(ids->size(), page_and_one) : ids->size());
    const bool needs_metadata = visible || !erased_with_rows_.empty() || !by_id ||
                                !query.last_updated_conditions.empty() ||
                                (query.token_conditions.empty() && !query.ids.empty());
    if (!needs_metadata) {
      if (page_only && ids->size() > page_and_one) {
        ids->resize(page_and_one);
      }
      for (std::string& id : *ids) {
        candidates.push_back(Candidate{{0, std::move(id)}, std::nullopt});
      }
      return candidates;
    }
    const size_t chunk = page_only ? page_and_one : ids->size();
    for (size_t first = 0; first < ids->size(); first += chunk) {
      if (page_only && candidates.size() >= page_and_one) {
        break;
      }
      const std::span<const std::string> slice(ids->data() + first,
                                               std::min(chunk, ids->size() - first));
      auto metadata = data_->current_metadata(query.type, slice);
      if (!metadata) {
        return tl::unexpected(metadata.error());
      }
      for (size_t index = 0; index < slice.size(); ++index) {
        const store::CurrentMetadata& row = (*metadata)[index];
        if (!row.compartment.empty() && !row.deleted && !erased_rows_remain(row.compartment) &&
            fhir::matches_last_updated(row.last_updated_ms, query.last_updated_conditions) &&
            (!visible || visible(row.compartment))) {
          candidates.push_back(
              Candidate{{row.last_updated_ms, std::move((*ids)[first + index])}, std::nullopt});
        }
      }
    }
    return candidates;
  });
  if (!found) {
    return tl::unexpected(found.error());
  }
  std::vector<Candidate>& candidates = *found;
  // The decision above read the compartments once; the versions decrypted below are read again,
  // so they are checked again on what was read.
  auto decrypt_all = [&](std::span<Candidate> slice, ResourceForm slice_form) -> Result<void> {
    std::vector<std::string> ids;
    for (const Candidate& candidate : slice) {
      if (!candidate.decrypted) {
        ids.push_back(candidate.position.id);
      }
    }
    auto opened = decrypt_each(query.type, ids, slice_form);
    if (!opened) {
      return tl::unexpected(opened.error());
    }
    auto next = opened->begin();
    for (Candidate& candidate : slice) {
      if (next != opened->end() && next->id == candidate.position.id) {
        if (!visible || visible(next->compartment)) {
          candidate.decrypted = std::move(*next);
        }
        ++next;
      }
    }
    return {};
  };
  if (!query.date_conditions.empty()) {
    if (auto decrypted = decrypt_all(candidates, ResourceForm::kParsed); !decrypted) {
      return tl::unexpected(decrypted.error());
    }
    std::erase_if(candidates, [&](const Candidate& candidate) {
      return !candidate.decrypted ||
             !fhir::matches_date_conditions(candidate.decrypted->resource, query.date_conditions);
    });
  }
  if (!by_id) {
    // Ids are ascending already: a stable sort on the time keeps them so among equal times.
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](const Candidate& left, const Candidate& right) {
                       return query.sort == fhir::SortOrder::kLastUpdated
                                  ? left.position.last_updated_ms < right.position.last_updated_ms
                                  : left.position.last_updated_ms > right.position.last_updated_ms;
                     });
  }
  auto begin = candidates.begin();
  if (query.after) {
    begin = std::partition_point(candidates.begin(), candidates.end(), [&](const Candidate& c) {
      return !fhir::comes_after(query.sort, c.position, *query.after);
    });
  }
  const auto skip = std::min(query.offset, static_cast<size_t>(candidates.end() - begin));
  begin += static_cast<std::ptrdiff_t>(skip);
  const auto end = begin + static_cast<std::ptrdiff_t>(std::min(
                               query.count, static_cast<size_t>(candidates.end() - begin)));
  std::span<Candidate> slice(begin, end);
  if (auto decrypted = decrypt_all(slice, form); !decrypted) {
    return tl::unexpected(decrypted.error());
  }
  SearchPage page;
  page.total = candidates.size();
  for (Candidate& candidate : slice) {
    if (candidate.decrypted) {
      if (form == ResourceForm::kText && candidate.decrypted->text.empty()) {
        // Parsed already, for the date conditions.
        candidate.decrypted->text = fhir::to_json_text(candidate.decrypted->resource);
        candidate.decrypted->resource = {};
      }
      page.matches.push_back(std::move(*candidate.decrypted));
    } else {
      --page.total;  // deleted, or moved out of reach, since the candidates were read
    }
  }
  if (end != candidates.end() && begin != end) {
    page.next = (end - 1)->position;
  }
  return page;
}

Result<crypto::SecretBytes> Vault::audit_signing_key() {
  auto wrapped = keyring_->system_key(std::string(kAuditSigningKeyName));
  if (!wrapped) {
    return tl::unexpected(wrapped.error());
  }
  const std::optional<std::vector<uint8_t>>& wrapped_key = *wrapped;
  if (!wrapped_key.has_value()) {
    return fail(ErrorCode::kIntegrity, "the keyring has no audit signing key");
  }
  auto key = crypto::unwrap_key(keys_->master_key(), *wrapped_key,
                                purpose_bytes(kSystemKeyPurposePrefix, kAuditSigningKeyName));
  if (!key) {
    return fail(ErrorCode::kIntegrity, "the audit signing key failed authentication");
  }
  return std::move(*key);
}

namespace {

std::vector<uint8_t> note_associated_data(std::string_view patient_id, std::string_view label) {
  std::vector<uint8_t> ad;
  append_length_prefixed(ad, "vigie-patient-note");
  append_length_prefixed(ad, patient_id);
  append_length_prefixed(ad, label);
  return ad;
}

}  // namespace

Result<std::vector<uint8_t>> Vault::seal_patient_note(std::string_view patient_id,
                                                      std::string_view label,
                                                      std::string_view note) {
  if (patient_id == kSharedCompartment) {
    return fail(ErrorCode::kUsage, "a patient note needs a patient");
  }
  if (auto fresh = refresh_erasures(); !fresh) {
    return tl::unexpected(fresh.error());
  }
  // Between steps 1 and 2 of an erasure, the key is still in the keyring.
  auto erased = is_erased(patient_id);
  if (!erased) {
    return tl::unexpected(erased.error());
  }
  auto not_found = [&] {
    return fail(ErrorCode::kNotFound, fmt::format("{} not found", describe("Patient", patient_id)));
  };
  if (*erased) {
    return not_found();
  }
  auto key = data_key(std::string(patient_id));
  if (!key) {
    return not_found();
  }
  return crypto::seal(*key, as_bytes(note), note_associated_data(patient_id, label));
}

Result<std::string> Vault::open_patient_note(std::string_view patient_id, std::string_view label,
                                             std::span<const uint8_t> sealed) {
  if (patient_id == kSharedCompartment) {
    return fail(ErrorCode::kUsage, "a patient note needs a patient");
  }
  if (auto fresh = refresh_erasures(); !fresh) {
    return tl::unexpected(fresh.error());
  }
  // Between steps 1 and 2 of an erasure, the key is still in the keyring.
  auto erased = is_erased(patient_id);
  if (!erased) {
    return tl::unexpected(erased.error());
  }
  if (*erased) {
    return fail(ErrorCode::kNotFound, "this patient's data was erased");
  }
  auto key = data_key(std::string(patient_id));
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto opened = crypto::open(*key, sealed, note_associated_data(patient_id, label));
  if (!opened) {
    return fail(ErrorCode::kIntegrity, "a sealed note failed authentication");
  }
  std::string note(opened->begin(), opened->end());
  crypto::wipe(*opened);
  return note;
}

Result<bool> Vault::compartment_ever_used(std::string_view patient_id) {
  if (auto fresh = refresh_erasures(); !fresh) {
    return tl::unexpected(fresh.error());
  }
  const std::string compartment(patient_id);
  if (keys_->has_key(compartment)) {
    return true;
  }
  auto erased = is_erased(compartment);
  if (!erased || *erased) {
    return erased;
  }
  auto wrapped = keyring_->data_key(compartment);
  if (!wrapped) {
    return tl::unexpected(wrapped.error());
  }
  return wrapped->has_value();
}

Result<std::map<std::string, int64_t>> Vault::count_by_type() {
  return in_read_snapshot([&]() -> Result<std::map<std::string, int64_t>> {
    auto counts = data_->count_by_type();
    if (!counts) {
      return counts;
    }
    for (const std::string& compartment : erased_with_rows_) {
      auto erased = data_->count_current_in(compartment);
      if (!erased) {
        return tl::unexpected(erased.error());
      }
      for (const auto& [type, count] : *erased) {
        if (auto found = counts->find(type); found != counts->end()) {
          found->second -= count;
          if (found->second == 0) {
            counts->erase(found);
          }
        }
      }
    }
    return counts;
  });
}

crypto::SecretBytes Vault::session_pepper() const {
  return crypto::derive_subkey(keys_->master_key(), 1, "pepper__");
}

crypto::SecretBytes Vault::account_secret_key() const {
  return crypto::derive_subkey(keys_->master_key(), 1, "accounts");
}

namespace {

constexpr std::string_view kBackupKeyContext = "backup__";

}  // namespace

crypto::SecretBytes Vault::backup_key() const {
  return crypto::derive_subkey(keys_->master_key(), 1, kBackupKeyContext);
}

Result<crypto::SecretBytes> Vault::backup_key_from_keyring(
    const std::filesystem::path& keyring_file, const UnlockSecret& secret) {
  if (auto ready = crypto::initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  auto keyring = store::sqlite::open_keyring_store(keyring_file, store::OpenMode::kOpenExisting);
  if (!keyring) {
    return tl::unexpected(keyring.error());
  }
  auto unlockers = (*keyring)->unlockers();
  if (!unlockers) {
    return tl::unexpected(unlockers.error());
  }
  crypto::SecretBytes master_key(crypto::kKeyBytes);
  if (auto unwrapped =
          unwrap_master_key(*unlockers, secret, {master_key.data(), master_key.size()});
      !unwrapped) {
    return tl::unexpected(unwrapped.error());
  }
  return crypto::derive_subkey(master_key.view(), 1, kBackupKeyContext);
}

Result<std::optional<std::string>> Vault::locate(std::string_view type, std::string_view id) {
  auto latest = latest_visible(type, id);
  if (!latest) {
    return tl::unexpected(latest.error());
  }
  if (!latest->has_value()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>((*latest)->compartment);
}

}  // namespace vigie::vault
