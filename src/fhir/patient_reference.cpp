#include "fhir/patient_reference.hpp"

#include "fhir/resource_types.hpp"

namespace vigie::fhir {

namespace {

constexpr std::string_view kHistorySegment = "/_history/";
constexpr std::string_view kPatientPrefix = "Patient/";
// The same segment inside an absolute URL (".../fhir/Patient/123").
constexpr std::string_view kSlashPatientPrefix = "/Patient/";

bool is_absolute_url(std::string_view text) {
  return text.starts_with("http://") || text.starts_with("https://");
}

}  // namespace

std::optional<std::string> patient_id_from_reference(std::string_view reference) {
  size_t history = reference.find(kHistorySegment);
  if (history != std::string_view::npos) {
    if (!is_valid_id(reference.substr(history + kHistorySegment.size()))) {
      return std::nullopt;
    }
    reference = reference.substr(0, history);
  }
  size_t type_start = 0;
  if (!reference.starts_with(kPatientPrefix)) {
    size_t marker = reference.rfind(kSlashPatientPrefix);
    if (marker == std::string_view::npos || !is_absolute_url(reference)) {
      return std::nullopt;
    }
    type_start = marker + 1;
  }
  std::string_view id = reference.substr(type_start + kPatientPrefix.size());
  if (!is_valid_id(id)) {
    return std::nullopt;
  }
  return std::string(id);
}

}  // namespace vigie::fhir
