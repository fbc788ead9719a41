#include "cli/import_opened.hpp"

#include <filesystem>

#include "cli/import_file.hpp"
#include "lifecycle/package.hpp"

namespace vigie::cli {

Result<ImportSource> import_source(const std::vector<std::string>& arguments) {
  std::error_code error;
  if (arguments.size() != 1 || !std::filesystem::is_directory(arguments.front(), error)) {
    return ImportSource{arguments, [](const std::string& file) { return read_import_file(file); }};
  }
  const std::filesystem::path dir = arguments.front();
  auto manifest = lifecycle::check_opened_package(dir);
  if (!manifest) {
    return tl::unexpected(manifest.error());
  }
  ImportSource source;
  std::vector<lifecycle::PackageFile> ordered;
  for (const bool patients : {true, false}) {
    for (const lifecycle::PackageFile& file : manifest->files) {
      if ((file.type == "Patient") == patients) {
        source.files.push_back((dir / file.name).string());
        ordered.push_back(file);
      }
    }
  }
  source.read = [dir, ordered](const std::string& path) -> Result<boost::json::object> {
    for (const lifecycle::PackageFile& file : ordered) {
      if ((dir / file.name).string() == path) {
        auto contents = lifecycle::read_opened_file(dir, file);
        if (!contents) {
          return tl::unexpected(contents.error());
        }
        return ndjson_bundle(*contents, path);
      }
    }
    return fail(ErrorCode::kInternal, "a file the manifest does not list");
  };
  return source;
}

}  // namespace vigie::cli
