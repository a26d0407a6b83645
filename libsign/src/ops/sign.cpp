// Signing files and batches: the format is chosen here, the signature made by its area.
#include <mutex>
#include <optional>
#include <set>

#include "cms/cades_sign.hpp"
#include "core/file_io.hpp"
#include "core/file_list.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "ltsign/sign.hpp"
#include "ops/services.hpp"
#include "pdf/pades_verify.hpp"
#include "pdf/pades_write.hpp"
#include "xml/xades.hpp"

namespace ltsign {
namespace fs = std::filesystem;

void SignedObject::save(const std::filesystem::path& target, bool overwrite) const {
    core::atomic_write(
        target, std::span(reinterpret_cast<const unsigned char*>(m_bytes.data()), m_bytes.size()),
        overwrite);
}

std::vector<PlannedSignature> plan_signatures(const std::vector<fs::path>& inputs,
                                              const fs::path& out, const SignOptions& options) {
    // A signed PDF keeps its name: the signature is inside it.
    const std::string extension = options.format == Format::xades   ? ".xades.xml"
                                  : options.format == Format::pades ? ""
                                                                    : ".p7s";
    core::ListOptions list;
    list.output_dir = out;
    list.is_output = [](const fs::path& relative) {
        const std::string name = relative.filename().string();
        return name.ends_with(".p7s") || name.ends_with(".xades.xml");
    };
    const auto files = core::list_files(inputs, list);
    if (files.empty())
        throw Error(Errc::input_missing, tr("no files to sign in the folders given"));
    std::error_code ec;
    const bool to_dir = files.size() > 1 || fs::is_directory(out, ec) ||
                        out.native().ends_with('/') || fs::is_directory(inputs.front(), ec);
    std::vector<PlannedSignature> plan;
    if (!to_dir) {
        core::refuse_link(out);
        if (fs::equivalent(files.front().file, out, ec)) {
            throw Error(Errc::usage, trf("{0} is the document itself; choose another output",
                                         {core::printable(out)}));
        }
        plan.push_back({files.front().file, out});
        return plan;
    }
    const auto outputs = core::output_paths(files, out, extension);
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (fs::equivalent(files[i].file, outputs[i], ec)) {
            throw Error(Errc::usage,
                        trf("{0} would replace the document itself; choose another output folder",
                            {core::printable(outputs[i])}));
        }
        plan.push_back({files[i].file, outputs[i]});
    }
    return plan;
}

namespace {

void remove_folders(const std::vector<fs::path>& made) {
    std::error_code ignored;
    for (auto it = made.rbegin(); it != made.rend(); ++it) fs::remove(*it, ignored);
}

// The folders the targets need and lack, made parents first; those made are returned, so that a
// failed batch can remove them again and leave nothing.
std::vector<fs::path> make_folders(const std::vector<fs::path>& targets) {
    std::vector<fs::path> made;
    std::set<fs::path> seen;
    try {
        for (const auto& target : targets) {
            if (!seen.insert(target.parent_path()).second) continue;
            std::vector<fs::path> missing;
            std::error_code ec;
            for (fs::path d = target.parent_path(); !d.empty() && !fs::exists(d, ec);
                 d = d.parent_path()) {
                missing.push_back(d);
            }
            for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
                if (!fs::create_directory(*it, ec) && ec) {
                    throw Error(Errc::cannot_create_output,
                                trf("cannot create the folder {0}: {1}",
                                    {core::printable(*it), ec.message()}));
                }
                made.push_back(*it);
            }
        }
    } catch (...) {
        remove_folders(made);
        throw;
    }
    return made;
}

}  // namespace

void save_all(const std::vector<SignedObject>& signatures, const std::vector<fs::path>& targets,
              bool overwrite) {
    if (signatures.size() != targets.size())
        throw Error(Errc::internal, tr("save_all: one target per signature"));
    const auto made = make_folders(targets);
    try {
        core::atomic_write_all(
            targets,
            [&](std::size_t i) {
                const auto* b =
                    reinterpret_cast<const unsigned char*>(signatures[i].bytes().data());
                return core::Bytes(b, b + signatures[i].bytes().size());
            },
            overwrite);
    } catch (...) {
        remove_folders(made);
        throw;
    }
}

void sign_and_save(const std::vector<PlannedSignature>& plan, const Signer& signer,
                   const SignOptions& options, bool overwrite, unsigned jobs,
                   const std::function<void(const PlannedSignature&)>& done) {
    if (!signer.token_uri().empty()) jobs = 1;  // one token session, one thread
    std::vector<fs::path> targets;
    for (const auto& p : plan) targets.push_back(p.output);
    const auto made = make_folders(targets);
    std::mutex done_mutex;
    try {
        core::atomic_write_all(
            targets,
            [&](std::size_t i) {
                const SignedObject signature = sign_file(plan[i].input, signer, options);
                if (done) {
                    const std::lock_guard lock(done_mutex);
                    done(plan[i]);
                }
                const auto* b = reinterpret_cast<const unsigned char*>(signature.bytes().data());
                return core::Bytes(b, b + signature.bytes().size());
            },
            overwrite, jobs);
    } catch (...) {
        remove_folders(made);
        throw;
    }
}

SignedObject sign_file(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options) {
    const auto tokens = options.tsa ? ops::token_source(*options.tsa) : cms::TokenSource{};
    if (options.format == Format::xades)
        return ops::signed_object(xml::sign_xades(file, signer, options, tokens), ".xades.xml");
    if (options.format == Format::pades) {
        const auto pdf = core::read_file(file, core::k_max_signature_file);
        if (!pdf::looks_like_pdf(pdf))
            throw Error(Errc::malformed_input,
                        trf("{0}: not a PDF; PAdES signs PDFs", {file.string()}));
        return ops::signed_object(pdf::sign_pdf(pdf, file.string(), signer, options, tokens),
                                  ".pdf");
    }
    return ops::signed_object(cms::sign_cades(file, signer, options, tokens), ".p7s");
}

std::vector<SignedObject> sign_files(const std::vector<PlannedSignature>& plan,
                                     const Signer& signer, const SignOptions& options,
                                     unsigned jobs,
                                     const std::function<void(const PlannedSignature&)>& done) {
    if (!signer.token_uri().empty()) jobs = 1;
    std::vector<std::optional<SignedObject>> made(plan.size());
    std::mutex done_mutex;
    core::parallel_for(plan.size(), jobs, [&](std::size_t i) {
        made[i].emplace(sign_file(plan[i].input, signer, options));
        if (done) {
            const std::lock_guard lock(done_mutex);
            done(plan[i]);
        }
    });
    std::vector<SignedObject> out;
    out.reserve(made.size());
    for (auto& m : made) out.push_back(std::move(*m));
    return out;
}

SignedObject add_document_timestamp(const std::filesystem::path& pdf, const TsaClient& tsa) {
    const auto bytes = core::read_file(pdf, core::k_max_signature_file);
    if (!pdf::looks_like_pdf(bytes))
        throw Error(Errc::malformed_input, trf("{0}: not a PDF", {pdf.string()}));
    return ops::signed_object(
        pdf::timestamp_pdf(bytes, pdf.string(), crypto::evp_md(tsa.digest), ops::token_source(tsa)),
        ".pdf");
}

std::vector<std::byte> pdf_revision(const std::filesystem::path& pdf, int revision) {
    const auto bytes = core::read_file(pdf, core::k_max_signature_file);
    if (!pdf::looks_like_pdf(bytes))
        throw Error(Errc::malformed_input, trf("{0}: not a PDF", {pdf.string()}));
    return core::to_public_bytes(pdf::revision(bytes, pdf.string(), revision));
}

}  // namespace ltsign
