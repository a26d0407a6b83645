// EN 319 102-1 5.3, validation of basic signatures: the steps (checks.cpp, chain.cpp,
// acceptance.cpp) in order of precedence, merged into one verdict, with the services the context
// gives for the chain and revocation.
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
                "the time-stamped data matches, the TSA's signature verifies, and its certificate "
                "chains to a trusted anchor at " +
                    format_rfc3339(validation_time) + "; it proves the data existed at " +
                    format_rfc3339(*facts.gen_time)};
    }
    return {Indication::total_passed, SubIndication::none,
            "the signed data is intact, the signature value verifies, and the signer's "
            "certificate chains to a trusted anchor at " +
                format_rfc3339(validation_time)};
}

SignatureReport conclude(SignatureReport r, StepResult verdict, const std::string& what) {
    r.indication = verdict.indication;
    r.sub_indication = verdict.sub_indication;
    r.explanation = std::move(verdict.explanation);
    // Every verdict explains itself: a step whose facts gave no reason still names its outcome
    // rather than leave the reader with a bare code.
    if (r.explanation.empty()) {
        const Indication i = r.indication;
        const SubIndication s = r.sub_indication;
        r.explanation =
            "the " + what + " is " + std::string(to_string(i)) +
            (s == SubIndication::none ? std::string() : " (" + std::string(to_string(s)) + ")") +
            "; the step that decided it recorded no reason";
    }
    return r;
}

// EN 319 102-1 5.3 for one signature or token, without its own time-stamps: the steps in the
// order of precedence of 5.3.4. A tampered document fails even without a trust anchor, so the
// cryptographic steps come before the chain; a revoked certificate is judged before the
// algorithms, whose dates are only judged at a proof of existence that survived revocation.
SignatureReport judge(const SignatureFacts& facts, const ValidationContext& context,
                      std::optional<TimePoint> poe, TimePoint validation_time) {
    SignatureReport r = report_of(facts, validation_time);
    const std::string what = facts.is_timestamp ? "time-stamp" : "signature";
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
            auto outcome =
                check_chain(facts, context, *issuer_fetcher_of(context), poe, validation_time);
            append(r.notes, std::move(outcome.notes));
            chain = std::move(outcome.chain);
            r.chain = chain.chain;
            return outcome.result;
        },
        [&] { return check_key_usage(facts); },
        [&] {
            append(r.notes, unchecked_certificate_notes(bag, r.chain));
            uses = algorithm_uses(facts, chain);
            auto outcome = check_revocation(facts, context, *revocation_source_of(context), chain,
                                            validation_time, poe);
            r.revocation = std::move(outcome.revocation);
            append(r.notes, std::move(outcome.notes));
            append(uses, std::move(outcome.uses));
            return outcome.result;
        },
        [&] {
            auto outcome =
                check_algorithms(uses, context.policy, poe.value_or(validation_time), what);
            r.algorithms = std::move(outcome.listed);
            return outcome.result;
        },
        [&] { return all_passed(facts, validation_time); },
    });
    if (verdict.passed() && facts.is_timestamp) r.best_signature_time = facts.gen_time;
    return conclude(std::move(r), verdict, what);
}

}  // namespace

SignatureReport evaluate(const SignatureFacts& given, const ValidationContext& context,
                         TimePoint validation_time) {
    // 5.2.3: a signing certificate left out of the signature (a token made without certReq) may
    // be among the anchors or the extra certificates.
    std::optional<SignatureFacts> resolved;
    if (!given.signer_cert && given.with_candidates) {
        std::vector<X509*> candidates;
        for (const auto& c : detail::impl(context.trust).anchors) candidates.push_back(c.get());
        for (const auto& c : detail::impl(context.extra_certificates).anchors)
            candidates.push_back(c.get());
        if (!candidates.empty()) {
            resolved = given.with_candidates(candidates);
            resolved->external_poe = given.external_poe;
            resolved->external_poe_source = given.external_poe_source;
        }
    }
    const SignatureFacts& facts = resolved ? *resolved : given;
    std::vector<SignatureReport> stamps;
    for (const auto& ts : facts.timestamps)
        stamps.push_back(evaluate(ts, context, validation_time));
    // Proof of existence (EN 319 102-1 5.6.2.4): the earliest time-stamp over the signature that
    // passed, or an evidence record over the signature file, whichever is earlier.
    std::optional<TimePoint> poe;
    std::string poe_source;
    for (const auto& ts : stamps) {
        if (ts.indication == Indication::total_passed && ts.signing_time &&
            (!poe || *ts.signing_time < *poe)) {
            poe = ts.signing_time;
            poe_source = "its signature time-stamp";
        }
    }
    if (facts.external_poe && (!poe || *facts.external_poe < *poe)) {
        poe = facts.external_poe;
        poe_source = facts.external_poe_source;
    }
    SignatureReport r = judge(facts, context, poe, validation_time);
    r.timestamps = std::move(stamps);
    if (poe && !facts.is_timestamp) {
        r.best_signature_time = poe;
        r.notes.push_back({NoteCode::poe_used, poe_source + " proves the signature existed on " +
                                                   format_rfc3339(*poe)});
    }

    // A signature-time-stamp that is broken (not merely unconfirmed) means the signature file has
    // been tampered with: the signature cannot pass (EN 319 122-1 B-T must be technically valid).
    for (const auto& ts : r.timestamps) {
        if (ts.indication == Indication::total_failed && r.indication != Indication::total_failed) {
            r.indication = Indication::total_failed;
            r.sub_indication = ts.sub_indication;
            r.explanation = "the signature's time-stamp is broken: " + ts.explanation;
            return r;
        }
        if (ts.indication == Indication::indeterminate) {
            r.notes.push_back({NoteCode::timestamp_not_confirmed,
                               "a signature time-stamp could not be confirmed (" +
                                   std::string(to_string(ts.sub_indication)) +
                                   "), so it proves nothing about when the signature existed: " +
                                   ts.explanation});
        }
    }
    return r;
}

}  // namespace ltsign::validation
