#include "lifecycle/package.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/hex.hpp"
#include "fhir/resource_types.hpp"

namespace vigie::lifecycle {

namespace {

namespace json = boost::json;

constexpr size_t kSealedKeyBytes = 80;  // crypto_box_SEALBYTES + the 32-byte stream key
constexpr size_t kHeadBytes = kPackageMagic.size() + kSealedKeyBytes + crypto::kStreamHeaderBytes;
constexpr size_t kTrailerBytes = 4;

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::array<uint8_t, 4> big_endian(uint32_t value) {
  return {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
          static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

uint32_t read_big_endian(std::span<const uint8_t> bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

tl::unexpected<Error> altered(std::string_view french, std::string_view english) {
  return fail(
      ErrorCode::kIntegrity,
      fmt::format("paquet refusé : {} (fichier altéré ou qui n'est pas un paquet vigie)", french),
      fmt::format("package refused: {} (altered file, or not a vigie package)", english));
}

// Where a package's bytes are read from: a file (seekable, possibly large) or memory (fuzzing).
class Source {
 public:
  virtual ~Source() = default;
  [[nodiscard]] virtual uint64_t size() const = 0;
  // Exactly `out.size()` bytes at `offset`, or false.
  [[nodiscard]] virtual bool read(uint64_t offset, std::span<uint8_t> out) = 0;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read(uint64_t offset, std::span<uint8_t> out) override {
    if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
      return false;
    }
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
};

class FileSource final : public Source {
 public:
  static Result<std::unique_ptr<FileSource>> open(const std::filesystem::path& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      return fail(ErrorCode::kNotFound, fmt::format("{} : paquet introuvable", path.string()),
                  fmt::format("{}: no such package", path.string()));
    }
    auto source = std::unique_ptr<FileSource>(new FileSource(file));
    struct stat info {};
    if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
      return fail(ErrorCode::kInvalidInput,
                  fmt::format("{} : pas un fichier ordinaire", path.string()),
                  fmt::format("{}: not a regular file", path.string()));
    }
    source->size_ = static_cast<uint64_t>(info.st_size);
    return source;
  }
  ~FileSource() override { std::fclose(file_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, std::span<uint8_t> out) override {
    if (offset > size_ || out.size() > size_ - offset) {
      return false;
    }
    if (offset != position_ && fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0) {
      return false;
    }
    const bool whole = std::fread(out.data(), 1, out.size(), file_) == out.size();
    position_ = whole ? offset + out.size() : UINT64_MAX;
    return whole;
  }

 private:
  explicit FileSource(std::FILE* file) : file_(file) {}
  std::FILE* file_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
};

// A package whose structure and signature hold: its manifest and where its stream lies.
struct Verified {
  Manifest manifest;
  uint64_t stream_end = 0;  // the offset of the manifest, where the messages end
  std::string text;         // the manifest as signed
  std::array<uint8_t, crypto::kSignatureBytes> signature{};
};

Result<Verified> verify_source(Source& source, std::optional<std::string_view> expected_identity) {
  const uint64_t size = source.size();
  if (size < kHeadBytes + kTrailerBytes) {
    return altered("trop court", "too short");
  }
  std::array<uint8_t, kPackageMagic.size()> magic{};
  if (!source.read(0, magic) || !std::equal(magic.begin(), magic.end(), kPackageMagic.begin())) {
    return altered("en-tête inconnu", "unknown header");
  }
  std::array<uint8_t, kTrailerBytes> trailer{};
  if (!source.read(size - kTrailerBytes, trailer)) {
    return altered("illisible", "unreadable");
  }
  const uint64_t block = read_big_endian(trailer);
  if (block <= crypto::kSignatureBytes || block > kMaxManifestBytes + crypto::kSignatureBytes ||
      block > size - kTrailerBytes - kHeadBytes) {
    return altered("manifeste mal placé", "manifest out of place");
  }
  const uint64_t manifest_offset = size - kTrailerBytes - block;
  std::string text(block - crypto::kSignatureBytes, '\0');
  std::array<uint8_t, crypto::kSignatureBytes> signature{};
  if (!source.read(manifest_offset,
                   std::span(reinterpret_cast<uint8_t*>(text.data()), text.size())) ||
      !source.read(manifest_offset + text.size(), signature)) {
    return altered("illisible", "unreadable");
  }
  auto manifest = parse_manifest(text);
  if (!manifest) {
    return tl::unexpected(manifest.error());
  }
  const auto identity = from_hex(manifest->vault_identity, crypto::kSigningPublicKeyBytes);
  if (!identity) {
    return altered("identité du coffre illisible", "unreadable vault identity");
  }
  if (expected_identity && *expected_identity != manifest->vault_identity) {
    return fail(ErrorCode::kIntegrity,
                "paquet refusé : signé par un autre coffre que celui attendu",
                "package refused: signed by another vault than the one expected");
  }
  if (!crypto::verify_signature(*identity, manifest_signed_bytes(text), signature)) {
    return altered("signature invalide", "invalid signature");
  }
  // The signature holds: the hash of the sealed part, stated in the manifest, must be the file's.
  crypto::Sha256 hash;
  std::vector<uint8_t> buffer(size_t{1} << 20);
  for (uint64_t offset = 0; offset < manifest_offset;) {
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(buffer.size(), manifest_offset - offset));
    if (!source.read(offset, std::span(buffer.data(), take))) {
      return altered("illisible", "unreadable");
    }
    hash.update(std::span<const uint8_t>(buffer.data(), take));
    offset += take;
  }
  if (to_hex(hash.finish()) != manifest->sealed_sha256) {
    return altered("contenu scellé modifié", "sealed content modified");
  }
  return Verified{std::move(*manifest), manifest_offset, std::move(text), signature};
}

// Decrypts the stream of a verified package, handing each line to `line(file_index, text)`;
// kIntegrity when a message fails or the stream does not end exactly where the manifest begins.
template <typename Line>
Result<void> read_stream(Source& source, const Verified& verified, std::span<const uint8_t> key,
                         Line&& line) {
  std::array<uint8_t, crypto::kStreamHeaderBytes> header{};
  if (!source.read(kPackageMagic.size() + kSealedKeyBytes, header)) {
    return altered("illisible", "unreadable");
  }
  auto opener = crypto::StreamOpener::start(key, header);
  if (!opener) {
    return altered("flux refusé", "stream refused");
  }
  uint64_t offset = kHeadBytes;
  std::vector<uint8_t> sealed;
  bool ended = false;
  while (!ended) {
    std::array<uint8_t, 4> length_bytes{};
    if (offset + 4 > verified.stream_end || !source.read(offset, length_bytes)) {
      return altered("flux tronqué", "stream truncated");
    }
    offset += 4;
    const uint32_t length = read_big_endian(length_bytes);
    if (length < crypto::kStreamMessageOverhead ||
        length > kMaxMessageBytes + 1 + crypto::kStreamMessageOverhead ||
        length > verified.stream_end - offset) {
      return altered("message mal formé", "malformed message");
    }
    sealed.resize(length);
    if (!source.read(offset, sealed)) {
      return altered("illisible", "unreadable");
    }
    offset += length;
    auto message = opener->open(sealed);
    if (!message) {
      return altered("message scellé refusé", "sealed message refused");
    }
    ended = message->final;
    if (ended) {
      if (!message->plaintext.empty()) {
        return altered("fin de flux mal formée", "malformed end of stream");
      }
      break;
    }
    if (message->plaintext.empty() || message->plaintext[0] >= verified.manifest.files.size() ||
        message->plaintext.back() != '\n') {
      return altered("message mal formé", "malformed message");
    }
    const std::string_view text(reinterpret_cast<const char*>(message->plaintext.data()) + 1,
                                message->plaintext.size() - 1);
    if (auto handled = line(message->plaintext[0], text); !handled) {
      return handled;
    }
  }
  if (offset != verified.stream_end) {
    return altered("données après la fin du flux", "data after the end of the stream");
  }
  return {};
}

Result<crypto::SecretBytes> file_key(Source& source, const crypto::BoxKeyPair& recipient) {
  std::array<uint8_t, kSealedKeyBytes> sealed{};
  if (!source.read(kPackageMagic.size(), sealed)) {
    return altered("illisible", "unreadable");
  }
  auto key = crypto::open_from_sender(recipient, sealed);
  if (!key || key->size() != crypto::kStreamKeyBytes) {
    return fail(ErrorCode::kUnlockFailed,
                "cette clé n'ouvre pas ce paquet (scellé pour un autre destinataire)",
                "this key does not open this package (sealed for another recipient)");
  }
  auto secret = crypto::SecretBytes::copy_of(*key);
  crypto::wipe(*key);
  return secret;
}

// Every file's count and hash, recomputed from the stream.
struct Recount {
  std::vector<crypto::Sha256> hashes;
  std::vector<int64_t> counts;
};

Result<void> check_recount(Recount& recount, const Manifest& manifest) {
  for (size_t i = 0; i < manifest.files.size(); ++i) {
    if (recount.counts[i] != manifest.files[i].count ||
        to_hex(recount.hashes[i].finish()) != manifest.files[i].sha256) {
      return altered(fmt::format("{} ne correspond pas au manifeste", manifest.files[i].name),
                     fmt::format("{} does not match the manifest", manifest.files[i].name));
    }
  }
  return {};
}

// Writes `text` to the new file `path` (mode 0600), synced.
Result<void> write_new_file(const std::filesystem::path& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  std::FILE* output = fd < 0 ? nullptr : fdopen(fd, "wb");
  if (output == nullptr) {
    if (fd >= 0) {
      ::close(fd);
    }
    return fail(ErrorCode::kInternal, fmt::format("impossible d'écrire {}", path.string()),
                fmt::format("cannot write {}", path.string()));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), output) == text.size() &&
                       std::fflush(output) == 0 && fsync(fileno(output)) == 0;
  if (std::fclose(output) != 0 || !written) {
    return fail(ErrorCode::kInternal, fmt::format("impossible d'écrire {}", path.string()),
                fmt::format("cannot write {}", path.string()));
  }
  return {};
}

// The contents of a regular file of at most `limit` bytes; kInvalidInput otherwise.
Result<std::string> read_small_file(const std::filesystem::path& path, size_t limit) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return fail(ErrorCode::kInvalidInput, "not a regular file");
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > limit) {
    return fail(ErrorCode::kInvalidInput, "unreadable or too large");
  }
  std::ifstream input(path, std::ios::binary);
  std::string contents(static_cast<size_t>(size), '\0');
  if (!input.read(contents.data(), static_cast<std::streamsize>(contents.size())) ||
      input.peek() != std::char_traits<char>::eof()) {
    return fail(ErrorCode::kInvalidInput, "unreadable");
  }
  return contents;
}

}  // namespace

std::string manifest_text(const Manifest& manifest) {
  json::object object;
  object["format"] = manifest.format;
  object["job"] = manifest.job_id;
  object["purpose"] = manifest.purpose;
  json::array types;
  for (const std::string& type : manifest.types) {
    types.emplace_back(type);
  }
  object["types"] = std::move(types);
  json::array fields;
  for (const std::string& field : manifest.fields) {
    fields.emplace_back(field);
  }
  object["fields"] = std::move(fields);
  object["patients"] = manifest.patient_count;
  json::array files;
  for (const PackageFile& file : manifest.files) {
    json::object item;
    item["type"] = file.type;
    item["name"] = file.name;
    item["count"] = file.count;
    item["sha256"] = file.sha256;
    files.push_back(std::move(item));
  }
  object["files"] = std::move(files);
  object["created_ms"] = manifest.created_ms;
  object["expires_ms"] = manifest.expires_ms;
  object["vault_identity"] = manifest.vault_identity;
  object["recipient"] = manifest.recipient;
  object["sealed_sha256"] = manifest.sealed_sha256;
  return json::serialize(object);
}

Result<Manifest> parse_manifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    return altered("manifeste trop grand", "manifest too large");
  }
  boost::system::error_code error;
  json::parse_options options;
  options.max_depth = 8;
  json::value value = json::parse(text, error, {}, options);
  if (error || !value.is_object()) {
    return altered("manifeste illisible", "unreadable manifest");
  }
  const json::object& object = value.get_object();
  const std::set<std::string_view> members = {
      "format", "job",        "purpose",    "types",          "fields",    "patients",
      "files",  "created_ms", "expires_ms", "vault_identity", "recipient", "sealed_sha256"};
  if (object.size() != members.size()) {
    return altered("manifeste incomplet", "incomplete manifest");
  }
  for (const auto& member : object) {
    if (!members.contains(member.key())) {
      return altered("membre inconnu dans le manifeste", "unknown member in the manifest");
    }
  }
  const auto string_of = [&](std::string_view key) -> const json::string* {
    const json::value* found = object.if_contains(key);
    return found != nullptr ? found->if_string() : nullptr;
  };
  const auto integer_of = [&](std::string_view key) -> std::optional<int64_t> {
    const json::value* found = object.if_contains(key);
    if (found == nullptr || !found->is_int64()) {
      return std::nullopt;
    }
    return found->get_int64();
  };
  const auto strings_of = [&](std::string_view key) -> std::optional<std::vector<std::string>> {
    const json::value* found = object.if_contains(key);
    if (found == nullptr || !found->is_array() || found->get_array().size() > kMaxPackageFiles) {
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const json::value& item : found->get_array()) {
      if (!item.is_string()) {
        return std::nullopt;
      }
      out.emplace_back(item.get_string());
    }
    return out;
  };
  Manifest manifest;
  const auto format = integer_of("format");
  const auto patients = integer_of("patients");
  const auto created = integer_of("created_ms");
  const auto expires = integer_of("expires_ms");
  auto types = strings_of("types");
  auto fields = strings_of("fields");
  const json::string* job = string_of("job");
  const json::string* purpose = string_of("purpose");
  const json::string* identity = string_of("vault_identity");
  const json::string* recipient = string_of("recipient");
  const json::string* sealed = string_of("sealed_sha256");
  if (!format || *format != kPackageFormat || !patients || *patients < 0 || !created || !expires ||
      !types || !fields || job == nullptr || purpose == nullptr || identity == nullptr ||
      recipient == nullptr || sealed == nullptr) {
    return altered("manifeste mal formé", "malformed manifest");
  }
  manifest.job_id = *job;
  manifest.purpose = *purpose;
  manifest.types = std::move(*types);
  manifest.fields = std::move(*fields);
  manifest.patient_count = *patients;
  manifest.created_ms = *created;
  manifest.expires_ms = *expires;
  manifest.vault_identity = *identity;
  manifest.recipient = *recipient;
  manifest.sealed_sha256 = *sealed;
  if (!from_hex(manifest.vault_identity, crypto::kSigningPublicKeyBytes) ||
      !from_hex(manifest.recipient, crypto::kBoxPublicKeyBytes) ||
      !from_hex(manifest.sealed_sha256, crypto::kSha256Bytes)) {
    return altered("clé ou empreinte mal formée", "malformed key or hash");
  }
  const json::value* files = object.if_contains("files");
  if (files == nullptr || !files->is_array() || files->get_array().size() > kMaxPackageFiles) {
    return altered("liste de fichiers mal formée", "malformed file list");
  }
  std::set<std::string> names;
  for (const json::value& item : files->get_array()) {
    const json::object* file = item.if_object();
    if (file == nullptr || file->size() != 4) {
      return altered("fichier mal décrit", "malformed file entry");
    }
    const json::value* type = file->if_contains("type");
    const json::value* name = file->if_contains("name");
    const json::value* count = file->if_contains("count");
    const json::value* sha = file->if_contains("sha256");
    if (type == nullptr || !type->is_string() || name == nullptr || !name->is_string() ||
        count == nullptr || !count->is_int64() || count->get_int64() < 0 || sha == nullptr ||
        !sha->is_string()) {
      return altered("fichier mal décrit", "malformed file entry");
    }
    PackageFile entry{std::string(type->get_string()), std::string(name->get_string()),
                      count->get_int64(), std::string(sha->get_string())};
    if (!fhir::is_known_resource_type(entry.type) || entry.name != entry.type + ".ndjson" ||
        !names.insert(entry.name).second || !from_hex(entry.sha256, crypto::kSha256Bytes)) {
      return altered("fichier mal décrit", "malformed file entry");
    }
    manifest.files.push_back(std::move(entry));
  }
  if (manifest.files.empty() || manifest.types.size() != manifest.files.size()) {
    return altered("liste de fichiers mal formée", "malformed file list");
  }
  for (size_t i = 0; i < manifest.files.size(); ++i) {
    if (manifest.types[i] != manifest.files[i].type) {
      return altered("liste de fichiers mal formée", "malformed file list");
    }
  }
  return manifest;
}

std::vector<uint8_t> manifest_signed_bytes(std::string_view text) {
  std::vector<uint8_t> bytes(kManifestSignatureContext.begin(), kManifestSignatureContext.end());
  bytes.push_back(0);
  bytes.insert(bytes.end(), text.begin(), text.end());
  return bytes;
}

Result<std::unique_ptr<PackageWriter>> PackageWriter::create(
    const std::filesystem::path& path, std::span<const uint8_t> recipient,
    const std::vector<std::string>& types) {
  if (types.empty() || types.size() > kMaxPackageFiles) {
    return fail(ErrorCode::kUsage, "entre 1 et 256 types de ressources",
                "between 1 and 256 resource types");
  }
  auto writer = std::unique_ptr<PackageWriter>(new PackageWriter());
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    return fail(
        ErrorCode::kConflict,
        fmt::format("{} existe déjà : un paquet n'en écrase jamais un autre", path.string()),
        fmt::format("{} exists already: a package never overwrites a file", path.string()));
  }
  writer->path_ = path;
  writer->partial_ = path.string() + ".partial";
  const int fd = ::open(writer->partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(
        ErrorCode::kConflict,
        fmt::format("impossible de créer {} (existe-t-il déjà ?)", writer->partial_.string()),
        fmt::format("cannot create {} (does it exist already?)", writer->partial_.string()));
  }
  writer->file_ = fdopen(fd, "wb");
  if (writer->file_ == nullptr) {
    ::close(fd);
    return fail(ErrorCode::kInternal, "impossible d'écrire le paquet", "cannot write the package");
  }
  for (const std::string& type : types) {
    writer->files_.push_back(PackageFile{type, type + ".ndjson", 0, ""});
    writer->file_hashes_.emplace_back();
  }
  writer->recipient_.assign(recipient.begin(), recipient.end());
  crypto::SecretBytes key = crypto::new_stream_key();
  auto sealed = crypto::seal_to_recipient(recipient, key.view());
  if (!sealed || sealed->size() != kSealedKeyBytes) {
    return fail(ErrorCode::kInvalidInput, "clé publique du destinataire invalide",
                "invalid recipient public key");
  }
  writer->sealer_ = std::make_unique<crypto::StreamSealer>(key.view());
  for (auto bytes : {bytes_of(kPackageMagic), std::span<const uint8_t>(*sealed),
                     std::span<const uint8_t>(writer->sealer_->header())}) {
    if (auto written = writer->write(bytes); !written) {
      return tl::unexpected(written.error());
    }
  }
  return writer;
}

PackageWriter::~PackageWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
  if (!committed_ && !partial_.empty()) {
    std::error_code error;
    std::filesystem::remove(partial_, error);
  }
}

Result<void> PackageWriter::write(std::span<const uint8_t> bytes) {
  if (file_ == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return fail(ErrorCode::kInternal, "écriture du paquet impossible (disque plein ?)",
                "cannot write the package (disk full?)");
  }
  sealed_hash_.update(bytes);
  whole_hash_.update(bytes);
  return {};
}

Result<void> PackageWriter::add(size_t file_index, std::string_view line) {
  if (file_index >= files_.size() || line.size() + 1 > kMaxMessageBytes ||
      line.find('\n') != std::string_view::npos) {
    return fail(ErrorCode::kInternal, "ligne de paquet invalide (erreur de programmation)",
                "invalid package line (programming error)");
  }
  std::vector<uint8_t> plaintext;
  plaintext.reserve(line.size() + 2);
  plaintext.push_back(static_cast<uint8_t>(file_index));
  plaintext.insert(plaintext.end(), line.begin(), line.end());
  plaintext.push_back('\n');
  file_hashes_[file_index].update(std::span<const uint8_t>(plaintext).subspan(1));
  ++files_[file_index].count;
  std::vector<uint8_t> sealed = sealer_->seal(plaintext, false);
  crypto::wipe(plaintext);
  if (auto written = write(big_endian(static_cast<uint32_t>(sealed.size()))); !written) {
    return written;
  }
  return write(sealed);
}

Result<Manifest> PackageWriter::finish(Manifest manifest, const crypto::SecretBytes& signing_key) {
  std::vector<uint8_t> last = sealer_->seal({}, true);
  if (auto written = write(big_endian(static_cast<uint32_t>(last.size()))); !written) {
    return tl::unexpected(written.error());
  }
  if (auto written = write(last); !written) {
    return tl::unexpected(written.error());
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    files_[i].sha256 = to_hex(file_hashes_[i].finish());
  }
  manifest.format = kPackageFormat;
  manifest.types.clear();
  for (const PackageFile& file : files_) {
    manifest.types.push_back(file.type);
  }
  manifest.files = files_;
  manifest.recipient = to_hex(recipient_);
  manifest.vault_identity = to_hex(crypto::signing_public_key(signing_key));
  manifest.sealed_sha256 = to_hex(sealed_hash_.finish());
  const std::string text = manifest_text(manifest);
  const auto signature = crypto::sign(signing_key, manifest_signed_bytes(text));
  const auto trailer = big_endian(static_cast<uint32_t>(text.size() + signature.size()));
  for (auto bytes :
       {bytes_of(text), std::span<const uint8_t>(signature), std::span<const uint8_t>(trailer)}) {
    if (file_ == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      return fail(ErrorCode::kInternal, "écriture du paquet impossible (disque plein ?)",
                  "cannot write the package (disk full?)");
    }
    whole_hash_.update(bytes);
  }
  package_sha256_ = to_hex(whole_hash_.finish());
  const bool flushed = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    return fail(ErrorCode::kInternal, "écriture du paquet impossible (disque plein ?)",
                "cannot write the package (disk full?)");
  }
  return manifest;
}

Result<void> PackageWriter::commit() {
  if (package_sha256_.empty() || committed_) {
    return fail(ErrorCode::kInternal, "paquet non terminé (erreur de programmation)",
                "package not finished (programming error)");
  }
  std::error_code error;
  if (std::filesystem::exists(path_, error)) {
    return fail(ErrorCode::kConflict, fmt::format("{} existe déjà", path_.string()),
                fmt::format("{} exists already", path_.string()));
  }
  std::filesystem::rename(partial_, path_, error);
  if (error) {
    return fail(ErrorCode::kInternal, "impossible de nommer le paquet", "cannot name the package");
  }
  committed_ = true;
  return {};
}

Result<Manifest> verify_package_bytes(std::span<const uint8_t> bytes,
                                      std::optional<std::string_view> expected_identity) {
  MemorySource source(bytes);
  auto verified = verify_source(source, expected_identity);
  if (!verified) {
    return tl::unexpected(verified.error());
  }
  return std::move(verified->manifest);
}

Result<Manifest> verify_package(const std::filesystem::path& path,
                                std::optional<std::string_view> expected_identity) {
  auto source = FileSource::open(path);
  if (!source) {
    return tl::unexpected(source.error());
  }
  auto verified = verify_source(**source, expected_identity);
  if (!verified) {
    return tl::unexpected(verified.error());
  }
  return std::move(verified->manifest);
}

Result<Manifest> open_package(const std::filesystem::path& path,
                              const crypto::BoxKeyPair& recipient,
                              std::optional<std::string_view> expected_identity, int64_t now_ms,
                              const std::filesystem::path& out_dir) {
  auto source = FileSource::open(path);
  if (!source) {
    return tl::unexpected(source.error());
  }
  auto verified = verify_source(**source, expected_identity);
  if (!verified) {
    return tl::unexpected(verified.error());
  }
  const Manifest& manifest = verified->manifest;
  if (now_ms >= manifest.expires_ms) {
    return fail(ErrorCode::kPermissionDenied,
                "paquet expiré : il ne s'ouvre plus ; demandez-en un nouveau à son émetteur",
                "package expired: it no longer opens; ask its sender for a new one");
  }
  if (to_hex(recipient.public_key) != manifest.recipient) {
    return fail(ErrorCode::kUnlockFailed,
                "cette clé n'ouvre pas ce paquet (scellé pour un autre destinataire)",
                "this key does not open this package (sealed for another recipient)");
  }
  auto key = file_key(**source, recipient);
  if (!key) {
    return tl::unexpected(key.error());
  }
  const auto fresh_recount = [&] {
    Recount recount;
    recount.hashes.resize(manifest.files.size());
    recount.counts.assign(manifest.files.size(), 0);
    return recount;
  };
  // First pass: everything is checked, nothing written.
  Recount first = fresh_recount();
  if (auto read = read_stream(**source, *verified, key->view(),
                              [&](size_t index, std::string_view line) -> Result<void> {
                                first.hashes[index].update(line);
                                ++first.counts[index];
                                return {};
                              });
      !read) {
    return tl::unexpected(read.error());
  }
  if (auto checked = check_recount(first, manifest); !checked) {
    return tl::unexpected(checked.error());
  }
  // Second pass: the files are written, and checked again; any failure removes them all.
  std::error_code error;
  if (std::filesystem::exists(out_dir, error) && !std::filesystem::is_empty(out_dir, error)) {
    return fail(ErrorCode::kConflict, fmt::format("{} existe et n'est pas vide", out_dir.string()),
                fmt::format("{} exists and is not empty", out_dir.string()));
  }
  std::filesystem::create_directories(out_dir, error);
  std::filesystem::permissions(out_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  if (error) {
    return fail(ErrorCode::kInternal, fmt::format("impossible de créer {}", out_dir.string()),
                fmt::format("cannot create {}", out_dir.string()));
  }
  std::vector<std::FILE*> outputs;
  const auto remove_outputs = [&] {
    for (std::FILE* output : outputs) {
      if (output != nullptr) {
        std::fclose(output);
      }
    }
    outputs.clear();
    for (const PackageFile& file : manifest.files) {
      std::filesystem::remove(out_dir / file.name, error);
    }
  };
  for (const PackageFile& file : manifest.files) {
    const std::filesystem::path target = out_dir / file.name;
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    std::FILE* output = fd < 0 ? nullptr : fdopen(fd, "wb");
    if (output == nullptr) {
      if (fd >= 0) {
        ::close(fd);
      }
      remove_outputs();
      return fail(ErrorCode::kInternal, fmt::format("impossible d'écrire {}", target.string()),
                  fmt::format("cannot write {}", target.string()));
    }
    outputs.push_back(output);
  }
  Recount second = fresh_recount();
  auto written = read_stream(
      **source, *verified, key->view(), [&](size_t index, std::string_view line) -> Result<void> {
        second.hashes[index].update(line);
        ++second.counts[index];
        if (std::fwrite(line.data(), 1, line.size(), outputs[index]) != line.size()) {
          return fail(ErrorCode::kInternal, "écriture impossible (disque plein ?)",
                      "cannot write (disk full?)");
        }
        return {};
      });
  if (written) {
    written = check_recount(second, manifest);
  }
  for (std::FILE*& output : outputs) {
    const bool flushed = std::fflush(output) == 0 && fsync(fileno(output)) == 0;
    if (std::fclose(output) != 0 || !flushed) {
      if (written) {
        written = fail(ErrorCode::kInternal, "écriture impossible (disque plein ?)",
                       "cannot write (disk full?)");
      }
    }
    output = nullptr;
  }
  // The signed manifest goes with the files, so that `vigie import` checks them against it.
  if (written) {
    written = write_new_file(out_dir / kOpenedManifestName, verified->text);
  }
  if (written) {
    written = write_new_file(out_dir / kOpenedSignatureName, to_hex(verified->signature) + "\n");
  }
  if (!written) {
    remove_outputs();
    std::filesystem::remove(out_dir / kOpenedManifestName, error);
    return tl::unexpected(written.error());
  }
  return manifest;
}

Result<Manifest> check_opened_package(const std::filesystem::path& dir) {
  auto refused = [&](std::string_view french, std::string_view english) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("{} : paquet ouvert refusé, {}", dir.string(), french),
                fmt::format("{}: opened package refused, {}", dir.string(), english));
  };
  auto text = read_small_file(dir / kOpenedManifestName, kMaxManifestBytes);
  auto signature_text =
      read_small_file(dir / kOpenedSignatureName, 2 * crypto::kSignatureBytes + 1);
  if (!text || !signature_text) {
    return refused("manifeste ou signature absents (ouvrez-le avec vigie export open)",
                   "manifest or signature missing (open it with vigie export open)");
  }
  std::array<uint8_t, crypto::kSignatureBytes> signature{};
  if (!signature_text->ends_with('\n') ||
      !from_hex(std::string_view(*signature_text).substr(0, signature_text->size() - 1),
                signature)) {
    return refused("signature illisible", "unreadable signature");
  }
  auto manifest = parse_manifest(*text);
  if (!manifest) {
    return refused("manifeste malformé", "malformed manifest");
  }
  const auto identity = from_hex(manifest->vault_identity, crypto::kSigningPublicKeyBytes);
  if (!identity || !crypto::verify_signature(*identity, manifest_signed_bytes(*text), signature)) {
    return refused("signature du manifeste invalide", "the manifest's signature is invalid");
  }
  std::set<std::string> expected{std::string(kOpenedManifestName),
                                 std::string(kOpenedSignatureName)};
  for (const PackageFile& file : manifest->files) {
    expected.insert(file.name);
  }
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(dir, error)) {
    if (!expected.contains(item.path().filename().string())) {
      return refused("un fichier que le manifeste ne liste pas s'y trouve",
                     "it holds a file that the manifest does not list");
    }
  }
  if (error) {
    return refused("répertoire illisible", "unreadable directory");
  }
  for (const PackageFile& file : manifest->files) {
    if (auto contents = read_opened_file(dir, file); !contents) {
      return tl::unexpected(contents.error());
    }
  }
  return manifest;
}

Result<std::string> read_opened_file(const std::filesystem::path& dir, const PackageFile& file) {
  const std::filesystem::path path = dir / file.name;
  auto contents = read_small_file(path, std::numeric_limits<size_t>::max());
  if (!contents) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("{} : fichier du paquet absent ou illisible", path.string()),
                fmt::format("{}: package file missing or unreadable", path.string()));
  }
  const auto lines = std::count(contents->begin(), contents->end(), '\n');
  crypto::Sha256 hash;
  hash.update(*contents);
  if (lines != file.count || (!contents->empty() && contents->back() != '\n') ||
      to_hex(hash.finish()) != file.sha256) {
    return fail(
        ErrorCode::kIntegrity,
        fmt::format("{} ne correspond pas au manifeste (nombre de lignes ou SHA-256)",
                    path.string()),
        fmt::format("{} does not match the manifest (line count or SHA-256)", path.string()));
  }
  return contents;
}

}  // namespace vigie::lifecycle
