// What a batch of verdicts adds up to: counts and the signature requirement.
#include <algorithm>

#include "ltsign/language.hpp"
#include "ltsign/report.hpp"

namespace ltsign {

namespace {

bool holds_signature(const FileReport& f) {
    return std::any_of(f.signatures.begin(), f.signatures.end(),
                       [](const SignatureReport& s) { return s.type == EntryType::signature; });
}

}  // namespace

void BatchReport::require_signatures() {
    for (auto& f : files) {
        if (f.error || holds_signature(f) || f.signatures.empty()) continue;
        const std::string kind = f.signatures.front().type == EntryType::timestamp
                                     ? "a time-stamp token"
                                     : "an evidence record";
        f.indication = Indication::total_failed;
        f.sub_indication = SubIndication::sig_constraints_failure;
        f.signatures.front().notes.push_back(
            {NoteCode::signature_required,
             trf("a signature was required, but this file holds only {0}, which proves that the "
                 "document existed, not who signed it",
                 {kind})});
    }
}

Summary BatchReport::summary() const {
    Summary s;
    s.total = static_cast<int>(files.size());
    for (const auto& f : files) {
        if (holds_signature(f)) {
            ++s.signatures;
        } else if (!f.signatures.empty()) {
            ++(f.signatures.front().type == EntryType::timestamp ? s.timestamps
                                                                 : s.evidence_records);
        }
        switch (f.indication) {
            case Indication::total_passed:
                ++s.passed;
                break;
            case Indication::total_failed:
                ++s.failed;
                break;
            case Indication::indeterminate:
                ++s.indeterminate;
                break;
        }
    }
    return s;
}

}  // namespace ltsign
