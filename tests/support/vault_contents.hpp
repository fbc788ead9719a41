#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/entry.hpp"
#include "support/temp_dir.hpp"

// Reads a vault's files as an attacker (or an auditor) would: straight from SQLite, no key.

namespace vigie::testing {

// Every row of `sql`'s result, each column as text or hex, one line per row.
inline std::string query_rows(const std::filesystem::path& data_file, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string rows;
  if (sqlite3_open_v2(data_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot prepare";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  while (sqlite3_step(statement) == SQLITE_ROW) {
    for (int column = 0; column < sqlite3_column_count(statement); ++column) {
      const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(statement, column));
      const int size = sqlite3_column_bytes(statement, column);
      for (int index = 0; index < size; ++index) {
        rows += kHex[bytes[index] >> 4];
        rows += kHex[bytes[index] & 0x0f];
      }
      rows += '|';
    }
    rows += '\n';
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

// The keyring's bytes and every row of the data file except the audit log's: what a call that
// must change nothing may not change. (Every call, even a refused one, appends to the audit log.)
inline std::string vault_contents(const std::filesystem::path& vault_dir) {
  const std::filesystem::path data_file = vault_dir / "vault.db";
  std::string contents = read_file(vault_dir / "keyring.db");
  for (const char* table : {"resource_versions", "resources_current", "search_tokens", "meta"}) {
    contents += query_rows(data_file, std::string("SELECT * FROM ") + table);
  }
  return contents;
}

// The audit chain's entries, decoded, in seq order.
inline std::vector<audit::Entry> audit_chain(const std::filesystem::path& vault_dir) {
  std::vector<audit::Entry> entries;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((vault_dir / "audit.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT canonical FROM audit_log ORDER BY seq", -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(statement, 0));
      auto entry =
          audit::decode(std::span(bytes, static_cast<size_t>(sqlite3_column_bytes(statement, 0))));
      if (entry) {
        entries.push_back(std::move(*entry));
      }
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return entries;
}

// The entries that record an access, in seq order: the chain without the statements that a
// write's intent committed (audit::kActionCommit), which tests of the write protocol read through
// audit_chain.
inline std::vector<audit::Entry> audit_entries(const std::filesystem::path& vault_dir) {
  std::vector<audit::Entry> entries = audit_chain(vault_dir);
  std::erase_if(entries,
                [](const audit::Entry& entry) { return entry.action == audit::kActionCommit; });
  return entries;
}

}  // namespace vigie::testing
