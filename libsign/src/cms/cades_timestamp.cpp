#include "cms/cades_timestamp.hpp"

#include "crypto/digests.hpp"
#include "tsp/tsp_client.hpp"

namespace ltsign::cms {

int add_signature_timestamps(CMS_ContentInfo* cms, const TsaClient& tsa) {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    int added = 0;
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0) continue;
        // RFC 5126 6.1.1: the time-stamp is over the value of the signature field (the octets,
        // without tag and length).
        const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
        const EVP_MD* md = crypto::evp_md(tsa.digest);
        auto digest =
            crypto::digest_bytes(md, std::span(sig->data, static_cast<std::size_t>(sig->length)));
        const core::Bytes token = tsp::request_token_for_digest(tsa, md, std::move(digest));
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

}  // namespace ltsign::cms
