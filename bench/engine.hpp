#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "fhir/bundle.hpp"
#include "fhir/search.hpp"

// The operations every benchmarked storage engine offers, so that one measuring loop drives them
// all with the same data and the same sequence of requests.

namespace vigie::bench {

// One engine over one freshly created database. Not thread-safe.
class Engine {
 public:
  virtual ~Engine() = default;

  // Stores every entry of `batch` (creates only) in one write transaction: stamps id and meta,
  // computes the index entries, serialises the JSON and writes the rows. All or nothing.
  [[nodiscard]] virtual Result<void> import_batch(const fhir::BundlePlan& batch) = 0;

  // The current version of type/id, parsed back from its stored JSON. kNotFound if absent.
  [[nodiscard]] virtual Result<boost::json::object> read(const std::string& type,
                                                         const std::string& id) = 0;

  // The requested page of a token search, each match parsed back from its stored JSON.
  [[nodiscard]] virtual Result<std::vector<boost::json::object>> search(
      const fhir::SearchQuery& query) = 0;
};

}  // namespace vigie::bench
