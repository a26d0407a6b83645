// ltsign trust show: what a snapshot's lists say, as text for people and JSON for programs.
#include <nlohmann/json.hpp>
#include <sstream>

#include "ltsign/trust.hpp"
#include "trust/snapshot.hpp"

namespace ltsign {
using nlohmann::json;

namespace {

std::string opt_time(const std::optional<TimePoint>& t) {
    return t ? format_rfc3339(*t) : std::string();
}

std::string last_segment(const std::string& uri) {
    const auto slash = uri.find_last_of('/');
    return slash == std::string::npos ? uri : uri.substr(slash + 1);
}

// "CA/QC" from ".../Svctype/CA/QC".
std::string short_type(const std::string& uri) {
    const std::string marker = "/Svctype/";
    const auto at = uri.find(marker);
    return at == std::string::npos ? uri : uri.substr(at + marker.size());
}

TrustServiceView view_of(const trust::Service& s) {
    TrustServiceView v;
    v.name = s.name;
    v.type = s.type;
    v.status = s.status;
    v.status_from = s.status_from;
    for (const auto& h : s.history) v.history.emplace_back(h.status, h.from);
    for (const auto& c : s.certificates) {
        v.certificates.push_back(ossl::name_to_string(X509_get_subject_name(c.get())));
        v.certificate_sha256.push_back(ossl::sha256_hex(c.get()));
    }
    return v;
}

}  // namespace

TrustSnapshotView describe_snapshot(const std::filesystem::path& snapshot) {
    TrustSnapshotView out;
    out.snapshot = read_snapshot_index(snapshot);
    // Described as of when it was fetched: whether each list was usable then.
    const TimePoint at = out.snapshot.fetched_at.value_or(now_utc());
    for (const auto& j : trust::judge_snapshot(snapshot, out.snapshot, at)) {
        TrustListView v;
        v.list = j.info;
        if (j.verdict.list) {
            for (const auto& p : j.verdict.list->providers) {
                TrustProviderView pv{p.name, {}};
                for (const auto& s : p.services) pv.services.push_back(view_of(s));
                v.providers.push_back(std::move(pv));
            }
            for (const auto& p : j.verdict.list->pointers) v.pointers.push_back(p.location);
        }
        out.lists.push_back(std::move(v));
    }
    return out;
}

std::string TrustSnapshotView::to_json() const {
    json lists = json::array();
    for (const auto& l : this->lists) {
        json providers = json::array();
        for (const auto& p : l.providers) {
            json services = json::array();
            for (const auto& s : p.services) {
                json history = json::array();
                for (const auto& [status, from] : s.history)
                    history.push_back({{"status", status}, {"from", format_rfc3339(from)}});
                services.push_back({{"name", s.name},
                                    {"type", s.type},
                                    {"status", s.status},
                                    {"statusFrom", format_rfc3339(s.status_from)},
                                    {"history", history},
                                    {"certificates", s.certificates},
                                    {"certificateSha256", s.certificate_sha256}});
            }
            providers.push_back({{"name", p.name}, {"services", services}});
        }
        json entry = trust::list_json(l.list);
        entry["providers"] = providers;
        entry["pointers"] = l.pointers;
        lists.push_back(entry);
    }
    const json out = {{"snapshot", snapshot.path.string()},
                      {"snapshotDigest", snapshot.digest},
                      {"fetchedAt", opt_time(snapshot.fetched_at)},
                      {"lists", lists}};
    return out.dump(2) + "\n";
}

std::string TrustSnapshotView::to_text() const {
    std::ostringstream o;
    o << "snapshot " << snapshot.path.string() << " (" << snapshot.digest << "), fetched "
      << opt_time(snapshot.fetched_at) << "\n";
    for (const auto& l : lists) {
        o << (l.list.used ? "USED     " : "REFUSED  ") << trust::list_name(l.list) << "\n";
        if (!l.list.used) o << "  why: " << l.list.problem << "\n";
        if (!l.list.sequence_number.empty()) {
            o << "  sequence " << l.list.sequence_number << ", issued " << opt_time(l.list.issued)
              << ", next update " << opt_time(l.list.next_update) << "\n";
        }
        for (const auto& p : l.providers) {
            o << "  TSP " << p.name << "\n";
            for (const auto& s : p.services) {
                o << "    " << short_type(s.type) << "  " << s.name << ": "
                  << last_segment(s.status) << " since " << format_rfc3339(s.status_from) << "\n";
                for (const auto& [status, from] : s.history) {
                    if (status == s.status && from == s.status_from) continue;
                    o << "      earlier: " << last_segment(status) << " from "
                      << format_rfc3339(from) << "\n";
                }
            }
        }
    }
    return o.str();
}

}  // namespace ltsign
