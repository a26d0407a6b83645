// An httplib::Server that reads each request itself, under limits, before httplib parses it.
//
// cpp-httplib 0.11 (Debian's, a compiled library) reads a request with a per-read timeout only,
// grows a header line without bound before comparing it with CPPHTTPLIB_HEADER_MAX_LENGTH (a
// macro compiled into the library, so ours cannot change it), keeps any number of headers, and
// reads chunked bodies and bodies without Content-Length with no limit at all. None of its
// settings bound a whole request. So each accepted connection first goes through a small
// reader here: a per-address limit on the connections served at once, one deadline for the request
// line, headers and body together, a byte and line limit on the head, Content-Length only, and a
// body limit. Only a complete request within those limits reaches httplib, from memory; httplib
// still parses it, routes it and writes the response. One request per connection.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace ltsign::net {

struct HttpLimits {
    std::size_t max_body = 64 * 1024;             // Content-Length above it: 413
    std::size_t max_head = 8 * 1024;              // request line and headers together: 414/431
    std::size_t max_header_lines = 100;           // 431
    std::chrono::milliseconds deadline{5000};     // whole request: 408 when it is not all there
    std::size_t max_connections_per_address = 4;  // served at once; more wait for their turn
    std::size_t max_waiting_per_address = 64;     // one more: 429
    std::size_t threads = 16;
};

class GuardedHttpServer final : public httplib::Server {
  public:
    // `log` gets one line per request refused here (peer, status, reason).
    GuardedHttpServer(HttpLimits limits, std::function<void(const std::string&)> log);
    ~GuardedHttpServer() override;

    // After bind_to_port: cpp-httplib listens with a backlog of 5 (compiled into the library),
    // so a burst of connections, honest or not, has its SYNs dropped and retried a second later.
    // Linux takes a second listen() on the socket as a new backlog.
    void widen_backlog();

  private:
    struct Waiting {
        socket_t sock;
        std::chrono::steady_clock::time_point arrived;
    };
    // Per client address: how many of its connections workers are serving, and the others, in
    // order of arrival. A worker that ends one of them takes the next, so one address never
    // holds more than max_connections_per_address workers, and an honest client sending many
    // requests at once from one address still has them all answered.
    struct Address {
        std::size_t serving = 0;
        std::deque<Waiting> waiting;
    };

    bool process_and_close_socket(socket_t sock) override;
    void serve(const Waiting& conn, const std::string& peer);

    HttpLimits m_limits;
    std::function<void(const std::string&)> m_log;
    std::mutex m_mutex;
    std::map<std::string, Address> m_addresses;
};

}  // namespace ltsign::net
