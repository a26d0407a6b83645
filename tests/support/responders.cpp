#include "responders.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "helpers.hpp"
#include "test_pki.hpp"

namespace ltsign::test {
namespace fs = std::filesystem;

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

namespace {

bool accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

std::string index_time(TimePoint t) {
    // openssl's index: YYMMDDHHMMSSZ
    const std::string s = format_rfc3339(t);  // YYYY-MM-DDTHH:MM:SSZ
    return s.substr(2, 2) + s.substr(5, 2) + s.substr(8, 2) + s.substr(11, 2) + s.substr(14, 2) +
           s.substr(17, 2) + "Z";
}

}  // namespace

OcspResponder::OcspResponder(const fs::path& dir, const std::vector<IndexEntry>& entries, int port,
                             const std::string& fake_time) {
    {
        std::ofstream index(dir / "index.txt");
        for (const auto& e : entries) {
            index << (e.revoked ? "R" : "V") << '\t' << "491231000000Z" << '\t'
                  << (e.revoked ? index_time(*e.revoked) : "") << '\t' << e.serial << '\t'
                  << "unknown" << '\t' << "/CN=" << e.subject << '\n';
        }
    }
    std::vector<std::string> args = {"/usr/bin/openssl",
                                     "ocsp",
                                     "-index",
                                     (dir / "index.txt").string(),
                                     "-port",
                                     std::to_string(port),
                                     "-rsigner",
                                     pki("ocsp.pem").string(),
                                     "-rkey",
                                     pki("ocsp.key").string(),
                                     "-CA",
                                     pki("ca.pem").string(),
                                     "-nmin",
                                     "60",
                                     "-ignore_err"};
    if (!fake_time.empty()) {
        // env execs the responder itself (faketime would fork, and stop() must reach it). The
        // clock is read from a file on every call, so that set_fake_time moves it.
        m_clock_file = dir / "faketime.rc";
        set_fake_time(fake_time);
        args.insert(args.begin(),
                    {"/usr/bin/env", "TZ=UTC", "LD_PRELOAD=" + faketime_library(),
                     "FAKETIME_TIMESTAMP_FILE=" + m_clock_file.string(), "FAKETIME_NO_CACHE=1"});
    }
    const int log = ::open((dir / "ocsp.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    m_pid = spawn(std::move(args), log, log);
    // Ready when it says so: a probing connection would occupy the single-threaded responder.
    auto ready = [&] {
        std::ifstream log(dir / "ocsp.log");
        std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        return text.find("waiting for OCSP client connections") != std::string::npos;
    };
    for (int i = 0; i < 100 && !ready(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!ready()) {
        stop();
        throw std::runtime_error("openssl ocsp did not start");
    }
    m_url = url_for(port);
}

void OcspResponder::set_fake_time(const std::string& fake_time) {
    const fs::path next = m_clock_file.string() + ".new";
    std::ofstream(next) << fake_time << "\n";
    fs::rename(next, m_clock_file);
}

OcspResponder::~OcspResponder() {
    stop();
}

void OcspResponder::stop() {
    terminate(m_pid);
}

struct CrlServer::Impl {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::atomic<int> requests{0};
};

CrlServer::CrlServer(const fs::path& dir) : m_impl(std::make_unique<Impl>()) {
    m_impl->server.set_mount_point("/", dir.string());
    m_impl->server.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
        ++m_impl->requests;
        return httplib::Server::HandlerResponse::Unhandled;
    });
    m_impl->server.Post(R"(/([A-Za-z0-9._-]+))",
                        [dir](const httplib::Request& req, httplib::Response& res) {
                            std::ifstream in(dir / req.matches[1].str(), std::ios::binary);
                            if (!in) {
                                res.status = 404;
                                return;
                            }
                            const std::string body((std::istreambuf_iterator<char>(in)),
                                                   std::istreambuf_iterator<char>());
                            res.set_content(body, "application/ocsp-response");
                        });
    m_impl->port = m_impl->server.bind_to_any_port("127.0.0.1");
    m_impl->thread = std::thread([this] { m_impl->server.listen_after_bind(); });
    // Running, not merely accepting: the socket accepts once bound, but cpp-httplib's stop()
    // does nothing until listen_after_bind has begun, and a stop() before that left join()
    // waiting for ever (a test that stopped the server at once hung under load).
    for (int i = 0; i < 250 && !(m_impl->server.is_running() && accepts(m_impl->port)); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

CrlServer::~CrlServer() {
    stop();
}

std::string CrlServer::url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(m_impl->port) + "/" + name;
}

int CrlServer::requests() const {
    return m_impl->requests.load();
}

BlackHole::BlackHole() {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(m_fd, 128) != 0 ||
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        throw std::runtime_error("cannot open a listening socket for the black hole");
    }
    m_port = ntohs(a.sin_port);
}

BlackHole::~BlackHole() {
    if (m_fd >= 0) ::close(m_fd);
}

std::string BlackHole::url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + "/" + name;
}

void CrlServer::stop() {
    if (!m_impl->thread.joinable()) return;
    m_impl->server.stop();
    m_impl->thread.join();
}

}  // namespace ltsign::test
