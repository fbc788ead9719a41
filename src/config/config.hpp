#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/error.hpp"

// The settings of one vault, read from `vigie.toml` in the vault's directory. The file is
// optional: without it every setting has its default. Every section and key of the file must be
// one this module knows: a misspelt key is an error, never silently ignored. Text other than
// ASCII (accents) is accepted on comment lines of their own only (see config.cpp). Example:
//
//   [memory]
//   locked_mib = 8   # locked memory of the whole process, in MiB (default 8, from 1 to 256)
//   [export]
//   approval_patients = 1000   # more patients in one package need a second custodian (default)

namespace vigie::config {

inline constexpr std::string_view kFileName = "vigie.toml";
// Larger files are refused before parsing: the settings fit in a few lines.
inline constexpr size_t kMaxFileBytes = size_t{64} * 1024;

inline constexpr int64_t kDefaultLockedMib = 8;
inline constexpr int64_t kMinLockedMib = 1;
inline constexpr int64_t kMaxLockedMib = 256;

// [memory]
struct MemoryConfig {
  // Memory the whole process may lock for secrets, in MiB. The default runs under the usual
  // `ulimit -l` of 8 MiB without root. The vault's data-key cache gets what its other secrets
  // leave (vault/shared_keys.hpp).
  int64_t locked_mib = kDefaultLockedMib;

  [[nodiscard]] size_t locked_bytes() const { return static_cast<size_t>(locked_mib) << 20; }
};

// [export]: migration packages (lifecycle/export_job.hpp).
inline constexpr int64_t kDefaultApprovalPatients = 1000;
struct ExportConfig {
  // A package of more patients than this waits for a second custodian's approval (from 0).
  int64_t approval_patients = kDefaultApprovalPatients;
};

struct Config {
  MemoryConfig memory;
  ExportConfig exports;
};

// kUsage, French first, when `memory` is outside the bounds above: parse() refuses such a file,
// and code that builds a configuration itself checks it with this.
[[nodiscard]] Result<void> check(const MemoryConfig& memory);

// The settings in `text` (TOML). kUsage, French first, naming the line, the section or key and
// the fix: malformed TOML, an unknown section or key, a value of the wrong type or out of range.
[[nodiscard]] Result<Config> parse(std::string_view text);

// The settings in `vault_dir`/vigie.toml, or the defaults when there is no such file. kUsage as
// parse() does, prefixed with the file's path, and when the file cannot be read or is larger than
// kMaxFileBytes.
[[nodiscard]] Result<Config> load(const std::filesystem::path& vault_dir);

// `lock_failure` (an error about memory that could not be locked) with the setting that lowers
// the need appended, in both languages.
[[nodiscard]] Error with_lower_memory_hint(Error lock_failure);

}  // namespace vigie::config
