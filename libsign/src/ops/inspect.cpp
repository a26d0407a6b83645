// A look inside a signature file, as the format registry reads it, with its evidence timeline.
#include "ltsign/inspect.hpp"

#include <algorithm>

#include "crypto/digests.hpp"
#include "ops/formats.hpp"
#include "validation/evidence.hpp"

namespace ltsign {
namespace {

struct Stamp {
    TimePoint at{};
    std::string kind;
    std::string tsa;
    std::optional<TimePoint> tsa_until;
    std::string digest;
    std::string key_kind;
    int key_bits = 0;
};

void add_stamp(const validation::SignatureFacts& token, const char* kind, std::vector<Stamp>& out) {
    if (!token.gen_time) return;
    Stamp s{*token.gen_time, kind, "(its certificate is not in the token)", std::nullopt,
            token.digest_algorithm};
    if (token.signer_cert) {
        s.tsa = ossl::name_to_string(X509_get_subject_name(token.signer_cert.get()));
        s.tsa_until = ossl::to_time_point(X509_get0_notAfter(token.signer_cert.get()));
        const EVP_PKEY* key = X509_get0_pubkey(token.signer_cert.get());
        s.key_kind = crypto::key_kind(key);
        s.key_bits = key != nullptr ? EVP_PKEY_get_bits(key) : 0;
    }
    out.push_back(std::move(s));
}

void record_stamps(const validation::EvidenceRecordFacts& record, std::vector<Stamp>& out) {
    for (const auto& chain : record.chains) {
        for (const auto& stamp : chain.stamps) add_stamp(stamp.token, "record time-stamp", out);
    }
}

// Signing time, each time-stamp (oldest first) with its TSA and when that TSA's certificate
// ends, and the renewal deadline the latest one sets: its TSA certificate's end, or the default
// policy's end for its digest or TSA key if sooner (`verify` judges the whole chain and the
// policy given).
InspectField timeline(std::optional<TimePoint> signing_time, std::vector<Stamp> stamps) {
    InspectField t{"evidence timeline", "", {}};
    if (signing_time)
        t.children.push_back({"claimed signing time", format_rfc3339(*signing_time), {}});
    std::stable_sort(stamps.begin(), stamps.end(),
                     [](const Stamp& a, const Stamp& b) { return a.at < b.at; });
    for (const auto& s : stamps) {
        InspectField f{s.kind, format_rfc3339(s.at), {{"TSA", s.tsa, {}}}};
        if (s.tsa_until)
            f.children.push_back({"TSA certificate valid until", format_rfc3339(*s.tsa_until), {}});
        t.children.push_back(std::move(f));
    }
    if (stamps.empty()) {
        t.children.push_back(
            {"renew by", "nothing is time-stamped: extend to T or LTA, or seal it", {}});
        return t;
    }
    const Stamp& latest = stamps.back();
    std::optional<TimePoint> by = latest.tsa_until;
    const ValidationPolicy policy = ValidationPolicy::defaults();
    for (auto end :
         {policy.end_of_digest(latest.digest),
          latest.key_kind.empty() ? std::nullopt
                                  : policy.end_of_key(latest.key_kind, latest.key_bits)}) {
        if (end) by = by ? std::min(*by, *end) : *end;
    }
    t.children.push_back({"renew by",
                          by ? format_rfc3339(*by) + " (the latest time-stamp, of " +
                                   format_rfc3339(latest.at) + ", loses its force then)"
                             : std::string("unknown (the latest time-stamp names no certificate)"),
                          {}});
    return t;
}

std::vector<InspectField> timelines(const ops::Evidence& evidence) {
    std::vector<InspectField> out;
    if (evidence.record) {
        std::vector<Stamp> stamps;
        record_stamps(*evidence.record, stamps);
        out.push_back(timeline(std::nullopt, std::move(stamps)));
        return out;
    }
    for (const auto& f : evidence.signatures) {
        std::vector<Stamp> stamps;
        if (evidence.timestamp_token) add_stamp(f, "time-stamp token", stamps);
        for (const auto& ts : f.timestamps) add_stamp(ts, "signature time-stamp", stamps);
        for (const auto& ts : f.archive_timestamps) add_stamp(ts, "archive time-stamp", stamps);
        for (const auto& r : f.evidence_records) record_stamps(*r, stamps);
        out.push_back(timeline(evidence.timestamp_token ? std::nullopt : f.claimed_signing_time,
                               std::move(stamps)));
    }
    return out;
}

}  // namespace

Inspection inspect_file(const std::filesystem::path& file) {
    const ops::Input input = ops::read_input(file);
    const ops::FormatEntry& entry = ops::format_of(input);
    Inspection out;
    if (entry.inspect != nullptr) {
        out = entry.inspect(input);
    } else if (entry.decode_record != nullptr) {
        out.path = input.path;
        out.format = entry.name == "ers-xml" ? FileFormat::ers_xml : FileFormat::ers_asn1;
    } else {
        throw Error(Errc::malformed_input,
                    input.what + ": " + std::string(entry.description) +
                        "; inspect shows signatures, time-stamps and evidence records");
    }
    for (auto& t : timelines(entry.extract(input, {}))) out.fields.push_back(std::move(t));
    return out;
}

}  // namespace ltsign
