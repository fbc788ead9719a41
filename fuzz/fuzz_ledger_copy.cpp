// Untrusted erasure ledger copy (vigie restore --ledger FILE): the line parser and the chain of
// signatures, under a key the fuzzer cannot sign with.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_invariant.hpp"
#include "vault/ledger_copy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::vault;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lines = parse_ledger_copy(text);
  if (!lines) {
    vigie::fuzz::require(lines.error().code == vigie::ErrorCode::kIntegrity,
                         "a refused copy is an integrity failure");
    return 0;
  }
  std::string again;
  for (const LedgerCopyLine& line : *lines) {
    again += format_ledger_copy_line(line);
    again += '\n';
  }
  vigie::fuzz::require(again == text, "a parsed copy formats back to the same bytes");
  vigie::fuzz::require(ledger_entries(*lines).size() == lines->size(), "one entry per line");
  // A fixed public key whose secret nobody has: no non-empty copy may verify.
  std::array<uint8_t, 32> public_key{};
  public_key.fill(0x5a);
  auto verified = verify_ledger_copy(*lines, public_key);
  vigie::fuzz::require(lines->empty() == verified.has_value(),
                       "only an empty copy verifies under a key nobody holds");
  return 0;
}
