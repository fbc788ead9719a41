#pragma once

#include <algorithm>
#include <cstddef>
#include <map>

// Private to watch/: how a detector keeps its per-key state bounded.

namespace vigie::watch::detail {

// With the map's lock held, before inserting a key: when `map` holds `max` keys, drops those
// `stale` says may go, then, if still full, the one of smallest `age` (the longest idle).
template <typename Map, typename Stale, typename Age>
void make_room(Map& map, size_t max, Stale stale, Age age) {
  if (map.size() < max) {
    return;
  }
  std::erase_if(map, stale);
  if (map.size() < max) {
    return;
  }
  map.erase(std::min_element(map.begin(), map.end(),
                             [&](const auto& a, const auto& b) { return age(a) < age(b); }));
}

}  // namespace vigie::watch::detail
