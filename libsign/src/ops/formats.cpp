#include "ops/formats.hpp"

#include <algorithm>
#include <array>

#include "cms/cades_archive.hpp"
#include "cms/cades_timestamp.hpp"
#include "cms/cms_signature.hpp"
#include "cms/timestamp_token.hpp"
#include "crypto/digests.hpp"
#include "ers/embedded.hpp"
#include "ers/verify_record.hpp"
#include "ers/xml_record.hpp"
#include "ltsign/language.hpp"
#include "ops/container.hpp"
#include "ops/ingest_receipt.hpp"
#include "ops/services.hpp"
#include "ops/svt.hpp"
#include "pdf/pades_verify.hpp"
#include "pdf/pades_write.hpp"
#include "xml/xades.hpp"

namespace ltsign::ops {
namespace {

// PDF signatures and document time-stamps (PAdES), all of a file's at once.
bool pdf_sniff(const Input& in) {
    return !in.head_only && pdf::looks_like_pdf(*in.bytes);
}
Evidence pdf_extract(const Input& in, const validation::DataObjects&) {
    return {FileFormat::pades, pdf::pades_facts(in.bytes, in.what), false, std::nullopt};
}
Inspection pdf_inspect(const Input& in) {
    return Inspection{in.path, FileFormat::pades, pdf::pades_inspect(in.bytes, in.what)};
}
// Level T for a PDF: a document time-stamp over every signature without a time-stamp.
core::Bytes pdf_extend(const Input& in, const TsaClient& tsa) {
    const auto facts = pdf::pades_facts(in.bytes, in.what);
    const bool untimed = std::any_of(facts.begin(), facts.end(), [](const auto& f) {
        return !f.is_timestamp && f.timestamps.empty() && f.archive_timestamps.empty();
    });
    if (!untimed)
        throw Error(Errc::usage,
                    trf("{0}: every signature in it is time-stamped already", {in.what}));
    return pdf::timestamp_pdf(*in.bytes, in.what, crypto::evp_md(tsa.digest), token_source(tsa));
}
core::Bytes pdf_add_validation_data(const Input& in, const validation::ValidationData& data) {
    return pdf::append_validation_data(*in.bytes, in.what, data);
}
// An archive time-stamp for a PDF is a document time-stamp over the whole file, DSS included.
core::Bytes pdf_add_archive_timestamp(const Input& in, const validation::DataObject*,
                                      const TsaClient& tsa) {
    return pdf::timestamp_pdf(*in.bytes, in.what, crypto::evp_md(tsa.digest), token_source(tsa));
}

// RFC 6283 evidence records (XML). Tried before XML signatures: a record is XML too.
bool xml_record_sniff(const Input& in) {
    return ers::looks_like_xml_record(*in.bytes);
}
ers::EvidenceRecord xml_record_decode(const Input& in) {
    return ers::decode_xml(*in.bytes, in.what);
}
Evidence xml_record_extract(const Input& in, const validation::DataObjects& objects) {
    auto facts = ers::record_facts(xml_record_decode(in), objects);
    // RFC 6283 has no place for an XML signature: one inside a record proves nothing here, and
    // the report says so rather than pass over it.
    if (xml::has_xml_signature(*in.bytes)) {
        facts.notes.push_back({NoteCode::not_checked,
                               tr("the record holds an XML signature (ds:Signature), which is not "
                                  "part of RFC 6283; it was not verified and was not used")});
    }
    return {FileFormat::ers_xml, {}, false, std::move(facts)};
}

// XMLDSig and XAdES signatures (enveloped, enveloping, detached).
bool xml_signature_sniff(const Input& in) {
    return xml::has_xml_signature(*in.bytes);
}
Evidence xml_signature_extract(const Input& in, const validation::DataObjects& objects) {
    auto found = xml::extract_facts(*in.bytes, in.what, objects);
    ers::add_embedded_records(found, in.what);
    note_receipt(in, found.facts);  // an ingest receipt: what it records
    return {found.format, std::move(found.facts), false, std::nullopt};
}
Inspection xml_signature_inspect(const Input& in) {
    auto fields = xml::inspect_xml(*in.bytes, in.what);
    const bool xades = std::any_of(fields.begin(), fields.end(), [](const InspectField& s) {
        return std::any_of(s.children.begin(), s.children.end(), [](const InspectField& c) {
            return c.name == "xades:QualifyingProperties";
        });
    });
    return Inspection{in.path, xades ? FileFormat::xades : FileFormat::xmldsig, std::move(fields)};
}
core::Bytes xml_signature_extend(const Input& in, const TsaClient& tsa) {
    return xml::extend_xades(*in.bytes, in.what, token_source(tsa));
}
core::Bytes xml_signature_add_validation_data(const Input& in,
                                              const validation::ValidationData& data) {
    return xml::add_validation_data(*in.bytes, in.what, data);
}
core::Bytes xml_signature_add_archive_timestamp(const Input& in,
                                                const validation::DataObject* document,
                                                const TsaClient& tsa) {
    return xml::add_archive_timestamp(*in.bytes, in.what, document, crypto::evp_md(tsa.digest),
                                      token_source(tsa));
}
core::Bytes xml_signature_add_evidence_record(const Input& in,
                                              const validation::DataObject* document,
                                              const TsaClient& tsa) {
    return ers::embed_new_xades_record(*in.bytes, in.what, document, crypto::evp_md(tsa.digest),
                                       token_source(tsa));
}

// A lone RFC 3161 token: what its imprint must match is the document given beside it.
// A CMS signature or a time-stamp covers one document: several given is ambiguous, and judging
// one of them silently could pass the wrong file. Why, when so.
std::optional<std::string> several_documents(const validation::DataObjects& objects) {
    std::string names;
    std::size_t count = 0;
    for (const auto& o : objects) {
        if (!o.has_content()) continue;
        names += (count++ == 0 ? "" : ", ") + o.name();
    }
    if (count < 2) return std::nullopt;
    return trf(
        "{0} documents were given ({1}), but it covers one: which is meant cannot be told, so none "
        "was checked",
        {std::to_string(count), names});
}

// Data objects known only by digest are for evidence records; beside a signature or a token,
// which are checked against the document itself, they go unused, and the report says so.
void note_unused_digests(const validation::DataObjects& objects,
                         std::vector<validation::SignatureFacts>& facts) {
    const auto digests_only = std::count_if(objects.begin(), objects.end(), [](const auto& o) {
        return !o.has_content() && !o.file();
    });
    if (digests_only == 0) return;
    for (auto& f : facts) {
        f.notes.push_back({NoteCode::not_checked,
                           trf("{0} data object(s) known only by digest were given; they were not "
                               "used: this is checked against the document itself",
                               {std::to_string(digests_only)})});
    }
}

Evidence token_evidence(CMS_ContentInfo* token, std::span<const unsigned char> der,
                        const validation::DataObjects& objects) {
    Evidence e{FileFormat::timestamp_token, {}, true, std::nullopt};
    const auto ambiguous = several_documents(objects);
    cms::ImprintSource source;
    const auto* document = validation::first_document(objects);
    if (document != nullptr && !ambiguous) source.data = *document;
    e.signatures.push_back(cms::token_facts(token, der, source));
    if (ambiguous) e.signatures.back().imprint = {validation::Check::not_possible, *ambiguous};
    note_unused_digests(objects, e.signatures);
    return e;
}

Inspection token_or_cms_inspect(const Input& in, const core::Bytes& der) {
    auto cms_info = cms::parse_signed_data(der, in.what);
    const bool token = cms::is_token(cms_info.get());
    auto fields = cms::inspect_fields(cms_info.get());
    if (token) {
        if (auto tst = cms::tst_info_fields(cms_info.get()))
            fields.insert(fields.begin(), std::move(*tst));
    }
    return Inspection{in.path, token ? FileFormat::timestamp_token : FileFormat::cades,
                      std::move(fields)};
}

// CMS SignedData: a CAdES signature, or a time-stamp token (a SignedData over a TSTInfo). Parsed
// once; the encapsulated content type tells which.
bool cms_sniff(const Input& in) {
    return cms::looks_like_cms(*in.bytes);
}
Evidence cms_extract(const Input& in, const validation::DataObjects& objects) {
    auto cms_info = cms::parse_signed_data(*in.bytes, in.what);
    if (cms::is_token(cms_info.get())) return token_evidence(cms_info.get(), *in.bytes, objects);
    const auto ambiguous = several_documents(objects);
    const validation::DataObject* document =
        ambiguous ? nullptr : validation::first_document(objects);
    auto facts = cms::extract_facts(cms_info.get(), document);
    cms::add_long_term_facts(in.bytes, in.what, document, facts);
    ers::add_embedded_records(in.bytes, in.what, document, facts);
    for (auto& f : facts) {
        if (ambiguous) f.data_digest = {validation::Check::not_possible, *ambiguous};
    }
    note_unused_digests(objects, facts);
    return {FileFormat::cades, std::move(facts), false, std::nullopt};
}
Inspection cms_inspect(const Input& in) {
    return token_or_cms_inspect(in, *in.bytes);
}
core::Bytes cms_extend(const Input& in, const TsaClient& tsa) {
    return cms::extend_cades(*in.bytes, in.what, crypto::evp_md(tsa.digest), token_source(tsa));
}
core::Bytes cms_add_validation_data(const Input& in, const validation::ValidationData& data) {
    return cms::add_validation_data(*in.bytes, in.what, data);
}
core::Bytes cms_add_evidence_record(const Input& in, const validation::DataObject* document,
                                    const TsaClient& tsa) {
    return ers::embed_new_record(*in.bytes, in.what, document, crypto::evp_md(tsa.digest),
                                 token_source(tsa));
}
core::Bytes cms_add_archive_timestamp(const Input& in, const validation::DataObject* document,
                                      const TsaClient& tsa) {
    return cms::add_archive_timestamp(*in.bytes, in.what, document, crypto::evp_md(tsa.digest),
                                      token_source(tsa));
}

// RFC 4998 evidence records (DER).
bool der_record_sniff(const Input& in) {
    return ers::looks_like_der_record(*in.bytes);
}
ers::EvidenceRecord der_record_decode(const Input& in) {
    // The record keeps views into the bytes it was read from: they are shared, not copied.
    return ers::decode_der(in.bytes, in.what);
}
Evidence der_record_extract(const Input& in, const validation::DataObjects& objects) {
    return {FileFormat::ers_asn1, {}, false, ers::record_facts(der_record_decode(in), objects)};
}

// ASiC containers (ops/container.hpp): ZIP archives, read entry by entry from their path.
bool asic_sniff(const Input& in) {
    return is_zip(*in.bytes);
}
Evidence asic_extract(const Input& in, const validation::DataObjects&) {
    return container_evidence(in);
}
Inspection asic_inspect(const Input& in) {
    return container_inspection(in);
}
[[noreturn]] core::Bytes asic_extend(const Input& in, const TsaClient&) {
    asic::Container::open(in.path, in.what);  // a broken archive is named as such first
    throw Error(Errc::usage,
                trf("{0}: a container is extended as a whole (extend_container)", {in.what}));
}

// An RFC 3161 TimeStampResp, as TSAs answer: the token inside is what is verified.
bool response_sniff(const Input& in) {
    return cms::looks_like_timestamp_response(*in.bytes);
}
core::Bytes response_token(const Input& in) {
    auto token = cms::token_from_response_bytes(*in.bytes, in.what);
    if (!token) throw Error(Errc::malformed_input, trf("{0}: not a TimeStampResp", {in.what}));
    return std::move(*token);
}
Evidence response_extract(const Input& in, const validation::DataObjects& objects) {
    const core::Bytes token = response_token(in);
    auto cms_info = cms::parse_signed_data(token, in.what);
    return token_evidence(cms_info.get(), token, objects);
}
Inspection response_inspect(const Input& in) {
    return token_or_cms_inspect(in, response_token(in));
}

// RFC 9321 signature validation tokens (.svt, as ltsign ingest writes them).
bool svt_sniff(const Input& in) {
    return !in.head_only && looks_like_svt(*in.bytes);
}

const std::array<FormatEntry, 8> k_formats{{
    {"asic", N_("an ASiC container"), asic_sniff, asic_extract, asic_inspect, asic_extend, nullptr,
     ""},
    {"pdf", N_("a signed PDF (PAdES)"), pdf_sniff, pdf_extract, pdf_inspect, pdf_extend, nullptr,
     ".pdf", pdf_add_validation_data, pdf_add_archive_timestamp},
    {"ers-xml", N_("an XML evidence record (RFC 6283)"), xml_record_sniff, xml_record_extract,
     nullptr, nullptr, xml_record_decode, ""},
    {"xml-signature", N_("XAdES/XMLDSig"), xml_signature_sniff, xml_signature_extract,
     xml_signature_inspect, xml_signature_extend, nullptr, ".xades.xml",
     xml_signature_add_validation_data, xml_signature_add_archive_timestamp,
     xml_signature_add_evidence_record},
    {"cms", N_("CMS/CAdES or an RFC 3161 token"), cms_sniff, cms_extract, cms_inspect, cms_extend,
     nullptr, ".p7s", cms_add_validation_data, cms_add_archive_timestamp, cms_add_evidence_record},
    {"ers-asn1", N_("an evidence record (RFC 4998)"), der_record_sniff, der_record_extract, nullptr,
     nullptr, der_record_decode, ""},
    {"timestamp-response", N_("an RFC 3161 TimeStampResp"), response_sniff, response_extract,
     response_inspect, nullptr, nullptr, ""},
    {"svt", N_("an RFC 9321 signature validation token"), svt_sniff, svt_evidence, nullptr, nullptr,
     nullptr, ""},
}};

}  // namespace

Input read_input(const std::filesystem::path& path) {
    // A container may be many gigabytes: its first bytes tell, and it is then read by entries.
    if (auto head = zip_head(path)) return {path, path.string(), std::move(head), true};
    Input in{
        path, path.string(),
        std::make_shared<const core::Bytes>(core::read_file(path, core::k_max_signature_file))};
    if (in.bytes->empty())
        throw Error(Errc::malformed_input, trf("{0}: the file is empty", {in.what}));
    return in;
}

std::span<const FormatEntry> formats() {
    return k_formats;
}

const FormatEntry& format_of(const Input& input) {
    for (const auto& entry : k_formats) {
        if (entry.sniff(input)) return entry;
    }
    std::string expected;
    for (const auto& entry : k_formats) {
        if (entry.description.empty()) continue;
        if (!expected.empty()) expected += ", ";
        expected += tr(entry.description);
    }
    throw Error(Errc::malformed_input, trf("{0}: not a signature ltsign recognises (expected {1})",
                                           {input.what, expected}));
}

bool is_record_name(const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    return name.ends_with(".ers") || name.ends_with(".ers.xml") || name.ends_with(".er");
}

ers::EvidenceRecord read_record(const std::filesystem::path& path) {
    return decode_record(read_input(path));
}

ers::EvidenceRecord decode_record(const Input& in) {
    const auto entry = std::find_if(k_formats.begin(), k_formats.end(),
                                    [&](const FormatEntry& e) { return e.sniff(in); });
    // Where a record is expected, bytes no entry recognises are read as RFC 4998 DER, so that the
    // error says where the record breaks rather than that it is nothing known.
    if (entry == k_formats.end()) return der_record_decode(in);
    if (entry->decode_record == nullptr) {
        throw Error(Errc::malformed_input,
                    trf("{0}: {1}, not an evidence record",
                        {in.what, entry->description.empty() ? std::string(entry->name)
                                                             : tr(entry->description)}));
    }
    return entry->decode_record(in);
}

}  // namespace ltsign::ops
