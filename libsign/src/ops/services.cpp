#include "ops/services.hpp"

#include <algorithm>

#include "cms/timestamp_token.hpp"
#include "ers/record.hpp"
#include "ltsign/language.hpp"
#include "tsp/tsp_client.hpp"
#include "validation/services.hpp"

namespace ltsign::ops {

cms::TokenSource token_source(const TsaClient& tsa) {
    return [tsa](const EVP_MD* md, core::Bytes digest) {
        return tsp::request_token_for_digest(tsa, md, std::move(digest));
    };
}

namespace {

void add_unique(std::vector<core::Bytes>& to, core::Bytes element) {
    if (!element.empty() && std::find(to.begin(), to.end(), element) == to.end())
        to.push_back(std::move(element));
}

}  // namespace

void collect_validation_data(const SignatureReport& r, validation::ValidationData& data) {
    for (const auto& c : r.chain) add_unique(data.certificates, core::from_public_bytes(c.der));
    for (const auto& v : r.revocation) {
        if (v.evidence.empty()) continue;
        const bool ocsp = is_ocsp(v.kind);
        add_unique(ocsp ? data.ocsp : data.crls, core::from_public_bytes(v.evidence));
    }
    for (const auto& ts : r.timestamps) collect_validation_data(ts, data);
}

validation::ValidationData token_validation_data(const core::Bytes& token,
                                                 const ValidationContext* context,
                                                 const std::string& what) {
    validation::ValidationData data;
    if (context == nullptr) return data;
    // Only the TSA's chain and revocation matter here: the imprint is the token's own (what it
    // covers is the caller's concern, checked when the token was received).
    const auto imprint = ers::token_imprint(token).second;
    const SignatureReport report =
        validation::evaluate(cms::token_facts(token, {.digest = imprint}), *context,
                             validation::validation_time_of(*context));
    if (report.indication != Indication::total_passed) {
        throw Error(
            Errc::service_unavailable,
            trf("{0} does not validate with the trust anchors given ({1}); nothing was written",
                {what, report.explanation}));
    }
    collect_validation_data(report, data);
    return data;
}

SignedObject signed_object(const core::Bytes& bytes, std::string extension) {
    return SignedObject(core::to_public_bytes(bytes), std::move(extension));
}

}  // namespace ltsign::ops
