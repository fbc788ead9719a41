#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/backup_options.hpp"
#include "cli/unlock.hpp"
#include "common/error.hpp"
#include "gate/gate.hpp"

// What every command shares: its parsed options, error reporting, and opening and closing the
// vault through the gate.

namespace CLI {
class App;
}  // namespace CLI

namespace vigie::cli {

struct Options {
  std::string vault_dir;
  UnlockOptions unlock;
  std::string checkpoint_file;
  std::string ledger_file;  // init --ledger-file: the erasure ledger's copy outside the vault
  int64_t checkpoint_entries = 1000;
  int64_t checkpoint_seconds = 300;
  std::vector<std::string> files;
  std::string reference;
  int64_t version = 0;
  std::string type;
  std::vector<std::string> params;
  bool count_only = false;
  bool yes = false;
  bool dry_run = false;    // retention run
  bool json = false;       // status, alerts list: JSON output
  bool open_only = false;  // alerts list --open
  int64_t alert_id = 0;    // alerts ack ID
  size_t patients = 200;
  uint64_t seed = 1;
  std::string out;
  // migration packages (cli/package_commands.cpp)
  struct Package {
    std::string purpose;
    std::vector<std::string> types;
    std::vector<std::string> fields;
    std::string patients_file;
    bool all_patients = false;
    std::string recipient;  // NAME.pub
    std::string key;        // NAME.key
    std::string vault_identity;
    std::string job;
  } package;
  // audit log and incident report
  std::string actor;
  std::string session;
  std::string address;
  std::string patient;
  std::string action;
  std::string since;
  std::string until;
  std::string format;
  // accounts, tokens and care-team assignments
  std::string login;
  std::string display_name;
  std::string role;
  std::string rpps;
  std::vector<std::string> scopes;
  std::string expires;
  std::vector<std::string> allowed_addresses;
  std::string credential_id;
  std::string jwks_file;  // client add: the service's public keys
  // init: how long sessions live
  std::string session_idle = "15m";
  std::string session_lifetime = "12h";
  // serve
  std::string listen = "127.0.0.1:8443";
  std::string metrics_listen = "127.0.0.1:9464";  // serve: /metrics (http/metrics_server.hpp)
  size_t threads = 2;
  int64_t export_retention_hours = 24;  // serve: a Bulk Data export's files, then deleted
  std::string tls_certificate;
  std::string tls_key;
  // The server's public URL (https://host[:port]), from which SMART's token URL is made; empty:
  // https://localhost:PORT.
  std::string public_url;
  // backup, backup verify, restore
  BackupOptions backup;
};

// "Patient/123" -> {"Patient", "123"}; kUsage unless the text is TYPE/ID.
[[nodiscard]] Result<std::pair<std::string, std::string>> split_reference(
    const std::string& reference);

// The one place that prints an error: one line on stderr, "vigie: <français> / <English>" (see
// to_display_text), and returns its exit code.
[[nodiscard]] int report(const Error& error);

// `error` about a subject (a file, an entry), named in each language: "subject: message".
[[nodiscard]] Error about(std::string_view french_subject, std::string_view english_subject,
                          const Error& error);

// The configuration of the vault of `options` (vigie.toml in its directory, or the defaults),
// once the process is known to be able to lock the memory it sets. Call before any secret is
// read: kUsage for a bad file, kInternal naming RLIMIT_MEMLOCK when the memory cannot be locked.
[[nodiscard]] Result<config::Config> vault_config(const Options& options);

// Unlocks the vault of `options` under its configuration: its gate, and the custodian's
// capability for this process.
[[nodiscard]] Result<gate::Unlocked> open_gate(const Options& options);

// Closes `gate` (its shutdown checkpoint) and returns `exit_code`, or the close's error when the
// command had succeeded.
[[nodiscard]] int close_gate(gate::Gate& gate, int exit_code);

// The unlock options every command that opens a vault takes: --passphrase-file, --key-file.
void add_unlock_options(CLI::App& command, UnlockOptions& unlock);

}  // namespace vigie::cli
