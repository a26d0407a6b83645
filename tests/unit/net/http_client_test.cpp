// The HTTP client keeps its connection between requests (keep-alive): a batch asking one OCSP
// responder, CRL server or TSA many times opens one connection, not one per request; and a
// server that closes after each answer is still answered correctly.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <set>
#include <thread>

#include "net/http_client.hpp"

namespace ltsign {
namespace {

class CountingServer {
  public:
    explicit CountingServer(int keep_alive_max) {
        server.set_keep_alive_max_count(static_cast<std::size_t>(keep_alive_max));
        server.set_keep_alive_timeout(1);  // stop() waits for an idle kept connection
        auto answer = [this](const httplib::Request& req, httplib::Response& res) {
            {
                const std::lock_guard lock(mutex);
                ports.insert(req.remote_port);
                ++requests;
            }
            res.set_content("answer to " + req.body, "application/octet-stream");
        };
        server.Get("/crl", answer);
        server.Post("/ocsp", answer);
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~CountingServer() {
        server.stop();
        thread.join();
    }
    std::string url(const char* path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    std::size_t connections() {
        const std::lock_guard lock(mutex);
        return ports.size();
    }

    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::mutex mutex;
    std::set<int> ports;  // a client's source port names its connection
    int requests = 0;
};

void post_and_check(CountingServer& server, int i) {
    const std::string body = "request " + std::to_string(i);
    const auto r =
        net::post(server.url("/ocsp"), "application/ocsp-request",
                  {reinterpret_cast<const unsigned char*>(body.data()), body.size()}, {});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(std::string(r.body.begin(), r.body.end()), "answer to " + body);
}

TEST(HttpClient, RequestsToOneServerShareOneConnection) {
    CountingServer server(100);
    for (int i = 0; i < 12; ++i) {
        post_and_check(server, i);
        EXPECT_EQ(net::get(server.url("/crl"), {}).status, 200);
    }
    EXPECT_EQ(server.requests, 24);
    EXPECT_EQ(server.connections(), 1u);
}

TEST(HttpClient, AServerThatClosesEachConnectionIsStillAnswered) {
    CountingServer server(1);
    for (int i = 0; i < 6; ++i) {
        post_and_check(server, i);
    }
    EXPECT_EQ(server.requests, 6);
    EXPECT_EQ(server.connections(), 6u);
}

}  // namespace
}  // namespace ltsign
