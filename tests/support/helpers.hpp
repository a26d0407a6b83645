// Small helpers the tests share: temporary folders, running commands, changing bytes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ltsign::test {

// AddressSanitizer shadows every allocation and keeps freed memory in quarantine, and runs code
// a few times slower, so peak-memory and time bounds measured in the sanitized build are scaled
// by these; the default build checks the bounds themselves.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr long k_sanitizer_memory_factor = 8;
inline constexpr double k_sanitizer_time_factor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr long k_sanitizer_memory_factor = 8;
inline constexpr double k_sanitizer_time_factor = 4;
#else
inline constexpr long k_sanitizer_memory_factor = 1;
inline constexpr double k_sanitizer_time_factor = 1;
#endif
#else
inline constexpr long k_sanitizer_memory_factor = 1;
inline constexpr double k_sanitizer_time_factor = 1;
#endif

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

  private:
    std::filesystem::path m_path;
};

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs `command` with /bin/sh; stdin is /dev/null.
RunResult run(const std::string& command);
// Runs the ltsign binary under test with `args` (already shell-quoted where needed).
RunResult ltsign(const std::string& args);
std::string q(const std::filesystem::path& p);  // single-quoted for the shell

std::vector<unsigned char> read_bytes(const std::filesystem::path& file);
void write_bytes(const std::filesystem::path& file, const std::vector<unsigned char>& bytes);
void write_text(const std::filesystem::path& file, const std::string& text);
std::string read_text(const std::filesystem::path& file);
// Replaces the first occurrence of `from` in the file; the calling test fails if there is none.
void replace_first(const std::filesystem::path& file, const std::string& from,
                   const std::string& to);
// XORs the byte at `offset` (negative: from the end) with 0x01.
void flip_byte(const std::filesystem::path& file, long offset);
// Position of `needle` in the file, or npos.
std::size_t find_bytes(const std::vector<unsigned char>& hay,
                       const std::vector<unsigned char>& needle);

std::filesystem::path corpus_dir();  // empty when ../shared/corpus is absent

// libfaketime's preload library (Debian package faketime), for running a program as if at
// another time: LD_PRELOAD=it FAKETIME="@2035-03-01 12:00:00". Empty when not installed.
std::string faketime_library();

// A child process for the services the tests start (TSA, OCSP responder): `args[0]` is the
// program; its stdout and stderr go to the given descriptors (closed in the parent afterwards).
int spawn(std::vector<std::string> args, int stdout_fd, int stderr_fd);
// Runs the ltsign binary under test with `args` (no shell, output discarded) and returns its exit
// status and peak resident memory in KiB, of that process alone: it is started by GNU time
// (Debian package time), because a child forked from this test process starts with the test's
// own peak as its ru_maxrss (Linux copies the memory high-water mark at fork and keeps it across
// exec), which would be measured instead of ltsign's whenever the test is the larger.
std::pair<int, long> ltsign_measured(std::vector<std::string> args);
// SIGTERM, then wait; sets `pid` to -1. Does nothing for pid <= 0.
void terminate(int& pid);

}  // namespace ltsign::test
