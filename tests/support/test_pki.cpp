#include "test_pki.hpp"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "crypto/ossl.hpp"

namespace ltsign::test {
namespace fs = std::filesystem;
using ossl::Ptr;

TimePoint t(const char* text) {
    auto v = parse_rfc3339(text);
    if (!v) throw std::runtime_error(std::string("bad test time ") + text);
    return *v;
}

fs::path pki_dir() {
    if (const char* env = std::getenv("LTSIGN_TEST_PKI_DIR")) return env;
    return LTSIGN_TEST_PKI_DIR;
}

fs::path pki(const std::string& name) {
    return pki_dir() / name;
}

namespace {

void need(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

Ptr<EVP_PKEY> rsa_key(int bits) {
    Ptr<EVP_PKEY> k(EVP_RSA_gen(static_cast<unsigned>(bits)));
    need(k != nullptr, "RSA keygen");
    return k;
}

Ptr<EVP_PKEY> ec_key() {
    Ptr<EVP_PKEY> k(EVP_EC_gen("P-256"));
    need(k != nullptr, "EC keygen");
    return k;
}

using CertSpec = CertOptions;

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    need(ext != nullptr, "extension");
    need(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

Ptr<X509> make_cert(const CertSpec& s, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
    Ptr<X509> cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    Ptr<BIGNUM> bn(BN_bin2bn(serial, sizeof serial, nullptr));
    BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("ltsign tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509_set1_notBefore(cert.get(), ossl::to_asn1_time(t(s.not_before)).get());
    X509_set1_notAfter(cert.get(), ossl::to_asn1_time(t(s.not_after)).get());
    X509_set_pubkey(cert.get(), key);
    X509* iss = issuer ? issuer : cert.get();
    add_ext(cert.get(), iss, NID_basic_constraints,
            s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(cert.get(), iss, NID_key_usage, s.ca ? "critical,keyCertSign,cRLSign" : s.key_usage);
    if (!s.ext_key_usage.empty()) add_ext(cert.get(), iss, NID_ext_key_usage, s.ext_key_usage);
    std::string aia;
    if (!s.ocsp_url.empty()) aia = "OCSP;URI:" + s.ocsp_url;
    if (!s.ca_issuers_url.empty())
        aia += (aia.empty() ? "" : ",") + std::string("caIssuers;URI:") + s.ca_issuers_url;
    if (!aia.empty()) add_ext(cert.get(), iss, NID_info_access, aia);
    if (!s.crl_url.empty())
        add_ext(cert.get(), iss, NID_crl_distribution_points, "URI:" + s.crl_url);
    add_ext(cert.get(), iss, NID_subject_key_identifier, "hash");
    if (issuer) add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always");
    need(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_get_digestbyname(s.digest)) > 0,
         "sign certificate");
    return cert;
}

void write_pem(const fs::path& file, X509* cert) {
    Ptr<BIO> bio(BIO_new_file(file.c_str(), "w"));
    need(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "write certificate");
}

void write_pem(const fs::path& file, const std::vector<X509*>& certs) {
    Ptr<BIO> bio(BIO_new_file(file.c_str(), "w"));
    need(bio != nullptr, "open chain file");
    for (X509* c : certs) need(PEM_write_bio_X509(bio.get(), c) == 1, "write certificate");
}

void write_key(const fs::path& file, EVP_PKEY* key, const char* password = nullptr) {
    Ptr<BIO> bio(BIO_new_file(file.c_str(), "w"));
    const EVP_CIPHER* cipher = password ? EVP_aes_256_cbc() : nullptr;
    need(bio && PEM_write_bio_PKCS8PrivateKey(
                    bio.get(), key, cipher, password,
                    password ? static_cast<int>(std::strlen(password)) : 0, nullptr, nullptr) == 1,
         "write key");
}

void write_p12(const fs::path& file, EVP_PKEY* key, X509* cert, const std::vector<X509*>& chain) {
    Ptr<STACK_OF(X509)> ca(sk_X509_new_null());
    for (X509* c : chain) sk_X509_push(ca.get(), ossl::up_ref(c).release());
    // AES-256 with PBKDF2 (OpenSSL 3 defaults): NID 0 selects them.
    Ptr<PKCS12> p12(PKCS12_create(k_password, "ltsign test", key, cert, ca.get(), 0, 0, 0, 0, 0));
    need(p12 != nullptr, "PKCS12_create");
    Ptr<BIO> bio(BIO_new_file(file.c_str(), "wb"));
    need(bio && i2d_PKCS12_bio(bio.get(), p12.get()) == 1, "write p12");
}

}  // namespace

void make_pki(const fs::path& dir) {
    fs::create_directories(dir);
    auto root_key = ec_key();
    auto root =
        make_cert({"ltsign Test Root CA", "2020-01-01T00:00:00Z", "2060-01-01T00:00:00Z", true},
                  root_key.get(), nullptr, nullptr);
    auto ca_key = ec_key();
    auto ca =
        make_cert({"ltsign Test Issuing CA", "2020-01-01T00:00:00Z", "2050-01-01T00:00:00Z", true},
                  ca_key.get(), root.get(), root_key.get());
    write_pem(dir / "root.pem", root.get());
    write_key(dir / "root.key", root_key.get());
    write_pem(dir / "ca.pem", ca.get());
    write_key(dir / "ca.key", ca_key.get());
    write_pem(dir / "chain.pem", ca.get());

    auto other_key = ec_key();
    auto other =
        make_cert({"Unrelated Root CA", "2020-01-01T00:00:00Z", "2060-01-01T00:00:00Z", true},
                  other_key.get(), nullptr, nullptr);
    write_pem(dir / "other-root.pem", other.get());

    auto signer = [&](const std::string& name, Ptr<EVP_PKEY> key, CertSpec spec) {
        auto cert = make_cert(spec, key.get(), ca.get(), ca_key.get());
        write_key(dir / (name + ".key"), key.get());
        write_pem(dir / (name + ".pem"), cert.get());
        write_p12(dir / (name + ".p12"), key.get(), cert.get(), {ca.get(), root.get()});
        return std::make_pair(std::move(key), std::move(cert));
    };
    auto rsa = signer("rsa", rsa_key(3072),
                      {"Test Signer RSA", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"});
    write_key(dir / "rsa-enc.key", rsa.first.get(), k_password);
    signer("ec", ec_key(), {"Test Signer EC", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"});
    signer("expired", ec_key(),
           {"Test Signer Expired", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"});
    signer("notyet", ec_key(),
           {"Test Signer Not Yet Valid", "2040-01-01T00:00:00Z", "2045-01-01T00:00:00Z"});
    signer("rsa1024", rsa_key(1024),
           {"Test Signer Weak RSA", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"});
    signer("noku", ec_key(),
           {"Test Signer No Signing Usage", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z", false,
            "critical,keyAgreement"});
    signer("tsa", rsa_key(2048),
           {"ltsign Test TSA", "2020-01-01T00:00:00Z", "2050-01-01T00:00:00Z", false,
            "critical,digitalSignature,nonRepudiation", "critical,timeStamping"});
    signer("ocsp", ec_key(),
           {"ltsign Test OCSP Responder", "2020-01-01T00:00:00Z", "2050-01-01T00:00:00Z", false,
            "critical,digitalSignature", "critical,OCSPSigning"});
    signer("tsa-short", ec_key(),
           {"ltsign Test TSA short-lived", "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z", false,
            "critical,digitalSignature,nonRepudiation", "critical,timeStamping"});
    signer("tsa-noeku", ec_key(),
           {"ltsign Test TSA without EKU", "2020-01-01T00:00:00Z", "2050-01-01T00:00:00Z"});
}

namespace {

Ptr<EVP_PKEY> read_key(const fs::path& file) {
    Ptr<BIO> bio(BIO_new_file(file.c_str(), "r"));
    Ptr<EVP_PKEY> key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                          : nullptr);
    need(key != nullptr, "read key");
    return key;
}

Ptr<X509> read_cert(const fs::path& file) {
    return std::move(ossl::load_certificates(file).front());
}

}  // namespace

std::string issue(const fs::path& dir, const std::string& name, const CertOptions& options,
                  const fs::path& issuer_key, const fs::path& issuer_cert) {
    auto ca_key = read_key(issuer_key.empty() ? pki("ca.key") : issuer_key);
    auto ca = read_cert(issuer_cert.empty() ? pki("ca.pem") : issuer_cert);
    Ptr<EVP_PKEY> key(options.rsa_bits ? EVP_RSA_gen(static_cast<unsigned>(options.rsa_bits))
                                       : ec_key().release());
    need(key != nullptr, "keygen");
    auto cert = make_cert(options, key.get(), ca.get(), ca_key.get());
    write_key(dir / (name + ".key"), key.get());
    write_pem(dir / (name + ".pem"), cert.get());
    std::vector<Ptr<X509>> owned;
    std::vector<X509*> chain{ca.get()};
    if (issuer_cert.empty()) {
        owned.push_back(read_cert(pki("root.pem")));
        chain.push_back(owned.back().get());
    }
    write_p12(dir / (name + ".p12"), key.get(), cert.get(), chain);
    std::string hex = ossl::serial_hex(cert.get());
    if (hex.size() % 2) hex = "0" + hex;
    return hex;
}

void write_crl(const fs::path& file, const std::vector<std::pair<std::string, TimePoint>>& revoked,
               TimePoint this_update, TimePoint next_update,
               const std::vector<std::pair<std::string, std::string>>& extensions) {
    auto ca_key = read_key(pki("ca.key"));
    auto ca = read_cert(pki("ca.pem"));
    Ptr<X509_CRL> crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.get()));
    X509_CRL_set1_lastUpdate(crl.get(), ossl::to_asn1_time(this_update).get());
    X509_CRL_set1_nextUpdate(crl.get(), ossl::to_asn1_time(next_update).get());
    for (const auto& [serial, when] : revoked) {
        X509_REVOKED* r = X509_REVOKED_new();
        BIGNUM* bn = nullptr;
        BN_hex2bn(&bn, serial.c_str());
        ASN1_INTEGER* i = BN_to_ASN1_INTEGER(bn, nullptr);
        X509_REVOKED_set_serialNumber(r, i);
        X509_REVOKED_set_revocationDate(r, ossl::to_asn1_time(when).get());
        X509_CRL_add0_revoked(crl.get(), r);
        ASN1_INTEGER_free(i);
        BN_free(bn);
    }
    X509_CRL_sort(crl.get());
    for (const auto& [name, value] : extensions) {
        X509_EXTENSION* ext = X509V3_EXT_nconf(nullptr, nullptr, name.c_str(), value.c_str());
        need(ext != nullptr && X509_CRL_add_ext(crl.get(), ext, -1) == 1, "add CRL extension");
        X509_EXTENSION_free(ext);
    }
    need(X509_CRL_sign(crl.get(), ca_key.get(), EVP_sha256()) > 0, "sign CRL");
    Ptr<BIO> bio(BIO_new_file(file.c_str(), "wb"));
    need(bio && i2d_X509_CRL_bio(bio.get(), crl.get()) == 1, "write CRL");
}

}  // namespace ltsign::test
