#include "http/tls_files.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "support/temp_dir.hpp"

namespace vigie::http {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTlsTestNow = 1'800'000'000;  // 2027-01-15
constexpr int64_t kTlsTestDay = 86'400;

struct TlsTestX509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using TlsTestX509 = std::unique_ptr<X509, TlsTestX509Free>;

// The certificate in `path`, parsed by OpenSSL itself.
TlsTestX509 tls_test_read_certificate(const fs::path& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) {
    return nullptr;
  }
  return TlsTestX509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// The subjectAltName entries of `certificate` as "DNS:name" and "IP:address".
std::set<std::string> tls_test_alt_names(X509* certificate) {
  std::set<std::string> names;
  auto* general_names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(general_names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    const auto* bytes = ASN1_STRING_get0_data(value);
    if (type == GEN_DNS) {
      names.insert("DNS:" + std::string(reinterpret_cast<const char*>(bytes),
                                        static_cast<size_t>(ASN1_STRING_length(value))));
    } else if (type == GEN_IPADD) {
      std::array<char, INET6_ADDRSTRLEN> text{};
      const int family = ASN1_STRING_length(value) == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, bytes, text.data(), text.size());
      names.insert(std::string("IP:") + text.data());
    }
  }
  GENERAL_NAMES_free(general_names);
  return names;
}

bool tls_test_extension_is_critical(X509* certificate, int nid) {
  const int index = X509_get_ext_by_NID(certificate, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(certificate, index)) == 1;
}

std::string tls_test_mode_of(const fs::path& path) {
  struct stat status {};
  ::stat(path.c_str(), &status);
  std::ostringstream text;
  text << std::oct << (status.st_mode & 07777);
  return text.str();
}

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(dir_.path() / "vault");
    auto written = write_localhost_certificate(files_, kTlsTestNow);
    ASSERT_TRUE(written) << written.error().message;
  }

  // The error of checking `files` at `now`; fails the test when the check passes.
  static Error check_error(const TlsFiles& files, int64_t now = kTlsTestNow) {
    auto checked = check_tls_files(files, now);
    EXPECT_FALSE(checked);
    return checked ? Error{} : checked.error();
  }

  static bool names(const Error& error, const fs::path& path) {
    return error.message.find(path.string()) != std::string::npos &&
           error.french.find(path.string()) != std::string::npos;
  }

  testing::TempDir dir_;
  TlsFiles files_ = default_tls_files(dir_.path() / "vault");
};

TEST(TlsFilesDefaultTest, LiveInTheVaultsTlsDirectory) {
  const TlsFiles files = default_tls_files("/var/lib/vigie");
  EXPECT_EQ(files.certificate, fs::path("/var/lib/vigie/tls/certificate.pem"));
  EXPECT_EQ(files.private_key, fs::path("/var/lib/vigie/tls/private-key.pem"));
}

TEST(TlsFilesWriteTest, RefusesAVaultDirectoryThatDoesNotExist) {
  testing::TempDir dir;
  auto written = write_localhost_certificate(default_tls_files(dir / "absent"), kTlsTestNow);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInternal);
  EXPECT_NE(written.error().message.find((dir / "absent" / "tls").string()), std::string::npos);
}

TEST_F(TlsFilesTest, AGeneratedPairPassesTheCheck) {
  EXPECT_TRUE(check_tls_files(files_, kTlsTestNow));
  EXPECT_TRUE(check_tls_files(files_, kTlsTestNow - 60));
  EXPECT_TRUE(check_tls_files(files_, kTlsTestNow + 396 * kTlsTestDay));
}

TEST_F(TlsFilesTest, TheKeyIsPrivateTheCertificatePublicTheirDirectoryPrivate) {
  EXPECT_EQ(tls_test_mode_of(files_.private_key), "600");
  EXPECT_EQ(tls_test_mode_of(files_.certificate), "644");
  EXPECT_EQ(tls_test_mode_of(files_.private_key.parent_path()), "700");
}

TEST_F(TlsFilesTest, ASecondWriteIsAConflictAndChangesNothing) {
  const std::string certificate = testing::read_file(files_.certificate);
  const std::string key = testing::read_file(files_.private_key);
  auto again = write_localhost_certificate(files_, kTlsTestNow);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(names(again.error(), files_.private_key)) << again.error().message;
  EXPECT_EQ(testing::read_file(files_.certificate), certificate);
  EXPECT_EQ(testing::read_file(files_.private_key), key);
}

TEST_F(TlsFilesTest, AnOperatorsKeyAloneIsAConflictAndNoCertificateIsWritten) {
  testing::TempDir other;
  const TlsFiles files{other / "certificate.pem", files_.private_key};
  auto written = write_localhost_certificate(files, kTlsTestNow);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(names(written.error(), files.private_key)) << written.error().message;
  EXPECT_FALSE(fs::exists(files.certificate));
}

TEST_F(TlsFilesTest, TheCertificateIsAnX509V3ServerCertificateForLocalhost) {
  TlsTestX509 certificate = tls_test_read_certificate(files_.certificate);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(X509_get_version(certificate.get()), X509_VERSION_3);
  EXPECT_EQ(tls_test_alt_names(certificate.get()),
            (std::set<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1"}));
  std::array<char, 64> common_name{};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate.get()), NID_commonName,
                            common_name.data(), common_name.size());
  EXPECT_STREQ(common_name.data(), "localhost");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(certificate.get()),
                          X509_get_issuer_name(certificate.get())),
            0);
  EXPECT_EQ(X509_get_extension_flags(certificate.get()) & EXFLAG_CA, 0U);
  EXPECT_TRUE(tls_test_extension_is_critical(certificate.get(), NID_basic_constraints));
  EXPECT_EQ(X509_get_key_usage(certificate.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_TRUE(tls_test_extension_is_critical(certificate.get(), NID_key_usage));
  EXPECT_EQ(X509_get_extended_key_usage(certificate.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_signature_nid(certificate.get()), NID_ecdsa_with_SHA256);
}

TEST_F(TlsFilesTest, TheKeyIsP256AndTheValidity397DaysFromAMinuteAgo) {
  TlsTestX509 certificate = tls_test_read_certificate(files_.certificate);
  ASSERT_TRUE(certificate);
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  std::array<char, 64> group{};
  size_t group_length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group.data(), group.size(), &group_length), 1);
  EXPECT_EQ(OBJ_txt2nid(group.data()), NID_X9_62_prime256v1) << group.data();
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(certificate.get()), kTlsTestNow - 60), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(certificate.get()),
                                 kTlsTestNow - 60 + 397 * kTlsTestDay),
            0);
}

TEST_F(TlsFilesTest, SerialsAre128BitPositiveAndDifferEachTime) {
  const TlsFiles other = default_tls_files(dir_.path() / "other");
  fs::create_directory(dir_.path() / "other");
  ASSERT_TRUE(write_localhost_certificate(other, kTlsTestNow));
  std::set<std::string> serials;
  for (const TlsFiles& files : {files_, other}) {
    TlsTestX509 certificate = tls_test_read_certificate(files.certificate);
    ASSERT_TRUE(certificate);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate.get()), nullptr), &BN_free);
    EXPECT_FALSE(BN_is_negative(serial.get()));
    EXPECT_EQ(BN_num_bits(serial.get()), 128);
    char* hex = BN_bn2hex(serial.get());
    serials.insert(hex);
    OPENSSL_free(hex);
  }
  EXPECT_EQ(serials.size(), 2U);
}

TEST_F(TlsFilesTest, AMissingFileIsAUsageErrorThatSaysHowToFixIt) {
  for (const fs::path& missing : {files_.certificate, files_.private_key}) {
    const std::string kept = testing::read_file(missing);
    fs::remove(missing);
    const Error error = check_error(files_);
    EXPECT_EQ(error.code, ErrorCode::kUsage);
    EXPECT_TRUE(names(error, missing)) << error.message;
    EXPECT_NE(error.message.find("does not exist"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("vigie init"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("--tls-certificate"), std::string::npos) << error.message;
    EXPECT_NE(error.french.find("vigie init"), std::string::npos) << error.french;
    testing::write_file(missing, kept);
  }
}

TEST_F(TlsFilesTest, AKeyReadableByTheGroupIsRefused) {
  fs::permissions(files_.private_key, fs::perms::group_read, fs::perm_options::add);
  ASSERT_EQ(tls_test_mode_of(files_.private_key), "640");
  const Error error = check_error(files_);
  EXPECT_EQ(error.code, ErrorCode::kUsage);
  EXPECT_TRUE(names(error, files_.private_key)) << error.message;
  EXPECT_NE(error.message.find("chmod 600"), std::string::npos) << error.message;
}

TEST_F(TlsFilesTest, AKeyOfAnotherPairDoesNotMatch) {
  const TlsFiles other = default_tls_files(dir_.path() / "other");
  fs::create_directory(dir_.path() / "other");
  ASSERT_TRUE(write_localhost_certificate(other, kTlsTestNow));
  const TlsFiles mixed{files_.certificate, other.private_key};
  const Error error = check_error(mixed);
  EXPECT_EQ(error.code, ErrorCode::kUsage);
  EXPECT_TRUE(names(error, mixed.certificate)) << error.message;
  EXPECT_TRUE(names(error, mixed.private_key)) << error.message;
  EXPECT_NE(error.message.find("does not match"), std::string::npos) << error.message;
}

TEST_F(TlsFilesTest, ACertificateIsRefusedAfterItsExpiryAndBeforeItsStart) {
  const Error expired = check_error(files_, kTlsTestNow + 398 * kTlsTestDay);
  EXPECT_EQ(expired.code, ErrorCode::kUsage);
  EXPECT_TRUE(names(expired, files_.certificate)) << expired.message;
  EXPECT_NE(expired.message.find("expired"), std::string::npos) << expired.message;
  const Error early = check_error(files_, kTlsTestNow - 3600);
  EXPECT_EQ(early.code, ErrorCode::kUsage);
  EXPECT_TRUE(names(early, files_.certificate)) << early.message;
  EXPECT_NE(early.message.find("not valid before"), std::string::npos) << early.message;
}

TEST_F(TlsFilesTest, GarbagePemIsInvalidInputNamingTheFile) {
  for (const fs::path& garbled : {files_.certificate, files_.private_key}) {
    const std::string kept = testing::read_file(garbled);
    testing::write_file(garbled, "-----BEGIN GARBAGE-----\nnot base64 at all\n");
    const Error error = check_error(files_);
    EXPECT_EQ(error.code, ErrorCode::kInvalidInput);
    EXPECT_TRUE(names(error, garbled)) << error.message;
    EXPECT_NE(error.message.find("PEM"), std::string::npos) << error.message;
    testing::write_file(garbled, kept);
  }
}

TEST_F(TlsFilesTest, NoErrorCarriesKeyMaterial) {
  const std::string key = testing::read_file(files_.private_key);
  const TlsFiles other = default_tls_files(dir_.path() / "other");
  fs::create_directory(dir_.path() / "other");
  ASSERT_TRUE(write_localhost_certificate(other, kTlsTestNow));
  const Error mismatch = check_error({other.certificate, files_.private_key});
  fs::permissions(files_.private_key, fs::perms::others_read, fs::perm_options::add);
  const Error readable = check_error(files_);
  std::istringstream lines(key);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("-----")) {
      continue;
    }
    for (const Error& error : {mismatch, readable}) {
      EXPECT_EQ(error.message.find(line), std::string::npos);
      EXPECT_EQ(error.french.find(line), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace vigie::http
