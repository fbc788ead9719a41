#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/engine.hpp"

// The baseline engines: the schema, pragmas and statements of store/sqlite/, written directly
// against the sqlite3 C API, with the resource JSON stored in clear and the clear index values
// in the token table. Compiled twice: against libsqlite3 (plaintext baseline) and against
// libsqlcipher (the same code, with a key: whole-file page encryption).

namespace vigie::bench {

struct PlainSqlOptions {
  std::filesystem::path path;  // must not exist
  // 64 hex digits: a raw 256-bit SQLCipher key (no key derivation). Empty: no encryption.
  std::string raw_key_hex;
  // SQLCipher's page size (cipher_page_size); the plaintext baseline keeps SQLite's default.
  int cipher_page_size = 4096;
};

// Not thread-safe.
class PlainSqlEngine final : public Engine {
 public:
  // Creates the database file with store/sqlite/'s schema and connection settings.
  [[nodiscard]] static Result<std::unique_ptr<PlainSqlEngine>> create(
      const PlainSqlOptions& options);

  ~PlainSqlEngine() override;
  PlainSqlEngine(const PlainSqlEngine&) = delete;
  PlainSqlEngine& operator=(const PlainSqlEngine&) = delete;

  Result<void> import_batch(const fhir::BundlePlan& batch) override;
  Result<boost::json::object> read(const std::string& type, const std::string& id) override;
  Result<std::vector<boost::json::object>> search(const fhir::SearchQuery& query) override;

  // The library version and the settings that matter for the comparison (page size, cache
  // size, journal mode, synchronous, and the cipher settings when the library has them), as
  // name/value pairs.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> settings();

 private:
  struct Impl;
  explicit PlainSqlEngine(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace vigie::bench
