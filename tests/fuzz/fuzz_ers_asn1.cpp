// RFC 4998 records: decode and walk the verification against a fixed document.
#include "ers/record.hpp"
#include "ers/verify_record.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        const auto record = ers::decode_der(std::span(data, size), "fuzz");
        ers::Bytes encoded = [&] {
            auto copy = record;
            return ers::encode_der(copy);
        }();
        const validation::DataObjects objects{
            validation::DataObject::from_digests("document", {{NID_sha256, ers::Bytes(32, 0xab)}})};
        ers::verify_record(record, objects, fuzz::context(), *fuzz::context().validation_time);
    });
    return 0;
}
