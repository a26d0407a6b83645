// ASiC containers (ETSI EN 319 162-1) as operations see them: the format registry's entry (facts
// of everything a container holds, each item with the entries it covers), the verdict over them,
// and making and changing containers (sign, time-stamp, extend, seal, add a signature). The
// container itself (ZIP, names, limits, manifests) is the asic area's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asic/container.hpp"
#include "ltsign/container.hpp"
#include "ltsign/sign.hpp"
#include "ops/formats.hpp"

namespace ltsign::ops {

// What one signature, time-stamp or record of a container is and covers.
struct ContainerItem {
    std::string entry;                // META-INF/... holding it
    std::vector<std::string> covers;  // the entries it covers (data objects, signatures, ...)
};

struct ContainerEvidence {
    FileFormat format = FileFormat::asic_e;
    std::vector<ContainerItem> signature_items;  // one per Evidence::signatures
    std::vector<validation::SignatureFacts> tokens;
    std::vector<ContainerItem> token_items;
    std::vector<validation::EvidenceRecordFacts> records;
    std::vector<ContainerItem> record_items;
    std::vector<Note> notes;              // the container's own (layout, entries nothing covers)
    std::vector<ContainerEntry> entries;  // the data objects, for the report
};

// The container's META-INF entries as an operation changes them before writing: replaced or new
// entries by name (a signature extended, a manifest added). Empty: as the archive has them.
using EntryOverrides = std::map<std::string, core::Bytes>;

bool is_zip(std::span<const unsigned char> head);
// The first bytes of `path` when it starts like a ZIP archive; nullptr otherwise (or unreadable:
// read_input then reports that).
std::shared_ptr<const core::Bytes> zip_head(const std::filesystem::path& path);

Evidence container_evidence(const Input& input);
Evidence container_evidence(const asic::Container& container, const EntryOverrides& overrides);
Inspection container_inspection(const Input& input);

// Two-phase signing of a new container (EN 319 162-1): the archive with every document and the
// signature entry `entry` holding the prepared signature (XAdES, or CAdES: in an ASiC-E over a
// new ASiCManifest), its value missing; what the signer signs. Checks as sign_container.
struct PreparedContainer {
    core::Bytes archive;
    std::string entry;
    core::Bytes signature;  // the prepared signature, as in the archive
    core::Bytes to_be_signed;
};
// The archive a pending file can hold: larger containers are signed in one step.
inline constexpr std::uintmax_t k_max_prepared_container = 256ull << 20;
PreparedContainer prepare_container(const std::vector<std::filesystem::path>& files,
                                    const Signer& signer, const SignOptions& options,
                                    const ContainerOptions& container);
// The archive with `entry` replaced by what `complete` makes of it given the container's
// documents; read back and verified as verify reads it (Error(internal) when it does not).
// Error(malformed_input) when `archive` is no container holding that entry.
using EntryCompletion = std::function<core::Bytes(const validation::DataObjects& documents)>;
core::Bytes complete_container(const core::Bytes& archive, const std::string& entry,
                               const EntryCompletion& complete);

// The verdict on a container's evidence: each signature (records beside the file considered when
// `beside`), each lone time-stamp and each record, with what it covers and the container's notes.
void judge_container(Evidence& evidence, const std::filesystem::path& file,
                     const ValidationContext& context, TimePoint at, FileReport& report);

// A file's verdict from its entries: the worst (the first of equally bad ones that names a
// reason). ops/verify.cpp.
void summarise(FileReport& report);

// extend's rules (ops/extend.cpp): why `before` may not be extended to `level` (empty: it may),
// and why a result's time-stamps do not validate (empty: they do).
std::string extend_refusal(Level level, const FileReport& before);
// Whether every signature of `before` is at `level` already (T, LT): extending is a no-op.
bool already_at(Level level, const FileReport& before);
std::string long_term_refusal_of(const FileReport& after);

}  // namespace ltsign::ops
