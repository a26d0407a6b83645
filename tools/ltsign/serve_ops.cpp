// ltsign serve: the endpoints' work, each one call into the library's operations with the
// options the same CLI command would pass.
#include <cstring>
#include <fstream>
#include <iterator>

#include "ltsign/language.hpp"
#include "serve.hpp"

namespace ltsign::cli::serve {
namespace fs = std::filesystem;
using nlohmann::json;
using Query = std::multimap<std::string, std::string>;

namespace {

std::string param(const Query& q, const std::string& key, const std::string& fallback = "") {
    const auto it = q.find(key);
    return it == q.end() ? fallback : it->second;
}

std::vector<std::byte> read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(raw.size());
    std::memcpy(out.data(), raw.data(), raw.size());
    return out;
}

std::string as_string(const std::vector<std::byte>& bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string media_type_of(const std::string& extension) {
    if (extension == ".pdf") return "application/pdf";
    if (extension.ends_with(".xml")) return "application/xml";
    if (extension == ".asice" || extension == ".sce") return "application/vnd.etsi.asic-e+zip";
    if (extension == ".asics" || extension == ".scs") return "application/vnd.etsi.asic-s+zip";
    if (extension == ".p7s") return "application/pkcs7-signature";
    return "application/octet-stream";
}

Answer file_answer(const std::vector<std::byte>& bytes, const std::string& name,
                   const std::string& extension) {
    std::string safe = name;
    for (char& c : safe) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
    }
    return {200,
            media_type_of(extension),
            as_string(bytes),
            {{"Content-Disposition", "attachment; filename=\"" + safe + "\""}}};
}

// The one file a field must hold.
std::optional<Answer> exactly_one(const Uploads& up, const std::string& field) {
    const auto n = up.of(field).size();
    if (n == 1) return std::nullopt;
    return problem(
        400,
        "send exactly one file in the form field \"" + field + "\" (got " + std::to_string(n) + ")",
        static_cast<int>(Errc::usage));
}

std::optional<Answer> needs_tsa(const Config& c, const std::string& what) {
    if (c.tsa) return std::nullopt;
    return problem(501, what +
                            " needs a time-stamping authority, and this service has none "
                            "configured (\"tsa\" in its configuration)");
}

TsaClient tsa_client(const Config& c, const Query& q) {
    TsaArgs t = *c.tsa;
    const std::string digest = param(q, "digest");
    if (!digest.empty()) {
        parse_digest(digest);  // Error(usage) for an unknown name
        t.digest = digest;
    }
    return make_tsa_client(t);
}

std::optional<Level> level_of(const std::string& text) {
    if (text == "B" || text == "b") return Level::b;
    if (text == "T" || text == "t") return Level::t;
    if (text == "LT" || text == "lt") return Level::lt;
    if (text == "LTA" || text == "lta") return Level::lta;
    return std::nullopt;
}

std::string uploaded_name(const Uploads& up, const std::string& field) {
    const auto it = up.names.find(field);
    if (it == up.names.end() || it->second.empty()) return field;
    return fs::path(it->second.front()).filename().string();
}

SignOptions sign_options(const Config& c, const Query& q, Level level) {
    SignOptions o;
    const std::string format = param(q, "format", "cades");
    const std::string packaging = param(q, "packaging", "detached");
    if (format == "xades") {
        o.format = Format::xades;
    } else if (format == "pades") {
        o.format = Format::pades;
    } else if (format != "cades") {
        throw Error(Errc::usage, trf("format={0}: choose cades, xades or pades", {format}));
    }
    if (packaging == "enveloped") {
        o.packaging = Packaging::enveloped;
    } else if (packaging == "enveloping") {
        o.packaging = Packaging::enveloping;
    } else if (packaging != "detached") {
        throw Error(Errc::usage,
                    trf("packaging={0}: choose detached, enveloped or enveloping", {packaging}));
    }
    if (o.format != Format::xades && o.packaging != Packaging::detached)
        throw Error(Errc::usage, trf("packaging={0} needs format=xades", {packaging}));
    o.digest = parse_digest(param(q, "digest", "sha256"));
    if (level != Level::b) {
        o.level = Level::t;
        o.tsa = tsa_client(c, q);
    }
    return o;
}

}  // namespace

const std::set<std::string>& fields_of(const std::string& endpoint) {
    static const std::map<std::string, std::set<std::string>> fields = {
        {"verify", {"signature", "document", "trust"}},
        {"timestamp", {"document"}},
        {"seal", {"document"}},
        {"sign", {"document"}},
        {"extend", {"signature", "document"}}};
    static const std::set<std::string> none;
    const auto it = fields.find(endpoint);
    return it == fields.end() ? none : it->second;
}

Answer Operations::verify(const Uploads& up, const Query& q, const fs::path& request_dir) {
    const auto signatures = up.of("signature");
    if (signatures.empty())
        return problem(400, "send the files to verify in the form field \"signature\"",
                       static_cast<int>(Errc::usage));
    ValidationArgs args = config.validation;
    if (!up.of("trust").empty() && !config.uploaded_trust)
        return problem(403,
                       "this service verifies with its own trust anchors only; "
                       "send no \"trust\" files");
    for (const auto& t : up.of("trust")) args.trust.push_back(t.string());
    const std::string at = param(q, "at");
    if (!at.empty()) args.at = at;
    const std::string report_kind = param(q, "report", "json");
    const std::string require = param(q, "require", "any");
    if (report_kind != "json" && report_kind != "etsi")
        return problem(400, "report=" + report_kind + ": choose json or etsi",
                       static_cast<int>(Errc::usage));
    if (require != "any" && require != "signed")
        return problem(400, "require=" + require + ": choose any or signed",
                       static_cast<int>(Errc::usage));
    ValidationContext ctx = make_validation_context(args);
    // As `ltsign verify --data`: one document is a file (it pairs with a lone signature whatever
    // its name), several are a folder (NAME.p7s finds NAME).
    std::vector<fs::path> data;
    const auto documents = up.of("document");
    if (documents.size() == 1) data.push_back(documents.front());
    if (documents.size() > 1) data.push_back(request_dir / "document");
    const auto jobs = plan_verification(signatures, data);
    BatchReport report = verify_batch(jobs, ctx);
    if (require == "signed") report.require_signatures();
    report.deliveries = check_deliveries(signatures, data);
    Answer a;
    if (report_kind == "etsi") {
        a.content_type = "application/xml";
        a.body = report.to_etsi_xml();
    } else {
        a.body = report.to_json();
    }
    a.headers.emplace_back("Ltsign-Exit-Status", std::to_string(exit_status(report)));
    return a;
}

Answer Operations::timestamp(const Uploads& up, const Query& q) {
    if (auto refused = needs_tsa(config, "A time-stamp")) return *refused;
    if (auto refused = exactly_one(up, "document")) return *refused;
    const auto token = timestamp_file(up.of("document").front(), tsa_client(config, q));
    return file_answer(token, uploaded_name(up, "document") + ".tst", ".tst");
}

Answer Operations::seal(const Uploads& up, const Query& q, const fs::path& request_dir) {
    if (auto refused = needs_tsa(config, "Sealing")) return *refused;
    const auto documents = up.of("document");
    if (documents.empty())
        return problem(400, "send the documents to seal in the form field \"document\"",
                       static_cast<int>(Errc::usage));
    const std::string format = param(q, "format", "asn1");
    if (format != "asn1" && format != "xml")
        return problem(400, "format=" + format + ": choose asn1 or xml",
                       static_cast<int>(Errc::usage));
    SealOptions o;
    o.tsa = tsa_client(config, q);
    o.digest = o.tsa.digest;
    o.format = format == "xml" ? RecordFormat::xml : RecordFormat::asn1;
    o.threads = 1;
    if (!config.validation.trust.empty())  // as seal --trust: the records verify offline
        o.validation =
            std::make_shared<const ValidationContext>(make_validation_context(config.validation));
    const fs::path out = request_dir / "records";
    // The documents as one folder: records keep the relative names the client gave.
    const SealResult r = ltsign::seal({request_dir / "document"}, out, o);
    json records = json::array();
    for (const auto& d : r.documents) {
        records.push_back({{"document", fs::relative(d.document, request_dir / "document")},
                           {"record", fs::relative(d.record, out)},
                           {"size", d.size},
                           {"digest", d.digest},
                           {"content", base64(read_all(d.record))}});
    }
    json j = {{"sealedAt", format_rfc3339(r.time)},
              {"digestAlgorithm", std::string(to_string(o.digest))},
              {"format", format},
              {"records", records},
              {"manifest", base64(read_all(r.manifest))},
              {"manifestRecord", base64(read_all(r.manifest_record))}};
    return {200, "application/json", j.dump() + "\n"};
}

Answer Operations::sign(const Uploads& up, const Query& q) {
    if (!signer)
        return problem(501,
                       "this service has no signing key configured (\"signer\" in its "
                       "configuration)");
    if (auto refused = exactly_one(up, "document")) return *refused;
    const auto level = level_of(param(q, "level", "B"));
    if (!level) return problem(400, "level: choose B, T, LT or LTA", static_cast<int>(Errc::usage));
    if (*level != Level::b) {
        if (auto refused = needs_tsa(config, "A signature at level T and above")) return *refused;
    }
    const SignOptions o = sign_options(config, q, *level);
    const fs::path document = up.of("document").front();
    std::optional<SignedObject> made;
    {
        std::lock_guard lock(sign_mutex);
        made = sign_file(document, *signer, o);
    }
    const std::string name = uploaded_name(up, "document");
    if (*level == Level::lt || *level == Level::lta) {
        // As sign --level LT|LTA: the new signature is validated and its validation data
        // embedded, so it needs the service's trust anchors.
        ExtendOptions e;
        e.level = *level;
        e.tsa = o.tsa;
        if (o.packaging == Packaging::detached && o.format != Format::pades) e.data = document;
        auto result = extend_signature(*made, name, e, make_validation_context(config.validation));
        if (!result.signature)
            return problem(422, result.refusal +
                                    "; the service's trust anchors (\"verify\" in its "
                                    "configuration) must include the signer's root");
        made = std::move(*result.signature);
    }
    const std::string out_name = o.format == Format::pades ? name : name + made->extension();
    return file_answer(made->bytes(), out_name, made->extension());
}

Answer Operations::extend(const Uploads& up, const Query& q) {
    if (auto refused = needs_tsa(config, "Extending")) return *refused;
    if (auto refused = exactly_one(up, "signature")) return *refused;
    const auto level = level_of(param(q, "level", "LTA"));
    if (!level || *level == Level::b)
        return problem(400, "level: choose T, LT or LTA", static_cast<int>(Errc::usage));
    ExtendOptions e;
    e.level = *level;
    e.tsa = tsa_client(config, q);
    const auto documents = up.of("document");
    if (documents.size() > 1)
        return problem(400, "send at most one file in the form field \"document\"",
                       static_cast<int>(Errc::usage));
    if (!documents.empty()) e.data = documents.front();
    const fs::path signature = up.of("signature").front();
    const auto result = extend_signature(signature, e, make_validation_context(config.validation));
    const std::string name = uploaded_name(up, "signature");
    if (result.already_at_level) {
        Answer a = file_answer(read_all(signature), name, signature.extension().string());
        a.headers.emplace_back("Ltsign-Already-At-Level", "true");
        return a;
    }
    if (!result.signature) return problem(422, result.refusal, static_cast<int>(Errc::usage));
    return file_answer(result.signature->bytes(), name, result.signature->extension());
}

}  // namespace ltsign::cli::serve
