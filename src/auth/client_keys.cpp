#include "auth/client_keys.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <set>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "crypto/base64url.hpp"
#include "fhir/json.hpp"

namespace vigie::auth {

namespace {

using fhir::json_string_member;

// The size of a P-384 coordinate, in bytes.
constexpr size_t kP384CoordinateBytes = 48;

tl::unexpected<Error> refused(std::string_view french, std::string_view english) {
  return fail(ErrorCode::kInvalidInput, "JWKS refusé : " + std::string(french),
              "JWKS refused: " + std::string(english));
}

bool is_kid(std::string_view kid) {
  return !kid.empty() && kid.size() <= kMaxKidLength &&
         std::ranges::all_of(kid, [](char c) { return c > ' ' && c < 0x7f; });
}

struct BnDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
struct ParamBuildDeleter {
  void operator()(OSSL_PARAM_BLD* build) const { OSSL_PARAM_BLD_free(build); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct ContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

// An OpenSSL public key of `type` ("EC" or "RSA") from `params`; nullptr when OpenSSL refuses.
PublicKey key_from_params(const char* type, const OSSL_PARAM* params) {
  const std::unique_ptr<EVP_PKEY_CTX, ContextDeleter> context(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY,
                        const_cast<OSSL_PARAM*>(params)) != 1) {
    return nullptr;
  }
  return PublicKey(key);
}

// True when OpenSSL's public key check passes (for EC: the point lies on the curve).
bool passes_public_check(EVP_PKEY* key) {
  const std::unique_ptr<EVP_PKEY_CTX, ContextDeleter> context(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  return context && EVP_PKEY_public_check(context.get()) == 1;
}

Result<PublicKey> ec_key(const boost::json::object& jwk) {
  if (json_string_member(jwk, "crv") != "P-384") {
    return refused("seule la courbe P-384 est acceptée pour une clé EC",
                   "only curve P-384 is accepted for an EC key");
  }
  const auto x = crypto::from_base64url(json_string_member(jwk, "x").value_or(""));
  const auto y = crypto::from_base64url(json_string_member(jwk, "y").value_or(""));
  if (!x || !y || x->size() != kP384CoordinateBytes || y->size() != kP384CoordinateBytes) {
    return refused("x et y d'une clé P-384 font 48 octets en base64url",
                   "x and y of a P-384 key are 48 bytes of base64url");
  }
  std::vector<uint8_t> point{0x04};  // uncompressed: 04 || x || y
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  std::array<char, 10> group{"secp384r1"};
  const std::array params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  PublicKey key = key_from_params("EC", params.data());
  if (!key || !passes_public_check(key.get())) {
    return refused("le point de la clé EC n'est pas sur la courbe P-384",
                   "the EC key's point is not on curve P-384");
  }
  return key;
}

Result<PublicKey> rsa_key(const boost::json::object& jwk) {
  const auto n = crypto::from_base64url(json_string_member(jwk, "n").value_or(""));
  const auto e = crypto::from_base64url(json_string_member(jwk, "e").value_or(""));
  if (!n || !e || e->size() > 8) {
    return refused("n et e d'une clé RSA sont requis en base64url",
                   "n and e of an RSA key are required, as base64url");
  }
  const std::unique_ptr<BIGNUM, BnDeleter> modulus(
      BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr));
  const std::unique_ptr<BIGNUM, BnDeleter> exponent(
      BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr));
  if (!modulus || !exponent) {
    return fail(ErrorCode::kInternal, "BN_bin2bn failed");
  }
  const int bits = BN_num_bits(modulus.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return refused("une clé RSA a de 2048 à 8192 bits", "an RSA key has 2048 to 8192 bits");
  }
  if (!BN_is_odd(exponent.get()) || BN_num_bits(exponent.get()) < 2) {
    return refused("l'exposant d'une clé RSA est impair et au moins 3",
                   "an RSA key's exponent is odd and at least 3");
  }
  const std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> build(OSSL_PARAM_BLD_new());
  if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return fail(ErrorCode::kInternal, "OSSL_PARAM_BLD failed");
  }
  const std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(build.get()));
  PublicKey key = params ? key_from_params("RSA", params.get()) : nullptr;
  if (!key) {
    return refused("OpenSSL refuse cette clé RSA", "OpenSSL refuses this RSA key");
  }
  return key;
}

// The members a private JWK carries (RFC 7518 §6.2.2 and §6.3.2), and a symmetric key's.
constexpr std::array<std::string_view, 7> kPrivateMembers = {"d",  "p",  "q",  "dp",
                                                             "dq", "qi", "oth"};

struct CheckedKey {
  ClientKey key;
  PublicKey public_key;
};

Result<CheckedKey> check_jwk(const boost::json::value& value) {
  const boost::json::object* jwk = value.if_object();
  if (jwk == nullptr) {
    return refused("chaque clé est un objet JSON", "each key is a JSON object");
  }
  for (std::string_view member : kPrivateMembers) {
    if (jwk->contains(member) || jwk->contains("k")) {
      return refused("une clé privée ou secrète n'est jamais acceptée : seulement la clé publique",
                     "a private or secret key is never accepted: only the public key");
    }
  }
  const std::optional<std::string_view> kid = json_string_member(*jwk, "kid");
  if (!kid || !is_kid(*kid)) {
    return refused("chaque clé a un kid de 1 à 128 caractères ASCII visibles",
                   "each key has a kid of 1 to 128 visible ASCII characters");
  }
  if (const boost::json::value* use = jwk->if_contains("use");
      use != nullptr && !(use->is_string() && use->get_string() == "sig")) {
    return refused("une clé sert à signer (use « sig »)", "a key is for signing (use \"sig\")");
  }
  const std::optional<std::string_view> kty = json_string_member(*jwk, "kty");
  CheckedKey checked;
  boost::json::object canonical;
  if (kty == "EC") {
    checked.key.alg = "ES384";
    auto key = ec_key(*jwk);
    if (!key) {
      return tl::unexpected(key.error());
    }
    checked.public_key = std::move(*key);
    canonical = {{"kty", "EC"}, {"crv", "P-384"}, {"x", jwk->at("x")}, {"y", jwk->at("y")}};
  } else if (kty == "RSA") {
    checked.key.alg = "RS384";
    auto key = rsa_key(*jwk);
    if (!key) {
      return tl::unexpected(key.error());
    }
    checked.public_key = std::move(*key);
    canonical = {{"kty", "RSA"}, {"n", jwk->at("n")}, {"e", jwk->at("e")}};
  } else {
    return refused("seules les clés EC P-384 (ES384) et RSA (RS384) sont acceptées",
                   "only EC P-384 (ES384) and RSA (RS384) keys are accepted");
  }
  if (const boost::json::value* alg = jwk->if_contains("alg");
      alg != nullptr && !(alg->is_string() && alg->get_string() == checked.key.alg)) {
    return refused("l'algorithme d'une clé EC P-384 est ES384, celui d'une clé RSA RS384",
                   "an EC P-384 key's algorithm is ES384, an RSA key's RS384");
  }
  checked.key.kid = std::string(*kid);
  canonical["kid"] = checked.key.kid;
  canonical["alg"] = checked.key.alg;
  checked.key.jwk = boost::json::serialize(canonical);
  return checked;
}

}  // namespace

Result<std::vector<ClientKey>> parse_client_jwks(std::string_view text) {
  boost::system::error_code error;
  const boost::json::value document = boost::json::parse(text, error);
  if (error) {
    return refused("ce n'est pas du JSON valide", "this is not valid JSON");
  }
  const boost::json::object* object = document.if_object();
  const boost::json::value* keys = object != nullptr ? object->if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) {
    return refused("attendu un objet JSON avec un tableau « keys »",
                   "expected a JSON object with a \"keys\" array");
  }
  if (keys->get_array().empty() || keys->get_array().size() > kMaxClientKeys) {
    return refused("le tableau « keys » a de 1 à 10 clés", "the \"keys\" array has 1 to 10 keys");
  }
  std::vector<ClientKey> result;
  std::set<std::string, std::less<>> kids;
  for (const boost::json::value& value : keys->get_array()) {
    auto checked = check_jwk(value);
    if (!checked) {
      return tl::unexpected(checked.error());
    }
    if (!kids.insert(checked->key.kid).second) {
      return refused("deux clés ont le même kid", "two keys have the same kid");
    }
    result.push_back(std::move(checked->key));
  }
  return result;
}

Result<PublicKey> public_key_of_jwk(std::string_view jwk) {
  boost::system::error_code error;
  const boost::json::value value = boost::json::parse(jwk, error);
  if (error) {
    return refused("ce n'est pas du JSON valide", "this is not valid JSON");
  }
  auto checked = check_jwk(value);
  if (!checked) {
    return tl::unexpected(checked.error());
  }
  return std::move(checked->public_key);
}

Result<std::string> public_key_pem(const EVP_PKEY& key) {
  const std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), &key) != 1) {
    return fail(ErrorCode::kInternal, "PEM_write_bio_PUBKEY failed");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) {
    return fail(ErrorCode::kInternal, "BIO_get_mem_data failed");
  }
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace vigie::auth
