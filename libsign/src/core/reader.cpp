#include "core/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::core {
namespace {

class FileReader final : public Reader {
  public:
    explicit FileReader(const std::filesystem::path& file) : m_name(file.string()) {
        m_fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0) {
            const int err = errno;
            throw Error(err == ENOENT ? Errc::input_missing : Errc::io,
                        trf("{0}: cannot open: {1}", {m_name, std::strerror(err)}));
        }
        struct stat st {};
        if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(m_fd);
            throw Error(Errc::input_missing, trf("{0}: not a regular file", {m_name}));
        }
#ifdef POSIX_FADV_SEQUENTIAL
        ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    ~FileReader() override {
        ::close(m_fd);
    }
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;

    std::size_t read(std::span<unsigned char> buffer) override {
        for (;;) {
            const ssize_t n = ::read(m_fd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw Error(Errc::io, trf("{0}: read error: {1}", {m_name, std::strerror(errno)}));
            return static_cast<std::size_t>(n);
        }
    }

  private:
    std::string m_name;
    int m_fd = -1;
};

class SpanReader final : public Reader {
  public:
    explicit SpanReader(std::span<const unsigned char> bytes) : m_rest(bytes) {}
    std::size_t read(std::span<unsigned char> buffer) override {
        const std::size_t n = std::min(buffer.size(), m_rest.size());
        std::copy_n(m_rest.begin(), n, buffer.begin());
        m_rest = m_rest.subspan(n);
        return n;
    }

  private:
    std::span<const unsigned char> m_rest;
};

}  // namespace

std::unique_ptr<Reader> open_file(const std::filesystem::path& file) {
    return std::make_unique<FileReader>(file);
}

std::unique_ptr<Reader> open_span(std::span<const unsigned char> bytes) {
    return std::make_unique<SpanReader>(bytes);
}

}  // namespace ltsign::core
