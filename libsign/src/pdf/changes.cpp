#include "pdf/changes.hpp"
#include "ltsign/language.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace ltsign::pdf {
namespace {

// Object comparisons a file may ask for before it counts as too tangled to compare (and every
// change is then taken as undefined): far beyond what documents of thousands of pages need.
constexpr std::size_t k_compare_budget = 4'000'000;
constexpr int k_max_depth = 256;
constexpr int k_max_parent_depth = 64;

using Handle = QPDFObjectHandle;

// Structural equality of two objects of two parsings, references followed: what a reader shows
// is what the objects hold, whatever their numbers. Pairs under comparison are assumed equal
// (the object graph has cycles); a pair found different is remembered as such. Anchors (pages,
// page-tree nodes, annotations, form fields) are compared on their own, each by its kind's
// rules: reached through a reference from elsewhere (an outline's destination, the structure
// tree), an anchor is the same when it is the same object.
class Comparer {
  public:
    Comparer(std::set<QPDFObjGen> anchors_a, std::set<QPDFObjGen> anchors_b)
        : m_anchors_a(std::move(anchors_a)), m_anchors_b(std::move(anchors_b)) {}

    bool same(Handle a, Handle b, int depth = 0) {
        if (m_budget == 0 || depth > k_max_depth) {
            m_exhausted = true;
            return false;
        }
        --m_budget;
        const bool pair = a.isIndirect() && b.isIndirect();
        auto key = std::make_pair(pair ? a.getObjGen() : QPDFObjGen(),
                                  pair ? b.getObjGen() : QPDFObjGen());
        // Only an object that was a page, annotation or field when signed and still is one now:
        // anything else made an annotation or field afterwards (a font listed as an annotation
        // to be changed freely) is compared by its content.
        if (pair && key.first == key.second && m_anchors_a.count(key.first) != 0 &&
            m_anchors_b.count(key.second) != 0) {
            return true;
        }
        if (pair) {
            if (m_different.count(key) != 0) return false;
            if (!m_assumed.insert(key).second) return true;
        }
        const bool equal = same_value(a, b, depth);
        if (pair && !equal) {
            m_assumed.erase(key);
            m_different.insert(key);
        }
        return equal;
    }

    // Dictionaries equal but for `skip`.
    bool same_except(Handle a, Handle b, const std::set<std::string>& skip, int depth = 0) {
        if (!a.isDictionary() || !b.isDictionary()) return same(a, b, depth);
        auto keys = a.getKeys();
        auto more = b.getKeys();
        keys.insert(more.begin(), more.end());
        for (const auto& k : keys) {
            if (skip.count(k) != 0) continue;
            if (!same(a.getKey(k), b.getKey(k), depth + 1)) return false;
        }
        return true;
    }

    bool exhausted() const { return m_exhausted; }

  private:
    bool same_value(Handle a, Handle b, int depth) {
        auto type = a.getTypeCode();
        if (type != b.getTypeCode()) return false;
        switch (type) {
            case ::ot_null:
                return true;
            case ::ot_boolean:
                return a.getBoolValue() == b.getBoolValue();
            case ::ot_integer:
                return a.getIntValue() == b.getIntValue();
            case ::ot_real:
                return a.getRealValue() == b.getRealValue();
            case ::ot_name:
                return a.getName() == b.getName();
            case ::ot_string:
                return a.getStringValue() == b.getStringValue();
            case ::ot_array: {
                const int n = a.getArrayNItems();
                if (n != b.getArrayNItems()) return false;
                for (int i = 0; i < n; ++i) {
                    if (!same(a.getArrayItem(i), b.getArrayItem(i), depth + 1)) return false;
                }
                return true;
            }
            case ::ot_dictionary:
                return same_except(a, b, {}, depth);
            case ::ot_stream: {
                if (!same_except(a.getDict(), b.getDict(), {}, depth)) return false;
                auto x = a.getRawStreamData();
                auto y = b.getRawStreamData();
                return x->getSize() == y->getSize() &&
                       std::equal(x->getBuffer(), x->getBuffer() + x->getSize(), y->getBuffer());
            }
            case ::ot_operator:
            case ::ot_inlineimage:
                return a.unparse() == b.unparse();
            default:
                return false;  // reserved, unresolved, destroyed: nothing to vouch for
        }
    }

    std::set<QPDFObjGen> m_anchors_a, m_anchors_b;
    std::set<std::pair<QPDFObjGen, QPDFObjGen>> m_assumed, m_different;
    std::size_t m_budget = k_compare_budget;
    bool m_exhausted = false;
};

// A key for a form field or an annotation across the two parsings: its object number, or its
// position when it is a direct object (positions then stand for identity).
std::string identity(Handle o, const std::string& fallback) {
    return o.isIndirect() ? o.getObjGen().unparse(' ') : fallback;
}

struct Field {
    Handle dict;
    std::string name;
    std::string type;  // "/Sig", "/Tx", ... (inherited)
};

void walk_fields(Handle field, const std::string& parent, std::string type, const std::string& at,
                 int depth, std::map<std::string, Field>& out) {
    if (!field.isDictionary() || depth > k_max_parent_depth || out.size() > 10000) return;
    auto key = identity(field, at);
    if (out.count(key) != 0) return;
    std::string name = parent;
    if (auto t = text_of(field.getKey("/T")); !t.empty())
        name = parent.empty() ? t : parent + "." + t;
    if (auto ft = field.getKey("/FT"); ft.isName()) type = ft.getName();
    out[key] = {field, name, type};
    auto kids = field.getKey("/Kids");
    if (!kids.isArray()) return;
    int i = 0;
    for (auto kid : kids.aitems())
        walk_fields(kid, name, type, at + "/" + std::to_string(i++), depth + 1, out);
}

std::map<std::string, Field> fields_of(QPDF& pdf) {
    std::map<std::string, Field> out;
    auto fields = pdf.getRoot().getKey("/AcroForm").getKey("/Fields");
    if (!fields.isArray()) return out;
    int i = 0;
    for (auto f : fields.aitems()) walk_fields(f, "", "", std::to_string(i++), 0, out);
    return out;
}

// The objects compared by their own rules: pages and their tree, annotations, form fields.
std::set<QPDFObjGen> anchors_of(QPDF& pdf) {
    std::set<QPDFObjGen> out;
    for (auto page : pdf.getAllPages()) {
        out.insert(page.getObjGen());
        if (auto annots = page.getKey("/Annots"); annots.isArray()) {
            for (auto a : annots.aitems()) {
                if (a.isIndirect()) out.insert(a.getObjGen());
            }
        }
        for (int depth = 0; depth < k_max_parent_depth; ++depth) {
            page = page.getKey("/Parent");
            if (!page.isIndirect() || !out.insert(page.getObjGen()).second) break;
        }
    }
    for (auto& [key, field] : fields_of(pdf)) {
        if (field.dict.isIndirect()) out.insert(field.dict.getObjGen());
    }
    return out;
}

// A widget of a signature field, or another kind of field; "" for annotations that are no field.
std::string field_type(Handle annot) {
    for (int depth = 0; annot.isDictionary() && depth < k_max_parent_depth; ++depth) {
        if (auto ft = annot.getKey("/FT"); ft.isName()) return ft.getName();
        annot = annot.getKey("/Parent");
    }
    return {};
}

// A widget with an appearance on a rectangle of some size, whose field holds no signature: it
// shows whatever its appearance draws, and no signature vouches for it.
bool visible_but_unsigned(Handle widget) {
    Handle field = widget;
    for (int depth = 0; field.isDictionary() && depth < k_max_parent_depth; ++depth) {
        if (field.hasKey("/V") || field.hasKey("/FT")) break;
        field = field.getKey("/Parent");
    }
    if (field.isDictionary() && field.getKey("/V").isDictionary()) return false;
    if (!widget.getKey("/AP").isDictionary()) return false;
    auto rect = widget.getKey("/Rect");
    if (!rect.isArray() || rect.getArrayNItems() != 4) return false;
    double v[4] = {};
    for (int i = 0; i < 4; ++i) {
        auto item = rect.getArrayItem(i);
        if (!item.isNumber()) return false;
        v[i] = item.getNumericValue();
    }
    return v[0] != v[2] && v[1] != v[3];
}

bool is_widget(Handle annot) {
    auto subtype = annot.getKey("/Subtype");
    return subtype.isName() && subtype.getName() == "/Widget";
}

// The judge of each change by the permission the certification signature gives (ISO 32000-2
// 12.8.2.2.2). Without one, further signatures and annotations are permitted (a reader shows
// annotations as such, apart from the content), but not form filling: the values of the form
// are content the approval signature signed as it saw them, and a value changed later (as in the
// shadow "replace" attack) changes what the document shows.
struct Findings {
    int permission;  // DocMDP P (1..3), 0 when there is no certification signature
    std::vector<Change> list;

    void allowed(std::string what) { list.push_back({Change::Kind::allowed, std::move(what)}); }
    void undefined(std::string what) { list.push_back({Change::Kind::undefined, std::move(what)}); }
    void refused(std::string what) {
        undefined(what + (permission == 0
                              ? std::string(", which no certification signature permits")
                              : ", which the certification signature (DocMDP P=" +
                                    std::to_string(permission) + ") does not permit"));
    }
    void signing(std::string what) {
        if (permission != 1) return allowed(std::move(what));
        refused(std::move(what));
    }
    void form(std::string what) {
        if (permission >= 2) return allowed(std::move(what));
        refused(std::move(what));
    }
    void annotation(std::string what) {
        if (permission == 0 || permission == 3) return allowed(std::move(what));
        refused(std::move(what));
    }
    // An annotation that was there when signed, changed or removed: part of what was signed, so
    // only a certification signature with P=3 permits it.
    void annotation_edit(std::string what) {
        if (permission == 3) return allowed(std::move(what));
        refused(std::move(what));
    }
};

bool is_timestamp_value(Handle v) {
    auto type = v.getKey("/Type");
    return type.isName() && type.getName() == "/DocTimeStamp";
}

// The name trees (ISO 32000-2 7.7.4): named appearances of annotations (/AP) go with them; the
// others (JavaScript, embedded files, page templates, ...) change the document.
void compare_names(Comparer& cmp, Handle a, Handle b, Findings& out) {
    auto keys = a.isDictionary() ? a.getKeys() : std::set<std::string>{};
    if (b.isDictionary()) {
        const auto more = b.getKeys();
        keys.insert(more.begin(), more.end());
    }
    auto entry = [](Handle d, const std::string& k) {
        return d.isDictionary() ? d.getKey(k) : QPDFObjectHandle::newNull();
    };
    for (const auto& k : keys) {
        if (cmp.same(entry(a, k), entry(b, k))) continue;
        if (k == "/AP") {
            out.annotation(
                tr("named appearances of annotations (/Names /AP) were added or changed"));
        } else {
            out.undefined(trf("the document's name tree {0} (/Names) was changed", {k}));
        }
    }
}

void compare_catalog(Comparer& cmp, QPDF& a, QPDF& b, Findings& out) {
    auto ra = a.getRoot();
    auto rb = b.getRoot();
    auto keys = ra.getKeys();
    auto more = rb.getKeys();
    keys.insert(more.begin(), more.end());
    for (const auto& k : keys) {
        if (k == "/Pages" || k == "/AcroForm") continue;  // compared page by page, field by field
        if (cmp.same(ra.getKey(k), rb.getKey(k))) continue;
        if (k == "/DSS") {
            out.allowed(tr("validation data (DSS) was added or changed"));
        } else if (k == "/Extensions") {
            out.allowed(tr("the developer extensions (/Extensions) were changed"));
        } else if (k == "/Metadata") {
            out.allowed(tr("the document's XMP metadata was changed"));
        } else if (k == "/Names") {
            compare_names(cmp, ra.getKey(k), rb.getKey(k), out);
        } else {
            out.undefined(ra.getKey(k).isNull() ? trf("the document catalog's {0} was added", {k})
                          : rb.getKey(k).isNull()
                              ? trf("the document catalog's {0} was removed", {k})
                              : trf("the document catalog's {0} was changed", {k}));
        }
    }
    if (!cmp.same(a.getTrailer().getKey("/Info"), b.getTrailer().getKey("/Info")))
        out.allowed(tr("the document information dictionary (/Info) was changed"));
}

// The form's own entries: signing sets /SigFlags and may add default resources (/DR, /DA) for
// the new field's appearance; /NeedAppearances makes readers redraw every field; the rest (XFA,
// calculation order) changes the form.
void compare_form_settings(Comparer& cmp, Handle a, Handle b, Findings& out) {
    auto entry = [](Handle d, const std::string& k) {
        return d.isDictionary() ? d.getKey(k) : QPDFObjectHandle::newNull();
    };
    auto keys = a.isDictionary() ? a.getKeys() : std::set<std::string>{};
    if (b.isDictionary()) {
        const auto more = b.getKeys();
        keys.insert(more.begin(), more.end());
    }
    for (const auto& k : keys) {
        if (k == "/Fields" || cmp.same(entry(a, k), entry(b, k))) continue;
        if (k == "/SigFlags" || k == "/DR" || k == "/DA") {
            out.signing(trf("the form's {0} was set for a new signature field", {k}));
        } else if (k == "/NeedAppearances") {
            out.form(tr("the form's /NeedAppearances was changed (readers redraw every field)"));
        } else {
            out.undefined(trf("the form's {0} (/AcroForm) was changed", {k}));
        }
    }
}

void compare_fields(Comparer& cmp, QPDF& a, QPDF& b, Findings& out) {
    auto before = fields_of(a);
    auto after = fields_of(b);
    for (auto& [key, old] : before) {
        auto now = after.find(key);
        if (now == after.end()) {
            out.undefined(trf("form field {0} was removed", {old.name}));
            continue;
        }
        auto f = now->second;
        const std::set<std::string> value_keys{"/V", "/Kids", "/AP", "/AS", "/Parent", "/P"};
        if (!cmp.same_except(old.dict, f.dict, value_keys)) {
            out.undefined(trf("form field {0}'s definition was changed", {old.name}));
            continue;
        }
        auto v0 = old.dict.getKey("/V");
        auto v1 = f.dict.getKey("/V");
        if (!cmp.same(v0, v1)) {
            if (old.type == "/Sig" && v0.isNull()) {
                out.signing(trf("{0} was added in field {1}",
                                {std::string(is_timestamp_value(v1) ? tr("a document time-stamp")
                                                                    : tr("a signature")),
                                 f.name}));
            } else if (old.type == "/Sig") {
                out.undefined(trf("the signature in field {0} was replaced", {old.name}));
            } else {
                out.form(trf("form field {0} was filled in", {old.name}));
            }
        }
    }
    // The signature dictionaries of the signed revision: a new field may not claim one of them.
    std::set<QPDFObjGen> signed_values;
    for (auto& [key, old] : before) {
        auto v = old.dict.getKey("/V");
        if (v.isIndirect()) signed_values.insert(v.getObjGen());
    }
    for (auto& [key, f] : after) {
        if (before.count(key) != 0) continue;
        auto value = f.dict.getKey("/V");
        if (f.type == "/Sig" && value.isIndirect() && signed_values.count(value.getObjGen()) != 0) {
            out.undefined(trf("field {0} was added with the signature of another field", {f.name}));
        } else if (f.type == "/Sig" && visible_but_unsigned(f.dict)) {
            out.undefined(trf(
                "an unsigned signature field with a visible appearance ({0}) was added", {f.name}));
        } else if (f.type == "/Sig") {
            auto v = f.dict.getKey("/V");
            out.signing(trf("{0} was added in field {1}",
                            {std::string(is_timestamp_value(v) ? tr("a document time-stamp")
                                         : v.isNull()          ? tr("an empty signature field")
                                                               : tr("a signature")),
                             f.name}));
        } else if (!f.dict.getKey("/Parent").isNull() &&
                   before.count(identity(f.dict.getKey("/Parent"), "")) != 0) {
            out.form(trf("a widget of form field {0} was added", {f.name}));
        } else {
            out.undefined(trf("form field {0} was added", {f.name}));
        }
    }
    compare_form_settings(cmp, a.getRoot().getKey("/AcroForm"), b.getRoot().getKey("/AcroForm"),
                          out);
}

void compare_annotations(Comparer& cmp, Handle pa, Handle pb, int page, Findings& out) {
    std::map<std::string, Handle> before, after;
    int i = 0;
    if (auto list = pa.getKey("/Annots"); list.isArray()) {
        for (auto x : list.aitems()) before[identity(x, std::to_string(i++))] = x;
    }
    i = 0;
    if (auto list = pb.getKey("/Annots"); list.isArray()) {
        for (auto x : list.aitems()) after[identity(x, std::to_string(i++))] = x;
    }
    const std::string on = trf(" on page {0}", {std::to_string(page)});
    for (auto& [key, old] : before) {
        auto now = after.find(key);
        if (now == after.end()) {
            if (is_widget(old)) {
                out.undefined(trf("a form field's widget was removed{0}", {on}));
            } else {
                out.annotation_edit(trf("an annotation was removed{0}", {on}));
            }
            continue;
        }
        if (cmp.same_except(old, now->second, {"/P", "/Parent", "/V", "/AP", "/AS", "/Popup"})) {
            const bool shown_same = cmp.same(old.getKey("/V"), now->second.getKey("/V")) &&
                                    cmp.same(old.getKey("/AP"), now->second.getKey("/AP")) &&
                                    cmp.same(old.getKey("/AS"), now->second.getKey("/AS"));
            if (shown_same) continue;
            if (!is_widget(old)) {
                out.annotation_edit(trf("an annotation's appearance was changed{0}", {on}));
            } else if (field_type(old) == "/Sig") {
                out.signing(trf("a signature field's appearance was changed{0}", {on}));
            } else {
                out.form(trf("a form field was filled in or its appearance changed{0}", {on}));
            }
            continue;
        }
        if (is_widget(old)) {
            out.undefined(trf("a form field's widget was changed{0}", {on}));
        } else {
            out.annotation_edit(trf("an annotation was changed{0}", {on}));
        }
    }
    for (auto& [key, annot] : after) {
        if (before.count(key) != 0) continue;
        if (!is_widget(annot)) {
            out.annotation(trf("an annotation was added{0}", {on}));
        } else if (field_type(annot) == "/Sig" && visible_but_unsigned(annot)) {
            out.undefined(
                trf("an unsigned signature field with a visible appearance was added{0}", {on}));
        } else if (field_type(annot) == "/Sig") {
            out.signing(trf("a signature field's widget was added{0}", {on}));
        } else {
            out.form(trf("a form field's widget was added{0}", {on}));
        }
    }
}

// The attributes a page inherits from its parents (ISO 32000-2 7.7.3.4), taken into account as
// the page shows them.
Handle inherited(Handle page, const std::string& key) {
    for (int depth = 0; page.isDictionary() && depth < k_max_parent_depth; ++depth) {
        if (page.hasKey(key)) return page.getKey(key);
        page = page.getKey("/Parent");
    }
    return QPDFObjectHandle::newNull();
}

void compare_pages(Comparer& cmp, QPDF& a, QPDF& b, Findings& out) {
    const auto& pa = a.getAllPages();
    const auto& pb = b.getAllPages();
    if (pa.size() != pb.size()) {
        out.list.push_back({Change::Kind::pages, std::to_string(pa.size()) +
                                                     " page(s) were signed, the document now has " +
                                                     std::to_string(pb.size())});
    }
    const std::set<std::string> own{"/Annots", "/Parent"};
    for (std::size_t i = 0; i < std::min(pa.size(), pb.size()); ++i) {
        const int page = static_cast<int>(i) + 1;
        bool same = cmp.same_except(pa[i], pb[i], own);
        for (const char* key : {"/Resources", "/MediaBox", "/CropBox", "/Rotate"})
            same = same && cmp.same(inherited(pa[i], key), inherited(pb[i], key));
        if (!same)
            out.undefined(
                trf("page {0}'s content or resources were changed", {std::to_string(page)}));
        compare_annotations(cmp, pa[i], pb[i], page, out);
    }
}

}  // namespace

std::vector<Change> changes_after(Document& signed_revision, Document& current, int permission) {
    Findings out{permission, {}};
    std::optional<Comparer> made;
    guarded(current.what(),
            [&] { made.emplace(anchors_of(signed_revision.qpdf()), anchors_of(current.qpdf())); });
    Comparer& cmp = *made;
    guarded(current.what(), [&] {
        compare_catalog(cmp, signed_revision.qpdf(), current.qpdf(), out);
        compare_pages(cmp, signed_revision.qpdf(), current.qpdf(), out);
        compare_fields(cmp, signed_revision.qpdf(), current.qpdf(), out);
    });
    guarded(current.what(), [&] {
        // What qpdf read one way and other readers may read another.
        const auto& known = signed_revision.ambiguities();
        for (const auto& a : current.ambiguities()) {
            if (std::find(known.begin(), known.end(), a) == known.end())
                out.undefined(
                    trf("the file is ambiguous after it ({0}): PDF readers differ on it", {a}));
        }
        const auto& before = signed_revision.warnings();
        for (const auto& w : current.warnings()) {
            if (std::find(before.begin(), before.end(), w) == before.end()) {
                out.undefined(
                    trf("the file has a defect after it that PDF readers resolve differently ({0})",
                        {w}));
                break;
            }
        }
    });
    if (cmp.exhausted()) {
        out.undefined(
            tr("the changes are too many or too deeply nested to compare, so none of them can be "
               "vouched for"));
    }
    // The same change is often seen twice (a widget is both a field and an annotation).
    std::vector<Change> unique;
    for (auto& c : out.list) {
        const bool seen = std::any_of(unique.begin(), unique.end(), [&](const Change& u) {
            return u.kind == c.kind && u.what == c.what;
        });
        if (!seen) unique.push_back(std::move(c));
    }
    return unique;
}

}  // namespace ltsign::pdf
