// PKCS#11 on libp11: RFC 7512 URIs, loading a module, finding a token's key and certificate.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <filesystem>
#include <memory>

#include "core/file_io.hpp"

namespace ltsign::detail {
struct SignerImpl;
}

namespace ltsign::crypto {

// RFC 7512 2.3: pk11-URI = "pkcs11:" pk11-path [ "?" pk11-query ]. Path attributes (token,
// manufacturer, serial, model, slot-id, object, id, type, ...) and query attributes (module-path,
// pin-source, pin-value, ...) percent-decoded, each at most once.
struct Pkcs11Uri {
    std::map<std::string, std::string> path;
    std::map<std::string, std::string> query;

    // The attribute's decoded value, or nullopt when absent.
    std::optional<std::string> get(const std::string& name) const;
};

// True when `key` names a PKCS#11 object rather than a file.
bool is_pkcs11_uri(std::string_view key);

// Error(usage) naming what is wrong: not "pkcs11:", an unknown or repeated attribute, a bad
// percent-encoding, a PIN in the URI (pin-value: PINs are never written on command lines).
Pkcs11Uri parse_pkcs11_uri(std::string_view text);

// The RFC 7512 form of a value: unreserved characters as they are, the rest percent-encoded.
std::string pkcs11_escape(std::string_view value);

// The private key `uri` names, logged in with `pin`, in the module `module` (empty: the URI's
// module-path, else default_pkcs11_module()); its certificate from `cert` (a file, which may hold
// the chain after it) or, when empty, from the token. The key is not checked against the
// certificate here (Signer::from_pkcs11 does). Error(key_refused) for a refused PIN,
// Error(input_missing) when no module, token, key or certificate is found, Error(usage) when
// the URI is malformed or names several.
std::unique_ptr<detail::SignerImpl> open_pkcs11_key(std::string_view uri,
                                                    const std::filesystem::path& module,
                                                    std::string_view pin,
                                                    const std::filesystem::path& cert);

}  // namespace ltsign::crypto
