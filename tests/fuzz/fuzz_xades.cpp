// XML signatures: parse, resolve references, schema-check, xmlsec1 core validation, XAdES
// properties, signature time-stamps.
#include "fuzz_common.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"

// The XAdES schema set is compiled once and kept: do it before libFuzzer counts allocations.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const std::string tiny = "<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/>";
    auto doc = ltsign::xml::parse(
        std::span(reinterpret_cast<const unsigned char*>(tiny.data()), tiny.size()), "init");
    ltsign::xml::validate_xades(doc.get());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        auto found = xml::extract_facts(std::span(data, size), "fuzz", {});
        for (const auto& f : found.facts)
            validation::evaluate(f, fuzz::context(), *fuzz::context().validation_time);
        xml::inspect_xml(std::span(data, size), "fuzz");
    });
    return 0;
}
