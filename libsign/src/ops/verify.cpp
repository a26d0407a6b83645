// Verifying files and batches: each file read once, its format told by the registry, its facts
// judged by the engine; pairing signatures with their documents.
#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "core/file_list.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ers/verify_record.hpp"
#include "ltsign/language.hpp"
#include "ops/container.hpp"
#include "ops/formats.hpp"
#include "revocation/revocation.hpp"
#include "validation/data_object.hpp"
#include "validation/evidence.hpp"
#include "validation/model.hpp"
#include "validation/services.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign {
namespace fs = std::filesystem;

namespace {

// The data objects a file is verified against, made once per file: the document given, further
// documents (a data-object group, RFC 4998 4.2), and objects known only by their digests.
validation::DataObjects data_objects(const VerifyOptions& options) {
    validation::DataObjects out;
    if (options.data) out.push_back(validation::DataObject::from_file(*options.data));
    for (const auto& f : options.more_data) out.push_back(validation::DataObject::from_file(f));
    int n = 0;
    for (const auto& d : options.data_digests) {
        std::map<int, core::Bytes> digests;
        for (const auto& [alg, value] : d.digests) {
            const EVP_MD* md = EVP_get_digestbyname(alg.c_str());
            if (md == nullptr) throw Error(Errc::usage, trf("unknown digest algorithm {0}", {alg}));
            digests[EVP_MD_get_type(md)] = core::from_public_bytes(value);
        }
        out.push_back(validation::DataObject::from_digests(
            "data object " + std::to_string(++n) + " (by digest)", std::move(digests)));
    }
    return out;
}

// What the evidence records kept beside a signature file (NAME.p7s.ers, NAME.p7s.ers.xml, or the
// same names in a folder records/ beside it, where ingest and `seal . -o records` put them) say
// about it: the first that verifies over the file proves the signature existed at its first
// time-stamp; each one that does not proves nothing, and the signature's report says so rather
// than leave a reader to think it was used.
struct RecordsBeside {
    std::optional<std::pair<TimePoint, std::string>> poe;
    std::vector<Note> notes;
};

RecordsBeside records_beside(const fs::path& signature, const ValidationContext& context,
                             TimePoint at) {
    RecordsBeside out;
    // One data object for both records: the signature file is hashed once per algorithm.
    const validation::DataObjects over_signature{validation::DataObject::from_file(signature)};
    std::vector<std::pair<fs::path, std::string>> candidates;  // the record, how it is named
    for (const char* ext : {".ers", ".ers.xml"}) {
        const fs::path name = signature.filename().string() + ext;
        candidates.emplace_back(signature.parent_path() / name,
                                trf("the evidence record {0}", {name.string()}));
        candidates.emplace_back(signature.parent_path() / "records" / name,
                                trf("the evidence record {0}", {"records/" + name.string()}));
    }
    for (const auto& [record, name] : candidates) {
        std::error_code ec;
        if (!fs::is_regular_file(record, ec)) continue;
        try {
            const auto r =
                ers::verify_record(ops::read_record(record), over_signature, context, at);
            if (r.indication == Indication::total_passed && r.signing_time) {
                if (!out.poe) out.poe = std::make_pair(*r.signing_time, name);
                continue;
            }
            const auto why = r.sub_indication == SubIndication::none ? to_string(r.indication)
                                                                     : to_string(r.sub_indication);
            out.notes.push_back(
                {NoteCode::evidence_record_not_verified,
                 trf("{0} beside it does not verify ({1}: {2}), so it proves nothing",
                     {name, std::string(why), r.explanation})});
        } catch (const Error& e) {
            out.notes.push_back(
                {NoteCode::evidence_record_not_verified,
                 e.code() == Errc::malformed_input
                     ? trf("{0} beside it does not verify (FORMAT_FAILURE: {1}), so it proves "
                           "nothing",
                           {name, e.what()})
                     : trf("{0} beside it cannot be read ({1}), so it proves nothing",
                           {name, e.what()})});
        }
    }
    return out;
}

// Each signature of a file, judged with the proof of existence an evidence record beside the
// file gives (CAdES and XAdES alike).
void judge_signatures(std::vector<validation::SignatureFacts> signatures, const fs::path& file,
                      const ValidationContext& context, TimePoint at, bool look_beside,
                      FileReport& report) {
    const auto beside = look_beside ? records_beside(file, context, at) : RecordsBeside{};
    for (auto& facts : signatures) {
        if (beside.poe) {
            facts.external_poe = beside.poe->first;
            facts.external_poe_source = beside.poe->second;
        }
        report.signatures.push_back(validation::evaluate(facts, context, at));
        auto& notes = report.signatures.back().notes;
        notes.insert(notes.end(), beside.notes.begin(), beside.notes.end());
    }
}

// A folder sealed as one data group must be whole: every hash of the record's group (its first
// chain's first list) among the folder's files, or files were removed or changed since. The files
// were hashed already for the record's verdict; this asks for the same digests again.
void check_group_whole(const fs::path& record_file, const validation::DataObjects& objects,
                       FileReport& report) {
    const auto record = ops::read_record(record_file);
    if (record.chains.empty() || record.chains.front().stamps.empty()) return;
    const auto& ats = record.chains.front().stamps.front();
    const EVP_MD* md = ers::chain_digest(record.chains.front());
    if (md == nullptr || !ats.reduced_hashtree || ats.reduced_hashtree->empty()) return;
    std::set<core::Bytes> group;
    for (const auto& h : ats.reduced_hashtree->front()) group.emplace(h.begin(), h.end());
    const bool xml = record.encoding == ers::EvidenceRecord::Encoding::xml;
    std::size_t found = 0;
    std::set<core::Bytes> seen;
    for (const auto& object : objects) {
        std::optional<core::Bytes> d;
        if (xml) d = ers::canonical_digest(object, md, xml::k_c14n10);
        if (!d) d = object.digest(md);
        if (d && group.contains(*d) && seen.insert(*d).second) ++found;
    }
    if (found == group.size()) return;
    const std::string why =
        trf("this record seals {0} distinct files as one group, and {1} of "
            "them are not among the files given: removed or changed since "
            "it was sealed",
            {std::to_string(group.size()), std::to_string(group.size() - found)});
    for (auto& s : report.signatures) {
        if (s.indication == Indication::total_passed) {
            s.indication = Indication::indeterminate;
            s.sub_indication = SubIndication::signed_data_not_found;
            s.explanation = why;
        } else {
            s.notes.push_back({NoteCode::record_summary, why});
        }
    }
    ops::summarise(report);
}

FileReport verify_file_at(const fs::path& file, const VerifyOptions& options,
                          const ValidationContext& context, TimePoint at) {
    const ops::Input input = ops::read_input(file);
    if (options.data) {
        std::error_code ec;
        if (!fs::is_regular_file(*options.data, ec))
            throw Error(Errc::input_missing, trf("{0}: no such document", {options.data->string()}),
                        Remedy::document);
    }
    const auto objects = data_objects(options);
    FileReport report = ops::verify_input(input, objects, context, at, true);
    if (options.whole_group && !objects.empty() &&
        (report.format == FileFormat::ers_asn1 || report.format == FileFormat::ers_xml))
        check_group_whole(file, objects, report);
    report.data = options.data;
    if (options.data) {
        // Usually known already: a signature over the document hashed it with SHA-256.
        if (const auto d = objects.front().digest(EVP_sha256()))
            report.data_sha256 = ossl::to_hex(d->data(), d->size());
    }
    return report;
}

}  // namespace

namespace ops {

// The file's verdict: its worst entry (the first of equally bad ones that names a reason).
void summarise(FileReport& report) {
    report.indication = Indication::total_passed;
    for (const auto& s : report.signatures) {
        if (severity(s.indication) > severity(report.indication) ||
            (s.indication == report.indication && report.sub_indication == SubIndication::none)) {
            report.indication = s.indication;
            report.sub_indication = s.sub_indication;
        }
    }
}

FileReport verify_input(const Input& input, const validation::DataObjects& objects,
                        const ValidationContext& context, TimePoint at, bool beside) {
    FileReport report;
    report.path = input.path;
    ops::Evidence evidence = ops::format_of(input).extract(input, objects);
    report.format = evidence.format;
    if (evidence.container) {
        judge_container(evidence, input.path, context, at, report);
    } else if (evidence.record) {
        report.signatures.push_back(
            validation::judge_evidence_record(*evidence.record, context, at));
    } else if (evidence.timestamp_token) {
        // A token verified on its own is one entry of type "timestamp" (DESIGN.md, --json).
        report.signatures.push_back(validation::evaluate(evidence.signatures.front(), context, at));
        report.signatures.back().notes.push_back(
            {NoteCode::timestamp_token_only,
             tr("this file is an RFC 3161 time-stamp token, not a signature: it can prove that the "
                "document existed at its time, never who signed it")});
    } else {
        judge_signatures(std::move(evidence.signatures), input.path, context, at, beside, report);
    }
    summarise(report);
    return report;
}

}  // namespace ops

namespace {

const std::vector<std::string> k_signature_extensions = {
    ".p7s", ".p7m", ".pkcs7", ".p7", ".cms", ".tst", ".tsr", ".ers", ".er", ".svt",
    // ASiC containers (EN 319 162-1 A.1; .sce/.scs are the long forms, .bdoc the Estonian one)
    ".asice", ".asics", ".sce", ".scs", ".bdoc"};

// Whether the file holds `needle`, read in chunks. An .xml file in a folder is a signature when
// it holds an XML signature (enveloped signatures keep the document's name): the XMLDSig
// namespace; a .pdf when it holds a signature dictionary, whose /ByteRange is never compressed.
bool holds(const fs::path& p, const std::string& needle) {
    std::ifstream in(p, std::ios::binary);
    std::string window;
    std::vector<char> chunk(1 << 20);
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        window.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (window.find(needle) != std::string::npos) return true;
        window.erase(0, window.size() > needle.size() ? window.size() - needle.size() : 0);
    }
    return false;
}

bool is_signature_name(const fs::path& p) {
    const std::string name = p.filename().string();
    if (name.ends_with(".ers.xml") || name.ends_with(".xades.xml")) return true;
    const auto ext = p.extension().string();
    if (ext == ".xml" || ext == ".XML") return holds(p, xml::k_dsig_ns);
    if (ext == ".pdf" || ext == ".PDF") return holds(p, "/ByteRange");
    return std::find(k_signature_extensions.begin(), k_signature_extensions.end(), ext) !=
           k_signature_extensions.end();
}

// The document a signature or record file protects, by name: NAME.pdf.p7s -> NAME.pdf,
// NAME.pdf.ers.xml -> NAME.pdf.
fs::path document_name(const fs::path& relative) {
    const std::string name = relative.filename().string();
    const std::size_t cut = name.ends_with(".ers.xml")     ? 8
                            : name.ends_with(".xades.xml") ? 10
                                                           : relative.extension().string().size();
    return relative.parent_path() / name.substr(0, name.size() - cut);
}

// The record seal writes for its manifest (manifest.json.ers / .ers.xml) protects the
// manifest.json beside it, never a document in --data: seal refuses documents that would share
// that record's name.
std::optional<fs::path> sealed_manifest(const fs::path& record) {
    const std::string name = record.filename().string();
    if (name != "manifest.json.ers" && name != "manifest.json.ers.xml") return std::nullopt;
    const fs::path manifest = record.parent_path() / "manifest.json";
    std::error_code ec;
    if (!fs::is_regular_file(manifest, ec)) return std::nullopt;
    return manifest;
}

}  // namespace

DataDigests parse_data_digest(const std::string& text) {
    // One data object may be known by several digests (a record renewed across algorithms):
    // ALG:BASE64[,ALG:BASE64...].
    DataDigests d;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const auto colon = part.find(':');
        const auto value = colon == std::string::npos ? std::vector<unsigned char>{}
                                                      : xml::base64_decode(part.substr(colon + 1));
        const std::string alg = colon == std::string::npos ? "" : part.substr(0, colon);
        if (colon == std::string::npos || value.empty() ||
            EVP_get_digestbyname(alg.c_str()) == nullptr) {
            throw Error(Errc::usage, trf("data digest {0}: write ALG:BASE64 (several for one "
                                         "object separated by commas), e.g. sha256:qC9i7yNq...=",
                                         {text}));
        }
        const bool repeated = std::any_of(d.digests.begin(), d.digests.end(),
                                          [&](const auto& known) { return known.first == alg; });
        if (repeated)
            throw Error(Errc::usage, trf("data digest {0}: {1} is given twice", {text, alg}));
        d.digests.emplace_back(alg, core::to_public_bytes(value));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return d;
}

FileReport verify_file(const fs::path& file, const VerifyOptions& options,
                       const ValidationContext& context) {
    return verify_file_at(file, options, context, validation::validation_time_of(context));
}

namespace {

// Folder listings by NFC name, so that a document named in NFD (copied from macOS) pairs with a
// signature named in NFC and the other way round; each folder is listed once per plan.
class NameIndex {
  public:
    // root/relative when it is a regular file, else the file whose every component equals
    // relative's in NFC.
    std::optional<fs::path> find(const fs::path& root, const fs::path& relative) {
        std::error_code ec;
        if (fs::is_regular_file(root / relative, ec)) return root / relative;
        fs::path at = root;
        for (const auto& part : relative) {
            if (fs::exists(at / part, ec)) {
                at /= part;
                continue;
            }
            const auto& names = listing(at);
            const auto found = names.find(core::nfc(part.string()));
            if (found == names.end()) return std::nullopt;
            at /= found->second;
        }
        if (!fs::is_regular_file(at, ec)) return std::nullopt;
        return at;
    }

  private:
    const std::map<std::string, fs::path>& listing(const fs::path& dir) {
        auto [it, added] = m_dirs.try_emplace(dir);
        if (!added) return it->second;
        std::error_code ec;
        for (fs::directory_iterator d(dir, ec), end; !ec && d != end; d.increment(ec))
            it->second.emplace(core::nfc(d->path().filename().string()), d->path().filename());
        return it->second;
    }
    std::map<fs::path, std::map<std::string, fs::path>> m_dirs;
};

// Where a signature's document may lie below a --data folder, most specific first: its path
// relative to the folder given (DIR/sub/NAME), then below each trailing part of the signature's
// own folder (verifying delivery/signatures/sub against the delivery's documents finds
// documents/sub/NAME), then DIR/NAME.
std::vector<fs::path> places(const fs::path& signature, const fs::path& document_rel) {
    std::vector<fs::path> out{document_rel};
    std::vector<fs::path> parts;
    std::error_code ec;
    const fs::path folder = fs::absolute(signature, ec).lexically_normal().parent_path();
    for (const auto& part : folder.relative_path()) parts.push_back(part);
    const std::size_t deepest = std::min<std::size_t>(parts.size(), 8);
    for (std::size_t n = deepest; n >= 1; --n) {
        fs::path rel;
        for (std::size_t i = parts.size() - n; i < parts.size(); ++i) rel /= parts[i];
        rel /= document_rel.filename();
        if (std::find(out.begin(), out.end(), rel) == out.end()) out.push_back(rel);
    }
    if (std::find(out.begin(), out.end(), document_rel.filename()) == out.end())
        out.push_back(document_rel.filename());
    return out;
}

// A record NAME.ers that found no file NAME takes a folder NAME as its data group (seal --group):
// a --data folder of that name, or one directly below a --data folder. Its files are listed as
// seal listed them (records and manifests an earlier seal wrote there left out).
void pair_with_group(VerifyJob& job, const std::string& wanted,
                     const std::vector<fs::path>& data_dirs) {
    std::optional<fs::path> folder;
    std::error_code ec;
    for (const auto& dir : data_dirs) {
        fs::path own = fs::absolute(dir, ec).lexically_normal();
        if (own.filename().empty()) own = own.parent_path();
        if (core::nfc(own.filename().string()) == wanted)
            folder = dir;
        else if (fs::is_directory(dir / wanted, ec))
            folder = dir / wanted;
        if (folder) break;
    }
    if (!folder) return;
    core::ListOptions list;
    list.missing_is_error = false;
    list.output_dir = job.file.parent_path();
    list.is_output = [](const fs::path& relative) {
        return relative == "manifest.json" || ops::is_record_name(relative);
    };
    auto files = core::list_files({*folder}, list);
    if (files.empty()) return;
    job.data = files.front().file;
    for (std::size_t i = 1; i < files.size(); ++i) job.more_data.push_back(files[i].file);
    job.whole_group = true;
}

std::string list_of(const std::vector<fs::path>& paths) {
    std::string out;
    for (const auto& p : paths) out += (out.empty() ? "" : ", ") + core::printable(p.string());
    return out;
}

}  // namespace

std::vector<VerifyJob> plan_verification(const std::vector<fs::path>& inputs,
                                         const std::vector<fs::path>& data) {
    const auto files = core::list_files(inputs, is_signature_name, false);
    std::vector<fs::path> data_files;
    std::vector<fs::path> data_dirs;
    for (const auto& d : data) {
        std::error_code ec;
        (fs::is_directory(d, ec) ? data_dirs : data_files).push_back(d);
    }

    NameIndex index;
    std::vector<VerifyJob> jobs;
    for (const auto& in : files) {
        VerifyJob job{in.file, std::nullopt};
        const fs::path document_rel = document_name(in.relative);
        const std::string wanted = core::nfc(document_rel.filename().string());
        for (const auto& dir : data_dirs) {
            for (const auto& place : places(in.file, document_rel)) {
                if (auto found = index.find(dir, place)) {
                    job.data = std::move(found);
                    break;
                }
            }
            if (job.data) break;
        }
        for (const auto& f : data_files) {
            if (!job.data && core::nfc(f.filename().string()) == wanted) job.data = f;
        }
        if (!job.data && ops::is_record_name(in.file)) pair_with_group(job, wanted, data_dirs);
        if (!job.data && !data.empty()) {
            const std::string name = core::printable(document_rel.filename().string());
            job.pairing_problem =
                "no document named " + name +
                (data_dirs.empty() ? "" : " was found under " + list_of(data_dirs)) +
                (data_files.empty()
                     ? ""
                     : std::string(data_dirs.empty() ? " is" : " nor") +
                           " among the documents given (" + list_of(data_files) + ")");
        }
        if (auto manifest = sealed_manifest(in.file)) {
            job.data = std::move(manifest);
            job.pairing_problem.clear();
        }
        jobs.push_back(std::move(job));
    }
    if (jobs.size() == 1 && data_dirs.empty() && !data_files.empty() && !jobs[0].data) {
        // One signature given alone takes the one document given, whatever its name; should the
        // document not be what was signed, the names not matching is the likelier story than a
        // change, and the verdict says so. One record and several documents: a data-object
        // group (RFC 4998 4.2).
        jobs[0].data = data_files.front();
        jobs[0].more_data.assign(data_files.begin() + 1, data_files.end());
        // Only a signature whose name names a document (NAME.pdf.p7s, not sig.p7s) plainly
        // disagrees with another name.
        jobs[0].name_mismatch =
            data_files.size() == 1 && document_name(files.front().relative).has_extension();
        jobs[0].pairing_problem.clear();
    } else if (jobs.size() == 1 && data_dirs.empty() && data_files.size() > 1) {
        jobs[0].more_data.clear();
        for (const auto& f : data_files) {
            if (f != *jobs[0].data) jobs[0].more_data.push_back(f);
        }
    }
    return jobs;
}

namespace {

// Whether the signature's verdict compared the document given as its detached data (not as the
// content it carries, which an enveloping or enveloped XML signature judges on its own terms).
bool judged_as_detached(const FileReport& report, const SignatureReport& s) {
    switch (report.format) {
        case FileFormat::cades:
        case FileFormat::timestamp_token:
        case FileFormat::ers_asn1:
        case FileFormat::ers_xml:
        case FileFormat::svt:
            return true;
        case FileFormat::xades:
        case FileFormat::xmldsig:
            return std::any_of(s.signed_data.begin(), s.signed_data.end(), [](const auto& d) {
                return d.target.starts_with("file ") || d.target == "a detached document";
            });
        default:
            return false;
    }
}

// The pairing's part in a verdict: a signature given a document of another name that it did not
// sign was most likely given the wrong document, which is not the same as a changed one; and a
// signature that found no document says where it was looked for.
void apply_pairing(const VerifyJob& job, FileReport& report) {
    if (job.name_mismatch && job.data) {
        const std::string given = core::printable(job.data->filename().string());
        const std::string own = core::printable(job.file.filename().string());
        for (auto& s : report.signatures) {
            if (s.sub_indication != SubIndication::hash_failure || !judged_as_detached(report, s))
                continue;
            s.indication = Indication::indeterminate;
            s.sub_indication = SubIndication::signed_data_not_found;
            s.explanation =
                trf("the document given, {0}, does not match this signature's name ({1}) and is "
                    "not what it signed: give the signed document with --data",
                    {given, own});
        }
        ops::summarise(report);
    }
    if (!job.data && !job.pairing_problem.empty()) {
        for (auto& s : report.signatures) {
            if (s.sub_indication == SubIndication::signed_data_not_found)
                s.explanation = job.pairing_problem;
        }
    }
}

// One job's report; what stops it (an unreadable or malformed file) is its verdict.
FileReport verify_job(const VerifyJob& job, const ValidationContext& context,
                      const std::vector<DataDigests>& digests, TimePoint at) {
    try {
        FileReport r = verify_file_at(job.file, {job.data, job.more_data, digests, job.whole_group},
                                      context, at);
        apply_pairing(job, r);
        return r;
    } catch (const Error& e) {
        FileReport r;
        r.path = job.file;
        r.data = job.data;
        r.error = e.code();
        r.error_message = e.what();
        if (e.code() == Errc::malformed_input) {
            r.indication = Indication::total_failed;
            r.sub_indication = SubIndication::format_failure;
        } else {
            r.indication = Indication::indeterminate;
            r.sub_indication = SubIndication::signed_data_not_found;
        }
        return r;
    }
}

}  // namespace

BatchReport verify_batch(const std::vector<VerifyJob>& jobs, const ValidationContext& context,
                         const std::vector<DataDigests>& digests,
                         const std::function<void(std::size_t, std::size_t)>& progress,
                         unsigned threads) {
    BatchReport batch;
    batch.validation_time = validation::validation_time_of(context);
    batch.policy_name = context.policy.name;
    {
        const std::string table = context.policy.to_canonical_json();
        const auto d = crypto::digest_bytes(
            EVP_sha256(),
            std::span(reinterpret_cast<const unsigned char*>(table.data()), table.size()));
        batch.policy_sha256 = ossl::to_hex(d.data(), d.size());
    }
    batch.trust_anchors = context.trust.anchors();
    // The snapshot the anchors came from: every report cites it (its digest, each list's state).
    batch.trust_list = detail::impl(context.trust).snapshot;
    // One validation time for the whole batch, so every verdict speaks of the same moment. The
    // services the context holds are shared by the threads (each is safe to call from any).
    batch.files.resize(jobs.size());
    std::mutex progress_mutex;
    std::size_t done = 0;
    core::parallel_for(jobs.size(), threads, [&](std::size_t i) {
        batch.files[i] = verify_job(jobs[i], context, digests, batch.validation_time);
        if (progress) {
            const std::lock_guard lock(progress_mutex);
            progress(++done, jobs.size());
        }
    });
    if (auto source = validation::revocation_source_of(context)) {
        for (const auto& silent : revocation::services_not_answering(*source))
            batch.silent_services.push_back({silent.service, silent.why, silent.spared});
    }
    return batch;
}

}  // namespace ltsign
