// The format registry: the one place that decides what a file is. Each format ltsign reads is one
// entry: how to recognise it, how to extract what the engine judges, how to show it, and (where
// it applies) how to extend it or read its evidence record. verify, inspect, extend, renew and the
// delivery check all go through it; a new format (ASiC, PDF) is one more entry.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_io.hpp"
#include "ers/record.hpp"
#include "ltsign/inspect.hpp"
#include "ltsign/timestamp.hpp"
#include "validation/data_object.hpp"
#include "validation/evidence.hpp"
#include "validation/model.hpp"

namespace ltsign::ops {

// A file as every entry sees it: read once, bounded by core::k_max_signature_file.
struct Input {
    std::filesystem::path path;
    std::string what;                          // how messages name it
    std::shared_ptr<const core::Bytes> bytes;  // shared: a DER record keeps views into it
    // A ZIP container (ASiC) is never read whole: `bytes` holds its first bytes only, and its
    // entry reads the archive from `path`, entry by entry.
    bool head_only = false;
};

// Reads `path` once (a ZIP container: its first bytes). Error(input_missing) if it cannot be
// read, Error(malformed_input) if empty.
Input read_input(const std::filesystem::path& path);

struct ContainerEvidence;  // ops/container.hpp

// What a file holds, extracted once against the data objects given, for the engine to judge.
struct Evidence {
    FileFormat format = FileFormat::unknown;
    std::vector<validation::SignatureFacts> signatures;     // signatures, or the one token
    bool timestamp_token = false;                           // the file is a lone RFC 3161 token
    std::optional<validation::EvidenceRecordFacts> record;  // the file is an evidence record
    // The file is a container: what it holds besides `signatures` (ops/container.hpp).
    std::shared_ptr<ContainerEvidence> container;
};

// Marks a sentence for the catalogue where it is written (xgettext's keyword N_) when it is
// translated later, with tr(), where it is used: a table's texts.
constexpr const char* N_(const char* english) {
    return english;
}

struct FormatEntry {
    std::string_view name;  // "cms", "xml-signature", "ers-asn1", ...
    // For messages, in English: "CMS/CAdES", "an RFC 3161 TimeStampResp", ...; marked N_ where the
    // table is written and translated with tr() where a message uses it.
    std::string_view description;
    bool (*sniff)(const Input&);  // cheap: looks at the bytes' start and shape only
    Evidence (*extract)(const Input&, const validation::DataObjects&);
    Inspection (*inspect)(const Input&);                    // null: nothing to show yet
    core::Bytes (*extend)(const Input&, const TsaClient&);  // null: cannot be extended
    ers::EvidenceRecord (*decode_record)(const Input&);     // null: holds no evidence record
    std::string_view extension;                             // of an extended file: ".p7s", ...
    // The long-term levels (null: not for this format): validation data added (B-LT), and an
    // archive time-stamp over the signature, its document and all it carries (B-LTA).
    core::Bytes (*add_validation_data)(const Input&, const validation::ValidationData&) = nullptr;
    core::Bytes (*add_archive_timestamp)(const Input&, const validation::DataObject* document,
                                         const TsaClient&) = nullptr;
    // An evidence record over the signature (and its document), embedded in it (E-ERS).
    core::Bytes (*add_evidence_record)(const Input&, const validation::DataObject* document,
                                       const TsaClient&) = nullptr;
};

// The verdict on a file already read, against `objects` (verify_file without reading the file;
// the evidence records beside it are consulted only when `records_beside`).
FileReport verify_input(const Input& input, const validation::DataObjects& objects,
                        const ValidationContext& context, TimePoint at, bool records_beside);

// Every format, in the order they are tried (the first whose sniff accepts decides).
std::span<const FormatEntry> formats();

// The entry for `input`. Error(malformed_input) naming what ltsign reads when none fits.
const FormatEntry& format_of(const Input& input);

// An evidence record file (RFC 4998 DER or RFC 6283 XML), decoded. Error(malformed_input) when
// the file holds something else or a broken record.
ers::EvidenceRecord read_record(const std::filesystem::path& path);
// Whether a file is named as an evidence record is: NAME.ers, NAME.ers.xml or NAME.er.
bool is_record_name(const std::filesystem::path& file);
ers::EvidenceRecord decode_record(const Input& input);

}  // namespace ltsign::ops
