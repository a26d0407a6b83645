// RFC 9321 signature validation tokens: the binding of a signature (per profile), the JWT made
// with the archive's key, and a token read back and checked.
#include "ops/svt.hpp"

#include <openssl/cms.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "asic/container.hpp"
#include "cms/cades_sign.hpp"
#include "cms/cms_signature.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "crypto/signer_impl.hpp"
#include "crypto/signing.hpp"
#include "ltsign/language.hpp"
#include "pdf/pades_verify.hpp"
#include "pdf/pdf_file.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::ops {
namespace fs = std::filesystem;
namespace {

core::Bytes sha256(std::span<const unsigned char> bytes) {
    return crypto::digest_bytes(EVP_sha256(), bytes);
}

std::string b64(std::span<const unsigned char> bytes) {
    return xml::base64_encode(bytes);
}

}  // namespace

std::string base64url(std::span<const unsigned char> bytes) {
    std::string s = xml::base64_encode(bytes);
    s.erase(std::remove(s.begin(), s.end(), '='), s.end());
    s.erase(std::remove(s.begin(), s.end(), '\n'), s.end());
    std::replace(s.begin(), s.end(), '+', '-');
    std::replace(s.begin(), s.end(), '/', '_');
    return s;
}

namespace {

std::optional<core::Bytes> from_base64url(std::string s) {
    if (s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
        std::string::npos)
        return std::nullopt;
    std::replace(s.begin(), s.end(), '-', '+');
    std::replace(s.begin(), s.end(), '_', '/');
    while (s.size() % 4 != 0) s.push_back('=');
    auto out = xml::base64_decode(s);
    if (out.empty() && !s.empty()) return std::nullopt;
    return out;
}

core::Bytes as_bytes(const std::string& s) {
    return core::Bytes(s.begin(), s.end());
}

using CertStack = std::unique_ptr<STACK_OF(X509), decltype(&ossl::free_cert_stack)>;

std::vector<core::Bytes> certificates_of(CMS_ContentInfo* cms) {
    CertStack certs(CMS_get1_certs(cms), &ossl::free_cert_stack);
    std::vector<core::Bytes> out;
    for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i)
        out.push_back(ossl::to_der(sk_X509_value(certs.get(), i)));
    return out;
}

// RFC 9321 Appendix B for PDF, and ltsign's CMS profile after it: the signature value, the DER
// SignedAttributes (or, without them, the signed content itself), the signed data as given.
std::vector<SignatureBinding> cms_bindings(CMS_ContentInfo* cms, const std::string& profile,
                                           const std::vector<SignatureBinding::Data>& data,
                                           const std::optional<core::Bytes>& content_hash) {
    std::vector<SignatureBinding> out;
    const auto certs = certificates_of(cms);
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    for (int i = 0; infos && i < sk_CMS_SignerInfo_num(infos); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        SignatureBinding b;
        b.profile = profile;
        const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
        b.sig_hash = sha256(
            {ASN1_STRING_get0_data(value), static_cast<std::size_t>(ASN1_STRING_length(value))});
        if (CMS_signed_get_attr_count(si) > 0) {
            b.sb_hash = sha256(cms::signed_attributes_der(si));
        } else if (content_hash) {
            b.sb_hash = *content_hash;  // RFC 5652 5.4: without attributes the content is signed
        } else {
            b.problem =
                tr("the signature signs its detached document directly, which was not given");
        }
        b.data = data;
        b.certificates = certs;
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<SignatureBinding> cms_file(const core::Bytes& bytes, const std::string& what,
                                       const std::optional<fs::path>& document,
                                       const std::string& document_ref) {
    const auto cms = cms::parse_signed_data(bytes, what);
    std::vector<SignatureBinding::Data> data;
    std::optional<core::Bytes> content_hash;
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    if (content != nullptr && *content != nullptr) {
        content_hash = sha256({ASN1_STRING_get0_data(*content),
                               static_cast<std::size_t>(ASN1_STRING_length(*content))});
        data.push_back({"eContent", *content_hash});
    } else if (document) {
        content_hash = crypto::digest_file(EVP_sha256(), *document);
        data.push_back({document_ref, *content_hash});
    } else {
        data.push_back({document_ref, {}});
    }
    return cms_bindings(cms.get(), k_svt_profile_cms, data, content_hash);
}

// RFC 9321 Appendix B: one binding per signature dictionary (document time-stamps skipped), its
// data the ByteRange ("0 840 960 240") and the hash of the bytes it covers.
std::vector<SignatureBinding> pdf_file(const core::Bytes& bytes, const std::string& what) {
    std::vector<SignatureBinding> out;
    pdf::Document doc(bytes, what);
    for (const auto& field : pdf::signature_fields(doc)) {
        if (field.document_timestamp) continue;
        SignatureBinding b;
        b.profile = "PDF";
        std::string ref;
        EVP_MD_CTX* raw = EVP_MD_CTX_new();
        ossl::Ptr<EVP_MD_CTX> ctx(raw);
        EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
        bool in_bounds = field.byte_range.size() % 2 == 0 && !field.byte_range.empty();
        for (std::size_t i = 0; in_bounds && i + 1 < field.byte_range.size(); i += 2) {
            const long long start = field.byte_range[i], len = field.byte_range[i + 1];
            ref += (ref.empty() ? "" : " ") + std::to_string(start) + " " + std::to_string(len);
            in_bounds = start >= 0 && len >= 0 &&
                        static_cast<unsigned long long>(start + len) <= bytes.size();
            if (in_bounds) EVP_DigestUpdate(ctx.get(), bytes.data() + start, len);
        }
        core::Bytes hash(EVP_MAX_MD_SIZE);
        unsigned int n = 0;
        EVP_DigestFinal_ex(ctx.get(), hash.data(), &n);
        hash.resize(n);
        const unsigned char* p = field.contents.data();
        ossl::Ptr<CMS_ContentInfo> cms(
            d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(field.contents.size())));
        if (!cms || !in_bounds) {
            b.problem = trf("signature field {0} cannot be read", {field.name});
            out.push_back(std::move(b));
            continue;
        }
        auto inner = cms_bindings(cms.get(), "PDF", {{ref, hash}}, hash);
        if (!inner.empty()) out.push_back(std::move(inner.front()));
    }
    return out;
}

void carried_certificates(xmlNode* node, std::vector<core::Bytes>& out) {
    for (xmlNode* n = node; n != nullptr; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        const std::string name = reinterpret_cast<const char*>(n->name);
        if (name == "X509Certificate" || name == "EncapsulatedX509Certificate") {
            auto der = xml::base64_decode(xml::text(n));
            if (!der.empty()) out.push_back(std::move(der));
        }
        carried_certificates(n->children, out);
    }
}

// RFC 9321 Appendix A: the Id, the decoded SignatureValue, the canonical SignedInfo, and per
// ds:Reference its URI and the hash of the bytes its DigestValue was computed over (after every
// transform), as xmlsec1 computed them validating the signature with its certificate.
// What a detached reference's URI names, if it can be had, and its size.
struct Detached {
    validation::DataObject object;
    std::uintmax_t size = 0;
};
using Resolve = std::function<std::optional<Detached>(const std::string& uri)>;

std::vector<SignatureBinding> xml_bindings(const core::Bytes& bytes, const std::string& what,
                                           const validation::DataObjects& objects,
                                           const Resolve& resolve) {
    const auto found = xml::extract_facts(bytes, what, objects);
    const xml::Doc doc = xml::parse(bytes, what);
    xml::register_ids(doc.get());
    const auto signatures = xml::top_level_signatures(xmlDocGetRootElement(doc.get()));
    std::vector<SignatureBinding> out;
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        xmlNode* sig = signatures[i];
        SignatureBinding b;
        b.profile = "XML";
        if (auto id = xml::attribute(sig, "Id"); !id.empty()) b.id = id;
        xmlNode* signed_info = xml::child(sig, xml::k_dsig_ns, "SignedInfo");
        xmlNode* value = xml::child(sig, xml::k_dsig_ns, "SignatureValue");
        xmlNode* method = signed_info
                              ? xml::child(signed_info, xml::k_dsig_ns, "CanonicalizationMethod")
                              : nullptr;
        if (signed_info == nullptr || value == nullptr || method == nullptr) {
            b.problem = tr("the signature has no SignedInfo or SignatureValue");
            out.push_back(std::move(b));
            continue;
        }
        b.sig_hash = sha256(xml::base64_decode(xml::text(value)));
        b.sb_hash =
            sha256(xml::canonicalize(doc.get(), signed_info, xml::attribute(method, "Algorithm")));
        carried_certificates(sig->children, b.certificates);
        const auto references = xml::children(signed_info, xml::k_dsig_ns, "Reference");
        xml::DetachedData detached;
        std::uintmax_t detached_size = 0;
        for (xmlNode* r : references) {
            const std::string uri = xml::attribute(r, "URI");
            if (uri.empty() || uri.front() == '#') continue;
            if (auto found = resolve(uri)) {
                detached_size += found->size;
                detached.emplace(uri, std::move(found->object));
            }
        }
        X509* cert = i < found.facts.size() ? found.facts[i].signer_cert.get() : nullptr;
        if (cert == nullptr) {
            b.problem =
                tr("the signer's certificate was not found, so the signed data was not computed");
            out.push_back(std::move(b));
            continue;
        }
        // The data each reference signed, as xmlsec1 digested it: detached documents are then
        // held whole while they are digested, so only up to a bound.
        constexpr std::uintmax_t max_detached = 64u << 20;
        if (detached_size > max_detached) {
            b.problem =
                tr("its detached data is larger than 64 MiB, more than a token's binding "
                   "is computed for");
            out.push_back(std::move(b));
            continue;
        }
        const auto core = xml::verify_core(sig, cert, detached, false, true);
        for (std::size_t k = 0; k < references.size() && k < core.digested.size(); ++k)
            b.data.push_back({xml::attribute(references[k], "URI"), core.digested[k]});
        if (core.digested.size() < references.size())
            b.problem = trf("reference {0} could not be computed: {1}",
                            {std::to_string(core.digested.size() + 1), core.detail});
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<SignatureBinding> xml_file(const core::Bytes& bytes, const std::string& what,
                                       const std::optional<fs::path>& document) {
    validation::DataObjects objects;
    if (document) objects.push_back(validation::DataObject::from_file(*document));
    return xml_bindings(bytes, what, objects, [&](const std::string&) -> std::optional<Detached> {
        if (objects.empty()) return std::nullopt;
        std::error_code ec;
        return Detached{objects.front(), fs::file_size(*document, ec)};
    });
}

// An ASiC container's signatures, in the order its report lists them: each XAdES signature file's
// signatures (the XML profile, references naming entries), then each CAdES signature's (ltsign's
// CMS profile, its signed data the ASiCManifest that names it, or ASiC-S's one data object).
std::vector<SignatureBinding> asic_file(const fs::path& file, const std::string& what) {
    using asic::Role;
    const auto c = asic::Container::open(file, what);
    const bool asic_s = c.kind() == asic::Kind::asic_s;
    validation::DataObjects objects;
    if (asic_s) {
        objects = c.data_objects();
    } else {
        for (const auto& e : c.zip().entries()) {
            const Role r = asic::role_of(e.name);
            if (r != Role::mimetype && r != Role::folder) objects.push_back(c.object(e));
        }
    }
    const Resolve resolve = [&](const std::string& uri) -> std::optional<Detached> {
        // ASiC-S: its one data object, whatever the URI (EN 319 162-1 4.3.3.2).
        const auto* entry = asic_s ? c.entries_of(asic::Role::data).front()
                                   : c.zip().find(asic::entry_name_of(uri));
        if (entry == nullptr) return std::nullopt;
        return Detached{c.object(*entry), entry->size};
    };
    std::vector<SignatureBinding> out;
    for (const auto* e : c.entries_of(Role::xades)) {
        auto found = xml_bindings(c.zip().read(*e, core::k_max_signature_file),
                                  what + ": " + e->name, objects, resolve);
        std::move(found.begin(), found.end(), std::back_inserter(out));
    }
    for (const auto* e : c.entries_of(Role::cades)) {
        const auto bytes = c.zip().read(*e, core::k_max_signature_file);
        const auto cms = cms::parse_signed_data(bytes, what + ": " + e->name);
        std::optional<SignatureBinding::Data> signed_data;
        if (asic_s) {
            const auto object = c.data_objects().front();
            if (auto d = object.digest(EVP_sha256())) signed_data = {object.name(), *d};
        } else {
            for (const auto* m : c.entries_of(Role::manifest)) {
                const auto manifest = c.zip().read(*m, core::k_max_signature_file);
                if (asic::entry_name_of(
                        asic::parse_manifest(manifest, what + ": " + m->name).signature_uri) ==
                    e->name)
                    signed_data = {m->name, sha256(manifest)};
            }
        }
        if (!signed_data) {
            SignatureBinding b;
            b.problem = trf("{0} has no ASiCManifest naming it", {e->name});
            out.push_back(std::move(b));
            continue;
        }
        auto found = cms_bindings(cms.get(), k_svt_profile_cms, {*signed_data}, signed_data->hash);
        std::move(found.begin(), found.end(), std::back_inserter(out));
    }
    return out;
}

struct JwsAlgorithm {
    std::string name;
    RsaPadding padding = RsaPadding::pkcs1_v15;
};

// RFC 7518 3.1: the JWS algorithm of the archive key, always with SHA-256 (RFC 9321 2.2.4:
// it must be hash_algo's digest).
JwsAlgorithm jws_algorithm(EVP_PKEY* key) {
    const int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA) return {"RS256", RsaPadding::pkcs1_v15};
    if (id == EVP_PKEY_RSA_PSS) return {"PS256", RsaPadding::pss};
    if (id == EVP_PKEY_EC) {
        char group[64] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
            (std::string(group) == "prime256v1" || std::string(group) == "P-256"))
            return {"ES256", RsaPadding::pkcs1_v15};
    }
    throw Error(Errc::key_refused, tr("the archive key must be RSA or EC P-256 to sign RFC 9321 "
                                      "tokens with SHA-256 (RS256, PS256, ES256)"));
}

std::string result_of(Indication i) {
    switch (i) {
        case Indication::total_passed:
            return "PASSED";
        case Indication::total_failed:
            return "FAILED";
        default:
            return "INDETERMINATE";
    }
}

long long seconds_of(TimePoint t) {
    return t.time_since_epoch().count();
}

// RFC 9321 2.2.3.7: "chain_hash" when every certificate of the path is in the signature, else
// the certificates themselves ("chain"), signer first.
nlohmann::json cert_reference(const SignatureBinding& b, const SignatureReport& r) {
    std::vector<core::Bytes> path;
    for (const auto& c : r.chain)
        if (!c.der.empty()) path.push_back(core::from_public_bytes(c.der));
    if (path.empty() && !b.certificates.empty()) path.push_back(b.certificates.front());
    const bool all_carried =
        !path.empty() && std::all_of(path.begin(), path.end(), [&](const auto& c) {
            return std::find(b.certificates.begin(), b.certificates.end(), c) !=
                   b.certificates.end();
        });
    nlohmann::json refs = nlohmann::json::array();
    for (const auto& c : path) refs.push_back(all_carried ? b64(sha256(c)) : b64(c));
    return {{"type", all_carried ? "chain_hash" : "chain"}, {"ref", refs}};
}

}  // namespace

std::vector<SignatureBinding> bindings_of(const fs::path& file,
                                          const std::optional<fs::path>& document,
                                          const std::string& document_ref) {
    const std::string what = core::printable(file);
    // A container may be far larger than a signature file: opened, never read whole.
    const auto head = core::read_head(file, 4);
    if (head.size() == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)
        return asic_file(file, what);
    const core::Bytes bytes = core::read_file(file, core::k_max_signature_file);
    if (pdf::looks_like_pdf(bytes)) return pdf_file(bytes, what);
    if (cms::looks_like_cms(bytes)) return cms_file(bytes, what, document, document_ref);
    if (xml::looks_like_xml(bytes) && xml::has_xml_signature(bytes))
        return xml_file(bytes, what, document);
    return {};
}

std::string make_svt(const SignatureBinding& binding, const SignatureReport& report,
                     const Signer& archive, const SvtIssue& issue) {
    const auto& key = detail::impl(archive);
    if (!key.key) throw Error(Errc::usage, tr("SVTs need the archive's private key"));
    const JwsAlgorithm alg = jws_algorithm(key.key.get());

    nlohmann::json sig_ref = {{"sig_hash", b64(binding.sig_hash)},
                              {"sb_hash", b64(binding.sb_hash)}};
    if (binding.id) sig_ref["id"] = *binding.id;
    nlohmann::json data = nlohmann::json::array();
    for (const auto& d : binding.data) data.push_back({{"ref", d.ref}, {"hash", b64(d.hash)}});
    nlohmann::json val = {{"pol", issue.policy_uri},
                          {"res", result_of(report.indication)},
                          {"msg", report.explanation},
                          {"ext",
                           {{"indication", std::string(to_string(report.indication))},
                            {"subIndication", std::string(to_string(report.sub_indication))},
                            {"policy", issue.policy_name}}}};
    nlohmann::json sig = {{"sig_ref", sig_ref},
                          {"sig_data_ref", data},
                          {"signer_cert_ref", cert_reference(binding, report)},
                          {"sig_val", nlohmann::json::array({val})}};
    nlohmann::json ext = {{"file", issue.file}, {"level", std::string(to_string(report.level))}};
    if (!report.signer.empty()) ext["signer"] = report.signer;
    if (report.signing_time) ext["signingTime"] = format_rfc3339(*report.signing_time);
    sig["ext"] = ext;
    // RFC 9321 2.2.3.6: each time-stamp that proved the signature existed.
    nlohmann::json times = nlohmann::json::array();
    for (const auto& ts : report.timestamps) {
        const auto when = ts.signing_time ? ts.signing_time : ts.best_signature_time;
        if (!when) continue;
        times.push_back({{"time", seconds_of(*when)},
                         {"type", "urn:ietf:rfc:3161"},
                         {"iss", ts.signer.empty() ? "unknown" : ts.signer},
                         {"val", nlohmann::json::array({{{"pol", issue.policy_uri},
                                                         {"res", result_of(ts.indication)}}})}});
    }
    if (!times.empty()) sig["time_val"] = times;

    unsigned char id[16];
    if (RAND_bytes(id, sizeof id) != 1)
        throw Error(Errc::internal, tr("no random bytes for a jti"));
    const nlohmann::json claims = {{"jti", ossl::to_hex(id, sizeof id)},
                                   {"iss", issue.issuer},
                                   {"iat", seconds_of(issue.issued_at)},
                                   {"sig_val_claims",
                                    {{"ver", "1.0"},
                                     {"profile", binding.profile},
                                     {"hash_algo", k_svt_hash_algo},
                                     {"sig", nlohmann::json::array({sig})}}}};
    nlohmann::json x5c = nlohmann::json::array({b64(ossl::to_der(key.cert.get()))});
    for (const auto& c : key.chain) x5c.push_back(b64(ossl::to_der(c.get())));
    const nlohmann::json header = {{"typ", "JWT"}, {"alg", alg.name}, {"x5c", x5c}};
    const std::string input =
        base64url(as_bytes(header.dump())) + "." + base64url(as_bytes(claims.dump()));
    const auto value = crypto::sign_with_key(key, as_bytes(input), EVP_sha256(), alg.padding,
                                             crypto::EcdsaEncoding::raw);
    return input + "." + base64url(value);
}

std::vector<std::string> svt_lines(const core::Bytes& bytes) {
    std::vector<std::string> out;
    std::string line;
    for (unsigned char c : bytes) {
        if (c == '\n' || c == '\r') {
            if (!line.empty()) out.push_back(std::move(line));
            line.clear();
        } else {
            line.push_back(static_cast<char>(c));
        }
    }
    if (!line.empty()) out.push_back(std::move(line));
    return out;
}

bool looks_like_svt(std::span<const unsigned char> bytes) {
    // A JWS compact serialization of a JSON header: base64url of '{"' is "eyJ".
    if (bytes.size() < 10 || bytes[0] != 'e' || bytes[1] != 'y' || bytes[2] != 'J') return false;
    return std::all_of(bytes.begin(), bytes.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '\n' || c == '\r';
    });
}

ParsedSvt parse_svt(const std::string& token) {
    ParsedSvt out;
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos) {
        out.problem = tr("not a JWS compact serialization (three parts separated by dots)");
        return out;
    }
    const auto header_bytes = from_base64url(token.substr(0, dot1));
    const auto payload = from_base64url(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto value = from_base64url(token.substr(dot2 + 1));
    nlohmann::json header, claims;
    try {
        if (!header_bytes || !payload || !value) throw std::runtime_error("base64url");
        header = nlohmann::json::parse(header_bytes->begin(), header_bytes->end());
        claims = nlohmann::json::parse(payload->begin(), payload->end());
        out.claims_json = std::string(payload->begin(), payload->end());
        out.alg = header.at("alg").get<std::string>();
        for (const auto& c : header.at("x5c"))
            out.x5c.push_back(xml::base64_decode(c.get<std::string>()));
        const auto& svc = claims.at("sig_val_claims");
        out.issuer = claims.at("iss").get<std::string>();
        out.issued_at = TimePoint(std::chrono::seconds(claims.at("iat").get<long long>()));
        if (svc.at("ver") != "1.0" || svc.at("hash_algo") != k_svt_hash_algo ||
            svc.at("sig").size() != 1)
            throw std::runtime_error("claims");
        const auto& sig = svc.at("sig").at(0);
        out.binding.profile = svc.at("profile").get<std::string>();
        const auto& ref = sig.at("sig_ref");
        if (ref.contains("id") && ref["id"].is_string())
            out.binding.id = ref["id"].get<std::string>();
        out.binding.sig_hash = xml::base64_decode(ref.at("sig_hash").get<std::string>());
        out.binding.sb_hash = xml::base64_decode(ref.at("sb_hash").get<std::string>());
        for (const auto& d : sig.at("sig_data_ref"))
            out.binding.data.push_back({d.at("ref").get<std::string>(),
                                        xml::base64_decode(d.at("hash").get<std::string>())});
        out.result = sig.at("sig_val").at(0).at("res").get<std::string>();
        if (sig["sig_val"][0].contains("msg") && sig["sig_val"][0]["msg"].is_string())
            out.message = sig["sig_val"][0]["msg"].get<std::string>();
    } catch (const std::exception&) {
        out.problem =
            tr("its header or claims are not those of an RFC 9321 token with SHA-256 (typ, alg, "
               "x5c; sig_val_claims ver 1.0, one sig)");
        return out;
    }
    if (header.value("typ", "") != "JWT" || out.x5c.empty() || out.x5c.front().empty()) {
        out.problem = tr("its header lacks typ JWT or the x5c certificate that verifies it");
        return out;
    }
    const unsigned char* p = out.x5c.front().data();
    ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(out.x5c.front().size())));
    const RsaPadding padding = out.alg == "PS256" ? RsaPadding::pss : RsaPadding::pkcs1_v15;
    if (!cert || (out.alg != "RS256" && out.alg != "PS256" && out.alg != "ES256")) {
        out.problem = trf("alg {0} or its x5c certificate is not one ltsign accepts",
                          {core::printable(out.alg)});
        return out;
    }
    const auto input = as_bytes(token.substr(0, dot2));
    if (!crypto::value_matches(cert.get(), input, *value, EVP_sha256(), padding)) {
        out.problem = tr("its JWS signature does not verify with its x5c certificate");
        out.signature_fails = true;
    }
    return out;
}

}  // namespace ltsign::ops
