// ltsign seal FILE|DIR... --tsa URL -o OUTDIR [--format asn1|xml] [--digest ALG]
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"
#include "progress.hpp"

namespace ltsign::cli {
namespace {

// With --trust, the records' tokens carry their TSA's validation data (they verify offline).
std::shared_ptr<const ValidationContext> validation_for_records(const ValidationArgs& a) {
    if (a.trust.empty()) return nullptr;
    return std::make_shared<const ValidationContext>(make_validation_context(a));
}

}  // namespace

Command add_seal(CLI::App& root) {
    struct Args {
        std::vector<std::string> inputs;
        std::string output, format = "asn1";
        TsaArgs tsa;
        ValidationArgs validation;
        unsigned threads = 0;
        bool force = false, container = false, json = false, group = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* app = root.add_subcommand(
        "seal", tr("Seal documents with one time-stamp: an evidence record per document"));
    app->add_option("FILE", args->inputs, tr("Files or folders to seal"))->required();
    add_tsa_options(app, args->tsa);
    app->add_option("--digest", args->tsa.digest,
                    tr("Hash algorithm: sha256 (default), sha384, sha512, sha3-256, sha3-512"));
    app->add_option("--format", args->format,
                    tr("asn1 (RFC 4998, .ers; default) or xml (RFC 6283, .ers.xml)"));
    app->add_option("-o,--output", args->output, tr("Folder for the records and manifest.json"))
        ->required();
    add_jobs_option(app, args->threads);
    // The option's name before 0.2; kept so that scripts keep working.
    app->add_option("--threads", args->threads)->group("")->check(CLI::Range(1u, 1024u));
    add_validation_options(app, args->validation);
    app->add_flag("--force", args->force, tr("Replace existing records (atomically)"));
    app->add_flag("--group", args->group,
                  tr("Seal each folder given as one data group: one record, NAME.ers, for all "
                     "the files of the folder NAME"));
    app->add_flag("--container", args->container,
                  tr("FILE is an ASiC container: write one record over its documents into it, "
                     "-o being the new container"));
    app->add_flag("--json", args->json, tr("Print what was written as one JSON document"));
    return {app, [args] {
                if (args->tsa.url.empty())
                    throw Error(Errc::usage, tr("add --tsa URL: sealing needs a time-stamp"));
                if (args->format != "asn1" && args->format != "xml") {
                    throw Error(Errc::usage,
                                trf("--format {0}: choose asn1 or xml", {args->format}));
                }
                SealOptions o;
                o.tsa = make_tsa_client(args->tsa);
                o.digest = o.tsa.digest;
                o.format = args->format == "xml" ? RecordFormat::xml : RecordFormat::asn1;
                o.overwrite = args->force;
                o.threads = args->threads;
                if (args->group) o.groups.assign(args->inputs.begin(), args->inputs.end());
                o.validation = validation_for_records(args->validation);
                if (args->container) {
                    if (args->inputs.size() != 1)
                        throw Error(Errc::usage, tr("--container seals one container at a time"));
                    const TimePoint t = seal_container(args->inputs.front(), args->output, o);
                    print_outcome(args->json, "seal",
                                  {{"container", args->inputs.front()},
                                   {"output", args->output},
                                   {"time", format_rfc3339(t)}},
                                  trf("sealed {0} with a time-stamp at {1} -> {2}",
                                      {args->inputs.front(), format_rfc3339(t), args->output}) +
                                      "\n");
                    return 0;
                }
                std::vector<std::filesystem::path> inputs(args->inputs.begin(), args->inputs.end());
                Progress shown(tr("hashing"), 0, 0, !args->json);
                o.total = [&shown](std::size_t files, std::uint64_t bytes) {
                    shown.set_total(files, bytes);
                };
                o.progress = [&shown](std::size_t files, std::uint64_t bytes) {
                    shown.advance(files, bytes);
                };
                const SealResult r = seal(inputs, args->output, o);
                shown.finish();
                nlohmann::json documents = nlohmann::json::array();
                for (const auto& d : r.documents) {
                    documents.push_back({{"document", d.document.string()},
                                         {"record", d.record.string()},
                                         {"size", d.size},
                                         {"digest", d.digest}});
                }
                print_outcome(args->json, "seal",
                              {{"time", format_rfc3339(r.time)},
                               {"manifest", r.manifest.string()},
                               {"manifestRecord", r.manifest_record.string()},
                               {"documents", std::move(documents)}},
                              trf("sealed {0} document(s) with one time-stamp at {1}; records "
                                  "and {2} in {3}",
                                  {std::to_string(r.documents.size()), format_rfc3339(r.time),
                                   r.manifest.filename().string(), args->output}) +
                                  "\n");
                return 0;
            }};
}

Command add_renew(CLI::App& root) {
    struct Args {
        std::vector<std::string> records, data;
        std::string digest;
        TsaArgs tsa;
        ValidationArgs validation;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* app =
        root.add_subcommand("renew", tr("Renew evidence records with one new time-stamp"));
    app->add_option("RECORD", args->records, tr("Records (.ers, .ers.xml) or folders of them"))
        ->required();
    add_tsa_options(app, args->tsa);
    app->add_option("--digest", args->digest,
                    tr("Hash-tree renewal with this stronger algorithm (needs --data); without it, "
                       "time-stamp renewal"));
    app->add_option("--data", args->data,
                    tr("The documents (files, or folders where NAME.ers finds NAME)"));
    add_validation_options(app, args->validation);
    app->add_flag("--json", args->json, tr("Print what was renewed as one JSON document"));
    return {
        app, [args] {
            if (args->tsa.url.empty())
                throw Error(Errc::usage, tr("add --tsa URL: renewal needs a time-stamp"));
            RenewOptions o;
            o.tsa = make_tsa_client(args->tsa);
            if (!args->digest.empty()) {
                o.new_digest = parse_digest(args->digest);
                o.tsa.digest = *o.new_digest;
            }
            o.data.assign(args->data.begin(), args->data.end());
            o.validation = validation_for_records(args->validation);
            std::vector<std::filesystem::path> records(args->records.begin(), args->records.end());
            const RenewResult r = renew(records, o);
            nlohmann::json renewed = nlohmann::json::array();
            for (const auto& f : r.records) renewed.push_back(f.string());
            print_outcome(
                args->json, "renew",
                {{"kind", o.new_digest ? "hash-tree" : "time-stamp"},
                 {"time", format_rfc3339(r.time)},
                 {"records", std::move(renewed)}},
                (o.new_digest ? trf("hash-tree renewal of {0} record(s) with one time-stamp at {1}",
                                    {std::to_string(r.records.size()), format_rfc3339(r.time)})
                              : trf("time-stamp renewal of {0} record(s) with one time-stamp at "
                                    "{1}",
                                    {std::to_string(r.records.size()), format_rfc3339(r.time)})) +
                    "\n");
            return 0;
        }};
}

}  // namespace ltsign::cli
