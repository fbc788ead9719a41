// Import, then read with the real binary: numbers come back as written, and an input that could
// not be read back is refused at import.
#include <gtest/gtest.h>

#include <string>

#include "cli_fixture.hpp"

namespace vigie {
namespace {

using testing::CliTest;
using testing::ProcessResult;

constexpr std::string_view kPatient =
    R"({"resourceType":"Patient","id":"p1","name":[{"family":"Durand"}]})";

std::string observation(std::string_view id, std::string_view value) {
  return "{\"resourceType\":\"Observation\",\"id\":\"" + std::string(id) +
         R"(","status":"final","code":{"text":"glycémie"},"subject":{"reference":"Patient/p1"},"valueQuantity":{"value":)" +
         std::string(value) + "}}";
}

TEST_F(CliTest, ADecimalComesBackAsWrittenFromGetSearchAndHistory) {
  init_vault();
  ASSERT_EQ(
      vigie_on_vault("import", {write_input("patient.json", std::string(kPatient))}).exit_code, 0);
  ProcessResult imported =
      vigie_on_vault("import", {write_input("o1.json", observation("o1", "1.50"))});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;

  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"get", "Observation/o1"},
        std::vector<std::string>{"search", "Observation", "patient=p1"},
        std::vector<std::string>{"history", "Observation/o1"}}) {
    ProcessResult result = vigie_on_vault(
        command.front(), std::vector<std::string>(command.begin() + 1, command.end()));
    ASSERT_EQ(result.exit_code, 0) << command.front() << ": " << result.err;
    EXPECT_NE(result.out.find("\"value\": 1.50\n"), std::string::npos) << result.out;
  }
}

// Found by fuzz_json_resource: this imported with exit 0, then `get` failed with exit 6.
TEST_F(CliTest, AnOverflowingDecimalIsRefusedAtImportAndNothingIsStored) {
  init_vault();
  ASSERT_EQ(
      vigie_on_vault("import", {write_input("patient.json", std::string(kPatient))}).exit_code, 0);
  ProcessResult imported =
      vigie_on_vault("import", {write_input("o2.json", observation("o2", "999906e00001595"))});
  EXPECT_EQ(imported.exit_code, 5) << imported.out;
  EXPECT_NE(imported.err.find("Observation.valueQuantity.value: must be a decimal"),
            std::string::npos)
      << imported.err;

  ProcessResult read = vigie_on_vault("get", {"Observation/o2"});
  EXPECT_EQ(read.exit_code, 4) << read.err;
}

}  // namespace
}  // namespace vigie
