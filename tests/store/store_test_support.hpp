#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.hpp"

// Helpers shared by the store tests.

namespace vigie::store::test_support {

// A fresh directory under the system temporary directory, removed with its content on
// destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const uint64_t name = (static_cast<uint64_t>(random()) << 32) | random();
    path_ = std::filesystem::temp_directory_path() / ("vigie-store-test-" + std::to_string(name));
    std::filesystem::create_directory(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The whole content of a file.
inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file of `dir` with its content.
inline std::map<std::string, std::vector<uint8_t>> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::vector<uint8_t>> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files.emplace(entry.path().filename().string(), read_bytes(entry.path()));
  }
  return files;
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
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

}  // namespace vigie::store::test_support
