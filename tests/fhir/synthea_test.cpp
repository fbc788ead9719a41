#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "fhir/bundle.hpp"
#include "fhir/json.hpp"
#include "fhir/search_index.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

// The optional shared sample data (see ../shared/data/synthea-r4/README.md); absent from a fresh
// clone, in which case the test is skipped.
std::filesystem::path synthea_folder() {
  return std::filesystem::path(VIGIE_SOURCE_DIR) / ".." / "shared" / "data" / "synthea-r4";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(Synthea, EveryBundlePlans) {
  std::filesystem::path folder = synthea_folder();
  if (!std::filesystem::is_directory(folder)) {
    GTEST_SKIP() << "no Synthea sample data beside the repository";
  }
  size_t bundles = 0;
  size_t resources = 0;
  size_t in_patient_compartment = 0;
  for (const auto& file : std::filesystem::directory_iterator(folder)) {
    if (file.path().extension() != ".json") {
      continue;
    }
    SCOPED_TRACE(file.path().filename().string());
    Result<boost::json::object> bundle = parse_json_object(read_file(file.path()));
    ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
    size_t next_id = 0;
    Result<BundlePlan> plan =
        plan_bundle(*bundle, [&next_id] { return "id-" + std::to_string(++next_id); });
    ASSERT_TRUE(plan.has_value()) << plan.error().message;
    for (const PlannedEntry& entry : plan->entries) {
      EXPECT_FALSE(entry.error.has_value()) << entry.error->message;
      EXPECT_EQ(entry.action, EntryAction::kCreate);
      std::optional<std::string> patient = patient_compartment_of(entry.resource);
      if (entry.type != "Organization" && entry.type != "Practitioner") {
        EXPECT_TRUE(patient.has_value()) << entry.type;
        in_patient_compartment += patient ? 1 : 0;
      }
      EXPECT_EQ(to_json_text(entry.resource).find(R"("reference":"urn:uuid:)"), std::string::npos);
    }
    resources += plan->entries.size();
    ++bundles;
  }
  EXPECT_GT(bundles, 0u);
  EXPECT_GT(in_patient_compartment, resources / 2);
}

}  // namespace
}  // namespace vigie::fhir
