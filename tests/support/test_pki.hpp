// The test PKI: made by the tests themselves, with fixed validity windows, so that no test
// depends on today's date or on certificates that expire (DESIGN.md, Testing).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ltsign/time.hpp"

namespace ltsign::test {

// Fixed moments the tests sign and validate at.
TimePoint t(const char* rfc3339);
inline TimePoint sign_time() {
    return t("2026-06-01T12:00:00Z");
}

// Where make_test_pki wrote the PKI (a ctest fixture runs it once before the tests).
std::filesystem::path pki_dir();
std::filesystem::path pki(const std::string& name);  // pki_dir() / name

// The password of every .p12 and encrypted key in the test PKI.
inline constexpr const char* k_password = "test-password";

// Writes into `dir`:
//   root.pem, root.key          "ltsign Test Root CA"       2020-01-01 .. 2060-01-01
//   ca.pem, ca.key              "ltsign Test Issuing CA"    2020-01-01 .. 2050-01-01
//   other-root.pem              an unrelated root
//   rsa.{key,pem,p12}           RSA 3072 signer             2025-01-01 .. 2030-01-01
//   ec.{key,pem,p12}            EC P-256 signer             2025-01-01 .. 2030-01-01
//   rsa-enc.key                 rsa.key encrypted with k_password
//   expired.p12                 EC signer                   2020-01-01 .. 2021-01-01
//   notyet.p12                  EC signer                   2040-01-01 .. 2045-01-01
//   rsa1024.p12                 too weak to sign with
//   noku.p12                    EC signer whose key usage is keyCertSign only
//   tsa.{key,pem}, tsa.p12      time-stamping unit, critical EKU timeStamping, 2020 .. 2050
//   tsa-short.p12               a TSA certificate valid 2025-01-01 .. 2027-01-01 only
//   tsa-noeku.{key,pem}         a TSA certificate without the timeStamping usage
//   chain.pem                   ca.pem (the intermediate signers chain through)
//   ocsp.{key,pem}              delegated OCSP responder of the issuing CA (OCSPSigning)
void make_pki(const std::filesystem::path& dir);

// Making more certificates at test time, e.g. with revocation URLs that point at responders the
// test has just started on ports chosen at run time.
struct CertOptions {
    std::string cn;
    const char* not_before = "2025-01-01T00:00:00Z";
    const char* not_after = "2030-01-01T00:00:00Z";
    bool ca = false;
    std::string key_usage = "critical,digitalSignature,nonRepudiation";
    std::string ext_key_usage;
    std::string ocsp_url;           // authorityInfoAccess OCSP
    std::string crl_url;            // cRLDistributionPoints
    std::string ca_issuers_url;     // authorityInfoAccess caIssuers
    const char* digest = "sha256";  // the issuer's signature on the certificate hashes with this
    int rsa_bits = 0;               // an RSA key of this size; 0: EC P-256
};
// Issues a certificate (EC unless rsa_bits) from `issuer` (a name in the test PKI: "ca", "root", or
// a folder's NAME.key/NAME.pem) and writes dir/NAME.{key,pem,p12} (the p12 with the issuing chain).
// Returns the serial in upper-case hex (as openssl ocsp's index wants it).
std::string issue(const std::filesystem::path& dir, const std::string& name,
                  const CertOptions& options, const std::filesystem::path& issuer_key = {},
                  const std::filesystem::path& issuer_cert = {});

// A CRL from the issuing CA ("ca") with these revoked serials (hex) and times, and extensions
// by name and value in OpenSSL's configuration syntax: {"issuingDistributionPoint",
// "critical,onlyCA:TRUE"}, {"2.5.29.27", "critical,DER:02:01:05"}, {"1.2.3.4",
// "critical,DER:05:00"}.
void write_crl(const std::filesystem::path& file,
               const std::vector<std::pair<std::string, TimePoint>>& revoked, TimePoint this_update,
               TimePoint next_update,
               const std::vector<std::pair<std::string, std::string>>& extensions = {});

}  // namespace ltsign::test
