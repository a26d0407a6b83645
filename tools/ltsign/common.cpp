#include "common.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "ltsign/language.hpp"

namespace ltsign::cli {

int exit_status(const BatchReport& report) {
    bool missing = false, malformed = false, other_error = false;
    int worst = 0;
    for (const auto& d : report.deliveries) {
        if (!d.complete()) worst = 2;  // an incomplete delivery fails, whatever its files say
    }
    for (const auto& f : report.files) {
        if (f.error) {
            missing |= *f.error == Errc::input_missing;
            malformed |= *f.error == Errc::malformed_input;
            other_error |= *f.error != Errc::input_missing && *f.error != Errc::malformed_input;
        }
        worst = std::max(worst, severity(f.indication));
    }
    if (missing) return static_cast<int>(Errc::input_missing);
    if (malformed) return static_cast<int>(Errc::malformed_input);
    if (other_error) return static_cast<int>(Errc::io);
    return worst == 2 ? 1 : worst == 1 ? 2 : 0;
}

namespace {
bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}
}  // namespace

StopSignals::StopSignals() {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_set, nullptr);
}

void StopSignals::run(const std::function<void()>& serve, const std::function<void()>& stop) {
    std::thread waiter([this, &stop] {
        int sig = 0;
        sigwait(&m_set, &sig);
        stop();
    });
    serve();
    // serve() also returns if listening fails; wake the waiter so it can be joined.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
}

ListenAddress parse_listen(const std::string& text, bool allow_remote) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos)
        throw Error(Errc::usage, trf("--listen {0}: write HOST:PORT", {text}));
    ListenAddress out;
    out.host = text.substr(0, colon);
    if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
        out.host = out.host.substr(1, out.host.size() - 2);
    }
    try {
        out.port = std::stoi(text.substr(colon + 1));
    } catch (const std::exception&) {
        throw Error(Errc::usage, trf("--listen {0}: the port is not a number", {text}));
    }
    if (out.port < 0 || out.port > 65535)
        throw Error(Errc::usage, tr("--listen: port out of range"));
    out.loopback = is_loopback(out.host);
    if (!out.loopback && !allow_remote) {
        throw Error(Errc::usage, trf("--listen {0} is not a loopback address; add --allow-remote "
                                     "to serve other machines",
                                     {out.host}));
    }
    return out;
}

std::string read_password(const std::string& env_var, const std::string& file) {
    if (!env_var.empty() && !file.empty()) {
        throw Error(Errc::usage, tr("give the password with --pass-env or --pass-file, not both"));
    }
    if (!env_var.empty()) {
        const char* value = std::getenv(env_var.c_str());
        if (value == nullptr) {
            throw Error(Errc::usage,
                        trf("--pass-env {0}: that environment variable is not set", {env_var}));
        }
        return value;
    }
    if (!file.empty()) {
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw Error(Errc::input_missing, trf("{0}: cannot open the password file", {file}));
        std::string line;
        std::getline(in, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }
    return {};
}

void wipe(std::string& secret) noexcept {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

TimePoint parse_time_option(const std::string& text, const std::string& option) {
    const auto t = parse_rfc3339(text);
    if (!t) {
        throw Error(
            Errc::usage,
            trf("{0} {1}: not an RFC 3339 time; write e.g. 2026-03-01T12:00:00Z", {option, text}));
    }
    return *t;
}

void add_key_options(CLI::App* app, KeyArgs& a, bool required) {
    auto* key = app->add_option(
        "--key", a.key,
        tr("Private key: PKCS#12 (.p12/.pfx), PEM/DER key, or a token's key as a pkcs11: URI"));
    if (required) key->required();
    app->add_option(
        "--cert", a.cert,
        tr("Certificate (PEM/DER) when --key is a bare key (or instead of the token's)"));
    app->add_option("--pkcs11-module", a.pkcs11_module,
                    tr("PKCS#11 module of the token (default: p11-kit's proxy module)"));
    app->add_option("--chain", a.chain,
                    tr("Intermediate certificates to include (PEM), repeatable"));
    app->add_option("--pass-env", a.pass_env,
                    tr("Read the key password (a token's PIN) from this environment variable"));
    app->add_option("--pass-file", a.pass_file,
                    tr("Read the key password (a token's PIN) from the first line of this file"));
}

namespace {

// A password typed on the terminal, never echoed; nullopt when there is no terminal to ask.
std::optional<std::string> prompt_password(const std::string& prompt) {
    const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0 || ::isatty(STDIN_FILENO) != 1) {
        if (tty >= 0) ::close(tty);
        return std::nullopt;
    }
    termios old{};
    ::tcgetattr(tty, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty, TCSANOW, &quiet);  // keeps what was typed ahead
    [[maybe_unused]] auto w = ::write(tty, prompt.data(), prompt.size());
    std::string line;
    char c = 0;
    while (::read(tty, &c, 1) == 1 && c != '\n' && line.size() < 4096) line.push_back(c);
    ::tcsetattr(tty, TCSAFLUSH, &old);
    w = ::write(tty, "\n", 1);
    ::close(tty);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

Signer open_signer(const KeyArgs& a, std::string& password) {
    try {
        if (a.key.starts_with("pkcs11:")) {
            std::vector<std::filesystem::path> chain(a.chain.begin(), a.chain.end());
            auto s = Signer::from_pkcs11(a.key, a.pkcs11_module, password, a.cert, chain);
            wipe(password);
            return s;
        }
        const auto ext = std::filesystem::path(a.key).extension().string();
        if (ext == ".p12" || ext == ".pfx") {
            auto s = Signer::from_pkcs12(a.key, password);
            wipe(password);
            return s;
        }
        std::vector<std::filesystem::path> chain(a.chain.begin(), a.chain.end());
        auto s = Signer::from_pem(a.key, a.cert.empty() ? a.key : a.cert, chain, password);
        wipe(password);
        return s;
    } catch (...) {
        wipe(password);
        throw;
    }
}

}  // namespace

Signer load_signer(const KeyArgs& a) {
    std::string password = read_password(a.pass_env, a.pass_file);
    const bool given = !a.pass_env.empty() || !a.pass_file.empty();
    try {
        return open_signer(a, password);
    } catch (const Error& e) {
        // No password was given, and one is needed: ask on a terminal, else say it is missing
        // (not wrong).
        if (given || e.remedy() != Remedy::password) throw;
        const std::string what = a.key.starts_with("pkcs11:") ? "PIN" : "password";
        auto typed = prompt_password(what + " for " + a.key + ": ");
        if (!typed) {
            throw Error(Errc::key_refused,
                        trf("{0}: the key needs a {1} and none was given", {a.key, what}),
                        Remedy::password);
        }
        return open_signer(a, *typed);
    }
}

DigestAlgorithm parse_digest(const std::string& name) {
    const auto d = digest_from_string(name);
    if (!d) {
        throw Error(
            Errc::usage,
            trf("--digest {0}: choose sha256, sha384, sha512, sha3-256 or sha3-512", {name}));
    }
    return *d;
}

void add_tsa_options(CLI::App* app, TsaArgs& a) {
    app->add_option("--tsa", a.url,
                    tr("Time-stamping authority URL (RFC 3161 over HTTP or HTTPS)"));
    app->add_option("--tsa-policy", a.policy, tr("TSA policy OID to request"));
    app->add_option("--tsa-user", a.user,
                    tr("User name for a TSA that requires basic authentication"));
    app->add_option("--tsa-pass-env", a.pass_env,
                    tr("Environment variable holding the TSA password"));
    app->add_option("--tsa-cert", a.client_cert,
                    tr("Client certificate (PEM) for a TSA that requires one"));
    app->add_option("--tsa-key", a.client_key, tr("Key (PEM) of the client certificate"));
    add_timeout_option(app, a.timeout_seconds);
}

void add_timeout_option(CLI::App* app, double& seconds) {
    if (CLI::Option* existing = app->get_option_no_throw("--timeout")) {
        existing->each([&seconds](const std::string& value) { seconds = std::stod(value); });
        return;
    }
    app->add_option(
           "--timeout", seconds,
           tr("Seconds to wait for each network call (TSA, OCSP, CRL); a service that does "
              "not answer is not asked again in the same run"))
        ->check(CLI::PositiveNumber);
}

void add_jobs_option(CLI::App* app, unsigned& jobs) {
    app->add_option("-j,--jobs", jobs,
                    tr("Threads working on the batch at once (default: one per core)"))
        ->check(CLI::Range(1u, 1024u));
}

void add_validation_options(CLI::App* app, ValidationArgs& a) {
    app->add_option("--trust", a.trust,
                    tr("Trust anchors: a PEM file or a folder of them; repeatable"));
    app->add_option(
        "--trust-list", a.trust_list,
        tr("A trusted-list snapshot (ltsign trust fetch): its granted CA and TSA services "
           "are the anchors, each at the time that matters"));
    app->add_option(
        "--trust-config", a.trust_configs,
        tr("A trust configuration (JSON): named local anchors with purposes and validity "
           "periods; repeatable"));
    app->add_option("--certs", a.certs,
                    tr("Extra certificates that may complete a chain (never trusted): a PEM file "
                       "or a folder of them; repeatable"));
    app->add_option("--at", a.at, tr("Validation time (RFC 3339), default now"));
    app->add_flag("--offline", a.offline,
                  tr("Fetch nothing: use only revocation data in the signature and --crl files"));
    app->add_option("--crl", a.crls,
                    tr("A CRL file (DER or PEM) to use for revocation; repeatable"));
    app->add_option("--policy", a.policy,
                    tr("Validation policy (JSON): algorithm end dates, revocation requirement"));
    add_timeout_option(app, a.timeout_seconds);
}

ValidationContext make_validation_context(const ValidationArgs& a) {
    namespace fs = std::filesystem;
    ValidationContext ctx;
    for (const auto& t : a.trust) ctx.trust.add(t);
    for (const auto& c : a.certs) ctx.extra_certificates.add(c);
    if (!a.at.empty()) ctx.validation_time = parse_time_option(a.at, "--at");
    for (const auto& c : a.trust_configs) ctx.trust.add_config(c);
    if (!a.trust_list.empty())
        ctx.trust.add_trusted_lists(a.trust_list, ctx.validation_time.value_or(now_utc()));
    if (!a.policy.empty()) ctx.policy = ValidationPolicy::from_file(a.policy);
    ctx.offline = a.offline;
    ctx.revocation_timeout = std::chrono::milliseconds(static_cast<long>(a.timeout_seconds * 1000));
    for (const auto& c : a.crls) {
        std::error_code ec;
        if (!fs::is_regular_file(c, ec))
            throw Error(Errc::input_missing, trf("{0}: no such CRL file; check --crl", {c}));
        ctx.crl_files.emplace_back(c);
    }
    if (const char* cache = std::getenv("LTSIGN_CACHE_DIR")) {
        ctx.cache_dir = cache;
    } else if (const char* home = std::getenv("HOME")) {
        ctx.cache_dir = fs::path(home) / ".cache" / "ltsign" / "crl";
    }
    return ctx;
}

TsaClient make_tsa_client(const TsaArgs& a) {
    TsaClient c;
    c.url = a.url;
    if (!a.policy.empty()) c.policy = a.policy;
    c.digest = parse_digest(a.digest);
    c.timeout = std::chrono::milliseconds(static_cast<long>(a.timeout_seconds * 1000));
    c.user = a.user;
    if (!a.pass_env.empty()) c.password = read_password(a.pass_env, "");
    c.client_cert = a.client_cert;
    c.client_key = a.client_key;
    return c;
}

void require_folder_of(const std::filesystem::path& target) {
    std::error_code ec;
    if (target.has_parent_path() && !std::filesystem::is_directory(target.parent_path(), ec)) {
        throw Error(Errc::cannot_create_output,
                    trf("{0}: the folder {1} does not exist; create it first or choose another -o",
                        {target.string(), target.parent_path().string()}));
    }
}

void write_output(const SignedObject& object, const std::filesystem::path& target, bool overwrite) {
    require_folder_of(target);
    object.save(target, overwrite);
}

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}
void print_outcome(bool json, const std::string& command, nlohmann::json fields,
                   const std::string& text) {
    if (!json) {
        std::cout << text;
        return;
    }
    nlohmann::json doc = {{"command", command}};
    doc.update(fields);
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

bool no_color() {
    const char* v = std::getenv("NO_COLOR");
    return v != nullptr && *v != '\0';
}
bool stdout_is_terminal() {
    return ::isatty(STDOUT_FILENO) == 1;
}

std::string remedy_hint(Remedy remedy) {
    switch (remedy) {
        case Remedy::none:
            return "";
        case Remedy::document:
            return tr("give the document with --data DOC|DIR");
        case Remedy::password:
            return tr("give the password with --pass-env VAR or --pass-file F");
        case Remedy::certificate:
            return tr("give the matching certificate with --cert");
        case Remedy::tsa:
            return tr("add --tsa URL");
        case Remedy::digest:
            return tr("choose it with --digest");
        case Remedy::packaging:
            return tr("choose it with --packaging");
        case Remedy::overwrite:
            return tr("give --force to replace it");
        case Remedy::serial_file:
            return tr("give --serial-file F");
        case Remedy::tsa_policy:
            return tr("give the policy as an OID with --policy");
        case Remedy::rsa_padding:
            return tr("leave out --rsa-pss");
    }
    return "";
}

int choose_language(int& argc, char** argv) {
    std::optional<std::string> asked;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--lang" && i + 1 < argc) {
            asked = argv[++i];
        } else if (arg.starts_with("--lang=")) {
            asked = std::string(arg.substr(7));
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    argv[argc] = nullptr;
    if (!asked) {
        set_language(language_from_environment());
        return 0;
    }
    const auto chosen = language_from_string(*asked);
    if (!chosen) {
        std::cerr << "ltsign: --lang " << *asked << ": unknown language; use en or sv\n";
        return static_cast<int>(Errc::usage);
    }
    set_language(*chosen);
    return 0;
}

void translate_help_labels(CLI::App& root) {
    auto formatter = root.get_formatter();
    const std::pair<const char*, std::string> labels[] = {{"Usage", tr("Usage")},
                                                          {"OPTIONS", tr("OPTIONS")},
                                                          {"SUBCOMMAND", tr("SUBCOMMAND")},
                                                          {"SUBCOMMANDS", tr("SUBCOMMANDS")},
                                                          {"Positionals", tr("Positionals")},
                                                          {"Options", tr("Options")},
                                                          {"Subcommands", tr("Subcommands")},
                                                          {"REQUIRED", tr("REQUIRED")},
                                                          {"Excludes", tr("Excludes")},
                                                          {"Needs", tr("Needs")}};
    for (const auto& [label, text] : labels) formatter->label(label, text);
    root.set_help_flag("-h,--help", tr("Print this help message and exit"));
}

}  // namespace ltsign::cli
