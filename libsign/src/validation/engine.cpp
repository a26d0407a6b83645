// EN 319 102-1 5.3, validation of basic signatures: the steps (checks.cpp, chain.cpp,
// acceptance.cpp) in order of precedence, merged into one verdict, with the services the context
// gives for the chain and revocation.
#include <algorithm>

#include "ltsign/language.hpp"
#include "validation/evidence.hpp"
#include "validation/services.hpp"
#include "validation/steps.hpp"

namespace ltsign::validation {

StepResult merge(const std::vector<Step>& steps_in_precedence) {
    StepResult last;
    for (const auto& step : steps_in_precedence) {
        last = step();
        if (!last.passed()) return last;
    }
    return last;
}

namespace {

template <class T>
void append(std::vector<T>& to, std::vector<T> more) {
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// What the report says whatever the verdict: the facts as found.
SignatureReport report_of(const SignatureFacts& facts, TimePoint validation_time) {
    SignatureReport r;
    r.type = facts.type;
    r.level = facts.level;
    r.signing_time = facts.claimed_signing_time;
    r.digest_algorithm = facts.digest_algorithm;
    r.signature_algorithm = facts.signature_algorithm;
    r.notes = facts.notes;
    r.signed_data = facts.signed_data;
    if (facts.signer_cert) {
        r.signer = ossl::name_to_string(X509_get_subject_name(facts.signer_cert.get()));
    }
    // Until a proof of existence is found, the signature is only known to exist now.
    r.best_signature_time = validation_time;
    return r;
}

// The last step, reached when every other passed.
StepResult all_passed(const SignatureFacts& facts, TimePoint validation_time) {
    if (facts.is_timestamp) {
        return {Indication::total_passed, SubIndication::none,
                trf("the time-stamped data matches, the TSA's signature verifies, and its "
                    "certificate chains to a trusted anchor at {0}; it proves the data existed at "
                    "{1}",
                    {format_rfc3339(validation_time), format_rfc3339(*facts.gen_time)})};
    }
    return {Indication::total_passed, SubIndication::none,
            trf("the signed data is intact, the signature value verifies, and the signer's "
                "certificate chains to a trusted anchor at {0}",
                {format_rfc3339(validation_time)})};
}

SignatureReport conclude(SignatureReport r, StepResult verdict, bool is_timestamp) {
    r.indication = verdict.indication;
    r.sub_indication = verdict.sub_indication;
    r.explanation = std::move(verdict.explanation);
    // Every verdict explains itself: a step whose facts gave no reason still names its outcome
    // rather than leave the reader with a bare code.
    if (r.explanation.empty()) {
        const std::string i(to_string(r.indication));
        const SubIndication s = r.sub_indication;
        const std::string code =
            s == SubIndication::none ? i : i + " (" + std::string(to_string(s)) + ")";
        r.explanation =
            is_timestamp
                ? trf("the time-stamp is {0}; the step that decided it recorded no reason", {code})
                : trf("the signature is {0}; the step that decided it recorded no reason", {code});
    }
    return r;
}

// EN 319 102-1 5.3 for one signature or token, without its own time-stamps: the steps in the
// order of precedence of 5.3.4. A tampered document fails even without a trust anchor, so the
// cryptographic steps come before the chain; a revoked certificate is judged before the
// algorithms, whose dates are only judged at a proof of existence that survived revocation.
// `holder` is the signature a time-stamp lies in (its validation data serves the time-stamp too).
SignatureReport judge(const SignatureFacts& facts, const SignatureFacts* holder,
                      const ValidationContext& context, std::optional<TimePoint> poe,
                      TimePoint validation_time) {
    SignatureReport r = report_of(facts, validation_time);
    const Carried carried = carried_by(facts, holder);
    // The revocation status that matters is the one when what was signed is proven to exist: at
    // the proof of existence, else at a time-stamp's own time, else now.
    const TimePoint prove_at =
        poe ? *poe : (facts.is_timestamp && facts.gen_time ? *facts.gen_time : validation_time);
    BagCheck bag;
    ChainResult chain;
    std::vector<AlgorithmUse> uses;
    const StepResult verdict = merge({
        [&] { return check_format(facts); },
        [&] { return identify_signing_certificate(facts); },
        [&] { return check_signature_value(facts); },
        [&] {
            bag = check_certificate_bag(facts.certificates, detail::impl(context.trust));
            return check_carried_certificates(bag);
        },
        [&] { return check_references(facts); },
        [&] { return check_timestamp_constraints(facts, poe, validation_time); },
        [&] {
            auto outcome = check_chain(facts, carried, context, *issuer_fetcher_of(context), poe,
                                       validation_time);
            append(r.notes, std::move(outcome.notes));
            chain = std::move(outcome.chain);
            r.chain = chain.chain;
            r.anchored_by = chain.anchored_by;
            return outcome.result;
        },
        [&] { return check_key_usage(facts); },
        [&] {
            append(r.notes, unchecked_certificate_notes(bag, r.chain));
            uses = algorithm_uses(facts, chain);
            auto outcome = check_revocation(facts, carried, context, *revocation_source_of(context),
                                            chain, prove_at, poe);
            r.revocation = std::move(outcome.revocation);
            append(r.notes, std::move(outcome.notes));
            append(uses, std::move(outcome.uses));
            return outcome.result;
        },
        [&] {
            auto outcome = check_algorithms(uses, context.policy, poe.value_or(validation_time),
                                            facts.is_timestamp);
            r.algorithms = std::move(outcome.listed);
            return outcome.result;
        },
        [&] {
            if (!facts.constraints_problem) return StepResult{};
            return StepResult{Indication::indeterminate, SubIndication::sig_constraints_failure,
                              *facts.constraints_problem};
        },
        [&] { return all_passed(facts, validation_time); },
    });
    if (verdict.passed() && facts.is_timestamp) r.best_signature_time = facts.gen_time;
    return conclude(std::move(r), verdict, facts.is_timestamp);
}

// The earliest proof of existence found so far, and what gave it.
struct Proof {
    std::optional<TimePoint> at;
    std::string source;
    void offer(std::optional<TimePoint> t, const std::string& from) {
        if (t && (!at || *t < *at)) {
            at = t;
            source = from;
        }
    }
};

// The facts with the signing certificate looked for among the anchors and extra certificates
// (5.2.3: a token made without certReq leaves it out); nullopt when that is not needed.
std::optional<SignatureFacts> resolve_signer(const SignatureFacts& given,
                                             const ValidationContext& context) {
    if (given.signer_cert || !given.with_candidates) return std::nullopt;
    std::vector<X509*> candidates;
    for (const auto& c : detail::impl(context.trust).anchors) candidates.push_back(c.get());
    for (const auto& c : detail::impl(context.extra_certificates).anchors)
        candidates.push_back(c.get());
    if (candidates.empty()) return std::nullopt;
    auto resolved = given.with_candidates(candidates);
    resolved.external_poe = given.external_poe;
    resolved.external_poe_source = given.external_poe_source;
    return resolved;
}

SignatureReport evaluate_in(const SignatureFacts& given, const SignatureFacts* holder,
                            const ValidationContext& context, TimePoint validation_time,
                            const Proof& covering);

// EN 319 102-1 5.6.3: the archive time-stamps latest first, each validated with the proof of
// existence the later ones that passed give it (past validation of an expired TSA certificate);
// the earliest that passed proves the signature, its time-stamps and validation data existed.
std::vector<SignatureReport> evaluate_archive(const SignatureFacts& facts,
                                              const ValidationContext& context,
                                              TimePoint validation_time, Proof& proof) {
    std::vector<const SignatureFacts*> order;
    for (const auto& a : facts.archive_timestamps) order.push_back(&a);
    std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
        return a->gen_time.value_or(TimePoint::min()) > b->gen_time.value_or(TimePoint::min());
    });
    std::vector<SignatureReport> out;
    for (const SignatureFacts* ats : order) {
        out.push_back(evaluate_in(*ats, &facts, context, validation_time, proof));
        if (out.back().indication == Indication::total_passed && ats->gen_time) {
            proof.offer(ats->gen_time,
                        "its archive time-stamp of " + format_rfc3339(*ats->gen_time));
        }
    }
    std::reverse(out.begin(), out.end());  // oldest first, as they were added
    return out;
}

// The note for a time-stamp over the signature that could not be confirmed: one sentence per kind,
// so that each language can say it whole.
std::string unconfirmed_stamp(EntryType type, std::string_view sub, const std::string& why) {
    const std::string code(sub);
    if (type == EntryType::archive_timestamp)
        return trf(
            "an archive time-stamp could not be confirmed ({0}), so it proves nothing about "
            "when the signature existed: {1}",
            {code, why});
    if (type == EntryType::evidence_record)
        return trf(
            "an embedded evidence record could not be confirmed ({0}), so it proves nothing "
            "about when the signature existed: {1}",
            {code, why});
    return trf(
        "a signature time-stamp could not be confirmed ({0}), so it proves nothing about "
        "when the signature existed: {1}",
        {code, why});
}

// A time-stamp over the signature that is broken (not merely unconfirmed) means the signature
// file has been tampered with: the signature cannot pass (EN 319 122-1: B-T and B-LTA must be
// technically valid). One that is unconfirmed proves nothing, and a note says so.
void judge_stamps(SignatureReport& r) {
    for (const auto& ts : r.timestamps) {
        const bool record = ts.type == EntryType::evidence_record;
        const std::string what = ts.type == EntryType::archive_timestamp ? tr("archive time-stamp")
                                 : record ? tr("embedded evidence record")
                                          : tr("signature time-stamp");
        if (ts.indication == Indication::total_failed && r.indication != Indication::total_failed) {
            r.indication = Indication::total_failed;
            r.sub_indication = ts.sub_indication;
            r.explanation = trf("the signature's {0} is broken: {1}", {what, ts.explanation});
            return;
        }
        if (ts.indication == Indication::indeterminate) {
            r.notes.push_back(
                {record ? NoteCode::evidence_record_not_verified
                        : NoteCode::timestamp_not_confirmed,
                 unconfirmed_stamp(ts.type, to_string(ts.sub_indication), ts.explanation)});
        }
    }
}

SignatureReport evaluate_in(const SignatureFacts& given, const SignatureFacts* holder,
                            const ValidationContext& context, TimePoint validation_time,
                            const Proof& covering) {
    const std::optional<SignatureFacts> resolved = resolve_signer(given, context);
    const SignatureFacts& facts = resolved ? *resolved : given;
    Proof proof = covering;
    std::vector<SignatureReport> archive = evaluate_archive(facts, context, validation_time, proof);
    std::vector<SignatureReport> stamps;
    for (const auto& ts : facts.timestamps)
        stamps.push_back(evaluate_in(ts, &facts, context, validation_time, proof));
    // Proof of existence (EN 319 102-1 5.6.2.4): the earliest time-stamp over the signature that
    // passed, an archive time-stamp, or an evidence record over the signature file.
    for (const auto& ts : stamps) {
        if (ts.indication == Indication::total_passed && ts.signing_time)
            proof.offer(ts.signing_time, "its signature time-stamp");
    }
    proof.offer(facts.external_poe, facts.external_poe_source);
    std::vector<SignatureReport> records;
    for (const auto& record : facts.evidence_records) {
        records.push_back(judge_evidence_record(*record, context, validation_time));
        if (records.back().indication == Indication::total_passed)
            proof.offer(records.back().signing_time, "its embedded evidence record");
    }
    SignatureReport r = judge(facts, holder, context, proof.at, validation_time);
    r.timestamps = std::move(stamps);
    append(r.timestamps, std::move(archive));
    append(r.timestamps, std::move(records));
    if (proof.at && !facts.is_timestamp) {
        r.best_signature_time = proof.at;
        r.notes.push_back({NoteCode::poe_used, trf("{0} proves the signature existed on {1}",
                                                   {proof.source, format_rfc3339(*proof.at)})});
    } else if (proof.at && covering.at && facts.is_timestamp) {
        r.notes.push_back(
            {NoteCode::poe_used, trf("{0} proves this time-stamp existed on {1}",
                                     {covering.source, format_rfc3339(*covering.at)})});
    }
    judge_stamps(r);
    if (!facts.is_timestamp) plan_renewal(r, context.policy);
    return r;
}

}  // namespace

void plan_renewal(SignatureReport& report, const ValidationPolicy& policy) {
    const SignatureReport* latest = nullptr;
    for (const auto& ts : report.timestamps) {
        if (ts.signing_time && !ts.chain.empty() &&
            (!latest || *ts.signing_time > *latest->signing_time)) {
            latest = &ts;
        }
    }
    if (latest == nullptr) return;
    TimePoint by = latest->chain.front().not_after;
    for (const auto& c : latest->chain) by = std::min(by, c.not_after);
    if (auto end = policy.end_of_digest(latest->digest_algorithm)) by = std::min(by, *end);
    for (const auto& a : latest->algorithms) {
        if (a.acceptable_until) by = std::min(by, *a.acceptable_until);
    }
    TimePoint from = *latest->signing_time;
    for (const auto& v : latest->revocation) {
        if (v.evidence.empty() || is_ocsp(v.kind)) {
            continue;
        }
        const auto der = core::from_public_bytes(v.evidence);
        const unsigned char* p = der.data();
        const ossl::Ptr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
        ossl::clear_errors();
        const ASN1_TIME* next = crl ? X509_CRL_get0_nextUpdate(crl.get()) : nullptr;
        if (next != nullptr &&
            ossl::to_time_point(X509_CRL_get0_lastUpdate(crl.get())) < *latest->signing_time) {
            from = std::max(from, ossl::to_time_point(next));
        }
    }
    report.renew_by = by;
    report.renew_from = from;
}

SignatureReport evaluate(const SignatureFacts& given, const ValidationContext& context,
                         TimePoint validation_time) {
    return evaluate_in(given, nullptr, context, validation_time, {});
}

}  // namespace ltsign::validation
