// ETSI TS 119 102-2 validation report (XML).
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/language.hpp"
#include "ltsign/report.hpp"
#include "ltsign/version.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace {

constexpr const char* k_vr = "http://uri.etsi.org/19102/v1.4.1#";
constexpr const char* k_ds = "http://www.w3.org/2000/09/xmldsig#";
constexpr const char* k_tsl = "http://uri.etsi.org/02231/v2#";

std::vector<unsigned char> hex_bytes(const std::string& hex) {
    std::vector<unsigned char> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

// TS 119 102-2: urn:etsi:019102:mainindication:total-passed, ... (lower case, '-' for '_').
std::string main_indication(Indication i) {
    std::string name(to_string(i));
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
    return "urn:etsi:019102:mainindication:" + name;
}

// Where the revocation data was found: the responder's or distribution point's URL, or the CRL
// file. A CRL the signature carries has no location of its own; the report has always named it
// "signature", and readers of the report may rely on that.
std::string revocation_uri(const RevocationInfo& v) {
    return v.kind == RevocationKind::crl_embedded || v.kind == RevocationKind::ocsp_embedded
               ? std::string("signature")
               : v.location;
}

class Writer {
  public:
    Writer() : m_doc(xml::made(xmlNewDoc(BAD_CAST "1.0"))) {
        m_root = xml::made(xmlNewNode(nullptr, BAD_CAST "ValidationReport"));
        xmlDocSetRootElement(m_doc.get(), m_root);
        m_ns = xml::made(xmlNewNs(m_root, BAD_CAST k_vr, BAD_CAST "vr"));
        xmlSetNs(m_root, m_ns);
    }

    // Text passes core::printable: a file name that is not UTF-8 would make the XML ill-formed.
    xmlNode* add(xmlNode* parent, const char* name, const std::string& text = "") {
        const std::string safe = core::printable(text);
        return xml::made(xmlNewTextChild(parent, m_ns, BAD_CAST name,
                                         safe.empty() ? nullptr : BAD_CAST safe.c_str()));
    }
    void ref(xmlNode* parent, const char* name, const std::string& id) {
        xml::made(xmlNewProp(add(parent, name), BAD_CAST "VOReference", BAD_CAST id.c_str()));
    }

    // A revocation value is one validation object however many signatures used it: known by the
    // digest of what it is (the CRL or OCSP response itself, else its source), and embedded.
    std::string revocation_object(const RevocationInfo& v) {
        const std::string key =
            v.evidence.empty()
                ? "source " + std::to_string(static_cast<int>(v.kind)) + " " + revocation_uri(v)
                : std::string(reinterpret_cast<const char*>(v.evidence.data()), v.evidence.size());
        const auto d = crypto::digest_bytes(
            EVP_sha256(),
            std::span(reinterpret_cast<const unsigned char*>(key.data()), key.size()));
        const std::string id = "R-" + ossl::to_hex(d.data(), d.size()).substr(0, 24);
        if (m_revocation_ids.insert(id).second) m_revocation_objects.push_back({id, v});
        return id;
    }

    // Certificates are validation objects shared by every report that uses them.
    std::string certificate(const CertificateInfo& c) {
        const std::string id = "C-" + c.sha256.substr(0, 24);
        if (m_certs.emplace(id, c).second) m_cert_order.push_back(id);
        return id;
    }

    // The anchor of the chain and the snapshot it came from (ltsign's own report data).
    void anchor_data(xmlNode* more, const SignatureReport& s) {
        if (!s.anchored_by) return;
        {
            const AnchorUse& a = *s.anchored_by;
            xmlNode* anchor = add(more, "ReportData");
            add(anchor, "Type", "urn:ltsign:report:anchored-by");
            add(anchor, "Value",
                a.source == "trusted-list"
                    ? "TSP \"" + a.tsp + "\", service \"" + a.service + "\" (" + a.service_type +
                          ", " + a.status + ") on the trusted list of " + a.territory + " (" +
                          a.list_url + ")"
                    : a.label + " (" + a.source + ")");
            if (m_trust != nullptr) {
                xmlNode* snap = add(more, "ReportData");
                add(snap, "Type", "urn:ltsign:report:trust-list-snapshot");
                add(snap, "Value", m_trust->digest);
            }
        }
    }

    // vr:SignersDocument: the detached document verified, by its SHA-256.
    void signers_document(xmlNode* report, const FileReport& file) {
        // vr:DigestAlgAndValue, of XAdES' DigestAlgAndValueType: ds:DigestMethod,
        // ds:DigestValue.
        xmlNode* digest = add(add(report, "SignersDocument"), "DigestAlgAndValue");
        xmlNs* ds = xml::made(xmlNewNs(digest, BAD_CAST k_ds, BAD_CAST "ds"));
        xmlNode* method = xml::made(xmlNewChild(digest, ds, BAD_CAST "DigestMethod", nullptr));
        xml::made(xmlNewProp(method, BAD_CAST "Algorithm",
                             BAD_CAST "http://www.w3.org/2001/04/xmlenc#sha256"));
        xml::made(
            xmlNewTextChild(digest, ds, BAD_CAST "DigestValue",
                            BAD_CAST xml::base64_encode(hex_bytes(file.data_sha256)).c_str()));
    }

    void signature(const SignatureReport& s, const FileReport& file, TimePoint validation_time,
                   xmlNode* parent, const std::string& id) {
        xmlNode* r =
            add(parent, parent == m_root ? "SignatureValidationReport" : "ValidationReport");
        xmlNode* ident = add(r, "SignatureIdentifier");
        xml::made(xmlNewProp(ident, BAD_CAST "id", BAD_CAST id.c_str()));
        add(ident, "HashOnly", "false");
        add(ident, "DocHashOnly", "false");
        add(ident, "DAIdentifier", file.path.string());
        xmlNode* times = add(r, "ValidationTimeInfo");
        add(times, "ValidationTime", format_rfc3339(validation_time));
        xmlNode* best = add(times, "BestSignatureTime");
        add(best, "POETime", format_rfc3339(s.best_signature_time.value_or(validation_time)));
        add(best, "TypeOfProof", "urn:etsi:019102:poetype:validation");
        // The detached document verified, bound by its digest.
        if (!file.data_sha256.empty() && parent == m_root) signers_document(r, file);
        if (!s.chain.empty()) {
            xmlNode* who = add(r, "SignerInformation");
            ref(who, "SignerCertificate", certificate(s.chain.front()));
            if (!s.signer.empty()) add(who, "Signer", s.signer);
        }
        if (s.anchored_by && !s.anchored_by->qualification.empty()) {
            // TS 119 102-2 5.2.7: the qualification the trusted list and certificate support.
            add(add(r, "SignatureQuality"), "SignatureQualityInformation",
                "urn:ltsign:qualification:" + s.anchored_by->qualification);
        }
        xmlNode* status = add(r, "SignatureValidationStatus");
        add(status, "MainIndication", main_indication(s.indication));
        if (s.sub_indication != SubIndication::none) {
            add(status, "SubIndication",
                "urn:etsi:019102:subindication:" + std::string(to_string(s.sub_indication)));
        }
        xmlNode* data = add(status, "AssociatedValidationReportData");
        if (s.chain.size() > 1) {
            xmlNode* chain = add(data, "CertificateChain");
            ref(chain, "SigningCertificate", certificate(s.chain.front()));
            for (std::size_t i = 1; i + 1 < s.chain.size(); ++i)
                ref(chain, "IntermediateCertificate", certificate(s.chain[i]));
            ref(chain, "TrustAnchor", certificate(s.chain.back()));
        }
        if (s.anchored_by && !s.anchored_by->list_url.empty()) {
            if (auto list = trusted_list(s.anchored_by->list_url))
                ref(data, "RelatedValidationObject", *list);
        }
        // Time-stamps and revocation sources are validation objects the report points to.
        for (std::size_t k = 0; k < s.timestamps.size(); ++k) {
            const std::string ts_id = id + "-T" + std::to_string(k + 1);
            m_pending_stamps.push_back({ts_id, &s.timestamps[k], &file, validation_time});
            ref(data, "RelatedValidationObject", ts_id);
        }
        for (const auto& v : s.revocation) {
            if (v.kind == RevocationKind::none) continue;
            ref(data, "RelatedValidationObject", revocation_object(v));
        }
        for (const auto& v : s.revocation) {
            if (v.status != RevocationStatus::revoked || !v.revoked_at) continue;
            for (const auto& c : s.chain) {
                if (c.subject != v.certificate) continue;
                xmlNode* rev = add(data, "RevocationStatusInformation");
                ref(rev, "ValidationObjectId", certificate(c));
                add(rev, "RevocationTime", format_rfc3339(*v.revoked_at));
                break;
            }
        }
        xmlNode* more = add(data, "AdditionalValidationReportData");
        xmlNode* explained = add(more, "ReportData");
        add(explained, "Type", "urn:ltsign:report:explanation");
        add(explained, "Value", s.explanation);
        anchor_data(more, s);
        // What an XML signature's references resolved to and were digested over.
        for (const auto& d : s.signed_data) {
            xmlNode* signed_data = add(more, "ReportData");
            add(signed_data, "Type", "urn:ltsign:report:signed-data");
            add(signed_data, "Value",
                "URI \"" + d.uri + "\" -> " + d.target +
                    (d.mime_type.empty() ? "" : " (" + d.mime_type + ")"));
        }
        // Renewal planning: by when the latest time-stamp must be covered by a new one.
        for (const auto& [type, when] :
             {std::pair{"renew-by", s.renew_by}, std::pair{"renew-from", s.renew_from}}) {
            if (!when) continue;
            xmlNode* renewal = add(more, "ReportData");
            add(renewal, "Type", std::string("urn:ltsign:report:") + type);
            add(renewal, "Value", format_rfc3339(*when));
        }
        for (const auto& n : s.notes) {
            xmlNode* note = add(more, "ReportData");
            // The code makes the type specific; a reader that wants every note matches the prefix.
            add(note, "Type", "urn:ltsign:report:note:" + std::string(to_string(n.code)));
            add(note, "Value", n.text);
        }
    }

    // The validation object of the snapshot's list at `url`, when the report cites it.
    std::optional<std::string> trusted_list(const std::string& url) {
        if (m_trust == nullptr) return std::nullopt;
        for (std::size_t i = 0; i < m_trust->lists.size(); ++i) {
            if (m_trust->lists[i].url != url) continue;
            const std::string id = "TL-" + std::to_string(i + 1);
            if (std::find(m_list_ids.begin(), m_list_ids.end(), i) == m_list_ids.end())
                m_list_ids.push_back(i);
            return id;
        }
        return std::nullopt;
    }

    void list_objects(xmlNode* list) {
        for (std::size_t i : m_list_ids) {
            const TrustedListInfo& l = m_trust->lists[i];
            xmlNode* o = add(list, "ValidationObject");
            const std::string id = "TL-" + std::to_string(i + 1);
            xml::made(xmlNewProp(o, BAD_CAST "id", BAD_CAST id.c_str()));
            add(o, "ObjectType", "urn:etsi:019102:validationObject:trustedList");
            xmlNode* rep = add(o, "ValidationObjectRepresentation");
            add(rep, "URI", l.url);
            add(rep, "direct",
                "sha256:" + l.sha256 + " sequence " + l.sequence_number + " in snapshot " +
                    m_trust->digest);
        }
    }

    void set_trust(const TrustSnapshotInfo* trust) { m_trust = trust; }

    void objects() {
        if (m_cert_order.empty() && m_pending_stamps.empty() && m_revocation_objects.empty() &&
            m_list_ids.empty())
            return;
        xmlNode* list = add(m_root, "SignatureValidationObjects");
        // By index: a time-stamp's own report may queue further time-stamps while this runs.
        for (std::size_t i = 0; i < m_pending_stamps.size(); ++i) {
            const PendingStamp p = m_pending_stamps[i];
            xmlNode* o = add(list, "ValidationObject");
            xml::made(xmlNewProp(o, BAD_CAST "id", BAD_CAST p.id.c_str()));
            add(o, "ObjectType", "urn:etsi:019102:validationObject:timestamp");
            add(add(o, "ValidationObjectRepresentation"), "direct",
                p.stamp->signer.empty() ? "time-stamp" : p.stamp->signer);
            if (p.stamp->signing_time) {
                xmlNode* poe = add(o, "POE");
                add(poe, "POETime", format_rfc3339(*p.stamp->signing_time));
                add(poe, "TypeOfProof", "urn:etsi:019102:poetype:validation");
            }
            signature(*p.stamp, *p.file, p.time, o, p.id + "-R");
        }
        for (const auto& [id, v] : m_revocation_objects) {
            xmlNode* o = add(list, "ValidationObject");
            xml::made(xmlNewProp(o, BAD_CAST "id", BAD_CAST id.c_str()));
            add(o, "ObjectType",
                is_ocsp(v.kind) ? "urn:etsi:019102:validationObject:OCSPResponse"
                                : "urn:etsi:019102:validationObject:CRL");
            xmlNode* representation = add(o, "ValidationObjectRepresentation");
            if (v.evidence.empty()) {
                add(representation, "URI", revocation_uri(v));
            } else {
                add(representation, "base64", xml::base64_encode(core::as_uchars(v.evidence)));
            }
        }
        list_objects(list);
        // Certificates last: the time-stamps' reports above may have added some.
        for (const auto& id : m_cert_order) {
            xmlNode* o = add(list, "ValidationObject");
            xml::made(xmlNewProp(o, BAD_CAST "id", BAD_CAST id.c_str()));
            add(o, "ObjectType", "urn:etsi:019102:validationObject:certificate");
            add(add(o, "ValidationObjectRepresentation"), "base64",
                xml::base64_encode(core::as_uchars(m_certs.at(id).der)));
        }
    }

    std::string finish() {
        objects();
        // Who validated: this tool and its version (TS 119 102-2 5.5, SignatureValidator).
        xmlNode* validator = add(m_root, "SignatureValidator");
        xmlNode* id = add(validator, "DigitalId");
        xmlNs* tsl = xml::made(xmlNewNs(id, BAD_CAST k_tsl, BAD_CAST "tsl"));
        xml::made(xmlNewTextChild(id, tsl, BAD_CAST "Other",
                                  BAD_CAST("ltsign " + std::string(version())).c_str()));
        const auto bytes = xml::serialize(m_doc.get(), true);
        return std::string(bytes.begin(), bytes.end());
    }

    xmlNode* root() { return m_root; }

  private:
    struct PendingStamp {
        std::string id;
        const SignatureReport* stamp;
        const FileReport* file;
        TimePoint time;
    };
    xml::Doc m_doc;
    xmlNode* m_root;
    xmlNs* m_ns;
    std::map<std::string, CertificateInfo> m_certs;
    std::vector<std::string> m_cert_order;
    std::vector<PendingStamp> m_pending_stamps;
    std::vector<std::pair<std::string, RevocationInfo>> m_revocation_objects;
    std::set<std::string> m_revocation_ids;
    const TrustSnapshotInfo* m_trust = nullptr;
    std::vector<std::size_t> m_list_ids;
};

}  // namespace

std::string BatchReport::to_etsi_xml() const {
    Writer w;
    w.set_trust(trust_list ? &*trust_list : nullptr);
    int n = 0;
    for (const auto& f : files) {
        if (f.signatures.empty()) {
            // An unreadable file still gets its verdict in the report.
            SignatureReport s;
            s.indication = f.indication;
            s.sub_indication = f.sub_indication;
            s.explanation = f.error_message;
            w.signature(s, f, validation_time, w.root(), "S-" + std::to_string(++n));
            continue;
        }
        for (const auto& s : f.signatures)
            w.signature(s, f, validation_time, w.root(), "S-" + std::to_string(++n));
    }
    return w.finish();
}

}  // namespace ltsign
