// Raising the level of an existing signature without touching what was signed: T (a
// signature-time-stamp), LT (the validation data of the signer and of every time-stamp), LTA (an
// archive time-stamp over all of it; again: renewal).
#include <algorithm>

#include "ltsign/language.hpp"
#include "ltsign/sign.hpp"
#include "ops/container.hpp"
#include "ops/formats.hpp"
#include "ops/services.hpp"
#include "validation/services.hpp"

namespace ltsign {
namespace {

const ops::FormatEntry& extendable(const ops::Input& input) {
    const ops::FormatEntry& entry = ops::format_of(input);
    if (entry.extend == nullptr) {
        throw Error(Errc::malformed_input, trf("{0}: {1} holds no signature that can be extended",
                                               {input.what, tr(entry.description)}));
    }
    return entry;
}

ops::Input input_of(const ops::Input& original, core::Bytes bytes) {
    return {original.path, original.what, std::make_shared<const core::Bytes>(std::move(bytes))};
}

validation::ValidationData validation_data(const FileReport& report) {
    validation::ValidationData data;
    for (const auto& s : report.signatures) ops::collect_validation_data(s, data);
    return data;
}

bool every_signature_at_least(const FileReport& report, SignatureLevel level) {
    return std::all_of(
        report.signatures.begin(), report.signatures.end(), [&](const SignatureReport& s) {
            // A PDF's document time-stamps are entries of their own, no signature.
            return s.type != EntryType::signature || s.level == level ||
                   s.level == SignatureLevel::b_lt || s.level == SignatureLevel::b_lta;
        });
}

std::string verdict_of(const FileReport& r) {
    std::string v(to_string(r.indication));
    if (r.sub_indication != SubIndication::none)
        v += "/" + std::string(to_string(r.sub_indication));
    for (const auto& s : r.signatures) {
        if (s.indication == r.indication) return v + ": " + s.explanation;
    }
    return v;
}

// The first time-stamp (at any depth) that does not pass: the long-term levels embed each one's
// validation data, so each must validate.
const SignatureReport* unconfirmed_stamp(const SignatureReport& r) {
    for (const auto& ts : r.timestamps) {
        if (ts.indication != Indication::total_passed) return &ts;
        if (const auto* deeper = unconfirmed_stamp(ts)) return deeper;
    }
    return nullptr;
}

// Why the long-term levels cannot be reached from `before`; empty when they can.
std::string long_term_refusal(const FileReport& before) {
    if (before.indication != Indication::total_passed) return verdict_of(before);
    for (const auto& s : before.signatures) {
        if (const auto* ts = unconfirmed_stamp(s)) {
            std::string v(to_string(ts->indication));
            if (ts->sub_indication != SubIndication::none)
                v += "/" + std::string(to_string(ts->sub_indication));
            return "its " + std::string(to_string(ts->type)) + " of " +
                   (ts->signing_time ? format_rfc3339(*ts->signing_time) : std::string("?")) +
                   " is " + v + ": " + ts->explanation;
        }
    }
    return "";
}

}  // namespace

SignedObject extend_signature(const std::filesystem::path& signature, Level level,
                              const TsaClient& tsa) {
    if (level != Level::t) throw Error(Errc::usage, tr("this call extends to level T only"));
    const ops::Input input = ops::read_input(signature);
    const ops::FormatEntry& entry = extendable(input);
    return ops::signed_object(entry.extend(input, tsa), std::string(entry.extension));
}

namespace {

// What the format must offer for `level`; Error(usage) naming what it lacks.
void check_supported(const ops::FormatEntry& entry, const ops::Input& in,
                     const ExtendOptions& options) {
    if (options.level == Level::b)
        throw Error(Errc::usage, tr("a signature cannot be lowered to B"));
    if (!options.tsa && options.level != Level::lt)
        throw Error(Errc::usage, tr("extending to T, LTA or ERS needs a TSA"), Remedy::tsa);
    const bool long_term = options.level == Level::lt || options.level == Level::lta;
    if (long_term &&
        (entry.add_validation_data == nullptr || entry.add_archive_timestamp == nullptr)) {
        throw Error(Errc::usage, trf("{0}: levels LT and LTA are not available for {1} yet",
                                     {in.what, tr(entry.description)}));
    }
    if (options.level == Level::ers && entry.add_evidence_record == nullptr) {
        throw Error(Errc::usage, trf("{0}: embedded evidence records are not available for {1} yet",
                                     {in.what, tr(entry.description)}));
    }
}

// Why `before` may not be extended to `level`; empty when it may. A broken signature is never
// worth extending. T and ERS only add a proof of existence, so a signature that cannot be
// confirmed (no trust anchor given) may still get one; the long-term levels embed what
// validation used, so they need a signature, and time-stamps, that validate.
std::string refusal_for(Level level, const FileReport& before) {
    if (level == Level::t || level == Level::ers) {
        return before.indication == Indication::total_failed ? verdict_of(before) : std::string();
    }
    return long_term_refusal(before);
}

ExtendResult extend_input(const ops::Input& original, const ExtendOptions& options,
                          const ValidationContext& context) {
    const ops::FormatEntry& entry = extendable(original);
    check_supported(entry, original, options);
    validation::DataObjects objects;
    if (options.data) objects.push_back(validation::DataObject::from_file(*options.data));
    const validation::DataObject* document = objects.empty() ? nullptr : &objects.front();
    // Each validation at its own time (unless the context fixes one): a time-stamp just made is
    // later than a time taken before it was asked for, and would prove nothing then.
    auto verify = [&](const ops::Input& in) {
        FileReport r =
            ops::verify_input(in, objects, context, validation::validation_time_of(context), false);
        r.data = options.data;
        return r;
    };
    auto with = [&](core::Bytes bytes) { return input_of(original, std::move(bytes)); };

    ExtendResult result;
    result.before = verify(original);
    if (ops::already_at(options.level, result.before)) {
        result.already_at_level = true;
        return result;
    }
    const std::string why = refusal_for(options.level, result.before);
    if (!why.empty() && !options.force) {
        result.refusal =
            trf("{0} does not validate ({1}); extending it would carry forward a signature that "
                "proves nothing",
                {original.what, why});
        return result;
    }
    ops::Input current = original;
    const bool long_term = options.level == Level::lt || options.level == Level::lta;
    if (options.level == Level::ers) {
        current = with(entry.add_evidence_record(current, document, *options.tsa));
    } else if (options.level == Level::t) {
        current = with(entry.extend(current, *options.tsa));  // Error(usage) if T already
    } else if (!every_signature_at_least(result.before, SignatureLevel::b_t)) {
        if (!options.tsa)
            throw Error(Errc::usage, tr("level LT needs level T first: a TSA"), Remedy::tsa);
        current = with(entry.extend(current, *options.tsa));
    }
    if (long_term)
        current = with(entry.add_validation_data(current, validation_data(verify(current))));
    if (options.level == Level::lta) {
        current = with(entry.add_archive_timestamp(current, document, *options.tsa));
        // The new archive time-stamp's own validation data, so the result verifies offline now;
        // the next renewal's archive time-stamp will cover it.
        current = with(entry.add_validation_data(current, validation_data(verify(current))));
    }
    result.after = verify(current);
    // What was added must prove something: a time-stamp or record from a TSA the context does
    // not trust (or whose revocation cannot be had) would be written as if it renewed, and block
    // the next renewal. Checked whenever the input validated (else only --force got here).
    if (result.before.indication == Indication::total_passed) {
        if (auto why = long_term_refusal(result.after); !why.empty()) {
            throw Error(Errc::service_unavailable,
                        trf("{0}: what the TSA gave does not validate with the context given "
                            "({1}); nothing was written",
                            {original.what, why}));
        }
    }
    if (severity(result.after.indication) > severity(result.before.indication)) {
        throw Error(Errc::internal,
                    trf("{0}: the extended signature would verify worse ({1}) than the original "
                        "({2}); nothing was written",
                        {original.what, verdict_of(result.after), verdict_of(result.before)}));
    }
    result.signature = ops::signed_object(*current.bytes, std::string(entry.extension));
    return result;
}

}  // namespace

namespace ops {

bool already_at(Level level, const FileReport& before) {
    const bool signatures =
        std::any_of(before.signatures.begin(), before.signatures.end(),
                    [](const SignatureReport& s) { return s.type == EntryType::signature; });
    if (!signatures) return false;
    if (level == Level::t) return every_signature_at_least(before, SignatureLevel::b_t);
    if (level == Level::lt) return every_signature_at_least(before, SignatureLevel::b_lt);
    return false;
}

std::string extend_refusal(Level level, const FileReport& before) {
    return refusal_for(level, before);
}

std::string long_term_refusal_of(const FileReport& after) {
    return long_term_refusal(after);
}

}  // namespace ops

ExtendResult extend_signature(const std::filesystem::path& signature, const ExtendOptions& options,
                              const ValidationContext& context) {
    return extend_input(ops::read_input(signature), options, context);
}

ExtendResult extend_signature(const SignedObject& signature, const std::filesystem::path& name,
                              const ExtendOptions& options, const ValidationContext& context) {
    if (signature.bytes().empty())
        throw Error(Errc::malformed_input, trf("{0}: empty", {name.string()}));
    return extend_input(
        {name, name.string(),
         std::make_shared<const core::Bytes>(core::from_public_bytes(signature.bytes()))},
        options, context);
}

}  // namespace ltsign
