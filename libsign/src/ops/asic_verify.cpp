// ASiC containers in the format registry (EN 319 162-1): each signature, time-stamp and evidence
// record inside is extracted by the registry's own entry for its format, against the container's
// entries as data objects (streamed from the archive); the ASiCManifests say what a CAdES
// signature, a time-stamp or a record covers, and their digests are checked here.
#include <algorithm>
#include <fstream>
#include <set>

#include "core/text.hpp"
#include "ers/verify_record.hpp"
#include "ltsign/language.hpp"
#include "ops/container.hpp"
#include "validation/evidence.hpp"

namespace ltsign::ops {
namespace {

using asic::Role;

// The container as an operation sees it: the archive's entries, with some META-INF entries
// replaced or added in memory.
class View {
  public:
    View(const asic::Container& c, const EntryOverrides& overrides)
        : m_c(c), m_overrides(overrides) {}

    const asic::Container& container() const { return m_c; }

    std::vector<std::string> names(Role role) const {
        std::vector<std::string> out;
        for (const auto* e : m_c.entries_of(role)) out.push_back(e->name);
        for (const auto& [name, bytes] : m_overrides) {
            if (asic::role_of(name) == role && m_c.zip().find(name) == nullptr) out.push_back(name);
        }
        return out;
    }

    core::Bytes bytes(const std::string& name) const {
        if (auto it = m_overrides.find(name); it != m_overrides.end()) return it->second;
        const auto* e = m_c.zip().find(name);
        if (e == nullptr) throw Error(Errc::internal, trf("{0} is not in the container", {name}));
        return m_c.zip().read(*e, core::k_max_signature_file);
    }

    std::optional<validation::DataObject> object(const std::string& name) const {
        if (auto it = m_overrides.find(name); it != m_overrides.end())
            return validation::DataObject::from_bytes(name, it->second);
        if (const auto* e = m_c.zip().find(name); e != nullptr && !e->directory)
            return m_c.object(*e);
        return std::nullopt;
    }

    Input input(const std::string& name) const {
        return {m_c.zip().path(), m_c.what() + ": " + name,
                std::make_shared<const core::Bytes>(bytes(name)), false};
    }

  private:
    const asic::Container& m_c;
    const EntryOverrides& m_overrides;
};

const FormatEntry& entry_named(std::string_view name) {
    for (const auto& f : formats()) {
        if (f.name == name) return f;
    }
    throw Error(Errc::internal, trf("no format entry {0}", {std::string(name)}));
}

// A manifest as read: its name, content and what it says; or why it could not be read.
struct ReadManifest {
    std::string name;
    core::Bytes bytes;
    asic::Manifest manifest;
};

struct Manifests {
    std::vector<ReadManifest> read;
    std::vector<std::string> problems;

    const ReadManifest* naming(const std::string& signature) const {
        for (const auto& m : read) {
            if (asic::entry_name_of(m.manifest.signature_uri) == signature) return &m;
        }
        return nullptr;
    }
};

Manifests read_manifests(const View& view, Role role) {
    Manifests out;
    for (const auto& name : view.names(role)) {
        try {
            core::Bytes bytes = view.bytes(name);
            auto m = asic::parse_manifest(bytes, name);
            out.read.push_back({name, std::move(bytes), std::move(m)});
        } catch (const Error& e) {
            if (e.code() != Errc::malformed_input) throw;
            out.problems.push_back(e.what());
        }
    }
    return out;
}

std::vector<std::string> covered_names(const asic::Manifest& m) {
    std::vector<std::string> out;
    for (const auto& r : m.references) out.push_back(asic::entry_name_of(r.uri));
    return out;
}

// Each DataObjectReference against the entry it names: the first mismatch (a changed entry), else
// the first entry that cannot be checked (missing, unknown digest), else passed.
validation::CheckResult check_references(const View& view, const ReadManifest& m) {
    validation::CheckResult missing{validation::Check::passed, ""};
    for (const auto& r : m.manifest.references) {
        const std::string name = asic::entry_name_of(r.uri);
        const auto object = view.object(name);
        const EVP_MD* md =
            r.digest_algorithm.empty() ? nullptr : EVP_get_digestbyname(r.digest_algorithm.c_str());
        if (!object || md == nullptr) {
            if (missing.status == validation::Check::passed) {
                missing = {validation::Check::not_possible,
                           !object ? trf("the entry \"{0}\" that {1} lists is not in the container",
                                         {core::printable(name), m.name})
                                   : trf("{0} names an unknown digest algorithm for \"{1}\"",
                                         {m.name, core::printable(name)})};
            }
            continue;
        }
        if (*object->digest(md) != r.digest) {
            return {validation::Check::failed, trf("the entry \"{0}\" does not match its digest in "
                                                   "{1}: it has changed since it was signed",
                                                   {core::printable(name), m.name})};
        }
    }
    return missing;
}

validation::SignatureFacts broken(EntryType type, std::string why) {
    validation::SignatureFacts f;
    f.type = type;
    f.is_timestamp = type != EntryType::signature;
    f.format_problem = std::move(why);
    return f;
}

std::string no_manifest(const std::string& name, const Manifests& manifests) {
    std::string why =
        trf("no ASiCManifest names {0} as its SigReference, so what it covers cannot be told (EN "
            "319 162-1 4.4.3.2)",
            {name});
    for (const auto& p : manifests.problems) why += "; " + p;
    return why;
}

struct Extraction {
    const View& view;
    Evidence evidence;
    ContainerEvidence* ce = nullptr;
    Manifests manifests;          // ASiCManifest*.xml
    Manifests archive_manifests;  // ASiCArchiveManifest*.xml
    validation::DataObjects entries;
};

void add_signatures(Extraction& x, const std::string& name, Evidence found,
                    const std::vector<std::string>& covers) {
    for (auto& f : found.signatures) {
        ContainerItem item{name, covers};
        if (covers.empty()) {
            for (const auto& d : f.signed_data) {
                if (d.target.starts_with("entry ")) item.covers.push_back(d.target.substr(6));
            }
        }
        x.evidence.signatures.push_back(std::move(f));
        x.ce->signature_items.push_back(std::move(item));
    }
}

void extract_xades(Extraction& x, const std::string& name) {
    try {
        // ASiC-S signs its one data object (EN 319 162-1 4.3.3.2), whatever name the reference
        // gives it; ASiC-E references name their entries.
        const bool asic_s = x.view.container().kind() == asic::Kind::asic_s;
        add_signatures(x, name,
                       entry_named("xml-signature")
                           .extract(x.view.input(name),
                                    asic_s ? x.view.container().data_objects() : x.entries),
                       {});
    } catch (const Error& e) {
        if (e.code() != Errc::malformed_input) throw;
        x.evidence.signatures.push_back(broken(EntryType::signature, e.what()));
        x.ce->signature_items.push_back({name, {}});
    }
}

// A CAdES signature: over the one data object (ASiC-S), or over the ASiCManifest that names it
// (ASiC-E), whose references are then checked one by one.
void extract_cades(Extraction& x, const std::string& name) {
    const bool asic_s = x.view.container().kind() == asic::Kind::asic_s;
    const ReadManifest* m = x.manifests.naming(name);
    if (!asic_s && m == nullptr) {
        x.evidence.signatures.push_back(
            broken(EntryType::signature, no_manifest(name, x.manifests)));
        x.ce->signature_items.push_back({name, {}});
        return;
    }
    validation::DataObjects document;
    std::vector<std::string> covers;
    if (m != nullptr) {
        document.push_back(validation::DataObject::from_bytes(m->name, m->bytes));
        covers = covered_names(m->manifest);
    } else {
        document.push_back(x.view.container().data_objects().front());
        covers.push_back(document.front().name());
    }
    try {
        Evidence found = entry_named("cms").extract(x.view.input(name), document);
        if (m != nullptr) {
            const auto refs = check_references(x.view, *m);
            for (auto& f : found.signatures) {
                if (f.data_digest.status == validation::Check::passed &&
                    refs.status != validation::Check::passed) {
                    f.data_digest = refs;
                }
            }
        }
        add_signatures(x, name, std::move(found), covers);
    } catch (const Error& e) {
        if (e.code() != Errc::malformed_input) throw;
        x.evidence.signatures.push_back(broken(EntryType::signature, e.what()));
        x.ce->signature_items.push_back({name, covers});
    }
}

// A time-stamp token over `document`, its imprint failing when the manifest's references do.
validation::SignatureFacts token_over(Extraction& x, const std::string& name,
                                      const validation::DataObject& document,
                                      const ReadManifest* m) {
    try {
        Evidence found = entry_named("cms").extract(x.view.input(name), {document});
        if (!found.timestamp_token || found.signatures.size() != 1) {
            return broken(EntryType::timestamp,
                          trf("{0} is not an RFC 3161 time-stamp token", {name}));
        }
        validation::SignatureFacts f = std::move(found.signatures.front());
        if (m != nullptr && f.imprint.status == validation::Check::passed) {
            const auto refs = check_references(x.view, *m);
            if (refs.status != validation::Check::passed) f.imprint = refs;
        }
        return f;
    } catch (const Error& e) {
        if (e.code() != Errc::malformed_input) throw;
        return broken(EntryType::timestamp, e.what());
    }
}

void extract_token(Extraction& x, const std::string& name) {
    if (x.archive_manifests.naming(name) != nullptr) return;  // an archive time-stamp
    const ReadManifest* m = x.manifests.naming(name);
    const bool asic_s = x.view.container().kind() == asic::Kind::asic_s;
    if (m != nullptr) {
        x.ce->tokens.push_back(
            token_over(x, name, validation::DataObject::from_bytes(m->name, m->bytes), m));
        x.ce->token_items.push_back({name, covered_names(m->manifest)});
    } else if (asic_s) {
        const auto data = x.view.container().data_objects().front();
        x.ce->tokens.push_back(token_over(x, name, data, nullptr));
        x.ce->token_items.push_back({name, {data.name()}});
    } else {
        x.ce->tokens.push_back(broken(EntryType::timestamp, no_manifest(name, x.manifests)));
        x.ce->token_items.push_back({name, {}});
    }
}

// An evidence record: over the entries its ASiCEvidenceRecordManifest lists (a data-object
// group), else over the data objects (ASiC-S: the one).
void extract_records(Extraction& x) {
    const Manifests manifests = read_manifests(x.view, Role::record_manifest);
    for (const auto& name : x.view.names(Role::evidence_record)) {
        const ReadManifest* m = manifests.naming(name);
        validation::DataObjects objects;
        std::vector<std::string> covers;
        std::vector<Note> notes;
        if (m != nullptr) {
            covers = covered_names(m->manifest);
            for (const auto& c : covers) {
                if (auto o = x.view.object(c)) objects.push_back(*o);
            }
            const auto refs = check_references(x.view, *m);
            if (refs.status != validation::Check::passed)
                notes.push_back({NoteCode::container_layout, refs.detail});
        } else {
            objects = x.view.container().data_objects();
            for (const auto& o : objects) covers.push_back(o.name());
        }
        const Input in = x.view.input(name);
        auto facts = ers::record_facts(decode_record(in), objects);
        facts.notes.insert(facts.notes.end(), notes.begin(), notes.end());
        // A record holds digests: which name each document had is not part of what it proves
        // (the manifest naming them is covered by nothing), unlike a signature's manifest.
        facts.notes.push_back({NoteCode::record_summary,
                               tr("the record proves the content of the entries it covers, not "
                                  "their names: an entry renamed since would still pass")});
        x.ce->records.push_back(std::move(facts));
        x.ce->record_items.push_back({name, covers});
    }
}

// Which entries each archive manifest covers, directly or through the time-stamps of older
// archive manifests it covers (EN 319 162-1 A.7: each renewal covers the previous ones).
std::vector<std::set<std::string>> archive_coverage(const Manifests& archives) {
    std::vector<std::set<std::string>> covers;
    for (const auto& m : archives.read) {
        const auto names = covered_names(m.manifest);
        covers.emplace_back(names.begin(), names.end());
    }
    for (bool grew = true; grew;) {
        grew = false;
        for (std::size_t i = 0; i < covers.size(); ++i) {
            for (std::size_t j = 0; j < covers.size(); ++j) {
                const auto tst = asic::entry_name_of(archives.read[j].manifest.signature_uri);
                if (i == j || covers[i].count(tst) == 0) continue;
                for (const auto& n : covers[j]) grew |= covers[i].insert(n).second;
            }
        }
    }
    return covers;
}

// Archive manifests' time-stamps become archive time-stamps of each signature and lone token they
// cover, which the engine judges as it judges CAdES archive time-stamps.
void attach_archive_stamps(Extraction& x) {
    const auto covers = archive_coverage(x.archive_manifests);
    auto attach = [&](validation::SignatureFacts& holder, const std::string& entry) {
        for (std::size_t i = 0; i < covers.size(); ++i) {
            if (covers[i].count(entry) == 0) continue;
            const auto& m = x.archive_manifests.read[i];
            auto ats = token_over(x, asic::entry_name_of(m.manifest.signature_uri),
                                  validation::DataObject::from_bytes(m.name, m.bytes), &m);
            ats.type = EntryType::archive_timestamp;
            holder.archive_timestamps.push_back(std::move(ats));
        }
        if (!holder.archive_timestamps.empty() && holder.level == SignatureLevel::b_lt)
            holder.level = SignatureLevel::b_lta;
    };
    for (std::size_t i = 0; i < x.evidence.signatures.size(); ++i)
        attach(x.evidence.signatures[i], x.ce->signature_items[i].entry);
    for (std::size_t i = 0; i < x.ce->tokens.size(); ++i)
        attach(x.ce->tokens[i], x.ce->token_items[i].entry);
}

void list_entries(Extraction& x) {
    const auto& c = x.view.container();
    for (const auto* e : c.entries_of(Role::data)) x.ce->entries.push_back({e->name, e->size, {}});
    for (const auto* e : c.entries_of(Role::other)) {
        x.ce->notes.push_back(
            {NoteCode::not_checked, trf("the entry \"{0}\" in META-INF is not one EN 319 162-1 "
                                        "defines for signatures; it was not examined",
                                        {core::printable(e->name)})});
    }
}

}  // namespace

bool is_zip(std::span<const unsigned char> b) {
    return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

std::shared_ptr<const core::Bytes> zip_head(const std::filesystem::path& path) {
    core::Bytes head = core::read_head(path, 4);
    if (head.size() != 4 || !is_zip(head)) return nullptr;
    return std::make_shared<const core::Bytes>(std::move(head));
}

Evidence container_evidence(const asic::Container& c, const EntryOverrides& overrides) {
    const View view(c, overrides);
    Extraction x{view,
                 {},
                 nullptr,
                 read_manifests(view, Role::manifest),
                 read_manifests(view, Role::archive_manifest),
                 {}};
    x.evidence.container = std::make_shared<ContainerEvidence>();
    x.ce = x.evidence.container.get();
    x.ce->format = c.kind() == asic::Kind::asic_s ? FileFormat::asic_s : FileFormat::asic_e;
    x.evidence.format = x.ce->format;
    x.ce->notes = c.notes();
    for (const auto& e : c.zip().entries()) {
        const Role r = asic::role_of(e.name);
        if (r != Role::mimetype && r != Role::folder) x.entries.push_back(c.object(e));
    }
    for (const auto& name : view.names(Role::xades)) extract_xades(x, name);
    for (const auto& name : view.names(Role::cades)) extract_cades(x, name);
    for (const auto& name : view.names(Role::timestamp)) extract_token(x, name);
    extract_records(x);
    attach_archive_stamps(x);
    list_entries(x);
    return std::move(x.evidence);
}

Evidence container_evidence(const Input& input) {
    return container_evidence(asic::Container::open(input.path, input.what), {});
}

}  // namespace ltsign::ops
