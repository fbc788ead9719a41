#include "cli/unlock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "cli/terminal.hpp"
#include "common/private_file.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::cli {

namespace {

constexpr size_t kMaxSecretFileBytes = size_t{64} * 1024;

}  // namespace

Result<crypto::SecretBytes> read_secret_file(const std::string& path, std::string_view what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return fail(ErrorCode::kUnlockFailed, fmt::format("impossible de lire {}", path),
                fmt::format("cannot read the {} {}", what, path));
  }
  if (auto safe = check_private_file(fd, path, what, ErrorCode::kUnlockFailed); !safe) {
    ::close(fd);
    return tl::unexpected(safe.error());
  }
  crypto::SecretBytes buffer(kMaxSecretFileBytes + 1);
  size_t length = 0;
  while (length < buffer.size()) {
    const ssize_t got = ::read(fd, buffer.data() + length, buffer.size() - length);
    if (got < 0) {
      ::close(fd);
      return fail(ErrorCode::kUnlockFailed, fmt::format("impossible de lire {}", path),
                  fmt::format("cannot read the {} {}", what, path));
    }
    if (got == 0) {
      break;
    }
    length += static_cast<size_t>(got);
  }
  ::close(fd);
  if (length > kMaxSecretFileBytes) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("the {} {} is larger than 64 KiB", what, path));
  }
  return crypto::SecretBytes::copy_of(std::span<const uint8_t>(buffer.data(), length));
}

namespace {

// A passphrase file holds the passphrase on its first line; the line end is not part of it.
Result<gate::UnlockSecret> read_passphrase_file(const std::string& path) {
  auto contents = read_secret_file(path, "passphrase file");
  if (!contents) {
    return tl::unexpected(contents.error());
  }
  size_t length = 0;
  while (length < contents->size() && contents->data()[length] != '\n') {
    ++length;
  }
  if (length > 0 && contents->data()[length - 1] == '\r') {
    --length;
  }
  if (length == 0) {
    return fail(ErrorCode::kInvalidInput, fmt::format("the passphrase file {} is empty", path));
  }
  return gate::UnlockSecret{gate::UnlockerKind::kPassphrase,
                            crypto::SecretBytes::copy_of(contents->view().first(length))};
}

std::optional<std::string> passphrase_file_from(const UnlockOptions& options) {
  if (!options.passphrase_file.empty()) {
    return options.passphrase_file;
  }
  if (const char* from_environment = std::getenv(kPassphraseFileVariable);
      from_environment != nullptr && *from_environment != '\0') {
    return std::string(from_environment);
  }
  return std::nullopt;
}

size_t utf8_characters(std::span<const uint8_t> bytes) {
  size_t characters = 0;
  for (uint8_t byte : bytes) {
    if ((byte & 0xC0) != 0x80) {
      ++characters;
    }
  }
  return characters;
}

Error no_passphrase_source() {
  return Error{ErrorCode::kUsage,
               fmt::format("no passphrase given: use --passphrase-file FILE, set {} to a file, or "
                           "run on a terminal to be asked",
                           kPassphraseFileVariable)};
}

}  // namespace

Result<gate::UnlockSecret> secret_for_open(const UnlockOptions& options) {
  if (!options.key_file.empty()) {
    auto contents = read_secret_file(options.key_file, "key file");
    if (!contents) {
      return tl::unexpected(contents.error());
    }
    return gate::UnlockSecret{gate::UnlockerKind::kKeyFile, std::move(*contents)};
  }
  if (auto path = passphrase_file_from(options)) {
    return read_passphrase_file(*path);
  }
  if (!interactive()) {
    return tl::unexpected(no_passphrase_source());
  }
  auto typed = read_secret_from_terminal("Phrase de passe du coffre (vault passphrase): ");
  if (!typed || typed->empty()) {
    return fail(ErrorCode::kUsage, "no passphrase was typed");
  }
  return gate::UnlockSecret{gate::UnlockerKind::kPassphrase, std::move(*typed)};
}

Result<gate::UnlockSecret> passphrase_for_init(const UnlockOptions& options) {
  Result<gate::UnlockSecret> secret = tl::unexpected(no_passphrase_source());
  if (auto path = passphrase_file_from(options)) {
    secret = read_passphrase_file(*path);
  } else if (interactive()) {
    auto first = read_secret_from_terminal(
        "Nouvelle phrase de passe, 12 caractères au moins (new passphrase, 12+ characters): ");
    auto second = read_secret_from_terminal("Confirmez (repeat): ");
    if (!first || !second) {
      return fail(ErrorCode::kUsage, "no passphrase was typed");
    }
    if (!crypto::constant_time_equal(first->view(), second->view())) {
      return fail(ErrorCode::kInvalidInput, "the two passphrases differ");
    }
    secret = gate::UnlockSecret{gate::UnlockerKind::kPassphrase, std::move(*first)};
  }
  if (secret && utf8_characters(secret->bytes.view()) < kMinPassphraseCharacters) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("a passphrase needs at least {} characters", kMinPassphraseCharacters));
  }
  return secret;
}

Result<gate::UnlockSecret> key_file_for_init(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST) {
      return fail(ErrorCode::kConflict, fmt::format("le fichier {} existe déjà", path),
                  fmt::format("{} already exists: a new vault's key file is always created, "
                              "never adopted; give a path that does not exist",
                              path));
    }
    return fail(ErrorCode::kInvalidInput, fmt::format("impossible de créer {}", path),
                fmt::format("cannot create the key file {}", path));
  }
  crypto::SecretBytes key = crypto::SecretBytes::random(32);
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(path.c_str());
    return fail(ErrorCode::kInternal, fmt::format("cannot write the key file {}", path));
  }
  return gate::UnlockSecret{gate::UnlockerKind::kKeyFile, std::move(key)};
}

}  // namespace vigie::cli
