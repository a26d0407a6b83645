// CMS/CAdES: parse, extract facts (signature value, attributes, time-stamps), judge.
#include "cms/cms_signature.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        const auto b = fuzz::bytes(data, size);
        if (!cms::looks_like_cms(b)) return;
        auto cms_info = cms::parse_signed_data(b, "fuzz");
        for (const auto& f : cms::extract_facts(cms_info.get(), nullptr)) {
            validation::evaluate(f, fuzz::context(), *fuzz::context().validation_time);
        }
        cms::inspect_fields(cms_info.get());
    });
    return 0;
}
