#include "vault/ledger_copy.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "common/hex.hpp"
#include "crypto/signing.hpp"

namespace vigie::vault {

namespace {

constexpr std::string_view kSignatureDomain = "vigie-erasure-ledger-v1";
constexpr std::string_view kLinePrefix = "vigie-erasure v1 ";
// A line is at most 17 + 19 + 1 + 64 + 1 + 19 + 1 + 128 bytes and its newline.
constexpr size_t kMaxLineBytes = 256;

void put_i64(std::vector<uint8_t>& out, int64_t value) {
  const auto bits = static_cast<uint64_t>(value);
  for (int shift = 0; shift < 64; shift += 8) {
    out.push_back(static_cast<uint8_t>(bits >> shift));
  }
}

std::vector<uint8_t> signed_message(int64_t seq, std::span<const uint8_t> hash, int64_t erased_ms,
                                    std::span<const uint8_t> previous_signature) {
  std::vector<uint8_t> message(kSignatureDomain.begin(), kSignatureDomain.end());
  put_i64(message, seq);
  message.insert(message.end(), hash.begin(), hash.end());
  put_i64(message, erased_ms);
  message.insert(message.end(), previous_signature.begin(), previous_signature.end());
  return message;
}

// A non-negative decimal without sign or leading zeros that fits an int64_t.
std::optional<int64_t> parse_decimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0') || text[0] < '0' || text[0] > '9') {
    return std::nullopt;
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// The next space-separated field of `rest` (the last one runs to the end).
std::string_view next_field(std::string_view& rest, bool last) {
  const size_t space = last ? std::string_view::npos : rest.find(' ');
  std::string_view field = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return field;
}

tl::unexpected<Error> io_failure(std::string_view what) {
  return fail(ErrorCode::kInternal,
              fmt::format("erreur d'entrée-sortie sur la copie du registre d'effacements "
                          "(errno {})",
                          errno),
              fmt::format("could not {} the erasure ledger copy (errno {})", what, errno));
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Closes a descriptor (which releases its flock) on every path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// The copy's last line, checked against the one before it (its number follows, its signature
// verifies over that line's signature): nullopt for an empty file.
Result<std::optional<LedgerCopyLine>> last_line(int fd, std::span<const uint8_t> public_key) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    return io_failure("inspect");
  }
  const auto size = static_cast<size_t>(status.st_size);
  if (size == 0) {
    return std::optional<LedgerCopyLine>();
  }
  auto altered = [] {
    return fail(ErrorCode::kIntegrity,
                "la fin de la copie du registre d'effacements est incomplète ou altérée ; aucun "
                "effacement n'y est ajouté",
                "the end of the erasure ledger copy is incomplete or altered; no erasure is "
                "appended to it");
  };
  // Two whole lines at most, and the byte before them.
  const size_t tail_size = std::min(size, kMaxLineBytes * 2 + 1);
  std::string tail(tail_size, '\0');
  const ssize_t got = ::pread(fd, tail.data(), tail_size, static_cast<off_t>(size - tail_size));
  if (got != static_cast<ssize_t>(tail_size)) {
    return io_failure("read");
  }
  if (tail.back() != '\n') {
    return altered();
  }
  std::string_view text(tail);
  text.remove_suffix(1);
  const size_t last_start = text.rfind('\n') == std::string_view::npos ? 0 : text.rfind('\n') + 1;
  if (last_start == 0 && tail_size < size) {
    return altered();
  }
  auto last = parse_ledger_copy_line(text.substr(last_start));
  if (!last) {
    return altered();
  }
  std::array<uint8_t, 64> previous_signature{};
  if (last_start == 0) {
    if (last->seq != 1) {
      return altered();
    }
  } else {
    std::string_view before = text.substr(0, last_start - 1);
    const size_t before_start = before.rfind('\n');
    if (before_start == std::string_view::npos && tail_size < size) {
      return altered();
    }
    auto previous = parse_ledger_copy_line(
        before_start == std::string_view::npos ? before : before.substr(before_start + 1));
    if (!previous || previous->seq + 1 != last->seq) {
      return altered();
    }
    previous_signature = previous->signature;
  }
  if (!crypto::verify_signature(
          public_key, signed_message(last->seq, last->hash, last->erased_ms, previous_signature),
          last->signature)) {
    return altered();
  }
  return std::optional<LedgerCopyLine>(*last);
}

}  // namespace

std::string format_ledger_copy_line(const LedgerCopyLine& line) {
  return fmt::format("{}{} {} {} {}", kLinePrefix, line.seq, to_hex(line.hash), line.erased_ms,
                     to_hex(line.signature));
}

Result<LedgerCopyLine> parse_ledger_copy_line(std::string_view line) {
  auto malformed = [] { return fail(ErrorCode::kIntegrity, "erasure ledger line is malformed"); };
  if (!line.starts_with(kLinePrefix)) {
    return malformed();
  }
  std::string_view rest = line.substr(kLinePrefix.size());
  const std::string_view seq_text = next_field(rest, false);
  const std::string_view hash_text = next_field(rest, false);
  const std::string_view time_text = next_field(rest, false);
  const std::string_view signature_text = next_field(rest, true);
  LedgerCopyLine parsed;
  const std::optional<int64_t> seq = parse_decimal(seq_text);
  const std::optional<int64_t> erased_ms = parse_decimal(time_text);
  if (!seq || *seq < 1 || !erased_ms || !from_hex(hash_text, parsed.hash) ||
      !from_hex(signature_text, parsed.signature)) {
    return malformed();
  }
  parsed.seq = *seq;
  parsed.erased_ms = *erased_ms;
  return parsed;
}

Result<std::vector<LedgerCopyLine>> parse_ledger_copy(std::string_view contents) {
  std::vector<LedgerCopyLine> lines;
  for (int64_t number = 1; !contents.empty(); ++number) {
    const size_t newline = contents.find('\n');
    if (newline == std::string_view::npos) {
      return fail(
          ErrorCode::kIntegrity,
          fmt::format("copie du registre d'effacements : la ligne {} est incomplète "
                      "(copie tronquée)",
                      number),
          fmt::format("erasure ledger copy: line {} is incomplete (a truncated copy)", number));
    }
    auto line = parse_ledger_copy_line(contents.substr(0, newline));
    if (!line) {
      return fail(
          ErrorCode::kIntegrity,
          fmt::format("copie du registre d'effacements : la ligne {} est malformée", number),
          fmt::format("erasure ledger copy: line {} is malformed", number));
    }
    lines.push_back(*line);
    contents.remove_prefix(newline + 1);
  }
  return lines;
}

LedgerCopyLine sign_ledger_copy_line(const LedgerCopyLine* previous,
                                     const store::ErasureLedgerEntry& entry,
                                     const crypto::SecretBytes& signing_key) {
  if (entry.compartment_hash.size() != 32) {
    std::abort();
  }
  LedgerCopyLine line;
  line.seq = previous == nullptr ? 1 : previous->seq + 1;
  std::copy(entry.compartment_hash.begin(), entry.compartment_hash.end(), line.hash.begin());
  line.erased_ms = entry.erased_ms;
  const std::array<uint8_t, 64> none{};
  line.signature =
      crypto::sign(signing_key, signed_message(line.seq, line.hash, line.erased_ms,
                                               previous == nullptr ? none : previous->signature));
  return line;
}

Result<void> verify_ledger_copy(std::span<const LedgerCopyLine> lines,
                                std::span<const uint8_t> public_key) {
  const std::array<uint8_t, 64> none{};
  for (size_t index = 0; index < lines.size(); ++index) {
    const LedgerCopyLine& line = lines[index];
    const auto number = static_cast<int64_t>(index + 1);
    if (line.seq != number) {
      return fail(ErrorCode::kIntegrity,
                  fmt::format("copie du registre d'effacements : la ligne {} porte le numéro {} "
                              "(une ligne retirée, ajoutée ou déplacée)",
                              number, line.seq),
                  fmt::format("erasure ledger copy: line {} is numbered {} (a line removed, "
                              "added or moved)",
                              number, line.seq));
    }
    const std::span<const uint8_t> previous =
        index == 0 ? std::span<const uint8_t>(none)
                   : std::span<const uint8_t>(lines[index - 1].signature);
    if (!crypto::verify_signature(public_key,
                                  signed_message(line.seq, line.hash, line.erased_ms, previous),
                                  line.signature)) {
      return fail(ErrorCode::kIntegrity,
                  fmt::format("copie du registre d'effacements : la signature de la ligne {} est "
                              "invalide (ligne modifiée, déplacée, ou copie d'un autre coffre)",
                              number),
                  fmt::format("erasure ledger copy: line {}'s signature does not verify (a line "
                              "edited or moved, or the copy of another vault)",
                              number));
    }
  }
  return {};
}

std::vector<store::ErasureLedgerEntry> ledger_entries(std::span<const LedgerCopyLine> lines) {
  std::vector<store::ErasureLedgerEntry> entries;
  entries.reserve(lines.size());
  for (const LedgerCopyLine& line : lines) {
    entries.push_back(
        store::ErasureLedgerEntry{{line.hash.begin(), line.hash.end()}, line.erased_ms});
  }
  return entries;
}

Result<std::vector<LedgerCopyLine>> read_ledger_copy(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    if (error) {
      return fail(ErrorCode::kInternal, "could not inspect the erasure ledger copy");
    }
    return fail(ErrorCode::kNotFound, "la copie du registre d'effacements n'existe pas",
                "the erasure ledger copy does not exist");
  }
  std::ifstream input(path, std::ios::binary);
  if (!input) {
    return fail(ErrorCode::kInternal, "could not open the erasure ledger copy");
  }
  const std::string contents{std::istreambuf_iterator<char>(input),
                             std::istreambuf_iterator<char>()};
  if (input.bad()) {
    return fail(ErrorCode::kInternal, "could not read the erasure ledger copy");
  }
  return parse_ledger_copy(contents);
}

Result<void> append_ledger_copy(const std::filesystem::path& path,
                                std::span<const store::ErasureLedgerEntry> entries,
                                const crypto::SecretBytes& signing_key) {
  std::error_code status_error;
  const bool existed = std::filesystem::exists(path, status_error);
  if (status_error) {
    return io_failure("inspect");
  }
  FileDescriptor file(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (file.get() < 0) {
    return io_failure("open");
  }
  if (::flock(file.get(), LOCK_EX) != 0) {
    return io_failure("lock");
  }
  const auto public_key = crypto::signing_public_key(signing_key);
  auto last = last_line(file.get(), public_key);
  if (!last) {
    return tl::unexpected(last.error());
  }
  std::optional<LedgerCopyLine> previous = *last;
  std::string text;
  for (const store::ErasureLedgerEntry& entry : entries) {
    LedgerCopyLine line =
        sign_ledger_copy_line(previous ? &*previous : nullptr, entry, signing_key);
    text += format_ledger_copy_line(line);
    text += '\n';
    previous = line;
  }
  if (!write_all(file.get(), text)) {
    return io_failure("append to");
  }
  if (::fsync(file.get()) != 0) {
    return io_failure("sync");
  }
  if (!file.close()) {
    return io_failure("close");
  }
  if (!existed) {
    const std::filesystem::path parent = path.parent_path();
    const int directory = ::open((parent.empty() ? std::filesystem::path(".") : parent).c_str(),
                                 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) {
      return io_failure("open the directory of");
    }
    const bool synced = ::fsync(directory) == 0;
    ::close(directory);
    if (!synced) {
      return io_failure("sync the directory of");
    }
  }
  return {};
}

}  // namespace vigie::vault
