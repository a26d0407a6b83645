#include "ltsign/inspect.hpp"

#include "cms/cms_signature.hpp"
#include "tsp/token.hpp"
#include "xml/xades.hpp"

#include <algorithm>

namespace ltsign {

Inspection inspect_file(const std::filesystem::path& file) {
    const core::Bytes bytes = core::read_file(file, core::k_max_signature_file);
    if (bytes.empty()) throw Error(Errc::malformed_input, file.string() + ": the file is empty");
    core::Bytes der = bytes;
    if (xml::has_xml_signature(bytes)) {
        auto fields = xml::inspect_xml(bytes, file.string());
        const bool xades = std::any_of(fields.begin(), fields.end(), [](const InspectField& s) {
            return std::any_of(s.children.begin(), s.children.end(), [](const InspectField& c) {
                return c.name == "xades:QualifyingProperties";
            });
        });
        return Inspection{file, xades ? "xades" : "xmldsig", std::move(fields)};
    }
    if (!cms::looks_like_cms(bytes)) {
        auto token = tsp::token_from_response_bytes(bytes, file.string());
        if (!token) {
            throw Error(Errc::malformed_input,
                        file.string() +
                            ": not a signature ltsign recognises (expected CMS/CAdES, "
                            "XAdES/XMLDSig, an RFC 3161 token or TimeStampResp)");
        }
        der = std::move(*token);
    }
    auto cms_info = cms::parse_signed_data(der, file.string());
    const bool token = tsp::is_token(cms_info.get());
    auto fields = cms::inspect_fields(cms_info.get());
    if (token) {
        ASN1_OCTET_STRING** content = CMS_get0_content(cms_info.get());
        if (content != nullptr && *content != nullptr) {
            const unsigned char* p = (*content)->data;
            ossl::Ptr<TS_TST_INFO> tst(d2i_TS_TST_INFO(nullptr, &p, (*content)->length));
            ossl::clear_errors();
            if (tst) {
                char oid[128];
                OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(tst.get()), 1);
                InspectField info{"TSTInfo", "", {}};
                info.children.push_back(
                    {"genTime",
                     format_rfc3339(ossl::to_time_point(TS_TST_INFO_get_time(tst.get()))),
                     {}});
                info.children.push_back(
                    {"serial", ossl::integer_hex(TS_TST_INFO_get_serial(tst.get())), {}});
                info.children.push_back({"policy", oid, {}});
                TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst.get());
                const ASN1_OBJECT* alg = nullptr;
                X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
                const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
                info.children.push_back(
                    {"message imprint",
                     std::string(OBJ_nid2sn(OBJ_obj2nid(alg))) + " " +
                         ossl::to_hex(msg->data, static_cast<std::size_t>(msg->length)),
                     {}});
                if (const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(tst.get())) {
                    info.children.push_back({"nonce", ossl::integer_hex(nonce), {}});
                }
                fields.insert(fields.begin(), std::move(info));
            }
        }
    }
    return Inspection{file, token ? "tst" : "cades", std::move(fields)};
}

}  // namespace ltsign
