#include "helpers.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace ltsign::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ltsign-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (std::getenv("LTSIGN_KEEP_TEMP") == nullptr) fs::remove_all(m_path, ec);
}

static std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

RunResult run(const std::string& command) {
    TempDir tmp;
    const std::string full = command + " </dev/null >" + q(tmp / "out") + " 2>" + q(tmp / "err");
    const int status = std::system(full.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(tmp / "out");
    r.err = slurp(tmp / "err");
    return r;
}

RunResult ltsign(const std::string& args) {
    return run(q(LTSIGN_BINARY) + " " + args);
}

std::string q(const fs::path& p) {
    std::string s = "'";
    for (char c : p.string()) {
        if (c == '\'')
            s += "'\\''";
        else
            s += c;
    }
    return s + "'";
}

std::vector<unsigned char> read_bytes(const fs::path& file) {
    const std::string s = slurp(file);
    return {s.begin(), s.end()};
}

void write_bytes(const fs::path& file, const std::vector<unsigned char>& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void replace_first(const fs::path& file, const std::string& from, const std::string& to) {
    std::string text = read_text(file);
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << file << ": not found: " << from;
    text.replace(at, from.size(), to);
    write_text(file, text);
}

void flip_byte(const fs::path& file, long offset) {
    auto bytes = read_bytes(file);
    const std::size_t at = offset >= 0 ? static_cast<std::size_t>(offset)
                                       : bytes.size() - static_cast<std::size_t>(-offset);
    bytes.at(at) ^= 0x01;
    write_bytes(file, bytes);
}

std::size_t find_bytes(const std::vector<unsigned char>& hay,
                       const std::vector<unsigned char>& needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
    return it == hay.end() ? std::string::npos : static_cast<std::size_t>(it - hay.begin());
}

int spawn(std::vector<std::string> args, int stdout_fd, int stderr_fd) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A parent that takes its signals with sigwait has them blocked; the child must not.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (stdout_fd >= 0) ::dup2(stdout_fd, STDOUT_FILENO);
        if (stderr_fd >= 0) ::dup2(stderr_fd, STDERR_FILENO);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (stdout_fd >= 0) ::close(stdout_fd);
    if (stderr_fd >= 0 && stderr_fd != stdout_fd) ::close(stderr_fd);
    return pid;
}

std::pair<int, long> ltsign_measured(std::vector<std::string> args) {
    const TempDir dir;
    const fs::path peak = dir / "peak";
    args.insert(args.begin(), {"/usr/bin/time", "-f", "%M", "-o", peak.string(), LTSIGN_BINARY});
    const int null = ::open("/dev/null", O_WRONLY);
    const int pid = spawn(args, null, ::dup(null));
    int status = 0;
    ::waitpid(pid, &status, 0);
    // time's last line is the peak in KiB (a line before it says so when the command failed).
    std::ifstream in(peak);
    long kib = -1;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
            kib = std::stol(line);
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, kib};
}

void terminate(int& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
}

fs::path corpus_dir() {
    if (const char* env = std::getenv("LTSIGN_CORPUS_DIR")) return env;
    return LTSIGN_CORPUS_DIR;
}

std::string faketime_library() {
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator("/usr/lib", ec)) {
        const auto lib = dir.path() / "faketime" / "libfaketime.so.1";
        if (std::filesystem::exists(lib, ec)) return lib.string();
    }
    return "";
}

}  // namespace ltsign::test
