// Two-phase signing: the pending file, and completion's checks before anything is assembled.
#include <nlohmann/json.hpp>

#include "cms/cades_sign.hpp"
#include "cms/cms_signature.hpp"
#include "core/file_io.hpp"
#include "crypto/digests.hpp"
#include "crypto/signer_impl.hpp"
#include "crypto/signing.hpp"
#include "ltsign/language.hpp"
#include "ltsign/pending.hpp"
#include "ops/container.hpp"
#include "ops/services.hpp"
#include "pdf/pades_verify.hpp"
#include "pdf/pades_write.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace fs = std::filesystem;
using nlohmann::json;

// Everything a pending file holds. `structure` is the prepared signature: the DER SignedData
// (CAdES) or the XML document (XAdES), its value missing.
struct PendingSignature::Impl {
    Format format = Format::cades;
    Packaging packaging = Packaging::detached;
    Level level = Level::b;
    DigestAlgorithm digest = DigestAlgorithm::sha256;
    RsaPadding padding = RsaPadding::pkcs1_v15;
    std::string algorithm;
    TimePoint created{}, expires{}, signing_time{};
    std::string document_name;
    std::uintmax_t document_size = 0;
    core::Bytes document_digest;
    std::string certificate_subject;
    std::string certificate_sha256;
    std::string tsa_url;
    core::Bytes to_be_signed;
    core::Bytes structure;
    // PAdES: the PDF with the signature's update, /Contents zeros (pdf::PreparedUpdate);
    // containers: the archive, its signature entry `entry` holding `structure`.
    core::Bytes prepared_document;
    std::string container;  // "asic-e", "asic-s"; empty for a signature of its own
    std::string entry;
    std::size_t contents_offset = 0, contents_reserve = 0;

    pdf::PreparedUpdate update() const {
        return {prepared_document, contents_offset, contents_reserve};
    }
};

namespace {

constexpr const char* k_type = "ltsign-pending-signature";

std::vector<std::byte> public_bytes(const core::Bytes& b) {
    const auto* p = reinterpret_cast<const std::byte*>(b.data());
    return {p, p + b.size()};
}

const char* format_name(Format f) {
    return f == Format::xades ? "xades" : f == Format::pades ? "pades" : "cades";
}
const char* packaging_name(Packaging p) {
    return p == Packaging::enveloped    ? "enveloped"
           : p == Packaging::enveloping ? "enveloping"
                                        : "detached";
}

core::Bytes from_hex(const std::string& hex) {
    core::Bytes out;
    if (hex.size() % 2 != 0) return {};
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const auto nibble = [](char c) {
            return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        };
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return out;
}

[[noreturn]] void changed(const std::string& what, const std::string& why) {
    throw Error(
        Errc::malformed_input,
        trf("{0}: not a pending signature ltsign can complete ({1}); prepare the signature again",
            {what, why}));
}

const json& field(const json& j, const char* name, json::value_t type, const std::string& what) {
    const auto it = j.find(name);
    if (it == j.end() || it->type() != type)
        changed(what, trf("the field {0} is missing or of the wrong type", {name}));
    return *it;
}

std::string text_field(const json& j, const char* name, const std::string& what) {
    return field(j, name, json::value_t::string, what).get<std::string>();
}

TimePoint time_field(const json& j, const char* name, const std::string& what) {
    const auto t = parse_rfc3339(text_field(j, name, what));
    if (!t) changed(what, trf("{0} is not an RFC 3339 time", {std::string(name)}));
    return *t;
}

core::Bytes base64_field(const json& j, const char* name, const std::string& what) {
    const std::string text = text_field(j, name, what);
    auto bytes = xml::base64_decode(text);
    if (bytes.empty() && !text.empty())
        changed(what, trf("{0} is not base64", {std::string(name)}));
    return bytes;
}

// PAdES: the prepared PDF's byte range must be what the prepared SignedData's message-digest
// names, and /Contents still empty.
void check_byte_range(const PendingSignature::Impl& p, CMS_SignerInfo* si,
                      const std::string& what) {
    const auto* md_attr = static_cast<const ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
    if (md_attr == nullptr) changed(what, tr("the prepared signature has no message-digest"));
    const auto update = p.update();
    core::Bytes covered;
    try {
        covered = pdf::covered_bytes(update);
    } catch (const Error&) {
        changed(what, tr("the prepared PDF has no room for the signature where it says"));
    }
    const auto at = static_cast<std::ptrdiff_t>(p.contents_offset);
    const auto end = at + static_cast<std::ptrdiff_t>(p.contents_reserve * 2);
    if (update.file[at - 1] != '<' || update.file[end] != '>' ||
        std::any_of(update.file.begin() + at, update.file.begin() + end,
                    [](unsigned char c) { return c != '0'; }))
        changed(what, tr("the prepared PDF's /Contents is not where it says, or not empty"));
    const auto digest = crypto::digest_bytes(crypto::evp_md(p.digest), covered);
    if (digest.size() != static_cast<std::size_t>(ASN1_STRING_length(md_attr)) ||
        !std::equal(digest.begin(), digest.end(), ASN1_STRING_get0_data(md_attr)))
        changed(what, tr("the prepared PDF is not what the prepared signature signs"));
}

// The data to be signed as the prepared structure itself says it, and its signer's certificate:
// what completion trusts, whatever the JSON beside it claims.
core::Bytes structure_to_be_signed(const PendingSignature::Impl& p, const std::string& what,
                                   std::string& cert_sha256) {
    if (p.format != Format::xades) {
        auto cms = cms::decode_content_info(p.structure, what);
        STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
        if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1)
            changed(what, tr("the prepared signature does not hold one SignerInfo"));
        ossl::clear_errors();
        if (CMS_set1_signers_certs(cms.get(), nullptr, 0) != 1)
            changed(what, tr("the prepared signature does not hold its signer's certificate"));
        X509* cert = nullptr;
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
        CMS_SignerInfo_get0_algs(si, nullptr, &cert, nullptr, nullptr);
        cert_sha256 = ossl::sha256_hex(cert);
        if (p.format == Format::pades) check_byte_range(p, si, what);
        return cms::signed_attributes_der(si);
    }
    return xml::prepared_xades_to_be_signed(p.structure, what, cert_sha256);
}

}  // namespace

PendingSignature::PendingSignature(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

std::vector<std::byte> PendingSignature::to_be_signed() const {
    return public_bytes(m_impl->to_be_signed);
}
std::vector<std::byte> PendingSignature::to_be_signed_digest() const {
    return public_bytes(crypto::digest_bytes(crypto::evp_md(m_impl->digest), m_impl->to_be_signed));
}
DigestAlgorithm PendingSignature::digest() const {
    return m_impl->digest;
}
std::string PendingSignature::signature_algorithm() const {
    return m_impl->algorithm;
}
Format PendingSignature::format() const {
    return m_impl->format;
}
TimePoint PendingSignature::signing_time() const {
    return m_impl->signing_time;
}
TimePoint PendingSignature::expires() const {
    return m_impl->expires;
}
std::string PendingSignature::tsa_url() const {
    return m_impl->tsa_url;
}

std::string PendingSignature::to_json() const {
    const Impl& p = *m_impl;
    const EVP_MD* md = crypto::evp_md(p.digest);
    json j = {
        {"type", k_type},
        {"version", 1},
        {"format", format_name(p.format)},
        {"packaging", packaging_name(p.packaging)},
        {"level", p.level == Level::t ? "T" : "B"},
        {"created", format_rfc3339(p.created)},
        {"expires", format_rfc3339(p.expires)},
        {"signingTime", format_rfc3339(p.signing_time)},
        {"document",
         {{"name", p.document_name},
          {"size", p.document_size},
          {"digestAlgorithm", std::string(to_string(p.digest))},
          {"digest", ossl::to_hex(p.document_digest.data(), p.document_digest.size())}}},
        {"certificate", {{"subject", p.certificate_subject}, {"sha256", p.certificate_sha256}}},
        {"signatureAlgorithm", p.algorithm},
        {"digestAlgorithm", std::string(to_string(p.digest))},
        {"toBeSigned", xml::base64_encode(p.to_be_signed)},
        {"toBeSignedDigest", xml::base64_encode(crypto::digest_bytes(md, p.to_be_signed))},
        {"preparedSignature", xml::base64_encode(p.structure)},
    };
    if (!p.tsa_url.empty()) j["tsa"] = p.tsa_url;
    if (!p.container.empty()) {
        j["format"] = p.container;
        j["containerSignature"] = format_name(p.format);
        j["signatureEntry"] = p.entry;
        j["preparedDocument"] = xml::base64_encode(p.prepared_document);
    }
    if (p.format == Format::pades) {
        j["preparedDocument"] = xml::base64_encode(p.prepared_document);
        j["contentsOffset"] = p.contents_offset;
        j["contentsSize"] = p.contents_reserve;
    }
    return j.dump(2) + "\n";
}

PendingSignature PendingSignature::from_json(std::string_view text, const std::string& what) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::exception&) {
        changed(what, tr("not JSON, or cut short"));
    }
    // Only the helpers above read fields: each checks the type first, so no JSON exception leaves.
    if (!j.is_object() || !j.contains("type") || j["type"] != k_type)
        changed(what, tr("not a pending file"));
    if (field(j, "version", json::value_t::number_unsigned, what).get<unsigned>() != 1)
        changed(what, tr("a version this ltsign does not know"));
    auto p = std::make_shared<Impl>();
    const std::string format = text_field(j, "format", what);
    if (format != "cades" && format != "xades" && format != "pades" && format != "asic-e" &&
        format != "asic-s")
        changed(what, trf("format {0}", {format}));
    p->format = format == "xades"   ? Format::xades
                : format == "pades" ? Format::pades
                                    : Format::cades;
    if (format.starts_with("asic-")) {
        p->container = format;
        const std::string inner = text_field(j, "containerSignature", what);
        if (inner != "xades" && inner != "cades")
            changed(what, trf("containerSignature {0}", {inner}));
        p->format = inner == "xades" ? Format::xades : Format::cades;
        p->entry = text_field(j, "signatureEntry", what);
        p->prepared_document = base64_field(j, "preparedDocument", what);
    }
    if (p->format == Format::pades) {
        p->prepared_document = base64_field(j, "preparedDocument", what);
        p->contents_offset =
            field(j, "contentsOffset", json::value_t::number_unsigned, what).get<std::size_t>();
        p->contents_reserve =
            field(j, "contentsSize", json::value_t::number_unsigned, what).get<std::size_t>();
    }
    const std::string packaging = text_field(j, "packaging", what);
    p->packaging = packaging == "enveloped"    ? Packaging::enveloped
                   : packaging == "enveloping" ? Packaging::enveloping
                                               : Packaging::detached;
    const std::string level = text_field(j, "level", what);
    if (level != "B" && level != "T") changed(what, trf("level {0}", {level}));
    p->level = level == "T" ? Level::t : Level::b;
    const auto digest = digest_from_string(text_field(j, "digestAlgorithm", what));
    if (!digest) changed(what, tr("an unknown digestAlgorithm"));
    p->digest = *digest;
    p->algorithm = text_field(j, "signatureAlgorithm", what);
    p->padding = p->algorithm.starts_with("rsa-pss-") ? RsaPadding::pss : RsaPadding::pkcs1_v15;
    p->created = time_field(j, "created", what);
    p->expires = time_field(j, "expires", what);
    p->signing_time = time_field(j, "signingTime", what);
    const json& doc = field(j, "document", json::value_t::object, what);
    p->document_name = text_field(doc, "name", what);
    p->document_size =
        field(doc, "size", json::value_t::number_unsigned, what).get<std::uintmax_t>();
    p->document_digest = from_hex(text_field(doc, "digest", what));
    if (p->document_digest.size() !=
        static_cast<std::size_t>(EVP_MD_get_size(crypto::evp_md(p->digest))))
        changed(what, trf("the document's digest is not a {0} digest in hex",
                          {std::string(to_string(p->digest))}));
    const json& cert = field(j, "certificate", json::value_t::object, what);
    p->certificate_subject = text_field(cert, "subject", what);
    p->certificate_sha256 = text_field(cert, "sha256", what);
    if (j.contains("tsa")) p->tsa_url = text_field(j, "tsa", what);
    p->to_be_signed = base64_field(j, "toBeSigned", what);
    p->structure = base64_field(j, "preparedSignature", what);
    if (base64_field(j, "toBeSignedDigest", what) !=
        crypto::digest_bytes(crypto::evp_md(p->digest), p->to_be_signed))
        changed(what, tr("toBeSignedDigest is not the digest of toBeSigned"));
    std::string structure_cert;
    if (structure_to_be_signed(*p, what, structure_cert) != p->to_be_signed)
        changed(what, tr("toBeSigned is not what the prepared signature signs"));
    if (structure_cert != p->certificate_sha256)
        changed(what, tr("the certificate named is not the prepared signature's"));
    return PendingSignature(std::move(p));
}

namespace {

// What every pending signature records of its signer and options: the signing time fixed now
// (when not given), the expiry, the algorithm the signer must use.
std::shared_ptr<PendingSignature::Impl> pending_for(const Signer& signer,
                                                    const SignOptions& options,
                                                    std::chrono::seconds valid_for) {
    auto p = std::make_shared<PendingSignature::Impl>();
    p->level = options.level;
    p->digest = options.digest;
    p->padding = options.rsa_padding;
    p->created = now_utc();
    p->signing_time = options.signing_time.value_or(p->created);
    p->expires = p->created + valid_for;
    X509* cert = detail::impl(signer).cert.get();
    p->algorithm =
        crypto::signature_algorithm_name(cert, crypto::evp_md(options.digest), options.rsa_padding);
    p->certificate_subject = signer.subject();
    p->certificate_sha256 = ossl::sha256_hex(cert);
    return p;
}

// PAdES: the signature's incremental update laid out with room for the value, and the SignedData
// over its byte range (EN 319 142-1 6.3: no signing-time attribute; /M says when).
void prepare_pdf(PendingSignature::Impl& p, const fs::path& file, const Signer& signer,
                 const SignOptions& options) {
    const auto bytes = core::read_file(file, core::k_max_signature_file);
    if (!pdf::looks_like_pdf(bytes))
        throw Error(Errc::malformed_input,
                    trf("{0}: not a PDF; PAdES signs PDFs", {file.string()}));
    pdf::NewSignature sig;
    sig.when = p.signing_time;
    sig.reserve = pdf::contents_reserve(signer, options, file.string());
    auto update = pdf::prepare_update(bytes, file.string(), sig);
    SignOptions b = options;
    b.level = Level::b;
    auto u = cms::prepare_cades(
        validation::DataObject::from_bytes(file.string(), pdf::covered_bytes(update)), signer, b,
        false);
    p.to_be_signed = std::move(u.to_be_signed);
    p.structure = ossl::encode_der(u.cms.get(), i2d_CMS_ContentInfo, "the signature");
    p.prepared_document = std::move(update.file);
    p.contents_offset = update.contents;
    p.contents_reserve = update.reserve;
}

}  // namespace

PendingSignature prepare_signature(const fs::path& file, const Signer& signer,
                                   const SignOptions& options, std::chrono::seconds valid_for) {
    if (options.level != Level::b && options.level != Level::t)
        throw Error(Errc::usage,
                    tr("a prepared signature is completed at level B or T; extend it after"));
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw Error(Errc::input_missing, trf("{0}: no such file; check the path", {file.string()}));
    auto p = pending_for(signer, options, valid_for);
    p->format = options.format;
    p->packaging = options.packaging;
    SignOptions fixed = options;
    fixed.signing_time = p->signing_time;
    const EVP_MD* md = crypto::evp_md(options.digest);
    p->document_name = file.filename().string();
    p->document_size = fs::file_size(file, ec);
    const auto document = validation::DataObject::from_file(file);
    p->document_digest = document.digest(md).value();
    if (options.format == Format::pades) {
        prepare_pdf(*p, file, signer, fixed);
    } else if (options.format == Format::xades) {
        auto u = xml::prepare_xades(file, signer, fixed);
        p->to_be_signed = std::move(u.to_be_signed);
        p->structure = std::move(u.signature);
    } else {
        auto u = cms::prepare_cades(document, signer, fixed, true);
        p->to_be_signed = std::move(u.to_be_signed);
        p->structure = ossl::encode_der(u.cms.get(), i2d_CMS_ContentInfo, "the signature");
    }
    if (options.tsa) p->tsa_url = options.tsa->url;
    return PendingSignature(std::move(p));
}

namespace {

// Completion's refusals before anything is assembled: expired, another certificate, another
// document.
void check_completion(const PendingSignature::Impl& p, const CompleteOptions& options) {
    const TimePoint now = options.now.value_or(now_utc());
    if (now > p.expires) {
        throw Error(Errc::malformed_input,
                    trf("the pending signature expired at {0} (prepared at {1}); prepare the "
                        "signature again",
                        {format_rfc3339(p.expires), format_rfc3339(p.created)}));
    }
    if (options.certificate) {
        const auto certs = ossl::load_certificates(*options.certificate);
        if (ossl::sha256_hex(certs.front().get()) != p.certificate_sha256) {
            throw Error(Errc::key_refused,
                        trf("{0}: not the certificate the signature was prepared for ({1})",
                            {options.certificate->string(), p.certificate_subject}),
                        Remedy::certificate);
        }
    }
    if (options.document) {
        const auto digest = crypto::digest_file(crypto::evp_md(p.digest), *options.document);
        if (digest != p.document_digest) {
            throw Error(Errc::malformed_input, trf("{0}: not the document the signature was "
                                                   "prepared for ({1}): its digest differs",
                                                   {options.document->string(), p.document_name}));
        }
    }
}

}  // namespace

namespace {

// The prepared signature completed as for a signature of its own, then put into the prepared
// archive, which is verified whole. A container whose documents are not what the signature
// signs (an edited pending file) does not verify: refused as malformed.
SignedObject complete_in_container(const PendingSignature::Impl& p,
                                   std::span<const unsigned char> value, const SignOptions& how,
                                   const cms::TokenSource& tokens,
                                   const std::vector<core::Bytes>& chain) {
    core::Bytes archive;
    try {
        archive = ops::complete_container(
            p.prepared_document, p.entry, [&](const validation::DataObjects& documents) {
                if (p.format == Format::xades)
                    return xml::complete_xades(p.structure, value, how, tokens, documents, chain);
                auto cms = cms::decode_content_info(p.structure, "the prepared signature");
                cms::complete_cms(cms.get(), value);
                if (p.level == Level::t)
                    cms::add_signature_timestamps(cms.get(), crypto::evp_md(p.digest), tokens);
                return ossl::encode_der(cms.get(), i2d_CMS_ContentInfo, "the signature");
            });
    } catch (const Error& e) {
        if (e.code() != Errc::internal) throw;
        changed(tr("the pending file"), trf("its container does not verify: {0}", {e.what()}));
    }
    return ops::signed_object(archive, p.container == "asic-s" ? ".asics" : ".asice");
}

}  // namespace

PendingSignature prepare_container_signature(const std::vector<fs::path>& files,
                                             const Signer& signer, const SignOptions& options,
                                             const ContainerOptions& container,
                                             std::chrono::seconds valid_for) {
    if (files.empty()) throw Error(Errc::usage, tr("a container needs a document"));
    auto p = pending_for(signer, options, valid_for);
    p->format = container.signature;
    p->container = container.type == ContainerType::asic_s ? "asic-s" : "asic-e";
    SignOptions fixed = options;
    fixed.signing_time = p->signing_time;
    const EVP_MD* md = crypto::evp_md(options.digest);
    auto prepared = ops::prepare_container(files, signer, fixed, container);
    p->document_name = files.front().filename().string();
    std::error_code ec;
    p->document_size = fs::file_size(files.front(), ec);
    p->document_digest = crypto::digest_file(md, files.front());
    p->to_be_signed = std::move(prepared.to_be_signed);
    p->structure = std::move(prepared.signature);
    p->prepared_document = std::move(prepared.archive);
    p->entry = std::move(prepared.entry);
    if (options.tsa) p->tsa_url = options.tsa->url;
    return PendingSignature(std::move(p));
}

SignedObject complete_signature(const PendingSignature& pending, std::span<const std::byte> value,
                                const CompleteOptions& options) {
    const PendingSignature::Impl& p = *pending.m_impl;
    check_completion(p, options);
    const std::span<const unsigned char> v(reinterpret_cast<const unsigned char*>(value.data()),
                                           value.size());
    SignOptions how;
    how.format = p.format;
    how.packaging = p.packaging;
    how.level = p.level;
    how.digest = p.digest;
    how.rsa_padding = p.padding;
    if (p.level == Level::t && !options.tsa)
        throw Error(Errc::usage, tr("level T needs a time-stamping authority"), Remedy::tsa);
    const auto tokens = options.tsa ? ops::token_source(*options.tsa) : cms::TokenSource{};
    std::vector<core::Bytes> chain;
    for (const auto& f : options.chain) {
        for (const auto& c : ossl::load_certificates(f)) chain.push_back(ossl::to_der(c.get()));
    }
    if (!p.container.empty()) return complete_in_container(p, v, how, tokens, chain);
    if (p.format == Format::xades) {
        std::optional<validation::DataObjects> documents;
        if (options.document) {
            documents.emplace();
            if (p.packaging == Packaging::detached)
                documents->push_back(validation::DataObject::from_file(*options.document));
        }
        return ops::signed_object(
            xml::complete_xades(p.structure, v, how, tokens, documents, chain), ".xades.xml");
    }
    auto cms = cms::decode_content_info(p.structure, "the prepared signature");
    cms::complete_cms(cms.get(), v);
    const ossl::Ptr<STACK_OF(X509)> present(CMS_get1_certs(cms.get()));
    for (const auto& der : chain) {
        auto cert = ossl::decode_der_exact<X509>(der, d2i_X509, "a chain certificate");
        bool known = false;
        for (int i = 0; present && i < sk_X509_num(present.get()); ++i)
            known |= X509_cmp(sk_X509_value(present.get(), i), cert.get()) == 0;
        if (!known) {
            ossl::check(CMS_add1_cert(cms.get(), cert.get()), Errc::internal,
                        "cannot add a chain certificate");
        }
    }
    if (p.level == Level::t)
        cms::add_signature_timestamps(cms.get(), crypto::evp_md(p.digest), tokens);
    const auto der = ossl::encode_der(cms.get(), i2d_CMS_ContentInfo, "the signature");
    if (p.format == Format::pades)
        return ops::signed_object(pdf::fill_contents(p.update(), der), ".pdf");
    return ops::signed_object(der, ".p7s");
}

}  // namespace ltsign
