// What changed in a PDF after a revision was signed (ISO 32000-2 12.8.2.2, DocMDP; EN 319 142-1
// 5.4): each later incremental update is compared, object by object as the document shows them,
// with the signed revision. Changes the signature permits are listed; anything else means the
// document as shown is not the document that was signed.
#pragma once

#include <string>
#include <vector>

#include "pdf/pdf_file.hpp"

namespace ltsign::pdf {

struct Change {
    enum class Kind {
        allowed,    // permitted after signing: DSS, document time-stamps, signatures, form
                    // filling and annotations as the DocMDP permission allows, metadata
        undefined,  // anything else: what the document shows may differ from what was signed
        pages,      // pages added or removed
    };
    Kind kind = Kind::undefined;
    std::string what;  // "a signature was added in field Signature2", "page 3's content changed"
};

// The changes from `signed_revision` to `current` (the same file, later), judged against the
// DocMDP permission `permission` (0: no certification signature: further signatures and
// annotations are permitted, form filling is not).
std::vector<Change> changes_after(Document& signed_revision, Document& current, int permission);

}  // namespace ltsign::pdf
