#include "net/guarded_http_server.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace ltsign::net {
namespace {

using Clock = std::chrono::steady_clock;

// A refused connection is drained this long at most (see close_gently).
constexpr auto k_linger = std::chrono::milliseconds(1000);
constexpr std::size_t k_linger_bytes = 1 << 20;

std::string numeric_host(const sockaddr_storage& addr, socklen_t len, int& port) {
    char host[NI_MAXHOST] = "";
    char serv[NI_MAXSERV] = "";
    if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, serv,
                      sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        port = 0;
        return "?";
    }
    port = std::atoi(serv);
    return host;
}

// The address `name_of` (getpeername or getsockname) gives for `sock`, "?" when none.
std::string address_of(socket_t sock, int& port, int (*name_of)(int, sockaddr*, socklen_t*)) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (name_of(sock, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        port = 0;
        return "?";
    }
    return numeric_host(addr, len, port);
}

std::string peer_of(socket_t sock, int& port) {
    return address_of(sock, port, ::getpeername);
}

std::string local_of(socket_t sock, int& port) {
    return address_of(sock, port, ::getsockname);
}

// A request already read whole: httplib reads it from memory and writes its answer to the socket.
class BufferedRequestStream final : public httplib::Stream {
  public:
    BufferedRequestStream(socket_t sock, std::string request)
        : m_sock(sock), m_request(std::move(request)) {}

    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }  // SO_SNDTIMEO bounds each send
    ssize_t read(char* ptr, size_t size) override {
        const std::size_t n = std::min(size, m_request.size() - m_pos);
        std::memcpy(ptr, m_request.data() + m_pos, n);
        m_pos += n;
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
        return ::send(m_sock, ptr, size, MSG_NOSIGNAL);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = peer_of(m_sock, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip = local_of(m_sock, port);
    }
    socket_t socket() const override { return m_sock; }

  private:
    socket_t m_sock;
    std::string m_request;
    std::size_t m_pos = 0;
};

const char* reason_phrase(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Payload Too Large";
        case 414:
            return "URI Too Long";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        default:
            return "Error";
    }
}

void send_refusal(socket_t sock, int status, const std::string& reason) {
    const std::string body = reason + "\n";
    const std::string msg =
        "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
        "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    (void)::send(sock, msg.data(), msg.size(), MSG_NOSIGNAL);
}

// Closing a socket with unread input makes the kernel send a reset, and the client may then
// lose the refusal just sent. So stop writing, read and drop what is still coming for a short,
// bounded while, then close.
void close_gently(socket_t sock) {
    ::shutdown(sock, SHUT_WR);
    const auto until = Clock::now() + k_linger;
    char scratch[16384];
    for (std::size_t drained = 0; drained < k_linger_bytes;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        pollfd p{sock, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        const ssize_t n = ::recv(sock, scratch, sizeof scratch, 0);
        if (n <= 0) break;
        drained += static_cast<std::size_t>(n);
    }
    ::close(sock);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// One request as read from a connection: the bytes to hand to httplib, or the refusal to send
// (status 0 and no bytes: the client went away, nothing to answer).
struct ReadOutcome {
    std::string request;
    int status = 0;
    std::string reason;
};

ReadOutcome refused(int status, std::string reason) {
    return {{}, status, std::move(reason)};
}

// What the head says about the body, and where the Expect lines are (see below).
struct HeadFacts {
    std::string method;
    std::vector<std::string> content_lengths;
    bool transfer_encoding = false;
    bool expect_continue = false;
    std::vector<std::pair<std::size_t, std::size_t>> expect_lines;  // offset, length
};

// RFC 9112 6: the body's length comes from Content-Length alone here. Transfer-Encoding (chunked
// or any other) is refused with 411 before a byte of the body is read, as is a POST without a
// length (which would be read until the client closes).
ReadOutcome body_length(const HeadFacts& head, const HttpLimits& limits, std::size_t& length) {
    if (head.transfer_encoding) {
        return refused(411, "Transfer-Encoding is not accepted; send the body with Content-Length");
    }
    if (head.content_lengths.size() > 1) return refused(400, "more than one Content-Length");
    if (head.content_lengths.empty()) {
        length = 0;
        if (head.method == "POST" || head.method == "PUT" || head.method == "PATCH")
            return refused(411, "send the body with Content-Length");
        return {};
    }
    const std::string& v = head.content_lengths.front();
    if (v.empty() || v.size() > 18 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return refused(400, "Content-Length is not a number");
    }
    length = std::stoull(v);
    if (length > limits.max_body) {
        return refused(413, "the body is over " + std::to_string(limits.max_body) + " bytes");
    }
    return {};
}

// Reads the request line, the headers and the body from `sock`, all by `deadline`, never
// holding more than the head limit plus the body limit. Lines end at LF; the head ends at the
// first line that is exactly CRLF, as httplib reads it.
ReadOutcome read_request(socket_t sock, const HttpLimits& limits, Clock::time_point deadline) {
    std::string buf;
    std::size_t scanned = 0;   // start of the first line not yet looked at
    std::size_t lines = 0;     // header lines so far
    std::size_t head_end = 0;  // 0 until the blank line is seen
    std::size_t total = 0;     // head and body, once the head is known
    HeadFacts head;
    char chunk[16384];
    for (;;) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            return refused(408, "the request was not complete within " +
                                    std::to_string(limits.deadline.count()) + " ms");
        }
        pollfd p{sock, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left));
        if (ready < 0 && errno != EINTR) return {};
        if (ready <= 0) continue;
        const std::size_t room = head_end ? total - buf.size() : limits.max_head + 1 - buf.size();
        const ssize_t n = ::recv(sock, chunk, std::min(room, sizeof chunk), 0);
        if (n == 0) return {};
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            return {};
        }
        buf.append(chunk, static_cast<std::size_t>(n));

        for (std::size_t nl; !head_end && (nl = buf.find('\n', scanned)) != std::string::npos;) {
            const std::string_view line(buf.data() + scanned, nl + 1 - scanned);
            if (scanned == 0) {
                head.method = std::string(line.substr(0, line.find(' ')));
            } else if (line == "\r\n") {
                head_end = nl + 1;
            } else if (++lines > limits.max_header_lines) {
                return refused(
                    431, "more than " + std::to_string(limits.max_header_lines) + " header lines");
            } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
                const auto name = trim(line.substr(0, colon));
                const auto value = trim(line.substr(colon + 1));
                if (iequals(name, "Content-Length")) head.content_lengths.emplace_back(value);
                if (iequals(name, "Transfer-Encoding")) head.transfer_encoding = true;
                if (iequals(name, "Expect")) {
                    head.expect_lines.emplace_back(scanned, line.size());
                    head.expect_continue = head.expect_continue || iequals(value, "100-continue");
                }
            }
            scanned = nl + 1;
        }
        if (!head_end) {
            if (buf.size() > limits.max_head) {
                if (scanned == 0) {
                    return refused(414, "the request line is over " +
                                            std::to_string(limits.max_head) + " bytes");
                }
                return refused(431, "the request line and headers are over " +
                                        std::to_string(limits.max_head) + " bytes");
            }
            continue;
        }
        if (total == 0) {
            std::size_t length = 0;
            if (auto refusal = body_length(head, limits, length); refusal.status != 0)
                return refusal;
            total = head_end + length;
            if (head.expect_continue && buf.size() < total) {
                const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
                (void)::send(sock, go_on.data(), go_on.size(), MSG_NOSIGNAL);
            }
        }
        if (buf.size() >= total) break;
    }
    buf.resize(total);  // one request per connection: anything after it is not read
    // Answered here already: httplib would send a second 100 Continue.
    for (auto it = head.expect_lines.rbegin(); it != head.expect_lines.rend(); ++it)
        buf.erase(it->first, it->second);
    return {std::move(buf), 0, {}};
}

}  // namespace

GuardedHttpServer::GuardedHttpServer(HttpLimits limits, std::function<void(const std::string&)> log)
    : m_limits(limits), m_log(std::move(log)) {
    const std::size_t threads = std::max<std::size_t>(1, m_limits.threads);
    new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    set_payload_max_length(m_limits.max_body);
}

GuardedHttpServer::~GuardedHttpServer() {
    for (auto& [peer, address] : m_addresses) {
        for (const auto& w : address.waiting) ::close(w.sock);
    }
}

void GuardedHttpServer::widen_backlog() {
    (void)::listen(svr_sock_, SOMAXCONN);
}

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
    Waiting next{sock, Clock::now()};
    int port = 0;
    const std::string peer = peer_of(sock, port);
    {
        std::lock_guard lock(m_mutex);
        auto& address = m_addresses[peer];
        if (address.serving >= m_limits.max_connections_per_address) {
            if (address.waiting.size() < m_limits.max_waiting_per_address) {
                // Its turn comes when a connection of this address ends; no worker waits for it.
                address.waiting.push_back(next);
                return true;
            }
            next.sock = INVALID_SOCKET;
        } else {
            ++address.serving;
        }
    }
    if (next.sock == INVALID_SOCKET) {
        // No draining here: that would let one address hold workers with connections it is not
        // allowed to have.
        const std::string reason = std::to_string(m_limits.max_connections_per_address) +
                                   " connections from " + peer + " are served and " +
                                   std::to_string(m_limits.max_waiting_per_address) + " waiting";
        send_refusal(sock, 429, reason);
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
        if (m_log) m_log(peer + " 429 refused: " + reason);
        return false;
    }
    for (;;) {
        serve(next, peer);
        std::lock_guard lock(m_mutex);
        auto it = m_addresses.find(peer);
        if (!it->second.waiting.empty() && svr_sock_ != INVALID_SOCKET) {
            next = it->second.waiting.front();
            it->second.waiting.pop_front();
            continue;
        }
        // Stopping: connections still waiting are closed unanswered.
        for (const auto& w : it->second.waiting) ::close(w.sock);
        it->second.waiting.clear();
        if (--it->second.serving == 0) m_addresses.erase(it);
        return true;
    }
}

void GuardedHttpServer::serve(const Waiting& conn, const std::string& peer) {
    // The deadline counts from the connection's arrival, waiting included; a request that waited
    // still gets a moment to be read from the socket's buffer.
    const auto deadline =
        std::max(conn.arrived + m_limits.deadline, Clock::now() + std::chrono::milliseconds(200));
    ReadOutcome in;
    try {
        in = read_request(conn.sock, m_limits, deadline);
    } catch (const std::exception&) {
        // Out of memory: nothing escapes a worker thread (that would end the server); the
        // connection is closed unanswered, as if the client had left.
    }
    if (in.status != 0) {
        send_refusal(conn.sock, in.status, in.reason);
        close_gently(conn.sock);
        if (m_log) m_log(peer + " " + std::to_string(in.status) + " refused: " + in.reason);
    } else if (in.request.empty()) {
        ::close(conn.sock);  // the client left before its request was complete
    } else {
        BufferedRequestStream stream(conn.sock, std::move(in.request));
        bool connection_closed = false;
        process_request(stream, true, connection_closed, nullptr);
        ::shutdown(conn.sock, SHUT_RDWR);
        ::close(conn.sock);
    }
}

}  // namespace ltsign::net
