// Hardened XML parsing and canonicalisation of every element.
#include <libxml/tree.h>

#include "fuzz_common.hpp"
#include "xml/xml_doc.hpp"

namespace {
void walk(xmlDoc* doc, xmlNode* n, int& budget) {
    for (; n != nullptr && budget > 0; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        --budget;
        ltsign::xml::canonicalize(doc, n, ltsign::xml::k_c14n10);
        ltsign::xml::canonicalize(doc, n, "http://www.w3.org/2001/10/xml-exc-c14n#");
        walk(doc, n->children, budget);
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    fuzz::rejecting_errors([&] {
        auto doc = xml::parse(std::span(data, size), "fuzz");
        int budget = 64;
        walk(doc.get(), xmlDocGetRootElement(doc.get()), budget);
        xml::canonicalize_document(doc.get(), "http://www.w3.org/2006/12/xml-c14n11#WithComments");
    });
    return 0;
}
