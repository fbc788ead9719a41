#include "lifecycle/bulk_export.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "common/hex.hpp"
#include "crypto/aead.hpp"

namespace vigie::lifecycle {

namespace {

// Bound into every chunk: the format, the job, the file, the chunk's index, whether it is last.
std::vector<uint8_t> chunk_associated_data(std::string_view job_id, std::string_view file,
                                           uint64_t index, bool last) {
  const std::string text =
      fmt::format("vigie-bulk-export-v1\n{}\n{}\n{}\n{}", job_id, file, index, last ? 1 : 0);
  return {text.begin(), text.end()};
}

Error write_failed() {
  return Error{ErrorCode::kInternal, "an export file could not be written",
               "un fichier d'export n'a pas pu être écrit"};
}

Error not_found() {
  return Error{ErrorCode::kNotFound, "no such export job or file",
               "aucune tâche ou aucun fichier d'export de ce nom"};
}

// A job's id: 128 random bits in hex, so that no one guesses another's status URL.
std::string new_job_id() {
  std::array<uint8_t, 16> bytes{};
  crypto::random_fill(bytes);
  return to_hex(bytes);
}

// A chunk holds less than kChunkBytes plus one line, and a line is one resource of at most a
// request body's size (16 MiB): anything larger is not a chunk this module wrote.
constexpr uint32_t kMaxChunkBytes = 64U * 1024 * 1024;

bool is_job_id(std::string_view id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

Result<void> ExportFiles::append(std::string_view type, ExportedResource resource,
                                 std::string_view line) {
  if (!jobs_->count_line(job_id_)) {
    return fail(ErrorCode::kGone, "tâche d'export annulée", "export job cancelled");
  }
  auto found = std::ranges::find_if(
      files_, [&](const File& file) { return !file.attachment && file.type == type; });
  if (found == files_.end()) {
    files_.push_back(
        File{std::string(type), std::string(type) + ".ndjson", 0, 0, {}, {}, false, {}});
    found = std::prev(files_.end());
  }
  found->pending.append(line);
  found->pending.push_back('\n');
  ++found->count;
  found->resources.push_back(std::move(resource));
  if (found->pending.size() >= kChunkBytes) {
    return seal_chunk(*found, false);
  }
  return {};
}

Result<void> ExportFiles::seal_chunk(File& file, bool last) {
  const std::vector<uint8_t> sealed = crypto::seal(
      *key_, std::span(reinterpret_cast<const uint8_t*>(file.pending.data()), file.pending.size()),
      chunk_associated_data(job_id_, file.name, file.chunks, last));
  crypto::wipe(std::span(reinterpret_cast<uint8_t*>(file.pending.data()), file.pending.size()));
  file.pending.clear();
  ++file.chunks;
  std::ofstream out(dir_ / file.name, std::ios::binary | std::ios::app);
  const auto size = static_cast<uint32_t>(sealed.size());
  const std::array<char, 4> length{static_cast<char>(size >> 24U), static_cast<char>(size >> 16U),
                                   static_cast<char>(size >> 8U), static_cast<char>(size)};
  out.write(length.data(), length.size());
  out.write(reinterpret_cast<const char*>(sealed.data()),
            static_cast<std::streamsize>(sealed.size()));
  out.close();
  if (!out) {
    return tl::unexpected(write_failed());
  }
  return {};
}

Result<std::string> ExportFiles::attach(std::string_view type, ExportedResource resource,
                                        std::string content_type, std::span<const uint8_t> bytes) {
  if (!jobs_->count_line(job_id_)) {
    return fail(ErrorCode::kGone, "tâche d'export annulée", "export job cancelled");
  }
  ++attachments_;
  File file{std::string(type),
            fmt::format("attachment-{}.bin", attachments_),
            1,
            0,
            {std::move(resource)},
            {},
            true,
            std::move(content_type)};
  // In chunks of at most kChunkBytes, the last one marked last (an empty one for no bytes).
  size_t offset = 0;
  do {
    const size_t size = std::min(kChunkBytes, bytes.size() - offset);
    file.pending.assign(reinterpret_cast<const char*>(bytes.data()) + offset, size);
    offset += size;
    if (auto sealed = seal_chunk(file, offset == bytes.size()); !sealed) {
      return tl::unexpected(sealed.error());
    }
  } while (offset < bytes.size());
  std::string name = file.name;
  files_.push_back(std::move(file));
  return name;
}

Result<std::vector<ExportOutput>> ExportFiles::finish() {
  std::vector<ExportOutput> outputs;
  for (File& file : files_) {
    if (!file.attachment) {
      if (auto sealed = seal_chunk(file, true); !sealed) {
        return tl::unexpected(sealed.error());
      }
    }
    outputs.push_back(ExportOutput{
        file.type, file.name, file.count, file.attachment, std::move(file.content_type),
        std::make_shared<const std::vector<ExportedResource>>(std::move(file.resources))});
  }
  return outputs;
}

Result<std::unique_ptr<ExportJobs>> ExportJobs::open(ExportSettings settings, const Clock& clock) {
  std::error_code error;
  std::filesystem::remove_all(settings.dir, error);
  std::filesystem::create_directories(settings.dir, error);
  if (!error) {
    std::filesystem::permissions(settings.dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, error);
  }
  if (error) {
    return fail(ErrorCode::kInternal, "le dossier des exports n'a pas pu être créé",
                "the export directory could not be made");
  }
  return std::unique_ptr<ExportJobs>(new ExportJobs(std::move(settings), clock));
}

ExportJobs::~ExportJobs() {
  std::error_code ignored;
  std::filesystem::remove_all(settings_.dir, ignored);
}

std::filesystem::path ExportJobs::dir_of(std::string_view job_id) const {
  return settings_.dir / std::string(job_id);
}

void ExportJobs::sweep_locked(int64_t now_ms) {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->second.state != ExportJobView::State::kRunning && it->second.expires_ms <= now_ms) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_of(it->first), ignored);
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t ExportJobs::active_locked() const {
  size_t active = 0;
  for (const auto& [id, job] : jobs_) {
    active += job.state == ExportJobView::State::kRunning ? 1 : 0;
  }
  return active;
}

Result<std::string> ExportJobs::reserve(std::string owner, std::string request_url,
                                        std::vector<std::string> ignored) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(clock_.now_ms());
  if (active_locked() >= settings_.max_jobs) {
    return fail(ErrorCode::kUnavailable, "trop de tâches d'export en cours, réessayez plus tard",
                "too many export jobs running, retry later");
  }
  std::string id = new_job_id();
  Job job;
  job.owner = std::move(owner);
  job.request_url = std::move(request_url);
  job.ignored = std::move(ignored);
  job.key =
      std::make_shared<const crypto::SecretBytes>(crypto::SecretBytes::random(crypto::kKeyBytes));
  job.transaction_time_ms = clock_.now_ms();
  jobs_.emplace(id, std::move(job));
  return id;
}

Result<ExportFiles> ExportJobs::start(const std::string& job_id) {
  std::shared_ptr<const crypto::SecretBytes> key;
  {
    const std::scoped_lock lock(mutex_);
    auto found = jobs_.find(job_id);
    if (found == jobs_.end()) {
      return tl::unexpected(not_found());
    }
    found->second.transaction_time_ms = clock_.now_ms();
    key = found->second.key;
  }
  std::error_code error;
  std::filesystem::create_directory(dir_of(job_id), error);
  if (error) {
    return tl::unexpected(write_failed());
  }
  return ExportFiles(*this, job_id, dir_of(job_id), std::move(key));
}

bool ExportJobs::count_line(const std::string& job_id) {
  const std::scoped_lock lock(mutex_);
  auto found = jobs_.find(job_id);
  if (found == jobs_.end() || found->second.cancelled) {
    return false;
  }
  ++found->second.resources_written;
  return true;
}

void ExportJobs::finish(const std::string& job_id, Result<std::vector<ExportOutput>> outputs) {
  const std::scoped_lock lock(mutex_);
  auto found = jobs_.find(job_id);
  if (found == jobs_.end()) {
    return;
  }
  Job& job = found->second;
  if (job.cancelled || !outputs) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_of(job_id), ignored);
  }
  if (job.cancelled) {
    jobs_.erase(found);
    return;
  }
  job.expires_ms = clock_.now_ms() + settings_.retention_ms;
  if (!outputs) {
    job.state = ExportJobView::State::kFailed;
    job.failure = outputs.error();
    return;
  }
  job.state = ExportJobView::State::kDone;
  job.outputs = std::move(*outputs);
}

void ExportJobs::discard(const std::string& job_id) {
  const std::scoped_lock lock(mutex_);
  jobs_.erase(job_id);
}

std::optional<ExportJobView> ExportJobs::view(std::string_view job_id, std::string_view owner) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(clock_.now_ms());
  auto found = jobs_.find(job_id);
  if (found == jobs_.end() || found->second.owner != owner || found->second.cancelled) {
    return std::nullopt;
  }
  const Job& job = found->second;
  return ExportJobView{job.state,       job.owner,
                       job.request_url, job.transaction_time_ms,
                       job.expires_ms,  job.resources_written,
                       job.outputs,     job.ignored,
                       job.failure};
}

bool ExportJobs::held_by_another(std::string_view job_id, std::string_view owner) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(clock_.now_ms());
  auto found = jobs_.find(job_id);
  return found != jobs_.end() && found->second.owner != owner && !found->second.cancelled;
}

bool ExportJobs::polled_too_soon(std::string_view job_id) {
  const std::scoped_lock lock(mutex_);
  auto found = jobs_.find(job_id);
  if (found == jobs_.end()) {
    return false;
  }
  const int64_t now = clock_.now_ms();
  if (found->second.last_poll_ms != 0 &&
      now - found->second.last_poll_ms < settings_.poll_interval_ms) {
    return true;
  }
  found->second.last_poll_ms = now;
  return false;
}

bool ExportJobs::remove(std::string_view job_id, std::string_view owner) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(clock_.now_ms());
  auto found = jobs_.find(job_id);
  if (found == jobs_.end() || found->second.owner != owner || found->second.cancelled) {
    return false;
  }
  if (found->second.state == ExportJobView::State::kRunning) {
    // Its thread deletes the files when it ends (finish()); the slot stays taken until then.
    found->second.cancelled = true;
    return true;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_of(job_id), ignored);
  jobs_.erase(found);
  return true;
}

Result<std::string> ExportJobs::open_file(const DecryptPass& /*pass*/, std::string_view job_id,
                                          std::string_view owner, std::string_view file) {
  std::shared_ptr<const crypto::SecretBytes> key;
  {
    const std::scoped_lock lock(mutex_);
    sweep_locked(clock_.now_ms());
    auto found = jobs_.find(job_id);
    if (!is_job_id(job_id) || found == jobs_.end() || found->second.owner != owner ||
        found->second.cancelled || found->second.state != ExportJobView::State::kDone ||
        std::ranges::find(found->second.outputs, file, &ExportOutput::file) ==
            found->second.outputs.end()) {
      return tl::unexpected(not_found());
    }
    key = found->second.key;
  }
  std::ifstream in(dir_of(job_id) / std::string(file), std::ios::binary);
  if (!in) {
    return tl::unexpected(not_found());
  }
  std::string text;
  for (uint64_t index = 0;; ++index) {
    std::array<unsigned char, 4> length{};
    if (!in.read(reinterpret_cast<char*>(length.data()), length.size())) {
      // The file ended without its last chunk: truncated.
      return fail(ErrorCode::kIntegrity, "fichier d'export altéré", "export file altered");
    }
    const uint32_t size = (uint32_t{length[0]} << 24U) | (uint32_t{length[1]} << 16U) |
                          (uint32_t{length[2]} << 8U) | uint32_t{length[3]};
    if (size < crypto::kSealOverhead || size > kMaxChunkBytes) {
      return fail(ErrorCode::kIntegrity, "fichier d'export altéré", "export file altered");
    }
    std::vector<uint8_t> sealed(size);
    if (!in.read(reinterpret_cast<char*>(sealed.data()), size)) {
      return fail(ErrorCode::kIntegrity, "fichier d'export altéré", "export file altered");
    }
    // The last chunk opens only with the associated data that says it is last.
    for (const bool last : {false, true}) {
      auto opened = crypto::open(*key, sealed, chunk_associated_data(job_id, file, index, last));
      if (opened) {
        text.append(opened->begin(), opened->end());
        crypto::wipe(*opened);
        if (last) {
          if (in.peek() != std::ifstream::traits_type::eof()) {
            return fail(ErrorCode::kIntegrity, "fichier d'export altéré", "export file altered");
          }
          return text;
        }
        break;
      }
      if (last) {
        return fail(ErrorCode::kIntegrity, "fichier d'export altéré", "export file altered");
      }
    }
  }
}

}  // namespace vigie::lifecycle
