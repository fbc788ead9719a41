#include "vault/honey_set.hpp"

#include <algorithm>
#include <mutex>

namespace vigie::vault {

namespace {

constexpr std::string_view kFormatLine = "vigie-honey/v1\n";

}  // namespace

bool HoneySet::contains(std::string_view compartment) const {
  if (size() == 0) {
    return false;
  }
  const std::shared_lock lock(mutex_);
  return ids_.find(compartment) != ids_.end();
}

std::vector<std::string> HoneySet::ids() const {
  std::vector<std::string> sorted;
  {
    const std::shared_lock lock(mutex_);
    sorted.assign(ids_.begin(), ids_.end());
  }
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

void HoneySet::assign(std::span<const std::string> ids) {
  const std::unique_lock lock(mutex_);
  ids_.clear();
  ids_.insert(ids.begin(), ids.end());
  size_.store(ids_.size(), std::memory_order_release);
}

std::vector<uint8_t> encode_honey_ids(std::span<const std::string> ids) {
  std::vector<uint8_t> plain(kFormatLine.begin(), kFormatLine.end());
  for (const std::string& id : ids) {
    plain.insert(plain.end(), id.begin(), id.end());
    plain.push_back('\n');
  }
  plain.resize((plain.size() / kHoneyPaddingBytes + 1) * kHoneyPaddingBytes, 0);
  return plain;
}

Result<std::vector<std::string>> decode_honey_ids(std::span<const uint8_t> plain) {
  const std::string_view text(reinterpret_cast<const char*>(plain.data()), plain.size());
  const size_t end = text.find('\0');
  if (!text.starts_with(kFormatLine) || end == std::string_view::npos ||
      plain.size() % kHoneyPaddingBytes != 0 ||
      text.find_first_not_of('\0', end) != std::string_view::npos) {
    return fail(ErrorCode::kIntegrity, "the sealed honey set is malformed");
  }
  std::vector<std::string> ids;
  std::string_view rest = text.substr(kFormatLine.size(), end - kFormatLine.size());
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    if (newline == std::string_view::npos || newline == 0) {
      return fail(ErrorCode::kIntegrity, "the sealed honey set is malformed");
    }
    ids.emplace_back(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
  }
  return ids;
}

}  // namespace vigie::vault
