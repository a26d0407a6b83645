// ltsign timestamp FILE --tsa URL -o FILE.tst [--digest ALG]
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cli {

Command add_timestamp(CLI::App& root) {
    struct Args {
        std::string file, output, format = "tst";
        TsaArgs tsa;
        bool force = false, json = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* app =
        root.add_subcommand("timestamp", tr("Get an RFC 3161 time-stamp token over a file"));
    app->add_option("FILE", args->file, tr("The file to time-stamp (streamed)"))->required();
    add_tsa_options(app, args->tsa);
    app->add_option("--digest", args->tsa.digest,
                    tr("Imprint digest: sha256 (default), sha384, sha512, sha3-256, sha3-512"));
    app->add_option(
        "--format", args->format,
        tr("tst (default): the token alone (DER); pades: a document time-stamp added to "
           "the PDF FILE, written to -o; asic-s: an ASiC-S container holding FILE and "
           "META-INF/timestamp.tst"));
    app->add_option("-o,--output", args->output, tr("Where to write the token, PDF or container"))
        ->required();
    app->add_flag("--force", args->force, tr("Replace an existing output (atomically)"));
    app->add_flag("--json", args->json, tr("Print what was written as one JSON document"));
    return {
        app, [args] {
            if (args->tsa.url.empty())
                throw Error(Errc::usage, tr("add --tsa URL: the time-stamping authority to ask"));
            std::error_code ec;
            if (!std::filesystem::is_regular_file(args->file, ec)) {
                throw Error(Errc::input_missing,
                            trf("{0}: no such file; check the path", {args->file}));
            }
            require_folder_of(args->output);
            if (!args->force && std::filesystem::exists(args->output, ec)) {
                throw Error(Errc::cannot_create_output,
                            trf("{0} already exists; remove it, choose another -o, or give --force",
                                {args->output}));
            }
            if (args->format != "tst" && args->format != "pades" && args->format != "asic-s") {
                throw Error(Errc::usage,
                            trf("--format {0}: choose tst, pades or asic-s", {args->format}));
            }
            const TsaClient tsa = make_tsa_client(args->tsa);
            if (args->format == "asic-s") {
                timestamp_container(args->file, args->output, tsa, args->force);
                print_outcome(
                    args->json, "timestamp",
                    {{"input", args->file}, {"output", args->output}, {"format", "asic-s"}},
                    "time-stamped " + args->file + " -> " + args->output + "\n");
                return 0;
            }
            if (args->format == "pades") {
                write_output(add_document_timestamp(args->file, tsa), args->output, args->force);
                print_outcome(
                    args->json, "timestamp",
                    {{"input", args->file}, {"output", args->output}, {"format", "pades"}},
                    trf("added a document time-stamp to {0} -> {1}", {args->file, args->output}) +
                        "\n");
                return 0;
            }
            SignedObject token(timestamp_file(args->file, tsa), ".tst");
            write_output(token, args->output, args->force);
            print_outcome(args->json, "timestamp",
                          {{"input", args->file}, {"output", args->output}, {"format", "tst"}},
                          "time-stamped " + args->file + " -> " + args->output + "\n");
            return 0;
        }};
}

}  // namespace ltsign::cli
