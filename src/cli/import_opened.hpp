#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"

// What `vigie import` reads: the files it is given, or the directory that `vigie export open`
// wrote (docs/architecture.md 11.5), checked against its signed manifest first.

namespace vigie::cli {

struct ImportSource {
  std::vector<std::string> files;  // in import order
  // Reads one of `files` as a Bundle for gate::Gate::import_bundle.
  std::function<Result<boost::json::object>(const std::string&)> read;
};

// For one directory: lifecycle::check_opened_package (signature, nothing but the listed files,
// every file's line count and SHA-256), then its files with Patient first, so that every other
// resource's patient resolves; each file is read again and checked against the manifest when it
// is imported (a file changed in between is refused). For anything else: the files as given,
// read by read_import_file. kIntegrity for a directory that does not match its manifest.
[[nodiscard]] Result<ImportSource> import_source(const std::vector<std::string>& arguments);

}  // namespace vigie::cli
