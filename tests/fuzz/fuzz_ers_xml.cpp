// RFC 6283 records: parse, schema-check, canonical forms, verification walk.
#include "ers/verify_record.hpp"
#include "ers/xml_record.hpp"
#include "fuzz_common.hpp"
#include "xml/xml_doc.hpp"

// Schemas are parsed once and kept: do it before libFuzzer starts counting allocations per input.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const std::string tiny = "<EvidenceRecord xmlns='urn:ietf:params:xml:ns:ers' Version='1.0'/>";
    auto doc = ltsign::xml::parse(
        std::span(reinterpret_cast<const unsigned char*>(tiny.data()), tiny.size()), "init");
    ltsign::xml::validate(doc.get(), "rfc6283_ers.xsd");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        const auto record = ers::decode_xml(std::span(data, size), "fuzz");
        const validation::DataObjects objects{
            validation::DataObject::from_digests("document", {{NID_sha256, ers::Bytes(32, 0xab)}})};
        ers::verify_record(record, objects, fuzz::context(), *fuzz::context().validation_time);
    });
    return 0;
}
