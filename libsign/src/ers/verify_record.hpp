// Evidence records (RFC 4998 5.3, RFC 6283 5.3) against their data objects: the facts a record
// gives, for the judge in validation/evidence.hpp.
#pragma once

#include <optional>
#include <string>

#include "ers/record.hpp"
#include "ltsign/report.hpp"
#include "ltsign/verify.hpp"
#include "validation/data_object.hpp"
#include "validation/evidence.hpp"

namespace ltsign::ers {

// Per chain and time-stamp: whether each data object's hash leads to the time-stamp's imprint,
// in which hash orders, and the token's facts. Error(malformed_input) for a record whose
// hash-tree renewals would cost far more work than its size justifies, or whose token cannot be
// read where the tree leads straight to its imprint.
validation::EvidenceRecordFacts record_facts(const EvidenceRecord& record,
                                             const validation::DataObjects& objects);

// The record's report: record_facts judged by validation::judge_evidence_record.
SignatureReport verify_record(const EvidenceRecord& record, const validation::DataObjects& objects,
                              const ValidationContext& context, TimePoint at);

// RFC 6283 3.2.1 (XML records): an XML document is hashed in canonical form by the chain's
// CanonicalizationMethod. nullopt when the object is not a parseable XML file. Computed once per
// object, algorithm and method.
std::optional<Bytes> canonical_digest(const validation::DataObject& object, const EVP_MD* md,
                                      const std::string& c14n);

}  // namespace ltsign::ers
