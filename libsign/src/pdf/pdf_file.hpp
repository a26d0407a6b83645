// Reading PDF files for PAdES (ETSI EN 319 142-1, ISO 32000-2 12.8): the file's revisions, its
// signature fields and document time-stamps, the Document Security Store (DSS) and what the
// file claims to be (PDF/A). qpdf parses; ltsign reads the byte offsets the signatures depend on
// itself, since a signature covers bytes, not objects.
#pragma once

#include "pdf/qpdf.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "validation/model.hpp"

namespace ltsign::pdf {

// A PDF as qpdf parses it: the whole file, or one revision of it (the bytes up to one %%EOF).
// The bytes must outlive the document. Error(malformed_input) when qpdf cannot read it, or when
// it is encrypted (a signed PDF's strings then need a password ltsign does not take).
class Document {
  public:
    Document(std::span<const unsigned char> bytes, const std::string& what);
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;
    ~Document();

    QPDF& qpdf() { return *m_qpdf; }
    // qpdf's warnings so far (each a defect it read past: a duplicated dictionary key, ...),
    // without the file name and offsets, so two parsings of one file can be compared.
    const std::vector<std::string>& warnings();
    // Constructs PDF readers resolve differently (and qpdf silently one way): an object number in
    // use with two generations, an object stream listing an object twice. Found when the file
    // is opened, which also decodes every object stream under a limit (a compression bomb is
    // refused before qpdf would expand it).
    const std::vector<std::string>& ambiguities() const { return m_ambiguities; }
    std::span<const unsigned char> bytes() const { return m_bytes; }
    const std::string& what() const { return m_what; }

  private:
    std::span<const unsigned char> m_bytes;
    std::string m_what;
    std::unique_ptr<QPDF> m_qpdf;
    std::vector<std::string> m_warnings;
    std::vector<std::string> m_ambiguities;
};

// A stream's data decoded, refused (Error(malformed_input)) past `limit` bytes: a small
// compressed stream can expand without bound.
core::Bytes decoded(QPDFObjectHandle stream, std::size_t limit, const std::string& what);

// Runs `body` turning qpdf's exceptions (a damaged object found while resolving it) into
// Error(malformed_input) naming `what`.
void guarded(const std::string& what, const std::function<void()>& body);

// A PDF string's text (UTF-8, from PDFDocEncoding or UTF-16); empty for anything else.
std::string text_of(QPDFObjectHandle o);

// Where each revision ends: just after each "%%EOF" and the end-of-line that follows it (CR, LF
// or CR LF), in file order. An incremental update is one more revision.
std::vector<std::size_t> revision_ends(std::span<const unsigned char> bytes);

// One signature dictionary a signature field holds: a signature or a document time-stamp.
struct SignatureField {
    std::string name;                 // the field's full name (the /T of it and its parents)
    QPDFObjGen object;                // the signature dictionary
    std::string sub_filter;           // "ETSI.CAdES.detached", "adbe.pkcs7.detached", ...
    bool document_timestamp = false;  // /Type /DocTimeStamp or SubFilter ETSI.RFC3161
    std::vector<long long> byte_range;
    core::Bytes contents;  // /Contents decoded, its zero padding included
    // Where the /Contents hex string lies in the file: from its '<' to just after its '>'.
    std::optional<std::pair<std::size_t, std::size_t>> contents_span;
    std::string signing_time;  // /M as written (PDF date), empty when absent
    std::string reason, location, signer_name;
    std::optional<std::string> problem;  // a defect of the dictionary itself (FORMAT_FAILURE)
};

// Every signature field with a value, in the order of the ends of their byte ranges (the order
// they were made). Fields are found through /AcroForm /Fields and their /Kids.
std::vector<SignatureField> signature_fields(Document& doc);

// The certification signature's DocMDP permission (1 no changes, 2 form filling and signing,
// 3 also annotations), 0 when the document has no certification signature.
int docmdp_permission(Document& doc);

// The DSS (EN 319 142-1 5.4.2): certificates, CRLs and OCSP responses, DER each, from /Certs,
// /CRLs, /OCSPs and every /VRI entry, each stream once.
validation::ValidationData dss_of(Document& doc);

// "PDF/A-2B" when the document's XMP metadata claims PDF/A (pdfaid:part and conformance).
std::optional<std::string> pdfa_claim(Document& doc);

}  // namespace ltsign::pdf
