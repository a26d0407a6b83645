#include "pdf/pades_verify.hpp"

#include <openssl/cms.h>
#include <openssl/x509.h>

#include <algorithm>
#include <map>

#include "cms/cades_archive.hpp"
#include "cms/cms_signature.hpp"
#include "cms/timestamp_token.hpp"
#include "core/der.hpp"
#include "ltsign/language.hpp"
#include "pdf/changes.hpp"
#include "pdf/pdf_file.hpp"
#include "validation/data_object.hpp"

namespace ltsign::pdf {
namespace {

using validation::Check;
using validation::SignatureFacts;

constexpr std::size_t k_header_window = 1024;

using XRef = std::map<QPDFObjGen, QPDFXRefEntry>;

std::size_t item_count(const validation::ValidationData& d) {
    return d.certificates.size() + d.crls.size() + d.ocsp.size();
}

// The revisions of the file that signatures cover, each read once however many signatures cover
// it: parsed, its cross-reference table, its DSS, and what changed after it.
class Revisions {
  public:
    struct Revision {
        std::unique_ptr<Document> doc;
        XRef xref;
        std::size_t dss_items = 0;    // DSS entries in it
        std::vector<Change> changes;  // from it to the whole file
    };

    Revisions(Document& current, int permission) : m_current(current), m_permission(permission) {
        guarded(current.what(), [&] { m_current_xref = current.qpdf().getXRefTable(); });
    }

    const XRef& current_xref() const { return m_current_xref; }

    // Error(malformed_input) when the revision cannot be read.
    const Revision& at(std::size_t end) {
        if (auto it = m_revisions.find(end); it != m_revisions.end()) return it->second;
        const auto file = m_current.bytes();
        Revision r;
        r.doc = std::make_unique<Document>(
            file.first(end),
            m_current.what() + " (the revision ending at byte " + std::to_string(end) + ")");
        guarded(r.doc->what(), [&] { r.xref = r.doc->qpdf().getXRefTable(); });
        r.dss_items = item_count(dss_of(*r.doc));
        // Whatever follows the revision is compared, a last update without %%EOF included.
        if (end < file.size()) r.changes = changes_after(*r.doc, m_current, m_permission);
        return m_revisions.emplace(end, std::move(r)).first->second;
    }

  private:
    Document& m_current;
    int m_permission;
    XRef m_current_xref;
    std::map<std::size_t, Revision> m_revisions;
};

// A signature field once its byte range was checked against the file.
struct Checked {
    SignatureField field;
    std::size_t end = 0;  // where the revision it covers ends
    int revision = 0;     // 1-based; 0 when the byte range names no revision
    std::optional<std::string> problem;
    std::optional<validation::DataObject> covered;
    std::vector<Change> changes;
    std::size_t dss_items = 0;  // DSS entries in the revision it covers
};

std::string span_text(long long from, long long to) {
    return trf("bytes {0} to {1}", {std::to_string(from), std::to_string(to)});
}

// ISO 32000-2 12.8.1, EN 319 142-1 5.1: one gap, exactly the signature's own /Contents hex string,
// from the start of the file to the end of a revision.
std::optional<std::string> byte_range_problem(const SignatureField& f, std::size_t file_size,
                                              const std::vector<std::size_t>& ends, Checked& out) {
    const auto& r = f.byte_range;
    if (r.size() != 4) {
        return trf(
            "the /ByteRange has {0} numbers; a signature's has four (one gap: its /Contents)",
            {std::to_string(r.size())});
    }
    if (std::any_of(r.begin(), r.end(), [](long long v) { return v < 0 || v > (1LL << 40); }))
        return tr("the /ByteRange holds negative or impossible numbers");
    if (r[0] != 0) return tr("the /ByteRange does not start at the beginning of the file");
    if (r[1] >= r[2]) return tr("the two parts of the /ByteRange overlap");
    auto end = static_cast<std::size_t>(r[2] + r[3]);
    if (end > file_size) {
        return trf("the /ByteRange runs to byte {0}, past the end of the file ({1} bytes)",
                   {std::to_string(end), std::to_string(file_size)});
    }
    if (!f.contents_span || static_cast<std::size_t>(r[1]) != f.contents_span->first ||
        static_cast<std::size_t>(r[2]) != f.contents_span->second) {
        const std::string gap = span_text(r[1], r[2]);
        if (!f.contents_span) {
            return trf(
                "the gap in the /ByteRange ({0}) is not this signature's own /Contents: "
                "signed bytes were moved or the dictionary was copied from another "
                "signature",
                {gap});
        }
        return trf(
            "the gap in the /ByteRange ({0}) is not this signature's own /Contents ({1}): "
            "signed bytes were moved or the dictionary was copied from another signature",
            {gap, span_text(static_cast<long long>(f.contents_span->first),
                            static_cast<long long>(f.contents_span->second))});
    }
    auto at = std::find(ends.begin(), ends.end(), end);
    if (at == ends.end()) {
        return trf(
            "the /ByteRange ends at byte {0}, which is not the end of a revision (no %%EOF ends "
            "there)",
            {std::to_string(end)});
    }
    out.end = end;
    out.revision = static_cast<int>(at - ends.begin()) + 1;
    return std::nullopt;
}

Checked check_field(SignatureField field, Document& doc, Revisions& revisions,
                    const std::vector<std::size_t>& ends,
                    const std::shared_ptr<const core::Bytes>& owner) {
    Checked c;
    c.field = std::move(field);
    auto file = doc.bytes();
    if (c.field.problem) {
        c.problem = c.field.problem;
        return c;
    }
    c.problem = byte_range_problem(c.field, file.size(), ends, c);
    const auto& r = c.field.byte_range;
    if (r.size() == 4 && !c.problem) {
        // Borrowed, never copied: a file with many signatures costs no copy per signature.
        const auto a = static_cast<std::size_t>(r[1]);
        const auto b = static_cast<std::size_t>(r[2]);
        const auto n = static_cast<std::size_t>(r[3]);
        c.covered = validation::DataObject::borrowing_parts(
            "the bytes of revision " + std::to_string(c.revision),
            {file.subspan(0, a), file.subspan(b, n)}, owner);
    }
    if (c.problem) return c;
    try {
        const auto& signed_revision = revisions.at(c.end);
        // The dictionary must be part of what it signs, at the same place: one added later with
        // a copied /ByteRange and /Contents is not the one that was signed.
        const auto& before = signed_revision.xref;
        const auto& now = revisions.current_xref();
        auto b = before.find(c.field.object);
        auto n = now.find(c.field.object);
        if (b == before.end() || n == now.end() || b->second.getType() != 1 ||
            b->second.getOffset() != n->second.getOffset()) {
            c.problem =
                tr("the signature dictionary is not part of the revision its /ByteRange covers");
            return c;
        }
        c.dss_items = signed_revision.dss_items;
        c.changes = signed_revision.changes;
    } catch (const Error& e) {
        c.problem = trf("the revision it covers cannot be read: {0}", {e.what()});
    }
    return c;
}

SignatureFacts shell(const Checked& c, std::string problem) {
    SignatureFacts f;
    f.type = c.field.document_timestamp ? EntryType::timestamp : EntryType::signature;
    f.is_timestamp = c.field.document_timestamp;
    f.format_problem = std::move(problem);
    return f;
}

// The CMS in /Contents without its zero padding. Error(malformed_input) when it is none.
core::Bytes cms_of(const Checked& c, const std::string& what) {
    const auto& bytes = c.field.contents;
    const unsigned char* p = bytes.data();
    ossl::Ptr<CMS_ContentInfo> parsed(
        d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
    ossl::clear_errors();
    if (!parsed)
        throw Error(Errc::malformed_input,
                    trf("{0}: its /Contents holds no CMS SignedData", {what}));
    auto used = static_cast<std::size_t>(p - bytes.data());
    if (std::any_of(bytes.begin() + static_cast<std::ptrdiff_t>(used), bytes.end(),
                    [](unsigned char b) { return b != 0; })) {
        throw Error(Errc::malformed_input, trf("{0}: its /Contents holds bytes after the CMS "
                                               "SignedData other than the zero padding",
                                               {what}));
    }
    return core::Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(used));
}

std::string name_of(const Checked& c, const std::string& what) {
    return trf("{0} field {1}", {what, c.field.name});
}

SignatureFacts timestamp_facts(const Checked& c, const std::string& what) {
    auto name = name_of(c, what);
    try {
        auto der = cms_of(c, name);
        auto token = cms::parse_signed_data(der, name);
        if (!cms::is_token(token.get()))
            return shell(c, tr("the document time-stamp's /Contents holds no time-stamp token"));
        cms::ImprintSource source;
        if (c.covered) source.data = *c.covered;
        auto f = cms::token_facts(token.get(), der, source);
        if (c.problem) f.format_problem = c.problem;
        return f;
    } catch (const Error& e) {
        return shell(c, e.what());
    }
}

// adbe.pkcs7.sha1 (ISO 32000-1 12.8.3.3.1): the SignedData carries the SHA-1 digest of the byte
// range as its content, and signs that.
void check_sha1_content(CMS_ContentInfo* cms, const Checked& c, SignatureFacts& f) {
    ASN1_OCTET_STRING** content = CMS_get0_content(cms);
    if (content == nullptr || *content == nullptr) {
        f.data_digest = {Check::failed, tr("the adbe.pkcs7.sha1 signature carries no digest")};
        return;
    }
    if (!c.covered) return;
    auto actual = c.covered->digest(EVP_sha1());
    if (f.data_digest.status == Check::failed) return;
    f.data_digest = validation::compare_digest(*content, *actual,
                                               tr("the SHA-1 digest the signature carries is"));
}

std::vector<SignatureFacts> signature_facts(const Checked& c, const std::string& what) {
    auto name = name_of(c, what);
    std::vector<SignatureFacts> out;
    try {
        auto der = cms_of(c, name);
        auto cms = cms::parse_signed_data(der, name);
        if (cms::is_token(cms.get())) {
            out.push_back(shell(c,
                                "the signature's /Contents holds a time-stamp token, not a "
                                "signature (SubFilter " +
                                    c.field.sub_filter + ")"));
            return out;
        }
        const bool sha1 = c.field.sub_filter == "adbe.pkcs7.sha1";
        out = cms::extract_facts(cms.get(), sha1 || !c.covered ? nullptr : &*c.covered);
        for (auto& f : out) {
            if (sha1) check_sha1_content(cms.get(), c, f);
            if (c.problem) f.format_problem = c.problem;
        }
    } catch (const Error& e) {
        out.push_back(shell(c, e.what()));
    }
    if (out.empty()) out.push_back(shell(c, "the signature's SignedData has no SignerInfo"));
    return out;
}

// The DSS's certificates, CRLs and OCSP responses, as the facts carry validation data.
void add_dss(const validation::ValidationData& dss, SignatureFacts& f) {
    for (const auto& der : dss.certificates) {
        const unsigned char* p = der.data();
        if (X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size())))
            f.certificates.emplace_back(cert);
    }
    for (const auto& der : dss.crls) {
        const unsigned char* p = der.data();
        if (X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())))
            f.crls.emplace_back(crl);
    }
    for (const auto& der : dss.ocsp) {
        auto tlv = der::read(der);
        auto parts = tlv ? der::children(*tlv) : std::nullopt;
        // An OCSPResponse starts with its status (ENUMERATED); a bare BasicOCSPResponse does not.
        if (parts && !parts->empty() && (*parts)[0].tag == 0x0a) {
            f.ocsp_responses.push_back(der);
        } else if (parts) {
            f.ocsp_responses.push_back(cms::ocsp_response_of(der));
        }
    }
    ossl::clear_errors();
}

std::string change_list(const std::vector<Change>& changes, Change::Kind kind) {
    std::string out;
    for (const auto& c : changes) {
        if (c.kind != kind) continue;
        out += (out.empty() ? "" : "; ") + c.what;
    }
    return out;
}

// The revision a signature covers, what changed after it, and the verdict those changes call
// for: pages added or removed fail it (the document shown is not a version of the one signed),
// other undefined changes leave it INDETERMINATE (what it shows may differ from what was signed).
void describe_coverage(const Checked& c, std::size_t revisions, std::size_t file_size,
                       SignatureFacts& f) {
    if (c.revision == 0) return;
    const std::string what = f.is_timestamp ? tr("the time-stamp") : tr("the signature");
    f.notes.push_back(
        {NoteCode::pdf_revision,
         c.end == file_size
             ? trf("it covers revision {0} of {1} (bytes 0 to {2} of {3}), the whole file",
                   {std::to_string(c.revision), std::to_string(revisions), std::to_string(c.end),
                    std::to_string(file_size)})
             : trf("it covers revision {0} of {1} (bytes 0 to {2} of {3}); that revision can be "
                   "extracted to see exactly what was signed",
                   {std::to_string(c.revision), std::to_string(revisions), std::to_string(c.end),
                    std::to_string(file_size)})});
    if (auto allowed = change_list(c.changes, Change::Kind::allowed); !allowed.empty()) {
        f.notes.push_back({NoteCode::pdf_changes,
                           trf("changes made after {0} that it permits: {1}", {what, allowed})});
    }
    auto pages = change_list(c.changes, Change::Kind::pages);
    auto undefined = change_list(c.changes, Change::Kind::undefined);
    if (!pages.empty() && !f.format_problem) {
        f.format_problem =
            trf("pages were added or removed after {0} was made ({1}): the document shown is "
                "not the one that was signed",
                {what, pages});
    }
    if (!undefined.empty()) {
        f.notes.push_back(
            {NoteCode::pdf_changes,
             trf("changes made after {0} that it does not permit: {1}", {what, undefined})});
        f.constraints_problem =
            trf("the document was changed after {0} was made in ways it does not permit ({1}): "
                "what the document shows may differ from what was signed, which only revision {2} "
                "shows",
                {what, undefined, std::to_string(c.revision)});
    }
}

// EN 319 142-1 6.3: B-T by a signature-time-stamp or a document time-stamp after it; B-LT by a
// DSS added after it; B-LTA by a document time-stamp over that DSS.
void set_level(const Checked& c, const std::vector<Checked>& all, std::size_t final_dss,
               SignatureFacts& f) {
    if (f.is_timestamp || c.field.sub_filter != "ETSI.CAdES.detached" || c.revision == 0) return;
    auto later_stamp = [&](auto&& also) {
        return std::any_of(all.begin(), all.end(), [&](const Checked& t) {
            return t.field.document_timestamp && !t.problem && t.revision > c.revision && also(t);
        });
    };
    if (f.level == SignatureLevel::b_b && later_stamp([](const Checked&) { return true; }))
        f.level = SignatureLevel::b_t;
    if (f.level == SignatureLevel::b_t && final_dss > c.dss_items) f.level = SignatureLevel::b_lt;
    if (f.level == SignatureLevel::b_lt &&
        later_stamp([&](const Checked& t) { return t.dss_items > c.dss_items; })) {
        f.level = SignatureLevel::b_lta;
    }
}

}  // namespace

bool looks_like_pdf(std::span<const unsigned char> bytes) {
    const std::string_view head(reinterpret_cast<const char*>(bytes.data()),
                                std::min(bytes.size(), k_header_window));
    return head.find("%PDF-") != std::string_view::npos;
}

std::vector<SignatureFacts> pades_facts(std::shared_ptr<const core::Bytes> file,
                                        const std::string& what) {
    Document doc(*file, what);
    auto fields = signature_fields(doc);
    if (fields.empty()) {
        throw Error(
            Errc::malformed_input,
            trf("{0}: a PDF without any signature or document time-stamp; nothing to verify",
                {what}));
    }
    auto ends = revision_ends(*file);
    if (ends.empty()) throw Error(Errc::malformed_input, trf("{0}: a PDF without %%EOF", {what}));
    const int permission = docmdp_permission(doc);
    auto dss = dss_of(doc);
    auto pdfa = pdfa_claim(doc);
    Revisions revisions(doc, permission);
    std::vector<Checked> checked;
    for (auto& field : fields)
        checked.push_back(check_field(std::move(field), doc, revisions, ends, file));

    std::vector<SignatureFacts> out;
    for (const auto& c : checked) {
        std::vector<SignatureFacts> facts;
        if (c.field.document_timestamp) {
            facts.push_back(timestamp_facts(c, what));
        } else {
            facts = signature_facts(c, what);
        }
        for (auto& f : facts) {
            // Every later document time-stamp over an intact byte range covers this one's
            // revision: an archive time-stamp for it (EN 319 142-1 5.5, PAdES-LTA).
            for (const auto& t : checked) {
                if (t.field.document_timestamp && !t.problem && c.revision != 0 &&
                    t.revision > c.revision) {
                    f.archive_timestamps.push_back(timestamp_facts(t, what));
                }
            }
            add_dss(dss, f);
            set_level(c, checked, item_count(dss), f);
            describe_coverage(c, ends.size(), file->size(), f);
            if (pdfa) {
                f.notes.push_back(
                    {NoteCode::pdf_a,
                     trf("the document claims {0} conformance (not checked here)", {*pdfa})});
            }
            out.push_back(std::move(f));
        }
    }
    return out;
}

std::vector<InspectField> pades_inspect(std::shared_ptr<const core::Bytes> file,
                                        const std::string& what) {
    Document doc(*file, what);
    auto ends = revision_ends(*file);
    std::vector<InspectField> out;
    out.push_back({"revisions", std::to_string(ends.size()), {}});
    if (auto pdfa = pdfa_claim(doc)) out.push_back({"claims", *pdfa, {}});
    if (const int p = docmdp_permission(doc); p != 0)
        out.push_back({"certification (DocMDP)", "P=" + std::to_string(p), {}});
    for (const auto& f : signature_fields(doc)) {
        InspectField field{f.document_timestamp ? "document time-stamp" : "signature", f.name, {}};
        field.children.push_back({"SubFilter", f.sub_filter, {}});
        std::string range;
        for (const auto v : f.byte_range) range += (range.empty() ? "" : " ") + std::to_string(v);
        field.children.push_back({"ByteRange", "[" + range + "]", {}});
        if (!f.signing_time.empty()) field.children.push_back({"M", f.signing_time, {}});
        if (!f.reason.empty()) field.children.push_back({"Reason", f.reason, {}});
        if (!f.location.empty()) field.children.push_back({"Location", f.location, {}});
        if (!f.signer_name.empty()) field.children.push_back({"Name", f.signer_name, {}});
        if (f.problem) field.children.push_back({"problem", *f.problem, {}});
        out.push_back(std::move(field));
    }
    auto dss = dss_of(doc);
    if (!dss.empty()) {
        out.push_back({"DSS",
                       std::to_string(dss.certificates.size()) + " certificate(s), " +
                           std::to_string(dss.ocsp.size()) + " OCSP response(s), " +
                           std::to_string(dss.crls.size()) + " CRL(s)",
                       {}});
    }
    return out;
}

core::Bytes revision(std::span<const unsigned char> file, const std::string& what, int n) {
    auto ends = revision_ends(file);
    if (n < 1 || static_cast<std::size_t>(n) > ends.size()) {
        throw Error(Errc::usage, trf("{0} has {1} revision(s); there is no revision {2}",
                                     {what, std::to_string(ends.size()), std::to_string(n)}));
    }
    auto end = ends[static_cast<std::size_t>(n) - 1];
    return core::Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace ltsign::pdf
