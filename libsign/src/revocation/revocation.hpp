// Revocation status of a certificate: OCSP (RFC 6960) first, CRL (RFC 5280) as fallback.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/ossl.hpp"
#include "ltsign/verify.hpp"

namespace ltsign::revocation {

// A CRL at hand and where it came from (a file given, or the signature); not owned.
struct KnownCrl {
    X509_CRL* crl = nullptr;
    RevocationKind kind = RevocationKind::crl_file;
    std::string location;
};

struct Sources {
    bool offline = false;        // use no network: CRL files and embedded data only
    std::vector<KnownCrl> crls;  // from CRL files and from the signature
    // OCSP responses the signature carries (OCSPResponse DER; not owned).
    std::vector<std::span<const unsigned char>> ocsp;
    std::chrono::milliseconds timeout{10000};
    std::filesystem::path cache_dir;  // downloaded CRLs, content-addressed; empty: no cache
    // OCSP replay protection (RFC 6960 4.4.1): the nonce must come back; a response without
    // nextUpdate is accepted only this long after its thisUpdate.
    bool require_nonce = true;
    std::chrono::seconds max_age{300};
    TimePoint now{};  // when an OCSP responder's certificate is checked: its answer is about now
    // The time to prove is a past proof of existence: a "good" from a CRL or a carried OCSP
    // response counts only when issued after it (RevocationRequest::past).
    bool past = false;
};

// The words reports use for where an answer came from: "OCSP http://...", "CRL http://...",
// "CRL file x.crl", "CRL in the signature"; empty for none.
std::string source_text(RevocationKind kind, const std::string& location);
inline std::string source_text(const RevocationAnswer& a) {
    return source_text(a.kind, a.location);
}

// The status of `cert` (issued by `issuer`) at `at` (the time it must be proven for): OCSP when
// online, else a carried OCSP response issued after `at` or current then, else the newest
// applicable CRL (given, carried, or from the distribution points); a CRL whose scope
// (IssuingDistributionPoint) excludes the certificate is no answer, and an authentic CRL that
// lists the certificate proves its revocation even when stale. `anchors` and `untrusted` let
// an OCSP responder's certificate be checked (RFC 6960 4.2.2.2: the CA itself, or a delegated
// responder with id-kp-OCSPSigning issued by the CA).
RevocationAnswer check(X509* cert, X509* issuer, const Sources& sources,
                       const std::vector<X509*>& anchors, const std::vector<X509*>& untrusted,
                       TimePoint at);

// The issuer certificates a certificate's authorityInfoAccess caIssuers URLs point to (RFC 5280
// 4.2.2.1: a DER certificate, or a certs-only CMS/PKCS#7 bundle); empty when none answers. Only
// http(s) URLs are fetched, each one taking from `budget`, none after its deadline.
std::vector<ossl::Ptr<X509>> fetch_issuers(X509* cert, std::chrono::milliseconds timeout,
                                           FetchBudget& budget);

// Every CRL of a file: one DER CRL, or each CRL of a PEM file (a bundle is read whole: the CRL
// that lists a revocation may be any of them). Error(malformed_input) when it holds none.
std::vector<ossl::Ptr<X509_CRL>> load_crls(const std::filesystem::path& file);

}  // namespace ltsign::revocation
