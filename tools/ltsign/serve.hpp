// ltsign serve: the HTTP service's parts (cmd_serve.cpp runs them). The service is a front end
// like the CLI: every answer comes from the library's operations (verify_batch, seal, sign_file,
// extend_signature, timestamp_file), with the CLI's own option handling (common.hpp), so a
// service answer is never more lenient than `ltsign verify` on the same input.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common.hpp"

namespace ltsign::cli::serve {

// The endpoints a token may be allowed (schemas/serve-config.schema.json, "permissions").
inline const std::set<std::string> k_permissions = {"verify", "timestamp", "seal", "sign",
                                                    "extend"};

struct Token {
    std::string name;                      // what the access log says instead of the token
    std::array<unsigned char, 32> sha256;  // SHA-256 of the token as sent after "Bearer "
    std::set<std::string> permissions;
};

struct Limits {
    std::uint64_t max_body = 256ull << 20;      // one request's body
    std::uint64_t max_file = 128ull << 20;      // one uploaded file
    std::size_t max_files = 1000;               // files in one request
    std::size_t max_concurrent = 4;             // requests served at once; more wait their turn
    std::chrono::seconds request_timeout{120};  // receiving one request's body
};

// A deployment (docs/cli.md, "ltsign serve"): paths in the file are relative to its folder.
struct Config {
    std::string listen = "127.0.0.1:8080";
    bool allow_remote = false;
    std::filesystem::path work_dir;  // uploads, one private folder per request
    std::string access_log;          // a file (appended), or empty: standard error
    Limits limits;
    std::vector<Token> tokens;
    std::set<std::string> anonymous;  // permissions granted without a token
    ValidationArgs validation;        // as verify's options
    bool uploaded_trust = true;       // a verify request may bring its own trust anchors
    std::optional<TsaArgs> tsa;       // timestamp, seal, sign at T and above, extend
    std::optional<KeyArgs> signer;    // sign
};

// Reads and checks a configuration file (Error(malformed_input) naming the key that is wrong,
// Error(input_missing) when the file is not there). Without a file: the defaults, every
// endpoint open (the listening address must then be loopback).
Config load_config(const std::optional<std::filesystem::path>& file);

// The private folder where uploads go: made 0700 when missing, refused when it is a link or
// not the service user's own, locked for this process (a second service on the same folder is
// refused), and emptied: what a killed process left is removed at start.
class WorkDir {
  public:
    explicit WorkDir(const std::filesystem::path& dir);
    ~WorkDir();
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const std::filesystem::path& path() const { return m_dir; }
    std::size_t leftovers_removed() const { return m_removed; }

  private:
    std::filesystem::path m_dir;
    int m_lock = -1;
    std::size_t m_removed = 0;
};

// One request's folder below the work folder, removed with everything in it when the request
// ends (whatever way it ends).
class RequestDir {
  public:
    explicit RequestDir(const std::filesystem::path& work_dir);
    ~RequestDir();
    RequestDir(const RequestDir&) = delete;
    RequestDir& operator=(const RequestDir&) = delete;
    const std::filesystem::path& path() const { return m_dir; }

  private:
    std::filesystem::path m_dir;
};

// What an endpoint answers: a status, a media type, a body, and headers.
struct Answer {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers{};
};

// An RFC 9457 problem document (application/problem+json), with the CLI's exit code where one
// applies.
Answer problem(int status, const std::string& detail, int exit_code = 0);
// The answer to an Error an operation threw: its exit code kept, the HTTP status from it.
Answer problem_of(const Error& e);

// The files of one request, by form field, as saved below the request folder: field/relative
// name. `names` are the names the client gave (relative paths, checked), in the same order.
struct Uploads {
    std::map<std::string, std::vector<std::filesystem::path>> files;
    std::map<std::string, std::vector<std::string>> names;
    std::vector<std::filesystem::path> of(const std::string& field) const;
};

// The operations, each over one request's uploads and query parameters (serve_ops.cpp).
struct Operations {
    const Config& config;
    std::optional<Signer> signer;  // loaded once at start, when configured
    std::mutex sign_mutex;         // one signature at a time with the service's key

    Answer verify(const Uploads& up, const std::multimap<std::string, std::string>& query,
                  const std::filesystem::path& request_dir);
    Answer timestamp(const Uploads& up, const std::multimap<std::string, std::string>& query);
    Answer seal(const Uploads& up, const std::multimap<std::string, std::string>& query,
                const std::filesystem::path& request_dir);
    Answer sign(const Uploads& up, const std::multimap<std::string, std::string>& query);
    Answer extend(const Uploads& up, const std::multimap<std::string, std::string>& query);
};

// The form fields each endpoint takes.
const std::set<std::string>& fields_of(const std::string& endpoint);

// The page at / (tools/ltsign/web, compiled in by web_assets.cmake): path -> type and bytes.
struct Asset {
    const char* content_type;
    const unsigned char* data;
    std::size_t size;
};
const std::map<std::string, Asset>& web_assets();

std::string base64(const std::vector<std::byte>& bytes);
std::string sha256_hex(const std::string& text);

}  // namespace ltsign::cli::serve
