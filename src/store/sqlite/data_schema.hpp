#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

// The data file's schema, connection settings and search statement as SQL text, with no SQLite
// dependency, so that bench/ builds its plaintext and SQLCipher baselines from exactly the same
// statements.

namespace vigie::store::sqlite {

// Version 1 of the data file.
// resource_versions is a rowid table, not WITHOUT ROWID: a sealed resource is usually larger than
// the 1/20 of a page under which SQLite advises WITHOUT ROWID, and measured with 100k inserts in
// one transaction (300 B to 4 KB blobs, random ids) the rowid table was 2.3 to 3 times faster.
// resources_current holds the highest version of each resource, so that "current, non-deleted
// ids of a type" is a range of an index, and gives each resource an integer key (rk).
// search_tokens holds the tokens of current, non-deleted versions only; its primary key serves
// searches, its second index replacements. Tokens name their resource by rk, not (type, id):
// the rows are smaller and the second index grows at its end (new resources get higher keys)
// instead of at random places; measured with 100k resources of 5 tokens each, this made the
// inserts about twice as fast.
inline constexpr std::string_view kDataSchemaV1 = R"sql(
CREATE TABLE resource_versions (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated_ms INTEGER NOT NULL,
  compartment TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  PRIMARY KEY (type, id, version)
);
CREATE INDEX resource_versions_by_compartment ON resource_versions (compartment);
CREATE TABLE resources_current (
  rk INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  UNIQUE (type, id)
);
CREATE TABLE search_tokens (
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  token BLOB NOT NULL,
  resource INTEGER NOT NULL,
  PRIMARY KEY (type, param, token, resource)
) WITHOUT ROWID;
CREATE INDEX search_tokens_by_resource ON search_tokens (resource);
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: the audit log and its signed checkpoints, rowid tables keyed by seq so that
// appends go to the end of the B-tree and a scan in seq order reads the table in its own order.
// The triggers make both tables append-only against accidents: UPDATE and DELETE are refused, and
// so is an INSERT onto an existing seq, which INSERT OR REPLACE would otherwise turn into a
// delete that fires no trigger (recursive_triggers is off by default). Someone with the sqlite3
// shell can drop the triggers; the hash chain and the checkpoints kept elsewhere catch that.
inline constexpr std::string_view kDataSchemaV2 = R"sql(
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  canonical BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  head BLOB NOT NULL,
  time_ms INTEGER NOT NULL,
  signature BLOB NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_overwrite BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_overwrite BEFORE INSERT ON audit_checkpoints
WHEN EXISTS (SELECT 1 FROM audit_checkpoints WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
)sql";

// Version 3: accounts, their credentials, care-team assignments and break-glass grants. No
// secret is stored in clear (store.hpp's AccountRow and CredentialRow say what is stored). The
// CHECK constraints hold the closed values of store.hpp's comments and the size of a secret
// hash. credentials_by_login serves credentials_of in created_ms order and revoke_credentials_of;
// a credential is found by its secret hash through the UNIQUE index. assignments is keyed by
// (login, patient_id, source), which serves assignments_of in (patient_id, source) order; the
// two other indexes serve the removals by patient and by source. break_glass_by_login serves
// break_glass_of (its rowid orders grants that started in the same millisecond). No foreign
// keys: store/ keeps rows and leaves it to auth/ and access/ to say which logins exist.
inline constexpr std::string_view kDataSchemaV3 = R"sql(
CREATE TABLE accounts (
  login TEXT PRIMARY KEY NOT NULL,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  rpps TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'locked', 'disabled')),
  password_hash TEXT NOT NULL,
  password_temporary INTEGER NOT NULL CHECK (password_temporary IN (0, 1)),
  totp_sealed BLOB NOT NULL,
  totp_last_step INTEGER NOT NULL,
  recovery_codes TEXT NOT NULL,
  failed_logins INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL
);
CREATE TABLE credentials (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('session', 'api-token')),
  secret_hash BLOB UNIQUE NOT NULL CHECK (length(secret_hash) = 32),
  login TEXT NOT NULL,
  scopes TEXT NOT NULL,
  allowed_addresses TEXT NOT NULL,
  address TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  revoked_ms INTEGER NOT NULL
);
CREATE INDEX credentials_by_login ON credentials (login, created_ms);
CREATE TABLE assignments (
  login TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  source TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (login, patient_id, source)
) WITHOUT ROWID;
CREATE INDEX assignments_by_patient ON assignments (patient_id);
CREATE INDEX assignments_by_source ON assignments (source);
CREATE TABLE break_glass (
  login TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  start_ms INTEGER NOT NULL
);
CREATE INDEX break_glass_by_login ON break_glass (login, start_ms);
)sql";

// Version 4: a break-glass grant has an id (the audit log names it) and its reason is sealed by
// vault/ under the patient's data key; the clear reasons of version 3 are dropped (the column's
// pages are overwritten: secure_delete), and the grants made before keep no reason.
inline constexpr std::string_view kDataSchemaV4 = R"sql(
ALTER TABLE break_glass DROP COLUMN reason;
ALTER TABLE break_glass ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE break_glass ADD COLUMN reason_sealed BLOB NOT NULL DEFAULT x'';
UPDATE break_glass SET id = 'bg-v3-' || rowid;
CREATE UNIQUE INDEX break_glass_by_id ON break_glass (id);
)sql";

// Version 5: the last seq of each write's audit intent, stored in the write's own transaction
// (store.hpp, DataStore::mark_intent_committed). The audit log moved to a file of its own (the
// audit file): the tables of version 2 stay as they were, read once to copy an older vault's log
// into its new audit file, and written no more.
inline constexpr std::string_view kDataSchemaV5 = R"sql(
CREATE TABLE committed_intents (
  last_seq INTEGER PRIMARY KEY
);
)sql";

// Version 6: SMART Backend Services (auth/client_keys.hpp). client_keys holds the public JWKs a
// service account signs its client assertions with, one row per (login, kid), as the canonical
// JSON of the public key only. assertion_ids is the replay store of assertion `jti`s: a keyed
// hash of (client, jti) and the assertion's expiry, after which the row may be purged (an
// expired assertion is refused anyway). Rowid-free: both are looked up by their key only.
inline constexpr std::string_view kDataSchemaV6 = R"sql(
CREATE TABLE client_keys (
  login TEXT NOT NULL,
  kid TEXT NOT NULL,
  alg TEXT NOT NULL CHECK (alg IN ('ES384', 'RS384')),
  jwk TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (login, kid)
) WITHOUT ROWID;
CREATE TABLE assertion_ids (
  id_hash BLOB PRIMARY KEY NOT NULL CHECK (length(id_hash) = 32),
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX assertion_ids_by_expiry ON assertion_ids (expires_ms);
)sql";

// Version 7: supervision (watch/). alerts holds every alert a detector raised, in the order
// raised; its text is written for a human and never names a patient (a decoy's id in clear would
// reveal the decoy), so it is stored in clear. An alert is acknowledged once, by the custodian.
inline constexpr std::string_view kDataSchemaV7 = R"sql(
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  account TEXT NOT NULL,
  detail TEXT NOT NULL,
  account_locked INTEGER NOT NULL,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  acknowledged_ms INTEGER NOT NULL DEFAULT 0
);
)sql";

// Version 8: alert delivery. One row per alert and sink ("log", "webhook", "email") once a
// delivery was tried: the attempts so far, when the next is due (exponential back-off), when it
// succeeded (0 while pending) and the last failure's reason (no secret: a curl error or an HTTP
// status). An alert with no row for a configured sink has not been tried yet.
inline constexpr std::string_view kDataSchemaV8 = R"sql(
CREATE TABLE alert_deliveries (
  alert_id INTEGER NOT NULL REFERENCES alerts (id),
  sink TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  delivered_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  PRIMARY KEY (alert_id, sink)
) WITHOUT ROWID;
)sql";

// Connection settings. cache_size is 32 MiB (the default is 2 MiB): large write transactions
// spill to the WAL less often, which measured about a third faster on 100k inserts.
inline constexpr std::string_view kDataPragmas = R"sql(
PRAGMA synchronous = NORMAL;
PRAGMA secure_delete = ON;
PRAGMA temp_store = MEMORY;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -32768;
)sql";

// SQL of a search for `group_sizes` (none empty): ?1 is the type, then each group's parameter
// followed by its tokens. The INTERSECT of one id set per group, restricted to current,
// non-deleted resources. `materialized` is false only for SQLite older than 3.35 (the SQLCipher
// baseline), which does not know the keyword.
inline std::string data_search_sql(std::span<const size_t> group_sizes, bool materialized = true) {
  std::string compound;
  int index = 2;
  for (size_t group_size : group_sizes) {
    if (!compound.empty()) {
      compound += " INTERSECT ";
    }
    compound += "SELECT resource FROM search_tokens WHERE type = ?1 AND param = ?" +
                std::to_string(index++) + " AND token IN (";
    for (size_t token = 0; token < group_size; ++token) {
      compound += (token == 0 ? "?" : ", ?") + std::to_string(index++);
    }
    compound += ")";
  }
  // MATERIALIZED: otherwise, for one group, the planner walks every resource of the type in id
  // order (to skip a sort) instead of looking the tokens up.
  return std::string(materialized ? "WITH m (rk) AS MATERIALIZED (" : "WITH m (rk) AS (") +
         compound +
         ") SELECT DISTINCT c.id FROM m JOIN resources_current AS c ON c.rk = m.rk"
         " WHERE c.type = ?1 AND c.deleted = 0 ORDER BY c.id";
}

}  // namespace vigie::store::sqlite
