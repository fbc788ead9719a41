#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "fhir/bundle.hpp"

// The data and the request sequences that every engine of a benchmark run receives, and their
// file form, which carries them to the separate SQLCipher process.

namespace vigie::bench {

struct ResourceKey {
  std::string type;
  std::string id;
};

struct Workload {
  // Planned creates, split into the transactions every engine imports in this order.
  std::vector<fhir::BundlePlan> batches;
  // Point reads, in order.
  std::vector<ResourceKey> reads;
  // Patient identifier searches, "system|value", in order.
  std::vector<std::string> identifiers;
  // Patient family-name searches, 3-character prefixes, in order.
  std::vector<std::string> family_prefixes;

  [[nodiscard]] size_t resource_count() const;
};

// Writes `workload` as lines of JSON: a header with the batch sizes and the request sequences,
// then one line per planned entry with its type, id, resource and index entries
// (fhir::index_entries, clear). kInternal if the file cannot be written.
[[nodiscard]] Result<void> write_workload(const Workload& workload,
                                          const std::filesystem::path& path);

// Reads a file made by write_workload. Recomputes every entry's index entries and fails with
// kIntegrity if they differ from the file's (both processes must do the same indexing work).
// kInvalidInput if the file is malformed, kNotFound if it does not exist.
[[nodiscard]] Result<Workload> read_workload(const std::filesystem::path& path);

}  // namespace vigie::bench
