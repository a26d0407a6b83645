// Trust anchors with terms: the services of a trusted-list snapshot, with their status history
// (TS 119 612 5.5.4, 5.6), and the named local anchors of a trust configuration. Both end up in
// the TrustStore the validation engine reads (validation/model.hpp, AnchorTerms).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "ltsign/language.hpp"
#include "ltsign/verify.hpp"
#include "trust/snapshot.hpp"
#include "validation/model.hpp"

namespace ltsign {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// [from, to) intervals in which the service's status was granted, from its history.
std::vector<detail::AnchorTerms::Period> granted_periods(const trust::Service& s) {
    std::vector<detail::AnchorTerms::Period> out;
    for (std::size_t i = 0; i < s.history.size(); ++i) {
        if (!trust::is_granted(s.history[i].status)) continue;
        std::optional<TimePoint> to;
        if (i + 1 < s.history.size()) to = s.history[i + 1].from;
        if (to && *to <= s.history[i].from) continue;
        out.push_back({s.history[i].from, to, s.history[i].status});
    }
    return out;
}

void add_service(detail::TrustStoreImpl& impl, const trust::Service& s, const std::string& tsp,
                 const TrustedListInfo& info) {
    const bool sig = trust::anchors_signatures(s.type);
    const bool ts = trust::anchors_timestamps(s.type);
    const bool ocsp = trust::anchors_revocation(s.type);
    if (!sig && !ts && !ocsp) return;
    detail::AnchorTerms terms;
    terms.for_signatures = sig;
    terms.for_timestamps = ts;
    terms.for_revocation = ocsp;
    for (const auto& h : s.history) terms.history.emplace_back(h.from, h.status);
    terms.always = false;
    terms.periods = granted_periods(s);
    terms.qualified_type = trust::is_qualified_type(s.type);
    for (const auto& q : s.qualifiers)
        terms.qualifiers.push_back({q.uri, q.policies, q.all_policies, q.other_criteria});
    terms.use.source = "trusted-list";
    terms.use.label = s.name;
    terms.use.tsp = tsp;
    terms.use.service = s.name;
    terms.use.service_type = s.type;
    terms.use.status = s.status;
    terms.use.territory = info.territory;
    terms.use.list_url = info.url;
    for (const auto& c : s.certificates) {
        impl.terms.resize(impl.anchors.size());  // anchors added before without terms
        impl.anchors.push_back(ossl::up_ref(c.get()));
        impl.terms.push_back(terms);
    }
}

std::vector<ossl::Ptr<X509>> service_certificates(const trust::TrustedList& list) {
    std::vector<ossl::Ptr<X509>> out;
    for (const auto& p : list.providers)
        for (const auto& s : p.services)
            if (trust::anchors_signatures(s.type) || trust::anchors_timestamps(s.type) ||
                trust::anchors_revocation(s.type))
                for (const auto& c : s.certificates) out.push_back(ossl::up_ref(c.get()));
    return out;
}

TimePoint config_time(const json& a, const char* key, const std::string& what) {
    const auto t = parse_rfc3339(a.at(key).get<std::string>());
    if (!t)
        throw Error(Errc::malformed_input, trf("{0}: {1} is not an RFC 3339 time", {what, key}));
    return *t;
}

void add_config_anchor(detail::TrustStoreImpl& impl, const json& a, const fs::path& base,
                       const std::string& what) {
    const std::string label = a.at("label").get<std::string>();
    const std::string entry = what + ": anchor \"" + label + "\"";
    // A misspelt limit ("validUtil") must not leave an anchor unlimited: unknown keys are errors.
    for (const auto& [key, value] : a.items()) {
        static const std::set<std::string> known = {"label", "certificate", "purposes", "validFrom",
                                                    "validUntil"};
        if (!known.contains(key)) {
            throw Error(Errc::malformed_input, trf("{0}: unknown key \"{1}\" (label, certificate, "
                                                   "purposes, validFrom, validUntil)",
                                                   {entry, key}));
        }
    }
    detail::AnchorTerms terms;
    terms.use.source = "trust-config";
    terms.use.label = label;
    if (a.contains("purposes")) {
        terms.for_signatures = terms.for_timestamps = terms.for_revocation = false;
        for (const auto& p : a.at("purposes")) {
            const auto name = p.get<std::string>();
            if (name == "signatures")
                terms.for_signatures = true;
            else if (name == "timestamps")
                terms.for_timestamps = true;
            else if (name == "revocation")
                terms.for_revocation = true;
            else
                throw Error(Errc::malformed_input,
                            trf("{0}: unknown purpose \"{1}\" (signatures, timestamps, revocation)",
                                {entry, name}));
        }
    }
    if (a.contains("validFrom") || a.contains("validUntil")) {
        terms.always = false;
        detail::AnchorTerms::Period p;
        p.from = a.contains("validFrom") ? config_time(a, "validFrom", entry) : TimePoint{};
        if (a.contains("validUntil")) p.to = config_time(a, "validUntil", entry);
        terms.periods.push_back(p);
    }
    fs::path cert = a.at("certificate").get<std::string>();
    if (cert.is_relative()) cert = base / cert;
    for (auto& c : ossl::load_certificates(cert)) {
        impl.terms.resize(impl.anchors.size());
        impl.anchors.push_back(std::move(c));
        impl.terms.push_back(terms);
    }
}

}  // namespace

void TrustStore::add_trusted_lists(const fs::path& snapshot, TimePoint usable_at) {
    TrustSnapshotInfo index = read_snapshot_index(snapshot);
    const auto judged = trust::judge_snapshot(snapshot, index, usable_at);
    index.lists.clear();
    for (const auto& j : judged) {
        index.lists.push_back(j.info);
        if (!j.info.used) {
            detail::RefusedList refused{trust::list_name(j.info), j.info.problem, {}};
            if (j.verdict.list) refused.would_anchor = service_certificates(*j.verdict.list);
            m_impl->refused.push_back(std::move(refused));
            continue;
        }
        for (const auto& p : j.verdict.list->providers)
            for (const auto& s : p.services) add_service(*m_impl, s, p.name, j.info);
    }
    m_impl->snapshot = std::move(index);
}

void TrustStore::add_config(const fs::path& file) {
    const core::Bytes bytes = core::read_file(file, 4u << 20);
    const std::string what = file.string();
    try {
        const json j = json::parse(bytes.begin(), bytes.end());
        for (const auto& [key, value] : j.items()) {
            if (key != "anchors" && key != "$schema")
                throw Error(Errc::malformed_input, trf("{0}: unknown key \"{1}\"", {what, key}));
        }
        for (const auto& a : j.at("anchors"))
            add_config_anchor(*m_impl, a, file.parent_path(), what);
    } catch (const json::exception& e) {
        throw Error(Errc::malformed_input,
                    trf("{0}: not a trust configuration (schemas/trust-config.schema.json): {1}",
                        {what, e.what()}));
    }
}

}  // namespace ltsign
