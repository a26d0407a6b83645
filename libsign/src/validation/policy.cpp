// The algorithm-lifetime policy (ETSI TS 119 312) as data.
#include <nlohmann/json.hpp>

#include <fstream>

#include "ltsign/language.hpp"
#include "ltsign/verify.hpp"

namespace ltsign {
namespace {

TimePoint date(const char* text) {
    return *parse_rfc3339(text);
}

// "No end in sight": keys of this size and larger are beyond the table's horizon.
const TimePoint k_never = date("9999-12-31");

}  // namespace

ValidationPolicy ValidationPolicy::defaults() {
    ValidationPolicy p;
    // End of acceptance for signatures, after ETSI TS 119 312 and its predecessors (ETSI TS 102
    // 176-1, SOG-IS): MD5 and SHA-1 are long gone for signatures; RSA below 2048 bits likewise;
    // RSA 2048 is expected to last until about 2030 and larger keys beyond the table's horizon.
    // Digests not in the table are not accepted at all: a verifier must not trust a hash it knows
    // nothing about (sha3-224 or RIPEMD-160 would otherwise pass forever).
    p.algorithm_end = {
        {"md2", date("2000-01-01")},
        {"md4", date("2000-01-01")},
        {"md5", date("2004-01-01")},
        {"sha1", date("2009-01-01")},
        {"ripemd160", date("2011-01-01")},
        {"sha224", date("2026-01-01")},
        {"sha3-224", date("2026-01-01")},
        {"sha512-224", date("2026-01-01")},
        {"sha256", k_never},
        {"sha384", k_never},
        {"sha512", k_never},
        {"sha512-256", k_never},
        {"sha3-256", k_never},
        {"sha3-384", k_never},
        {"sha3-512", k_never},
        {"rsa-0", date("2000-01-01")},
        {"rsa-1024", date("2010-01-01")},
        {"rsa-1536", date("2016-01-01")},
        {"rsa-2048", date("2031-01-01")},
        {"rsa-3072", k_never},
        {"ec-0", date("2000-01-01")},
        {"ec-160", date("2010-01-01")},
        {"ec-224", date("2026-01-01")},
        {"ec-256", k_never},
        {"dsa-0", date("2000-01-01")},
        {"dsa-1024", date("2010-01-01")},
        {"dsa-2048", date("2031-01-01")},
        {"dsa-3072", k_never},
    };
    return p;
}

ValidationPolicy ValidationPolicy::from_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        throw Error(Errc::input_missing, trf("{0}: cannot open the policy file", {file.string()}));
    ValidationPolicy p = defaults();
    p.name = file.filename().string();
    try {
        const auto j = nlohmann::json::parse(in);
        if (!j.is_object())
            throw Error(Errc::malformed_input,
                        trf("{0}: the policy must be a JSON object", {file.string()}));
        for (const auto& [key, value] : j.items()) {
            if (key == "algorithms") {
                for (const auto& [name, end] : value.items()) {
                    if (end.is_null()) {
                        p.algorithm_end[name] = k_never;  // accepted without an end
                        continue;
                    }
                    const auto t = parse_rfc3339(end.get<std::string>());
                    if (!t)
                        throw Error(Errc::malformed_input,
                                    trf("{0}: {1}: not a date", {file.string(), name}));
                    p.algorithm_end[name] = *t;
                }
            } else if (key == "requireRevocation") {
                p.require_revocation = value.get<bool>();
            } else if (key == "requireOcspNonce") {
                p.require_ocsp_nonce = value.get<bool>();
            } else if (key == "ocspMaxAgeSeconds") {
                const auto seconds = value.get<long long>();
                if (seconds < 0)
                    throw Error(
                        Errc::malformed_input,
                        trf("{0}: ocspMaxAgeSeconds must not be negative", {file.string()}));
                p.ocsp_max_age = std::chrono::seconds(seconds);
            } else {
                throw Error(Errc::malformed_input,
                            trf("{0}: unknown policy entry {1}", {file.string(), key}));
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(Errc::malformed_input,
                    trf("{0}: not a valid policy: {1}", {file.string(), e.what()}));
    }
    return p;
}

std::string ValidationPolicy::to_canonical_json() const {
    nlohmann::json algorithms = nlohmann::json::object();  // keys sorted by nlohmann's map
    for (const auto& [alg, end] : algorithm_end)
        algorithms[alg] =
            end >= k_never ? nlohmann::json(nullptr) : nlohmann::json(format_rfc3339(end));
    const nlohmann::json j = {{"algorithms", algorithms},
                              {"ocspMaxAgeSeconds", ocsp_max_age.count()},
                              {"requireOcspNonce", require_ocsp_nonce},
                              {"requireRevocation", require_revocation}};
    return j.dump();
}

std::optional<TimePoint> ValidationPolicy::end_of_digest(const std::string& digest) const {
    const auto it = algorithm_end.find(digest);
    if (it == algorithm_end.end() || it->second >= k_never) return std::nullopt;
    return it->second;
}

bool ValidationPolicy::knows_digest(const std::string& digest) const {
    return algorithm_end.count(digest) != 0;
}

std::optional<TimePoint> ValidationPolicy::end_of_key(const std::string& kind, int bits) const {
    // The entry with the largest size not above `bits` decides.
    std::optional<TimePoint> end;
    int best = -1;
    for (const auto& [name, when] : algorithm_end) {
        if (name.rfind(kind + "-", 0) != 0) continue;
        const int n = std::atoi(name.c_str() + kind.size() + 1);
        if (n <= bits && n > best) {
            best = n;
            end = when;
        }
    }
    if (end && *end >= k_never) return std::nullopt;
    return end;
}

}  // namespace ltsign
