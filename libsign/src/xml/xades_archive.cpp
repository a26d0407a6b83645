// XAdES long-term levels (ETSI EN 319 132-1 5.5): B-LT validation data (xades:CertificateValues,
// xades:RevocationValues, xadesv141:TimeStampValidationData).
#include <openssl/ocsp.h>

#include "ltsign/error.hpp"
#include "xml/xades.hpp"

namespace ltsign::xml {

std::optional<core::Bytes> ocsp_response_der(const core::Bytes& der) {
    try {
        static_cast<void>(
            ossl::decode_der_exact<OCSP_RESPONSE>(der, d2i_OCSP_RESPONSE, "an OCSP response"));
        return der;
    } catch (const Error&) {
    }
    try {
        const auto basic = ossl::decode_der_exact<OCSP_BASICRESP>(der, d2i_OCSP_BASICRESP,
                                                                  "a basic OCSP response");
        const ossl::Ptr<OCSP_RESPONSE> response(
            OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
        if (!response) {
            ossl::clear_errors();
            return std::nullopt;
        }
        return ossl::encode_der(response.get(), i2d_OCSP_RESPONSE, "an OCSP response");
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace ltsign::xml
