#include "ers/record.hpp"

#include <algorithm>

#include "cms/cades_archive.hpp"
#include "core/der.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"

namespace ltsign::ers {
namespace {

[[noreturn]] void bad(const std::string& what, const std::string& why) {
    throw Error(Errc::malformed_input,
                trf("{0}: not a valid RFC 4998 evidence record: {1}", {what, why}));
}

// Calls `each` for every TLV inside a constructed value, in order, without collecting them (a
// tree of a million levels costs no vector of a million TLVs). False if any is malformed.
template <class F>
bool for_each_child(const der::Tlv& parent, F&& each) {
    auto rest = parent.value;
    while (!rest.empty()) {
        const auto t = der::read(rest);
        if (!t) return false;
        rest = rest.subspan(t->all.size());
        each(*t);
    }
    return true;
}

// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
// `content` is the SEQUENCE's content (the tag may be implicit).
int algorithm_nid(std::span<const unsigned char> content, const std::string& what) {
    der::Tlv outer;
    outer.tag = der::k_sequence;
    outer.value = content;
    const auto fields = der::children(outer);
    if (!fields || fields->empty() || fields->size() > 2 || (*fields)[0].tag != der::k_oid) {
        bad(what, tr("an AlgorithmIdentifier is damaged"));
    }
    if (fields->size() == 2 && !((*fields)[1].tag == 0x05 && (*fields)[1].value.empty())) {
        bad(what, tr("digest algorithm parameters must be absent or NULL"));
    }
    const unsigned char* p = (*fields)[0].all.data();
    ossl::Ptr<ASN1_OBJECT> obj(
        d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>((*fields)[0].all.size())));
    ossl::clear_errors();
    const int nid = obj ? OBJ_obj2nid(obj.get()) : NID_undef;
    if (nid == NID_undef || EVP_get_digestbynid(nid) == nullptr)
        bad(what, tr("an unknown digest algorithm"));
    return nid;
}

Bytes algorithm_der(int nid) {
    const ASN1_OBJECT* obj =
        ossl::check(OBJ_nid2obj(nid), Errc::internal, "an unknown digest algorithm");
    // Without parameters: RFC 5754 for SHA-2.
    return ossl::encode_der(obj, i2d_ASN1_OBJECT, "a digest algorithm");
}

ArchiveTimeStamp decode_stamp(const der::Tlv& tlv, const std::string& what) {
    if (tlv.tag != der::k_sequence) bad(what, tr("an ArchiveTimeStamp is not a SEQUENCE"));
    const auto fields = der::children(tlv);
    if (!fields || fields->empty()) bad(what, tr("an ArchiveTimeStamp is empty"));
    ArchiveTimeStamp ats;
    ats.encoded = tlv.all;
    int last_tag = -1;
    for (std::size_t i = 0; i + 1 < fields->size(); ++i) {
        const auto& f = (*fields)[i];
        const int tag_no = f.tag & 0x1f;
        if ((f.tag & 0xe0) != 0xa0 || tag_no > 2 || tag_no <= last_tag)
            bad(what, tr("unexpected field in ArchiveTimeStamp"));
        last_tag = tag_no;
        if (tag_no == 0) {
            ats.digest_nid = algorithm_nid(f.value, what);
        } else if (tag_no == 2) {
            // Views into the input: a hash costs a span, not a copy (review issue 11 item 15).
            std::vector<PartialHashtree> tree;
            const bool ok = for_each_child(f, [&](const der::Tlv& l) {
                if (l.tag != der::k_sequence) bad(what, tr("a PartialHashtree is not a SEQUENCE"));
                PartialHashtree node;
                // Every entry is a hash (MD5's 16 bytes to SHA-512's 64) and every list holds one:
                // anything else carries no proof, only a cost (review issue 11 item 15).
                if (!for_each_child(l, [&](const der::Tlv& h) {
                        if (h.tag != der::k_octet_string)
                            bad(what, tr("a hash in the tree is not an OCTET STRING"));
                        if (h.value.size() < 16 || h.value.size() > 64)
                            bad(what, trf("a hash in the tree has {0} bytes, which no digest "
                                          "algorithm gives",
                                          {std::to_string(h.value.size())}));
                        node.push_back(h.value);
                    })) {
                    bad(what, tr("a PartialHashtree is damaged"));
                }
                if (node.empty()) bad(what, tr("a PartialHashtree is empty"));
                tree.push_back(std::move(node));
            });
            if (!ok) bad(what, tr("the reduced hash tree is damaged"));
            tree.shrink_to_fit();
            ats.reduced_hashtree = std::move(tree);
        }
        // [1] attributes: carried as encoded, not interpreted (RFC 4998 4.2 allows any).
    }
    // ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY }
    const auto& ts = fields->back();
    const auto content_type = ts.tag == der::k_sequence ? der::read(ts.value) : std::nullopt;
    if (!content_type || content_type->tag != der::k_oid ||
        content_type->all.size() == ts.value.size())
        bad(what, tr("the timeStamp is not a ContentInfo"));
    ats.time_stamp = ts.all;
    return ats;
}

}  // namespace

bool looks_like_der_record(std::span<const unsigned char> bytes) {
    // SEQUENCE { INTEGER, SEQUENCE OF AlgorithmIdentifier, ..., SEQUENCE }: the structure, of any
    // version, so that a record of another version is told as such (decode_der), not as "not a
    // signature". The digestAlgorithms must hold SEQUENCEs that start with an OID, which tells
    // a record from other SEQUENCE { INTEGER, SEQUENCE ... } (PKCS#8 keys, PKCS#12 files).
    const auto outer = der::read(bytes);
    if (!outer || outer->tag != der::k_sequence) return false;
    const auto fields = der::children(*outer);
    if (!fields || fields->size() < 3 || (*fields)[0].tag != der::k_integer ||
        (*fields)[1].tag != der::k_sequence || fields->back().tag != der::k_sequence) {
        return false;
    }
    const auto algs = der::children((*fields)[1]);
    if (!algs || algs->empty()) return false;
    return std::all_of(algs->begin(), algs->end(), [](const der::Tlv& a) {
        const auto oid = a.tag == der::k_sequence ? der::read(a.value) : std::nullopt;
        return oid && oid->tag == der::k_oid;
    });
}

EvidenceRecord decode_der(std::span<const unsigned char> der_bytes, const std::string& what) {
    return decode_der(std::make_shared<const Bytes>(der_bytes.begin(), der_bytes.end()), what);
}

EvidenceRecord decode_der(std::shared_ptr<const Bytes> input, const std::string& what) {
    if (!input) bad(what, tr("no bytes"));
    const std::span<const unsigned char> der_bytes(*input);
    const auto outer = der::read(der_bytes);
    if (!outer || outer->tag != der::k_sequence) bad(what, tr("not a DER SEQUENCE"));
    if (outer->all.size() != der_bytes.size()) bad(what, tr("trailing bytes after the record"));
    const auto fields = der::children(*outer);
    if (!fields || fields->size() < 3 || fields->size() > 5)
        bad(what, tr("wrong number of fields"));
    // version INTEGER { v1(1) }: a record of another version is readable as a structure, but
    // not as RFC 4998 defines it; say which version it is (issue 12 item 13).
    const auto& version = (*fields)[0];
    if (version.tag != der::k_integer || version.value.empty()) bad(what, tr("version is damaged"));
    if (version.value.size() != 1 || version.value[0] != 1) {
        std::string number;
        if (version.value.size() <= 4) {
            long long v = (version.value[0] & 0x80) ? -1 : 0;
            for (const unsigned char b : version.value) v = (v << 8) | b;
            number = std::to_string(v);
        } else {
            number = "of " + std::to_string(version.value.size()) + " bytes";
        }
        throw Error(
            Errc::malformed_input,
            trf("{0}: unsupported evidence-record version {1} (ltsign reads version 1, RFC 4998)",
                {what, number}));
    }
    EvidenceRecord rec;
    rec.storage.push_back(input);  // every view below points into it
    const auto algs = der::children((*fields)[1]);
    if ((*fields)[1].tag != der::k_sequence || !algs || algs->empty())
        bad(what, tr("digestAlgorithms is damaged"));
    for (const auto& a : *algs) {
        if (a.tag != der::k_sequence) bad(what, tr("digestAlgorithms holds something else"));
        rec.digest_algorithms.push_back(algorithm_nid(a.value, what));
    }
    unsigned char last_tag = 0;
    for (std::size_t i = 2; i + 1 < fields->size(); ++i) {
        const unsigned char tag = (*fields)[i].tag;
        if ((tag != 0xa0 && tag != 0xa1) || tag <= last_tag)
            bad(what, tr("unexpected field before archiveTimeStampSequence"));
        last_tag = tag;
        if (tag == 0xa1) {
            rec.encryption_info = (*fields)[i].all;
            continue;
        }
        // cryptoInfos [0] IMPLICIT SEQUENCE SIZE (1..MAX) OF Attribute
        if (!for_each_child((*fields)[i],
                            [&](const der::Tlv& a) {
                                if (a.tag != der::k_sequence)
                                    bad(what, tr("cryptoInfos holds something else"));
                                rec.crypto_infos.push_back(a.all);
                            }) ||
            rec.crypto_infos.empty()) {
            bad(what, tr("cryptoInfos is damaged"));
        }
    }
    const auto& seq = fields->back();
    const auto chains = der::children(seq);
    if (seq.tag != der::k_sequence || !chains || chains->empty())
        bad(what, tr("archiveTimeStampSequence is damaged or empty"));
    for (const auto& c : *chains) {
        if (c.tag != der::k_sequence) bad(what, tr("an ArchiveTimeStampChain is not a SEQUENCE"));
        ArchiveTimeStampChain chain;
        chain.encoded = c.all;
        if (!for_each_child(
                c, [&](const der::Tlv& s) { chain.stamps.push_back(decode_stamp(s, what)); }) ||
            chain.stamps.empty()) {
            bad(what, tr("an ArchiveTimeStampChain is damaged or empty"));
        }
        rec.chains.push_back(std::move(chain));
    }
    return rec;
}

Bytes encode_stamp(const ArchiveTimeStamp& ats) {
    if (!ats.encoded.empty()) return Bytes(ats.encoded.begin(), ats.encoded.end());
    std::vector<Bytes> parts;
    if (ats.digest_nid != 0) {
        parts.push_back(
            der::encode(0xa0, algorithm_der(ats.digest_nid)));  // [0] IMPLICIT AlgorithmIdentifier
    }
    if (ats.reduced_hashtree) {
        std::vector<Bytes> lists;
        for (const auto& node : *ats.reduced_hashtree) {
            std::vector<Bytes> hashes;
            for (const auto h : node) hashes.push_back(der::encode(der::k_octet_string, h));
            lists.push_back(der::wrap(der::k_sequence, hashes));
        }
        parts.push_back(der::wrap(0xa2, lists));
    }
    parts.emplace_back(ats.time_stamp.begin(), ats.time_stamp.end());
    return der::wrap(der::k_sequence, parts);
}

Bytes encode_chain(const ArchiveTimeStampChain& chain) {
    if (!chain.encoded.empty()) return Bytes(chain.encoded.begin(), chain.encoded.end());
    std::vector<Bytes> stamps;
    for (const auto& s : chain.stamps) stamps.push_back(encode_stamp(s));
    return der::wrap(der::k_sequence, stamps);
}

Bytes sequence_digest(const EVP_MD* md, const EvidenceRecord& rec, std::size_t count) {
    count = std::min(count, rec.chains.size());
    // Chains read from the input are hashed where they lie; new ones (renew) are encoded first.
    std::vector<Bytes> fresh(count);
    std::size_t length = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (rec.chains[i].encoded.empty()) fresh[i] = encode_chain(rec.chains[i]);
        length += rec.chains[i].encoded.empty() ? fresh[i].size() : rec.chains[i].encoded.size();
    }
    // The SEQUENCE header alone: tag and the definite length of all chains (X.690 8.1.3).
    Bytes header{der::k_sequence};
    if (length < 0x80) {
        header.push_back(static_cast<unsigned char>(length));
    } else {
        Bytes len;
        for (std::size_t v = length; v != 0; v >>= 8)
            len.insert(len.begin(), static_cast<unsigned char>(v & 0xff));
        header.push_back(static_cast<unsigned char>(0x80 | len.size()));
        header.insert(header.end(), len.begin(), len.end());
    }
    crypto::Hasher d(md);
    d.update(header);
    for (std::size_t i = 0; i < count; ++i)
        d.update(rec.chains[i].encoded.empty() ? ByteView(fresh[i]) : rec.chains[i].encoded);
    return d.final();
}

Bytes encode_der(const EvidenceRecord& rec) {
    std::vector<Bytes> algs;
    for (int nid : rec.digest_algorithms)
        algs.push_back(der::encode(der::k_sequence, algorithm_der(nid)));
    std::vector<Bytes> chains;
    for (const auto& c : rec.chains) chains.push_back(encode_chain(c));
    const std::vector<unsigned char> version = {0x02, 0x01, 0x01};
    std::vector<Bytes> fields{version, der::wrap(der::k_sequence, algs)};
    if (!rec.crypto_infos.empty()) {
        std::vector<Bytes> infos;
        for (const auto& a : rec.crypto_infos) infos.emplace_back(a.begin(), a.end());
        fields.push_back(der::wrap(0xa0, infos));
    }
    if (!rec.encryption_info.empty())
        fields.emplace_back(rec.encryption_info.begin(), rec.encryption_info.end());
    fields.push_back(der::wrap(der::k_sequence, chains));
    return der::wrap(der::k_sequence, fields);
}

namespace {

constexpr const char* k_cert_values = "1.2.840.113549.1.9.16.2.23";        // id-aa-ets-certValues
constexpr const char* k_revocation_values = "1.2.840.113549.1.9.16.2.24";  // ...revocationValues
using cms::oid_der;

// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT SEQUENCE {
//   responseType OID, response OCTET STRING } }: the BasicOCSPResponse inside, or nullopt.
std::optional<Bytes> basic_of(const Bytes& response) {
    const auto r = der::read(response);
    const auto parts = r ? der::children(*r) : std::nullopt;
    if (!parts || parts->size() != 2 || (*parts)[1].tag != 0xa0) return std::nullopt;
    const auto inner = der::children((*parts)[1]);
    const auto bytes = inner && inner->size() == 1 ? der::children((*inner)[0]) : std::nullopt;
    if (!bytes || bytes->size() != 2 || (*bytes)[1].tag != der::k_octet_string) return std::nullopt;
    return Bytes((*bytes)[1].value.begin(), (*bytes)[1].value.end());
}

}  // namespace

VerificationData verification_data(const EvidenceRecord& record) {
    VerificationData out;
    for (const auto& encoded : record.crypto_infos) {
        const auto attr = der::read(encoded);
        const auto parts = attr ? der::children(*attr) : std::nullopt;
        if (!parts || parts->size() != 2) continue;
        const bool certs = std::ranges::equal((*parts)[0].all, oid_der(k_cert_values));
        const bool revocation = std::ranges::equal((*parts)[0].all, oid_der(k_revocation_values));
        for_each_child((*parts)[1], [&](const der::Tlv& value) {
            if (certs) {
                for_each_child(value, [&](const der::Tlv& c) {
                    out.certificates.emplace_back(c.all.begin(), c.all.end());
                });
            } else if (revocation) {
                // RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList
                //   OPTIONAL, ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, ... }
                for_each_child(value, [&](const der::Tlv& tagged) {
                    for_each_child(tagged, [&](const der::Tlv& list) {
                        for_each_child(list, [&](const der::Tlv& v) {
                            if (tagged.tag == 0xa0)
                                out.crls.emplace_back(v.all.begin(), v.all.end());
                            if (tagged.tag == 0xa1)
                                out.ocsp.push_back(cms::ocsp_response_of(v.all));
                        });
                    });
                });
            }
        });
    }
    return out;
}

void add_verification_data(EvidenceRecord& record, const VerificationData& data) {
    const VerificationData have = verification_data(record);
    auto fresh = [](const std::vector<Bytes>& given, const std::vector<Bytes>& present) {
        std::vector<Bytes> out;
        for (const auto& g : given) {
            if (std::find(present.begin(), present.end(), g) == present.end() &&
                std::find(out.begin(), out.end(), g) == out.end()) {
                out.push_back(g);
            }
        }
        return out;
    };
    const auto certs = fresh(data.certificates, have.certificates);
    const auto crls = fresh(data.crls, have.crls);
    std::vector<Bytes> basics;
    for (const auto& o : fresh(data.ocsp, have.ocsp)) {
        if (auto b = basic_of(o)) basics.push_back(std::move(*b));
    }
    if (!certs.empty()) {
        record.crypto_infos.push_back(record.keep(der::wrap(
            der::k_sequence,
            {oid_der(k_cert_values), der::wrap(der::k_set, {der::wrap(der::k_sequence, certs)})})));
    }
    if (!crls.empty() || !basics.empty()) {
        std::vector<Bytes> lists;
        if (!crls.empty()) lists.push_back(der::wrap(0xa0, {der::wrap(der::k_sequence, crls)}));
        if (!basics.empty()) lists.push_back(der::wrap(0xa1, {der::wrap(der::k_sequence, basics)}));
        record.crypto_infos.push_back(record.keep(der::wrap(
            der::k_sequence, {oid_der(k_revocation_values),
                              der::wrap(der::k_set, {der::wrap(der::k_sequence, lists)})})));
    }
}

std::pair<const EVP_MD*, Bytes> token_imprint(ByteView token) {
    const unsigned char* p = token.data();
    ossl::Ptr<PKCS7> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
    ossl::Ptr<TS_TST_INFO> tst(p7 ? PKCS7_to_TS_TST_INFO(p7.get()) : nullptr);
    ossl::clear_errors();
    if (!tst)
        throw Error(Errc::malformed_input, tr("an archive time-stamp's token cannot be read"));
    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst.get());
    const ASN1_OBJECT* alg = nullptr;
    X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    const ASN1_OCTET_STRING* v = TS_MSG_IMPRINT_get_msg(mi);
    return {EVP_get_digestbyobj(alg), Bytes(v->data, v->data + v->length)};
}

const EVP_MD* chain_digest(const ArchiveTimeStampChain& chain) {
    if (chain.stamps.empty()) return nullptr;
    if (chain.stamps.front().digest_nid != 0)
        return EVP_get_digestbynid(chain.stamps.front().digest_nid);
    return token_imprint(chain.stamps.front().time_stamp).first;
}

}  // namespace ltsign::ers
