#include "crypto/backup_stream.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

static_assert(kStreamKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamChunkOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);

namespace {

void require_stream_key(std::span<const uint8_t> key) {
  require_initialized();
  if (key.size() != kStreamKeyBytes) {
    die("secretstream key must be 32 bytes (programming error)");
  }
}

// The stream state holds the chunk key: locked, and zeroed when released.
struct LockedState {
  LockedState() { sodium_mlock(&state, sizeof state); }
  ~LockedState() { sodium_munlock(&state, sizeof state); }
  LockedState(const LockedState&) = delete;
  LockedState& operator=(const LockedState&) = delete;
  crypto_secretstream_xchacha20poly1305_state state{};
};

}  // namespace

struct StreamSealer::State : LockedState {};
struct StreamOpener::State : LockedState {};

StreamSealer::StreamSealer(std::span<const uint8_t> key) : state_(std::make_unique<State>()) {
  require_stream_key(key);
  crypto_secretstream_xchacha20poly1305_init_push(&state_->state, header_.data(), key.data());
}

StreamSealer::~StreamSealer() = default;

std::vector<uint8_t> StreamSealer::push(std::span<const uint8_t> plaintext,
                                        std::span<const uint8_t> associated_data, bool final) {
  std::vector<uint8_t> sealed(plaintext.size() + kStreamChunkOverhead);
  crypto_secretstream_xchacha20poly1305_push(
      &state_->state, sealed.data(), nullptr, plaintext.data(), plaintext.size(),
      associated_data.data(), associated_data.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return sealed;
}

StreamOpener::StreamOpener(std::unique_ptr<State> state) : state_(std::move(state)) {}
StreamOpener::~StreamOpener() = default;
StreamOpener::StreamOpener(StreamOpener&&) noexcept = default;
StreamOpener& StreamOpener::operator=(StreamOpener&&) noexcept = default;

Result<StreamOpener> StreamOpener::start(std::span<const uint8_t> key, const StreamHeader& header) {
  require_stream_key(key);
  auto state = std::make_unique<State>();
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state->state, header.data(), key.data()) !=
      0) {
    return fail(ErrorCode::kIntegrity, "the sealed stream's header is invalid");
  }
  return StreamOpener(std::move(state));
}

Result<StreamOpener::Chunk> StreamOpener::pull(std::span<const uint8_t> sealed,
                                               std::span<const uint8_t> associated_data) {
  if (ended_ || sealed.size() < kStreamChunkOverhead) {
    return fail(ErrorCode::kIntegrity, "sealed data failed authentication");
  }
  Chunk chunk;
  chunk.plaintext.resize(sealed.size() - kStreamChunkOverhead);
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          &state_->state, chunk.plaintext.data(), nullptr, &tag, sealed.data(), sealed.size(),
          associated_data.data(), associated_data.size()) != 0) {
    return fail(ErrorCode::kIntegrity, "sealed data failed authentication");
  }
  chunk.final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  ended_ = chunk.final;
  return chunk;
}

}  // namespace vigie::crypto
