// Making and changing ASiC containers (EN 319 162-1): signing, time-stamping, adding a signature,
// extending and sealing. Each writes a new archive under a hidden name beside its target
// (core::StagedFile), reads it back as verify would, and only then puts it in place: a failure
// leaves the target as it was. Documents are streamed into the archive, never held in memory.
#include <algorithm>
#include <set>

#include "asic/zip_writer.hpp"
#include "cms/cades_sign.hpp"
#include "cms/timestamp_token.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ers/embedded.hpp"
#include "ers/hash_tree.hpp"
#include "ers/record.hpp"
#include "ers/xml_record.hpp"
#include "ltsign/container.hpp"
#include "ltsign/language.hpp"
#include "ops/container.hpp"
#include "ops/services.hpp"
#include "tsp/tsp_client.hpp"
#include "validation/services.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

using asic::Role;

asic::Kind kind_of(ContainerType type) {
    return type == ContainerType::asic_s ? asic::Kind::asic_s : asic::Kind::asic_e;
}

// What a new archive holds: the entries of `source` (copied as they are, but for those `meta`
// replaces), new documents from files, and new META-INF entries.
struct Layout {
    asic::Kind kind = asic::Kind::asic_e;
    const asic::ZipArchive* source = nullptr;
    std::vector<std::pair<std::string, fs::path>> files;
    ops::EntryOverrides meta;
};

void write_layout(const fs::path& path, const std::string& what, const Layout& l) {
    std::vector<asic::NewEntry> entries;
    if (l.source != nullptr) {
        for (const auto& e : l.source->entries()) {
            if (asic::role_of(e.name) == Role::mimetype) continue;
            const auto it = l.meta.find(e.name);
            entries.push_back(it != l.meta.end() ? asic::NewEntry::of_bytes(e.name, it->second)
                                                 : asic::NewEntry::copy_of(*l.source, e));
        }
    }
    for (const auto& [name, file] : l.files) entries.push_back(asic::NewEntry::of_file(name, file));
    for (const auto& [name, bytes] : l.meta) {
        if (l.source == nullptr || l.source->find(name) == nullptr)
            entries.push_back(asic::NewEntry::of_bytes(name, bytes));
    }
    asic::write_container(path, what, asic::mimetype_of(l.kind), entries);
}

ValidationContext offline_context() {
    ValidationContext context;
    context.offline = true;
    return context;
}

// The archive just written, read back as verify reads it: what ltsign writes must open, and a
// signature that verified before must not fail now.
void check_written(const fs::path& staged, const std::string& what, bool failure_allowed) {
    const ValidationContext context = offline_context();
    const ops::Input in{staged, what, ops::zip_head(staged), true};
    const FileReport r =
        ops::verify_input(in, {}, context, validation::validation_time_of(context), false);
    if (r.indication == Indication::total_failed && !failure_allowed) {
        std::string why;
        for (const auto& s : r.signatures) {
            if (s.indication == Indication::total_failed) why = s.explanation;
        }
        throw Error(Errc::internal,
                    trf("{0}: the container written does not verify ({1}); nothing was written",
                        {what, why}));
    }
}

void write_checked(const fs::path& target, bool overwrite, const Layout& layout,
                   bool failure_allowed = false) {
    core::StagedFile staged(target, overwrite);
    write_layout(staged.path(), target.string(), layout);
    check_written(staged.path(), target.string(), failure_allowed);
    staged.commit();
}

// Every ds:Signature of `added` appended to the root of `existing` (ASiC-S: one signatures.xml
// holds parallel signatures, EN 319 162-1 4.3.3.2).
core::Bytes merge_signatures(const core::Bytes& existing, const core::Bytes& added,
                             const std::string& what) {
    const xml::Doc into = xml::parse(existing, what);
    const xml::Doc from = xml::parse(added, "the new signature");
    xmlNode* root = xmlDocGetRootElement(into.get());
    for (xmlNode* sig : xml::top_level_signatures(xmlDocGetRootElement(from.get())))
        xml::made(xmlAddChild(root, xml::made(xmlDocCopyNode(sig, into.get(), 1))));
    return xml::serialize(into.get(), false);
}

// The META-INF entries of one new signature over `documents`, named so as not to collide with
// what `existing` (may be null) holds.
ops::EntryOverrides new_signature(asic::Kind kind, const asic::Container* existing,
                                  const validation::DataObjects& documents, const Signer& signer,
                                  const SignOptions& options, Format format) {
    const auto tokens = options.tsa ? ops::token_source(*options.tsa) : cms::TokenSource{};
    const asic::ZipArchive* zip = existing != nullptr ? &existing->zip() : nullptr;
    const bool asic_s = kind == asic::Kind::asic_s;
    if (format == Format::xades) {
        core::Bytes sig = xml::sign_xades_entries(documents, signer, options, tokens);
        if (!asic_s) return {{asic::free_name(zip, {}, "signatures", ".xml"), std::move(sig)}};
        const std::string name = "META-INF/signatures.xml";
        const auto* e = zip != nullptr ? zip->find(name) : nullptr;
        if (e != nullptr)
            sig = merge_signatures(zip->read(*e, core::k_max_signature_file), sig, name);
        return {{name, std::move(sig)}};
    }
    if (asic_s) {
        return {{"META-INF/signature.p7s",
                 cms::sign_cades(documents.front(), signer, options, tokens)}};
    }
    const std::string sig_name = asic::free_name(zip, {}, "signature", ".p7s");
    const std::string manifest_name = asic::free_name(zip, {}, "ASiCManifest", ".xml");
    core::Bytes manifest =
        asic::write_manifest(sig_name, "application/pkcs7-signature", documents,
                             crypto::digest_name(crypto::evp_md(options.digest)));
    core::Bytes sig = cms::sign_cades(validation::DataObject::from_bytes(manifest_name, manifest),
                                      signer, options, tokens);
    return {{manifest_name, std::move(manifest)}, {sig_name, std::move(sig)}};
}

void check_level(const SignOptions& options) {
    if (options.level != Level::b && options.level != Level::t) {
        throw Error(Errc::usage,
                    tr("a container is signed at level B or T; extend it to LT or LTA after"));
    }
}

// The documents of a new container from `files` (their entries added to `l`), checked as a
// container needs them: ASiC-S one, names a document may have, each once.
validation::DataObjects container_documents(const std::vector<fs::path>& files, Layout& l) {
    if (l.kind == asic::Kind::asic_s && files.size() != 1) {
        throw Error(
            Errc::usage,
            trf("an ASiC-S container holds one document ({0} were given); ASiC-E holds several",
                {std::to_string(files.size())}));
    }
    validation::DataObjects documents;
    std::set<std::string> seen;
    for (const auto& file : files) {
        std::error_code ec;
        if (!fs::is_regular_file(file, ec))
            throw Error(Errc::input_missing, trf("{0}: no such file", {core::printable(file)}));
        const std::string name = file.filename().string();
        if (asic::name_problem(name) || asic::role_of(name) != Role::data) {
            throw Error(Errc::usage, trf("{0}: its name cannot be a document's in a container",
                                         {core::printable(file)}));
        }
        if (!seen.insert(core::nfc(name)).second) {
            throw Error(Errc::usage,
                        trf("two documents are named \"{0}\"; a container holds each name once",
                            {core::printable(name)}));
        }
        l.files.emplace_back(name, file);
        documents.push_back(
            validation::DataObject::from_entry(name, [file] { return core::open_file(file); }));
    }
    return documents;
}

// A file in the temporary folder for an archive on its way into memory; removed with it.
core::StagedFile scratch_file() {
    return core::StagedFile(fs::temp_directory_path() / ("ltsign-" + xml::random_id() + ".zip"),
                            true);
}

}  // namespace

namespace ops {

PreparedContainer prepare_container(const std::vector<fs::path>& files, const Signer& signer,
                                    const SignOptions& options, const ContainerOptions& container) {
    check_level(options);
    Layout l;
    l.kind = kind_of(container.type);
    const validation::DataObjects documents = container_documents(files, l);
    SignOptions b = options;
    b.level = Level::b;  // a time-stamp comes after the value, at completion
    PreparedContainer out;
    if (container.signature == Format::xades) {
        auto u = xml::prepare_xades_entries(documents, signer, b);
        out.entry = l.kind == asic::Kind::asic_s
                        ? "META-INF/signatures.xml"
                        : asic::free_name(nullptr, {}, "signatures", ".xml");
        out.to_be_signed = std::move(u.to_be_signed);
        out.signature = std::move(u.signature);
    } else {
        validation::DataObject signed_object = documents.front();
        out.entry = "META-INF/signature.p7s";
        if (l.kind == asic::Kind::asic_e) {
            out.entry = asic::free_name(nullptr, {}, "signature", ".p7s");
            const std::string manifest_name = asic::free_name(nullptr, {}, "ASiCManifest", ".xml");
            core::Bytes manifest =
                asic::write_manifest(out.entry, "application/pkcs7-signature", documents,
                                     crypto::digest_name(crypto::evp_md(options.digest)));
            signed_object = validation::DataObject::from_bytes(manifest_name, manifest);
            l.meta[manifest_name] = std::move(manifest);
        }
        auto u = cms::prepare_cades(signed_object, signer, b, true);
        out.to_be_signed = std::move(u.to_be_signed);
        out.signature = ossl::encode_der(u.cms.get(), i2d_CMS_ContentInfo, "the signature");
    }
    l.meta[out.entry] = out.signature;
    const core::StagedFile scratch = scratch_file();
    write_layout(scratch.path(), "the prepared container", l);
    out.archive = core::read_file(scratch.path(), k_max_prepared_container);
    return out;
}

core::Bytes complete_container(const core::Bytes& archive, const std::string& entry,
                               const EntryCompletion& complete) {
    const core::StagedFile in = scratch_file();
    core::atomic_write(in.path(), archive, true);
    const auto c = asic::Container::open(in.path(), "the prepared container");
    if (c.zip().find(entry) == nullptr || asic::role_of(entry) == Role::data) {
        throw Error(Errc::malformed_input,
                    trf("the prepared container has no signature entry {0}", {entry}));
    }
    Layout l{c.kind(), &c.zip(), {}, {}};
    l.meta[entry] = complete(c.data_objects());
    const core::StagedFile out = scratch_file();
    write_layout(out.path(), "the completed container", l);
    check_written(out.path(), "the completed container", false);
    return core::read_file(out.path(), k_max_prepared_container);
}

}  // namespace ops

namespace {}  // namespace

bool is_container(const fs::path& file) {
    return ops::zip_head(file) != nullptr;
}

void sign_container(const std::vector<fs::path>& files, const fs::path& target,
                    const Signer& signer, const SignOptions& options,
                    const ContainerOptions& container, const ValidationContext* long_term) {
    if (options.level == Level::lt || options.level == Level::lta) {
        if (long_term == nullptr || !options.tsa) {
            throw Error(Errc::usage,
                        tr("levels LT and LTA need a TSA and the trust anchors that validate the "
                           "new signature"),
                        Remedy::tsa);
        }
        // Made at T under a hidden name beside the target, raised from there into place.
        core::StagedFile at_t(target, container.overwrite);
        SignOptions t = options;
        t.level = Level::t;
        sign_container(files, at_t.path(), signer, t, {container.type, container.signature, false});
        ExtendOptions raise;
        raise.level = options.level;
        raise.tsa = options.tsa;
        const auto r =
            extend_container(at_t.path(), target, raise, *long_term, container.overwrite);
        if (!r.written) throw Error(Errc::usage, target.string() + ": " + r.refusal);
        return;
    }
    check_level(options);
    Layout l;
    l.kind = kind_of(container.type);
    const validation::DataObjects documents = container_documents(files, l);
    l.meta = new_signature(l.kind, nullptr, documents, signer, options, container.signature);
    write_checked(target, container.overwrite, l);
}

void add_container_signature(const fs::path& container, const fs::path& target,
                             const Signer& signer, const SignOptions& options,
                             const ContainerOptions& how) {
    check_level(options);
    const auto c = asic::Container::open(container, container.string());
    if (c.kind() == asic::Kind::asic_s &&
        (how.signature != Format::xades || !c.entries_of(Role::cades).empty() ||
         !c.entries_of(Role::timestamp).empty())) {
        throw Error(Errc::usage, trf("{0}: an ASiC-S container has room for one CAdES signature or "
                                     "one time-stamp; put several signers in an ASiC-E",
                                     {container.string()}));
    }
    Layout l{c.kind(), &c.zip(), {}, {}};
    l.meta = new_signature(c.kind(), &c, c.data_objects(), signer, options, how.signature);
    // Signatures that failed before may still fail; a new failure is refused.
    const ValidationContext context = offline_context();
    const FileReport before =
        ops::verify_input({container, container.string(), ops::zip_head(container), true}, {},
                          context, validation::validation_time_of(context), false);
    write_checked(target, how.overwrite, l, before.indication == Indication::total_failed);
}

void timestamp_container(const fs::path& file, const fs::path& target, const TsaClient& tsa,
                         bool overwrite) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw Error(Errc::input_missing, trf("{0}: no such file", {core::printable(file)}));
    const std::string name = file.filename().string();
    if (asic::name_problem(name) || asic::role_of(name) != Role::data)
        throw Error(Errc::usage,
                    trf("{0}: its name cannot be a document's", {core::printable(file)}));
    Layout l;
    l.kind = asic::Kind::asic_s;
    l.files.emplace_back(name, file);
    l.meta["META-INF/timestamp.tst"] = core::from_public_bytes(timestamp_file(file, tsa));
    write_checked(target, overwrite, l);
}

TimePoint seal_container(const fs::path& container, const fs::path& target,
                         const SealOptions& options) {
    const auto c = asic::Container::open(container, container.string());
    const bool xml = options.format == RecordFormat::xml;
    const EVP_MD* md = crypto::evp_md(options.digest);
    const auto documents = c.data_objects();
    std::vector<core::Bytes> digests;
    for (const auto& d : documents) digests.push_back(*d.digest(md));
    // RFC 4998 4.2: the documents are one data-object group, their hashes the first list.
    const core::Bytes root = digests.size() == 1 ? digests.front() : ers::node_hash(md, digests);
    const core::Bytes token = tsp::request_token_for_digest(options.tsa, md, root);
    const auto verification =
        ops::token_validation_data(token, options.validation.get(), "the TSA's time-stamp");
    ers::PartialHashtree first;
    for (const auto& d : digests) first.emplace_back(d);
    ers::EvidenceRecord rec =
        ers::one_stamp_record(md, std::vector<ers::PartialHashtree>{first}, token);
    if (xml) rec.encoding = ers::EvidenceRecord::Encoding::xml;
    if (!xml) ers::add_verification_data(rec, verification);
    const std::string ext = xml ? ".xml" : ".ers";
    std::string name = "META-INF/evidencerecord" + ext;
    if (c.zip().find(name) != nullptr) name = asic::free_name(&c.zip(), {}, "evidencerecord", ext);
    Layout l{c.kind(), &c.zip(), {}, {}};
    l.meta[name] = xml ? ers::encode_xml(rec) : ers::encode_der(rec);
    if (c.kind() == asic::Kind::asic_e) {
        const std::string manifest =
            c.zip().find("META-INF/ASiCEvidenceRecordManifest.xml")
                ? asic::free_name(&c.zip(), {}, "ASiCEvidenceRecordManifest", ".xml")
                : "META-INF/ASiCEvidenceRecordManifest.xml";
        l.meta[manifest] = asic::write_manifest(name, "", documents, crypto::digest_name(md));
    }
    write_checked(target, options.overwrite, l, true);
    return cms::token_facts(token, {.digest = root}).gen_time.value_or(now_utc());
}

}  // namespace ltsign
