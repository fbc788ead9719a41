// `vigie init` gives a new vault a TLS certificate for localhost that `vigie serve` accepts.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <string>

#include "cli_fixture.hpp"
#include "http/tls_files.hpp"

namespace vigie {
namespace {

using testing::CliTest;
using testing::ProcessResult;

mode_t cli_tls_mode_of(const std::filesystem::path& path) {
  struct stat status {};
  ::stat(path.c_str(), &status);
  return status.st_mode & 07777;
}

TEST_F(CliTest, InitWritesALocalhostCertificateTheServerAccepts) {
  ProcessResult result = vigie({"init", "--vault", vault(), "--passphrase-file", passphrase_file(),
                                "--key-file", key_file()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const http::TlsFiles files = http::default_tls_files(vault());
  ASSERT_TRUE(std::filesystem::exists(files.certificate));
  ASSERT_TRUE(std::filesystem::exists(files.private_key));
  EXPECT_EQ(cli_tls_mode_of(files.private_key), 0600U);
  EXPECT_EQ(cli_tls_mode_of(files.certificate), 0644U);
  auto checked = http::check_tls_files(files, std::time(nullptr));
  EXPECT_TRUE(checked) << checked.error().message;
  EXPECT_TRUE(testing::contains(result.out, files.certificate.string())) << result.out;
  EXPECT_TRUE(testing::contains(result.out, files.private_key.string())) << result.out;
  EXPECT_TRUE(testing::contains(result.out, "--tls-certificate")) << result.out;
  EXPECT_LT(result.out.find("Certificat"), result.out.find("certificate for localhost"))
      << "French first: " << result.out;
}

TEST_F(CliTest, InitKeepsTheOperatorsTlsFilesInTheVaultDirectory) {
  const http::TlsFiles files = http::default_tls_files(vault());
  std::filesystem::create_directories(files.certificate.parent_path());
  testing::write_file(files.certificate, "the operator's certificate\n");
  ProcessResult result = vigie({"init", "--vault", vault(), "--passphrase-file", passphrase_file(),
                                "--key-file", key_file()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(testing::read_file(files.certificate), "the operator's certificate\n");
  EXPECT_FALSE(std::filesystem::exists(files.private_key));
  EXPECT_TRUE(testing::contains(result.out, files.certificate.parent_path().string()))
      << result.out;
  EXPECT_TRUE(testing::contains(result.out, "kept as they are")) << result.out;
}

}  // namespace
}  // namespace vigie
