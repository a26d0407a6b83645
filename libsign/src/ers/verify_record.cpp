#include "ers/verify_record.hpp"

#include <algorithm>

#include "cms/timestamp_token.hpp"
#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ltsign/language.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign::ers {
namespace {

using validation::ArchiveStampFacts;
using validation::DataObject;
using validation::DataObjects;

std::string hex(const Bytes& b) {
    return ossl::to_hex(b.data(), b.size());
}

Bytes concat_hash(const EVP_MD* md, const Bytes& a, const Bytes& b) {
    Bytes joined = a;
    joined.insert(joined.end(), b.begin(), b.end());
    return crypto::digest_bytes(md, joined);
}

bool contains(const PartialHashtree& list, ByteView h) {
    return std::any_of(list.begin(), list.end(),
                       [&](ByteView x) { return std::ranges::equal(x, h); });
}

// A value the first list of a chain's first time-stamp may hold for a data object, and the joins
// of h(d) and ha it follows (both when h(d) sorts first, or when no join was made by us).
struct Candidate {
    Bytes value;
    bool sorted = true;
    bool unsorted = true;
    bool canonical = false;
};

// RFC 4998 5.2 step 4 hashes all earlier chains for every hash-tree renewal: n chains cost the
// sum of their prefixes. Ordinary records renew a few times in decades; a record that would make
// us hash far more than itself is refused rather than allowed to spin (review issue 11).
void check_renewal_work(const EvidenceRecord& rec, const std::string& what_chains) {
    std::size_t total = 0, work = 0, prefix = 0;
    for (const auto& c : rec.chains) total += c.encoded.size();
    for (const auto& c : rec.chains) {
        work += prefix;
        prefix += c.encoded.size();
    }
    const std::size_t limit = 8 * total + (64u << 20);
    if (work > limit) {
        throw Error(Errc::malformed_input,
                    trf("{0}: checking its {1} hash-tree renewals would hash {2} MiB, more than "
                        "ltsign allows for a record of this size ({3} MiB)",
                        {what_chains, std::to_string(rec.chains.size()), std::to_string(work >> 20),
                         std::to_string(limit >> 20)}));
    }
}

std::optional<Bytes> canonical_form_digest(const DataObject& object, const EVP_MD* md,
                                           const std::string& c14n) {
    const auto& file = object.file();
    if (!file) return std::nullopt;
    std::error_code ec;
    if (std::filesystem::file_size(*file, ec) > core::k_max_signature_file) return std::nullopt;
    const auto bytes = core::read_file(*file, core::k_max_signature_file);
    if (!xml::looks_like_xml(bytes)) return std::nullopt;
    try {
        auto doc = xml::parse(bytes, file->string());
        return crypto::digest_bytes(md, xml::canonicalize_document(doc.get(), c14n));
    } catch (const Error&) {
        return std::nullopt;  // not XML after all: only the plain digest applies
    }
}

// What a chain's first time-stamp may hold for a data object hashed to each of `hashes` (the
// plain digest first, then the canonical XML form's): the hash itself, or after a hash-tree
// renewal its joins with ha (RFC 4998 5.2 step 5: unsorted in DER records seen in the wild,
// sorted in XML; both are offered and the judge takes those the caller accepts).
std::vector<Candidate> candidates(const EVP_MD* md, const std::vector<Bytes>& hashes,
                                  const std::optional<Bytes>& ha, const ArchiveTimeStamp& ats) {
    std::vector<Candidate> out;
    for (std::size_t k = 0; k < hashes.size(); ++k) {
        const Bytes& hd = hashes[k];
        const bool canonical = k > 0;
        if (!ha) {
            out.push_back({hd, true, true, canonical});
            continue;
        }
        // RFC 4998 5.2 step 4 joins h(d) || ha; RFC 6283 4.2.2 sorts them. The two agree when
        // h(d) sorts first.
        const bool hd_first =
            !std::lexicographical_compare(ha->begin(), ha->end(), hd.begin(), hd.end());
        if (hd_first) {
            out.push_back({concat_hash(md, hd, *ha), true, true, canonical});
        } else {
            out.push_back({concat_hash(md, hd, *ha), false, true, canonical});
            out.push_back({concat_hash(md, *ha, hd), true, false, canonical});
        }
        // Some writers put h(d) and ha side by side in the first list instead, which hashes to
        // the same node: accept h(d) there when ha is its sibling (a list is always hashed
        // sorted, RFC 4998 4.3, so no join is ours).
        if (ats.reduced_hashtree && !ats.reduced_hashtree->empty() &&
            contains(ats.reduced_hashtree->front(), *ha)) {
            out.push_back({hd, true, true, canonical});
        }
    }
    return out;
}

// RFC 4998 5.3 steps 1-2 for one data object: every way its hash leads into `ats`. `start` is set
// to the first value that does, where the walk up the tree begins (every value in the first list
// leads to the same root).
validation::ObjectCoverage cover(const DataObject& object, const EVP_MD* md,
                                 const ArchiveTimeStampChain& chain, bool xml,
                                 const std::optional<Bytes>& ha, std::optional<Bytes>& start) {
    const ArchiveTimeStamp& ats = chain.stamps.front();
    validation::ObjectCoverage out{object.name(), object.digest(md), {}};
    if (!out.digest) return out;
    std::vector<Bytes> hashes{*out.digest};
    if (xml) {
        if (auto c = canonical_digest(object, md, chain.xml_c14n)) hashes.push_back(*c);
    }
    const bool no_tree = !ats.reduced_hashtree || ats.reduced_hashtree->empty();
    for (const auto& c : candidates(md, hashes, ha, ats)) {
        const bool covers = no_tree ? token_imprint(ats.time_stamp).second == c.value
                                    : contains(ats.reduced_hashtree->front(), c.value);
        if (!covers) continue;
        out.fits.push_back({c.sorted, c.unsorted, c.canonical});
        if (!start) start = c.value;
    }
    return out;
}

// RFC 4998 4.3 is read two ways where a later list of a reduced tree already holds the value
// computed so far (it joins anyway, or only when absent): ltsign writes no such path, others
// may. The reading the token's imprint confirms is taken, and noted.
std::optional<Bytes> walk(const EVP_MD* md, const ArchiveTimeStamp& ats, ByteView start,
                          ArchiveStampFacts& s) {
    if (!ats.reduced_hashtree) return Bytes(start.begin(), start.end());
    const auto& tree = *ats.reduced_hashtree;
    bool depends = false;
    auto value = root_from_reduced(md, tree, start, JoinReading::always, &depends);
    if (!value || !depends) return value;
    const auto other = root_from_reduced(md, tree, start, JoinReading::when_absent);
    std::optional<Bytes> imprint;
    try {
        imprint = token_imprint(ats.time_stamp).second;
    } catch (const Error&) {
        return value;  // unreadable here: the token's own check reports it
    }
    const bool joins = *value == *imprint, absent = other && *other == *imprint;
    if (joins || absent) {
        s.reading_note =
            Note{NoteCode::record_reading,
                 joins ? trf("{0}: a list of its reduced hash tree already holds the value "
                             "computed so far; it verifies only if that value joins the list "
                             "anyway (one of two readings of RFC 4998 4.3): verifiers that read "
                             "it the other way reject it",
                             {s.where})
                       : trf("{0}: a list of its reduced hash tree already holds the value "
                             "computed so far; it verifies only if that value joins the list "
                             "only when absent (one of two readings of RFC 4998 4.3): verifiers "
                             "that read it the other way reject it",
                             {s.where})};
    }
    return absent && !joins ? other : value;
}

// The token's facts with its imprint checked against `root`; without one, why it cannot be.
validation::SignatureFacts token(const ArchiveTimeStamp& ats, const std::optional<Bytes>& root,
                                 const std::string& why_no_root) {
    cms::ImprintSource src;
    if (root) src.digest = *root;
    auto facts = cms::token_facts(ats.time_stamp, src);
    if (!root) {
        // The imprint is the record's root hash, never "data" a user could pass: say why it
        // could not be computed. Whether the record covers the document is said once, for the
        // whole record.
        facts.imprint = {validation::Check::not_possible, why_no_root};
    }
    return facts;
}

std::string renewal_no_root() {
    return tr(
        "its message imprint is the root hash of its reduced hash tree, which does not start "
        "from the time-stamp it renews");
}
std::string not_led_to() {
    return tr(
        "its message imprint is the root hash of the record's hash tree, which the document "
        "given does not lead to (see the record)");
}
std::string no_document() {
    return tr(
        "its message imprint is the root hash of the record's hash tree, which needs the "
        "protected document's hash: none was given");
}

// The token of `ats`, read as RFC 3161 requires, its imprint against `root`.
void read_token(const ArchiveTimeStamp& ats, const std::optional<Bytes>& root,
                ArchiveStampFacts& s) {
    const bool uncovered = std::any_of(s.objects.begin(), s.objects.end(),
                                       [](const auto& o) { return o.digest && o.fits.empty(); });
    const auto fits_any = [&](bool validation::CoverageFit::*order) {
        return std::any_of(s.objects.begin(), s.objects.end(), [&](const auto& o) {
            return std::any_of(o.fits.begin(), o.fits.end(),
                               [&](const auto& f) { return f.*order; });
        });
    };
    try {
        s.token = token(ats, root,
                        s.renewal   ? renewal_no_root()
                        : uncovered ? not_led_to()
                                    : no_document());
        // Every fit needs one hash order: in the other, the data objects lead nowhere.
        if (root && !s.renewal &&
            (!fits_any(&validation::CoverageFit::sorted) ||
             !fits_any(&validation::CoverageFit::unsorted))) {
            s.token_without_root = token(ats, std::nullopt, not_led_to());
        }
        try {
            s.imprint_md = token_imprint(ats.time_stamp).first;
        } catch (const Error&) {
            // BER tokens OpenSSL's PKCS7 reader refuses (CMS reads them): their imprint is the
            // tree's root, judged with the chain's algorithm.
            s.imprint_md = nullptr;
        }
    } catch (const Error& e) {
        validation::SignatureFacts broken;
        broken.type = EntryType::timestamp;
        broken.is_timestamp = true;
        broken.format_problem = trf("the token of {0} is malformed: {1}", {s.where, e.what()});
        s.token = std::move(broken);
    }
}

// Stamp `j` of chain `i`: the first starts from each data object's hash (joined with ha after a
// hash-tree renewal), a later one from the hash of the time-stamp it renews (RFC 4998 5.2,
// 5.3 step 3).
ArchiveStampFacts read_stamp(const EvidenceRecord& rec, std::size_t i, std::size_t j,
                             const EVP_MD* md, const std::optional<Bytes>& ha,
                             const DataObjects& objects) {
    const bool xml = rec.encoding == EvidenceRecord::Encoding::xml;
    const auto& chain = rec.chains[i];
    const auto& ats = chain.stamps[j];
    ArchiveStampFacts s;
    s.where = trf("chain {0}, time-stamp {1}", {std::to_string(i + 1), std::to_string(j + 1)});
    s.renewal = j > 0;
    std::optional<Bytes> root;
    if (j == 0) {
        std::optional<Bytes> start;
        for (const auto& obj : objects) s.objects.push_back(cover(obj, md, chain, xml, ha, start));
        if (start) root = walk(md, ats, *start, s);
    } else {
        const auto& prev = chain.stamps[j - 1];
        const Bytes start =
            crypto::digest_bytes(md, xml ? prev.xml_time_stamp_c14n : prev.time_stamp);
        root = walk(md, ats, start, s);
        if (!root) {
            s.not_renewing =
                trf("{0} does not cover the time-stamp it renews (its hash {1} is not in the first "
                    "hash list)",
                    {s.where, hex(start)});
        }
    }
    read_token(ats, root, s);
    return s;
}

// The first broken link no hash order mends: later time-stamps are not worth a look (issue 11
// item 15).
bool broken(const ArchiveStampFacts& s) {
    const bool uncovered =
        s.not_renewing || std::any_of(s.objects.begin(), s.objects.end(),
                                      [](const auto& o) { return o.digest && o.fits.empty(); });
    return s.token.format_problem || uncovered ||
           s.token.imprint.status == validation::Check::failed;
}

// Chain `i`: its digest algorithm (from digestAlgorithm or the token's imprint, RFC 4998 5.3),
// what RFC 4998 does not allow in it, and its time-stamps up to the first broken one.
validation::ArchiveChainFacts read_chain(const EvidenceRecord& rec, std::size_t i,
                                         const DataObjects& objects, bool& stop) {
    const bool xml = rec.encoding == EvidenceRecord::Encoding::xml;
    const auto& chain = rec.chains[i];
    validation::ArchiveChainFacts c;
    try {
        c.md = chain_digest(chain);
    } catch (const Error& e) {
        c.format_problems.emplace_back(e.what());
    }
    if (c.md == nullptr) return c;
    const int nid = EVP_MD_get_type(c.md);
    for (const auto& s : chain.stamps) {
        if (s.digest_nid != 0 && s.digest_nid != nid) {
            c.format_problems.push_back(
                trf("the time-stamps of chain {0} use different digest algorithms (RFC 4998 5.3)",
                    {std::to_string(i + 1)}));
        }
    }
    if (!xml && std::find(rec.digest_algorithms.begin(), rec.digest_algorithms.end(), nid) ==
                    rec.digest_algorithms.end()) {
        c.format_problems.push_back(
            trf("digestAlgorithms does not list {0}, which chain {1} uses (RFC 4998 4.1)",
                {crypto::digest_name(c.md), std::to_string(i + 1)}));
    }
    // RFC 4998 5.2 step 4: hash-tree renewal binds the new chain to all earlier ones.
    std::optional<Bytes> ha;
    if (i > 0) ha = xml ? rec.xml_renewal_hash.at(i) : sequence_digest(c.md, rec, i);
    for (std::size_t j = 0; j < chain.stamps.size(); ++j) {
        c.stamps.push_back(read_stamp(rec, i, j, c.md, ha, objects));
        if (broken(c.stamps.back())) {
            stop = true;
            break;
        }
    }
    return c;
}

}  // namespace

std::optional<Bytes> canonical_digest(const DataObject& object, const EVP_MD* md,
                                      const std::string& c14n) {
    return object.form_digest(md, c14n, canonical_form_digest);
}

namespace {

validation::EvidenceRecordFacts record_facts_of_chains(const EvidenceRecord& rec,
                                                       const DataObjects& objects) {
    validation::EvidenceRecordFacts facts;
    facts.chain_count = rec.chains.size();
    facts.objects_given = !objects.empty();
    const bool xml = rec.encoding == EvidenceRecord::Encoding::xml;
    if (!xml) check_renewal_work(rec, "the evidence record");
    bool stop = false;
    for (std::size_t i = 0; i < rec.chains.size() && !stop; ++i) {
        facts.chains.push_back(read_chain(rec, i, objects, stop));
        if (facts.chains.back().md == nullptr) break;
    }
    if (xml && !rec.schema_validated) {
        facts.notes.push_back(
            {NoteCode::schema_not_performed, tr("schema validation was not performed: no standard "
                                                "schemas installed (LTSIGN_SCHEMA_DIR)")});
    }
    return facts;
}

// The record's verification data (cryptoInfos) joins what each token carries for its TSA.
void add_carried(validation::SignatureFacts& token, const VerificationData& data) {
    for (const auto& der : data.certificates) {
        const unsigned char* p = der.data();
        ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (cert) token.certificates.push_back(std::move(cert));
    }
    for (const auto& der : data.crls) {
        const unsigned char* p = der.data();
        ossl::Ptr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
        if (crl) token.crls.push_back(std::move(crl));
    }
    ossl::clear_errors();
    token.ocsp_responses.insert(token.ocsp_responses.end(), data.ocsp.begin(), data.ocsp.end());
}

}  // namespace

validation::EvidenceRecordFacts record_facts(const EvidenceRecord& rec,
                                             const DataObjects& objects) {
    validation::EvidenceRecordFacts facts = record_facts_of_chains(rec, objects);
    const VerificationData data = verification_data(rec);
    for (auto& chain : facts.chains) {
        for (auto& stamp : chain.stamps) {
            add_carried(stamp.token, data);
            if (stamp.token_without_root) add_carried(*stamp.token_without_root, data);
        }
    }
    return facts;
}

SignatureReport verify_record(const EvidenceRecord& record, const DataObjects& objects,
                              const ValidationContext& context, TimePoint at) {
    return validation::judge_evidence_record(record_facts(record, objects), context, at);
}

}  // namespace ltsign::ers
