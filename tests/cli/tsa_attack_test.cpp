// End to end: `ltsign tsa` attacked over loopback (issue 11, items 16-19). Each test starts a
// real server, attacks it with raw sockets, and checks with bounds that honest clients are still
// served and that the server's memory stays small. Attackers connect from other loopback
// addresses (127.0.0.2, ...) than the honest client (127.0.0.1), as they would from other hosts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using test::q;

constexpr long k_rss_bound_kib =
    100 * 1024 * test::k_sanitizer_memory_factor;  // the server's peak resident memory, attacked

// A TCP connection from `source` (a loopback address) to 127.0.0.1:port, with send and receive
// timeouts so that no step of a test can block for long. -1 if it cannot connect.
int connect_from(const char* source, int port) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    const timeval tv{2, 0};
    ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::bind(s, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(s);
        return -1;
    }
    return s;
}

bool send_all(int s, const std::string& data) {
    for (std::size_t done = 0; done < data.size();) {
        const ssize_t n = ::send(s, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool readable(int s, std::chrono::milliseconds wait) {
    pollfd p{s, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

// The HTTP status of the answer waiting on `s` (0 if none came within the receive timeout).
int read_status(int s) {
    std::string got;
    char buf[512];
    while (got.find("\r\n") == std::string::npos && got.size() < 4096) {
        const ssize_t n = ::recv(s, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    if (got.rfind("HTTP/1.", 0) != 0 || got.size() < 12) return 0;
    return std::atoi(got.c_str() + 9);
}

long peak_rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    }
    return -1;
}

// Streams `total` bytes made by `block` (called with the block index) after `head`, stopping as
// soon as the server answers (or drops the connection), then returns the HTTP status it gave.
template <class Block>
int stream_until_answered(int s, const std::string& head, std::size_t total, Block block,
                          std::size_t& sent) {
    sent = 0;
    const auto deadline = Clock::now() + 10s;
    if (!send_all(s, head)) return 0;
    for (std::size_t i = 0; sent < total && Clock::now() < deadline; ++i) {
        if (readable(s, 0ms)) return read_status(s);
        const std::string data = block(i);
        if (!send_all(s, data)) break;
        sent += data.size();
    }
    return readable(s, 3000ms) ? read_status(s) : 0;
}

class TsaAttack : public ::testing::Test {
  protected:
    void SetUp() override {
        doc = dir / "beslut.txt";
        test::write_text(doc, "Beslut: bygglov beviljas.\n");
        tsa = std::make_unique<test::TsaProcess>(dir / "serial",
                                                 std::string("--test-clock ") + test::k_tsa_clock);
    }
    // An honest `ltsign timestamp` against the server; returns how long it took.
    Clock::duration honest_request(const std::string& name, int expected_exit = 0) {
        const auto started = Clock::now();
        const auto r = test::ltsign("timestamp " + q(doc) + " --tsa " + tsa->url() +
                                    " --timeout 8 -o " + q(dir / name));
        const auto took = Clock::now() - started;
        EXPECT_EQ(r.exit_code, expected_exit) << r.err;
        return took;
    }
    static std::string post_head(const std::string& extra) {
        return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/timestamp-query\r\n" +
               extra;
    }

    test::TempDir dir;
    fs::path doc;
    std::unique_ptr<test::TsaProcess> tsa;
};

// Item 16: slowloris. 18 connections from three addresses each send one byte a second, which no
// per-read timeout ever ends. Every worker thread used to wait on them; the honest client timed
// out. Now each address is served at most 4 connections at once (the others wait, holding no
// worker), and a request must be complete within 5 s of connecting.
TEST_F(TsaAttack, SlowlorisDoesNotStallHonestClients) {
    std::vector<int> conns;
    for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
        for (int i = 0; i < 6; ++i) {
            const int s = connect_from(source, tsa->port());
            ASSERT_GE(s, 0) << source;
            conns.push_back(s);
        }
    }
    std::atomic<bool> stop{false};
    std::atomic<int> cut_off{0};  // connections the server closed
    const auto attack_started = Clock::now();
    std::thread drip([&] {
        std::vector<bool> open(conns.size(), true);
        for (int tick = 0; tick < 12 && !stop; ++tick) {
            for (std::size_t i = 0; i < conns.size(); ++i) {
                if (!open[i]) continue;
                if (readable(conns[i], 0ms) || !send_all(conns[i], tick == 0 ? "P" : "O")) {
                    open[i] = false;
                    ++cut_off;
                }
            }
            for (int w = 0; w < 10 && !stop; ++w) std::this_thread::sleep_for(100ms);
        }
    });
    std::this_thread::sleep_for(500ms);  // let the attack take its places

    const auto took = honest_request("honest.tst");
    EXPECT_LT(took, 3s) << "the honest client waited "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms";
    std::cerr << "honest client under slowloris: "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

    // The server ends every attacking connection by itself at the deadline, the waiting ones
    // too: their deadline counts from connecting.
    while (cut_off < static_cast<int>(conns.size()) && Clock::now() - attack_started < 9s)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(cut_off.load(), static_cast<int>(conns.size()));
    stop = true;
    drip.join();
    for (int s : conns) ::close(s);
}

// The per-address limit on its own, set with --max-connections-per-address: a third connection
// from one address waits (without a worker) until one of the first two ends, while another
// address is served at once; past the 64 waiting, one more is refused with 429.
TEST(TsaLimits, OneAddressIsServedAtMostItsConnectionsAtOnce) {
    test::TempDir dir;
    test::TsaProcess tsa(dir / "serial", "--max-connections-per-address 2");
    std::vector<int> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(connect_from("127.0.0.2", tsa.port()));
        ASSERT_GE(held.back(), 0);
        ASSERT_TRUE(send_all(held.back(), "P"));
    }
    std::this_thread::sleep_for(300ms);  // both are being read by the server
    const std::string get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const int third = connect_from("127.0.0.2", tsa.port());
    const int other = connect_from("127.0.0.3", tsa.port());
    ASSERT_GE(third, 0);
    ASSERT_GE(other, 0);
    ASSERT_TRUE(send_all(third, get));
    ASSERT_TRUE(send_all(other, get));
    EXPECT_EQ(read_status(other), 404);
    EXPECT_FALSE(readable(third, 300ms));
    ::close(held[0]);  // one of the first two ends: the third's turn
    EXPECT_TRUE(readable(third, 2000ms));
    EXPECT_EQ(read_status(third), 404);

    // From a fresh address: 2 served + 64 waiting, and one more is refused.
    const auto started = Clock::now();
    std::vector<int> queue;
    for (int i = 0; i < 67; ++i) {
        queue.push_back(connect_from("127.0.0.5", tsa.port()));
        ASSERT_GE(queue.back(), 0);
    }
    // Which connection the server takes last is its accept order, not ours: wait for an answer
    // on any of them (under a sanitizer the server takes longer to get there).
    int refused = 0;
    const auto deadline =
        Clock::now() +
        std::chrono::milliseconds(static_cast<int>(1000 * test::k_sanitizer_time_factor));
    for (bool answered = false; !answered && Clock::now() < deadline;) {
        for (int s : queue) answered |= readable(s, 0ms);
        if (!answered) std::this_thread::sleep_for(20ms);
    }
    for (int s : queue) refused += readable(s, 0ms) && read_status(s) == 429 ? 1 : 0;
    EXPECT_EQ(refused, 1)
        << "67 connections made in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
        << " ms";
    for (int s : queue) ::close(s);
    ::close(held[1]);
    ::close(third);
    ::close(other);

    const auto zero = test::ltsign("tsa --max-connections-per-address 0 --key " +
                                   q(test::pki("tsa.p12")) + " --serial-file " + q(dir / "s2"));
    EXPECT_EQ(zero.exit_code, 64);
    EXPECT_NE(zero.err.find("--max-connections-per-address"), std::string::npos) << zero.err;
}

// An honest client sending many requests at once from one address has them all answered: the
// ones over the limit wait their turn.
TEST(TsaLimits, FortyParallelRequestsFromOneAddressAreAllAnswered) {
    test::TempDir dir;
    test::TsaProcess tsa(dir / "serial");
    std::vector<int> status(40, 0);
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < status.size(); ++i) {
        clients.emplace_back([&, i] {
            const int s = connect_from("127.0.0.1", tsa.port());
            // Not a TimeStampReq: the answer is a rejection reply, status 200.
            if (s >= 0 && send_all(s,
                                   "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                   "application/timestamp-query\r\nContent-Length: 1\r\n\r\nx"))
                status[i] = read_status(s);
            if (s >= 0) ::close(s);
        });
    }
    for (auto& c : clients) c.join();
    EXPECT_EQ(std::count(status.begin(), status.end(), 200), 40);
}

// Item 17: a chunked body was read without any limit (400 MiB read, 835 MB peak). Now any
// Transfer-Encoding is refused with 411 before a byte of the body is read.
TEST_F(TsaAttack, ChunkedBodyIsRefusedBeforeItIsRead) {
    const int s = connect_from("127.0.0.2", tsa->port());
    ASSERT_GE(s, 0);
    const std::string payload(1 << 20, 'A');
    std::size_t sent = 0;
    const int status = stream_until_answered(
        s, post_head("Transfer-Encoding: chunked\r\n\r\n"), 300u << 20,
        [&](std::size_t) { return "100000\r\n" + payload + "\r\n"; }, sent);
    ::close(s);
    const long rss = peak_rss_kib(tsa->pid());
    std::cerr << "chunked flood: status " << status << ", " << (sent >> 20)
              << " MiB sent, peak RSS " << rss / 1024 << " MiB\n";
    EXPECT_TRUE(status == 411 || status == 413) << status;
    EXPECT_GT(rss, 0);
    EXPECT_LT(rss, k_rss_bound_kib);
    honest_request("after.tst");
}

// A body without Content-Length (read until the client closes) is the same flood by other means.
TEST_F(TsaAttack, BodyWithoutLengthIsRefused) {
    const int s = connect_from("127.0.0.2", tsa->port());
    ASSERT_GE(s, 0);
    const std::string payload(1 << 20, 'A');
    std::size_t sent = 0;
    const int status = stream_until_answered(
        s, post_head("\r\n"), 64u << 20, [&](std::size_t) { return payload; }, sent);
    ::close(s);
    const long rss = peak_rss_kib(tsa->pid());
    std::cerr << "body without length: status " << status << ", " << (sent >> 20)
              << " MiB sent, peak RSS " << rss / 1024 << " MiB\n";
    EXPECT_EQ(status, 411);
    EXPECT_GT(rss, 0);
    EXPECT_LT(rss, k_rss_bound_kib);
}

// Item 18: headers had no limit on size or count (120 MB of headers: 2.4 GB resident). Now the
// request line and headers together may take 8 KiB, in at most 100 header lines; beyond that
// the answer is 431 and the connection is closed.
struct HeaderFlood {
    const char* name;
    std::string (*block)(std::size_t index);
};

void PrintTo(const HeaderFlood& flood, std::ostream* os) {
    *os << flood.name;
}

class TsaHeaderFlood : public TsaAttack, public ::testing::WithParamInterface<HeaderFlood> {};

TEST_P(TsaHeaderFlood, IsRefusedWithBoundedMemory) {
    const int s = connect_from("127.0.0.2", tsa->port());
    ASSERT_GE(s, 0);
    std::size_t sent = 0;
    const int status = stream_until_answered(s, post_head(""), 64u << 20, GetParam().block, sent);
    ::close(s);
    const long rss = peak_rss_kib(tsa->pid());
    std::cerr << GetParam().name << ": status " << status << ", " << (sent >> 20)
              << " MiB sent, peak RSS " << rss / 1024 << " MiB\n";
    EXPECT_EQ(status, 431);
    EXPECT_GT(rss, 0);
    EXPECT_LT(rss, k_rss_bound_kib);
    honest_request("after.tst");
}

INSTANTIATE_TEST_SUITE_P(
    Floods, TsaHeaderFlood,
    ::testing::Values(
        // One header line that never ends.
        HeaderFlood{"OneEndlessLine",
                    [](std::size_t i) {
                        return (i == 0 ? std::string("X-Filler: ") : std::string()) +
                               std::string(1 << 20, 'a');
                    }},
        // Many tiny header lines: the line limit ends these.
        HeaderFlood{"ManyTinyLines",
                    [](std::size_t) {
                        std::string block;
                        while (block.size() < (1u << 20)) block += "a: b\r\n";
                        return block;
                    }},
        // Many well-formed header lines of 120 bytes: the byte limit ends these.
        HeaderFlood{"ManyLines",
                    [](std::size_t i) {
                        std::string block;
                        for (std::size_t n = 0; block.size() < (1u << 20); ++n) {
                            block += "X-Filler-" + std::to_string(i * 10000 + n) + ": " +
                                     std::string(100, 'b') + "\r\n";
                        }
                        return block;
                    }}),
    [](const auto& info) { return std::string(info.param.name); });

// Item 19: two servers on one serial file both issued serial 01. The second now refuses to start
// (73, one line naming the file) and the first keeps serving; the lock ends with the server.
TEST_F(TsaAttack, SecondServerOnTheSameSerialFileIsRefused) {
    ::setenv("LTSIGN_TSA_PASS", test::k_password, 1);
    const auto second = test::run(
        "timeout 5 " + q(LTSIGN_BINARY) + " tsa --key " + q(test::pki("tsa.p12")) +
        " --pass-env LTSIGN_TSA_PASS --listen 127.0.0.1:0 --serial-file " + q(dir / "serial"));
    EXPECT_EQ(second.exit_code, 73) << second.out << second.err;
    EXPECT_NE(second.err.find((dir / "serial").string()), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("another ltsign tsa"), std::string::npos) << second.err;
    EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1) << second.err;

    honest_request("first.tst");
    tsa->stop();
    tsa = std::make_unique<test::TsaProcess>(dir / "serial");  // the lock went with the first
    honest_request("restarted.tst");
    EXPECT_EQ(test::read_bytes(dir / "serial"), (std::vector<unsigned char>{'0', '2', '\n'}));
}

}  // namespace
}  // namespace ltsign
