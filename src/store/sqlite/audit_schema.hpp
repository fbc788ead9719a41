#pragma once

#include <string_view>

#include "store/sqlite/data_schema.hpp"

// The audit file's schema and connection settings as SQL text.

namespace vigie::store::sqlite {

// Version 1 of the audit file: the audit log and its checkpoints, exactly as version 2 of the
// data file held them (kDataSchemaV2, with its append-only triggers), so that an older vault's
// rows copy across unchanged.
inline constexpr std::string_view kAuditSchemaV1 = kDataSchemaV2;

// Version 2: the intents whose outcome the log does not state yet (store.hpp,
// AuditStore::add_pending_intent). Bookkeeping, not evidence: the intents themselves are chained
// entries, and so are their outcomes.
inline constexpr std::string_view kAuditSchemaV2 = R"sql(
CREATE TABLE pending_intents (
  last_seq INTEGER PRIMARY KEY,
  first_seq INTEGER NOT NULL
);
)sql";

// Connection settings: the default page cache is enough for appends at the end of the log.
inline constexpr std::string_view kAuditPragmas = R"sql(
PRAGMA synchronous = NORMAL;
PRAGMA temp_store = MEMORY;
)sql";

}  // namespace vigie::store::sqlite
