// Untrusted audit input: stored entry bytes (a tampered data file), lines of the external
// checkpoint file, and the times given to `vigie audit` and `vigie incident report`. The same
// bytes are tried as all three.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/query.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::audit;
  using vigie::fuzz::require;
  const std::span<const uint8_t> bytes(data, size);

  vigie::Result<Entry> decoded = decode(bytes);
  const std::optional<int64_t> seq = canonical_seq(bytes);
  require(decoded.has_value() == seq.has_value(), "decode and canonical_seq agree");
  if (decoded) {
    require(*seq == decoded->seq, "canonical_seq reads the decoded seq");
    require(encode(*decoded) == std::vector<uint8_t>(bytes.begin(), bytes.end()),
            "an entry that decodes is canonical: it encodes back to the same bytes");
    static_cast<void>(render_table({*decoded}));
    static_cast<void>(to_json(*decoded));
  } else {
    require(decoded.error().code == vigie::ErrorCode::kIntegrity,
            "a malformed entry is an integrity error");
  }

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Result<Checkpoint> checkpoint = parse_checkpoint_line(text);
  if (checkpoint) {
    require(format_checkpoint_line(*checkpoint) == text,
            "a checkpoint line that parses is canonical");
  } else {
    require(checkpoint.error().code == vigie::ErrorCode::kIntegrity,
            "a malformed checkpoint line is an integrity error");
  }

  for (bool end_of_day : {false, true}) {
    vigie::Result<int64_t> time = parse_time(text, end_of_day);
    require(time.has_value() || time.error().code == vigie::ErrorCode::kUsage,
            "a malformed time is a usage error");
  }
  return 0;
}
