#include "asic/zip_writer.hpp"

#include <zip.h>

#include "core/text.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::asic {
namespace {

// An archive being written; discarded (nothing left behind but libzip's own temporary file,
// which it removes) unless close() succeeds.
class Writer {
  public:
    Writer(const std::filesystem::path& path, const std::string& what) : m_what(what) {
        int code = 0;
        m_zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_EXCL, &code);
        if (m_zip == nullptr) {
            zip_error_t e;
            zip_error_init_with_code(&e, code);
            const std::string why = zip_error_strerror(&e);
            zip_error_fini(&e);
            throw Error(Errc::cannot_create_output, trf("cannot create {0}: {1}", {what, why}));
        }
    }
    ~Writer() {
        if (m_zip != nullptr) zip_discard(m_zip);
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void add(const std::string& name, zip_source_t* source, bool store) {
        if (source == nullptr)
            fail(trf("cannot read what goes into \"{0}\"", {core::printable(name)}));
        const zip_int64_t index =
            zip_file_add(m_zip, name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        if (index < 0) {
            zip_source_free(source);
            fail(trf("cannot add \"{0}\"", {core::printable(name)}));
        }
        const auto i = static_cast<zip_uint64_t>(index);
        if (zip_set_file_compression(m_zip, i, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) != 0)
            fail(trf("cannot set the compression of \"{0}\"", {core::printable(name)}));
    }
    ::zip* get() const { return m_zip; }

    void close() {
        if (zip_close(m_zip) != 0) fail(tr("writing it failed"));
        m_zip = nullptr;
    }

  private:
    [[noreturn]] void fail(const std::string& why) {
        throw Error(Errc::io, trf("{0}: {1} ({2}); check free space and permissions",
                                  {m_what, why, zip_error_strerror(zip_get_error(m_zip))}));
    }
    std::string m_what;
    ::zip* m_zip = nullptr;
};

}  // namespace

NewEntry NewEntry::of_bytes(std::string name, core::Bytes bytes) {
    NewEntry e;
    e.name = std::move(name);
    e.bytes = std::move(bytes);
    return e;
}

NewEntry NewEntry::of_file(std::string name, std::filesystem::path file) {
    NewEntry e;
    e.name = std::move(name);
    e.file = std::move(file);
    return e;
}

NewEntry NewEntry::copy_of(const ZipArchive& archive, const ZipEntry& entry) {
    NewEntry e;
    e.name = entry.name;
    e.from = &archive;
    e.from_entry = &entry;
    return e;
}

void write_container(const std::filesystem::path& path, const std::string& what,
                     const std::string& mimetype, const std::vector<NewEntry>& entries) {
    for (const auto& e : entries) {
        if (auto problem = name_problem(e.name)) {
            throw Error(Errc::usage, trf("\"{0}\" cannot name an entry ({1})",
                                         {core::printable(e.name), *problem}));
        }
    }
    Writer w(path, what);
    // A buffer source reads from memory that must live until zip_close: `mimetype` and the
    // entries' bytes do.
    w.add("mimetype", zip_source_buffer(w.get(), mimetype.data(), mimetype.size(), 0), true);
    std::vector<std::unique_lock<std::mutex>> locks;  // copied archives stay still while read
    for (const auto& e : entries) {
        zip_source_t* source = nullptr;
        bool store = false;
        if (e.from != nullptr) {
            source = zip_source_zip(w.get(), e.from->handle(), e.from_entry->index, 0, 0, -1);
            store = e.from_entry->method == ZIP_CM_STORE;
        } else if (!e.file.empty()) {
            source = zip_source_file(w.get(), e.file.c_str(), 0, -1);
        } else {
            source = zip_source_buffer(w.get(), e.bytes.data(), e.bytes.size(), 0);
        }
        w.add(e.name, source, store);
    }
    for (const auto& e : entries) {
        if (e.from == nullptr) continue;
        bool held = false;
        for (const auto& l : locks) held = held || l.mutex() == &e.from->mutex();
        if (!held) locks.emplace_back(e.from->mutex());
    }
    w.close();
}

}  // namespace ltsign::asic
