#include "tsa_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "helpers.hpp"
#include "responders.hpp"
#include "test_pki.hpp"

namespace ltsign::test {

TsaProcess::TsaProcess(const std::filesystem::path& serial_file, const std::string& extra,
                       const std::string& p12) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = {
        LTSIGN_BINARY,     "tsa",      "--key",       pki(p12).string(), "--pass-env",
        "LTSIGN_TSA_PASS", "--listen", "127.0.0.1:0", "--serial-file",   serial_file.string()};
    std::istringstream more(extra);
    for (std::string word; more >> word;) args.push_back(word);
    ::setenv("LTSIGN_TSA_PASS", k_password, 1);
    m_pid = spawn(std::move(args), out[1], -1);
    // The first line says where it listens: "ltsign tsa: listening on http://127.0.0.1:PORT/".
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    const auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) {
        stop();
        throw std::runtime_error("ltsign tsa did not start: '" + line + "'");
    }
    m_port = std::atoi(line.c_str() + at + 10);
    m_url = "http://127.0.0.1:" + std::to_string(m_port) + "/";
}

TsaProcess::~TsaProcess() {
    stop();
}

void TsaProcess::stop() {
    terminate(m_pid);
}

std::string dead_url() {
    return "http://127.0.0.1:" + std::to_string(free_port()) + "/";
}

}  // namespace ltsign::test
