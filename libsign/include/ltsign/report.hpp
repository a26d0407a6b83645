// Verification results: values carrying ETSI indications and an explanation a person can read.
#pragma once

#include "ltsign/export.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "ltsign/error.hpp"
#include "ltsign/time.hpp"
#include "ltsign/verdict.hpp"

namespace ltsign {

struct LTSIGN_API CertificateInfo {
    std::string subject;
    std::string issuer;
    std::string serial;  // hex
    TimePoint not_before{};
    TimePoint not_after{};
    std::string sha256;  // hex fingerprint of the DER
    std::vector<std::byte> der;
};

// Where the revocation data that decided came from.
enum class RevocationKind {
    none,            // nothing answered (status unavailable or unpublished)
    ocsp,            // an OCSP responder (RFC 6960); location: its URL
    crl_file,        // a CRL given to the verification; location: the file
    crl_embedded,    // a CRL the signature carries; no location
    crl_downloaded,  // a CRL from a distribution point (RFC 5280 4.2.1.13); location: its URL
    crl_cached,      // the cached copy of a distribution point's CRL, when it did not answer
    ocsp_embedded,   // an OCSP response the signature carries (B-LT validation data)
    ocsp_cached,     // the cached copy of a responder's earlier answer, when it did not answer
};

inline bool is_ocsp(RevocationKind kind) {
    return kind == RevocationKind::ocsp || kind == RevocationKind::ocsp_embedded ||
           kind == RevocationKind::ocsp_cached;
}

struct LTSIGN_API RevocationInfo {
    std::string certificate;  // subject
    RevocationStatus status = RevocationStatus::unavailable;
    // What decided, as a sentence's words ("OCSP http://...", "CRL file ...", ...); the same is
    // in `kind` and `location`, which is what programs read.
    std::string source;
    std::optional<TimePoint> revoked_at;
    std::string detail;
    RevocationKind kind = RevocationKind::none;
    std::string location;  // URL or file; empty for none and the embedded kinds
    // The OCSP response or CRL that decided, DER: what extending a signature to B-LT embeds.
    std::vector<std::byte> evidence;
};

// One thing a signature signs, as its reference names it and as ltsign resolved it: what the
// report calls signed is exactly what was digested.
struct LTSIGN_API SignedDataObject {
    std::string uri;        // the reference's URI ("" for the whole document)
    std::string target;     // what it resolved to: "element ds:Object Id=o-1", "file a.pdf", ...
    std::string mime_type;  // from the signed DataObjectFormat, when given
};

// One algorithm the verdict relies on, as the algorithm policy (ETSI TS 119 312) judged it.
struct LTSIGN_API AlgorithmInfo {
    std::string purpose;    // what it protects: "signed data digest", "certificate of CN=...", ...
    std::string algorithm;  // policy name: "sha256", "rsa-2048", "ec-256", ...
    std::optional<TimePoint> acceptable_until;  // the policy's end date; empty: no end known
    TimePoint judged_at{};                      // when it had to be acceptable (the POE)
    bool acceptable = true;
};

// The trust anchor that closed a chain, and what it was trusted for (ETSI TS 119 612 trusted
// lists, TS 119 615 for the status that mattered).
struct LTSIGN_API AnchorUse {
    std::string source;   // "trusted-list", "trust-config" or "trust-file" (--trust)
    std::string label;    // the configuration's label; a service's or certificate's name otherwise
    std::string tsp;      // trusted lists: the trust service provider's name
    std::string service;  // trusted lists: the service's name
    std::string service_type;  // TS 119 612 service type URI (".../Svctype/CA/QC", ...)
    std::string status;        // status URI in force at the time that mattered
    std::string territory;     // the list's scheme territory ("SE", "EE", ...)
    std::string list_url;      // the trusted list that names the service
    // QES, AdESQC or AdES for signatures (as far as the list and the certificate tell: the QC
    // statements, a CA/QC service, its qualifiers); QTST or TST for time-stamps; empty when the
    // anchor is not from a trusted list.
    std::string qualification;
    std::string certificate_sha256;    // the anchor certificate
    std::vector<TimePoint> judged_at;  // the times its status was judged at
};

// One list of a trusted-list snapshot (ltsign trust fetch), as its index records it.
struct LTSIGN_API TrustedListInfo {
    std::string url;
    std::string territory;
    std::string kind;  // "lotl" or "tl"
    std::string file;  // inside the snapshot folder
    std::string sha256;
    std::string sequence_number;
    std::optional<TimePoint> issued;
    std::optional<TimePoint> next_update;
    std::string signer;  // subject of the certificate that signed it
    bool used = false;
    std::string problem;  // why it is not used; empty when used
};

// The snapshot verification used: cited by every report so a verdict can be reproduced.
struct LTSIGN_API TrustSnapshotInfo {
    std::filesystem::path path;
    std::string digest;  // "sha256:HEX" of its index
    std::optional<TimePoint> fetched_at;
    std::vector<TrustedListInfo> lists;
};

struct LTSIGN_API SignatureReport {
    EntryType type = EntryType::signature;
    Indication indication = Indication::indeterminate;
    SubIndication sub_indication = SubIndication::none;
    SignatureLevel level = SignatureLevel::none;
    std::string signer;  // subject of the signing certificate, empty when not identified
    std::optional<TimePoint> signing_time;  // claimed by the signer (not proven)
    std::optional<TimePoint>
        best_signature_time;  // earliest proven existence, else validation time
    std::vector<SignatureReport> timestamps;
    std::string explanation;  // one sentence: why this verdict
    std::vector<Note> notes;  // what was not checked, and other facts worth knowing
    std::string digest_algorithm;
    std::string signature_algorithm;
    std::vector<CertificateInfo> chain;         // signing certificate first
    std::vector<RevocationInfo> revocation;     // per certificate of the chain below the anchor
    std::vector<SignedDataObject> signed_data;  // XML signatures: each signed reference
    std::vector<AlgorithmInfo> algorithms;      // every algorithm judged by the policy
    std::optional<AnchorUse> anchored_by;       // the anchor of the chain, when it passed
    // Renewal planning (signatures with time-stamps, evidence records): the proof rests on the
    // latest time-stamp, which must be renewed (extend --level LTA, renew) before renew_by, the
    // earliest of its TSA certificate's expiry and the policy's end for its algorithms;
    // renewing is useful from renew_from on, once revocation data issued after that
    // time-stamp can be had. Empty when nothing is time-stamped.
    std::optional<TimePoint> renew_by;
    std::optional<TimePoint> renew_from;
};

// A data object of an ASiC container (an entry outside META-INF) and what covers it.
struct LTSIGN_API ContainerEntry {
    std::string name;  // its path in the container
    std::uint64_t size = 0;
    std::vector<std::size_t> covered_by;  // indices into FileReport::signatures; empty: nothing
};

struct LTSIGN_API FileReport {
    std::filesystem::path path;
    std::optional<std::filesystem::path> data;  // the detached document used, if any
    std::string data_sha256;                    // its SHA-256 (hex), binding the report to it
    FileFormat format = FileFormat::unknown;    // unknown when unreadable
    Indication indication = Indication::indeterminate;
    SubIndication sub_indication = SubIndication::none;
    std::vector<SignatureReport> signatures;
    // An ASiC container (format asic-e, asic-s): its data objects, each with the signatures,
    // time-stamps and records that cover it. Empty for other files.
    std::vector<ContainerEntry> entries;
    // Set when the file could not be verified at all (missing, malformed): the error's code and
    // its one-line message. The indication is then TOTAL_FAILED/FORMAT_FAILURE for malformed
    // input and INDETERMINATE/SIGNED_DATA_NOT_FOUND for missing files.
    std::optional<Errc> error;
    std::string error_message;
};

struct LTSIGN_API Summary {
    int total = 0;
    int passed = 0;
    int failed = 0;
    int indeterminate = 0;
    // What the files hold: a time-stamp token or an evidence record proves that a document
    // existed, never who signed it, so they are counted apart from signatures.
    int signatures = 0;        // files holding at least one signature
    int timestamps = 0;        // files holding only a time-stamp token
    int evidence_records = 0;  // files holding only an evidence record
};

// A delivery sealed by ltsign seal, checked against its manifest.json: is everything it lists
// still there, unchanged, and nothing else beside it? Names are written as the manifest writes
// them (relative, '/' between folders, bytes that are not UTF-8 as \xNN).
struct LTSIGN_API DeliveryReport {
    std::filesystem::path manifest;                        // RECORDS/manifest.json
    std::optional<std::filesystem::path> manifest_record;  // RECORDS/manifest.json.ers, when there
    // The manifest's hash leads through its record to the delivery's time-stamp: it is as it
    // was sealed. Whether that time-stamp is trusted is the record's own verdict in `files`.
    bool manifest_protected = false;
    std::string problem;                 // why the manifest cannot be relied on; empty if it can
    std::optional<TimePoint> sealed_at;  // genTime of the delivery's time-stamp
    std::size_t documents = 0;           // entries the manifest lists
    bool documents_checked = false;      // a data folder was given, so documents were looked for
    std::vector<std::string> missing_documents;  // listed, not in the data folders
    std::vector<std::string> missing_records;    // listed, not in the records' folder
    // Present, but not the record sealed for the listed document: unreadable, under another
    // time-stamp, or not leading from the listed digest to the delivery's time-stamp.
    std::vector<std::string> changed_records;
    std::vector<std::string> unsealed_files;  // in a data folder, not listed
    std::vector<std::string> extra_records;   // records in the records' folder, not listed

    bool complete() const {
        return manifest_protected && problem.empty() && missing_documents.empty() &&
               missing_records.empty() && changed_records.empty() && unsealed_files.empty() &&
               extra_records.empty();
    }
};

// A service (OCSP responder, CRL server) that did not answer during a batch and was then not
// asked again: reported once, not once per signature.
struct LTSIGN_API SilentService {
    std::string service;  // scheme://host:port
    std::string reason;   // the first failure
    int requests_spared = 0;
};

// How a text report is told: everything (the default), only what did not pass, or only the
// summary and the list of what did not pass.
struct LTSIGN_API TextOptions {
    bool colour = false;
    bool only_problems = false;
    bool quiet = false;
};

struct LTSIGN_API BatchReport {
    std::vector<FileReport> files;  // in input order
    TimePoint validation_time{};
    // What the verdicts rest on, so that a report read years later says it: the policy (its
    // name and the SHA-256 of its effective table) and the trust anchors.
    std::string policy_name;
    std::string policy_sha256;
    std::vector<CertificateInfo> trust_anchors;  // without DER
    std::vector<SilentService> silent_services;
    // Sealed deliveries among the folders verified (check_deliveries); empty when none.
    std::vector<DeliveryReport> deliveries;
    // The trusted-list snapshot the anchors came from, when one was used.
    std::optional<TrustSnapshotInfo> trust_list;

    Summary summary() const;
    // For checks that need a signature of each document: every file that holds none (only a
    // time-stamp token or an evidence record) becomes TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE with
    // the reason, whatever its own verdict was.
    void require_signatures();
    std::string to_json() const;  // the DESIGN.md contract
    // The same JSON written as it is made: the files' entries on every core, a slice at a time,
    // so a batch of thousands never holds its whole report as one string.
    void write_json(std::ostream& out) const;
    std::string to_text(bool colour) const;
    std::string to_text(const TextOptions& options) const;
    // ETSI TS 119 102-2 validation report (XML, namespace http://uri.etsi.org/19102/v1.4.1#):
    // one SignatureValidationReport per signature, time-stamp-less record or token, and the
    // certificates, revocation sources and time-stamps as validation objects.
    std::string to_etsi_xml() const;
};

}  // namespace ltsign
