#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "lifecycle/export_parameters.hpp"

// lifecycle/: the jobs of FHIR Bulk Data $export and their output files. A job's NDJSON files
// are sealed while they wait (XChaCha20-Poly1305, crypto/aead.hpp) under a key drawn for that
// job and kept only in this process's locked memory: never written anywhere, so that the files
// are unreadable to whoever copies the directory, and lost (with the files, deleted at start and
// at shutdown) when the server stops. Patient data reaches this module only from the gate
// (gate::Gate::run_export writes it) and leaves it only through the gate
// (gate::Gate::export_file, the one caller able to present a DecryptPass).

namespace vigie::gate {
class Gate;
}

namespace vigie::lifecycle {

// What only gate::Gate can construct: the right to open a job's file.
class DecryptPass {
 private:
  friend class gate::Gate;
  DecryptPass() = default;
};

struct ExportSettings {
  std::filesystem::path dir;  // inside the vault's directory; created private (0700)
  size_t max_jobs = 2;        // jobs being admitted or running at once; more: refused
  int64_t retention_ms = 24LL * 60 * 60 * 1000;  // a finished job's files, then deleted
  int64_t poll_interval_ms = 2000;  // Retry-After; a status poll sooner is refused (429)
};

// One resource written to a job's file, as the download's audit entry names it.
struct ExportedResource {
  std::string id;
  int64_t version = 0;
  std::string compartment;
};

// One output file of a job: every exported resource of one type, or (attachment) the content of
// one Attachment whose inline `data` the exported resource now refers to by `url`
// (Bulk Data IG, export.html#attachments): `type` is then the resource's type (the one a token
// must cover to download it) and `count` 1.
struct ExportOutput {
  std::string type;
  std::string file;  // its name in the job ("Patient.ndjson", "attachment-1.bin")
  int64_t count = 0;
  bool attachment = false;
  std::string content_type;  // an attachment's contentType (empty: application/octet-stream)
  // What the file holds, shared (not copied) by every view of the job.
  std::shared_ptr<const std::vector<ExportedResource>> resources;
};

// What a job's status says.
struct ExportJobView {
  enum class State { kRunning, kDone, kFailed };
  State state = State::kRunning;
  std::string owner;  // the login of the account that asked for it
  std::string request_url;
  int64_t transaction_time_ms = 0;
  int64_t expires_ms = 0;  // when done: its files are deleted then
  int64_t resources_written = 0;
  std::vector<ExportOutput> outputs;
  std::vector<std::string> ignored;  // parameters left out under handling=lenient
  std::optional<Error> failure;      // when failed
};

class ExportJobs;

// The sealed files of one job, written by the one thread that runs it. Lines are gathered per
// type into chunks of at most kChunkBytes, each sealed with the job's key and bound (associated
// data) to the job, the file, the chunk's index and whether it is the last, so that chunks can
// be neither swapped, reordered nor dropped from the end.
class ExportFiles {
 public:
  static constexpr size_t kChunkBytes = 256 * 1024;

  ExportFiles(ExportFiles&&) noexcept = default;
  ExportFiles& operator=(ExportFiles&&) noexcept = default;
  ExportFiles(const ExportFiles&) = delete;
  ExportFiles& operator=(const ExportFiles&) = delete;
  ~ExportFiles() = default;

  // Appends one NDJSON line (the JSON of `resource`, of `type`, without its newline) to `type`'s
  // file. kInternal when the file cannot be written; kGone when the job was cancelled meanwhile.
  [[nodiscard]] Result<void> append(std::string_view type, ExportedResource resource,
                                    std::string_view line);
  // Writes the bytes of one attachment of `resource` (of `type`) as a file of its own, sealed as
  // the NDJSON files are: its name ("attachment-N.bin"), for the url that replaces the data.
  // kInternal when the file cannot be written; kGone when the job was cancelled meanwhile.
  [[nodiscard]] Result<std::string> attach(std::string_view type, ExportedResource resource,
                                           std::string content_type,
                                           std::span<const uint8_t> bytes);
  // Seals the last chunk of each file: the outputs, in the order of their first line.
  [[nodiscard]] Result<std::vector<ExportOutput>> finish();
  [[nodiscard]] const std::string& job_id() const { return job_id_; }

 private:
  friend class ExportJobs;
  struct File {
    std::string type;
    std::string name;
    int64_t count = 0;
    uint64_t chunks = 0;
    std::vector<ExportedResource> resources;
    std::string pending;       // lines not sealed yet (at most kChunkBytes)
    bool attachment = false;   // written whole by attach(), its last chunk sealed already
    std::string content_type;  // an attachment's
  };
  ExportFiles(ExportJobs& jobs, std::string job_id, std::filesystem::path dir,
              std::shared_ptr<const crypto::SecretBytes> key)
      : jobs_(&jobs), job_id_(std::move(job_id)), dir_(std::move(dir)), key_(std::move(key)) {}
  [[nodiscard]] Result<void> seal_chunk(File& file, bool last);

  ExportJobs* jobs_;
  std::string job_id_;
  std::filesystem::path dir_;
  std::shared_ptr<const crypto::SecretBytes> key_;
  std::vector<File> files_;
  uint64_t attachments_ = 0;  // attachment files written so far (their names count them)
};

// The jobs of one server. Thread-safe: one mutex guards the table; files are written by their
// job's thread only, read by a download after the job is done, and removed under the mutex.
class ExportJobs {
 public:
  // Creates `settings.dir` (0700) or empties it: files left by an earlier process cannot be
  // opened (their keys died with it). kInternal when the directory cannot be made.
  [[nodiscard]] static Result<std::unique_ptr<ExportJobs>> open(ExportSettings settings,
                                                                const Clock& clock);
  // Deletes every job's files.
  ~ExportJobs();
  ExportJobs(const ExportJobs&) = delete;
  ExportJobs& operator=(const ExportJobs&) = delete;

  [[nodiscard]] const ExportSettings& settings() const { return settings_; }

  // Takes a slot for a new job (random id) that `owner` asked for: kUnavailable when
  // settings.max_jobs are admitted or running already. Deletes expired jobs first.
  [[nodiscard]] Result<std::string> reserve(std::string owner, std::string request_url,
                                            std::vector<std::string> ignored);
  // The writer of a reserved job's files, stamped with its transaction time (now).
  [[nodiscard]] Result<ExportFiles> start(const std::string& job_id);
  // A job ends: done with its outputs, or failed (its files deleted). A job cancelled meanwhile
  // is forgotten and its files deleted.
  void finish(const std::string& job_id, Result<std::vector<ExportOutput>> outputs);
  // A reservation whose kick-off was refused.
  void discard(const std::string& job_id);

  // The job as `owner` may see it: nullopt for an unknown job, an expired one, or another
  // owner's (held_by_another() tells the last apart). Deletes expired jobs first.
  [[nodiscard]] std::optional<ExportJobView> view(std::string_view job_id, std::string_view owner);
  // Whether a status poll of `job_id` now comes sooner than settings.poll_interval_ms after the
  // previous one (the previous one is then not moved).
  [[nodiscard]] bool polled_too_soon(std::string_view job_id);
  // Whether `job_id` is a live job (not expired, not cancelled) of an owner other than `owner`:
  // its status, files and deletion are refused to `owner` (403) rather than unknown (404).
  [[nodiscard]] bool held_by_another(std::string_view job_id, std::string_view owner);
  // Cancels or deletes `owner`'s job and its files: false when view() would say nullopt.
  bool remove(std::string_view job_id, std::string_view owner);

  // The plaintext NDJSON of one file of `owner`'s finished job (gate::Gate::export_file only).
  // kNotFound as view(), or for a file the job does not have; kIntegrity when the file was
  // altered, truncated or swapped.
  [[nodiscard]] Result<std::string> open_file(const DecryptPass& pass, std::string_view job_id,
                                              std::string_view owner, std::string_view file);

 private:
  friend class ExportFiles;
  struct Job {
    std::string owner;
    std::string request_url;
    std::vector<std::string> ignored;
    std::shared_ptr<const crypto::SecretBytes> key;
    ExportJobView::State state = ExportJobView::State::kRunning;
    int64_t transaction_time_ms = 0;
    int64_t expires_ms = 0;
    int64_t resources_written = 0;
    int64_t last_poll_ms = 0;
    bool cancelled = false;
    std::vector<ExportOutput> outputs;
    std::optional<Error> failure;
  };
  ExportJobs(ExportSettings settings, const Clock& clock)
      : settings_(std::move(settings)), clock_(clock) {}
  [[nodiscard]] std::filesystem::path dir_of(std::string_view job_id) const;
  // Under mutex_: deletes the jobs past their expiry, with their files.
  void sweep_locked(int64_t now_ms);
  [[nodiscard]] size_t active_locked() const;
  // From a job's writer: counts a line; false when the job was cancelled.
  bool count_line(const std::string& job_id);

  const ExportSettings settings_;
  const Clock& clock_;
  std::mutex mutex_;  // guards jobs_
  std::map<std::string, Job, std::less<>> jobs_;
};

}  // namespace vigie::lifecycle
