#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "lifecycle/bulk_export.hpp"
#include "support/temp_dir.hpp"

namespace vigie::lifecycle {
namespace {

constexpr int64_t kHour = 60LL * 60 * 1000;

std::string contents_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ExportJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ExportJobs::open(ExportSettings{.dir = dir_ / "exports", .max_jobs = 2}, clock_);
    ASSERT_TRUE(opened) << opened.error().message;
    jobs_ = std::move(*opened);
  }

  // A finished job of `owner` with one Patient line.
  std::string finished_job(const std::string& owner, const std::string& line) {
    auto job = jobs_->reserve(owner, "https://localhost/fhir/$export", {});
    EXPECT_TRUE(job);
    auto files = jobs_->start(*job);
    EXPECT_TRUE(files);
    EXPECT_TRUE(files->append("Patient", {"p1", 1, "p1"}, line));
    jobs_->finish(*job, files->finish());
    return *job;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'790'000'000'000};
  std::unique_ptr<ExportJobs> jobs_;
};

TEST_F(ExportJobsTest, TheFilesOnDiskHoldNoPatientValueInClear) {
  const std::string line = R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefebvre"}]})";
  const std::string job = finished_job("labo", line);
  const auto view = jobs_->view(job, "labo");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->state, ExportJobView::State::kDone);
  ASSERT_EQ(view->outputs.size(), 1U);
  EXPECT_EQ(view->outputs[0].type, "Patient");
  EXPECT_EQ(view->outputs[0].count, 1);
  ASSERT_EQ(view->outputs[0].resources->size(), 1U);
  EXPECT_EQ(view->outputs[0].resources->front().id, "p1");
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (entry.is_regular_file()) {
      ++files;
      const std::string bytes = contents_of(entry.path());
      EXPECT_EQ(bytes.find("Lefebvre"), std::string::npos) << entry.path();
      EXPECT_EQ(bytes.find("resourceType"), std::string::npos) << entry.path();
    }
  }
  EXPECT_EQ(files, 1U);
  EXPECT_EQ(std::filesystem::status(dir_ / "exports").permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST_F(ExportJobsTest, AnAttachmentIsAFileOfItsOwnSealedAndDeletedWithTheJob) {
  auto job = jobs_->reserve("labo", "https://localhost/fhir/$export", {});
  ASSERT_TRUE(job);
  auto files = jobs_->start(*job);
  ASSERT_TRUE(files);
  // More than one chunk, made of a patient value that must not show on disk.
  std::string content;
  while (content.size() <= ExportFiles::kChunkBytes) {
    content += "Compte rendu de Lefebvre. ";
  }
  auto name =
      files->attach("DocumentReference", {"d1", 1, "p1"}, "text/plain",
                    std::span(reinterpret_cast<const uint8_t*>(content.data()), content.size()));
  ASSERT_TRUE(name) << name.error().message;
  EXPECT_EQ(*name, "attachment-1.bin");
  auto empty = files->attach("DocumentReference", {"d2", 1, "p1"}, "", {});
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "attachment-2.bin");
  ASSERT_TRUE(files->append("DocumentReference", {"d1", 1, "p1"},
                            R"({"resourceType":"DocumentReference","id":"d1"})"));
  jobs_->finish(*job, files->finish());

  const auto view = jobs_->view(*job, "labo");
  ASSERT_TRUE(view);
  ASSERT_EQ(view->outputs.size(), 3U);
  EXPECT_TRUE(view->outputs[0].attachment);
  EXPECT_EQ(view->outputs[0].type, "DocumentReference");
  EXPECT_EQ(view->outputs[0].content_type, "text/plain");
  EXPECT_EQ(view->outputs[0].count, 1);
  EXPECT_TRUE(view->outputs[1].attachment);
  EXPECT_FALSE(view->outputs[2].attachment);
  EXPECT_EQ(view->outputs[2].file, "DocumentReference.ndjson");
  const std::filesystem::path path = dir_.path() / "exports" / *job / "attachment-1.bin";
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_GT(std::filesystem::file_size(path), ExportFiles::kChunkBytes);
  EXPECT_EQ(contents_of(path).find("Lefebvre"), std::string::npos);

  EXPECT_TRUE(jobs_->remove(*job, "labo"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(ExportJobsTest, AnotherOwnerSeesNoJobAndCannotDeleteIt) {
  const std::string job = finished_job("labo", R"({"resourceType":"Patient"})");
  EXPECT_FALSE(jobs_->view(job, "other"));
  EXPECT_FALSE(jobs_->remove(job, "other"));
  EXPECT_TRUE(jobs_->view(job, "labo"));
  // Held by another: what the gate answers 403 for, rather than 404.
  EXPECT_TRUE(jobs_->held_by_another(job, "other"));
  EXPECT_FALSE(jobs_->held_by_another(job, "labo"));
  EXPECT_FALSE(jobs_->held_by_another("0123456789abcdef0123456789abcdef", "other"));
  clock_.advance_ms(24 * kHour);
  EXPECT_FALSE(jobs_->held_by_another(job, "other"));  // expired: unknown to anyone
}

TEST_F(ExportJobsTest, ExpiredJobsAreForgottenAndTheirFilesDeleted) {
  const std::string job = finished_job("labo", R"({"resourceType":"Patient"})");
  ASSERT_TRUE(std::filesystem::exists(dir_ / "exports" / job));
  clock_.advance_ms(24 * kHour - 1);
  EXPECT_TRUE(jobs_->view(job, "labo"));
  clock_.advance_ms(1);
  EXPECT_FALSE(jobs_->view(job, "labo"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "exports" / job));
}

TEST_F(ExportJobsTest, RemoveDeletesTheFilesAndARunningJobEndsCancelled) {
  const std::string done = finished_job("labo", R"({"resourceType":"Patient"})");
  EXPECT_TRUE(jobs_->remove(done, "labo"));
  EXPECT_FALSE(jobs_->view(done, "labo"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "exports" / done));

  auto running = jobs_->reserve("labo", "u", {});
  ASSERT_TRUE(running);
  auto files = jobs_->start(*running);
  ASSERT_TRUE(files);
  ASSERT_TRUE(files->append("Patient", {"p1", 1, "p1"}, "{}"));
  EXPECT_TRUE(jobs_->remove(*running, "labo"));
  auto refused = files->append("Patient", {"p2", 1, "p2"}, "{}");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kGone);
  jobs_->finish(*running, files->finish());
  EXPECT_FALSE(jobs_->view(*running, "labo"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "exports" / *running));
}

TEST_F(ExportJobsTest, AtMostMaxJobsRunAtOnce) {
  auto first = jobs_->reserve("a", "u", {});
  auto second = jobs_->reserve("b", "u", {});
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  auto third = jobs_->reserve("c", "u", {});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  jobs_->discard(*first);
  EXPECT_TRUE(jobs_->reserve("c", "u", {}));
}

TEST_F(ExportJobsTest, PollsSoonerThanTheIntervalAreTooSoon) {
  const std::string job = finished_job("labo", "{}");
  EXPECT_FALSE(jobs_->polled_too_soon(job));
  EXPECT_TRUE(jobs_->polled_too_soon(job));
  clock_.advance_ms(2000);
  EXPECT_FALSE(jobs_->polled_too_soon(job));
}

TEST_F(ExportJobsTest, OpeningAgainEmptiesTheDirectoryAndTheDestructorToo) {
  const std::string job = finished_job("labo", "{}");
  jobs_.reset();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "exports"));
  std::filesystem::create_directories(dir_ / "exports" / "left-over");
  auto opened = ExportJobs::open(ExportSettings{.dir = dir_ / "exports"}, clock_);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "exports"));
}

}  // namespace
}  // namespace vigie::lifecycle
