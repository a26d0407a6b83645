// The parts of an ingest that make its receipt: the decision under --require, the receipt's
// JSON, and the ETSI TS 119 102-2 report with the JSON bound into it.
#pragma once

#include <string>

#include "core/file_io.hpp"
#include "ltsign/ingest.hpp"
#include "ops/formats.hpp"

namespace ltsign::ops {

// Sets result.accepted and result.decision from what the result holds and `require`.
void decide(IngestResult& result, IngestRequirement require);

// The ETSI report of `result.report` with one more validation object: receipt.json, by its
// SHA-256 (so that the signature over the XML covers the JSON), and the decision in words.
core::Bytes etsi_receipt(const IngestResult& result, const core::Bytes& receipt_json);

// When `in` is an ingest receipt (receipt.xml): what it records, as a note on its signatures, and
// whether the receipt.json beside it is the one it binds (not: SIG_CONSTRAINTS_FAILURE, the JSON
// was changed after ingest). Nothing for other XML.
void note_receipt(const Input& in, std::vector<validation::SignatureFacts>& facts);

}  // namespace ltsign::ops
