// Revocation status of a certificate: OCSP (RFC 6960) first, CRL (RFC 5280) as fallback.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
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

// What one run (one revocation source: a batch) learns from the network and keeps: each CRL
// downloaded once, each OCSP answer reused while replay protection allows (max_age), and each
// service (scheme://host:port) that did not answer, which is then not asked again. Thread-safe.
class RunMemory {
  public:
    struct OcspAnswer {
        std::optional<RevocationAnswer> answer;
        std::string why;
    };
    // The CRL downloaded from `url` in this run (shared), or the reason it could not be had;
    // forgotten after k_crl_reuse, so a long-lived context (a service) downloads it again.
    static constexpr std::chrono::minutes k_crl_reuse{15};
    std::optional<std::pair<ossl::Ptr<X509_CRL>, std::string>> crl(const std::string& url);
    void remember_crl(const std::string& url, X509_CRL* crl, const std::string& why);
    std::optional<OcspAnswer> ocsp(const std::string& key, std::chrono::seconds max_age);
    void remember_ocsp(const std::string& key, OcspAnswer answer);
    // Why the service of `url` is not asked again (empty: it may be).
    std::string silence_of(const std::string& url);
    void silence(const std::string& url, const std::string& why);
    // Each service that did not answer, with the first reason and how many requests were spared.
    struct Silent {
        std::string service;
        std::string why;
        int spared = 0;
    };
    std::vector<Silent> silenced();
    // Held while one thread looks up and, if need be, fetches what `key` names (a CRL URL, an
    // OCSP request): the batch's other threads asking for the same wait for that answer instead
    // of asking the service again. Recursive: checking an answer may, on hostile input, need the
    // same thing again on the same thread, which must not hang.
    std::unique_lock<std::recursive_mutex> one_at_a_time(const std::string& key);

  private:
    std::mutex m_mutex;
    std::map<std::string, std::unique_ptr<std::recursive_mutex>> m_fetching;
    struct KnownCrl {
        ossl::Ptr<X509_CRL> crl;
        std::string why;
        std::chrono::steady_clock::time_point at;
    };
    std::map<std::string, KnownCrl> m_crls;
    std::map<std::string, std::pair<OcspAnswer, std::chrono::steady_clock::time_point>> m_ocsp;
    std::map<std::string, Silent> m_silent;
};

struct Sources {
    bool offline = false;        // use no network: CRL files and embedded data only
    std::vector<KnownCrl> crls;  // from CRL files and from the signature
    // OCSP responses the signature carries (OCSPResponse DER; not owned).
    std::vector<std::span<const unsigned char>> ocsp;
    std::chrono::milliseconds timeout{10000};
    // Downloaded CRLs (by URL) and OCSP responses (ocsp/, by URL and certificate); empty: no
    // cache. A cached OCSP response is used, as carried data is, only when its responder does
    // not answer.
    std::filesystem::path cache_dir;
    RunMemory* memory = nullptr;  // the run's; null: every request goes out
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

// The services the default revocation source `source` gave up on in its run (empty for any
// other source).
std::vector<RunMemory::Silent> services_not_answering(const RevocationSource& source);

}  // namespace ltsign::revocation
