#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.hpp"

// store/ knows rows, not resources or keys. No SQL above this interface. Implementations:
// store/sqlite/ (embedded default) and, later, store/postgres/. Both must pass tests/store/.
//
// Failures: ErrorCode::kIntegrity when the file is not a database or is corrupt
// (SQLITE_CORRUPT, SQLITE_NOTADB), kNotFound when opening a file that does not exist,
// kConflict when creating one that does, kInternal for I/O and other engine errors. Messages name
// the operation, never a row's content.

namespace vigie::store {

// An opaque search token (vault/ makes them with crypto::BlindIndexer; store/ only compares).
inline constexpr size_t kTokenBytes = 16;
using Token = std::array<uint8_t, kTokenBytes>;

// What search reads of a resource's current version without opening it.
struct CurrentMetadata {
  std::string compartment;  // empty when the resource has no version
  int64_t last_updated_ms = 0;
  bool deleted = false;
};

// One stored version of one resource. `sealed` is the AEAD ciphertext made by vault/; every other
// field is clear system metadata.
struct ResourceVersionRow {
  std::string type;
  std::string id;
  int64_t version = 0;
  int64_t last_updated_ms = 0;
  std::string compartment;
  bool deleted = false;
  std::vector<uint8_t> sealed;
};

// Search tokens of one resource's current version, grouped by search parameter so a query can
// ask "family has token A AND identifier has token B".
struct SearchToken {
  std::string param;
  Token token{};
};

// A conjunction of disjunctions: a resource matches when, for every group, it holds at least one
// of the group's tokens under the group's parameter.
struct TokenGroup {
  std::string param;
  std::vector<Token> any_of;
};

// One entry of the audit log. store/ keeps the bytes; audit/ makes them and chains the hashes.
struct AuditRow {
  int64_t seq = 0;
  int64_t time_ms = 0;
  std::vector<uint8_t> canonical;
  std::array<uint8_t, 32> hash{};
};

// A signed statement that the chain's head at `seq` was `head`.
struct CheckpointRow {
  int64_t seq = 0;
  std::array<uint8_t, 32> head{};
  int64_t time_ms = 0;
  std::array<uint8_t, 64> signature{};
};

// One account (auth/). No secret is stored in clear: the password as an Argon2id hash string,
// the TOTP secret sealed by auth/ under a key derived from the master key, the recovery codes as
// hashes. The login is the key and never changes.
struct AccountRow {
  std::string login;
  std::string display_name;
  std::string role;                  // access/'s role name ("practitioner", ..., "service")
  std::string rpps;                  // 11 digits, or empty
  std::string status;                // "active", "locked" or "disabled"
  std::string password_hash;         // empty for a service account
  bool password_temporary = false;   // set by the custodian: to be changed at the first login
  std::vector<uint8_t> totp_sealed;  // empty for a service account
  int64_t totp_last_step = -1;       // the last time step whose code was used; -1 for none
  std::string recovery_codes;        // opaque to store/: auth/'s encoding of the hashed codes
  int64_t failed_logins = 0;         // consecutive failures since the last success
  int64_t created_ms = 0;
  int64_t last_used_ms = 0;  // last successful login or token use; 0 for never
};

// A bearer secret that authenticates an account: an interactive session or a service's API
// token. Only a keyed hash of the secret is stored; `id` is public and names it in the audit log.
struct CredentialRow {
  std::string id;                         // unique, e.g. "ses-..." or "tok-..."
  std::string kind;                       // "session" or "api-token"
  std::array<uint8_t, 32> secret_hash{};  // unique
  std::string login;
  std::string scopes;             // SMART scopes separated by spaces (API tokens)
  std::string allowed_addresses;  // client addresses separated by spaces; empty for any
  std::string address;            // where the session was opened; empty for a token
  int64_t created_ms = 0;
  int64_t last_used_ms = 0;
  int64_t expires_ms = 0;  // absolute end of validity
  int64_t revoked_ms = 0;  // 0 while not revoked
};

// What authenticating a request reads: a credential and its account, in one snapshot.
struct CredentialWithAccount {
  CredentialRow credential;
  AccountRow account;
};

// A practitioner assigned to a patient's care. `source` says why: "cli" for `vigie assign`,
// "CareTeam/<id>" for a CareTeam that names the practitioner, "registration" for the
// practitioner who created the Patient. One (login, patient, source) is stored once.
struct AssignmentRow {
  std::string login;
  std::string patient_id;
  std::string source;
  int64_t created_ms = 0;
};

// An emergency access to one patient outside the practitioner's care teams. The reason is free
// text, often clinical: vault/ seals it under the patient's data key, so that erasing the patient
// shreds it; store/ keeps the bytes.
struct BreakGlassRow {
  std::string id;  // unique, "bg-..."; names the grant in the audit log
  std::string login;
  std::string patient_id;
  std::vector<uint8_t> reason_sealed;
  int64_t start_ms = 0;
};

// A public key a service account signs its SMART client assertions with (auth/client_keys.hpp).
// Only public keys are stored; `jwk` is auth/'s canonical JSON of the key.
struct ClientKeyRow {
  std::string login;
  std::string kid;  // unique per login
  std::string alg;  // "ES384" or "RS384"
  std::string jwk;
  int64_t created_ms = 0;
};

// An alert a detector raised (watch/alert.hpp). `detail` never names a patient.
struct AlertRow {
  int64_t id = 0;  // assigned by insert_alert: 1, 2, ... in the order raised
  int64_t time_ms = 0;
  std::string kind = {};     // watch::name_of(AlertKind)
  std::string account = {};  // the login concerned, empty when none
  std::string detail = {};
  bool account_locked = false;
  std::string acknowledged_by = {};  // empty while open
  int64_t acknowledged_ms = 0;       // 0 while open
};

// Where the delivery of one alert to one sink stands (alert delivery, schema version 8).
struct AlertDeliveryRow {
  int64_t alert_id = 0;
  std::string sink = {};  // "log", "webhook", "email"
  int64_t attempts = 0;
  int64_t next_attempt_ms = 0;  // when the next attempt is due, while pending
  int64_t delivered_ms = 0;     // 0 while pending
  std::string last_error = {};  // the last failure's reason, for the custodian
};

// An alert waiting for a sink, with where its delivery there stands (0 attempts: never tried).
struct DueAlert {
  AlertRow alert;
  AlertDeliveryRow delivery;
};

enum class OpenMode {
  kCreate,        // the file must not exist; it is created with the current schema
  kOpenExisting,  // the file must exist; forward migrations run if its schema is older
};

// The transaction primitives every store file shares. Code above store/ does not call them: it
// uses store::Transaction and store::ReadSnapshot (store/transaction.hpp), which roll back on
// every early return and every exception.
class TransactionalStore {
 public:
  virtual ~TransactionalStore() = default;

  // Write transactions. Every mutating call of a store must run inside one; reads may run inside or
  // outside. These are the primitives of store::Transaction (store/transaction.hpp): code above
  // store/ opens a transaction with begin_transaction(), which rolls back on every early return
  // and every exception, and does not call them itself. begin() fails if one is already open.
  [[nodiscard]] virtual Result<void> begin() = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
  // Rolls back the open transaction, if any, or ends the open read snapshot (begin_read()).
  // Never fails from the caller's point of view.
  virtual void rollback() = 0;
  // Like commit(), and the transaction is on stable storage when this returns. commit() does
  // not promise that: after a power loss or an OS crash its last transactions may be rolled back
  // (the file stays consistent). This also makes every earlier commit to the file durable, so one
  // commit_durable() after several commit()s is a group commit. kInternal with nothing changed if
  // no transaction is open; kInternal if the sync fails after the commit (the transaction is then
  // committed but may not survive a power loss).
  [[nodiscard]] virtual Result<void> commit_durable() = 0;
  // Read snapshots, the primitive of store::ReadSnapshot (store/transaction.hpp), which code
  // above store/ uses instead. A read outside any transaction sees the latest commit, statement
  // by statement. After begin_read(), every read sees one committed state of the file: the one
  // current at the first read that follows begin_read(), until rollback() ends the snapshot
  // (it wrote nothing, so nothing is undone). No mutating call may run in a read snapshot.
  // kInternal if a transaction (read or write) is already open.
  [[nodiscard]] virtual Result<void> begin_read() = 0;
};

// The data file: resource versions, search tokens, small metadata, accounts, and which audit
// intents committed (the audit log itself has a file of its own: AuditStore). Not
// thread-safe: one DataStore per thread (SQLite's WAL lets several connections read while one
// writes). Several DataStores on one file may each run write transactions: begin() waits while
// another connection holds the write lock, and fails with kInternal after a few seconds.
class DataStore : public TransactionalStore {
 public:
  // Appends a version and replaces the search tokens of (type, id) with `tokens` (pass none for
  // a deleted version). kConflict if that (type, id, version) exists.
  [[nodiscard]] virtual Result<void> append_version(const ResourceVersionRow& row,
                                                    std::span<const SearchToken> tokens) = 0;

  // The highest version of (type, id), deleted or not; nullopt when there is none.
  [[nodiscard]] virtual Result<std::optional<ResourceVersionRow>> latest_version(
      const std::string& type, const std::string& id) = 0;
  // The data file's version as of this connection's latest read or commit: equal for two reads
  // only when no commit (of any connection or process) changed the file between them. nullopt
  // while this connection has uncommitted changes, which do not move it.
  [[nodiscard]] virtual std::optional<uint32_t> file_version() const = 0;
  // One version; nullopt when absent.
  [[nodiscard]] virtual Result<std::optional<ResourceVersionRow>> read_version(
      const std::string& type, const std::string& id, int64_t version) = 0;
  // All versions of (type, id), newest first; empty when there is none.
  [[nodiscard]] virtual Result<std::vector<ResourceVersionRow>> history(const std::string& type,
                                                                        const std::string& id) = 0;

  // Every version of every resource of `type` written in [since_ms, until_ms], newest first
  // (then ascending id, then descending version), without `sealed` (clear metadata only): what a
  // type-level history decides on before it reads the versions of one page.
  [[nodiscard]] virtual Result<std::vector<ResourceVersionRow>> versions_of_type(
      const std::string& type, int64_t since_ms, int64_t until_ms) = 0;
  // The current, non-deleted version of every resource whose current version is in
  // `compartment`, ascending (type, id), without `sealed`: a patient's whole compartment.
  [[nodiscard]] virtual Result<std::vector<ResourceVersionRow>> current_in_compartment(
      const std::string& compartment) = 0;

  // Ids of current, non-deleted resources of `type` that satisfy every group, in ascending id
  // order. With no groups: every current, non-deleted resource of `type`.
  [[nodiscard]] virtual Result<std::vector<std::string>> find_ids(
      const std::string& type, std::span<const TokenGroup> groups) = 0;

  // The clear metadata of the current version of each (type, id), in the order of `ids`; an
  // empty compartment where there is none. One query, whatever the number of ids.
  [[nodiscard]] virtual Result<std::vector<CurrentMetadata>> current_metadata(
      const std::string& type, std::span<const std::string> ids) = 0;

  // Number of current, non-deleted resources per type.
  [[nodiscard]] virtual Result<std::map<std::string, int64_t>> count_by_type() = 0;

  // Distinct compartments that hold at least one row.
  [[nodiscard]] virtual Result<std::vector<std::string>> compartments() = 0;
  // Per compartment and resource type, the newest last_updated_ms of any version filed there
  // (deleted versions included), ascending (compartment, type): when each patient's record last
  // changed, from clear metadata (lifecycle/'s retention).
  struct TypeLastUpdate {
    std::string compartment;
    std::string type;
    int64_t last_updated_ms = 0;
  };
  [[nodiscard]] virtual Result<std::vector<TypeLastUpdate>> last_updates() = 0;
  // Removes every version and token of every resource in `compartment`, in the open transaction.
  // Returns the number of versions removed. Freed pages are overwritten (secure_delete).
  [[nodiscard]] virtual Result<int64_t> remove_compartment(const std::string& compartment) = 0;
  // Part of remove_compartment, for a removal in bounded steps: in the open transaction, removes
  // the versions in `compartment` of at most `max_resources` resources that have versions there,
  // and their tokens; a resource whose current version was there falls back to its highest
  // version elsewhere (with no tokens), as with remove_compartment. Returns how many resources
  // and versions it removed: fewer resources than `max_resources` means none is left there.
  struct RemovedRows {
    int64_t resources = 0;
    int64_t versions = 0;
  };
  [[nodiscard]] virtual Result<RemovedRows> remove_compartment_rows(const std::string& compartment,
                                                                    int64_t max_resources) = 0;
  // Number of versions in `compartment` (an index range: cheap).
  [[nodiscard]] virtual Result<int64_t> count_versions_in(const std::string& compartment) = 0;
  // Current, non-deleted resources per type whose current version is in `compartment`.
  [[nodiscard]] virtual Result<std::map<std::string, int64_t>> count_current_in(
      const std::string& compartment) = 0;

  // Small key/value metadata of the data file (e.g. how much of the erasure ledger was replayed).
  [[nodiscard]] virtual Result<std::optional<std::string>> get_meta(const std::string& key) = 0;
  [[nodiscard]] virtual Result<void> set_meta(const std::string& key, const std::string& value) = 0;

  // Audit intents. A write's entries are made durable in the audit file before its data commits
  // (audit::AuditLog::record_intent); the write stores the intent's last seq here, in its own
  // transaction, so that whether it committed can be told after a crash. kConflict if stored
  // already; kInternal if no transaction is open.
  [[nodiscard]] virtual Result<void> mark_intent_committed(int64_t last_seq) = 0;
  // Whether mark_intent_committed(last_seq) committed.
  [[nodiscard]] virtual Result<bool> intent_committed(int64_t last_seq) = 0;

  // Accounts, credentials, assignments and break-glass grants (auth/, access/). Mutating calls run
  // inside the open transaction (kInternal otherwise), so that a change commits with the mark of
  // its audit intent.
  // One account; nullopt when the login is unknown.
  [[nodiscard]] virtual Result<std::optional<AccountRow>> account(const std::string& login) = 0;
  // Every account, ascending login.
  [[nodiscard]] virtual Result<std::vector<AccountRow>> accounts() = 0;
  // Inserts a new account. kConflict if the login exists.
  [[nodiscard]] virtual Result<void> insert_account(const AccountRow& row) = 0;
  // Replaces every field of an existing account. kNotFound if the login is unknown.
  [[nodiscard]] virtual Result<void> update_account(const AccountRow& row) = 0;

  // kConflict if the id or the secret hash exists.
  [[nodiscard]] virtual Result<void> insert_credential(const CredentialRow& row) = 0;
  // nullopt when no credential has that hash (revoked and expired ones are returned too).
  [[nodiscard]] virtual Result<std::optional<CredentialRow>> credential_by_hash(
      std::span<const uint8_t, 32> secret_hash) = 0;
  [[nodiscard]] virtual Result<std::optional<CredentialRow>> credential(const std::string& id) = 0;
  // The credential with that hash and its account, as of the latest commit, read by one statement
  // (the SQLite store serves a repeated question from memory while its file is unchanged); nullopt
  // when no credential has that hash or its login names no account (revoked and expired ones are
  // returned too).
  [[nodiscard]] virtual Result<std::optional<CredentialWithAccount>>
  credential_with_account_by_hash(std::span<const uint8_t, 32> secret_hash) = 0;
  // Every credential of `login`, ascending created_ms.
  [[nodiscard]] virtual Result<std::vector<CredentialRow>> credentials_of(
      const std::string& login) = 0;
  [[nodiscard]] virtual Result<void> touch_credential(const std::string& id,
                                                      int64_t last_used_ms) = 0;
  // Sets revoked_ms on the credential unless it is revoked already. Returns whether it changed.
  [[nodiscard]] virtual Result<bool> revoke_credential(const std::string& id,
                                                       int64_t revoked_ms) = 0;
  // Revokes every unrevoked credential of `login`; returns how many.
  [[nodiscard]] virtual Result<int64_t> revoke_credentials_of(const std::string& login,
                                                              int64_t revoked_ms) = 0;

  // Inserts the assignment unless that (login, patient, source) exists. Returns whether it was
  // new.
  [[nodiscard]] virtual Result<bool> add_assignment(const AssignmentRow& row) = 0;
  // Removes (login, patient, source); returns whether it existed.
  [[nodiscard]] virtual Result<bool> remove_assignment(const std::string& login,
                                                       const std::string& patient_id,
                                                       const std::string& source) = 0;
  // Removes every assignment from `source` (a CareTeam rewritten or deleted); returns how many.
  [[nodiscard]] virtual Result<int64_t> remove_assignments_from(const std::string& source) = 0;
  // Removes every assignment to `patient_id` (the patient is erased); returns how many.
  [[nodiscard]] virtual Result<int64_t> remove_assignments_to(const std::string& patient_id) = 0;
  // Whether `login` is assigned to `patient_id`, from any source.
  [[nodiscard]] virtual Result<bool> is_assigned(const std::string& login,
                                                 const std::string& patient_id) = 0;
  // Every assignment of `login`, ascending (patient_id, source).
  [[nodiscard]] virtual Result<std::vector<AssignmentRow>> assignments_of(
      const std::string& login) = 0;

  // Adds a client key; false (nothing written) when `login` has a key with that kid already.
  [[nodiscard]] virtual Result<bool> insert_client_key(const ClientKeyRow& row) = 0;
  // Every key of `login`, ascending kid.
  [[nodiscard]] virtual Result<std::vector<ClientKeyRow>> client_keys(const std::string& login) = 0;
  // Stores an alert (its id and acknowledgement ignored) and returns the id it got.
  [[nodiscard]] virtual Result<int64_t> insert_alert(const AlertRow& row) = 0;
  // At most `limit` alerts with an id above `after_id`, ascending id; only the unacknowledged
  // ones with `open_only`.
  [[nodiscard]] virtual Result<std::vector<AlertRow>> list_alerts(int64_t after_id, size_t limit,
                                                                  bool open_only) = 0;
  // Marks alert `id` acknowledged by `by` at `at_ms`; false (nothing written) when there is no
  // such alert or it was acknowledged already.
  [[nodiscard]] virtual Result<bool> acknowledge_alert(int64_t id, const std::string& by,
                                                       int64_t at_ms) = 0;
  // At most `limit` alerts not yet delivered to `sink` whose next attempt is due by `now_ms` (one
  // never tried is due), ascending id.
  [[nodiscard]] virtual Result<std::vector<DueAlert>> due_alert_deliveries(const std::string& sink,
                                                                           int64_t now_ms,
                                                                           size_t limit) = 0;
  // Writes where the delivery of `row.alert_id` to `row.sink` stands, replacing the row before.
  [[nodiscard]] virtual Result<void> save_alert_delivery(const AlertDeliveryRow& row) = 0;
  // The delivery rows of the alerts with an id in (after_id, last_id], ascending (alert, sink).
  [[nodiscard]] virtual Result<std::vector<AlertDeliveryRow>> alert_deliveries(int64_t after_id,
                                                                               int64_t last_id) = 0;
  // Remembers a used assertion id (its keyed hash) until `expires_ms`; false (nothing written)
  // when it is remembered already: a replay.
  [[nodiscard]] virtual Result<bool> remember_assertion_id(std::span<const uint8_t, 32> id_hash,
                                                           int64_t expires_ms) = 0;
  // Forgets the assertion ids that expired before `now_ms`; returns how many.
  [[nodiscard]] virtual Result<int64_t> forget_assertion_ids_before(int64_t now_ms) = 0;

  [[nodiscard]] virtual Result<void> insert_break_glass(const BreakGlassRow& row) = 0;
  // The grants of `login` that started at or after `since_ms`, ascending start_ms.
  [[nodiscard]] virtual Result<std::vector<BreakGlassRow>> break_glass_of(const std::string& login,
                                                                          int64_t since_ms) = 0;
};

// The audit file: the audit log, its signed checkpoints, and the intents whose outcome the log
// does not state yet. Kept apart from the data file, so that recording a read neither waits for a
// long data transaction nor invalidates the readers' caches of the data file. The same threading
// rules as DataStore: one AuditStore per thread; several on one file work together (WAL).
class AuditStore : public TransactionalStore {
 public:
  // The log and its checkpoints are append-only: the file refuses UPDATE and DELETE of their rows.
  // Appends `rows`, which must be in strictly ascending seq order, in the open transaction. All or
  // nothing: on failure no row of `rows` is stored and the transaction stays open. kConflict if a
  // seq is stored already; kInternal if no transaction is open or the order is wrong.
  [[nodiscard]] virtual Result<void> append_audit(std::span<const AuditRow> rows) = 0;
  // The row with the highest seq; nullopt when the log is empty. kIntegrity if its hash is not
  // 32 bytes.
  [[nodiscard]] virtual Result<std::optional<AuditRow>> last_audit_row() = 0;
  // Calls `visit` for every row with seq > after_seq in ascending seq order, streaming (rows are
  // not materialised), and stops early when `visit` returns false. The spans are only valid
  // during the call; `hash` is passed as stored (its length is the verifier's to check). `visit`
  // must not call this AuditStore. The scan reads one snapshot: rows committed meanwhile by other
  // connections are not seen.
  [[nodiscard]] virtual Result<void> scan_audit(
      int64_t after_seq,
      const std::function<bool(int64_t seq, int64_t time_ms, std::span<const uint8_t> canonical,
                               std::span<const uint8_t> hash)>& visit) = 0;
  // Number of rows in the log (linear in the log's size).
  [[nodiscard]] virtual Result<int64_t> audit_count() = 0;
  // Appends a checkpoint in the open transaction. kConflict if one exists at that seq; kInternal
  // if no transaction is open.
  [[nodiscard]] virtual Result<void> append_checkpoint(const CheckpointRow& row) = 0;
  // Every checkpoint, ascending seq. kIntegrity if a stored head or signature has the wrong size.
  [[nodiscard]] virtual Result<std::vector<CheckpointRow>> checkpoints() = 0;
  // Intents: the seqs of a write's entries (first_seq to last_seq), recorded before its data
  // commits, until the log states whether it did. Each runs in the open transaction (kInternal
  // otherwise). kConflict if last_seq is pending already.
  [[nodiscard]] virtual Result<void> add_pending_intent(int64_t first_seq, int64_t last_seq) = 0;
  // Removes the intent that ends at last_seq; its first seq, or nullopt when none was pending.
  [[nodiscard]] virtual Result<std::optional<int64_t>> remove_pending_intent(int64_t last_seq) = 0;
  struct PendingIntent {
    int64_t first_seq = 0;
    int64_t last_seq = 0;
  };
  // Every pending intent, ascending last_seq.
  [[nodiscard]] virtual Result<std::vector<PendingIntent>> pending_intents() = 0;
};

// How a master key is wrapped for one way of unlocking the vault.
enum class UnlockerKind { kPassphrase, kKeyFile };

struct UnlockerRecord {
  int64_t id = 0;  // assigned by the keyring on insert
  UnlockerKind kind = UnlockerKind::kPassphrase;
  uint64_t argon2_ops_limit = 0;  // passphrase only
  uint64_t argon2_mem_limit = 0;  // passphrase only
  std::vector<uint8_t> salt;      // passphrase only
  std::vector<uint8_t> wrapped_master_key;
  int64_t created_ms = 0;
};

struct ErasureLedgerEntry {
  std::vector<uint8_t> compartment_hash;
  int64_t erased_ms = 0;
};

// The keyring file, kept apart from the data file so that data backups never carry keys. Uses a
// rollback journal (not WAL) so that opening it and failing to unlock leaves every byte of the
// vault directory unchanged. Every mutating call is its own durable transaction. Not thread-safe.
class KeyringStore {
 public:
  virtual ~KeyringStore() = default;

  [[nodiscard]] virtual Result<std::vector<UnlockerRecord>> unlockers() = 0;
  // Returns the assigned id.
  [[nodiscard]] virtual Result<int64_t> add_unlocker(const UnlockerRecord& record) = 0;

  // Named system keys wrapped by the master key (audit signing key, vault identity key, ...).
  [[nodiscard]] virtual Result<std::optional<std::vector<uint8_t>>> system_key(
      const std::string& name) = 0;
  [[nodiscard]] virtual Result<void> put_system_key(const std::string& name,
                                                    std::span<const uint8_t> wrapped) = 0;

  // Wrapped data key of a compartment; nullopt when it has none (never created, or shredded).
  [[nodiscard]] virtual Result<std::optional<std::vector<uint8_t>>> data_key(
      const std::string& compartment) = 0;
  // Stores several new wrapped data keys in one transaction. kConflict, with nothing stored, if
  // one exists already or if the erasure ledger holds one of `erased_hashes` (checked in the same
  // transaction, so that no key is made for a patient erased meanwhile by another connection).
  [[nodiscard]] virtual Result<void> put_data_keys(
      std::span<const std::pair<std::string, std::vector<uint8_t>>> wrapped_keys,
      std::span<const std::vector<uint8_t>> erased_hashes) = 0;

  // Crypto-shredding: in one transaction, deletes the compartment's data key (its bytes
  // overwritten on disk: secure_delete) and appends `entry` to the erasure ledger.
  // Returns false (and appends nothing) when the compartment has no key.
  [[nodiscard]] virtual Result<bool> shred_data_key(const std::string& compartment,
                                                    const ErasureLedgerEntry& entry) = 0;
  // The whole ledger, oldest first.
  [[nodiscard]] virtual Result<std::vector<ErasureLedgerEntry>> erasure_ledger() = 0;

  // For a restore (lifecycle/ backups): the compartments that hold a data key, ascending; and,
  // in one transaction, appends each of `entries` whose hash the ledger lacks, returning how many
  // it appended.
  [[nodiscard]] virtual Result<std::vector<std::string>> data_key_compartments() = 0;
  [[nodiscard]] virtual Result<int64_t> merge_erasure_ledger(
      std::span<const ErasureLedgerEntry> entries) = 0;
};

}  // namespace vigie::store
