// ltsign extend SIG --level T --tsa URL (-o OUT | --in-place)
#include <iostream>
#include <memory>

#include "common.hpp"

namespace ltsign::cli {

Command add_extend(CLI::App& root) {
    struct Args {
        std::string signature, output, level;
        TsaArgs tsa;
        std::vector<std::string> trust;
        bool in_place = false, force = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* app =
        root.add_subcommand("extend", "Raise a CAdES or XAdES signature's level (B -> T)");
    app->add_option("SIG", args->signature, "The signature to extend")->required();
    app->add_option("--level", args->level, "T (LT and LTA come later)")->required();
    add_tsa_options(app, args->tsa);
    app->add_option("--trust", args->trust, "Trust anchors (used from level LT on)");
    auto* out =
        app->add_option("-o,--output", args->output, "Where to write the extended signature");
    auto* in_place = app->add_flag("--in-place", args->in_place, "Replace SIG atomically");
    out->excludes(in_place);
    app->add_flag("--force", args->force, "Replace an existing -o file (atomically)");
    return {app, [args] {
                if (args->level != "T" && args->level != "t") {
                    throw Error(Errc::usage,
                                "--level " + args->level + " is not available yet; use --level T");
                }
                if (args->output.empty() && !args->in_place) {
                    throw Error(Errc::usage, "say where the result goes: -o OUT, or --in-place");
                }
                if (args->tsa.url.empty()) throw Error(Errc::usage, "--level T needs --tsa URL");
                const std::string target = args->in_place ? args->signature : args->output;
                std::error_code ec;
                if (!args->in_place && !args->force && std::filesystem::exists(target, ec)) {
                    throw Error(
                        Errc::cannot_create_output,
                        target + " already exists; remove it, choose another -o, or give --force");
                }
                const auto extended =
                    extend_signature(args->signature, Level::t, make_tsa_client(args->tsa));
                write_output(extended, target, args->in_place || args->force);
                std::cout << "extended " << args->signature << " to level T -> " << target << "\n";
                return 0;
            }};
}

}  // namespace ltsign::cli
