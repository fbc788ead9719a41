// Untrusted migration packages (lifecycle/package.hpp): the file's structure, its trailer, the
// manifest parser and the signature check, as `vigie export open` runs them before any key is
// used; and the manifest parser alone on the raw input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz_invariant.hpp"
#include "lifecycle/package.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::lifecycle;
  auto verified = verify_package_bytes(std::span(data, size), std::nullopt);
  if (!verified) {
    vigie::fuzz::require(verified.error().code == vigie::ErrorCode::kIntegrity,
                         "a refused package is an integrity failure");
    vigie::fuzz::require(!verified.error().french.empty(), "a refusal says why in French too");
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = parse_manifest(text);
  if (manifest) {
    auto again = parse_manifest(manifest_text(*manifest));
    vigie::fuzz::require(again.has_value(), "a parsed manifest parses again once written");
    vigie::fuzz::require(manifest_text(*again) == manifest_text(*manifest),
                         "writing a parsed manifest is stable");
    for (const PackageFile& file : manifest->files) {
      vigie::fuzz::require(file.name.find('/') == std::string::npos,
                           "a file name never leaves the output directory");
    }
  }
  return 0;
}
