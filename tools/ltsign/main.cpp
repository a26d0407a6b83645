// ltsign: the command-line front end. This file only lists the subcommands; each lives in its
// own cmd_*.cpp and calls the library.
#include <algorithm>
#include <iostream>
#include <vector>

#include "common.hpp"

int main(int argc, char** argv) {
    using namespace ltsign;
    // The language first (--lang, else the locale's variables): every text below is made in it.
    if (const int refused = cli::choose_language(argc, argv)) return refused;
    CLI::App app{tr("ltsign: long-term archival signatures (CAdES, time-stamps, evidence records)"),
                 "ltsign"};
    cli::translate_help_labels(app);
    app.set_version_flag("--version", std::string(version()),
                         tr("Display program version information and exit"));
    app.require_subcommand(1);
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose,
                 tr("On errors, also print the underlying library messages"));
    // Read by choose_language before parsing (so it also works after the command); listed here.
    std::string lang;
    app.add_option("--lang", lang,
                   tr("Language of messages and help: en or sv (default: from LC_ALL, "
                      "LC_MESSAGES, LANG)"));

    // clang-format off
    std::vector<cli::Command> commands = {
        cli::add_sign(app),
        cli::add_verify(app),
        cli::add_inspect(app),
        cli::add_timestamp(app),
        cli::add_extend(app),
        cli::add_seal(app),
        cli::add_renew(app),
        cli::add_tsa(app),
        cli::add_keys(app),
        cli::add_trust(app),
        cli::add_ingest(app),
        cli::add_serve(app),
    };
    // clang-format on
    cli::add_help_texts(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // A mistyped command is named, with the command it most likely meant.
        const bool no_command = std::none_of(commands.begin(), commands.end(),
                                             [](const auto& c) { return c.app->parsed(); });
        const std::string suggestion = no_command ? cli::did_you_mean(app, argc, argv) : "";
        if (!suggestion.empty()) {
            std::cerr << suggestion << "\n";
            return static_cast<int>(Errc::usage);
        }
        std::cerr << "ltsign: " << e.what() << tr("; see ltsign --help") << "\n";
        return static_cast<int>(Errc::usage);
    }

    for (const auto& c : commands) {
        if (!c.app->parsed()) continue;
        try {
            return c.run();
        } catch (const Error& e) {
            const std::string hint = cli::remedy_hint(e.remedy());
            std::cerr << "ltsign " << c.app->get_name() << ": " << e.what()
                      << (hint.empty() ? "" : "; " + hint) << "\n";
            if (verbose) {
                for (const auto& cause : e.causes())
                    std::cerr << "  " << tr("caused by:") << " " << cause << "\n";
            }
            return e.exit_code();
        } catch (const std::exception& e) {
            std::cerr << "ltsign " << c.app->get_name() << ": "
                      << trf("internal error: {0}; please report this", {e.what()}) << "\n";
            return static_cast<int>(Errc::internal);
        }
    }
    return static_cast<int>(Errc::usage);
}
