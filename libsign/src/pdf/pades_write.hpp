// Writing PAdES (ETSI EN 319 142-1): signatures, document time-stamps and the DSS, each as one
// incremental update appended to the file (ISO 32000-2 7.5.6). The bytes before the update are
// never rewritten, so every earlier signature keeps the revision it covers; what a PDF/A file
// claims is kept (no object it depends on is touched, nothing PDF/A forbids is added: the new
// field is an invisible, printable widget, the new streams unfiltered binary).
#pragma once

#include <functional>
#include <span>
#include <string>

#include "cms/cades_timestamp.hpp"
#include "core/file_io.hpp"
#include "ltsign/sign.hpp"
#include "validation/model.hpp"

namespace ltsign::pdf {

// The CMS for /Contents (a SignedData, or a time-stamp token) made over the bytes the byte range
// covers.
using ContentsMaker = std::function<core::Bytes(std::span<const unsigned char> covered)>;

struct NewSignature {
    bool document_timestamp = false;  // /Type /DocTimeStamp, SubFilter ETSI.RFC3161
    TimePoint when{};                 // the signature dictionary's /M
    std::size_t reserve = 0;          // bytes reserved for /Contents
};

// The file with one more incremental update: a signature field on the first page (invisible) and
// its signature dictionary, /Contents filled with what `make` returns for the byte range. When
// that is larger than the room reserved, the update is laid out again with room for it and `make`
// is asked again. Error(malformed_input) when the PDF cannot be read.
core::Bytes append_signature(std::span<const unsigned char> pdf, const std::string& what,
                             const NewSignature& signature, const ContentsMaker& make);

// ---- The steps sign_pdf shares with two-phase signing.

// The file with one more incremental update as append_signature lays it out, /Contents all zeros
// with room for `signature.reserve` bytes: its first hex digit is at `contents`.
struct PreparedUpdate {
    core::Bytes file;
    std::size_t contents = 0;
    std::size_t reserve = 0;
};
PreparedUpdate prepare_update(std::span<const unsigned char> pdf, const std::string& what,
                              const NewSignature& signature);
// What the byte range covers: the file but /Contents with its angle brackets.
// Error(malformed_input) when `update` is not laid out so.
core::Bytes covered_bytes(const PreparedUpdate& update);
// The file with `cms` in /Contents; Error(internal) when it does not fit.
core::Bytes fill_contents(PreparedUpdate update, std::span<const unsigned char> cms);
// The room /Contents needs for a signature by `signer` with `options` (B, or T with a time-stamp of
// the usual size), found without a key operation.
std::size_t contents_reserve(const Signer& signer, const SignOptions& options,
                             const std::string& what);

// The file with one more incremental update adding `data` to the DSS (EN 319 142-1 5.4.2, made
// when missing): each certificate, CRL and OCSP response not there yet as a stream, and a VRI
// entry for each signature naming them.
core::Bytes append_validation_data(std::span<const unsigned char> pdf, const std::string& what,
                                   const validation::ValidationData& data);

// PAdES B-B or B-T (EN 319 142-1 6.3): an ETSI.CAdES.detached signature with signing-certificate-
// v2 and no signing-time attribute, its signature-time-stamp at level T.
core::Bytes sign_pdf(std::span<const unsigned char> pdf, const std::string& what,
                     const Signer& signer, const SignOptions& options,
                     const cms::TokenSource& tokens);

// A document time-stamp (ETSI.RFC3161) over the whole file as it is.
core::Bytes timestamp_pdf(std::span<const unsigned char> pdf, const std::string& what,
                          const EVP_MD* md, const cms::TokenSource& tokens);

}  // namespace ltsign::pdf
