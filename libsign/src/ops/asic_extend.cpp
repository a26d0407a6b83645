// Extending a container (EN 319 162-1 with EN 319 122-1 / 132-1): its CAdES and XAdES signatures
// are raised in place by the registry's hooks for their formats, over the container's documents;
// a container that holds only a time-stamp is renewed with an ASiCArchiveManifest and a new
// time-stamp over it and everything before it. The same rules as extend_signature: refused when
// the container does not validate, never a result that verifies worse.
#include "asic/zip_writer.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ltsign/container.hpp"
#include "ltsign/language.hpp"
#include "ops/container.hpp"
#include "ops/services.hpp"
#include "validation/services.hpp"
#include "xml/xades.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

using asic::Role;

class Extension {
  public:
    Extension(const asic::Container& c, const ExtendOptions& options,
              const ValidationContext& context)
        : m_c(c), m_options(options), m_context(context) {}

    // The verdict on the container as it is now (with what was changed so far), and which entry
    // holds each of its signature reports.
    FileReport verify(std::vector<std::string>* holders = nullptr) const {
        ops::Evidence ev = ops::container_evidence(m_c, m_meta);
        if (holders != nullptr) {
            for (const auto& item : ev.container->signature_items) holders->push_back(item.entry);
        }
        FileReport r;
        r.path = m_c.zip().path();
        r.format = ev.format;
        // At its own time (unless the context fixes one): a time-stamp added since is later
        // than a time taken before it was asked for.
        ops::judge_container(ev, r.path, m_context, validation::validation_time_of(m_context), r);
        ops::summarise(r);
        return r;
    }

    std::vector<std::string> signature_entries() const {
        std::vector<std::string> out;
        for (Role role : {Role::xades, Role::cades}) {
            for (const auto* e : m_c.entries_of(role)) out.push_back(e->name);
        }
        return out;
    }

    // Level T where it is missing; false when every signature has it already.
    bool add_timestamps() {
        bool added = false;
        for (const auto& name : signature_entries()) {
            try {
                m_meta[name] = entry_for(name).extend(input(name), *m_options.tsa);
                added = true;
            } catch (const Error& e) {
                if (e.code() != Errc::usage) throw;  // this one is at T already
            }
        }
        return added;
    }

    void add_validation_data() {
        std::vector<std::string> holders;
        const FileReport now = verify(&holders);
        for (const auto& name : signature_entries()) {
            validation::ValidationData data;
            for (std::size_t i = 0; i < holders.size(); ++i) {
                if (holders[i] == name) ops::collect_validation_data(now.signatures[i], data);
            }
            m_meta[name] = entry_for(name).add_validation_data(input(name), data);
        }
    }

    void add_archive_timestamps() {
        const EVP_MD* md = crypto::evp_md(m_options.tsa->digest);
        for (const auto& name : signature_entries()) {
            const ops::Input in = input(name);
            if (asic::role_of(name) == Role::xades) {
                m_meta[name] = xml::add_archive_timestamp(*in.bytes, in.what, m_c.data_objects(),
                                                          md, ops::token_source(*m_options.tsa));
            } else {
                const auto document = signed_document(name);
                m_meta[name] = entry_for(name).add_archive_timestamp(in, &document, *m_options.tsa);
            }
        }
    }

    // EN 319 162-1 (ASiCArchiveManifest): a new time-stamp over a manifest of every entry, the
    // earlier manifests and time-stamps included.
    void add_archive_manifest() {
        const EVP_MD* md = crypto::evp_md(m_options.tsa->digest);
        std::vector<std::string> taken;
        for (const auto& [name, bytes] : m_meta) taken.push_back(name);
        const std::string manifest =
            asic::free_name(&m_c.zip(), taken, "ASiCArchiveManifest", ".xml");
        const std::string stamp = asic::free_name(&m_c.zip(), taken, "timestamp", ".tst");
        validation::DataObjects covered;
        for (const auto& e : m_c.zip().entries()) {
            const Role r = asic::role_of(e.name);
            if (r != Role::mimetype && r != Role::folder) covered.push_back(m_c.object(e));
        }
        const core::Bytes xml = asic::write_manifest(stamp, "application/vnd.etsi.timestamp-token",
                                                     covered, crypto::digest_name(md));
        m_meta[stamp] = ops::token_source(*m_options.tsa)(md, crypto::digest_bytes(md, xml));
        m_meta[manifest] = xml;
    }

    const ops::EntryOverrides& changes() const { return m_meta; }

  private:
    const ops::FormatEntry& entry_for(const std::string& name) const {
        const std::string_view wanted =
            asic::role_of(name) == Role::xades ? "xml-signature" : "cms";
        for (const auto& f : ops::formats()) {
            if (f.name == wanted) return f;
        }
        throw Error(Errc::internal, trf("no format entry for {0}", {name}));
    }

    ops::Input input(const std::string& name) const {
        core::Bytes bytes;
        if (auto it = m_meta.find(name); it != m_meta.end()) {
            bytes = it->second;
        } else {
            bytes = m_c.zip().read(*m_c.zip().find(name), core::k_max_signature_file);
        }
        return {m_c.zip().path(), m_c.what() + ": " + name,
                std::make_shared<const core::Bytes>(std::move(bytes)), false};
    }

    // What a CAdES signature signs: the document (ASiC-S), or the ASiCManifest naming it.
    validation::DataObject signed_document(const std::string& name) const {
        if (m_c.kind() == asic::Kind::asic_s) return m_c.data_objects().front();
        for (const auto* e : m_c.entries_of(Role::manifest)) {
            const core::Bytes bytes = m_c.zip().read(*e, core::k_max_signature_file);
            if (asic::entry_name_of(asic::parse_manifest(bytes, e->name).signature_uri) == name)
                return validation::DataObject::from_bytes(e->name, bytes);
        }
        throw Error(Errc::malformed_input,
                    trf("{0}: no ASiCManifest names {1}", {m_c.what(), name}));
    }

    const asic::Container& m_c;
    const ExtendOptions& m_options;
    const ValidationContext& m_context;
    ops::EntryOverrides m_meta;
};

bool below_t(const FileReport& r) {
    for (const auto& s : r.signatures) {
        if (s.type == EntryType::signature &&
            (s.level == SignatureLevel::b_b || s.level == SignatureLevel::xades_bes ||
             s.level == SignatureLevel::cms || s.level == SignatureLevel::xmldsig)) {
            return true;
        }
    }
    return false;
}

void raise(Extension& x, const ExtendOptions& options, const FileReport& before,
           const std::string& what) {
    const bool signatures = !x.signature_entries().empty();
    if (options.level == Level::t || (options.level != Level::t && below_t(before))) {
        if (!x.add_timestamps() && options.level == Level::t) {
            throw Error(Errc::usage,
                        trf("{0}: every signature in it has a time-stamp already", {what}));
        }
    }
    if (options.level == Level::t) return;
    if (!signatures) {
        if (options.level != Level::lta) {
            throw Error(
                Errc::usage,
                trf("{0}: a container holding only a time-stamp has no place for validation data; "
                    "extend it to LTA, which renews it with an archive manifest",
                    {what}));
        }
        x.add_archive_manifest();
        return;
    }
    x.add_validation_data();
    if (options.level != Level::lta) return;
    x.add_archive_timestamps();
    x.add_validation_data();
}

}  // namespace

ContainerExtendResult extend_container(const fs::path& container, const fs::path& target,
                                       const ExtendOptions& options,
                                       const ValidationContext& context, bool overwrite) {
    const std::string what = container.string();
    if (options.level == Level::b || options.level == Level::ers)
        throw Error(Errc::usage, tr("a container is extended to T, LT or LTA"));
    if (!options.tsa && options.level != Level::lt)
        throw Error(Errc::usage, tr("extending to T or LTA needs a TSA"), Remedy::tsa);
    const auto c = asic::Container::open(container, what);
    Extension x(c, options, context);
    ContainerExtendResult result;
    result.before = x.verify();
    if (ops::already_at(options.level, result.before)) {
        result.already_at_level = true;
        return result;
    }
    const std::string why = ops::extend_refusal(options.level, result.before);
    if (!why.empty() && !options.force) {
        result.refusal =
            trf("{0} does not validate ({1}); extending it would carry forward signatures that "
                "prove nothing",
                {what, why});
        return result;
    }
    raise(x, options, result.before, what);
    result.after = x.verify();
    if (result.before.indication == Indication::total_passed) {
        if (auto bad = ops::long_term_refusal_of(result.after); !bad.empty()) {
            throw Error(Errc::service_unavailable,
                        trf("{0}: what the TSA gave does not validate with the context given "
                            "({1}); nothing was written",
                            {what, bad}));
        }
    }
    if (severity(result.after.indication) > severity(result.before.indication)) {
        throw Error(Errc::internal, trf("{0}: the extended container would verify worse ({1}) than "
                                        "the original; nothing was written",
                                        {what, std::string(to_string(result.after.indication))}));
    }
    core::StagedFile staged(target, overwrite);
    std::vector<asic::NewEntry> entries;
    for (const auto& e : c.zip().entries()) {
        if (asic::role_of(e.name) == Role::mimetype) continue;
        const auto it = x.changes().find(e.name);
        entries.push_back(it != x.changes().end() ? asic::NewEntry::of_bytes(e.name, it->second)
                                                  : asic::NewEntry::copy_of(c.zip(), e));
    }
    for (const auto& [name, bytes] : x.changes()) {
        if (c.zip().find(name) == nullptr) entries.push_back(asic::NewEntry::of_bytes(name, bytes));
    }
    asic::write_container(staged.path(), target.string(), asic::mimetype_of(c.kind()), entries);
    staged.commit();
    result.written = true;
    return result;
}

}  // namespace ltsign
