// Archive ingest: validate a whole delivery once and keep signed proof of the result (a receipt,
// RFC 9321 signature validation tokens), then seal the delivery with evidence records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ltsign/evidence.hpp"
#include "ltsign/report.hpp"
#include "ltsign/signer.hpp"
#include "ltsign/time.hpp"
#include "ltsign/timestamp.hpp"
#include "ltsign/verify.hpp"

namespace ltsign {

// What a delivery must hold to be accepted: anything (any), a signature on every document
// (signed), or a signature on every document and every signature TOTAL_PASSED (valid). With
// signed and valid, a package whose METS does not match its files is refused too.
enum class IngestRequirement { any, signed_documents, valid };
std::string_view to_string(IngestRequirement requirement) noexcept;  // "any", "signed", "valid"

// How the delivery is sealed: one evidence record per file (what ltsign seal writes), or, for a
// delivery folder, one record for the whole package with its files as one data group (RFC 4998
// 4.2; what seal --group writes: records/NAME.ers for the folder NAME, which verify takes with
// --data NAME and which holds only when every file is there unchanged). The receipt, receipt.json
// and the tokens get a record each either way. A .zip or .tar delivery is one file: one record.
enum class IngestSeal { per_file, package };
std::string_view to_string(IngestSeal seal) noexcept;  // "per-file", "package"

struct IngestOptions {
    TsaClient tsa;  // the seal's time-stamp: the one request an ingest makes
    IngestRequirement require = IngestRequirement::valid;
    IngestSeal seal = IngestSeal::per_file;
    // The SVTs' issuer (RFC 9321 "iss", a URI); empty: the archive certificate named by its
    // SHA-256 as an RFC 6920 URI (ni:///sha-256;...).
    std::string issuer;
    // When the receipt is signed and the tokens issued; empty: the system clock (tests pass a
    // fixed time, as SignOptions::signing_time).
    std::optional<TimePoint> issued_at;
    // Progress, for a terminal: (stage, done, total) after each step of a stage ("checksums",
    // "signatures", "sealing").
    std::function<void(const std::string&, std::size_t, std::size_t)> progress{};
};

// A METS file or metadata reference (E-ARK CSIP fileSec file / mdRef) checked against its
// CHECKSUM and CHECKSUMTYPE (CSIP 29/30, 43/44, 56/57, 71/72).
struct PackageProblem {
    enum class Kind {
        checksum_mismatch,  // the file's digest is not the CHECKSUM listed
        missing,            // listed, not in the package
        unlisted,           // in the package, listed nowhere
        weak_checksum,      // SHA-1 or MD5: checked, but proves little against a forger
        no_checksum,        // listed without CHECKSUM/CHECKSUMTYPE, or a type ltsign cannot compute
        bad_reference,      // an href that leaves the package or is not a relative path
    };
    Kind kind = Kind::missing;
    std::string path;    // relative to the package root, '/' between folders
    std::string detail;  // what was listed and found
};
std::string_view to_string(PackageProblem::Kind kind) noexcept;  // "checksum-mismatch", ...

struct PackageCheck {
    bool is_package = false;   // METS.xml at the delivery's root
    std::string container;     // "folder", "zip" or "tar"
    std::string mets_id;       // the root METS's OBJID
    std::size_t listed = 0;    // files and metadata references listed
    std::size_t verified = 0;  // of them, present with a matching SHA-2 checksum
    std::vector<PackageProblem> problems;
    // Problems that make a delivery incomplete or altered (weak checksums are noted, not counted).
    bool intact() const;
};

struct IngestResult {
    BatchReport report;  // every signature file, paths relative to the delivery
    PackageCheck package;
    std::vector<std::string> unsigned_files;  // files no signature covers (relative paths)
    std::vector<std::string> exempt_files;    // among them, package metadata (METS, schemas)
    IngestRequirement require = IngestRequirement::valid;
    IngestSeal seal = IngestSeal::per_file;
    bool accepted = false;
    std::string decision;  // why accepted or refused, one sentence
    std::filesystem::path out;
    std::filesystem::path receipt_xml, receipt_json;
    std::vector<std::filesystem::path> tokens;  // the .svt files written
    std::size_t token_count = 0;                // SVTs (one per signature validated)
    std::vector<std::filesystem::path> records;
    TimePoint sealed_at{};
};

// Ingests `delivery` (a folder, a folder with METS.xml at its root, or a .zip/.tar of one) into
// the folder `out`, which must not exist or be empty: verifies every signature (the verify
// operation's discovery and pairing), checks a package's METS checksums and lists missing and
// unlisted files, writes receipt.json and receipt.xml (the ETSI TS 119 102-2 report, signed by
// `archive` as enveloped XAdES B-B, binding receipt.json by its digest), one RFC 9321 SVT per
// signature (svt/<signature file>.svt, one JWT a line) and evidence records over the delivery,
// the receipt and the tokens under one time-stamp (records/; records/receipt.xml.ers is the
// receipt's proof of existence, which verify finds beside it): one TSA request per delivery.
// Everything is made in a private staging folder beside `out` and renamed into place at the end:
// `out` holds all of it or nothing. The delivery is never changed. Error(malformed_input) for a
// METS or archive that cannot be read, Error(input_missing) for a delivery that is not there,
// Error(cannot_create_output) when `out` exists and is not empty, Error(service_unavailable)
// when the TSA fails, Error(key_refused) for a key that cannot sign SVTs (RSA, EC P-256).
IngestResult ingest(const std::filesystem::path& delivery, const std::filesystem::path& out,
                    const Signer& archive, const ValidationContext& context,
                    const IngestOptions& options);

// The JSON of an ingest result (the receipt's content; schemas/ingest-receipt.schema.json).
std::string to_json(const IngestResult& result);

}  // namespace ltsign
