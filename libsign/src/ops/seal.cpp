// Sealing a batch: one hash tree, one time-stamp, one record per document.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>
#include <set>

#include "cms/timestamp_token.hpp"
#include "core/file_list.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ers/verify_record.hpp"
#include "ers/xml_record.hpp"
#include "ltsign/evidence.hpp"
#include "ltsign/language.hpp"
#include "ops/services.hpp"
#include "tsp/tsp_client.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

// Names as plain strings: a std::filesystem::path also holds each of its parts, which for 10,000
// documents is megabytes more than their names.
struct Input {
    std::string file;
    std::string relative;
    std::uintmax_t size = 0;
    ers::Bytes digest;
};

// The records' folder is never an input, nor are the records and manifest an earlier seal
// wrote among the documents (-o the input folder itself).
std::vector<core::ListedFile> collect(const std::vector<fs::path>& inputs, const fs::path& out_dir,
                                      bool none_is_error = true) {
    core::ListOptions list;
    list.output_dir = out_dir;
    list.is_output = [](const fs::path& relative) {
        const std::string name = relative.filename().string();
        return relative == "manifest.json" || name.ends_with(".ers") || name.ends_with(".ers.xml");
    };
    if (inputs.empty()) return {};
    auto files = core::list_files(inputs, list);
    if (files.empty() && none_is_error)
        throw Error(Errc::input_missing, tr("no files to seal in the folders given"));
    return files;
}

// Streams every file through the digest on `threads` threads; the first failure wins. For XML
// records an XML document is hashed in canonical form (RFC 6283 3.2.1, as other verifiers do).
void hash_all(std::vector<Input>& items, const EVP_MD* md, unsigned threads, bool xml,
              const SealOptions& options) {
    std::mutex progress_mutex;
    core::parallel_for(items.size(), threads, [&](std::size_t i) {
        items[i].size = fs::file_size(items[i].file);
        std::optional<ers::Bytes> canonical;
        if (xml)
            canonical = ers::canonical_digest(validation::DataObject::from_file(items[i].file), md,
                                              xml::k_c14n10);
        items[i].digest = canonical ? *canonical : crypto::digest_file(md, items[i].file);
        if (options.progress) {
            const std::lock_guard lock(progress_mutex);
            options.progress(1, items[i].size);
        }
    });
}

// Where a seal writes: one record per document, the manifest and its record; all named, and
// checked for collisions, links and (unless overwriting) existing files, before anything is
// hashed or written.
struct SealTargets {
    std::vector<fs::path> records;
    fs::path manifest, manifest_record;
};

SealTargets plan_targets(const std::vector<core::ListedFile>& listed, const fs::path& out_dir,
                         const std::string& ext, bool overwrite) {
    SealTargets t{core::output_paths(listed, out_dir, ext), out_dir / "manifest.json",
                  out_dir / ("manifest.json" + ext)};
    core::refuse_link(t.manifest);
    core::refuse_link(t.manifest_record);
    for (std::size_t i = 0; i < t.records.size(); ++i) {
        if (t.records[i] == t.manifest_record) {
            throw Error(
                Errc::usage,
                trf("{0}: a document named manifest.json at the top of the folder would share its "
                    "record with the manifest's; seal its folder from one level up, or rename it",
                    {core::printable(listed[i].file)}));
        }
    }
    if (overwrite) return t;
    std::vector<fs::path> all = t.records;
    all.insert(all.end(), {t.manifest, t.manifest_record});
    std::error_code ec;
    for (const fs::path& target : all) {
        if (fs::exists(fs::symlink_status(target, ec))) {
            throw Error(
                Errc::cannot_create_output,
                trf("{0} already exists; choose another output folder", {core::printable(target)}),
                Remedy::overwrite);
        }
    }
    return t;
}

// A folder sealed as one data group (RFC 4998 4.2): its files are items[first, first + count),
// their distinct hashes the record's first list, and the record is named after the folder.
struct Group {
    std::size_t first = 0, count = 0;
    fs::path record;
    std::vector<ers::Bytes> hashes;  // distinct, as hashed into the group's node
};

bool is_group(const fs::path& input, const SealOptions& options) {
    std::error_code ec;
    return std::any_of(options.groups.begin(), options.groups.end(),
                       [&](const fs::path& g) { return fs::equivalent(g, input, ec); });
}

// The group folders' files after `items`, and where each group's record goes: `out_dir`/NAME.ers
// for the folder NAME, never the name of another record.
std::vector<Group> collect_groups(const std::vector<fs::path>& folders, const fs::path& out_dir,
                                  const std::string& ext, const SealTargets& targets,
                                  bool overwrite, std::vector<Input>& items) {
    std::set<fs::path> taken(targets.records.begin(), targets.records.end());
    taken.insert(targets.manifest_record);
    std::vector<Group> groups;
    for (const auto& folder : folders) {
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) {
            throw Error(Errc::usage,
                        trf("{0} is not a folder: only a folder's files can be sealed as one data "
                            "group",
                            {core::printable(folder)}));
        }
        fs::path name = fs::absolute(folder, ec).lexically_normal();
        if (name.filename().empty()) name = name.parent_path();
        Group g{items.size(), 0, out_dir / (name.filename().native() + ext), {}};
        if (!taken.insert(g.record).second) {
            throw Error(Errc::usage, trf("{0} would be the record of the folder {1} and of another "
                                         "input; give folders of other names",
                                         {core::printable(g.record), core::printable(folder)}));
        }
        core::refuse_link(g.record);
        if (!overwrite && fs::exists(fs::symlink_status(g.record, ec))) {
            throw Error(Errc::cannot_create_output,
                        trf("{0} already exists; choose another output folder",
                            {core::printable(g.record)}),
                        Remedy::overwrite);
        }
        for (auto& f : collect({folder}, out_dir, false))
            items.push_back({f.file.native(), f.relative.native(), 0, {}});
        g.count = items.size() - g.first;
        if (g.count == 0) {
            throw Error(Errc::input_missing,
                        trf("no files to seal in the folder {0}", {core::printable(folder)}));
        }
        groups.push_back(std::move(g));
    }
    return groups;
}

// The manifest is one more data object under the same time-stamp (its own record,
// manifest.json.ers), so that a delivery cannot lose a document and its manifest entry
// unnoticed. It is written before the time-stamp exists and therefore holds nothing that comes
// from it: the time is the token's genTime, in every record.
ers::Bytes manifest_bytes(const std::vector<Input>& items, const std::vector<Group>& groups,
                          const ers::HashTree& tree, const SealOptions& options,
                          const std::string& ext, const fs::path& manifest_record) {
    // Written as text, as nlohmann's dump(2) of the same document would be (keys sorted): a
    // document tree of 10,000 entries would hold ten times the text's memory at once.
    const auto str = [](const std::string& text) { return nlohmann::json(text).dump(); };
    const bool xml = options.format == RecordFormat::xml;
    std::string text = "{\n  \"digestAlgorithm\": " + str(std::string(to_string(options.digest))) +
                       ",\n  \"documents\": [";
    text.reserve(items.size() * (220 + ext.size()));
    std::size_t group = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        while (group < groups.size() && i >= groups[group].first + groups[group].count) ++group;
        const bool member = group < groups.size() && i >= groups[group].first;
        // The manifest names exactly the files written; names that are not UTF-8 as \xNN.
        const fs::path relative = fs::path(it.relative).lexically_normal();
        const std::string name = relative.generic_string();
        const std::string record = member ? groups[group].record.filename().generic_string()
                                          : fs::path(relative.native() + ext).generic_string();
        text += std::string(i == 0 ? "" : ",") + "\n    {\n      \"digest\": \"" +
                ossl::to_hex(it.digest.data(), it.digest.size()) +
                "\",\n      \"path\": " + str(core::printable(name)) +
                ",\n      \"record\": " + str(core::printable(record)) +
                ",\n      \"size\": " + std::to_string(it.size) + "\n    }";
    }
    text += "\n  ],\n  \"format\": " + str(xml ? "xml" : "asn1") +
            ",\n  \"manifestRecord\": " + str(manifest_record.filename().string()) +
            ",\n  \"rootHash\": " + str(ossl::to_hex(tree.root().data(), tree.root().size())) +
            ",\n  \"tsa\": " + str(options.tsa.url) + "\n}\n";
    return ers::Bytes(text.begin(), text.end());
}

// A record of one chain and one ArchiveTimeStamp: `reduced` (views into the tree, the manifest's
// hash and the token, which outlive the encoding) leads to `token`.
ers::Bytes record_bytes(bool xml, const EVP_MD* md, std::vector<ers::PartialHashtree> reduced,
                        const ers::Bytes& token, const ers::VerificationData& verification) {
    ers::EvidenceRecord rec;
    rec.encoding = xml ? ers::EvidenceRecord::Encoding::xml : ers::EvidenceRecord::Encoding::asn1;
    rec.digest_algorithms = {EVP_MD_get_type(md)};
    ers::ArchiveTimeStamp ats;
    ats.digest_nid = EVP_MD_get_type(md);
    ats.reduced_hashtree = std::move(reduced);
    ats.time_stamp = token;
    ers::ArchiveTimeStampChain chain;
    chain.stamps.push_back(std::move(ats));
    rec.chains.push_back(std::move(chain));
    // The TSA's validation data travels in cryptoInfos (DER records; RFC 6283 has no such place
    // that ltsign writes yet).
    if (!xml) ers::add_verification_data(rec, verification);
    return xml ? ers::encode_xml(rec) : ers::encode_der(rec);
}

}  // namespace

SealResult seal(const std::vector<fs::path>& inputs, const fs::path& out_dir,
                const SealOptions& options) {
    const bool xml = options.format == RecordFormat::xml;
    const std::string ext = xml ? ".ers.xml" : ".ers";
    std::vector<fs::path> singles, group_folders;
    for (const auto& in : inputs) (is_group(in, options) ? group_folders : singles).push_back(in);
    auto listed = collect(singles, out_dir, group_folders.empty());
    SealTargets targets = plan_targets(listed, out_dir, ext, options.overwrite);
    // Each name is held once from here on: 10,000 documents' paths are megabytes.
    std::vector<Input> items;
    items.reserve(listed.size());
    for (auto& f : listed) items.push_back({f.file.native(), f.relative.native(), 0, {}});
    listed = {};
    const std::size_t singles_count = items.size();
    std::vector<Group> groups =
        collect_groups(group_folders, out_dir, ext, targets, options.overwrite, items);

    const EVP_MD* md = crypto::evp_md(options.digest);
    if (options.total) {
        std::uint64_t bytes = 0;
        for (const auto& it : items) {
            std::error_code ec;
            const auto n = fs::file_size(it.file, ec);
            bytes += ec ? 0 : n;
        }
        options.total(items.size(), bytes);
    }
    hash_all(items, md, options.threads, xml, options);
    // The leaves: each document sealed on its own, then each group's node over its files' hashes
    // (RFC 4998 4.2: a data group's hashes are the first list of its reduced hash tree).
    std::vector<ers::Bytes> leaves;
    for (std::size_t i = 0; i < singles_count; ++i) leaves.push_back(items[i].digest);
    for (auto& g : groups) {
        std::set<ers::Bytes> distinct;
        for (std::size_t i = g.first; i < g.first + g.count; ++i) distinct.insert(items[i].digest);
        g.hashes.assign(distinct.begin(), distinct.end());
        leaves.push_back(ers::node_hash(md, g.hashes));
    }
    const ers::HashTree tree(md, leaves);
    const ers::Bytes manifest =
        manifest_bytes(items, groups, tree, options, ext, targets.manifest_record);
    const ers::Bytes manifest_hash = crypto::digest_bytes(md, manifest);

    // RFC 4998 4.2/4.3: one time-stamp over the root covers the whole batch. The root joins the
    // documents' tree and the manifest (RFC 4998 allows any fan-out; this node has two).
    const ers::Bytes top = ers::node_hash(md, {tree.root(), manifest_hash});
    const ers::Bytes token = tsp::request_token_for_digest(options.tsa, md, top);
    const auto verification =
        ops::token_validation_data(token, options.validation.get(), "the TSA's time-stamp");
    const auto token_info = cms::token_facts(token, {.digest = top});

    SealResult result;
    result.time = token_info.gen_time.value_or(now_utc());
    // Every record is made when it is written, never all held at once: memory stays flat however
    // many documents a batch seals.
    std::vector<fs::path> written = std::move(targets.records);
    for (const auto& g : groups) written.push_back(g.record);
    result.documents.reserve(items.size());
    for (std::size_t i = 0, g = 0; i < items.size(); ++i) {
        while (g < groups.size() && i >= groups[g].first + groups[g].count) ++g;
        const std::string hex = ossl::to_hex(items[i].digest.data(), items[i].digest.size());
        result.documents.push_back({fs::path(std::move(items[i].file)),
                                    i < singles_count ? written[i] : groups[g].record,
                                    items[i].size, hex});
    }
    written.push_back(targets.manifest_record);
    written.push_back(targets.manifest);
    const std::size_t records = singles_count + groups.size();
    auto content = [&](std::size_t i) -> ers::Bytes {
        if (i < records) {
            // The document's own first list (a group's: all its files' hashes), its path through
            // the documents' tree (identical documents share one leaf), then the manifest's hash
            // as the last sibling.
            auto reduced = tree.reduced(i);
            if (i >= singles_count) {
                const auto& g = groups[i - singles_count];
                reduced.front().assign(g.hashes.begin(), g.hashes.end());
            }
            reduced.push_back({ers::ByteView(manifest_hash)});
            return record_bytes(xml, md, std::move(reduced), token, verification);
        }
        if (i == records) {
            return record_bytes(xml, md,
                                {{ers::ByteView(manifest_hash)}, {ers::ByteView(tree.root())}},
                                token, verification);
        }
        return manifest;
    };

    // The TSA took its time: check again that no link was put in the way meanwhile.
    core::refuse_links_below(out_dir, written);
    std::error_code ec;
    std::set<fs::path> folders;
    for (const auto& path : written) folders.insert(path.parent_path());
    for (const auto& folder : folders) fs::create_directories(folder, ec);
    core::atomic_write_all(written, content, options.overwrite);
    result.manifest = targets.manifest;
    result.manifest_record = targets.manifest_record;
    return result;
}

}  // namespace ltsign
