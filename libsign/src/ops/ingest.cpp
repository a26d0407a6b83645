// Archive ingest: one pass over a delivery that leaves the archive the proof of what it received
// (the verdicts, signed; a token per signature; evidence records over everything), staged
// privately and moved into place whole.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include "core/file_io.hpp"
#include "core/file_list.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/ingest.hpp"
#include "ltsign/language.hpp"
#include "ltsign/sign.hpp"
#include "ops/ingest_receipt.hpp"
#include "ops/mets.hpp"
#include "ops/svt.hpp"
#include "ops/unpack.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

// A folder beside `target` only this process uses (mkdtemp: mode 0700), removed on destruction
// unless it was moved into place.
class PrivateFolder {
  public:
    PrivateFolder(const fs::path& target, const std::string& purpose) {
        std::string pattern = (target.parent_path() / ("." + target.filename().string() +
                                                       ".ltsign-" + purpose + "-XXXXXX"))
                                  .string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw Error(Errc::cannot_create_output, trf("cannot create a working folder beside {0}",
                                                        {core::printable(target)}));
        }
        m_path = pattern;
    }
    ~PrivateFolder() {
        std::error_code ec;
        if (!m_path.empty()) fs::remove_all(m_path, ec);
    }
    PrivateFolder(const PrivateFolder&) = delete;
    PrivateFolder& operator=(const PrivateFolder&) = delete;
    const fs::path& path() const { return m_path; }
    // Moves the folder to `target` (which must not exist, or be an empty folder).
    void commit(const fs::path& target) {
        std::error_code ec;
        fs::rename(m_path, target, ec);
        if (ec) {
            throw Error(Errc::cannot_create_output,
                        trf("cannot move the ingest outputs into {0}: {1}",
                            {core::printable(target), ec.message()}));
        }
        m_path.clear();
    }

  private:
    fs::path m_path;
};

void check_output(const fs::path& out) {
    std::error_code ec;
    const auto status = fs::symlink_status(out, ec);
    if (fs::is_symlink(status))
        throw Error(Errc::cannot_create_output,
                    trf("{0} is a symbolic link", {core::printable(out)}));
    if (fs::exists(status) && (!fs::is_directory(status) || !fs::is_empty(out, ec))) {
        throw Error(Errc::cannot_create_output,
                    trf("{0} exists and is not an empty folder; ingest writes a new folder",
                        {core::printable(out)}),
                    Remedy::overwrite);
    }
    const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    if (!fs::is_directory(parent, ec)) {
        throw Error(Errc::cannot_create_output,
                    trf("the folder {0} for {1} does not exist; create it first",
                        {core::printable(parent), core::printable(out)}));
    }
}

std::string relative_name(const fs::path& file, const fs::path& root) {
    return core::printable(
        file.lexically_normal().lexically_relative(root.lexically_normal()).generic_string());
}

// Where the package's METS.xml is: the unpacked root, or the one folder it holds.
fs::path package_root(const fs::path& unpacked, const fs::path& archive) {
    std::error_code ec;
    if (fs::is_regular_file(unpacked / "METS.xml", ec)) return unpacked;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(unpacked)) entries.push_back(e.path());
    if (entries.size() == 1 && fs::is_directory(entries.front(), ec) &&
        fs::is_regular_file(entries.front() / "METS.xml", ec))
        return entries.front();
    throw Error(Errc::malformed_input, trf("{0} holds no METS.xml at its root (nor in its one top "
                                           "folder): it is not an E-ARK/FGS package",
                                           {core::printable(archive.filename())}));
}

// Every file below `root` that no signature covers: neither a signature file nor the document
// of one.
std::vector<std::string> unsigned_files(const fs::path& root, const std::vector<VerifyJob>& jobs,
                                        const BatchReport& batch) {
    std::set<std::string> covered;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        covered.insert(relative_name(jobs[i].file, root));
        const auto& sigs = batch.files[i].signatures;
        const bool signs = std::any_of(
            sigs.begin(), sigs.end(), [](const auto& s) { return s.type == EntryType::signature; });
        if (!signs) continue;
        if (jobs[i].data) covered.insert(relative_name(*jobs[i].data, root));
        for (const auto& m : jobs[i].more_data) covered.insert(relative_name(m, root));
    }
    core::ListOptions list;
    list.missing_is_error = false;
    std::vector<std::string> out;
    for (const auto& f : core::list_files({root}, list)) {
        const std::string name = relative_name(f.file, root);
        if (!covered.contains(name)) out.push_back(name);
    }
    return out;
}

// One .svt file per signature file: a token per signature, in the report's order.
std::vector<std::pair<fs::path, core::Bytes>> make_tokens(const fs::path& root,
                                                          const std::vector<VerifyJob>& jobs,
                                                          BatchReport& batch, const Signer& archive,
                                                          const ops::SvtIssue& base,
                                                          std::size_t& count) {
    std::vector<std::pair<fs::path, core::Bytes>> out;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        FileReport& report = batch.files[i];
        std::vector<const SignatureReport*> sigs;
        for (const auto& s : report.signatures)
            if (s.type == EntryType::signature) sigs.push_back(&s);
        if (sigs.empty()) continue;
        std::vector<ops::SignatureBinding> bindings;
        try {
            bindings = ops::bindings_of(jobs[i].file, jobs[i].data,
                                        jobs[i].data ? relative_name(*jobs[i].data, root) : "");
        } catch (const Error&) {
            continue;  // unreadable: its report says why; no token can name it
        }
        if (bindings.size() != sigs.size()) continue;
        ops::SvtIssue issue = base;
        issue.file = relative_name(jobs[i].file, root);
        std::string lines;
        for (std::size_t k = 0; k < sigs.size(); ++k) {
            if (!bindings[k].problem.empty() || bindings[k].data.empty()) continue;
            lines += ops::make_svt(bindings[k], *sigs[k], archive, issue) + "\n";
            ++count;
        }
        if (!lines.empty())
            out.emplace_back(fs::path("svt") / fs::path(issue.file + ".svt"),
                             core::Bytes(lines.begin(), lines.end()));
    }
    return out;
}

std::string default_issuer(const Signer& archive) {
    const auto der = ossl::to_der(detail::impl(archive).cert.get());
    return "ni:///sha-256;" +
           ops::base64url(crypto::digest_bytes(
               EVP_sha256(), der));  // RFC 6920: the certificate named by its hash
}

std::string policy_uri(const BatchReport& batch) {
    return "urn:ltsign:validation-policy:sha256:" + batch.policy_sha256;
}

// The receipt's XML report signed by the archive key, enveloped XAdES B-B. Its proof of
// existence is the seal's record of it (records/receipt.xml.ers, which verify finds): the
// delivery's one time-stamp, renewable with the rest, where a signature time-stamp would be a
// second request and expire with its TSA.
core::Bytes signed_receipt(const core::Bytes& report, const fs::path& staging,
                           const Signer& archive, const IngestOptions& options) {
    const fs::path unsigned_report = staging / ".receipt-unsigned.xml";
    core::atomic_write(unsigned_report, report, false);
    SignOptions sign;
    sign.format = Format::xades;
    sign.packaging = Packaging::enveloped;
    sign.level = Level::b;
    sign.signing_time = options.issued_at;
    const SignedObject signed_xml = sign_file(unsigned_report, archive, sign);
    fs::remove(unsigned_report);
    return core::from_public_bytes(signed_xml.bytes());
}

// The delivery as received (a folder, or the archive file) and everything written into
// `staging`, sealed under one time-stamp into staging/records.
SealResult seal_delivery(const fs::path& delivery, const fs::path& staging,
                         const ValidationContext& context, const IngestOptions& options) {
    SealOptions seal_options;
    seal_options.tsa = options.tsa;
    // With anchors, the seal's token is validated and carries its TSA's validation data, so the
    // records verify offline (as seal --trust); the context outlives the call.
    if (context.trust.size() > 0)
        seal_options.validation = std::shared_ptr<const ValidationContext>(
            std::shared_ptr<const ValidationContext>(), &context);
    // A package's files as one data group: one record over the folder as received.
    std::error_code ec;
    if (options.seal == IngestSeal::package && fs::is_directory(delivery, ec))
        seal_options.groups = {delivery};
    std::size_t sealing_total = 0;
    std::atomic<std::size_t> sealing_done{0};
    seal_options.total = [&](std::size_t files_total, std::uint64_t) {
        sealing_total = files_total;
    };
    std::mutex progress_mutex;  // seal hashes on several threads
    seal_options.progress = [&](std::size_t, std::uint64_t) {
        const std::lock_guard lock(progress_mutex);
        if (options.progress) options.progress("sealing", ++sealing_done, sealing_total);
    };
    return seal({delivery, staging}, staging / "records", seal_options);
}

// The folder to ingest: the delivery itself, or the package a .zip/.tar unpacks to (in
// `unpacked`, a private folder beside `out`); a package's METS checked into `result`.
fs::path open_delivery(const fs::path& delivery, const fs::path& out,
                       std::optional<PrivateFolder>& unpacked, IngestResult& result,
                       const std::function<void(std::size_t, std::size_t)>& progress) {
    std::error_code ec;
    fs::path root = delivery;
    result.package.container = "folder";
    if (!fs::is_directory(delivery, ec)) {
        const auto kind = ops::archive_kind(delivery);
        if (kind == ops::ArchiveKind::none) {
            throw Error(Errc::malformed_input,
                        trf("{0} is neither a folder nor a .zip or .tar package",
                            {core::printable(delivery)}));
        }
        unpacked.emplace(out, "unpack");
        ops::unpack(delivery, kind, unpacked->path());
        root = package_root(unpacked->path(), delivery);
        result.package.container = kind == ops::ArchiveKind::zip ? "zip" : "tar";
    }
    if (fs::is_regular_file(root / "METS.xml", ec)) {
        const std::string container = result.package.container;
        result.package = ops::check_package(root, result.exempt_files, progress);
        result.package.container = container;
    }
    return root;
}

}  // namespace

IngestResult ingest(const fs::path& delivery, const fs::path& out, const Signer& archive,
                    const ValidationContext& context, const IngestOptions& options) {
    std::error_code ec;
    if (!fs::exists(delivery, ec))
        throw Error(Errc::input_missing, trf("{0} does not exist", {core::printable(delivery)}));
    check_output(out);
    const fs::path out_abs = fs::absolute(out, ec).lexically_normal();
    const fs::path delivery_abs = fs::absolute(delivery, ec).lexically_normal();
    const auto mismatch =
        std::mismatch(delivery_abs.begin(), delivery_abs.end(), out_abs.begin(), out_abs.end());
    if (fs::is_directory(delivery, ec) && mismatch.first == delivery_abs.end()) {
        throw Error(Errc::usage, trf("{0} lies inside the delivery {1}, which ingest never "
                                     "changes; choose a folder outside it",
                                     {core::printable(out), core::printable(delivery)}));
    }
    const TimePoint issued_at = options.issued_at.value_or(now_utc());
    archive.check_usable_at(issued_at);
    const auto progress = [&](const std::string& stage) {
        return [&options, stage](std::size_t done, std::size_t total) {
            if (options.progress) options.progress(stage, done, total);
        };
    };

    IngestResult result;
    result.require = options.require;
    result.seal = options.seal;
    PrivateFolder staging(out, "ingest");
    std::optional<PrivateFolder> unpacked;
    const fs::path root = open_delivery(delivery, out, unpacked, result, progress("checksums"));

    const auto jobs = plan_verification({root}, {root});
    result.report = verify_batch(jobs, context, {}, progress("signatures"));
    result.unsigned_files = unsigned_files(root, jobs, result.report);

    const ops::SvtIssue issue{options.issuer.empty() ? default_issuer(archive) : options.issuer,
                              issued_at,
                              policy_uri(result.report),
                              result.report.policy_name,
                              {}};
    auto files = make_tokens(root, jobs, result.report, archive, issue, result.token_count);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        auto& f = result.report.files[i];
        f.path = relative_name(jobs[i].file, root);
        if (f.data) f.data = relative_name(*f.data, root);
    }
    for (const auto& [path, bytes] : files) result.tokens.push_back(path);
    ops::decide(result, options.require);

    {
        // Written, then let go before the seal: a large delivery's receipt is megabytes.
        const std::string json = to_json(result);
        files.emplace_back("receipt.json", core::Bytes(json.begin(), json.end()));
        for (auto& [path, bytes] : files) {
            fs::create_directories((staging.path() / path).parent_path());
            path = staging.path() / path;
        }
        core::atomic_write_all(files, false);
        files = {};
        const core::Bytes receipt =
            signed_receipt(ops::etsi_receipt(result, core::Bytes(json.begin(), json.end())),
                           staging.path(), archive, options);
        core::atomic_write(staging.path() / "receipt.xml", receipt, false);
    }

    const SealResult seal_result = seal_delivery(delivery, staging.path(), context, options);
    result.sealed_at = seal_result.time;

    staging.commit(out);
    result.out = out;
    result.receipt_xml = out / "receipt.xml";
    result.receipt_json = out / "receipt.json";
    for (auto& t : result.tokens) t = out / t;
    // Each record once: a data group's files share one.
    std::set<fs::path> records;
    for (const auto& d : seal_result.documents) {
        if (records.insert(d.record).second)
            result.records.push_back(out / d.record.lexically_relative(staging.path()));
    }
    return result;
}

}  // namespace ltsign
