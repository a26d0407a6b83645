// EU trusted lists (ETSI TS 119 612): fetching them into a pinned snapshot that verification
// reads offline, and describing a snapshot. Loading a snapshot or a trust configuration into a
// TrustStore: TrustStore::add_trusted_lists, TrustStore::add_config (ltsign/verify.hpp).
#pragma once

#include "ltsign/export.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ltsign/report.hpp"
#include "ltsign/time.hpp"

namespace ltsign {

struct LTSIGN_API TrustFetchOptions {
    // The list to start from: the LOTL (whose pointers name every national list and its signers)
    // or a single trusted list, with the certificate(s) that must have signed it (PEM).
    std::string url;
    std::filesystem::path signer;
    bool lotl = true;
    std::filesystem::path output;  // the snapshot folder; an existing snapshot there is replaced
    std::chrono::milliseconds timeout{30000};  // per download
    std::optional<TimePoint> at;               // the time NextUpdate is judged against; empty: now
};

// Downloads the list and, for a LOTL, every trusted list (XML) it points to; judges each (schema,
// enveloped signature by a signer the pointing list names, sequence number not lower than in the
// snapshot being replaced, ListIssueDateTime <= now < NextUpdate) and writes the snapshot
// atomically: lists/ (each list as fetched, refused ones too), signers.pem (the pinned signer),
// index.json (per list: URL, territory, digest, sequence number, issue date, NextUpdate, signer,
// used or the problem) and digest (the SHA-256 of index.json). Error(service_unavailable) when the
// starting list cannot be downloaded, Error(malformed_input) when it is refused (nothing is
// written then), Error(cannot_create_output) when the snapshot cannot be written. Lists the
// starting list points to that are unreachable or refused are recorded as such.
LTSIGN_API TrustSnapshotInfo fetch_trusted_lists(const TrustFetchOptions& options);

// A snapshot read back: its index, its digest checked. Error(malformed_input) when the index does
// not match its digest or cannot be read, Error(input_missing) when there is no snapshot.
LTSIGN_API TrustSnapshotInfo read_snapshot_index(const std::filesystem::path& snapshot);

// What a snapshot's lists say (ltsign trust show): per list its territory and state, its trust
// service providers, their services with type, current status and status history.
struct LTSIGN_API TrustServiceView {
    std::string name;
    std::string type;  // URI
    std::string status;
    TimePoint status_from{};
    std::vector<std::pair<std::string, TimePoint>> history;  // status, from; oldest first
    std::vector<std::string> certificates;                   // subjects
    std::vector<std::string> certificate_sha256;
};
struct LTSIGN_API TrustProviderView {
    std::string name;
    std::vector<TrustServiceView> services;
};
struct LTSIGN_API TrustListView {
    TrustedListInfo list;
    std::vector<TrustProviderView> providers;
    std::vector<std::string> pointers;  // LOTL: the lists it points to
};
struct LTSIGN_API TrustSnapshotView {
    TrustSnapshotInfo snapshot;
    std::vector<TrustListView> lists;
    std::string to_json() const;
    std::string to_text() const;
};
LTSIGN_API TrustSnapshotView describe_snapshot(const std::filesystem::path& snapshot);

}  // namespace ltsign
