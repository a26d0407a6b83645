#include "ers/embedded.hpp"

#include <algorithm>
#include <map>

#include "cms/cades_archive.hpp"
#include "cms/timestamp_token.hpp"
#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ers/verify_record.hpp"
#include "ers/xml_record.hpp"
#include "ltsign/language.hpp"

namespace ltsign::ers {
namespace {

using validation::DataObject;

struct EmbeddedAttribute {
    std::size_t index = 0;  // among the SignerInfo's unsigned attributes
    bool external = false;
    std::vector<EvidenceRecord> records;
    std::optional<TimePoint> first;  // the earliest first time-stamp of its records
};

std::optional<TimePoint> first_time(const EvidenceRecord& record) {
    if (record.chains.empty() || record.chains.front().stamps.empty()) return std::nullopt;
    try {
        return cms::token_facts(record.chains.front().stamps.front().time_stamp, {}).gen_time;
    } catch (const Error&) {
        return std::nullopt;  // the record's own verification says what is wrong with it
    }
}

// The record attributes of SignerInfo `signer`, decoded. Error(malformed_input) for a value that
// is no record.
std::vector<EmbeddedAttribute> embedded_attributes(const cms::SignedDataParts& parts,
                                                   std::size_t signer, const std::string& what) {
    std::vector<EmbeddedAttribute> out;
    const auto& attrs = parts.signers[signer].unsigned_attrs;
    for (std::size_t a = 0; a < attrs.size(); ++a) {
        const auto attr = cms::attribute_parts(attrs[a]);
        if (!attr || (attr->first != k_er_internal && attr->first != k_er_external)) continue;
        EmbeddedAttribute e{a, attr->first == k_er_external, {}, std::nullopt};
        for (const auto& value : attr->second) {
            e.records.push_back(decode_der(value.all, what + ": its embedded evidence record"));
            const auto t = first_time(e.records.back());
            if (t && (!e.first || *t < *e.first)) e.first = t;
        }
        out.push_back(std::move(e));
    }
    return out;
}

// What a record in `own` covers: the signature without `own` and without every record attribute
// made at or after it (parallel records in one attribute cover the same bytes).
Bytes covered_signature(const cms::SignedDataParts& parts, std::size_t signer,
                        const std::vector<EmbeddedAttribute>& all, const EmbeddedAttribute& own) {
    // Made in the same second: the one appended later is the later (records are appended).
    return cms::without_unsigned_attributes(parts, signer, [&](std::size_t a) {
        return std::any_of(all.begin(), all.end(), [&](const EmbeddedAttribute& e) {
            const bool later = !own.first || !e.first || *e.first > *own.first ||
                               (*e.first == *own.first && e.index > own.index);
            return e.index == a && (&e == &own || later);
        });
    });
}

// One chain of one time-stamp, `token` (with `md`), over the root `reduced` leads to (none: the
// token's imprint is the data object's digest). The views must outlive the record.
}  // namespace

EvidenceRecord one_stamp_record(const EVP_MD* md,
                                std::optional<std::vector<PartialHashtree>> reduced,
                                ByteView token) {
    EvidenceRecord rec;
    rec.digest_algorithms = {EVP_MD_get_type(md)};
    ArchiveTimeStamp ats;
    ats.digest_nid = EVP_MD_get_type(md);
    ats.reduced_hashtree = std::move(reduced);
    ats.time_stamp = token;
    ArchiveTimeStampChain chain;
    chain.stamps.push_back(std::move(ats));
    rec.chains.push_back(std::move(chain));
    return rec;
}

void add_embedded_records(std::shared_ptr<const core::Bytes> signature, const std::string& what,
                          const validation::DataObject* document,
                          std::vector<validation::SignatureFacts>& facts) {
    bool reencoded = false;
    const auto parts =
        cms::slice_signed_data(cms::der_form(std::move(signature), what, &reencoded));
    if (!parts || parts->signers.size() != facts.size()) return;
    for (std::size_t i = 0; i < facts.size(); ++i) {
        if (reencoded && !parts->signers[i].unsigned_attrs.empty()) {
            // A record covers the signature's bytes as they were; BER read as DER is not that.
            const bool any = std::any_of(
                parts->signers[i].unsigned_attrs.begin(), parts->signers[i].unsigned_attrs.end(),
                [](const der::Tlv& a) {
                    const auto attr = cms::attribute_parts(a);
                    return attr && (attr->first == k_er_internal || attr->first == k_er_external);
                });
            if (any) {
                facts[i].notes.push_back(
                    {NoteCode::not_checked,
                     tr("the signature is BER-encoded (indefinite lengths): its embedded evidence "
                        "record covers those bytes, which ltsign does not reproduce, so it was not "
                        "verified and was not used")});
                continue;
            }
        }
        std::vector<EmbeddedAttribute> attrs;
        try {
            attrs = embedded_attributes(*parts, i, what);
        } catch (const Error& e) {
            facts[i].format_problem = e.what();
            continue;
        }
        for (const auto& attr : attrs) {
            validation::DataObjects objects{
                DataObject::from_bytes("the signature as its evidence record covers it",
                                       covered_signature(*parts, i, attrs, attr))};
            if (attr.external && document != nullptr) objects.push_back(*document);
            for (const auto& record : attr.records) {
                facts[i].evidence_records.push_back(
                    std::make_shared<const validation::EvidenceRecordFacts>(
                        record_facts(record, objects)));
            }
        }
    }
}

core::Bytes embed_new_record(const core::Bytes& signature, const std::string& what,
                             const validation::DataObject* document, const EVP_MD* md,
                             const cms::TokenSource& tokens) {
    const auto parts =
        cms::slice_signed_data(std::make_shared<const Bytes>(cms::as_der(signature, what)));
    if (!parts)
        throw Error(Errc::malformed_input, trf("{0}: its SignedData cannot be sliced", {what}));
    const bool external = !parts->econtent;
    const Bytes current =
        cms::without_unsigned_attributes(*parts, 0, [](std::size_t) { return false; });
    std::vector<Bytes> hashes{crypto::digest_bytes(md, current)};
    if (external) {
        const auto h = document != nullptr ? document->digest(md) : std::nullopt;
        if (!h) {
            throw Error(Errc::input_missing,
                        trf("{0} is detached: its evidence record covers the document too, which "
                            "was not given",
                            {what}),
                        Remedy::document);
        }
        hashes.push_back(*h);
    }
    // RFC 4998 4.3: one data-object group, its hashes in the first list; the root is their
    // sorted concatenation hashed (a lone object's hash is the root itself).
    const Bytes root = hashes.size() == 1 ? hashes.front() : node_hash(md, hashes);
    const Bytes token = tokens(md, root);
    std::optional<std::vector<PartialHashtree>> reduced;
    if (hashes.size() > 1) reduced = std::vector<PartialHashtree>{{hashes[0], hashes[1]}};
    const Bytes der = encode_der(one_stamp_record(md, std::move(reduced), token));
    return cms::with_unsigned_attribute(
        *parts, 0, cms::attribute(external ? k_er_external : k_er_internal, {der}));
}

namespace {

// TS 119 132-3: the signature as `record` covers it, known by one digest per algorithm the
// record's chains use. Error when what it covers cannot be computed.
DataObject covered_signature(const xml::EmbeddedRecord& embedded, const EvidenceRecord& record) {
    std::map<int, Bytes> digests;
    for (const auto& chain : record.chains) {
        const EVP_MD* md = chain_digest(chain);
        if (md == nullptr || digests.contains(EVP_MD_get_type(md))) continue;
        digests[EVP_MD_get_type(md)] = xades_covered_digest(md, embedded.covered(md));
    }
    return DataObject::from_digests("the signature as its evidence record covers it",
                                    std::move(digests));
}

}  // namespace

core::Bytes xades_covered_digest(const EVP_MD* md, const std::vector<core::Bytes>& part_digests) {
    // The same rule as a hash-tree node (RFC 4998 4.3): one digest alone is passed on unchanged.
    return node_hash(md, part_digests);
}

void add_embedded_records(xml::XmlSignatures& found, const std::string& what) {
    for (const auto& embedded : found.records) {
        auto& facts = found.facts.at(embedded.signature);
        const std::string where = trf("{0}: its embedded evidence record", {what});
        EvidenceRecord record;
        try {
            record = embedded.asn1 ? decode_der(embedded.bytes, where)
                                   : decode_xml(embedded.bytes, where);
        } catch (const Error& e) {
            facts.format_problem = e.what();
            continue;
        }
        validation::DataObjects objects;
        std::string why_not = embedded.not_covered;
        if (why_not.empty()) {
            try {
                objects.push_back(covered_signature(embedded, record));
            } catch (const Error& e) {
                why_not = e.what();
            }
        }
        auto rec_facts = record_facts(record, objects);
        if (!why_not.empty()) {
            rec_facts.notes.push_back(
                {NoteCode::not_checked,
                 trf("what the evidence record covers cannot be computed: {0}", {why_not})});
        }
        facts.evidence_records.push_back(
            std::make_shared<const validation::EvidenceRecordFacts>(std::move(rec_facts)));
    }
}

core::Bytes embed_new_xades_record(std::span<const unsigned char> bytes, const std::string& what,
                                   const validation::DataObject* document, const EVP_MD* md,
                                   const cms::TokenSource& tokens) {
    return xml::edit_each_signature(
        bytes, what, document, "an evidence record",
        [&](xmlDoc* doc, const xml::CheckedSignature& checked, xmlNode* usp) {
            const Bytes covered = xades_covered_digest(
                md, xml::evidence_record_digests(doc, checked.signature, usp, nullptr,
                                                 checked.reference_data, md));
            // One data object, its digest alone in the first list, as DSS writes it: the root is
            // that digest, which the token's imprint holds.
            const Bytes token = tokens(md, covered);
            EvidenceRecord rec =
                one_stamp_record(md, std::vector<PartialHashtree>{{covered}}, token);
            rec.encoding = EvidenceRecord::Encoding::xml;
            xml::append_evidence_record(usp, encode_xml(rec));
        });
}

}  // namespace ltsign::ers
