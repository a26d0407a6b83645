// Evidence records (RFC 4998 DER, RFC 6283 XML): seal a batch of documents with one time-stamp,
// and renew that proof for decades.
#pragma once

#include "ltsign/export.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ltsign/digest.hpp"
#include "ltsign/time.hpp"
#include "ltsign/timestamp.hpp"
#include "ltsign/verify.hpp"

namespace ltsign {

enum class RecordFormat { asn1, xml };

struct LTSIGN_API SealOptions {
    TsaClient tsa;
    DigestAlgorithm digest = DigestAlgorithm::sha256;
    RecordFormat format = RecordFormat::asn1;
    bool overwrite = false;  // replace existing records (atomically)
    unsigned threads = 0;    // hashing threads; 0: one per core
    // When set, the TSA's token is validated with this context and its validation data (the
    // TSA's certificates and the OCSP responses or CRLs that showed it unrevoked) is added to the
    // token, so that the records verify offline (RFC 4998 4.2); a token that does not validate is
    // refused (Error(service_unavailable)) and nothing is written.
    std::shared_ptr<const ValidationContext> validation;
    // Progress, for a terminal: `total` once, with the number of documents and their bytes,
    // before hashing; then `progress` after each document is hashed, with one and its size
    // (from any hashing thread: it must be thread-safe).
    std::function<void(std::size_t files, std::uint64_t bytes)> total{};
    std::function<void(std::size_t files, std::uint64_t bytes)> progress{};
    // Folders among the inputs whose files are sealed as one data group each (RFC 4998 4.2): one
    // record for the whole folder, `out_dir`/NAME.ers for the folder NAME, whose first hash list
    // holds the hashes of all its files. The manifest lists each file with that record; verify
    // takes the folder as the group (verify NAME.ers --data NAME). Error(usage) for one that is
    // not a folder or whose record would take another record's name.
    std::vector<std::filesystem::path> groups{};
};

struct LTSIGN_API SealedDocument {
    std::filesystem::path document;
    std::filesystem::path record;
    std::uintmax_t size = 0;
    std::string digest;  // hex, with SealOptions::digest
};

struct LTSIGN_API SealResult {
    std::vector<SealedDocument> documents;
    TimePoint time{};  // the time-stamp's genTime
    std::filesystem::path manifest;
    std::filesystem::path manifest_record;  // manifest.json.ers (.ers.xml): the manifest's proof
};

// Seals every file (folders are walked) with ONE time-stamp over a hash tree of all of them and
// writes one record per document to `out_dir`/<relative path>.ers (or .ers.xml), plus
// `out_dir`/manifest.json, which the same time-stamp covers through its own record
// `out_dir`/manifest.json.ers (.ers.xml), so that verify can check the delivery is complete.
// Files are hashed in parallel and streamed. Nothing is written unless every record can be made;
// records are written atomically. A document that would be recorded as manifest.json.ers (one
// named manifest.json at the top of a folder given) gives Error(usage).
// Records are named lexically (a linked document keeps its link's name) and never leave
// `out_dir`; `out_dir`, and records and a manifest found below it, are never inputs. Two inputs
// that would share a record give Error(usage), an unreadable link Error(input_missing), an output
// that is or lies below a symbolic link Error(cannot_create_output), all before anything is
// hashed or written.
LTSIGN_API SealResult seal(const std::vector<std::filesystem::path>& inputs,
                           const std::filesystem::path& out_dir, const SealOptions& options);

struct LTSIGN_API RenewOptions {
    TsaClient tsa;
    // Hash-tree renewal (RFC 4998 5.2): a new chain with this algorithm, over the documents
    // (`data`: files, or folders where NAME.ers finds NAME). Empty: time-stamp renewal.
    std::optional<DigestAlgorithm> new_digest;
    std::vector<std::filesystem::path> data;
    // As SealOptions::validation, for the new token; and first, in RFC 4998 (DER) records, the
    // last token of each record gets its validation data as it can be had now, before the new
    // time-stamp covers it (the renewal a long-term record needs before its TSA expires).
    std::shared_ptr<const ValidationContext> validation;
};

struct LTSIGN_API RenewResult {
    std::vector<std::filesystem::path> records;
    TimePoint time{};
};

// Renews every record given (folders are walked) with ONE new time-stamp: a time-stamp renewal
// hashes each record's last time-stamp; a hash-tree renewal rehashes the documents with the new
// algorithm together with all earlier chains. Records are replaced atomically, all or none.
LTSIGN_API RenewResult renew(const std::vector<std::filesystem::path>& records,
                             const RenewOptions& options);

}  // namespace ltsign
