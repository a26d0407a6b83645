// What every subcommand shares: how it is registered, passwords, and reading times.
#pragma once

#include <signal.h>
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

#include "ltsign/ltsign.hpp"

namespace ltsign::cli {

// A subcommand: its parser node and what to run when it was chosen. `run` returns the exit code
// and may throw ltsign::Error.
struct Command {
    CLI::App* app;
    std::function<int()> run;
};

Command add_sign(CLI::App& root);
Command add_verify(CLI::App& root);
Command add_inspect(CLI::App& root);
Command add_timestamp(CLI::App& root);
Command add_extend(CLI::App& root);
Command add_tsa(CLI::App& root);
Command add_seal(CLI::App& root);
Command add_renew(CLI::App& root);
Command add_trust(CLI::App& root);
Command add_keys(CLI::App& root);
Command add_ingest(CLI::App& root);
Command add_serve(CLI::App& root);

// Examples and exit codes in every --help (help.cpp).
void add_help_texts(CLI::App& root);
// "ltsign: unknown command verfy; did you mean verify?" when argv's first word is no command
// (empty when it is one).
std::string did_you_mean(CLI::App& root, int argc, char** argv);

// What to do about an error, in this CLI's words: the library names the remedy, the CLI its
// options. Empty for Remedy::none.
std::string remedy_hint(Remedy remedy);

// The language of every message (ltsign/language.hpp): `--lang en|sv` (taken out of argv before
// CLI11 sees it, so it works before or after the command), else LC_ALL, LC_MESSAGES, LANG.
// Returns 0, or the exit status (64) after saying the language is unknown.
int choose_language(int& argc, char** argv);
// CLI11's own words in --help (Usage, Options, ...) in that language.
void translate_help_labels(CLI::App& root);

// --key/--cert/--chain/--pass-env/--pass-file, shared by sign and tsa.
struct KeyArgs {
    std::string key, cert, pass_env, pass_file, pkcs11_module;
    std::vector<std::string> chain;
};
void add_key_options(CLI::App* app, KeyArgs& args, bool required);
// A PKCS#11 key when --key is a pkcs11: URI (the password is the PIN), PKCS#12 when the key file
// ends in .p12/.pfx, else a PEM/DER key (with --cert, or a certificate in the key file itself).
// The password is wiped after use.
Signer load_signer(const KeyArgs& args);

// --listen HOST:PORT (or [IPv6]:PORT; port 0 picks a free one) for the servers (tsa, serve). A
// host that is not loopback needs `allow_remote` (Error(usage) otherwise, naming --allow-remote).
struct ListenAddress {
    std::string host;
    int port = 0;
    bool loopback = true;
};
ListenAddress parse_listen(const std::string& text, bool allow_remote);

// SIGINT/SIGTERM end a server (tsa, serve) cleanly: made before the server starts its threads,
// this blocks both signals (the threads inherit the mask, so no handler runs inside them); run()
// then serves until one of them arrives, taken by one thread with sigwait, which calls `stop`.
class StopSignals {
  public:
    StopSignals();
    // `serve` returns after `stop` (or when listening fails).
    void run(const std::function<void()>& serve, const std::function<void()>& stop);

  private:
    sigset_t m_set{};
};

// --timeout SECONDS: one option for every network call of a command (TSA, OCSP, CRL), however
// many option groups want it; each call to this binds `seconds` to it as well.
void add_timeout_option(CLI::App* app, double& seconds);
// -j/--jobs N: the threads of a batch (0, the default, means one per core).
void add_jobs_option(CLI::App* app, unsigned& jobs);

// --tsa and the options a commercial TSA may need.
struct TsaArgs {
    std::string url, policy, user, pass_env, client_cert, client_key;
    std::string digest = "sha256";
    double timeout_seconds = 30;
};
void add_tsa_options(CLI::App* app, TsaArgs& args);
TsaClient make_tsa_client(const TsaArgs& args);
DigestAlgorithm parse_digest(const std::string& name);

// How signatures are validated (verify, and extend/sign at the long-term levels, which embed what
// validation used): --trust, --trust-list, --trust-config, --certs, --at, --offline, --crl,
// --policy.
struct ValidationArgs {
    std::vector<std::string> trust, certs, crls;
    std::vector<std::string> trust_configs;  // --trust-config
    std::string trust_list;                  // --trust-list SNAPSHOT
    std::string at, policy;
    bool offline = false;
    double timeout_seconds = 10;  // each OCSP, CRL or certificate request (--timeout)
};
void add_validation_options(CLI::App* app, ValidationArgs& args);
// Error(input_missing) for a CRL file that is not there.
ValidationContext make_validation_context(const ValidationArgs& args);

// The exit status of a verified batch (DESIGN.md, a contract): 66 if an input was missing, else
// 65 if one was malformed, else 74 for any other error, else 1 if something TOTAL_FAILED or a
// delivery is incomplete, else 2 if something was INDETERMINATE, else 0.
int exit_status(const BatchReport& report);

// One rule for every command (docs/cli.md): the folder of a single output file must exist
// (Error(cannot_create_output), 73, otherwise); a batch's output folder is made.
void require_folder_of(const std::filesystem::path& target);
// Writes `object` to `target` atomically; refuses to replace unless `overwrite`; 73 when its
// folder does not exist.
void write_output(const SignedObject& object, const std::filesystem::path& target, bool overwrite);

// A password from --pass-env VAR or --pass-file F (first line), never from the command line.
// Empty when neither is given. The caller cleanses it with wipe().
std::string read_password(const std::string& env_var, const std::string& file);
void wipe(std::string& secret) noexcept;

TimePoint parse_time_option(const std::string& text, const std::string& option);

// What a command that writes files says it did: `text` for people, or with --json one JSON
// document, {"command": NAME, ...fields} (paths as given).
void print_outcome(bool json, const std::string& command, nlohmann::json fields,
                   const std::string& text);

bool stderr_is_terminal();
// NO_COLOR (https://no-color.org): set and not empty, no colour even on a terminal.
bool no_color();
bool stdout_is_terminal();

}  // namespace ltsign::cli
