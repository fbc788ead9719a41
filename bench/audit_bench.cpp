// audit_bench: what the audit log of issue #3 costs, measured in one run against baselines.
// 1. Point reads through gate::Gate, each of which returns only once its audit entry is durable
//    (group commit), against the same reads on vault::Vault without audit, at several thread
//    counts; and, for one reader thread, the CPU time of the thread itself per read. The same
//    number of reads in flight is also issued asynchronously (the callback form a server's
//    workers use) from at most two threads, which wait for no sync.
// 2. Gate::verify_audit over a log of a million entries, against a plain scan of the same rows.
// See bench/RESULTS.md.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>

#include "audit/entry.hpp"
#include "audit/log.hpp"
#include "bench/gate_bench_support.hpp"
#include "bench/sync_counter.hpp"
#include "common/clock.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/transaction.hpp"
#include "vault/vault.hpp"

namespace {

namespace json = boost::json;

using vigie::bench::demo_bundle;
using vigie::bench::key_file_secret;
using vigie::bench::load_average;
using vigie::bench::make_work_dir;
using vigie::bench::median;
using vigie::bench::process_cpu_seconds;
using vigie::bench::ResourceRef;
using vigie::bench::run_threads;
using vigie::bench::seconds_since;
using vigie::bench::thread_cpu_seconds;

using vigie::Error;
using vigie::ErrorCode;
using vigie::Result;
using vigie::gate::Gate;
using vigie::gate::LocalUser;
using vigie::vault::UnlockSecret;
using vigie::vault::Vault;

constexpr size_t kRounds = 3;
constexpr uint64_t kSeed = 20261101;
constexpr size_t kReadSequenceLength = 100'000;
constexpr double kReadTarget = 0.5;            // reads with audit / reads without
constexpr double kReaderCpuTarget = 2.0;       // CPU of an audited read / of a plain one
constexpr double kVerifyTarget = 1'000'000.0;  // entries verified per second
// The log is built with one durable append per 1,000 entries, so that it holds a checkpoint every
// 1,000 entries as the default policy signs them.
constexpr size_t kEntriesPerAppend = 1'000;

struct Settings {
  size_t resources = 10'000;
  size_t log_entries = 1'000'000;
  double seconds = 2.0;  // per read measurement
  std::vector<size_t> thread_counts = {1, 8, 32, 64};
};

enum class Path { kWithoutAudit, kWithAudit, kWithAuditAsync };
// The asynchronous form issues its reads from at most this many threads (the cores here).
constexpr size_t kAsyncIssuers = 2;

// Part 1: one vault, read through vault::Vault siblings and through gate::Gate siblings.
class ReadBench {
 public:
  ReadBench(const Settings& settings, LocalUser user)
      : settings_(settings), user_(std::move(user)), cells_(settings.thread_counts.size()) {}

  // What the import stored, in Bundle order.
  [[nodiscard]] const std::vector<ResourceRef>& refs() const { return refs_; }

  Result<void> prepare(const std::filesystem::path& dir) {
    const auto key = vigie::crypto::SecretBytes::random(32);
    const UnlockSecret secret = key_file_secret(key);
    auto gate = Gate::initialize(dir, secret, {}, {}, user_);
    if (!gate) {
      return tl::unexpected(gate.error());
    }
    gate_ = std::move(gate->gate);
    custodian_ = std::move(gate->custodian);
    const json::object bundle = demo_bundle(settings_.resources, kSeed);
    const auto import_start = std::chrono::steady_clock::now();
    auto imported = gate_->import_bundle(*custodian_, bundle);
    if (!imported) {
      return tl::unexpected(imported.error());
    }
    const double import_seconds = seconds_since(import_start);
    refs_ = vigie::bench::refs_of(*imported);
    std::vector<std::string> compartments;
    for (const ResourceRef& ref : refs_) {
      compartments.push_back(ref.compartment);
    }
    std::sort(compartments.begin(), compartments.end());
    compartments.erase(std::unique(compartments.begin(), compartments.end()), compartments.end());
    auto vault = Vault::open(dir, secret, vigie::system_clock());
    if (!vault) {
      return tl::unexpected(vault.error());
    }
    vault_ = std::move(*vault);
    const size_t siblings =
        *std::max_element(settings_.thread_counts.begin(), settings_.thread_counts.end());
    for (size_t sibling = 0; sibling < siblings; ++sibling) {
      auto vault_sibling = vault_->open_sibling();
      if (!vault_sibling) {
        return tl::unexpected(vault_sibling.error());
      }
      vault_siblings_.push_back(std::move(*vault_sibling));
      auto gate_sibling = gate_->open_sibling();
      if (!gate_sibling) {
        return tl::unexpected(gate_sibling.error());
      }
      gate_siblings_.push_back(std::move(*gate_sibling));
    }
    std::mt19937_64 random(kSeed);
    std::uniform_int_distribution<size_t> any_resource(0, refs_.size() - 1);
    for (size_t read = 0; read < kReadSequenceLength; ++read) {
      sequence_.push_back(any_resource(random));
    }
    fmt::print(
        "reads: {} resources in {} compartments imported through the gate in {:.1f} s; {} "
        "handles of each kind\n",
        refs_.size(), compartments.size(), import_seconds, siblings);
    std::fflush(stdout);
    return warm_up(compartments, siblings);
  }

  // One measurement: `threads` threads read for settings_.seconds; asynchronously, `threads`
  // reads are kept in flight by at most kAsyncIssuers threads.
  Result<void> measure(size_t round, size_t threads, Path path) {
    const size_t issuers =
        path == Path::kWithAuditAsync ? std::min(threads, kAsyncIssuers) : threads;
    std::vector<uint64_t> reads(issuers, 0);
    std::vector<double> reader_cpu_seconds(issuers, 0);
    const vigie::bench::SyncTally syncs_before = vigie::bench::wal_syncs();
    const double cpu_before = process_cpu_seconds();
    auto elapsed = run_threads(issuers, [&](size_t thread) -> Result<void> {
      if (path == Path::kWithAuditAsync) {
        const double cpu_start = thread_cpu_seconds();
        auto issued = read_async(thread, threads / issuers, reads[thread]);
        reader_cpu_seconds[thread] = thread_cpu_seconds() - cpu_start;
        return issued;
      }
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::duration<double>(settings_.seconds);
      size_t next = thread * sequence_.size() / threads;
      uint64_t count = 0;  // a local: neighbouring counters would share a cache line
      const double cpu_start = thread_cpu_seconds();
      while (std::chrono::steady_clock::now() < deadline) {
        const ResourceRef& ref = refs_[sequence_[next]];
        next = (next + 1) % sequence_.size();
        if (auto read = read_one(thread, path, ref); !read) {
          return read;
        }
        ++count;
      }
      reads[thread] = count;
      reader_cpu_seconds[thread] = thread_cpu_seconds() - cpu_start;
      return {};
    });
    if (!elapsed) {
      return tl::unexpected(elapsed.error());
    }
    Sample sample;
    for (uint64_t count : reads) {
      sample.reads += count;
    }
    double reader_cpu = 0;
    for (double seconds : reader_cpu_seconds) {
      reader_cpu += seconds;
    }
    sample.reader_cpu_us_per_read = reader_cpu * 1e6 / static_cast<double>(sample.reads);
    const vigie::bench::SyncTally syncs_after = vigie::bench::wal_syncs();
    sample.syncs = syncs_after.syncs - syncs_before.syncs;
    sample.sync_nanoseconds = syncs_after.nanoseconds - syncs_before.nanoseconds;
    sample.rate = static_cast<double>(sample.reads) / *elapsed;
    sample.cpu_us_per_read =
        (process_cpu_seconds() - cpu_before) * 1e6 / static_cast<double>(sample.reads);
    Cell& cell = cell_of(threads);
    cell.samples(path).push_back(sample);
    fmt::print(
        "round {}/{} {:>2} thread{} {:<13} {:>6.0f} reads/s  CPU {:>4.0f} us/read (readers' own "
        "{:>4.0f})",
        round + 1, kRounds, threads, threads == 1 ? " " : "s", name_of(path), sample.rate,
        sample.cpu_us_per_read, sample.reader_cpu_us_per_read);
    if (path != Path::kWithoutAudit) {
      fmt::print("  {:.3f}x  {:>4.1f} entries/sync  {:.2f} ms/sync",
                 sample.rate / cell.without_audit.back().rate, sample.entries_per_sync(),
                 sample.ms_per_sync());
    }
    fmt::print("\n");
    std::fflush(stdout);
    return {};
  }

  void print_summary() const {
    fmt::print(
        "\nmedian of {} rounds: reads/s, CPU time per read (us); with/without is the median of "
        "the rounds' ratios\n",
        kRounds);
    for (Path path : {Path::kWithAudit, Path::kWithAuditAsync}) {
      fmt::print("{:<8} {:>14} {:>14}   {:<20} {:>11} {:>11} {:>13} {:>8}\n", "threads",
                 "without audit", name_of(path), "with/without", "CPU without", "CPU with",
                 "entries/sync", "ms/sync");
      for (size_t index = 0; index < settings_.thread_counts.size(); ++index) {
        print_summary_row(settings_.thread_counts[index], cells_[index], path);
      }
    }
    print_one_reader_cpu();
  }

  Result<void> close() { return gate_->close(); }

 private:
  // What the audit adds to one read's CPU, without the other threads' noise: one reader thread
  // (which flushes its own entry), its own CPU time only.
  void print_one_reader_cpu() const {
    const auto one =
        std::find(settings_.thread_counts.begin(), settings_.thread_counts.end(), size_t{1});
    if (one == settings_.thread_counts.end()) {
      return;
    }
    const Cell& cell = cells_[static_cast<size_t>(one - settings_.thread_counts.begin())];
    std::vector<double> ratios;
    for (size_t round = 0; round < cell.with_audit.size(); ++round) {
      ratios.push_back(cell.with_audit[round].reader_cpu_us_per_read /
                       cell.without_audit[round].reader_cpu_us_per_read);
    }
    const double ratio = median(ratios);
    fmt::print(
        "\none reader, its own CPU per read (median of {} rounds): without audit {:.1f} us, with "
        "audit {:.1f} us, with/without {:.2f} {} (<= {:.1f})\n",
        kRounds, median_of(cell.without_audit, &Sample::reader_cpu_us_per_read),
        median_of(cell.with_audit, &Sample::reader_cpu_us_per_read), ratio,
        ratio <= kReaderCpuTarget ? "PASS" : "ABOVE", kReaderCpuTarget);
  }

  struct Sample {
    double rate = 0;                    // reads/s
    double cpu_us_per_read = 0;         // the whole process's
    double reader_cpu_us_per_read = 0;  // the reader threads' own (CLOCK_THREAD_CPUTIME_ID)
    uint64_t reads = 0;                 // with audit: one entry each
    uint64_t syncs = 0;                 // WAL syncs meanwhile
    uint64_t sync_nanoseconds = 0;

    [[nodiscard]] double entries_per_sync() const {
      return static_cast<double>(reads) / static_cast<double>(std::max<uint64_t>(syncs, 1));
    }
    [[nodiscard]] double ms_per_sync() const {
      return static_cast<double>(sync_nanoseconds) / 1e6 /
             static_cast<double>(std::max<uint64_t>(syncs, 1));
    }
  };

  struct Cell {
    std::vector<Sample> without_audit;  // one per round
    std::vector<Sample> with_audit;
    std::vector<Sample> with_audit_async;

    [[nodiscard]] std::vector<Sample>& samples(Path path) {
      return path == Path::kWithoutAudit ? without_audit
             : path == Path::kWithAudit  ? with_audit
                                         : with_audit_async;
    }
    [[nodiscard]] const std::vector<Sample>& samples(Path path) const {
      return path == Path::kWithoutAudit ? without_audit
             : path == Path::kWithAudit  ? with_audit
                                         : with_audit_async;
    }
  };

  static const char* name_of(Path path) {
    return path == Path::kWithoutAudit ? "without audit"
           : path == Path::kWithAudit  ? "with audit"
                                       : "async audit";
  }

  void print_summary_row(size_t threads, const Cell& cell, Path path) const {
    const std::vector<Sample>& audited = cell.samples(path);
    std::vector<double> ratios;
    for (size_t round = 0; round < audited.size(); ++round) {
      ratios.push_back(audited[round].rate / cell.without_audit[round].rate);
    }
    const double ratio = median(ratios);
    // One reader alone waits for one sync per read: the target is for concurrent readers.
    const std::string verdict =
        threads == 1 ? fmt::format("{:.3f} (no target)", ratio)
                     : fmt::format("{:.2f} {} (>= {:.1f})", ratio,
                                   ratio >= kReadTarget ? "PASS" : "BELOW", kReadTarget);
    fmt::print(
        "{:<8} {:>14.0f} {:>14.0f}   {:<20} {:>11.0f} {:>11.0f} {:>13.1f} {:>8.2f}\n", threads,
        median_of(cell.without_audit, &Sample::rate), median_of(audited, &Sample::rate), verdict,
        median_of(cell.without_audit, &Sample::cpu_us_per_read),
        median_of(audited, &Sample::cpu_us_per_read), median_of(audited, &Sample::entries_per_sync),
        median_of(audited, &Sample::ms_per_sync));
  }

  // Keeps `in_flight` asynchronous reads issued through this thread's gate until the deadline,
  // then waits for the last callbacks; `completed` gets the reads handed out.
  Result<void> read_async(size_t thread, size_t in_flight, uint64_t& completed) {
    std::mutex mutex;
    std::condition_variable slot_freed;
    size_t outstanding = 0;                   // guarded by mutex
    std::optional<vigie::Error> first_error;  // guarded by mutex
    uint64_t count = 0;                       // guarded by mutex
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(settings_.seconds);
    size_t next = thread * sequence_.size() / kAsyncIssuers;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::unique_lock lock(mutex);
        slot_freed.wait(lock, [&] { return outstanding < in_flight; });
        if (first_error) {
          break;
        }
        ++outstanding;
      }
      const ResourceRef& ref = refs_[sequence_[next]];
      next = (next + 1) % sequence_.size();
      // Runs on the audit log's committer thread once the entry is durable.
      auto done = [&, type = ref.type, id = ref.id](Result<vigie::gate::StoredResource> read) {
        std::lock_guard lock(mutex);
        if (!read) {
          first_error = read.error();
        } else if (read->id != id || read->type != type) {
          first_error = Error{ErrorCode::kIntegrity, "a read returned another resource"};
        } else {
          ++count;
        }
        --outstanding;
        slot_freed.notify_one();
      };
      if (auto issued = gate_siblings_[thread]->read(*custodian_, ref.type, ref.id, done);
          !issued) {
        std::lock_guard lock(mutex);
        --outstanding;
        first_error = issued.error();
        break;
      }
    }
    std::unique_lock lock(mutex);
    slot_freed.wait(lock, [&] { return outstanding == 0; });
    completed = count;
    if (first_error) {
      return tl::unexpected(*first_error);
    }
    return {};
  }

  template <typename Measure>
  static double median_of(const std::vector<Sample>& samples, Measure measure) {
    std::vector<double> values;
    for (const Sample& sample : samples) {
      values.push_back(std::invoke(measure, sample));
    }
    return median(std::move(values));
  }

  Result<void> read_one(size_t thread, Path path, const ResourceRef& ref) {
    auto read = path == Path::kWithAudit
                    ? gate_siblings_[thread]->read(*custodian_, ref.type, ref.id)
                    : vault_siblings_[thread]->read(ref.type, ref.id);
    if (!read) {
      return tl::unexpected(read.error());
    }
    if (read->id != ref.id || read->type != ref.type) {
      return vigie::fail(ErrorCode::kIntegrity, "a read returned another resource");
    }
    return {};
  }

  // Every handle unwraps the data key of every compartment once, outside the timings: a
  // long-running server's handles have them cached.
  Result<void> warm_up(const std::vector<std::string>& compartments, size_t siblings) {
    std::vector<const ResourceRef*> one_per_compartment;
    for (const std::string& compartment : compartments) {
      auto found = std::find_if(refs_.begin(), refs_.end(), [&](const ResourceRef& ref) {
        return ref.compartment == compartment;
      });
      one_per_compartment.push_back(&*found);
    }
    const auto start = std::chrono::steady_clock::now();
    auto warmed = run_threads(siblings, [&](size_t thread) -> Result<void> {
      for (const ResourceRef* ref : one_per_compartment) {
        for (Path path : {Path::kWithoutAudit, Path::kWithAudit}) {
          if (auto read = read_one(thread, path, *ref); !read) {
            return read;
          }
        }
      }
      return {};
    });
    if (!warmed) {
      return tl::unexpected(warmed.error());
    }
    fmt::print("warm-up: every handle read one resource per compartment ({:.1f} s)\n",
               seconds_since(start));
    std::fflush(stdout);
    return {};
  }

  Cell& cell_of(size_t threads) {
    const auto found =
        std::find(settings_.thread_counts.begin(), settings_.thread_counts.end(), threads);
    return cells_[static_cast<size_t>(found - settings_.thread_counts.begin())];
  }

  const Settings& settings_;
  const LocalUser user_;
  std::optional<vigie::gate::Custodian> custodian_;  // once the vault is created
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<Vault> vault_;
  std::vector<std::unique_ptr<Vault>> vault_siblings_;
  std::vector<std::unique_ptr<Gate>> gate_siblings_;
  std::vector<ResourceRef> refs_;
  std::vector<size_t> sequence_;  // indexes into refs_
  std::vector<Cell> cells_;       // per thread count, in settings_.thread_counts order
};

// Part 2: a log of settings.log_entries read entries, verified and scanned.
class VerifyBench {
  // Entries per second of wall-clock time and of this process's CPU time (one thread works).
  struct Rates {
    double wall = 0;
    double cpu = 0;
  };

  static double median_of(const std::vector<Rates>& rounds, double Rates::*rate) {
    std::vector<double> values;
    for (const Rates& round : rounds) {
      values.push_back(round.*rate);
    }
    return median(std::move(values));
  }

 public:
  VerifyBench(const Settings& settings, LocalUser user)
      : settings_(settings), user_(std::move(user)) {}

  Result<void> prepare(const std::filesystem::path& dir, const std::vector<ResourceRef>& refs) {
    const auto key = vigie::crypto::SecretBytes::random(32);
    const UnlockSecret secret = key_file_secret(key);
    auto gate = Gate::initialize(dir, secret, {}, {}, user_);
    if (!gate) {
      return tl::unexpected(gate.error());
    }
    gate_ = std::move(gate->gate);
    custodian_ = std::move(gate->custodian);
    const auto start = std::chrono::steady_clock::now();
    if (auto built = build_log(dir, secret, refs); !built) {
      return built;
    }
    const double build_seconds = seconds_since(start);
    auto scanner = vigie::store::sqlite::open_audit_connection(dir);
    if (!scanner) {
      return tl::unexpected(scanner.error());
    }
    scanner_ = std::move(*scanner);
    std::error_code error;
    const auto bytes =
        std::filesystem::file_size(vigie::store::sqlite::audit_file_path(dir), error);
    fmt::print(
        "verify: log of {} entries appended in {:.1f} s ({:.0f} entries/s); audit file {:.0f} MB\n",
        settings_.log_entries, build_seconds,
        static_cast<double>(settings_.log_entries) / build_seconds,
        static_cast<double>(error ? 0 : bytes) / 1e6);
    std::fflush(stdout);
    // Both measures then start with the file in the OS cache.
    auto warm = scan();
    if (!warm) {
      return tl::unexpected(warm.error());
    }
    return {};
  }

  Result<void> measure(size_t round) {
    const auto scan_start = std::chrono::steady_clock::now();
    const double scan_cpu_start = process_cpu_seconds();
    auto scanned = scan();
    if (!scanned) {
      return tl::unexpected(scanned.error());
    }
    const Rates scan{static_cast<double>(*scanned) / seconds_since(scan_start),
                     static_cast<double>(*scanned) / (process_cpu_seconds() - scan_cpu_start)};
    const auto verify_start = std::chrono::steady_clock::now();
    const double verify_cpu_start = process_cpu_seconds();
    auto report = gate_->verify_audit(*custodian_, std::nullopt);
    if (!report) {
      return tl::unexpected(report.error());
    }
    const auto verified = static_cast<double>(report->verified);
    const Rates verify{verified / seconds_since(verify_start),
                       verified / (process_cpu_seconds() - verify_cpu_start)};
    if (report->failure) {
      return vigie::fail(ErrorCode::kIntegrity,
                         fmt::format("the log does not verify at entry {}", report->failure->seq));
    }
    if (report->verified < static_cast<int64_t>(settings_.log_entries)) {
      return vigie::fail(ErrorCode::kIntegrity, "verify saw fewer entries than were appended");
    }
    scan_.push_back(scan);
    verify_.push_back(verify);
    fmt::print(
        "round {}/{} scan {:>8.0f} entries/s (CPU {:>8.0f})  verify {:>8.0f} entries/s (CPU "
        "{:>8.0f})  {} entries\n",
        round + 1, kRounds, scan.wall, scan.cpu, verify.wall, verify.cpu, report->verified);
    std::fflush(stdout);
    return {};
  }

  void print_summary() const {
    fmt::print("\n{:<30} {:>12} {:>12}   {}\n", fmt::format("median of {} rounds", kRounds),
               "plain scan", "verify", "verify/scan");
    for (auto [label, rate] :
         {std::pair{"entries/s, wall", &Rates::wall}, std::pair{"entries/s, CPU", &Rates::cpu}}) {
      const double scan = median_of(scan_, rate);
      const double verify = median_of(verify_, rate);
      fmt::print("{:<30} {:>12.0f} {:>12.0f}   {:.2f}   {} (>= {:.0f})\n", label, scan, verify,
                 verify / scan, verify >= kVerifyTarget ? "PASS" : "BELOW", kVerifyTarget);
    }
  }

  Result<void> close() { return gate_->close(); }

 private:
  // Appends read entries by the custodian, one target each, through an AuditLog of the vault's
  // own key, in big transactions: the chain, the hashes and the checkpoints are the ones the
  // gate would have written.
  Result<void> build_log(const std::filesystem::path& dir, const UnlockSecret& secret,
                         const std::vector<ResourceRef>& refs) {
    auto vault = Vault::open(dir, secret, vigie::system_clock());
    if (!vault) {
      return tl::unexpected(vault.error());
    }
    auto signing_key = (*vault)->audit_signing_key();
    if (!signing_key) {
      return tl::unexpected(signing_key.error());
    }
    auto log_connection = vigie::store::sqlite::open_audit_connection(dir);
    if (!log_connection) {
      return tl::unexpected(log_connection.error());
    }
    auto data = vigie::store::sqlite::open_data_connection(dir);
    if (!data) {
      return tl::unexpected(data.error());
    }
    auto policy = vigie::audit::load_policy(**data);
    if (!policy) {
      return tl::unexpected(policy.error());
    }
    vigie::audit::AuditLog log(std::move(*log_connection), std::move(*signing_key), *policy,
                               vigie::system_clock());
    vigie::audit::Entry entry;
    entry.actor.kind = vigie::audit::ActorKind::kCustodian;
    entry.actor.os_user = user_.os_user;
    entry.actor.session_id = user_.session_id;
    entry.actor.user_agent = user_.user_agent;
    entry.actor.auth_method = "key-file";
    entry.action = std::string(vigie::audit::kActionRead);
    entry.resources_returned = 1;
    entry.decrypted_data_left = true;
    // A read every 10 ms, ending now.
    const int64_t first_ms =
        vigie::system_clock().now_ms() - static_cast<int64_t>(settings_.log_entries) * 10;
    size_t appended = 0;
    while (appended < settings_.log_entries) {
      std::vector<vigie::audit::Entry> entries;
      const size_t count = std::min(kEntriesPerAppend, settings_.log_entries - appended);
      entries.reserve(count);
      for (size_t index = 0; index < count; ++index, ++appended) {
        const ResourceRef& ref = refs[appended % refs.size()];
        entry.time_ms = first_ms + static_cast<int64_t>(appended) * 10;
        entry.targets = {vigie::audit::Target{ref.type, ref.id, ref.version, ref.compartment}};
        entries.push_back(entry);
      }
      if (auto added = log.record(std::move(entries)); !added) {
        return tl::unexpected(added.error());
      }
    }
    return {};
  }

  // Reads every row of the log and touches every byte: the floor under any verification.
  Result<uint64_t> scan() {
    uint64_t rows = 0;
    uint64_t sum = 0;
    auto scanned = scanner_->scan_audit(
        0, [&](int64_t /*seq*/, int64_t time_ms, std::span<const uint8_t> canonical,
               std::span<const uint8_t> hash) {
          ++rows;
          sum += static_cast<uint64_t>(time_ms);
          for (uint8_t byte : canonical) {
            sum += byte;
          }
          for (uint8_t byte : hash) {
            sum += byte;
          }
          return true;
        });
    if (!scanned) {
      return tl::unexpected(scanned.error());
    }
    if (sum == 0) {
      return vigie::fail(ErrorCode::kIntegrity, "the scan read nothing");
    }
    return rows;
  }

  const Settings& settings_;
  const LocalUser user_;
  std::optional<vigie::gate::Custodian> custodian_;  // once the vault is created
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<vigie::store::AuditStore> scanner_;
  std::vector<Rates> scan_;  // one per round
  std::vector<Rates> verify_;
};

int fail_with(const Error& error) {
  fmt::print(stderr, "audit_bench: {}\n", error.message);
  return 1;
}

Result<void> run_in(const Settings& settings, const std::filesystem::path& work_dir) {
  const LocalUser user = vigie::gate::current_local_user();
  ReadBench reads(settings, user);
  if (auto prepared = reads.prepare(work_dir / "reads"); !prepared) {
    return prepared;
  }
  for (size_t round = 0; round < kRounds; ++round) {
    for (size_t threads : settings.thread_counts) {
      for (Path path : {Path::kWithoutAudit, Path::kWithAudit, Path::kWithAuditAsync}) {
        if (auto measured = reads.measure(round, threads, path); !measured) {
          return measured;
        }
      }
    }
  }
  reads.print_summary();
  fmt::print("\n");
  VerifyBench verify(settings, user);
  if (auto prepared = verify.prepare(work_dir / "verify", reads.refs()); !prepared) {
    return prepared;
  }
  for (size_t round = 0; round < kRounds; ++round) {
    if (auto measured = verify.measure(round); !measured) {
      return measured;
    }
  }
  verify.print_summary();
  if (auto closed = reads.close(); !closed) {
    return closed;
  }
  return verify.close();
}

int run(const Settings& settings) {
  const auto start = std::chrono::steady_clock::now();
  if (auto installed = vigie::bench::install_wal_sync_counter(); !installed) {
    return fail_with(installed.error());
  }
  auto work_dir = make_work_dir("vigie-audit-bench");
  if (!work_dir) {
    return fail_with(work_dir.error());
  }
  std::string thread_counts;
  for (size_t threads : settings.thread_counts) {
    thread_counts += fmt::format("{}{}", thread_counts.empty() ? "" : ", ", threads);
  }
  fmt::print(
      "audit_bench: {} resources, reads on {} threads for {:.2f} s per measure; a log of {} "
      "entries; {} rounds; load average {} at the start\n",
      settings.resources, thread_counts, settings.seconds, settings.log_entries, kRounds,
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
  CLI::App app{"the read path with and without its durable audit entry; audit verify speed"};
  Settings settings;
  bool quick = false;
  app.add_option("--resources", settings.resources, "resources imported for the reads")
      ->check(CLI::Range(size_t{100}, size_t{1'000'000}));
  app.add_option("--entries", settings.log_entries, "entries of the log to verify")
      ->check(CLI::Range(size_t{1'000}, size_t{100'000'000}));
  app.add_option("--seconds", settings.seconds, "duration of each read measurement")
      ->check(CLI::Range(0.05, 60.0));
  app.add_option("--threads", settings.thread_counts, "reader thread counts, e.g. 1,8,32")
      ->delimiter(',')
      ->check(CLI::Range(size_t{1}, size_t{256}));
  app.add_flag("--quick", quick, "smoke run: 2,000 resources, 100,000 entries, 0.25 s per read");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    settings.resources = 2'000;
    settings.log_entries = 100'000;
    settings.seconds = 0.25;
  }
  return run(settings);
}
