// ltsign extend SIG --level T|LT|LTA [--tsa URL] [--trust ...] [--data DOC] (-o OUT | --in-place)
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"
#include "progress.hpp"

namespace ltsign::cli {
namespace {
namespace fs = std::filesystem;

struct ExtendArgs {
    std::string signature, output, level, data;
    TsaArgs tsa;
    ValidationArgs validation;
    bool in_place = false, overwrite = false, force = false, json = false;
};

// What extending one file did: a line for people and the same as JSON fields.
struct Said {
    std::string text;
    nlohmann::json fields = nlohmann::json::object();
};

Level parse_level(const std::string& text) {
    if (text == "T" || text == "t") return Level::t;
    if (text == "LT" || text == "lt") return Level::lt;
    if (text == "LTA" || text == "lta") return Level::lta;
    if (text == "ERS" || text == "ers") return Level::ers;
    throw Error(Errc::usage, trf("--level {0} is not a level; use T, LT, LTA or ERS", {text}));
}

// Extending to a level every signature has reached is no error: scripts re-run over a delivery
// must not stop at what an earlier run did. Nothing is written.
int nothing_to_do(const ExtendArgs& a, const FileReport& before, Said& said) {
    std::string levels;
    for (const auto& s : before.signatures) {
        if (s.type != EntryType::signature) continue;
        const std::string l(to_string(s.level));
        if (levels.find(l) == std::string::npos) levels += (levels.empty() ? "" : ", ") + l;
    }
    said.fields = {
        {"input", a.signature}, {"level", a.level}, {"written", false}, {"alreadyAt", levels}};
    said.text = trf("{0} is at {1} already (level {2} asked): nothing to do, nothing written",
                    {a.signature, levels, a.level}) +
                "\n";
    return 0;
}

// A signature that does not validate is not extended (unless --force): said on stderr, and in
// the JSON.
int refused(const ExtendArgs& a, const std::string& refusal, const FileReport& before, Said& said) {
    std::cerr << "ltsign: "
              << trf("{0}; nothing was written (give --force to extend it anyway)", {refusal})
              << "\n";
    said.fields = {{"input", a.signature}, {"written", false}, {"refusal", refusal}};
    return before.indication == Indication::total_failed ? 1 : 2;
}

// An ASiC container is extended as a whole, written straight to its target (it may be large).
int extend_a_container(const ExtendArgs& a, const std::string& target, const ExtendOptions& options,
                       Said& said) {
    const auto r =
        extend_container(a.signature, target, options, make_validation_context(a.validation),
                         a.in_place || a.overwrite);
    if (r.already_at_level) return nothing_to_do(a, r.before, said);
    if (!r.written) {
        return refused(a, r.refusal, r.before, said);
    }
    said.fields = {{"input", a.signature},
                   {"output", target},
                   {"level", a.level},
                   {"written", true},
                   {"indication", to_string(r.after.indication)}};
    said.text = "extended " + a.signature + " -> " + target + " (" +
                std::string(to_string(r.after.indication)) + ")\n";
    return 0;
}

int run_one(const ExtendArgs& a, Said& said);

// extend DIR: every signature file below DIR (as verify finds them, with the documents --data
// pairs), each extended on its own, in place or into the same relative path below -o OUTDIR. A
// file that is refused or fails is reported and the others go on; the exit status is the worst.
int run_extend_folder(const ExtendArgs& a) {
    const fs::path dir = a.signature;
    if (!a.in_place && a.output.empty())
        throw Error(Errc::usage, tr("say where the results go: -o OUTDIR, or --in-place"));
    std::vector<fs::path> data;
    if (!a.data.empty()) data.emplace_back(a.data);
    const auto jobs = plan_verification({dir}, data);
    if (jobs.empty())
        throw Error(Errc::input_missing, trf("{0}: no signature files in it", {a.signature}));
    nlohmann::json files = nlohmann::json::array();
    int worst = 0, extended = 0, already = 0, failed = 0;
    std::string text;
    Progress shown(tr("extending"), jobs.size(), 0, !a.json);
    for (const auto& job : jobs) {
        ExtendArgs one = a;
        one.signature = job.file.string();
        one.data = job.data ? job.data->string() : "";
        if (!a.in_place)
            one.output = (fs::path(a.output) / job.file.lexically_relative(dir)).string();
        Said said;
        int code = 0;
        try {
            if (!a.in_place) fs::create_directories(fs::path(one.output).parent_path());
            code = run_one(one, said);
        } catch (const Error& e) {
            code = e.exit_code();
            said.fields = {{"input", one.signature}, {"written", false}, {"error", e.what()}};
            said.text = "ltsign extend: " + one.signature + ": " + e.what() + "\n";
        }
        shown.advance(1, 0);
        const bool nothing = said.fields.contains("alreadyAt");
        (code != 0 ? failed : nothing ? already : extended) += 1;
        worst = std::max(worst, code);
        said.fields["exitCode"] = code;
        files.push_back(std::move(said.fields));
        text += said.text;
    }
    shown.finish();
    text += trf("{0} extended, {1} at the level already, {2} not extended",
                {std::to_string(extended), std::to_string(already), std::to_string(failed)}) +
            "\n";
    print_outcome(a.json, "extend",
                  {{"files", std::move(files)},
                   {"summary", {{"extended", extended}, {"already", already}, {"failed", failed}}}},
                  text);
    return worst;
}

int run_extend(const ExtendArgs& a) {
    std::error_code ec;
    if (fs::is_directory(a.signature, ec)) return run_extend_folder(a);
    Said said;
    const int code = run_one(a, said);
    if (a.json ? !said.fields.empty() : !said.text.empty())
        print_outcome(a.json, "extend", std::move(said.fields), said.text);
    return code;
}

int run_one(const ExtendArgs& a, Said& said) {
    const Level level = parse_level(a.level);
    if (a.output.empty() && !a.in_place)
        throw Error(Errc::usage, tr("say where the result goes: -o OUT, or --in-place"));
    if (a.tsa.url.empty() && level != Level::lt)
        throw Error(Errc::usage, trf("--level {0} needs --tsa URL", {a.level}));
    const std::string target = a.in_place ? a.signature : a.output;
    require_folder_of(target);
    std::error_code ec;
    if (!a.in_place && !a.overwrite && std::filesystem::exists(target, ec)) {
        throw Error(
            Errc::cannot_create_output,
            trf("{0} already exists; remove it, choose another -o, or give --overwrite", {target}));
    }
    ExtendOptions options;
    options.level = level;
    if (!a.tsa.url.empty()) options.tsa = make_tsa_client(a.tsa);
    if (!a.data.empty()) options.data = a.data;
    options.force = a.force;
    if (is_container(a.signature)) return extend_a_container(a, target, options, said);
    const ExtendResult result =
        extend_signature(a.signature, options, make_validation_context(a.validation));
    if (result.already_at_level) return nothing_to_do(a, result.before, said);
    if (!result.signature) {
        return refused(a, result.refusal, result.before, said);
    }
    write_output(*result.signature, target, a.in_place || a.overwrite);
    std::string level_name = "?";
    if (!result.after.signatures.empty())
        level_name = std::string(to_string(result.after.signatures.front().level));
    std::string text = "extended " + a.signature + " to " + level_name + " -> " + target + " (" +
                       std::string(to_string(result.after.indication)) + ")\n";
    nlohmann::json fields = {{"input", a.signature},
                             {"output", target},
                             {"level", level_name},
                             {"written", true},
                             {"indication", to_string(result.after.indication)}};
    for (const auto& s : result.after.signatures) {
        if (s.renew_by) {
            text += trf("renew by {0} (extend --level LTA again)", {format_rfc3339(*s.renew_by)}) +
                    "\n";
            fields["renewBy"] = format_rfc3339(*s.renew_by);
            break;
        }
    }
    said.fields = std::move(fields);
    said.text = text;
    return 0;
}

}  // namespace

Command add_extend(CLI::App& root) {
    auto args = std::make_shared<ExtendArgs>();
    CLI::App* app = root.add_subcommand(
        "extend", tr("Raise a CAdES or XAdES signature's level (T, LT, LTA); LTA again renews it"));
    app->add_option("SIG", args->signature,
                    tr("The signature to extend, or a folder: every signature in it"))
        ->required();
    app->add_option("--level", args->level,
                    tr("T, LT, LTA, or ERS (embed an evidence record over the signature)"))
        ->required();
    add_tsa_options(app, args->tsa);
    add_validation_options(app, args->validation);
    app->add_option("--data", args->data,
                    tr("The signed document of a detached signature (LTA covers it)"));
    auto* out =
        app->add_option("-o,--output", args->output, tr("Where to write the extended signature"));
    auto* in_place = app->add_flag("--in-place", args->in_place, tr("Replace SIG atomically"));
    out->excludes(in_place);
    app->add_flag("--overwrite", args->overwrite, tr("Replace an existing -o file (atomically)"));
    app->add_flag("--force", args->force,
                  tr("Extend even a signature that does not validate (it stays as bad as it is)"));
    app->add_flag("--json", args->json, tr("Print what was written as one JSON document"));
    return {app, [args] { return run_extend(*args); }};
}

}  // namespace ltsign::cli
