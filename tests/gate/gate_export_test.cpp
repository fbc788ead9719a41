// FHIR Bulk Data $export through the gate (issue 14): the kick-off's decision, the job's reads
// decided per resource and per Group member, the files sealed, and the status, deletion and
// downloads, each audited and for the job's owner only.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gate/access_world.hpp"
#include "lifecycle/bulk_export.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;
using Scope = gate::Gate::ExportScope;
using Call = gate::Gate::ExportJobCall;

Scope export_scope(std::vector<std::string> types = {},
                   lifecycle::ExportLevel level = lifecycle::ExportLevel::kSystem,
                   std::string group_id = {}, std::optional<int64_t> since_ms = {}) {
  Scope scope;
  scope.level = level;
  scope.group_id = std::move(group_id);
  scope.types = std::move(types);
  scope.since_ms = since_ms;
  return scope;
}

class GateExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = lifecycle::ExportJobs::open(
        lifecycle::ExportSettings{.dir = world_.vault_dir() / "exports"}, world_.clock());
    ASSERT_TRUE(opened) << opened.error().message;
    jobs_ = std::move(*opened);
  }

  Result<std::string> admit(const gate::Principal& principal, const Scope& scope) {
    std::promise<Result<std::string>> handed;
    auto queued = world_.gate().admit_export(
        principal, scope, [&](Result<std::string> owner) { handed.set_value(std::move(owner)); });
    if (!queued) {
      return tl::unexpected(queued.error());
    }
    return handed.get_future().get();
  }

  // Admits and runs a job as the server would; its id, or the refusal.
  Result<std::string> run(const gate::Principal& principal, const Scope& scope) {
    auto owner = admit(principal, scope);
    if (!owner) {
      return tl::unexpected(owner.error());
    }
    auto job = jobs_->reserve(*owner, "https://localhost/fhir/$export", {});
    EXPECT_TRUE(job);
    auto files = jobs_->start(*job);
    EXPECT_TRUE(files);
    auto written = world_.gate().run_export(principal, scope, *files);
    if (!written) {
      jobs_->finish(*job, tl::unexpected(written.error()));
      return tl::unexpected(written.error());
    }
    jobs_->finish(*job, files->finish());
    return *job;
  }

  Result<gate::Gate::ExportJobAnswer> call(const gate::Principal& principal, std::string_view job,
                                           Call what, std::string_view file = {}) {
    std::promise<Result<gate::Gate::ExportJobAnswer>> handed;
    auto queued = world_.gate().export_job(
        principal, *jobs_, job, what, file,
        [&](Result<gate::Gate::ExportJobAnswer> answer) { handed.set_value(std::move(answer)); });
    if (!queued) {
      return tl::unexpected(queued.error());
    }
    return handed.get_future().get();
  }

  // The ids of the resources of one NDJSON file.
  static std::vector<std::string> exported_ids(const std::string& ndjson) {
    std::vector<std::string> ids;
    size_t start = 0;
    while (start < ndjson.size()) {
      const size_t end = ndjson.find('\n', start);
      const boost::json::object line =
          boost::json::parse(ndjson.substr(start, end - start)).as_object();
      ids.emplace_back(line.at("id").as_string());
      start = end + 1;
    }
    return ids;
  }

  AccessWorld world_;
  std::unique_ptr<lifecycle::ExportJobs> jobs_;
};

TEST_F(GateExportTest, AServiceExportsEveryTypeItMayReadAndDownloadsItsFilesAudited) {
  const gate::StoredResource first = world_.make_patient("Lefebvre");
  const gate::StoredResource second = world_.make_patient("Moreau");
  const gate::StoredResource observation = world_.make_observation(first.id);
  const gate::Principal lab = world_.service("labo.export", "system/*.rs");

  auto job = run(lab, export_scope());
  ASSERT_TRUE(job) << job.error().message;
  const audit::Entry ran = world_.last_entry();
  EXPECT_EQ(ran.action, "export");
  EXPECT_EQ(ran.actor.login, "labo.export");
  EXPECT_NE(ran.purpose.find(*job), std::string::npos) << ran.purpose;
  EXPECT_EQ(ran.targets.size(), 3U);
  EXPECT_FALSE(ran.decrypted_data_left);

  auto status = call(lab, *job, Call::kStatus);
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_TRUE(status->view);
  EXPECT_EQ(status->view->state, lifecycle::ExportJobView::State::kDone);
  ASSERT_EQ(status->view->outputs.size(), 2U);

  auto patients = call(lab, *job, Call::kDownload, "Patient.ndjson");
  ASSERT_TRUE(patients) << patients.error().message;
  std::vector<std::string> ids = exported_ids(patients->ndjson);
  std::ranges::sort(ids);
  std::vector<std::string> expected{first.id, second.id};
  std::ranges::sort(expected);
  EXPECT_EQ(ids, expected);
  const audit::Entry downloaded = world_.last_entry();
  EXPECT_EQ(downloaded.action, "export");
  EXPECT_TRUE(downloaded.decrypted_data_left);
  EXPECT_EQ(downloaded.resources_returned, 2);
  EXPECT_NE(downloaded.purpose.find("download"), std::string::npos);

  auto observations = call(lab, *job, Call::kDownload, "Observation.ndjson");
  ASSERT_TRUE(observations);
  EXPECT_EQ(exported_ids(observations->ndjson), std::vector<std::string>{observation.id});
}

TEST_F(GateExportTest, AnotherClientIsRefusedTheJobAndItsRefusalIsAudited) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.a", "system/Patient.rs");
  const gate::Principal other = world_.service("labo.b", "system/Patient.rs");
  auto job = run(lab, export_scope({"Patient"}));
  ASSERT_TRUE(job) << job.error().message;

  for (const Call what : {Call::kStatus, Call::kDownload, Call::kDelete}) {
    auto refused = call(other, *job, what, "Patient.ndjson");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(refused.error().message.find("Lefebvre"), std::string::npos);
    const audit::Entry entry = world_.last_entry();
    EXPECT_EQ(entry.actor.login, "labo.b");
    EXPECT_EQ(entry.outcome, audit::Outcome::kDenied);
    EXPECT_FALSE(entry.decrypted_data_left);
  }
  // An id no job has is unknown, to anyone.
  auto unknown = call(other, "0123456789abcdef0123456789abcdef", Call::kStatus, "");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(call(lab, *job, Call::kDownload, "Patient.ndjson"));
}

TEST_F(GateExportTest, ADownloadNeedsATokenThatStillCoversTheFilesType) {
  world_.make_observation(world_.make_patient("Lefebvre").id);
  const gate::Principal lab = world_.service("labo.scope", "system/*.rs");
  auto job = run(lab, export_scope());
  ASSERT_TRUE(job) << job.error().message;
  auto narrower =
      world_.gate().create_token(world_.custodian(), "labo.scope", {"system/Patient.rs"},
                                 world_.clock().now_ms() + 3'600'000, {});
  ASSERT_TRUE(narrower);
  const gate::Principal patients_only =
      gate::account_principal(narrower->secret, "192.0.2.10", "test");
  EXPECT_TRUE(call(patients_only, *job, Call::kDownload, "Patient.ndjson"));
  auto refused = call(patients_only, *job, Call::kDownload, "Observation.ndjson");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);
}

TEST_F(GateExportTest, WriteScopesAndOtherTypesAndPractitionersAcrossPatientsAreRefused) {
  world_.make_patient("Lefebvre");
  const gate::Principal writer = world_.service("labo.write", "system/Patient.cruds");
  auto with_writes = admit(writer, export_scope({"Patient"}));
  ASSERT_FALSE(with_writes);
  EXPECT_EQ(with_writes.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);
  EXPECT_NE(world_.last_entry().reason.find("read scopes only"), std::string::npos);

  const gate::Principal reader = world_.service("labo.read", "system/Patient.rs");
  auto other_type = admit(reader, export_scope({"Observation"}));
  ASSERT_FALSE(other_type);
  EXPECT_EQ(other_type.error().code, ErrorCode::kPermissionDenied);

  const gate::Principal nurse = world_.person("infirmiere.export", access::Role::kPractitioner);
  auto across = admit(nurse, export_scope({}, lifecycle::ExportLevel::kPatient));
  ASSERT_FALSE(across);
  EXPECT_EQ(across.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(GateExportTest, AGroupExportHoldsOnlyTheMembersTheCallerMayRead) {
  const gate::StoredResource mine = world_.make_patient("Suivi");
  const gate::StoredResource theirs = world_.make_patient("Ailleurs");
  const gate::StoredResource my_observation = world_.make_observation(mine.id);
  world_.make_observation(theirs.id);
  const gate::StoredResource group = world_.make(
      R"({"resourceType":"Group","type":"person","actual":true,"member":[{"entity":{"reference":"Patient/)" +
      mine.id + R"("}},{"entity":{"reference":"Patient/)" + theirs.id + R"("}}]})");
  ASSERT_FALSE(group.id.empty());
  const gate::Principal nurse = world_.person("infirmiere.groupe", access::Role::kPractitioner);
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere.groupe", mine.id));

  auto job = run(nurse, export_scope({}, lifecycle::ExportLevel::kGroup, group.id));
  ASSERT_TRUE(job) << job.error().message;
  auto status = call(nurse, *job, Call::kStatus);
  ASSERT_TRUE(status);
  for (const lifecycle::ExportOutput& output : status->view->outputs) {
    auto file = call(nurse, *job, Call::kDownload, output.file);
    ASSERT_TRUE(file) << file.error().message;
    const std::vector<std::string> ids = exported_ids(file->ndjson);
    EXPECT_EQ(ids,
              std::vector<std::string>{output.type == "Patient" ? mine.id : my_observation.id});
    EXPECT_EQ(file->ndjson.find(theirs.id), std::string::npos);
  }
  EXPECT_EQ(status->view->outputs.size(), 2U);

  auto unknown = admit(nurse, export_scope({}, lifecycle::ExportLevel::kGroup, "nope"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(GateExportTest, SinceLeavesOutWhatWasNotUpdatedSinceAndDeleteForgetsTheJob) {
  const gate::StoredResource old_patient = world_.make_patient("Ancien");
  world_.clock().advance_ms(60'000);
  const int64_t since = world_.clock().now_ms();
  const gate::StoredResource new_patient = world_.make_patient("Nouveau");
  const gate::Principal lab = world_.service("labo.since", "system/Patient.rs");
  auto job = run(lab, export_scope({"Patient"}, lifecycle::ExportLevel::kSystem, {}, since));
  ASSERT_TRUE(job) << job.error().message;
  auto file = call(lab, *job, Call::kDownload, "Patient.ndjson");
  ASSERT_TRUE(file);
  EXPECT_EQ(exported_ids(file->ndjson), std::vector<std::string>{new_patient.id});

  ASSERT_TRUE(call(lab, *job, Call::kDelete));
  auto gone = call(lab, *job, Call::kStatus);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(world_.vault_dir() / "exports" / *job));
}

// The filters as the kick-off's parser makes them.
std::vector<fhir::SearchQuery> filters(const std::string& value) {
  auto parsed = lifecycle::parse_export_parameters({{"_typeFilter", value}}, false);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? parsed->type_filters : std::vector<fhir::SearchQuery>{};
}

std::string observation_json(const std::string& patient_id, std::string_view status,
                             std::string_view code) {
  return R"({"resourceType":"Observation","status":")" + std::string(status) +
         R"(","code":{"coding":[{"system":"http://loinc.org","code":")" + std::string(code) +
         R"("}]},"subject":{"reference":"Patient/)" + patient_id + R"("}})";
}

TEST_F(GateExportTest, TypeFiltersKeepWhatOneOfATypesQueriesMatchesOnceAndLeaveOtherTypesWhole) {
  const gate::StoredResource first = world_.make_patient("Lefebvre");
  const gate::StoredResource second = world_.make_patient("Moreau");
  const gate::StoredResource both = world_.make(observation_json(first.id, "final", "2339-0"));
  const gate::StoredResource final_only =
      world_.make(observation_json(second.id, "final", "8867-4"));
  const gate::StoredResource code_only =
      world_.make(observation_json(first.id, "amended", "2339-0"));
  const gate::StoredResource neither =
      world_.make(observation_json(second.id, "amended", "8867-4"));
  const gate::Principal lab = world_.service("labo.filtre", "system/*.rs");

  for (const lifecycle::ExportLevel level :
       {lifecycle::ExportLevel::kSystem, lifecycle::ExportLevel::kPatient}) {
    Scope scope = export_scope({"Patient", "Observation"}, level);
    scope.type_filters =
        filters("Observation?status=final,Observation?code=http://loinc.org|2339-0");
    auto job = run(lab, scope);
    ASSERT_TRUE(job) << job.error().message;
    auto observations = call(lab, *job, Call::kDownload, "Observation.ndjson");
    ASSERT_TRUE(observations) << observations.error().message;
    std::vector<std::string> ids = exported_ids(observations->ndjson);
    std::ranges::sort(ids);
    std::vector<std::string> expected{both.id, final_only.id, code_only.id};
    std::ranges::sort(expected);
    EXPECT_EQ(ids, expected);
    auto patients = call(lab, *job, Call::kDownload, "Patient.ndjson");
    ASSERT_TRUE(patients);
    EXPECT_EQ(exported_ids(patients->ndjson).size(), 2U);
    // The entry states how many filters, never what they ask.
    EXPECT_EQ(world_.last_entry().purpose.find("2339"), std::string::npos);
  }

  const gate::StoredResource group = world_.make(
      R"({"resourceType":"Group","type":"person","actual":true,"member":[{"entity":{"reference":"Patient/)" +
      first.id + R"("}}]})");
  Scope scope = export_scope({"Observation"}, lifecycle::ExportLevel::kGroup, group.id);
  scope.type_filters = filters("Observation?status=amended");
  auto job = run(lab, scope);
  ASSERT_TRUE(job) << job.error().message;
  auto observations = call(lab, *job, Call::kDownload, "Observation.ndjson");
  ASSERT_TRUE(observations) << observations.error().message;
  EXPECT_EQ(exported_ids(observations->ndjson), std::vector<std::string>{code_only.id});
  EXPECT_EQ(observations->ndjson.find(neither.id), std::string::npos);
}

TEST_F(GateExportTest, APatientListExportsOnlyReadableListedPatientsAndReportsTheRestAlike) {
  const gate::StoredResource mine = world_.make_patient("Suivi");
  const gate::StoredResource theirs = world_.make_patient("Ailleurs");
  const gate::StoredResource outside = world_.make_patient("Dehors");
  const gate::StoredResource my_observation = world_.make_observation(mine.id);
  world_.make_observation(theirs.id);
  world_.make_observation(outside.id);
  const gate::StoredResource group = world_.make(
      R"({"resourceType":"Group","type":"person","actual":true,"member":[{"entity":{"reference":"Patient/)" +
      mine.id + R"("}},{"entity":{"reference":"Patient/)" + theirs.id + R"("}}]})");
  const gate::Principal nurse = world_.person("infirmiere.liste", access::Role::kPractitioner);
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere.liste", mine.id));
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere.liste", outside.id));

  Scope scope = export_scope({}, lifecycle::ExportLevel::kGroup, group.id);
  // theirs: a member the nurse may not read; outside: readable, not a member; ghost: unknown.
  scope.patients = {mine.id, theirs.id, outside.id, "ghost"};
  auto job = run(nurse, scope);
  ASSERT_TRUE(job) << job.error().message;
  auto status = call(nurse, *job, Call::kStatus);
  ASSERT_TRUE(status);
  std::vector<std::string> reports;
  for (const lifecycle::ExportOutput& output : status->view->outputs) {
    auto file = call(nurse, *job, Call::kDownload, output.file);
    ASSERT_TRUE(file) << file.error().message;
    if (output.type == "OperationOutcome") {
      size_t start = 0;
      while (start < file->ndjson.size()) {
        const size_t end = file->ndjson.find('\n', start);
        reports.push_back(file->ndjson.substr(start, end - start));
        start = end + 1;
      }
      continue;
    }
    EXPECT_EQ(exported_ids(file->ndjson),
              std::vector<std::string>{output.type == "Patient" ? mine.id : my_observation.id});
  }
  ASSERT_EQ(reports.size(), 3U);
  // The same words for each, but the id: nothing tells an unreadable patient from an unknown one.
  for (std::string& report : reports) {
    for (const std::string& id : {theirs.id, outside.id, std::string("ghost")}) {
      if (const size_t at = report.find(id); at != std::string::npos) {
        report.replace(at, id.size(), "ID");
      }
    }
    EXPECT_EQ(report, reports.front());
  }
  EXPECT_NE(reports.front().find("Patient/ID"), std::string::npos);
  EXPECT_EQ(reports.front().find("Ailleurs"), std::string::npos);

  // Patient level: the listed patients' compartments only.
  const gate::Principal lab = world_.service("labo.liste", "system/*.rs");
  Scope patient_scope = export_scope({"Observation"}, lifecycle::ExportLevel::kPatient);
  patient_scope.patients = {mine.id};
  auto patient_job = run(lab, patient_scope);
  ASSERT_TRUE(patient_job) << patient_job.error().message;
  auto observations = call(lab, *patient_job, Call::kDownload, "Observation.ndjson");
  ASSERT_TRUE(observations);
  EXPECT_EQ(exported_ids(observations->ndjson), std::vector<std::string>{my_observation.id});
}

TEST_F(GateExportTest, AnAlteredFileIsRefusedNotHandedOut) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.tamper", "system/Patient.rs");
  auto job = run(lab, export_scope({"Patient"}));
  ASSERT_TRUE(job) << job.error().message;
  const std::filesystem::path path = world_.vault_dir() / "exports" / *job / "Patient.ndjson";
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 50U);
  bytes[40] = static_cast<char>(bytes[40] ^ 1);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  auto refused = call(lab, *job, Call::kDownload, "Patient.ndjson");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace vigie
