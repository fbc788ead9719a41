#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "lifecycle/export_job.hpp"
#include "support/temp_dir.hpp"

namespace vigie::lifecycle {
namespace {

namespace json = boost::json;

constexpr int64_t kRequestNow = 1'800'000'000'000;

ExportRequest valid_request() {
  ExportRequest request;
  request.purpose = "migration";
  request.types = {"Patient", "Observation"};
  request.fields = {"Patient.name", "Patient.birthDate"};
  request.patients = {"p1", "p2"};
  request.expires_ms = kRequestNow + 1000;
  return request;
}

TEST(ExportRequestTest, PurposeTypesAndPatientsAreRequired) {
  EXPECT_TRUE(check_request(valid_request(), kRequestNow));
  ExportRequest request = valid_request();
  request.purpose = "   ";
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.types.clear();
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.types.push_back("Patient");
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.types.push_back("Patients");
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.fields.push_back("Condition.code");  // a type not listed
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.fields.push_back("Patient.name.family");
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.patients.clear();
  EXPECT_FALSE(check_request(request, kRequestNow));
  request.all_patients = true;
  EXPECT_TRUE(check_request(request, kRequestNow));
  request.patients = {"p1"};
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.patients.push_back("p1");
  EXPECT_FALSE(check_request(request, kRequestNow));
  request = valid_request();
  request.expires_ms = kRequestNow;
  EXPECT_FALSE(check_request(request, kRequestNow));
}

TEST(ExportRequestTest, ThePatientListTakesIdsAndReferences) {
  testing::TempDir dir;
  {
    std::ofstream out(dir / "patients.txt");
    out << "# liste\np1\nPatient/p2\n\n  p3  \n";
  }
  auto ids = read_patient_list(dir / "patients.txt");
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"p1", "p2", "p3"}));
  {
    std::ofstream out(dir / "bad.txt");
    out << "p1\nDupont Jean\n";
  }
  auto bad = read_patient_list(dir / "bad.txt");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos);
  EXPECT_EQ(bad.error().message.find("Dupont"), std::string::npos);
}

// A property over random field lists: a projected resource holds only the listed elements of its
// type, id, resourceType and the SUBSETTED meta, and every listed element present in the source.
TEST(ExportProjectionTest, OnlyListedElementsLeaveOverRandomFieldLists) {
  auto patient = fhir::parse_json_object(
      R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"3"},"name":[{"family":"Durand"}],)"
      R"("birthDate":"1970-01-01","_birthDate":{"extension":[]},"gender":"female",)"
      R"("telecom":[{"system":"phone","value":"0601020304"}],"address":[{"city":"Lyon"}],)"
      R"("identifier":[{"value":"184127512345678"}]})");
  ASSERT_TRUE(patient);
  const std::vector<std::string> elements = {"name",    "birthDate", "gender",
                                             "telecom", "address",   "identifier"};
  std::mt19937 random(14);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> fields;
    std::set<std::string> listed;
    for (const std::string& element : elements) {
      if (random() % 2 == 0) {
        fields.push_back("Patient." + element);
        listed.insert(element);
      }
    }
    if (random() % 3 == 0) {
      fields.push_back("Observation.code");
    }
    const json::object out = project(*patient, fields);
    if (listed.empty()) {
      EXPECT_EQ(out, *patient);
      continue;
    }
    for (const auto& member : out) {
      const std::string key(member.key());
      const std::string bare = key.starts_with("_") ? key.substr(1) : key;
      EXPECT_TRUE(key == "resourceType" || key == "id" || key == "meta" || listed.contains(bare))
          << key;
    }
    for (const std::string& element : listed) {
      EXPECT_TRUE(out.contains(element)) << element;
    }
    EXPECT_EQ(
        fhir::to_json_text(out.at("meta")),
        R"({"tag":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue","code":"SUBSETTED"}]})");
  }
}

TEST(ExportJobTest, JobsSurviveTheirStoredForm) {
  ExportJob job;
  job.id = new_job_id();
  job.purpose = "p";
  job.types = {"Patient"};
  job.patient_count = 3;
  job.files = {PackageFile{"Patient", "Patient.ndjson", 3, std::string(64, 'a')}};
  job.status = JobStatus::kAwaitingApproval;
  job.pending_patients = {"a", "b", "c"};
  job.created_unlocker = 2;
  auto parsed = parse_jobs(jobs_text({job}));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 1U);
  EXPECT_EQ(jobs_text(*parsed), jobs_text({job}));
  EXPECT_FALSE(parse_jobs("{}"));
}

}  // namespace
}  // namespace vigie::lifecycle
