// .zip through the ASiC reader's checked libzip access; .tar (POSIX ustar, with pax and GNU long
// names) parsed here with strict checks: every header's checksum, sizes in bounds, regular files
// and folders only.
#include "ops/unpack.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <set>

#include "asic/zip_archive.hpp"
#include "core/file_io.hpp"
#include "core/text.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::ops {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t k_block = 512;
constexpr std::size_t k_max_entries = 1'000'000;
constexpr std::uint64_t k_max_total = 1ull << 40;  // 1 TiB, as the ZIP limits

[[noreturn]] void refuse(const fs::path& archive, const std::string& why) {
    throw Error(Errc::malformed_input, trf("{0}: {1}; the package is refused",
                                           {core::printable(archive.filename()), why}));
}

// A file created for the entry `name` below `dest`, never through an existing file or link.
class EntryFile {
  public:
    EntryFile(const fs::path& dest, const std::string& name) : m_path(dest / fs::path(name)) {
        fs::create_directories(m_path.parent_path());
        m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (m_fd < 0) throw Error(Errc::io, trf("cannot create {0}", {core::printable(m_path)}));
    }
    ~EntryFile() {
        if (m_fd >= 0) ::close(m_fd);
    }
    EntryFile(const EntryFile&) = delete;
    EntryFile& operator=(const EntryFile&) = delete;
    void write(const unsigned char* data, std::size_t n) {
        while (n > 0) {
            const auto w = ::write(m_fd, data, n);
            if (w <= 0) throw Error(Errc::io, trf("cannot write {0}", {core::printable(m_path)}));
            data += w;
            n -= static_cast<std::size_t>(w);
        }
    }

  private:
    fs::path m_path;
    int m_fd = -1;
};

void unpack_zip(const fs::path& archive, const fs::path& dest) {
    const auto zip = asic::ZipArchive::open(archive, core::printable(archive.filename()));
    std::vector<unsigned char> buffer(1 << 20);
    for (const auto& entry : zip->entries()) {
        if (entry.directory) {
            fs::create_directories(dest / fs::path(entry.name));
            continue;
        }
        EntryFile out(dest, entry.name);
        auto reader = zip->reader(entry);
        for (std::size_t n; (n = reader->read(buffer)) > 0;) out.write(buffer.data(), n);
    }
}

// ustar numbers: octal text (NUL or space terminated), or GNU base-256 (high bit set) for
// sizes beyond 8 GiB.
std::optional<std::uint64_t> tar_number(const unsigned char* field, std::size_t len) {
    if (field[0] & 0x80) {
        std::uint64_t v = field[0] & 0x7f;
        for (std::size_t i = 1; i < len; ++i) {
            if (v >> 55) return std::nullopt;
            v = (v << 8) | field[i];
        }
        return v;
    }
    std::uint64_t v = 0;
    std::size_t i = 0;
    while (i < len && field[i] == ' ') ++i;
    bool digits = false;
    for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (v >> 60) return std::nullopt;
        v = v * 8 + (field[i] - '0');
        digits = true;
    }
    for (; i < len; ++i)
        if (field[i] != 0 && field[i] != ' ') return std::nullopt;
    return digits ? std::optional(v) : std::nullopt;
}

std::string tar_text(const unsigned char* field, std::size_t len) {
    return std::string(reinterpret_cast<const char*>(field),
                       strnlen(reinterpret_cast<const char*>(field), len));
}

bool header_checksum_ok(const std::array<unsigned char, k_block>& h) {
    const auto listed = tar_number(h.data() + 148, 8);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < k_block; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return listed && *listed == sum;
}

// A pax extended header's "path" record (POSIX.1-2001: "LEN path=VALUE\n").
std::optional<std::string> pax_path(const std::string& records) {
    std::size_t at = 0;
    while (at < records.size()) {
        const auto space = records.find(' ', at);
        if (space == std::string::npos || space == at || space - at > 9) return std::nullopt;
        std::size_t len = 0;
        for (std::size_t i = at; i < space; ++i) {
            if (records[i] < '0' || records[i] > '9') return std::nullopt;
            len = len * 10 + static_cast<std::size_t>(records[i] - '0');
        }
        if (at + len > records.size() || at + len < space + 2) return std::nullopt;
        const std::string record = records.substr(space + 1, at + len - space - 2);
        if (record.starts_with("path=")) return record.substr(5);
        at += len;
    }
    return std::nullopt;
}

class TarReader {
  public:
    TarReader(const fs::path& archive, const fs::path& dest)
        : m_archive(archive), m_dest(dest), m_in(archive, std::ios::binary) {
        if (!m_in)
            throw Error(Errc::input_missing, trf("cannot read {0}", {core::printable(archive)}));
    }

    void run() {
        std::array<unsigned char, k_block> h{};
        std::optional<std::string> long_name;
        while (true) {
            if (!read_block(h))
                refuse(m_archive, tr("the archive ends without its end-of-archive blocks"));
            if (std::all_of(h.begin(), h.end(), [](unsigned char c) { return c == 0; })) return;
            if (!header_checksum_ok(h)) refuse(m_archive, tr("a tar header's checksum is wrong"));
            if (std::memcmp(h.data() + 257, "ustar", 5) != 0)
                refuse(m_archive, tr("a header is not POSIX ustar"));
            const auto size = tar_number(h.data() + 124, 12);
            if (!size || *size > k_max_total || (m_total += *size) > k_max_total)
                refuse(m_archive, tr("an entry's size is out of bounds"));
            if (++m_entries > k_max_entries)
                refuse(m_archive, tr("more entries than ltsign unpacks"));
            const char type = static_cast<char>(h[156]);
            std::string name = long_name.value_or(name_of(h));
            long_name.reset();
            if (type == 'x' || type == 'L') {
                if (*size > (1u << 20)) refuse(m_archive, tr("an extended header is too large"));
                const std::string text = read_text(*size);
                long_name =
                    type == 'L'
                        ? std::optional(tar_text(
                              reinterpret_cast<const unsigned char*>(text.data()), text.size()))
                        : pax_path(text);
                continue;
            }
            if (type == 'g') {
                skip(*size);
                continue;
            }
            if (type != '0' && type != '\0' && type != '5') {
                refuse(m_archive, trf("entry {0} is a link, device or other special file, which a "
                                      "package must not hold",
                                      {core::printable(name)}));
            }
            if (type == '5' || name.ends_with("/")) {
                while (name.ends_with("/")) name.pop_back();
                check_name(name);
                fs::create_directories(m_dest / fs::path(name));
                skip(*size);
                continue;
            }
            check_name(name);
            if (!m_names.insert(core::nfc(name)).second)
                refuse(m_archive, trf("entry {0} occurs twice", {core::printable(name)}));
            copy(name, *size);
        }
    }

  private:
    static std::string name_of(const std::array<unsigned char, k_block>& h) {
        const std::string prefix = tar_text(h.data() + 345, 155);
        const std::string name = tar_text(h.data(), 100);
        return prefix.empty() ? name : prefix + "/" + name;
    }
    void check_name(std::string& name) {
        while (name.starts_with("./")) name.erase(0, 2);
        if (auto problem = asic::name_problem(name))
            refuse(m_archive, trf("entry {0}: {1}", {core::printable(name), *problem}));
    }
    bool read_block(std::array<unsigned char, k_block>& h) {
        m_in.read(reinterpret_cast<char*>(h.data()), k_block);
        return m_in.gcount() == static_cast<std::streamsize>(k_block);
    }
    std::string read_text(std::uint64_t size) {
        std::string text(size, '\0');
        m_in.read(text.data(), static_cast<std::streamsize>(size));
        if (m_in.gcount() != static_cast<std::streamsize>(size))
            refuse(m_archive, tr("the archive is truncated"));
        pad(size);
        return text;
    }
    void pad(std::uint64_t size) {
        const std::uint64_t rest = (k_block - size % k_block) % k_block;
        m_in.ignore(static_cast<std::streamsize>(rest));
        if (m_in.gcount() != static_cast<std::streamsize>(rest))
            refuse(m_archive, tr("the archive is truncated"));
    }
    void skip(std::uint64_t size) {
        m_in.seekg(static_cast<std::streamoff>(size), std::ios::cur);
        pad(size);
    }
    void copy(const std::string& name, std::uint64_t size) {
        EntryFile out(m_dest, name);
        std::vector<unsigned char> buffer(1 << 20);
        for (std::uint64_t left = size; left > 0;) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
            m_in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(n));
            if (m_in.gcount() != static_cast<std::streamsize>(n))
                refuse(m_archive, tr("the archive is truncated"));
            out.write(buffer.data(), n);
            left -= n;
        }
        pad(size);
    }

    fs::path m_archive, m_dest;
    std::ifstream m_in;
    std::set<std::string> m_names;
    std::size_t m_entries = 0;
    std::uint64_t m_total = 0;
};

}  // namespace

ArchiveKind archive_kind(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::array<char, k_block> head{};
    in.read(head.data(), head.size());
    const auto n = in.gcount();
    if (n >= 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0) return ArchiveKind::zip;
    if (n == static_cast<std::streamsize>(k_block) &&
        std::memcmp(head.data() + 257, "ustar", 5) == 0)
        return ArchiveKind::tar;
    return ArchiveKind::none;
}

void unpack(const fs::path& archive, ArchiveKind kind, const fs::path& dest) {
    try {
        if (kind == ArchiveKind::zip) return unpack_zip(archive, dest);
        if (kind == ArchiveKind::tar) return TarReader(archive, dest).run();
    } catch (const fs::filesystem_error& e) {
        // A file where the archive later wants a folder (or the other way round).
        refuse(archive, trf("its entries cannot be laid out as files and folders ({0})",
                            {core::printable(e.path1().lexically_relative(dest))}));
    }
    refuse(archive, tr("it is neither a ZIP nor a POSIX tar archive"));
}

}  // namespace ltsign::ops
