#include "core/file_io.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "core/file_list.hpp"
#include "core/parallel.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::core {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int err) {
    return std::strerror(err);
}

class Fd {
  public:
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (m_fd >= 0) ::close(m_fd);
    }
    int get() const { return m_fd; }

  private:
    int m_fd;
};

// When a written file reaches the disk: before write_all returns (`now`), or with the rest of
// its batch (`with_batch`: flush_batch waits for it; a large file's writeback starts at once).
enum class Flush { now, with_batch };

void write_all(int fd, std::span<const unsigned char> bytes, const fs::path& target,
               Flush flush = Flush::now) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            throw Error(Errc::io, trf("cannot write {0}: {1}; check free space and permissions",
                                      {target.string(), errno_text(errno)}));
        }
        done += static_cast<std::size_t>(n);
    }
    if (flush == Flush::with_batch) {
        // A hint that starts a large file's write-back before the batch's syncfs (errors surface
        // there). Small files are left to syncfs alone: starting each one's write-back doubled
        // the cost of writing 2,000 signatures.
        if (bytes.size() >= (1u << 20)) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        return;
    }
    if (::fsync(fd) != 0) {
        throw Error(Errc::io,
                    trf("cannot flush {0} to disk: {1}", {target.string(), errno_text(errno)}));
    }
}

std::string random_suffix() {
    std::random_device rd;
    static constexpr char k_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 12; ++i) s += k_alphabet[rd() % (sizeof k_alphabet - 1)];
    return s;
}

// Group commit: every file of a batch written with Flush::with_batch reaches the disk in one
// syncfs per filesystem (which also reports any writeback error since the files were opened),
// instead of one fsync (one journal commit) per file.
void flush_batch(const std::vector<int>& fds, const fs::path& where) {
    std::set<dev_t> synced;
    for (const int fd : fds) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !synced.insert(st.st_dev).second) continue;
        if (::syncfs(fd) != 0) {
            throw Error(Errc::io,
                        trf("cannot flush {0} to disk: {1}", {where.string(), errno_text(errno)}));
        }
    }
}

void fsync_dir(const fs::path& dir) {
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() >= 0) ::fsync(d.get());  // best effort: some filesystems refuse fsync on folders
}

[[noreturn]] void throw_exists(const fs::path& target) {
    throw Error(Errc::cannot_create_output,
                trf("{0} already exists; remove it or choose another output", {target.string()}));
}

}  // namespace

Bytes read_file(const fs::path& file, std::uintmax_t max_size) {
    // One open, one fstat, the reads: a batch reads thousands of small signatures.
    // O_NONBLOCK: a FIFO given as a signature is refused below, not waited on.
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        const int err = errno;
        throw Error(Errc::input_missing, file.string() + ": " +
                                             (err == ENOENT || err == ELOOP || err == ENOTDIR
                                                  ? unreadable_reason(file)
                                                  : trf("cannot open: {0}", {errno_text(err)})));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw Error(Errc::io,
                    trf("{0}: cannot read its size: {1}", {file.string(), errno_text(errno)}));
    if (!S_ISREG(st.st_mode)) {
        throw Error(Errc::input_missing, trf("{0}: not a regular file", {file.string()}));
    }
    const auto size = static_cast<std::uintmax_t>(st.st_size);
    if (size > max_size) {
        throw Error(Errc::malformed_input,
                    trf("{0}: {1} bytes is more than the {2} MiB a signature file may have",
                        {file.string(), std::to_string(size), std::to_string(max_size >> 20)}));
    }
    Bytes bytes(static_cast<std::size_t>(size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw Error(Errc::io, trf("{0}: read error: {1}", {file.string(), errno_text(errno)}));
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    if (done != bytes.size()) {
        throw Error(Errc::io,
                    trf("{0}: read error (file changed while reading?)", {file.string()}));
    }
    return bytes;
}

Bytes read_head(const fs::path& file, std::size_t count) {
    Bytes head(count);
    struct stat st {};
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    std::size_t done = 0;
    while (done < count) {
        const ssize_t n = ::read(fd.get(), head.data() + done, count - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    head.resize(done);
    return head;
}

void stream_file(const fs::path& file,
                 const std::function<void(std::span<const unsigned char>)>& sink) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        const int err = errno;
        throw Error(err == ENOENT ? Errc::input_missing : Errc::io,
                    trf("{0}: cannot open: {1}", {file.string(), errno_text(err)}));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && !S_ISREG(st.st_mode)) {
        throw Error(Errc::input_missing, trf("{0}: not a regular file", {file.string()}));
    }
#ifdef POSIX_FADV_SEQUENTIAL
    // Worth a system call only where read-ahead matters.
    if (st.st_size >= (1 << 20)) ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    // Large sequential reads into a buffer left uninitialised; a small file (the common case in
    // a batch) is read through a buffer on the stack, with no allocation at all.
    constexpr std::size_t large = 1 << 20;
    constexpr std::size_t small = 64 << 10;
    unsigned char on_stack[small];
    std::unique_ptr<unsigned char[]> on_heap;
    if (st.st_size >= static_cast<off_t>(small)) on_heap.reset(new unsigned char[large]);
    unsigned char* const buf = on_heap ? on_heap.get() : on_stack;
    const std::size_t chunk = on_heap ? large : small;
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw Error(Errc::io, trf("{0}: read error: {1}", {file.string(), errno_text(errno)}));
        if (n == 0) break;
        sink(std::span<const unsigned char>(buf, static_cast<std::size_t>(n)));
    }
}

void atomic_write(const fs::path& target, std::span<const unsigned char> bytes, bool overwrite) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw Error(Errc::cannot_create_output, trf("cannot write {0}: folder {1} does not exist",
                                                    {target.string(), dir.string()}));
    }
    refuse_link(target);  // rename would replace the link, never what it points to; refuse both
    if (!overwrite && fs::exists(fs::symlink_status(target, ec))) throw_exists(target);

    Fd tmp(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
    if (tmp.get() >= 0) {
        write_all(tmp.get(), bytes, target);
        const std::string proc = "/proc/self/fd/" + std::to_string(tmp.get());
        if (!overwrite) {
            // linkat fails with EEXIST instead of replacing: an existing file is never clobbered.
            if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW) !=
                0) {
                if (errno == EEXIST) throw_exists(target);
                throw Error(Errc::cannot_create_output,
                            trf("cannot create {0}: {1}", {target.string(), errno_text(errno)}));
            }
            fsync_dir(dir);
            return;
        }
        // Replacing needs a name to rename from; the window in which it exists is a link and a
        // rename long.
        const fs::path staged =
            dir / ("." + target.filename().string() + ".ltsign-" + random_suffix());
        if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, staged.c_str(), AT_SYMLINK_FOLLOW) != 0) {
            throw Error(Errc::cannot_create_output,
                        trf("cannot create a file in {0}: {1}", {dir.string(), errno_text(errno)}));
        }
        if (::rename(staged.c_str(), target.c_str()) != 0) {
            const int err = errno;
            ::unlink(staged.c_str());
            throw Error(Errc::cannot_create_output,
                        trf("cannot replace {0}: {1}", {target.string(), errno_text(err)}));
        }
        fsync_dir(dir);
        return;
    }
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        throw Error(Errc::cannot_create_output,
                    trf("cannot create a file in {0}: {1}", {dir.string(), errno_text(errno)}));
    }

    // Filesystems without O_TMPFILE: a named temporary file, removed on any failure.
    std::string tmpl = (dir / ("." + target.filename().string() + ".ltsign-XXXXXX")).string();
    Fd named(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (named.get() < 0) {
        throw Error(Errc::cannot_create_output,
                    trf("cannot create a file in {0}: {1}", {dir.string(), errno_text(errno)}));
    }
    try {
        ::fchmod(named.get(), 0644);
        write_all(named.get(), bytes, target);
        if (!overwrite) {
            if (::link(tmpl.c_str(), target.c_str()) != 0) {
                if (errno == EEXIST) throw_exists(target);
                throw Error(Errc::cannot_create_output,
                            trf("cannot create {0}: {1}", {target.string(), errno_text(errno)}));
            }
            ::unlink(tmpl.c_str());
        } else if (::rename(tmpl.c_str(), target.c_str()) != 0) {
            throw Error(Errc::cannot_create_output,
                        trf("cannot replace {0}: {1}", {target.string(), errno_text(errno)}));
        }
    } catch (...) {
        ::unlink(tmpl.c_str());
        throw;
    }
    fsync_dir(dir);
}

namespace {

// Checked before anything is staged: a batch that cannot replace every target changes none. A
// link is never replaced (its target might be another archive's file).
void check_batch_targets(const std::vector<fs::path>& files, bool overwrite) {
    std::error_code ec;
    std::set<fs::path> seen;
    for (const auto& target : files) {
        const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
        if (!fs::is_directory(dir, ec)) {
            throw Error(Errc::cannot_create_output,
                        trf("cannot write {0}: folder {1} does not exist",
                            {target.string(), dir.string()}));
        }
        if (!seen.insert(target.lexically_normal()).second) {
            throw Error(Errc::cannot_create_output,
                        trf("{0} would be written twice in one batch", {target.string()}));
        }
        const auto status = fs::symlink_status(target, ec);
        if (!fs::exists(status)) continue;
        if (!overwrite) throw_exists(target);
        if (fs::is_symlink(status)) {
            throw Error(Errc::cannot_create_output,
                        trf("{0} is a symbolic link; ltsign never writes through links: remove it "
                            "or choose another output",
                            {target.string()}));
        }
        if (!fs::is_regular_file(status)) {
            throw Error(
                Errc::cannot_create_output,
                trf("{0} exists and is not a regular file; remove it or choose another output",
                    {target.string()}));
        }
    }
}

// One file of a batch on its way: written, durable, not yet in place. Nameless (O_TMPFILE) where
// the filesystem allows, so that a process killed before the batch is in place leaves nothing
// behind; else under a hidden name beside its target.
struct Staged {
    std::unique_ptr<Fd> fd;
    fs::path named;  // the fallback's name; empty for a nameless file
};

Staged stage(const fs::path& target, std::span<const unsigned char> bytes) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    Staged s;
    s.fd = std::make_unique<Fd>(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
    if (s.fd->get() < 0) {
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
            throw Error(Errc::cannot_create_output,
                        trf("cannot create a file in {0}: {1}", {dir.string(), errno_text(errno)}));
        }
        std::string tmpl = (dir / ("." + target.filename().string() + ".ltsign-XXXXXX")).string();
        s.fd = std::make_unique<Fd>(::mkostemp(tmpl.data(), O_CLOEXEC));
        if (s.fd->get() < 0) {
            throw Error(Errc::cannot_create_output,
                        trf("cannot create a file in {0}: {1}", {dir.string(), errno_text(errno)}));
        }
        s.named = tmpl;
        ::fchmod(s.fd->get(), 0644);
    }
    try {
        write_all(s.fd->get(), bytes, target, Flush::with_batch);
    } catch (...) {
        if (!s.named.empty()) ::unlink(s.named.c_str());
        throw;
    }
    return s;
}

// Gives a staged file a name beside `target` (for rename), or puts it at `target` itself
// (link(2) refuses an existing file, so nothing is clobbered even in a race).
bool link_staged(const Staged& s, const fs::path& name) {
    if (!s.named.empty()) return ::link(s.named.c_str(), name.c_str()) == 0;
    const std::string proc = "/proc/self/fd/" + std::to_string(s.fd->get());
    return ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

// Puts one staged file in place. With `overwrite` the old file stays reachable under a second
// name (`backup`) until the whole batch is in place, so a later failure can put it back.
void place(Staged& s, const fs::path& target, bool overwrite, fs::path& backup) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!overwrite) {
        if (!link_staged(s, target)) {
            const int err = errno;
            if (err == EEXIST) throw_exists(target);
            throw Error(Errc::cannot_create_output,
                        trf("cannot create {0}: {1}", {target.string(), errno_text(err)}));
        }
    } else {
        const fs::path keep =
            dir / ("." + target.filename().string() + ".ltsign-old-" + random_suffix());
        if (::link(target.c_str(), keep.c_str()) == 0) {
            backup = keep;
        } else if (errno != ENOENT) {
            throw Error(Errc::cannot_create_output, trf("cannot keep a copy of {0}: {1}",
                                                        {target.string(), errno_text(errno)}));
        }
        const fs::path next =
            s.named.empty()
                ? dir / ("." + target.filename().string() + ".ltsign-" + random_suffix())
                : s.named;
        if ((s.named.empty() && !link_staged(s, next)) ||
            ::rename(next.c_str(), target.c_str()) != 0) {
            const int err = errno;
            if (s.named.empty()) ::unlink(next.c_str());
            throw Error(Errc::cannot_create_output,
                        trf("cannot replace {0}: {1}", {target.string(), errno_text(err)}));
        }
        s.named.clear();  // renamed: nothing left to remove
    }
    if (!s.named.empty()) ::unlink(s.named.c_str());
    s.named.clear();
}

// How many staged files a round holds open: what the descriptor limit leaves, within bounds.
std::size_t files_per_round() {
    struct rlimit rl {};
    std::size_t n = 256;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        n = static_cast<std::size_t>(rl.rlim_cur) / 2;
    return std::clamp<std::size_t>(n, 16, 8192);
}

}  // namespace

void atomic_write_all(const std::vector<std::pair<fs::path, Bytes>>& files, bool overwrite) {
    std::vector<fs::path> targets;
    for (const auto& f : files) targets.push_back(f.first);
    atomic_write_all(
        targets, [&](std::size_t i) { return files[i].second; }, overwrite);
}

void atomic_write_all(const std::vector<fs::path>& files,
                      const std::function<Bytes(std::size_t)>& content, bool overwrite,
                      unsigned jobs) {
    check_batch_targets(files, overwrite);
    std::vector<fs::path> backups(files.size());  // the replaced files, kept until all succeed
    std::size_t committed = 0;
    std::vector<Staged> staged;
    auto roll_back = [&] {
        // Undo in reverse: each committed target gets its old file back, or goes if it was new.
        for (std::size_t k = committed; k-- > 0;) {
            const auto& target = files[k];
            if (!backups[k].empty()) {
                ::rename(backups[k].c_str(), target.c_str());
            } else {
                ::unlink(target.c_str());
            }
        }
        for (const auto& s : staged) {
            if (!s.named.empty()) ::unlink(s.named.c_str());
        }
    };
    // In rounds of as many files as may be open at once: each round is written, made durable
    // together (one flush), then put in place. A failure in any round undoes the earlier ones.
    const std::size_t round = files_per_round();
    try {
        for (std::size_t first = 0; first < files.size(); first += round) {
            const std::size_t last = std::min(files.size(), first + round);
            // Made and staged on every core: creating a file costs the filesystem more than
            // writing a small one, and making a record or signature costs as much again.
            staged.clear();
            staged.resize(last - first);
            parallel_for(last - first, jobs, [&](std::size_t k) {
                staged[k] = stage(files[first + k], content(first + k));
            });
            std::vector<int> fds;
            for (const auto& s : staged) fds.push_back(s.fd->get());
            // Durable before any is put in place: a crash leaves every target old or whole.
            flush_batch(fds, files[first].parent_path());
            for (std::size_t i = first; i < last; ++i) {
                place(staged[i - first], files[i], overwrite, backups[i]);
                ++committed;
            }
        }
    } catch (...) {
        roll_back();
        throw;
    }
    staged.clear();
    for (const auto& b : backups) {
        if (!b.empty()) ::unlink(b.c_str());
    }
    std::set<fs::path> dirs;
    for (const auto& target : files)
        dirs.insert(target.has_parent_path() ? target.parent_path() : fs::path("."));
    for (const auto& d : dirs) fsync_dir(d);
}

StagedFile::StagedFile(const fs::path& target, bool overwrite)
    : m_target(target), m_overwrite(overwrite) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw Error(Errc::cannot_create_output, trf("cannot write {0}: folder {1} does not exist",
                                                    {target.string(), dir.string()}));
    }
    refuse_link(target);
    if (!overwrite && fs::exists(fs::symlink_status(target, ec))) throw_exists(target);
    m_staged = dir / ("." + target.filename().string() + ".ltsign-" + random_suffix());
}

StagedFile::~StagedFile() {
    if (!m_committed) ::unlink(m_staged.c_str());
}

void StagedFile::commit() {
    {
        Fd fd(::open(m_staged.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
            throw Error(Errc::io, trf("cannot flush {0} to disk: {1}",
                                      {m_target.string(), errno_text(errno)}));
        }
    }
    if (!m_overwrite) {
        if (::link(m_staged.c_str(), m_target.c_str()) != 0) {
            const int err = errno;
            if (err == EEXIST) throw_exists(m_target);
            throw Error(Errc::cannot_create_output,
                        trf("cannot create {0}: {1}", {m_target.string(), errno_text(err)}));
        }
        ::unlink(m_staged.c_str());
    } else if (::rename(m_staged.c_str(), m_target.c_str()) != 0) {
        throw Error(Errc::cannot_create_output,
                    trf("cannot replace {0}: {1}", {m_target.string(), errno_text(errno)}));
    }
    m_committed = true;
    fsync_dir(m_target.has_parent_path() ? m_target.parent_path() : fs::path("."));
}

}  // namespace ltsign::core
