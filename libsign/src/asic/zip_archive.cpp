#include "asic/zip_archive.hpp"

#include <zip.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "core/text.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

LTSIGN_C_FREE(zip_file_t, zip_fclose);  // a read-only entry: closing it cannot fail usefully

namespace ltsign::asic {
namespace {

std::string mib(std::uint64_t bytes) {
    return bytes >= (1ull << 20) ? trf("{0} MiB", {std::to_string(bytes >> 20)})
                                 : trf("{0} bytes", {std::to_string(bytes)});
}

[[noreturn]] void refuse(const std::string& what, const std::string& why) {
    throw Error(Errc::malformed_input, what + ": " + why);
}

// APPNOTE 4.3: the archive as a reader other than libzip sees it. libzip keeps the central
// directory that spans the most entries; other readers take the last end record, or walk the
// local headers. A container is read only if every one of them sees the same thing: one end
// record, at the end of the file, whose comment holds no ZIP record; one central directory, right
// before it (behind the ZIP64 records when there are any); and local entries that follow one
// another from byte 0 to the central directory without a gap or an overlap, each the one its
// central directory entry names. Otherwise the file is refused: which documents it holds would
// depend on the program that opens it.
class Layout {
  public:
    Layout(const std::filesystem::path& file, std::string what)
        : m_in(file, std::ios::binary), m_what(std::move(what)) {
        m_in.seekg(0, std::ios::end);
        m_size = static_cast<std::uint64_t>(m_in.tellg());
    }

    void check(std::uint64_t entries) {
        const auto [cd_offset, cd_size, count, end_of_entries] = end_records();
        if (count != entries)
            fail(tr("its end record and central directory disagree on the entries"));
        std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // local entry: start, end
        std::uint64_t at = cd_offset;
        for (std::uint64_t i = 0; i < count; ++i) spans.push_back(central_entry(at));
        if (at != cd_offset + cd_size)
            fail(tr("its central directory is not the size it declares"));
        if (cd_offset + cd_size != end_of_entries)
            fail(tr("bytes lie between its central directory and its end records"));
        std::sort(spans.begin(), spans.end());
        std::uint64_t expected = 0;
        for (const auto& [start, end] : spans) {
            if (start != expected) {
                fail(start > expected
                         ? trf("bytes at offset {0} belong to no entry of its central directory",
                               {std::to_string(expected)})
                         : tr("two of its entries overlap"));
            }
            expected = end;
        }
        if (expected != cd_offset)
            fail(tr("bytes before its central directory belong to no entry"));
    }

  private:
    struct Ends {
        std::uint64_t cd_offset, cd_size, count, end_of_entries;
    };

    [[noreturn]] void fail(const std::string& why) const {
        throw Error(Errc::malformed_input, trf("{0}: {1}; other ZIP readers may see other "
                                               "documents in it, so ltsign does not read it",
                                               {m_what, why}));
    }

    core::Bytes bytes(std::uint64_t at, std::size_t n) {
        if (at > m_size || n > m_size - at) fail(tr("it is truncated"));
        core::Bytes out(n);
        m_in.seekg(static_cast<std::streamoff>(at));
        m_in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
        if (!m_in) fail(tr("it cannot be read"));
        return out;
    }
    static std::uint64_t le(const core::Bytes& b, std::size_t at, int n) {
        std::uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[at + static_cast<std::size_t>(i)];
        return v;
    }
    static bool has_record(const core::Bytes& b, std::size_t from, std::size_t to) {
        for (std::size_t i = from; i + 4 <= to; ++i) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] < 9 && b[i + 3] < 9 && b[i + 2] != 0)
                return true;
        }
        return false;
    }

    Ends end_records() {
        const std::size_t tail = static_cast<std::size_t>(std::min<std::uint64_t>(m_size, 65557));
        const auto b = bytes(m_size - tail, tail);
        // An end record is one whose comment ends the file (the bytes of a stored ZIP inside an
        // entry can look like one, but never end the file).
        std::vector<std::size_t> found;
        for (std::size_t i = 0; i + 22 <= b.size(); ++i) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 5 && b[i + 3] == 6 &&
                i + 22 + le(b, i + 20, 2) == b.size()) {
                found.push_back(i);
            }
        }
        if (found.size() != 1)
            fail(found.empty() ? tr("it has no end record") : tr("it has several end records"));
        const std::size_t e = found.front();
        if (has_record(b, e + 22, b.size())) fail(tr("its comment holds ZIP records"));
        Ends out{le(b, e + 16, 4), le(b, e + 12, 4), le(b, e + 10, 2), m_size - tail + e};
        // APPNOTE 4.3.15, 4.3.14: a ZIP64 locator right before it points at the ZIP64 end record.
        const bool locator =
            out.end_of_entries >= 20 && le(bytes(out.end_of_entries - 20, 4), 0, 4) == 0x07064b50;
        const bool zip64 =
            out.cd_offset == 0xffffffff || out.cd_size == 0xffffffff || out.count == 0xffff;
        if (!locator && zip64) fail(tr("its ZIP64 end records are missing"));
        if (!locator) return out;
        const auto loc = bytes(out.end_of_entries - 20, 20);
        const std::uint64_t z = le(loc, 8, 8);
        const auto rec = bytes(z, 56);
        if (le(rec, 0, 4) != 0x06064b50 || z + 12 + le(rec, 4, 8) != out.end_of_entries - 20)
            fail(tr("its ZIP64 end record is not where its locator says"));
        return {le(rec, 48, 8), le(rec, 40, 8), le(rec, 32, 8), z};
    }

    // One central directory entry at `at` (moved past it): the span of the local entry it names.
    std::pair<std::uint64_t, std::uint64_t> central_entry(std::uint64_t& at) {
        const auto h = bytes(at, 46);
        if (le(h, 0, 4) != 0x02014b50) fail(tr("its central directory is damaged"));
        const std::uint64_t flags = le(h, 8, 2);
        std::uint64_t compressed = le(h, 20, 4), size = le(h, 24, 4), offset = le(h, 42, 4);
        const std::size_t name = le(h, 28, 2), extra = le(h, 30, 2), comment = le(h, 32, 2);
        const auto x = bytes(at + 46 + name, extra);
        // ZIP64 extended information (APPNOTE 4.5.3): the fields that were 0xffffffff, in order.
        for (std::size_t i = 0; i + 4 <= x.size();) {
            const std::size_t id = le(x, i, 2), len = le(x, i + 2, 2);
            if (i + 4 + len > x.size())
                fail(tr("an extra field of its central directory is damaged"));
            if (id == 1) {
                std::size_t j = i + 4;
                auto take = [&](std::uint64_t& v) {
                    if (v != 0xffffffff) return;
                    if (j + 8 > i + 4 + len) fail(tr("a ZIP64 extra field is too short"));
                    v = le(x, j, 8);
                    j += 8;
                };
                take(size);
                take(compressed);
                take(offset);
            }
            i += 4 + len;
        }
        at += 46 + name + extra + comment;
        const auto l = bytes(offset, 30);
        if (le(l, 0, 4) != 0x04034b50)
            fail(tr("an entry's local header is not where its central directory says"));
        std::uint64_t end = offset + 30 + le(l, 26, 2) + le(l, 28, 2) + compressed;
        if ((flags & 8) != 0) {
            // A data descriptor: its signature is optional, its sizes 4 or 8 bytes (ZIP64).
            const bool big = compressed >= 0xffffffff || size >= 0xffffffff;
            const auto d = bytes(end, 4);
            end += (le(d, 0, 4) == 0x08074b50 ? 4 : 0) + 4 + (big ? 16 : 8);
        }
        return {offset, end};
    }

    std::ifstream m_in;
    std::string m_what;
    std::uint64_t m_size = 0;
};

// libzip's reasons for refusing an archive, in words a person can act on.
std::string open_failure(int code) {
    switch (code) {
        case ZIP_ER_NOZIP:
            return tr("not a complete ZIP archive (its central directory is missing or truncated)");
        case ZIP_ER_INCONS:
            return tr(
                "an inconsistent ZIP archive (a local header disagrees with the central directory, "
                "entries overlap, or it is truncated)");
        case ZIP_ER_EXISTS:
            return tr(
                "an entry name occurs twice in its central directory; which one is meant cannot be "
                "told");
        case ZIP_ER_MEMORY:
            return tr("too large a central directory to read");
        default: {
            zip_error_t e;
            zip_error_init_with_code(&e, code);
            std::string text = zip_error_strerror(&e);
            zip_error_fini(&e);
            return trf("cannot be read as a ZIP archive ({0})", {text});
        }
    }
}

void check_limits(const ZipEntry& e, std::uint64_t& total, const Limits& limits,
                  const std::string& what) {
    const std::string name = "the entry \"" + core::printable(e.name) + "\"";
    if (e.size > limits.max_total_size - std::min(total, limits.max_total_size)) {
        refuse(what, trf("its entries expand to more than {0}, the most ltsign reads from one "
                         "container; unpack it with a tool you trust if it is genuine",
                         {mib(limits.max_total_size)}));
    }
    total += e.size;
    if (e.size > limits.ratio_floor &&
        e.size / std::max<std::uint64_t>(e.compressed_size, 1) > limits.max_ratio) {
        refuse(what,
               trf("{0} expands {1} times ({2} to {3}), more than the {4} times ltsign accepts (a "
                   "ZIP bomb guard); unpack it with a tool you trust if it is genuine",
                   {name, std::to_string(e.size / std::max<std::uint64_t>(e.compressed_size, 1)),
                    mib(e.compressed_size), mib(e.size), std::to_string(limits.max_ratio)}));
    }
}

ZipEntry entry_at(::zip* z, std::uint64_t i, const std::string& what) {
    zip_stat_t st;
    zip_stat_init(&st);
    // The name's bytes as stored: libzip would otherwise read a name without the UTF-8 flag as
    // CP437 and turn control characters into symbols.
    if (zip_stat_index(z, i, ZIP_FL_ENC_RAW, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) {
        refuse(what,
               trf("entry {0} cannot be read from the central directory", {std::to_string(i + 1)}));
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
        refuse(what,
               trf("the entry \"{0}\" is encrypted; ASiC containers hold no encrypted entries",
                   {core::printable(e.name)}));
    }
    if (e.method != ZIP_CM_STORE && e.method != ZIP_CM_DEFLATE) {
        refuse(what, trf("the entry \"{0}\" uses compression method {1}; ASiC containers store or "
                         "deflate their entries (EN 319 162-1 A.1)",
                         {core::printable(e.name), std::to_string(e.method)}));
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
            const std::string name = core::printable(e.name);
            refuse(what,
                   same ? trf("the entry name \"{0}\" occurs twice; which one is meant cannot "
                              "be told",
                              {name})
                        : trf("the entry name \"{0}\" occurs twice (written differently, equal "
                              "after Unicode normalisation); which one is meant cannot be told",
                              {name}));
        }
        for (std::size_t s = key.find('/'); s != std::string::npos; s = key.find('/', s + 1))
            folders.insert(key.substr(0, s));
    }
    for (const auto& e : entries) {
        if (!e.directory && folders.count(core::nfc(e.name)) != 0) {
            refuse(
                what,
                trf("\"{0}\" is both a file and a folder in it; which one is meant cannot be told",
                    {core::printable(e.name)}));
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
    if (name.empty()) return tr("an empty name");
    if (!core::is_utf8(name)) return tr("a name that is not UTF-8");
    if (name.front() == '/') return tr("an absolute path");
    if (name.size() >= 2 && name[1] == ':') return tr("a drive letter");
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return tr("a control character in its name");
        if (c == '\\') return tr("a backslash in its name");
    }
    std::string_view rest = name;
    if (rest.back() == '/') rest.remove_suffix(1);
    for (std::size_t start = 0;;) {
        const std::size_t slash = rest.find('/', start);
        const std::string_view segment = rest.substr(start, slash - start);
        if (segment.empty()) return tr("an empty folder name");
        if (segment == "..") return tr("a path that leaves the container (\"..\")");
        if (segment == ".") return tr("a \".\" segment");
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return std::nullopt;
}

std::shared_ptr<const ZipArchive> ZipArchive::open(const std::filesystem::path& file,
                                                   const std::string& what, const Limits& limits) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw Error(Errc::input_missing, trf("{0}: no such file", {what}));
    int code = 0;
    ::zip* z = zip_open(file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (z == nullptr) {
        if (code == ZIP_ER_OPEN || code == ZIP_ER_READ)
            throw Error(Errc::input_missing, trf("{0}: cannot be read", {what}));
        refuse(what, open_failure(code));
    }
    std::shared_ptr<ZipArchive> a(new ZipArchive());
    a->m_zip = z;
    a->m_path = file;
    a->m_what = what;
    const zip_int64_t count = zip_get_num_entries(z, 0);
    if (count < 0 || static_cast<std::uint64_t>(count) > limits.max_entries) {
        refuse(what, trf("it holds {0} entries, more than the {1} ltsign reads from one container; "
                         "unpack it with a tool you trust if it is genuine",
                         {std::to_string(count), std::to_string(limits.max_entries)}));
    }
    Layout(file, what).check(static_cast<std::uint64_t>(count));
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(count); ++i) {
        ZipEntry e = entry_at(z, i, what);
        if (auto problem = name_problem(e.name)) {
            refuse(what, trf("the entry \"{0}\" has {1}; ltsign refuses such names (they could "
                             "point outside a folder it is unpacked into)",
                             {core::printable(e.name), *problem}));
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
        if (m_done > m_entry.size) fail(tr("it holds more bytes than its header declares"));
        if (n == 0 && m_done != m_entry.size)
            fail(tr("it holds fewer bytes than its header declares"));
        return static_cast<std::size_t>(n);
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw Error(Errc::malformed_input,
                    trf("{0}: the entry \"{1}\" cannot be read: {2}",
                        {m_archive.what(), core::printable(m_entry.name), why}));
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
        refuse(m_what, trf("the entry \"{0}\" ({1}) is larger than the {2} ltsign reads whole",
                           {core::printable(entry.name), mib(entry.size), mib(max_size)}));
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
