// Untrusted first bytes of a data backup (vigie restore, vigie backup verify).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_invariant.hpp"
#include "lifecycle/backup_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::lifecycle;
  const std::span<const uint8_t> bytes(data, size);
  auto parsed = parse_backup_header(bytes);
  if (!parsed) {
    vigie::fuzz::require(parsed.error().code == vigie::ErrorCode::kIntegrity,
                         "a refused header is an integrity failure");
    return 0;
  }
  vigie::fuzz::require(size >= kBackupHeaderBytes, "a parsed header is whole");
  const std::vector<uint8_t> again = format_backup_header(*parsed);
  vigie::fuzz::require(
      again.size() == kBackupHeaderBytes && std::equal(again.begin(), again.end(), bytes.begin()),
      "a parsed header formats back to the same bytes");
  return 0;
}
