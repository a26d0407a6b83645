// Raising the level of an existing CAdES signature without touching what was signed.
#include "cms/cades_timestamp.hpp"
#include "cms/cms_signature.hpp"
#include "ltsign/sign.hpp"
#include "xml/xades.hpp"

namespace ltsign {

SignedObject extend_signature(const std::filesystem::path& signature, Level level,
                              const TsaClient& tsa) {
    if (level != Level::t)
        throw Error(Errc::usage, "only --level T is available for extension yet");
    const core::Bytes bytes = core::read_file(signature, core::k_max_signature_file);
    if (xml::has_xml_signature(bytes)) return xml::extend_xades(bytes, signature.string(), tsa);
    auto cms_info = cms::parse_signed_data(bytes, signature.string());
    // Before and after: the signed part must verify the same way, or extension would damage it
    // (for example if re-encoding changed non-DER signed attributes).
    auto before = cms::extract_facts(cms_info.get(), std::nullopt);
    if (cms::add_signature_timestamps(cms_info.get(), tsa) == 0) {
        throw Error(Errc::usage,
                    signature.string() + " already has a signature time-stamp (level T)");
    }
    const int len = i2d_CMS_ContentInfo(cms_info.get(), nullptr);
    if (len <= 0) ossl::fail(Errc::internal, "cannot encode the extended signature");
    core::Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_CMS_ContentInfo(cms_info.get(), &p);

    auto again = cms::parse_signed_data(out, signature.string());
    auto after = cms::extract_facts(again.get(), std::nullopt);
    for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) {
        if (before[i].signature_value.status != after[i].signature_value.status) {
            throw Error(Errc::malformed_input,
                        signature.string() +
                            ": extending would change how the signature verifies "
                            "(its signed attributes are not DER); left unchanged");
        }
    }
    const auto* b = reinterpret_cast<const std::byte*>(out.data());
    return SignedObject(std::vector<std::byte>(b, b + out.size()), ".p7s");
}

}  // namespace ltsign
