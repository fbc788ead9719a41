// FHIR Bulk Data $export over HTTPS (issue 14): kick-off, status, manifest, downloads, deletion
// and expiry, driven as a bulk client drives them, against a server whose job runner the tests
// hold still or let run, so that every state is observed without a sleep.
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gate/access_world.hpp"
#include "http/bulk_api.hpp"
#include "http/fhir_api.hpp"
#include "http/https_client.hpp"
#include "http/server.hpp"
#include "http/tls_files.hpp"
#include "http/worker_pool.hpp"

namespace vigie::http {
namespace {

using boost::beast::http::verb;
using testing::HttpsClient;

constexpr int64_t kExportHour = 60LL * 60 * 1000;

const std::vector<std::pair<std::string, std::string>> kKickOffHeaders = {
    {"Accept", "application/fhir+json"}, {"Prefer", "respond-async"}};

// The path of an absolute URL the server gave (https://localhost/...).
std::string path_of_url(std::string_view url) {
  const size_t scheme = url.find("://");
  return std::string(url.substr(url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3)));
}

// A vault with accounts served over HTTPS with the Bulk Data routes, and a job runner of one
// thread that a test may hold (block_runner) or drain (finish_jobs).
class BulkExportServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_ = default_tls_files(world_.vault_dir());
    const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    ASSERT_TRUE(write_localhost_certificate(tls_, now_s));
    auto jobs = lifecycle::ExportJobs::open(
        lifecycle::ExportSettings{.dir = world_.vault_dir() / "exports", .max_jobs = 2},
        world_.clock());
    ASSERT_TRUE(jobs) << jobs.error().message;
    jobs_ = std::move(*jobs);
    auto runner = WorkerPool::start(world_.gate(), 1, 4);
    ASSERT_TRUE(runner);
    runner_ = std::move(*runner);
    add_bulk_export_routes(router_, BulkExport{*jobs_, *runner_});
    add_fhir_routes(router_, page_links_);
    for (auto* pool : {&readers_, &writer_, &sign_in_}) {
      auto started = WorkerPool::start(world_.gate(), 1, 64);
      ASSERT_TRUE(started);
      *pool = std::move(*started);
    }
    ServerOptions options;
    options.port = 0;
    options.certificate = tls_.certificate;
    options.private_key = tls_.private_key;
    auto server = Server::start(options, router_, {*readers_, *writer_, *sign_in_},
                                [](const AccessRecord&) {});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }

  void TearDown() override {
    release_runner();
    server_.reset();
    runner_.reset();
    readers_.reset();
    writer_.reset();
    sign_in_.reset();
  }

  std::optional<testing::HttpsReply> send(
      verb method, std::string_view target, std::string_view bearer, std::string body = {},
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpsClient client(server_->port());
    return client.send(method, target, bearer, std::move(body), std::move(headers));
  }

  // Occupies the runner's one thread until release_runner(): jobs kicked off meanwhile wait.
  void block_runner() {
    ASSERT_TRUE(runner_->submit(
        [opened = gate_opened_.get_future().share()](gate::Gate&) { opened.wait(); }));
  }
  void release_runner() {
    if (!released_) {
      released_ = true;
      gate_opened_.set_value();
    }
  }
  // Lets every queued job run to its end (the runner takes no more jobs after).
  void finish_jobs() {
    release_runner();
    runner_->stop();
  }

  // Kicks off an export and returns the status path.
  std::string kick_off(std::string_view target, std::string_view bearer) {
    auto reply = send(verb::get, target, bearer, {}, kKickOffHeaders);
    EXPECT_TRUE(reply);
    if (!reply) {
      return {};
    }
    EXPECT_EQ(reply->status, 202) << reply->body;
    return path_of_url(reply->header("Content-Location"));
  }

  // The manifest of a finished job (the poll interval passed first).
  boost::json::object manifest_of(const std::string& status_path, std::string_view bearer) {
    world_.clock().advance_ms(2000);
    auto reply = send(verb::get, status_path, bearer);
    EXPECT_TRUE(reply);
    if (!reply || reply->status != 200) {
      ADD_FAILURE() << (reply ? reply->body : "no reply");
      return {};
    }
    EXPECT_EQ(reply->header("Content-Type"), "application/json");
    return boost::json::parse(reply->body).as_object();
  }

  testing::AccessWorld world_;
  TlsFiles tls_;
  PageLinks page_links_;
  Router router_;
  std::unique_ptr<lifecycle::ExportJobs> jobs_;
  std::unique_ptr<WorkerPool> runner_;
  std::unique_ptr<WorkerPool> readers_;
  std::unique_ptr<WorkerPool> writer_;
  std::unique_ptr<WorkerPool> sign_in_;
  std::unique_ptr<Server> server_;
  std::promise<void> gate_opened_;
  bool released_ = false;
};

TEST_F(BulkExportServerTest, KickOffErrorsAre400OperationOutcomesThatEchoNothing) {
  const gate::Principal lab = world_.service("labo.kick", "system/*.rs");
  struct Case {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"/fhir/$export", {{"Accept", "application/fhir+json"}}, 400},  // no Prefer
      {"/fhir/$export", {{"Prefer", "respond-async"}}, 400},          // no Accept
      {"/fhir/$export", {{"Accept", "text/html"}, {"Prefer", "respond-async"}}, 400},
      {"/fhir/$export?_outputFormat=text%2Fcsv-Lefebvre", kKickOffHeaders, 400},
      {"/fhir/$export?_type=Lefebvre", kKickOffHeaders, 400},
      {"/fhir/$export?_since=Lefebvre", kKickOffHeaders, 400},
      {"/fhir/$export?_typeFilter=Patient%3Fnickname%3DLefebvre", kKickOffHeaders, 400},
      {"/fhir/$export?_typeFilter=Patient%3Fname%3Acontains%3DLefebvre", kKickOffHeaders, 400},
      {"/fhir/$export?_type=Patient&_typeFilter=Observation%3Fstatus%3DLefebvre", kKickOffHeaders,
       400},
      {"/fhir/$export?includeAssociatedData=LatestProvenanceResources-Lefebvre", kKickOffHeaders,
       400},
      {"/fhir/$export?_elements=Lefebvre.name", kKickOffHeaders, 400},
      {"/fhir/$export?Lefebvre=1", kKickOffHeaders, 400},
      {"/fhir/Group/bad%20id/$export", kKickOffHeaders, 400},
      {"/fhir/Group/unknown/$export", kKickOffHeaders, 404},
  };
  for (const Case& c : cases) {
    auto reply = send(verb::get, c.target, lab.bearer(), {}, c.headers);
    ASSERT_TRUE(reply) << c.target;
    EXPECT_EQ(reply->status, c.status) << c.target << " " << reply->body;
    EXPECT_EQ(boost::json::parse(reply->body).at("resourceType"), "OperationOutcome");
    EXPECT_EQ(reply->body.find("Lefebvre"), std::string::npos) << reply->body;
  }
  auto no_token = send(verb::get, "/fhir/$export", {}, {}, kKickOffHeaders);
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401);

  const gate::Principal writer = world_.service("labo.ecrit", "system/Patient.cruds");
  auto refused =
      send(verb::get, "/fhir/$export?_type=Patient", writer.bearer(), {}, kKickOffHeaders);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
}

TEST_F(BulkExportServerTest, ABackendClientExportsPollsDownloadsAndDeletes) {
  const gate::StoredResource patient = world_.make_patient("Lefebvre");
  world_.make_observation(patient.id);
  const gate::Principal lab = world_.service("labo.flux", "system/*.rs");
  block_runner();
  const std::string status = kick_off("/fhir/$export?_type=Patient,Observation", lab.bearer());
  ASSERT_TRUE(status.starts_with("/fhir/$export-status/")) << status;

  auto running = send(verb::get, status, lab.bearer());
  ASSERT_TRUE(running);
  EXPECT_EQ(running->status, 202);
  EXPECT_FALSE(running->header("X-Progress").empty());
  EXPECT_EQ(running->header("Retry-After"), "2");
  auto too_soon = send(verb::get, status, lab.bearer());
  ASSERT_TRUE(too_soon);
  EXPECT_EQ(too_soon->status, 429);
  EXPECT_EQ(too_soon->header("Retry-After"), "2");

  finish_jobs();
  // The files wait sealed: no patient value on disk.
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(world_.vault_dir() / "exports")) {
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      EXPECT_EQ(bytes.find("Lefebvre"), std::string::npos) << entry.path();
      EXPECT_EQ(bytes.find(patient.id), std::string::npos) << entry.path();
    }
  }
  const boost::json::object manifest = manifest_of(status, lab.bearer());
  EXPECT_EQ(manifest.at("requiresAccessToken"), true);
  EXPECT_TRUE(manifest.at("transactionTime").is_string());
  EXPECT_EQ(manifest.at("request"), "https://localhost/fhir/$export?_type=Patient%2CObservation");
  EXPECT_TRUE(manifest.at("error").as_array().empty());
  const boost::json::array& output = manifest.at("output").as_array();
  ASSERT_EQ(output.size(), 2U);
  const gate::Principal other = world_.service("labo.autre", "system/*.rs");
  for (const boost::json::value& item : output) {
    const std::string type(item.at("type").as_string());
    EXPECT_EQ(item.at("count"), 1);
    const std::string url(item.at("url").as_string());
    auto file = send(verb::get, path_of_url(url), lab.bearer());
    ASSERT_TRUE(file);
    ASSERT_EQ(file->status, 200) << file->body;
    EXPECT_EQ(file->header("Content-Type"), "application/fhir+ndjson");
    ASSERT_TRUE(file->body.ends_with("\n"));
    const boost::json::object line = boost::json::parse(file->body).as_object();
    EXPECT_EQ(line.at("resourceType").as_string(), type);
    EXPECT_EQ(world_.last_entry().action, "export");
    EXPECT_TRUE(world_.last_entry().decrypted_data_left);

    auto refused = send(verb::get, path_of_url(url), other.bearer());
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403);
    EXPECT_EQ(world_.last_entry().actor.login, "labo.autre");
    EXPECT_FALSE(world_.last_entry().decrypted_data_left);
  }

  auto deleted = send(verb::delete_, status, lab.bearer());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 202);
  world_.clock().advance_ms(2000);
  auto gone = send(verb::get, status, lab.bearer());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  EXPECT_TRUE(std::filesystem::is_empty(world_.vault_dir() / "exports"));
}

TEST_F(BulkExportServerTest, BeyondTheJobLimitAKickOffIs429WithRetryAfter) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.limite", "system/Patient.rs");
  block_runner();
  kick_off("/fhir/$export", lab.bearer());
  kick_off("/fhir/Patient/$export", lab.bearer());
  auto third = send(verb::get, "/fhir/$export", lab.bearer(), {}, kKickOffHeaders);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429);
  EXPECT_EQ(third->header("Retry-After"), "2");
}

TEST_F(BulkExportServerTest, FilesAreDeletedAtExpiry) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.expire", "system/Patient.rs");
  const std::string status = kick_off("/fhir/$export", lab.bearer());
  finish_jobs();
  const boost::json::object manifest = manifest_of(status, lab.bearer());
  const std::string file = path_of_url(manifest.at("output").at(0).at("url").as_string());
  world_.clock().advance_ms(24 * kExportHour);
  auto expired = send(verb::get, file, lab.bearer());
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 404);
  EXPECT_TRUE(std::filesystem::is_empty(world_.vault_dir() / "exports"));
}

TEST_F(BulkExportServerTest, APostKickOffTakesParametersAndLenientHandlingReportsWhatItIgnored) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.post", "system/Patient.rs");
  std::vector<std::pair<std::string, std::string>> headers = kKickOffHeaders;
  headers.emplace_back("Prefer", "respond-async, handling=lenient");
  headers.emplace_back("Content-Type", "application/fhir+json");
  auto reply = send(verb::post, "/fhir/Patient/$export", lab.bearer(),
                    R"({"resourceType":"Parameters","parameter":[
                        {"name":"_type","valueString":"Patient"},
                        {"name":"_typeFilter","valueString":"Patient?nickname=x"},
                        {"name":"_typeFilter","valueString":"Patient?name=lef"},
                        {"name":"_elements","valueString":"name"}]})",
                    headers);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 202) << reply->body;
  finish_jobs();
  const boost::json::object manifest =
      manifest_of(path_of_url(reply->header("Content-Location")), lab.bearer());
  ASSERT_EQ(manifest.at("output").as_array().size(), 1U);
  const boost::json::array& errors = manifest.at("error").as_array();
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].at("type"), "OperationOutcome");
  auto outcome = send(verb::get, path_of_url(errors[0].at("url").as_string()), lab.bearer());
  ASSERT_TRUE(outcome);
  ASSERT_EQ(outcome->status, 200) << outcome->body;
  EXPECT_NE(outcome->body.find("_typeFilter"), std::string::npos);
  // _elements=name: each Patient keeps its id and name only, and says it is a subset.
  auto patients =
      send(verb::get, path_of_url(manifest.at("output").at(0).at("url").as_string()), lab.bearer());
  ASSERT_TRUE(patients);
  ASSERT_EQ(patients->status, 200);
  const boost::json::object line = boost::json::parse(patients->body).as_object();
  EXPECT_TRUE(line.contains("name"));
  EXPECT_NE(patients->body.find("SUBSETTED"), std::string::npos);
}

TEST_F(BulkExportServerTest, AGroupMadeThroughTheApiExportsOnlyTheMembersTheCallerMayRead) {
  const gate::StoredResource mine = world_.make_patient("Suivi");
  const gate::StoredResource theirs = world_.make_patient("Ailleurs");
  const gate::Principal registrar = world_.service("labo.groupes", "system/Group.cruds");
  auto created = send(verb::post, "/fhir/Group", registrar.bearer(),
                      R"({"resourceType":"Group","type":"person","actual":true,"member":[
                          {"entity":{"reference":"Patient/)" +
                          mine.id + R"("}},
                          {"entity":{"reference":"Patient/)" +
                          theirs.id + R"("}}]})",
                      {{"Content-Type", "application/fhir+json"}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string group_id(boost::json::parse(created->body).at("id").as_string());
  auto read = send(verb::get, "/fhir/Group/" + group_id, registrar.bearer());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);

  const gate::Principal nurse = world_.person("infirmiere.bulk", access::Role::kPractitioner);
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere.bulk", mine.id));
  const std::string status = kick_off("/fhir/Group/" + group_id + "/$export", nurse.bearer());
  finish_jobs();
  const boost::json::object manifest = manifest_of(status, nurse.bearer());
  const boost::json::array& output = manifest.at("output").as_array();
  ASSERT_EQ(output.size(), 1U);
  auto file = send(verb::get, path_of_url(output[0].at("url").as_string()), nurse.bearer());
  ASSERT_TRUE(file);
  ASSERT_EQ(file->status, 200);
  EXPECT_NE(file->body.find(mine.id), std::string::npos);
  EXPECT_EQ(file->body.find(theirs.id), std::string::npos);
}

TEST_F(BulkExportServerTest, APostPatientListExportsThoseCompartmentsAndReportsTheOthers) {
  const gate::StoredResource listed = world_.make_patient("Liste");
  const gate::StoredResource other = world_.make_patient("Autre");
  const gate::StoredResource observation = world_.make_observation(listed.id);
  world_.make_observation(other.id);
  const gate::Principal lab = world_.service("labo.patients", "system/*.rs");
  std::vector<std::pair<std::string, std::string>> headers = kKickOffHeaders;
  headers.emplace_back("Content-Type", "application/fhir+json");
  auto reply = send(verb::post, "/fhir/Patient/$export", lab.bearer(),
                    R"({"resourceType":"Parameters","parameter":[
                        {"name":"_type","valueString":"Patient,Observation"},
                        {"name":"_typeFilter","valueString":"Observation?status=final"},
                        {"name":"patient","valueReference":{"reference":"Patient/)" +
                        listed.id + R"("}},
                        {"name":"patient","valueReference":{"reference":"Patient/inconnu"}}]})",
                    headers);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 202) << reply->body;
  finish_jobs();
  const boost::json::object manifest =
      manifest_of(path_of_url(reply->header("Content-Location")), lab.bearer());
  const boost::json::array& output = manifest.at("output").as_array();
  ASSERT_EQ(output.size(), 2U);
  for (const boost::json::value& item : output) {
    auto file = send(verb::get, path_of_url(item.at("url").as_string()), lab.bearer());
    ASSERT_TRUE(file);
    ASSERT_EQ(file->status, 200);
    const boost::json::object line = boost::json::parse(file->body).as_object();
    EXPECT_EQ(line.at("id").as_string(), item.at("type") == "Patient" ? listed.id : observation.id);
    EXPECT_EQ(file->body.find(other.id), std::string::npos);
  }
  const boost::json::array& errors = manifest.at("error").as_array();
  ASSERT_EQ(errors.size(), 1U);
  auto outcome = send(verb::get, path_of_url(errors[0].at("url").as_string()), lab.bearer());
  ASSERT_TRUE(outcome);
  ASSERT_EQ(outcome->status, 200);
  EXPECT_NE(outcome->body.find("Patient/inconnu"), std::string::npos);

  // At system level a patient list is refused.
  auto system = send(verb::post, "/fhir/$export", lab.bearer(),
                     R"({"resourceType":"Parameters","parameter":[
                         {"name":"patient","valueReference":{"reference":"Patient/p1"}}]})",
                     headers);
  ASSERT_TRUE(system);
  EXPECT_EQ(system->status, 400);
}

TEST_F(BulkExportServerTest, AnAttachmentIsAFileBehindTheSameTokenThatTheResourceReferTo) {
  const gate::StoredResource patient = world_.make_patient("Lefebvre");
  const std::string text = "Compte rendu : Lefebvre va bien.";
  // base64 of `text`.
  const std::string data = "Q29tcHRlIHJlbmR1IDogTGVmZWJ2cmUgdmEgYmllbi4=";
  const gate::StoredResource document = world_.make(
      R"({"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/)" +
      patient.id + R"("},"content":[{"attachment":{"contentType":"text/plain","data":")" + data +
      R"("}}]})");
  ASSERT_FALSE(document.id.empty());
  const gate::Principal lab = world_.service("labo.pieces", "system/*.rs");
  const std::string status = kick_off("/fhir/$export?_type=DocumentReference", lab.bearer());
  finish_jobs();
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(world_.vault_dir() / "exports")) {
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      EXPECT_EQ(bytes.find("Lefebvre"), std::string::npos) << entry.path();
      EXPECT_EQ(bytes.find(data), std::string::npos) << entry.path();
    }
  }
  const boost::json::object manifest = manifest_of(status, lab.bearer());
  const boost::json::array& output = manifest.at("output").as_array();
  ASSERT_EQ(output.size(), 1U);  // the attachment is reached through its url only
  auto ndjson = send(verb::get, path_of_url(output[0].at("url").as_string()), lab.bearer());
  ASSERT_TRUE(ndjson);
  ASSERT_EQ(ndjson->status, 200);
  const boost::json::object line = boost::json::parse(ndjson->body).as_object();
  const boost::json::object& attachment = line.at("content").at(0).at("attachment").as_object();
  EXPECT_FALSE(attachment.contains("data"));
  EXPECT_EQ(attachment.at("size"), static_cast<int64_t>(text.size()));
  const std::string url(attachment.at("url").as_string());
  EXPECT_TRUE(url.starts_with("https://localhost/fhir/$export-file/")) << url;

  auto content = send(verb::get, path_of_url(url), lab.bearer());
  ASSERT_TRUE(content);
  ASSERT_EQ(content->status, 200) << content->body;
  EXPECT_EQ(content->header("Content-Type"), "text/plain");
  EXPECT_EQ(content->body, text);
  EXPECT_TRUE(world_.last_entry().decrypted_data_left);
  ASSERT_EQ(world_.last_entry().targets.size(), 1U);
  EXPECT_EQ(world_.last_entry().targets[0].id, document.id);

  const gate::Principal other = world_.service("labo.voisin", "system/*.rs");
  auto refused = send(verb::get, path_of_url(url), other.bearer());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);

  auto deleted = send(verb::delete_, status, lab.bearer());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 202);
  auto gone = send(verb::get, path_of_url(url), lab.bearer());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  EXPECT_TRUE(std::filesystem::is_empty(world_.vault_dir() / "exports"));
}

TEST_F(BulkExportServerTest, MetadataDeclaresTheExportOperationsAndInstantiatesBulkData) {
  auto reply = send(verb::get, "/fhir/metadata", {});
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200);
  const boost::json::object statement = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(statement.at("instantiates").at(0),
            "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data");
  const boost::json::object& rest = statement.at("rest").at(0).as_object();
  EXPECT_EQ(rest.at("operation").at(0).at("name"), "export");
  size_t declared = 0;
  for (const boost::json::value& resource : rest.at("resource").as_array()) {
    const auto& type = resource.at("type").as_string();
    if (type != "Patient" && type != "Group") {
      continue;
    }
    for (const boost::json::value& operation : resource.at("operation").as_array()) {
      declared += operation.at("name") == "export" ? 1 : 0;
    }
  }
  EXPECT_EQ(declared, 2U);
}

}  // namespace
}  // namespace vigie::http
