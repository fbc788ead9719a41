#include "fhir/identifiers.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "fhir/nir_rules.hpp"

namespace vigie::fhir {

namespace {

constexpr size_t kNirLength = 15;
constexpr size_t kNirBodyLength = 13;
constexpr size_t kDepartmentOffset = 5;  // the two characters of the department: 2A / 2B allowed
constexpr int64_t kNirModulus = 97;
constexpr size_t kRppsLength = 11;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_valid_first_digit(char c) {
  return c == '1' || c == '2' || c == '3' || c == '4' || c == '7' || c == '8';
}

bool is_corsica_department(std::string_view body) {
  std::string_view department = body.substr(kDepartmentOffset, 2);
  return department == "2A" || department == "2B";
}

// The 13-digit number the key is computed on: Corsica's 2A counts as 19 and 2B as 18.
int64_t nir_body_number(std::string_view body) {
  int64_t number = 0;
  for (size_t position = 0; position < kNirBodyLength; ++position) {
    char c = body[position];
    if (position == kDepartmentOffset && c == '2' && body[position + 1] == 'A') {
      number = number * 100 + 19;
      ++position;
      continue;
    }
    if (position == kDepartmentOffset && c == '2' && body[position + 1] == 'B') {
      number = number * 100 + 18;
      ++position;
      continue;
    }
    number = number * 10 + (c - '0');
  }
  return number;
}

}  // namespace

std::optional<std::string_view> nir_rule_violation(std::string_view value) {
  if (value.size() != kNirLength) {
    return "must be 15 characters";
  }
  bool corsica = is_corsica_department(value);
  for (size_t position = 0; position < kNirLength; ++position) {
    bool corsica_letters =
        corsica && (position == kDepartmentOffset || position == kDepartmentOffset + 1);
    if (!corsica_letters && !is_digit(value[position])) {
      return "must contain only digits (2A/2B allowed for Corsica)";
    }
  }
  if (!is_valid_first_digit(value[0])) {
    return "must start with 1, 2, 3, 4, 7 or 8";
  }
  int key = (value[kNirBodyLength] - '0') * 10 + (value[kNirBodyLength + 1] - '0');
  if (key != nir_control_key(value.substr(0, kNirBodyLength))) {
    return "has an invalid control key";
  }
  return std::nullopt;
}

Result<void> validate_nir(std::string_view value) {
  std::optional<std::string_view> violation = nir_rule_violation(value);
  if (violation) {
    return fail(ErrorCode::kInvalidInput, "NIR " + std::string(*violation));
  }
  return {};
}

int nir_control_key(std::string_view first13) {
  return static_cast<int>(kNirModulus - nir_body_number(first13) % kNirModulus);
}

bool is_valid_rpps(std::string_view value) {
  return value.size() == kRppsLength && std::all_of(value.begin(), value.end(), is_digit);
}

}  // namespace vigie::fhir
