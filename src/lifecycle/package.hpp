#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "crypto/secret_stream.hpp"
#include "crypto/sha256.hpp"
#include "crypto/signing.hpp"

// Sealed migration packages (issue 14, deliverable 2): the custodian's way to hand data to
// another system. One file, written in one pass, so that no plaintext ever touches the disk:
//
//   "VIGIE-PACKAGE-1\n"                          16 bytes
//   sealed file key                              crypto_box_seal of the 32-byte stream key to the
//                                                recipient's X25519 public key (80 bytes)
//   stream header                                24 bytes (crypto_secretstream_xchacha20poly1305)
//   messages                                     each: u32 big-endian length, then the sealed
//                                                message; plaintext: one byte, the file's index
//                                                in the manifest, then one NDJSON line (with its
//                                                '\n'); the last message is empty, tagged final
//   manifest                                     JSON text (Manifest), no patient value in it
//   signature                                    Ed25519 (64 bytes) by the vault's signing key over
//                                                kManifestSignatureContext and the manifest text
//   trailer                                      u32 big-endian length of manifest + signature
//
// The manifest states the SHA-256 of every byte before it (`sealed_sha256`), so its signature
// covers the whole file: a flipped byte anywhere is refused before anything is decrypted; each
// file's plaintext SHA-256 and line count are checked again after decryption, before anything is
// written out.

namespace vigie::lifecycle {

inline constexpr std::string_view kPackageMagic = "VIGIE-PACKAGE-1\n";
inline constexpr std::string_view kManifestSignatureContext = "vigie-package-manifest-v1";
inline constexpr int kPackageFormat = 1;
// Bounds that a reader holds every package to: one NDJSON line (a resource), the manifest.
inline constexpr size_t kMaxMessageBytes = size_t{32} * 1024 * 1024;
inline constexpr size_t kMaxManifestBytes = size_t{1} * 1024 * 1024;
inline constexpr size_t kMaxPackageFiles = 256;

// One NDJSON file of a package: the resources of one type.
struct PackageFile {
  std::string type;
  std::string name;  // "<type>.ndjson"
  int64_t count = 0;
  std::string sha256;  // of the file's plaintext, hex
};

struct Manifest {
  int format = kPackageFormat;
  std::string job_id;
  std::string purpose;
  std::vector<std::string> types;
  std::vector<std::string> fields;  // "Type.element"; empty: whole resources
  int64_t patient_count = 0;
  std::vector<PackageFile> files;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  std::string vault_identity;  // the vault's Ed25519 public key that signs, hex
  std::string recipient;       // the recipient's X25519 public key, hex
  std::string sealed_sha256;   // of every byte of the package before the manifest, hex
};

// The manifest's JSON text (compact, members in a fixed order).
[[nodiscard]] std::string manifest_text(const Manifest& manifest);
// Parses a manifest's text strictly: every member present with its type, nothing else, hex
// fields of the right length, at most kMaxPackageFiles files each named after its type.
// kIntegrity otherwise (a package is untrusted input).
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view text);

// What the signature covers: the context, a zero byte, then the manifest text.
[[nodiscard]] std::vector<uint8_t> manifest_signed_bytes(std::string_view text);

// Writes a package. Created as `<path>.partial` (O_EXCL, mode 0600; kConflict when `path` or the
// partial file exists), renamed to `path` by commit(); a writer destroyed before commit() removes
// its partial file. Not thread-safe.
class PackageWriter {
 public:
  // `recipient` must be an X25519 public key (kInvalidInput otherwise); `types` name the files,
  // in order.
  [[nodiscard]] static Result<std::unique_ptr<PackageWriter>> create(
      const std::filesystem::path& path, std::span<const uint8_t> recipient,
      const std::vector<std::string>& types);
  ~PackageWriter();
  PackageWriter(const PackageWriter&) = delete;
  PackageWriter& operator=(const PackageWriter&) = delete;

  // Seals one NDJSON line (without its '\n') into file `file_index`.
  [[nodiscard]] Result<void> add(size_t file_index, std::string_view line);
  // Ends the stream and writes `manifest` (its files, recipient and sealed_sha256 filled in here)
  // signed with `signing_key` (the vault's Ed25519 key), then syncs the file. Returns the
  // manifest as written.
  [[nodiscard]] Result<Manifest> finish(Manifest manifest, const crypto::SecretBytes& signing_key);
  // Renames the partial file to its path (after finish()).
  [[nodiscard]] Result<void> commit();
  // The SHA-256 of the whole package file (after finish()), hex.
  [[nodiscard]] const std::string& package_sha256() const { return package_sha256_; }

 private:
  PackageWriter() = default;
  [[nodiscard]] Result<void> write(std::span<const uint8_t> bytes);

  std::filesystem::path path_;
  std::filesystem::path partial_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  std::unique_ptr<crypto::StreamSealer> sealer_;
  std::vector<uint8_t> recipient_;
  std::vector<PackageFile> files_;
  std::vector<crypto::Sha256> file_hashes_;
  crypto::Sha256 sealed_hash_;
  crypto::Sha256 whole_hash_;
  std::string package_sha256_;
};

// The manifest of the package at `path` once its structure and its signature hold (against the
// vault identity it states and, when given, `expected_identity`, hex). Needs no key; decrypts
// nothing. kIntegrity for anything altered or malformed, kNotFound for a missing file.
[[nodiscard]] Result<Manifest> verify_package(const std::filesystem::path& path,
                                              std::optional<std::string_view> expected_identity);

// Opens the package for `recipient`: verify_package(), then the expiry (kPermissionDenied once
// `now_ms` is past it), the file key (kUnlockFailed for another recipient's key), then decrypts the
// whole stream once and checks every file's count and SHA-256 against the manifest, writing
// nothing; only then writes each file into `out_dir` (created, mode 0700; it must not exist or be
// empty), each file mode 0600, decrypting a second time and checking again (a file changed in
// between leaves no output). Returns the manifest.
[[nodiscard]] Result<Manifest> open_package(const std::filesystem::path& path,
                                            const crypto::BoxKeyPair& recipient,
                                            std::optional<std::string_view> expected_identity,
                                            int64_t now_ms, const std::filesystem::path& out_dir);

// What open_package writes beside the files: the manifest's text as signed, and its signature in
// hex (one line).
inline constexpr std::string_view kOpenedManifestName = "manifest.json";
inline constexpr std::string_view kOpenedSignatureName = "manifest.sig";

// The manifest of a directory that open_package wrote, once checked: the signature verifies
// under the vault identity the manifest states, the directory holds the manifest, its signature
// and the listed files and nothing else, and every file's line count and SHA-256 are the
// manifest's. kIntegrity, naming what is wrong, otherwise. (The expiry is not checked again: it
// governs opening the package, not using what was opened.)
[[nodiscard]] Result<Manifest> check_opened_package(const std::filesystem::path& dir);
// One file of a checked directory, read whole and checked again against the manifest (a file
// changed since check_opened_package is refused with kIntegrity).
[[nodiscard]] Result<std::string> read_opened_file(const std::filesystem::path& dir,
                                                   const PackageFile& file);

// Parses the bytes of a package fully (structure, manifest, signature) as verify_package() does,
// from memory: the fuzz target's entry point. Returns the manifest.
[[nodiscard]] Result<Manifest> verify_package_bytes(
    std::span<const uint8_t> bytes, std::optional<std::string_view> expected_identity);

}  // namespace vigie::lifecycle
