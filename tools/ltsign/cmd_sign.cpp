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
    ValidationArgs validation;
    std::string output;
    std::string format = "cades", packaging = "detached", level = "B", digest = "sha256";
    std::string signing_time;
    bool pss = false, force = false;
};

// LT and LTA embed what validating the new signature used: it must validate (trust anchors).
SignedObject raise(const SignedObject& made, const PlannedSignature& p, Level level,
                   const SignOptions& signing, const ValidationContext& context) {
    ExtendOptions options;
    options.level = level;
    options.tsa = signing.tsa;
    if (signing.packaging == Packaging::detached && signing.format != Format::pades)
        options.data = p.input;
    auto result = extend_signature(made, p.output, options, context);
    if (!result.signature) {
        throw Error(Errc::usage, result.refusal +
                                     "; levels LT and LTA embed the validation data, "
                                     "so name the trusted roots with --trust");
    }
    return std::move(*result.signature);
}

// ASiC (--format asic-e|asic-s): all FILEs in one container; a FILE that is a container of that
// type gets one more signature instead.
int sign_into_container(const SignArgs& a, const SignOptions& options) {
    ContainerOptions how;
    how.type = a.format == "asic-s" ? ContainerType::asic_s : ContainerType::asic_e;
    how.overwrite = a.force;
    if (a.packaging == "cades") {
        how.signature = Format::cades;
    } else if (a.packaging != "xades" && a.packaging != "detached") {
        throw Error(Errc::usage, "--packaging " + a.packaging +
                                     ": a container's signature is xades (default) or cades");
    }
    const Signer signer = load_signer(a.key);
    std::vector<fs::path> inputs(a.files.begin(), a.files.end());
    if (inputs.size() == 1 && is_container(inputs.front())) {
        if (options.level != Level::b && options.level != Level::t)
            throw Error(Errc::usage,
                        "a signature is added at level B or T; extend the container after");
        add_container_signature(inputs.front(), a.output, signer, options, how);
        std::cout << "added a signature to " << a.files.front() << " -> " << a.output << "\n";
        return 0;
    }
    const ValidationContext context = make_validation_context(a.validation);
    sign_container(inputs, a.output, signer, options, how, &context);
    std::cout << "signed " << inputs.size() << " file(s) -> " << a.output << "\n";
    return 0;
}

int run_sign(const SignArgs& a) {
    SignOptions options;
    const bool container = a.format == "asic-e" || a.format == "asic-s";
    if (a.format == "xades") {
        options.format = Format::xades;
    } else if (a.format == "pades") {
        options.format = Format::pades;
    } else if (a.format != "cades" && !container) {
        throw Error(Errc::usage,
                    "--format " + a.format + ": choose cades, xades, pades, asic-e or asic-s");
    }
    if (container) {
        // --packaging names the signature inside the container (sign_into_container).
    } else if (a.packaging == "enveloped") {
        options.packaging = Packaging::enveloped;
    } else if (a.packaging == "enveloping") {
        options.packaging = Packaging::enveloping;
    } else if (a.packaging != "detached") {
        throw Error(Errc::usage,
                    "--packaging " + a.packaging + ": choose detached, enveloped or enveloping");
    }
    if (options.format != Format::xades && options.packaging != Packaging::detached) {
        throw Error(Errc::usage, std::string(options.format == Format::pades ? "PAdES" : "CAdES") +
                                     " signatures take no --packaging; " + a.packaging +
                                     " needs --format xades");
    }
    std::optional<Level> long_term;
    if (a.level == "LT" || a.level == "lt") long_term = Level::lt;
    if (a.level == "LTA" || a.level == "lta") long_term = Level::lta;
    if (a.level == "T" || a.level == "t" || long_term) {
        if (a.tsa.url.empty()) {
            throw Error(Errc::usage,
                        "--level " + a.level + " needs a time-stamping authority: add --tsa URL");
        }
        options.level = Level::t;
        options.tsa = make_tsa_client(a.tsa);
    } else if (a.level != "B" && a.level != "b") {
        throw Error(Errc::usage, "--level " + a.level + ": choose B, T, LT or LTA");
    }
    options.digest = parse_digest(a.digest);
    options.rsa_padding = a.pss ? RsaPadding::pss : RsaPadding::pkcs1_v15;
    if (!a.signing_time.empty())
        options.signing_time = parse_time_option(a.signing_time, "--signing-time");
    if (container) {
        if (long_term) options.level = *long_term;
        return sign_into_container(a, options);
    }

    std::vector<fs::path> inputs(a.files.begin(), a.files.end());
    const auto plan = plan_signatures(inputs, a.output, options);

    const Signer signer = load_signer(a.key);
    signer.check_usable_at(options.signing_time.value_or(now_utc()));

    if (!a.force) {
        for (const auto& p : plan) {
            std::error_code ec;
            if (fs::exists(fs::symlink_status(p.output, ec))) {
                throw Error(Errc::cannot_create_output,
                            p.output.string() +
                                " already exists; remove it, choose another -o, or give --force");
            }
        }
    }
    // Every signature is made before anything is written, and the batch is saved all or none:
    // a failure leaves no partial output and every replaced signature as it was.
    std::vector<SignedObject> made;
    std::vector<fs::path> targets;
    made.reserve(plan.size());
    const ValidationContext context = make_validation_context(a.validation);
    for (const auto& p : plan) {
        made.push_back(sign_file(p.input, signer, options));
        targets.push_back(p.output);
        if (long_term) made.back() = raise(made.back(), p, *long_term, options, context);
    }
    save_all(made, targets, a.force);
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
                    "cades (default), xades, pades (the signature goes into the PDF; -o names the "
                    "signed copy), asic-e (all FILEs in one container) or asic-s");
    app->add_option("--packaging", args->packaging,
                    "detached (default); enveloped (XML input) or enveloping, XAdES only; for "
                    "asic-e/asic-s the signature inside: xades (default) or cades");
    app->add_option("--level", args->level,
                    "B (default), T (a signature time-stamp from --tsa), LT (and the validation "
                    "data: needs --trust), LTA (and an archive time-stamp)");
    add_tsa_options(app, args->tsa);
    add_validation_options(app, args->validation);
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
