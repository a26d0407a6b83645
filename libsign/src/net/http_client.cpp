#include "net/http_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::net {
namespace {

struct CurlFree {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
    void operator()(curl_slist* s) const noexcept { curl_slist_free_all(s); }
};

struct Sink {
    core::Bytes* body;
    std::size_t limit;
    bool overflow = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) noexcept {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    if (sink->body->size() + n > sink->limit) {
        sink->overflow = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    sink->body->insert(sink->body->end(), data, data + n);
    return n;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

namespace {

HttpResponse exchange(const std::string& url, const std::string_view* content_type,
                      std::span<const unsigned char> body, const HttpOptions& options);

}  // namespace

HttpResponse post(const std::string& url, std::string_view content_type,
                  std::span<const unsigned char> body, const HttpOptions& options) {
    return exchange(url, &content_type, body, options);
}

HttpResponse get(const std::string& url, const HttpOptions& options) {
    return exchange(url, nullptr, {}, options);
}

namespace {

HttpResponse exchange(const std::string& url, const std::string_view* content_type,
                      std::span<const unsigned char> body, const HttpOptions& options) {
    global_init();
    // One handle per thread, reset before each request: curl_easy_reset clears every option but
    // keeps the handle's open connections, so a batch asking one OCSP responder, CRL server or
    // TSA again and again reuses its connection (keep-alive) instead of opening one per request.
    // curl reuses a connection only for the same host, port, scheme and TLS settings (client
    // certificate included).
    thread_local std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
    if (!curl) throw Error(Errc::internal, tr("cannot start an HTTP client"));
    curl_easy_reset(curl.get());
    const std::string header = content_type ? "Content-Type: " + std::string(*content_type) : "";
    std::unique_ptr<curl_slist, SlistFree> headers(
        content_type ? curl_slist_append(nullptr, header.c_str()) : nullptr);
    HttpResponse response;
    Sink sink{&response.body, options.max_response};
    char error[CURL_ERROR_SIZE] = {};

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (content_type) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ltsign");
    if (!options.user.empty()) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, options.user.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, options.password.c_str());
    }
    if (!options.client_cert.empty()) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, options.client_cert.c_str());
        curl_easy_setopt(
            c, CURLOPT_SSLKEY,
            (options.client_key.empty() ? options.client_cert : options.client_key).c_str());
    }

    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        std::string reason = sink.overflow ? trf("the answer is larger than {0} MiB",
                                                 {std::to_string(options.max_response >> 20)})
                                           : (error[0] != '\0' ? error : curl_easy_strerror(rc));
        throw Error(Errc::service_unavailable, url + ": " + reason);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    const char* ct = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) response.content_type = ct;
    return response;
}

}  // namespace

}  // namespace ltsign::net
