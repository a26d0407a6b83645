#include "cms/cades_timestamp.hpp"

#include "cms/cms_signature.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cms {

int add_signature_timestamps(CMS_ContentInfo* cms, const EVP_MD* md, const TokenSource& tokens) {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    int added = 0;
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0) continue;
        // RFC 5126 6.1.1: the time-stamp is over the value of the signature field (the octets,
        // without tag and length).
        const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
        auto digest =
            crypto::digest_bytes(md, std::span(sig->data, static_cast<std::size_t>(sig->length)));
        const core::Bytes token = tokens(md, std::move(digest));
        ossl::clear_errors();
        // ANY holding a SEQUENCE keeps the whole DER encoding of the token.
        ossl::check(
            CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                          token.data(), static_cast<int>(token.size())),
            Errc::internal, "cannot add the signature-time-stamp attribute");
        ++added;
    }
    return added;
}

core::Bytes extend_cades(const core::Bytes& signature, const std::string& what, const EVP_MD* md,
                         const TokenSource& tokens) {
    auto cms_info = parse_signed_data(signature, what);
    // Before and after: the signed part must verify the same way, or extension would damage it
    // (for example if re-encoding changed non-DER signed attributes).
    auto before = extract_facts(cms_info.get(), nullptr);
    if (add_signature_timestamps(cms_info.get(), md, tokens) == 0)
        throw Error(Errc::usage, trf("{0} already has a signature time-stamp (level T)", {what}));
    core::Bytes out = ossl::encode_der(cms_info.get(), i2d_CMS_ContentInfo, "the signature");

    auto again = parse_signed_data(out, what);
    auto after = extract_facts(again.get(), nullptr);
    for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) {
        if (before[i].signature_value.status != after[i].signature_value.status) {
            throw Error(Errc::malformed_input,
                        trf("{0}: extending would change how the signature verifies (its signed "
                            "attributes are not DER); left unchanged",
                            {what}));
        }
    }
    return out;
}

}  // namespace ltsign::cms
