#include "vault/data_key_cache.hpp"

#include <algorithm>

namespace vigie::vault {

DataKeyCache::DataKeyCache(std::span<uint8_t> slots)
    : slots_(slots.first(slots.size() / kKeyBytes * kKeyBytes)),
      owners_(slots.size() / kKeyBytes),
      recently_used_(owners_.size(), false) {
  index_.reserve(owners_.size());
}

std::span<uint8_t> DataKeyCache::slot(size_t index) {
  return slots_.subspan(index * kKeyBytes, kKeyBytes);
}

std::optional<std::span<const uint8_t>> DataKeyCache::find(const std::string& compartment) {
  auto found = index_.find(compartment);
  if (found == index_.end()) {
    return std::nullopt;
  }
  recently_used_[found->second] = true;
  return slot(found->second);
}

size_t DataKeyCache::take_slot() {
  while (true) {
    const size_t candidate = clock_hand_;
    clock_hand_ = (clock_hand_ + 1) % owners_.size();
    if (owners_[candidate].empty()) {
      return candidate;
    }
    if (recently_used_[candidate]) {
      recently_used_[candidate] = false;
      continue;
    }
    index_.erase(owners_[candidate]);
    owners_[candidate].clear();
    return candidate;
  }
}

std::span<uint8_t> DataKeyCache::insert(const std::string& compartment) {
  erase(compartment);
  const size_t index = take_slot();
  owners_[index] = compartment;
  recently_used_[index] = true;
  index_.emplace(compartment, index);
  std::span<uint8_t> key = slot(index);
  crypto::wipe(key);
  return key;
}

void DataKeyCache::erase(const std::string& compartment) {
  auto found = index_.find(compartment);
  if (found == index_.end()) {
    return;
  }
  crypto::wipe(slot(found->second));
  owners_[found->second].clear();
  recently_used_[found->second] = false;
  index_.erase(found);
}

void DataKeyCache::clear() {
  crypto::wipe(slots_);
  for (std::string& owner : owners_) {
    owner.clear();
  }
  std::fill(recently_used_.begin(), recently_used_.end(), false);
  index_.clear();
}

}  // namespace vigie::vault
