#include <gtest/gtest.h>

#include "crypto/signer_impl.hpp"
#include "helpers.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"

namespace ltsign {
namespace {
using test::pki;

Errc error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return Errc::internal;  // "no error" is never what these tests expect
}

TEST(Signer, LoadsPkcs12WithItsChain) {
    const auto s = Signer::from_pkcs12(pki("rsa.p12"), test::k_password);
    EXPECT_NE(s.subject().find("Test Signer RSA"), std::string::npos);
    EXPECT_EQ(s.key_description(), "RSA 3072");
    EXPECT_EQ(ltsign::detail::impl(s).chain.size(), 2u);
}

TEST(Signer, WrongPkcs12PasswordIsKeyRefused) {
    EXPECT_EQ(error_of([] { Signer::from_pkcs12(pki("rsa.p12"), "wrong"); }), Errc::key_refused);
}

TEST(Signer, NotAPkcs12IsMalformed) {
    EXPECT_EQ(error_of([] { Signer::from_pkcs12(pki("rsa.pem"), "x"); }), Errc::malformed_input);
}

TEST(Signer, MissingKeyFileIsInputMissing) {
    EXPECT_EQ(error_of([] { Signer::from_pkcs12(pki("absent.p12"), "x"); }), Errc::input_missing);
}

TEST(Signer, LoadsPemKeyCertAndChain) {
    const auto s = Signer::from_pem(pki("ec.key"), pki("ec.pem"), {pki("chain.pem")}, "");
    EXPECT_EQ(s.key_description(), "EC prime256v1");
    EXPECT_EQ(ltsign::detail::impl(s).chain.size(), 1u);
}

TEST(Signer, EncryptedPemNeedsTheRightPassword) {
    EXPECT_NO_THROW(Signer::from_pem(pki("rsa-enc.key"), pki("rsa.pem"), {}, test::k_password));
    EXPECT_EQ(error_of([] { Signer::from_pem(pki("rsa-enc.key"), pki("rsa.pem"), {}, "wrong"); }),
              Errc::key_refused);
    EXPECT_EQ(error_of([] { Signer::from_pem(pki("rsa-enc.key"), pki("rsa.pem"), {}, ""); }),
              Errc::key_refused);
}

TEST(Signer, KeyNotMatchingCertificateIsRefused) {
    EXPECT_EQ(error_of([] { Signer::from_pem(pki("ec.key"), pki("rsa.pem"), {}, ""); }),
              Errc::key_refused);
}

struct UsableCase {
    const char* p12;
    const char* at;
    bool usable;
};

void PrintTo(const UsableCase& c, std::ostream* os) {
    *os << c.p12 << " at " << c.at;
}

class SignerUsable : public ::testing::TestWithParam<UsableCase> {};

TEST_P(SignerUsable, RefusesCertificatesThatCannotSignThen) {
    const auto& c = GetParam();
    const auto s = Signer::from_pkcs12(pki(c.p12), test::k_password);
    if (c.usable) {
        EXPECT_NO_THROW(s.check_usable_at(test::t(c.at)));
    } else {
        EXPECT_EQ(error_of([&] { s.check_usable_at(test::t(c.at)); }), Errc::key_refused);
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, SignerUsable,
                         ::testing::Values(UsableCase{"rsa.p12", "2026-06-01T00:00:00Z", true},
                                           UsableCase{"rsa.p12", "2024-12-31T23:59:59Z", false},
                                           UsableCase{"rsa.p12", "2030-01-01T00:00:01Z", false},
                                           UsableCase{"expired.p12", "2026-06-01T00:00:00Z", false},
                                           UsableCase{"expired.p12", "2020-06-01T00:00:00Z", true},
                                           UsableCase{"notyet.p12", "2026-06-01T00:00:00Z", false},
                                           UsableCase{"rsa1024.p12", "2026-06-01T00:00:00Z", false},
                                           UsableCase{"noku.p12", "2026-06-01T00:00:00Z", false}));

}  // namespace
}  // namespace ltsign
