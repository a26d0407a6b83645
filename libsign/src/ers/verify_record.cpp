#include "ers/verify_record.hpp"

#include <algorithm>

#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "tsp/token.hpp"
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
            o.digests[EVP_MD_get_type(md)] = Bytes(value.begin(), value.end());
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
    std::vector<validation::SignatureFacts> facts;
    std::vector<std::string> where;  // "chain 1, time-stamp 2" for each stamp
    std::vector<std::string> algorithms;

    for (std::size_t i = 0; i < rec.chains.size(); ++i) {
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
        if (i > 0)
            ha = crypto::digest_bytes(md, xml ? rec.xml_sequence_c14n.at(i) : sequence_der(rec, i));

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
                        continue;
                    }
                    std::vector<Bytes> hashes{*h};
                    if (xml) {
                        if (auto c = obj.canonical_digest(md, chain.xml_c14n)) hashes.push_back(*c);
                    }
                    std::vector<Bytes> candidates;
                    for (const auto& hd : hashes) {
                        if (!ha) {
                            candidates.push_back(hd);
                            continue;
                        }
                        candidates.push_back(concat_hash(md, hd, *ha));
                        candidates.push_back(concat_hash(md, *ha, hd));
                        // Some writers put h(d) and ha side by side in the first list instead,
                        // which hashes to the same node: accept h(d) there when ha is its sibling.
                        const auto& first = ats.reduced_hashtree && !ats.reduced_hashtree->empty()
                                                ? ats.reduced_hashtree->front()
                                                : PartialHashtree{};
                        if (std::find(first.begin(), first.end(), *ha) != first.end())
                            candidates.push_back(hd);
                    }
                    std::optional<Bytes> hit;
                    for (const auto& c : candidates) {
                        const bool in_tree = ats.reduced_hashtree &&
                                             !ats.reduced_hashtree->empty() &&
                                             std::find(ats.reduced_hashtree->front().begin(),
                                                       ats.reduced_hashtree->front().end(),
                                                       c) != ats.reduced_hashtree->front().end();
                        const bool is_imprint =
                            (!ats.reduced_hashtree || ats.reduced_hashtree->empty()) &&
                            token_imprint(ats.time_stamp).second == c;
                        if (in_tree || is_imprint) hit = c;
                    }
                    if (!hit) {
                        not_covered = "the record does not cover " + obj.name + ": its " +
                                      crypto::digest_name(md) + " digest " + hex(*h) +
                                      " is not in " + where.back();
                    } else {
                        found.push_back(*hit);
                    }
                }
                if (!found.empty()) {
                    root = ats.reduced_hashtree
                               ? root_from_reduced(md, *ats.reduced_hashtree, found.front())
                               : found.front();
                }
            } else {
                // Time-stamp renewal (RFC 4998 5.2, 5.3 step 3): the previous time-stamp, hashed.
                const auto& prev = chain.stamps[j - 1];
                const Bytes start =
                    crypto::digest_bytes(md, xml ? prev.xml_time_stamp_c14n : prev.time_stamp);
                root = ats.reduced_hashtree ? root_from_reduced(md, *ats.reduced_hashtree, start)
                                            : start;
                if (!root) {
                    not_covered = where.back() +
                                  " does not cover the time-stamp it renews (its hash " +
                                  hex(start) + " is not in the first hash list)";
                }
            }
            try {
                tsp::ImprintSource src;
                if (root) src.digest = *root;
                facts.push_back(tsp::token_facts(ats.time_stamp, src));
            } catch (const Error& e) {
                validation::SignatureFacts broken;
                broken.type = "timestamp";
                broken.is_timestamp = true;
                broken.format_problem =
                    std::string("the token of ") + where.back() + " is malformed: " + e.what();
                facts.push_back(std::move(broken));
            }
        }
    }

    // Validating at a past time: time-stamps made after it did not exist then and are left out,
    // so the verdict is the one the record deserved at that time.
    std::size_t later = 0;
    while (facts.size() > 1 && facts.back().gen_time && *facts.back().gen_time > at) {
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
    for (std::size_t k = 1; k < facts.size(); ++k) {
        if (facts[k].gen_time && facts[k - 1].gen_time &&
            *facts[k].gen_time < *facts[k - 1].gen_time) {
            return verdict(Indication::indeterminate, SubIndication::timestamp_order_failure,
                           where[k] + " is dated " + format_rfc3339(*facts[k].gen_time) +
                               ", before the time-stamp it renews (" +
                               format_rfc3339(*facts[k - 1].gen_time) + ")");
        }
    }
    if (data_missing) {
        return verdict(Indication::indeterminate, SubIndication::signed_data_not_found,
                       "the protected document was not given, so the record cannot be checked "
                       "against it; pass it with --data");
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
