// PDF signatures: qpdf's parse with ltsign's byte-range, revision and change checks on top, the
// CMS of every signature and document time-stamp, the DSS, and inspect.
#include <memory>

#include "fuzz_common.hpp"
#include "pdf/pades_verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        const auto file = std::make_shared<const core::Bytes>(fuzz::bytes(data, size));
        for (const auto& f : pdf::pades_facts(file, "fuzz"))
            validation::evaluate(f, fuzz::context(), *fuzz::context().validation_time);
    });
    fuzz::rejecting_errors([&] {
        pdf::pades_inspect(std::make_shared<const core::Bytes>(fuzz::bytes(data, size)), "fuzz");
    });
    return 0;
}
