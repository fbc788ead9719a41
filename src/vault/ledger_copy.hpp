#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/store.hpp"

// The copy of the erasure ledger kept outside the vault (docs/architecture.md 11.5), as the
// audit checkpoints are: one line per erasure, appended before the patient's data key is
// shredded, so that a restore from a keyring backup taken before an erasure still drops that
// key when the live vault is gone. Each line holds what the keyring's ledger holds (the keyed
// hash of the patient id and the time), never the patient id, and is signed by the vault's
// Ed25519 audit key over the previous line's signature: an edited, removed, inserted or moved
// line breaks the signatures that follow it.

namespace vigie::vault {

// The data file's metadata key that holds the copy's absolute path; absent when none is kept.
inline constexpr std::string_view kLedgerCopyMeta = "erasure_ledger_copy";

struct LedgerCopyLine {
  int64_t seq = 0;  // 1 for the first line, then each line one more
  std::array<uint8_t, 32> hash{};
  int64_t erased_ms = 0;
  // Ed25519 over "vigie-erasure-ledger-v1" || seq || hash || erased_ms || the previous line's
  // signature (64 zero bytes for the first line), integers as 8 bytes little-endian.
  std::array<uint8_t, 64> signature{};

  bool operator==(const LedgerCopyLine&) const = default;
};

// "vigie-erasure v1 <seq> <hash-hex> <erased_ms> <signature-hex>" (decimal integers, lowercase
// hex), without the newline.
[[nodiscard]] std::string format_ledger_copy_line(const LedgerCopyLine& line);

// Reverses format_ledger_copy_line. kIntegrity on anything it would not produce (prefix,
// version, spacing, signs, leading zeros, out-of-range numbers, uppercase or wrong-length hex,
// trailing bytes). Does not check the signature.
[[nodiscard]] Result<LedgerCopyLine> parse_ledger_copy_line(std::string_view line);

// Every line of a copy's contents, in order; kIntegrity naming the first line that is malformed
// or lacks its newline (a copy cut in the middle of a line). Checks no signature.
[[nodiscard]] Result<std::vector<LedgerCopyLine>> parse_ledger_copy(std::string_view contents);

// The line that follows `previous` (none for the first) for `entry`, signed with the vault's
// 64-byte audit key. `entry.compartment_hash` must be 32 bytes (anything else aborts).
[[nodiscard]] LedgerCopyLine sign_ledger_copy_line(const LedgerCopyLine* previous,
                                                   const store::ErasureLedgerEntry& entry,
                                                   const crypto::SecretBytes& signing_key);

// kIntegrity unless the lines are numbered 1, 2, 3, ... and each signature verifies under
// `public_key` over its line and the previous line's signature. The message names the first
// line that fails and what it means (a line removed, added or moved; a line edited, or the copy
// of another vault). A copy cut at a line boundary verifies: it is the caller's to compare it
// with a ledger it trusts (Vault::verified_ledger_copy).
[[nodiscard]] Result<void> verify_ledger_copy(std::span<const LedgerCopyLine> lines,
                                              std::span<const uint8_t> public_key);

// What the keyring's ledger holds for each line, in order.
[[nodiscard]] std::vector<store::ErasureLedgerEntry> ledger_entries(
    std::span<const LedgerCopyLine> lines);

// The copy at `path`, parsed (not verified). kNotFound when there is no file, kIntegrity as
// parse_ledger_copy, kInternal when it cannot be read.
[[nodiscard]] Result<std::vector<LedgerCopyLine>> read_ledger_copy(
    const std::filesystem::path& path);

// Appends one signed line per entry to the copy at `path` (created with mode 0600 when absent,
// its directory synced then), chained to its last line, under an exclusive lock of the file
// (flock: processes that erase at once append one after the other). Reads only the file's last
// line, whose signature must verify under `signing_key`'s public key (kIntegrity otherwise: the
// copy was altered). fsyncs before returning. kInternal on an I/O failure.
[[nodiscard]] Result<void> append_ledger_copy(const std::filesystem::path& path,
                                              std::span<const store::ErasureLedgerEntry> entries,
                                              const crypto::SecretBytes& signing_key);

}  // namespace vigie::vault
