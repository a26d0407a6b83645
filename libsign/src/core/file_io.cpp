#include "core/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "core/file_list.hpp"
#include "ltsign/error.hpp"

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

void write_all(int fd, std::span<const unsigned char> bytes, const fs::path& target) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            throw Error(Errc::io, "cannot write " + target.string() + ": " + errno_text(errno) +
                                      "; check free space and permissions");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        throw Error(Errc::io, "cannot flush " + target.string() + " to disk: " + errno_text(errno));
    }
}

std::string random_suffix() {
    std::random_device rd;
    static constexpr char k_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 12; ++i) s += k_alphabet[rd() % (sizeof k_alphabet - 1)];
    return s;
}

void fsync_dir(const fs::path& dir) {
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() >= 0) ::fsync(d.get());  // best effort: some filesystems refuse fsync on folders
}

[[noreturn]] void throw_exists(const fs::path& target) {
    throw Error(Errc::cannot_create_output,
                target.string() + " already exists; remove it or choose another output");
}

}  // namespace

Bytes read_file(const fs::path& file, std::uintmax_t max_size) {
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (ec || !fs::exists(status)) {
        throw Error(Errc::input_missing, file.string() + ": " + unreadable_reason(file));
    }
    if (!fs::is_regular_file(status)) {
        throw Error(Errc::input_missing, file.string() + ": not a regular file");
    }
    const auto size = fs::file_size(file, ec);
    if (ec) throw Error(Errc::io, file.string() + ": cannot read its size: " + ec.message());
    if (size > max_size) {
        throw Error(Errc::malformed_input,
                    file.string() + ": " + std::to_string(size) + " bytes is more than the " +
                        std::to_string(max_size >> 20) + " MiB a signature file may have");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(Errc::input_missing, file.string() + ": cannot open: " + errno_text(errno));
    Bytes bytes(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (in.gcount() != static_cast<std::streamsize>(bytes.size())) {
        throw Error(Errc::io, file.string() + ": read error (file changed while reading?)");
    }
    return bytes;
}

void stream_file(const fs::path& file,
                 const std::function<void(std::span<const unsigned char>)>& sink) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        const int err = errno;
        throw Error(err == ENOENT ? Errc::input_missing : Errc::io,
                    file.string() + ": cannot open: " + errno_text(err));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && !S_ISREG(st.st_mode)) {
        throw Error(Errc::input_missing, file.string() + ": not a regular file");
    }
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    constexpr std::size_t k_chunk = 1 << 20;
    std::vector<unsigned char> buf(k_chunk);
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(Errc::io, file.string() + ": read error: " + errno_text(errno));
        if (n == 0) break;
        sink(std::span<const unsigned char>(buf.data(), static_cast<std::size_t>(n)));
    }
}

void atomic_write(const fs::path& target, std::span<const unsigned char> bytes, bool overwrite) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw Error(Errc::cannot_create_output, "cannot write " + target.string() + ": folder " +
                                                    dir.string() + " does not exist");
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
                            "cannot create " + target.string() + ": " + errno_text(errno));
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
                        "cannot create a file in " + dir.string() + ": " + errno_text(errno));
        }
        if (::rename(staged.c_str(), target.c_str()) != 0) {
            const int err = errno;
            ::unlink(staged.c_str());
            throw Error(Errc::cannot_create_output,
                        "cannot replace " + target.string() + ": " + errno_text(err));
        }
        fsync_dir(dir);
        return;
    }
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        throw Error(Errc::cannot_create_output,
                    "cannot create a file in " + dir.string() + ": " + errno_text(errno));
    }

    // Filesystems without O_TMPFILE: a named temporary file, removed on any failure.
    std::string tmpl = (dir / ("." + target.filename().string() + ".ltsign-XXXXXX")).string();
    Fd named(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (named.get() < 0) {
        throw Error(Errc::cannot_create_output,
                    "cannot create a file in " + dir.string() + ": " + errno_text(errno));
    }
    try {
        ::fchmod(named.get(), 0644);
        write_all(named.get(), bytes, target);
        if (!overwrite) {
            if (::link(tmpl.c_str(), target.c_str()) != 0) {
                if (errno == EEXIST) throw_exists(target);
                throw Error(Errc::cannot_create_output,
                            "cannot create " + target.string() + ": " + errno_text(errno));
            }
            ::unlink(tmpl.c_str());
        } else if (::rename(tmpl.c_str(), target.c_str()) != 0) {
            throw Error(Errc::cannot_create_output,
                        "cannot replace " + target.string() + ": " + errno_text(errno));
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
void check_batch_targets(const std::vector<std::pair<fs::path, Bytes>>& files, bool overwrite) {
    std::error_code ec;
    std::set<fs::path> seen;
    for (const auto& [target, bytes] : files) {
        const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
        if (!fs::is_directory(dir, ec)) {
            throw Error(
                Errc::cannot_create_output,
                "cannot write " + target.string() + ": folder " + dir.string() + " does not exist");
        }
        if (!seen.insert(target.lexically_normal()).second) {
            throw Error(Errc::cannot_create_output,
                        target.string() + " would be written twice in one batch");
        }
        const auto status = fs::symlink_status(target, ec);
        if (!fs::exists(status)) continue;
        if (!overwrite) throw_exists(target);
        if (fs::is_symlink(status)) {
            throw Error(Errc::cannot_create_output,
                        target.string() +
                            " is a symbolic link; ltsign never writes through "
                            "links: remove it or choose another output");
        }
        if (!fs::is_regular_file(status)) {
            throw Error(Errc::cannot_create_output,
                        target.string() +
                            " exists and is not a regular file; remove it or "
                            "choose another output");
        }
    }
}

}  // namespace

void atomic_write_all(const std::vector<std::pair<fs::path, Bytes>>& files, bool overwrite) {
    check_batch_targets(files, overwrite);
    std::vector<fs::path> staged;
    std::vector<fs::path> backups(files.size());  // the replaced files, kept until all succeed
    std::size_t committed = 0;
    auto roll_back = [&] {
        // Undo in reverse: each committed target gets its old file back, or goes if it was new.
        for (std::size_t k = committed; k-- > 0;) {
            const auto& target = files[k].first;
            if (!backups[k].empty()) {
                ::rename(backups[k].c_str(), target.c_str());
            } else {
                ::unlink(target.c_str());
            }
        }
        for (std::size_t k = committed; k < files.size(); ++k) {
            if (!backups[k].empty()) ::unlink(backups[k].c_str());
        }
        for (const auto& s : staged) ::unlink(s.c_str());
    };
    try {
        for (const auto& [target, bytes] : files) {
            const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
            std::string tmpl =
                (dir / ("." + target.filename().string() + ".ltsign-XXXXXX")).string();
            Fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
            if (fd.get() < 0) {
                throw Error(Errc::cannot_create_output,
                            "cannot create a file in " + dir.string() + ": " + errno_text(errno));
            }
            staged.push_back(tmpl);
            ::fchmod(fd.get(), 0644);
            write_all(fd.get(), bytes, target);
        }
        for (std::size_t i = 0; i < files.size(); ++i) {
            const auto& target = files[i].first;
            if (overwrite) {
                // The old file stays reachable under a second name until the whole batch is in
                // place, so a later failure can put it back.
                const fs::path dir =
                    target.has_parent_path() ? target.parent_path() : fs::path(".");
                const fs::path backup =
                    dir / ("." + target.filename().string() + ".ltsign-old-" + random_suffix());
                if (::link(target.c_str(), backup.c_str()) == 0) {
                    backups[i] = backup;
                } else if (errno != ENOENT) {
                    throw Error(
                        Errc::cannot_create_output,
                        "cannot keep a copy of " + target.string() + ": " + errno_text(errno));
                }
                if (::rename(staged[i].c_str(), target.c_str()) != 0) {
                    throw Error(Errc::cannot_create_output,
                                "cannot replace " + target.string() + ": " + errno_text(errno));
                }
            } else if (::link(staged[i].c_str(), target.c_str()) != 0) {
                // link() refuses an existing target, so nothing is clobbered even in a race.
                const int err = errno;
                if (err == EEXIST) throw_exists(target);
                throw Error(Errc::cannot_create_output,
                            "cannot create " + target.string() + ": " + errno_text(err));
            } else {
                ::unlink(staged[i].c_str());
            }
            ++committed;
        }
    } catch (...) {
        roll_back();
        throw;
    }
    for (const auto& b : backups) {
        if (!b.empty()) ::unlink(b.c_str());
    }
    std::set<fs::path> dirs;
    for (const auto& [target, bytes] : files)
        dirs.insert(target.has_parent_path() ? target.parent_path() : fs::path("."));
    for (const auto& d : dirs) fsync_dir(d);
}

StagedFile::StagedFile(const fs::path& target, bool overwrite)
    : m_target(target), m_overwrite(overwrite) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw Error(Errc::cannot_create_output, "cannot write " + target.string() + ": folder " +
                                                    dir.string() + " does not exist");
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
            throw Error(Errc::io,
                        "cannot flush " + m_target.string() + " to disk: " + errno_text(errno));
        }
    }
    if (!m_overwrite) {
        if (::link(m_staged.c_str(), m_target.c_str()) != 0) {
            const int err = errno;
            if (err == EEXIST) throw_exists(m_target);
            throw Error(Errc::cannot_create_output,
                        "cannot create " + m_target.string() + ": " + errno_text(err));
        }
        ::unlink(m_staged.c_str());
    } else if (::rename(m_staged.c_str(), m_target.c_str()) != 0) {
        throw Error(Errc::cannot_create_output,
                    "cannot replace " + m_target.string() + ": " + errno_text(errno));
    }
    m_committed = true;
    fsync_dir(m_target.has_parent_path() ? m_target.parent_path() : fs::path("."));
}

}  // namespace ltsign::core
