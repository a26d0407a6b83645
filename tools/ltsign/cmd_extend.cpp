// ltsign extend SIG --level T|LT|LTA [--tsa URL] [--trust ...] [--data DOC] (-o OUT | --in-place)
#include <iostream>
#include <memory>

#include "common.hpp"

namespace ltsign::cli {
namespace {

struct ExtendArgs {
    std::string signature, output, level, data;
    TsaArgs tsa;
    ValidationArgs validation;
    bool in_place = false, overwrite = false, force = false;
};

Level parse_level(const std::string& text) {
    if (text == "T" || text == "t") return Level::t;
    if (text == "LT" || text == "lt") return Level::lt;
    if (text == "LTA" || text == "lta") return Level::lta;
    if (text == "ERS" || text == "ers") return Level::ers;
    throw Error(Errc::usage, "--level " + text + " is not a level; use T, LT, LTA or ERS");
}

// An ASiC container is extended as a whole, written straight to its target (it may be large).
int extend_a_container(const ExtendArgs& a, const std::string& target,
                       const ExtendOptions& options) {
    const auto r =
        extend_container(a.signature, target, options, make_validation_context(a.validation),
                         a.in_place || a.overwrite);
    if (!r.written) {
        std::cerr << "ltsign: " << r.refusal
                  << "; nothing was written (give --force to extend it anyway)\n";
        return r.before.indication == Indication::total_failed ? 1 : 2;
    }
    std::cout << "extended " << a.signature << " -> " << target << " ("
              << to_string(r.after.indication) << ")\n";
    return 0;
}

int run_extend(const ExtendArgs& a) {
    const Level level = parse_level(a.level);
    if (a.output.empty() && !a.in_place)
        throw Error(Errc::usage, "say where the result goes: -o OUT, or --in-place");
    if (a.tsa.url.empty() && level != Level::lt)
        throw Error(Errc::usage, "--level " + a.level + " needs --tsa URL");
    const std::string target = a.in_place ? a.signature : a.output;
    std::error_code ec;
    if (!a.in_place && !a.overwrite && std::filesystem::exists(target, ec)) {
        throw Error(Errc::cannot_create_output,
                    target + " already exists; remove it, choose another -o, or give --overwrite");
    }
    ExtendOptions options;
    options.level = level;
    if (!a.tsa.url.empty()) options.tsa = make_tsa_client(a.tsa);
    if (!a.data.empty()) options.data = a.data;
    options.force = a.force;
    if (is_container(a.signature)) return extend_a_container(a, target, options);
    const ExtendResult result =
        extend_signature(a.signature, options, make_validation_context(a.validation));
    if (!result.signature) {
        std::cerr << "ltsign: " << result.refusal
                  << "; nothing was written (give --force to extend it anyway)\n";
        return result.before.indication == Indication::total_failed ? 1 : 2;
    }
    write_output(*result.signature, target, a.in_place || a.overwrite);
    std::string level_name = "?";
    if (!result.after.signatures.empty())
        level_name = std::string(to_string(result.after.signatures.front().level));
    std::cout << "extended " << a.signature << " to " << level_name << " -> " << target << " ("
              << to_string(result.after.indication) << ")\n";
    for (const auto& s : result.after.signatures) {
        if (s.renew_by) {
            std::cout << "renew by " << format_rfc3339(*s.renew_by)
                      << " (extend --level LTA again)\n";
            break;
        }
    }
    return 0;
}

}  // namespace

Command add_extend(CLI::App& root) {
    auto args = std::make_shared<ExtendArgs>();
    CLI::App* app = root.add_subcommand(
        "extend", "Raise a CAdES or XAdES signature's level (T, LT, LTA); LTA again renews it");
    app->add_option("SIG", args->signature, "The signature to extend")->required();
    app->add_option("--level", args->level,
                    "T, LT, LTA, or ERS (embed an evidence record over the signature)")
        ->required();
    add_tsa_options(app, args->tsa);
    add_validation_options(app, args->validation);
    app->add_option("--data", args->data,
                    "The signed document of a detached signature (LTA covers it)");
    auto* out =
        app->add_option("-o,--output", args->output, "Where to write the extended signature");
    auto* in_place = app->add_flag("--in-place", args->in_place, "Replace SIG atomically");
    out->excludes(in_place);
    app->add_flag("--overwrite", args->overwrite, "Replace an existing -o file (atomically)");
    app->add_flag("--force", args->force,
                  "Extend even a signature that does not validate (it stays as bad as it is)");
    return {app, [args] { return run_extend(*args); }};
}

}  // namespace ltsign::cli
