// ltsign serve --listen 127.0.0.1:8080 [--config F]: the HTTP service (REST under /v1, the
// verification page at /). This file is the HTTP side: routes, tokens, uploads streamed to a
// private folder, limits, the access log and shutdown; the work is in serve_ops.cpp.
#include <httplib.h>
#include <openssl/crypto.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "ltsign/language.hpp"
#include "serve.hpp"

namespace ltsign::cli {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace serve;

namespace {

using Clock = std::chrono::steady_clock;

// What the access log says about the request this thread is serving (httplib serves a request
// on one thread from reading it to logging it).
struct RequestFacts {
    std::optional<Clock::time_point> start;
    std::string token;  // its name, never the token
    std::string reason;
    std::size_t files = 0;
    std::uint64_t bytes = 0;
};
thread_local RequestFacts t_facts;
// A refusal decided from the head alone (a token), sent once the body has been read past.
thread_local std::optional<Answer> t_refusal;

// A refused request's body is still read, and dropped, up to this much and for at most the
// request timeout: closing a connection with unread input makes the kernel reset it, and the
// client would then lose the answer. Past that the connection is closed anyway.
constexpr std::uint64_t k_drain_bytes = 64ull << 20;

// Each read from a client waits this long at most (the whole upload: the request timeout).
std::chrono::seconds per_read_timeout(const Limits& limits) {
    return std::min(limits.request_timeout, std::chrono::seconds(30));
}

class AccessLog {
  public:
    explicit AccessLog(const std::string& file) {
        if (file.empty()) return;
        m_file = std::fopen(file.c_str(), "ae");
        if (m_file == nullptr)
            throw Error(Errc::cannot_create_output, trf("{0}: cannot open the access log", {file}));
    }
    ~AccessLog() {
        if (m_file != nullptr) std::fclose(m_file);
    }
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // One JSON line per request: no document content, no token, no query (it may name files).
    void write(const httplib::Request& req, const httplib::Response& res) {
        json j = {{"time", format_rfc3339(now_utc())},
                  {"peer", req.remote_addr},
                  {"method", req.method},
                  {"path", req.path},
                  {"status", res.status}};
        if (t_facts.start) {
            j["ms"] =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *t_facts.start)
                    .count();
        }
        if (!t_facts.token.empty()) j["token"] = t_facts.token;
        if (t_facts.files != 0) j["files"] = t_facts.files;
        if (t_facts.bytes != 0) j["bytes"] = t_facts.bytes;
        if (!t_facts.reason.empty()) j["reason"] = t_facts.reason;
        const std::string line = j.dump() + "\n";
        std::lock_guard lock(m_mutex);
        std::FILE* out = m_file != nullptr ? m_file : stderr;
        std::fwrite(line.data(), 1, line.size(), out);
        std::fflush(out);
        t_facts = {};
    }

  private:
    std::FILE* m_file = nullptr;
    std::mutex m_mutex;
};

void send(httplib::Response& res, const Answer& a) {
    res.status = a.status;
    for (const auto& [name, value] : a.headers) res.set_header(name, value);
    res.set_content(a.body, a.content_type);
}

// Who may call what: "Authorization: Bearer TOKEN", compared by its SHA-256 with every token
// of the configuration in constant time. A wrong token is refused even where no token is
// needed: a client that sends one expects it to count.
std::optional<Answer> authorise(const Config& c, const httplib::Request& req,
                                const std::string& permission) {
    const std::string header = req.get_header_value("Authorization");
    if (header.empty()) {
        if (c.anonymous.contains(permission)) return std::nullopt;
        t_facts.reason = "no token";
        Answer a = problem(401, "this endpoint needs a token: send Authorization: Bearer TOKEN");
        a.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ltsign\"");
        return a;
    }
    const std::string hex = header.starts_with("Bearer ") ? sha256_hex(header.substr(7)) : "";
    const Token* found = nullptr;
    for (const auto& t : c.tokens) {
        std::string mine;
        for (unsigned char b : t.sha256) {
            mine += "0123456789abcdef"[b >> 4];
            mine += "0123456789abcdef"[b & 15];
        }
        if (hex.size() == mine.size() && CRYPTO_memcmp(hex.data(), mine.data(), hex.size()) == 0)
            found = &t;
    }
    if (found == nullptr) {
        t_facts.reason = "wrong token";
        Answer a = problem(401, "the token is not known to this service");
        a.headers.emplace_back("WWW-Authenticate",
                               "Bearer realm=\"ltsign\", error=\"invalid_token\"");
        return a;
    }
    t_facts.token = found->name;
    if (found->permissions.contains(permission)) return std::nullopt;
    t_facts.reason = "token " + found->name + " may not " + permission;
    return problem(403, "this token may not use " + permission);
}

// A client's file name: a relative path of plain parts (a folder's files keep their folders),
// nothing that could leave the request's folder.
std::optional<fs::path> safe_relative(const std::string& name) {
    if (name.empty() || name.size() > 1024 || name.front() == '/') return std::nullopt;
    fs::path out;
    std::size_t depth = 0, start = 0;
    while (start <= name.size()) {
        const std::size_t end = std::min(name.find('/', start), name.size());
        const std::string part = name.substr(start, end - start);
        start = end + 1;
        if (part.empty()) continue;
        if (part == "." || part == ".." || part.size() > 255 || ++depth > 16) return std::nullopt;
        for (unsigned char ch : part) {
            if (ch < 0x20 || ch == 0x7f || ch == '\\') return std::nullopt;
        }
        out /= part;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// Streams a multipart upload into the request's folder, field by field, under the limits.
class Receiver {
  public:
    Receiver(const Limits& limits, const fs::path& dir, const std::set<std::string>& fields)
        : m_limits(limits),
          m_dir(dir),
          m_fields(fields),
          m_deadline(Clock::now() + limits.request_timeout) {}

    bool part(const httplib::MultipartFormData& f) {
        m_out.close();
        if (m_refusal) return drain(0);
        if (!m_fields.contains(f.name))
            return refuse(400, "unknown form field \"" + f.name + "\"", "unknown form field");
        if (f.filename.empty())
            return refuse(400, "the form field \"" + f.name + "\" must carry a file",
                          "form field without a file");
        const auto rel = safe_relative(f.filename);
        if (!rel)
            return refuse(400, "the file name \"" + f.filename + "\" is not acceptable",
                          "file name refused");
        if (++t_facts.files > m_limits.max_files)
            return refuse(413, "more than " + std::to_string(m_limits.max_files) + " files",
                          "too many files");
        const fs::path target = m_dir / f.name / *rel;
        std::error_code ec;
        if (fs::exists(target, ec))
            return refuse(400, "two files are named \"" + f.filename + "\"", "duplicate file name");
        fs::create_directories(target.parent_path(), ec);
        m_out.open(target, std::ios::binary | std::ios::trunc);
        if (!m_out) return refuse(500, "cannot store an uploaded file", "cannot store");
        m_up.files[f.name].push_back(target);
        m_up.names[f.name].push_back(rel->string());
        m_name = f.filename;
        m_file_bytes = 0;
        return true;
    }

    bool data(const char* bytes, std::size_t n) {
        m_last = Clock::now();
        if (m_refusal) return drain(n);
        if (Clock::now() > m_deadline) {
            return refuse(408,
                          "the upload took longer than " +
                              std::to_string(m_limits.request_timeout.count()) + " s",
                          "upload too slow");
        }
        t_facts.bytes += n;
        m_file_bytes += n;
        if (m_file_bytes > m_limits.max_file) {
            return refuse(413,
                          "the file \"" + m_name + "\" is over " +
                              std::to_string(m_limits.max_file) + " bytes",
                          "file over the limit");
        }
        if (t_facts.bytes > m_limits.max_body)
            return refuse(413,
                          "the request is over " + std::to_string(m_limits.max_body) + " bytes",
                          "body over the limit");
        m_out.write(bytes, static_cast<std::streamsize>(n));
        return m_out ? true : refuse(500, "cannot store an uploaded file", "cannot store");
    }

    Uploads finish() {
        m_out.close();
        return std::move(m_up);
    }
    const std::optional<Answer>& refusal() const { return m_refusal; }
    // When the client last sent something (the start, before any part).
    Clock::time_point last_activity() const { return m_last; }

  private:
    // `reason` is what the access log says: a kind, never a file name.
    bool refuse(int status, const std::string& detail, const char* reason) {
        if (!m_refusal) {
            m_refusal = problem(status, detail);
            t_facts.reason = reason;
        }
        m_out.close();
        return drain(0);
    }
    bool drain(std::size_t n) {
        m_drained += n;
        return m_drained <= k_drain_bytes && Clock::now() < m_deadline;
    }

    const Limits& m_limits;
    fs::path m_dir;
    const std::set<std::string>& m_fields;
    Clock::time_point m_deadline;
    Clock::time_point m_last = Clock::now();
    std::ofstream m_out;
    Uploads m_up;
    std::string m_name;
    std::uint64_t m_file_bytes = 0;
    std::uint64_t m_drained = 0;
    std::optional<Answer> m_refusal;
};

// Reports and problems name the files as the client did, never the request's folder.
std::string client_names(std::string text, const fs::path& request_dir) {
    const auto replace_all = [&text](const std::string& from, const std::string& to) {
        for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
            text.replace(at, from.size(), to);
    };
    const std::string dir = request_dir.string();
    for (const char* field : {"/signature/", "/document/", "/trust/", "/records/"})
        replace_all(dir + field, "");
    replace_all(dir + "/document", "the documents sent");
    replace_all(dir, "the request");
    return text;
}

Answer run_operation(Operations& ops, const std::string& endpoint, const Uploads& up,
                     const httplib::Request& req, const fs::path& dir) {
    try {
        if (endpoint == "verify") return ops.verify(up, req.params, dir);
        if (endpoint == "timestamp") return ops.timestamp(up, req.params);
        if (endpoint == "seal") return ops.seal(up, req.params, dir);
        if (endpoint == "sign") return ops.sign(up, req.params);
        return ops.extend(up, req.params);
    } catch (const Error& e) {
        return problem_of(e);
    }
}

// Reads a refused request's body past, dropping it (see k_drain_bytes).
void drain_body(const httplib::Request& req, const httplib::ContentReader& reader,
                const Limits& limits) {
    const auto deadline = Clock::now() + limits.request_timeout;
    std::uint64_t drained = 0;
    const auto keep = [&](std::size_t n) {
        drained += n;
        return drained <= k_drain_bytes && Clock::now() < deadline;
    };
    if (req.is_multipart_form_data()) {
        reader([&](const httplib::MultipartFormData&) { return keep(0); },
               [&](const char*, std::size_t n) { return keep(n); });
    } else {
        reader([&](const char*, std::size_t n) { return keep(n); });
    }
}

void handle_post(Operations& ops, const std::string& endpoint, const httplib::Request& req,
                 httplib::Response& res, const httplib::ContentReader& reader) {
    if (t_refusal) {
        drain_body(req, reader, ops.config.limits);
        send(res, *t_refusal);
        t_refusal.reset();
        return;
    }
    if (!req.is_multipart_form_data()) {
        drain_body(req, reader, ops.config.limits);
        t_facts.reason = "not multipart";
        send(res, problem(415, "send the files as multipart/form-data"));
        return;
    }
    const RequestDir dir(fs::path(ops.config.work_dir));
    Receiver in(ops.config.limits, dir.path(), fields_of(endpoint));
    const bool read = reader([&](const httplib::MultipartFormData& f) { return in.part(f); },
                             [&](const char* data, std::size_t n) { return in.data(data, n); });
    const Uploads up = in.finish();
    if (in.refusal()) {
        send(res, *in.refusal());
    } else if (!read) {
        // The body was over the limit (httplib's status, from Content-Length); or a client
        // silent for a whole read timeout stalled (408); or it was not multipart/form-data.
        const auto silent = Clock::now() - in.last_activity();
        const Limits& l = ops.config.limits;
        if (res.status == 413) {
            t_facts.reason = "body over the limit";
            send(res, problem(413, "the request is over " + std::to_string(l.max_body) + " bytes"));
        } else if (silent + std::chrono::milliseconds(200) >= per_read_timeout(l)) {
            t_facts.reason = "upload too slow";
            send(res, problem(408, "the upload stalled for " +
                                       std::to_string(per_read_timeout(l).count()) + " s"));
        } else {
            t_facts.reason = "unreadable multipart";
            send(res, problem(400, "the upload could not be read as multipart/form-data"));
        }
    } else {
        Answer a = run_operation(ops, endpoint, up, req, dir.path());
        const bool file = std::any_of(a.headers.begin(), a.headers.end(), [](const auto& h) {
            return h.first == "Content-Disposition";
        });
        if (!file) a.body = client_names(std::move(a.body), dir.path());
        send(res, a);
    }
}

// Every answer: no caching of reports, nothing loaded from elsewhere, no framing, no sniffing.
void security_headers(httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                   "connect-src 'self'; form-action 'none'; base-uri 'none'; "
                   "frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-store");
}

void add_routes(httplib::Server& svr, Operations& ops) {
    const Config& c = ops.config;
    svr.set_pre_routing_handler([&c](const httplib::Request& req, httplib::Response& res) {
        t_facts = {};
        t_refusal.reset();
        t_facts.start = Clock::now();
        security_headers(res);
        if (req.method != "POST" || !req.path.starts_with("/v1/"))
            return httplib::Server::HandlerResponse::Unhandled;
        const std::string endpoint = req.path.substr(4);
        if (!k_permissions.contains(endpoint)) return httplib::Server::HandlerResponse::Unhandled;
        // The route's handler reads the body past and answers the refusal.
        t_refusal = authorise(c, req, endpoint);
        return httplib::Server::HandlerResponse::Unhandled;
    });
    for (const auto& endpoint : k_permissions) {
        svr.Post("/v1/" + endpoint,
                 [&ops, endpoint](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) {
                     handle_post(ops, endpoint, req, res, reader);
                 });
    }
    svr.Get("/v1/health", [&c](const httplib::Request&, httplib::Response& res) {
        json j = {{"status", "ok"},
                  {"time", format_rfc3339(now_utc())},
                  {"endpoints",
                   {{"timestamp", c.tsa.has_value()},
                    {"seal", c.tsa.has_value()},
                    {"sign", c.signer.has_value()},
                    {"extend", c.tsa.has_value()},
                    {"verify", true}}}};
        send(res, {200, "application/json", j.dump() + "\n"});
    });
    // Browsers ask for it by themselves; there is none (the page stays self-contained).
    svr.Get("/favicon.ico",
            [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    svr.Get("/v1/version", [](const httplib::Request&, httplib::Response& res) {
        json j = {{"name", "ltsign"}, {"version", std::string(version())}, {"api", "1"}};
        send(res, {200, "application/json", j.dump() + "\n"});
    });
    svr.Get(R"(/(|[a-z0-9\-]+\.(html|js|css)|v1/openapi\.json|v1/verify-report\.schema\.json))",
            [](const httplib::Request& req, httplib::Response& res) {
                const std::string path = req.path == "/" ? "/index.html" : req.path;
                const auto& assets = web_assets();
                const auto it = assets.find(path);
                if (it == assets.end()) {
                    send(res, problem(404, "no such page"));
                    return;
                }
                res.set_content(reinterpret_cast<const char*>(it->second.data), it->second.size,
                                it->second.content_type);
            });
}

void configure(httplib::Server& svr, const Config& c, AccessLog& log) {
    const std::size_t threads = c.limits.max_concurrent;
    // Requests beyond the limit wait in the pool's queue for a free worker.
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    svr.set_payload_max_length(c.limits.max_body);
    const auto per_read = per_read_timeout(c.limits).count();
    svr.set_read_timeout(per_read, 0);
    svr.set_write_timeout(per_read, 0);
    svr.set_keep_alive_max_count(1);  // a worker never waits for an idle connection
    svr.set_logger(
        [&log](const httplib::Request& req, const httplib::Response& res) { log.write(req, res); });
    const httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&,
                                                             httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const Answer a = res.status == 404   ? problem(404, "no such endpoint")
                         : res.status == 405 ? problem(405, "method not allowed")
                                             : problem(res.status, "the request was refused");
        send(res, a);
        return httplib::Server::HandlerResponse::Handled;
    };
    svr.set_error_handler(on_error);
    svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                 std::exception_ptr) {
        send(res,
             problem(500, "internal error; please report this", static_cast<int>(Errc::internal)));
    });
}

// cpp-httplib 0.11 listens with a backlog of 5 (compiled into the library): a burst of clients
// would have its connections dropped and retried a second later, or refused. Linux takes a second
// listen() on the socket as the new backlog; the connections then wait in the pool's queue.
class Server final : public httplib::Server {
  public:
    void widen_backlog() { (void)::listen(svr_sock_, SOMAXCONN); }
};

struct ServeArgs {
    std::string listen, config;
    bool allow_remote = false, hash_token = false;
};

int hash_token() {
    std::string token;
    std::getline(std::cin, token);
    if (token.empty()) throw Error(Errc::usage, tr("give the token on standard input"));
    std::cout << sha256_hex(token) << "\n";
    wipe(token);
    return 0;
}

int run_serve(const ServeArgs& a) {
    if (a.hash_token) return hash_token();
    // Before any thread starts (a PKCS#11 module's, the server's), so that all inherit the mask.
    StopSignals signals;
    Config c = load_config(a.config.empty() ? std::nullopt : std::optional<fs::path>(a.config));
    if (!a.listen.empty()) c.listen = a.listen;
    const ListenAddress where = parse_listen(c.listen, a.allow_remote || c.allow_remote);
    // Without tokens everything is open: only for this machine's own clients.
    if (c.tokens.empty() && !where.loopback)
        throw Error(
            Errc::usage,
            tr("a service on another address than loopback needs tokens in its configuration"));
    // The trust, policy and CRL files are read once now, so that a wrong path stops the service
    // at start rather than failing every request.
    (void)make_validation_context(c.validation);
    Operations ops{c, std::nullopt, {}};
    if (c.signer) ops.signer.emplace(load_signer(*c.signer));
    WorkDir work(c.work_dir);
    c.work_dir = work.path();
    AccessLog log(c.access_log);

    Server svr;
    configure(svr, c, log);
    add_routes(svr, ops);
    const int port = where.port == 0 ? svr.bind_to_any_port(where.host)
                                     : (svr.bind_to_port(where.host, where.port) ? where.port : -1);
    if (port < 0) throw Error(Errc::cannot_create_output, trf("cannot listen on {0}", {c.listen}));
    svr.widen_backlog();
    std::cout << "ltsign serve: listening on http://"
              << (where.host.find(':') != std::string::npos ? "[" + where.host + "]" : where.host)
              << ":" << port << "/ (work folder " << work.path().string() << ", "
              << work.leftovers_removed() << " leftover(s) removed)" << std::endl;
    // listen_after_bind returns after stop(), once the requests being served are answered.
    signals.run([&] { svr.listen_after_bind(); }, [&] { svr.stop(); });
    std::cerr << "ltsign serve: stopped" << std::endl;
    return 0;
}

}  // namespace

Command add_serve(CLI::App& root) {
    auto args = std::make_shared<ServeArgs>();
    CLI::App* app = root.add_subcommand(
        "serve", tr("Run the HTTP service: REST API under /v1 and the verification page at /"));
    app->add_option("--listen", args->listen,
                    tr("HOST:PORT to listen on (default 127.0.0.1:8080 or the configuration's; "
                       "port 0 picks one)"));
    app->add_option("--config", args->config,
                    tr("The deployment's configuration (JSON, schemas/serve-config.schema.json)"));
    app->add_flag("--allow-remote", args->allow_remote,
                  tr("Allow listening on a non-loopback address (tokens required)"));
    app->add_flag("--hash-token", args->hash_token,
                  tr("Print the SHA-256 of the token read from standard input, for the "
                     "configuration's tokens, and exit"));
    return {app, [args] { return run_serve(*args); }};
}

}  // namespace ltsign::cli
