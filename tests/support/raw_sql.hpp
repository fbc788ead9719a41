#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace vigie::testing {

// Runs `sql` through a raw connection, as an attacker with the sqlite3 shell.
inline void exec_raw(const std::filesystem::path& data_file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(data_file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  // The vault's own writers (the audit committer flushing queued statements) may hold the file
  // for a moment: wait as the sqlite3 shell's user would retry, instead of failing on SQLITE_BUSY.
  sqlite3_busy_timeout(db, 10'000);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// The first column of the first row of `sql` (a count), read through a raw read-only connection;
// -1 when the file cannot be read.
inline int64_t raw_count(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return count;
}

}  // namespace vigie::testing
