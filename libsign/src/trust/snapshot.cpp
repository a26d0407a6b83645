// ltsign trust fetch: the LOTL (or one list) and the lists it points to, judged, written as a
// snapshot in one step; and the snapshot read back.
#include "trust/snapshot.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "ltsign/trust.hpp"
#include "net/http_client.hpp"

namespace ltsign::trust {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uintmax_t k_max_list = 64u << 20;  // the largest national lists are a few MiB

std::string sha256_of(std::span<const unsigned char> bytes) {
    const auto d = crypto::digest_bytes(EVP_sha256(), bytes);
    return ossl::to_hex(d.data(), d.size());
}

std::string opt_time(const std::optional<TimePoint>& t) {
    return t ? format_rfc3339(*t) : std::string();
}

std::optional<TimePoint> time_from(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    return parse_rfc3339(j[key].get<std::string>());
}

json to_index(const TrustSnapshotInfo& s) {
    json lists = json::array();
    for (const auto& l : s.lists) lists.push_back(list_json(l));
    return {{"format", k_snapshot_format},
            {"fetchedAt", opt_time(s.fetched_at)},
            {"signers", "signers.pem"},
            {"lists", lists}};
}

TrustedListInfo list_from(const json& l) {
    TrustedListInfo i;
    i.url = l.at("url").get<std::string>();
    i.kind = l.at("kind").get<std::string>();
    i.territory = l.value("territory", "");
    i.file = l.value("file", "");
    i.sha256 = l.value("sha256", "");
    i.sequence_number = l.value("sequenceNumber", "");
    i.issued = time_from(l, "issued");
    i.next_update = time_from(l, "nextUpdate");
    i.signer = l.value("signer", "");
    i.used = l.value("used", false);
    i.problem = l.value("problem", "");  // untranslated: the index's JSON key
    if (i.file.find("..") != std::string::npos || (!i.file.empty() && i.file[0] == '/'))
        throw Error(Errc::malformed_input,
                    trf("a snapshot entry names the file \"{0}\" outside the snapshot", {i.file}));
    return i;
}

std::string random_hex() {
    unsigned char b[8];
    if (RAND_bytes(b, sizeof b) != 1) throw Error(Errc::internal, tr("no random bytes"));
    return ossl::to_hex(b, sizeof b);
}

std::string safe(const std::string& s) {
    std::string out;
    for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
    return out.substr(0, 32);
}

struct Fetched {
    TrustedListInfo info;
    core::Bytes bytes;
    ListVerdict verdict;
};

Fetched fetch_one(const std::string& url, const std::string& kind,
                  const std::vector<X509*>& signers, const net::HttpOptions& http, TimePoint at,
                  bool must_answer) {
    Fetched f;
    f.info.url = url;
    f.info.kind = kind;
    try {
        const auto r = net::get(url, http);
        if (r.status != 200) {
            throw Error(Errc::service_unavailable,
                        trf("{0}: the server answered HTTP {1}", {url, std::to_string(r.status)}));
        }
        f.bytes = r.body;
    } catch (const Error& e) {
        if (must_answer) throw;
        f.info.problem = trf("it could not be downloaded: {0}", {e.what()});
        return f;
    }
    f.info.sha256 = sha256_of(f.bytes);
    f.verdict = judge_list(f.bytes, url, signers, at, true);
    if (f.verdict.list) {
        f.info.territory = f.verdict.list->territory;
        f.info.sequence_number = f.verdict.list->sequence_number;
        f.info.issued = f.verdict.list->issued;
        f.info.next_update = f.verdict.list->next_update;
    }
    f.info.signer = f.verdict.signer;
    f.info.problem = f.verdict.problem;
    f.info.used = f.info.problem.empty();
    return f;
}

// TS 119 612 5.3.2: a list never goes back to a lower sequence number (a replayed old list).
void check_rollback(Fetched& f, const std::map<std::string, std::string>& previous) {
    const auto it = previous.find(f.info.url);
    if (!f.info.used || it == previous.end() || it->second.empty()) return;
    if (std::stoll(f.info.sequence_number) < std::stoll(it->second)) {
        f.info.used = false;
        f.info.problem =
            trf("its TSLSequenceNumber {0} is lower than the {1} of the snapshot it replaces: an "
                "older list was served",
                {f.info.sequence_number, it->second});
    }
}

std::map<std::string, std::string> previous_sequences(const fs::path& output) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    if (!fs::exists(output / "index.json", ec)) return out;
    try {
        for (const auto& l : read_snapshot_index(output).lists)
            if (l.used) out[l.url] = l.sequence_number;
    } catch (const Error&) {
        // An unreadable old snapshot gives no sequence numbers to compare with.
    }
    return out;
}

void write_snapshot(const fs::path& output, const std::vector<Fetched>& lists,
                    const core::Bytes& signers_pem, TrustSnapshotInfo& info) {
    std::error_code ec;
    if (fs::exists(output, ec) && !fs::exists(output / "index.json", ec)) {
        throw Error(Errc::cannot_create_output,
                    trf("{0} exists and is not a trusted-list snapshot; name a new folder or an "
                        "earlier snapshot to replace",
                        {output.string()}));
    }
    const fs::path parent = output.has_parent_path() ? output.parent_path() : fs::path(".");
    const fs::path staging = parent / ("." + output.filename().string() + ".tmp-" + random_hex());
    try {
        fs::create_directories(staging / "lists");
        for (const auto& f : lists) {
            if (f.bytes.empty()) continue;
            core::atomic_write(staging / f.info.file, f.bytes, false);
        }
        core::atomic_write(staging / "signers.pem", signers_pem, false);
        const std::string index = to_index(info).dump(2) + "\n";
        const core::Bytes index_bytes(index.begin(), index.end());
        info.digest = "sha256:" + sha256_of(index_bytes);
        core::atomic_write(staging / "index.json", index_bytes, false);
        const std::string digest = info.digest + "\n";
        core::atomic_write(staging / "digest", core::Bytes(digest.begin(), digest.end()), false);
        const fs::path old = parent / ("." + output.filename().string() + ".old-" + random_hex());
        const bool replace = fs::exists(output, ec);
        if (replace) fs::rename(output, old);
        fs::rename(staging, output);
        if (replace) fs::remove_all(old, ec);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(staging, ec);
        throw Error(Errc::cannot_create_output,
                    trf("cannot write the snapshot {0}: {1}", {output.string(), e.what()}));
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
}

std::vector<ossl::Ptr<X509>> load_signers(const fs::path& pem) {
    return ossl::load_certificates(pem);
}

std::vector<X509*> raw(const std::vector<ossl::Ptr<X509>>& v) {
    std::vector<X509*> out;
    for (const auto& c : v) out.push_back(c.get());
    return out;
}

bool points_to_xml_list(const Pointer& p) {
    if (p.list_type.find("listofthelists") != std::string::npos) return false;
    return p.mime_type.empty() || p.mime_type.find("xml") != std::string::npos;
}

}  // namespace

nlohmann::json list_json(const TrustedListInfo& l) {
    return {{"url", l.url},
            {"kind", l.kind},
            {"territory", l.territory},
            {"file", l.file},
            {"sha256", l.sha256},
            {"sequenceNumber", l.sequence_number},
            {"issued", opt_time(l.issued)},
            {"nextUpdate", opt_time(l.next_update)},
            {"signer", l.signer},
            {"used", l.used},
            {"problem", l.problem}};
}

std::string list_name(const TrustedListInfo& info) {
    const std::string what = info.kind == "lotl" ? "the list of trusted lists" : "the trusted list";
    return what + (info.territory.empty() ? "" : " of " + info.territory) + " (" + info.url + ")";
}

}  // namespace ltsign::trust

namespace ltsign {
using namespace trust;

TrustSnapshotInfo fetch_trusted_lists(const TrustFetchOptions& options) {
    const auto pinned = load_signers(options.signer);
    const core::Bytes pinned_pem = core::read_file(options.signer, 1u << 20);
    net::HttpOptions http;
    http.timeout = options.timeout;
    http.connect_timeout = std::min(options.timeout, http.connect_timeout);
    http.max_response = k_max_list;
    const TimePoint at = options.at.value_or(now_utc());
    const auto previous = previous_sequences(options.output);

    std::vector<Fetched> lists;
    lists.push_back(
        fetch_one(options.url, options.lotl ? "lotl" : "tl", raw(pinned), http, at, true));
    if (!lists[0].info.used) {
        throw Error(Errc::malformed_input,
                    trf("{0}: {1} is refused: {2}",
                        {options.url, list_name(lists[0].info), lists[0].info.problem}));
    }
    if (options.lotl) {
        for (const auto& p : lists[0].verdict.list->pointers) {
            if (!points_to_xml_list(p)) continue;
            lists.push_back(fetch_one(p.location, "tl", raw(p.signers), http, at, false));
            if (lists.back().info.territory.empty()) lists.back().info.territory = p.territory;
        }
    }
    TrustSnapshotInfo info;
    info.path = options.output;
    info.fetched_at = at;
    for (std::size_t i = 0; i < lists.size(); ++i) {
        check_rollback(lists[i], previous);
        auto& l = lists[i].info;
        if (!lists[i].bytes.empty()) {
            char n[8];
            std::snprintf(n, sizeof n, "%03zu", i);
            l.file = "lists/" + std::string(n) + "-" + safe(l.territory) + ".xml";
        }
        info.lists.push_back(l);
    }
    write_snapshot(options.output, lists, pinned_pem, info);
    return info;
}

TrustSnapshotInfo read_snapshot_index(const fs::path& snapshot) {
    std::error_code ec;
    if (!fs::is_regular_file(snapshot / "index.json", ec)) {
        throw Error(
            Errc::input_missing,
            trf("{0}: no trusted-list snapshot here (no index.json); make one with trust fetch",
                {snapshot.string()}));
    }
    const core::Bytes index = core::read_file(snapshot / "index.json", 16u << 20);
    const core::Bytes digest = core::read_file(snapshot / "digest", 1024);
    TrustSnapshotInfo info;
    info.path = snapshot;
    info.digest = "sha256:" + sha256_of(index);
    std::string recorded(digest.begin(), digest.end());
    while (!recorded.empty() && (recorded.back() == '\n' || recorded.back() == '\r'))
        recorded.pop_back();
    if (recorded != info.digest) {
        throw Error(Errc::malformed_input,
                    trf("{0}: the snapshot's index does not match its digest ({1} recorded, {2} "
                        "found): it was changed after it was fetched; fetch it again",
                        {snapshot.string(), recorded, info.digest}));
    }
    try {
        const json j = json::parse(index.begin(), index.end());
        if (j.value("format", "") != k_snapshot_format)
            throw Error(Errc::malformed_input,
                        trf("not a {0} index", {std::string(k_snapshot_format)}));
        info.fetched_at = time_from(j, "fetchedAt");
        for (const auto& l : j.at("lists")) info.lists.push_back(list_from(l));
    } catch (const json::exception& e) {
        throw Error(Errc::malformed_input,
                    trf("{0}: unreadable index.json: {1}", {snapshot.string(), e.what()}));
    }
    if (info.lists.empty())
        throw Error(Errc::malformed_input,
                    trf("{0}: the snapshot holds no list", {snapshot.string()}));
    return info;
}

}  // namespace ltsign

namespace ltsign::trust {

std::vector<JudgedList> judge_snapshot(const fs::path& snapshot, const TrustSnapshotInfo& index,
                                       TimePoint at) {
    const auto pinned = load_signers(snapshot / "signers.pem");
    std::vector<JudgedList> out;
    for (std::size_t i = 0; i < index.lists.size(); ++i) {
        JudgedList j;
        j.info = index.lists[i];
        const std::string recorded = j.info.problem;
        j.info.problem.clear();
        j.info.used = false;
        if (j.info.file.empty()) {
            j.info.problem = recorded.empty() ? tr("it was not fetched") : recorded;
            out.push_back(std::move(j));
            continue;
        }
        const core::Bytes bytes = core::read_file(snapshot / j.info.file, k_max_list);
        if (sha256_of(bytes) != j.info.sha256) {
            j.info.problem = trf("its file {0} differs from the list fetched", {j.info.file});
            out.push_back(std::move(j));
            continue;
        }
        std::vector<X509*> signers = raw(pinned);
        if (i > 0) {
            signers.clear();
            if (out[0].verdict.list) {
                for (const auto& p : out[0].verdict.list->pointers)
                    if (p.location == j.info.url) signers = raw(p.signers);
            }
        }
        j.verdict = judge_list(bytes, j.info.url, signers, at, false);
        j.info.problem = j.verdict.problem;
        // A list refused when it was fetched (a rolled-back sequence number) stays refused.
        if (j.info.problem.empty()) j.info.problem = recorded;
        if (i > 0 && j.info.problem.empty() && !out[0].info.used) {
            j.info.problem =
                trf("the list of trusted lists that names its signer is not used ({0})",
                    {out[0].info.problem});
        }
        j.info.used = j.info.problem.empty();
        j.info.signer = j.verdict.signer;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace ltsign::trust
