// ltsign inspect FILE [--json]
#include <iostream>
#include <memory>

#include "common.hpp"

namespace ltsign::cli {

Command add_inspect(CLI::App& root) {
    struct Args {
        std::string file;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* app =
        root.add_subcommand("inspect", tr("Show what a signature holds, without judging it"));
    app->add_option("FILE", args->file, tr("A signature file"))->required();
    app->add_flag("--json", args->json, tr("Print JSON"));
    return {app, [args] {
                const Inspection ins = inspect_file(args->file);
                std::cout << (args->json ? ins.to_json() : ins.to_text());
                return 0;
            }};
}

}  // namespace ltsign::cli
