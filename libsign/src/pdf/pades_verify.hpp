// PAdES verification (ETSI EN 319 142-1, ISO 32000-2 12.8): every signature and document
// time-stamp of a PDF as facts for the engine. Each one's byte range is checked against the
// file's structure first (it must cover exactly one revision but its own /Contents); its CMS goes
// to the CAdES reader; what changed after the revision it covers is compared object by object.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "ltsign/inspect.hpp"
#include "validation/model.hpp"

namespace ltsign::pdf {

// True when the bytes start like a PDF ("%PDF-" within the first 1024 bytes, ISO 32000-2 7.5.2).
bool looks_like_pdf(std::span<const unsigned char> bytes);

// The facts of every signature and document time-stamp, in the order they were made.
// Error(malformed_input) when the file is no PDF ltsign can read, or holds no signature.
std::vector<validation::SignatureFacts> pades_facts(std::shared_ptr<const core::Bytes> file,
                                                    const std::string& what);

// The signatures, time-stamps, revisions and DSS of the file, for `ltsign inspect`.
std::vector<InspectField> pades_inspect(std::shared_ptr<const core::Bytes> file,
                                        const std::string& what);

// Revision `n` (1 = the first) as it was when it was written: the bytes up to its end.
// Error(usage) when the file has no such revision.
core::Bytes revision(std::span<const unsigned char> file, const std::string& what, int n);

}  // namespace ltsign::pdf
