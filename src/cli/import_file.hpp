#pragma once

#include <filesystem>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/error.hpp"

namespace vigie::cli {

// Reads one file given to `vigie import` as a Bundle ready for gate::Gate::import_bundle:
// - a Bundle (transaction, batch or collection) as it is;
// - any other single resource, wrapped in a collection Bundle;
// - NDJSON (name ending in .ndjson or .jsonl): one resource per line, wrapped in a collection
//   Bundle; blank lines are skipped.
// kInvalidInput naming the file (and the line, for NDJSON) when the file cannot be read, is
// over the size limit, or is not JSON. The file's content never appears in a message.
[[nodiscard]] Result<boost::json::object> read_import_file(const std::filesystem::path& path);

// NDJSON text (one resource per line; blank lines skipped) as a collection Bundle; errors name
// `path` and the line, as read_import_file does.
[[nodiscard]] Result<boost::json::object> ndjson_bundle(std::string_view text,
                                                        const std::filesystem::path& path);

}  // namespace vigie::cli
