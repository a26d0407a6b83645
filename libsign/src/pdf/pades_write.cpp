#include "pdf/pades_write.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "cms/cades_sign.hpp"
#include "core/der.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/language.hpp"
#include "pdf/pdf_file.hpp"

namespace ltsign::pdf {
namespace {

using Handle = QPDFObjectHandle;

X509* signer_certificate(const Signer& signer) {
    return detail::impl(signer).cert.get();
}

constexpr std::size_t k_byte_range_width = 48;  // "0 a b c" with room for files of many GB
constexpr std::size_t k_tail_window = 2048;

void append(core::Bytes& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
}

std::string ref(int number) {
    return std::to_string(number) + " 0 R";
}

std::string name(const std::string& key) {
    return QPDFObjectHandle::newName(key).unparse();
}

// A dictionary's text with some entries replaced or added (their values given as PDF text).
std::string dict_text(Handle dict, const std::map<std::string, std::string>& set) {
    std::string out = "<<";
    if (dict.isDictionary()) {
        for (const auto& key : dict.getKeys()) {
            if (set.count(key) != 0) continue;
            out += " " + name(key) + " " + dict.getKey(key).unparse();
        }
    }
    for (const auto& [key, value] : set) out += " " + name(key) + " " + value;
    return out + " >>";
}

// An array's text with `more` (PDF text) appended.
std::string array_text(Handle array, const std::vector<std::string>& more) {
    std::string out = "[";
    if (array.isArray()) {
        for (auto item : array.aitems()) out += " " + item.unparse();
    }
    for (const auto& m : more) out += " " + m;
    return out + " ]";
}

std::string pdf_date(TimePoint t) {
    const std::string iso = format_rfc3339(t);  // 2026-12-02T10:30:00Z
    std::string digits;
    for (char c : iso) {
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) digits += c;
    }
    return "D:" + digits.substr(0, 14) + "Z";
}

std::string hex(std::span<const unsigned char> bytes) {
    static constexpr char k_digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out += k_digits[b >> 4];
        out += k_digits[b & 15];
    }
    return out;
}

// The end of the file's last cross-reference section and its kind, as the update's /Prev needs.
struct Tail {
    long long prev = 0;
    bool xref_stream = false;
};

Tail tail_of(std::span<const unsigned char> pdf, const std::string& what) {
    const std::string_view text(reinterpret_cast<const char*>(pdf.data()), pdf.size());
    const auto from = text.size() > k_tail_window ? text.size() - k_tail_window : 0;
    const auto at = text.rfind("startxref");
    if (at == std::string_view::npos || at < from)
        throw Error(Errc::malformed_input, trf("{0}: no startxref at the end of the PDF", {what}));
    std::size_t i = at + 9;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
    Tail t;
    std::size_t digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0; ++i) {
        if (++digits > 15) break;
        t.prev = t.prev * 10 + (text[i] - '0');
    }
    if (digits == 0 || static_cast<std::size_t>(t.prev) >= text.size())
        throw Error(Errc::malformed_input, trf("{0}: the PDF's startxref points nowhere", {what}));
    std::size_t p = static_cast<std::size_t>(t.prev);
    while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p])) != 0) ++p;
    t.xref_stream = text.substr(p, 4) != "xref";
    return t;
}

// One incremental update being written: objects appended after the file, then the
// cross-reference section (a table or a stream, as the file has) and the trailer.
class Update {
  public:
    Update(std::span<const unsigned char> pdf, Document& doc, const std::string& what)
        : m_tail(tail_of(pdf, what)), m_out(pdf.begin(), pdf.end()) {
        if (m_out.back() != '\n' && m_out.back() != '\r') append(m_out, "\n");
        Handle trailer = doc.qpdf().getTrailer();
        m_root = trailer.getKey("/Root").unparse();
        if (trailer.getKey("/Info").isIndirect()) m_info = trailer.getKey("/Info").unparse();
        if (trailer.getKey("/ID").isArray()) {
            m_id = trailer.getKey("/ID").unparse();
        } else {
            unsigned char digest[SHA256_DIGEST_LENGTH];
            SHA256(pdf.data(), pdf.size(), digest);
            const std::string id = "<" + hex({digest, 16}) + ">";
            m_id = "[" + id + " " + id + "]";
        }
        int size = 0;
        if (trailer.getKey("/Size").isInteger())
            size = static_cast<int>(trailer.getKey("/Size").getIntValue());
        for (const auto& [og, entry] : doc.qpdf().getXRefTable())
            size = std::max(size, og.getObj() + 1);
        m_next = size;
    }

    int reserve() { return m_next++; }

    // Writes object `number` (generation `gen`) with `body`; the offset of the body's start.
    std::size_t object(int number, int gen, const std::string& body) {
        m_offsets[number] = {m_out.size(), gen};
        append(m_out, std::to_string(number) + " " + std::to_string(gen) + " obj\n");
        const std::size_t at = m_out.size();
        append(m_out, body);
        append(m_out, "\nendobj\n");
        return at;
    }
    void object(QPDFObjGen og, const std::string& body) { object(og.getObj(), og.getGen(), body); }

    int stream(std::span<const unsigned char> data) {
        const int number = reserve();
        m_offsets[number] = {m_out.size(), 0};
        append(m_out, std::to_string(number) + " 0 obj\n<< /Length " + std::to_string(data.size()) +
                          " >>\nstream\n");
        m_out.insert(m_out.end(), data.begin(), data.end());
        append(m_out, "\nendstream\nendobj\n");
        return number;
    }

    core::Bytes finish() && {
        if (m_tail.xref_stream) {
            write_xref_stream();
        } else {
            write_xref_table();
        }
        return std::move(m_out);
    }

  private:
    // Runs of consecutive object numbers, as /Index and the table's subsections list them.
    std::vector<std::pair<int, int>> runs() const {
        std::vector<std::pair<int, int>> out;
        for (const auto& [number, entry] : m_offsets) {
            if (!out.empty() && out.back().first + out.back().second == number) {
                ++out.back().second;
            } else {
                out.emplace_back(number, 1);
            }
        }
        return out;
    }

    std::string trailer_entries() const {
        return "/Size " + std::to_string(m_next) + " /Root " + m_root +
               (m_info.empty() ? "" : " /Info " + m_info) + " /ID " + m_id + " /Prev " +
               std::to_string(m_tail.prev);
    }

    void write_xref_table() {
        const std::size_t at = m_out.size();
        append(m_out, "xref\n");
        for (const auto& [first, count] : runs()) {
            append(m_out, std::to_string(first) + " " + std::to_string(count) + "\n");
            for (int n = first; n < first + count; ++n) {
                char line[32];
                std::snprintf(line, sizeof line, "%010zu %05d n \n", m_offsets.at(n).first,
                              m_offsets.at(n).second);
                append(m_out, line);
            }
        }
        append(m_out, "trailer\n<< " + trailer_entries() + " >>\nstartxref\n" + std::to_string(at) +
                          "\n%%EOF\n");
    }

    void write_xref_stream() {
        const int number = m_next++;
        const std::size_t at = m_out.size();
        m_offsets[number] = {at, 0};
        core::Bytes data;
        std::string index;
        for (const auto& [first, count] : runs()) {
            index +=
                (index.empty() ? "" : " ") + std::to_string(first) + " " + std::to_string(count);
            for (int n = first; n < first + count; ++n) {
                data.push_back(1);
                const auto offset = static_cast<unsigned long long>(m_offsets.at(n).first);
                for (int shift = 56; shift >= 0; shift -= 8)
                    data.push_back(static_cast<unsigned char>(offset >> shift));
                data.push_back(static_cast<unsigned char>(m_offsets.at(n).second >> 8));
                data.push_back(static_cast<unsigned char>(m_offsets.at(n).second));
            }
        }
        append(m_out, std::to_string(number) + " 0 obj\n<< /Type /XRef " + trailer_entries() +
                          " /W [1 8 2] /Index [" + index + "] /Length " +
                          std::to_string(data.size()) + " >>\nstream\n");
        m_out.insert(m_out.end(), data.begin(), data.end());
        append(m_out, "\nendstream\nendobj\nstartxref\n" + std::to_string(at) + "\n%%EOF\n");
    }

    Tail m_tail;
    core::Bytes m_out;
    std::string m_root, m_info, m_id;
    int m_next = 0;
    std::map<int, std::pair<std::size_t, int>> m_offsets;
};

// A field name no top-level field of the form has yet: Signature1, Signature2, ...
std::string free_field_name(Handle form) {
    std::set<std::string> taken;
    if (auto fields = form.getKey("/Fields"); fields.isArray()) {
        for (auto f : fields.aitems()) {
            if (f.getKey("/T").isString()) taken.insert(f.getKey("/T").getUTF8Value());
        }
    }
    for (int n = 1;; ++n) {
        const std::string candidate = "Signature" + std::to_string(n);
        if (taken.count(candidate) == 0) return candidate;
    }
}

// The widget of the new field on the first page, in the page's /Annots and the form's /Fields.
void add_field(Update& update, Document& doc, int widget) {
    QPDF& pdf = doc.qpdf();
    const auto& pages = pdf.getAllPages();
    if (pages.empty())
        throw Error(Errc::malformed_input, trf("{0}: a PDF without pages", {doc.what()}));
    Handle page = pages.front();
    Handle annots = page.getKey("/Annots");
    if (annots.isArray() && annots.isIndirect()) {
        update.object(annots.getObjGen(), array_text(annots, {ref(widget)}));
    } else {
        update.object(page.getObjGen(),
                      dict_text(page, {{"/Annots", array_text(annots, {ref(widget)})}}));
    }
    Handle root = pdf.getRoot();
    Handle form = root.getKey("/AcroForm");
    Handle fields = form.getKey("/Fields");
    std::map<std::string, std::string> set{{"/SigFlags", "3"}};
    if (fields.isArray() && fields.isIndirect()) {
        update.object(fields.getObjGen(), array_text(fields, {ref(widget)}));
    } else {
        set["/Fields"] = array_text(fields, {ref(widget)});
    }
    if (form.isDictionary() && form.isIndirect()) {
        update.object(form.getObjGen(), dict_text(form, set));
    } else {
        update.object(root.getObjGen(), dict_text(root, {{"/AcroForm", dict_text(form, set)}}));
    }
}

// The update laid out with `reserve` bytes for /Contents; the file and where /Contents lies.
struct Layout {
    core::Bytes file;
    std::size_t open = 0;   // the '<' of /Contents
    std::size_t close = 0;  // the '>' of /Contents
    std::size_t byte_range = 0;
};

Layout lay_out(std::span<const unsigned char> pdf, Document& doc, const NewSignature& sig,
               std::size_t reserve) {
    Update update(pdf, doc, doc.what());
    const int dictionary = update.reserve();
    const int widget = update.reserve();
    const std::string byte_range = "/ByteRange [" + std::string(k_byte_range_width, ' ') + "]";
    const std::string contents = "/Contents <" + std::string(reserve * 2, '0') + ">";
    const std::string head =
        sig.document_timestamp
            ? "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 "
            : "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (" +
                  pdf_date(sig.when) + ") ";
    const std::string body = head + byte_range + " " + contents + " >>";
    const std::size_t at = update.object(dictionary, 0, body);
    Layout out;
    out.byte_range = at + head.size() + std::string("/ByteRange [").size();
    out.open = at + head.size() + byte_range.size() + 1 + std::string("/Contents ").size();
    out.close = out.open + 1 + reserve * 2;
    Handle page = doc.qpdf().getAllPages().front();
    const std::string field = free_field_name(doc.qpdf().getRoot().getKey("/AcroForm"));
    // ISO 19005-2 6.3.2: printable, never hidden; a zero-size rectangle needs no appearance.
    update.object(widget, 0,
                  "<< /Type /Annot /Subtype /Widget /FT /Sig /T " +
                      QPDFObjectHandle::newUnicodeString(field).unparse() + " /V " +
                      ref(dictionary) + " /F 132 /Rect [0 0 0 0] /P " + page.unparse() + " >>");
    add_field(update, doc, widget);
    out.file = std::move(update).finish();
    const std::string range = "0 " + std::to_string(out.open) + " " +
                              std::to_string(out.close + 1) + " " +
                              std::to_string(out.file.size() - out.close - 1);
    std::copy(range.begin(), range.end(),
              out.file.begin() + static_cast<std::ptrdiff_t>(out.byte_range));
    return out;
}

core::Bytes covered(const Layout& l) {
    core::Bytes out(l.file.begin(), l.file.begin() + static_cast<std::ptrdiff_t>(l.open));
    out.insert(out.end(), l.file.begin() + static_cast<std::ptrdiff_t>(l.close) + 1, l.file.end());
    return out;
}

}  // namespace

PreparedUpdate prepare_update(std::span<const unsigned char> pdf, const std::string& what,
                              const NewSignature& signature) {
    Document doc(pdf, what);
    PreparedUpdate out;
    guarded(what, [&] {
        Layout layout = lay_out(pdf, doc, signature, signature.reserve);
        out.file = std::move(layout.file);
        out.contents = layout.open + 1;
        out.reserve = signature.reserve;
    });
    return out;
}

core::Bytes covered_bytes(const PreparedUpdate& update) {
    if (update.contents == 0 || update.contents + update.reserve * 2 >= update.file.size())
        throw Error(Errc::malformed_input, tr("the prepared PDF has no room for its signature"));
    const auto open = static_cast<std::ptrdiff_t>(update.contents - 1);
    const auto close = static_cast<std::ptrdiff_t>(update.contents + update.reserve * 2);
    core::Bytes out(update.file.begin(), update.file.begin() + open);
    out.insert(out.end(), update.file.begin() + close + 1, update.file.end());
    return out;
}

core::Bytes fill_contents(PreparedUpdate update, std::span<const unsigned char> cms) {
    if (cms.size() > update.reserve) {
        throw Error(
            Errc::internal,
            trf("the signature ({0} bytes) does not fit the room prepared for it in the PDF",
                {std::to_string(cms.size())}));
    }
    const std::string digits = hex(cms);
    std::copy(digits.begin(), digits.end(),
              update.file.begin() + static_cast<std::ptrdiff_t>(update.contents));
    return std::move(update.file);
}

core::Bytes append_signature(std::span<const unsigned char> pdf, const std::string& what,
                             const NewSignature& signature, const ContentsMaker& make) {
    NewSignature sized = signature;
    for (int attempt = 0; attempt < 2; ++attempt) {
        PreparedUpdate update = prepare_update(pdf, what, sized);
        const core::Bytes cms = make(covered_bytes(update));
        if (cms.size() > sized.reserve) {
            sized.reserve = cms.size() + 1024;  // lay the update out again with room for it
            continue;
        }
        return fill_contents(std::move(update), cms);
    }
    throw Error(Errc::internal, trf("{0}: the signature did not fit the room made for it", {what}));
}

std::size_t contents_reserve(const Signer& signer, const SignOptions& options,
                             const std::string& what) {
    // The room for /Contents: the SignedData as prepared over nothing (same certificates and
    // attributes), the largest value the key can make, and for level T a time-stamp token's usual
    // size; a larger token lays the update out again. No key operation is spent on it.
    const auto prepared =
        cms::prepare_cades(validation::DataObject::borrowing(what, {}), signer, options, false);
    const auto der =
        ossl::encode_der(prepared.cms.get(), i2d_CMS_ContentInfo, "the prepared signature");
    const int value = EVP_PKEY_get_size(X509_get0_pubkey(signer_certificate(signer)));
    return der.size() + static_cast<std::size_t>(std::max(value, 0)) + 256 +
           (options.level == Level::t ? 12288 : 0);
}

core::Bytes sign_pdf(std::span<const unsigned char> pdf, const std::string& what,
                     const Signer& signer, const SignOptions& options,
                     const cms::TokenSource& tokens) {
    NewSignature sig;
    sig.when = options.signing_time.value_or(now_utc());
    sig.reserve = contents_reserve(signer, options, what);
    return append_signature(pdf, what, sig, [&](std::span<const unsigned char> bytes) {
        return cms::sign_cades_detached(bytes, what, signer, options, tokens);
    });
}

core::Bytes timestamp_pdf(std::span<const unsigned char> pdf, const std::string& what,
                          const EVP_MD* md, const cms::TokenSource& tokens) {
    NewSignature sig;
    sig.document_timestamp = true;
    sig.when = now_utc();
    sig.reserve = 12288;
    return append_signature(pdf, what, sig, [&](std::span<const unsigned char> bytes) {
        core::Bytes digest(static_cast<std::size_t>(EVP_MD_get_size(md)));
        unsigned int n = 0;
        EVP_Digest(bytes.data(), bytes.size(), digest.data(), &n, md, nullptr);
        return tokens(md, digest);
    });
}

core::Bytes append_validation_data(std::span<const unsigned char> pdf, const std::string& what,
                                   const validation::ValidationData& data) {
    Document doc(pdf, what);
    core::Bytes result;
    guarded(what, [&] {
        Update update(pdf, doc, what);
        const auto have = dss_of(doc);
        auto add = [&](const std::vector<core::Bytes>& items, const std::vector<core::Bytes>& old) {
            std::vector<std::string> refs;
            for (const auto& item : items) {
                if (std::find(old.begin(), old.end(), item) != old.end()) continue;
                refs.push_back(ref(update.stream(item)));
            }
            return refs;
        };
        const auto certs = add(data.certificates, have.certificates);
        const auto ocsp = add(data.ocsp, have.ocsp);
        const auto crls = add(data.crls, have.crls);
        Handle root = doc.qpdf().getRoot();
        Handle dss = root.getKey("/DSS");
        // VRI (EN 319 142-1 5.4.2.3): per signature, keyed by the SHA-1 of its /Contents CMS.
        std::map<std::string, std::string> vri_set;
        const std::string entry = "<< /Cert " + array_text(Handle::newNull(), certs) + " /OCSP " +
                                  array_text(Handle::newNull(), ocsp) + " /CRL " +
                                  array_text(Handle::newNull(), crls) + " >>";
        for (const auto& f : signature_fields(doc)) {
            if (f.document_timestamp || f.problem) continue;
            const auto tlv = der::read(f.contents);
            const auto end = tlv ? tlv->all.size() : f.contents.size();
            unsigned char sha1[SHA_DIGEST_LENGTH];
            SHA1(f.contents.data(), end, sha1);
            vri_set["/" + hex(sha1)] = entry;
        }
        Handle vri = dss.getKey("/VRI");
        const std::string body =
            dict_text(dss, {{"/Certs", array_text(dss.getKey("/Certs"), certs)},
                            {"/OCSPs", array_text(dss.getKey("/OCSPs"), ocsp)},
                            {"/CRLs", array_text(dss.getKey("/CRLs"), crls)},
                            {"/VRI", dict_text(vri, vri_set)}});
        if (dss.isDictionary() && dss.isIndirect()) {
            update.object(dss.getObjGen(), body);
        } else {
            const int number = update.reserve();
            update.object(number, 0, body);
            update.object(root.getObjGen(), dict_text(root, {{"/DSS", ref(number)}}));
        }
        result = std::move(update).finish();
    });
    return result;
}

}  // namespace ltsign::pdf
