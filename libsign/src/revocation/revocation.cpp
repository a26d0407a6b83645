#include "revocation/revocation.hpp"

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "core/file_io.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "net/http_client.hpp"

namespace ltsign::revocation {
namespace {

using ossl::Ptr;

// The service a URL names, for giving up on it: scheme://host:port.
std::string service_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path);
}

// One exchange with a service, unless it did not answer earlier in this run; a failure to
// answer (no connection, timeout) silences it for the rest of the run.
template <class Call>
net::HttpResponse exchange(const Sources& s, const std::string& url, Call call) {
    if (s.memory != nullptr) {
        if (auto why = s.memory->silence_of(url); !why.empty())
            throw Error(Errc::service_unavailable, why);
    }
    try {
        return call();
    } catch (const Error& e) {
        if (s.memory != nullptr && e.code() == Errc::service_unavailable)
            s.memory->silence(url, e.what());
        throw;
    }
}

std::string hex_sha256(std::string_view text) {
    const auto d = crypto::digest_bytes(
        EVP_sha256(), std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
    return ossl::to_hex(d.data(), d.size());
}

std::vector<std::string> ocsp_urls(X509* cert) {
    std::vector<std::string> out;
    const Ptr<STACK_OF(OPENSSL_STRING)> urls(X509_get1_ocsp(cert));
    for (int i = 0; urls && i < sk_OPENSSL_STRING_num(urls.get()); ++i)
        out.emplace_back(sk_OPENSSL_STRING_value(urls.get(), i));
    return out;
}

std::vector<std::string> names_of(const GENERAL_NAMES* names) {
    std::vector<std::string> out;
    for (int k = 0; names != nullptr && k < sk_GENERAL_NAME_num(names); ++k) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, k);
        if (n->type == GEN_URI) {
            const ASN1_IA5STRING* uri = n->d.uniformResourceIdentifier;
            out.emplace_back(reinterpret_cast<const char*>(uri->data),
                             static_cast<std::size_t>(uri->length));
        }
    }
    return out;
}

std::vector<std::string> crl_urls(X509* cert) {
    std::vector<std::string> out;
    const Ptr<CRL_DIST_POINTS> points(static_cast<CRL_DIST_POINTS*>(
        X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)));
    for (int i = 0; points && i < sk_DIST_POINT_num(points.get()); ++i) {
        const DIST_POINT* dp = sk_DIST_POINT_value(points.get(), i);
        if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
        for (auto& uri : names_of(dp->distpoint->name.fullname)) out.push_back(std::move(uri));
    }
    return out;
}

Ptr<X509_STORE> store_of(const std::vector<X509*>& anchors, TimePoint at) {
    Ptr<X509_STORE> store(ossl::check(X509_STORE_new(), Errc::internal, "out of memory"));
    for (X509* a : anchors)
        ossl::check(X509_STORE_add_cert(store.get(), a), Errc::internal, "out of memory");
    X509_VERIFY_PARAM* p = X509_STORE_get0_param(store.get());
    X509_VERIFY_PARAM_set_time(p, static_cast<time_t>(at.time_since_epoch().count()));
    ossl::check(X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_PARTIAL_CHAIN), Errc::internal,
                "out of memory");
    return store;
}

// RFC 6960 4.2.2.2: the response is signed by the certificate's CA or a responder it authorised,
// or by a responder locally designated as trusted: an anchor itself (a trusted list's OCSP
// service, an anchor given for revocation). Only a signer that is an anchor skips the issuer
// check; one that merely chains to an anchor does not.
bool ocsp_signature_ok(OCSP_BASICRESP* basic, STACK_OF(X509) * others, X509_STORE* store,
                       const std::vector<X509*>& anchors) {
    if (OCSP_basic_verify(basic, others, store, 0) > 0) return true;
    ossl::clear_errors();
    X509* signer = nullptr;
    if (OCSP_resp_get0_signer(basic, &signer, others) != 1 || signer == nullptr) {
        ossl::clear_errors();
        return false;
    }
    const bool designated = std::any_of(anchors.begin(), anchors.end(),
                                        [&](X509* a) { return X509_cmp(a, signer) == 0; });
    const bool ok = designated && OCSP_basic_verify(basic, others, store, OCSP_NOCHECKS) > 0;
    ossl::clear_errors();
    return ok;
}

// RFC 6960 4.1.1: a request for one certificate, with a nonce (4.4.1) so that a replayed old
// answer is noticed.
Ptr<OCSP_REQUEST> ocsp_request(const OCSP_CERTID* id) {
    Ptr<OCSP_REQUEST> req(
        ossl::check(OCSP_REQUEST_new(), Errc::internal, "cannot build an OCSP request"));
    Ptr<OCSP_CERTID> id_copy(ossl::check(OCSP_CERTID_dup(const_cast<OCSP_CERTID*>(id)),
                                         Errc::internal, "cannot build an OCSP request"));
    if (OCSP_request_add0_id(req.get(), id_copy.get()) == nullptr)
        ossl::fail(Errc::internal, tr("cannot build an OCSP request"));
    static_cast<void>(id_copy.release());  // the request's now
    ossl::check(OCSP_request_add1_nonce(req.get(), nullptr, -1), Errc::internal,
                "cannot build an OCSP request");
    return req;
}

// The responder's answer as a BasicOCSPResponse for `req` (RFC 6960 4.2.1): successful, and
// echoing the nonce unless the policy waives it. Null with `why` otherwise.
Ptr<OCSP_BASICRESP> open_ocsp_response(const net::HttpResponse& resp, OCSP_REQUEST* req,
                                       const Sources& s, std::string& why) {
    Ptr<OCSP_BASICRESP> none;
    if (resp.status != 200) {
        why = trf("HTTP {0}", {std::to_string(resp.status)});
        return none;
    }
    const unsigned char* q = resp.body.data();
    const Ptr<OCSP_RESPONSE> response(
        d2i_OCSP_RESPONSE(nullptr, &q, static_cast<long>(resp.body.size())));
    if (!response) {
        why = tr("not an OCSP response");
        return none;
    }
    if (OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        why = trf("the responder answered {0}",
                  {OCSP_response_status_str(OCSP_response_status(response.get()))});
        return none;
    }
    Ptr<OCSP_BASICRESP> basic(OCSP_response_get1_basic(response.get()));
    if (!basic) {
        why = tr("no basic response");
        return none;
    }
    const int nonce = OCSP_check_nonce(req, basic.get());
    if (nonce == 0) {
        why = tr("the response answers another request (nonce)");
        return none;
    }
    if (nonce == -1 && s.require_nonce) {
        why =
            tr("the response does not echo the request's nonce, so it may be a replayed old answer "
               "(RFC 6960 4.4.1); the policy requires the nonce");
        return none;
    }
    return basic;
}

// The SingleResponse for `id`, fresh by RFC 6960 4.2.2.1, as an answer; nullopt with `why`.
std::optional<RevocationAnswer> read_single_response(OCSP_BASICRESP* basic, OCSP_CERTID* id,
                                                     STACK_OF(X509) * others, const Sources& s,
                                                     std::string& why) {
    int status = 0, reason = 0;
    ASN1_GENERALIZEDTIME *revtime = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    if (OCSP_resp_find_status(basic, id, &status, &reason, &revtime, &thisupd, &nextupd) != 1) {
        why = tr("the response does not speak of this certificate");
        return std::nullopt;
    }
    // Without nextUpdate a response says nothing about how long it holds: bound its age.
    const long max_age = nextupd == nullptr ? static_cast<long>(s.max_age.count()) : -1;
    if (OCSP_check_validity(thisupd, nextupd, 300, max_age) != 1) {
        why = nextupd == nullptr ? trf("the response has no nextUpdate and its thisUpdate is older "
                                       "than {0} s (replay protection)",
                                       {std::to_string(s.max_age.count())})
                                 : tr("the response is not fresh (thisUpdate/nextUpdate)");
        return std::nullopt;
    }
    ossl::clear_errors();
    RevocationAnswer r;
    if (const X509_ALGOR* alg = OCSP_resp_get0_tbs_sigalg(basic))
        r.signature_digest = crypto::signature_digest_name(alg);
    X509* responder = nullptr;
    if (OCSP_resp_get0_signer(basic, &responder, others) == 1 && responder) {
        r.signer_key_kind = crypto::key_kind(X509_get0_pubkey(responder));
        r.signer_key_bits = EVP_PKEY_get_bits(X509_get0_pubkey(responder));
    }
    ossl::clear_errors();
    r.detail = trf("thisUpdate {0}", {format_rfc3339(ossl::to_time_point(thisupd))});
    if (status == V_OCSP_CERTSTATUS_GOOD) {
        r.status = RevocationStatus::good;
    } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
        r.status = RevocationStatus::revoked;
        r.revoked_at = ossl::to_time_point(revtime);
    } else {
        r.status = RevocationStatus::unknown;
    }
    return r;
}

// RFC 6960: one request with a nonce, the answer signed by the CA or its delegated responder,
// fresh, and for this certificate.
std::optional<RevocationAnswer> ask_ocsp(const std::string& url, X509* cert, X509* issuer,
                                         const Sources& s, const std::vector<X509*>& anchors,
                                         const std::vector<X509*>& untrusted, std::string& why) {
    ossl::clear_errors();
    const Ptr<OCSP_CERTID> id(OCSP_cert_to_id(EVP_sha1(), cert, issuer));
    if (!id) {
        why = tr("cannot build an OCSP request");
        return std::nullopt;
    }
    const Ptr<OCSP_REQUEST> req = ocsp_request(id.get());
    const core::Bytes der = ossl::encode_der(req.get(), i2d_OCSP_REQUEST, "an OCSP request");

    net::HttpOptions http;
    http.timeout = s.timeout;
    http.connect_timeout = s.timeout;
    http.max_response = 1u << 20;
    net::HttpResponse resp;
    try {
        resp =
            exchange(s, url, [&] { return net::post(url, "application/ocsp-request", der, http); });
    } catch (const Error& e) {
        why = e.what();
        return std::nullopt;
    }
    std::string reason;
    auto refuse = [&]() -> std::optional<RevocationAnswer> {
        ossl::clear_errors();
        why = url + ": " + reason;
        return std::nullopt;
    };
    const Ptr<OCSP_BASICRESP> basic = open_ocsp_response(resp, req.get(), s, reason);
    if (!basic) return refuse();
    Ptr<STACK_OF(X509)> others(ossl::check(sk_X509_new_null(), Errc::internal, "out of memory"));
    ossl::push(others.get(), ossl::up_ref(issuer));
    for (X509* c : untrusted) ossl::push(others.get(), ossl::up_ref(c));
    // The responder is checked now: its answer is about now.
    auto store = store_of(anchors, s.now);
    if (!ocsp_signature_ok(basic.get(), others.get(), store.get(), anchors)) {
        reason = tr("the response's signature or responder is not authorised (RFC 6960 4.2.2.2)");
        return refuse();
    }
    auto answer = read_single_response(basic.get(), id.get(), others.get(), s, reason);
    if (!answer) return refuse();
    answer->kind = RevocationKind::ocsp;
    answer->location = url;
    answer->evidence = resp.body;
    return answer;
}

// A responder's answer about a certificate is known by the URL and the CertID (which names
// the issuer by its name's and key's hashes, and the serial).
std::string ocsp_key(const std::string& url, X509* cert, X509* issuer) {
    const Ptr<OCSP_CERTID> id(OCSP_cert_to_id(EVP_sha1(), cert, issuer));
    ossl::clear_errors();
    if (!id) return {};
    const core::Bytes der = ossl::encode_der(id.get(), i2d_OCSP_CERTID, "an OCSP CertID");
    return hex_sha256(url + " " + ossl::to_hex(der.data(), der.size()));
}

// Where that answer is kept on disk; empty without a cache folder.
std::filesystem::path ocsp_cache_file(const Sources& s, const std::string& key) {
    if (s.cache_dir.empty() || key.empty()) return {};
    return s.cache_dir / "ocsp" / (key + ".ocsp");
}

// ask_ocsp, once per run for each responder and certificate (the answer is reused while the
// policy's max_age allows), the answer kept on disk for when the responder does not answer.
std::optional<RevocationAnswer> ask_ocsp_once(const std::string& url, X509* cert, X509* issuer,
                                              const Sources& s, const std::vector<X509*>& anchors,
                                              const std::vector<X509*>& untrusted,
                                              std::string& why) {
    const std::string key = ocsp_key(url, cert, issuer);
    const auto file = ocsp_cache_file(s, key);
    std::unique_lock<std::recursive_mutex> mine;
    if (s.memory != nullptr && !key.empty()) {
        mine = s.memory->one_at_a_time("ocsp " + key);
        if (auto known = s.memory->ocsp(key, s.max_age)) {
            why = known->why;
            return known->answer;
        }
    }
    auto answer = ask_ocsp(url, cert, issuer, s, anchors, untrusted, why);
    if (answer && !file.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        try {
            core::atomic_write(file, answer->evidence, true);
        } catch (const Error&) {
        }
    }
    // Only answers are kept: a failure may be this request's own (a delegated responder's
    // certificate that only another signature carries); a responder that does not answer is
    // silenced by exchange().
    if (answer && s.memory != nullptr && !key.empty()) s.memory->remember_ocsp(key, {answer, why});
    return answer;
}

// The responders' answers kept on disk, for a certificate whose responders did not answer now:
// read as carried responses are (issued after the time to prove, or current then).
std::vector<core::Bytes> cached_ocsp(const Sources& s, const std::vector<std::string>& urls,
                                     X509* cert, X509* issuer) {
    std::vector<core::Bytes> out;
    for (const auto& url : urls) {
        const auto file = ocsp_cache_file(s, ocsp_key(url, cert, issuer));
        std::error_code ec;
        if (file.empty() || !std::filesystem::is_regular_file(file, ec)) continue;
        try {
            out.push_back(core::read_file(file, 1u << 20));
        } catch (const Error&) {
        }
    }
    return out;
}

// The SingleResponse of `basic` about `cert`, whatever hash its CertID was made with.
OCSP_SINGLERESP* single_for(OCSP_BASICRESP* basic, X509* cert, X509* issuer) {
    for (int i = 0; i < OCSP_resp_count(basic); ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
        const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
        ASN1_OBJECT* md_oid = nullptr;
        if (OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, const_cast<OCSP_CERTID*>(id)) !=
            1) {
            continue;
        }
        const EVP_MD* md = EVP_get_digestbyobj(md_oid);
        if (md == nullptr) continue;
        const Ptr<OCSP_CERTID> mine(OCSP_cert_to_id(md, cert, issuer));
        if (mine && OCSP_id_cmp(mine.get(), id) == 0) return single;
    }
    ossl::clear_errors();
    return nullptr;
}

// An OCSP response the signature carries (B-LT): signed by the CA or its delegated responder,
// whose certificate is checked at the response's producedAt (it signed then), and speaking of
// `cert` at `at`: issued after it (a status issued after the time to prove covers it), or
// current then. Null with `why` otherwise.
std::optional<RevocationAnswer> read_carried_ocsp(std::span<const unsigned char> der, X509* cert,
                                                  X509* issuer, const Sources& s,
                                                  const std::vector<X509*>& anchors,
                                                  const std::vector<X509*>& untrusted, TimePoint at,
                                                  std::string& why) {
    const unsigned char* p = der.data();
    const Ptr<OCSP_RESPONSE> response(
        d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    Ptr<OCSP_BASICRESP> basic;
    if (response && OCSP_response_status(response.get()) == OCSP_RESPONSE_STATUS_SUCCESSFUL)
        basic.reset(OCSP_response_get1_basic(response.get()));
    ossl::clear_errors();
    if (!basic) {
        why = tr("an OCSP response in the signature is not a successful basic response");
        return std::nullopt;
    }
    OCSP_SINGLERESP* single = single_for(basic.get(), cert, issuer);
    if (single == nullptr) return std::nullopt;  // about another certificate
    Ptr<STACK_OF(X509)> others(ossl::check(sk_X509_new_null(), Errc::internal, "out of memory"));
    ossl::push(others.get(), ossl::up_ref(issuer));
    for (X509* c : untrusted) ossl::push(others.get(), ossl::up_ref(c));
    const TimePoint produced = ossl::to_time_point(OCSP_resp_get0_produced_at(basic.get()));
    auto store = store_of(anchors, produced);
    if (!ocsp_signature_ok(basic.get(), others.get(), store.get(), anchors)) {
        why =
            tr("an OCSP response in the signature is not signed by the certificate's CA or a "
               "responder it authorised (RFC 6960 4.2.2.2)");
        return std::nullopt;
    }
    int reason = 0;
    ASN1_GENERALIZEDTIME *revtime = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    const int status = OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
    const TimePoint this_update = ossl::to_time_point(thisupd);
    const bool issued_after = this_update + s.max_age >= at;
    const bool current =
        !s.past && nextupd != nullptr && this_update <= at && at <= ossl::to_time_point(nextupd);
    RevocationAnswer r;
    r.kind = RevocationKind::ocsp_embedded;
    r.detail = trf("thisUpdate {0}", {format_rfc3339(this_update)});
    r.evidence.assign(der.begin(), der.end());
    if (const X509_ALGOR* alg = OCSP_resp_get0_tbs_sigalg(basic.get()))
        r.signature_digest = crypto::signature_digest_name(alg);
    X509* responder = nullptr;
    if (OCSP_resp_get0_signer(basic.get(), &responder, others.get()) == 1 && responder) {
        r.signer_key_kind = crypto::key_kind(X509_get0_pubkey(responder));
        r.signer_key_bits = EVP_PKEY_get_bits(X509_get0_pubkey(responder));
    }
    ossl::clear_errors();
    if (status == V_OCSP_CERTSTATUS_REVOKED) {
        // A revocation stays proven whenever the answer was issued.
        r.status = RevocationStatus::revoked;
        r.revoked_at = ossl::to_time_point(revtime);
        return r;
    }
    if (!issued_after && !current) {
        why = s.past ? trf("the OCSP response in the signature (thisUpdate {0}) was issued before "
                           "{1}, the time the status must be proven for, so it cannot show that "
                           "the certificate was unrevoked then",
                           {format_rfc3339(this_update), format_rfc3339(at)})
                     : trf("the OCSP response in the signature (thisUpdate {0}) was issued before "
                           "{1} and was no longer current then",
                           {format_rfc3339(this_update), format_rfc3339(at)});
        return std::nullopt;
    }
    r.status =
        status == V_OCSP_CERTSTATUS_GOOD ? RevocationStatus::good : RevocationStatus::unknown;
    return r;
}

// What the carried OCSP responses say of `cert`: the first revocation, else the first good
// answer that speaks of `at`; `about` tells whether any of them spoke of it at all.
std::optional<RevocationAnswer> carried_ocsp(X509* cert, X509* issuer, const Sources& s,
                                             const std::vector<X509*>& anchors,
                                             const std::vector<X509*>& untrusted, TimePoint at,
                                             std::vector<std::string>& problems, bool& about) {
    std::optional<RevocationAnswer> good;
    for (const auto& der : s.ocsp) {
        std::string why;
        auto r = read_carried_ocsp(der, cert, issuer, s, anchors, untrusted, at, why);
        if (!why.empty()) problems.push_back(why);
        about |= r.has_value() || !why.empty();
        if (!r) continue;
        if (r->status == RevocationStatus::revoked) return r;
        if (r->status == RevocationStatus::good && !good) good = std::move(r);
    }
    return good;
}

// Online, but no responder answered: their answers kept on disk from earlier runs count as
// carried data does.
std::optional<RevocationAnswer> kept_ocsp(X509* cert, X509* issuer, const Sources& s,
                                          const std::vector<std::string>& urls,
                                          const std::vector<X509*>& anchors,
                                          const std::vector<X509*>& untrusted, TimePoint at) {
    const auto kept = cached_ocsp(s, urls, cert, issuer);
    if (kept.empty()) return std::nullopt;
    Sources from_cache = s;
    from_cache.ocsp.assign(kept.begin(), kept.end());
    bool about = false;
    std::vector<std::string> ignored;
    auto c = carried_ocsp(cert, issuer, from_cache, anchors, untrusted, at, ignored, about);
    if (c) {
        c->kind = RevocationKind::ocsp_cached;
        c->location = urls.front();
    }
    return c;
}

Ptr<X509_CRL> parse_crl(const core::Bytes& bytes) {
    const unsigned char* p = bytes.data();
    Ptr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    if (!crl || p != bytes.data() + bytes.size()) {
        crl.reset();
        const Ptr<BIO> bio = ossl::memory_bio(bytes);
        crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    }
    ossl::clear_errors();
    return crl;
}

// RFC 5280 5.2.5 and 6.3.3 (b): the IssuingDistributionPoint says which certificates a CRL
// covers. A CRL that excludes `cert` (CA-only for an end entity, user-only for a CA, attribute
// certificates only, another distribution point, an indirect CRL) is no answer for it; one that
// covers only some reasons can prove revocation but not that the certificate is good.
enum class Scope { full, some_reasons, excluded };

Scope crl_scope(X509_CRL* crl, X509* cert, std::string& why) {
    int critical = 0;
    const Ptr<ISSUING_DIST_POINT> idp(static_cast<ISSUING_DIST_POINT*>(
        X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &critical, nullptr)));
    if (!idp) {
        // Absent is a full CRL; present but undecodable covers nothing we can name.
        if (critical == -1) return Scope::full;
        why = tr("its IssuingDistributionPoint cannot be decoded");
        return Scope::excluded;
    }
    const bool is_ca = X509_check_ca(cert) > 0;
    if (idp->onlyCA > 0 && !is_ca) {
        why = tr("it covers only CA certificates (IssuingDistributionPoint onlyContainsCACerts)");
        return Scope::excluded;
    }
    if (idp->onlyuser > 0 && is_ca) {
        why = tr("it covers only end-entity certificates (onlyContainsUserCerts)");
        return Scope::excluded;
    }
    if (idp->onlyattr > 0) {
        why = tr("it covers only attribute certificates (onlyContainsAttributeCerts)");
        return Scope::excluded;
    }
    if (idp->indirectCRL > 0) {
        why = tr("it is an indirect CRL, which ltsign does not read");
        return Scope::excluded;
    }
    if (idp->distpoint != nullptr && idp->distpoint->type == 0) {
        const auto crl_names = names_of(idp->distpoint->name.fullname);
        const auto cert_names = crl_urls(cert);
        const bool match =
            cert_names.empty() ||
            std::any_of(crl_names.begin(), crl_names.end(), [&](const std::string& n) {
                return std::find(cert_names.begin(), cert_names.end(), n) != cert_names.end();
            });
        if (!match) {
            why = tr("it is for another distribution point than the certificate names");
            return Scope::excluded;
        }
    }
    return idp->onlysomereasons != nullptr ? Scope::some_reasons : Scope::full;
}

// What one CRL says about `cert`: nullopt when it does not speak for it (another issuer, a
// signature that does not verify, a scope that excludes it; `why` says which when it matters).
// A stale CRL still proves a revocation it lists; it proves nothing about a good status then.
struct CrlAnswer {
    RevocationAnswer result;
    bool fresh = true;
    TimePoint this_update{};
    bool partial = false;  // only some reasons covered
};

std::optional<CrlAnswer> read_crl(const KnownCrl& known, X509* cert, X509* issuer, TimePoint at,
                                  const Sources& s, std::string& why) {
    X509_CRL* crl = known.crl;
    const std::string name = source_text(known.kind, known.location);
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0)
        return std::nullopt;
    if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
        ossl::clear_errors();
        why = trf("{0}: its signature does not verify with the issuer's key", {name});
        return std::nullopt;
    }
    std::string scope_why;
    const Scope scope = crl_scope(crl, cert, scope_why);
    if (scope == Scope::excluded) {
        why = trf("{0} is no answer for this certificate: {1}", {name, scope_why});
        return std::nullopt;
    }
    // RFC 5280 5.2 and 6.3.3: a critical extension ltsign does not process makes the CRL
    // unusable; a delta CRL lists only what changed since its base, so it can prove a
    // revocation but never that a certificate is good.
    bool delta = false;
    for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
        X509_EXTENSION* ext = X509_CRL_get_ext(crl, i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        delta |= nid == NID_delta_crl;
        if (X509_EXTENSION_get_critical(ext) && nid != NID_issuing_distribution_point &&
            nid != NID_delta_crl && nid != NID_authority_key_identifier && nid != NID_crl_number) {
            why =
                trf("{0} is unusable: it has a critical extension ltsign does not process ({1}, "
                    "RFC 5280 5.2)",
                    {name, OBJ_nid2ln(nid)});
            return std::nullopt;
        }
    }
    CrlAnswer a;
    a.partial = scope == Scope::some_reasons || delta;
    a.this_update = ossl::to_time_point(X509_CRL_get0_lastUpdate(crl));
    RevocationAnswer& r = a.result;
    r.kind = known.kind;
    r.location = known.location;
    r.evidence = ossl::encode_der(crl, i2d_X509_CRL, "a CRL");
    r.detail = trf("thisUpdate {0}", {format_rfc3339(a.this_update)});
    const X509_ALGOR* sig_alg = nullptr;
    X509_CRL_get0_signature(crl, nullptr, &sig_alg);
    r.signature_digest = crypto::signature_digest_name(sig_alg);
    r.signer_key_kind = crypto::key_kind(X509_get0_pubkey(issuer));
    r.signer_key_bits = EVP_PKEY_get_bits(X509_get0_pubkey(issuer));
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    if (s.past && a.this_update + s.max_age < at) {
        // Issued before the time to prove: it cannot show the certificate was unrevoked then.
        a.fresh = false;
        r.stale = true;
        why = trf("{0} was issued ({1}) before {2}, the time the status must be proven for",
                  {name, format_rfc3339(a.this_update), format_rfc3339(at)});
        r.detail += tr("; issued before the time to prove");
    } else if (next != nullptr && ossl::to_time_point(next) < at) {
        a.fresh = false;
        r.stale = true;
        why = trf("{0} is stale: its nextUpdate {1} is before the validation time",
                  {name, format_rfc3339(ossl::to_time_point(next))});
        r.detail += trf("; stale (nextUpdate {0})", {format_rfc3339(ossl::to_time_point(next))});
    }
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1 &&
        entry != nullptr) {
        for (int i = 0; i < X509_REVOKED_get_ext_count(entry); ++i) {
            X509_EXTENSION* ext = X509_REVOKED_get_ext(entry, i);
            const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
            if (X509_EXTENSION_get_critical(ext) && nid != NID_crl_reason &&
                nid != NID_invalidity_date) {
                why =
                    trf("{0} is unusable: its entry for the certificate has a critical extension "
                        "ltsign does not process ({1})",
                        {name, std::string(OBJ_nid2ln(nid))});
                return std::nullopt;
            }
        }
        r.status = RevocationStatus::revoked;
        r.revoked_at = ossl::to_time_point(X509_REVOKED_get0_revocationDate(entry));
    } else {
        r.status = RevocationStatus::good;
    }
    return a;
}

// The CRL at `url`, else its cached copy (`cached` then says so); null with `why`.
Ptr<X509_CRL> download_crl(const std::string& url, const Sources& s, std::string& why,
                           bool& cached) {
    const std::string key = hex_sha256(url) + ".crl";
    net::HttpOptions http;
    http.timeout = s.timeout;
    http.connect_timeout = s.timeout;
    http.max_response = 64u << 20;
    try {
        const auto resp = exchange(s, url, [&] { return net::get(url, http); });
        if (resp.status != 200) {
            why = trf("{0}: HTTP {1}", {url, std::to_string(resp.status)});
        } else if (auto crl = parse_crl(resp.body)) {
            // Only a real CRL is cached, never an error page; replaced atomically.
            if (!s.cache_dir.empty()) {
                std::error_code ec;
                std::filesystem::create_directories(s.cache_dir, ec);
                try {
                    core::atomic_write(s.cache_dir / key, resp.body, true);
                } catch (const Error&) {
                }
            }
            return crl;
        } else {
            why = trf("{0}: the answer is not a CRL", {url});
        }
    } catch (const Error& e) {
        why = e.what();
    }
    // The service is down: a cached copy still counts if it is fresh enough (checked by the
    // caller).
    if (!s.cache_dir.empty()) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(s.cache_dir / key, ec)) {
            cached = true;
            return parse_crl(core::read_file(s.cache_dir / key, 64u << 20));
        }
    }
    return nullptr;
}

// download_crl once per run for each URL: a batch of signatures under one CA downloads its CRL
// once (a cached copy used when the service did not answer is not remembered, so a service
// that comes back is asked again).
Ptr<X509_CRL> fetch_crl(const std::string& url, const Sources& s, std::string& why, bool& cached) {
    std::unique_lock<std::recursive_mutex> mine;
    if (s.memory != nullptr) {
        mine = s.memory->one_at_a_time("crl " + url);
        if (auto known = s.memory->crl(url)) {
            why = known->second;
            return std::move(known->first);
        }
    }
    auto crl = download_crl(url, s, why, cached);
    if (s.memory != nullptr && !cached) s.memory->remember_crl(url, crl.get(), why);
    return crl;
}

}  // namespace

std::vector<ossl::Ptr<X509>> fetch_issuers(X509* cert, std::chrono::milliseconds timeout,
                                           FetchBudget& budget) {
    std::vector<ossl::Ptr<X509>> out;
    const ossl::Ptr<AUTHORITY_INFO_ACCESS> info(static_cast<AUTHORITY_INFO_ACCESS*>(
        X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr)));
    std::vector<std::string> urls;
    for (int i = 0; info && i < sk_ACCESS_DESCRIPTION_num(info.get()); ++i) {
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(info.get(), i);
        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
            const ASN1_IA5STRING* uri = ad->location->d.uniformResourceIdentifier;
            urls.emplace_back(reinterpret_cast<const char*>(uri->data),
                              static_cast<std::size_t>(uri->length));
        }
    }
    for (const auto& url : urls) {
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) continue;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            budget.deadline - std::chrono::steady_clock::now());
        if (budget.urls <= 0 || left.count() <= 0) break;
        --budget.urls;
        net::HttpOptions http;
        http.timeout = std::min(timeout, left);
        http.connect_timeout = http.timeout;
        http.max_response = 1u << 20;
        try {
            const auto resp = net::get(url, http);
            if (resp.status != 200) continue;
            const unsigned char* p = resp.body.data();
            if (X509* c = d2i_X509(nullptr, &p, static_cast<long>(resp.body.size()))) {
                out.emplace_back(c);
                continue;
            }
            p = resp.body.data();
            Ptr<PKCS7> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(resp.body.size())));
            if (p7 && PKCS7_type_is_signed(p7.get()) && p7->d.sign->cert != nullptr) {
                for (int i = 0; i < sk_X509_num(p7->d.sign->cert); ++i)
                    out.push_back(ossl::up_ref(sk_X509_value(p7->d.sign->cert, i)));
                continue;
            }
            const Ptr<BIO> bio = ossl::memory_bio(resp.body);
            while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
                out.emplace_back(c);
        } catch (const Error&) {
            // An unreachable AIA location is like no location: the chain stays unbuilt.
        }
        ossl::clear_errors();
    }
    return out;
}

std::vector<ossl::Ptr<X509_CRL>> load_crls(const std::filesystem::path& file) {
    const core::Bytes bytes = core::read_file(file, 64u << 20);
    std::vector<ossl::Ptr<X509_CRL>> out;
    const unsigned char* p = bytes.data();
    Ptr<X509_CRL> der(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    if (der && p == bytes.data() + bytes.size()) {
        out.push_back(std::move(der));
    } else {
        const Ptr<BIO> bio = ossl::memory_bio(bytes);
        while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr))
            out.emplace_back(crl);
    }
    ossl::clear_errors();
    if (out.empty())
        throw Error(Errc::malformed_input,
                    trf("{0}: not a CRL (expected DER or PEM)", {file.string()}));
    return out;
}

RevocationAnswer check(X509* cert, X509* issuer, const Sources& s,
                       const std::vector<X509*>& anchors, const std::vector<X509*>& untrusted,
                       TimePoint at) {
    std::vector<std::string> problems;
    const auto ocsp = ocsp_urls(cert);
    const auto crls = crl_urls(cert);
    // Online, OCSP is asked first: it speaks of now.
    if (!s.offline) {
        for (const auto& url : ocsp) {
            std::string why;
            auto r = ask_ocsp_once(url, cert, issuer, s, anchors, untrusted, why);
            if (!r) {
                problems.push_back(why);
                continue;
            }
            // A revocation is permanent: a CRL at hand (given or carried) that lists the
            // certificate outweighs an OCSP "good" (a responder may answer from stale data).
            if (r->status != RevocationStatus::revoked) {
                for (const auto& known : s.crls) {
                    std::string ignored;
                    auto a = read_crl(known, cert, issuer, at, s, ignored);
                    if (a && a->result.status == RevocationStatus::revoked) return a->result;
                }
                std::vector<std::string> ignored;
                bool about = false;
                auto a = carried_ocsp(cert, issuer, s, anchors, untrusted, at, ignored, about);
                if (a && a->status == RevocationStatus::revoked) return *a;
            }
            return *r;
        }
    }
    // Then the OCSP responses the signature carries: a revocation any of them shows decides,
    // else a good answer issued after the time to prove (or current then).
    bool carried_about = false;  // a carried response speaks of this certificate
    auto carried_good =
        carried_ocsp(cert, issuer, s, anchors, untrusted, at, problems, carried_about);
    if (carried_good && carried_good->status == RevocationStatus::revoked) return *carried_good;
    if (!s.offline && !ocsp.empty()) {
        if (auto c = kept_ocsp(cert, issuer, s, ocsp, anchors, untrusted, at)) {
            if (c->status == RevocationStatus::revoked) return *c;
            if (!carried_good) carried_good = std::move(c);
        }
    }
    // Then every CRL that can speak for the certificate, given, carried and (online) from its
    // distribution points, is read; the choice is by content, never by order: a revocation any
    // authentic CRL lists wins, else the newest fresh complete CRL decides (EN 319 102-1 5.2.5),
    // so an old CRL stuffed into a signature cannot hide a later revocation.
    std::vector<CrlAnswer> answers;
    bool issuer_crl_seen = false;
    auto consider = [&](const KnownCrl& known) {
        std::string why;
        if (X509_NAME_cmp(X509_CRL_get_issuer(known.crl), X509_get_issuer_name(cert)) == 0)
            issuer_crl_seen = true;
        if (auto a = read_crl(known, cert, issuer, at, s, why)) answers.push_back(std::move(*a));
        if (!why.empty()) problems.push_back(why);
    };
    for (const auto& known : s.crls) consider(known);
    if (!s.offline) {
        for (const auto& url : crls) {
            std::string why;
            bool cached = false;
            if (auto crl = fetch_crl(url, s, why, cached)) {
                consider({crl.get(),
                          cached ? RevocationKind::crl_cached : RevocationKind::crl_downloaded,
                          url});
            } else {
                problems.push_back(why);
            }
        }
    }
    const CrlAnswer* revoked = nullptr;
    const CrlAnswer* newest_good = nullptr;
    for (const auto& a : answers) {
        if (a.result.status == RevocationStatus::revoked) {
            if (!revoked || *a.result.revoked_at < *revoked->result.revoked_at) revoked = &a;
        } else if (a.partial) {
            problems.push_back(
                trf("{0} is a delta CRL or covers only some reasons, so it cannot "
                    "show that the certificate is good",
                    {source_text(a.result)}));
        } else if (a.fresh && (!newest_good || a.this_update > newest_good->this_update)) {
            newest_good = &a;
        }
    }
    if (revoked) return revoked->result;
    if (carried_good) return *carried_good;
    if (newest_good) return newest_good->result;

    RevocationAnswer r;
    if (ocsp.empty() && crls.empty() && !issuer_crl_seen && !carried_about) {
        // CRLs given for other issuers do not make this certificate need one.
        r.status = RevocationStatus::unpublished;
        r.detail = tr("the certificate names no OCSP responder or CRL distribution point");
        return r;
    }
    r.status = RevocationStatus::unavailable;
    for (const auto& p : problems) r.detail += (r.detail.empty() ? "" : "; ") + p;
    if (r.detail.empty())
        r.detail = s.offline ? tr("offline, and no CRL given covers it") : tr("no source answered");
    return r;
}

std::optional<std::pair<Ptr<X509_CRL>, std::string>> RunMemory::crl(const std::string& url) {
    const std::lock_guard lock(m_mutex);
    const auto found = m_crls.find(url);
    if (found == m_crls.end() || std::chrono::steady_clock::now() - found->second.at > k_crl_reuse)
        return std::nullopt;
    return std::make_pair(found->second.crl ? ossl::up_ref(found->second.crl.get()) : nullptr,
                          found->second.why);
}

void RunMemory::remember_crl(const std::string& url, X509_CRL* crl, const std::string& why) {
    const std::lock_guard lock(m_mutex);
    m_crls.insert_or_assign(
        url, KnownCrl{crl ? ossl::up_ref(crl) : nullptr, why, std::chrono::steady_clock::now()});
}

std::optional<RunMemory::OcspAnswer> RunMemory::ocsp(const std::string& key,
                                                     std::chrono::seconds max_age) {
    const std::lock_guard lock(m_mutex);
    const auto found = m_ocsp.find(key);
    if (found == m_ocsp.end() || std::chrono::steady_clock::now() - found->second.second > max_age)
        return std::nullopt;
    return found->second.first;
}

void RunMemory::remember_ocsp(const std::string& key, OcspAnswer answer) {
    const std::lock_guard lock(m_mutex);
    m_ocsp.insert_or_assign(key,
                            std::make_pair(std::move(answer), std::chrono::steady_clock::now()));
}

std::string RunMemory::silence_of(const std::string& url) {
    const std::lock_guard lock(m_mutex);
    const auto found = m_silent.find(service_of(url));
    if (found == m_silent.end()) return {};
    ++found->second.spared;
    return trf("{0}: not asked again in this run, it did not answer before ({1})",
               {url, found->second.why});
}

void RunMemory::silence(const std::string& url, const std::string& why) {
    const std::lock_guard lock(m_mutex);
    m_silent.try_emplace(service_of(url), Silent{service_of(url), why, 0});
}

std::unique_lock<std::recursive_mutex> RunMemory::one_at_a_time(const std::string& key) {
    std::recursive_mutex* fetching = nullptr;
    {
        const std::lock_guard lock(m_mutex);
        auto& slot = m_fetching[key];
        if (!slot) slot = std::make_unique<std::recursive_mutex>();
        fetching = slot.get();  // never removed: one per URL or request of the run
    }
    return std::unique_lock(*fetching);
}

std::vector<RunMemory::Silent> RunMemory::silenced() {
    const std::lock_guard lock(m_mutex);
    std::vector<Silent> out;
    for (const auto& [service, s] : m_silent) out.push_back(s);
    return out;
}

std::string source_text(RevocationKind kind, const std::string& location) {
    switch (kind) {
        case RevocationKind::ocsp:
            return trf("OCSP {0}", {location});
        case RevocationKind::crl_file:
            return trf("CRL file {0}", {location});
        case RevocationKind::crl_embedded:
            return tr("CRL in the signature");
        case RevocationKind::ocsp_embedded:
            return tr("OCSP response in the signature");
        case RevocationKind::ocsp_cached:
            return trf("the cached answer of OCSP {0}", {location});
        case RevocationKind::crl_downloaded:
        case RevocationKind::crl_cached:
            return trf("CRL {0}", {location});
        case RevocationKind::none:
            break;
    }
    return "";
}

}  // namespace ltsign::revocation
