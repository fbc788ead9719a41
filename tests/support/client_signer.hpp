#pragma once

// A SMART backend client for tests: makes its own key pair (EC P-384 or RSA), publishes the public
// half as a JWKS, and signs client assertions with libjwt. Header-only: the tests of auth/, gate/,
// http/ and cli/ all use it.

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "crypto/base64url.hpp"

namespace vigie::test_support {

class ClientSigner {
 public:
  enum class Kind { kEcP384, kEcP256, kRsa2048, kRsa1024 };

  explicit ClientSigner(Kind kind, std::string kid = "key-1") : kind_(kind), kid_(std::move(kid)) {
    EVP_PKEY* key = nullptr;
    switch (kind) {
      case Kind::kEcP384:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        break;
      case Kind::kEcP256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
      case Kind::kRsa2048:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
        break;
      case Kind::kRsa1024:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
        break;
    }
    if (key == nullptr) {
      throw std::runtime_error("key generation failed");
    }
    key_.reset(key);
  }

  [[nodiscard]] const std::string& kid() const { return kid_; }
  [[nodiscard]] bool is_ec() const { return kind_ == Kind::kEcP384 || kind_ == Kind::kEcP256; }
  [[nodiscard]] std::string alg() const { return is_ec() ? "ES384" : "RS384"; }

  // The public JWK; with `with_private`, the private member d too (what must be refused).
  [[nodiscard]] boost::json::object jwk(bool with_private = false) const {
    boost::json::object jwk{{"kid", kid_}};
    if (is_ec()) {
      const size_t size = kind_ == Kind::kEcP384 ? 48 : 32;
      jwk["kty"] = "EC";
      jwk["crv"] = kind_ == Kind::kEcP384 ? "P-384" : "P-256";
      jwk["x"] = bn_param(OSSL_PKEY_PARAM_EC_PUB_X, size);
      jwk["y"] = bn_param(OSSL_PKEY_PARAM_EC_PUB_Y, size);
      if (with_private) {
        jwk["d"] = bn_param(OSSL_PKEY_PARAM_PRIV_KEY, size);
      }
    } else {
      jwk["kty"] = "RSA";
      jwk["n"] = bn_param(OSSL_PKEY_PARAM_RSA_N, 0);
      jwk["e"] = bn_param(OSSL_PKEY_PARAM_RSA_E, 0);
      if (with_private) {
        jwk["d"] = bn_param(OSSL_PKEY_PARAM_RSA_D, 0);
      }
    }
    return jwk;
  }

  [[nodiscard]] std::string jwks(bool with_private = false) const {
    return boost::json::serialize(
        boost::json::object{{"keys", boost::json::array{jwk(with_private)}}});
  }

  [[nodiscard]] std::string public_pem() const {
    return pem([](BIO* bio, EVP_PKEY* key) { return PEM_write_bio_PUBKEY(bio, key); });
  }
  [[nodiscard]] std::string private_pem() const {
    return pem([](BIO* bio, EVP_PKEY* key) {
      return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
  }

  // What an assertion claims; each field may be changed by a test.
  struct Claims {
    std::string iss;
    std::string sub;
    std::string aud;
    long exp = 0;  // seconds; 0: absent
    std::string jti;
    std::string kid;  // the header's kid; empty: the signer's
  };

  // A compact JWS of `claims` signed with `alg` and `key` (the signer's private key by default).
  [[nodiscard]] std::string sign(const Claims& claims, jwt_alg_t alg = JWT_ALG_INVAL,
                                 const std::string* key = nullptr) const {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) {
      throw std::runtime_error("jwt_new failed");
    }
    const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
    const auto add = [&](const char* name, const std::string& value) {
      if (!value.empty()) {
        jwt_add_grant(jwt.get(), name, value.c_str());
      }
    };
    add("iss", claims.iss);
    add("sub", claims.sub);
    add("aud", claims.aud);
    add("jti", claims.jti);
    if (claims.exp != 0) {
      jwt_add_grant_int(jwt.get(), "exp", claims.exp);
    }
    jwt_add_header(jwt.get(), "kid", (claims.kid.empty() ? kid_ : claims.kid).c_str());
    const jwt_alg_t chosen = alg != JWT_ALG_INVAL ? alg : (is_ec() ? JWT_ALG_ES384 : JWT_ALG_RS384);
    const std::string private_key = private_pem();
    const std::string& signing_key = key != nullptr ? *key : private_key;
    if (jwt_set_alg(jwt.get(), chosen,
                    chosen == JWT_ALG_NONE
                        ? nullptr
                        : reinterpret_cast<const unsigned char*>(signing_key.data()),
                    chosen == JWT_ALG_NONE ? 0 : static_cast<int>(signing_key.size())) != 0) {
      throw std::runtime_error("jwt_set_alg failed");
    }
    const std::unique_ptr<char, decltype(&std::free)> token(jwt_encode_str(jwt.get()), &std::free);
    if (!token) {
      throw std::runtime_error("jwt_encode_str failed");
    }
    return token.get();
  }

 private:
  struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };

  std::string bn_param(const char* name, size_t size) const {
    BIGNUM* number = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), name, &number) != 1) {
      throw std::runtime_error("EVP_PKEY_get_bn_param failed");
    }
    std::vector<uint8_t> bytes(size == 0 ? static_cast<size_t>(BN_num_bytes(number)) : size);
    BN_bn2binpad(number, bytes.data(), static_cast<int>(bytes.size()));
    BN_clear_free(number);
    return crypto::to_base64url(bytes);
  }

  template <typename Write>
  std::string pem(Write write) const {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || write(bio.get(), key_.get()) != 1) {
      throw std::runtime_error("PEM write failed");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  }

  Kind kind_;
  std::string kid_;
  std::unique_ptr<EVP_PKEY, KeyDeleter> key_;
};

}  // namespace vigie::test_support
