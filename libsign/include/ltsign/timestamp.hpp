// RFC 3161 time-stamps: asking a time-stamping authority (TSA) for a token.
#pragma once

#include "ltsign/export.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ltsign/digest.hpp"

namespace ltsign {

// How to reach a TSA. Nothing happens until a token is requested.
struct LTSIGN_API TsaClient {
    std::string url;                    // http:// or https://
    std::optional<std::string> policy;  // TSA policy OID to ask for (reqPolicy)
    DigestAlgorithm digest = DigestAlgorithm::sha256;
    std::chrono::milliseconds timeout{30000};
    std::string user;  // basic auth, when the TSA requires it
    std::string password;
    std::filesystem::path client_cert;  // PEM client certificate and key, when required
    std::filesystem::path client_key;
};

// Asks for a token over `data` hashed with the client's digest. The reply is checked (status,
// nonce, message imprint, requested policy, the token's own signature) before it is returned.
// Throws Error(service_unavailable) when the TSA cannot be reached, answers an HTTP error, or
// rejects the request (its status text and failure info are in the message).
LTSIGN_API std::vector<std::byte> request_timestamp(const TsaClient& tsa,
                                                    std::span<const std::byte> data);

// The same over a file, which is streamed (never read whole).
LTSIGN_API std::vector<std::byte> timestamp_file(const std::filesystem::path& file,
                                                 const TsaClient& tsa);

}  // namespace ltsign
