// ltsign serve: the configuration file, the private work folder, and problem answers.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "ltsign/language.hpp"
#include "serve.hpp"

namespace ltsign::cli::serve {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void bad(const fs::path& file, const std::string& what) {
    throw Error(Errc::malformed_input,
                trf("{0}: {1} (see schemas/serve-config.schema.json)", {file.string(), what}));
}

std::string resolved(const fs::path& base, const std::string& p) {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (base / p).lexically_normal().string();
}

std::vector<std::string> paths(const json& j, const char* key, const fs::path& base,
                               const fs::path& file) {
    std::vector<std::string> out;
    if (!j.contains(key)) return out;
    if (!j[key].is_array()) bad(file, trf("{0} must be a list of paths", {std::string(key)}));
    for (const auto& p : j[key]) {
        if (!p.is_string()) bad(file, trf("{0} must be a list of paths", {std::string(key)}));
        out.push_back(resolved(base, p.get<std::string>()));
    }
    return out;
}

std::array<unsigned char, 32> hex32(const std::string& hex, const fs::path& file) {
    std::array<unsigned char, 32> out{};
    if (hex.size() != 64) bad(file, tr("a token's sha256 must be 64 hexadecimal digits"));
    for (std::size_t i = 0; i < 32; ++i) {
        const std::string byte = hex.substr(2 * i, 2);
        if (byte.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            bad(file, tr("a token's sha256 must be 64 hexadecimal digits"));
        out[i] = static_cast<unsigned char>(std::stoi(byte, nullptr, 16));
    }
    return out;
}

std::set<std::string> permissions(const json& j, const fs::path& file) {
    std::set<std::string> out;
    if (!j.is_array()) bad(file, tr("permissions must be a list"));
    for (const auto& p : j) {
        if (!p.is_string() || !k_permissions.contains(p.get<std::string>()))
            bad(file, trf("unknown permission {0}; choose verify, timestamp, seal, sign or extend",
                          {p.dump()}));
        out.insert(p.get<std::string>());
    }
    return out;
}

void read_limits(const json& j, Limits& l, const fs::path& file) {
    const auto number = [&](const char* key, auto& target, std::uint64_t max) {
        if (!j.contains(key)) return;
        if (!j[key].is_number_unsigned() || j[key].get<std::uint64_t>() == 0 ||
            j[key].get<std::uint64_t>() > max)
            bad(file,
                trf("limits.{0} must be a whole number from 1 to {1}", {key, std::to_string(max)}));
        target =
            static_cast<std::remove_reference_t<decltype(target)>>(j[key].get<std::uint64_t>());
    };
    number("maxBodyBytes", l.max_body, 1ull << 40);
    number("maxFileBytes", l.max_file, 1ull << 40);
    number("maxFiles", l.max_files, 100000);
    number("maxConcurrent", l.max_concurrent, 256);
    std::uint64_t timeout = static_cast<std::uint64_t>(l.request_timeout.count());
    number("requestTimeoutSeconds", timeout, 86400);
    l.request_timeout = std::chrono::seconds(timeout);
}

void read_verify(const json& j, Config& c, const fs::path& base, const fs::path& file) {
    ValidationArgs& v = c.validation;
    v.trust = paths(j, "trust", base, file);
    v.trust_configs = paths(j, "trustConfig", base, file);
    v.certs = paths(j, "certs", base, file);
    v.crls = paths(j, "crls", base, file);
    if (j.contains("trustList"))
        v.trust_list = resolved(base, j.at("trustList").get<std::string>());
    if (j.contains("policy")) v.policy = resolved(base, j.at("policy").get<std::string>());
    v.offline = j.value("offline", false);
    v.timeout_seconds = j.value("revocationTimeoutSeconds", 10.0);
    c.uploaded_trust = j.value("uploadedTrust", true);
}

void read_tsa(const json& j, Config& c) {
    TsaArgs t;
    t.url = j.at("url").get<std::string>();
    t.policy = j.value("policy", "");
    t.digest = j.value("digest", "sha256");
    t.timeout_seconds = j.value("timeoutSeconds", 30.0);
    t.user = j.value("user", "");
    t.pass_env = j.value("passEnv", "");
    c.tsa = t;
}

void read_signer(const json& j, Config& c, const fs::path& base, const fs::path& file) {
    KeyArgs k;
    k.key = j.at("key").get<std::string>();
    if (!k.key.starts_with("pkcs11:")) k.key = resolved(base, k.key);
    if (j.contains("cert")) k.cert = resolved(base, j["cert"].get<std::string>());
    k.chain = paths(j, "chain", base, file);
    k.pass_env = j.value("passEnv", "");
    if (j.contains("passFile")) k.pass_file = resolved(base, j["passFile"].get<std::string>());
    k.pkcs11_module = j.value("pkcs11Module", "");
    c.signer = k;
}

void read_tokens(const json& j, Config& c, const fs::path& file) {
    std::set<std::string> names;
    for (const auto& t : j) {
        Token token{t.at("name").get<std::string>(), hex32(t.at("sha256").get<std::string>(), file),
                    permissions(t.at("permissions"), file)};
        if (!names.insert(token.name).second)
            bad(file, trf("two tokens are named {0}", {token.name}));
        c.tokens.push_back(std::move(token));
    }
}

void read_config(const json& j, Config& c, const fs::path& file) {
    static const std::set<std::string> known = {"$schema",   "listen", "allowRemote", "workDir",
                                                "accessLog", "limits", "tokens",      "anonymous",
                                                "verify",    "tsa",    "signer"};
    if (!j.is_object()) bad(file, tr("the configuration must be a JSON object"));
    for (const auto& [key, value] : j.items()) {
        if (!known.contains(key)) bad(file, trf("unknown key {0}", {key}));
    }
    const fs::path base = fs::absolute(file).parent_path();
    c.listen = j.value("listen", c.listen);
    c.allow_remote = j.value("allowRemote", false);
    if (j.contains("workDir")) c.work_dir = resolved(base, j["workDir"].get<std::string>());
    if (j.contains("accessLog")) c.access_log = resolved(base, j["accessLog"].get<std::string>());
    if (j.contains("limits")) read_limits(j["limits"], c.limits, file);
    if (j.contains("tokens")) read_tokens(j["tokens"], c, file);
    // Without tokens every endpoint is open; with them, only what "anonymous" names.
    c.anonymous = j.contains("tokens") ? std::set<std::string>{} : k_permissions;
    if (j.contains("anonymous")) c.anonymous = permissions(j["anonymous"], file);
    if (j.contains("verify")) read_verify(j["verify"], c, base, file);
    if (j.contains("tsa")) read_tsa(j["tsa"], c);
    if (j.contains("signer")) read_signer(j["signer"], c, base, file);
}

fs::path default_work_dir() {
    const char* state = std::getenv("STATE_DIRECTORY");  // systemd's StateDirectory=
    if (state != nullptr && *state != '\0') return fs::path(state) / "work";
    const char* tmp = std::getenv("TMPDIR");
    return fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
           ("ltsign-serve-" + std::to_string(::getuid()));
}

}  // namespace

Config load_config(const std::optional<fs::path>& file) {
    Config c;
    c.anonymous = k_permissions;
    if (file) {
        std::ifstream in(*file, std::ios::binary);
        if (!in)
            throw Error(Errc::input_missing,
                        trf("{0}: cannot open the configuration", {file->string()}));
        try {
            read_config(json::parse(in), c, *file);
        } catch (const json::exception& e) {
            bad(*file, trf("not a valid configuration: {0}", {e.what()}));
        }
    }
    if (c.work_dir.empty()) c.work_dir = default_work_dir();
    return c;
}

WorkDir::WorkDir(const fs::path& dir) : m_dir(dir) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(dir, ec))) {
        fs::create_directories(dir.parent_path(), ec);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            throw Error(Errc::cannot_create_output,
                        trf("{0}: cannot make the work folder", {dir.string()}));
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(Errc::cannot_create_output,
                    trf("{0}: the work folder is not a folder", {dir.string()}));
    if (st.st_uid != ::geteuid())
        throw Error(
            Errc::cannot_create_output,
            trf("{0}: the work folder belongs to another user; choose another", {dir.string()}));
    if ((st.st_mode & 0777) != 0700) ::chmod(dir.c_str(), 0700);
    m_lock = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_lock < 0 || ::flock(m_lock, LOCK_EX | LOCK_NB) != 0) {
        throw Error(Errc::cannot_create_output,
                    trf("{0}: another ltsign serve uses this work folder", {dir.string()}));
    }
    // Locked: whatever else is here was left by a service that was killed.
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().filename() == ".lock") continue;
        m_removed += fs::remove_all(entry.path(), ec) > 0 ? 1 : 0;
    }
}

WorkDir::~WorkDir() {
    if (m_lock >= 0) ::close(m_lock);
}

RequestDir::RequestDir(const fs::path& work_dir) {
    std::string name = (work_dir / "request-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr)
        throw Error(Errc::cannot_create_output, tr("cannot make a folder for the request's files"));
    m_dir = name;
}

RequestDir::~RequestDir() {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
}

Answer problem(int status, const std::string& detail, int exit_code) {
    static const std::map<int, std::string> titles = {{400, "Bad Request"},
                                                      {401, "Unauthorized"},
                                                      {403, "Forbidden"},
                                                      {404, "Not Found"},
                                                      {408, "Request Timeout"},
                                                      {413, "Content Too Large"},
                                                      {415, "Unsupported Media Type"},
                                                      {422, "Unprocessable Content"},
                                                      {500, "Internal Server Error"},
                                                      {501, "Not Implemented"},
                                                      {502, "Bad Gateway"},
                                                      {503, "Service Unavailable"}};
    json j = {{"type", "about:blank"},
              {"title", titles.contains(status) ? titles.at(status) : "Error"},
              {"status", status},
              {"detail", detail}};
    if (exit_code != 0) j["exitCode"] = exit_code;
    return {status, "application/problem+json", j.dump() + "\n"};
}

Answer problem_of(const Error& e) {
    int status = 500;
    switch (e.code()) {
        case Errc::usage:
        case Errc::input_missing:
            status = 400;
            break;
        case Errc::malformed_input:
            status = 422;
            break;
        case Errc::service_unavailable:
            status = 502;
            break;
        default:
            break;
    }
    return problem(status, e.what(), e.exit_code());
}

std::vector<fs::path> Uploads::of(const std::string& field) const {
    const auto it = files.find(field);
    return it == files.end() ? std::vector<fs::path>{} : it->second;
}

std::string base64(const std::vector<std::byte>& bytes) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t v = 0;
        for (std::size_t k2 = 0; k2 < 3; ++k2)
            v = (v << 8) | (k2 < n ? std::to_integer<std::uint32_t>(bytes[i + k2]) : 0);
        for (std::size_t k2 = 0; k2 < 4; ++k2) out += k2 <= n ? k[(v >> (18 - 6 * k2)) & 63] : '=';
    }
    return out;
}

std::string sha256_hex(const std::string& text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw Error(Errc::internal, tr("SHA-256 failed"));
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

}  // namespace ltsign::cli::serve
