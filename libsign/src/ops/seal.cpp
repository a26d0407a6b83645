// Sealing a batch: one hash tree, one time-stamp, one record per document.
#include <nlohmann/json.hpp>

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

struct Input {
    fs::path file;
    fs::path relative;
    std::uintmax_t size = 0;
    ers::Bytes digest;
};

// The records' folder is never an input, nor are the records and manifest an earlier seal
// wrote among the documents (-o the input folder itself).
std::vector<core::ListedFile> collect(const std::vector<fs::path>& inputs,
                                      const fs::path& out_dir) {
    core::ListOptions list;
    list.output_dir = out_dir;
    list.is_output = [](const fs::path& relative) {
        const std::string name = relative.filename().string();
        return relative == "manifest.json" || name.ends_with(".ers") || name.ends_with(".ers.xml");
    };
    auto files = core::list_files(inputs, list);
    if (files.empty())
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

// The manifest is one more data object under the same time-stamp (its own record,
// manifest.json.ers), so that a delivery cannot lose a document and its manifest entry
// unnoticed. It is written before the time-stamp exists and therefore holds nothing that comes
// from it: the time is the token's genTime, in every record.
ers::Bytes manifest_bytes(const std::vector<Input>& items, const ers::HashTree& tree,
                          const SealOptions& options, const std::string& ext,
                          const fs::path& manifest_record) {
    nlohmann::json docs = nlohmann::json::array();
    for (const auto& it : items) {
        // The manifest names exactly the files written; names that are not UTF-8 as \xNN.
        docs.push_back(
            {{"path", core::printable(it.relative.lexically_normal().generic_string())},
             {"size", it.size},
             {"digest", ossl::to_hex(it.digest.data(), it.digest.size())},
             {"record",
              core::printable(
                  fs::path(it.relative.lexically_normal().native() + ext).generic_string())}});
    }
    const bool xml = options.format == RecordFormat::xml;
    const nlohmann::json m = {{"tsa", options.tsa.url},
                              {"digestAlgorithm", to_string(options.digest)},
                              {"format", xml ? "xml" : "asn1"},
                              {"rootHash", ossl::to_hex(tree.root().data(), tree.root().size())},
                              {"manifestRecord", manifest_record.filename().string()},
                              {"documents", docs}};
    const std::string text = m.dump(2) + "\n";
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
    const auto listed = collect(inputs, out_dir);
    const SealTargets targets = plan_targets(listed, out_dir, ext, options.overwrite);
    std::vector<Input> items;
    for (const auto& f : listed) items.push_back({f.file, f.relative, 0, {}});

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
    std::vector<ers::Bytes> leaves;
    for (const auto& it : items) leaves.push_back(it.digest);
    const ers::HashTree tree(md, leaves);
    const ers::Bytes manifest = manifest_bytes(items, tree, options, ext, targets.manifest_record);
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
    std::vector<fs::path> written;
    for (std::size_t i = 0; i < items.size(); ++i) {
        written.push_back(targets.records[i]);
        const std::string hex = ossl::to_hex(items[i].digest.data(), items[i].digest.size());
        result.documents.push_back({items[i].file, targets.records[i], items[i].size, hex});
    }
    written.push_back(targets.manifest_record);
    written.push_back(targets.manifest);
    auto content = [&](std::size_t i) -> ers::Bytes {
        if (i < items.size()) {
            // The document's own first list, its path through the documents' tree (identical
            // documents share one leaf), then the manifest's hash as the last sibling.
            auto reduced = tree.reduced(i);
            reduced.push_back({ers::ByteView(manifest_hash)});
            return record_bytes(xml, md, std::move(reduced), token, verification);
        }
        if (i == items.size()) {
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
