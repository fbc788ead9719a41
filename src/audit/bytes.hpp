#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

// Little-endian integers and length-prefixed byte strings, the building blocks of audit/'s
// canonical forms. The reader is a bounds-checked cursor over untrusted bytes (in the manner of
// BoringSSL's CBS): every read either succeeds whole or fails and leaves the cursor unusable
// for the caller, who stops there.

namespace vigie::audit {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  void u8(uint8_t value) { out_.push_back(value); }
  void u16(uint16_t value) { unsigned_le(value, 2); }
  void u32(uint32_t value) { unsigned_le(value, 4); }
  void i64(int64_t value) { unsigned_le(static_cast<uint64_t>(value), 8); }
  void bytes(std::span<const uint8_t> value) {
    out_.insert(out_.end(), value.begin(), value.end());
  }
  void bytes(std::string_view value) { out_.insert(out_.end(), value.begin(), value.end()); }

 private:
  void unsigned_le(uint64_t value, int width) {
    for (int index = 0; index < width; ++index) {
      out_.push_back(static_cast<uint8_t>(value >> (8 * index)));
    }
  }

  std::vector<uint8_t>& out_;
};

// Not thread-safe; views the caller's bytes, which must outlive it.
class ByteCursor {
 public:
  explicit ByteCursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] size_t remaining() const { return bytes_.size(); }

  [[nodiscard]] bool u8(uint8_t& out) {
    uint64_t value = 0;
    bool read = unsigned_le(1, value);
    out = static_cast<uint8_t>(value);
    return read;
  }
  [[nodiscard]] bool u16(uint16_t& out) {
    uint64_t value = 0;
    bool read = unsigned_le(2, value);
    out = static_cast<uint16_t>(value);
    return read;
  }
  [[nodiscard]] bool u32(uint32_t& out) {
    uint64_t value = 0;
    bool read = unsigned_le(4, value);
    out = static_cast<uint32_t>(value);
    return read;
  }
  [[nodiscard]] bool i64(int64_t& out) {
    uint64_t value = 0;
    bool read = unsigned_le(8, value);
    out = static_cast<int64_t>(value);
    return read;
  }
  // The next `size` bytes, viewed in place.
  [[nodiscard]] bool bytes(size_t size, std::span<const uint8_t>& out) {
    if (size > bytes_.size()) {
      return false;
    }
    out = bytes_.first(size);
    bytes_ = bytes_.subspan(size);
    return true;
  }

 private:
  bool unsigned_le(size_t width, uint64_t& out) {
    if (width > bytes_.size()) {
      return false;
    }
    uint64_t value = 0;
    for (size_t index = 0; index < width; ++index) {
      value |= uint64_t{bytes_[index]} << (8 * index);
    }
    out = value;
    bytes_ = bytes_.subspan(width);
    return true;
  }

  std::span<const uint8_t> bytes_;
};

}  // namespace vigie::audit
