// ltsign's own time-stamping authority: RFC 3161 over HTTP, for tests and internal use.
#pragma once

#include "ltsign/export.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "ltsign/signer.hpp"
#include "ltsign/time.hpp"

namespace ltsign {

struct LTSIGN_API TsaServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;                         // 0: any free port (see TsaServer::port())
    std::filesystem::path serial_file;    // the last serial issued, hex; replaced atomically
    std::string policy = "2.999.3161.1";  // the default TSA policy OID (an example-arc OID)
    int accuracy_seconds = 1;
    std::size_t max_request = 64 * 1024;  // the body (Content-Length only): 413 above it
    // Each request is read whole, under these limits, before it is parsed (an attacker must not
    // be able to hold the server or its memory with slow, endless or huge requests):
    std::size_t max_head = 8 * 1024;                   // request line and headers: 414/431
    std::size_t max_header_lines = 100;                // 431
    std::chrono::milliseconds request_deadline{5000};  // all of it, from connecting: 408
    std::size_t max_connections_per_address = 4;       // served at once, per client address
    std::size_t threads = 16;                          // requests read and answered in parallel
    // For tests only: serve this time instead of the system clock.
    std::optional<TimePoint> fixed_time;
    // One line per request (time, peer, outcome). Defaults to stderr.
    std::function<void(const std::string&)> log;
};

class LTSIGN_API TsaServer {
  public:
    // Checks the identity (its certificate must carry the critical timeStamping extended key
    // usage, RFC 3161 2.3; Error(key_refused) otherwise), locks and reads the serial file, and
    // binds. Error(cannot_create_output) if another server holds the serial file (the lock lasts
    // as long as this object) or the address cannot be bound.
    TsaServer(Signer identity, TsaServerOptions options);
    ~TsaServer();
    TsaServer(const TsaServer&) = delete;
    TsaServer& operator=(const TsaServer&) = delete;

    int port() const noexcept;
    void run();   // serves until stop(); concurrent requests are answered in parallel
    void stop();  // safe from another thread or a signal-handling thread

    // The responder core without HTTP: a DER TimeStampResp for a DER TimeStampReq, granted or
    // a rejection with failInfo. Never throws for bad requests.
    std::vector<std::byte> respond(std::span<const std::byte> request);

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ltsign
