#include "pdf/pdf_file.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::pdf {
namespace {

// Form fields nest (/Kids); deeper than this is no real form.
constexpr int k_max_field_depth = 32;
// More fields than this is no document an archive signs; the walk stops there.
constexpr std::size_t k_max_fields = 10000;
// Each signature costs a parse of its revision and a comparison with the file.
constexpr std::size_t k_max_signatures = 100;
// DSS entries: more than this many certificates, CRLs or responses is no genuine store.
constexpr std::size_t k_max_dss_items = 5000;
// Decoded sizes: one DSS entry, all of them, the XMP metadata, one object stream, all of them.
constexpr std::size_t k_max_dss_item = 8u << 20;
constexpr std::size_t k_max_dss_total = 128u << 20;
constexpr std::size_t k_max_xmp = 8u << 20;
constexpr std::size_t k_max_object_stream = 64u << 20;
constexpr std::size_t k_max_object_streams = 512u << 20;

// Collects a stream's decoded bytes up to a limit, then stops the decoding.
class Limited : public Pipeline {
  public:
    explicit Limited(std::size_t limit) : Pipeline("ltsign-limited", nullptr), m_limit(limit) {}
    void write(unsigned char const* data, size_t len) override {
        if (len > m_limit - m_out.size()) {
            over = true;
            throw std::length_error("over the limit");
        }
        m_out.insert(m_out.end(), data, data + len);
    }
    void finish() override {}
    core::Bytes take() { return std::move(m_out); }
    bool over = false;

  private:
    std::size_t m_limit;
    core::Bytes m_out;
};

std::string first_line(const char* text) {
    std::string s(text);
    auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
}

bool is_hex(unsigned char c) {
    return std::isxdigit(c) != 0;
}
bool is_pdf_space(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

// Where the hex string starting at `start` ends (just after its '>'); nullopt when the bytes there
// are no hex string.
std::optional<std::size_t> hex_string_end(std::span<const unsigned char> file, std::size_t start) {
    if (start + 1 >= file.size() || file[start] != '<' || file[start + 1] == '<') return {};
    for (std::size_t i = start + 1; i < file.size(); ++i) {
        if (file[i] == '>') return i + 1;
        if (!is_hex(file[i]) && !is_pdf_space(file[i])) return {};
    }
    return {};
}

// The byte range as integers; a problem when it is no array of integers.
std::optional<std::string> read_byte_range(QPDFObjectHandle v, SignatureField& f) {
    auto br = v.getKey("/ByteRange");
    if (!br.isArray()) return tr("the signature dictionary has no /ByteRange array");
    if (br.getArrayNItems() > 64) return tr("the /ByteRange has more than 64 numbers");
    for (auto item : br.aitems()) {
        if (!item.isInteger()) return tr("the /ByteRange holds something other than integers");
        f.byte_range.push_back(item.getIntValue());
    }
    return std::nullopt;
}

// The /Contents string and where it lies in the file: the dictionary must be an indirect object
// stored directly in the file (not in an object stream), so that offsets mean file offsets.
using XRef = std::map<QPDFObjGen, QPDFXRefEntry>;

std::optional<std::string> read_contents(Document& doc, const XRef& xref, QPDFObjectHandle v,
                                         SignatureField& f) {
    auto contents = v.getKey("/Contents");
    if (!contents.isString()) return tr("the signature dictionary has no /Contents string");
    const std::string value = contents.getStringValue();
    f.contents = core::Bytes(value.begin(), value.end());
    if (!v.isIndirect()) return tr("the signature dictionary is not an indirect object");
    auto entry = xref.find(v.getObjGen());
    if (entry == xref.end() || entry->second.getType() != 1) {
        return tr(
            "the signature dictionary lies in an object stream, where byte ranges cannot locate "
            "its /Contents");
    }
    auto offset = contents.getParsedOffset();
    if (offset < 0) return tr("the position of the /Contents string is unknown");
    auto start = static_cast<std::size_t>(offset);
    auto end = hex_string_end(doc.bytes(), start);
    if (!end) return tr("the /Contents of the signature dictionary is not a hexadecimal string");
    f.contents_span = std::make_pair(start, *end);
    return std::nullopt;
}

SignatureField read_signature(Document& doc, const XRef& xref, QPDFObjectHandle v,
                              const std::string& name) {
    SignatureField f;
    f.name = name;
    f.object = v.getObjGen();
    auto sub_filter = v.getKey("/SubFilter");
    if (sub_filter.isName()) f.sub_filter = sub_filter.getName().substr(1);
    auto type = v.getKey("/Type");
    f.document_timestamp =
        (type.isName() && type.getName() == "/DocTimeStamp") || f.sub_filter == "ETSI.RFC3161";
    f.signing_time = text_of(v.getKey("/M"));
    f.reason = text_of(v.getKey("/Reason"));
    f.location = text_of(v.getKey("/Location"));
    f.signer_name = text_of(v.getKey("/Name"));
    f.problem = read_byte_range(v, f);
    if (auto p = read_contents(doc, xref, v, f); p && !f.problem) f.problem = std::move(p);
    return f;
}

struct FieldWalk {
    Document& doc;
    XRef xref;
    std::set<QPDFObjGen> seen, values;
    std::vector<SignatureField> found;
    std::size_t visited = 0;

    void walk(QPDFObjectHandle field, const std::string& parent, std::string type, int depth) {
        if (!field.isDictionary() || depth > k_max_field_depth || ++visited > k_max_fields) return;
        if (field.isIndirect() && !seen.insert(field.getObjGen()).second) return;
        std::string name = parent;
        if (auto t = text_of(field.getKey("/T")); !t.empty())
            name = parent.empty() ? t : parent + "." + t;
        if (auto ft = field.getKey("/FT"); ft.isName()) type = ft.getName();
        auto value = field.getKey("/V");
        const bool known = value.isIndirect() && !values.insert(value.getObjGen()).second;
        if (type == "/Sig" && value.isDictionary() && !known) {
            if (found.size() == k_max_signatures) {
                throw Error(Errc::malformed_input,
                            trf("{0}: more than {1} signatures; ltsign verifies at most that many "
                                "in one PDF",
                                {doc.what(), std::to_string(k_max_signatures)}));
            }
            found.push_back(read_signature(doc, xref, value, name));
        } else if (type == "/Sig" && !value.isNull() && !value.isDictionary() && !known) {
            SignatureField f;
            f.name = name;
            f.problem = tr("the signature field's value is no signature dictionary");
            found.push_back(std::move(f));
        }
        auto kids = field.getKey("/Kids");
        if (!kids.isArray()) return;
        for (auto kid : kids.aitems()) walk(kid, name, type, depth + 1);
    }
};

void collect(QPDFObjectHandle array, std::set<QPDFObjGen>& seen, std::vector<core::Bytes>& out,
             std::size_t& total, const std::string& what) {
    if (!array.isArray()) return;
    for (auto item : array.aitems()) {
        if (!item.isStream() || out.size() >= k_max_dss_items) continue;
        if (item.isIndirect() && !seen.insert(item.getObjGen()).second) continue;
        out.push_back(decoded(item, k_max_dss_item, what + ": a DSS entry"));
        total += out.back().size();
        if (total > k_max_dss_total) {
            throw Error(Errc::malformed_input,
                        trf("{0}: the DSS holds more than {1} MiB; no genuine one does",
                            {what, std::to_string(k_max_dss_total >> 20)}));
        }
    }
}

// The value of an XMP property written as an attribute (pdfaid:part="2") or an element
// (<pdfaid:part>2</pdfaid:part>).
std::string xmp_value(const std::string& xmp, const std::string& property) {
    auto at = xmp.find(property);
    while (at != std::string::npos) {
        std::size_t i = at + property.size();
        while (i < xmp.size() && (xmp[i] == ' ' || xmp[i] == '=' || xmp[i] == '>')) ++i;
        if (i < xmp.size() && (xmp[i] == '"' || xmp[i] == '\'')) ++i;
        std::string value;
        while (i < xmp.size() && std::isalnum(static_cast<unsigned char>(xmp[i])) != 0)
            value += xmp[i++];
        if (!value.empty()) return value;
        at = xmp.find(property, at + 1);
    }
    return {};
}

}  // namespace

core::Bytes decoded(QPDFObjectHandle stream, std::size_t limit, const std::string& what) {
    Limited sink(limit);
    bool filtered = false;
    try {
        filtered = stream.pipeStreamData(&sink, 0, qpdf_dl_generalized, true);
    } catch (const std::length_error&) {
        sink.over = true;
    }
    if (sink.over) {
        throw Error(Errc::malformed_input,
                    trf("{0} decodes to more than {1} MiB; ltsign refuses it (a compression bomb?)",
                        {what, std::to_string(limit >> 20)}));
    }
    if (!filtered) throw Error(Errc::malformed_input, trf("{0} cannot be decoded", {what}));
    return sink.take();
}

const std::vector<std::string>& Document::warnings() {
    // Only damage found while reading (qpdf also warns when asked for a key of a non-dictionary,
    // which says nothing about the file); a /Size that is not one more than the highest object
    // number misleads no reader.
    for (const auto& w : m_qpdf->getWarnings()) {
        if (w.getErrorCode() != qpdf_e_damaged_pdf) continue;
        if (w.getMessageDetail().find("reported number of objects") != std::string::npos) continue;
        m_warnings.push_back(w.getMessageDetail());
    }
    return m_warnings;
}

namespace {

std::vector<std::string> find_ambiguities(Document& doc) {
    std::vector<std::string> out;
    std::map<int, int> generations;
    std::set<int> streams;
    for (const auto& [og, entry] : doc.qpdf().getXRefTable()) {
        if (entry.getType() == 0) continue;
        if (++generations[og.getObj()] == 2) {
            out.push_back("object " + std::to_string(og.getObj()) +
                          " is in use with two generations");
        }
        if (entry.getType() == 2) streams.insert(entry.getObjStreamNumber());
    }
    std::size_t total = 0;
    for (int number : streams) {
        auto stream = doc.qpdf().getObjectByID(number, 0);
        if (!stream.isStream()) continue;
        const auto data = decoded(stream, k_max_object_stream,
                                  doc.what() + ": object stream " + std::to_string(number));
        total += data.size();
        if (total > k_max_object_streams)
            throw Error(
                Errc::malformed_input,
                trf("{0}: its object streams decode to more than ltsign reads", {doc.what()}));
        auto n = stream.getDict().getKey("/N");
        const long long count = n.isInteger() ? n.getIntValue() : 0;
        // The header: count pairs "object-number offset".
        std::set<long long> listed;
        std::size_t i = 0;
        for (long long k = 0; k < count * 2 && i < data.size(); ++k) {
            while (i < data.size() && std::isspace(data[i]) != 0) ++i;
            long long value = 0;
            std::size_t digits = 0;
            while (i < data.size() && std::isdigit(data[i]) != 0 && digits++ < 12)
                value = value * 10 + (data[i++] - '0');
            if (digits == 0) break;
            if (k % 2 == 0 && !listed.insert(value).second) {
                out.push_back("object stream " + std::to_string(number) + " lists object " +
                              std::to_string(value) + " twice");
            }
        }
    }
    return out;
}

}  // namespace

std::string text_of(QPDFObjectHandle o) {
    return o.isString() ? o.getUTF8Value() : std::string();
}

void guarded(const std::string& what, const std::function<void()>& body) {
    try {
        body();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(Errc::malformed_input,
                    trf("{0}: a damaged PDF ({1})", {what, first_line(e.what())}));
    }
}

Document::Document(std::span<const unsigned char> bytes, const std::string& what)
    : m_bytes(bytes), m_what(what), m_qpdf(std::make_unique<QPDF>()) {
    m_qpdf->setSuppressWarnings(true);
    // A signed PDF is read as written: a file qpdf could only read by reconstructing its
    // cross-reference table is not the file that was signed.
    m_qpdf->setAttemptRecovery(false);
    try {
        m_qpdf->processMemoryFile(what.c_str(), reinterpret_cast<const char*>(bytes.data()),
                                  bytes.size());
    } catch (const std::exception& e) {
        throw Error(Errc::malformed_input,
                    trf("{0}: not a PDF ltsign can read ({1})", {what, first_line(e.what())}));
    }
    if (m_qpdf->isEncrypted()) {
        throw Error(Errc::malformed_input,
                    trf("{0}: an encrypted PDF; ltsign reads only unencrypted PDFs", {what}));
    }
    guarded(what, [&] { m_ambiguities = find_ambiguities(*this); });
}

Document::~Document() = default;

std::vector<std::size_t> revision_ends(std::span<const unsigned char> bytes) {
    std::vector<std::size_t> ends;
    static constexpr std::string_view eof = "%%EOF";
    const auto* begin = reinterpret_cast<const char*>(bytes.data());
    const std::string_view text(begin, bytes.size());
    for (auto at = text.find(eof); at != std::string_view::npos; at = text.find(eof, at + 1)) {
        std::size_t end = at + eof.size();
        if (end < text.size() && text[end] == '\r') ++end;
        if (end < text.size() && text[end] == '\n') ++end;
        ends.push_back(end);
    }
    return ends;
}

std::vector<SignatureField> signature_fields(Document& doc) {
    FieldWalk walk{doc, {}, {}, {}, {}, 0};
    guarded(doc.what(), [&] {
        walk.xref = doc.qpdf().getXRefTable();
        auto form = doc.qpdf().getRoot().getKey("/AcroForm");
        if (!form.isDictionary()) return;
        auto fields = form.getKey("/Fields");
        if (!fields.isArray()) return;
        for (auto field : fields.aitems()) walk.walk(field, "", "", 0);
    });
    // Writers that leave the new field out of /Fields (poppler's pdfsig does, with a direct
    // /AcroForm) still put its widget on a page, where readers find it: so does ltsign.
    guarded(doc.what(), [&] {
        for (auto page : doc.qpdf().getAllPages()) {
            auto annots = page.getKey("/Annots");
            if (!annots.isArray()) continue;
            for (auto annot : annots.aitems()) {
                auto subtype = annot.getKey("/Subtype");
                if (!subtype.isName() || subtype.getName() != "/Widget") continue;
                std::string type;
                auto up = annot;
                for (int depth = 0; up.isDictionary() && depth < k_max_field_depth && type.empty();
                     ++depth, up = up.getKey("/Parent")) {
                    if (up.getKey("/FT").isName()) type = up.getKey("/FT").getName();
                }
                walk.walk(annot, "", type, 0);
            }
        }
    });
    auto end_of = [](const SignatureField& f) {
        return f.byte_range.size() == 4 ? f.byte_range[2] + f.byte_range[3] : 0;
    };
    std::stable_sort(walk.found.begin(), walk.found.end(),
                     [&](const auto& a, const auto& b) { return end_of(a) < end_of(b); });
    return std::move(walk.found);
}

int docmdp_permission(Document& doc) {
    int p = 0;
    guarded(doc.what(), [&] {
        auto sig = doc.qpdf().getRoot().getKey("/Perms").getKey("/DocMDP");
        if (!sig.isDictionary()) return;
        p = 2;  // ISO 32000-2 12.8.2.2.2: P defaults to 2
        auto refs = sig.getKey("/Reference");
        if (!refs.isArray()) return;
        for (auto ref : refs.aitems()) {
            auto method = ref.getKey("/TransformMethod");
            if (!method.isName() || method.getName() != "/DocMDP") continue;
            auto value = ref.getKey("/TransformParams").getKey("/P");
            if (value.isInteger() && value.getIntValue() >= 1 && value.getIntValue() <= 3)
                p = static_cast<int>(value.getIntValue());
        }
    });
    return p;
}

validation::ValidationData dss_of(Document& doc) {
    validation::ValidationData data;
    guarded(doc.what(), [&] {
        auto dss = doc.qpdf().getRoot().getKey("/DSS");
        if (!dss.isDictionary()) return;
        std::set<QPDFObjGen> seen;
        std::size_t total = 0;
        collect(dss.getKey("/Certs"), seen, data.certificates, total, doc.what());
        collect(dss.getKey("/CRLs"), seen, data.crls, total, doc.what());
        collect(dss.getKey("/OCSPs"), seen, data.ocsp, total, doc.what());
        auto vri = dss.getKey("/VRI");
        if (!vri.isDictionary()) return;
        for (auto& [key, entry] : vri.ditems()) {
            if (!entry.isDictionary()) continue;
            collect(entry.getKey("/Cert"), seen, data.certificates, total, doc.what());
            collect(entry.getKey("/CRL"), seen, data.crls, total, doc.what());
            collect(entry.getKey("/OCSP"), seen, data.ocsp, total, doc.what());
        }
    });
    return data;
}

std::optional<std::string> pdfa_claim(Document& doc) {
    std::optional<std::string> claim;
    guarded(doc.what(), [&] {
        auto metadata = doc.qpdf().getRoot().getKey("/Metadata");
        if (!metadata.isStream()) return;
        auto bytes = decoded(metadata, k_max_xmp, doc.what() + ": the XMP metadata");
        const std::string xmp(bytes.begin(), bytes.end());
        auto part = xmp_value(xmp, "pdfaid:part");
        if (part.empty()) return;
        auto conformance = xmp_value(xmp, "pdfaid:conformance");
        std::transform(conformance.begin(), conformance.end(), conformance.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        claim = "PDF/A-" + part + conformance;
    });
    return claim;
}

}  // namespace ltsign::pdf
