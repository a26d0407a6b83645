// A real `ltsign tsa` on a loopback port chosen at run time, stopped when this object goes.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace ltsign::test {

class TsaProcess {
  public:
    // `p12` from the test PKI; `serial_file` keeps serials across restarts; `extra` more options
    // (e.g. "--test-clock 2026-06-01T12:05:00Z").
    TsaProcess(const std::filesystem::path& serial_file, const std::string& extra = "",
               const std::string& p12 = "tsa.p12");
    ~TsaProcess();
    TsaProcess(const TsaProcess&) = delete;
    TsaProcess& operator=(const TsaProcess&) = delete;

    const std::string& url() const { return m_url; }
    int port() const { return m_port; }
    pid_t pid() const { return m_pid; }  // for tests that watch the server (e.g. its memory)
    void stop();                         // SIGTERM and wait; idempotent

  private:
    pid_t m_pid = -1;
    int m_port = 0;
    std::string m_url;
};

// A loopback URL where nothing listens (a port that was free a moment ago).
std::string dead_url();

// The fixed moment the test TSA's clock shows, a few minutes after test::sign_time().
inline constexpr const char* k_tsa_clock = "2026-06-01T12:05:00Z";

}  // namespace ltsign::test
