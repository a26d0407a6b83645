#include "revocation/revocation.hpp"

#include <openssl/ocsp.h>

#include "core/file_io.hpp"
#include "crypto/digests.hpp"
#include "net/http_client.hpp"

namespace ltsign::revocation {
namespace {

using ossl::Ptr;

struct StackFree {
    void operator()(STACK_OF(OPENSSL_STRING) * s) const noexcept { X509_email_free(s); }
};

std::vector<std::string> ocsp_urls(X509* cert) {
    std::vector<std::string> out;
    std::unique_ptr<STACK_OF(OPENSSL_STRING), StackFree> urls(X509_get1_ocsp(cert));
    for (int i = 0; urls && i < sk_OPENSSL_STRING_num(urls.get()); ++i)
        out.emplace_back(sk_OPENSSL_STRING_value(urls.get(), i));
    return out;
}

std::vector<std::string> crl_urls(X509* cert) {
    std::vector<std::string> out;
    auto* points = static_cast<STACK_OF(DIST_POINT)*>(
        X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
    for (int i = 0; points && i < sk_DIST_POINT_num(points); ++i) {
        const DIST_POINT* dp = sk_DIST_POINT_value(points, i);
        if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
        const GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int k = 0; k < sk_GENERAL_NAME_num(names); ++k) {
            const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, k);
            if (n->type == GEN_URI) {
                const ASN1_IA5STRING* uri = n->d.uniformResourceIdentifier;
                out.emplace_back(reinterpret_cast<const char*>(uri->data),
                                 static_cast<std::size_t>(uri->length));
            }
        }
    }
    sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    return out;
}

Ptr<X509_STORE> store_of(const std::vector<X509*>& anchors, TimePoint at) {
    Ptr<X509_STORE> store(X509_STORE_new());
    for (X509* a : anchors) X509_STORE_add_cert(store.get(), a);
    X509_VERIFY_PARAM* p = X509_STORE_get0_param(store.get());
    X509_VERIFY_PARAM_set_time(p, static_cast<time_t>(at.time_since_epoch().count()));
    X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_PARTIAL_CHAIN);
    return store;
}

// RFC 6960: one request with a nonce, the answer signed by the CA or its delegated responder,
// fresh at `at`, and for this certificate.
std::optional<Result> ask_ocsp(const std::string& url, X509* cert, X509* issuer, const Sources& s,
                               const std::vector<X509*>& anchors,
                               const std::vector<X509*>& untrusted, TimePoint at,
                               std::string& why) {
    ossl::clear_errors();
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
    if (id == nullptr) {
        why = "cannot build an OCSP request";
        return std::nullopt;
    }
    std::unique_ptr<OCSP_REQUEST, decltype(&OCSP_REQUEST_free)> req(OCSP_REQUEST_new(),
                                                                    OCSP_REQUEST_free);
    OCSP_CERTID* id_copy = OCSP_CERTID_dup(id);
    OCSP_request_add0_id(req.get(), id_copy);
    OCSP_request_add1_nonce(req.get(), nullptr, -1);
    const int len = i2d_OCSP_REQUEST(req.get(), nullptr);
    core::Bytes der(static_cast<std::size_t>(len > 0 ? len : 0));
    unsigned char* p = der.data();
    i2d_OCSP_REQUEST(req.get(), &p);

    net::HttpOptions http;
    http.timeout = s.timeout;
    http.connect_timeout = s.timeout;
    http.max_response = 1u << 20;
    net::HttpResponse resp;
    try {
        resp = net::post(url, "application/ocsp-request", der, http);
    } catch (const Error& e) {
        OCSP_CERTID_free(id);
        why = e.what();
        return std::nullopt;
    }
    auto fail = [&](const std::string& reason) -> std::optional<Result> {
        OCSP_CERTID_free(id);
        ossl::clear_errors();
        why = url + ": " + reason;
        return std::nullopt;
    };
    if (resp.status != 200) return fail("HTTP " + std::to_string(resp.status));
    const unsigned char* q = resp.body.data();
    std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> response(
        d2i_OCSP_RESPONSE(nullptr, &q, static_cast<long>(resp.body.size())), OCSP_RESPONSE_free);
    if (!response) return fail("not an OCSP response");
    if (OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        return fail(std::string("the responder answered ") +
                    OCSP_response_status_str(OCSP_response_status(response.get())));
    }
    std::unique_ptr<OCSP_BASICRESP, decltype(&OCSP_BASICRESP_free)> basic(
        OCSP_response_get1_basic(response.get()), OCSP_BASICRESP_free);
    if (!basic) return fail("no basic response");
    if (OCSP_check_nonce(req.get(), basic.get()) == 0)
        return fail("the response answers another request (nonce)");
    Ptr<STACK_OF(X509)> others(sk_X509_new_null());
    sk_X509_push(others.get(), ossl::up_ref(issuer).release());
    for (X509* c : untrusted) sk_X509_push(others.get(), ossl::up_ref(c).release());
    // The responder is checked now: its answer is about now.
    auto store = store_of(anchors, now_utc());
    if (OCSP_basic_verify(basic.get(), others.get(), store.get(), 0) <= 0) {
        return fail("the response's signature or responder is not authorised (RFC 6960 4.2.2.2)");
    }
    int status = 0, reason = 0;
    ASN1_GENERALIZEDTIME *revtime = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    if (OCSP_resp_find_status(basic.get(), id, &status, &reason, &revtime, &thisupd, &nextupd) !=
        1) {
        return fail("the response does not speak of this certificate");
    }
    if (OCSP_check_validity(thisupd, nextupd, 300, -1) != 1)
        return fail("the response is not fresh (thisUpdate/nextUpdate)");
    OCSP_CERTID_free(id);
    ossl::clear_errors();
    Result r;
    r.source = "OCSP " + url;
    r.detail = "thisUpdate " + format_rfc3339(ossl::to_time_point(thisupd));
    if (status == V_OCSP_CERTSTATUS_GOOD) {
        r.status = Status::good;
    } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
        r.status = Status::revoked;
        r.revoked_at = ossl::to_time_point(revtime);
    } else {
        r.status = Status::unknown;
    }
    (void)at;
    return r;
}

Ptr<X509_CRL> parse_crl(const core::Bytes& bytes) {
    const unsigned char* p = bytes.data();
    Ptr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    if (!crl || p != bytes.data() + bytes.size()) {
        crl.reset();
        Ptr<BIO> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
        crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    }
    ossl::clear_errors();
    return crl;
}

// A CRL speaks for `cert` when its issuer issued it and signed it; it is fresh at `at` when
// nextUpdate has not passed then (RFC 5280 5.1.2.5).
std::optional<Result> use_crl(X509_CRL* crl, const std::string& name, X509* cert, X509* issuer,
                              TimePoint at, std::string& why) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0)
        return std::nullopt;
    if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
        ossl::clear_errors();
        why = name + ": its signature does not verify with the issuer's key";
        return std::nullopt;
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    if (next != nullptr && ossl::to_time_point(next) < at) {
        why = name + " is stale: its nextUpdate " + format_rfc3339(ossl::to_time_point(next)) +
              " is before the validation time";
        return std::nullopt;
    }
    Result r;
    r.source = name;
    r.detail = "thisUpdate " + format_rfc3339(ossl::to_time_point(X509_CRL_get0_lastUpdate(crl)));
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1 &&
        entry != nullptr) {
        r.status = Status::revoked;
        r.revoked_at = ossl::to_time_point(X509_REVOKED_get0_revocationDate(entry));
    } else {
        r.status = Status::good;
    }
    return r;
}

Ptr<X509_CRL> fetch_crl(const std::string& url, const Sources& s, std::string& why) {
    const std::string key = [&] {
        const auto d = crypto::digest_bytes(
            EVP_sha256(),
            std::span(reinterpret_cast<const unsigned char*>(url.data()), url.size()));
        return ossl::to_hex(d.data(), d.size()) + ".crl";
    }();
    net::HttpOptions http;
    http.timeout = s.timeout;
    http.connect_timeout = s.timeout;
    http.max_response = 64u << 20;
    try {
        const auto resp = net::get(url, http);
        if (resp.status != 200) {
            why = url + ": HTTP " + std::to_string(resp.status);
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
            why = url + ": the answer is not a CRL";
        }
    } catch (const Error& e) {
        why = e.what();
    }
    // The service is down: a cached copy still counts if it is fresh enough (checked by the
    // caller).
    if (!s.cache_dir.empty()) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(s.cache_dir / key, ec)) {
            return parse_crl(core::read_file(s.cache_dir / key, 64u << 20));
        }
    }
    return nullptr;
}

}  // namespace

std::vector<ossl::Ptr<X509>> fetch_issuers(X509* cert, std::chrono::milliseconds timeout) {
    std::vector<ossl::Ptr<X509>> out;
    auto* info = static_cast<AUTHORITY_INFO_ACCESS*>(
        X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr));
    std::vector<std::string> urls;
    for (int i = 0; info != nullptr && i < sk_ACCESS_DESCRIPTION_num(info); ++i) {
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(info, i);
        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
            const ASN1_IA5STRING* uri = ad->location->d.uniformResourceIdentifier;
            urls.emplace_back(reinterpret_cast<const char*>(uri->data),
                              static_cast<std::size_t>(uri->length));
        }
    }
    AUTHORITY_INFO_ACCESS_free(info);
    net::HttpOptions http;
    http.timeout = timeout;
    http.connect_timeout = timeout;
    http.max_response = 1u << 20;
    for (const auto& url : urls) {
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) continue;
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
            Ptr<BIO> bio(BIO_new_mem_buf(resp.body.data(), static_cast<int>(resp.body.size())));
            while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
                out.emplace_back(c);
        } catch (const Error&) {
            // An unreachable AIA location is like no location: the chain stays unbuilt.
        }
        ossl::clear_errors();
    }
    return out;
}

ossl::Ptr<X509_CRL> load_crl(const std::filesystem::path& file) {
    auto crl = parse_crl(core::read_file(file, 64u << 20));
    if (!crl)
        throw Error(Errc::malformed_input, file.string() + ": not a CRL (expected DER or PEM)");
    return crl;
}

Result check(X509* cert, X509* issuer, const Sources& s, const std::vector<X509*>& anchors,
             const std::vector<X509*>& untrusted, TimePoint at) {
    std::vector<std::string> problems;
    // CRLs given or embedded come first offline; online, OCSP is asked first (fresher).
    auto from_given = [&]() -> std::optional<Result> {
        for (std::size_t i = 0; i < s.crls.size(); ++i) {
            std::string why;
            if (auto r = use_crl(s.crls[i].get(), s.crl_names[i], cert, issuer, at, why)) return r;
            if (!why.empty()) problems.push_back(why);
        }
        return std::nullopt;
    };
    const auto ocsp = ocsp_urls(cert);
    const auto crls = crl_urls(cert);
    if (!s.offline) {
        for (const auto& url : ocsp) {
            std::string why;
            if (auto r = ask_ocsp(url, cert, issuer, s, anchors, untrusted, at, why)) return *r;
            problems.push_back(why);
        }
    }
    if (auto r = from_given()) return *r;
    if (!s.offline) {
        for (const auto& url : crls) {
            std::string why;
            if (auto crl = fetch_crl(url, s, why)) {
                if (auto r = use_crl(crl.get(), "CRL " + url, cert, issuer, at, why)) return *r;
            }
            problems.push_back(why);
        }
    }
    Result r;
    if (ocsp.empty() && crls.empty() && s.crls.empty()) {
        r.status = Status::unpublished;
        r.detail = "the certificate names no OCSP responder or CRL distribution point";
        return r;
    }
    r.status = Status::unavailable;
    for (const auto& p : problems) r.detail += (r.detail.empty() ? "" : "; ") + p;
    if (r.detail.empty())
        r.detail = s.offline ? "offline, and no CRL given covers it" : "no source answered";
    return r;
}

}  // namespace ltsign::revocation
