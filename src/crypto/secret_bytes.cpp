#include "crypto/secret_bytes.hpp"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstring>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

Result<void> initialize() {
  // A function-local static is initialised exactly once, even under concurrent first calls;
  // sodium_init() returns 0 the first time, 1 afterwards and -1 on failure.
  static const int status = sodium_init();
  if (status < 0) {
    return fail(ErrorCode::kInternal, "libsodium could not be initialised (no random source)");
  }
  return {};
}

SecretBytes::SecretBytes(size_t size) {
  if (size == 0) {
    return;
  }
  require_initialized();
  data_ = static_cast<uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) {
    die("cannot allocate locked memory for a secret");
  }
  sodium_memzero(data_, size);
  size_ = size;
}

SecretBytes::~SecretBytes() { release(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes SecretBytes::random(size_t size) {
  SecretBytes secret(size);
  if (size > 0) {
    randombytes_buf(secret.data_, size);
  }
  return secret;
}

SecretBytes SecretBytes::copy_of(std::span<const uint8_t> bytes) {
  SecretBytes secret(bytes.size());
  if (!bytes.empty()) {
    std::memcpy(secret.data_, bytes.data(), bytes.size());
  }
  return secret;
}

void SecretBytes::release() {
  // sodium_free() zeroes the bytes before unmapping them, and accepts a null pointer.
  sodium_free(data_);
  data_ = nullptr;
  size_ = 0;
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  require_initialized();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(std::span<uint8_t> bytes) {
  if (!bytes.empty()) {
    sodium_memzero(bytes.data(), bytes.size());
  }
}

void random_fill(std::span<uint8_t> out) {
  if (out.empty()) {
    return;
  }
  require_initialized();
  randombytes_buf(out.data(), out.size());
}

Result<void> disable_core_dumps() {
  const rlimit no_core{.rlim_cur = 0, .rlim_max = 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return fail(ErrorCode::kInternal, "impossible de désactiver les core dumps",
                "cannot turn core dumps off (setrlimit RLIMIT_CORE 0 refused)");
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return fail(ErrorCode::kInternal, "impossible de rendre le processus non copiable",
                "cannot make the process undumpable (prctl PR_SET_DUMPABLE 0 refused)");
  }
  return {};
}

}  // namespace vigie::crypto
