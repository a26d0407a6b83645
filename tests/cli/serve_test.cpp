// ltsign serve, end to end: the service started on loopback by the tests, every answer checked
// against schemas/openapi.json, verdicts compared with `ltsign verify --json` on the same files,
// tokens, limits, concurrency, and what a killed service leaves behind.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <thread>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

constexpr const char* k_at = "2026-06-02T00:00:00Z";

// A real `ltsign serve` on a loopback port chosen at run time.
class ServeProcess {
  public:
    explicit ServeProcess(const fs::path& config) {
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
        m_pid = test::spawn(
            {LTSIGN_BINARY, "serve", "--listen", "127.0.0.1:0", "--config", config.string()},
            out[1], -1);
        char c = 0;
        while (::read(out[0], &c, 1) == 1 && c != '\n') m_first_line += c;
        ::close(out[0]);
        const auto at = m_first_line.find("127.0.0.1:");
        if (at == std::string::npos) {
            stop();
            throw std::runtime_error("ltsign serve did not start: '" + m_first_line + "'");
        }
        m_port = std::atoi(m_first_line.c_str() + at + 10);
    }
    ~ServeProcess() { stop(); }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    int port() const { return m_port; }
    pid_t pid() const { return m_pid; }
    const std::string& first_line() const { return m_first_line; }
    // SIGTERM and wait; the exit status.
    int stop() {
        if (m_pid <= 0) return -1;
        ::kill(m_pid, SIGTERM);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    void kill9() {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

  private:
    pid_t m_pid = -1;
    int m_port = 0;
    std::string m_first_line;
};

struct Part {
    std::string field;
    fs::path file;
    std::string name;  // empty: the file's name
};

struct Reply {
    int status = 0;
    std::string body, content_type;
    httplib::Headers headers;
    json as_json() const { return json::parse(body); }
    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

// The SHA-256 of a token, as the configuration stores it (sha256sum, an independent tool).
std::string sha256_of(const std::string& token) {
    return test::run("(printf %s " + q(token) + " | sha256sum)").out.substr(0, 64);
}

// A string field, "" when absent or null.
std::string str(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// A raw connection, for requests no HTTP client would send (half a body, a stalled upload).
int connect_to(int port) {
    const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(sock);
        return -1;
    }
    return sock;
}

// What the service sends back on a raw connection, read until it closes it; closes `sock`.
std::string answer_of(int sock) {
    std::string answer;
    char buf[4096];
    for (ssize_t n; (n = ::recv(sock, buf, sizeof buf, 0)) > 0;) answer.append(buf, n);
    ::close(sock);
    return answer;
}

// Whether an upload of that name appears in the work folder within 5 s (it is streamed there).
bool arrives(const fs::path& work, const std::string& name) {
    for (int i = 0; i < 100; ++i) {
        for (const auto& e : fs::recursive_directory_iterator(work)) {
            if (e.path().filename() == name) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

long peak_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    }
    return -1;
}

class Serve : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        docs = dir / "docs";
        fs::create_directories(docs);
        test::write_text(docs / "beslut.txt", "Beslut: bygglov beviljas.\n");
        test::write_text(docs / "kvitto.txt", "Kvitto: ansökan mottagen.\n");
        work = dir / "work";
        log = dir / "access.log";
    }

    // A configuration with the test PKI's root as the service's trust, plus `more` keys.
    fs::path write_config(const json& more = json::object()) {
        json c = {{"workDir", work.string()},
                  {"accessLog", log.string()},
                  {"verify", {{"trust", {pki("root.pem").string()}}}}};
        c.update(more);
        const fs::path file = dir / "serve.json";
        test::write_text(file, c.dump(2));
        // The configuration itself follows its schema.
        const auto v = test::run(
            "/usr/bin/python3 -c 'import json,sys,jsonschema; "
            "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' " +
            q(file) + " " +
            q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "serve-config.schema.json"));
        EXPECT_EQ(v.exit_code, 0) << v.err;
        return file;
    }

    void start(const json& more = json::object()) {
        server = std::make_unique<ServeProcess>(write_config(more));
    }

    std::string sign(const fs::path& doc, const fs::path& out) {
        const auto r = ltsign("sign " + q(doc) + " --key " + q(pki("rsa.p12")) +
                              " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z"
                              " -o " +
                              q(out));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out.string();
    }

    // Every answer is checked against the OpenAPI description.
    void conforms(const Reply& r, const std::string& method, const std::string& path) {
        const fs::path body = dir / "answer.body";
        test::write_text(body, r.body);
        const auto v = test::run(
            "/usr/bin/python3 " +
            q(fs::path(LTSIGN_SOURCE_DIR) / "tests" / "support" / "check_openapi.py") + " " +
            q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "openapi.json") + " " + method + " " +
            path + " " + std::to_string(r.status) + " " + q(r.content_type) + " " + q(body));
        const bool text = r.content_type.find("json") != std::string::npos ||
                          r.content_type.find("xml") != std::string::npos;
        EXPECT_EQ(v.exit_code, 0) << v.out << v.err << "\n"
                                  << (text ? r.body.substr(0, 2000) : r.content_type);
    }

    Reply post(const std::string& path, const std::vector<Part>& parts,
               const std::string& query = "", const std::string& token = "") {
        httplib::Client client("127.0.0.1", server->port());
        client.set_read_timeout(120, 0);
        httplib::MultipartFormDataItems items;
        for (const auto& p : parts) {
            items.push_back({p.field, test::read_text(p.file),
                             p.name.empty() ? p.file.filename().string() : p.name,
                             "application/octet-stream"});
        }
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        auto res = client.Post((path + query).c_str(), headers, items);
        if (!res) return {};
        Reply r{res->status, res->body, res->get_header_value("Content-Type"), res->headers};
        conforms(r, "POST", path);
        return r;
    }

    Reply get(const std::string& path, bool check = true) {
        httplib::Client client("127.0.0.1", server->port());
        auto res = client.Get(path.c_str());
        if (!res) return {};
        Reply r{res->status, res->body, res->get_header_value("Content-Type"), res->headers};
        if (check) conforms(r, "GET", path);
        return r;
    }

    // `ltsign verify --json` run where the files are, so that its paths are the names the
    // service reports too.
    std::pair<int, json> cli_verify(const fs::path& where, const std::string& args) {
        const auto r = test::run("cd " + q(where) + " && " + q(LTSIGN_BINARY) + " verify " + args +
                                 " --trust " + q(pki("root.pem")) + " --at " + k_at + " --json");
        return {r.exit_code, json::parse(r.out)};
    }

    std::vector<std::string> log_lines() {
        std::vector<std::string> out;
        std::ifstream in(log);
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

    test::TempDir dir;
    fs::path docs, work, log;
    std::unique_ptr<ServeProcess> server;
};

// What must be equal between the service's report and the CLI's: every verdict, word for word.
void expect_same_verdicts(const json& service, const json& cli) {
    ASSERT_EQ(service["files"].size(), cli["files"].size()) << service.dump(1);
    for (std::size_t i = 0; i < cli["files"].size(); ++i) {
        const auto& s = service["files"][i];
        const auto& c = cli["files"][i];
        EXPECT_EQ(s["path"], c["path"]);
        EXPECT_EQ(str(s, "data"), str(c, "data"));
        EXPECT_EQ(s["indication"], c["indication"]) << c["path"];
        EXPECT_EQ(str(s, "subIndication"), str(c, "subIndication")) << c["path"];
        EXPECT_EQ(str(s, "format"), str(c, "format"));
        ASSERT_EQ(s.value("signatures", json::array()).size(),
                  c.value("signatures", json::array()).size());
        for (std::size_t k = 0; k < c.value("signatures", json::array()).size(); ++k) {
            for (const char* key : {"type", "indication", "subIndication", "signer", "level",
                                    "signingTime", "explanation", "noteCodes"}) {
                EXPECT_EQ(s["signatures"][k].value(key, json()),
                          c["signatures"][k].value(key, json()))
                    << key << " of " << c["path"];
            }
        }
    }
    EXPECT_EQ(service["summary"], cli["summary"]);
}

TEST_F(Serve, HealthVersionPageAndContract) {
    start();
    EXPECT_NE(server->first_line().find("0 leftover(s) removed"), std::string::npos);
    auto r = get("/v1/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.as_json()["status"], "ok");
    r = get("/v1/version");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.as_json()["name"], "ltsign");
    // The page: from the binary, with a Content-Security-Policy that allows only itself.
    r = get("/", false);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("<script src=\"app.js\""), std::string::npos);
    const std::string csp = r.header("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(r.body.find("http://"), std::string::npos) << "the page loads nothing from elsewhere";
    EXPECT_EQ(r.body.find("https://"), std::string::npos);
    for (const char* asset : {"/app.js", "/i18n.js", "/style.css"}) {
        r = get(asset, false);
        EXPECT_EQ(r.status, 200) << asset;
        EXPECT_EQ(r.body.find("http"), std::string::npos) << asset;
    }
    r = get("/v1/openapi.json", false);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.as_json()["openapi"], "3.1.0");
    r = get("/v1/nothing-here", false);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(server->stop(), 0) << "SIGTERM ends the service cleanly";
}

TEST_F(Serve, VerifyEqualsTheCliOnGoodAndTamperedSignatures) {
    start();
    const fs::path sigs = dir / "sigs";
    fs::create_directories(sigs);
    sign(docs / "beslut.txt", sigs / "beslut.txt.p7s");
    sign(docs / "kvitto.txt", sigs / "kvitto.txt.p7s");
    // The tampered case: the document changed after signing.
    fs::copy(docs / "kvitto.txt", sigs / "kvitto.txt");
    test::flip_byte(sigs / "kvitto.txt", 3);
    fs::copy(docs / "beslut.txt", sigs / "beslut.txt");

    const auto r = post("/v1/verify",
                        {{"signature", sigs / "beslut.txt.p7s"},
                         {"signature", sigs / "kvitto.txt.p7s"},
                         {"document", sigs / "beslut.txt"},
                         {"document", sigs / "kvitto.txt"}},
                        std::string("?at=") + k_at);
    ASSERT_EQ(r.status, 200) << r.body;
    auto [code, cli] = cli_verify(sigs, "beslut.txt.p7s kvitto.txt.p7s --data .");
    EXPECT_EQ(code, 1);
    const json service = r.as_json();
    EXPECT_EQ(service["files"][0]["indication"], "TOTAL_PASSED");
    EXPECT_EQ(service["files"][1]["indication"], "TOTAL_FAILED");
    EXPECT_EQ(service["files"][1]["subIndication"], "HASH_FAILURE");
    EXPECT_EQ(service["files"][0]["data"], "beslut.txt") << "names as sent, not the work folder";
    EXPECT_EQ(r.body.find(work.string()), std::string::npos) << r.body;
    // The CLI paired with a folder (--data .): its data paths are ./NAME.
    for (auto& f : cli["files"])
        f["data"] = fs::path(f["data"].get<std::string>()).filename().string();
    expect_same_verdicts(service, cli);
    EXPECT_EQ(r.header("Ltsign-Exit-Status"), "1");

    // The ETSI report of the same request.
    const auto x = post("/v1/verify",
                        {{"signature", sigs / "beslut.txt.p7s"}, {"document", sigs / "beslut.txt"}},
                        std::string("?report=etsi&at=") + k_at);
    ASSERT_EQ(x.status, 200);
    EXPECT_EQ(x.content_type, "application/xml");
    EXPECT_NE(x.body.find("http://uri.etsi.org/19102/v1.4.1#"), std::string::npos);
    EXPECT_NE(x.body.find("mainindication:total-passed"), std::string::npos);
    test::write_text(dir / "etsi.xml", x.body);
    EXPECT_EQ(test::run("xmllint --noout " + q(dir / "etsi.xml")).exit_code, 0);
    // Nothing stays behind in the work folder.
    std::size_t left = 0;
    for (const auto& e : fs::directory_iterator(work)) left += e.path().filename() != ".lock";
    EXPECT_EQ(left, 0u);
}

// The test PKI's cases: the service's verdicts are the CLI's, never more lenient.
TEST_F(Serve, VerdictsEqualTheCliOnTestPkiCases) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    start();
    const fs::path c = dir / "cases";
    fs::create_directories(c);
    fs::copy(docs / "beslut.txt", c / "beslut.txt");
    sign(c / "beslut.txt", c / "beslut.txt.p7s");
    ASSERT_EQ(ltsign("sign " + q(c / "beslut.txt") + " --key " + q(pki("ec.p12")) +
                     " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z"
                     " --format xades -o " +
                     q(c / "beslut.txt.xades.xml"))
                  .exit_code,
              0);
    ASSERT_EQ(ltsign("timestamp " + q(c / "beslut.txt") + " --tsa " + tsa.url() + " -o " +
                     q(c / "beslut.txt.tst"))
                  .exit_code,
              0);
    ASSERT_EQ(
        ltsign("seal " + q(c / "beslut.txt") + " --tsa " + tsa.url() + " -o " + q(dir / "ers"))
            .exit_code,
        0);
    fs::copy(dir / "ers" / "beslut.txt.ers", c / "beslut.txt.ers");
    fs::copy(c / "beslut.txt.p7s", c / "broken.p7s");
    test::flip_byte(c / "broken.p7s", -20);  // the signature value
    test::write_text(c / "junk.p7s", "not a signature\n");
    struct Case {
        std::vector<std::string> files;
        bool with_document;
    };
    const std::vector<Case> cases = {
        {{"beslut.txt.p7s"}, true}, {{"beslut.txt.p7s"}, false}, {{"beslut.txt.xades.xml"}, true},
        {{"beslut.txt.tst"}, true}, {{"beslut.txt.ers"}, true},  {{"broken.p7s"}, true},
        {{"junk.p7s"}, false}};
    for (const auto& k : cases) {
        std::vector<Part> parts;
        std::string args;
        for (const auto& f : k.files) {
            parts.push_back({"signature", c / f});
            args += " " + f;
        }
        if (k.with_document) {
            parts.push_back({"document", c / "beslut.txt"});
            args += " --data beslut.txt";
        }
        const auto r = post("/v1/verify", parts, std::string("?at=") + k_at);
        ASSERT_EQ(r.status, 200) << r.body;
        const auto [code, cli] = cli_verify(c, args);
        SCOPED_TRACE(args);
        expect_same_verdicts(r.as_json(), cli);
        EXPECT_EQ(r.header("Ltsign-Exit-Status"), std::to_string(code));
    }
}

// A few rows of the corpus (ASiC containers and PDFs carry their documents): the same verdicts.
TEST_F(Serve, VerdictsEqualTheCliOnCorpusRows) {
    const fs::path corpus = test::corpus_dir();
    if (corpus.empty()) GTEST_SKIP() << "no ../shared/corpus";
    // Offline on both sides: nothing is fetched from the corpus's certificates' addresses.
    start({{"verify", {{"offline", true}}}});
    std::vector<fs::path> files;
    for (const char* sub : {"asic", "pades"}) {
        if (!fs::exists(corpus / sub)) continue;
        for (const auto& e : fs::directory_iterator(corpus / sub)) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    ASSERT_FALSE(files.empty());
    if (files.size() > 12) files.resize(12);
    for (const auto& f : files) {
        SCOPED_TRACE(f.string());
        const auto r = post("/v1/verify", {{"signature", f}});
        ASSERT_EQ(r.status, 200) << r.body;
        const auto cli = test::run("cd " + q(f.parent_path()) + " && " + q(LTSIGN_BINARY) +
                                   " verify " + q(f.filename()) + " --offline --json");
        const json service = r.as_json();
        const json expected = json::parse(cli.out);
        // Without an explicit validation time both validate now; the verdicts must agree.
        ASSERT_EQ(service["files"].size(), 1u);
        EXPECT_EQ(service["files"][0]["indication"], expected["files"][0]["indication"]);
        EXPECT_EQ(str(service["files"][0], "subIndication"),
                  str(expected["files"][0], "subIndication"));
        EXPECT_EQ(service["files"][0].value("signatures", json::array()).size(),
                  expected["files"][0].value("signatures", json::array()).size());
        EXPECT_EQ(r.header("Ltsign-Exit-Status"), std::to_string(cli.exit_code));
    }
}

TEST_F(Serve, TokensArePermittedPerEndpointAndRefusalsAreLogged) {
    const std::string verifier = "verifier-secret-0123456789";
    const std::string stamper = "stamper-secret-9876543210";
    start({{"tokens",
            {{{"name", "e-tjanst"}, {"sha256", sha256_of(verifier)}, {"permissions", {"verify"}}},
             {{"name", "stampel"},
              {"sha256", sha256_of(stamper)},
              {"permissions", {"timestamp"}}}}}});
    const fs::path sig = sign(docs / "beslut.txt", dir / "beslut.txt.p7s");
    const std::vector<Part> parts = {{"signature", sig}, {"document", docs / "beslut.txt"}};
    auto r = post("/v1/verify", parts);
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.header("WWW-Authenticate").find("Bearer"), std::string::npos);
    r = post("/v1/verify", parts, "", "not-a-known-token");
    EXPECT_EQ(r.status, 401);
    r = post("/v1/verify", parts, "", stamper);
    EXPECT_EQ(r.status, 403);
    r = post("/v1/verify", parts, std::string("?at=") + k_at, verifier);
    EXPECT_EQ(r.status, 200) << r.body;
    // Every endpoint is behind its own permission.
    for (const char* endpoint : {"/v1/timestamp", "/v1/seal", "/v1/sign", "/v1/extend"}) {
        EXPECT_EQ(post(endpoint, {{"document", docs / "beslut.txt"}}).status, 401) << endpoint;
        EXPECT_EQ(post(endpoint, {{"document", docs / "beslut.txt"}}, "", verifier).status, 403)
            << endpoint;
    }
    EXPECT_EQ(r.as_json()["files"][0]["indication"], "TOTAL_PASSED");
    // Health and version need no token.
    EXPECT_EQ(get("/v1/health").status, 200);
    // The `ltsign serve --hash-token` helper gives the same hash as sha256sum.
    const auto h = test::run("(printf '%s\\n' " + verifier + " | " + q(LTSIGN_BINARY) +
                             " serve --hash-token)");
    EXPECT_EQ(h.out, sha256_of(verifier) + "\n") << h.err;

    server->stop();
    const auto lines = log_lines();
    ASSERT_GE(lines.size(), 5u);
    std::vector<json> entries;
    for (const auto& l : lines) entries.push_back(json::parse(l));  // one JSON document a line
    ASSERT_EQ(entries.size(), 4u + 8u + 1u);
    EXPECT_EQ(entries[5]["status"], 403);
    EXPECT_EQ(entries[5]["reason"], "token e-tjanst may not timestamp");
    EXPECT_EQ(entries[0]["status"], 401);
    EXPECT_EQ(entries[0]["reason"], "no token");
    EXPECT_EQ(entries[1]["status"], 401);
    EXPECT_EQ(entries[1]["reason"], "wrong token");
    EXPECT_EQ(entries[2]["status"], 403);
    EXPECT_EQ(entries[2]["token"], "stampel");
    EXPECT_EQ(entries[3]["status"], 200);
    EXPECT_EQ(entries[3]["token"], "e-tjanst");
    EXPECT_EQ(entries[3]["files"], 2);
    const std::string all = test::read_text(log);
    for (const std::string& secret :
         {verifier, stamper, std::string("not-a-known-token"), std::string("bygglov")}) {
        EXPECT_EQ(all.find(secret), std::string::npos) << "the log holds no tokens or content";
    }
}

// Sends a multipart body with one file of `size` bytes, generated as it goes (the client never
// holds it either), with Content-Length or chunked.
Reply post_streamed(int port, std::uint64_t size, bool chunked) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    const std::string head =
        "--b\r\nContent-Disposition: form-data; name=\"signature\"; "
        "filename=\"big.p7s\"\r\n\r\n";
    const std::string tail = "\r\n--b--\r\n";
    const std::uint64_t total = head.size() + size + tail.size();
    // The bytes from `offset` on, at most 64 KiB at a time.
    const auto chunk_at = [&](std::uint64_t offset) {
        if (offset < head.size()) return head.substr(offset);
        if (offset < head.size() + size)
            return std::string(std::min<std::uint64_t>(1 << 16, head.size() + size - offset), 'x');
        return tail.substr(offset - head.size() - size);
    };
    const char* type = "multipart/form-data; boundary=b";
    httplib::Result res =
        chunked ? client.Post(
                      "/v1/verify",
                      [&, sent = std::uint64_t{0}](std::size_t, httplib::DataSink& sink) mutable {
                          if (sent >= total) {
                              sink.done();
                              return true;
                          }
                          const std::string chunk = chunk_at(sent);
                          sent += chunk.size();
                          return sink.write(chunk.data(), chunk.size());
                      },
                      type)
                : client.Post(
                      "/v1/verify", total,
                      [&](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                          const std::string chunk = chunk_at(offset);
                          return sink.write(chunk.data(), chunk.size());
                      },
                      type);
    if (!res) return {};
    return {res->status, res->body, res->get_header_value("Content-Type"), res->headers};
}

TEST_F(Serve, OversizedUploadsAreRefusedWithoutHoldingThem) {
    start({{"limits", {{"maxBodyBytes", 4 << 20}, {"maxFileBytes", 1 << 20}}}});
    const fs::path small = dir / "small.p7s";
    test::write_text(small, std::string(2 << 20, 'y'));  // under the body limit, over a file's
    auto r = post("/v1/verify", {{"signature", small}});
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.as_json()["detail"].get<std::string>().find("small.p7s"), std::string::npos);
    const long before = peak_kib(server->pid());
    // 256 MiB announced with Content-Length: refused before it is read into anything.
    r = post_streamed(server->port(), 256ull << 20, false);
    EXPECT_EQ(r.status, 413);
    conforms(r, "POST", "/v1/verify");
    // Sent chunked (no length known in advance): refused as it passes the limit.
    r = post_streamed(server->port(), 48ull << 20, true);
    EXPECT_EQ(r.status, 413);
    const long after = peak_kib(server->pid());
    EXPECT_LT(after - before, 32 * 1024 * test::k_sanitizer_memory_factor)
        << "peak memory grew from " << before << " to " << after << " KiB";
    std::size_t left = 0;
    for (const auto& e : fs::directory_iterator(work)) left += e.path().filename() != ".lock";
    EXPECT_EQ(left, 0u) << "refused uploads are removed";
}

// An accepted upload goes to disk as it arrives: verifying a 100 MiB document (sent by curl, from
// its file) leaves the service's peak memory nearly where it was.
TEST_F(Serve, LargeUploadsAreStreamedToDisk) {
    start();
    const fs::path big = dir / "big" / "arkiv.tif";
    fs::create_directories(big.parent_path());
    {
        std::ofstream out(big, std::ios::binary);
        const std::string block(1 << 20, 'A');
        for (int i = 0; i < 100; ++i) out << block << i;
    }
    const fs::path sig = sign(big, dir / "big" / "arkiv.tif.p7s");
    EXPECT_EQ(get("/v1/health").status, 200);
    const long before = peak_kib(server->pid());
    const auto r = test::run("curl -s -S -F " + q("signature=@" + sig.string()) + " -F " +
                             q("document=@" + big.string()) + " 'http://127.0.0.1:" +
                             std::to_string(server->port()) + "/v1/verify?at=" + k_at + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const long after = peak_kib(server->pid());
    EXPECT_EQ(json::parse(r.out)["files"][0]["indication"], "TOTAL_PASSED") << r.out;
    EXPECT_LT(after - before, 32 * 1024 * test::k_sanitizer_memory_factor)
        << "peak memory grew from " << before << " to " << after << " KiB for 100 MiB";
    std::cout << "[ figures  ] 100 MiB verified over HTTP: peak memory " << before << " -> "
              << after << " KiB\n";
}

TEST_F(Serve, ThirtyTwoConcurrentVerificationsAreAllAnsweredCorrectly) {
    start({{"limits", {{"maxConcurrent", 4}}}});
    const fs::path good = sign(docs / "beslut.txt", dir / "beslut.txt.p7s");
    const fs::path changed = dir / "changed" / "beslut.txt";
    fs::create_directories(changed.parent_path());
    test::write_text(changed, "Beslut: bygglov avslås.\n");
    std::atomic<int> right{0};
    std::vector<std::string> wrong(32);
    std::vector<std::thread> clients;
    for (int i = 0; i < 32; ++i) {
        clients.emplace_back([&, i] {
            httplib::Client client("127.0.0.1", server->port());
            client.set_read_timeout(300, 0);
            const bool tampered = i % 2 == 1;
            httplib::MultipartFormDataItems items = {
                {"signature", test::read_text(good), "beslut.txt.p7s",
                 "application/pkcs7-signature"},
                {"document", test::read_text(tampered ? changed : docs / "beslut.txt"),
                 "beslut.txt", "text/plain"}};
            auto res = client.Post((std::string("/v1/verify?at=") + k_at).c_str(), items);
            if (!res || res->status != 200) {
                wrong[i] = res ? res->body : "no answer: " + httplib::to_string(res.error());
                return;
            }
            const auto j = json::parse(res->body);
            const std::string expected = tampered ? "TOTAL_FAILED" : "TOTAL_PASSED";
            if (j["files"][0]["indication"] == expected) {
                ++right;
            } else {
                wrong[i] = j["files"][0].dump();
            }
        });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(right.load(), 32);
    for (const auto& w : wrong) EXPECT_EQ(w, "");
}

TEST_F(Serve, KillingTheServiceMidRequestLeavesNoTemporaryFilesAfterRestart) {
    start();
    // A request whose body is only half sent: the service holds its files in the work folder.
    const int sock = connect_to(server->port());
    ASSERT_GE(sock, 0);
    const std::string part =
        "--b\r\nContent-Disposition: form-data; name=\"signature\"; "
        "filename=\"half.p7s\"\r\n\r\n" +
        std::string(100000, 'z');
    const std::string head =
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n\r\n";
    ASSERT_GT(::send(sock, head.data(), head.size(), 0), 0);
    ASSERT_GT(::send(sock, part.data(), part.size(), 0), 0);
    const bool held = arrives(work, "half.p7s");
    ASSERT_TRUE(held) << "the upload is streamed to the work folder";
    server->kill9();
    ::close(sock);
    std::size_t left = 0;
    for (const auto& e : fs::directory_iterator(work)) left += e.path().filename() != ".lock";
    EXPECT_EQ(left, 1u) << "a killed process cannot clean up";
    // The restart removes it before serving.
    server = std::make_unique<ServeProcess>(dir / "serve.json");
    EXPECT_NE(server->first_line().find("1 leftover(s) removed"), std::string::npos)
        << server->first_line();
    left = 0;
    for (const auto& e : fs::directory_iterator(work)) left += e.path().filename() != ".lock";
    EXPECT_EQ(left, 0u);
    EXPECT_EQ(fs::status(work).permissions() & fs::perms::all, fs::perms::owner_all)
        << "the work folder is private";
    // A second service on the same work folder is refused.
    const auto second = ltsign("serve --listen 127.0.0.1:0 --config " + q(dir / "serve.json"));
    EXPECT_EQ(second.exit_code, 73) << second.err;
}

TEST_F(Serve, BadRequestsGetProblemAnswers) {
    start();
    const fs::path sig = sign(docs / "beslut.txt", dir / "beslut.txt.p7s");
    auto r = post("/v1/verify", {{"document", docs / "beslut.txt"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.as_json()["exitCode"], 64);
    r = post("/v1/verify", {{"signatures", sig}});
    EXPECT_EQ(r.status, 400) << "an unknown field";
    r = post("/v1/verify", {{"signature", sig, "../../etc/beslut.txt.p7s"}});
    EXPECT_EQ(r.status, 400) << "a name that would leave the request's folder";
    for (const char* name : {"/etc/beslut.p7s", "a\\b.p7s", "a/./b.p7s", "tab\there.p7s", ".."}) {
        r = post("/v1/verify", {{"signature", sig, name}});
        EXPECT_EQ(r.status, 400) << name;
    }
    r = post("/v1/verify", {{"signature", sig}, {"signature", sig}});
    EXPECT_EQ(r.status, 400) << "two files of one name";
    r = post("/v1/verify", {{"signature", sig}}, "?report=pdf");
    EXPECT_EQ(r.status, 400);
    r = post("/v1/verify", {{"signature", sig}}, "?at=yesterday");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.as_json()["exitCode"], 64);
    // Not configured here: no TSA, no key.
    r = post("/v1/timestamp", {{"document", docs / "beslut.txt"}});
    EXPECT_EQ(r.status, 501);
    r = post("/v1/sign", {{"document", docs / "beslut.txt"}});
    EXPECT_EQ(r.status, 501);
    // Not multipart.
    httplib::Client client("127.0.0.1", server->port());
    auto res = client.Post("/v1/verify", "{}", "application/json");
    ASSERT_TRUE(res);
    Reply raw{res->status, res->body, res->get_header_value("Content-Type"), res->headers};
    EXPECT_EQ(raw.status, 415);
    conforms(raw, "POST", "/v1/verify");
    // A body that is not the multipart it claims to be.
    res = client.Post("/v1/verify", "garbage without any boundary",
                      "multipart/form-data; boundary=xyz");
    ASSERT_TRUE(res);
    raw = {res->status, res->body, res->get_header_value("Content-Type"), res->headers};
    EXPECT_EQ(raw.status, 400);
    conforms(raw, "POST", "/v1/verify");
    // A file that is no signature is a verdict with the CLI's exit status, not a failed request.
    test::write_text(dir / "junk.p7s", "junk");
    r = post("/v1/verify", {{"signature", dir / "junk.p7s"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Ltsign-Exit-Status"), "65");
}

TEST_F(Serve, TimestampSealSignAndExtendGiveWhatTheCliVerifies) {
    test::TsaProcess tsa(dir / "serial");
    start({{"tsa", {{"url", tsa.url()}}},
           {"signer", {{"key", pki("rsa.p12").string()}, {"passEnv", "LTSIGN_TEST_PASS"}}}});
    const auto health = get("/v1/health").as_json();
    EXPECT_EQ(health["endpoints"]["sign"], true);
    const auto verify_cli = [&](const fs::path& file, const fs::path& data) {
        return ltsign("verify " + q(file) + " --data " + q(data) + " --trust " +
                      q(pki("root.pem")) + " --json");
    };
    // timestamp: an RFC 3161 token over the document.
    auto r = post("/v1/timestamp", {{"document", docs / "beslut.txt"}});
    ASSERT_EQ(r.status, 200) << r.body;
    test::write_text(dir / "beslut.txt.tst", r.body);
    auto v = verify_cli(dir / "beslut.txt.tst", docs / "beslut.txt");
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_EQ(test::run("openssl ts -reply -token_in -in " + q(dir / "beslut.txt.tst") +
                        " -token_out -text")
                  .exit_code,
              0);
    // seal: one evidence record per document and the manifest's.
    r = post("/v1/seal", {{"document", docs / "beslut.txt"}, {"document", docs / "kvitto.txt"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto sealed = r.as_json();
    ASSERT_EQ(sealed["records"].size(), 2u);
    for (const auto& rec : sealed["records"]) {
        const fs::path file = dir / "records" / rec["record"].get<std::string>();
        fs::create_directories(file.parent_path());
        test::write_text(dir / "b64", rec["content"].get<std::string>());
        ASSERT_EQ(test::run("(base64 -d " + q(dir / "b64") + " > " + q(file) + ")").exit_code, 0);
        v = verify_cli(file, docs / rec["document"].get<std::string>());
        EXPECT_EQ(v.exit_code, 0) << v.out;
    }
    // sign: with the service's key, at level T; then a tampered document fails.
    r = post("/v1/sign", {{"document", docs / "kvitto.txt"}}, "?level=T");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/pkcs7-signature");
    test::write_text(dir / "kvitto.txt.p7s", r.body);
    v = verify_cli(dir / "kvitto.txt.p7s", docs / "kvitto.txt");
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_EQ(json::parse(v.out)["files"][0]["signatures"][0]["level"], "B-T");
    // extend: a B signature made by the CLI raised to T.
    const fs::path b = dir / "b" / "beslut.txt.p7s";
    fs::create_directories(b.parent_path());
    ASSERT_EQ(ltsign("sign " + q(docs / "beslut.txt") + " --key " + q(pki("rsa.p12")) +
                     " --pass-env LTSIGN_TEST_PASS -o " + q(b))
                  .exit_code,
              0);
    r = post("/v1/extend", {{"signature", b}, {"document", docs / "beslut.txt"}}, "?level=T");
    ASSERT_EQ(r.status, 200) << r.body;
    test::write_text(dir / "extended.p7s", r.body);
    v = verify_cli(dir / "extended.p7s", docs / "beslut.txt");
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_EQ(json::parse(v.out)["files"][0]["signatures"][0]["level"], "B-T");
    // A malformed signature to extend: 422 with the CLI's exit code.
    test::write_text(dir / "junk.p7s", "junk");
    r = post("/v1/extend", {{"signature", dir / "junk.p7s"}}, "?level=T");
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.as_json()["exitCode"], 65);
}

TEST_F(Serve, AStalledUploadIsCutOffWith408) {
    start({{"limits", {{"requestTimeoutSeconds", 1}}}});
    const int sock = connect_to(server->port());
    ASSERT_GE(sock, 0);
    const std::string start_of_request =
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
        "boundary=b\r\nContent-Length: 1000\r\n\r\n--b\r\nContent-Disposition: form-data; "
        "name=\"signature\"; filename=\"slow.p7s\"\r\n\r\nabc";
    ASSERT_GT(::send(sock, start_of_request.data(), start_of_request.size(), 0), 0);
    const std::string answer = answer_of(sock);
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
    server->stop();
    EXPECT_NE(test::read_text(log).find("\"reason\":\"upload too slow\""), std::string::npos);
}

// A configuration that is wrong stops the service at once with one line and the CLI's codes.
TEST_F(Serve, ConfigurationErrorsStopItAtOnce) {
    struct Case {
        std::string json, expected;
        int code;
        std::string extra = "";
    };
    const std::vector<Case> cases = {
        {R"({"lisen": "127.0.0.1:0"})", "unknown key lisen", 65},
        {R"({"tokens": [{"name": "a", "sha256": "abc", "permissions": ["verify"]}]})",
         "64 hexadecimal digits", 65},
        {R"({"anonymous": ["delete"]})", "unknown permission", 65},
        {R"({"limits": {"maxConcurrent": 0}})", "limits.maxConcurrent", 65},
        {R"({"tokens": [)", "not a valid configuration", 65},
        {R"({"listen": "192.0.2.1:8080"})", "--allow-remote", 64},
        {R"({"listen": "192.0.2.1:8080"})", "needs tokens", 64, " --allow-remote"},
        {R"({"verify": {"trust": ["absent.pem"]}})", "absent.pem", 66},
        {R"({"signer": {"key": "absent.p12", "passEnv": "LTSIGN_TEST_PASS"}})", "absent.p12", 66},
    };
    for (const auto& c : cases) {
        test::write_text(dir / "bad.json", c.json);
        const auto r = ltsign("serve --config " + q(dir / "bad.json") + c.extra);
        EXPECT_EQ(r.exit_code, c.code) << c.json << "\n" << r.err;
        EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.json << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_EQ(ltsign("serve --config " + q(dir / "absent.json")).exit_code, 66);
}

// SIGTERM while a request is being received: the service stops accepting, answers it, removes
// its files and exits 0.
TEST_F(Serve, SigtermAnswersTheRequestInFlightThenStops) {
    start();
    const int sock = connect_to(server->port());
    ASSERT_GE(sock, 0);
    const std::string body =
        "--b\r\nContent-Disposition: form-data; name=\"signature\"; "
        "filename=\"junk.p7s\"\r\n\r\nnot a signature\r\n--b--\r\n";
    const std::string head =
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "multipart/form-data; boundary=b\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n";
    const std::size_t split = body.find("not a") + 3;  // the part's head and a few bytes
    const std::string first = head + body.substr(0, split);
    ASSERT_GT(::send(sock, first.data(), first.size(), 0), 0);
    const bool held = arrives(work, "junk.p7s");
    ASSERT_TRUE(held);
    ::kill(server->pid(), SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_LT(connect_to(server->port()), 0) << "no new connections once stopping";
    const std::string rest = body.substr(split);
    ASSERT_GT(::send(sock, rest.data(), rest.size(), 0), 0);
    const std::string answer = answer_of(sock);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_NE(answer.find("Ltsign-Exit-Status: 65"), std::string::npos) << answer;
    EXPECT_EQ(server->stop(), 0);
    std::size_t left = 0;
    for (const auto& e : fs::directory_iterator(work)) left += e.path().filename() != ".lock";
    EXPECT_EQ(left, 0u);
}

}  // namespace
}  // namespace ltsign
