#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/bundle.hpp"
#include "fhir/search.hpp"
#include "store/store.hpp"
#include "vault/honey_set.hpp"
#include "vault/ledger_copy.hpp"
#include "vault/shared_keys.hpp"

// vault/: resources in, resources out, always encrypted at rest. Knows nothing of users: every
// caller goes through gate/.

namespace vigie::vault {

// What unlocks a vault: a passphrase (stretched with Argon2id) or the contents of a key file.
struct UnlockSecret {
  store::UnlockerKind kind = store::UnlockerKind::kPassphrase;
  crypto::SecretBytes bytes;
};

// One stored version of one resource, decrypted.
struct StoredResource {
  std::string type;
  std::string id;
  int64_t version = 0;
  int64_t last_updated_ms = 0;
  std::string compartment;  // the patient id, or kSharedCompartment
  bool deleted = false;
  boost::json::object resource;  // with id, meta.versionId and meta.lastUpdated; empty if deleted
  // The resource as the compact JSON text it is stored as, instead of `resource` (then empty),
  // when read as ResourceForm::kText.
  std::string text = {};
};

// How a read hands a resource over: parsed (StoredResource::resource), or as its stored compact
// JSON text (StoredResource::text), byte for byte what fhir::to_json_text writes for the parsed
// resource, for a caller that only writes it out again (a bulk export): no parse, no copy.
enum class ResourceForm { kParsed, kText };

struct SearchPage {
  size_t total = 0;                     // matches, before paging (see Vault::search)
  std::vector<StoredResource> matches;  // the requested page, in the query's sort order
  // The position of the page's last entry when more matches follow it (keyset paging: the next
  // page is the same query with `after` set to it); none on the last page.
  std::optional<fhir::PagePosition> next;
  // Resources an _include or _revinclude adds to the page (gate/ fills them, each allowed as a
  // direct read would be), and whether more were left out beyond fhir::kMaxIncludedPerPage.
  std::vector<StoredResource> included;
  bool included_cut = false;
};

// What one applied Bundle entry did, in Bundle order.
struct EntryOutcome {
  size_t index = 0;
  std::string type;
  std::string id;
  int64_t version = 0;
  std::string compartment;  // the resource's compartment; empty for an entry that failed
  fhir::EntryAction action = fhir::EntryAction::kCreate;
  bool created = false;        // a create, or an update that created the resource
  std::optional<Error> error;  // batch entries only
  // Nothing written: an update identical to the current version (meta.versionId and
  // meta.lastUpdated aside), or a conditional create that matched (kKeep). `version` is the
  // current one.
  bool unchanged = false;
};

struct BundleOutcome {
  fhir::BundleKind kind = fhir::BundleKind::kTransaction;
  std::vector<EntryOutcome> entries;
};

struct ErasureOutcome {
  // The versions the patient had: none of them is readable from the erasure's commit on, and
  // Vault::purge_erased_rows removes them from the data file.
  int64_t versions_removed = 0;
};

// What one call of Vault::purge_erased_rows did.
struct PurgeProgress {
  int64_t versions_removed = 0;
  // Some erased patient may still have rows: call again.
  bool rows_left = false;
};

// The steps of an erasure, in order, at which ErasureOptions::at_step is called.
enum class ErasureStep {
  // Inside the data file's transaction, after the patient is marked erased, the intent recorded
  // and the versions counted, and after `before_commit` ran; before the commit.
  kBeforeIntentCommit,
  // The data file's transaction is durable: the patient is erased for every connection; the data
  // key is still in the keyring.
  kIntentCommitted,
  // The data key is shredded and the keyring's ledger has the erasure; erase_patient returns next.
  // The intent stays pending, and the rows stay, until purge_erased_rows has removed them.
  kKeyShredded,
  // purge_erased_rows committed one batch of row removals (the last batch of a patient also
  // clears its intent).
  kRowsBatchCommitted,
};

struct ErasureOptions {
  // Called at each step, for crash tests (a test kills its process there). Empty by default; the
  // erasure never depends on what it does.
  std::function<void(ErasureStep)> at_step;
};

// Runs inside a write transaction after its writes and before its commit, with the connection
// that holds the transaction and what it wrote. An error rolls the whole transaction back. gate/
// appends the call's audit entries here, so that a write and its entry commit together.
using BeforeCommit = std::function<Result<void>(store::DataStore& transaction,
                                                std::span<const EntryOutcome> written)>;
using BeforeErasureCommit =
    std::function<Result<void>(store::DataStore& transaction, const ErasureOutcome& erased)>;

// The compartment of resources outside any patient's (Practitioner, Organization, ...). Not a
// valid FHIR id, so it never collides with a patient's.
inline constexpr std::string_view kSharedCompartment = "*shared";

// An unlocked vault. Not thread-safe: one Vault per thread (see open_sibling), or callers
// serialise.
class Vault {
 public:
  // Creates a vault in `dir` (created if absent; kConflict if it already holds a vault): a
  // random master key wrapped by `secret`, the audit signing and vault identity keys, and empty
  // data and keyring files. `extra_unlockers` wrap the same master key. Returns the new vault,
  // unlocked. `clock` must outlive it. `memory` sizes the one locked block of its keys (see
  // SharedKeys::create for the error when it cannot be locked).
  [[nodiscard]] static Result<std::unique_ptr<Vault>> create(
      const std::filesystem::path& dir, const UnlockSecret& secret,
      const std::vector<const UnlockSecret*>& extra_unlockers, const Clock& clock,
      const config::MemoryConfig& memory = {});

  // Unlocks the vault in `dir`. kNotFound when `dir` holds no vault, kUnlockFailed when no
  // unlocker of the secret's kind opens with it; in both cases no file is written. On success,
  // replays the erasure ledger against the data file (a restored backup never resurrects an
  // erased patient) and finishes every erasure still pending: it shreds the data key a crash left
  // (erasures_finished_at_open()) and removes the rows that are left (purge_erased_rows), whether
  // a crash or a close interrupted their removal. `clock` must outlive the vault. `memory` sizes
  // the one locked block of its keys; when it cannot be locked, kInternal before the secret is
  // used.
  [[nodiscard]] static Result<std::unique_ptr<Vault>> open(const std::filesystem::path& dir,
                                                           const UnlockSecret& secret,
                                                           const Clock& clock,
                                                           const config::MemoryConfig& memory = {});

  // Another unlocked handle on the same vault, with connections of its own and no second
  // unlock: one per thread of a server. It shares this vault's SharedKeys (one copy of the master
  // key, one cache of data keys for all siblings); each sibling may be used by another thread.
  [[nodiscard]] Result<std::unique_ptr<Vault>> open_sibling();

  ~Vault();
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // Stores a new resource under a fresh random id (any id in the input is replaced).
  // kInvalidInput when validation fails; nothing is written then.
  // Every write below commits durably (on stable storage when the call returns) and runs
  // `before_commit`, when given, inside its transaction.
  [[nodiscard]] Result<StoredResource> create(boost::json::object resource,
                                              const BeforeCommit& before_commit = {});
  // Stores a new version of type/id, or creates it with that id (update-as-create). The body's
  // id, when present, must equal `id`. A body identical to the current version (its
  // meta.versionId and meta.lastUpdated aside) writes nothing and returns the current version.
  // With `if_match_version`, kPreconditionFailed unless the current version (0: none) is that
  // one, checked inside the write's transaction.
  [[nodiscard]] Result<StoredResource> update(std::string_view type, std::string_view id,
                                              boost::json::object resource,
                                              const BeforeCommit& before_commit = {},
                                              std::optional<int64_t> if_match_version = {});
  // Marks type/id deleted with a new version; its history stays. kNotFound if absent; deleting
  // a deleted resource returns its current (deleted) version unchanged.
  [[nodiscard]] Result<StoredResource> remove(std::string_view type, std::string_view id,
                                              const BeforeCommit& before_commit = {});

  // Current version. kNotFound if absent, kGone if deleted, kIntegrity if the stored record
  // fails authentication (modified, moved or swapped bytes): never wrong data.
  [[nodiscard]] Result<StoredResource> read(std::string_view type, std::string_view id);
  // The current version, deleted or not (a deleted one has `deleted` set and an empty resource),
  // from one read of the store: gate/ decides on the compartment of what it returns. kNotFound
  // if absent, kIntegrity as read().
  [[nodiscard]] Result<StoredResource> read_current(std::string_view type, std::string_view id,
                                                    ResourceForm form = ResourceForm::kParsed);
  [[nodiscard]] Result<StoredResource> read_version(std::string_view type, std::string_view id,
                                                    int64_t version);
  // Every version, newest first. kNotFound if the resource never existed.
  [[nodiscard]] Result<std::vector<StoredResource>> history(std::string_view type,
                                                            std::string_view id);

  // Runs a parsed search. Token conditions run on blind tokens, _lastUpdated conditions and the
  // sort on the clear metadata of the candidates; date conditions on decrypted candidates. Only
  // the requested page is returned decrypted (all candidates are decrypted when there are date
  // conditions). The page is the `count` matches after `query.after` (then `query.offset`) in
  // the sort order; a match deleted before it is decrypted is left out.
  // When `visible` is given, matches whose compartment it refuses are left out before paging, so
  // that neither the page nor the total reveals them (one metadata query for all candidates, or
  // a few for the page when `query.needs_total` is false: the total is then only a lower bound);
  // each decrypted match is checked again on the compartment of the version actually read, so
  // that a resource moved by a concurrent update is left out rather than returned.
  [[nodiscard]] Result<SearchPage> search(
      const fhir::SearchQuery& query,
      const std::function<bool(const std::string& compartment)>& visible = {},
      ResourceForm form = ResourceForm::kParsed);

  // Decides from clear metadata whether a version of `type` in `compartment` may be shown.
  using VisibleVersion =
      std::function<bool(const std::string& type, const std::string& compartment)>;

  // Type-level history: every version of every resource of `type` whose lastUpdated lies in
  // [since_ms, until_ms], newest first (then by id, then newest version), deleted versions
  // included. `visible` decides each version from clear metadata before paging, so that neither
  // the page nor the total reveals the others; only the page (`count` versions from `offset`) is
  // decrypted. Versions in an erased patient's compartment are left out. SearchPage::total counts
  // the versions shown.
  [[nodiscard]] Result<SearchPage> type_history(std::string_view type, int64_t since_ms,
                                                int64_t until_ms, size_t count, size_t offset,
                                                const VisibleVersion& visible);
  // A patient's compartment: the current, non-deleted version of every resource filed under
  // `patient_id` (the Patient first, then by type and id), decided and paged as type_history.
  // An empty page when the compartment holds nothing (or was erased).
  [[nodiscard]] Result<SearchPage> compartment(std::string_view patient_id, size_t count,
                                               size_t offset, const VisibleVersion& visible);

  // Applies a planned Bundle. An update identical to the current version and a kKeep entry write
  // nothing (EntryOutcome::unchanged). transaction and collection: all entries in one
  // transaction, all or nothing. batch: each entry on its own; failures are reported in
  // EntryOutcome::error. `before_commit` runs once per transaction (once per successful entry for a
  // batch). The plan is taken by value: its resources are moved into the stored versions (a caller
  // that keeps its plan passes a copy).
  [[nodiscard]] Result<BundleOutcome> apply_bundle(fhir::BundlePlan plan,
                                                   const BeforeCommit& before_commit = {});

  // Crypto-shredding of a patient, in steps that a crash may separate; its cost does not grow with
  // the patient's records:
  // 1. one durable transaction of the data file marks a keyed one-way hash of the patient id
  //    erased, records the erasure as pending (the intent), bumps the erasure generation and
  //    counts the patient's versions; `before_commit` runs in it (gate/ appends the audit entry
  //    there). From its commit on, every Vault on the directory refuses the patient: its rows are
  //    still in the file, but no read returns, finds or counts them, and no write touches them.
  // 2. the keyring's transaction destroys the data key and appends the hash to the ledger. Then
  //    this returns.
  // 3. purge_erased_rows, called later (gate/'s background worker, the next open()), removes the
  //    rows in bounded batches and clears the intent once the rows are gone.
  // A crash after step 1 leaves an intent that the next open() finishes; before it, nothing
  // changed. kNotFound if the vault holds nothing for that patient (or it is erased already).
  // kInternal when step 2 fails after step 1: the patient is erased, and the next open()
  // finishes the shredding.
  [[nodiscard]] Result<ErasureOutcome> erase_patient(std::string_view patient_id,
                                                     const BeforeErasureCommit& before_commit = {},
                                                     const ErasureOptions& options = {});

  // Step 3 of erase_patient: removes the rows (versions and blind tokens) of erased patients, in
  // one short write transaction per patient touched, of at most `max_resources` resources in all,
  // so that it never holds the data file's write lock for long; readers never wait for it (WAL).
  // A patient's intent is cleared in the transaction that removes its last rows, unless its data
  // key is still in the keyring (step 2 not done yet, or failed: open() finishes it). Resumable:
  // a crash between batches loses nothing, and the next call (or open()) goes on.
  [[nodiscard]] Result<PurgeProgress> purge_erased_rows(int64_t max_resources,
                                                        const ErasureOptions& options = {});

  // Patients whose erasure was pending with its data key still in the keyring when this vault was
  // opened (a crash between steps 1 and 2 of erase_patient, or a failed step 2), and that open()
  // finished: their data key is shredded now. An erasure whose key was shredded and only rows
  // were left is not listed: the erasure itself was complete.
  [[nodiscard]] const std::vector<std::string>& erasures_finished_at_open() const {
    return erasures_finished_at_open_;
  }

  // The keyring's id of the unlocker that opened this vault (Vault::open); 0 for a vault just
  // created or a sibling. A second custodian's approval must come from another unlocker.
  [[nodiscard]] int64_t unlocker_id() const { return unlocker_id_; }

  // The vault's Ed25519 audit signing key (64 bytes), unwrapped from the keyring.
  [[nodiscard]] Result<crypto::SecretBytes> audit_signing_key();
  // Keys for auth/, derived from the master key: the pepper that keys the stored hashes of
  // session and token secrets, and the key that seals account secrets (TOTP).
  [[nodiscard]] crypto::SecretBytes session_pepper() const;
  [[nodiscard]] crypto::SecretBytes account_secret_key() const;
  // The key that seals this vault's data backups (lifecycle/), derived from the master key: a
  // backup opens only with a keyring of the same vault and one of its unlockers.
  [[nodiscard]] crypto::SecretBytes backup_key() const;
  // The same key from a keyring file alone (a restore has no data file yet), unlocked with
  // `secret`: kNotFound without the file, kUnlockFailed when no unlocker opens with `secret`.
  [[nodiscard]] static Result<crypto::SecretBytes> backup_key_from_keyring(
      const std::filesystem::path& keyring_file, const UnlockSecret& secret);

  // What adopt_erasure_ledger did.
  struct LedgerAdoption {
    int64_t keys_dropped = 0;      // data keys this keyring still held for patients erased since
    int64_t entries_added = 0;     // ledger entries this keyring lacked
    int64_t versions_removed = 0;  // rows of those patients removed from the data file
    // The patients whose key or rows it removed, ascending.
    std::vector<std::string> patients;
  };
  // For a restore: makes `current` (the erasure ledger of the live vault, or a copy of it) this
  // vault's own. Every data key of a patient it names is shredded, each entry this keyring lacks is
  // appended, and the data file's rows of those patients are removed (the ledger replay of open()),
  // so that a backup taken before an erasure never brings the patient back.
  [[nodiscard]] Result<LedgerAdoption> adopt_erasure_ledger(
      std::span<const store::ErasureLedgerEntry> current);

  // Starts the copy of the erasure ledger kept outside the vault (vault/ledger_copy.hpp) at
  // `path` (absolute; a new or empty file in an existing directory, kConflict otherwise): writes
  // every entry of the keyring's ledger to it, signed, and returns how many. The caller stores the
  // path under kLedgerCopyMeta (gate/: with its audit entry); from then on every erasure appends
  // its entry there before the key is shredded.
  [[nodiscard]] Result<int64_t> start_ledger_copy(const std::filesystem::path& path);
  // The entries of a ledger copy that a restore was given, once checked against this vault: every
  // line's signature verifies under its audit key, chained (verify_ledger_copy), and the copy
  // names every erasure this keyring's own ledger holds (a copy cut short, or another vault's, is
  // refused with kIntegrity).
  [[nodiscard]] Result<std::vector<store::ErasureLedgerEntry>> verified_ledger_copy(
      std::span<const LedgerCopyLine> lines);

  // The compartment of the current version of (type, id) from clear metadata, without
  // decrypting anything; nullopt when the vault has no such resource (deleted ones included).
  [[nodiscard]] Result<std::optional<std::string>> locate(std::string_view type,
                                                          std::string_view id);

  // Seals a note about a patient that is not a resource (a break-glass reason) under the data key
  // of `patient_id`'s compartment, bound to `label` (what the note is, e.g. a grant's id), so that
  // erasing the patient shreds it. kNotFound when the vault holds no key for that compartment.
  [[nodiscard]] Result<std::vector<uint8_t>> seal_patient_note(std::string_view patient_id,
                                                               std::string_view label,
                                                               std::string_view note);
  // Opens what seal_patient_note sealed with the same patient and label. kNotFound once the
  // patient is erased; kIntegrity when the bytes, the patient or the label differ.
  [[nodiscard]] Result<std::string> open_patient_note(std::string_view patient_id,
                                                      std::string_view label,
                                                      std::span<const uint8_t> sealed);

  // Whether the vault has ever filed anything in `patient_id`'s compartment: it has a data key,
  // or the patient was erased. False only for a compartment that never held a record.
  [[nodiscard]] Result<bool> compartment_ever_used(std::string_view patient_id);

  // Every patient compartment that holds rows and is not erased, ascending patient id, with the
  // newest lastUpdated of each resource type filed there (deleted versions included), from clear
  // metadata in one read snapshot: what retention measures its periods from.
  struct PatientActivity {
    std::string patient_id;
    std::map<std::string, int64_t, std::less<>> last_update_by_type;
  };
  [[nodiscard]] Result<std::vector<PatientActivity>> patient_activity();

  // Current, non-deleted resources per type.
  [[nodiscard]] Result<std::map<std::string, int64_t>> count_by_type();

  // A fresh random resource id (a UUID v4 in text form).
  [[nodiscard]] static std::string new_id();

  // --- Honey records (vault_honey.cpp; docs/architecture.md 12.2). The set of decoy patients is
  // sealed under the master key in the keyring (a system entry that every vault has from its
  // creation, empty at first) and loaded by open() into a HoneySet that every sibling shares.

  // Whether `compartment` is a decoy patient's: one lookup in the shared set, no I/O.
  [[nodiscard]] bool is_decoy(std::string_view compartment) const {
    return honey_->contains(compartment);
  }
  // The decoy patients' ids, sorted.
  [[nodiscard]] std::vector<std::string> decoys() const { return honey_->ids(); }
  // Adds `patient_ids` to the sealed set (read again from the keyring first, so that a set that
  // another process sealed since this vault opened is kept) and then to the shared set.
  [[nodiscard]] Result<void> add_decoys(std::span<const std::string> patient_ids);

 private:
  Vault(std::filesystem::path dir, std::unique_ptr<store::KeyringStore> keyring,
        std::unique_ptr<store::DataStore> data, std::shared_ptr<SharedKeys> keys,
        const Clock& clock);

  // The keyring's sealed honey set (none in a vault made before honey records: empty).
  [[nodiscard]] Result<std::vector<std::string>> sealed_decoys();
  // Seals `patient_ids` into the keyring, replacing the set there.
  [[nodiscard]] Result<void> seal_decoys(std::span<const std::string> patient_ids);
  [[nodiscard]] Result<void> replay_erasure_ledger();
  // Steps 2 and 3 of erase_patient for every pending erasure; appends the patients whose key it
  // shredded to erasures_finished_at_open_.
  [[nodiscard]] Result<void> finish_pending_erasures();
  // Step 2 of erase_patient: whether this call shredded the key (false: it was shredded before).
  // When a ledger copy is kept, the entry is appended to it first: a key is never shredded
  // before the copy names its patient's erasure (a crash in between appends it twice; a restore
  // takes the hash once).
  [[nodiscard]] Result<bool> shred_data_key(const std::string& patient_id);
  // Reads the erasure generation of the data file (one small read) into erasure_generation_seen_
  // and, when it changed since the last call or erased_with_rows_ is not empty, the pending
  // erasures into erased_with_rows_; when another connection erased a patient, forgets every
  // cached data key (of every sibling). Called at the start of every operation that uses data
  // keys, directly or through in_read_snapshot(); latest_visible() skips it only while the data
  // file is unchanged since in_read_snapshot()'s last call, which then still holds.
  [[nodiscard]] Result<void> refresh_erasures();
  // Whether rows of `compartment` must be treated as absent: it is erased and its rows may not be
  // removed yet. As of the last refresh_erasures(): in in_read_snapshot(), as of the snapshot.
  [[nodiscard]] bool erased_rows_remain(const std::string& compartment) const {
    return erased_with_rows_.contains(compartment);
  }
  // Runs refresh_erasures() and then `read` (reads of data_, no writes) in one read snapshot of
  // the data file, and returns what `read` returns; the snapshot ends before this returns, so
  // the caller decrypts outside it.
  template <typename Read>
  [[nodiscard]] std::invoke_result_t<Read&> in_read_snapshot(Read&& read);
  // The latest version of (type, id) as a read may see it: nullopt when there is none or when its
  // compartment's erased rows remain. One statement, without a snapshot, when the data file has
  // not changed since in_read_snapshot() last refreshed the erasures and none left rows behind;
  // else in_read_snapshot(). The caller decrypts after it returns, as after in_read_snapshot().
  [[nodiscard]] Result<std::optional<store::ResourceVersionRow>> latest_visible(
      std::string_view type, std::string_view id);
  // `row`, or nullopt when it is in a compartment whose erased rows remain (erased_rows_remain).
  [[nodiscard]] Result<std::optional<store::ResourceVersionRow>> without_erased(
      Result<std::optional<store::ResourceVersionRow>> row) const;
  // Whether the data file marks `compartment` erased; inside a transaction, as of that
  // transaction.
  [[nodiscard]] Result<bool> is_erased(std::string_view compartment);
  [[nodiscard]] std::vector<uint8_t> erasure_hash(std::string_view patient_id) const;
  [[nodiscard]] std::string compartment_of(const boost::json::object& resource) const;
  // Makes and stores a data key for each of `compartments` that has none yet (kConflict for an
  // erased patient's). Siblings may race to make the same compartment's key: the one stored first
  // wins, and the others use it.
  [[nodiscard]] Result<void> ensure_data_keys(const std::vector<std::string>& compartments);
  // One pass of ensure_data_keys: kConflict too when another connection stored one of the keys
  // after this one looked, and then nothing is stored.
  [[nodiscard]] Result<void> make_missing_data_keys(const std::vector<std::string>& compartments);
  // The compartment's data key, copied into data_key_; the span is valid until the next call.
  [[nodiscard]] Result<std::span<const uint8_t>> data_key(const std::string& compartment);
  // Writes one planned entry; its resource is moved into the stored version.
  [[nodiscard]] Result<EntryOutcome> write_entry(fhir::PlannedEntry& entry);
  [[nodiscard]] Result<StoredResource> write_version(
      std::string_view type, std::string_view id, boost::json::object resource, bool deleted,
      std::optional<store::ResourceVersionRow> previous);
  [[nodiscard]] Result<StoredResource> decrypt(const store::ResourceVersionRow& row,
                                               ResourceForm form = ResourceForm::kParsed);
  [[nodiscard]] Result<std::vector<StoredResource>> decrypt_each(const std::string& type,
                                                                 std::span<const std::string> ids,
                                                                 ResourceForm form);
  [[nodiscard]] Result<std::vector<std::string>> candidate_ids(const fhir::SearchQuery& query);
  // The page (`count` from `offset`) of `rows` (metadata read in one snapshot, already decided),
  // each version read again and decrypted; a version removed since (an erasure's cleanup) is
  // left out of the page and the total.
  [[nodiscard]] Result<SearchPage> page_of_versions(std::vector<store::ResourceVersionRow> rows,
                                                    size_t count, size_t offset);
  // Runs `action` in a write transaction of the data file and commits it durably when `action`
  // succeeds. An error result, a failed commit or an exception thrown by `action` rolls it back.
  template <typename T, typename Action>
  [[nodiscard]] Result<T> in_transaction(Action&& action);

  // Owned by this Vault and used by one thread at a time: its connections, data_key_,
  // erasure_generation_seen_, file_version_at_refresh_, erased_with_rows_. Shared with the
  // siblings, and safe to share: keys_ (see SharedKeys).
  std::filesystem::path dir_;
  std::unique_ptr<store::KeyringStore> keyring_;
  std::unique_ptr<store::DataStore> data_;
  std::shared_ptr<SharedKeys> keys_;
  const Clock& clock_;
  // Locked memory that data_key() copies one data key into, allocated once per Vault. A
  // SecretBytes of its own (a locked page), not a span of the shared block: siblings come and go
  // with the threads of a server, and the block is carved once; kOtherSecretsBytes leaves room.
  crypto::SecretBytes data_key_;
  // The data file's erasure generation as this Vault last read it; -1 before.
  int64_t erasure_generation_seen_ = -1;
  // The data file's version (DataStore::file_version) in the snapshot where in_read_snapshot()
  // last refreshed the erasures; nullopt before. While a read finds the same version, nothing was
  // committed since, so that refresh still holds.
  std::optional<uint32_t> file_version_at_refresh_;
  // The pending erasures as of the last refresh_erasures(): every erased patient whose rows may
  // still be in the data file. An erasure adds to them and bumps the generation in one
  // transaction; only purge_erased_rows removes from them (without a bump), so a set read at
  // some generation holds every erased patient with rows at that generation.
  std::unordered_set<std::string> erased_with_rows_;
  std::vector<std::string> erasures_finished_at_open_;
  int64_t unlocker_id_ = 0;
  // Shared with the siblings, and safe to share (see HoneySet).
  std::shared_ptr<HoneySet> honey_ = std::make_shared<HoneySet>();
};

}  // namespace vigie::vault
