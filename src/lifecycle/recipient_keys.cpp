#include "lifecycle/recipient_keys.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/hex.hpp"
#include "common/private_file.hpp"
#include "crypto/recipient_key.hpp"

namespace vigie::lifecycle {

namespace {

Result<void> write_new_file(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(ErrorCode::kConflict,
                fmt::format("impossible de créer {} (existe-t-il déjà ?)", path.string()),
                fmt::format("cannot create {} (does it exist already?)", path.string()));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote <= 0) {
      ::close(fd);
      return fail(ErrorCode::kInternal, fmt::format("impossible d'écrire {}", path.string()),
                  fmt::format("cannot write {}", path.string()));
    }
    done += static_cast<size_t>(wrote);
  }
  const bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !synced) {
    return fail(ErrorCode::kInternal, fmt::format("impossible d'écrire {}", path.string()),
                fmt::format("cannot write {}", path.string()));
  }
  return {};
}

// The hex text after `label` on the one line of `text`.
std::optional<std::vector<uint8_t>> key_of(std::string_view text, std::string_view label,
                                           size_t bytes) {
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  if (!text.starts_with(label) || text.size() <= label.size() || text[label.size()] != ' ') {
    return std::nullopt;
  }
  return from_hex(text.substr(label.size() + 1), bytes);
}

Result<std::string> read_small_file(int fd, const std::filesystem::path& path) {
  std::string text(256, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t got = ::read(fd, text.data() + done, text.size() - done);
    if (got < 0) {
      return fail(ErrorCode::kInvalidInput, fmt::format("{} : illisible", path.string()),
                  fmt::format("{}: cannot be read", path.string()));
    }
    if (got == 0) {
      break;
    }
    done += static_cast<size_t>(got);
  }
  text.resize(done);
  return text;
}

}  // namespace

Result<KeyFiles> write_recipient_key_pair(const std::filesystem::path& name) {
  KeyFiles files{name.string() + ".key", name.string() + ".pub"};
  std::error_code error;
  if (std::filesystem::exists(files.secret_key, error) ||
      std::filesystem::exists(files.public_key, error)) {
    return fail(ErrorCode::kConflict,
                fmt::format("{} ou {} existe déjà : une clé n'est jamais remplacée",
                            files.secret_key.string(), files.public_key.string()),
                fmt::format("{} or {} exists already: a key is never replaced",
                            files.secret_key.string(), files.public_key.string()));
  }
  crypto::BoxKeyPair pair = crypto::generate_box_key_pair();
  std::string secret_line = fmt::format("{} {}\n", kSecretKeyLabel, to_hex(pair.secret_key.view()));
  auto wrote_secret = write_new_file(files.secret_key, secret_line, 0600);
  crypto::wipe(std::span(reinterpret_cast<uint8_t*>(secret_line.data()), secret_line.size()));
  if (!wrote_secret) {
    return tl::unexpected(wrote_secret.error());
  }
  if (auto wrote = write_new_file(
          files.public_key, fmt::format("{} {}\n", kPublicKeyLabel, to_hex(pair.public_key)), 0644);
      !wrote) {
    std::filesystem::remove(files.secret_key, error);
    return tl::unexpected(wrote.error());
  }
  return files;
}

Result<std::array<uint8_t, crypto::kBoxPublicKeyBytes>> read_recipient_public_key(
    const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::kNotFound, fmt::format("{} : clé publique introuvable", path.string()),
                fmt::format("{}: no such public key file", path.string()));
  }
  auto text = read_small_file(fd, path);
  ::close(fd);
  if (!text) {
    return tl::unexpected(text.error());
  }
  const auto key = key_of(*text, kPublicKeyLabel, crypto::kBoxPublicKeyBytes);
  if (!key) {
    return fail(
        ErrorCode::kInvalidInput,
        fmt::format("{} n'est pas une clé publique de vigie keygen (NOM.pub)", path.string()),
        fmt::format("{} is not a public key made by vigie keygen (NAME.pub)", path.string()));
  }
  std::array<uint8_t, crypto::kBoxPublicKeyBytes> out{};
  std::copy(key->begin(), key->end(), out.begin());
  return out;
}

Result<crypto::BoxKeyPair> read_recipient_key_pair(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::kNotFound, fmt::format("{} : clé privée introuvable", path.string()),
                fmt::format("{}: no such private key file", path.string()));
  }
  if (auto private_file =
          check_private_file(fd, path.string(), "package key", ErrorCode::kUnlockFailed);
      !private_file) {
    ::close(fd);
    return tl::unexpected(private_file.error());
  }
  auto text = read_small_file(fd, path);
  ::close(fd);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto key = key_of(*text, kSecretKeyLabel, crypto::kBoxSecretKeyBytes);
  crypto::wipe(std::span(reinterpret_cast<uint8_t*>(text->data()), text->size()));
  if (!key) {
    return fail(
        ErrorCode::kInvalidInput,
        fmt::format("{} n'est pas une clé privée de vigie keygen (NOM.key)", path.string()),
        fmt::format("{} is not a private key made by vigie keygen (NAME.key)", path.string()));
  }
  auto pair = crypto::box_key_pair_from_secret(*key);
  crypto::wipe(*key);
  return pair;
}

}  // namespace vigie::lifecycle
