#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_fixture.hpp"
#include "support/client_signer.hpp"

// `vigie client add`: the public keys of a SMART backend service, from a JWKS file.

namespace vigie::cli {
namespace {

using test_support::ClientSigner;
using testing::CliTest;
using testing::ProcessResult;

class CliSmartClientTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init_vault();
    ProcessResult added = run(
        {"user", "add"}, {"--login", "labo.bio", "--name", "Interface labo", "--role", "service"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }

  ProcessResult client_add(const std::string& jwks) {
    return run({"client", "add"},
               {"--login", "labo.bio", "--jwks", write_input("client.jwks", jwks)});
  }
};

TEST_F(CliSmartClientTest, AddRegistersTheKeysAndPrintsTheirKids) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384, "labo-2026");
  ProcessResult added = client_add(signer.jwks());
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(added.out.find("labo-2026"), std::string::npos) << added.out;
  EXPECT_EQ(added.out.find(std::string(signer.jwk().at("x").as_string())), std::string::npos);

  // The same kid again: exit 5, nothing written.
  ProcessResult again = client_add(ClientSigner(ClientSigner::Kind::kRsa2048, "labo-2026").jwks());
  EXPECT_EQ(again.exit_code, 5) << again.err;
}

TEST_F(CliSmartClientTest, AddRefusesPrivateKeysBadFilesUnknownLoginsAndPersonsInFrenchFirst) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  ProcessResult secret = client_add(signer.jwks(true));
  EXPECT_EQ(secret.exit_code, 5);
  EXPECT_NE(secret.err.find("vigie: JWKS refusé : une clé privée"), std::string::npos)
      << secret.err;
  EXPECT_EQ(secret.err.find(std::string(signer.jwk(true).at("d").as_string())), std::string::npos);

  ProcessResult malformed = client_add("{\"keys\": [");
  EXPECT_EQ(malformed.exit_code, 5);
  EXPECT_NE(malformed.err.find("JWKS refusé : ce n'est pas du JSON valide"), std::string::npos)
      << malformed.err;

  ProcessResult missing =
      run({"client", "add"}, {"--login", "labo.bio", "--jwks", vault() + "/absent.jwks"});
  EXPECT_EQ(missing.exit_code, 5) << missing.err;

  ProcessResult unknown = run(
      {"client", "add"}, {"--login", "personne", "--jwks", write_input("ok.jwks", signer.jwks())});
  EXPECT_EQ(unknown.exit_code, 4) << unknown.err;

  ProcessResult person = run({"user", "add"}, {"--login", "dr.martin", "--name", "Camille Martin",
                                               "--role", "practitioner"});
  ASSERT_EQ(person.exit_code, 0) << person.err;
  ProcessResult for_person = run(
      {"client", "add"}, {"--login", "dr.martin", "--jwks", write_input("ok.jwks", signer.jwks())});
  EXPECT_EQ(for_person.exit_code, 2) << for_person.err;
  EXPECT_NE(for_person.err.find("seul un compte de service"), std::string::npos) << for_person.err;
}

}  // namespace
}  // namespace vigie::cli
