// The verdict model: ETSI EN 319 102-1 indications and sub-indications, spelled as in the
// standard, and the codes that say what a report holds and notes.
#pragma once

#include "ltsign/export.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ltsign {

enum class Indication { total_passed, total_failed, indeterminate };

enum class SubIndication {
    none,
    // TOTAL_FAILED (EN 319 102-1 table 5)
    format_failure,
    hash_failure,
    sig_crypto_failure,
    revoked,
    sig_constraints_failure,
    // INDETERMINATE (EN 319 102-1 table 6)
    signed_data_not_found,
    no_signing_certificate_found,
    no_certificate_chain_found,
    certificate_chain_general_failure,
    chain_constraints_failure,
    revoked_no_poe,
    revoked_ca_no_poe,
    out_of_bounds_no_poe,
    out_of_bounds_not_revoked,
    expired,
    not_yet_valid,
    crypto_constraints_failure,
    crypto_constraints_failure_no_poe,
    timestamp_order_failure,
    try_later,
    no_poe,
    policy_processing_error,
    generic,
};

LTSIGN_API std::string_view to_string(Indication indication) noexcept;
LTSIGN_API std::string_view to_string(SubIndication sub) noexcept;  // "" for none
LTSIGN_API std::optional<Indication> indication_from_string(std::string_view text) noexcept;
LTSIGN_API std::optional<SubIndication> sub_indication_from_string(std::string_view text) noexcept;

// Orders verdicts from best to worst: TOTAL_PASSED < INDETERMINATE < TOTAL_FAILED.
LTSIGN_API int severity(Indication indication) noexcept;

// What an entry of a report is: a signature, an RFC 3161 time-stamp, or an evidence record.
// archive_timestamp: a time-stamp over the signature and its validation data (CAdES
// archive-time-stamp-v3, XAdES ArchiveTimeStamp), listed among a signature's time-stamps.
enum class EntryType { signature, timestamp, evidence_record, archive_timestamp };
// "signature", "timestamp", "evidence-record", "archive-timestamp"
LTSIGN_API std::string_view to_string(EntryType type) noexcept;

// What a file holds, as the format registry read it; unknown when it could not be read.
// pades: a PDF with its signatures and document time-stamps (EN 319 142-1); asic_e, asic_s: an ASiC
// container (EN 319 162-1); its signatures keep their own formats.
enum class FileFormat {
    unknown,
    cades,
    timestamp_token,
    xades,
    xmldsig,
    ers_asn1,
    ers_xml,
    pades,
    asic_e,
    asic_s,
    svt,  // RFC 9321 signature validation tokens (ltsign ingest): one JWT a line
};
LTSIGN_API std::string_view to_string(
    FileFormat format) noexcept;  // "cades", "tst", ..., "" for unknown

// How a signature is built: an ETSI baseline level (EN 319 122-1, EN 319 132-1), the older
// XAdES name of a signature that is no baseline one (TS 101 903), or what it is without either.
enum class SignatureLevel {
    none,  // time-stamps and evidence records have no level
    cms,   // CMS without CAdES baseline attributes
    xmldsig,
    b_b,
    b_t,
    b_lt,
    b_lta,
    xades_bes,
    xades_t,
    xades_x_l,
    xades_a,
    xades_without_signing_certificate,
};
LTSIGN_API std::string_view to_string(
    SignatureLevel level) noexcept;  // "B-B", "XAdES-T", "CMS", ...

// A certificate's revocation status as the report gives it: unavailable when no source answered,
// unpublished when the certificate names none.
enum class RevocationStatus { good, revoked, unknown, unavailable, unpublished };
LTSIGN_API std::string_view to_string(RevocationStatus status) noexcept;  // "good", "revoked", ...

// Stable codes for what a report notes besides its verdict (DESIGN.md, Verdicts): programs match
// the code, people read the text made beside it. A code is never renamed or reused; new ones are
// added at the end.
enum class NoteCode {
    not_checked,                      // a part this version does not verify, left unused
    not_baseline,                     // no ETSI baseline signature; the level says what it is
    no_signed_attributes,             // CMS signing the content directly
    signing_certificate_supplied,     // the signer's or TSA's certificate came from outside
    signing_certificate_not_bound,    // no signed reference to the signing certificate
    timestamp_info,                   // a token's TSA policy, serial, accuracy
    timestamp_token_only,             // the file is a lone token: proof of existence, not a signer
    timestamp_not_confirmed,          // a signature time-stamp that proves nothing
    poe_used,                         // the proof of existence the verdict relied on
    past_chain_valid,                 // an expired chain judged at the proof of existence
    issuer_fetched,                   // an intermediate fetched from authorityInfoAccess
    unchecked_certificate,            // a carried certificate nobody needed or could check
    revocation_good,                  // a certificate's revocation status, and its source
    revoked_after_poe,                // revoked after the signature is proven to have existed
    revocation_not_checked,           // a certificate that publishes no revocation source
    revocation_data_not_used,         // carried revocation data this version does not read
    schema_not_performed,             // no standard schemas installed
    properties_target_mismatch,       // XAdES QualifyingProperties naming another signature
    reference_whole_document,         // a reference without URI taken as the whole document
    manifest_references_not_checked,  // ds:Manifest references left to the application
    partly_signed,                    // transforms sign only part of the referenced data
    document_is_carried_content,      // the document given is the content the signature carries
    document_name_differs,            // a detached document used under another name
    signature_required,               // a signature was required; the file holds none
    record_summary,                   // an evidence record's chains and time-stamps
    record_reading,                   // the RFC 4998 reading a reduced hash tree needs
    record_hash_order,                // the hash-tree renewal join a record needs
    record_canonical_only,            // an XML document matches a record only canonicalised
    record_later_stamps_ignored,      // archive time-stamps after the validation time
    evidence_record_not_verified,     // a record kept with a signature that proves nothing
    pdf_revision,                     // the PDF revision a signature covers
    pdf_changes,                      // changes after a PDF signature that it permits
    pdf_a,                            // the PDF claims PDF/A conformance
    container_layout,                 // an ASiC container departs from EN 319 162-1 A.1
    entry_not_covered,                // a container entry no signature, time-stamp or record covers
    ingest_recorded,  // what an ingest receipt or SVT records about the validation on receipt
};
LTSIGN_API std::string_view to_string(NoteCode code) noexcept;  // "not_checked", "poe_used", ...

struct LTSIGN_API Note {
    NoteCode code = NoteCode::not_checked;
    std::string text;  // the sentence for people, in English

    bool operator==(const Note&) const = default;
};

}  // namespace ltsign
