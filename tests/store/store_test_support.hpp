#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.hpp"
#include "support/temp_dir.hpp"

// Helpers shared by the store tests, beside the generic ones of support/temp_dir.hpp.

namespace vigie::store::test_support {

using vigie::testing::snapshot;
using vigie::testing::TempDir;

// The whole content of a file, as bytes.
inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  const std::string content = vigie::testing::read_file(path);
  return {content.begin(), content.end()};
}

// True when `needle` occurs in `haystack`.
inline bool contains(const std::vector<uint8_t>& haystack, const std::vector<uint8_t>& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// The first column of the first row of `sql` as text, read through a separate raw connection.
// Records a test failure (and returns "") when the query fails or returns no row.
inline std::string query_text(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string value;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return value;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot prepare " << sql << ": " << sqlite3_errmsg(db);
  } else if (sqlite3_step(stmt) != SQLITE_ROW) {
    ADD_FAILURE() << "no row from " << sql << ": " << sqlite3_errmsg(db);
  } else {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    value = text == nullptr ? "" : text;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

inline int64_t query_int(const std::filesystem::path& path, const std::string& sql) {
  const std::string text = query_text(path, sql);
  return text.empty() ? -1 : std::stoll(text);
}

// Runs `sql` through a separate raw connection, as someone with the sqlite3 shell would. Returns
// SQLite's error message, or "" when every statement succeeded.
inline std::string exec_raw(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open the file";
  }
  char* message = nullptr;
  std::string error;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    error = message == nullptr ? "failed without a message" : message;
  }
  sqlite3_free(message);
  sqlite3_close(db);
  return error;
}

// The value of a lookup that must succeed and find something. Records a test failure and returns
// T{} otherwise.
template <typename T>
T found(const Result<std::optional<T>>& result) {
  if (!result) {
    ADD_FAILURE() << "lookup failed: " << result.error().message;
    return T{};
  }
  const std::optional<T>& value = *result;
  if (!value.has_value()) {
    ADD_FAILURE() << "lookup found nothing";
    return T{};
  }
  return *value;
}

// A token whose 16 bytes all equal `seed`.
inline Token token_of(uint8_t seed) {
  Token token;
  token.fill(seed);
  return token;
}

// `size` random bytes, distinct enough to be searched for in a file.
inline std::vector<uint8_t> random_bytes(size_t size) {
  std::random_device random;
  std::vector<uint8_t> bytes(size);
  for (uint8_t& byte : bytes) {
    byte = static_cast<uint8_t>(random());
  }
  return bytes;
}

// Writes `bytes` to `path`, replacing it.
inline void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  vigie::testing::write_file(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace vigie::store::test_support
