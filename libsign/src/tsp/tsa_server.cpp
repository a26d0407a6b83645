// The TSA: OpenSSL's TS_RESP_CTX makes the responses (ESSCertIDv2, accuracy, rejections with
// failInfo); this file adds persistent serials, the clock, and HTTP.
#include "ltsign/tsa_server.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/language.hpp"
#include "net/guarded_http_server.hpp"

namespace ltsign {
namespace {

constexpr const char* k_query_type = "application/timestamp-query";
constexpr const char* k_reply_type = "application/timestamp-reply";

// Two servers on one serial file would issue the same serials, so a server holds an exclusive
// lock for its whole life. The lock is on a file beside the serial file, not on it: the serial
// file is replaced by rename at every serial, and a lock on the old inode would not exclude a
// server that opens the new one. flock locks end with the process, however it ends.
class SerialFileLock {
  public:
    explicit SerialFileLock(const std::filesystem::path& serial_file) {
        const std::string lock = serial_file.string() + ".lock";
        m_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (m_fd < 0) {
            throw Error(Errc::cannot_create_output,
                        trf("{0}: cannot create the serial file's lock: {1}",
                            {lock, std::strerror(errno)}));
        }
        if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            ::close(m_fd);
            if (err == EWOULDBLOCK) {
                throw Error(Errc::cannot_create_output,
                            trf("{0}: in use by another ltsign tsa (it holds {1}); run one server "
                                "per serial file",
                                {serial_file.string(), lock}));
            }
            throw Error(Errc::cannot_create_output,
                        trf("{0}: cannot lock the serial file: {1}", {lock, std::strerror(err)}));
        }
    }
    ~SerialFileLock() { ::close(m_fd); }
    SerialFileLock(const SerialFileLock&) = delete;
    SerialFileLock& operator=(const SerialFileLock&) = delete;

  private:
    int m_fd = -1;
};

// Serial numbers are unique and increasing across restarts: the next one is written to disk
// (atomically) before any token carries it.
class SerialCounter {
  public:
    explicit SerialCounter(std::filesystem::path file) : m_lock(file), m_file(std::move(file)) {
        std::error_code ec;
        if (!std::filesystem::exists(m_file, ec)) {
            m_last.reset(ossl::check(BN_new(), Errc::internal, "out of memory"));
            BN_zero(m_last.get());  // cannot fail: a new BIGNUM has room for zero
            return;
        }
        const auto bytes = core::read_file(m_file, 1024);
        std::string hex(bytes.begin(), bytes.end());
        while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
            hex.pop_back();
        BIGNUM* bn = nullptr;
        const bool read =
            !hex.empty() && BN_hex2bn(&bn, hex.c_str()) == static_cast<int>(hex.size());
        m_last.reset(bn);
        if (!read) {
            throw Error(
                Errc::malformed_input,
                trf("{0}: not a hexadecimal serial number; fix or remove it", {m_file.string()}));
        }
    }

    ossl::Ptr<ASN1_INTEGER> next() {
        std::lock_guard lock(m_mutex);
        ossl::Ptr<BIGNUM> candidate(
            ossl::check(BN_dup(m_last.get()), Errc::internal, "out of memory"));
        ossl::check(BN_add_word(candidate.get(), 1), Errc::internal, "out of memory");
        const ossl::Ptr<char> hex(
            ossl::check(BN_bn2hex(candidate.get()), Errc::internal, "out of memory"));
        std::string text = std::string(hex.get()) + "\n";
        core::atomic_write(
            m_file, std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()),
            true);
        m_last = std::move(candidate);
        return ossl::Ptr<ASN1_INTEGER>(ossl::check(BN_to_ASN1_INTEGER(m_last.get(), nullptr),
                                                   Errc::internal, "out of memory"));
    }

  private:
    SerialFileLock m_lock;  // first: taken before the file is read
    std::filesystem::path m_file;
    std::mutex m_mutex;
    ossl::Ptr<BIGNUM> m_last;
};

struct CallbackState {
    SerialCounter* serials;
    std::optional<TimePoint> fixed_time;
    std::string serial_issued;  // for the log line
    std::string failure;
};

ASN1_INTEGER* serial_cb(TS_RESP_CTX* ctx, void* data) noexcept {
    auto* st = static_cast<CallbackState*>(data);
    try {
        auto serial = st->serials->next();
        st->serial_issued = ossl::integer_hex(serial.get());
        return serial.release();
    } catch (const std::exception& e) {
        st->failure = e.what();
        // Best effort inside OpenSSL's callback: should even these fail, the null serial still
        // makes TS_RESP_create_response answer with a rejection, never a token.
        static_cast<void>(TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION,
                                                      "Cannot persist the serial number."));
        static_cast<void>(TS_RESP_CTX_add_failure_info(ctx, TS_INFO_SYSTEM_FAILURE));
        return nullptr;
    }
}

int time_cb(TS_RESP_CTX*, void* data, long* sec, long* usec) noexcept {
    auto* st = static_cast<CallbackState*>(data);
    if (st->fixed_time) {
        *sec = static_cast<long>(st->fixed_time->time_since_epoch().count());
        *usec = 0;
        return 1;
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    *sec = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    *usec = static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(now).count() %
                              1000000);
    return 1;
}

}  // namespace

struct TsaServer::Impl {
    Signer identity;
    TsaServerOptions options;
    std::unique_ptr<SerialCounter> serials;
    net::GuardedHttpServer http;
    int port = 0;
    ossl::Ptr<ASN1_OBJECT> policy;

    Impl(Signer id, TsaServerOptions opt)
        : identity(std::move(id)),
          options(std::move(opt)),
          http(limits(options), [this](const std::string& refusal) {
              log(format_rfc3339(now_utc()) + " " + refusal);
          }) {}

    static net::HttpLimits limits(const TsaServerOptions& o) {
        return {.max_body = o.max_request,
                .max_head = o.max_head,
                .max_header_lines = o.max_header_lines,
                .deadline = o.request_deadline,
                .max_connections_per_address = o.max_connections_per_address,
                .threads = o.threads};
    }

    void log(const std::string& line) const {
        if (options.log) {
            options.log(line);
        } else {
            std::cerr << line << std::endl;
        }
    }

    core::Bytes respond(std::span<const unsigned char> request, std::string& outcome) {
        const auto& id = detail::impl(identity);
        CallbackState st{serials.get(), options.fixed_time, "", ""};
        ossl::clear_errors();
        ossl::Ptr<TS_RESP_CTX> ctx(ossl::check(TS_RESP_CTX_new(), Errc::internal, "out of memory"));
        auto setup = [](int rc) { ossl::check(rc, Errc::internal, "cannot set up the TSA"); };
        setup(TS_RESP_CTX_set_signer_cert(ctx.get(), id.cert.get()));
        setup(TS_RESP_CTX_set_signer_key(ctx.get(), id.key.get()));
        ossl::Ptr<STACK_OF(X509)> chain(
            ossl::check(sk_X509_new_null(), Errc::internal, "out of memory"));
        for (const auto& c : id.chain) ossl::push(chain.get(), ossl::up_ref(c.get()));
        setup(TS_RESP_CTX_set_certs(ctx.get(), chain.get()));
        setup(TS_RESP_CTX_set_def_policy(ctx.get(), policy.get()));
        // Accepted imprint algorithms: SHA-2 and SHA-3. SHA-1 and MD5 get badAlg.
        for (const EVP_MD* md : {EVP_sha256(), EVP_sha384(), EVP_sha512(), EVP_sha3_256(),
                                 EVP_sha3_384(), EVP_sha3_512()}) {
            setup(TS_RESP_CTX_add_md(ctx.get(), md));
        }
        setup(TS_RESP_CTX_set_accuracy(ctx.get(), options.accuracy_seconds, 0, 0));
        setup(TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()));
        // ESSCertIDv2 (RFC 5816).
        setup(TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()));
        // These three only store a value: void in OpenSSL.
        TS_RESP_CTX_add_flags(ctx.get(), TS_TSA_NAME);
        TS_RESP_CTX_set_serial_cb(ctx.get(), serial_cb, &st);
        TS_RESP_CTX_set_time_cb(ctx.get(), time_cb, &st);

        const ossl::Ptr<BIO> in = ossl::memory_bio(request);
        ossl::Ptr<TS_RESP> resp(TS_RESP_create_response(ctx.get(), in.get()));
        ossl::clear_errors();
        if (!resp) ossl::fail(Errc::internal, tr("the TSA could not build a response"));
        TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());
        const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
        if (status == TS_STATUS_GRANTED) {
            outcome = "granted serial " + st.serial_issued;
        } else {
            outcome = "rejected";
            if (const STACK_OF(ASN1_UTF8STRING)* t = TS_STATUS_INFO_get0_text(info);
                t && sk_ASN1_UTF8STRING_num(t) > 0) {
                const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(t, 0);
                outcome +=
                    ": " + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                       static_cast<std::size_t>(ASN1_STRING_length(s)));
            }
            if (!st.failure.empty()) outcome += " (" + st.failure + ")";
        }
        return ossl::encode_der(resp.get(), i2d_TS_RESP, "the response");
    }
};

TsaServer::TsaServer(Signer identity, TsaServerOptions options)
    : m_impl(std::make_unique<Impl>(std::move(identity), std::move(options))) {
    Impl& im = *m_impl;
    // RFC 3161 2.3: the TSA's certificate has exactly one, critical, extended key usage:
    // id-kp-timeStamping. X509_PURPOSE_TIMESTAMP_SIGN checks just that.
    X509* cert = detail::impl(im.identity).cert.get();
    if (X509_check_purpose(cert, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
        throw Error(Errc::key_refused,
                    trf("the certificate of {0} lacks the critical extended key usage timeStamping "
                        "that a TSA certificate needs (RFC 3161 2.3)",
                        {im.identity.subject()}));
    }
    im.identity.check_usable_at(im.options.fixed_time.value_or(now_utc()),
                                Signer::Use::time_stamps);
    if (im.options.serial_file.empty())
        throw Error(Errc::usage, tr("a TSA needs a serial number file"), Remedy::serial_file);
    im.serials = std::make_unique<SerialCounter>(im.options.serial_file);
    im.policy.reset(OBJ_txt2obj(im.options.policy.c_str(), 1));
    if (!im.policy)
        throw Error(Errc::usage, trf("the TSA policy {0} is not an OID", {im.options.policy}),
                    Remedy::tsa_policy);

    // The request deadline bounds reading; this is only the socket's own receive timeout.
    im.http.set_read_timeout(5, 0);
    im.http.set_write_timeout(10, 0);
    im.http.Post(".*", [&im](const httplib::Request& req, httplib::Response& res) {
        const auto started = std::chrono::steady_clock::now();
        std::string outcome;
        if (req.get_header_value("Content-Type") != k_query_type) {
            res.status = 415;
            res.set_content(std::string("send a DER TimeStampReq as ") + k_query_type + "\n",
                            "text/plain");
            outcome = "refused: Content-Type " + req.get_header_value("Content-Type");
        } else {
            try {
                const auto reply =
                    im.respond(std::span(reinterpret_cast<const unsigned char*>(req.body.data()),
                                         req.body.size()),
                               outcome);
                res.status = 200;
                res.set_content(std::string(reply.begin(), reply.end()), k_reply_type);
            } catch (const std::exception& e) {
                res.status = 500;
                res.set_content("internal error\n", "text/plain");
                outcome = std::string("internal error: ") + e.what();
            }
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        std::ostringstream line;
        line << format_rfc3339(now_utc()) << " " << req.remote_addr << " POST " << req.path << " "
             << res.status << " " << outcome << " " << ms.count() << "ms";
        im.log(line.str());
    });
    im.http.set_error_handler([&im](const httplib::Request& req, httplib::Response& res) {
        std::ostringstream line;
        line << format_rfc3339(now_utc()) << " " << req.remote_addr << " " << req.method << " "
             << req.path << " " << res.status << " refused";
        im.log(line.str());
    });

    if (im.options.port == 0) {
        im.port = im.http.bind_to_any_port(im.options.host);
    } else {
        im.port = im.http.bind_to_port(im.options.host, im.options.port) ? im.options.port : -1;
    }
    if (im.port <= 0) {
        throw Error(Errc::cannot_create_output,
                    trf("cannot listen on {0}:{1} (in use, or not an address of this machine)",
                        {im.options.host, std::to_string(im.options.port)}));
    }
    im.http.widen_backlog();
}

TsaServer::~TsaServer() {
    m_impl->http.stop();
}

int TsaServer::port() const noexcept {
    return m_impl->port;
}

void TsaServer::run() {
    m_impl->http.listen_after_bind();
}

void TsaServer::stop() {
    m_impl->http.stop();
}

std::vector<std::byte> TsaServer::respond(std::span<const std::byte> request) {
    std::string outcome;
    return core::to_public_bytes(m_impl->respond(core::as_uchars(request), outcome));
}

}  // namespace ltsign
