// access_bench: what authenticating and authorizing every call costs, measured in one run
// against the custodian, whom the gate does not check.
// 1. Point reads through gate::Gate by the custodian (the baseline), by a practitioner's session
//    assigned to every patient, by a practitioner's session assigned to 10 patients (reading
//    only theirs) and by a service's API token (system/*.rs), on one thread.
// 2. Searches by the custodian and the two practitioners, whose hits are filtered one candidate
//    at a time.
// 3. Gate::login at the vault's default interactive Argon2id cost, for a known login and for
//    unknown ones.
// See bench/RESULTS.md.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "access/types.hpp"
#include "auth/authenticator.hpp"
#include "bench/gate_bench_support.hpp"
#include "common/clock.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/secret_bytes.hpp"
#include "demo/demo_data.hpp"
#include "gate/gate.hpp"
#include "tests/support/sign_in.hpp"

namespace {

namespace json = boost::json;

using vigie::bench::key_file_secret;
using vigie::bench::load_average;
using vigie::bench::make_work_dir;
using vigie::bench::median;
using vigie::bench::process_cpu_seconds;
using vigie::bench::seconds_since;

using vigie::Error;
using vigie::ErrorCode;
using vigie::Result;
using vigie::gate::Gate;
using vigie::gate::Principal;
using vigie::vault::UnlockSecret;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kRounds = 5;
constexpr size_t kWarmUpReads = 500;  // per caller, untimed: the first timed reads ran slower
constexpr uint64_t kSeed = 20261101;
constexpr size_t kFewPatients = 10;  // the second practitioner's care team
constexpr std::string_view kNewPassword = "Tournesol bleu sur la colline 42!";
constexpr std::string_view kClientAddress = "192.0.2.10";
constexpr std::string_view kUserAgent = "access_bench";
constexpr int64_t kTokenLifetimeMs = 30LL * 24 * 60 * 60 * 1000;

struct Settings {
  size_t patients = 500;
  size_t reads = 2'000;   // per caller and round
  size_t searches = 200;  // per kind of search, caller and round
  size_t logins = 10;     // known and unknown each, per round
};

// One stored resource, as the import reported it.
struct ResourceRef {
  std::string type;
  std::string id;
  std::string compartment;
};

// One measure of `count` operations.
struct Sample {
  double rate = 0;    // operations per second of wall time
  double cpu_us = 0;  // CPU time of the process (all threads) per operation, in microseconds
};

double median_rate(const std::vector<Sample>& samples) {
  std::vector<double> values;
  for (const Sample& sample : samples) {
    values.push_back(sample.rate);
  }
  return median(std::move(values));
}

double median_cpu(const std::vector<Sample>& samples) {
  std::vector<double> values;
  for (const Sample& sample : samples) {
    values.push_back(sample.cpu_us);
  }
  return median(std::move(values));
}

// The median over rounds of peer/baseline throughput: by wall time, and by CPU time (the
// baseline's CPU per operation over the peer's).
std::pair<double, double> median_ratios(const std::vector<Sample>& peer,
                                        const std::vector<Sample>& baseline) {
  std::vector<double> wall;
  std::vector<double> cpu;
  for (size_t round = 0; round < peer.size() && round < baseline.size(); ++round) {
    wall.push_back(peer[round].rate / baseline[round].rate);
    cpu.push_back(baseline[round].cpu_us / peer[round].cpu_us);
  }
  return {median(std::move(wall)), median(std::move(cpu))};
}

// Runs op(0) ... op(count - 1) and times them together.
template <typename Op>
Result<Sample> time_ops(size_t count, const Op& op) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  for (size_t index = 0; index < count; ++index) {
    if (Result<void> done = op(index); !done) {
      return tl::unexpected(done.error());
    }
  }
  const double wall = seconds_since(start);
  const double cpu = process_cpu_seconds() - cpu_start;
  return Sample{static_cast<double>(count) / wall, cpu * 1e6 / static_cast<double>(count)};
}

// The LOINC codes of the Observations of a demo Bundle.
std::vector<std::string> loinc_codes(const json::object& bundle) {
  std::set<std::string> codes;
  for (const json::value& entry : bundle.at("entry").as_array()) {
    const json::object& resource = entry.at("resource").as_object();
    if (resource.at("resourceType") != "Observation") {
      continue;
    }
    const json::value* code = resource.if_contains("code");
    if (code == nullptr || !code->is_object()) {
      continue;
    }
    const json::value* coding = code->as_object().if_contains("coding");
    if (coding == nullptr || !coding->is_array()) {
      continue;
    }
    for (const json::value& one : coding->as_array()) {
      if (one.is_object() && one.as_object().if_contains("system") != nullptr &&
          one.as_object().at("system") == "http://loinc.org") {
        codes.insert(std::string(one.as_object().at("code").as_string()));
      }
    }
  }
  return {codes.begin(), codes.end()};
}

// One caller of parts 1 and 2.
struct Caller {
  std::string label;
  Principal principal;
  bool searches = false;                       // takes part in part 2
  const std::vector<size_t>* reads = nullptr;  // what it reads, as indexes into the refs
  std::vector<Sample> read_samples;            // one per round
};

// One kind of search of part 2: the parameters of each search, the same for every caller.
struct SearchKind {
  std::string label;
  std::string type;
  std::vector<Params> params;
  std::map<size_t, std::vector<Sample>> samples;  // per caller index, one per round
  std::map<size_t, double> hits;                  // per caller index: mean total per search
};

// Parts 1 and 2: one vault with the cheap password cost, and the callers.
class AccessBench {
 public:
  explicit AccessBench(const Settings& settings) : settings_(settings) {}

  Result<void> prepare(const std::filesystem::path& dir) {
    const auto key = vigie::crypto::SecretBytes::random(32);
    vigie::auth::AuthSettings auth_settings;
    auth_settings.password_limits = vigie::crypto::PasswordHashLimits{1, 8192};
    auto gate =
        Gate::initialize(dir, key_file_secret(key), {}, {}, vigie::gate::current_local_user(),
                         auth_settings, vigie::system_clock());
    if (!gate) {
      return tl::unexpected(gate.error());
    }
    gate_ = std::move(gate->gate);
    custodian_ = std::move(gate->custodian);
    vigie::demo::DemoOptions options;
    options.seed = kSeed;
    options.patients = settings_.patients;
    const json::object bundle = vigie::demo::generate_bundle(options);
    const auto import_start = std::chrono::steady_clock::now();
    auto imported = gate_->import_bundle(*custodian_, bundle);
    if (!imported) {
      return tl::unexpected(imported.error());
    }
    const double import_seconds = seconds_since(import_start);
    std::vector<std::string> patients;
    for (const vigie::vault::EntryOutcome& outcome : imported->entries) {
      refs_.push_back(ResourceRef{outcome.type, outcome.id, outcome.compartment});
      if (outcome.type == "Patient") {
        patients.push_back(outcome.id);
      }
    }
    if (patients.size() < kFewPatients) {
      return vigie::fail(ErrorCode::kUsage, "too few patients");
    }
    fmt::print("vault: {} resources of {} patients imported in {:.1f} s\n", refs_.size(),
               patients.size(), import_seconds);
    std::fflush(stdout);

    const auto accounts_start = std::chrono::steady_clock::now();
    auto everyone = practitioner("dr.partout");
    if (!everyone) {
      return tl::unexpected(everyone.error());
    }
    auto few = practitioner("dr.dix");
    if (!few) {
      return tl::unexpected(few.error());
    }
    for (const std::string& patient : patients) {
      if (auto assigned = gate_->assign(*custodian_, "dr.partout", patient); !assigned) {
        return assigned;
      }
    }
    std::mt19937_64 random(kSeed);
    std::vector<std::string> shuffled = patients;
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    const std::set<std::string> few_patients(shuffled.begin(), shuffled.begin() + kFewPatients);
    for (const std::string& patient : few_patients) {
      if (auto assigned = gate_->assign(*custodian_, "dr.dix", patient); !assigned) {
        return assigned;
      }
    }
    auto service = service_token("labo.interface", "system/*.rs");
    if (!service) {
      return tl::unexpected(service.error());
    }
    fmt::print(
        "accounts: 2 practitioners signed in ({} and {} assignments), 1 service token, in "
        "{:.1f} s\n",
        patients.size(), kFewPatients, seconds_since(accounts_start));

    // The reads: Patients and Observations, in random order.
    std::vector<size_t> all_targets;
    std::vector<size_t> few_targets;
    for (size_t index = 0; index < refs_.size(); ++index) {
      const ResourceRef& ref = refs_[index];
      if (ref.type != "Patient" && ref.type != "Observation") {
        continue;
      }
      all_targets.push_back(index);
      if (few_patients.contains(ref.compartment)) {
        few_targets.push_back(index);
      }
    }
    for (size_t read = 0; read < settings_.reads; ++read) {
      all_reads_.push_back(
          all_targets[std::uniform_int_distribution<size_t>(0, all_targets.size() - 1)(random)]);
      few_reads_.push_back(
          few_targets[std::uniform_int_distribution<size_t>(0, few_targets.size() - 1)(random)]);
    }
    callers_.push_back(Caller{"custodian", *custodian_, true, &all_reads_, {}});
    callers_.push_back(Caller{fmt::format("practitioner, {} patients", patients.size()),
                              *everyone,
                              true,
                              &all_reads_,
                              {}});
    callers_.push_back(Caller{
        fmt::format("practitioner, {} patients", kFewPatients), *few, true, &few_reads_, {}});
    callers_.push_back(Caller{"service token system/*.rs", *service, false, &all_reads_, {}});
    fmt::print(
        "reads: {} Patients and Observations ({} of them in the {} patients' "
        "compartments)\n",
        all_targets.size(), few_targets.size(), kFewPatients);

    // The searches.
    const std::vector<std::string> codes = loinc_codes(bundle);
    if (codes.empty()) {
      return vigie::fail(ErrorCode::kInternal, "the demo Bundle has no LOINC code");
    }
    SearchKind by_code{"Observation?code=<LOINC>", "Observation", {}, {}, {}};
    SearchKind by_patient{"Observation?patient=<random>", "Observation", {}, {}, {}};
    SearchKind by_name{"Patient?name=mar", "Patient", {}, {}, {}};
    for (size_t search = 0; search < settings_.searches; ++search) {
      by_code.params.push_back(
          {{"code",
            "http://loinc.org|" +
                codes[std::uniform_int_distribution<size_t>(0, codes.size() - 1)(random)]}});
      by_patient.params.push_back(
          {{"patient",
            "Patient/" +
                patients[std::uniform_int_distribution<size_t>(0, patients.size() - 1)(random)]}});
      by_name.params.push_back({{"name", "mar"}});
    }
    kinds_ = {std::move(by_code), std::move(by_patient), std::move(by_name)};
    fmt::print("searches: {} distinct LOINC codes; {} searches of each kind per measure\n",
               codes.size(), settings_.searches);
    std::fflush(stdout);
    return check_and_warm_up(few_patients);
  }

  // Part 1, one round: every caller reads its sequence, starting with caller `round` mod 4.
  Result<void> measure_reads(size_t round) {
    for (size_t turn = 0; turn < callers_.size(); ++turn) {
      const size_t index = (round + turn) % callers_.size();
      Caller& caller = callers_[index];
      auto sample = time_ops(caller.reads->size(), [&](size_t read) -> Result<void> {
        const ResourceRef& ref = refs_[(*caller.reads)[read]];
        auto resource = gate_->read(caller.principal, ref.type, ref.id);
        if (!resource) {
          return tl::unexpected(resource.error());
        }
        if (resource->id != ref.id || resource->type != ref.type) {
          return vigie::fail(ErrorCode::kIntegrity, "a read returned another resource");
        }
        return {};
      });
      if (!sample) {
        return tl::unexpected(sample.error());
      }
      caller.read_samples.push_back(*sample);
      fmt::print("round {}/{} read   {:<30} {:>7.0f} reads/s     CPU {:>6.0f} us/read\n", round + 1,
                 kRounds, caller.label, sample->rate, sample->cpu_us);
      std::fflush(stdout);
    }
    return {};
  }

  // Part 2, one round: every kind of search by every searching caller.
  Result<void> measure_searches(size_t round) {
    for (SearchKind& kind : kinds_) {
      for (size_t turn = 0; turn < callers_.size(); ++turn) {
        const size_t index = (round + turn) % callers_.size();
        const Caller& caller = callers_[index];
        if (!caller.searches) {
          continue;
        }
        size_t total = 0;
        auto sample = time_ops(kind.params.size(), [&](size_t search) -> Result<void> {
          auto page = gate_->search(caller.principal, kind.type, kind.params[search]);
          if (!page) {
            return tl::unexpected(page.error());
          }
          total += page->total;
          return {};
        });
        if (!sample) {
          return tl::unexpected(sample.error());
        }
        kind.samples[index].push_back(*sample);
        kind.hits[index] = static_cast<double>(total) / static_cast<double>(kind.params.size());
        fmt::print(
            "round {}/{} search {:<30} {:<30} {:>7.0f} searches/s  CPU {:>6.0f} us/search  {:.1f} "
            "hits\n",
            round + 1, kRounds, kind.label, caller.label, sample->rate, sample->cpu_us,
            kind.hits[index]);
        std::fflush(stdout);
      }
    }
    return {};
  }

  void print_summary() const {
    fmt::print(
        "\npoint reads, 1 thread, {} per measure; median of {} rounds; x custodian is the median "
        "of the rounds' ratios of throughput, by wall time and by CPU time\n",
        settings_.reads, kRounds);
    fmt::print("{:<30} {:>9} {:>13} {:>16} {:>15}\n", "caller", "reads/s", "CPU us/read",
               "x custodian", "x custodian CPU");
    const Caller& baseline = callers_.front();
    for (const Caller& caller : callers_) {
      const auto [wall, cpu] = median_ratios(caller.read_samples, baseline.read_samples);
      fmt::print("{:<30} {:>9.0f} {:>13.0f} {:>16.2f} {:>15.2f}\n", caller.label,
                 median_rate(caller.read_samples), median_cpu(caller.read_samples), wall, cpu);
    }
    fmt::print(
        "\nsearches, {} per measure (default _count 50); hits is the mean total per "
        "search\n",
        settings_.searches);
    fmt::print("{:<30} {:<30} {:>10} {:>15} {:>12} {:>16} {:>8}\n", "search", "caller",
               "searches/s", "CPU us/search", "x custodian", "x custodian CPU", "hits");
    for (const SearchKind& kind : kinds_) {
      const std::vector<Sample>& custodian = kind.samples.at(0);
      for (const auto& [index, samples] : kind.samples) {
        const auto [wall, cpu] = median_ratios(samples, custodian);
        fmt::print("{:<30} {:<30} {:>10.0f} {:>15.0f} {:>12.2f} {:>16.2f} {:>8.1f}\n", kind.label,
                   callers_[index].label, median_rate(samples), median_cpu(samples), wall, cpu,
                   kind.hits.at(index));
      }
    }
  }

  Result<void> close() { return gate_->close(); }

 private:
  // A practitioner's account, signed in with the password they chose and the second factor they
  // enrolled at their first login (the one-time password alone).
  Result<Principal> practitioner(std::string_view login) {
    auto enrolment = gate_->add_account(
        *custodian_, vigie::auth::NewAccount{std::string(login), "Camille Banc",
                                             vigie::access::Role::kPractitioner, ""});
    if (!enrolment) {
      return tl::unexpected(enrolment.error());
    }
    auto first = gate_->login(
        vigie::auth::LoginRequest{std::string(login),
                                  vigie::crypto::SecretString(enrolment->temporary_password.view()),
                                  "", std::string(kClientAddress)},
        kUserAgent);
    if (!first) {
      return tl::unexpected(first.error());
    }
    const Principal first_principal = vigie::gate::account_principal(
        first->secret, std::string(kClientAddress), std::string(kUserAgent));
    if (auto changed =
            gate_->change_password(first_principal, enrolment->temporary_password, kNewPassword);
        !changed) {
      return tl::unexpected(changed.error());
    }
    auto factor = gate_->enrol_second_factor(first_principal);
    if (!factor) {
      return tl::unexpected(factor.error());
    }
    auto session = gate_->login(
        vigie::auth::LoginRequest{std::string(login), vigie::crypto::SecretString(kNewPassword),
                                  vigie::crypto::SecretString(vigie::testing::totp_code_now(
                                      factor->otpauth_uri, vigie::system_clock().now_ms())),
                                  std::string(kClientAddress)},
        kUserAgent);
    if (!session) {
      return tl::unexpected(session.error());
    }
    return vigie::gate::account_principal(session->secret, std::string(kClientAddress),
                                          std::string(kUserAgent));
  }

  // A service account with one API token holding `scope`.
  Result<Principal> service_token(std::string_view login, std::string_view scope) {
    auto added = gate_->add_account(*custodian_,
                                    vigie::auth::NewAccount{std::string(login), "Interface labo",
                                                            vigie::access::Role::kService, ""});
    if (!added) {
      return tl::unexpected(added.error());
    }
    auto token = gate_->create_token(*custodian_, login, {std::string(scope)},
                                     vigie::system_clock().now_ms() + kTokenLifetimeMs, {});
    if (!token) {
      return tl::unexpected(token.error());
    }
    return vigie::gate::account_principal(token->secret, std::string(kClientAddress),
                                          std::string(kUserAgent));
  }

  // Checks that the 10-patient practitioner is refused the others' data, then has the gate
  // unwrap every compartment's data key once, outside the timings (a long-running server's
  // handle has them cached), and every caller read the start of its sequence.
  Result<void> check_and_warm_up(const std::set<std::string>& few_patients) {
    const Caller& few = callers_[2];
    const auto outsider = std::find_if(refs_.begin(), refs_.end(), [&](const ResourceRef& ref) {
      return ref.type == "Patient" && !few_patients.contains(ref.compartment);
    });
    auto refused = gate_->read(few.principal, outsider->type, outsider->id);
    if (refused || refused.error().code != ErrorCode::kPermissionDenied) {
      return vigie::fail(ErrorCode::kInternal,
                         "the 10-patient practitioner was not refused another patient");
    }
    const auto start = std::chrono::steady_clock::now();
    std::set<std::string> seen;
    for (const ResourceRef& ref : refs_) {
      if (!ref.compartment.empty() && seen.insert(ref.compartment).second) {
        if (auto read = gate_->read(*custodian_, ref.type, ref.id); !read) {
          return tl::unexpected(read.error());
        }
      }
    }
    for (const Caller& caller : callers_) {
      for (size_t read = 0; read < std::min(kWarmUpReads, caller.reads->size()); ++read) {
        const ResourceRef& ref = refs_[(*caller.reads)[read]];
        if (auto done = gate_->read(caller.principal, ref.type, ref.id); !done) {
          return tl::unexpected(done.error());
        }
      }
    }
    fmt::print("warm-up: one read per compartment, then up to {} reads per caller ({:.1f} s)\n",
               kWarmUpReads, seconds_since(start));
    std::fflush(stdout);
    return {};
  }

  const Settings& settings_;
  std::optional<vigie::gate::Custodian> custodian_;  // once the vault is created
  std::unique_ptr<Gate> gate_;
  std::vector<ResourceRef> refs_;
  std::vector<size_t> all_reads_;  // indexes into refs_
  std::vector<size_t> few_reads_;
  std::vector<Caller> callers_;  // the custodian first
  std::vector<SearchKind> kinds_;
};

// Part 3: a second vault with the default (interactive) password cost and a clock moved by
// hand, so that each known login has a fresh TOTP step.
class LoginBench {
 public:
  explicit LoginBench(const Settings& settings) : settings_(settings) {}

  Result<void> prepare(const std::filesystem::path& dir) {
    const auto key = vigie::crypto::SecretBytes::random(32);
    auto gate = Gate::initialize(dir, key_file_secret(key), {}, {},
                                 vigie::gate::current_local_user(), {}, clock_);
    if (!gate) {
      return tl::unexpected(gate.error());
    }
    gate_ = std::move(gate->gate);
    custodian_ = std::move(gate->custodian);
    auto enrolment = gate_->add_account(
        *custodian_, vigie::auth::NewAccount{std::string(kLogin), "Camille Banc",
                                             vigie::access::Role::kPractitioner, ""});
    if (!enrolment) {
      return tl::unexpected(enrolment.error());
    }
    password_ = std::string(enrolment->temporary_password.view());
    otpauth_uri_ = std::string(enrolment->otpauth_uri.view());
    // The first login of the process builds the decoy account (one hash): untimed.
    for (bool known : {true, false}) {
      if (auto warmed = login_once(known); !warmed) {
        return tl::unexpected(warmed.error());
      }
    }
    const vigie::crypto::PasswordHashLimits limits = vigie::crypto::interactive_password_limits();
    fmt::print(
        "logins: Argon2id at the default interactive limits ({} passes, {} MiB); {} known "
        "and {} unknown logins per round\n",
        limits.ops_limit, limits.mem_limit_bytes >> 20U, settings_.logins, settings_.logins);
    std::fflush(stdout);
    return {};
  }

  // One round: known and unknown logins in turn (the unknown first in odd rounds).
  Result<void> measure(size_t round) {
    Tally known;
    Tally unknown;
    for (size_t login = 0; login < settings_.logins; ++login) {
      for (bool first_known : {round % 2 == 0, round % 2 != 0}) {
        auto timed = login_once(first_known);
        if (!timed) {
          return tl::unexpected(timed.error());
        }
        Tally& tally = first_known ? known : unknown;
        tally.wall += timed->first;
        tally.cpu += timed->second;
      }
    }
    for (auto [tally, samples, label] :
         {std::tuple{&known, &known_, "known"}, std::tuple{&unknown, &unknown_, "unknown"}}) {
      const auto count = static_cast<double>(settings_.logins);
      samples->push_back(Sample{count / tally->wall, tally->cpu * 1e6 / count});
      fmt::print("round {}/{} login  {:<30} {:>7.2f} logins/s    CPU {:>6.0f} us/login\n",
                 round + 1, kRounds, label, samples->back().rate, samples->back().cpu_us);
    }
    std::fflush(stdout);
    return {};
  }

  void print_summary() const {
    fmt::print("\nlogins, {} of each kind per measure; median of {} rounds\n", settings_.logins,
               kRounds);
    fmt::print("{:<30} {:>9} {:>10} {:>14}\n", "login", "logins/s", "ms/login", "CPU ms/login");
    for (auto [label, samples] :
         {std::pair{"known (password + TOTP)", &known_}, std::pair{"unknown", &unknown_}}) {
      const double rate = median_rate(*samples);
      fmt::print("{:<30} {:>9.2f} {:>10.1f} {:>14.1f}\n", label, rate, 1000.0 / rate,
                 median_cpu(*samples) / 1000.0);
    }
    const auto [wall, cpu] = median_ratios(unknown_, known_);
    fmt::print("{:<30} {:>9.2f} (CPU {:.2f})\n", "unknown/known throughput", wall, cpu);
  }

  Result<void> close() { return gate_->close(); }

 private:
  static constexpr std::string_view kLogin = "dr.connu";

  struct Tally {
    double wall = 0;
    double cpu = 0;
  };

  // One login, timed: (wall seconds, CPU seconds). A known login must open a session; an
  // unknown one (a new name from a new address each time, so that no back-off applies) must be
  // refused as any wrong login is.
  Result<std::pair<double, double>> login_once(bool known) {
    vigie::auth::LoginRequest request;
    if (known) {
      request = vigie::auth::LoginRequest{
          std::string(kLogin), vigie::crypto::SecretString(password_),
          vigie::crypto::SecretString(vigie::testing::totp_code_now(otpauth_uri_, clock_.now_ms())),
          std::string(kClientAddress)};
    } else {
      ++unknown_count_;
      request = vigie::auth::LoginRequest{
          fmt::format("inconnu.{}", unknown_count_), vigie::crypto::SecretString(password_),
          vigie::crypto::SecretString(vigie::testing::totp_code_now(otpauth_uri_, clock_.now_ms())),
          fmt::format("10.{}.{}.{}", (unknown_count_ >> 16U) & 0xFFU,
                      (unknown_count_ >> 8U) & 0xFFU, unknown_count_ & 0xFFU)};
    }
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    auto session = gate_->login(request, kUserAgent);
    const std::pair<double, double> spent{seconds_since(start), process_cpu_seconds() - cpu_start};
    if (known) {
      if (!session) {
        return tl::unexpected(session.error());
      }
      // The next code is that of a later step: each code is single-use.
      clock_.advance_ms(31'000);
    } else if (session || session.error().code != ErrorCode::kAuthenticationFailed) {
      return vigie::fail(ErrorCode::kInternal,
                         "an unknown login was not refused as a wrong login is");
    }
    return spent;
  }

  const Settings& settings_;
  std::optional<vigie::gate::Custodian> custodian_;  // once the vault is created
  vigie::ManualClock clock_{vigie::system_clock().now_ms()};
  std::unique_ptr<Gate> gate_;
  std::string password_;
  std::string otpauth_uri_;
  uint32_t unknown_count_ = 0;
  std::vector<Sample> known_;  // one per round
  std::vector<Sample> unknown_;
};

int fail_with(const Error& error) {
  fmt::print(stderr, "access_bench: {}\n", error.message);
  return 1;
}

Result<void> run_in(const Settings& settings, const std::filesystem::path& work_dir) {
  AccessBench access(settings);
  if (auto prepared = access.prepare(work_dir / "access"); !prepared) {
    return prepared;
  }
  LoginBench logins(settings);
  if (auto prepared = logins.prepare(work_dir / "logins"); !prepared) {
    return prepared;
  }
  for (size_t round = 0; round < kRounds; ++round) {
    if (auto measured = access.measure_reads(round); !measured) {
      return measured;
    }
    if (auto measured = access.measure_searches(round); !measured) {
      return measured;
    }
    if (auto measured = logins.measure(round); !measured) {
      return measured;
    }
  }
  access.print_summary();
  logins.print_summary();
  if (auto closed = access.close(); !closed) {
    return closed;
  }
  return logins.close();
}

int run(const Settings& settings) {
  const auto start = std::chrono::steady_clock::now();
  auto work_dir = make_work_dir("vigie-access-bench");
  if (!work_dir) {
    return fail_with(work_dir.error());
  }
  fmt::print(
      "access_bench: {} patients, {} reads per caller, {} searches per kind and caller, {} logins "
      "of each kind, per round; {} rounds; load average {} at the start\n",
      settings.patients, settings.reads, settings.searches, settings.logins, kRounds,
      load_average());
  std::fflush(stdout);
  const Result<void> done = run_in(settings, *work_dir);
  std::error_code ignored;
  std::filesystem::remove_all(*work_dir, ignored);
  if (!done) {
    return fail_with(done.error());
  }
  fmt::print("total {:.0f} s; load average {} at the end\n", seconds_since(start), load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"what authenticating and authorizing each gate call costs; logins per second"};
  Settings settings;
  bool quick = false;
  app.add_option("--patients", settings.patients, "demo patients in the vault")
      ->check(CLI::Range(size_t{20}, size_t{100'000}));
  app.add_option("--reads", settings.reads, "point reads per caller and round")
      ->check(CLI::Range(size_t{10}, size_t{10'000'000}));
  app.add_option("--searches", settings.searches, "searches per kind, caller and round")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  app.add_option("--logins", settings.logins, "known and unknown logins each, per round")
      ->check(CLI::Range(size_t{1}, size_t{1'000}));
  app.add_flag("--quick", quick, "smoke run: 100 patients, 300 reads, 30 searches, 4 logins");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    settings.patients = 100;
    settings.reads = 300;
    settings.searches = 30;
    settings.logins = 4;
  }
  return run(settings);
}
