#include "common/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "support/temp_dir.hpp"

namespace vigie {
namespace {

// The check of the file at `path` in mode `mode`, reporting failures as `code`.
Result<void> check_private_file_in_mode(const std::string& path, mode_t mode, ErrorCode code) {
  ::chmod(path.c_str(), mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  auto checked = check_private_file(fd, path, "secret file", code);
  ::close(fd);
  return checked;
}

TEST(PrivateFileTest, AcceptsAFileOnlyItsOwnerMayReadOrWrite) {
  testing::TempDir dir;
  const std::string path = (dir / "secret").string();
  testing::write_file(path, "x");
  EXPECT_TRUE(check_private_file_in_mode(path, 0600, ErrorCode::kUsage));
  EXPECT_TRUE(check_private_file_in_mode(path, 0400, ErrorCode::kUsage));
}

TEST(PrivateFileTest, RefusesGroupOrOthersAccessWithTheCallersCodeAndTheFix) {
  testing::TempDir dir;
  const std::string path = (dir / "secret").string();
  testing::write_file(path, "x");
  for (const mode_t mode : {0640, 0620, 0604, 0602}) {
    auto checked = check_private_file_in_mode(path, mode, ErrorCode::kUsage);
    ASSERT_FALSE(checked) << std::oct << mode;
    EXPECT_EQ(checked.error().code, ErrorCode::kUsage);
    EXPECT_NE(checked.error().message.find("the secret file " + path), std::string::npos);
    EXPECT_NE(checked.error().message.find("chmod 600 " + path), std::string::npos);
    EXPECT_NE(checked.error().french.find("chmod 600 " + path), std::string::npos);
  }
  auto as_unlock = check_private_file_in_mode(path, 0640, ErrorCode::kUnlockFailed);
  ASSERT_FALSE(as_unlock);
  EXPECT_EQ(as_unlock.error().code, ErrorCode::kUnlockFailed);
}

TEST(PrivateFileTest, RefusesADirectory) {
  testing::TempDir dir;
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto checked = check_private_file(fd, dir.path().string(), "secret file", ErrorCode::kUsage);
  ::close(fd);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kUsage);
  EXPECT_NE(checked.error().message.find("is not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace vigie
