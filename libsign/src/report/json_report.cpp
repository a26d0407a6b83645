// The --json report: the DESIGN.md contract (files[].signatures[] and summary), plus details.
#include <nlohmann/json.hpp>

#include <cstring>
#include <ostream>
#include <sstream>

#include "core/parallel.hpp"

#include "core/text.hpp"
#include "ltsign/inspect.hpp"
#include "ltsign/report.hpp"
#include "ltsign/version.hpp"

namespace ltsign {
namespace {

// The report's own version: 2 added reportVersion, tool, policy, trustAnchors,
// servicesNotAnswering, files[].dataDigest and summary.total to what 1 had.
const char* const k_report_version = "2.0";

using nlohmann::json;

json optional_time(const std::optional<TimePoint>& t) {
    return t ? json(format_rfc3339(*t)) : json(nullptr);
}

json sub(SubIndication s) {
    return s == SubIndication::none ? json(nullptr) : json(to_string(s));
}

json certificate(const CertificateInfo& c) {
    return {{"subject", c.subject},
            {"issuer", c.issuer},
            {"serial", c.serial},
            {"notBefore", format_rfc3339(c.not_before)},
            {"notAfter", format_rfc3339(c.not_after)},
            {"sha256", c.sha256}};
}

json anchored_by(const AnchorUse& a) {
    json at = json::array();
    for (const auto& t : a.judged_at) at.push_back(format_rfc3339(t));
    return {{"source", a.source},
            {"label", a.label},
            {"tsp", a.tsp},
            {"service", a.service},
            {"serviceType", a.service_type},
            {"status", a.status},
            {"territory", a.territory},
            {"trustedList", a.list_url},
            {"qualification", a.qualification},
            {"certificateSha256", a.certificate_sha256},
            {"judgedAt", at}};
}

json trust_list_json(const TrustSnapshotInfo& t) {
    json lists = json::array();
    for (const auto& l : t.lists) {
        lists.push_back({{"url", l.url},
                         {"kind", l.kind},
                         {"territory", l.territory},
                         {"sha256", l.sha256},
                         {"sequenceNumber", l.sequence_number},
                         {"issued", optional_time(l.issued)},
                         {"nextUpdate", optional_time(l.next_update)},
                         {"signer", l.signer},
                         {"used", l.used},
                         {"problem", l.problem}});
    }
    return {{"snapshot", core::printable(t.path)},
            {"snapshotDigest", t.digest},
            {"fetchedAt", optional_time(t.fetched_at)},
            {"lists", lists}};
}

json signature(const SignatureReport& s) {
    json notes = json::array(), codes = json::array();
    for (const auto& n : s.notes) {
        notes.push_back(n.text);
        codes.push_back(to_string(n.code));
    }
    json j = {{"type", to_string(s.type)},
              {"indication", to_string(s.indication)},
              {"subIndication", sub(s.sub_indication)},
              {"level", to_string(s.level)},
              {"signer", s.signer},
              {"signingTime", optional_time(s.signing_time)},
              {"bestSignatureTime", optional_time(s.best_signature_time)},
              {"timestamps", json::array()},
              {"explanation", s.explanation},
              {"notes", std::move(notes)},
              {"noteCodes", std::move(codes)},
              {"digestAlgorithm", s.digest_algorithm},
              {"signatureAlgorithm", s.signature_algorithm},
              {"certificates", json::array()}};
    if (s.anchored_by) j["anchoredBy"] = anchored_by(*s.anchored_by);
    if (s.renew_by) j["renewBy"] = format_rfc3339(*s.renew_by);
    if (s.renew_from) j["renewFrom"] = format_rfc3339(*s.renew_from);
    for (const auto& t : s.timestamps) j["timestamps"].push_back(signature(t));
    for (const auto& c : s.chain) j["certificates"].push_back(certificate(c));
    if (!s.signed_data.empty()) {
        j["signedData"] = json::array();
        for (const auto& d : s.signed_data) {
            j["signedData"].push_back(
                {{"uri", d.uri}, {"target", d.target}, {"mimeType", d.mime_type}});
        }
    }
    j["algorithms"] = json::array();
    for (const auto& a : s.algorithms) {
        j["algorithms"].push_back({{"purpose", a.purpose},
                                   {"algorithm", a.algorithm},
                                   {"acceptableUntil", optional_time(a.acceptable_until)},
                                   {"judgedAt", format_rfc3339(a.judged_at)},
                                   {"acceptable", a.acceptable}});
    }
    j["revocation"] = json::array();
    for (const auto& v : s.revocation) {
        j["revocation"].push_back({{"certificate", v.certificate},
                                   {"status", to_string(v.status)},
                                   {"source", v.source},
                                   {"revokedAt", optional_time(v.revoked_at)},
                                   {"detail", v.detail}});
    }
    return j;
}

json field(const InspectField& f) {
    json j = {{"name", f.name}, {"value", f.value}};
    if (!f.children.empty()) {
        j["children"] = json::array();
        for (const auto& c : f.children) j["children"].push_back(field(c));
    }
    return j;
}

json delivery(const DeliveryReport& d) {
    return {{"manifest", core::printable(d.manifest)},
            {"manifestRecord",
             d.manifest_record ? json(core::printable(*d.manifest_record)) : json(nullptr)},
            {"manifestProtected", d.manifest_protected},
            {"problem", d.problem.empty() ? json(nullptr) : json(d.problem)},
            {"sealedAt", optional_time(d.sealed_at)},
            {"complete", d.complete()},
            {"documents", d.documents},
            {"documentsChecked", d.documents_checked},
            {"missingDocuments", d.missing_documents},
            {"missingRecords", d.missing_records},
            {"changedRecords", d.changed_records},
            {"unsealedFiles", d.unsealed_files},
            {"extraRecords", d.extra_records}};
}

}  // namespace

namespace {

json file_json(const FileReport& f) {
    json j = {{"path", core::printable(f.path)},
              {"data", f.data ? json(core::printable(*f.data)) : json(nullptr)},
              {"dataDigest", f.data_sha256.empty()
                                 ? json(nullptr)
                                 : json{{"algorithm", "sha256"}, {"value", f.data_sha256}}},
              {"format", to_string(f.format)},
              {"indication", to_string(f.indication)},
              {"subIndication", sub(f.sub_indication)},
              {"signatures", json::array()}};
    if (f.error) {
        j["error"] = {{"exitCode", static_cast<int>(*f.error)},
                      {"message", core::printable(f.error_message)}};
    }
    for (const auto& s : f.signatures) j["signatures"].push_back(signature(s));
    if (!f.entries.empty()) {
        // An ASiC container's documents, each with the indices of what covers it.
        j["entries"] = json::array();
        for (const auto& e : f.entries) {
            j["entries"].push_back(
                {{"name", core::printable(e.name)}, {"size", e.size}, {"coveredBy", e.covered_by}});
        }
    }
    return j;
}

// Paths use core::printable; any other text that is not UTF-8 gets U+FFFD, never an exception.
std::string dump(const json& j) {
    return j.dump(2, ' ', false, json::error_handler_t::replace);
}

// One file's entry as it stands in the report's "files" array: indented two levels.
std::string file_entry(const FileReport& f) {
    const std::string flat = dump(file_json(f));
    std::string out;
    out.reserve(flat.size() + flat.size() / 8);
    out += "    ";
    for (const char c : flat) {
        out += c;
        if (c == '\n') out += "    ";
    }
    return out;
}

// Where the files array goes in the report's frame; a key-value pair no string value can spell
// (its quotes would be escaped).
const char* const k_files_slot = "\"files\": \"files-slot\"";

}  // namespace

void BatchReport::write_json(std::ostream& out) const {
    const Summary s = summary();
    json anchors = json::array();
    for (const auto& a : trust_anchors)
        anchors.push_back({{"subject", a.subject}, {"sha256", a.sha256}});
    json silent = json::array();
    for (const auto& v : silent_services) {
        silent.push_back(
            {{"service", v.service}, {"reason", v.reason}, {"requestsSpared", v.requests_spared}});
    }
    // Self-contained: what made the report, when, under which policy and anchors.
    json doc = {{"reportVersion", k_report_version},
                {"tool", {{"name", "ltsign"}, {"version", std::string(version())}}},
                {"validationTime", format_rfc3339(validation_time)},
                {"policy", {{"name", policy_name}, {"sha256", policy_sha256}}},
                {"trustAnchors", std::move(anchors)},
                {"servicesNotAnswering", std::move(silent)},
                {"files", "files-slot"},
                {"summary",
                 {{"total", s.total},
                  {"passed", s.passed},
                  {"failed", s.failed},
                  {"indeterminate", s.indeterminate},
                  {"signatures", s.signatures},
                  {"timestamps", s.timestamps},
                  {"evidenceRecords", s.evidence_records}}}};
    if (trust_list) doc["trustList"] = trust_list_json(*trust_list);
    // Only when a sealed delivery was found: verifying signatures prints what it always did.
    if (!deliveries.empty()) {
        doc["deliveries"] = json::array();
        for (const auto& d : deliveries) doc["deliveries"].push_back(delivery(d));
    }
    const std::string frame = dump(doc);
    const std::size_t slot = frame.find(k_files_slot);
    out << std::string_view(frame).substr(0, slot) << "\"files\": [";
    // The files' entries are made on every core, a slice at a time, and written as they are
    // made: a batch of thousands never holds its whole report as JSON.
    constexpr std::size_t k_slice = 256;
    std::vector<std::string> entries;
    for (std::size_t from = 0; from < files.size(); from += k_slice) {
        entries.assign(std::min(k_slice, files.size() - from), std::string());
        core::parallel_for(entries.size(), 0,
                           [&](std::size_t i) { entries[i] = file_entry(files[from + i]); });
        for (std::size_t i = 0; i < entries.size(); ++i)
            out << (from + i == 0 ? "\n" : ",\n") << entries[i];
    }
    out << (files.empty() ? "]" : "\n  ]")
        << std::string_view(frame).substr(slot + std::strlen(k_files_slot)) << "\n";
}

std::string BatchReport::to_json() const {
    std::ostringstream out;
    write_json(out);
    return std::move(out).str();
}

std::string Inspection::to_json() const {
    json j = {
        {"path", core::printable(path)}, {"format", to_string(format)}, {"fields", json::array()}};
    for (const auto& f : fields) j["fields"].push_back(field(f));
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace ltsign
