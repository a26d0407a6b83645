// A look inside a signature file, as the format registry reads it, with its evidence timeline.
#include "ltsign/inspect.hpp"

#include <algorithm>

#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ltsign/language.hpp"
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

std::string hex_of(ers::ByteView bytes) {
    return ossl::to_hex(bytes.data(), bytes.size());
}

// An evidence record's structure: its chains, each with its digest algorithm and time-stamps, and
// the digests the first time-stamp covers (the first list of its reduced hash tree: the data
// object's own hash and its neighbours; without a tree, the token's imprint is the hash).
std::vector<InspectField> record_fields(const ers::EvidenceRecord& record) {
    std::vector<InspectField> out;
    out.push_back({"encoding",
                   record.encoding == ers::EvidenceRecord::Encoding::xml ? "XML (RFC 6283)"
                                                                         : "DER (RFC 4998)",
                   {}});
    out.push_back({"archive time-stamp chains", std::to_string(record.chains.size()), {}});
    for (std::size_t c = 0; c < record.chains.size(); ++c) {
        const auto& chain = record.chains[c];
        const EVP_MD* md = ers::chain_digest(chain);
        InspectField f{"chain " + std::to_string(c + 1),
                       std::to_string(chain.stamps.size()) + " time-stamp(s), digest " +
                           (md != nullptr ? crypto::digest_name(md) : std::string("unknown")),
                       {}};
        if (!chain.stamps.empty()) {
            const auto& first = chain.stamps.front();
            InspectField covered{"covered digests", "", {}};
            if (first.reduced_hashtree && !first.reduced_hashtree->empty()) {
                for (const auto& value : first.reduced_hashtree->front())
                    covered.children.push_back({"digest", hex_of(value), {}});
            } else {
                const auto imprint = ers::token_imprint(first.time_stamp).second;
                covered.value =
                    "the time-stamp's imprint: " + ossl::to_hex(imprint.data(), imprint.size());
            }
            f.children.push_back(std::move(covered));
        }
        out.push_back(std::move(f));
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
        out.fields = record_fields(entry.decode_record(input));
    } else {
        throw Error(Errc::malformed_input,
                    trf("{0}: {1}; inspect shows signatures, time-stamps and evidence records",
                        {input.what, tr(entry.description)}));
    }
    for (auto& t : timelines(entry.extract(input, {}))) out.fields.push_back(std::move(t));
    return out;
}

}  // namespace ltsign
