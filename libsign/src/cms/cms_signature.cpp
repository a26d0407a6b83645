#include "cms/cms_signature.hpp"

#include <openssl/pem.h>
#include <cctype>

#include <algorithm>
#include <cstring>

#include "cms/timestamp_token.hpp"
#include "core/der.hpp"
#include "crypto/certificate_cache.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cms {
namespace {

using validation::Binding;
using validation::Check;
using validation::SignatureFacts;

constexpr int k_max_signer_infos = 16;

constexpr unsigned char k_signed_data_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                               0xf7, 0x0d, 0x01, 0x07, 0x02};

// The single value of a signed attribute, or nullptr when absent. More than one attribute of
// the type, or more than one value, is a format problem (RFC 5652 11: "MUST have a single
// attribute value"; EN 319 122-1 5.2).
const ASN1_TYPE* single_signed_attr(CMS_SignerInfo* si, int nid,
                                    std::optional<std::string>& problem) {
    const int idx = CMS_signed_get_attr_by_NID(si, nid, -1);
    if (idx < 0) return nullptr;
    if (CMS_signed_get_attr_by_NID(si, nid, idx) >= 0) {
        problem = trf("the signed attribute {0} appears more than once", {OBJ_nid2ln(nid)});
        return nullptr;
    }
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, idx);
    if (X509_ATTRIBUTE_count(attr) != 1) {
        problem = trf("the signed attribute {0} must have exactly one value", {OBJ_nid2ln(nid)});
        return nullptr;
    }
    return X509_ATTRIBUTE_get0_type(attr, 0);
}

std::optional<TimePoint> signing_time(const ASN1_TYPE* t) {
    if (t == nullptr) return std::nullopt;
    if (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME) return std::nullopt;
    std::tm tm{};
    if (ASN1_TIME_to_tm(reinterpret_cast<const ASN1_TIME*>(t->value.asn1_string), &tm) != 1) {
        return std::nullopt;
    }
    return TimePoint{std::chrono::seconds{::timegm(&tm)}};
}

std::string algorithm_name(const X509_ALGOR* alg) {
    if (alg == nullptr) return "unknown";
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) return OBJ_nid2ln(nid);
    return ossl::oid_text(obj, true);
}

// RFC 2634 5.4 / RFC 5035: the first ESSCertID names the signing certificate; further ones may
// name certificates of its path, which a signature need not carry. The attribute value with only
// its first ESSCertID (and no policies), for matching the signer; the value itself when it
// cannot be sliced.
core::Bytes first_cert_id_only(std::span<const unsigned char> value) {
    const auto sc = der::read(value);
    const auto fields = sc ? der::children(*sc) : std::nullopt;
    const auto ids = fields && !fields->empty() ? der::children((*fields)[0]) : std::nullopt;
    if (!ids || ids->empty()) return core::Bytes(value.begin(), value.end());
    const core::Bytes first((*ids)[0].all.begin(), (*ids)[0].all.end());
    return der::wrap(der::k_sequence, {der::wrap(der::k_sequence, {first})});
}

// RFC 5035 signing-certificate-v2, or RFC 2634 signing-certificate, against the certificate that
// verifies the signature.
void check_binding(CMS_SignerInfo* si, X509* signer, SignatureFacts& f) {
    const ASN1_TYPE* v2 =
        single_signed_attr(si, NID_id_smime_aa_signingCertificateV2, f.format_problem);
    const ASN1_TYPE* v1 =
        single_signed_attr(si, NID_id_smime_aa_signingCertificate, f.format_problem);
    if (v1 == nullptr && v2 == nullptr) {
        f.binding = Binding::absent;
        return;
    }
    ossl::Ptr<ESS_SIGNING_CERT> ss;
    ossl::Ptr<ESS_SIGNING_CERT_V2> ssv2;
    auto decode = [&](const ASN1_TYPE* t, auto d2i, auto& out, const char* name) {
        if (t == nullptr) return;
        if (t->type != V_ASN1_SEQUENCE) {
            f.format_problem = trf("the {0} attribute is not a SEQUENCE", {name});
            return;
        }
        const unsigned char* p = t->value.sequence->data;
        out.reset(d2i(nullptr, &p, t->value.sequence->length));
        if (!out || p != t->value.sequence->data + t->value.sequence->length) {
            f.format_problem = trf("the {0} attribute cannot be decoded", {name});
            return;
        }
        const core::Bytes first = first_cert_id_only(
            {t->value.sequence->data, static_cast<std::size_t>(t->value.sequence->length)});
        p = first.data();
        out.reset(d2i(nullptr, &p, static_cast<long>(first.size())));
    };
    decode(v2, d2i_ESS_SIGNING_CERT_V2, ssv2, "signing-certificate-v2");
    decode(v1, d2i_ESS_SIGNING_CERT, ss, "signing-certificate");
    if (f.format_problem) return;
    ossl::Ptr<STACK_OF(X509)> chain(
        ossl::check(sk_X509_new_null(), Errc::internal, "out of memory"));
    ossl::push(chain.get(), ossl::up_ref(signer));
    ossl::clear_errors();
    if (OSSL_ESS_check_signing_certs(ss.get(), ssv2.get(), chain.get(), 1) == 1) {
        f.binding = Binding::matches;
    } else {
        f.binding = Binding::mismatch;
        const char* attribute = v2 ? "signing-certificate-v2" : "signing-certificate";
        f.binding_detail = trf("{0} names another certificate or issuer/serial", {attribute});
    }
    ossl::clear_errors();
}

// RFC 5652 5.3: signatureAlgorithm identifies the algorithm the value was made with. OpenSSL
// verifies with the certificate's key and the digestAlgorithm and does not look at it, so it is
// checked here: it must belong to the signer's key type and, when it names a digest, to the
// SignerInfo's digest.
std::optional<std::string> signature_algorithm_problem(const X509_ALGOR* sig_alg,
                                                       const ASN1_OBJECT* digest_oid,
                                                       X509* signer) {
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, sig_alg);
    const int nid = OBJ_obj2nid(oid);
    const EVP_PKEY* key = X509_get0_pubkey(signer);
    if (key == nullptr) return tr("the signer's public key cannot be read");
    const int key_type = EVP_PKEY_get_base_id(key);
    int md_nid = NID_undef, pk_nid = NID_undef;
    if (nid == NID_rsaEncryption || nid == NID_rsassaPss) {
        pk_nid = EVP_PKEY_RSA;
    } else if (nid == NID_X9_62_id_ecPublicKey) {
        pk_nid = EVP_PKEY_EC;
    } else if (OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) != 1) {
        return trf("the signature algorithm {0} is not one ltsign knows",
                   {algorithm_name(sig_alg)});
    }
    const bool key_ok =
        pk_nid == key_type || (pk_nid == EVP_PKEY_RSA && key_type == EVP_PKEY_RSA_PSS);
    if (!key_ok)
        return trf("the signature algorithm {0} does not fit the signer's key",
                   {algorithm_name(sig_alg)});
    if (md_nid != NID_undef && md_nid != OBJ_obj2nid(digest_oid)) {
        return trf("the signature algorithm {0} names another digest than the SignerInfo",
                   {algorithm_name(sig_alg)});
    }
    return std::nullopt;
}

// The signed content of a SignedData: what it carries, or the detached document given. Its
// digests are computed once however many SignerInfos ask (a signature may repeat one SignerInfo
// thousands of times to make a verifier hash a large document again each time).
class Content {
  public:
    Content(CMS_ContentInfo* cms, const validation::DataObject* document) : m_document(document) {
        ASN1_OCTET_STRING** content = CMS_get0_content(cms);
        if (content != nullptr && *content != nullptr) {
            // The SignedData keeps the bytes for as long as this Content lives.
            const ASN1_OCTET_STRING* carried = *content;
            m_carried = validation::DataObject::borrowing(
                "the content the signature carries",
                std::span(carried->data, static_cast<std::size_t>(carried->length)));
        }
    }

    // What the signature signs; nullptr when it is detached and no document was given.
    const validation::DataObject* data() const { return m_carried ? &*m_carried : m_document; }

    // A signature that carries its content and is also given a document: the two must be the
    // same, or the verdict would be about a document that was never signed (anyone can copy the
    // original content into a detached signature without the key). nullopt when not both.
    const std::optional<validation::CheckResult>& given_document() {
        if (!m_given) {
            m_given.emplace();
            if (m_carried && m_document != nullptr) {
                const EVP_MD* md = EVP_sha256();
                if (m_carried->digest(md) == m_document->digest(md)) {
                    *m_given = validation::CheckResult{Check::passed, ""};
                } else {
                    *m_given = validation::CheckResult{Check::failed,
                                                       trf("the document given ({0}) differs from "
                                                           "the content the signature carries",
                                                           {m_document->name()})};
                }
            }
        }
        return *m_given;
    }

  private:
    std::optional<validation::DataObject> m_carried;
    const validation::DataObject* m_document;
    std::optional<std::optional<validation::CheckResult>> m_given;
};

// Signature over the content itself, without signed attributes (RFC 5652 5.4): rare in
// practice, but legal. The content is streamed.
Check verify_without_attributes(CMS_SignerInfo* si, X509* signer, const EVP_MD* md,
                                const validation::DataObject& content, std::string& detail) {
    ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY* pub = X509_get0_pubkey(signer);
    if (!ctx || pub == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pub) != 1) {
        detail = tr("the signer's key cannot verify this algorithm");
        ossl::clear_errors();
        return Check::not_possible;
    }
    content.stream([&](std::span<const unsigned char> chunk) {
        ossl::check(EVP_DigestVerifyUpdate(ctx.get(), chunk.data(), chunk.size()), Errc::internal,
                    "cannot hash the content");
    });
    const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
    const int ok = EVP_DigestVerifyFinal(ctx.get(), sig->data, static_cast<size_t>(sig->length));
    ossl::clear_errors();
    if (ok == 1) return Check::passed;
    detail = tr("the signature over the content does not verify");
    return Check::failed;
}

// A signature-time-stamp attribute value: a token over the signature value (RFC 5126 6.1.1).
SignatureFacts signature_timestamp(const ASN1_TYPE* value, const core::Bytes& signature_value) {
    SignatureFacts ts;
    ts.type = EntryType::timestamp;
    ts.is_timestamp = true;
    if (value == nullptr || value->type != V_ASN1_SEQUENCE) {
        ts.format_problem = tr("the signature-time-stamp attribute does not hold a token");
        return ts;
    }
    try {
        return cms::token_facts(
            std::span(value->value.sequence->data,
                      static_cast<std::size_t>(value->value.sequence->length)),
            {.data = validation::DataObject::from_bytes("the signature value", signature_value)});
    } catch (const Error& e) {
        ts.format_problem = trf("the signature-time-stamp is malformed: {0}", {e.what()});
        return ts;
    }
}

core::Bytes encode(CMS_ContentInfo* cms) {
    return ossl::encode_der(cms, i2d_CMS_ContentInfo, "the signature again");
}

// The signing certificate: among the certificates the signature carries, else among
// `candidates` (noted, since the signature did not bring it).
void identify_signer(CMS_SignerInfo* si, STACK_OF(X509) * certs,
                     const std::vector<X509*>& candidates, SignatureFacts& f) {
    for (int i = 0; i < sk_X509_num(certs); ++i) {
        X509* c = sk_X509_value(certs, i);
        f.certificates.push_back(ossl::up_ref(c));
        if (!f.signer_cert && CMS_SignerInfo_cert_cmp(si, c) == 0) f.signer_cert = ossl::up_ref(c);
    }
    for (X509* c : candidates) {
        if (f.signer_cert) break;
        if (CMS_SignerInfo_cert_cmp(si, c) == 0) {
            f.signer_cert = ossl::up_ref(c);
            f.notes.push_back({NoteCode::signing_certificate_supplied,
                               trf("the signing certificate ({0}) is not carried; it was found "
                                   "among the certificates supplied",
                                   {ossl::name_to_string(X509_get_subject_name(c))})});
        }
    }
}

// The SignerInfo's algorithms, named in the facts.
struct Algorithms {
    const EVP_MD* md = nullptr;  // the digest; nullptr when unknown
    const ASN1_OBJECT* digest_oid = nullptr;
    const X509_ALGOR* signature = nullptr;
};

Algorithms read_algorithms(CMS_SignerInfo* si, SignatureFacts& f) {
    X509_ALGOR* dig_alg = nullptr;
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig_alg, &sig_alg);
    f.digest_algorithm = algorithm_name(dig_alg);
    f.signature_algorithm = algorithm_name(sig_alg);
    Algorithms a;
    a.signature = sig_alg;
    if (dig_alg != nullptr) X509_ALGOR_get0(&a.digest_oid, nullptr, nullptr, dig_alg);
    a.md = crypto::evp_md_from_object(a.digest_oid);
    if (a.md != nullptr) f.digest_algorithm = crypto::digest_name(a.md);
    return a;
}

// Why the content cannot be digested: an unknown digest algorithm, or a detached signature
// without its document; nullopt when it can.
std::optional<validation::CheckResult> content_unavailable(const EVP_MD* md, Content& content,
                                                           const std::string& digest) {
    if (md == nullptr)
        return validation::CheckResult{Check::not_possible,
                                       trf("unknown digest algorithm {0}", {digest})};
    if (content.data() == nullptr) {
        return validation::CheckResult{Check::not_possible,
                                       tr("the signature is detached and no document was given")};
    }
    return std::nullopt;
}

// RFC 5652 5.4: without signed attributes the signature is over the content itself.
void check_without_attributes(CMS_SignerInfo* si, const EVP_MD* md, Content& content,
                              SignatureFacts& f) {
    f.level = SignatureLevel::cms;
    f.notes.push_back({NoteCode::no_signed_attributes,
                       tr("no signed attributes: the signature covers the content directly and "
                          "names no signing time or signing certificate")});
    if (!f.signer_cert) return;
    if (auto why = content_unavailable(md, content, f.digest_algorithm)) {
        if (md == nullptr) {
            f.signature_value = *why;
        } else {
            f.data_digest = *why;
            f.signature_value = {Check::not_possible, tr("the signed document was not given")};
        }
        return;
    }
    std::string detail;
    const Check c = verify_without_attributes(si, f.signer_cert.get(), md, *content.data(), detail);
    f.signature_value = {c, detail};
    f.data_digest = {c == Check::passed ? Check::passed : Check::not_possible, ""};
    const auto& given_document = content.given_document();
    if (given_document && given_document->status == Check::failed) f.data_digest = *given_document;
    if (c == Check::failed) {
        // Without signed attributes a changed document and a changed signature look the same.
        f.signature_value.detail =
            tr("the signature over the content does not verify (the content or the signature was "
               "changed)");
    }
}

// RFC 5652 5.3: content-type and message-digest are mandatory with signed attributes. The
// message-digest value; nullptr when the facts have a format problem.
const ASN1_OCTET_STRING* read_signed_attributes(CMS_ContentInfo* cms, CMS_SignerInfo* si,
                                                SignatureFacts& f) {
    const ASN1_TYPE* ctype = single_signed_attr(si, NID_pkcs9_contentType, f.format_problem);
    const ASN1_TYPE* mdigest = single_signed_attr(si, NID_pkcs9_messageDigest, f.format_problem);
    f.claimed_signing_time =
        signing_time(single_signed_attr(si, NID_pkcs9_signingTime, f.format_problem));
    if (f.format_problem) return nullptr;
    if (ctype == nullptr || ctype->type != V_ASN1_OBJECT) {
        f.format_problem = tr("the content-type signed attribute is missing (RFC 5652 5.3)");
        return nullptr;
    }
    if (OBJ_cmp(ctype->value.object, CMS_get0_eContentType(cms)) != 0) {
        f.format_problem =
            tr("the content-type signed attribute differs from the encapsulated content type");
        return nullptr;
    }
    if (mdigest == nullptr || mdigest->type != V_ASN1_OCTET_STRING) {
        f.format_problem = tr("the message-digest signed attribute is missing (RFC 5652 5.3)");
        return nullptr;
    }
    return mdigest->value.octet_string;
}

// DER sorts a SET OF by the encodings of its elements (X.690 11.6). OpenSSL verifies the
// signature over the attributes in the order received, so an unsorted set would pass there.
bool signed_attributes_in_der_order(CMS_SignerInfo* si) {
    std::vector<core::Bytes> encodings;
    for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
        unsigned char* der = nullptr;
        const int n = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &der);
        if (n <= 0) return false;
        encodings.emplace_back(der, der + n);
        OPENSSL_free(der);
    }
    return std::is_sorted(encodings.begin(), encodings.end());
}

constexpr std::string_view k_archive_timestamp_v3 = "0.4.0.1733.2.4";
constexpr std::string_view k_er_internal = "1.2.840.113549.1.9.16.2.49";  // EN 319 122-3
constexpr std::string_view k_er_external = "1.2.840.113549.1.9.16.2.50";

// Unsigned attributes: signature-time-stamps are verified with the signature; any other this
// version cannot judge is named, never silently passed over.
void read_unsigned_attributes(CMS_SignerInfo* si, SignatureFacts& f) {
    for (int a = 0; a < CMS_unsigned_get_attr_count(si); ++a) {
        X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, a);
        const ASN1_OBJECT* obj = X509_ATTRIBUTE_get0_object(attr);
        if (OBJ_obj2nid(obj) == NID_id_smime_aa_timeStampToken) {
            const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
            const core::Bytes value(sig->data, sig->data + sig->length);
            for (int v = 0; v < X509_ATTRIBUTE_count(attr); ++v) {
                f.timestamps.push_back(
                    signature_timestamp(X509_ATTRIBUTE_get0_type(attr, v), value));
            }
            continue;
        }
        const std::string name = ossl::oid_text(obj, false);
        // Read by add_long_term_facts and ers::add_embedded_records.
        const std::string oid = ossl::oid_text(obj, true);
        if (oid == k_archive_timestamp_v3 || oid == k_er_internal || oid == k_er_external) continue;
        f.notes.push_back(
            {NoteCode::not_checked,
             trf("unsigned attribute {0} is not verified by this version and was not used",
                 {name})});
    }
    if (f.level == SignatureLevel::b_b && !f.timestamps.empty()) f.level = SignatureLevel::b_t;
}

// The message digest over the content.
void check_message_digest(const ASN1_OCTET_STRING* expected, const EVP_MD* md, Content& content,
                          SignatureFacts& f) {
    if (auto why = content_unavailable(md, content, f.digest_algorithm)) {
        f.data_digest = *why;
        return;
    }
    const core::Bytes actual = *content.data()->digest(md);
    f.data_digest = validation::compare_digest(
        expected, actual, trf("the signature's {0} digest is", {f.digest_algorithm}));
    const auto& given_document = content.given_document();
    if (f.data_digest.status == Check::passed && given_document) f.data_digest = *given_document;
}

// RFC 5652 5.3, EN 319 122-1: the signature over the DER of the signed attributes, which bind
// the content (message-digest) and the signing certificate.
void check_with_attributes(CMS_ContentInfo* cms, CMS_SignerInfo* si, const EVP_MD* md,
                           Content& content, SignatureFacts& f) {
    const ASN1_OCTET_STRING* message_digest = read_signed_attributes(cms, si, f);
    if (message_digest == nullptr) return;
    if (!f.signer_cert) {
        f.level = SignatureLevel::cms;
        return;
    }
    check_binding(si, f.signer_cert.get(), f);
    if (f.format_problem) return;
    f.level = f.binding == Binding::absent ? SignatureLevel::cms : SignatureLevel::b_b;
    if (f.binding == Binding::absent) {
        f.notes.push_back({NoteCode::not_baseline, tr("no signing-certificate attribute: this is a "
                                                      "plain CMS signature, not CAdES baseline")});
    }
    read_unsigned_attributes(si, f);

    // The signature value over the DER of the signed attributes.
    ossl::clear_errors();
    CMS_SignerInfo_set1_signer_cert(si, f.signer_cert.get());
    if (!signed_attributes_in_der_order(si)) {
        f.signature_value = {Check::failed,
                             tr("the signed attributes are not in DER order (RFC 5652 5.4 signs "
                                "their DER encoding, a sorted SET OF); the value was made over "
                                "another encoding and does not verify over theirs")};
    } else if (CMS_SignerInfo_verify(si) == 1) {
        f.signature_value = {Check::passed, ""};
    } else {
        const auto errs = ossl::drain_errors();
        f.signature_value = {Check::failed, errs.empty() ? tr("verification failed") : errs.back()};
    }
    check_message_digest(message_digest, md, content, f);
}

SignatureFacts facts_for(CMS_ContentInfo* cms, CMS_SignerInfo* si, STACK_OF(X509) * certs,
                         Content& content, const std::vector<X509*>& candidates) {
    SignatureFacts f;
    identify_signer(si, certs, candidates, f);
    const Algorithms alg = read_algorithms(si, f);
    if (f.signer_cert) {
        if (auto problem =
                signature_algorithm_problem(alg.signature, alg.digest_oid, f.signer_cert.get())) {
            f.format_problem = *problem;
            return f;
        }
    }
    content.given_document();
    if (CMS_signed_get_attr_count(si) < 0) {
        check_without_attributes(si, alg.md, content, f);
    } else {
        check_with_attributes(cms, si, alg.md, content, f);
    }
    return f;
}

// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
// The digest and signature algorithms in use take no parameters, NULL, or (RSASSA-PSS) a
// SEQUENCE; anything else can only be damage.
bool plausible_algorithm(const der::Tlv& alg) {
    const auto fields = der::children(alg);
    if (alg.tag != der::k_sequence || !fields || fields->empty() || fields->size() > 2 ||
        (*fields)[0].tag != der::k_oid) {
        return false;
    }
    if (fields->size() == 1) return true;
    const auto& params = (*fields)[1];
    return (params.tag == 0x05 && params.value.empty()) || params.tag == der::k_sequence;
}

// The parts of SignedData that no signature covers must still be what RFC 5652 allows, so that
// an altered byte there is noticed rather than ignored (5.1, 5.3):
//   SignedData ::= SEQUENCE { version CMSVersion, digestAlgorithms SET OF AlgorithmIdentifier,
//     encapContentInfo, certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL,
//     signerInfos SET OF SignerInfo }
//   SignerInfo ::= SEQUENCE { version CMSVersion, sid, digestAlgorithm, signedAttrs [0] OPTIONAL,
//     signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] OPTIONAL }
// SignedData version 1, 3, 4 or 5; SignerInfo version 1 or 3; digestAlgorithms names every
// SignerInfo's digest; algorithm parameters plausible. Only DER headers are sliced; BER with
// indefinite lengths is left to OpenSSL's parser.
std::optional<std::string> unsigned_header_problem(const core::Bytes& bytes,
                                                   STACK_OF(CMS_SignerInfo) * infos,
                                                   bool non_data_content) {
    const auto ci = der::read(bytes);
    if (!ci) return std::nullopt;
    const auto ci_parts = der::children(*ci);
    if (!ci_parts || ci_parts->size() != 2) return std::nullopt;
    const auto explicit0 = der::children((*ci_parts)[1]);
    if (!explicit0 || explicit0->size() != 1) return std::nullopt;
    const auto sd = der::children((*explicit0)[0]);
    if (!sd || sd->size() < 4) return std::nullopt;
    const auto& version = (*sd)[0];
    if (version.tag != der::k_integer || version.value.size() != 1 ||
        (version.value[0] != 1 && version.value[0] != 3 && version.value[0] != 4 &&
         version.value[0] != 5)) {
        return tr("the SignedData version is not one RFC 5652 5.1 allows");
    }
    // RFC 5652 5.1: version 1 only when the content is id-data (and nothing else asks for more).
    if (version.value[0] == 1 && non_data_content)
        return tr(
            "the SignedData version is 1, but RFC 5652 5.1 requires 3 or more for content other "
            "than id-data");
    const auto algs = der::children((*sd)[1]);
    if ((*sd)[1].tag != der::k_set || !algs)
        return tr("the SignedData digestAlgorithms is not a SET");
    for (const auto& alg : *algs) {
        if (!plausible_algorithm(alg)) return tr("a SignedData digestAlgorithms entry is damaged");
    }
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        X509_ALGOR* dig = nullptr;
        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(infos, i), nullptr, nullptr, &dig,
                                 nullptr);
        const ASN1_OBJECT* oid = nullptr;
        X509_ALGOR_get0(&oid, nullptr, nullptr, dig);
        const core::Bytes want = ossl::encode_der(oid, i2d_ASN1_OBJECT, "a digest algorithm");
        bool found = false;
        for (const auto& alg : *algs) {
            const auto fields = der::children(alg);
            found |= fields && !fields->empty() &&
                     std::equal((*fields)[0].all.begin(), (*fields)[0].all.end(), want.begin(),
                                want.end());
        }
        if (!found)
            return tr("the SignedData digestAlgorithms does not name the digest a SignerInfo uses");
    }
    const auto& signer_infos = sd->back();
    const auto sis = der::children(signer_infos);
    if (signer_infos.tag != der::k_set || !sis)
        return tr("the SignedData signerInfos is not a SET");
    for (const auto& si : *sis) {
        const auto f = der::children(si);
        if (!f || f->size() < 5) return tr("a SignerInfo is damaged");
        const auto& v = (*f)[0];
        if (v.tag != der::k_integer || v.value.size() != 1 ||
            (v.value[0] != 1 && v.value[0] != 3)) {
            return tr("a SignerInfo version is not 1 or 3 (RFC 5652 5.3)");
        }
        const std::size_t sig_alg = (*f)[3].tag == 0xa0 ? 4 : 3;
        if (!plausible_algorithm((*f)[2]) || sig_alg >= f->size() ||
            !plausible_algorithm((*f)[sig_alg])) {
            return tr("a SignerInfo algorithm identifier is damaged");
        }
    }
    return std::nullopt;
}

}  // namespace

bool looks_like_cms(const core::Bytes& b) {
    const std::string_view text(reinterpret_cast<const char*>(b.data()),
                                std::min<std::size_t>(b.size(), 64));
    if (text.starts_with("-----BEGIN CMS") || text.starts_with("-----BEGIN PKCS7")) return true;
    if (b.size() < 16 || b[0] != 0x30) return false;
    // Skip the outer length (short, long, or indefinite form).
    std::size_t i = 2;
    if (b[1] & 0x80) i += b[1] & 0x7f;
    return b.size() >= i + sizeof k_signed_data_oid &&
           std::memcmp(b.data() + i, k_signed_data_oid, sizeof k_signed_data_oid) == 0;
}

// The DER inside a PEM "CMS" or "PKCS7" block, which must be the file's only content (blank lines
// aside): a PEM signature gets the same structure and trailing-data checks as a DER one.
core::Bytes der_of_pem(const core::Bytes& bytes, const std::string& what) {
    const ossl::Ptr<BIO> bio = ossl::memory_bio(bytes);
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    const int ok = PEM_read_bio(bio.get(), &name, &header, &data, &len);
    const ossl::Ptr<char> owned_name(name), owned_header(header);
    const ossl::Ptr<char> owned_data(reinterpret_cast<char*>(data));
    if (ok != 1 || (std::string_view(name) != "CMS" && std::string_view(name) != "PKCS7"))
        ossl::fail(Errc::malformed_input, trf("{0}: not a valid PEM CMS signature", {what}));
    if (header != nullptr && *header != '\0')
        ossl::fail(Errc::malformed_input, trf("{0}: a PEM CMS block with headers", {what}));
    char rest[256];
    for (int n = 0; (n = BIO_read(bio.get(), rest, sizeof rest)) > 0;) {
        for (int i = 0; i < n; ++i) {
            if (std::isspace(static_cast<unsigned char>(rest[i])) == 0)
                ossl::fail(Errc::malformed_input, trf("{0}: data after its PEM block", {what}));
        }
    }
    ossl::clear_errors();
    return core::Bytes(data, data + len);
}

namespace {

// A SignedData of definite lengths whose certificates are all plain X.509 certificates, split
// into the encoding without its `certificates` field and those certificates, decoded through the
// process's shared cache (certificate_cache.hpp). nullopt (decode the whole as it is) for
// anything else: BER, other CertificateChoices, a repeated certificate, large encapsulated
// content (copying it would cost more than the decoding saved).
struct SplitSignedData {
    core::Bytes without_certificates;
    std::vector<ossl::Ptr<X509>> certificates;
};

std::optional<SplitSignedData> split_certificates(const core::Bytes& bytes) {
    constexpr std::size_t k_largest = 256 * 1024;
    if (bytes.size() > k_largest) return std::nullopt;
    const auto ci = der::read(bytes);
    if (!ci || ci->tag != der::k_sequence || ci->all.size() != bytes.size()) return std::nullopt;
    const auto ci_parts = der::children(*ci);
    if (!ci_parts || ci_parts->size() != 2 || (*ci_parts)[1].tag != 0xa0) return std::nullopt;
    const auto explicit0 = der::children((*ci_parts)[1]);
    if (!explicit0 || explicit0->size() != 1 || (*explicit0)[0].tag != der::k_sequence)
        return std::nullopt;
    const auto sd = der::children((*explicit0)[0]);
    if (!sd || sd->size() < 5 || (*sd)[3].tag != 0xa0) return std::nullopt;
    const auto certs = der::children((*sd)[3]);
    if (!certs || certs->empty()) return std::nullopt;
    SplitSignedData out;
    for (std::size_t i = 0; i < certs->size(); ++i) {
        const auto& c = (*certs)[i];
        if (c.tag != der::k_sequence) return std::nullopt;
        for (std::size_t j = 0; j < i; ++j) {
            if (std::ranges::equal((*certs)[j].all, c.all)) return std::nullopt;
        }
        auto cert = ossl::shared_certificate(c.all);
        if (!cert) return std::nullopt;
        out.certificates.push_back(std::move(cert));
    }
    std::vector<core::Bytes> fields;
    for (std::size_t i = 0; i < sd->size(); ++i) {
        if (i != 3) fields.emplace_back((*sd)[i].all.begin(), (*sd)[i].all.end());
    }
    out.without_certificates = der::wrap(
        der::k_sequence, {core::Bytes((*ci_parts)[0].all.begin(), (*ci_parts)[0].all.end()),
                          der::wrap(0xa0, {der::wrap(der::k_sequence, fields)})});
    return out;
}

}  // namespace

ossl::Ptr<CMS_ContentInfo> decode_content_info(const core::Bytes& bytes, const std::string& what) {
    if (auto split = split_certificates(bytes)) {
        const core::Bytes& der = split->without_certificates;
        const unsigned char* p = der.data();
        ossl::Ptr<CMS_ContentInfo> cms(
            d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
        bool whole = cms && p == der.data() + der.size();
        for (auto& cert : split->certificates) {
            if (!whole) break;
            whole = CMS_add0_cert(cms.get(), cert.get()) == 1;
            if (whole) (void)cert.release();
        }
        if (whole) return cms;
        ossl::clear_errors();
    }
    return ossl::decode_der_exact<CMS_ContentInfo>(bytes, d2i_CMS_ContentInfo, what);
}

ossl::Ptr<CMS_ContentInfo> parse_signed_data(const core::Bytes& given, const std::string& what) {
    ossl::clear_errors();
    const std::string_view text(reinterpret_cast<const char*>(given.data()),
                                std::min<std::size_t>(given.size(), 64));
    const bool pem = text.starts_with("-----BEGIN");
    const core::Bytes converted = pem ? der_of_pem(given, what) : core::Bytes{};
    const core::Bytes& bytes = pem ? converted : given;
    ossl::Ptr<CMS_ContentInfo> cms = decode_content_info(bytes, what);
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        ossl::fail(Errc::malformed_input, trf("{0}: a CMS structure, but not SignedData", {what}));
    }
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    if (infos == nullptr || sk_CMS_SignerInfo_num(infos) == 0) {
        ossl::fail(Errc::malformed_input, trf("{0}: SignedData without any SignerInfo", {what}));
    }
    // Co-signatures are a handful; thousands of SignerInfos are only work for the verifier.
    if (sk_CMS_SignerInfo_num(infos) > k_max_signer_infos) {
        throw Error(Errc::malformed_input,
                    trf("{0}: {1} SignerInfos, more than the {2} ltsign reads",
                        {what, std::to_string(sk_CMS_SignerInfo_num(infos)),
                         std::to_string(k_max_signer_infos)}));
    }
    if (auto problem =
            unsigned_header_problem(bytes, infos, econtent_nid(cms.get()) != NID_pkcs7_data)) {
        throw Error(Errc::malformed_input, what + ": " + *problem);
    }
    return cms;
}

int econtent_nid(const CMS_ContentInfo* cms) {
    return OBJ_obj2nid(CMS_get0_eContentType(const_cast<CMS_ContentInfo*>(cms)));
}

std::vector<validation::SignatureFacts> extract_facts(CMS_ContentInfo* cms,
                                                      const validation::DataObject* document,
                                                      const std::vector<X509*>& candidates) {
    ossl::Ptr<STACK_OF(X509)> certs(CMS_get1_certs(cms));
    if (!certs) certs.reset(ossl::check(sk_X509_new_null(), Errc::internal, "out of memory"));
    std::vector<SignatureFacts> out;
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    // RevocationInfoChoices the signature carries.
    const ossl::Ptr<STACK_OF(X509_CRL)> crls(CMS_get1_crls(cms));
    Content content(cms, document);
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        out.push_back(
            facts_for(cms, sk_CMS_SignerInfo_value(infos, i), certs.get(), content, candidates));
        if (!out.back().signer_cert && candidates.empty()) {
            // Extract this SignerInfo again, from the same bytes, once the engine knows which
            // further certificates it may use. The document's copy shares what was hashed.
            std::optional<validation::DataObject> doc;
            if (document != nullptr) doc = *document;
            out.back().with_candidates = [der = encode(cms), doc,
                                          i](const std::vector<X509*>& more) {
                auto again = parse_signed_data(der, "signature");
                return std::move(extract_facts(again.get(), doc ? &*doc : nullptr, more)
                                     .at(static_cast<std::size_t>(i)));
            };
        }
        for (int c = 0; crls && c < sk_X509_CRL_num(crls.get()); ++c)
            out.back().crls.push_back(ossl::up_ref(sk_X509_CRL_value(crls.get(), c)));
    }
    return out;
}

std::vector<InspectField> inspect_fields(CMS_ContentInfo* cms) {
    std::vector<InspectField> out;
    out.push_back({"content type", ossl::oid_text(CMS_get0_eContentType(cms), false), {}});
    ASN1_OCTET_STRING** content = CMS_get0_content(cms);
    out.push_back({"content",
                   (content != nullptr && *content != nullptr)
                       ? "encapsulated, " + std::to_string((*content)->length) + " bytes"
                       : "detached",
                   {}});

    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    ossl::Ptr<STACK_OF(X509)> certs(CMS_get1_certs(cms));
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        InspectField signer{"signer", "", {}};
        for (int c = 0; certs && c < sk_X509_num(certs.get()); ++c) {
            if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), c)) == 0) {
                signer.value =
                    ossl::name_to_string(X509_get_subject_name(sk_X509_value(certs.get(), c)));
            }
        }
        if (signer.value.empty()) signer.value = "(certificate not included)";
        X509_ALGOR* dig = nullptr;
        X509_ALGOR* sig = nullptr;
        CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
        signer.children.push_back({"digest algorithm", algorithm_name(dig), {}});
        signer.children.push_back({"signature algorithm", algorithm_name(sig), {}});
        InspectField signed_attrs{"signed attributes", "", {}};
        for (int a = 0; a < CMS_signed_get_attr_count(si); ++a) {
            X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, a);
            const int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(attr));
            const std::string oid = ossl::oid_text(X509_ATTRIBUTE_get0_object(attr), false);
            std::string value;
            const ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(attr, 0);
            if (nid == NID_pkcs9_messageDigest && t && t->type == V_ASN1_OCTET_STRING) {
                value = ossl::to_hex(t->value.octet_string->data,
                                     static_cast<std::size_t>(t->value.octet_string->length));
            } else if (nid == NID_pkcs9_signingTime) {
                if (auto st = signing_time(t)) value = format_rfc3339(*st);
            } else if (nid == NID_pkcs9_contentType && t && t->type == V_ASN1_OBJECT) {
                value = ossl::oid_text(t->value.object, false);
            }
            signed_attrs.children.push_back({oid, value, {}});
        }
        signer.children.push_back(std::move(signed_attrs));
        InspectField unsigned_attrs{"unsigned attributes", "", {}};
        for (int a = 0; a < CMS_unsigned_get_attr_count(si); ++a) {
            X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, a);
            unsigned_attrs.children.push_back(
                {ossl::oid_text(X509_ATTRIBUTE_get0_object(attr), false), "", {}});
        }
        if (!unsigned_attrs.children.empty()) signer.children.push_back(std::move(unsigned_attrs));
        out.push_back(std::move(signer));
    }
    InspectField cert_list{
        "certificates", std::to_string(certs ? sk_X509_num(certs.get()) : 0), {}};
    for (int c = 0; certs && c < sk_X509_num(certs.get()); ++c) {
        const auto info = validation::describe(sk_X509_value(certs.get(), c));
        cert_list.children.push_back({"certificate",
                                      info.subject,
                                      {{"issuer", info.issuer, {}},
                                       {"serial", info.serial, {}},
                                       {"valid from", format_rfc3339(info.not_before), {}},
                                       {"valid until", format_rfc3339(info.not_after), {}},
                                       {"sha256", info.sha256, {}}}});
    }
    out.push_back(std::move(cert_list));
    return out;
}

}  // namespace ltsign::cms
