#include "cli/account_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "access/types.hpp"
#include "audit/display.hpp"
#include "audit/query.hpp"
#include "auth/qr_code.hpp"
#include "cli/terminal.hpp"
#include "common/clock.hpp"
#include "crypto/secret_string.hpp"

namespace vigie::cli {

namespace {

constexpr int64_t kMsPerMinute = 60LL * 1000;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
// A display name is at most 200 characters (auth/); a table cell shows it whole.
constexpr size_t kMaxNameCharacters = 200;

// Milliseconds in one unit letter of a duration; 0 for a letter that is no unit.
int64_t unit_ms(char unit) {
  switch (unit) {
    case 'm':
      return kMsPerMinute;
    case 'h':
      return kMsPerHour;
    case 'd':
      return kMsPerDay;
    case 'w':
      return 7 * kMsPerDay;
    case 'y':
      return 365 * kMsPerDay;
    default:
      return 0;
  }
}

// "m ou h" / "m or h" for the units of an error message.
std::pair<std::string, std::string> unit_list(std::string_view units) {
  std::string french;
  std::string english;
  for (size_t index = 0; index < units.size(); ++index) {
    if (index > 0) {
      const bool last = index + 1 == units.size();
      french += last ? " ou " : ", ";
      english += last ? " or " : ", ";
    }
    french += units[index];
    english += units[index];
  }
  return {french, english};
}

// True when `text` is digits followed by one of the letters in `units`.
bool looks_like_duration(std::string_view text, std::string_view units) {
  if (text.size() < 2 || units.find(text.back()) == std::string_view::npos) {
    return false;
  }
  for (size_t index = 0; index + 1 < text.size(); ++index) {
    if (text[index] < '0' || text[index] > '9') {
      return false;
    }
  }
  return true;
}

// The login of a command, checked before the vault is opened.
Result<void> check_login(const Options& options) { return auth::check_login_name(options.login); }

// The Patient/ID argument of assign and unassign: the patient's id.
Result<std::string> patient_id_of(const std::string& reference) {
  auto split = split_reference(reference);
  if (!split || split->first != "Patient") {
    return fail(ErrorCode::kUsage, "attendu Patient/ID, par exemple Patient/1234",
                "expected Patient/ID, for example Patient/1234");
  }
  return std::move(split->second);
}

// Opens the vault, runs `work` on it as the current custodian, and closes it.
template <typename Work>
int with_gate(const Options& options, Work work) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate, work(*unlocked->gate, unlocked->custodian));
}

std::string time_or_dash(int64_t ms) { return ms == 0 ? "-" : audit::format_time(ms); }

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

// The second factor of an enrolment: the otpauth URI alone on its line, its QR code when standard
// output is a terminal, then the recovery codes one per line under their heading.
void print_second_factor(const auth::Enrolment& enrolment) {
  fmt::print("{}\n", enrolment.otpauth_uri.view());
  if (isatty(STDOUT_FILENO) == 1) {
    auto qr = auth::render_qr_for_terminal(enrolment.otpauth_uri.view());
    if (qr) {
      fmt::print("{}", *qr);
    } else {
      fmt::print(stderr,
                 "vigie: QR code impossible, saisissez l'adresse ci-dessus (no QR code: enter the "
                 "URI above): {}\n",
                 qr.error().message);
    }
  }
  fmt::print(
      "Codes de secours, chacun à usage unique, à conserver hors du téléphone (recovery codes, "
      "single use each, to keep away from the phone):\n");
  for (const crypto::SecretString& code : enrolment.recovery_codes) {
    fmt::print("{}\n", code.view());
  }
}

void print_shown_once() {
  fmt::print(
      "Attention : ces secrets ne seront plus jamais affichés ; remettez-les à la personne "
      "elle-même (warning: these secrets are shown once; hand them to the person in "
      "person).\n");
}

// What the person does with a one-time password: sign in with it alone, choose their own, and
// enrol their own second factor, which no one else sees.
void print_first_login(std::string_view login) {
  fmt::print(
      "À la première connexion, la personne se connecte avec ce mot de passe seul, en choisit un "
      "et enrôle elle-même son second facteur (vigie user enrol {}, ou l'interface web) (at the "
      "first login the person signs in with this password alone, chooses their own and enrols "
      "their own second factor).\n",
      login);
}

int add_account(gate::Gate& gate, const gate::Principal& principal,
                const auth::NewAccount& account) {
  auto enrolment = gate.add_account(principal, account);
  if (!enrolment) {
    return report(enrolment.error());
  }
  if (account.role == access::Role::kService) {
    fmt::print(
        "Compte de service {} créé ; il se connecte avec des jetons d'API : vigie token create "
        "(service account created; it signs in with API tokens: vigie token create).\n",
        account.login);
    return 0;
  }
  fmt::print("Compte {} créé, rôle {} (account created, role {}).\n", account.login,
             access::name_of(account.role), access::name_of(account.role));
  fmt::print(
      "Remettez à la personne son mot de passe à usage unique (give the person their one-time "
      "password):\n");
  fmt::print("Temporary password: {}\n", enrolment->temporary_password.view());
  print_first_login(account.login);
  print_shown_once();
  return 0;
}

int list_accounts(gate::Gate& gate, const gate::Principal& principal) {
  auto accounts = gate.list_accounts(principal);
  if (!accounts) {
    return report(accounts.error());
  }
  if (accounts->empty()) {
    fmt::print("Aucun compte (no account).\n");
    return 0;
  }
  constexpr size_t kColumns = 7;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows{
      {"LOGIN", "NAME", "ROLE", "RPPS", "STATUS", "CREATED (UTC)", "LAST USED (UTC)"}};
  for (const auth::AccountView& account : *accounts) {
    rows.push_back({audit::printable(account.login, kMaxNameCharacters),
                    audit::printable(account.display_name, kMaxNameCharacters),
                    std::string(access::name_of(account.role)), or_dash(account.rpps),
                    std::string(auth::name_of(account.status)),
                    audit::format_time(account.created_ms), time_or_dash(account.last_used_ms)});
  }
  std::array<size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (size_t column = 0; column < kColumns; ++column) {
      widths[column] = std::max(widths[column], audit::display_width(row[column]));
    }
  }
  std::string table;
  for (const Row& row : rows) {
    for (size_t column = 0; column < kColumns; ++column) {
      table += row[column];
      if (column + 1 < kColumns) {
        table.append(widths[column] - audit::display_width(row[column]) + 2, ' ');
      }
    }
    table += '\n';
  }
  fmt::print("{}", table);
  return 0;
}

int show_account(gate::Gate& gate, const gate::Principal& principal, const std::string& login) {
  auto account = gate.show_account(principal, login);
  if (!account) {
    return report(account.error());
  }
  const std::vector<std::pair<std::string_view, std::string>> fields{
      {"Identifiant (login)", audit::printable(account->login, kMaxNameCharacters)},
      {"Nom (name)", audit::printable(account->display_name, kMaxNameCharacters)},
      {"Rôle (role)", std::string(access::name_of(account->role))},
      {"RPPS", or_dash(account->rpps)},
      {"Statut (status)", std::string(auth::name_of(account->status))},
      {"Mot de passe temporaire (temporary password)",
       account->password_temporary ? "oui (yes)" : "non (no)"},
      {"Échecs de connexion (failed logins)", std::to_string(account->failed_logins)},
      {"Codes de secours inutilisés (unused recovery codes)",
       std::to_string(account->unused_recovery_codes)},
      {"Créé (created)", audit::format_time(account->created_ms)},
      {"Dernière utilisation (last used)", time_or_dash(account->last_used_ms)},
  };
  size_t width = 0;
  for (const auto& field : fields) {
    width = std::max(width, audit::display_width(field.first));
  }
  for (const auto& [label, value] : fields) {
    fmt::print("{}:{}{}\n", label, std::string(width - audit::display_width(label) + 2, ' '),
               value);
  }
  return 0;
}

int set_status(const Options& options, auth::AccountStatus status, std::string_view french,
               std::string_view english) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    if (auto set = gate.set_account_status(principal, options.login, status); !set) {
      return report(set.error());
    }
    fmt::print("Compte {} {} (account {}).\n", options.login, french, english);
    return 0;
  });
}

}  // namespace

Result<int64_t> parse_duration_ms(std::string_view text, std::string_view units) {
  const auto [french, english] = unit_list(units);
  auto invalid = [&] {
    return fail(ErrorCode::kUsage,
                fmt::format("une durée s'écrit N suivi de {} (par exemple 15{}) / a duration is N "
                            "followed by {} (for example 15{})",
                            french, units.front(), english, units.front()));
  };
  if (!looks_like_duration(text, units)) {
    return invalid();
  }
  int64_t count = 0;
  const std::string_view digits = text.substr(0, text.size() - 1);
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (parsed.ec != std::errc{} || parsed.ptr != digits.data() + digits.size() || count <= 0) {
    return invalid();
  }
  const int64_t unit = unit_ms(text.back());
  if (count > std::numeric_limits<int64_t>::max() / unit) {
    return fail(ErrorCode::kUsage, "durée trop longue", "duration too long");
  }
  return count * unit;
}

Result<int64_t> parse_expiry_ms(std::string_view text, int64_t now_ms) {
  constexpr std::string_view kUnits = "hdwy";
  if (looks_like_duration(text, kUnits)) {
    auto duration = parse_duration_ms(text, kUnits);
    if (!duration) {
      return tl::unexpected(duration.error());
    }
    if (*duration > std::numeric_limits<int64_t>::max() - now_ms) {
      return fail(ErrorCode::kUsage, "durée trop longue", "duration too long");
    }
    return now_ms + *duration;
  }
  auto time = audit::parse_time(text, false);
  if (!time) {
    return fail(ErrorCode::kUsage,
                "--expires prend une durée (90d, 12w, 48h, 1y) ou une date RFC 3339 (2026-12-31, "
                "2026-12-31T18:00:00Z)",
                "--expires takes a duration (90d, 12w, 48h, 1y) or an RFC 3339 date or time");
  }
  return *time;
}

Result<auth::AuthSettings> auth_settings_for_init(const Options& options) {
  auth::AuthSettings settings;
  auto idle = parse_duration_ms(options.session_idle, "mh");
  if (!idle) {
    return fail(ErrorCode::kUsage, fmt::format("--session-idle : {}", idle.error().message));
  }
  auto lifetime = parse_duration_ms(options.session_lifetime, "mh");
  if (!lifetime) {
    return fail(ErrorCode::kUsage,
                fmt::format("--session-lifetime : {}", lifetime.error().message));
  }
  settings.session_idle_ms = *idle;
  settings.session_lifetime_ms = *lifetime;
  return settings;
}

int run_user_add(const Options& options) {
  auth::NewAccount account;
  const std::optional<access::Role> role = access::parse_role(options.role);
  if (!role) {
    return report(Error{ErrorCode::kUsage,
                        "--role : practitioner, assistant, admin, dpo ou service / --role: "
                        "practitioner, assistant, admin, dpo or service"});
  }
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  account.login = options.login;
  account.display_name = options.display_name;
  account.role = *role;
  account.rpps = options.rpps;
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    return add_account(gate, principal, account);
  });
}

int run_user_list(const Options& options) {
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    return list_accounts(gate, principal);
  });
}

int run_user_show(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    return show_account(gate, principal, options.login);
  });
}

int run_user_lock(const Options& options) {
  return set_status(options, auth::AccountStatus::kLocked, "verrouillé", "locked");
}

int run_user_unlock(const Options& options) {
  return set_status(options, auth::AccountStatus::kActive, "déverrouillé", "unlocked");
}

int run_user_disable(const Options& options) {
  return set_status(options, auth::AccountStatus::kDisabled, "désactivé", "disabled");
}

int run_user_reset_password(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    auto password = gate.reset_password(principal, options.login);
    if (!password) {
      return report(password.error());
    }
    fmt::print(
        "Mot de passe de {} réinitialisé, ses sessions sont fermées ; à changer à la première "
        "connexion, et signalé pour supervision dans le journal (password reset, sessions "
        "ended; to be changed at the first login, and flagged for supervision in the log):\n",
        options.login);
    fmt::print("Temporary password: {}\n", password->view());
    print_shown_once();
    return 0;
  });
}

int run_user_reset_otp(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    if (auto reset = gate.reset_second_factor(principal, options.login); !reset) {
      return report(reset.error());
    }
    fmt::print(
        "Second facteur de {} supprimé, codes de secours et sessions révoqués, signalé pour "
        "supervision dans le journal ; la personne se connecte avec son mot de passe seul et "
        "enrôle elle-même un nouveau second facteur (vigie user enrol {}) (second factor "
        "removed, recovery codes and sessions revoked, flagged for supervision in the log; the "
        "person signs in with their password alone and enrols a new second factor "
        "themselves).\n",
        options.login, options.login);
    return 0;
  });
}

int run_user_enrol(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  if (!interactive()) {
    return report(Error{ErrorCode::kUsage,
                        "vigie user enrol runs at a terminal, by the person themselves",
                        "vigie user enrol se fait au terminal, par la personne elle-même"});
  }
  auto password = read_secret_from_terminal(
      fmt::format("Mot de passe de {} (password of {}): ", options.login, options.login));
  if (!password) {
    return report(Error{ErrorCode::kUsage, "no password read", "aucun mot de passe lu"});
  }
  const crypto::SecretString current = crypto::SecretString::adopt(std::move(*password));
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal&) {
    auto session =
        gate.login(auth::LoginRequest{options.login, crypto::SecretString(current.view()), "", ""},
                   "vigie-cli");
    if (!session) {
      return report(session.error());
    }
    const gate::Principal person = gate::account_principal(session->secret, "", "vigie-cli");
    if (session->password_change_required) {
      auto chosen = read_secret_from_terminal("Nouveau mot de passe (new password): ");
      auto again = read_secret_from_terminal("Confirmez-le (confirm it): ");
      if (!chosen || !again || chosen->size() != again->size() ||
          !std::equal(chosen->data(), chosen->data() + chosen->size(), again->data())) {
        return report(Error{ErrorCode::kUsage, "the two passwords differ",
                            "les deux mots de passe diffèrent"});
      }
      const crypto::SecretString replacement = crypto::SecretString::adopt(std::move(*chosen));
      if (auto changed = gate.change_password(person, current.view(), replacement.view());
          !changed) {
        return report(changed.error());
      }
    }
    auto enrolment = gate.enrol_second_factor(person);
    if (!enrolment) {
      return report(enrolment.error());
    }
    fmt::print(
        "Second facteur de {} enrôlé : adresse otpauth ou QR code pour votre application "
        "d'authentification, puis vos codes de secours ; reconnectez-vous avec lui (second "
        "factor enrolled: the otpauth URI or QR code for your authenticator app, then your "
        "recovery codes; sign in again with it):\n",
        options.login);
    print_second_factor(*enrolment);
    fmt::print(
        "Attention : ces secrets ne seront plus jamais affichés (warning: these secrets are "
        "shown once).\n");
    return 0;
  });
}

int run_token_create(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  auto expires_ms = parse_expiry_ms(options.expires, system_clock().now_ms());
  if (!expires_ms) {
    return report(expires_ms.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    auto token = gate.create_token(principal, options.login, options.scopes, *expires_ms,
                                   options.allowed_addresses);
    if (!token) {
      return report(token.error());
    }
    const std::string expires = audit::format_time(token->expires_ms);
    fmt::print("Jeton {} créé pour {}, expire le {} (token created, expires {}).\n", token->id,
               options.login, expires, expires);
    fmt::print(
        "Le jeton, sur la dernière ligne, ne sera plus jamais affiché (the token, on the last "
        "line, is shown once):\n");
    fmt::print("{}\n", token->secret);
    return 0;
  });
}

int run_client_add(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  // A JWKS of ten RSA keys of 8192 bits is about 15 KB.
  constexpr uintmax_t kMaxJwksBytes = 64 * 1024;
  const std::filesystem::path path(options.jwks_file);
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  std::ifstream input(path, std::ios::binary);
  if (error || !input) {
    return report(fail(ErrorCode::kInvalidInput, fmt::format("{} : illisible", path.string()),
                       fmt::format("{}: cannot be read", path.string()))
                      .value());
  }
  if (size > kMaxJwksBytes) {
    return report(fail(ErrorCode::kInvalidInput,
                       fmt::format("{} : un JWKS fait au plus 64 Kio", path.string()),
                       fmt::format("{}: a JWKS is at most 64 KiB", path.string()))
                      .value());
  }
  const std::string jwks((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    auto kids = gate.add_client_keys(principal, options.login, jwks);
    if (!kids) {
      return report(kids.error());
    }
    fmt::print("Clés enregistrées pour le client {} (keys registered for client {}) : {}\n",
               options.login, options.login, fmt::join(*kids, ", "));
    return 0;
  });
}

int run_token_revoke(const Options& options) {
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    auto revoked = gate.revoke_credential(principal, options.credential_id);
    if (!revoked) {
      return report(revoked.error());
    }
    if (revoked->revoked_now) {
      fmt::print("{} révoqué (revoked).\n", revoked->credential_id);
    } else {
      fmt::print("{} était déjà révoqué (already revoked).\n", revoked->credential_id);
    }
    return 0;
  });
}

int run_assign(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  auto patient_id = patient_id_of(options.reference);
  if (!patient_id) {
    return report(patient_id.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    if (auto assigned = gate.assign(principal, options.login, *patient_id); !assigned) {
      return report(assigned.error());
    }
    fmt::print("{} affecté à Patient/{} (assigned to the patient's care).\n", options.login,
               *patient_id);
    return 0;
  });
}

int run_unassign(const Options& options) {
  if (auto valid = check_login(options); !valid) {
    return report(valid.error());
  }
  auto patient_id = patient_id_of(options.reference);
  if (!patient_id) {
    return report(patient_id.error());
  }
  return with_gate(options, [&](gate::Gate& gate, const gate::Principal& principal) {
    if (auto removed = gate.unassign(principal, options.login, *patient_id); !removed) {
      return report(removed.error());
    }
    fmt::print("{} n'est plus affecté à Patient/{} (assignment ended).\n", options.login,
               *patient_id);
    return 0;
  });
}

}  // namespace vigie::cli
