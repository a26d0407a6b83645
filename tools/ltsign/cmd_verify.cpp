// ltsign verify FILE... [--data DOC]... [--trust PEM|DIR]... [--at TIME] [--json]
//               [--ers-hash-order sorted|unsorted|both]
#include <cstdlib>
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"
#include "progress.hpp"

namespace ltsign::cli {
namespace fs = std::filesystem;
namespace {

struct VerifyArgs {
    std::vector<std::string> files, data, data_digests;
    std::string report_xml, require = "any", ers_hash_order = "both", output;
    int extract_revision = 0;
    unsigned jobs = 0;
    ValidationArgs validation;
    bool json = false, force = false, quiet = false, only_problems = false;
};

// The library's verdicts speak of documents and trust anchors; what to type is this CLI's to say.
// One line per kind of fix, after the text report.
void print_hints(const BatchReport& report, const VerifyArgs& a) {
    bool document = false, trust = false;
    for (const auto& f : report.files) {
        // A sealed manifest's record finds its manifest.json by itself: --data cannot help it.
        const bool manifest_record = f.path.filename().string().starts_with("manifest.json.ers");
        // A user who gave documents is told where they were looked for (the explanation), not
        // to give them.
        document |= f.sub_indication == SubIndication::signed_data_not_found && !f.data &&
                    !f.error && a.data.empty() && a.data_digests.empty() && !manifest_record;
        trust |= f.sub_indication == SubIndication::no_certificate_chain_found;
    }
    if (document) std::cout << tr("hint: give the signed document with --data DOC|DIR") << "\n";
    if (trust && a.validation.trust.empty() && a.validation.trust_list.empty() &&
        a.validation.trust_configs.empty())
        std::cout << tr("hint: name the trusted roots with --trust PEM|DIR") << "\n";
}

// The report must never replace what is being verified, nor an existing file unless asked: the
// check comes before any verification, so a refused run writes nothing.
void check_report_target(const fs::path& report, const std::vector<VerifyJob>& jobs, bool force) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(report, ec))) return;
    for (const auto& job : jobs) {
        std::vector<fs::path> inputs{job.file};
        if (job.data) inputs.push_back(*job.data);
        inputs.insert(inputs.end(), job.more_data.begin(), job.more_data.end());
        for (const auto& in : inputs) {
            if (fs::equivalent(report, in, ec)) {
                throw Error(
                    Errc::usage,
                    trf("{0}: --report-xml names a file being verified; write the report elsewhere",
                        {report.string()}));
            }
        }
    }
    if (!force) {
        throw Error(Errc::cannot_create_output,
                    trf("{0}: already exists; give --force to replace it", {report.string()}));
    }
}

// --extract-revision N -o OUT: the bytes a PDF signature covering revision N signed, as they are.
int extract_revision(const VerifyArgs& a) {
    if (a.files.size() != 1 || a.output.empty())
        throw Error(Errc::usage, tr("--extract-revision takes one PDF and -o OUT"));
    require_folder_of(a.output);
    const auto bytes = pdf_revision(a.files.front(), a.extract_revision);
    SignedObject(bytes, ".pdf").save(a.output, a.force);
    std::cout << trf("wrote revision {0} of {1} ({2} bytes) -> {3}",
                     {std::to_string(a.extract_revision), a.files.front(),
                      std::to_string(bytes.size()), a.output})
              << "\n";
    return 0;
}

int run_verify(const VerifyArgs& a) {
    if (a.extract_revision != 0) return extract_revision(a);
    if (!a.output.empty()) throw Error(Errc::usage, tr("-o goes with --extract-revision N"));
    ValidationContext ctx = make_validation_context(a.validation);
    ctx.ers_hash_order = a.ers_hash_order == "sorted"     ? ErsHashOrder::sorted
                         : a.ers_hash_order == "unsorted" ? ErsHashOrder::unsorted
                                                          : ErsHashOrder::both;
    for (const auto& d : a.data) {
        std::error_code ec;
        if (!fs::exists(d, ec))
            throw Error(Errc::input_missing,
                        trf("{0}: no such document or folder; check --data", {d}));
    }
    std::vector<fs::path> inputs(a.files.begin(), a.files.end());
    std::vector<fs::path> data(a.data.begin(), a.data.end());
    const auto jobs = plan_verification(inputs, data);
    if (jobs.empty())
        throw Error(Errc::input_missing, tr("no signature files found in the folders given"));
    if (!a.report_xml.empty()) {
        require_folder_of(a.report_xml);
        check_report_target(a.report_xml, jobs, a.force);
    }

    std::vector<DataDigests> digests;
    for (const auto& d : a.data_digests) digests.push_back(parse_data_digest(d));
    // Long batches show progress on a terminal, never in pipes or with --json (DESIGN.md).
    std::vector<std::uint64_t> sizes;
    std::uint64_t total = 0;
    for (const auto& job : jobs) {
        sizes.push_back(size_of(job.file.string()) + (job.data ? size_of(job.data->string()) : 0));
        total += sizes.back();
    }
    Progress shown(tr("verifying"), jobs.size(), total, !a.json && !a.quiet);
    // Files finish out of order on several threads: the bytes shown are those of as many files
    // as are done (the same total at the end).
    BatchReport report = verify_batch(
        jobs, ctx, digests,
        [&](std::size_t done, std::size_t) { shown.advance(1, sizes[done - 1]); }, a.jobs);
    shown.finish();
    if (a.require == "signed") report.require_signatures();
    report.deliveries = check_deliveries(inputs, data);
    if (!a.report_xml.empty()) {
        const std::string xml = report.to_etsi_xml();
        SignedObject(
            std::vector<std::byte>(reinterpret_cast<const std::byte*>(xml.data()),
                                   reinterpret_cast<const std::byte*>(xml.data()) + xml.size()),
            ".xml")
            .save(a.report_xml, true);
    }
    if (a.json) {
        report.write_json(std::cout);
    } else {
        std::cout << report.to_text(
            TextOptions{stdout_is_terminal() && !no_color(), a.only_problems, a.quiet});
        print_hints(report, a);
    }
    return exit_status(report);
}

}  // namespace

Command add_verify(CLI::App& root) {
    auto args = std::make_shared<VerifyArgs>();
    CLI::App* app = root.add_subcommand(
        "verify", tr("Verify signatures and report ETSI EN 319 102-1 verdicts"));
    app->add_option("FILE", args->files, tr("Signature files or folders of them"))->required();
    app->add_option("--data", args->data,
                    tr("The signed document, or a folder where NAME.p7s finds NAME; repeatable"));
    app->add_option(
        "--data-digest", args->data_digests,
        tr("A data object known only by its digest, ALG:BASE64 (evidence records); repeatable"));
    add_validation_options(app, args->validation);
    app->add_option(
           "--require", args->require,
           tr("signed: a file holding only a time-stamp token or an evidence record fails; "
              "any (default): each is judged as what it is"))
        ->check(CLI::IsMember({"signed", "any"}));
    app->add_option("--ers-hash-order", args->ers_hash_order,
                    tr("How an evidence record's hash-tree renewal may join h(d) and ha: sorted "
                       "(RFC 6283), unsorted (RFC 4998 5.2), both (default)"))
        ->check(CLI::IsMember({"sorted", "unsorted", "both"}));
    add_jobs_option(app, args->jobs);
    app->add_flag("--json", args->json, tr("Print one JSON document for programs"));
    app->add_flag("-q,--quiet", args->quiet,
                  tr("Print only the summary and one line for each file that did not pass"));
    app->add_flag("--only-problems", args->only_problems,
                  tr("Print in full only the files that did not pass, then the summary"));
    app->add_option("--extract-revision", args->extract_revision,
                    tr("Write revision N of a PDF (what a signature covering it signed) to -o, "
                       "instead of verifying"));
    app->add_option("-o,--output", args->output, tr("Where --extract-revision writes"));
    app->add_flag("--force", args->force, tr("Replace an existing --report-xml or -o file"));
    app->add_option(
        "--report-xml", args->report_xml,
        tr("Also write the ETSI TS 119 102-2 XML validation report to this file (atomically)"));
    return {app, [args] { return run_verify(*args); }};
}

}  // namespace ltsign::cli
