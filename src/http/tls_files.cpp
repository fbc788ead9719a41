#include "http/tls_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/private_file.hpp"

namespace vigie::http {

namespace {

namespace fs = std::filesystem;

// Clients whose clock is a little behind still accept a certificate made just now.
constexpr int64_t kClockSlackSeconds = 60;
// The longest validity the CA/Browser Forum allows a server certificate (clients such as Safari
// refuse longer ones, self-signed or not).
constexpr int kValidityDays = 397;
constexpr int kSerialBits = 128;

// What a TLS client checks on a server certificate for localhost.
constexpr std::array<std::pair<int, const char*>, 4> kLocalhostExtensions{{
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "serverAuth"},
    {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
}};

constexpr std::string_view kFixFrench =
    "lancez `vigie init` pour un nouveau coffre, ou indiquez vos propres fichiers avec "
    "--tls-certificate et --tls-key";
constexpr std::string_view kFixEnglish =
    "run `vigie init` for a new vault, or point --tls-certificate and --tls-key to your own files";

// How messages name a file of the pair.
struct FileRole {
  std::string_view french;
  std::string_view english;
};
constexpr FileRole kCertificateRole{"le certificat TLS", "the TLS certificate"};
constexpr FileRole kKeyRole{"la clé privée TLS", "the TLS private key"};

template <auto release>
struct OpenSslFree {
  template <typename T>
  void operator()(T* pointer) const {
    release(pointer);
  }
};
using KeyPointer = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using CertificatePointer = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using BioPointer = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using BignumPointer = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using ExtensionPointer = std::unique_ptr<X509_EXTENSION, OpenSslFree<X509_EXTENSION_free>>;

// An open file descriptor, closed when it goes out of scope.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  OpenFile(OpenFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  OpenFile& operator=(OpenFile&&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  // For a file just written: a failing close can be the first report of a failed write.
  [[nodiscard]] bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

// kInternal for a failed OpenSSL call, with OpenSSL's reason: library text such as "wrong
// curve", never key bytes. The error queue is emptied so that it does not blame a later call.
tl::unexpected<Error> openssl_failure(std::string_view french_step, std::string_view english_step) {
  const char* reason = ERR_reason_error_string(ERR_peek_last_error());
  const std::string why = reason != nullptr ? reason : "unknown reason";
  ERR_clear_error();
  return fail(ErrorCode::kInternal, fmt::format("échec d'OpenSSL : {} ({})", french_step, why),
              fmt::format("OpenSSL failed to {}: {}", english_step, why));
}

tl::unexpected<Error> system_failure(std::string_view french_step, std::string_view english_step,
                                     int error_number) {
  const std::string why = std::generic_category().message(error_number);
  return fail(ErrorCode::kInternal, fmt::format("{} ({})", french_step, why),
              fmt::format("{}: {}", english_step, why));
}

tl::unexpected<Error> already_exists(const fs::path& path) {
  return fail(ErrorCode::kConflict,
              fmt::format("{} existe déjà : vigie ne remplace jamais un certificat ou une clé TLS",
                          path.string()),
              fmt::format("{} already exists: vigie never replaces a TLS certificate or key",
                          path.string()));
}

// The key stays in OpenSSL's memory until it is written straight into its file.
Result<KeyPointer> generate_key() {
  KeyPointer key(EVP_EC_gen("P-256"));
  if (!key) {
    return openssl_failure("générer la clé", "generate the key");
  }
  return key;
}

// The top bit set: always 128 bits long and positive, as RFC 5280 wants a serial (20 octets at
// most), with 127 random bits, so no two of our certificates share an issuer and serial.
bool set_random_serial(X509* certificate) {
  BignumPointer serial(BN_new());
  return serial && BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) != nullptr;
}

bool set_validity(X509* certificate, int64_t now_seconds) {
  const auto now = static_cast<time_t>(now_seconds);
  return ASN1_TIME_adj(X509_getm_notBefore(certificate), now, 0, -kClockSlackSeconds) != nullptr &&
         ASN1_TIME_adj(X509_getm_notAfter(certificate), now, kValidityDays, -kClockSlackSeconds) !=
             nullptr;
}

// Self-signed: the issuer is the subject, CN=localhost.
bool set_localhost_names(X509* certificate) {
  X509_NAME* name = X509_get_subject_name(certificate);
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                    0) == 1 &&
         X509_set_issuer_name(certificate, name) == 1;
}

bool add_localhost_extensions(X509* certificate) {
  X509V3_CTX context{};
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  for (const auto& [nid, value] : kLocalhostExtensions) {
    ExtensionPointer extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
      return false;
    }
  }
  return true;
}

Result<CertificatePointer> make_localhost_certificate(EVP_PKEY* key, int64_t now_seconds) {
  CertificatePointer certificate(X509_new());
  X509* made = certificate.get();
  const bool built = made != nullptr && X509_set_version(made, X509_VERSION_3) == 1 &&
                     set_random_serial(made) && set_validity(made, now_seconds) &&
                     set_localhost_names(made) && X509_set_pubkey(made, key) == 1 &&
                     add_localhost_extensions(made) && X509_sign(made, key, EVP_sha256()) > 0;
  if (!built) {
    return openssl_failure("construire le certificat", "build the certificate");
  }
  return certificate;
}

// The files' directory, 0700 when it is made here; an existing one is left as it is.
Result<void> make_directory_of(const fs::path& file) {
  const fs::path dir = file.parent_path();
  if (dir.empty() || ::mkdir(dir.c_str(), S_IRWXU) == 0 || errno == EEXIST) {
    return {};
  }
  const int error_number = errno;
  return system_failure(fmt::format("impossible de créer le répertoire {}", dir.string()),
                        fmt::format("cannot create the directory {}", dir.string()), error_number);
}

// Creates `path` with `mode` and the PEM text `write` puts straight into it (no copy of a key
// in our memory). O_EXCL: an existing file, or a link planted in its place, is never written
// through, and the mode holds from the file's first instant. A file that fails is removed.
template <typename Write>
Result<void> write_new_pem_file(const fs::path& path, mode_t mode, Write write) {
  OpenFile file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (file.get() < 0) {
    const int error_number = errno;
    return error_number == EEXIST
               ? already_exists(path)
               : system_failure(fmt::format("impossible de créer {}", path.string()),
                                fmt::format("cannot create {}", path.string()), error_number);
  }
  BioPointer bio(BIO_new_fd(file.get(), BIO_NOCLOSE));
  if (!bio || !write(bio.get()) || BIO_flush(bio.get()) != 1) {
    ::unlink(path.c_str());
    return openssl_failure(fmt::format("écrire {}", path.string()),
                           fmt::format("write {}", path.string()));
  }
  // The exact mode, whatever the umask took away at creation.
  if (::fchmod(file.get(), mode) != 0 || ::fsync(file.get()) != 0 || !file.close()) {
    const int error_number = errno;
    ::unlink(path.c_str());
    return system_failure(fmt::format("impossible d'écrire {}", path.string()),
                          fmt::format("cannot write {}", path.string()), error_number);
  }
  return {};
}

Result<void> write_pair(const TlsFiles& files, EVP_PKEY* key, X509* certificate) {
  auto key_written = write_new_pem_file(files.private_key, S_IRUSR | S_IWUSR, [&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  if (!key_written) {
    return key_written;
  }
  auto certificate_written =
      write_new_pem_file(files.certificate, S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH,
                         [&](BIO* bio) { return PEM_write_bio_X509(bio, certificate) == 1; });
  if (!certificate_written) {
    // A key without its certificate would block the next attempt for nothing.
    ::unlink(files.private_key.c_str());
  }
  return certificate_written;
}

// A file that exists, or a link to a file that does not: what O_EXCL would refuse.
bool is_taken(const fs::path& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

// Opens one file of the pair for the check: kUsage, with the fix, when it cannot be read.
Result<OpenFile> open_for_check(const fs::path& path, const FileRole& role) {
  OpenFile file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() >= 0) {
    return file;
  }
  const int error_number = errno;
  if (error_number == ENOENT) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} {} est introuvable : {}", role.french, path.string(), kFixFrench),
                fmt::format("{} {} does not exist: {}", role.english, path.string(), kFixEnglish));
  }
  const std::string why = std::generic_category().message(error_number);
  return fail(ErrorCode::kUsage,
              fmt::format("impossible de lire {} {} ({}) : vérifiez ses droits, ou {}", role.french,
                          path.string(), why, kFixFrench),
              fmt::format("cannot read {} {} ({}): check its permissions, or {}", role.english,
                          path.string(), why, kFixEnglish));
}

tl::unexpected<Error> not_pem(const fs::path& path, const FileRole& role,
                              std::string_view french_kind, std::string_view english_kind) {
  ERR_clear_error();
  return fail(ErrorCode::kInvalidInput,
              fmt::format("{} {} n'est pas {} au format PEM : {}", role.french, path.string(),
                          french_kind, kFixFrench),
              fmt::format("{} {} is not {} in PEM form: {}", role.english, path.string(),
                          english_kind, kFixEnglish));
}

Result<CertificatePointer> read_certificate(const fs::path& path) {
  auto file = open_for_check(path, kCertificateRole);
  if (!file) {
    return tl::unexpected(file.error());
  }
  BioPointer bio(BIO_new_fd(file->get(), BIO_NOCLOSE));
  CertificatePointer certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                     : nullptr);
  if (!certificate) {
    return not_pem(path, kCertificateRole, "un certificat X.509", "an X.509 certificate");
  }
  return certificate;
}

// An encrypted key would make OpenSSL ask for its passphrase on the terminal: a server has
// nobody to ask, so the read fails instead.
int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*data*/) {
  return -1;
}

Result<KeyPointer> read_private_key(const fs::path& path) {
  auto file = open_for_check(path, kKeyRole);
  if (!file) {
    return tl::unexpected(file.error());
  }
  if (auto safe =
          check_private_file(file->get(), path.string(), "TLS private key", ErrorCode::kUsage);
      !safe) {
    return tl::unexpected(safe.error());
  }
  BioPointer bio(BIO_new_fd(file->get(), BIO_NOCLOSE));
  KeyPointer key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr)
                     : nullptr);
  if (!key) {
    return not_pem(path, kKeyRole, "une clé privée non chiffrée", "an unencrypted private key");
  }
  return key;
}

// "2027-01-15 08:00:00Z", or what OpenSSL could print of it.
std::string date_of(const ASN1_TIME* time) {
  BioPointer bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print_ex(bio.get(), time, ASN1_DTFLGS_ISO8601) != 1) {
    return "?";
  }
  char* text = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &text);
  return {text, static_cast<size_t>(length)};
}

Result<void> check_validity(const X509* certificate, const fs::path& path, int64_t now_seconds) {
  const auto now = static_cast<time_t>(now_seconds);
  const ASN1_TIME* not_before = X509_get0_notBefore(certificate);
  const ASN1_TIME* not_after = X509_get0_notAfter(certificate);
  // -2: a date OpenSSL cannot compare, taken as outside the period.
  if (const int start = ASN1_TIME_cmp_time_t(not_before, now); start == 1 || start == -2) {
    return fail(ErrorCode::kUsage,
                fmt::format("le certificat TLS {} n'est valable qu'à partir du {} : vérifiez "
                            "l'horloge du système, ou {}",
                            path.string(), date_of(not_before), kFixFrench),
                fmt::format("the TLS certificate {} is not valid before {}: check the system "
                            "clock, or {}",
                            path.string(), date_of(not_before), kFixEnglish));
  }
  if (const int end = ASN1_TIME_cmp_time_t(not_after, now); end == -1 || end == -2) {
    return fail(ErrorCode::kUsage,
                fmt::format("le certificat TLS {} a expiré le {} : remplacez-le avec sa clé, ou {}",
                            path.string(), date_of(not_after), kFixFrench),
                fmt::format("the TLS certificate {} expired on {}: replace it and its key, or {}",
                            path.string(), date_of(not_after), kFixEnglish));
  }
  return {};
}

Result<void> check_key_matches(X509* certificate, EVP_PKEY* key, const TlsFiles& files) {
  if (X509_check_private_key(certificate, key) == 1) {
    return {};
  }
  ERR_clear_error();
  return fail(ErrorCode::kUsage,
              fmt::format("la clé privée TLS {} n'est pas celle du certificat {} : donnez la clé "
                          "de ce certificat, ou {}",
                          files.private_key.string(), files.certificate.string(), kFixFrench),
              fmt::format("the TLS private key {} does not match the certificate {}: give this "
                          "certificate's key, or {}",
                          files.private_key.string(), files.certificate.string(), kFixEnglish));
}

}  // namespace

TlsFiles default_tls_files(const fs::path& vault_dir) {
  const fs::path dir = vault_dir / "tls";
  return TlsFiles{dir / "certificate.pem", dir / "private-key.pem"};
}

Result<void> write_localhost_certificate(const TlsFiles& files, int64_t now_seconds) {
  // Both checked before anything is made, so a conflict leaves no half pair behind.
  for (const fs::path& path : {files.private_key, files.certificate}) {
    if (is_taken(path)) {
      return already_exists(path);
    }
  }
  for (const fs::path& path : {files.private_key, files.certificate}) {
    if (auto made = make_directory_of(path); !made) {
      return made;
    }
  }
  auto key = generate_key();
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto certificate = make_localhost_certificate(key->get(), now_seconds);
  if (!certificate) {
    return tl::unexpected(certificate.error());
  }
  return write_pair(files, key->get(), certificate->get());
}

Result<void> check_tls_files(const TlsFiles& files, int64_t now_seconds) {
  auto certificate = read_certificate(files.certificate);
  if (!certificate) {
    return tl::unexpected(certificate.error());
  }
  auto key = read_private_key(files.private_key);
  if (!key) {
    return tl::unexpected(key.error());
  }
  if (auto valid = check_validity(certificate->get(), files.certificate, now_seconds); !valid) {
    return valid;
  }
  return check_key_matches(certificate->get(), key->get(), files);
}

}  // namespace vigie::http
