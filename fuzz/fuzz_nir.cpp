// Untrusted NIR / NIA and RPPS numbers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fhir/identifiers.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::fhir;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Result<void> checked = validate_nir(text);
  if (checked) {
    int key = (text[13] - '0') * 10 + (text[14] - '0');
    vigie::fuzz::require(key == nir_control_key(text.substr(0, 13)), "a valid NIR has its key");
  } else {
    vigie::fuzz::require(checked.error().code == vigie::ErrorCode::kInvalidInput,
                         "a rejected NIR is invalid input");
    const std::string& message = checked.error().message;
    vigie::fuzz::require(
        message == "NIR must be 15 characters" ||
            message == "NIR must contain only digits (2A/2B allowed for Corsica)" ||
            message == "NIR must start with 1, 2, 3, 4, 7 or 8" ||
            message == "NIR has an invalid control key",
        "the message is a fixed rule, never the value");
  }
  (void)is_valid_rpps(text);
  return 0;
}
