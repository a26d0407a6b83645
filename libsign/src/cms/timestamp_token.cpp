#include "cms/timestamp_token.hpp"

#include "cms/cades_archive.hpp"
#include "ltsign/language.hpp"

#include <cstring>

#include "cms/cms_signature.hpp"
#include "core/der.hpp"
#include "crypto/digests.hpp"

namespace ltsign::cms {
namespace {

using validation::Check;

std::string oid_text(const ASN1_OBJECT* obj) {
    return ossl::oid_text(obj, true);
}

std::string accuracy_text(const TS_ACCURACY* acc) {
    if (acc == nullptr) return "";
    auto part = [](const ASN1_INTEGER* v) { return v ? ASN1_INTEGER_get(v) : 0L; };
    return std::to_string(part(TS_ACCURACY_get_seconds(acc))) + " s " +
           std::to_string(part(TS_ACCURACY_get_millis(acc))) + " ms " +
           std::to_string(part(TS_ACCURACY_get_micros(acc))) + " us";
}

}  // namespace

bool is_token(CMS_ContentInfo* cms) {
    return cms::econtent_nid(cms) == NID_id_smime_ct_TSTInfo;
}

validation::SignatureFacts token_facts(std::span<const unsigned char> token_der,
                                       const ImprintSource& source,
                                       const std::vector<X509*>& candidates) {
    const core::Bytes der(token_der.begin(), token_der.end());
    auto cms_info = parse_signed_data(der, "time-stamp token");
    return token_facts(cms_info.get(), der, source, candidates);
}

validation::SignatureFacts token_facts(CMS_ContentInfo* cms_info,
                                       std::span<const unsigned char> token_der,
                                       const ImprintSource& source,
                                       const std::vector<X509*>& candidates) {
    // Tokens may carry unsigned attributes, and those tokens again: bound the nesting so hostile
    // input cannot exhaust the stack.
    thread_local int depth = 0;
    struct Guard {
        Guard() { ++depth; }
        ~Guard() { --depth; }
    } guard;
    if (depth > 4)
        throw Error(Errc::malformed_input, tr("time-stamp tokens nested more than 4 deep"));
    auto all = extract_facts(cms_info, nullptr, candidates);
    validation::SignatureFacts f = std::move(all.front());
    // OCSP responses the token carries for its TSA (added by ltsign seal/renew, RFC 4998 4.2).
    if (const auto parts = slice_signed_data(
            std::make_shared<const core::Bytes>(token_der.begin(), token_der.end()))) {
        f.ocsp_responses = carried_ocsp(*parts);
    }
    f.type = EntryType::timestamp;
    f.level = SignatureLevel::none;
    f.is_timestamp = true;
    // The CAdES notes about plain CMS do not apply to a token.
    const bool supplied = !candidates.empty() && f.signer_cert;
    f.notes.clear();
    if (supplied) {
        f.notes.push_back({NoteCode::signing_certificate_supplied,
                           tr("the TSA's certificate is not in the token (made without certReq); "
                              "it was found among the certificates supplied")});
    }
    f.with_candidates = nullptr;
    if (!f.signer_cert && candidates.empty()) {
        f.with_candidates = [der = core::Bytes(token_der.begin(), token_der.end()),
                             source](const std::vector<X509*>& more) {
            return token_facts(der, source, more);
        };
    }
    if (!is_token(cms_info)) {
        f.format_problem = tr("the token does not encapsulate a TSTInfo (RFC 3161 2.4.2)");
        return f;
    }
    if (all.size() != 1) {
        f.format_problem = tr("a time-stamp token must have exactly one signer (RFC 3161 2.4.2)");
        return f;
    }
    ASN1_OCTET_STRING** content = CMS_get0_content(cms_info);
    if (content == nullptr || *content == nullptr) {
        f.format_problem = tr("the token does not carry its TSTInfo");
        return f;
    }
    const unsigned char* p = (*content)->data;
    ossl::Ptr<TS_TST_INFO> tst(d2i_TS_TST_INFO(nullptr, &p, (*content)->length));
    if (!tst || p != (*content)->data + (*content)->length ||
        TS_TST_INFO_get_version(tst.get()) != 1) {
        ossl::clear_errors();
        f.format_problem = tr("the TSTInfo inside the token cannot be decoded (RFC 3161 2.4.2)");
        return f;
    }
    f.gen_time = ossl::to_time_point(TS_TST_INFO_get_time(tst.get()));
    f.claimed_signing_time = f.gen_time;
    std::string about = "TSA policy " + oid_text(TS_TST_INFO_get_policy_id(tst.get())) +
                        ", serial " + ossl::integer_hex(TS_TST_INFO_get_serial(tst.get()));
    if (const TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(tst.get()))
        about += ", accuracy " + accuracy_text(acc);
    f.notes.push_back({NoteCode::timestamp_info, std::move(about)});
    if (f.signer_cert && f.binding == validation::Binding::absent && !f.format_problem) {
        f.format_problem =
            tr("the token has no signing-certificate attribute (RFC 3161 2.4.1, RFC 5816)");
    }

    // RFC 3161 2.4.2: messageImprint is the hash of the time-stamped data.
    TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(tst.get());
    const X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(imprint);
    const ASN1_OBJECT* alg_oid = nullptr;
    X509_ALGOR_get0(&alg_oid, nullptr, nullptr, alg);
    const EVP_MD* md = crypto::evp_md_from_object(alg_oid);
    const ASN1_OCTET_STRING* expected = TS_MSG_IMPRINT_get_msg(imprint);
    // The imprint is what ties the token to the data: a weak one proves nothing (TS 119 312).
    f.algorithms.push_back({"the time-stamp's message imprint",
                            md != nullptr ? crypto::digest_name(md) : oid_text(alg_oid), "", 0});
    if (source.digest) {
        f.imprint =
            validation::compare_digest(expected, *source.digest, tr("the token's imprint is"));
        return f;
    }
    if (md == nullptr) {
        f.imprint = {Check::not_possible,
                     trf("the imprint's digest algorithm {0} is unknown", {oid_text(alg_oid)})};
        return f;
    }
    const std::optional<core::Bytes> actual =
        source.data ? source.data->digest(md) : std::optional<core::Bytes>();
    if (!actual) {
        f.imprint = {
            Check::not_possible,
            tr("the time-stamped data was not given, so the message imprint cannot be checked")};
        return f;
    }
    f.imprint = validation::compare_digest(
        expected, *actual, trf("the token's {0} imprint is", {crypto::digest_name(md)}));
    return f;
}

namespace {

// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
// PKIStatusInfo ::= SEQUENCE { status PKIStatus (INTEGER), statusString ..., failInfo ... }
// The response's parts and its status, when `bytes` have that shape.
struct ResponseShape {
    std::vector<der::Tlv> parts;
    std::span<const unsigned char> status;
};

std::optional<ResponseShape> response_shape(std::span<const unsigned char> bytes) {
    const auto outer = der::read(bytes);
    if (!outer || outer->tag != der::k_sequence || outer->all.size() != bytes.size())
        return std::nullopt;
    auto parts = der::children(*outer);
    if (!parts || parts->empty() || parts->size() > 2 || (*parts)[0].tag != der::k_sequence)
        return std::nullopt;
    const auto status = der::children((*parts)[0]);
    if (!status || status->empty() || (*status)[0].tag != der::k_integer) return std::nullopt;
    return ResponseShape{std::move(*parts), (*status)[0].value};
}

}  // namespace

bool looks_like_timestamp_response(std::span<const unsigned char> bytes) {
    return response_shape(bytes).has_value();
}

std::optional<core::Bytes> token_from_response_bytes(const core::Bytes& bytes,
                                                     const std::string& what) {
    const auto shape = response_shape(bytes);
    if (!shape) return std::nullopt;
    const auto* parts = &shape->parts;
    const auto& code = shape->status;
    const bool granted = code.size() == 1 && (code[0] == 0 || code[0] == 1);
    if (!granted || parts->size() != 2) {
        throw Error(Errc::malformed_input,
                    trf("{0}: a TimeStampResp without a granted token (status {1})",
                        {what, (code.size() == 1 ? std::to_string(code[0]) : std::string("?"))}));
    }
    const auto& token = (*parts)[1];
    return core::Bytes(token.all.begin(), token.all.end());
}

std::optional<InspectField> tst_info_fields(CMS_ContentInfo* token) {
    ASN1_OCTET_STRING** content = CMS_get0_content(token);
    if (content == nullptr || *content == nullptr) return std::nullopt;
    const unsigned char* p = (*content)->data;
    ossl::Ptr<TS_TST_INFO> tst(d2i_TS_TST_INFO(nullptr, &p, (*content)->length));
    ossl::clear_errors();
    if (!tst) return std::nullopt;
    InspectField info{"TSTInfo", "", {}};
    info.children.push_back(
        {"genTime", format_rfc3339(ossl::to_time_point(TS_TST_INFO_get_time(tst.get()))), {}});
    info.children.push_back({"serial", ossl::integer_hex(TS_TST_INFO_get_serial(tst.get())), {}});
    info.children.push_back({"policy", oid_text(TS_TST_INFO_get_policy_id(tst.get())), {}});
    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst.get());
    const ASN1_OBJECT* alg = nullptr;
    X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
    info.children.push_back({"message imprint",
                             std::string(OBJ_nid2sn(OBJ_obj2nid(alg))) + " " +
                                 ossl::to_hex(msg->data, static_cast<std::size_t>(msg->length)),
                             {}});
    if (const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(tst.get()))
        info.children.push_back({"nonce", ossl::integer_hex(nonce), {}});
    return info;
}

}  // namespace ltsign::cms
