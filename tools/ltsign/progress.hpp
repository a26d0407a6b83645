// Progress of a long command on a terminal: files and bytes done, rate and time left, redrawn in
// place on stderr (DESIGN.md: never in pipes, never with --json or --quiet).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace ltsign::cli {

class Progress {
  public:
    // Draws only when `enabled` and stderr is a terminal, and only once the work has run for a
    // second: a quick command prints nothing.
    Progress(std::string verb, std::size_t files, std::uint64_t bytes, bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // The totals, when they become known after construction.
    void set_total(std::size_t files, std::uint64_t bytes);
    // `files` more files and `bytes` more bytes are done; callable from any thread.
    void advance(std::size_t files, std::uint64_t bytes);
    // Removes the line, so that what is printed next starts clean.
    void finish();

  private:
    void draw_locked();

    std::mutex m_mutex;
    std::string m_verb;
    std::size_t m_files_total, m_files_done = 0;
    std::uint64_t m_bytes_total, m_bytes_done = 0;
    bool m_enabled;
    bool m_drawn = false;
    double m_after = 1.0;  // seconds before the first draw
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last_draw{};
};

// The size of a file, 0 when it cannot be read (progress only).
std::uint64_t size_of(const std::string& path);

}  // namespace ltsign::cli
