// Format detection, pairing signatures with their documents, and batches.
#include <algorithm>
#include <fstream>
#include <map>

#include "cms/cms_signature.hpp"
#include "core/file_list.hpp"
#include "ers/verify_record.hpp"
#include "ers/xml_record.hpp"
#include "tsp/token.hpp"
#include "validation/model.hpp"
#include "xml/xades.hpp"
#include "xml/xml_doc.hpp"
#include "xml/xmldsig.hpp"

namespace ltsign {
namespace fs = std::filesystem;

TrustStore::TrustStore() : m_impl(std::make_unique<detail::TrustStoreImpl>()) {}
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;
TrustStore::~TrustStore() = default;

void TrustStore::add(const fs::path& file_or_dir) {
    std::error_code ec;
    if (fs::is_directory(file_or_dir, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(file_or_dir)) {
            const auto ext = e.path().extension().string();
            if (e.is_regular_file() && (ext == ".pem" || ext == ".crt" || ext == ".cer")) {
                files.push_back(e.path());
            }
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) {
            throw Error(
                Errc::input_missing,
                file_or_dir.string() + ": no .pem, .crt or .cer files in this trust folder");
        }
        for (const auto& f : files) add(f);
        return;
    }
    for (auto& c : ossl::load_certificates(file_or_dir)) m_impl->anchors.push_back(std::move(c));
}

std::size_t TrustStore::size() const noexcept {
    return m_impl->anchors.size();
}

namespace {

// An evidence record kept beside a signature (NAME.p7s.ers or NAME.p7s.ers.xml) that verifies
// over the signature file proves the signature existed at its first time-stamp.
std::optional<std::pair<TimePoint, std::string>> record_poe(const fs::path& signature,
                                                            const ValidationContext& context,
                                                            TimePoint at) {
    for (const char* ext : {".ers", ".ers.xml"}) {
        const fs::path record = signature.string() + ext;
        std::error_code ec;
        if (!fs::is_regular_file(record, ec)) continue;
        try {
            auto bytes = std::make_shared<const core::Bytes>(
                core::read_file(record, core::k_max_signature_file));
            const auto parsed = ers::looks_like_xml_record(*bytes)
                                    ? ers::decode_xml(*bytes, record.string())
                                    : ers::decode_der(bytes, record.string());
            VerifyOptions over_signature{signature, {}, {}};
            auto objects = ers::data_objects(over_signature);
            const auto r = ers::verify_record(parsed, objects, context, at);
            if (r.indication == Indication::total_passed && r.signing_time) {
                return std::make_pair(*r.signing_time,
                                      "the evidence record " + record.filename().string());
            }
        } catch (const Error&) {
            // A broken record proves nothing; the signature is judged without it.
        }
    }
    return std::nullopt;
}

// Each signature of a file, judged with the proof of existence an evidence record beside the
// file gives (CAdES and XAdES alike).
void judge_signatures(std::vector<validation::SignatureFacts> signatures, const fs::path& file,
                      const ValidationContext& context, TimePoint at, FileReport& report) {
    const auto poe = record_poe(file, context, at);
    for (auto& facts : signatures) {
        if (poe) {
            facts.external_poe = poe->first;
            facts.external_poe_source = poe->second;
        }
        report.signatures.push_back(validation::evaluate(facts, context, at));
    }
}

FileReport verify_file_at(const fs::path& file, const VerifyOptions& options,
                          const ValidationContext& context, TimePoint at) {
    FileReport report;
    report.path = file;
    report.data = options.data;
    core::Bytes bytes = core::read_file(file, core::k_max_signature_file);
    if (bytes.empty()) throw Error(Errc::malformed_input, file.string() + ": the file is empty");
    if (options.data) {
        std::error_code ec;
        if (!fs::is_regular_file(*options.data, ec)) {
            throw Error(Errc::input_missing,
                        options.data->string() + ": no such document; check --data");
        }
    }
    std::optional<core::Bytes> token;
    if (cms::looks_like_cms(bytes)) {
        auto cms_info = cms::parse_signed_data(bytes, file.string());
        if (tsp::is_token(cms_info.get())) {
            token = bytes;
        } else {
            report.format = "cades";
            judge_signatures(cms::extract_facts(cms_info.get(), options.data), file, context, at,
                             report);
        }
    } else if (!ers::looks_like_xml_record(bytes) && xml::has_xml_signature(bytes)) {
        auto found = xml::extract_facts(bytes, file.string(), options);
        report.format = found.format;
        judge_signatures(std::move(found.facts), file, context, at, report);
    } else if (ers::looks_like_xml_record(bytes)) {
        report.format = "ers-xml";
        const auto record = ers::decode_xml(bytes, file.string());
        auto objects = ers::data_objects(options);
        auto r = ers::verify_record(record, objects, context, at);
        if (!record.schema_validated) {
            r.notes.push_back(
                "schema validation was not performed: no standard schemas installed "
                "(LTSIGN_SCHEMA_DIR)");
        }
        report.signatures.push_back(std::move(r));
    } else if (ers::looks_like_der_record(bytes)) {
        report.format = "ers-asn1";
        // The record keeps views into the bytes it was read from: hand them over, no copy.
        const auto record =
            ers::decode_der(std::make_shared<const core::Bytes>(std::move(bytes)), file.string());
        auto objects = ers::data_objects(options);
        report.signatures.push_back(ers::verify_record(record, objects, context, at));
    } else if (bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 &&
               bytes[3] == 4) {
        throw Error(Errc::malformed_input,
                    file.string() +
                        ": a ZIP container (ASiC or similar); this version of ltsign does not "
                        "verify containers yet: unpack it and verify the signatures inside");
    } else {
        token = tsp::token_from_response_bytes(bytes, file.string());
        if (!token) {
            throw Error(Errc::malformed_input,
                        file.string() +
                            ": not a signature ltsign recognises (expected CMS/CAdES, "
                            "XAdES/XMLDSig, an evidence record, an RFC 3161 token or "
                            "TimeStampResp)");
        }
    }
    if (token) {
        // A token verified on its own is one entry of type "timestamp" (DESIGN.md, --json).
        report.format = "tst";
        const auto facts = tsp::token_facts(*token, {.file = options.data});
        report.signatures.push_back(validation::evaluate(facts, context, at));
        report.signatures.back().notes.push_back(
            "this file is an RFC 3161 time-stamp token, not a signature: it can prove that the "
            "document existed at its time, never who signed it");
    }
    report.indication = Indication::total_passed;
    for (const auto& s : report.signatures) {
        if (severity(s.indication) > severity(report.indication) ||
            (s.indication == report.indication && report.sub_indication == SubIndication::none)) {
            report.indication = s.indication;
            report.sub_indication = s.sub_indication;
        }
    }
    return report;
}

const std::vector<std::string> k_signature_extensions = {".p7s", ".p7m", ".pkcs7", ".p7", ".cms",
                                                         ".tst", ".tsr", ".ers",   ".er"};

// An .xml file in a folder is a signature when it holds an XML signature (enveloped signatures
// keep the document's name): the file is scanned for the XMLDSig namespace, in chunks.
bool holds_xml_signature(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    const std::string needle = xml::k_dsig_ns;
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
    if (ext == ".xml" || ext == ".XML") return holds_xml_signature(p);
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
            throw Error(Errc::usage, "data digest " + text +
                                         ": write ALG:BASE64 (several for one object separated "
                                         "by commas), e.g. sha256:qC9i7yNq...=");
        }
        const bool repeated = std::any_of(d.digests.begin(), d.digests.end(),
                                          [&](const auto& known) { return known.first == alg; });
        if (repeated)
            throw Error(Errc::usage, "data digest " + text + ": " + alg + " is given twice");
        d.digests.emplace_back(alg, value);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return d;
}

FileReport verify_file(const fs::path& file, const VerifyOptions& options,
                       const ValidationContext& context) {
    return verify_file_at(file, options, context, context.validation_time.value_or(now_utc()));
}

std::vector<VerifyJob> plan_verification(const std::vector<fs::path>& inputs,
                                         const std::vector<fs::path>& data) {
    const auto files = core::list_files(inputs, is_signature_name, false);
    std::vector<fs::path> data_files;
    std::vector<fs::path> data_dirs;
    for (const auto& d : data) {
        std::error_code ec;
        (fs::is_directory(d, ec) ? data_dirs : data_files).push_back(d);
    }

    std::vector<VerifyJob> jobs;
    for (const auto& in : files) {
        VerifyJob job{in.file, std::nullopt};
        const fs::path stem_rel = document_name(in.relative);
        for (const auto& dir : data_dirs) {
            std::error_code ec;
            if (fs::is_regular_file(dir / stem_rel, ec)) {
                job.data = dir / stem_rel;
                break;
            }
            if (fs::is_regular_file(dir / stem_rel.filename(), ec)) {
                job.data = dir / stem_rel.filename();
                break;
            }
        }
        if (!job.data) {
            for (const auto& f : data_files) {
                if (f.filename() == stem_rel.filename()) job.data = f;
            }
        }
        if (!job.data && data_files.size() == 1 && data_dirs.empty()) job.data = data_files.front();
        if (auto manifest = sealed_manifest(in.file)) job.data = std::move(manifest);
        jobs.push_back(std::move(job));
    }
    // One record and several documents: a data-object group (RFC 4998 4.2).
    if (jobs.size() == 1 && data_dirs.empty() && data_files.size() > 1) {
        jobs[0].data = data_files.front();
        jobs[0].more_data.assign(data_files.begin() + 1, data_files.end());
    }
    return jobs;
}

BatchReport verify_batch(const std::vector<VerifyJob>& jobs, const ValidationContext& context,
                         const std::vector<DataDigests>& digests,
                         const std::function<void(std::size_t, std::size_t)>& progress) {
    BatchReport batch;
    batch.validation_time = context.validation_time.value_or(now_utc());
    // One validation time for the whole batch, so every verdict speaks of the same moment.
    for (const auto& job : jobs) {
        try {
            batch.files.push_back(verify_file_at(job.file, {job.data, job.more_data, digests},
                                                 context, batch.validation_time));
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
            batch.files.push_back(std::move(r));
        }
        if (progress) progress(batch.files.size(), jobs.size());
    }
    return batch;
}

namespace {

bool holds_signature(const FileReport& f) {
    return std::any_of(f.signatures.begin(), f.signatures.end(),
                       [](const SignatureReport& s) { return s.type == "signature"; });
}

}  // namespace

void BatchReport::require_signatures() {
    for (auto& f : files) {
        if (f.error || holds_signature(f) || f.signatures.empty()) continue;
        const std::string kind =
            f.signatures.front().type == "timestamp" ? "a time-stamp token" : "an evidence record";
        f.indication = Indication::total_failed;
        f.sub_indication = SubIndication::sig_constraints_failure;
        f.signatures.front().notes.push_back(
            "a signature was required, but this file holds only " + kind +
            ", which proves that the document existed, not who signed it");
    }
}

Summary BatchReport::summary() const {
    Summary s;
    for (const auto& f : files) {
        if (holds_signature(f)) {
            ++s.signatures;
        } else if (!f.signatures.empty()) {
            ++(f.signatures.front().type == "timestamp" ? s.timestamps : s.evidence_records);
        }
        switch (f.indication) {
            case Indication::total_passed:
                ++s.passed;
                break;
            case Indication::total_failed:
                ++s.failed;
                break;
            case Indication::indeterminate:
                ++s.indeterminate;
                break;
        }
    }
    return s;
}

int BatchReport::exit_code() const {
    bool missing = false, malformed = false, other_error = false;
    int worst = 0;
    for (const auto& d : deliveries) {
        if (!d.complete()) worst = 2;  // an incomplete delivery fails, whatever its files say
    }
    for (const auto& f : files) {
        if (f.error) {
            missing |= *f.error == Errc::input_missing;
            malformed |= *f.error == Errc::malformed_input;
            other_error |= *f.error != Errc::input_missing && *f.error != Errc::malformed_input;
        }
        worst = std::max(worst, severity(f.indication));
    }
    if (missing) return static_cast<int>(Errc::input_missing);
    if (malformed) return static_cast<int>(Errc::malformed_input);
    if (other_error) return static_cast<int>(Errc::io);
    return worst == 2 ? 1 : worst == 1 ? 2 : 0;
}

}  // namespace ltsign
