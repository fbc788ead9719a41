#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "access/decide.hpp"
#include "audit/incident.hpp"
#include "audit/log.hpp"
#include "auth/authenticator.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "gate/erasure_cleanup.hpp"
#include "gate/principal.hpp"
#include "lifecycle/backup.hpp"
#include "lifecycle/bulk_export.hpp"
#include "lifecycle/export_job.hpp"
#include "lifecycle/retention.hpp"
#include "vault/vault.hpp"
#include "watch/alert.hpp"
#include "watch/detectors.hpp"

// gate/: the one door to decrypted patient data, for every interface (CLI now, HTTP later).
// Every call names its principal; the gate authenticates it (auth/: a session or API token, or
// the custodian who unlocked the vault), decides whether it may act (access/: role, care team,
// break-glass, token scopes), acts on the vault, and records the call in the audit log, allowed
// or not, with the reason of a denial: a write commits in the same
// transaction as its entry, and a read returns nothing until its entry is on stable storage.
// A reviewer can check the security of the whole system by reading this module.
// Interfaces (cli/, http/) include this header and never vault/ or store/ directly.

namespace vigie::gate {

using vault::BundleOutcome;
using vault::EntryOutcome;
using vault::ResourceForm;
using vault::SearchPage;
using vault::StoredResource;
using vault::UnlockSecret;
using UnlockerKind = store::UnlockerKind;

// What `revoke_credential` did: the credential's id, and whether it was revoked now (false when
// it was revoked already).
struct Revocation {
  std::string credential_id;
  bool revoked_now = false;
};

// Hardens the process before any secret is handled: no core dumps, not dumpable. kInternal saying
// which setting the OS refused; the process must not go on to handle a secret.
[[nodiscard]] Result<void> harden_process();

// Checks that the process can lock the whole budget that `memory` sets (a vault's block of keys
// and every other secret): call it with the vault's configuration before any secret is read.
// kInternal naming RLIMIT_MEMLOCK, how to raise it, and the setting that lowers the need; the
// process must not go on to handle a secret.
[[nodiscard]] Result<void> check_locked_memory(const config::MemoryConfig& memory);

// The purpose of the erase entry that an unlock records for an erasure it finished (one that a
// crash or a failure interrupted after its intent and audit entry committed, before its data key
// was shredded). Rows that an erasure left to its background cleanup are removed by the unlock
// without an entry: that erasure was complete.
inline constexpr std::string_view kErasureFinishedAtUnlock =
    "erasure interrupted, finished at unlock";

// A SMART Backend Services token request as the token endpoint received it.
struct ClientTokenRequest {
  std::string body;          // application/x-www-form-urlencoded, unparsed
  std::string token_url;     // the endpoint's own absolute URL: the assertion's aud must be it
  std::string content_type;  // must be application/x-www-form-urlencoded
  std::string address;       // the client's address
  std::string user_agent;
};

// The endpoint's answer: a token and the scopes it carries, or the OAuth error to send (never
// why: the audit entry says it).
struct ClientTokenAnswer {
  std::optional<auth::IssuedToken> token;
  std::string scope;
  auth::OAuthError error = auth::OAuthError::kInvalidRequest;  // when no token
};

struct Unlocked;

// The door. Not thread-safe (one per thread, or callers serialise).
class Gate {
 public:
  // Creates a vault in `dir` (see vault::Vault::create) whose audit log signs checkpoints on
  // `policy`, records the creation as the log's first entry with a checkpoint over it (appended
  // to the external file at once), and returns it unlocked. `extra`
  // unlockers wrap the same master key. kUsage if the checkpoint file's directory does not exist.
  // `auth_settings` (session timeouts, password hashing cost, address throttling) are stored in
  // the vault too. `user` becomes the custodian: the capability comes back with the gate.
  [[nodiscard]] static Result<Unlocked> initialize(
      const std::filesystem::path& dir, const UnlockSecret& secret,
      const std::vector<const UnlockSecret*>& extra, const audit::CheckpointPolicy& policy,
      const LocalUser& user, const auth::AuthSettings& auth_settings = {},
      const Clock& clock = system_clock(), const config::Config& config = {});

  // Unlocks the vault in `dir` with `secret` (kNotFound, kUnlockFailed, kIntegrity) and records
  // the unlock, or the failed attempt by `user` (the audit log needs no key to append), in the
  // audit log. An erasure that a crash interrupted after its intent committed is finished by the
  // unlock and recorded after it (an erase entry whose purpose says so) when the unlock had to
  // shred its key; the rows of erased patients still in the file are removed. On success `user`
  // becomes the custodian: the capability comes back with the gate.
  [[nodiscard]] static Result<Unlocked> open(const std::filesystem::path& dir,
                                             const UnlockSecret& secret, const LocalUser& user,
                                             const Clock& clock = system_clock(),
                                             const config::Config& config = {});

  // Another gate on the same unlocked vault for another thread: connections of its own, and the
  // same audit log, so that reads from every thread share its group commits. Its destruction
  // signs no checkpoint; the first gate's close() does. It mints no custodian: the first one,
  // immutable, serves every thread.
  [[nodiscard]] Result<std::unique_ptr<Gate>> open_sibling();

  // Signs a checkpoint at the head of the audit log (clean shutdown) unless close() ran already.
  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // The clock the gate decides with: a server states the times of its answers (a session's
  // expiry, a ticket's) by it.
  [[nodiscard]] const Clock& clock() const { return clock_; }

  // Signs the shutdown checkpoint and appends it to the external file, reporting failures the
  // destructor would have to swallow. Call once, last.
  [[nodiscard]] Result<void> close();

  // What an asynchronous call hands out, once its entry is durable.
  template <typename T>
  using Done = std::function<void(Result<T>)>;

  // Every read call below (read, read_version, history, type_history, everything, search,
  // count_by_type) has an asynchronous form, for a server's workers, that takes a `done`
  // callback: it decides and acts
  // on the calling thread exactly as the synchronous form does, queues the entry and returns at
  // once, without waiting for the audit sync. `done` receives what the synchronous form would
  // have returned once the entry is durable: the data, or the refusal; kInternal and no data when
  // the entry cannot be recorded. It runs on the audit log's committer thread (see
  // audit::AuditLog::OnDurable): it must be short, post the response to the server's executor,
  // and call no gate. The call itself returns kUnavailable when the audit log's queue is full
  // (audit::AuditLog::record_then): then nothing is handed out and `done` never runs.

  [[nodiscard]] Result<StoredResource> read(const Principal& principal, std::string_view type,
                                            std::string_view id);
  // `form`: ResourceForm::kText hands the resource over as its stored JSON text, for a
  // caller that only sends it on (the HTTP read).
  [[nodiscard]] Result<void> read(const Principal& principal, std::string_view type,
                                  std::string_view id, Done<StoredResource> done,
                                  ResourceForm form = ResourceForm::kParsed);
  [[nodiscard]] Result<StoredResource> read_version(const Principal& principal,
                                                    std::string_view type, std::string_view id,
                                                    int64_t version);
  [[nodiscard]] Result<void> read_version(const Principal& principal, std::string_view type,
                                          std::string_view id, int64_t version,
                                          Done<StoredResource> done);
  [[nodiscard]] Result<std::vector<StoredResource>> history(const Principal& principal,
                                                            std::string_view type,
                                                            std::string_view id);
  [[nodiscard]] Result<void> history(const Principal& principal, std::string_view type,
                                     std::string_view id, Done<std::vector<StoredResource>> done);

  // Type-level history (FHIR history-type): the versions of every resource of `type` written in
  // the window, newest first, `count` (at most fhir's search bound) from `offset`. Allowed to
  // whoever may search the type; each version is then decided as a read of it where it lies
  // (the history of a resource a practitioner may not read is left out of the page and the
  // total, as a search leaves out its hits). The entry, a history, names every version returned,
  // with its patient.
  struct TypeHistoryQuery {
    int64_t since_ms = std::numeric_limits<int64_t>::min();  // _since
    int64_t until_ms =
        std::numeric_limits<int64_t>::max();  // the first page's time: later pages do not shift
    size_t count = 50;
    size_t offset = 0;
  };
  [[nodiscard]] Result<SearchPage> type_history(const Principal& principal, std::string_view type,
                                                const TypeHistoryQuery& query);
  [[nodiscard]] Result<void> type_history(const Principal& principal, std::string_view type,
                                          const TypeHistoryQuery& query, Done<SearchPage> done);

  // Patient/$everything (FHIR R4 patient-operation-everything), for GDPR access requests (art.
  // 15) and care: the Patient and the current version of every resource of its compartment that
  // the caller may read (decided per resource, as a read of it; the others are left out of the
  // page and the total), the Patient first, `count` from `offset`. kNotFound for a patient the
  // vault does not hold (checked first, as read() does), kPermissionDenied when the caller may not
  // read the Patient itself (a practitioner outside the care team). The entry, a search, names
  // Patient/patient_id first, then every resource returned.
  [[nodiscard]] Result<SearchPage> everything(const Principal& principal,
                                              std::string_view patient_id, size_t count,
                                              size_t offset);
  [[nodiscard]] Result<void> everything(const Principal& principal, std::string_view patient_id,
                                        size_t count, size_t offset, Done<SearchPage> done);

  // FHIR search on `type` with name/value pairs (parsed by fhir::parse_search: kUsage on bad
  // syntax). Only the requested page is decrypted, unless a date filter needs every candidate.
  // `after` (from the page's next position) starts the page after that entry. Each match and
  // each resource that _include or _revinclude adds must be readable on its own, as a direct
  // read: the others are left out silently; the entry names every resource returned.
  [[nodiscard]] Result<SearchPage> search(
      const Principal& principal, std::string_view type,
      const std::vector<std::pair<std::string, std::string>>& params,
      std::optional<fhir::PagePosition> after = {});
  [[nodiscard]] Result<void> search(const Principal& principal, std::string_view type,
                                    const std::vector<std::pair<std::string, std::string>>& params,
                                    Done<SearchPage> done,
                                    std::optional<fhir::PagePosition> after = {});

  [[nodiscard]] Result<StoredResource> create(const Principal& principal,
                                              boost::json::object resource);
  // Conditional create (FHIR R4 http.html#ccreate, HTTP If-None-Exist): `if_none_exist` is a
  // search on the resource's type (fhir::parse_if_none_exist: kInvalidInput when it does not
  // parse). The caller must be allowed both to search that type and to create the resource. The
  // search sees exactly what the caller's own search would: a match outside the caller's reach
  // is not seen, so the answer never tells that it exists (the resource is created beside it).
  // No match: created as create() does (`created`). One match: nothing is written, the match is
  // handed out and the call's entry is a search that names it. More than one:
  // kPreconditionFailed, nothing written. The search and the write are not one transaction:
  // they are atomic with respect to other writes only where writes are serialised (the
  // server's one writer thread runs every create, update, delete and import).
  struct ConditionalCreate {
    StoredResource resource;
    bool created = false;
  };
  [[nodiscard]] Result<ConditionalCreate> create_if_none_exist(const Principal& principal,
                                                               boost::json::object resource,
                                                               std::string_view if_none_exist);
  // With `if_match_version` (HTTP If-Match), kPreconditionFailed unless the resource is at that
  // version when the write commits (0: it does not exist); nothing is written then.
  [[nodiscard]] Result<StoredResource> update(const Principal& principal, std::string_view type,
                                              std::string_view id, boost::json::object resource,
                                              std::optional<int64_t> if_match_version = {});
  [[nodiscard]] Result<StoredResource> remove(const Principal& principal, std::string_view type,
                                              std::string_view id);

  // Checks a Bundle (transaction, batch or collection) without writing anything: the same
  // validation import_bundle runs first.
  [[nodiscard]] Result<void> check_bundle(const Principal& principal,
                                          const boost::json::object& bundle);
  // Validates the whole Bundle, then applies it (see vault::Vault::apply_bundle). Nothing is
  // written when a transaction or collection fails validation. The Bundle is taken by value: its
  // resources are moved into the plan (a caller that keeps its Bundle passes a copy).
  [[nodiscard]] Result<BundleOutcome> import_bundle(const Principal& principal,
                                                    boost::json::object bundle);

  // Crypto-shredding of one patient (see vault::Vault::erase_patient): its audit entry commits
  // with the erasure's intent, before the key is shredded. Returns once the key is shredded; the
  // first gate's background worker then removes the patient's rows (ErasureCleanup), and the
  // next unlock removes whatever a close or a crash left. `options` serve crash tests: their
  // at_step is called at each step of the call, then on the worker thread after each batch of
  // the cleanup that follows (ErasureStep::kRowsBatchCommitted).
  [[nodiscard]] Result<vault::ErasureOutcome> erase_patient(
      const Principal& principal, std::string_view patient_id,
      const vault::ErasureOptions& options = {});
  // Retention (lifecycle/retention.hpp), the custodian's only: examines every patient
  // compartment (its newest updates from clear metadata, its Patient decrypted inside the vault
  // for the status and birth date; nothing leaves), records one retention entry naming the
  // patients due, and unless `dry_run` erases each of them as erase_patient() does, each erasure
  // audited with a purpose naming the rule that expired. kUsage for rules that check_rules()
  // refuses. A patient erased meanwhile is reported not erased; another failure stops the run
  // with its error (the erasures done so far stand; the next run goes on). Run it where writes
  // are serialised (a server's writer thread).
  [[nodiscard]] Result<lifecycle::RetentionReport> apply_retention(
      const Principal& principal, const config::RetentionConfig& rules, bool dry_run);
  // Waits until the background removal of erased patients' rows has nothing left to do, or was
  // stopped by close(); the error of its last round, if any. For a command that erases and then
  // exits, and for tests and benchmarks. Records nothing: no patient data is touched.
  [[nodiscard]] Result<void> await_erasure_cleanup();

  // --- Backups that never resurrect (lifecycle/backup.hpp; docs/architecture.md 11.4). The
  // custodian only; each call is recorded (an export entry naming the backup, never a path).

  // A sealed backup of the data and audit files to the new file `out` (no key in it).
  [[nodiscard]] Result<lifecycle::BackupSummary> backup_data(const Principal& principal,
                                                             const std::filesystem::path& out);
  // A copy of the keyring file to the new file `out`: its keys stay wrapped by the unlockers.
  [[nodiscard]] Result<void> backup_keyring(const Principal& principal,
                                            const std::filesystem::path& out);
  // Makes `current`, the erasure ledger of the live vault (or of a keyring backup taken after
  // the last erasure), this vault's own (vault::Vault::adopt_erasure_ledger): a restore's step.
  // Recorded as a configuration change of the erasure ledger, with what it dropped.
  [[nodiscard]] Result<vault::Vault::LedgerAdoption> adopt_erasure_ledger(
      const Principal& principal, std::span<const store::ErasureLedgerEntry> current);
  // The same from a copy of the ledger kept outside the vault (vault/ledger_copy.hpp), once
  // vault::Vault::verified_ledger_copy has checked it against this vault's key and ledger (an
  // edited, reordered or truncated copy is refused with kIntegrity, audited).
  [[nodiscard]] Result<vault::Vault::LedgerAdoption> adopt_ledger_copy(
      const Principal& principal, std::span<const vault::LedgerCopyLine> copy);
  // Starts the copy of the erasure ledger outside the vault at `path` (absolute; a new or empty
  // file): the ledger so far is written there and every later erasure (CLI, API, retention)
  // appends to it before the key is shredded. Custodian only; a config-change entry on
  // Config/erasure-ledger-copy. Returns how many entries were written.
  [[nodiscard]] Result<int64_t> keep_ledger_copy(const Principal& principal,
                                                 const std::filesystem::path& path);

  struct RestoreRequest {
    std::filesystem::path backup;  // a data backup (backup_data)
    // A keyring backup (backup_keyring); without one, the live vault's keyring (ledger_source
    // must then be its directory).
    std::optional<std::filesystem::path> keyring_backup;
    // Where the current erasure ledger is: the live vault's directory, a keyring backup taken
    // after the last erasure, or the ledger copy kept outside the vault (keep_ledger_copy).
    std::optional<std::filesystem::path> ledger_source;
    // Without ledger_source: restore anyway, replaying only the ledger the keyring holds (an
    // erasure made after the keyring backup comes back). Refused unless set.
    bool without_current_ledger = false;
  };
  struct RestoreReport {
    lifecycle::BackupSummary files;
    vault::Vault::LedgerAdoption ledger;
    bool current_ledger_replayed = false;
    std::map<std::string, int64_t> counts;  // verify_backup: current resources per type
    audit::VerifyReport audit;              // verify_backup: the restored audit chain
  };
  // Restores `request` into `vault_dir`, which must not exist or be an empty directory (kConflict
  // otherwise: a restore never overwrites a vault). Works in a sibling directory and renames it
  // at the end: nothing appears at `vault_dir` unless the restore succeeded. The restored vault is
  // unlocked with `secret` (the backed-up vault's), the current ledger adopted before the
  // directory is renamed: no erased patient's key or rows reach `vault_dir`.
  [[nodiscard]] static Result<RestoreReport> restore(const RestoreRequest& request,
                                                     const std::filesystem::path& vault_dir,
                                                     const UnlockSecret& secret,
                                                     const LocalUser& user, const Clock& clock,
                                                     const config::Config& config);
  // Restores `request` into a private temporary directory, counts its resources and verifies its
  // audit chain, then removes it. Without a ledger source it counts what the backup holds.
  [[nodiscard]] static Result<RestoreReport> verify_backup(RestoreRequest request,
                                                           const UnlockSecret& secret,
                                                           const LocalUser& user,
                                                           const Clock& clock,
                                                           const config::Config& config);

  [[nodiscard]] Result<std::map<std::string, int64_t>> count_by_type(const Principal& principal);
  [[nodiscard]] Result<void> count_by_type(const Principal& principal,
                                           Done<std::map<std::string, int64_t>> done);

  // Verifies the audit chain against its stored checkpoints and the external checkpoint file:
  // `checkpoint_file` when given, else the one configured at init, if any (kNotFound when that
  // file is missing). A broken chain is a report with a failure, not an error.
  [[nodiscard]] Result<audit::VerifyReport> verify_audit(
      const Principal& principal, const std::optional<std::filesystem::path>& checkpoint_file);

  // Audit entries matching `filter`, in seq order.
  [[nodiscard]] Result<std::vector<audit::Entry>> audit_entries(const Principal& principal,
                                                                const audit::LogFilter& filter);

  // Who lost what (see audit/incident.hpp). Reads the touched patients' own names and addresses
  // for their letters; an erased patient's letter carries placeholders.
  [[nodiscard]] Result<audit::IncidentReport> incident_report(const Principal& principal,
                                                              const audit::IncidentScope& scope);

  // --- Accounts (auth/). The custodian, or an account whose role administers accounts (admin),
  // runs these; each is audited as an account-change entry (account-read for list and show)
  // naming the account, never a secret.

  // A person's account comes with a one-time temporary password only (returned once): the person
  // signs in with it alone, changes it and enrols their own second factor
  // (enrol_second_factor), so that whoever created the account never holds its second factor.
  [[nodiscard]] Result<auth::Enrolment> add_account(const Principal& principal,
                                                    const auth::NewAccount& account);
  [[nodiscard]] Result<std::vector<auth::AccountView>> list_accounts(const Principal& principal);
  [[nodiscard]] Result<auth::AccountView> show_account(const Principal& principal,
                                                       std::string_view login);
  [[nodiscard]] Result<void> set_account_status(const Principal& principal, std::string_view login,
                                                auth::AccountStatus status);
  // Both resets revoke every session of the account, and their entries are flagged for
  // supervision (audit::Entry::supervise): whoever reset an account could use it until its owner
  // notices. reset_password returns a new one-time temporary password; reset_second_factor
  // removes the TOTP secret and recovery codes, and the owner enrols new ones at their next login.
  [[nodiscard]] Result<crypto::SecretString> reset_password(const Principal& principal,
                                                            std::string_view login);
  [[nodiscard]] Result<void> reset_second_factor(const Principal& principal,
                                                 std::string_view login);
  [[nodiscard]] Result<auth::IssuedToken> create_token(
      const Principal& principal, std::string_view login, const std::vector<std::string>& scopes,
      int64_t expires_ms, const std::vector<std::string>& allowed_addresses);
  // Revokes the session or token named by its id or by its secret (see
  // auth::Authenticator::credential_id_of); the audit entry records only the id. kNotFound for an
  // unknown id or secret, kUsage for text that is neither.
  [[nodiscard]] Result<Revocation> revoke_credential(const Principal& principal,
                                                     std::string_view id_or_secret);
  // Assigns a practitioner to a patient's care (or ends that assignment). kNotFound for an
  // unknown login or when the vault holds no Patient/patient_id; kUsage unless `login` is a
  // practitioner.
  [[nodiscard]] Result<void> assign(const Principal& principal, std::string_view login,
                                    std::string_view patient_id);
  [[nodiscard]] Result<void> unassign(const Principal& principal, std::string_view login,
                                      std::string_view patient_id);

  // --- SMART Backend Services.

  // Registers the public keys of `jwks` (a JWKS document, checked by auth::parse_client_jwks:
  // kInvalidInput with its message) for the service account `login`; returns their kids. The
  // custodian or an admin; audited as an account change naming the account and the kids, never a
  // key. kConflict, and nothing written, when the account has a key of one of those kids already.
  [[nodiscard]] Result<std::vector<std::string>> add_client_keys(const Principal& principal,
                                                                 std::string_view login,
                                                                 std::string_view jwks);
  // The token endpoint (client credentials with a private_key_jwt assertion): parses the request,
  // verifies the assertion against the client's keys outside any transaction, then remembers the
  // assertion's jti and issues the token in one transaction with the call's entry. Every issuance
  // and every refusal is audited as a login entry (auth method private_key_jwt) that names the
  // client when it is an existing service account, with the precise reason of a refusal. An error
  // only when the entry cannot be recorded or the store fails; a refusal is an answer.
  [[nodiscard]] Result<ClientTokenAnswer> client_token(const ClientTokenRequest& request);

  // --- FHIR Bulk Data $export (gate_export.cpp). A job's scope: its level, its Group, its types
  // (empty: every type the caller may export), its _since, _elements, _typeFilter and patients.
  struct ExportScope {
    lifecycle::ExportLevel level = lifecycle::ExportLevel::kSystem;
    std::string group_id;  // for kGroup
    std::vector<std::string> types;
    std::optional<int64_t> since_ms;
    std::vector<std::string> elements;  // _elements (lifecycle::elements_for)
    // _typeFilter: a type with queries is exported where it matches one of them (the vault's
    // search, as a FHIR search would match), a type without whole.
    std::vector<fhir::SearchQuery> type_filters;
    // `patient` (kPatient, kGroup): only these patients' compartments (for kGroup, those that
    // are also members); each one the caller may not read, or that is unknown (or not a
    // member), is reported in the job's OperationOutcome file in the same words.
    std::vector<std::string> patients;
    // Where the job's files are downloaded (`https://host/fhir/$export-file/JOB/`): the prefix of
    // the url that replaces a DocumentReference attachment's inline data (its own sealed file).
    std::string file_url_base;
  };
  // The kick-off: whether `principal` may export `scope` (an export entry whose purpose states
  // the scope): each named type exported across patients (kSystem, kPatient) or the Group read
  // (kGroup: kNotFound for an unknown one); a token whose scopes ask for writes (c, u or d) is
  // refused. `done` receives the login that owns the job (its status and files are that
  // account's only) once the entry is durable.
  [[nodiscard]] Result<void> admit_export(const Principal& principal, const ExportScope& scope,
                                          Done<std::string> done);
  // The job itself, on a job thread: decides again as admit_export, then writes the current
  // version of every resource in scope that the caller may export into `files` (sealed), each
  // decided where it lies (a Group's member is exported only when the caller may read that
  // Patient). Its entry (action export, the job id in its purpose) names every resource written
  // and is durable before the count of resources written is returned.
  [[nodiscard]] Result<int64_t> run_export(const Principal& principal, const ExportScope& scope,
                                           lifecycle::ExportFiles& files);
  // A job's status, deletion or file, for its owner only (another account: kPermissionDenied
  // while the job lives; an unknown or expired job: kNotFound), each an export entry naming the
  // job. A file is handed out only while the token's scopes still cover its type; its entry says
  // that decrypted data left.
  enum class ExportJobCall { kStatus, kDelete, kDownload };
  struct ExportJobAnswer {
    std::optional<lifecycle::ExportJobView> view;  // kStatus
    std::string ndjson;        // kDownload: the file's bytes (an attachment's content)
    std::string content_type;  // kDownload: application/fhir+ndjson, or an attachment's
  };
  [[nodiscard]] Result<void> export_job(const Principal& principal, lifecycle::ExportJobs& jobs,
                                        std::string_view job_id, ExportJobCall call,
                                        std::string_view file, Done<ExportJobAnswer> done);

  // --- Sessions.

  // Checks a login (password and TOTP or recovery code) and opens a session. Every refusal is
  // kAuthenticationFailed with one message (auth::login_refused_message()), or kTooManyAttempts
  // during a back-off; the audit entry records the precise reason. An unknown login is not
  // written in the log (it may be a password typed in the wrong field).
  [[nodiscard]] Result<auth::IssuedSession> login(const auth::LoginRequest& request,
                                                  std::string_view user_agent);
  // A sign-in in two steps, for a server: the password first, then the code. The password step
  // refuses exactly as login() does, or opens the session at once for an account without a
  // second factor yet (restricted: see enrol_second_factor), or, when the password is right and
  // a second factor is enrolled, records that in the audit log and returns what the code step
  // needs: login() with LoginRequest::password_checked_with set to `fingerprint` and the code,
  // which refuses if any credential of the account changed in between. The caller keeps this
  // between the steps sealed, short-lived and bound to the client (http/auth_api).
  struct SecondFactorAwaited {
    std::string login;
    std::array<uint8_t, 32> fingerprint{};
  };
  using PasswordStep = std::variant<auth::IssuedSession, SecondFactorAwaited>;
  [[nodiscard]] Result<PasswordStep> login_password(const auth::LoginRequest& request,
                                                    std::string_view user_agent);
  [[nodiscard]] Result<void> logout(const Principal& principal);
  // The id (tok-…, ses-…) of the credential that `principal` presents, for a server's access log:
  // empty for the custodian or a secret that names no credential (revoked or expired ones keep
  // their id). Decides nothing and records nothing: no patient data is touched.
  [[nodiscard]] std::string credential_id_for_log(const Principal& principal);
  // Allowed to a session whose password is temporary (that is what it is for).
  [[nodiscard]] Result<void> change_password(const Principal& principal, std::string_view current,
                                             std::string_view replacement);
  // The person's own second factor, from a session opened with the password alone (an account
  // without one: new, or reset), once the temporary password is changed: returns the otpauth URI
  // and 10 recovery codes, to be shown to that person only, and ends every session of the
  // account (the next login takes the new factor). Until then, such a session may only change
  // its password and enrol. kConflict when a second factor is enrolled already; kPermissionDenied
  // while the password is temporary; kUsage for the custodian or a token.
  [[nodiscard]] Result<auth::Enrolment> enrol_second_factor(const Principal& principal);
  // A practitioner's emergency access to a patient outside their care teams, for one hour: from
  // a session whose password is not temporary, with a stated reason (1 to 500 bytes of UTF-8, not
  // only white space: access::is_stated_reason; kUsage otherwise). The reason is sealed under the
  // patient's key (erasing the patient shreds it); the entry, flagged for alerting, names the
  // grant by its id, and so does every entry of a call allowed through it.
  [[nodiscard]] Result<void> break_glass(const Principal& principal, std::string_view patient_id,
                                         std::string_view reason);

  // One break-glass grant, for the dpo's review.
  struct BreakGlassView {
    std::string id;
    std::string login;
    std::string patient_id;
    int64_t start_ms = 0;
    std::string reason;  // empty when erased, or for a grant made before reasons were sealed
    bool reason_erased = false;  // the patient was erased, and the reason with them
  };
  // Every grant `login` opened, oldest first, with its reason unsealed: the dpo's (audit-read).
  // Each patient whose reason was read is a target of the entry.
  [[nodiscard]] Result<std::vector<BreakGlassView>> break_glass_grants(const Principal& principal,
                                                                       std::string_view login);

  // --- Migration packages (gate_package.cpp, lifecycle/package.hpp): the custodian's only.
  // One audited export call per package: the request is checked, the listed patients' resources
  // of the listed types, cut to the listed elements, are sealed into the package as they are
  // read, the manifest is signed with the vault's key, then the job and its entry (naming every
  // resource that leaves) commit, and only then does the package get its name. A job of more
  // than `approval_threshold` patients writes nothing yet: it awaits approve_export.
  [[nodiscard]] Result<lifecycle::ExportJob> create_export(const Principal& principal,
                                                           const lifecycle::ExportRequest& request,
                                                           int64_t approval_threshold);
  // A second custodian, unlocked with another unlocker than the job's creator, writes the package
  // of a job awaiting approval (kPermissionDenied for the same unlocker; kConflict for a job not
  // awaiting approval). Both are named in the entry.
  [[nodiscard]] Result<lifecycle::ExportJob> approve_export(const Principal& principal,
                                                            std::string_view job_id);
  // The vault's export jobs, oldest first (an audit-read entry).
  [[nodiscard]] Result<std::vector<lifecycle::ExportJob>> export_jobs(const Principal& principal);
  // The signed deletion certificate of a job past its expiry or revoked (kConflict before): the
  // package file is deleted first if it is still where it was written, and the certificate is
  // refused (kInternal) if it cannot be.
  [[nodiscard]] Result<std::string> export_certificate(const Principal& principal,
                                                       std::string_view job_id);
  // Marks a job revoked and deletes its package file if it is still where it was written.
  [[nodiscard]] Result<lifecycle::ExportJob> revoke_export(const Principal& principal,
                                                           std::string_view job_id);

  // --- Honey records (gate_honey.cpp; docs/architecture.md 12.2): the custodian's only.
  // Plants `count` (1 to kMaxHoneyPlant) decoy patients drawn by the demo generator (src/demo/)
  // with Observations, Conditions and notes, their care providers the vault's own Practitioners
  // and Organizations where it has some, imported as import_bundle() does (its entry, an import
  // by the custodian, is the plant's record and says nothing more), then sealed into the vault's
  // honey set. Returns the decoys' Patient ids.
  static constexpr size_t kMaxHoneyPlant = 1000;
  [[nodiscard]] Result<std::vector<std::string>> plant_honey(const Principal& principal,
                                                             size_t count);
  // The decoy patients' ids, sorted (an audit-read entry naming none of them).
  [[nodiscard]] Result<std::vector<std::string>> honey_list(const Principal& principal);
  // --- Supervision counts for a server's metrics (gate_metrics.cpp). No principal and no audit
  // entry: counts only, never a patient's data or an account's name; the metrics listener calls
  // it at each scrape.
  struct SupervisionGauges {
    int64_t locked_accounts = 0;
    std::map<std::string, int64_t, std::less<>> alerts_by_kind;  // every kind, stored ever
  };
  [[nodiscard]] Result<SupervisionGauges> supervision_gauges();
  // The audit log's group-commit lag goes to `observer` (audit::AuditLog::observe_commits).
  void observe_audit_commits(audit::AuditLog::CommitObserver observer);
  // The newest signed checkpoint of the audit log, for `vigie status` (gate_status.cpp): the
  // custodian, or an account that reads the audit log; an audit-read entry.
  [[nodiscard]] Result<std::optional<audit::AuditLog::CheckpointTime>> last_checkpoint(
      const Principal& principal);

  // --- Supervision (watch/): alerts are stored first, delivered afterwards.

  // Raises an alert as the custodian (a check `vigie serve` runs, e.g. the audit verification):
  // see record_alert(). kPermissionDenied for anyone else. Returns the alert's id.
  [[nodiscard]] Result<int64_t> raise_alert(const Principal& principal, watch::AlertKind kind,
                                            std::string_view login, std::string_view detail,
                                            bool lock);
  struct AlertQuery {
    int64_t after_id = 0;
    size_t limit = 100;
    bool open_only = false;  // only the alerts nobody acknowledged
  };
  // Alerts in the order raised (the custodian; an audit-read entry).
  [[nodiscard]] Result<std::vector<watch::Alert>> alerts(const Principal& principal,
                                                         const AlertQuery& query);
  // Marks alert `id` acknowledged by the caller (the custodian). kNotFound for an unknown id; an
  // alert acknowledged already keeps its first acknowledgement.
  [[nodiscard]] Result<void> acknowledge_alert(const Principal& principal, int64_t id);

  // Alert delivery, as the vault itself (gate/alert_delivery.hpp drives both for `vigie serve`).
  // The alerts not yet delivered to `sink` whose next attempt is due now, oldest first, at most
  // `limit`. No audit entry: nothing leaves the vault by this call; each attempt is recorded.
  struct PendingDelivery {
    watch::Alert alert;
    int64_t attempts = 0;  // failed attempts so far on this sink
  };
  [[nodiscard]] Result<std::vector<PendingDelivery>> due_alerts(std::string_view sink,
                                                                size_t limit);
  // Stores where the delivery of `row.alert_id` to `row.sink` stands after an attempt, with an
  // alert-delivery audit entry (by the vault itself) naming the alert, the sink and the outcome.
  [[nodiscard]] Result<void> record_alert_delivery(const store::AlertDeliveryRow& row);

 private:
  // Who is calling, once authenticated, with the facts access/ decides on.
  // It is built from the custodian's capability or from an authenticated account, never by default.
  struct Caller {
    explicit Caller(const Custodian& rights) : custodian(&rights) {}
    explicit Caller(auth::Authenticated authenticated) : account(std::move(authenticated)) {}

    const Custodian* custodian = nullptr;  // the capability when the custodian calls
    auth::Authenticated account;
    access::Subject subject;
    // A practitioner's assignments are looked up per patient as calls need them, or all at once
    // for a search (see load_assignments()).
    access::Context context;
    bool all_assignments_loaded = false;
  };

  Gate(std::unique_ptr<vault::Vault> vault, std::shared_ptr<audit::AuditLog> audit_log,
       std::shared_ptr<ErasureCleanup> cleanup, std::shared_ptr<auth::Authenticator> authenticator,
       std::unique_ptr<store::DataStore> accounts, std::filesystem::path dir,
       std::string auth_method, const Clock& clock);

  // The one composition of an unlocked vault's services, built once and in dependency order, and
  // the gate they are handed to: the vault first (created or opened by the caller), then a
  // connection for the audit log and one for the accounts, then the audit log (the vault's
  // signing key, and `policy` or the policy stored in the vault), then the authenticator (the
  // vault's keys, and `auth_settings` or the settings stored in the vault). The caller records
  // the creation or the unlock through the gate.
  [[nodiscard]] static Result<std::unique_ptr<Gate>> compose(
      std::unique_ptr<vault::Vault> vault, const std::filesystem::path& dir,
      const UnlockSecret& secret, std::optional<audit::CheckpointPolicy> policy,
      std::optional<auth::AuthSettings> auth_settings, const Clock& clock,
      const config::WatchConfig& watch);

  // Authenticates `principal` (the custodian as is; an account by its bearer secret, now) and
  // writes the account into `entry`'s actor.
  [[nodiscard]] Result<Caller> identify(const Principal& principal, audit::Entry& entry);
  // Whether `caller` may perform `action` on `target`: kPermissionDenied with access/'s reason,
  // which also goes into `entry`; a break-glass allowance marks `entry` (mark_break_glass()).
  [[nodiscard]] Result<void> permit(Caller& caller, access::Action action,
                                    const access::Target& target, audit::Entry& entry);
  // Flags `entry` as allowed through the caller's active break-glass grant for `patient_id`, and
  // names the grant (its id, never its reason) in the entry's purpose.
  static void mark_break_glass(const Caller& caller, std::string_view patient_id,
                               audit::Entry& entry);
  // Adds a practitioner's assignment to `patient_id` to the caller's context, if it exists; or,
  // with no patient, every assignment (for a search, whose hits may lie anywhere).
  [[nodiscard]] Result<void> load_assignments(Caller& caller,
                                              std::optional<std::string_view> patient_id);
  // permit() on the resource type/id where it is stored (the custodian skips the lookup).
  // kNotFound when an account names a resource the vault does not hold.
  [[nodiscard]] Result<void> permit_stored(Caller& caller, access::Action action,
                                           std::string_view type, std::string_view id,
                                           audit::Entry& entry);
  // Honey records (gate_honey.cpp; docs/architecture.md 12.2). Whether `caller` is an account
  // (the custodian planted the decoys and never trips) and `compartment` a decoy patient's: one
  // lookup in the vault's shared honey set.
  [[nodiscard]] bool touches_decoy(const Caller& caller, std::string_view compartment) const;
  // An account's call touched a decoy: records the critical honey alert and locks the account
  // (record_alert), now, in the call. The call then answers as for a resource the vault does not
  // hold (a search leaves the decoy out), so that the caller learns nothing; when the alert
  // cannot be recorded, its error (no data leaves either). The alert names the account and
  // `action`, never the decoy: the alerts table is in clear.
  [[nodiscard]] Result<void> trip_honey(const Caller& caller, std::string_view action);
  // The compartment of the stored type/id (clear metadata); kNotFound when the vault has none.
  [[nodiscard]] Result<std::string> stored_compartment(std::string_view type, std::string_view id);
  // kUsage unless Patient/patient_id is well formed, kNotFound unless the vault holds it.
  [[nodiscard]] Result<void> require_patient(std::string_view patient_id);
  // kUnprocessable unless the patient of `resource` resolves: a type that belongs to a patient
  // must name one (fhir::belongs_to_a_patient), and a named Patient must be stored in the vault or
  // be among `bundle_patients` (created by the same Bundle). Call it after permit(), so that a
  // refused caller does not learn whether a patient exists.
  [[nodiscard]] Result<void> require_resolved_patient(
      const boost::json::object& resource,
      const std::set<std::string, std::less<>>& bundle_patients);
  // identify(), then kUsage unless type/id is a well-formed reference.
  [[nodiscard]] Result<Caller> identify_reference(const Principal& principal, std::string_view type,
                                                  std::string_view id, audit::Entry& entry);
  // identify_reference(), then permit_stored().
  [[nodiscard]] Result<Caller> admit_reference(const Principal& principal, access::Action action,
                                               std::string_view type, std::string_view id,
                                               audit::Entry& entry);
  // identify(), kUsage for an unknown resource type, then permit() of a search of `type` over
  // every patient: the admission of a search and of a type's history.
  [[nodiscard]] Result<Caller> admit_search(const Principal& principal, std::string_view type,
                                            audit::Entry& entry);
  // identify() and permit() for the calls outside FHIR (accounts, audit, incidents).
  [[nodiscard]] Result<Caller> admit(const Principal& principal, access::Action action,
                                     audit::Entry& entry);
  // The decision of admit_export(), which run_export() takes again: the caller and the types in
  // scope (the named ones, or every stored type the caller may export).
  struct AdmittedExport;
  [[nodiscard]] Result<AdmittedExport> admit_export_scope(const Principal& principal,
                                                          const ExportScope& scope,
                                                          audit::Entry& entry);

  // Every public call is audited through these (see src/gate/README.md and audited_call.hpp):
  // start_entry() first; identify() and permit() decide into the entry; then exactly one of
  // refused(), released(), released_then(), committed() (after write_hook()) or
  // account_change() records it.

  // A read call decided and acted upon, its entry not yet recorded: what released() or
  // released_then() records (the entry and the targets it names, after `recorded_first`) and
  // hands out (the result).
  template <typename T>
  struct Acted {
    audit::Entry entry;
    Result<T> result;
    std::vector<audit::Target> targets;
    // Entries recorded in the same batch just before the call's own: history's denial of the
    // versions it withheld.
    std::vector<audit::Entry> recorded_first = {};
  };
  // Each read call up to its last step, shared by its synchronous and asynchronous forms.
  [[nodiscard]] Acted<StoredResource> act_read(const Principal& principal, std::string_view type,
                                               std::string_view id, ResourceForm form);
  [[nodiscard]] Acted<StoredResource> act_read_version(const Principal& principal,
                                                       std::string_view type, std::string_view id,
                                                       int64_t version);
  [[nodiscard]] Acted<std::vector<StoredResource>> act_history(const Principal& principal,
                                                               std::string_view type,
                                                               std::string_view id);
  [[nodiscard]] Acted<SearchPage> act_search(
      const Principal& principal, std::string_view type,
      const std::vector<std::pair<std::string, std::string>>& params,
      std::optional<fhir::PagePosition> after = {});
  [[nodiscard]] Acted<std::map<std::string, int64_t>> act_count_by_type(const Principal& principal);
  [[nodiscard]] Acted<SearchPage> act_type_history(const Principal& principal,
                                                   std::string_view type,
                                                   const TypeHistoryQuery& query);
  [[nodiscard]] Acted<SearchPage> act_everything(const Principal& principal,
                                                 std::string_view patient_id, size_t count,
                                                 size_t offset);
  // What a conditional create's `query` matches among what the caller's own search would show
  // (at most query.count): one search, whatever the interface (create_if_none_exist, and a
  // Bundle entry's ifNoneExist in import_bundle). A match shown through a break-glass grant
  // flags `entry`.
  [[nodiscard]] Result<SearchPage> conditional_matches(Caller& caller,
                                                       const fhir::SearchQuery& query,
                                                       audit::Entry& entry);
  // create() once its caller is identified and allowed to create `resource`: the write, its
  // effects (assignments) and its entry.
  [[nodiscard]] Result<StoredResource> write_new(Caller& caller, audit::Entry entry,
                                                 boost::json::object resource);

  // An entry for `action` by `principal`, stamped now.
  [[nodiscard]] audit::Entry start_entry(const Principal& principal, std::string_view action) const;
  // Records `entries` and waits until they are durable. kInternal when they cannot be recorded:
  // the caller returns that error, never data.
  [[nodiscard]] Result<void> record_durably(std::vector<audit::Entry> entries);
  // The second half of login() and login_password(): records the login's outcome with its entry.
  [[nodiscard]] Result<auth::IssuedSession> finish_login(audit::Entry entry,
                                                         const auth::LoginCheck& checked,
                                                         const auth::LoginRequest& request);
  // Records `entries` as the intent of the change whose write transaction is open on
  // `transaction` (durable in the audit file before the change commits: AuditLog::record_intent)
  // and marks the intent in that transaction, so that it commits with the change. The intent's
  // last seq goes to `intent`, for committed() to state the outcome after the commit.
  [[nodiscard]] Result<void> record_intent(store::DataStore& transaction,
                                           std::vector<audit::Entry> entries,
                                           std::optional<int64_t>& intent);
  // Records `entry` with `result`'s outcome (and `targets`, which a success returned) and waits
  // until it is durable. A result whose entry cannot be recorded becomes kInternal: no data
  // leaves without its entry.
  template <typename T>
  [[nodiscard]] Result<T> released(audit::Entry entry, Result<T> result,
                                   std::vector<audit::Target> targets, bool decrypted);
  // The same for a read call acted upon, with the entries it records first.
  template <typename T>
  [[nodiscard]] Result<T> released(Acted<T> acted, bool decrypted);
  // released() without the wait: queues the entries and returns at once; `done` receives the
  // result on the audit log's committer thread once the entries are durable, or kInternal and no
  // data when they cannot be recorded. kUnavailable, and `done` never runs, when the log's queue
  // is full.
  template <typename T>
  [[nodiscard]] Result<void> released_then(Acted<T> acted, bool decrypted, Done<T> done);
  // Records a call that ends before it acts (refused, invalid, or failed while deciding) with
  // `error`, and returns that error (kInternal if the entry cannot be recorded).
  template <typename T>
  [[nodiscard]] Result<T> refused(audit::Entry entry, Error error);
  // Extra rows a write adds in its own transaction (care-team assignments).
  using WriteEffects =
      std::function<Result<void>(store::DataStore&, std::span<const vault::EntryOutcome>)>;
  // The hook that records a write's entry as its intent (record_intent()) in the write's own
  // transaction, once the write's rows are in it.
  [[nodiscard]] vault::BeforeCommit write_hook(const audit::Entry& entry,
                                               std::optional<int64_t>& intent,
                                               WriteEffects effects = {});
  // After a change's transaction ended with `result`: on success, queues the outcome of its
  // `intent`; on failure, states the outcome of every pending intent from the data file
  // (AuditLog::resolve_pending) and records `entry` as failed.
  template <typename T>
  [[nodiscard]] Result<T> committed(audit::Entry entry, Result<T> result,
                                    const std::optional<int64_t>& intent);
  // Runs `work` in a transaction on the accounts connection and commits it with `entry` as its
  // intent.
  template <typename T>
  [[nodiscard]] Result<T> account_change(audit::Entry entry,
                                         const std::function<Result<T>(store::DataStore&)>& work);
  // The export of a checked request (create_export, approve_export): the package written and
  // named, the job stored as `job` says with `entry`.
  [[nodiscard]] Result<lifecycle::ExportJob> write_export(audit::Entry entry,
                                                          lifecycle::ExportJob job,
                                                          const lifecycle::ExportRequest& request);
  // The stored export job `job_id` for a custodian, `entry` holding the admission
  // (gate_package.cpp).
  struct CustodianJob {
    std::string custodian;  // who acts, as the job records it
    lifecycle::ExportJob job;
  };
  [[nodiscard]] Result<CustodianJob> custodians_export_job(const Principal& principal,
                                                           std::string_view job_id,
                                                           audit::Entry& entry);
  // Stores `job` (a new one, or a change of the one of its id) with `entries` as its intent.
  [[nodiscard]] Result<void> store_export_job(const lifecycle::ExportJob& job,
                                              std::vector<audit::Entry> entries);
  // erase_patient() with `purpose` in its entry (retention names the rule there).
  [[nodiscard]] Result<vault::ErasureOutcome> erase_for(const Principal& principal,
                                                        std::string_view patient_id,
                                                        std::string_view purpose,
                                                        const vault::ErasureOptions& options);
  // Whom a CareTeam assigns to whom: the practitioner accounts whose RPPS number (bound to the
  // account by the custodian, at `user add`) a participant's `member.identifier` carries, and
  // the patient the team is about (none: no assignment). The Practitioner resources are not
  // read: editing one never changes who is assigned.
  struct CareTeamMembers {
    std::string patient_id;
    std::vector<std::string> logins;
  };
  // Reads the accounts: call it before the write, not in its hook.
  [[nodiscard]] Result<CareTeamMembers> care_team_members(const boost::json::object& care_team);
  // In the write's transaction: the assignments from CareTeam/care_team_id become `members`'.
  [[nodiscard]] Result<void> replace_care_team_assignments(store::DataStore& tx,
                                                           const std::string& care_team_id,
                                                           const CareTeamMembers& members) const;

  // The gate's own detectors raise alerts through this. In one transaction on the accounts
  // connection: the alert is stored, recorded in the audit log (action alert by the vault itself,
  // its kind and `detail` as purpose, the account and the alert as targets, flagged for
  // supervision) and, with `lock` and an account that exists and is not disabled, the account is
  // locked (its sessions and tokens revoked), with an account-change entry of its own. The
  // custodian unlocks it (`vigie user unlock`). Returns the alert's id.
  [[nodiscard]] Result<int64_t> record_alert(watch::AlertKind kind, std::string_view login,
                                             std::string_view detail, bool lock);
  // record_alert() and raise_alert() with the entry of whoever raises the alert.
  [[nodiscard]] Result<int64_t> store_alert(audit::Entry entry, watch::AlertKind kind,
                                            std::string_view login, std::string_view detail,
                                            bool lock);

  // Private and never handed out: every access to them is one of the calls above.
  std::unique_ptr<vault::Vault> vault_;
  std::shared_ptr<audit::AuditLog> audit_;  // shared with siblings (thread-safe)
  // Made by compose() for the first gate, shared with siblings (thread-safe) so that they wake
  // it; only the first gate's close() stops it.
  std::shared_ptr<ErasureCleanup> cleanup_;
  std::shared_ptr<auth::Authenticator> authenticator_;  // shared with siblings (thread-safe)
  std::unique_ptr<store::DataStore> accounts_;  // this gate's connection for auth/ and access/
  std::filesystem::path dir_;
  std::string auth_method_;  // how the custodian unlocked: "passphrase" or "key-file"
  const Clock& clock_;
  bool closed_ = false;  // siblings start closed: the first gate owns the shutdown checkpoint

  // Supervision (gate_watch.cpp, docs/architecture.md "Detectors"). The detectors: made by
  // compose() from [watch], shared with siblings (thread-safe), as the audit log is.
  std::shared_ptr<watch::Watch> watch_;
  // The role (access::name_of) of the account identify() authenticated last on this gate, ""
  // for the custodian: the bulk-read threshold of the call's entries. This gate's thread only.
  std::string_view caller_role_;
  // credential_id_for_log()'s answers, by the keyed hash of the secret: a secret names one
  // credential for good (a revocation or an expiry changes the row, never its id), so no entry
  // goes stale, and a request's log line costs no store read once its secret was seen. Emptied
  // when it holds kCredentialIdsForLog entries. This gate's thread only.
  static constexpr size_t kCredentialIdsForLog = 1024;
  std::map<std::array<uint8_t, 32>, std::string> credential_ids_for_log_;
  // Findings on the intents of the change under way (watch_intents()), raised by committed()
  // once it commits, dropped if it does not. This gate's thread only.
  std::vector<watch::Finding> pending_findings_;
  // Feeds `entries` (a read's or a refusal's, about to be recorded) to the detectors and raises
  // their findings. When one locks the account, the entries become refusals that name the alert
  // and return nothing, and the error that a locked account gets is returned: the caller hands
  // it out instead of the data.
  [[nodiscard]] std::optional<Error> watched(std::vector<audit::Entry>& entries);
  // Feeds the intents of a change to the detectors; their findings wait in pending_findings_.
  void watch_intents(const std::vector<audit::Entry>& entries);
  // Records each finding as an alert (record_alert()), with its lock.
  void raise(const std::vector<watch::Finding>& findings);
};

// A vault just unlocked: its gate and the custodian's capability, handed out together once.
struct Unlocked {
  std::unique_ptr<Gate> gate;
  Custodian custodian;
};

}  // namespace vigie::gate
