#include "asic/zip_archive.hpp"

#include <zip.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "ltsign/error.hpp"

LTSIGN_C_FREE(zip_file_t, zip_fclose);  // a read-only entry: closing it cannot fail usefully

namespace ltsign::asic {
namespace {

std::string mib(std::uint64_t bytes) {
    return bytes >= (1ull << 20) ? std::to_string(bytes >> 20) + " MiB"
                                 : std::to_string(bytes) + " bytes";
}

[[noreturn]] void refuse(const std::string& what, const std::string& why) {
    throw Error(Errc::malformed_input, what + ": " + why);
}

// libzip's reasons for refusing an archive, in words a person can act on.
std::string open_failure(int code) {
    switch (code) {
        case ZIP_ER_NOZIP:
            return "not a complete ZIP archive (its central directory is missing or truncated)";
        case ZIP_ER_INCONS:
            return "an inconsistent ZIP archive (a local header disagrees with the central "
                   "directory, entries overlap, or it is truncated)";
        case ZIP_ER_EXISTS:
            return "an entry name occurs twice in its central directory; which one is meant "
                   "cannot be told";
        case ZIP_ER_MEMORY:
            return "too large a central directory to read";
        default: {
            zip_error_t e;
            zip_error_init_with_code(&e, code);
            std::string text = zip_error_strerror(&e);
            zip_error_fini(&e);
            return "cannot be read as a ZIP archive (" + text + ")";
        }
    }
}

void check_limits(const ZipEntry& e, std::uint64_t& total, const Limits& limits,
                  const std::string& what) {
    const std::string name = "the entry \"" + core::printable(e.name) + "\"";
    if (e.size > limits.max_total_size - std::min(total, limits.max_total_size)) {
        refuse(what, "its entries expand to more than " + mib(limits.max_total_size) +
                         ", the most ltsign reads from one container; unpack it with a tool "
                         "you trust if it is genuine");
    }
    total += e.size;
    if (e.size > limits.ratio_floor &&
        e.size / std::max<std::uint64_t>(e.compressed_size, 1) > limits.max_ratio) {
        refuse(what, name + " expands " +
                         std::to_string(e.size / std::max<std::uint64_t>(e.compressed_size, 1)) +
                         " times (" + mib(e.compressed_size) + " to " + mib(e.size) +
                         "), more than the " + std::to_string(limits.max_ratio) +
                         " times ltsign accepts (a ZIP bomb guard); unpack it with a tool you "
                         "trust if it is genuine");
    }
}

ZipEntry entry_at(::zip* z, std::uint64_t i, const std::string& what) {
    zip_stat_t st;
    zip_stat_init(&st);
    // The name's bytes as stored: libzip would otherwise read a name without the UTF-8 flag as
    // CP437 and turn control characters into symbols.
    if (zip_stat_index(z, i, ZIP_FL_ENC_RAW, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) {
        refuse(what,
               "entry " + std::to_string(i + 1) + " cannot be read from the central directory");
    }
    ZipEntry e;
    e.name = st.name;
    e.index = i;
    e.size = st.size;
    e.compressed_size = st.comp_size;
    e.method = st.comp_method;
    e.directory = !e.name.empty() && e.name.back() == '/';
    e.has_extra_field = zip_file_extra_fields_count(z, i, ZIP_FL_LOCAL | ZIP_FL_CENTRAL) > 0;
    if (st.encryption_method != ZIP_EM_NONE) {
        refuse(what, "the entry \"" + core::printable(e.name) +
                         "\" is encrypted; ASiC containers hold no encrypted entries");
    }
    if (e.method != ZIP_CM_STORE && e.method != ZIP_CM_DEFLATE) {
        refuse(what, "the entry \"" + core::printable(e.name) + "\" uses compression method " +
                         std::to_string(e.method) +
                         "; ASiC containers store or deflate their entries (EN 319 162-1 A.1)");
    }
    return e;
}

// Names that would be one file on a disk, or a file and a folder at once: compared after NFC
// (and with a folder's trailing '/' removed).
void check_unique(const std::vector<ZipEntry>& entries, const std::string& what) {
    std::map<std::string, std::string> seen;
    std::set<std::string> folders;
    for (const auto& e : entries) {
        std::string key = core::nfc(e.name);
        if (e.directory) key.pop_back();
        if (auto [it, fresh] = seen.emplace(key, e.name); !fresh) {
            const bool same = it->second == e.name;
            refuse(what,
                   "the entry name \"" + core::printable(e.name) + "\" occurs twice" +
                       (same ? "" : " (written differently, equal after Unicode normalisation)") +
                       "; which one is meant cannot be told");
        }
        for (std::size_t s = key.find('/'); s != std::string::npos; s = key.find('/', s + 1))
            folders.insert(key.substr(0, s));
    }
    for (const auto& e : entries) {
        if (!e.directory && folders.count(core::nfc(e.name)) != 0) {
            refuse(what, "\"" + core::printable(e.name) +
                             "\" is both a file and a folder in it; which one is meant cannot "
                             "be told");
        }
    }
}

// APPNOTE 4.3.7: the local file header (signature, versions, flags, method, time, date, CRC,
// sizes, name length, extra length, name).
LeadingEntry leading_entry(const std::filesystem::path& file) {
    LeadingEntry out;
    const auto reader = core::open_file(file);
    unsigned char head[30 + 64] = {};
    std::size_t got = 0;
    while (got < sizeof head) {
        const std::size_t n = reader->read({head + got, sizeof head - got});
        if (n == 0) break;
        got += n;
    }
    if (got < 30 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) return out;
    const auto u16 = [&](std::size_t at) {
        return static_cast<std::uint16_t>(head[at] | (head[at + 1] << 8));
    };
    out.method = u16(8);
    const std::size_t name_length = std::min<std::size_t>(u16(26), got - 30);
    out.extra_length = u16(28);
    out.name.assign(reinterpret_cast<const char*>(head + 30), name_length);
    return out;
}

}  // namespace

std::optional<std::string> name_problem(std::string_view name) {
    if (name.empty()) return "an empty name";
    if (!core::is_utf8(name)) return "a name that is not UTF-8";
    if (name.front() == '/') return "an absolute path";
    if (name.size() >= 2 && name[1] == ':') return "a drive letter";
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return "a control character in its name";
        if (c == '\\') return "a backslash in its name";
    }
    std::string_view rest = name;
    if (rest.back() == '/') rest.remove_suffix(1);
    for (std::size_t start = 0;;) {
        const std::size_t slash = rest.find('/', start);
        const std::string_view segment = rest.substr(start, slash - start);
        if (segment.empty()) return "an empty folder name";
        if (segment == "..") return "a path that leaves the container (\"..\")";
        if (segment == ".") return "a \".\" segment";
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return std::nullopt;
}

std::shared_ptr<const ZipArchive> ZipArchive::open(const std::filesystem::path& file,
                                                   const std::string& what, const Limits& limits) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw Error(Errc::input_missing, what + ": no such file");
    int code = 0;
    ::zip* z = zip_open(file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (z == nullptr) {
        if (code == ZIP_ER_OPEN || code == ZIP_ER_READ)
            throw Error(Errc::input_missing, what + ": cannot be read");
        refuse(what, open_failure(code));
    }
    std::shared_ptr<ZipArchive> a(new ZipArchive());
    a->m_zip = z;
    a->m_path = file;
    a->m_what = what;
    const zip_int64_t count = zip_get_num_entries(z, 0);
    if (count < 0 || static_cast<std::uint64_t>(count) > limits.max_entries) {
        refuse(what, "it holds " + std::to_string(count) + " entries, more than the " +
                         std::to_string(limits.max_entries) +
                         " ltsign reads from one container; unpack it with a tool you trust if "
                         "it is genuine");
    }
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(count); ++i) {
        ZipEntry e = entry_at(z, i, what);
        if (auto problem = name_problem(e.name)) {
            refuse(what, "the entry \"" + core::printable(e.name) + "\" has " + *problem +
                             "; ltsign refuses such names (they could point outside a folder "
                             "it is unpacked into)");
        }
        check_limits(e, total, limits, what);
        a->m_entries.push_back(std::move(e));
    }
    check_unique(a->m_entries, what);
    a->m_leading = leading_entry(file);
    return a;
}

ZipArchive::~ZipArchive() {
    if (m_zip != nullptr) zip_discard(m_zip);
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
    const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                                 [&](const ZipEntry& e) { return e.name == name; });
    return it == m_entries.end() ? nullptr : &*it;
}

// One entry decompressed by libzip, which checks the CRC at the end; the declared size is held
// to as well, so that a lying header cannot make an entry longer than it claims.
class EntryReader final : public core::Reader {
  public:
    EntryReader(std::shared_ptr<const ZipArchive> archive, const ZipEntry& entry)
        : m_keep(std::move(archive)), m_archive(*m_keep), m_entry(entry) {
        std::lock_guard lock(m_archive.m_mutex);
        m_file.reset(zip_fopen_index(m_archive.m_zip, entry.index, 0));
        if (!m_file) fail(zip_error_strerror(zip_get_error(m_archive.m_zip)));
    }

    std::size_t read(std::span<unsigned char> buffer) override {
        // One byte more than the rest may be asked for, so that too long an entry is noticed.
        const std::uint64_t left = m_entry.size - m_done;
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), left + 1));
        zip_int64_t n = 0;
        {
            std::lock_guard lock(m_archive.m_mutex);
            n = zip_fread(m_file.get(), buffer.data(), want);
            if (n < 0) fail(zip_error_strerror(zip_file_get_error(m_file.get())));
        }
        m_done += static_cast<std::uint64_t>(n);
        if (m_done > m_entry.size) fail("it holds more bytes than its header declares");
        if (n == 0 && m_done != m_entry.size) fail("it holds fewer bytes than its header declares");
        return static_cast<std::size_t>(n);
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw Error(Errc::malformed_input, m_archive.what() + ": the entry \"" +
                                               core::printable(m_entry.name) +
                                               "\" cannot be read: " + why);
    }
    std::shared_ptr<const ZipArchive> m_keep;  // an entry's reader keeps its archive open
    const ZipArchive& m_archive;
    ZipEntry m_entry;
    core::Ptr<zip_file_t> m_file;
    std::uint64_t m_done = 0;
};

std::unique_ptr<core::Reader> ZipArchive::reader(const ZipEntry& entry) const {
    return std::make_unique<EntryReader>(shared_from_this(), entry);
}

core::Bytes ZipArchive::read(const ZipEntry& entry, std::uint64_t max_size) const {
    if (entry.size > max_size) {
        refuse(m_what, "the entry \"" + core::printable(entry.name) + "\" (" + mib(entry.size) +
                           ") is larger than the " + mib(max_size) + " ltsign reads whole");
    }
    core::Bytes out(static_cast<std::size_t>(entry.size));
    auto r = reader(entry);
    std::size_t done = 0;
    while (done < out.size()) {
        const std::size_t n = r->read({out.data() + done, out.size() - done});
        if (n == 0) break;
        done += n;
    }
    unsigned char probe = 0;
    r->read({&probe, 1});  // the end: the size and CRC checks
    return out;
}

}  // namespace ltsign::asic
