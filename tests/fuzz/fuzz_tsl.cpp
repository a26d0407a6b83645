// Trusted lists (ETSI TS 119 612): hardened parse, the list's structure, schema, the enveloped
// signature's coverage and XMLDSig core validation against a fixed signer, the dates.
#include <filesystem>

#include "fuzz_common.hpp"
#include "test_pki.hpp"
#include "trust/tsl.hpp"
#include "xml/xml_doc.hpp"

namespace {
std::vector<ltsign::ossl::Ptr<X509>>& signers() {
    static std::vector<ltsign::ossl::Ptr<X509>> s = [] {
        std::error_code ec;
        const auto ca = ltsign::test::pki("ca.pem");
        return std::filesystem::exists(ca, ec) ? ltsign::ossl::load_certificates(ca)
                                               : std::vector<ltsign::ossl::Ptr<X509>>{};
    }();
    return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    std::vector<X509*> expected;
    for (const auto& c : signers()) expected.push_back(c.get());
    const auto v = trust::judge_list(std::span(data, size), "fuzz", expected,
                                     *fuzz::context().validation_time, true);
    // A list is used only when its signature verified with the expected signer.
    if (v.problem.empty() && v.signer.empty()) __builtin_trap();
    fuzz::rejecting_errors([&] {
        auto doc = xml::parse(std::span(data, size), "fuzz");
        trust::read_trusted_list(doc.get(), "fuzz");
    });
    return 0;
}
