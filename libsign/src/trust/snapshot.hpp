// A trusted-list snapshot on disk (ltsign trust fetch): the lists as fetched, the pinned signer,
// an index and the index's digest; and the lists judged again when the snapshot is read.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "ltsign/report.hpp"
#include "trust/tsl.hpp"

namespace ltsign::trust {

inline constexpr const char* k_snapshot_format = "ltsign-trust-snapshot-1";

// One list of a snapshot judged at a time: its index entry (used, problem updated) and its
// content when it could be read.
struct JudgedList {
    TrustedListInfo info;
    ListVerdict verdict;
};

// Every list of the snapshot judged at `at`, the starting list first (with the pinned signer),
// each other with the signers its pointer in the starting list names. A list whose starting list
// is not used is not used either.
std::vector<JudgedList> judge_snapshot(const std::filesystem::path& snapshot,
                                       const TrustSnapshotInfo& index, TimePoint at);

// One list as the index writes it (trust show --json the same).
nlohmann::json list_json(const TrustedListInfo& info);

// "the trusted list of SE (https://...)".
std::string list_name(const TrustedListInfo& info);

}  // namespace ltsign::trust
