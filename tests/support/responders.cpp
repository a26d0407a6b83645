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
#include <mutex>
#include <random>
#include <stdexcept>
#include <utility>

#include "helpers.hpp"
#include "test_pki.hpp"

namespace ltsign::test {
namespace fs = std::filesystem;

namespace {

// The kernel's range for the local ports of outgoing connections: a port chosen inside it may be
// taken by any client connection (of this or a parallel test) before the server binds it.
std::pair<int, int> ephemeral_range() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 32768, high = 60999;
    in >> low >> high;
    return {low, high};
}

bool bindable(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

int free_port() {
    // A free port below the ephemeral range, picked at random: servers started some seconds
    // later (after certificates naming their URL are issued) still find it free, because no
    // outgoing connection is given it and parallel tests pick among thousands.
    const auto [low, high] = ephemeral_range();
    const int top = low > 20000 ? low - 1 : 65535;
    const int bottom = low > 20000 ? 20000 : high + 1;
    static std::mutex lock;
    static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
    const std::lock_guard<std::mutex> hold(lock);
    std::uniform_int_distribution<int> pick(bottom, top);
    for (int i = 0; i < 200; ++i) {
        const int port = pick(random);
        if (bindable(port)) return port;
    }
    throw std::runtime_error("no free loopback port between " + std::to_string(bottom) + " and " +
                             std::to_string(top));
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
    // Up to 20 s on a loaded machine; at once when the responder has exited (its log says why).
    auto exited = [&] {
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) != m_pid) return false;
        m_pid = -1;
        return true;
    };
    for (int i = 0; i < 400 && !ready() && !exited(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!ready()) {
        stop();
        std::ifstream in(dir / "ocsp.log");
        const std::string log_text((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
        throw std::runtime_error("openssl ocsp did not start on port " + std::to_string(port) +
                                 ": " + log_text);
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
