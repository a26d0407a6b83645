// ZIP archives as ASiC containers hold them (EN 319 162-1 A.1), read through libzip and checked
// before anything inside is trusted: names (no absolute paths, no "..", no backslashes or control
// characters, no duplicates even after Unicode normalisation), the central directory against
// every local header, and limits on entry count, total size and compression ratio (ZIP bombs).
// Entries are streamed, never held whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/c_ptr.hpp"
#include "core/file_io.hpp"
#include "core/reader.hpp"

struct zip;

namespace ltsign::asic {

// What a container may claim before ltsign reads any of it. Each limit refused names itself in
// the error.
struct Limits {
    std::uint64_t max_entries = 50'000;
    std::uint64_t max_total_size = 1ull << 40;  // 1 TiB uncompressed
    // An entry larger than ratio_floor may expand at most max_ratio times (DSS uses the same
    // figures): 300 MB of zeros deflate about a thousandfold.
    std::uint64_t max_ratio = 100;
    std::uint64_t ratio_floor = 1ull << 20;
};

struct ZipEntry {
    std::string name;  // UTF-8, as the central directory has it
    std::uint64_t index = 0;
    std::uint64_t size = 0;  // uncompressed, as declared (reading checks it)
    std::uint64_t compressed_size = 0;
    std::uint16_t method = 0;  // 0 stored, 8 deflated
    bool directory = false;    // a name ending in '/'
    bool has_extra_field = false;
};

// The local header the archive starts with (EN 319 162-1 A.1: "mimetype", stored, without an
// extra field, so that its media type sits at byte 38 for magic-number detection).
struct LeadingEntry {
    std::string name;
    std::uint16_t method = 0;
    std::uint16_t extra_length = 0;
};

// Why `name` may not be an entry's name (absolute, "..", ".", empty segments, backslash, control
// characters, not UTF-8); nullopt when it may.
std::optional<std::string> name_problem(std::string_view name);

class ZipArchive : public std::enable_shared_from_this<ZipArchive> {
  public:
    // Opens and checks `file` (`what` names it in messages). Error(malformed_input) naming the
    // defect or the limit, Error(input_missing) when it cannot be read.
    static std::shared_ptr<const ZipArchive> open(const std::filesystem::path& file,
                                                  const std::string& what,
                                                  const Limits& limits = {});
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    const std::string& what() const { return m_what; }
    const std::vector<ZipEntry>& entries() const { return m_entries; }
    const ZipEntry* find(std::string_view name) const;
    const LeadingEntry& leading() const { return m_leading; }

    // The entry's content, decompressed as it is read. A read fails with Error(malformed_input)
    // when the content breaks the archive (CRC, more or fewer bytes than declared).
    std::unique_ptr<core::Reader> reader(const ZipEntry& entry) const;
    // The whole entry; Error(malformed_input) when it is larger than `max_size`.
    core::Bytes read(const ZipEntry& entry, std::uint64_t max_size) const;

    // For copying entries unchanged into a new archive (zip_writer).
    ::zip* handle() const { return m_zip; }
    std::mutex& mutex() const { return m_mutex; }

  private:
    ZipArchive() = default;
    friend class EntryReader;
    std::filesystem::path m_path;
    std::string m_what;
    ::zip* m_zip = nullptr;
    std::vector<ZipEntry> m_entries;
    LeadingEntry m_leading;
    mutable std::mutex m_mutex;  // libzip's archive object is not thread-safe
};

}  // namespace ltsign::asic
