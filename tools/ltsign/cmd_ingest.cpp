// ltsign ingest DELIVERY -o OUT --key K --tsa URL [--trust ...] [--require signed|valid|any]
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"
#include "progress.hpp"

namespace ltsign::cli {
namespace {

IngestSeal parse_seal(const std::string& text) {
    if (text == "per-file") return IngestSeal::per_file;
    if (text == "package") return IngestSeal::package;
    throw Error(Errc::usage, trf("--seal {0}: choose per-file or package", {text}));
}

IngestRequirement parse_requirement(const std::string& text) {
    if (text == "any") return IngestRequirement::any;
    if (text == "signed") return IngestRequirement::signed_documents;
    if (text == "valid") return IngestRequirement::valid;
    throw Error(Errc::usage, trf("--require {0}: choose signed, valid or any", {text}));
}

std::string summary_line(const IngestResult& r) {
    const Summary s = r.report.summary();
    std::string line =
        std::string(r.accepted ? "ACCEPTED" : "REFUSED") + "  " + r.decision + "\n  " +
        trf("{0} signature file(s): {1} passed, {2} failed, {3} indeterminate; {4} file(s) "
            "without signature",
            {std::to_string(r.report.files.size()), std::to_string(s.passed),
             std::to_string(s.failed), std::to_string(s.indeterminate),
             std::to_string(r.unsigned_files.size())});
    if (r.package.is_package) {
        line += trf("; package {0}: {1} listed, {2} checksums verified",
                    {r.package.mets_id, std::to_string(r.package.listed),
                     std::to_string(r.package.verified)});
    }
    return line + "\n";
}

// The stage the library reports progress for, in the reader's language.
std::string stage_name(const std::string& stage) {
    if (stage == "checksums") return tr("checksums");
    if (stage == "signatures") return tr("signatures");
    if (stage == "sealing") return tr("sealing");
    return stage;
}

std::string problems_text(const IngestResult& r) {
    std::string out;
    for (const auto& p : r.package.problems)
        out += "  " + std::string(to_string(p.kind)) + ": " + p.path + " (" + p.detail + ")\n";
    // A delivery of thousands of unsigned files: the first ones here, all of them in the receipt.
    constexpr std::size_t shown = 50;
    for (std::size_t i = 0; i < r.unsigned_files.size() && i < shown; ++i)
        out += "  " + trf("no signature: {0}", {r.unsigned_files[i]}) + "\n";
    if (r.unsigned_files.size() > shown) {
        out += "  " +
               trf("... and {0} more without signature (receipt.json lists them all)",
                   {std::to_string(r.unsigned_files.size() - shown)}) +
               "\n";
    }
    return out;
}

}  // namespace

Command add_ingest(CLI::App& root) {
    struct Args {
        std::string delivery, output, require = "valid", seal = "per-file", issuer, issued_at;
        KeyArgs key;
        TsaArgs tsa;
        ValidationArgs validation;
        bool json = false, quiet = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* app = root.add_subcommand(
        "ingest",
        tr("Verify a whole delivery once; keep a signed receipt, a token per signature and "
           "evidence records"));
    app->add_option("DELIVERY", args->delivery,
                    tr("A folder, or an E-ARK/FGS package (METS.xml at its root, or a .zip/.tar)"))
        ->required();
    app->add_option("-o,--output", args->output,
                    tr("New folder for the receipt, tokens (svt/) and records (records/)"))
        ->required();
    add_key_options(app, args->key, true);
    add_tsa_options(app, args->tsa);
    add_validation_options(app, args->validation);
    app->add_option("--require", args->require,
                    tr("Accept (exit 0) or refuse (exit 1): signed, valid (default) or any"));
    app->add_option("--seal", args->seal,
                    tr("per-file (default): a record per file; package: one record for the "
                       "delivery folder's files as one data group"));
    app->add_option("--issuer", args->issuer,
                    tr("The tokens' issuer URI (default: the archive certificate's ni: URI)"));
    app->add_option(
        "--signing-time", args->issued_at,
        tr("When the receipt is signed and the tokens issued (RFC 3339; default: now)"));
    app->add_flag("--json", args->json, tr("Print the receipt as one JSON document"));
    app->add_flag("-q,--quiet", args->quiet, tr("Print the summary and problems only"));
    return {
        app, [args] {
            if (args->tsa.url.empty())
                throw Error(Errc::usage,
                            tr("add --tsa URL: the receipt and the seal need a time-stamp"));
            IngestOptions o;
            o.require = parse_requirement(args->require);
            o.seal = parse_seal(args->seal);
            o.tsa = make_tsa_client(args->tsa);
            o.issuer = args->issuer;
            if (!args->issued_at.empty())
                o.issued_at = parse_time_option(args->issued_at, "--signing-time");
            const Signer archive = load_signer(args->key);
            const ValidationContext context = make_validation_context(args->validation);
            std::unique_ptr<Progress> shown;
            std::string stage;
            o.progress = [&](const std::string& s, std::size_t done, std::size_t total) {
                if (s != stage) {
                    if (shown) shown->finish();
                    stage = s;
                    shown = std::make_unique<Progress>(stage_name(s), total, 0,
                                                       !args->json && !args->quiet);
                }
                (void)done;
                shown->advance(1, 0);
            };
            const IngestResult r = ingest(args->delivery, args->output, archive, context, o);
            if (shown) shown->finish();
            if (args->json) {
                nlohmann::json j = nlohmann::json::parse(to_json(r));
                j["output"] = args->output;
                j["sealedAt"] = format_rfc3339(r.sealed_at);
                j["records"] = r.records.size();
                std::cout << j.dump(2) << "\n";
            } else {
                if (!args->quiet)
                    std::cout << r.report.to_text(stdout_is_terminal() && !no_color());
                std::cout << problems_text(r) << summary_line(r) << "  "
                          << trf("receipt, {0} token(s) and {1} record(s) sealed at {2} in {3}",
                                 {std::to_string(r.token_count), std::to_string(r.records.size()),
                                  format_rfc3339(r.sealed_at), args->output})
                          << "\n";
            }
            return r.accepted ? 0 : 1;
        }};
}

}  // namespace ltsign::cli
