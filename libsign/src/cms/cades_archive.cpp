#include "cms/cades_archive.hpp"

#include <openssl/ocsp.h>
#include <openssl/ts.h>

#include <algorithm>
#include <set>

#include "cms/cms_signature.hpp"
#include "cms/timestamp_token.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cms {
namespace {

using Bytes = core::Bytes;
using validation::Check;
using validation::SignatureFacts;

constexpr const char* k_ats_v3 = "0.4.0.1733.2.4";            // archive-time-stamp-v3
constexpr const char* k_index_v3 = "0.4.0.19122.1.5";         // ats-hash-index-v3
constexpr const char* k_index_old = "0.4.0.1733.2.5";         // ats-hash-index (TS 101 733)
constexpr const char* k_ri_ocsp = "1.3.6.1.5.5.7.16.2";       // id-ri-ocsp-response (RFC 5940)
constexpr const char* k_ocsp_basic = "1.3.6.1.5.5.7.48.1.1";  // id-pkix-ocsp-basic
constexpr const char* k_signed_data = "1.2.840.113549.1.7.2";

bool same(std::span<const unsigned char> a, std::span<const unsigned char> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

bool is_oid(const der::Tlv& t, const char* dotted) {
    return t.tag == der::k_oid && same(t.all, oid_der(dotted));
}

Bytes bytes_of(std::span<const unsigned char> s) {
    return Bytes(s.begin(), s.end());
}

Bytes hash(const EVP_MD* md, std::span<const unsigned char> data) {
    return crypto::digest_bytes(md, data);
}

// Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }
struct Attribute {
    der::Tlv type;
    std::vector<der::Tlv> values;
};

std::optional<Attribute> attribute_of(const der::Tlv& attr) {
    const auto parts = der::children(attr);
    if (attr.tag != der::k_sequence || !parts || parts->size() != 2 ||
        (*parts)[0].tag != der::k_oid || (*parts)[1].tag != der::k_set) {
        return std::nullopt;
    }
    auto values = der::children((*parts)[1]);
    if (!values) return std::nullopt;
    return Attribute{(*parts)[0], std::move(*values)};
}

std::optional<SignedDataParts::Signer> signer_of(const der::Tlv& si) {
    const auto fields = der::children(si);
    if (si.tag != der::k_sequence || !fields || fields->size() < 5) return std::nullopt;
    SignedDataParts::Signer out;
    for (const auto& f : *fields) {
        if (f.tag == 0xa1) {
            const auto attrs = der::children(f);
            if (!attrs) return std::nullopt;
            out.unsigned_attrs = *attrs;
        } else {
            out.fields.push_back(f);
        }
    }
    return out;
}

// EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL
// }
bool read_encapsulated(const der::Tlv& encap, SignedDataParts& out) {
    const auto parts = der::children(encap);
    if (encap.tag != der::k_sequence || !parts || parts->empty() || (*parts)[0].tag != der::k_oid)
        return false;
    out.content_type = (*parts)[0];
    if (parts->size() == 2) {
        const auto inner = der::children((*parts)[1]);
        if ((*parts)[1].tag != 0xa0 || !inner || inner->size() != 1 ||
            (*inner)[0].tag != der::k_octet_string) {
            return false;  // a constructed OCTET STRING is not DER
        }
        out.econtent = (*inner)[0].value;
    }
    return parts->size() <= 2;
}

// The signature and its validation data as an archive time-stamp covers them (EN 319 122-1
// 5.5.3): eContentType, the hash of the content, the SignerInfo's fields before its unsigned
// attributes, and the hash index.
Bytes archived_input(const SignedDataParts& parts, std::size_t signer,
                     std::span<const unsigned char> content_hash,
                     std::span<const unsigned char> index) {
    Bytes out = bytes_of(parts.content_type.all);
    out.insert(out.end(), content_hash.begin(), content_hash.end());
    for (const auto& f : parts.signers[signer].fields)
        out.insert(out.end(), f.all.begin(), f.all.end());
    out.insert(out.end(), index.begin(), index.end());
    return out;
}

// The hash of each element of a set, as an index lists them: certificates, revocation values,
// and each value of each unsigned attribute with its type (v3) or each whole attribute (the
// older index of TS 101 733).
std::set<Bytes> hashes_of(const std::vector<der::Tlv>& elements, const EVP_MD* md) {
    std::set<Bytes> out;
    for (const auto& e : elements) out.insert(hash(md, e.all));
    return out;
}

std::set<Bytes> attribute_hashes(const std::vector<der::Tlv>& attrs, const EVP_MD* md, bool v3) {
    std::set<Bytes> out;
    for (const auto& a : attrs) {
        if (!v3) {
            out.insert(hash(md, a.all));
            continue;
        }
        const auto attr = attribute_of(a);
        if (!attr) continue;
        for (const auto& v : attr->values) {
            Bytes joined = bytes_of(attr->type.all);
            joined.insert(joined.end(), v.all.begin(), v.all.end());
            out.insert(hash(md, joined));
        }
    }
    return out;
}

const EVP_MD* digest_of_algorithm(const der::Tlv& alg) {
    const auto parts = der::children(alg);
    if (alg.tag != der::k_sequence || !parts || parts->empty() || (*parts)[0].tag != der::k_oid)
        return nullptr;
    const unsigned char* p = (*parts)[0].all.data();
    const ossl::Ptr<ASN1_OBJECT> obj(
        d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>((*parts)[0].all.size())));
    ossl::clear_errors();
    return obj ? EVP_get_digestbyobj(obj.get()) : nullptr;
}

// ATSHashIndexV3 ::= SEQUENCE { hashIndAlgorithm AlgorithmIdentifier, certificatesHashIndex,
// crlsHashIndex, unsignedAttrValuesHashIndex } (each SEQUENCE OF OCTET STRING); the older
// ATSHashIndex has hashIndAlgorithm DEFAULT sha256 and hashes whole unsigned attributes.
// Every element it lists must still be in the signature: nullopt when so, else what is missing.
std::optional<std::string> index_problem(const SignedDataParts& parts, std::size_t signer,
                                         std::span<const unsigned char> index_der, bool v3) {
    const auto index = der::read(index_der);
    auto fields = index ? der::children(*index) : std::nullopt;
    if (!fields || index->tag != der::k_sequence) return tr("its hash index is not DER");
    const EVP_MD* md = EVP_sha256();
    if (fields->size() == 4) {
        md = digest_of_algorithm((*fields)[0]);
        if (md == nullptr) return tr("its hash index names a hash algorithm ltsign does not know");
        fields->erase(fields->begin());
    }
    if (fields->size() != 3) return tr("its hash index does not have three lists");
    const std::set<Bytes> present[3] = {
        hashes_of(parts.certificates, md), hashes_of(parts.crls, md),
        attribute_hashes(parts.signers[signer].unsigned_attrs, md, v3)};
    const char* what[3] = {"a certificate", "a revocation value", "an unsigned attribute"};
    for (int k = 0; k < 3; ++k) {
        const auto entries = der::children((*fields)[static_cast<std::size_t>(k)]);
        if (!entries) return tr("its hash index is not DER");
        for (const auto& e : *entries) {
            if (e.tag != der::k_octet_string) return tr("its hash index is not DER");
            if (!present[k].contains(bytes_of(e.value))) {
                return trf(
                    "{0} it covered (hash {1}) is no longer in the signature: it was removed or "
                    "altered",
                    {std::string(what[k]), ossl::to_hex(e.value.data(), e.value.size())});
            }
        }
    }
    return std::nullopt;
}

// The hash index a token's SignerInfo carries as an unsigned attribute: its DER and whether it is
// the v3 form. nullopt when it has none.
std::optional<std::pair<Bytes, bool>> index_of(CMS_ContentInfo* token) {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(token);
    if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1) return std::nullopt;
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    for (const auto& [oid, v3] : {std::pair{k_index_v3, true}, std::pair{k_index_old, false}}) {
        const ossl::Ptr<ASN1_OBJECT> obj(OBJ_txt2obj(oid, 1));
        const int at = CMS_unsigned_get_attr_by_OBJ(si, obj.get(), -1);
        if (at < 0) continue;
        X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, at);
        const ASN1_TYPE* t =
            X509_ATTRIBUTE_count(attr) == 1 ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
        if (t == nullptr || t->type != V_ASN1_SEQUENCE) return std::nullopt;
        const auto* s = t->value.sequence;
        return std::pair{Bytes(s->data, s->data + s->length), v3};
    }
    ossl::clear_errors();
    return std::nullopt;
}

// The digest algorithm of a token's message imprint.
const EVP_MD* imprint_md(CMS_ContentInfo* token) {
    ASN1_OCTET_STRING** content = CMS_get0_content(token);
    if (content == nullptr || *content == nullptr) return nullptr;
    const unsigned char* p = (*content)->data;
    const ossl::Ptr<TS_TST_INFO> tst(d2i_TS_TST_INFO(nullptr, &p, (*content)->length));
    ossl::clear_errors();
    if (!tst) return nullptr;
    const X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst.get()));
    return EVP_get_digestbyobj(alg->algorithm);
}

SignatureFacts archive_timestamp(const SignedDataParts& parts, std::size_t signer,
                                 const der::Tlv& token, const validation::DataObject* content) {
    SignatureFacts broken;
    broken.type = EntryType::archive_timestamp;
    broken.is_timestamp = true;
    ossl::Ptr<CMS_ContentInfo> cms;
    try {
        cms = parse_signed_data(bytes_of(token.all), "the archive time-stamp");
    } catch (const Error& e) {
        broken.format_problem = trf("an archive time-stamp is malformed: {0}", {e.what()});
        return broken;
    }
    const EVP_MD* md = imprint_md(cms.get());
    const auto index = index_of(cms.get());
    cms::ImprintSource source;
    std::optional<std::string> problem;
    if (!index) {
        problem = tr("it carries no ats-hash-index-v3, so what it covers cannot be told");
    } else if (md != nullptr && content != nullptr && content->digest(md)) {
        problem = index_problem(parts, signer, index->first, index->second);
        source.data = validation::DataObject::from_bytes(
            "the signature and its validation data",
            archived_input(parts, signer, *content->digest(md), index->first));
    }
    SignatureFacts f = token_facts(cms.get(), token.all, source);
    f.type = EntryType::archive_timestamp;
    if (problem) {
        f.imprint = {
            Check::failed,
            trf("the archive time-stamp no longer matches the signature: {0}", {*problem})};
    } else if (f.imprint.status == Check::not_possible && content == nullptr) {
        f.imprint = {
            Check::not_possible,
            tr("the archive time-stamp covers the detached document, which was not given")};
    }
    return f;
}

// A RevocationInfoChoice other: [1] IMPLICIT SEQUENCE { otherRevInfoFormat, otherRevInfo }.
Bytes other_revocation(const char* format, std::span<const unsigned char> value) {
    return der::wrap(0xa1, {oid_der(format), bytes_of(value)});
}

// SignedData again, with `certs` and `crls` (each element as encoded) and SignerInfo `signer`'s
// unsigned attributes replaced by `attrs` when given.
struct Edit {
    std::vector<Bytes> certificates, crls;
    std::optional<std::size_t> signer;
    std::vector<Bytes> attrs;
    bool version5 = false;
};

Edit unchanged(const SignedDataParts& p) {
    Edit e;
    for (const auto& c : p.certificates) e.certificates.push_back(bytes_of(c.all));
    for (const auto& c : p.crls) e.crls.push_back(bytes_of(c.all));
    return e;
}

Bytes rebuild(const SignedDataParts& p, const Edit& e) {
    std::vector<Bytes> sd;
    sd.push_back(e.version5 ? Bytes{der::k_integer, 1, 5} : bytes_of(p.head[0].all));
    sd.push_back(bytes_of(p.head[1].all));
    sd.push_back(bytes_of(p.head[2].all));
    if (!e.certificates.empty()) sd.push_back(der::wrap(0xa0, e.certificates));
    if (!e.crls.empty()) sd.push_back(der::wrap(0xa1, e.crls));
    std::vector<Bytes> infos;
    for (std::size_t i = 0; i < p.signers.size(); ++i) {
        std::vector<Bytes> fields;
        for (const auto& f : p.signers[i].fields) fields.push_back(bytes_of(f.all));
        std::vector<Bytes> attrs;
        if (e.signer == i) {
            attrs = e.attrs;
        } else {
            for (const auto& a : p.signers[i].unsigned_attrs) attrs.push_back(bytes_of(a.all));
        }
        if (!attrs.empty()) fields.push_back(der::wrap(0xa1, attrs));
        infos.push_back(der::wrap(der::k_sequence, fields));
    }
    sd.push_back(der::wrap(der::k_set, infos));
    return der::wrap(der::k_sequence,
                     {oid_der(k_signed_data), der::wrap(0xa0, {der::wrap(der::k_sequence, sd)})});
}

SignedDataParts slice_or_fail(const Bytes& bytes, const std::string& what) {
    auto parts = slice_signed_data(std::make_shared<const Bytes>(as_der(bytes, what)));
    if (!parts)
        throw Error(Errc::malformed_input, trf("{0}: its SignedData cannot be sliced", {what}));
    return std::move(*parts);
}

// The token with `index` added as its SignerInfo's ats-hash-index-v3 unsigned attribute.
Bytes with_index(const Bytes& token, const Bytes& index) {
    const SignedDataParts p = slice_or_fail(token, "the archive time-stamp token");
    if (p.signers.size() != 1)
        throw Error(Errc::internal, tr("a time-stamp token with several signers"));
    Edit e = unchanged(p);
    e.signer = 0;
    for (const auto& a : p.signers[0].unsigned_attrs) e.attrs.push_back(bytes_of(a.all));
    e.attrs.push_back(
        der::wrap(der::k_sequence, {oid_der(k_index_v3), der::wrap(der::k_set, {index})}));
    return rebuild(p, e);
}

// ATSHashIndexV3 over the signature as it is now, hashed with `md`.
Bytes hash_index_v3(const SignedDataParts& p, std::size_t signer, const EVP_MD* md) {
    auto list = [&](const std::set<Bytes>& hashes, const std::vector<der::Tlv>& in, bool attrs) {
        std::vector<Bytes> entries;
        if (attrs) {
            for (const auto& h : hashes) entries.push_back(der::encode(der::k_octet_string, h));
        } else {
            for (const auto& e : in)
                entries.push_back(der::encode(der::k_octet_string, hash(md, e.all)));
        }
        return der::wrap(der::k_sequence, entries);
    };
    const ossl::Ptr<X509_ALGOR> alg(X509_ALGOR_new());
    X509_ALGOR_set_md(alg.get(), md);
    // Each value of each unsigned attribute, in order.
    std::vector<Bytes> values;
    for (const auto& a : p.signers[signer].unsigned_attrs) {
        const auto attr = attribute_of(a);
        if (!attr) continue;
        for (const auto& v : attr->values) {
            Bytes joined = bytes_of(attr->type.all);
            joined.insert(joined.end(), v.all.begin(), v.all.end());
            values.push_back(der::encode(der::k_octet_string, hash(md, joined)));
        }
    }
    return der::wrap(der::k_sequence,
                     {ossl::encode_der(alg.get(), i2d_X509_ALGOR, "a hash algorithm"),
                      list({}, p.certificates, false), list({}, p.crls, false),
                      der::wrap(der::k_sequence, values)});
}

}  // namespace

std::shared_ptr<const core::Bytes> der_form(std::shared_ptr<const core::Bytes> signature,
                                            const std::string& what, bool* reencoded) {
    if (reencoded != nullptr) *reencoded = false;
    const std::string_view text(reinterpret_cast<const char*>(signature->data()),
                                std::min<std::size_t>(signature->size(), 16));
    if (text.starts_with("-----BEGIN"))
        signature = std::make_shared<const Bytes>(der_of_pem(*signature, what));
    const auto whole = der::read(*signature);
    if (whole && whole->all.size() == signature->size() && slice_signed_data(signature))
        return signature;
    if (reencoded != nullptr) *reencoded = true;
    auto cms_info = parse_signed_data(*signature, what);
    return std::make_shared<const Bytes>(
        ossl::encode_der(cms_info.get(), i2d_CMS_ContentInfo, what));
}

core::Bytes oid_der(const char* dotted) {
    const ossl::Ptr<ASN1_OBJECT> obj(OBJ_txt2obj(dotted, 1));
    if (!obj) ossl::fail(Errc::internal, trf("cannot encode OID {0}", {dotted}));
    return ossl::encode_der(obj.get(), i2d_ASN1_OBJECT, "an OID");
}

core::Bytes ocsp_response_of(std::span<const unsigned char> basic) {
    const Bytes status{0x0a, 0x01, 0x00};  // ENUMERATED successful
    const Bytes bytes = der::wrap(der::k_sequence,
                                  {oid_der(k_ocsp_basic), der::encode(der::k_octet_string, basic)});
    return der::wrap(der::k_sequence, {status, der::wrap(0xa0, {bytes})});
}

core::Bytes as_der(const core::Bytes& signature, const std::string& what, bool* reencoded) {
    return *der_form(std::make_shared<const Bytes>(signature), what, reencoded);
}

std::optional<SignedDataParts> slice_signed_data(std::shared_ptr<const core::Bytes> bytes) {
    SignedDataParts out;
    out.bytes = bytes;
    const auto ci = der::read(*bytes);
    const auto ci_parts = ci ? der::children(*ci) : std::nullopt;
    if (!ci_parts || ci_parts->size() != 2 || (*ci_parts)[1].tag != 0xa0) return std::nullopt;
    const auto explicit0 = der::children((*ci_parts)[1]);
    if (!explicit0 || explicit0->size() != 1) return std::nullopt;
    const auto sd = der::children((*explicit0)[0]);
    if (!sd || sd->size() < 4) return std::nullopt;
    out.head.assign(sd->begin(), sd->begin() + 3);
    if (!read_encapsulated((*sd)[2], out)) return std::nullopt;
    for (std::size_t i = 3; i + 1 < sd->size(); ++i) {
        const auto elements = der::children((*sd)[i]);
        if (!elements) return std::nullopt;
        if ((*sd)[i].tag == 0xa0) {
            out.certificates = *elements;
        } else if ((*sd)[i].tag == 0xa1) {
            out.crls = *elements;
        } else {
            return std::nullopt;
        }
    }
    const auto infos = der::children(sd->back());
    if (sd->back().tag != der::k_set || !infos) return std::nullopt;
    for (const auto& si : *infos) {
        auto signer = signer_of(si);
        if (!signer) return std::nullopt;
        out.signers.push_back(std::move(*signer));
    }
    return out;
}

std::vector<core::Bytes> carried_ocsp(const SignedDataParts& parts) {
    std::vector<Bytes> out;
    for (const auto& c : parts.crls) {
        if (c.tag != 0xa1) continue;
        const auto fields = der::children(c);
        if (!fields || fields->size() != 2) continue;
        if (is_oid((*fields)[0], k_ri_ocsp)) {
            out.push_back(bytes_of((*fields)[1].all));
        } else if (is_oid((*fields)[0], k_ocsp_basic)) {
            out.push_back(ocsp_response_of((*fields)[1].all));
        }
    }
    return out;
}

bool has_unsigned_attribute(const SignedDataParts& parts, std::size_t signer,
                            const std::string& oid) {
    for (const auto& a : parts.signers.at(signer).unsigned_attrs) {
        const auto attr = attribute_of(a);
        if (attr && is_oid(attr->type, oid.c_str())) return true;
    }
    return false;
}

std::vector<validation::SignatureFacts> archive_timestamps(const SignedDataParts& parts,
                                                           std::size_t signer,
                                                           const validation::DataObject* document) {
    std::optional<validation::DataObject> carried;
    if (parts.econtent) carried = validation::DataObject::borrowing("the content", *parts.econtent);
    const validation::DataObject* content = carried ? &*carried : document;
    std::vector<SignatureFacts> out;
    for (const auto& a : parts.signers.at(signer).unsigned_attrs) {
        const auto attr = attribute_of(a);
        if (!attr || !is_oid(attr->type, k_ats_v3)) continue;
        for (const auto& token : attr->values)
            out.push_back(archive_timestamp(parts, signer, token, content));
    }
    return out;
}

core::Bytes add_validation_data(const core::Bytes& signature, const std::string& what,
                                const ValidationData& data) {
    const SignedDataParts p = slice_or_fail(signature, what);
    Edit e = unchanged(p);
    auto add = [](std::vector<Bytes>& to, Bytes element) {
        if (std::find(to.begin(), to.end(), element) == to.end()) to.push_back(std::move(element));
    };
    for (const auto& c : data.certificates) add(e.certificates, c);
    for (const auto& c : data.crls) add(e.crls, c);
    const auto already = carried_ocsp(p);
    for (const auto& o : data.ocsp) {
        if (std::find(already.begin(), already.end(), o) != already.end()) continue;
        add(e.crls, other_revocation(k_ri_ocsp, o));
    }
    // RFC 5652 5.1: version 5 when crls holds an other RevocationInfoChoice.
    e.version5 =
        std::any_of(e.crls.begin(), e.crls.end(), [](const Bytes& c) { return c[0] == 0xa1; });
    return rebuild(p, e);
}

core::Bytes add_archive_timestamp(const core::Bytes& signature, const std::string& what,
                                  const validation::DataObject* document, const EVP_MD* md,
                                  const TokenSource& tokens) {
    Bytes current = as_der(signature, what);
    const std::size_t signers = slice_or_fail(current, what).signers.size();
    for (std::size_t i = 0; i < signers; ++i) {
        const SignedDataParts p = slice_or_fail(current, what);
        std::optional<validation::DataObject> carried;
        if (p.econtent) carried = validation::DataObject::borrowing("the content", *p.econtent);
        const validation::DataObject* content = carried ? &*carried : document;
        const auto content_hash = content != nullptr ? content->digest(md) : std::nullopt;
        if (!content_hash) {
            throw Error(Errc::input_missing,
                        trf("{0} is detached: an archive time-stamp covers its document, which was "
                            "not given",
                            {what}),
                        Remedy::document);
        }
        const Bytes index = hash_index_v3(p, i, md);
        const Bytes input = archived_input(p, i, *content_hash, index);
        const Bytes token = with_index(tokens(md, hash(md, input)), index);
        Edit e = unchanged(p);
        e.signer = i;
        for (const auto& a : p.signers[i].unsigned_attrs) e.attrs.push_back(bytes_of(a.all));
        e.attrs.push_back(
            der::wrap(der::k_sequence, {oid_der(k_ats_v3), der::wrap(der::k_set, {token})}));
        current = rebuild(p, e);
    }
    return current;
}

core::Bytes without_unsigned_attributes(const SignedDataParts& parts, std::size_t signer,
                                        const std::function<bool(std::size_t)>& drop) {
    Edit e = unchanged(parts);
    e.signer = signer;
    const auto& attrs = parts.signers.at(signer).unsigned_attrs;
    for (std::size_t a = 0; a < attrs.size(); ++a) {
        if (!drop(a)) e.attrs.push_back(bytes_of(attrs[a].all));
    }
    return rebuild(parts, e);
}

core::Bytes with_unsigned_attribute(const SignedDataParts& parts, std::size_t signer,
                                    const core::Bytes& attr) {
    Edit e = unchanged(parts);
    e.signer = signer;
    for (const auto& a : parts.signers.at(signer).unsigned_attrs)
        e.attrs.push_back(bytes_of(a.all));
    e.attrs.push_back(attr);
    return rebuild(parts, e);
}

core::Bytes attribute(const char* type, const std::vector<core::Bytes>& values) {
    return der::wrap(der::k_sequence, {oid_der(type), der::wrap(der::k_set, values)});
}

std::optional<std::pair<std::string, std::vector<der::Tlv>>> attribute_parts(const der::Tlv& attr) {
    auto a = attribute_of(attr);
    if (!a) return std::nullopt;
    const unsigned char* p = a->type.all.data();
    const ossl::Ptr<ASN1_OBJECT> obj(
        d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(a->type.all.size())));
    ossl::clear_errors();
    if (!obj) return std::nullopt;
    return std::pair{ossl::oid_text(obj.get(), true), std::move(a->values)};
}

void add_long_term_facts(std::shared_ptr<const core::Bytes> signature, const std::string& what,
                         const validation::DataObject* document,
                         std::vector<validation::SignatureFacts>& facts) {
    bool reencoded = false;
    const auto parts = slice_signed_data(der_form(std::move(signature), what, &reencoded));
    if (!parts || parts->signers.size() != facts.size()) return;
    const auto ocsp = carried_ocsp(*parts);
    // Validation data that does not parse is damage, as a malformed carried CRL is.
    const bool malformed = std::any_of(ocsp.begin(), ocsp.end(), [](const Bytes& der) {
        const unsigned char* p = der.data();
        const ossl::Ptr<OCSP_RESPONSE> r(
            d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
        ossl::clear_errors();
        return !r || p != der.data() + der.size();
    });
    for (std::size_t i = 0; i < facts.size(); ++i) {
        auto& f = facts[i];
        if (malformed && !f.format_problem)
            f.format_problem =
                tr("an OCSP response the signature carries (in its crls) is malformed");
        f.ocsp_responses = ocsp;
        f.archive_timestamps = archive_timestamps(*parts, i, document);
        // What a time-stamp over BER covered are the BER encodings, which the DER slices above
        // are not: a mismatch there proves nothing either way.
        for (auto& ats : f.archive_timestamps) {
            if (reencoded && ats.imprint.status == Check::failed) {
                ats.imprint = {Check::not_possible,
                               tr("the signature is BER-encoded (indefinite lengths), and ltsign "
                                  "checks archive time-stamps over DER encodings only")};
            }
        }
        const bool validation_data = !f.crls.empty() || !ocsp.empty();
        if (f.level == SignatureLevel::b_t && !f.archive_timestamps.empty()) {
            f.level = SignatureLevel::b_lta;
        } else if (f.level == SignatureLevel::b_t && validation_data) {
            f.level = SignatureLevel::b_lt;
        }
    }
}

}  // namespace ltsign::cms
