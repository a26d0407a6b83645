// What a batch of verdicts adds up to: counts, the signature requirement, the exit status.
#include <algorithm>

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
             "a signature was required, but this file holds only " + kind +
                 ", which proves that the document existed, not who signed it"});
    }
}

Summary BatchReport::summary() const {
    Summary s;
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

int BatchReport::exit_code() const {
    bool missing = false, malformed = false, other_error = false;
    int worst = 0;
    for (const auto& d : deliveries) {
        if (!d.complete()) worst = 2;  // an incomplete delivery fails, whatever its files say
    }
    for (const auto& f : files) {
        if (f.error) {
            missing |= *f.error == Errc::input_missing;
            malformed |= *f.error == Errc::malformed_input;
            other_error |= *f.error != Errc::input_missing && *f.error != Errc::malformed_input;
        }
        worst = std::max(worst, severity(f.indication));
    }
    if (missing) return static_cast<int>(Errc::input_missing);
    if (malformed) return static_cast<int>(Errc::malformed_input);
    if (other_error) return static_cast<int>(Errc::io);
    return worst == 2 ? 1 : worst == 1 ? 2 : 0;
}

}  // namespace ltsign
