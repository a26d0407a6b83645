// Reading inputs with a size limit and writing outputs atomically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

namespace ltsign::core {

using Bytes = std::vector<unsigned char>;

// The public API speaks std::byte; OpenSSL and libxml2 speak unsigned char. The two meet here, at
// the edge, and nowhere else.
inline std::span<const unsigned char> as_uchars(std::span<const std::byte> bytes) noexcept {
    return {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()};
}
inline std::vector<std::byte> to_public_bytes(std::span<const unsigned char> bytes) {
    const auto* b = reinterpret_cast<const std::byte*>(bytes.data());
    return {b, b + bytes.size()};
}
inline Bytes from_public_bytes(std::span<const std::byte> bytes) {
    const auto u = as_uchars(bytes);
    return {u.begin(), u.end()};
}

// Signature files, tokens and records are read whole; documents never are (see stream_file).
// Limits protect against hostile input: a larger file gives Error(malformed_input).
constexpr std::uintmax_t k_max_signature_file = 256ull << 20;

// Throws Error(input_missing) if absent or unreadable, Error(io) on a read error,
// Error(malformed_input) if larger than `max_size`.
Bytes read_file(const std::filesystem::path& file, std::uintmax_t max_size);
// The first `count` bytes of a regular file (fewer when it is shorter); empty when it cannot be
// opened or is no regular file. For telling formats apart by their first bytes.
Bytes read_head(const std::filesystem::path& file, std::size_t count);

// Feeds the file to `sink` in chunks of at most 1 MiB.
void stream_file(const std::filesystem::path& file,
                 const std::function<void(std::span<const unsigned char>)>& sink);

// Writes `bytes` to `target` so that a reader (or a crash) sees either the old file or the whole
// new one: an unnamed temporary file in the target's folder (O_TMPFILE), fsync, then linked into
// place, and the folder fsynced. Without `overwrite` an existing target is refused
// (Error(cannot_create_output)). Nothing is left behind on failure.
void atomic_write(const std::filesystem::path& target, std::span<const unsigned char> bytes,
                  bool overwrite);

// Writes several files so that either all of them take their new content or none does (short of
// a crash between the final renames, which leaves each file old or new, never partial): every
// file is first written under a hidden name beside its target, all of them are made durable at
// once (group commit: one syncfs per filesystem, not one fsync per file), then all are renamed
// into place and each folder fsynced. Without `overwrite` an existing target is refused before
// anything is written.
void atomic_write_all(const std::vector<std::pair<std::filesystem::path, Bytes>>& files,
                      bool overwrite);
// The same for a batch too large to hold in memory: the content of targets[i] is made by
// content(i) when that file is staged, and not kept after it is written. Files are made and
// staged on `jobs` threads (0: every core): `content` is called from several threads at once.
void atomic_write_all(const std::vector<std::filesystem::path>& targets,
                      const std::function<Bytes(std::size_t)>& content, bool overwrite,
                      unsigned jobs = 0);

// An output another library writes by path (a ZIP container through libzip), made atomic the
// same way: it is written under a hidden name beside `target` (path(), which does not exist yet),
// and commit() fsyncs it and moves it into place (linked, so an existing target is never
// clobbered, unless `overwrite`: renamed over it) and fsyncs the folder. Until then the target is
// untouched; a StagedFile destroyed without commit() removes what was staged.
class StagedFile {
  public:
    // Error(cannot_create_output) when the folder is missing, `target` is a symbolic link, or
    // exists and `overwrite` is not set.
    StagedFile(const std::filesystem::path& target, bool overwrite);
    ~StagedFile();
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;

    const std::filesystem::path& path() const { return m_staged; }
    const std::filesystem::path& target() const { return m_target; }
    void commit();

  private:
    std::filesystem::path m_target;
    std::filesystem::path m_staged;
    bool m_overwrite = false;
    bool m_committed = false;
};

}  // namespace ltsign::core
