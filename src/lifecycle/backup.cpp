#include "lifecycle/backup.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "audit/log.hpp"
#include "crypto/aead.hpp"
#include "store/sqlite/snapshot.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/transaction.hpp"

namespace vigie::lifecycle {

namespace {

constexpr uint8_t kDataChunk = 'D';
constexpr uint8_t kAuditChunk = 'A';
constexpr uint8_t kEndChunk = 'E';

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// An error in English then French (fail() takes French first).
tl::unexpected<Error> failure(ErrorCode code, std::string english, std::string french) {
  return fail(code, std::move(french), std::move(english));
}

tl::unexpected<Error> io_error(std::string_view what, const std::filesystem::path& path) {
  const int error = errno;
  return failure(ErrorCode::kInternal,
                 fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(error)),
                 fmt::format("impossible de traiter {} ({})", path.string(), std::strerror(error)));
}

// An open file descriptor, closed on destruction. Owned by one function at a time.
class File {
 public:
  // A new file, created exclusively with mode 0600.
  static Result<File> create(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) {
        return failure(
            ErrorCode::kConflict,
            fmt::format("{} exists already: a backup never overwrites a file", path.string()),
            fmt::format("{} existe déjà : une sauvegarde n'écrase jamais un fichier",
                        path.string()));
      }
      return io_error("create", path);
    }
    return File(fd, path);
  }
  static Result<File> open_for_reading(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) {
        return failure(ErrorCode::kNotFound, fmt::format("no file at {}", path.string()),
                       fmt::format("aucun fichier à {}", path.string()));
      }
      return io_error("open", path);
    }
    return File(fd, path);
  }

  File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}
  File& operator=(File&&) = delete;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  Result<void> write(std::span<const uint8_t> bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t wrote = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (wrote < 0) {
        if (errno == EINTR) {
          continue;
        }
        return io_error("write", path_);
      }
      done += static_cast<size_t>(wrote);
    }
    return {};
  }
  // Fills `out` unless the file ends first; returns how many bytes were read.
  Result<size_t> read(std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t got = ::read(fd_, out.data() + done, out.size() - done);
      if (got < 0) {
        if (errno == EINTR) {
          continue;
        }
        return io_error("read", path_);
      }
      if (got == 0) {
        break;
      }
      done += static_cast<size_t>(got);
    }
    return done;
  }
  Result<void> sync() {
    if (::fsync(fd_) != 0) {
      return io_error("sync", path_);
    }
    return {};
  }

 private:
  File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

// A private directory (mode 0700) made inside `parent`, removed with what it holds on
// destruction.
class ScratchDirectory {
 public:
  static Result<ScratchDirectory> make(const std::filesystem::path& parent) {
    std::string pattern = (parent / ".backup-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return io_error("create a directory in", parent);
    }
    return ScratchDirectory(pattern);
  }
  ScratchDirectory(ScratchDirectory&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDirectory& operator=(ScratchDirectory&&) = delete;
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Seals chunks of one kind into `out`.
class ChunkWriter {
 public:
  ChunkWriter(File& out, crypto::StreamSealer& sealer, std::span<const uint8_t> header)
      : out_(out), sealer_(sealer), header_(header) {}

  Result<void> put(uint8_t kind, std::span<const uint8_t> payload, bool final) {
    std::vector<uint8_t> plain;
    plain.reserve(1 + payload.size());
    plain.push_back(kind);
    plain.insert(plain.end(), payload.begin(), payload.end());
    const std::vector<uint8_t> sealed = sealer_.seal(plain, final, header_);
    std::array<uint8_t, 4> length{};
    for (size_t index = 0; index < length.size(); ++index) {
      length[index] = static_cast<uint8_t>(sealed.size() >> (8 * index));
    }
    if (auto wrote = out_.write(length); !wrote) {
      return wrote;
    }
    return out_.write(sealed);
  }

  // Streams the whole file at `path` as chunks of `kind`; returns its size.
  Result<uint64_t> put_file(uint8_t kind, const std::filesystem::path& path) {
    auto in = File::open_for_reading(path);
    if (!in) {
      return tl::unexpected(in.error());
    }
    std::vector<uint8_t> buffer(kChunkPayloadBytes);
    uint64_t total = 0;
    while (true) {
      auto got = in->read(buffer);
      if (!got) {
        return tl::unexpected(got.error());
      }
      if (*got == 0) {
        return total;
      }
      if (auto put_chunk = put(kind, std::span<const uint8_t>(buffer.data(), *got), false);
          !put_chunk) {
        return tl::unexpected(put_chunk.error());
      }
      total += *got;
    }
  }

 private:
  File& out_;
  crypto::StreamSealer& sealer_;
  std::span<const uint8_t> header_;
};

tl::unexpected<Error> refused_backup(std::string_view english, std::string_view french) {
  return failure(ErrorCode::kIntegrity, std::string(english), std::string(french));
}

tl::unexpected<Error> altered() {
  return refused_backup(
      "the backup does not open: altered, truncated, or sealed by another vault's keys",
      "la sauvegarde ne s'ouvre pas : modifiée, tronquée, ou scellée par les clés d'un autre "
      "coffre");
}

// Removes `path` unless told the work succeeded.
class RemoveUnlessKept {
 public:
  explicit RemoveUnlessKept(std::filesystem::path path) : path_(std::move(path)) {}
  RemoveUnlessKept(const RemoveUnlessKept&) = delete;
  RemoveUnlessKept& operator=(const RemoveUnlessKept&) = delete;
  ~RemoveUnlessKept() {
    if (!kept_) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

Result<void> sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return io_error("open", dir);
  }
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) {
    return io_error("sync", dir);
  }
  return {};
}

std::filesystem::path parent_of(const std::filesystem::path& path) {
  std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

Result<BackupSummary> write_data_backup(const std::filesystem::path& vault_dir,
                                        const crypto::SecretBytes& backup_key,
                                        const std::filesystem::path& out, int64_t now_ms) {
  auto scratch = ScratchDirectory::make(vault_dir);
  if (!scratch) {
    return tl::unexpected(scratch.error());
  }
  const std::filesystem::path data_copy = scratch->path() / "vault.db";
  const std::filesystem::path audit_copy = scratch->path() / "audit.db";
  // The data file first: its writes all have their intent in the audit file by then.
  if (auto copied = store::sqlite::snapshot_database(store::sqlite::data_file_path(vault_dir),
                                                     data_copy, "data file");
      !copied) {
    return tl::unexpected(copied.error());
  }
  if (auto copied = store::sqlite::snapshot_database(store::sqlite::audit_file_path(vault_dir),
                                                     audit_copy, "audit file");
      !copied) {
    return tl::unexpected(copied.error());
  }
  auto file = File::create(out);
  if (!file) {
    return tl::unexpected(file.error());
  }
  RemoveUnlessKept cleanup(out);
  const crypto::SecretBytes file_key = crypto::SecretBytes::random(crypto::kStreamKeyBytes);
  crypto::StreamSealer sealer(file_key.view());
  BackupHeader header;
  header.created_ms = now_ms;
  const std::vector<uint8_t> wrapped =
      crypto::wrap_key(backup_key.view(), file_key.view(), bytes_of(kFileKeyPurpose));
  if (wrapped.size() != kWrappedFileKeyBytes) {
    return fail(ErrorCode::kInternal, "unexpected size of a wrapped backup key");
  }
  std::copy(wrapped.begin(), wrapped.end(), header.wrapped_file_key.begin());
  header.stream_header = sealer.header();
  const std::vector<uint8_t> header_bytes = format_backup_header(header);
  if (auto wrote = file->write(header_bytes); !wrote) {
    return tl::unexpected(wrote.error());
  }
  ChunkWriter chunks(*file, sealer, header_bytes);
  BackupSummary summary;
  auto data_bytes = chunks.put_file(kDataChunk, data_copy);
  if (!data_bytes) {
    return tl::unexpected(data_bytes.error());
  }
  auto audit_bytes = chunks.put_file(kAuditChunk, audit_copy);
  if (!audit_bytes) {
    return tl::unexpected(audit_bytes.error());
  }
  summary.data_bytes = *data_bytes;
  summary.audit_bytes = *audit_bytes;
  std::vector<uint8_t> sizes;
  put_u64(sizes, summary.data_bytes);
  put_u64(sizes, summary.audit_bytes);
  if (auto ended = chunks.put(kEndChunk, sizes, true); !ended) {
    return tl::unexpected(ended.error());
  }
  if (auto synced = file->sync(); !synced) {
    return tl::unexpected(synced.error());
  }
  if (auto synced = sync_directory(parent_of(out)); !synced) {
    return tl::unexpected(synced.error());
  }
  cleanup.keep();
  return summary;
}

Result<BackupSummary> open_data_backup(const std::filesystem::path& backup,
                                       const crypto::SecretBytes& backup_key,
                                       const std::filesystem::path& vault_dir) {
  auto in = File::open_for_reading(backup);
  if (!in) {
    return tl::unexpected(in.error());
  }
  std::vector<uint8_t> header_bytes(kBackupHeaderBytes);
  auto got = in->read(header_bytes);
  if (!got) {
    return tl::unexpected(got.error());
  }
  header_bytes.resize(*got);
  auto header = parse_backup_header(header_bytes);
  if (!header) {
    return tl::unexpected(header.error());
  }
  auto file_key =
      crypto::unwrap_key(backup_key.view(), header->wrapped_file_key, bytes_of(kFileKeyPurpose));
  if (!file_key) {
    return altered();
  }
  auto opener = crypto::StreamOpener::start(file_key->view(), header->stream_header);
  if (!opener) {
    return altered();
  }
  const std::filesystem::path data_path = store::sqlite::data_file_path(vault_dir);
  const std::filesystem::path audit_path = store::sqlite::audit_file_path(vault_dir);
  auto data_file = File::create(data_path);
  if (!data_file) {
    return tl::unexpected(data_file.error());
  }
  RemoveUnlessKept data_cleanup(data_path);
  auto audit_file = File::create(audit_path);
  if (!audit_file) {
    return tl::unexpected(audit_file.error());
  }
  RemoveUnlessKept audit_cleanup(audit_path);
  BackupSummary summary;
  bool in_audit = false;
  std::vector<uint8_t> sealed;
  while (true) {
    std::array<uint8_t, 4> length_bytes{};
    auto length_read = in->read(length_bytes);
    if (!length_read) {
      return tl::unexpected(length_read.error());
    }
    if (*length_read != length_bytes.size()) {
      return altered();
    }
    uint32_t length = 0;
    for (size_t index = 0; index < length_bytes.size(); ++index) {
      length |= uint32_t{length_bytes[index]} << (8 * index);
    }
    if (length <= crypto::kStreamMessageOverhead || length > kMaxSealedChunkBytes) {
      return altered();
    }
    sealed.resize(length);
    auto chunk_read = in->read(sealed);
    if (!chunk_read) {
      return tl::unexpected(chunk_read.error());
    }
    if (*chunk_read != length) {
      return altered();
    }
    auto chunk = opener->open(sealed, header_bytes);
    if (!chunk) {
      return altered();
    }
    const uint8_t kind = chunk->plaintext.front();
    const std::span<const uint8_t> payload = std::span<const uint8_t>(chunk->plaintext).subspan(1);
    if (kind == kEndChunk) {
      if (!chunk->final || payload.size() != 16 || get_u64(payload) != summary.data_bytes ||
          get_u64(payload.subspan(8)) != summary.audit_bytes) {
        return altered();
      }
      break;
    }
    if (chunk->final || (kind != kDataChunk && kind != kAuditChunk) ||
        (kind == kDataChunk && in_audit)) {
      return altered();
    }
    in_audit = kind == kAuditChunk;
    File& target = in_audit ? *audit_file : *data_file;
    if (auto wrote = target.write(payload); !wrote) {
      return tl::unexpected(wrote.error());
    }
    (in_audit ? summary.audit_bytes : summary.data_bytes) += payload.size();
  }
  std::array<uint8_t, 1> trailing{};
  auto after = in->read(trailing);
  if (!after) {
    return tl::unexpected(after.error());
  }
  if (*after != 0) {
    return altered();
  }
  for (File* file : {&*data_file, &*audit_file}) {
    if (auto synced = file->sync(); !synced) {
      return tl::unexpected(synced.error());
    }
  }
  data_cleanup.keep();
  audit_cleanup.keep();
  return summary;
}

Result<void> write_keyring_backup(const std::filesystem::path& vault_dir,
                                  const std::filesystem::path& out) {
  if (auto copied = store::sqlite::snapshot_database(store::sqlite::keyring_file_path(vault_dir),
                                                     out, "keyring file");
      !copied) {
    return copied;
  }
  return sync_directory(parent_of(out));
}

Result<std::vector<store::ErasureLedgerEntry>> read_erasure_ledger(
    const std::filesystem::path& source) {
  std::error_code error;
  const std::filesystem::path keyring_file = std::filesystem::is_directory(source, error)
                                                 ? store::sqlite::keyring_file_path(source)
                                                 : source;
  auto keyring = store::sqlite::open_keyring_store(keyring_file, store::OpenMode::kOpenExisting);
  if (!keyring) {
    if (keyring.error().code == ErrorCode::kNotFound) {
      return failure(
          ErrorCode::kNotFound,
          fmt::format("no erasure ledger at {}: give the live vault's directory or a "
                      "keyring backup taken after the last erasure",
                      source.string()),
          fmt::format("aucun registre d'effacements à {} : donnez le répertoire du coffre "
                      "en service ou une sauvegarde du trousseau postérieure au dernier "
                      "effacement",
                      source.string()));
    }
    return tl::unexpected(keyring.error());
  }
  return (*keyring)->erasure_ledger();
}

Result<BackupSummary> unpack_backup(const std::filesystem::path& backup,
                                    const std::filesystem::path& keyring_file,
                                    const vault::UnlockSecret& secret,
                                    const std::filesystem::path& staging) {
  const std::filesystem::path keyring_copy = store::sqlite::keyring_file_path(staging);
  if (auto copied = store::sqlite::snapshot_database(keyring_file, keyring_copy, "keyring file");
      !copied) {
    return tl::unexpected(copied.error());
  }
  auto backup_key = vault::Vault::backup_key_from_keyring(keyring_copy, secret);
  if (!backup_key) {
    return tl::unexpected(backup_key.error());
  }
  auto summary = open_data_backup(backup, *backup_key, staging);
  if (!summary) {
    return summary;
  }
  auto data = store::sqlite::open_data_store(store::sqlite::data_file_path(staging),
                                             store::OpenMode::kOpenExisting);
  if (!data) {
    return tl::unexpected(data.error());
  }
  auto policy = audit::load_policy(**data);
  if (!policy) {
    return tl::unexpected(policy.error());
  }
  if (policy->external_file) {
    policy->external_file.reset();
    auto transaction = store::begin_transaction(**data);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    if (auto stored = audit::store_policy(**data, *policy); !stored) {
      return tl::unexpected(stored.error());
    }
    if (auto committed = transaction->commit_durable(); !committed) {
      return tl::unexpected(committed.error());
    }
  }
  return summary;
}

}  // namespace vigie::lifecycle
