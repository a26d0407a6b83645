// Trust anchors with terms (trusted lists, trust configuration): which count for a chain at the
// times that matter, what the anchor that closed a chain supports, and why none did.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "validation/model.hpp"

namespace ltsign::validation {

// Whether an anchor with `terms` (nullptr: none, anchors anything) counts under `query`.
bool admits(const detail::AnchorTerms* terms, const AnchorQuery& query);
std::vector<X509*> admitted_anchors(const detail::TrustStoreImpl& trust, const AnchorQuery& query);

// QES / AdESQC / AdES for a signature whose chain ends at a trusted-list anchor (the target's QC
// statements, the service type and the list's qualifiers); QTST / TST for a time-stamp; empty
// for other anchors.
std::string qualification_of(const detail::AnchorTerms& terms, X509* target, bool timestamp);

// What the report says of `anchor` (the top of a chain that passed) for `target`.
std::optional<AnchorUse> anchor_use(const detail::TrustStoreImpl& trust, X509* anchor, X509* target,
                                    const AnchorQuery& query);

// A chain found no admitted anchor: the sentence that says which anchor it leads to and why that
// one does not count, or which unused trusted list it would have needed; nullopt when neither.
std::optional<std::string> why_no_anchor(X509* cert, const std::vector<ossl::Ptr<X509>>& untrusted,
                                         const detail::TrustStoreImpl& trust, TimePoint at,
                                         const AnchorQuery& query);

}  // namespace ltsign::validation
