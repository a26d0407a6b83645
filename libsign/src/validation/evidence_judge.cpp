// The judge of evidence records (RFC 4998 5.3, RFC 6283 5.3): what the ers area read from a
// record and its data objects, merged with each time-stamp's verdict from evaluate().
#include <algorithm>

#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "validation/evidence.hpp"

namespace ltsign::validation {
namespace {

std::string hex(const core::Bytes& b) {
    return ossl::to_hex(b.data(), b.size());
}

bool allowed(const CoverageFit& f, ErsHashOrder order) {
    return order == ErsHashOrder::both || (order == ErsHashOrder::sorted ? f.sorted : f.unsorted);
}

// RFC 6283 4.2.2 / RFC 4998 5.2 step 4, named for the report.
std::string join_name(bool sorted) {
    return sorted ? tr("sorted concatenation (h(d) and ha binary ascending, RFC 6283 4.2.2)")
                  : tr("unsorted concatenation (h(d) || ha, RFC 4998 5.2 step 4)");
}

void add_once(std::vector<Note>& notes, Note note) {
    if (std::find(notes.begin(), notes.end(), note) == notes.end())
        notes.push_back(std::move(note));
}

// The time-stamps and chains the judge reached (RFC 4998 5.3), and what it found on the way.
struct Walk {
    std::optional<std::string> format_problem;
    std::optional<std::string> not_covered;
    bool data_missing = false;
    std::optional<std::string> missing_digest;  // a digest a chain needs that no object has
    struct Stamp {
        const ArchiveStampFacts* facts;
        const SignatureFacts* token;  // the facts judged: with the root, or without one
    };
    std::vector<Stamp> stamps;
    struct Chain {
        const EVP_MD* md;
        std::size_t first;  // index of its first time-stamp in stamps
    };
    std::vector<Chain> chains;
};

// The first time-stamp of chain `chain`: each data object's hash must lead into it in a hash
// order the caller accepts. True when one does (then its token's imprint is the tree's root).
bool judge_coverage(const ArchiveStampFacts& s, const EVP_MD* md, std::size_t chain,
                    ErsHashOrder order, Walk& w, std::vector<Note>& notes) {
    bool found = false;
    for (const auto& obj : s.objects) {
        if (!obj.digest) {
            w.data_missing = true;
            if (!w.missing_digest) w.missing_digest = crypto::digest_name(md);
            continue;
        }
        const CoverageFit* hit = nullptr;
        const CoverageFit* excluded = nullptr;  // fits only the join not asked for
        for (const auto& f : obj.fits) {
            if (!allowed(f, order)) {
                excluded = &f;
            } else if (hit == nullptr || (f.sorted && f.unsorted)) {
                hit = &f;
            }
        }
        if (hit == nullptr && excluded != nullptr) {
            w.not_covered =
                trf("{0} covers the document given only with {1}, which this verification does not "
                    "accept",
                    {s.where, join_name(excluded->sorted)});
            continue;
        }
        if (hit == nullptr) {
            w.not_covered =
                trf("the record does not cover the document given ({0}): its {1} digest {2} is not "
                    "in {3}",
                    {obj.object, crypto::digest_name(md), hex(*obj.digest), s.where});
            continue;
        }
        found = true;
        const bool canonical_only =
            hit->canonical && std::all_of(obj.fits.begin(), obj.fits.end(),
                                          [](const CoverageFit& f) { return f.canonical; });
        if (canonical_only) {
            add_once(notes, {NoteCode::record_canonical_only,
                             tr("the document given matches the record only in canonical XML form "
                                "(RFC 6283): its comments, XML declaration and the spacing inside "
                                "its tags are not protected by the record")});
        }
        if (hit->sorted != hit->unsorted) {
            add_once(
                notes,
                {NoteCode::record_hash_order,
                 hit->sorted
                     ? trf("chain {0} verifies with {1} only: verifiers that read only unsorted "
                           "concatenation reject it",
                           {std::to_string(chain + 1), join_name(true)})
                     : trf("chain {0} verifies with {1} only: verifiers that read only sorted "
                           "concatenation reject it",
                           {std::to_string(chain + 1), join_name(false)})});
        }
    }
    return found;
}

// One time-stamp of chain `chain`. False when it is the first broken link, which decides the
// verdict (TOTAL_FAILED): nothing after it is looked at.
bool take_stamp(const ArchiveStampFacts& s, const EVP_MD* md, std::size_t chain, ErsHashOrder order,
                Walk& w, std::vector<Note>& notes) {
    const SignatureFacts* token = &s.token;
    if (!s.renewal) {
        const bool found = judge_coverage(s, md, chain, order, w, notes);
        if (found && s.reading_note) notes.push_back(*s.reading_note);
        if (!found && s.token_without_root) token = &*s.token_without_root;
    } else {
        if (s.reading_note) notes.push_back(*s.reading_note);
        if (s.not_renewing) w.not_covered = s.not_renewing;
    }
    w.stamps.push_back({&s, token});
    return !(token->format_problem || w.not_covered || token->imprint.status == Check::failed);
}

Walk walk(const EvidenceRecordFacts& facts, ErsHashOrder order, std::vector<Note>& notes) {
    Walk w;
    w.data_missing = !facts.objects_given;
    for (std::size_t i = 0; i < facts.chains.size(); ++i) {
        const auto& chain = facts.chains[i];
        for (const auto& problem : chain.format_problems) w.format_problem = problem;
        if (chain.md == nullptr) {
            if (!w.format_problem)
                w.format_problem =
                    trf("chain {0} uses an unknown digest algorithm", {std::to_string(i + 1)});
            break;
        }
        w.chains.push_back({chain.md, w.stamps.size()});
        for (const auto& s : chain.stamps) {
            if (!take_stamp(s, chain.md, i, order, w, notes)) return w;
        }
    }
    return w;
}

// Validating at a past time: time-stamps made after it did not exist then and are left out,
// so the verdict is the one the record deserved at that time. If that leaves nothing, the
// record proves nothing at that time (review issue 11 item 24). The first left out's time.
std::optional<TimePoint> leave_out_later(Walk& w, TimePoint at, std::vector<Note>& notes) {
    std::size_t later = 0;
    std::optional<TimePoint> first_after;
    while (!w.stamps.empty() && w.stamps.back().token->gen_time &&
           *w.stamps.back().token->gen_time > at) {
        first_after = w.stamps.back().token->gen_time;
        w.stamps.pop_back();
        ++later;
    }
    if (later > 0) {
        notes.push_back(
            {NoteCode::record_later_stamps_ignored,
             trf("{0} archive time-stamp(s) made after the validation time {1} were left out",
                 {std::to_string(later), format_rfc3339(at)})});
    }
    return first_after;
}

// One algorithm the record relies on, and until when it had to stay acceptable (RFC 4998 5.3,
// EN 319 102-1 5.6.2.3): until something newer protected what it protected, or until the
// validation time for the newest protection.
struct RecordAlgorithm {
    const EVP_MD* md = nullptr;
    std::string purpose;  // "the hash tree of chain 1 (the document and earlier chains)"
    TimePoint until{};
    std::string superseded_by;  // empty: nothing newer, judged at the validation time
};

// Chain i's hash tree (the document, and the earlier chains) must stay acceptable until chain
// i + 1 hashed them again; a time-stamp's imprint until the next time-stamp covered it; the
// newest ones until the validation time.
std::vector<RecordAlgorithm> record_algorithms(const Walk& w, TimePoint at) {
    std::vector<RecordAlgorithm> uses;
    const auto time_of = [&](std::size_t k) {
        return k < w.stamps.size() && w.stamps[k].token->gen_time ? *w.stamps[k].token->gen_time
                                                                  : at;
    };
    for (std::size_t i = 0; i < w.chains.size(); ++i) {
        if (w.chains[i].first >= w.stamps.size()) break;  // made after the validation time
        RecordAlgorithm u{
            w.chains[i].md,
            i == 0
                ? trf("the hash tree of chain {0} (the document's hash)", {std::to_string(i + 1)})
                : trf("the hash tree of chain {0} (the document's hash and chains 1 to {1})",
                      {std::to_string(i + 1), std::to_string(i)}),
            at, ""};
        if (i + 1 < w.chains.size() && w.chains[i + 1].first < w.stamps.size()) {
            u.until = time_of(w.chains[i + 1].first);
            u.superseded_by = trf("chain {0}", {std::to_string(i + 2)});
        }
        uses.push_back(std::move(u));
    }
    for (std::size_t k = 0; k < w.stamps.size(); ++k) {
        const EVP_MD* md = w.stamps[k].facts->imprint_md;
        if (md == nullptr) continue;  // unreadable token: reported as such
        RecordAlgorithm u{md, trf("the message imprint of {0}", {w.stamps[k].facts->where}), at,
                          ""};
        if (k + 1 < w.stamps.size()) {
            u.until = time_of(k + 1);
            u.superseded_by = w.stamps[k + 1].facts->where;
        }
        uses.push_back(std::move(u));
    }
    return uses;
}

// RFC 4998 5.3 / EN 319 102-1 5.6.2.3: an algorithm carries the proof only while it is
// acceptable. Each is listed in the report; the first that was not is returned.
std::optional<std::string> judge_algorithms(const Walk& w, const ValidationContext& context,
                                            TimePoint at, SignatureReport& r) {
    std::optional<std::string> weak;
    for (const auto& u : record_algorithms(w, at)) {
        const std::string name = crypto::digest_name(u.md);
        const auto end = context.policy.end_of_digest(name);
        const bool known = context.policy.knows_digest(name);
        const bool ok = known && (!end || u.until < *end);
        r.algorithms.push_back({u.superseded_by.empty() ? u.purpose
                                                        : trf("{0}, until {1} renewed it",
                                                              {u.purpose, u.superseded_by}),
                                name, end, u.until, ok});
        if (!known && !weak) {
            weak = trf("{0} ({1}) is not an algorithm the validation policy accepts",
                       {name, u.purpose});
        } else if (!ok && !weak) {
            const std::string ended = format_rfc3339(*end), until = format_rfc3339(u.until);
            weak = u.superseded_by.empty()
                       ? trf("{0} stopped being acceptable on {1}, but {2} relied on it until {3}, "
                             "the validation time: nothing renewed it with a stronger algorithm; "
                             "nothing proves it existed while {0} was still acceptable",
                             {name, ended, u.purpose, until})
                       : trf("{0} stopped being acceptable on {1}, but {2} relied on it until {3}, "
                             "when {4} renewed it: too late; nothing proves it existed while {0} "
                             "was still acceptable",
                             {name, ended, u.purpose, until, u.superseded_by});
        }
    }
    return weak;
}

void set_verdict(SignatureReport& r, Indication i, SubIndication s, std::string why) {
    r.indication = i;
    r.sub_indication = s;
    r.explanation = std::move(why);
}

// The record's verdict, by precedence: a malformed record, a document not covered, a broken
// time-stamp (TOTAL_FAILED); no time-stamp at the validation time, time-stamps out of order,
// a weak algorithm, the document missing, a time-stamp not confirmed (INDETERMINATE).
void decide(SignatureReport& r, const Walk& w, const std::optional<std::string>& weak,
            std::optional<TimePoint> first_after, TimePoint at) {
    if (w.format_problem)
        return set_verdict(r, Indication::total_failed, SubIndication::format_failure,
                           *w.format_problem);
    if (w.not_covered)
        return set_verdict(r, Indication::total_failed, SubIndication::hash_failure,
                           *w.not_covered);
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::total_failed) {
            return set_verdict(r, Indication::total_failed, ts.sub_indication,
                               trf("an archive time-stamp is broken: {0}", {ts.explanation}));
        }
    }
    if (w.stamps.empty()) {
        return set_verdict(r, Indication::indeterminate, SubIndication::no_poe,
                           trf("the record's first time-stamp is dated {0}, after the validation "
                               "time {1}: it proves nothing about the document at that time",
                               {(first_after ? format_rfc3339(*first_after) : std::string("?")),
                                format_rfc3339(at)}));
    }
    for (std::size_t k = 1; k < w.stamps.size(); ++k) {
        const auto& now = w.stamps[k].token->gen_time;
        const auto& before = w.stamps[k - 1].token->gen_time;
        if (now && before && *now < *before) {
            return set_verdict(
                r, Indication::indeterminate, SubIndication::timestamp_order_failure,
                trf("{0} is dated {1}, before the time-stamp it renews ({2})",
                    {w.stamps[k].facts->where, format_rfc3339(*now), format_rfc3339(*before)}));
        }
    }
    if (weak) {
        return set_verdict(r, Indication::indeterminate,
                           SubIndication::crypto_constraints_failure_no_poe, *weak);
    }
    if (w.data_missing) {
        return set_verdict(r, Indication::indeterminate, SubIndication::signed_data_not_found,
                           !w.missing_digest
                               ? tr("the protected document was not given, so the record cannot be "
                                    "checked against it")
                               : trf("the document given is known by no {0} digest, which the "
                                     "record needs: give the document itself, or that digest too",
                                     {*w.missing_digest}));
    }
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::indeterminate) {
            return set_verdict(
                r, Indication::indeterminate, ts.sub_indication,
                trf("an archive time-stamp could not be confirmed: {0}", {ts.explanation}));
        }
    }
    r.best_signature_time = r.signing_time;
    const std::string first = r.signing_time ? format_rfc3339(*r.signing_time) : "?";
    const auto& last_time = w.stamps.back().token->gen_time;
    const std::string last = last_time ? format_rfc3339(*last_time) : "?";
    set_verdict(
        r, Indication::total_passed, SubIndication::none,
        trf("the record's hash tree covers the document and its {0} archive time-stamp(s) form an "
            "unbroken chain from {1} to {2}: the document existed, unchanged, on {3}",
            {std::to_string(w.stamps.size()), first, last, first}));
}

}  // namespace

SignatureReport judge_evidence_record(const EvidenceRecordFacts& facts,
                                      const ValidationContext& context, TimePoint at) {
    SignatureReport r;
    r.type = EntryType::evidence_record;
    Walk w = walk(facts, context.ers_hash_order, r.notes);
    const auto first_after = leave_out_later(w, at, r.notes);
    // Each time-stamp is validated when the next one proves it existed; the last one now.
    for (std::size_t k = 0; k < w.stamps.size(); ++k) {
        TimePoint when = at;
        if (k + 1 < w.stamps.size() && w.stamps[k + 1].token->gen_time)
            when = *w.stamps[k + 1].token->gen_time;
        auto ts = evaluate(*w.stamps[k].token, context, when);
        ts.explanation = w.stamps[k].facts->where + ": " + ts.explanation;
        r.timestamps.push_back(std::move(ts));
    }
    for (const auto& c : w.chains)
        r.digest_algorithm += (r.digest_algorithm.empty() ? "" : ", ") + crypto::digest_name(c.md);
    r.notes.push_back({NoteCode::record_summary,
                       trf("{0} chain(s), {1} archive time-stamp(s)",
                           {std::to_string(facts.chain_count), std::to_string(w.stamps.size())})});
    const auto weak = judge_algorithms(w, context, at, r);
    if (!w.stamps.empty() && w.stamps.front().token->gen_time) {
        r.signing_time = w.stamps.front().token->gen_time;
        r.best_signature_time = at;
    }
    decide(r, w, weak, first_after, at);
    r.notes.insert(r.notes.end(), facts.notes.begin(), facts.notes.end());
    plan_renewal(r, context.policy);
    return r;
}

}  // namespace ltsign::validation
