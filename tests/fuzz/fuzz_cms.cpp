// CMS/CAdES: parse, extract facts (signature value, attributes, time-stamps, archive
// time-stamps), judge.
#include "cms/cades_archive.hpp"
#include "cms/cms_signature.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        const auto b = fuzz::bytes(data, size);
        if (!cms::looks_like_cms(b)) return;
        auto cms_info = cms::parse_signed_data(b, "fuzz");
        auto facts = cms::extract_facts(cms_info.get(), nullptr);
        // B-LT/B-LTA: carried OCSP responses and archive time-stamps with their hash index.
        cms::add_long_term_facts(std::make_shared<const core::Bytes>(b), "fuzz", nullptr, facts);
        for (const auto& f : facts) {
            validation::evaluate(f, fuzz::context(), *fuzz::context().validation_time);
        }
        cms::inspect_fields(cms_info.get());
    });
    return 0;
}
