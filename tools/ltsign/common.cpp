#include "common.hpp"

#include <openssl/crypto.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace ltsign::cli {

std::string read_password(const std::string& env_var, const std::string& file) {
    if (!env_var.empty() && !file.empty()) {
        throw Error(Errc::usage, "give the password with --pass-env or --pass-file, not both");
    }
    if (!env_var.empty()) {
        const char* value = std::getenv(env_var.c_str());
        if (value == nullptr) {
            throw Error(Errc::usage,
                        "--pass-env " + env_var + ": that environment variable is not set");
        }
        return value;
    }
    if (!file.empty()) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw Error(Errc::input_missing, file + ": cannot open the password file");
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
        throw Error(Errc::usage, option + " " + text +
                                     ": not an RFC 3339 time; write e.g. 2026-03-01T12:00:00Z");
    }
    return *t;
}

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}
bool stdout_is_terminal() {
    return ::isatty(STDOUT_FILENO) == 1;
}

}  // namespace ltsign::cli
