// RFC 3161 tokens and TimeStampResp: slice, read, judge.
#include "cms/timestamp_token.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        auto b = fuzz::bytes(data, size);
        if (auto token = cms::token_from_response_bytes(b, "fuzz")) b = *token;
        const auto facts = cms::token_facts(b, {.data = validation::DataObject::from_bytes(
                                                    "data", core::Bytes{'d', 'a', 't', 'a'})});
        validation::evaluate(facts, fuzz::context(), *fuzz::context().validation_time);
    });
    return 0;
}
