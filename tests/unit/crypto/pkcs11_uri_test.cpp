// RFC 7512 PKCS#11 URIs: what names a key, and what is refused before any module is loaded.
#include <gtest/gtest.h>

#include "crypto/pkcs11.hpp"
#include "ltsign/error.hpp"

namespace ltsign::crypto {
namespace {

TEST(Pkcs11Uri, PathAndQueryAttributesArePercentDecoded) {
    const auto uri = parse_pkcs11_uri(
        "pkcs11:token=Kommun%20Sigill;object=sigill%3b2026;id=%01%ff;type=private"
        "?module-path=/usr/lib/softhsm/libsofthsm2.so");
    EXPECT_EQ(uri.get("token"), "Kommun Sigill");
    EXPECT_EQ(uri.get("object"), "sigill;2026");
    EXPECT_EQ(uri.get("id"), std::string("\x01\xff", 2));
    EXPECT_EQ(uri.get("type"), "private");
    EXPECT_EQ(uri.get("module-path"), "/usr/lib/softhsm/libsofthsm2.so");
    EXPECT_FALSE(uri.get("serial").has_value());
    EXPECT_TRUE(is_pkcs11_uri("PKCS11:token=x"));
    EXPECT_FALSE(is_pkcs11_uri("pkcs11.p12"));
    EXPECT_TRUE(parse_pkcs11_uri("pkcs11:").path.empty());
}

TEST(Pkcs11Uri, EscapeRoundTrips) {
    const std::string label = "Kommun Sigill;2026/ä";
    EXPECT_EQ(parse_pkcs11_uri("pkcs11:object=" + pkcs11_escape(label)).get("object"), label);
    EXPECT_EQ(pkcs11_escape("a b"), "a%20b");
}

class Pkcs11UriRefused : public ::testing::TestWithParam<const char*> {};

TEST_P(Pkcs11UriRefused, WithUsageError) {
    try {
        parse_pkcs11_uri(GetParam());
        FAIL() << GetParam() << " was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::usage) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Malformed, Pkcs11UriRefused,
                         ::testing::Values("file.p12", "pkcs11:token", "pkcs11:colour=blue",
                                           "pkcs11:object=a;object=b", "pkcs11:object=%2",
                                           "pkcs11:object=%zz", "pkcs11:object=a?pin-value=1234",
                                           "pkcs11:object=a?pin-source=file:/tmp/pin",
                                           "pkcs11:type=secret-key", "pkcs11:object=a?colour=b",
                                           "pkcs11:library-version=1"));

}  // namespace
}  // namespace ltsign::crypto
