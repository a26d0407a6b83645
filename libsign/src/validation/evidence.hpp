// Evidence records (RFC 4998, RFC 6283) as facts: what the ers area reads from a record and its
// data objects, and the one judge that turns those facts, with each time-stamp's verdict from
// evaluate(), into the record's report. Verifying a record on its own and using a record kept
// beside a signature as its proof of existence both go through judge_evidence_record.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "validation/model.hpp"

namespace ltsign::validation {

// One way a data object's hash leads into the first time-stamp of a chain (into its first hash
// list, or to its imprint when it has no tree). After a hash-tree renewal the hash is joined
// with ha of the earlier chains first: RFC 4998 5.2 step 4 reads h(d) || ha, RFC 6283 4.2.2 the
// two sorted; which joins give this fit is what the caller's ErsHashOrder is checked against.
struct CoverageFit {
    bool sorted = true;      // the sorted join gives it (or there was no join)
    bool unsorted = true;    // h(d) || ha gives it (or there was no join)
    bool canonical = false;  // it starts from the hash of the canonical XML form (RFC 6283 3.2.1)
};

// A data object against the first time-stamp of a chain (RFC 4998 5.3 steps 1-2).
struct ObjectCoverage {
    std::string object;                 // its name
    std::optional<core::Bytes> digest;  // h(d) with the chain's algorithm; nullopt: not known
    std::vector<CoverageFit> fits;      // every way it leads into the time-stamp, in the order
                                        // tried (the plain hash first); empty: it does not
};

// One ArchiveTimeStamp.
struct ArchiveStampFacts {
    std::string where;     // "chain 1, time-stamp 2"
    bool renewal = false;  // a time-stamp renewal (not the first of its chain)
    // The first time-stamp of a chain: each data object given, in order.
    std::vector<ObjectCoverage> objects;
    // A time-stamp renewal that does not start from the time-stamp it renews (RFC 4998 5.3
    // step 3): why.
    std::optional<std::string> not_renewing;
    // RFC 4998 4.3 read two ways (see ers::JoinReading): the note for a tree that needs one.
    std::optional<Note> reading_note;
    // The token's facts, its imprint checked against the root the hash tree leads to from the
    // data objects in any hash order (or from the time-stamp it renews).
    SignatureFacts token;
    // The same token without a root, for when no fit is in an order the caller accepts: set only
    // when every fit needs one of the orders.
    std::optional<SignatureFacts> token_without_root;
    const EVP_MD* imprint_md = nullptr;  // the token's imprint algorithm; nullptr: unreadable
};

struct ArchiveChainFacts {
    const EVP_MD* md = nullptr;  // the chain's digest algorithm; nullptr: unknown (the last chain)
    // What RFC 4998 does not allow in it, in the order found (digestAlgorithm mismatches, ...).
    std::vector<std::string> format_problems;
    std::vector<ArchiveStampFacts> stamps;
};

// A record against its data objects. The chains end at the first broken link that no hash order
// can mend (a malformed token, a document or a time-stamp not covered, a failed imprint): later
// time-stamps are not worth a look, and a record of a million bogus stamps costs one.
struct EvidenceRecordFacts {
    std::size_t chain_count = 0;  // chains in the record
    bool objects_given = false;
    std::vector<ArchiveChainFacts> chains;
    std::vector<Note> notes;  // from reading the record, listed after the judge's own
};

// RFC 4998 5.3 / RFC 6283 5.3: one entry of type "evidence-record" with one time-stamp entry per
// ArchiveTimeStamp, oldest first. Each time-stamp is validated at the time of the next one (its
// proof of existence), the last one at `at`; those made after `at` are left out.
SignatureReport judge_evidence_record(const EvidenceRecordFacts& facts,
                                      const ValidationContext& context, TimePoint at);

}  // namespace ltsign::validation
