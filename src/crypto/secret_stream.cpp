#include "crypto/secret_stream.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

static_assert(kStreamKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamMessageOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);

namespace {

crypto_secretstream_xchacha20poly1305_state* state_of(SecretBytes& bytes) {
  return reinterpret_cast<crypto_secretstream_xchacha20poly1305_state*>(bytes.data());
}

}  // namespace

SecretBytes new_stream_key() {
  require_initialized();
  SecretBytes key(kStreamKeyBytes);
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  return key;
}

StreamSealer::StreamSealer(std::span<const uint8_t> key)
    : state_(sizeof(crypto_secretstream_xchacha20poly1305_state)) {
  require_initialized();
  if (key.size() != kStreamKeyBytes) {
    die("stream key must be 32 bytes (programming error)");
  }
  crypto_secretstream_xchacha20poly1305_init_push(state_of(state_), header_.data(), key.data());
}

std::vector<uint8_t> StreamSealer::seal(std::span<const uint8_t> plaintext, bool final,
                                        std::span<const uint8_t> associated_data) {
  std::vector<uint8_t> sealed(plaintext.size() + kStreamMessageOverhead);
  crypto_secretstream_xchacha20poly1305_push(
      state_of(state_), sealed.data(), nullptr, plaintext.data(), plaintext.size(),
      associated_data.data(), associated_data.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return sealed;
}

Result<StreamOpener> StreamOpener::start(std::span<const uint8_t> key,
                                         std::span<const uint8_t> header) {
  require_initialized();
  if (key.size() != kStreamKeyBytes || header.size() != kStreamHeaderBytes) {
    return fail(ErrorCode::kIntegrity, "stream key or header of the wrong size");
  }
  StreamOpener opener;
  opener.state_ = SecretBytes(sizeof(crypto_secretstream_xchacha20poly1305_state));
  if (crypto_secretstream_xchacha20poly1305_init_pull(state_of(opener.state_), header.data(),
                                                      key.data()) != 0) {
    return fail(ErrorCode::kIntegrity, "stream header refused");
  }
  return opener;
}

Result<StreamOpener::Message> StreamOpener::open(std::span<const uint8_t> sealed,
                                                 std::span<const uint8_t> associated_data) {
  if (ended_ || sealed.size() < kStreamMessageOverhead) {
    return fail(ErrorCode::kIntegrity, "stream message failed authentication");
  }
  Message message;
  message.plaintext.resize(sealed.size() - kStreamMessageOverhead);
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          state_of(state_), message.plaintext.data(), nullptr, &tag, sealed.data(), sealed.size(),
          associated_data.data(), associated_data.size()) != 0) {
    return fail(ErrorCode::kIntegrity, "stream message failed authentication");
  }
  if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
      tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    return fail(ErrorCode::kIntegrity, "stream message of an unexpected kind");
  }
  message.final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  ended_ = message.final;
  return message;
}

}  // namespace vigie::crypto
