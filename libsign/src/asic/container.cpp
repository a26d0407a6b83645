#include "asic/container.hpp"

#include <algorithm>
#include <cstdio>

#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign::asic {
namespace {

constexpr const char* k_meta = "META-INF/";
constexpr const char* k_schema = "en_31916201v010101.xsd";

bool named(const std::string& file, const char* prefix, const char* suffix) {
    return file.starts_with(prefix) && file.ends_with(suffix);
}

[[noreturn]] void refuse(const std::string& what, const std::string& why) {
    throw Error(Errc::malformed_input, what + ": " + why);
}

Kind kind_of_mimetype(const ZipArchive& zip, const std::string& what) {
    const ZipEntry* m = zip.find("mimetype");
    if (m == nullptr) {
        refuse(what, tr("a ZIP archive without a \"mimetype\" entry, so not an ASiC container (EN "
                        "319 162-1 A.1 requires it, first and stored)"));
    }
    const core::Bytes b = zip.read(*m, 256);
    const std::string text(b.begin(), b.end());
    if (text == k_mimetype_s) return Kind::asic_s;
    if (text == k_mimetype_e) return Kind::asic_e;
    refuse(what, trf("its \"mimetype\" entry says \"{0}\", not {1} or {2}: not an ASiC container "
                     "ltsign reads",
                     {core::printable(text.substr(0, 80)), k_mimetype_s, k_mimetype_e}));
}

// A.1: mimetype first, stored, no extra field. Other toolkits' containers break this and are still
// read (DSS, libdigidocpp), so it is a note.
std::vector<Note> layout_notes(const ZipArchive& zip) {
    std::vector<Note> notes;
    const auto& lead = zip.leading();
    const ZipEntry* m = zip.find("mimetype");
    std::string wrong;
    if (lead.name != "mimetype") {
        wrong = tr("it is not the first entry");
    } else if (lead.method != 0 || (m != nullptr && m->method != 0)) {
        wrong = tr("it is compressed");
    } else if (lead.extra_length != 0) {
        wrong = tr("its local header has an extra field");
    }
    if (!wrong.empty()) {
        notes.push_back({NoteCode::container_layout,
                         trf("the \"mimetype\" entry does not follow EN 319 162-1 A.1 ({0}), so "
                             "tools that recognise containers by their first bytes will not "
                             "recognise this one; its content was read all the same",
                             {wrong})});
    }
    return notes;
}

void check_structure(const Container& c, const std::string& what) {
    const auto data = c.entries_of(Role::data);
    if (c.kind() == Kind::asic_s) {
        if (data.size() != 1) {
            refuse(what, trf("an ASiC-S container holds exactly one data object outside META-INF "
                             "(EN 319 162-1 4.3.1); this one holds {0}",
                             {std::to_string(data.size())}));
        }
        if (data.front()->name.find('/') != std::string::npos) {
            refuse(what, trf("the data object of an ASiC-S container lies in its root folder (EN "
                             "319 162-1 4.3.1), not in \"{0}\"",
                             {core::printable(data.front()->name)}));
        }
    }
    const bool has_evidence =
        !c.entries_of(Role::xades).empty() || !c.entries_of(Role::cades).empty() ||
        !c.entries_of(Role::timestamp).empty() || !c.entries_of(Role::evidence_record).empty();
    if (!has_evidence) {
        refuse(what, tr("an ASiC container with no signature, time-stamp or evidence record in "
                        "META-INF: nothing in it can be verified"));
    }
}

}  // namespace

const char* mimetype_of(Kind kind) {
    return kind == Kind::asic_s ? k_mimetype_s : k_mimetype_e;
}

Role role_of(const std::string& name) {
    if (name == "mimetype") return Role::mimetype;
    if (!name.empty() && name.back() == '/') return Role::folder;
    if (!name.starts_with(k_meta)) return Role::data;
    const std::string file = name.substr(std::string(k_meta).size());
    if (file.find('/') != std::string::npos) return Role::other;
    if (named(file, "ASiCArchiveManifest", ".xml")) return Role::archive_manifest;
    if (named(file, "ASiCEvidenceRecordManifest", ".xml")) return Role::record_manifest;
    if (named(file, "ASiCManifest", ".xml")) return Role::manifest;
    if (file.find("signatures") != std::string::npos && file.ends_with(".xml")) return Role::xades;
    if (file.find("signature") != std::string::npos && file.ends_with(".p7s")) return Role::cades;
    if (file.find("timestamp") != std::string::npos && file.ends_with(".tst"))
        return Role::timestamp;
    if (file.find("evidencerecord") != std::string::npos &&
        (file.ends_with(".ers") || file.ends_with(".xml"))) {
        return Role::evidence_record;
    }
    return Role::other;
}

Container Container::open(const std::filesystem::path& file, const std::string& what,
                          const Limits& limits) {
    Container c;
    c.m_zip = ZipArchive::open(file, what, limits);
    c.m_kind = kind_of_mimetype(*c.m_zip, what);
    c.m_notes = layout_notes(*c.m_zip);
    check_structure(c, what);
    return c;
}

std::vector<const ZipEntry*> Container::entries_of(Role role) const {
    std::vector<const ZipEntry*> out;
    for (const auto& e : m_zip->entries()) {
        if (role_of(e.name) == role) out.push_back(&e);
    }
    return out;
}

validation::DataObject Container::object(const ZipEntry& entry) const {
    std::lock_guard lock(m_objects->mutex);
    if (auto it = m_objects->by_index.find(entry.index); it != m_objects->by_index.end())
        return it->second;
    auto made = validation::DataObject::from_entry(
        entry.name, [zip = m_zip, entry] { return zip->reader(entry); });
    m_objects->by_index.emplace(entry.index, made);
    return made;
}

validation::DataObjects Container::data_objects() const {
    validation::DataObjects out;
    for (const auto* e : entries_of(Role::data)) out.push_back(object(*e));
    return out;
}

std::string entry_name_of(const std::string& uri) {
    std::string out = core::percent_decode(uri);
    if (out.rfind("./", 0) == 0) out.erase(0, 2);
    return out;
}

Manifest parse_manifest(std::span<const unsigned char> bytes, const std::string& what) {
    const xml::Doc doc = xml::parse(bytes, what);
    xmlNode* root = xmlDocGetRootElement(doc.get());
    if (root == nullptr || root->ns == nullptr ||
        std::string(reinterpret_cast<const char*>(root->ns->href)) != xml::k_asic_ns ||
        std::string(reinterpret_cast<const char*>(root->name)) != "ASiCManifest") {
        refuse(what, tr("not an asic:ASiCManifest (EN 319 162-1 A.5)"));
    }
    if (const auto schema = xml::validate(doc.get(), k_schema); schema.problem)
        refuse(what, trf("not a valid ASiCManifest: {0}", {*schema.problem}));
    Manifest m;
    xmlNode* sig = xml::child(root, xml::k_asic_ns, "SigReference");
    if (sig == nullptr) refuse(what, tr("the ASiCManifest has no SigReference"));
    m.signature_uri = xml::attribute(sig, "URI");
    for (xmlNode* ref : xml::children(root, xml::k_asic_ns, "DataObjectReference")) {
        ManifestReference r;
        r.uri = xml::attribute(ref, "URI");
        r.mime_type = xml::attribute(ref, "MimeType");
        r.digest_algorithm = xml::digest_name(
            xml::attribute(xml::child(ref, xml::k_dsig_ns, "DigestMethod"), "Algorithm"));
        r.digest = xml::base64_decode(xml::text(xml::child(ref, xml::k_dsig_ns, "DigestValue")));
        if (r.uri.empty() || r.digest.empty())
            refuse(what, tr("a DataObjectReference without URI or DigestValue"));
        m.references.push_back(std::move(r));
    }
    if (m.references.empty()) refuse(what, tr("the ASiCManifest references no data object"));
    return m;
}

core::Bytes write_manifest(const std::string& signature_uri, const std::string& signature_mime,
                           const validation::DataObjects& covered, const std::string& digest) {
    const xml::Doc doc(xml::made(xmlNewDoc(BAD_CAST "1.0")));
    xmlNode* root = xml::made(xmlNewNode(nullptr, BAD_CAST "ASiCManifest"));
    xmlSetNs(root, xml::made(xmlNewNs(root, BAD_CAST xml::k_asic_ns, BAD_CAST "asic")));
    xmlDocSetRootElement(doc.get(), root);
    xmlNode* sig = xml::add_element(root, xml::k_asic_ns, "asic", "SigReference");
    xml::made(xmlNewProp(sig, BAD_CAST "URI", BAD_CAST signature_uri.c_str()));
    if (!signature_mime.empty())
        xml::made(xmlNewProp(sig, BAD_CAST "MimeType", BAD_CAST signature_mime.c_str()));
    const EVP_MD* md = EVP_get_digestbyname(digest.c_str());
    const auto method = xml::digest_method_uri(digest);
    if (md == nullptr || !method)
        throw Error(Errc::usage, trf("{0} cannot be used in a manifest", {digest}));
    for (const auto& object : covered) {
        xmlNode* ref = xml::add_element(root, xml::k_asic_ns, "asic", "DataObjectReference");
        xml::made(xmlNewProp(ref, BAD_CAST "URI", BAD_CAST object.name().c_str()));
        xml::made(xmlNewProp(ref, BAD_CAST "MimeType", BAD_CAST "application/octet-stream"));
        xmlNode* dm = xml::add_element(ref, xml::k_dsig_ns, "ds", "DigestMethod");
        xml::made(xmlNewProp(dm, BAD_CAST "Algorithm", BAD_CAST method->c_str()));
        xml::add_element(ref, xml::k_dsig_ns, "ds", "DigestValue",
                         xml::base64_encode(*object.digest(md)));
    }
    return xml::serialize(doc.get(), false);
}

std::string free_name(const ZipArchive* zip, const std::vector<std::string>& also_taken,
                      const std::string& prefix, const std::string& suffix) {
    for (int n = 1;; ++n) {
        char number[16];
        std::snprintf(number, sizeof number, "%03d", n);
        const std::string name = std::string(k_meta) + prefix + number + suffix;
        const bool taken =
            (zip != nullptr && zip->find(name) != nullptr) ||
            std::find(also_taken.begin(), also_taken.end(), name) != also_taken.end();
        if (!taken) return name;
    }
}

}  // namespace ltsign::asic
