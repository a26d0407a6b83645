// Sealed deliveries: what manifest.json lists against what the folders hold. A record verified on
// its own says nothing about the records beside it; only the manifest, itself under the batch's
// time-stamp, says what a complete delivery is.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "cms/timestamp_token.hpp"
#include "core/file_io.hpp"
#include "core/file_list.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ers/xml_record.hpp"
#include "ltsign/language.hpp"
#include "ltsign/verify.hpp"
#include "ops/formats.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

const char* const k_manifest = "manifest.json";

using ops::is_record_name;

// The name a file has in the manifest: relative, '/' between folders, escaped as seal escapes it.
std::string manifest_name(const fs::path& relative) {
    return core::printable(relative.lexically_normal().generic_string());
}

// Every file below `dir`, by its manifest name. `skip_outputs`: walk it as seal walked the
// documents it sealed into `records`, so that records and the manifest are never documents.
std::map<std::string, fs::path> files_by_name(const fs::path& dir, const fs::path& records,
                                              bool skip_outputs) {
    core::ListOptions list;
    list.missing_is_error = false;
    if (skip_outputs) {
        list.output_dir = records;
        list.is_output = [](const fs::path& relative) {
            return relative == k_manifest || is_record_name(relative);
        };
    }
    std::map<std::string, fs::path> out;
    for (const auto& f : core::list_files({dir}, list))
        out.emplace(manifest_name(f.relative), f.file);
    return out;
}

// Entries below `dir` that the document walk leaves out (files named like ltsign's temporary
// files, FIFOs, sockets, devices, links to folders): nothing seals them, so in a delivery's data
// folder each one is something that was added, and it is reported rather than overlooked.
std::vector<std::string> entries_not_walked(const fs::path& dir, const fs::path& records,
                                            const std::map<std::string, fs::path>& walked) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator
             it(dir, fs::directory_options::skip_permission_denied, ec),
         end;
         !ec && it != end; it.increment(ec)) {
        const auto status = it->symlink_status(ec);
        if (ec) break;
        if (fs::is_directory(status)) {
            // The record folder inside the data folder is seal's own output, not an addition.
            std::error_code same;
            if (fs::equivalent(it->path(), records, same)) it.disable_recursion_pending();
            continue;
        }
        const std::string name = manifest_name(it->path().lexically_relative(dir));
        if (!walked.contains(name)) out.push_back(name);
    }
    return out;
}

std::optional<core::Bytes> from_hex(const std::string& hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    core::Bytes out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return -1;
        };
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return out;
}

// The time-stamp a record's first chain starts with, and the digest that chain uses: what every
// record of one seal shares, whatever renewals added later.
struct FirstStamp {
    const EVP_MD* md = nullptr;
    core::Bytes token;
    core::Bytes imprint;
};

std::optional<FirstStamp> first_stamp(const ers::EvidenceRecord& record) {
    if (record.chains.empty() || record.chains.front().stamps.empty()) return std::nullopt;
    const auto& stamp = record.chains.front().stamps.front();
    FirstStamp f;
    f.md = ers::chain_digest(record.chains.front());
    f.token.assign(stamp.time_stamp.begin(), stamp.time_stamp.end());
    f.imprint = ers::token_imprint(stamp.time_stamp).second;
    if (f.md == nullptr) return std::nullopt;
    return f;
}

// RFC 4998 5.3 steps 1-3 for the first time-stamp only: `digest` leads through the record's first
// reduced hash tree to the imprint of that same time-stamp.
bool leads_to_stamp(const ers::EvidenceRecord& record, const FirstStamp& stamp,
                    const core::Bytes& digest) {
    const auto& ats = record.chains.front().stamps.front();
    static const std::vector<ers::PartialHashtree> none;
    const auto root = ers::root_from_reduced(
        stamp.md, ats.reduced_hashtree ? *ats.reduced_hashtree : none, ers::ByteView(digest));
    return root && *root == stamp.imprint;
}

// The manifest's record: its hash must lead to the record's time-stamp, which then is the
// delivery's. Sets `problem` when it does not.
std::optional<FirstStamp> check_manifest(const fs::path& manifest, const fs::path& record,
                                         DeliveryReport& report) {
    try {
        const auto parsed = ops::read_record(record);
        auto stamp = first_stamp(parsed);
        const core::Bytes bytes = core::read_file(manifest, core::k_max_signature_file);
        if (!stamp || !leads_to_stamp(parsed, *stamp, crypto::digest_bytes(stamp->md, bytes))) {
            report.problem =
                trf("manifest.json was changed after it was sealed: its hash does not lead to the "
                    "time-stamp of {0}",
                    {record.filename().string()});
            return std::nullopt;
        }
        report.manifest_protected = true;
        report.sealed_at = cms::token_facts(stamp->token, {}).gen_time;
        return stamp;
    } catch (const Error& e) {
        report.problem = trf("{0} cannot be read, so manifest.json is not protected: {1}",
                             {record.filename().string(), core::printable(std::string(e.what()))});
        return std::nullopt;
    }
}

// The listed records, each read once: a folder sealed as one data group lists all its files with
// one record, whose first hash list holds all their hashes.
class RecordCheck {
  public:
    explicit RecordCheck(const std::optional<FirstStamp>& delivery) : m_delivery(delivery) {}

    // One listed record: present, readable, under the delivery's time-stamp (when known), and
    // leading from the listed digest to it.
    bool matches(const fs::path& file, const std::string& hex) {
        auto [at, fresh] = m_read.try_emplace(file);
        if (fresh) at->second = read(file);
        const auto digest = from_hex(hex);
        return at->second.leads && digest && at->second.first_list.contains(*digest);
    }

  private:
    struct Read {
        bool leads = false;  // its first list leads to the delivery's time-stamp
        std::set<core::Bytes> first_list;
    };
    Read read(const fs::path& file) const {
        Read r;
        try {
            const auto record = ops::read_record(file);
            const auto own = first_stamp(record);
            if (!own) return r;
            if (m_delivery && (own->token != m_delivery->token || own->md != m_delivery->md))
                return r;
            const auto& ats = record.chains.front().stamps.front();
            if (ats.reduced_hashtree && !ats.reduced_hashtree->empty()) {
                for (const auto& h : ats.reduced_hashtree->front())
                    r.first_list.emplace(h.begin(), h.end());
            } else {
                r.first_list.insert(own->imprint);  // no tree: the document's hash is the imprint
            }
            r.leads = !r.first_list.empty() && leads_to_stamp(record, *own, *r.first_list.begin());
        } catch (const Error&) {
            r.leads = false;
        }
        return r;
    }
    const std::optional<FirstStamp>& m_delivery;
    std::map<fs::path, Read> m_read;
};

DeliveryReport check_delivery(const fs::path& folder, const std::vector<fs::path>& data_dirs) {
    DeliveryReport report;
    report.manifest = folder / k_manifest;
    for (const char* ext : {".ers", ".ers.xml"}) {
        std::error_code ec;
        const fs::path record = folder / (std::string(k_manifest) + ext);
        if (fs::is_regular_file(record, ec)) {
            report.manifest_record = record;
            break;
        }
    }
    std::error_code ec;
    if (!fs::is_regular_file(report.manifest, ec)) {
        report.problem = tr("manifest.json is missing: what the delivery held cannot be checked");
        return report;
    }
    nlohmann::json manifest;
    try {
        manifest =
            nlohmann::json::parse(core::read_file(report.manifest, core::k_max_signature_file));
    } catch (const std::exception&) {
        manifest = nullptr;
    }
    if (!manifest.is_object() || !manifest.contains("documents") ||
        !manifest["documents"].is_array()) {
        report.problem = tr("manifest.json cannot be read as the manifest ltsign seal writes");
        return report;
    }

    std::optional<FirstStamp> delivery;
    if (report.manifest_record) {
        delivery = check_manifest(report.manifest, *report.manifest_record, report);
    } else {
        report.problem =
            tr("manifest.json is not protected: its record (manifest.json.ers) is missing, so it "
               "could have been edited unnoticed");
    }

    const auto records = files_by_name(folder, folder, false);
    std::map<std::string, fs::path> documents;
    std::vector<std::string> shadowed;  // a listed name found again in a later data folder
    std::vector<std::string> not_walked;
    for (const auto& dir : data_dirs) {
        const auto walked = files_by_name(dir, folder, true);
        for (auto& name : entries_not_walked(dir, folder, walked)) not_walked.push_back(name);
        for (const auto& [name, file] : walked) {
            if (!documents.emplace(name, file).second)
                shadowed.push_back(core::printable(file.string()));
        }
    }
    report.documents_checked = !data_dirs.empty();

    std::set<std::string> listed_documents, listed_records;
    RecordCheck check(delivery);
    for (const auto& entry : manifest["documents"]) {
        const auto text = [&](const char* key) {
            return entry.contains(key) && entry[key].is_string() ? entry[key].get<std::string>()
                                                                 : std::string();
        };
        const std::string path = text("path"), record = text("record"), digest = text("digest");
        ++report.documents;
        listed_documents.insert(path);
        listed_records.insert(record);
        if (report.documents_checked && !documents.contains(path))
            report.missing_documents.push_back(path);
        const auto found = records.find(record);
        if (found == records.end()) {
            if (!std::count(report.missing_records.begin(), report.missing_records.end(), record))
                report.missing_records.push_back(record);
        } else if (!check.matches(found->second, digest)) {
            if (!std::count(report.changed_records.begin(), report.changed_records.end(), record))
                report.changed_records.push_back(record);
        }
    }
    for (const auto& [name, file] : documents) {
        if (!listed_documents.contains(name)) report.unsealed_files.push_back(name);
    }
    // The same name in two data folders: only the first is the sealed document's counterpart;
    // the other copy is not covered by anything, so it is reported rather than merged away.
    for (const auto& copy : shadowed) report.unsealed_files.push_back(copy);
    for (const auto& name : not_walked) report.unsealed_files.push_back(name);
    const std::set<std::string> own = {std::string(k_manifest) + ".ers",
                                       std::string(k_manifest) + ".ers.xml"};
    for (const auto& [name, file] : records) {
        if (is_record_name(name) && !listed_records.contains(name) && !own.contains(name))
            report.extra_records.push_back(name);
    }
    for (auto* list : {&report.missing_documents, &report.missing_records, &report.changed_records,
                       &report.unsealed_files, &report.extra_records})
        std::sort(list->begin(), list->end());
    return report;
}

}  // namespace

std::vector<DeliveryReport> check_deliveries(const std::vector<fs::path>& inputs,
                                             const std::vector<fs::path>& data) {
    std::vector<fs::path> data_dirs;
    for (const auto& d : data) {
        std::error_code ec;
        if (fs::is_directory(d, ec)) data_dirs.push_back(d);
    }
    std::vector<DeliveryReport> out;
    for (const auto& in : inputs) {
        std::error_code ec;
        if (!fs::is_directory(in, ec)) continue;
        const bool has_record = fs::is_regular_file(in / "manifest.json.ers", ec) ||
                                fs::is_regular_file(in / "manifest.json.ers.xml", ec);
        if (!has_record) {
            // A manifest.json that is not seal's (another system's) makes no delivery; one that is
            // seal's but lost its record is a delivery that lost its protection.
            if (!fs::is_regular_file(in / k_manifest, ec)) continue;
            try {
                const auto j = nlohmann::json::parse(
                    core::read_file(in / k_manifest, core::k_max_signature_file));
                if (!j.is_object() || !j.contains("documents") || !j["documents"].is_array())
                    continue;
            } catch (const std::exception&) {
                continue;
            }
        }
        out.push_back(check_delivery(in, data_dirs));
    }
    return out;
}

}  // namespace ltsign
