// Renewing records (RFC 4998 5.2, RFC 6283 4.2): again one time-stamp for all records given.
#include <algorithm>
#include <map>

#include "cms/timestamp_token.hpp"
#include "core/file_list.hpp"
#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ers/verify_record.hpp"
#include "ers/xml_record.hpp"
#include "ltsign/evidence.hpp"
#include "ltsign/language.hpp"
#include "ops/formats.hpp"
#include "ops/services.hpp"
#include "tsp/tsp_client.hpp"
#include "validation/services.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

struct Loaded {
    fs::path path;
    std::shared_ptr<const ers::Bytes> bytes;  // the DER record's views point into it
    ers::EvidenceRecord record;
    std::optional<fs::path> document;
    ers::Bytes leaf;  // what the new time-stamp must cover for this record
    const EVP_MD* md = nullptr;
};

std::vector<fs::path> collect(const std::vector<fs::path>& inputs) {
    std::vector<fs::path> out;
    for (const auto& f : core::list_files(inputs, ops::is_record_name, true)) out.push_back(f.file);
    if (out.empty())
        throw Error(Errc::input_missing,
                    tr("no evidence records (.ers, .er, .ers.xml) in the folders given"));
    return out;
}

// A record whose last time-stamp is broken is not renewed: renewing would seal the damage.
void check_last_stamp(const Loaded& l) {
    const auto& ats = l.record.chains.back().stamps.back();
    const auto facts = cms::token_facts(ats.time_stamp, {});
    if (facts.format_problem || facts.signature_value.status != validation::Check::passed ||
        facts.data_digest.status != validation::Check::passed) {
        throw Error(
            Errc::malformed_input,
            trf("{0}: its last time-stamp is broken, so it cannot be renewed; verify it first",
                {l.path.string()}));
    }
}

std::vector<Loaded> load(const std::vector<fs::path>& inputs) {
    std::vector<Loaded> items;
    for (const auto& p : collect(inputs)) {
        Loaded l;
        l.path = p;
        const ops::Input input = ops::read_input(p);
        l.bytes = input.bytes;
        l.record = ops::decode_record(input);
        items.push_back(std::move(l));
    }
    return items;
}

// A hash-tree renewal rehashes each record's document: paired as verify pairs them (folders keep
// relative paths, DIR/a/b.pdf.ers -> DATA/a/b.pdf).
void pair_documents(std::vector<Loaded>& items, const std::vector<fs::path>& inputs,
                    const std::vector<fs::path>& data) {
    if (data.empty()) {
        throw Error(Errc::usage,
                    tr("a hash-tree renewal (a new digest algorithm) needs the documents the "
                       "records protect"),
                    Remedy::document);
    }
    std::map<fs::path, std::optional<fs::path>> documents;
    for (const auto& job : plan_verification(inputs, data)) documents[job.file] = job.data;
    for (auto& l : items) {
        const auto it = documents.find(l.path);
        if (it == documents.end() || !it->second) {
            throw Error(
                Errc::input_missing,
                trf("{0}: its document is not among the documents given", {l.path.string()}),
                Remedy::document);
        }
        l.document = it->second;
    }
}

// RFC 4998 5.2 / RFC 6283 4.2.1: a time-stamp renewal hashes the last time-stamp with the
// chain's algorithm.
void timestamp_renewal_leaf(Loaded& l) {
    const bool xml = l.record.encoding == ers::EvidenceRecord::Encoding::xml;
    l.md = ers::chain_digest(l.record.chains.back());
    if (l.md == nullptr)
        throw Error(Errc::malformed_input, trf("{0}: unknown digest algorithm", {l.path.string()}));
    const auto& last = l.record.chains.back().stamps.back();
    l.leaf = crypto::digest_bytes(l.md, xml ? last.xml_time_stamp_c14n : last.time_stamp);
}

// RFC 4998 5.2 steps 3-5 / RFC 6283 4.2.2: h(d) and ha = H(all earlier chains) with the new
// algorithm; DER records join them unsorted, XML records sorted. A record that does not verify
// against its document is not renewed: the new chain would seal the mismatch.
void hash_tree_renewal_leaf(Loaded& l, DigestAlgorithm digest) {
    const bool xml = l.record.encoding == ers::EvidenceRecord::Encoding::xml;
    l.md = crypto::evp_md(digest);
    const validation::DataObjects objects{validation::DataObject::from_file(*l.document)};
    ValidationContext ctx;
    const auto check =
        ers::verify_record(l.record, objects, ctx, validation::validation_time_of(ctx));
    if (check.indication == Indication::total_failed) {
        throw Error(Errc::malformed_input,
                    trf("{0} does not verify against {1} ({2}); it cannot be renewed",
                        {l.path.string(), l.document->string(), check.explanation}));
    }
    std::optional<ers::Bytes> canonical;
    if (xml) canonical = ers::canonical_digest(objects.front(), l.md, xml::k_c14n10);
    const ers::Bytes h = canonical ? *canonical : crypto::digest_file(l.md, *l.document);
    const ers::Bytes ha = xml ? ers::xml_sequence_digest(*l.bytes, l.md, l.path.string())
                              : ers::sequence_digest(l.md, l.record, l.record.chains.size());
    if (xml) {
        l.leaf = ers::node_hash(l.md, {h, ha});
        return;
    }
    ers::Bytes joined = h;
    joined.insert(joined.end(), ha.begin(), ha.end());
    l.leaf = crypto::digest_bytes(l.md, joined);
}

// RFC 4998 2.1: before a time-stamp renewal covers it, the validation data of a DER record's last
// time-stamp as it can be had now (the OCSP response or CRL issued after its time) joins the
// record's cryptoInfos, so that the record verifies offline once that TSA's services are gone.
// Records sealed together share their token, whose data is fetched once.
void complete_last_token(Loaded& l, const ValidationContext& context,
                         std::map<ers::Bytes, ers::VerificationData>& fetched) {
    if (l.record.encoding != ers::EvidenceRecord::Encoding::asn1) return;
    const auto& last = l.record.chains.back().stamps.back();
    const ers::Bytes token(last.time_stamp.begin(), last.time_stamp.end());
    auto it = fetched.find(token);
    if (it == fetched.end()) {
        it = fetched
                 .emplace(token, ops::token_validation_data(
                                     token, &context, l.path.string() + ": its last time-stamp"))
                 .first;
    }
    ers::add_verification_data(l.record, it->second);
}

// A renewal's time-stamp must come after the one it renews (RFC 4998 5.3: the chain is ordered
// by time); a TSA whose clock is behind would leave the record unverifiable.
void check_after_last(const Loaded& l, TimePoint renewal) {
    const auto last =
        cms::token_facts(l.record.chains.back().stamps.back().time_stamp, {}).gen_time;
    if (last && renewal < *last) {
        throw Error(Errc::service_unavailable,
                    trf("the TSA's time-stamp ({0}) is before {1}'s last time-stamp ({2}): its "
                        "clock is behind; nothing was written",
                        {format_rfc3339(renewal), l.path.string(), format_rfc3339(*last)}));
    }
}

}  // namespace

RenewResult renew(const std::vector<fs::path>& inputs, const RenewOptions& options) {
    std::vector<Loaded> items = load(inputs);
    const bool hash_tree_renewal = options.new_digest.has_value();
    if (hash_tree_renewal) pair_documents(items, inputs, options.data);
    std::map<ers::Bytes, ers::VerificationData> fetched;
    for (auto& l : items) {
        check_last_stamp(l);
        if (options.validation && !hash_tree_renewal)
            complete_last_token(l, *options.validation, fetched);
        if (hash_tree_renewal) {
            hash_tree_renewal_leaf(l, *options.new_digest);
        } else {
            timestamp_renewal_leaf(l);
        }
    }

    // One time-stamp per digest algorithm in use (normally exactly one).
    std::map<int, std::vector<std::size_t>> by_md;
    for (std::size_t i = 0; i < items.size(); ++i) by_md[EVP_MD_get_type(items[i].md)].push_back(i);
    std::vector<std::pair<fs::path, ers::Bytes>> files;
    RenewResult result;
    for (const auto& [nid, members] : by_md) {
        const EVP_MD* md = EVP_get_digestbynid(nid);
        std::vector<ers::Bytes> leaves;
        for (std::size_t i : members) leaves.push_back(items[i].leaf);
        const ers::HashTree tree(md, leaves);
        const ers::Bytes token = tsp::request_token_for_digest(options.tsa, md, tree.root());
        const auto verification =
            ops::token_validation_data(token, options.validation.get(), "the TSA's time-stamp");
        result.time = cms::token_facts(token, {}).gen_time.value_or(now_utc());
        for (std::size_t k = 0; k < members.size(); ++k) {
            Loaded& l = items[members[k]];
            check_after_last(l, result.time);
            ers::ArchiveTimeStamp ats;
            ats.digest_nid = nid;
            // Views into `tree` and `token`, which outlive the encoding below. Each distinct
            // earlier time-stamp is one leaf (a batch sealed with one token renews one hash):
            // one alone is covered by the new token itself, with no tree.
            if (tree.size() > 1) ats.reduced_hashtree = tree.reduced(k);
            ats.time_stamp = token;
            ers::Bytes out;
            if (l.record.encoding == ers::EvidenceRecord::Encoding::xml) {
                out = ers::append_xml(*l.bytes, ats, hash_tree_renewal, l.path.string());
            } else {
                if (hash_tree_renewal) {
                    ers::ArchiveTimeStampChain chain;
                    chain.stamps.push_back(std::move(ats));
                    l.record.chains.push_back(std::move(chain));
                    if (std::find(l.record.digest_algorithms.begin(),
                                  l.record.digest_algorithms.end(),
                                  nid) == l.record.digest_algorithms.end()) {
                        l.record.digest_algorithms.push_back(nid);
                    }
                } else {
                    auto& chain = l.record.chains.back();
                    chain.stamps.push_back(std::move(ats));
                    chain.encoded = {};  // re-encoded from its stamps, which keep their bytes
                }
                ers::add_verification_data(l.record, verification);
                out = ers::encode_der(l.record);
            }
            files.emplace_back(l.path, std::move(out));
            result.records.push_back(l.path);
        }
    }
    core::atomic_write_all(files, true);
    return result;
}

}  // namespace ltsign
