// Real revocation services on loopback for the tests: `openssl ocsp` serving an index of the
// test PKI's issuing CA, and an HTTP server for CRL files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ltsign/time.hpp"

namespace ltsign::test {

struct IndexEntry {
    std::string serial;  // upper-case hex, even length
    std::string subject;
    std::optional<TimePoint> revoked;
};

class OcspResponder {
  public:
    // Writes the index into `dir` and starts `openssl ocsp` on loopback `port` (from free_port(),
    // so that certificates naming the URL can be issued first), signing with the delegated
    // responder certificate of the test PKI.
    // `fake_time` ("2035-03-01 12:00:00", UTC): the responder runs under libfaketime with its
    // clock standing at that moment, so its answers are dated then (time-travel tests);
    // set_fake_time moves it, without a restart (the port stays the responder's).
    OcspResponder(const std::filesystem::path& dir, const std::vector<IndexEntry>& entries,
                  int port, const std::string& fake_time = "");
    void set_fake_time(const std::string& fake_time);
    static std::string url_for(int port) {
        return "http://127.0.0.1:" + std::to_string(port) + "/";
    }
    ~OcspResponder();
    const std::string& url() const { return m_url; }
    void stop();

  private:
    pid_t m_pid = -1;
    std::string m_url;
    std::filesystem::path m_clock_file;
};

class CrlServer {
  public:
    // Serves dir's files at /NAME; a POST to /NAME answers with the same bytes, as a replaying
    // OCSP responder would (application/ocsp-response).
    explicit CrlServer(const std::filesystem::path& dir);
    ~CrlServer();
    std::string url(const std::string& name) const;
    // How many requests (GET or POST) it has answered or refused so far.
    int requests() const;
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// A service that accepts connections and never answers (the kernel completes them; nothing
// reads or writes): what a hung responder looks like to a client.
class BlackHole {
  public:
    BlackHole();
    ~BlackHole();
    BlackHole(const BlackHole&) = delete;
    BlackHole& operator=(const BlackHole&) = delete;
    std::string url(const std::string& name) const;

  private:
    int m_fd = -1;
    int m_port = 0;
};

// A URL that was free a moment ago: for "this service is down".
int free_port();

}  // namespace ltsign::test
