// HTTP POST for the TSA client (and, later, OCSP and CRL fetching): libcurl with timeouts,
// proxies from the usual environment variables (curl's default), optional basic auth and client
// certificate.
#pragma once

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/file_io.hpp"

namespace ltsign::net {

struct HttpOptions {
    std::chrono::milliseconds timeout{30000};  // the whole exchange
    std::chrono::milliseconds connect_timeout{10000};
    std::string user;                   // basic auth when not empty
    std::string password;               // cleansed by the owner
    std::filesystem::path client_cert;  // PEM, for TSAs that authenticate clients
    std::filesystem::path client_key;
    std::size_t max_response = 16u << 20;
};

struct HttpResponse {
    long status = 0;
    std::string content_type;
    core::Bytes body;
};

// Throws Error(service_unavailable, "<url>: <reason>") when the exchange fails (no answer,
// timeout, TLS failure, oversized answer). HTTP error statuses are returned, not thrown.
HttpResponse post(const std::string& url, std::string_view content_type,
                  std::span<const unsigned char> body, const HttpOptions& options);

// GET (CRLs, AIA certificates), with the same failure rules.
HttpResponse get(const std::string& url, const HttpOptions& options);

}  // namespace ltsign::net
