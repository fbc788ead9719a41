#include "audit/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "audit/bytes.hpp"
#include "common/hex.hpp"
#include "crypto/signing.hpp"

namespace vigie::audit {

namespace {

constexpr std::string_view kSignatureDomain = "vigie-audit-checkpoint-v1";
constexpr std::string_view kLinePrefix = "vigie-checkpoint v1 ";

std::vector<uint8_t> signed_message(int64_t seq, const Hash& head, int64_t time_ms) {
  std::vector<uint8_t> message;
  message.reserve(kSignatureDomain.size() + 8 + head.size() + 8);
  ByteWriter writer(message);
  writer.bytes(kSignatureDomain);
  writer.i64(seq);
  writer.bytes(head);
  writer.i64(time_ms);
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

// The next space-separated field of `rest`; the last field runs to the end.
std::string_view next_field(std::string_view& rest, bool last) {
  if (last) {
    std::string_view field = rest;
    rest = {};
    return field;
  }
  const size_t space = rest.find(' ');
  if (space == std::string_view::npos) {
    std::string_view field = rest;
    rest = {};
    return field;
  }
  std::string_view field = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return field;
}

Result<void> io_failure(std::string_view what) {
  return fail(ErrorCode::kInternal,
              fmt::format("could not {} the external checkpoint file (errno {})", what, errno));
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

Result<void> fsync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return io_failure("open the directory of");
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    return io_failure("sync the directory of");
  }
  return {};
}

}  // namespace

Checkpoint sign_checkpoint(int64_t seq, const Hash& head, int64_t time_ms,
                           const crypto::SecretBytes& signing_secret_key) {
  return Checkpoint{
      .seq = seq,
      .head = head,
      .time_ms = time_ms,
      .signature = crypto::sign(signing_secret_key, signed_message(seq, head, time_ms))};
}

bool checkpoint_valid(const Checkpoint& checkpoint, std::span<const uint8_t> public_key) {
  return crypto::verify_signature(
      public_key, signed_message(checkpoint.seq, checkpoint.head, checkpoint.time_ms),
      checkpoint.signature);
}

std::string format_checkpoint_line(const Checkpoint& checkpoint) {
  return fmt::format("{}{} {} {} {}", kLinePrefix, checkpoint.seq, to_hex(checkpoint.head),
                     checkpoint.time_ms, to_hex(checkpoint.signature));
}

Result<Checkpoint> parse_checkpoint_line(std::string_view line) {
  auto malformed = [] { return fail(ErrorCode::kIntegrity, "checkpoint line is malformed"); };
  if (!line.starts_with(kLinePrefix)) {
    return malformed();
  }
  std::string_view rest = line.substr(kLinePrefix.size());
  const std::string_view seq_text = next_field(rest, false);
  const std::string_view head_text = next_field(rest, false);
  const std::string_view time_text = next_field(rest, false);
  const std::string_view signature_text = next_field(rest, true);
  Checkpoint checkpoint;
  std::optional<int64_t> seq = parse_decimal(seq_text);
  std::optional<int64_t> time_ms = parse_decimal(time_text);
  if (!seq || !time_ms || !from_hex(head_text, checkpoint.head) ||
      !from_hex(signature_text, checkpoint.signature)) {
    return malformed();
  }
  checkpoint.seq = *seq;
  checkpoint.time_ms = *time_ms;
  return checkpoint;
}

Result<std::vector<Checkpoint>> read_checkpoint_file(const std::filesystem::path& path) {
  std::error_code status_error;
  if (!std::filesystem::exists(path, status_error)) {
    if (status_error) {
      return fail(ErrorCode::kInternal, "could not inspect the external checkpoint file");
    }
    return fail(ErrorCode::kNotFound, "the external checkpoint file does not exist");
  }
  std::ifstream input(path, std::ios::binary);
  if (!input) {
    return fail(ErrorCode::kInternal, "could not open the external checkpoint file");
  }
  const std::string contents{std::istreambuf_iterator<char>(input),
                             std::istreambuf_iterator<char>()};
  if (input.bad()) {
    return fail(ErrorCode::kInternal, "could not read the external checkpoint file");
  }
  std::vector<Checkpoint> checkpoints;
  std::string_view rest = contents;
  for (int64_t line_number = 1; !rest.empty(); ++line_number) {
    const size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) {
      return fail(ErrorCode::kIntegrity,
                  fmt::format("external checkpoint file: line {} is incomplete", line_number));
    }
    Result<Checkpoint> checkpoint = parse_checkpoint_line(rest.substr(0, newline));
    if (!checkpoint) {
      return fail(ErrorCode::kIntegrity,
                  fmt::format("external checkpoint file: line {} is malformed", line_number));
    }
    checkpoints.push_back(*checkpoint);
    rest.remove_prefix(newline + 1);
  }
  return checkpoints;
}

Result<void> append_checkpoint_file(const std::filesystem::path& path,
                                    const Checkpoint& checkpoint) {
  std::error_code status_error;
  const bool existed = std::filesystem::exists(path, status_error);
  if (status_error) {
    return fail(ErrorCode::kInternal, "could not inspect the external checkpoint file");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return io_failure("open");
  }
  const std::string line = format_checkpoint_line(checkpoint) + "\n";
  if (!write_all(fd, line)) {
    Result<void> failure = io_failure("append to");
    ::close(fd);
    return failure;
  }
  if (::fsync(fd) != 0) {
    Result<void> failure = io_failure("sync");
    ::close(fd);
    return failure;
  }
  if (::close(fd) != 0) {
    return io_failure("close");
  }
  if (!existed) {
    const std::filesystem::path parent = path.parent_path();
    return fsync_directory(parent.empty() ? std::filesystem::path(".") : parent);
  }
  return {};
}

}  // namespace vigie::audit
