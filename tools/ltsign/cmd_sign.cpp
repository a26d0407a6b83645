// ltsign sign FILE... --key K [--cert C] [--chain P]... -o OUT
//        sign FILE --prepare --cert C [--to-be-signed F] -o X.pending
//        sign [FILE] --complete X.pending --signature-value SIG [--chain P]... -o OUT
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"
#include "progress.hpp"

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
    bool pss = false, force = false, json = false, quiet = false;
    // Two-phase signing.
    bool prepare = false;
    unsigned jobs = 0;
    std::string complete, signature_value, to_be_signed;
    double valid_minutes = 60;
};

// A file read whole, bounded: a pending file or a signature value.
std::vector<std::byte> read_small_file(const std::string& file, std::uintmax_t limit) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw Error(Errc::input_missing, trf("{0}: no such file; check the path", {file}));
    if (fs::file_size(file, ec) > limit)
        throw Error(Errc::malformed_input, trf("{0}: too large for what it should hold", {file}));
    std::ifstream in(file, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw Error(Errc::io, trf("{0}: cannot read it", {file}));
    const auto* b = reinterpret_cast<const std::byte*>(text.data());
    return {b, b + text.size()};
}

// Signing services often answer in base64: a value that is all base64 text is decoded, any
// other is taken as the raw value.
std::vector<std::byte> signature_value_bytes(const std::vector<std::byte>& file) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<std::byte> out;
    unsigned bits = 0, count = 0;
    std::size_t padding = 0;
    for (const std::byte b : file) {
        const char c = static_cast<char>(b);
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        const auto pos = alphabet.find(c);
        if (pos == std::string::npos || padding > 0) return file;
        bits = (bits << 6) | static_cast<unsigned>(pos);
        if ((count += 6) >= 8) {
            count -= 8;
            out.push_back(static_cast<std::byte>((bits >> count) & 0xff));
        }
    }
    return out.empty() || padding > 2 ? file : out;
}

// The container --format asic-e|asic-s makes, and its signature (--packaging xades|cades).
ContainerOptions container_options(const SignArgs& a) {
    ContainerOptions how;
    how.type = a.format == "asic-s" ? ContainerType::asic_s : ContainerType::asic_e;
    how.overwrite = a.force;
    if (a.packaging == "cades") {
        how.signature = Format::cades;
    } else if (a.packaging != "xades" && a.packaging != "detached") {
        throw Error(Errc::usage,
                    trf("--packaging {0}: a container's signature is xades (default) or cades",
                        {a.packaging}));
    }
    return how;
}

int run_prepare(const SignArgs& a, const SignOptions& options, bool container) {
    if (a.files.size() != 1 && !container)
        throw Error(Errc::usage, tr("--prepare makes one pending signature: give one document"));
    if (a.key.cert.empty() || !a.key.key.empty()) {
        throw Error(Errc::usage, tr("--prepare needs the signer's certificate (--cert C) and no "
                                    "--key: the key signs elsewhere"));
    }
    if (a.valid_minutes <= 0 || a.valid_minutes > 60 * 24 * 30)
        throw Error(Errc::usage, tr("--valid-minutes: between 1 minute and 30 days"));
    std::vector<fs::path> chain(a.key.chain.begin(), a.key.chain.end());
    const Signer signer = Signer::from_certificate(a.key.cert, chain);
    const std::chrono::seconds valid(static_cast<long long>(a.valid_minutes * 60));
    const std::vector<fs::path> files(a.files.begin(), a.files.end());
    const auto pending =
        container ? prepare_container_signature(files, signer, options, container_options(a), valid)
                  : prepare_signature(files.front(), signer, options, valid);
    const std::string json = pending.to_json();
    const auto* b = reinterpret_cast<const std::byte*>(json.data());
    std::vector<SignedObject> outputs{SignedObject({b, b + json.size()}, ".pending")};
    std::vector<fs::path> targets{a.output};
    if (!a.to_be_signed.empty()) {
        outputs.emplace_back(pending.to_be_signed(), ".tbs");
        targets.emplace_back(a.to_be_signed);
    }
    save_all(outputs, targets, a.force);
    std::cout << trf("prepared {0} -> {1}: sign its toBeSigned ({2} bytes) with {3}, then "
                     "complete it before {4}",
                     {a.files.front(), a.output, std::to_string(pending.to_be_signed().size()),
                      pending.signature_algorithm(), format_rfc3339(pending.expires())})
              << "\n";
    return 0;
}

int run_complete(const SignArgs& a) {
    if (a.signature_value.empty())
        throw Error(Errc::usage, tr("--complete needs the signer's value: --signature-value FILE"));
    if (a.files.size() > 1)
        throw Error(Errc::usage, tr("--complete takes at most one document, the one prepared"));
    const auto json = read_small_file(a.complete, 256ull << 20);
    const auto pending = PendingSignature::from_json(
        std::string_view(reinterpret_cast<const char*>(json.data()), json.size()), a.complete);
    CompleteOptions how;
    if (!a.files.empty()) how.document = a.files.front();
    if (!a.key.cert.empty()) how.certificate = a.key.cert;
    how.chain.assign(a.key.chain.begin(), a.key.chain.end());
    if (!a.tsa.url.empty()) {
        how.tsa = make_tsa_client(a.tsa);
    } else if (!pending.tsa_url().empty()) {
        TsaArgs recorded = a.tsa;
        recorded.url = pending.tsa_url();
        how.tsa = make_tsa_client(recorded);
    }
    const auto value = signature_value_bytes(read_small_file(a.signature_value, 64 * 1024));
    const SignedObject signature = complete_signature(pending, value, how);
    signature.save(a.output, a.force);
    std::cout << trf("completed {0} -> {1}", {a.complete, a.output}) << "\n";
    return 0;
}

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
        throw Error(Errc::usage, trf("{0}; levels LT and LTA embed the validation data, so name "
                                     "the trusted roots with --trust",
                                     {result.refusal}));
    }
    return std::move(*result.signature);
}

// ASiC (--format asic-e|asic-s): all FILEs in one container; a FILE that is a container of that
// type gets one more signature instead.
int sign_into_container(const SignArgs& a, const SignOptions& options) {
    const ContainerOptions how = container_options(a);
    const Signer signer = load_signer(a.key);
    std::vector<fs::path> inputs(a.files.begin(), a.files.end());
    if (inputs.size() == 1 && is_container(inputs.front())) {
        if (options.level != Level::b && options.level != Level::t)
            throw Error(Errc::usage,
                        tr("a signature is added at level B or T; extend the container after"));
        add_container_signature(inputs.front(), a.output, signer, options, how);
        std::cout << trf("added a signature to {0} -> {1}", {a.files.front(), a.output}) << "\n";
        return 0;
    }
    const ValidationContext context = make_validation_context(a.validation);
    sign_container(inputs, a.output, signer, options, how, &context);
    std::cout << trf("signed {0} file(s) -> {1}", {std::to_string(inputs.size()), a.output})
              << "\n";
    return 0;
}

int run_sign(const SignArgs& a) {
    if (!a.complete.empty()) return run_complete(a);
    if (a.files.empty()) throw Error(Errc::usage, tr("name the files to sign"));
    SignOptions options;
    const bool container = a.format == "asic-e" || a.format == "asic-s";
    if (a.format == "xades") {
        options.format = Format::xades;
    } else if (a.format == "pades") {
        options.format = Format::pades;
    } else if (a.format != "cades" && !container) {
        throw Error(Errc::usage,
                    trf("--format {0}: choose cades, xades, pades, asic-e or asic-s", {a.format}));
    }
    if (container) {
        // --packaging names the signature inside the container (sign_into_container).
    } else if (a.packaging == "enveloped") {
        options.packaging = Packaging::enveloped;
    } else if (a.packaging == "enveloping") {
        options.packaging = Packaging::enveloping;
    } else if (a.packaging != "detached") {
        throw Error(Errc::usage, trf("--packaging {0}: choose detached, enveloped or enveloping",
                                     {a.packaging}));
    }
    if (options.format != Format::xades && options.packaging != Packaging::detached) {
        const char* format = options.format == Format::pades ? "PAdES" : "CAdES";
        throw Error(Errc::usage, trf("{0} signatures take no --packaging; {1} needs --format xades",
                                     {format, a.packaging}));
    }
    std::optional<Level> long_term;
    if (a.level == "LT" || a.level == "lt") long_term = Level::lt;
    if (a.level == "LTA" || a.level == "lta") long_term = Level::lta;
    if (a.level == "T" || a.level == "t" || long_term) {
        if (a.tsa.url.empty()) {
            throw Error(
                Errc::usage,
                trf("--level {0} needs a time-stamping authority: add --tsa URL", {a.level}));
        }
        options.level = Level::t;
        options.tsa = make_tsa_client(a.tsa);
    } else if (a.level != "B" && a.level != "b") {
        throw Error(Errc::usage, trf("--level {0}: choose B, T, LT or LTA", {a.level}));
    }
    options.digest = parse_digest(a.digest);
    options.rsa_padding = a.pss ? RsaPadding::pss : RsaPadding::pkcs1_v15;
    if (!a.signing_time.empty())
        options.signing_time = parse_time_option(a.signing_time, "--signing-time");
    if (a.prepare) {
        if (long_term) {
            throw Error(
                Errc::usage,
                tr("--prepare makes signatures at level B or T; extend them after --complete"));
        }
        return run_prepare(a, options, container);
    }
    if (a.key.key.empty()) throw Error(Errc::usage, tr("--key is required to sign"));
    if (container) {
        if (long_term) options.level = *long_term;
        return sign_into_container(a, options);
    }

    std::vector<fs::path> inputs(a.files.begin(), a.files.end());
    const auto plan = plan_signatures(inputs, a.output, options);

    if (plan.size() == 1 && plan.front().output == fs::path(a.output))
        require_folder_of(plan.front().output);
    const Signer signer = load_signer(a.key);
    signer.check_usable_at(options.signing_time.value_or(now_utc()));

    if (!a.force) {
        for (const auto& p : plan) {
            std::error_code ec;
            if (fs::exists(fs::symlink_status(p.output, ec))) {
                throw Error(Errc::cannot_create_output,
                            trf("{0} already exists; remove it, choose another -o, or give --force",
                                {p.output.string()}));
            }
        }
    }
    // The batch is saved all or none: a failure leaves no partial output and every replaced
    // signature as it was. Without a long-term level each signature is made as it is written;
    // LT and LTA raise every signature before anything is written.
    const ValidationContext context = make_validation_context(a.validation);
    std::uint64_t bytes = 0;
    for (const auto& p : plan) bytes += size_of(p.input.string());
    Progress shown(tr("signing"), plan.size(), bytes, !a.json && !a.quiet);
    const auto advance = [&](const PlannedSignature& p) {
        shown.advance(1, size_of(p.input.string()));
    };
    if (!long_term) {
        sign_and_save(plan, signer, options, a.force, a.jobs, advance);
    } else {
        std::vector<SignedObject> made = sign_files(plan, signer, options, a.jobs, advance);
        std::vector<fs::path> targets;
        for (std::size_t i = 0; i < plan.size(); ++i) {
            targets.push_back(plan[i].output);
            made[i] = raise(made[i], plan[i], *long_term, options, context);
        }
        save_all(made, targets, a.force);
    }
    shown.finish();
    nlohmann::json written = nlohmann::json::array();
    std::string text;
    for (const auto& p : plan) {
        written.push_back({{"input", p.input.string()}, {"output", p.output.string()}});
        if (!a.quiet) text += "signed " + p.input.string() + " -> " + p.output.string() + "\n";
    }
    if (a.quiet) text = "signed " + std::to_string(plan.size()) + " file(s) -> " + a.output + "\n";
    print_outcome(a.json, "sign", {{"level", a.level}, {"signatures", std::move(written)}}, text);
    return 0;
}

}  // namespace

Command add_sign(CLI::App& root) {
    auto args = std::make_shared<SignArgs>();
    CLI::App* app = root.add_subcommand(
        "sign", tr("Sign files (CAdES detached; XAdES detached, enveloped or enveloping)"));
    app->add_option(
        "FILE", args->files,
        tr("Files or folders to sign (with --complete: the document prepared, checked)"));
    add_key_options(app, args->key, false);
    app->add_option(
        "--format", args->format,
        tr("cades (default), xades, pades (the signature goes into the PDF; -o names the "
           "signed copy), asic-e (all FILEs in one container) or asic-s"));
    app->add_option("--packaging", args->packaging,
                    tr("detached (default); enveloped (XML input) or enveloping, XAdES only; for "
                       "asic-e/asic-s the signature inside: xades (default) or cades"));
    app->add_option("--level", args->level,
                    tr("B (default), T (a signature time-stamp from --tsa), LT (and the validation "
                       "data: needs --trust), LTA (and an archive time-stamp)"));
    add_tsa_options(app, args->tsa);
    add_validation_options(app, args->validation);
    app->add_option("--digest", args->digest,
                    tr("sha256 (default), sha384, sha512, sha3-256, sha3-512"));
    app->add_flag("--rsa-pss", args->pss,
                  tr("Use RSASSA-PSS instead of PKCS#1 v1.5 with an RSA key"));
    app->add_option(
        "--signing-time", args->signing_time,
        tr("The claimed signing time (RFC 3339); default now. The certificate must be valid then"));
    app->add_option("-o,--output", args->output, tr("Output file (one input) or folder (several)"))
        ->required();
    app->add_flag("--force", args->force, tr("Replace existing output files (atomically)"));
    add_jobs_option(app, args->jobs);
    app->add_flag("--json", args->json, tr("Print what was written as one JSON document"));
    app->add_flag("-q,--quiet", args->quiet, tr("Print one summary line instead of one per file"));
    app->add_flag(
        "--prepare", args->prepare,
        tr("Two-phase signing: write a pending signature (-o X.pending) for --cert, whose "
           "key signs elsewhere"));
    app->add_option("--to-be-signed", args->to_be_signed,
                    tr("With --prepare: also write the bytes the signer signs to this file"));
    app->add_option(
        "--valid-minutes", args->valid_minutes,
        tr("With --prepare: how long the pending signature can be completed (default 60)"));
    app->add_option("--complete", args->complete,
                    tr("Two-phase signing: finish this pending signature with --signature-value"));
    app->add_option("--signature-value", args->signature_value,
                    tr("With --complete: the signer's value (binary, or base64 text)"));
    return {app, [args] { return run_sign(*args); }};
}

}  // namespace ltsign::cli
