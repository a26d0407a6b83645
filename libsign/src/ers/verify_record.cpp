#include "ers/verify_record.hpp"

#include <algorithm>

#include "cms/timestamp_token.hpp"
#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "validation/model.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign::ers {
namespace {

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

// A value the first list of a hash-tree renewal's tree may hold for a data object, and the joins
// of h(d) and ha it follows (both when h(d) sorts first, or when no join was made by us).
struct Candidate {
    Bytes value;
    bool sorted = true;
    bool unsorted = true;
};

bool allowed(const Candidate& c, ErsHashOrder order) {
    return order == ErsHashOrder::both || (order == ErsHashOrder::sorted ? c.sorted : c.unsorted);
}

// RFC 6283 4.2.2 / RFC 4998 5.2 step 4, named for the report.
std::string join_name(bool sorted) {
    return sorted ? "sorted concatenation (h(d) and ha binary ascending, RFC 6283 4.2.2)"
                  : "unsorted concatenation (h(d) || ha, RFC 4998 5.2 step 4)";
}

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
                    what_chains + ": checking its " + std::to_string(rec.chains.size()) +
                        " hash-tree renewals would hash " + std::to_string(work >> 20) +
                        " MiB, more than ltsign allows for a record of this size (" +
                        std::to_string(limit >> 20) + " MiB)");
    }
}

// One algorithm the record relies on, and until when it had to stay acceptable (RFC 4998 5.3,
// EN 319 102-1 5.6.2.3): until something newer protected what it protected, or until the
// validation time for the newest protection.
struct AlgorithmUse {
    const EVP_MD* md = nullptr;
    std::string purpose;  // "the hash tree of chain 1 (the document and earlier chains)"
    TimePoint until{};
    std::string superseded_by;  // empty: nothing newer, judged at the validation time
};

}  // namespace

std::optional<Bytes> DataObject::digest(const EVP_MD* md) {
    const int nid = EVP_MD_get_type(md);
    if (auto it = digests.find(nid); it != digests.end()) return it->second;
    if (!file) return std::nullopt;
    auto d = crypto::digest_file(md, *file);
    digests.emplace(nid, d);
    return d;
}

std::optional<Bytes> DataObject::canonical_digest(const EVP_MD* md, const std::string& c14n) {
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

std::vector<DataObject> data_objects(const VerifyOptions& options) {
    std::vector<DataObject> out;
    if (options.data) out.push_back({options.data->string(), options.data, {}});
    for (const auto& f : options.more_data) out.push_back({f.string(), f, {}});
    int n = 0;
    for (const auto& d : options.data_digests) {
        DataObject o{"data object " + std::to_string(++n) + " (by digest)", std::nullopt, {}};
        for (const auto& [alg, value] : d.digests) {
            const EVP_MD* md = EVP_get_digestbyname(alg.c_str());
            if (md == nullptr) throw Error(Errc::usage, "unknown digest algorithm " + alg);
            o.digests[EVP_MD_get_type(md)] = core::from_public_bytes(value);
        }
        out.push_back(std::move(o));
    }
    return out;
}

SignatureReport verify_record(const EvidenceRecord& rec, std::vector<DataObject>& objects,
                              const ValidationContext& context, TimePoint at) {
    SignatureReport r;
    r.type = "evidence-record";
    auto verdict = [&](Indication i, SubIndication s, std::string why) {
        r.indication = i;
        r.sub_indication = s;
        r.explanation = std::move(why);
        return r;
    };
    const bool xml = rec.encoding == EvidenceRecord::Encoding::xml;

    std::optional<std::string> format_problem, not_covered;
    bool data_missing = objects.empty();
    std::optional<std::string> missing_digest;  // a digest a chain needs that no object has
    std::vector<validation::SignatureFacts> facts;
    std::vector<std::string> where;  // "chain 1, time-stamp 2" for each stamp
    std::vector<std::string> algorithms;
    std::vector<const EVP_MD*> chain_md;           // per chain
    std::vector<std::size_t> chain_of_first_fact;  // per chain: index of its first stamp in facts
    std::vector<const EVP_MD*> imprint_md;         // per stamp: its token's imprint algorithm

    if (!xml) check_renewal_work(rec, "the evidence record");
    bool stop = false;
    for (std::size_t i = 0; i < rec.chains.size() && !stop; ++i) {
        const auto& chain = rec.chains[i];
        const EVP_MD* md = nullptr;
        try {
            md = chain_digest(chain);
        } catch (const Error& e) {
            format_problem = e.what();
        }
        if (md == nullptr) {
            if (!format_problem)
                format_problem =
                    "chain " + std::to_string(i + 1) + " uses an unknown digest algorithm";
            break;
        }
        algorithms.push_back(crypto::digest_name(md));
        chain_md.push_back(md);
        for (const auto& s : chain.stamps) {
            if (s.digest_nid != 0 && s.digest_nid != EVP_MD_get_type(md)) {
                format_problem = "the time-stamps of chain " + std::to_string(i + 1) +
                                 " use different digest algorithms (RFC 4998 5.3)";
            }
        }
        if (!xml && std::find(rec.digest_algorithms.begin(), rec.digest_algorithms.end(),
                              EVP_MD_get_type(md)) == rec.digest_algorithms.end()) {
            format_problem = "digestAlgorithms does not list " + crypto::digest_name(md) +
                             ", which chain " + std::to_string(i + 1) + " uses (RFC 4998 4.1)";
        }
        // RFC 4998 5.2 step 4: hash-tree renewal binds the new chain to all earlier ones.
        std::optional<Bytes> ha;
        if (i > 0) ha = xml ? rec.xml_renewal_hash.at(i) : sequence_digest(md, rec, i);
        chain_of_first_fact.push_back(facts.size());
        // RFC 4998 4.3 is read two ways where a later list of a reduced tree already holds the
        // value computed so far (it joins anyway, or only when absent): ltsign writes no such
        // path, others may. The reading the token's imprint confirms is taken, and noted.
        const auto walk = [&](const std::vector<PartialHashtree>& tree, ByteView start,
                              ByteView token) -> std::optional<Bytes> {
            bool depends = false;
            auto value = root_from_reduced(md, tree, start, JoinReading::always, &depends);
            if (!value || !depends) return value;
            const auto other = root_from_reduced(md, tree, start, JoinReading::when_absent);
            std::optional<Bytes> imprint;
            try {
                imprint = token_imprint(token).second;
            } catch (const Error&) {
                return value;  // unreadable here: the token's own check reports it
            }
            const bool joins = *value == *imprint, absent = other && *other == *imprint;
            if (joins || absent) {
                r.notes.push_back(
                    where.back() +
                    ": a list of its reduced hash tree already holds the value computed so far; "
                    "it verifies only if that value joins the list " +
                    (joins ? "anyway" : "only when absent") +
                    " (one of two readings of RFC 4998 4.3): verifiers that read it the other "
                    "way reject it");
            }
            return absent && !joins ? other : value;
        };

        for (std::size_t j = 0; j < chain.stamps.size(); ++j) {
            const auto& ats = chain.stamps[j];
            where.push_back("chain " + std::to_string(i + 1) + ", time-stamp " +
                            std::to_string(j + 1));
            std::optional<Bytes> root;
            if (j == 0) {
                // Each data object's hash, joined with ha after a hash-tree renewal (RFC 4998
                // 5.2 step 5: unsorted in DER records seen in the wild, sorted in XML; accept
                // both).
                std::vector<Bytes> found;
                for (auto& obj : objects) {
                    const auto h = obj.digest(md);
                    if (!h) {
                        data_missing = true;
                        if (!missing_digest) missing_digest = crypto::digest_name(md);
                        continue;
                    }
                    std::vector<Bytes> hashes{*h};
                    if (xml) {
                        if (auto c = obj.canonical_digest(md, chain.xml_c14n)) hashes.push_back(*c);
                    }
                    std::vector<Candidate> candidates;
                    std::size_t from_bytes = 0;  // candidates from the plain digest come first
                    for (const auto& hd : hashes) {
                        if (&hd != &hashes.front() && from_bytes == 0)
                            from_bytes = candidates.size();
                        if (!ha) {
                            candidates.push_back({hd});
                            continue;
                        }
                        // RFC 4998 5.2 step 4 joins h(d) || ha; RFC 6283 4.2.2 sorts them. The
                        // two agree when h(d) sorts first.
                        const bool hd_first = !std::lexicographical_compare(ha->begin(), ha->end(),
                                                                            hd.begin(), hd.end());
                        if (hd_first) {
                            candidates.push_back({concat_hash(md, hd, *ha), true, true});
                        } else {
                            candidates.push_back({concat_hash(md, hd, *ha), false, true});
                            candidates.push_back({concat_hash(md, *ha, hd), true, false});
                        }
                        // Some writers put h(d) and ha side by side in the first list instead,
                        // which hashes to the same node: accept h(d) there when ha is its sibling
                        // (a list is always hashed sorted, RFC 4998 4.3, so no join is ours).
                        if (ats.reduced_hashtree && !ats.reduced_hashtree->empty() &&
                            contains(ats.reduced_hashtree->front(), *ha)) {
                            candidates.push_back({hd});
                        }
                    }
                    const bool no_tree = !ats.reduced_hashtree || ats.reduced_hashtree->empty();
                    const auto covers = [&](const Candidate& c) {
                        return no_tree ? token_imprint(ats.time_stamp).second == c.value
                                       : contains(ats.reduced_hashtree->front(), c.value);
                    };
                    const Candidate* hit = nullptr;
                    const Candidate* excluded = nullptr;  // fits only the join not asked for
                    for (const auto& c : candidates) {
                        if (!covers(c)) continue;
                        if (!allowed(c, context.ers_hash_order)) {
                            excluded = &c;
                        } else if (hit == nullptr || (c.sorted && c.unsorted)) {
                            hit = &c;
                        }
                    }
                    if (hit == nullptr && excluded != nullptr) {
                        not_covered = where.back() + " covers the document given only with " +
                                      join_name(excluded->sorted) +
                                      ", which this verification does not accept";
                    } else if (hit == nullptr) {
                        not_covered = "the record does not cover the document given (" + obj.name +
                                      "): its " + crypto::digest_name(md) + " digest " + hex(*h) +
                                      " is not in " + where.back();
                    } else {
                        found.push_back(hit->value);
                        const bool canonical_only =
                            hashes.size() > 1 && from_bytes > 0 &&
                            static_cast<std::size_t>(hit - candidates.data()) >= from_bytes &&
                            std::none_of(candidates.begin(),
                                         candidates.begin() + static_cast<long>(from_bytes),
                                         covers);
                        const std::string xml_note =
                            "the document given matches the record only in canonical XML form ("
                            "RFC 6283): its comments, XML declaration and the spacing inside its "
                            "tags are not protected by the record";
                        if (canonical_only &&
                            std::find(r.notes.begin(), r.notes.end(), xml_note) == r.notes.end()) {
                            r.notes.push_back(xml_note);
                        }
                        const std::string note =
                            "chain " + std::to_string(i + 1) + " verifies with " +
                            join_name(hit->sorted) + " only: verifiers that read only " +
                            (hit->sorted ? "unsorted" : "sorted") + " concatenation reject it";
                        if (hit->sorted != hit->unsorted &&
                            std::find(r.notes.begin(), r.notes.end(), note) == r.notes.end()) {
                            r.notes.push_back(note);
                        }
                    }
                }
                if (!found.empty()) {
                    root = ats.reduced_hashtree
                               ? walk(*ats.reduced_hashtree, found.front(), ats.time_stamp)
                               : found.front();
                }
            } else {
                // Time-stamp renewal (RFC 4998 5.2, 5.3 step 3): the previous time-stamp, hashed.
                const auto& prev = chain.stamps[j - 1];
                const Bytes start =
                    crypto::digest_bytes(md, xml ? prev.xml_time_stamp_c14n : prev.time_stamp);
                root = ats.reduced_hashtree ? walk(*ats.reduced_hashtree, start, ats.time_stamp)
                                            : start;
                if (!root) {
                    not_covered = where.back() +
                                  " does not cover the time-stamp it renews (its hash " +
                                  hex(start) + " is not in the first hash list)";
                }
            }
            try {
                cms::ImprintSource src;
                if (root) src.digest = *root;
                facts.push_back(cms::token_facts(ats.time_stamp, src));
                if (!root) {
                    // The imprint is the record's root hash, never "data" a user could pass: say
                    // why it could not be computed. Whether the record covers the document is
                    // said once, for the whole record.
                    facts.back().imprint = {
                        validation::Check::not_possible,
                        j > 0 ? "its message imprint is the root hash of its reduced hash tree, "
                                "which does not start from the time-stamp it renews"
                        : not_covered
                            ? "its message imprint is the root hash of the record's hash tree, "
                              "which the document given does not lead to (see the record)"
                            : "its message imprint is the root hash of the record's hash tree, "
                              "which needs the protected document's hash: none was given"};
                }
                imprint_md.push_back([&]() -> const EVP_MD* {
                    try {
                        return token_imprint(ats.time_stamp).first;
                    } catch (const Error&) {
                        // BER tokens OpenSSL's PKCS7 reader refuses (CMS reads them): their
                        // imprint is the tree's root, judged with the chain's algorithm.
                        return nullptr;
                    }
                }());
            } catch (const Error& e) {
                validation::SignatureFacts broken;
                broken.type = "timestamp";
                broken.is_timestamp = true;
                broken.format_problem =
                    std::string("the token of ") + where.back() + " is malformed: " + e.what();
                facts.push_back(std::move(broken));
            }
            imprint_md.resize(facts.size());
            // The first broken link decides the verdict (TOTAL_FAILED): later stamps are not
            // worth a look, and a record of a million bogus stamps costs one (issue 11 item 15).
            if (facts.back().format_problem || not_covered ||
                facts.back().imprint.status == validation::Check::failed) {
                stop = true;
                break;
            }
        }
    }

    // Validating at a past time: time-stamps made after it did not exist then and are left out,
    // so the verdict is the one the record deserved at that time. If that leaves nothing, the
    // record proves nothing at that time (review issue 11 item 24).
    std::size_t later = 0;
    std::optional<TimePoint> first_after;
    while (!facts.empty() && facts.back().gen_time && *facts.back().gen_time > at) {
        first_after = facts.back().gen_time;
        facts.pop_back();
        where.pop_back();
        ++later;
    }
    if (later > 0) {
        r.notes.push_back(std::to_string(later) +
                          " archive time-stamp(s) made after the validation time " +
                          format_rfc3339(at) + " were left out");
    }
    // Each time-stamp is validated when the next one proves it existed; the last one now.
    for (std::size_t k = 0; k < facts.size(); ++k) {
        TimePoint when = at;
        if (k + 1 < facts.size() && facts[k + 1].gen_time) when = *facts[k + 1].gen_time;
        auto ts = validation::evaluate(facts[k], context, when);
        ts.explanation = where[k] + ": " + ts.explanation;
        r.timestamps.push_back(std::move(ts));
    }
    r.digest_algorithm = [&] {
        std::string s;
        for (const auto& a : algorithms) s += (s.empty() ? "" : ", ") + a;
        return s;
    }();
    r.notes.push_back(std::to_string(rec.chains.size()) + " chain(s), " +
                      std::to_string(facts.size()) + " archive time-stamp(s)");
    // RFC 4998 5.3 / EN 319 102-1 5.6.2.3: an algorithm carries the proof only while it is
    // acceptable. Chain i's hash tree (the document, and the earlier chains) must stay acceptable
    // until chain i + 1 hashed them again; a time-stamp's imprint until the next time-stamp
    // covered it; the newest ones until the validation time.
    std::vector<AlgorithmUse> uses;
    const auto time_of = [&](std::size_t fact) {
        return fact < facts.size() && facts[fact].gen_time ? *facts[fact].gen_time : at;
    };
    for (std::size_t i = 0; i < chain_md.size(); ++i) {
        const std::size_t first = chain_of_first_fact[i];
        if (first >= facts.size()) break;  // made after the validation time
        AlgorithmUse u{
            chain_md[i],
            "the hash tree of chain " + std::to_string(i + 1) +
                (i == 0 ? " (the document's hash)"
                        : " (the document's hash and chains 1 to " + std::to_string(i) + ")"),
            at, ""};
        if (i + 1 < chain_md.size() && chain_of_first_fact[i + 1] < facts.size()) {
            u.until = time_of(chain_of_first_fact[i + 1]);
            u.superseded_by = "chain " + std::to_string(i + 2);
        }
        uses.push_back(std::move(u));
    }
    for (std::size_t k = 0; k < facts.size() && k < imprint_md.size(); ++k) {
        if (imprint_md[k] == nullptr) continue;  // unreadable token: reported as such above
        AlgorithmUse u{imprint_md[k], "the message imprint of " + where[k], at, ""};
        if (k + 1 < facts.size()) {
            u.until = time_of(k + 1);
            u.superseded_by = where[k + 1];
        }
        uses.push_back(std::move(u));
    }
    std::optional<std::string> weak;
    for (const auto& u : uses) {
        const std::string name = crypto::digest_name(u.md);
        const auto end = context.policy.end_of_digest(name);
        const bool known = context.policy.knows_digest(name);
        const bool ok = known && (!end || u.until < *end);
        r.algorithms.push_back(
            {u.purpose +
                 (u.superseded_by.empty() ? "" : ", until " + u.superseded_by + " renewed it"),
             name, end, u.until, ok});
        if (!known && !weak) {
            weak = name + " (" + u.purpose + ") is not an algorithm the validation policy accepts";
        } else if (!ok && !weak) {
            weak = name + " stopped being acceptable on " + format_rfc3339(*end) + ", but " +
                   u.purpose + " relied on it until " + format_rfc3339(u.until) +
                   (u.superseded_by.empty()
                        ? ", the validation time: nothing renewed it with a stronger algorithm"
                        : ", when " + u.superseded_by + " renewed it: too late") +
                   "; nothing proves it existed while " + name + " was still acceptable";
        }
    }

    if (!facts.empty() && facts.front().gen_time) {
        r.signing_time = facts.front().gen_time;
        r.best_signature_time = at;
    }

    if (format_problem)
        return verdict(Indication::total_failed, SubIndication::format_failure, *format_problem);
    if (not_covered)
        return verdict(Indication::total_failed, SubIndication::hash_failure, *not_covered);
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::total_failed) {
            return verdict(Indication::total_failed, ts.sub_indication,
                           "an archive time-stamp is broken: " + ts.explanation);
        }
    }
    if (facts.empty()) {
        return verdict(Indication::indeterminate, SubIndication::no_poe,
                       "the record's first time-stamp is dated " +
                           (first_after ? format_rfc3339(*first_after) : std::string("?")) +
                           ", after the validation time " + format_rfc3339(at) +
                           ": it proves nothing about the document at that time");
    }
    for (std::size_t k = 1; k < facts.size(); ++k) {
        if (facts[k].gen_time && facts[k - 1].gen_time &&
            *facts[k].gen_time < *facts[k - 1].gen_time) {
            return verdict(Indication::indeterminate, SubIndication::timestamp_order_failure,
                           where[k] + " is dated " + format_rfc3339(*facts[k].gen_time) +
                               ", before the time-stamp it renews (" +
                               format_rfc3339(*facts[k - 1].gen_time) + ")");
        }
    }
    if (weak) {
        return verdict(Indication::indeterminate, SubIndication::crypto_constraints_failure_no_poe,
                       *weak);
    }
    if (data_missing) {
        return verdict(Indication::indeterminate, SubIndication::signed_data_not_found,
                       objects.empty() || !missing_digest
                           ? "the protected document was not given, so the record cannot be "
                             "checked against it"
                           : "the document given is known by no " + *missing_digest +
                                 " digest, which the record needs: give the document itself, "
                                 "or that digest too");
    }
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::indeterminate) {
            return verdict(Indication::indeterminate, ts.sub_indication,
                           "an archive time-stamp could not be confirmed: " + ts.explanation);
        }
    }
    r.best_signature_time = r.signing_time;
    const std::string first = r.signing_time ? format_rfc3339(*r.signing_time) : "?";
    const std::string last = facts.back().gen_time ? format_rfc3339(*facts.back().gen_time) : "?";
    return verdict(Indication::total_passed, SubIndication::none,
                   "the record's hash tree covers the document and its " +
                       std::to_string(facts.size()) +
                       " archive time-stamp(s) form an unbroken chain from " + first + " to " +
                       last + ": the document existed, unchanged, on " + first);
}

}  // namespace ltsign::ers
