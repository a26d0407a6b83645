// RFC 3161 client: TimeStampReq out, TimeStampResp in, every field that matters checked.
#include <openssl/rand.h>

#include <cstring>

#include "cms/timestamp_token.hpp"
#include "core/der.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "ltsign/timestamp.hpp"
#include "net/http_client.hpp"
#include "tsp/tsp_client.hpp"

namespace ltsign {
namespace tsp {

using ossl::check;

// TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
//   reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, ... }
Request make_request(const EVP_MD* md, core::Bytes imprint,
                     const std::optional<std::string>& policy) {
    ossl::clear_errors();
    Request r;
    r.md = md;
    r.imprint = std::move(imprint);
    ossl::Ptr<TS_REQ> req(check(TS_REQ_new(), Errc::internal, "out of memory"));
    check(TS_REQ_set_version(req.get(), 1), Errc::internal, "cannot build the request");
    ossl::Ptr<TS_MSG_IMPRINT> mi(check(TS_MSG_IMPRINT_new(), Errc::internal, "out of memory"));
    ossl::Ptr<X509_ALGOR> alg(check(X509_ALGOR_new(), Errc::internal, "out of memory"));
    X509_ALGOR_set_md(alg.get(), md);  // void: sets the OID and a NULL parameter
    check(TS_MSG_IMPRINT_set_algo(mi.get(), alg.get()), Errc::internal, "cannot build the request");
    check(TS_MSG_IMPRINT_set_msg(mi.get(), r.imprint.data(), static_cast<int>(r.imprint.size())),
          Errc::internal, "cannot build the request");
    check(TS_REQ_set_msg_imprint(req.get(), mi.get()), Errc::internal, "cannot build the request");
    if (policy) {
        ossl::Ptr<ASN1_OBJECT> oid(OBJ_txt2obj(policy->c_str(), 1));
        if (!oid)
            throw Error(Errc::usage, trf("TSA policy {0} is not an OID (e.g. 1.2.3.4)", {*policy}));
        check(TS_REQ_set_policy_id(req.get(), oid.get()), Errc::internal,
              "cannot build the request");
    }
    // A 64-bit random nonce binds the answer to this request (RFC 3161 2.4.1).
    unsigned char nonce_bytes[8];
    check(RAND_bytes(nonce_bytes, sizeof nonce_bytes), Errc::internal,
          "no randomness for the nonce");
    nonce_bytes[0] &= 0x7f;
    ossl::Ptr<BIGNUM> bn(check(BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr), Errc::internal,
                               "out of memory"));
    r.nonce.reset(check(BN_to_ASN1_INTEGER(bn.get(), nullptr), Errc::internal, "out of memory"));
    check(TS_REQ_set_nonce(req.get(), r.nonce.get()), Errc::internal, "cannot build the request");
    check(TS_REQ_set_cert_req(req.get(), 1), Errc::internal, "cannot build the request");
    r.der = ossl::encode_der(req.get(), i2d_TS_REQ, "the request");
    return r;
}

namespace {

std::string failure_text(TS_STATUS_INFO* info) {
    static const std::pair<int, const char*> k_fail[] = {
        {TS_INFO_BAD_ALG, "badAlg"},
        {TS_INFO_BAD_REQUEST, "badRequest"},
        {TS_INFO_BAD_DATA_FORMAT, "badDataFormat"},
        {TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"},
        {TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"},
        {TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"},
        {TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"},
        {TS_INFO_SYSTEM_FAILURE, "systemFailure"}};
    std::string text =
        "status " + std::to_string(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info)));
    if (const ASN1_BIT_STRING* bits = TS_STATUS_INFO_get0_failure_info(info)) {
        for (const auto& [bit, name] : k_fail) {
            if (ASN1_BIT_STRING_get_bit(bits, bit)) text += std::string(", ") + name;
        }
    }
    if (const STACK_OF(ASN1_UTF8STRING)* texts = TS_STATUS_INFO_get0_text(info)) {
        for (int i = 0; i < sk_ASN1_UTF8STRING_num(texts); ++i) {
            const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(texts, i);
            text += ": " + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                       static_cast<std::size_t>(ASN1_STRING_length(s)));
        }
    }
    return text;
}

}  // namespace

core::Bytes check_response(const Request& req, const core::Bytes& body, const TsaClient& tsa) {
    auto broken = [&](const std::string& why) {
        return Error(Errc::service_unavailable, tsa.url + ": " + why);
    };
    ossl::clear_errors();
    const unsigned char* p = body.data();
    ossl::Ptr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(body.size())));
    if (!resp || p != body.data() + body.size()) {
        ossl::clear_errors();
        throw broken(tr("the answer is not an RFC 3161 TimeStampResp"));
    }
    TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());
    const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
    if (status != 0 && status != 1)
        throw broken(trf("the TSA refused the request ({0})", {failure_text(info)}));
    TS_TST_INFO* tst = TS_RESP_get_tst_info(resp.get());
    if (tst == nullptr) throw broken(tr("the TSA granted the request but sent no token"));
    if (ASN1_INTEGER_cmp(TS_TST_INFO_get_nonce(tst), req.nonce.get()) != 0) {
        throw broken(tr("the token answers another request (nonce mismatch)"));
    }
    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT* alg = nullptr;
    X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    const ASN1_OCTET_STRING* got = TS_MSG_IMPRINT_get_msg(mi);
    if (OBJ_obj2nid(alg) != EVP_MD_get_type(req.md) ||
        static_cast<std::size_t>(got->length) != req.imprint.size() ||
        std::memcmp(got->data, req.imprint.data(), req.imprint.size()) != 0) {
        throw broken(tr("the token time-stamps other data (message imprint mismatch)"));
    }
    if (tsa.policy) {
        ossl::Ptr<ASN1_OBJECT> want(OBJ_txt2obj(tsa.policy->c_str(), 1));
        if (OBJ_cmp(want.get(), TS_TST_INFO_get_policy_id(tst)) != 0) {
            throw broken(tr("the token is under another policy than the one requested"));
        }
    }
    auto token = cms::token_from_response_bytes(body, tsa.url);
    if (!token) throw broken(tr("the answer is not a DER TimeStampResp"));
    // The token must verify on its own before anyone builds on it.
    auto facts = cms::token_facts(*token, {});
    if (facts.format_problem)
        throw broken(trf("the token is malformed: {0}", {*facts.format_problem}));
    if (facts.signature_value.status != validation::Check::passed ||
        facts.data_digest.status != validation::Check::passed) {
        throw broken(tr("the token's signature does not verify"));
    }
    if (facts.binding != validation::Binding::matches) {
        throw broken(
            tr("the token's signing-certificate attribute does not name the TSA certificate"));
    }
    return *token;
}

core::Bytes request_token_for_digest(const TsaClient& tsa, const EVP_MD* md, core::Bytes digest) {
    if (tsa.url.empty())
        throw Error(Errc::usage, tr("no time-stamping authority given"), Remedy::tsa);
    const Request req = make_request(md, std::move(digest), tsa.policy);
    net::HttpOptions http;
    http.timeout = tsa.timeout;
    http.user = tsa.user;
    http.password = tsa.password;
    http.client_cert = tsa.client_cert;
    http.client_key = tsa.client_key;
    const auto resp = net::post(tsa.url, "application/timestamp-query", req.der, http);
    if (resp.status != 200) {
        throw Error(Errc::service_unavailable,
                    trf("{0}: the TSA answered HTTP {1}", {tsa.url, std::to_string(resp.status)}));
    }
    return check_response(req, resp.body, tsa);
}

}  // namespace tsp

std::vector<std::byte> request_timestamp(const TsaClient& tsa, std::span<const std::byte> data) {
    const EVP_MD* md = crypto::evp_md(tsa.digest);
    return core::to_public_bytes(
        tsp::request_token_for_digest(tsa, md, crypto::digest_bytes(md, core::as_uchars(data))));
}

std::vector<std::byte> timestamp_file(const std::filesystem::path& file, const TsaClient& tsa) {
    const EVP_MD* md = crypto::evp_md(tsa.digest);
    return core::to_public_bytes(
        tsp::request_token_for_digest(tsa, md, crypto::digest_file(md, file)));
}

}  // namespace ltsign
