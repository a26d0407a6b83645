#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "ltsign/language.hpp"

namespace ltsign::cli {
namespace {

std::string bytes_text(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    char out[32];
    std::snprintf(out, sizeof out, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return out;
}

std::string duration_text(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    char out[32];
    if (s >= 3600) {
        std::snprintf(out, sizeof out, "%ld h %02ld min", s / 3600, s % 3600 / 60);
    } else if (s >= 60) {
        std::snprintf(out, sizeof out, "%ld min %02ld s", s / 60, s % 60);
    } else {
        std::snprintf(out, sizeof out, "%ld s", s);
    }
    return out;
}

}  // namespace

Progress::Progress(std::string verb, std::size_t files, std::uint64_t bytes, bool enabled)
    : m_verb(std::move(verb)),
      m_files_total(files),
      m_bytes_total(bytes),
      m_enabled(enabled && ::isatty(STDERR_FILENO) == 1) {
    // LTSIGN_PROGRESS_AFTER=SECONDS: how long a command runs before progress shows (default 1).
    if (const char* after = std::getenv("LTSIGN_PROGRESS_AFTER"))
        m_after = std::strtod(after, nullptr);
}

Progress::~Progress() {
    finish();
}

void Progress::set_total(std::size_t files, std::uint64_t bytes) {
    const std::lock_guard lock(m_mutex);
    m_files_total = files;
    m_bytes_total = bytes;
}

void Progress::advance(std::size_t files, std::uint64_t bytes) {
    if (!m_enabled) return;
    const std::lock_guard lock(m_mutex);
    m_files_done += files;
    m_bytes_done += bytes;
    draw_locked();
}

void Progress::draw_locked() {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    const bool last = m_files_total > 0 && m_files_done == m_files_total;
    if (elapsed < m_after || (!last && now - m_last_draw < std::chrono::milliseconds(100))) return;
    m_last_draw = now;
    // Time left from the bytes when they say more than the file count (a few large files).
    const double done = m_bytes_total > 0
                            ? static_cast<double>(m_bytes_done) / m_bytes_total
                            : static_cast<double>(m_files_done) /
                                  static_cast<double>(std::max<std::size_t>(1, m_files_total));
    std::string line = trf("{0} {1}/{2} files",
                           {m_verb, std::to_string(m_files_done), std::to_string(m_files_total)});
    if (m_bytes_total > 0) {
        line +=
            trf(", {0} of {1}, {2}/s", {bytes_text(static_cast<double>(m_bytes_done)),
                                        bytes_text(static_cast<double>(m_bytes_total)),
                                        bytes_text(static_cast<double>(m_bytes_done) / elapsed)});
    }
    if (done > 0.01 && done < 1.0)
        line += trf(", {0} left", {duration_text(elapsed * (1 - done) / done)});
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
    m_drawn = true;
}

void Progress::finish() {
    const std::lock_guard lock(m_mutex);
    if (!m_drawn) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    m_drawn = false;
}

std::uint64_t size_of(const std::string& path) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : n;
}

}  // namespace ltsign::cli
