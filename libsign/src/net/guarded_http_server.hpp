// An httplib::Server that reads each request itself, under limits, before httplib parses it.
//
// cpp-httplib 0.11 (Debian's, a compiled library) reads a request with a per-read timeout only,
// grows a header line without bound before comparing it with CPPHTTPLIB_HEADER_MAX_LENGTH (a
// macro compiled into the library, so ours cannot change it), keeps any number of headers, and
// reads chunked bodies and bodies without Content-Length with no limit at all. None of its
// settings bound a whole request. So each accepted connection first goes through a small
// reader here: a per-address connection limit, one deadline for the request line, headers and
// body together, a byte and line limit on the head, Content-Length only, and a body limit. Only a
// complete request within those limits reaches httplib, from memory; httplib still parses it,
// routes it and writes the response. One request per connection.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
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
    std::size_t max_connections_per_address = 4;  // one more: 429
    std::size_t threads = 16;
};

class GuardedHttpServer final : public httplib::Server {
  public:
    // `log` gets one line per request refused here (peer, status, reason).
    GuardedHttpServer(HttpLimits limits, std::function<void(const std::string&)> log);

    // After bind_to_port: cpp-httplib listens with a backlog of 5 (compiled into the library),
    // so a burst of connections, honest or not, has its SYNs dropped and retried a second later.
    // Linux takes a second listen() on the socket as a new backlog.
    void widen_backlog();

  private:
    bool process_and_close_socket(socket_t sock) override;

    bool take_slot(const std::string& peer);
    void release_slot(const std::string& peer);

    HttpLimits m_limits;
    std::function<void(const std::string&)> m_log;
    std::mutex m_mutex;
    std::map<std::string, std::size_t> m_open;  // connections being served, per peer address
};

}  // namespace ltsign::net
