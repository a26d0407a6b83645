// The C API (ltsign/ltsign.h): opaque handles over the public C++ API, which is what the CLI
// calls too; results carry the CLI contract's JSON. No exception crosses into C: each entry point
// catches everything and turns it into a status and the thread's last error message.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ltsign/language.hpp"
#include "ltsign/ltsign.h"
#include "ltsign/ltsign.hpp"

struct ltsign_signer {
    ltsign::Signer signer;
};
struct ltsign_context {
    ltsign::ValidationContext context;
};
struct ltsign_result {
    std::string json;
    std::string text;
    ltsign::Indication indication = ltsign::Indication::total_passed;
    int exit_code = 0;
};

namespace {

using namespace ltsign;
namespace fs = std::filesystem;

thread_local std::string t_last_error;

template <typename F>
ltsign_status guarded(F&& body) noexcept {
    try {
        t_last_error.clear();
        body();
        return LTSIGN_OK;
    } catch (const Error& e) {
        try {
            t_last_error = e.what();
        } catch (...) {
        }
        return static_cast<ltsign_status>(e.exit_code());
    } catch (const std::bad_alloc&) {
        t_last_error = "out of memory";
    } catch (const std::exception& e) {
        try {
            t_last_error = trf("internal error: {0}", {e.what()});
        } catch (...) {
        }
    } catch (...) {
        t_last_error = "internal error";
    }
    return LTSIGN_ERR_INTERNAL;
}

const char* require(const char* text, const char* what) {
    if (text == nullptr || *text == '\0') throw Error(Errc::usage, trf("{0} is missing", {what}));
    return text;
}

template <typename T>
T* require(T* handle, const char* what) {
    if (handle == nullptr) throw Error(Errc::usage, trf("{0} is missing", {what}));
    return handle;
}

// Outputs are never replaced silently, as in the CLI.
void require_new_output(const char* output) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(output, ec)))
        throw Error(Errc::cannot_create_output, trf("{0}: already exists", {output}));
}

TsaClient tsa_client(const char* url) {
    TsaClient tsa;
    tsa.url = require(url, "tsa_url");
    return tsa;
}

Level parse_level(const char* level, bool allow_b) {
    const std::string l = level == nullptr ? "B" : level;
    if (l == "B" && allow_b) return Level::b;
    if (l == "T") return Level::t;
    if (l == "LT") return Level::lt;
    if (l == "LTA") return Level::lta;
    throw Error(Errc::usage, trf("unknown level \"{0}\"; use B, T, LT or LTA", {l}));
}

Format parse_format(const char* format) {
    const std::string f = format == nullptr ? "cades" : format;
    if (f == "cades") return Format::cades;
    if (f == "xades") return Format::xades;
    if (f == "pades") return Format::pades;
    throw Error(Errc::usage, trf("unknown format \"{0}\"; use cades, xades or pades", {f}));
}

void give(ltsign_result** out, nlohmann::json doc, std::string text) {
    if (out == nullptr) return;
    auto r = std::make_unique<ltsign_result>();
    r->json = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    r->text = std::move(text);
    *out = r.release();
}

// The CLI contract's exit status of a verification (docs/cli.md, Exit status): an input missing
// (66) or malformed (65) first, then 1 for something failed (an incomplete delivery too), 2 for
// something indeterminate.
int exit_code_of(const BatchReport& report) {
    bool missing = false, malformed = false, other = false;
    int worst = 0;
    for (const auto& d : report.deliveries) {
        if (!d.complete()) worst = 2;
    }
    for (const auto& f : report.files) {
        missing |= f.error == Errc::input_missing;
        malformed |= f.error == Errc::malformed_input;
        other |= f.error && *f.error != Errc::input_missing && *f.error != Errc::malformed_input;
        worst = std::max(worst, severity(f.indication));
    }
    if (missing || malformed || other)
        return static_cast<int>(missing     ? Errc::input_missing
                                : malformed ? Errc::malformed_input
                                            : Errc::io);
    return worst == 2 ? 1 : worst == 1 ? 2 : 0;
}

void sign_one(const ltsign_signer* signer, const ltsign_context* context, const char* document,
              const char* output, const char* format, const char* level, const char* tsa_url,
              ltsign_result** json_out) {
    require(signer, "signer");
    require(document, "document");
    require(output, "output");
    require_new_output(output);
    SignOptions options;
    options.format = parse_format(format);
    const Level wanted = parse_level(level, true);
    if (wanted != Level::b) options.tsa = tsa_client(tsa_url);
    options.level = wanted == Level::b ? Level::b : Level::t;
    SignedObject made = sign_file(document, signer->signer, options);
    if (wanted == Level::lt || wanted == Level::lta) {
        require(context, "context (levels LT and LTA embed validation data)");
        ExtendOptions extend;
        extend.level = wanted;
        extend.tsa = options.tsa;
        if (options.format != Format::pades) extend.data = fs::path(document);
        auto raised = extend_signature(made, output, extend, context->context);
        if (!raised.signature) throw Error(Errc::usage, raised.refusal);
        made = std::move(*raised.signature);
    }
    made.save(output);
    give(json_out,
         {{"command", "sign"},
          {"level", level == nullptr ? "B" : level},
          {"signatures", nlohmann::json::array({{{"input", document}, {"output", output}}})}},
         trf("signed {0} -> {1}", {document, output}) + "\n");
}

}  // namespace

extern "C" {

const char* ltsign_version(void) {
    static const std::string v(ltsign::version());
    return v.c_str();
}

const char* ltsign_last_error(void) {
    return t_last_error.c_str();
}

ltsign_status ltsign_set_language(const char* language) {
    return guarded([&] {
        const auto l = language_from_string(require(language, "language"));
        if (!l) throw Error(Errc::usage, trf("unknown language \"{0}\"; use en or sv", {language}));
        set_language(*l);
    });
}

void ltsign_string_free(char* text) {
    std::free(text);
}

ltsign_status ltsign_signer_from_pkcs12(const char* file, const char* password,
                                        ltsign_signer** out) {
    if (out != nullptr) *out = nullptr;
    return guarded([&] {
        require(out, "out");
        auto s = Signer::from_pkcs12(require(file, "file"), password == nullptr ? "" : password);
        *out = new ltsign_signer{std::move(s)};
    });
}

ltsign_status ltsign_signer_from_pem(const char* key_file, const char* cert_file,
                                     const char* password, ltsign_signer** out) {
    if (out != nullptr) *out = nullptr;
    return guarded([&] {
        require(out, "out");
        auto s = Signer::from_pem(require(key_file, "key_file"), require(cert_file, "cert_file"),
                                  {}, password == nullptr ? "" : password);
        *out = new ltsign_signer{std::move(s)};
    });
}

void ltsign_signer_free(ltsign_signer* signer) {
    delete signer;
}

ltsign_status ltsign_context_new(ltsign_context** out) {
    if (out != nullptr) *out = nullptr;
    return guarded([&] {
        require(out, "out");
        *out = new ltsign_context{};
    });
}

ltsign_status ltsign_context_add_trust(ltsign_context* context, const char* file_or_dir) {
    return guarded([&] {
        require(context, "context")->context.trust.add(require(file_or_dir, "file_or_dir"));
    });
}

ltsign_status ltsign_context_add_certificates(ltsign_context* context, const char* file_or_dir) {
    return guarded([&] {
        require(context, "context")
            ->context.extra_certificates.add(require(file_or_dir, "file_or_dir"));
    });
}

ltsign_status ltsign_context_add_crl(ltsign_context* context, const char* file) {
    return guarded([&] {
        require(context, "context");
        std::error_code ec;
        if (!fs::is_regular_file(require(file, "file"), ec))
            throw Error(Errc::input_missing, trf("{0}: no such CRL file", {file}));
        context->context.crl_files.emplace_back(file);
    });
}

ltsign_status ltsign_context_set_time(ltsign_context* context, const char* rfc3339) {
    return guarded([&] {
        require(context, "context");
        if (rfc3339 == nullptr) {
            context->context.validation_time.reset();
            return;
        }
        const auto t = parse_rfc3339(rfc3339);
        if (!t) throw Error(Errc::usage, trf("{0}: not an RFC 3339 time", {rfc3339}));
        context->context.validation_time = *t;
    });
}

ltsign_status ltsign_context_set_offline(ltsign_context* context, int offline) {
    return guarded([&] { require(context, "context")->context.offline = offline != 0; });
}

void ltsign_context_free(ltsign_context* context) {
    delete context;
}

ltsign_status ltsign_sign(const ltsign_signer* signer, const ltsign_context* context,
                          const char* document, const char* output, const char* format,
                          const char* level, const char* tsa_url, ltsign_result** json_out) {
    if (json_out != nullptr) *json_out = nullptr;
    return guarded(
        [&] { sign_one(signer, context, document, output, format, level, tsa_url, json_out); });
}

ltsign_status ltsign_verify(const ltsign_context* context, const char* file, const char* data,
                            ltsign_result** out) {
    if (out != nullptr) *out = nullptr;
    return guarded([&] {
        require(context, "context");
        require(out, "out");
        std::vector<fs::path> inputs{require(file, "file")};
        std::vector<fs::path> documents;
        if (data != nullptr) documents.emplace_back(data);
        const auto jobs = plan_verification(inputs, documents);
        if (jobs.empty())
            throw Error(Errc::input_missing, trf("{0}: no signature files found", {file}));
        BatchReport report = verify_batch(jobs, context->context);
        report.deliveries = check_deliveries(inputs, documents);
        auto r = std::make_unique<ltsign_result>();
        r->json = report.to_json();
        r->text = report.to_text(false);
        r->exit_code = exit_code_of(report);
        for (const auto& f : report.files) {
            if (severity(f.indication) > severity(r->indication)) r->indication = f.indication;
        }
        for (const auto& d : report.deliveries) {
            if (!d.complete()) r->indication = Indication::total_failed;
        }
        *out = r.release();
    });
}

ltsign_status ltsign_timestamp(const char* file, const char* tsa_url, const char* output,
                               ltsign_result** json_out) {
    if (json_out != nullptr) *json_out = nullptr;
    return guarded([&] {
        require(file, "file");
        require(output, "output");
        require_new_output(output);
        const auto token = timestamp_file(file, tsa_client(tsa_url));
        SignedObject(token, ".tst").save(output);
        give(json_out, {{"command", "timestamp"}, {"input", file}, {"output", output}},
             trf("time-stamped {0} -> {1}", {file, output}) + "\n");
    });
}

ltsign_status ltsign_seal(const char* const* inputs, size_t count, const char* out_dir,
                          const char* tsa_url, const char* format, ltsign_result** json_out) {
    if (json_out != nullptr) *json_out = nullptr;
    return guarded([&] {
        if (inputs == nullptr || count == 0) throw Error(Errc::usage, tr("nothing to seal"));
        std::vector<fs::path> paths;
        for (size_t i = 0; i < count; ++i) paths.emplace_back(require(inputs[i], "inputs[i]"));
        SealOptions o;
        o.tsa = tsa_client(tsa_url);
        const std::string f = format == nullptr ? "asn1" : format;
        if (f != "asn1" && f != "xml")
            throw Error(Errc::usage, trf("unknown record format \"{0}\"; use asn1 or xml", {f}));
        o.format = f == "xml" ? RecordFormat::xml : RecordFormat::asn1;
        const SealResult r = seal(paths, require(out_dir, "out_dir"), o);
        nlohmann::json documents = nlohmann::json::array();
        for (const auto& d : r.documents) {
            documents.push_back({{"document", d.document.string()},
                                 {"record", d.record.string()},
                                 {"size", d.size},
                                 {"digest", d.digest}});
        }
        give(json_out,
             {{"command", "seal"},
              {"time", format_rfc3339(r.time)},
              {"manifest", r.manifest.string()},
              {"manifestRecord", r.manifest_record.string()},
              {"documents", std::move(documents)}},
             trf("sealed {0} document(s) with one time-stamp at {1}",
                 {std::to_string(r.documents.size()), format_rfc3339(r.time)}) +
                 "\n");
    });
}

ltsign_status ltsign_extend(const ltsign_context* context, const char* signature, const char* data,
                            const char* level, const char* tsa_url, const char* output,
                            ltsign_result** json_out) {
    if (json_out != nullptr) *json_out = nullptr;
    return guarded([&] {
        require(context, "context");
        require(signature, "signature");
        require(output, "output");
        require_new_output(output);
        ExtendOptions o;
        o.level = parse_level(require(level, "level"), false);
        if (tsa_url != nullptr) o.tsa = tsa_client(tsa_url);
        if (data != nullptr) o.data = fs::path(data);
        auto result = extend_signature(fs::path(signature), o, context->context);
        if (result.already_at_level)
            throw Error(Errc::usage, tr("the signature is at that level already"));
        if (!result.signature) throw Error(Errc::usage, result.refusal);
        result.signature->save(output);
        const std::string reached =
            result.after.signatures.empty()
                ? std::string("?")
                : std::string(to_string(result.after.signatures.front().level));
        give(json_out,
             {{"command", "extend"},
              {"input", signature},
              {"output", output},
              {"level", reached},
              {"written", true},
              {"indication", to_string(result.after.indication)}},
             trf("extended {0} to {1} -> {2}", {signature, reached, output}) + "\n");
    });
}

const char* ltsign_result_json(const ltsign_result* result) {
    return result == nullptr ? "" : result->json.c_str();
}

char* ltsign_result_text(const ltsign_result* result) {
    const std::string& text = result == nullptr ? std::string() : result->text;
    char* copy = static_cast<char*>(std::malloc(text.size() + 1));
    if (copy != nullptr) std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
}

ltsign_indication ltsign_result_indication(const ltsign_result* result) {
    if (result == nullptr) return LTSIGN_INDETERMINATE;
    switch (result->indication) {
        case Indication::total_passed:
            return LTSIGN_TOTAL_PASSED;
        case Indication::total_failed:
            return LTSIGN_TOTAL_FAILED;
        case Indication::indeterminate:
            break;
    }
    return LTSIGN_INDETERMINATE;
}

int ltsign_result_exit_code(const ltsign_result* result) {
    return result == nullptr ? static_cast<int>(LTSIGN_ERR_USAGE) : result->exit_code;
}

void ltsign_result_free(ltsign_result* result) {
    delete result;
}

}  // extern "C"
