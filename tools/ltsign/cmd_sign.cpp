// ltsign sign FILE... --key K [--cert C] [--chain P]... -o OUT
#include <iostream>
#include <memory>

#include "common.hpp"

namespace ltsign::cli {
namespace fs = std::filesystem;
namespace {

struct SignArgs {
    std::vector<std::string> files;
    KeyArgs key;
    TsaArgs tsa;
    std::string output;
    std::string format = "cades", packaging = "detached", level = "B", digest = "sha256";
    std::string signing_time;
    bool pss = false, force = false;
};

struct Planned {
    fs::path input;
    fs::path output;
};

// One input and -o not naming a folder: -o is the file. Otherwise -o is a folder and each
// output keeps the input's path relative to the folder it was found in.
std::vector<Planned> plan_outputs(const SignArgs& a, const std::string& extension) {
    std::vector<std::pair<fs::path, fs::path>> inputs;  // file, relative name
    for (const auto& f : a.files) {
        std::error_code ec;
        if (fs::is_directory(f, ec)) {
            for (auto it = fs::recursive_directory_iterator(f);
                 it != fs::recursive_directory_iterator(); ++it) {
                if (it->is_regular_file())
                    inputs.emplace_back(it->path(), fs::relative(it->path(), f));
            }
        } else if (fs::is_regular_file(f, ec)) {
            inputs.emplace_back(f, fs::path(f).filename());
        } else {
            throw Error(Errc::input_missing, f + ": no such file; check the path");
        }
    }
    std::sort(inputs.begin(), inputs.end());
    if (inputs.empty()) throw Error(Errc::input_missing, "no files to sign in the folders given");
    const fs::path out(a.output);
    std::error_code ec;
    const bool to_dir = inputs.size() > 1 || fs::is_directory(out, ec) || a.output.ends_with('/') ||
                        fs::is_directory(a.files.front(), ec);
    std::vector<Planned> plan;
    for (const auto& [file, rel] : inputs) {
        plan.push_back({file, to_dir ? out / fs::path(rel.string() + extension) : out});
    }
    return plan;
}

int run_sign(const SignArgs& a) {
    SignOptions options;
    if (a.format == "xades") {
        options.format = Format::xades;
    } else if (a.format != "cades") {
        throw Error(Errc::usage,
                    "--format " + a.format + " is not available yet; use --format cades or xades");
    }
    if (a.packaging == "enveloped") {
        options.packaging = Packaging::enveloped;
    } else if (a.packaging == "enveloping") {
        options.packaging = Packaging::enveloping;
    } else if (a.packaging != "detached") {
        throw Error(Errc::usage,
                    "--packaging " + a.packaging + ": choose detached, enveloped or enveloping");
    }
    if (options.format == Format::cades && options.packaging != Packaging::detached) {
        throw Error(Errc::usage, "CAdES signatures are detached; --packaging " + a.packaging +
                                     " needs --format xades");
    }
    if (a.level == "T" || a.level == "t") {
        if (a.tsa.url.empty())
            throw Error(Errc::usage, "--level T needs a time-stamping authority: add --tsa URL");
        options.level = Level::t;
        options.tsa = make_tsa_client(a.tsa);
    } else if (a.level != "B" && a.level != "b") {
        throw Error(Errc::usage,
                    "--level " + a.level + " is not available yet; use --level B or T");
    }
    options.digest = parse_digest(a.digest);
    options.rsa_padding = a.pss ? RsaPadding::pss : RsaPadding::pkcs1_v15;
    if (!a.signing_time.empty())
        options.signing_time = parse_time_option(a.signing_time, "--signing-time");

    const auto plan = plan_outputs(a, options.format == Format::xades ? ".xades.xml" : ".p7s");

    const Signer signer = load_signer(a.key);
    signer.check_usable_at(options.signing_time.value_or(now_utc()));

    if (!a.force) {
        for (const auto& p : plan) {
            std::error_code ec;
            if (fs::exists(p.output, ec)) {
                throw Error(Errc::cannot_create_output,
                            p.output.string() +
                                " already exists; remove it, choose another -o, or give --force");
            }
        }
    }
    // Every signature is made before anything is written: a failure leaves no partial output.
    std::vector<SignedObject> made;
    made.reserve(plan.size());
    for (const auto& p : plan) made.push_back(sign_file(p.input, signer, options));

    std::vector<fs::path> written;
    try {
        for (std::size_t i = 0; i < plan.size(); ++i) {
            if (plan[i].output.has_parent_path())
                fs::create_directories(plan[i].output.parent_path());
            made[i].save(plan[i].output, a.force);
            written.push_back(plan[i].output);
        }
    } catch (const fs::filesystem_error& e) {
        for (const auto& w : written) fs::remove(w);
        throw Error(Errc::cannot_create_output,
                    std::string("cannot create the output folder: ") + e.what());
    } catch (...) {
        for (const auto& w : written) fs::remove(w);
        throw;
    }
    for (const auto& p : plan)
        std::cout << "signed " << p.input.string() << " -> " << p.output.string() << "\n";
    return 0;
}

}  // namespace

Command add_sign(CLI::App& root) {
    auto args = std::make_shared<SignArgs>();
    CLI::App* app = root.add_subcommand(
        "sign", "Sign files (CAdES detached; XAdES detached, enveloped or enveloping)");
    app->add_option("FILE", args->files, "Files or folders to sign")->required();
    add_key_options(app, args->key, true);
    app->add_option("--format", args->format,
                    "cades (default) or xades (asic-e, asic-s come later)");
    app->add_option("--packaging", args->packaging,
                    "detached (default); enveloped (XML input) or enveloping, XAdES only");
    app->add_option("--level", args->level,
                    "B (default) or T (adds a signature time-stamp from --tsa)");
    add_tsa_options(app, args->tsa);
    app->add_option("--digest", args->digest,
                    "sha256 (default), sha384, sha512, sha3-256, sha3-512");
    app->add_flag("--rsa-pss", args->pss, "Use RSASSA-PSS instead of PKCS#1 v1.5 with an RSA key");
    app->add_option(
        "--signing-time", args->signing_time,
        "The claimed signing time (RFC 3339); default now. The certificate must be valid then");
    app->add_option("-o,--output", args->output, "Output file (one input) or folder (several)")
        ->required();
    app->add_flag("--force", args->force, "Replace existing output files (atomically)");
    return {app, [args] { return run_sign(*args); }};
}

}  // namespace ltsign::cli
