#include "audit/entry.hpp"

#include <algorithm>
#include <limits>

#include "audit/bytes.hpp"
#include "common/utf8.hpp"

namespace vigie::audit {

static_assert(kMaxStringBytes <= std::numeric_limits<uint16_t>::max());
static_assert(kMaxTargets <= std::numeric_limits<uint32_t>::max());

namespace {

// Entry flags.
constexpr uint8_t kBreakGlass = 0x01;
constexpr uint8_t kDecryptedDataLeft = 0x02;
constexpr uint8_t kSupervise = 0x04;
constexpr uint8_t kAwaitsCommit = 0x08;
// Target flags: the field is the previous target's and is not stored again.
constexpr uint8_t kSameType = 0x01;
constexpr uint8_t kSameCompartment = 0x02;
// The fewest bytes a target can take: flags, an empty id and the version.
constexpr size_t kMinTargetBytes = 1 + 2 + 8;

// `text` as it is stored: itself when already valid and short enough (the common case, no
// copy), otherwise a cleaned copy kept in `storage`.
std::string_view storable(std::string_view text, std::string& storage) {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (text.size() <= kMaxStringBytes && is_valid_utf8(bytes)) {
    return text;
  }
  storage = to_valid_utf8(text, kMaxStringBytes);
  return storage;
}

void write_string(ByteWriter& writer, std::string_view text) {
  std::string storage;
  const std::string_view stored = storable(text, storage);
  writer.u16(static_cast<uint16_t>(stored.size()));
  writer.bytes(stored);
}

std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Reads canonical bytes into `out` (or only checks them when `out` is null). Returns nullptr on
// success, otherwise a description of what is malformed (no content).
class EntryParser {
 public:
  EntryParser(std::span<const uint8_t> bytes, Entry* out) : cursor_(bytes), out_(out) {}

  const char* parse(int64_t& seq) {
    uint8_t format = 0;
    if (!cursor_.u8(format)) {
      return "it is empty";
    }
    if (format != kEntryFormatVersion) {
      return "its format version is unknown";
    }
    int64_t time_ms = 0;
    if (!cursor_.i64(seq) || !cursor_.i64(time_ms)) {
      return "it is truncated";
    }
    uint8_t actor_kind = 0;
    if (!cursor_.u8(actor_kind)) {
      return "it is truncated";
    }
    if (actor_kind > static_cast<uint8_t>(ActorKind::kService)) {
      return "its actor kind is unknown";
    }
    Entry* out = out_;
    if (out != nullptr) {
      out->seq = seq;
      out->time_ms = time_ms;
      out->actor.kind = static_cast<ActorKind>(actor_kind);
    }
    std::span<const uint8_t> text;
    for (std::string Actor::*field : {&Actor::login, &Actor::os_user, &Actor::session_id,
                                      &Actor::address, &Actor::user_agent, &Actor::auth_method}) {
      if (const char* problem = string(text)) {
        return problem;
      }
      if (out != nullptr) {
        out->actor.*field = as_text(text);
      }
    }
    for (std::string Entry::*field : {&Entry::action, &Entry::purpose}) {
      if (const char* problem = string(text)) {
        return problem;
      }
      if (out != nullptr) {
        out->*field = as_text(text);
      }
    }
    uint8_t flags = 0;
    uint8_t outcome = 0;
    if (!cursor_.u8(flags) || !cursor_.u8(outcome)) {
      return "it is truncated";
    }
    if ((flags & ~(kBreakGlass | kDecryptedDataLeft | kSupervise | kAwaitsCommit)) != 0) {
      return "it sets reserved flags";
    }
    if (outcome > static_cast<uint8_t>(Outcome::kFailed)) {
      return "its outcome is unknown";
    }
    if (const char* problem = string(text)) {
      return problem;
    }
    int64_t resources_returned = 0;
    if (!cursor_.i64(resources_returned)) {
      return "it is truncated";
    }
    if (out != nullptr) {
      out->break_glass = (flags & kBreakGlass) != 0;
      out->decrypted_data_left = (flags & kDecryptedDataLeft) != 0;
      out->supervise = (flags & kSupervise) != 0;
      out->awaits_commit = (flags & kAwaitsCommit) != 0;
      out->outcome = static_cast<Outcome>(outcome);
      out->reason = as_text(text);
      out->resources_returned = resources_returned;
    }
    if (const char* problem = targets()) {
      return problem;
    }
    if (cursor_.remaining() != 0) {
      return "it has trailing bytes";
    }
    return nullptr;
  }

 private:
  const char* string(std::span<const uint8_t>& out) {
    uint16_t size = 0;
    if (!cursor_.u16(size)) {
      return "it is truncated";
    }
    if (size > kMaxStringBytes) {
      return "a string is longer than the limit";
    }
    if (!cursor_.bytes(size, out)) {
      return "it is truncated";
    }
    if (!is_valid_utf8(out)) {
      return "a string is not valid UTF-8";
    }
    return nullptr;
  }

  // A type or compartment that may repeat the previous target's.
  const char* repeatable_string(bool repeated, bool first, std::span<const uint8_t>& value) {
    if (repeated) {
      return first ? "its first target repeats a previous one" : nullptr;
    }
    std::span<const uint8_t> previous = value;
    if (const char* problem = string(value)) {
      return problem;
    }
    if (!first && as_text(value) == as_text(previous)) {
      return "a target repeats a field without the repeat flag";
    }
    return nullptr;
  }

  const char* targets() {
    uint32_t count = 0;
    if (!cursor_.u32(count)) {
      return "it is truncated";
    }
    if (count > kMaxTargets) {
      return "it lists more targets than the limit";
    }
    if (count > cursor_.remaining() / kMinTargetBytes) {
      return "it is truncated";
    }
    if (out_ != nullptr) {
      out_->targets.reserve(count);
    }
    std::span<const uint8_t> type;
    std::span<const uint8_t> compartment;
    std::span<const uint8_t> id;
    for (uint32_t index = 0; index < count; ++index) {
      const bool first = index == 0;
      uint8_t flags = 0;
      if (!cursor_.u8(flags)) {
        return "it is truncated";
      }
      if ((flags & ~(kSameType | kSameCompartment)) != 0) {
        return "a target sets reserved flags";
      }
      if (const char* problem = repeatable_string((flags & kSameType) != 0, first, type)) {
        return problem;
      }
      if (const char* problem = string(id)) {
        return problem;
      }
      int64_t version = 0;
      if (!cursor_.i64(version)) {
        return "it is truncated";
      }
      if (const char* problem =
              repeatable_string((flags & kSameCompartment) != 0, first, compartment)) {
        return problem;
      }
      if (out_ != nullptr) {
        out_->targets.push_back(Target{.type = std::string(as_text(type)),
                                       .id = std::string(as_text(id)),
                                       .version = version,
                                       .compartment = std::string(as_text(compartment))});
      }
    }
    return nullptr;
  }

  ByteCursor cursor_;
  Entry* out_;
};

}  // namespace

std::string_view name_of(ActorKind kind) {
  switch (kind) {
    case ActorKind::kCustodian:
      return "custodian";
    case ActorKind::kAccount:
      return "account";
    case ActorKind::kService:
      return "service";
  }
  return "unknown";
}

std::string_view name_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kDenied:
      return "denied";
    case Outcome::kFailed:
      return "failed";
  }
  return "unknown";
}

std::vector<uint8_t> encode(const Entry& entry) {
  std::vector<uint8_t> out;
  out.reserve(128 + entry.targets.size() * 48);
  ByteWriter writer(out);
  writer.u8(kEntryFormatVersion);
  writer.i64(entry.seq);
  writer.i64(entry.time_ms);
  writer.u8(static_cast<uint8_t>(entry.actor.kind));
  for (const std::string* text :
       {&entry.actor.login, &entry.actor.os_user, &entry.actor.session_id, &entry.actor.address,
        &entry.actor.user_agent, &entry.actor.auth_method, &entry.action, &entry.purpose}) {
    write_string(writer, *text);
  }
  writer.u8(static_cast<uint8_t>(
      (entry.break_glass ? kBreakGlass : 0) | (entry.decrypted_data_left ? kDecryptedDataLeft : 0) |
      (entry.supervise ? kSupervise : 0) | (entry.awaits_commit ? kAwaitsCommit : 0)));
  writer.u8(static_cast<uint8_t>(entry.outcome));
  write_string(writer, entry.reason);
  writer.i64(entry.resources_returned);

  const size_t count = std::min(entry.targets.size(), kMaxTargets);
  writer.u32(static_cast<uint32_t>(count));
  std::string type_storage;
  std::string compartment_storage;
  std::string previous_type;
  std::string previous_compartment;
  for (size_t index = 0; index < count; ++index) {
    const Target& target = entry.targets[index];
    const std::string_view type = storable(target.type, type_storage);
    const std::string_view compartment = storable(target.compartment, compartment_storage);
    const bool same_type = index > 0 && type == previous_type;
    const bool same_compartment = index > 0 && compartment == previous_compartment;
    writer.u8(static_cast<uint8_t>((same_type ? kSameType : 0) |
                                   (same_compartment ? kSameCompartment : 0)));
    if (!same_type) {
      writer.u16(static_cast<uint16_t>(type.size()));
      writer.bytes(type);
      previous_type = type;
    }
    write_string(writer, target.id);
    writer.i64(target.version);
    if (!same_compartment) {
      writer.u16(static_cast<uint16_t>(compartment.size()));
      writer.bytes(compartment);
      previous_compartment = compartment;
    }
  }
  return out;
}

Result<Entry> decode(std::span<const uint8_t> canonical) {
  Entry entry;
  int64_t seq = 0;
  if (const char* problem = EntryParser(canonical, &entry).parse(seq)) {
    return fail(ErrorCode::kIntegrity, std::string("audit entry is malformed: ") + problem);
  }
  return entry;
}

std::optional<int64_t> canonical_seq(std::span<const uint8_t> canonical) {
  int64_t seq = 0;
  if (EntryParser(canonical, nullptr).parse(seq) != nullptr) {
    return std::nullopt;
  }
  return seq;
}

}  // namespace vigie::audit
