// Keys in PKCS#11 tokens (smart cards, HSMs): what a token holds, for `ltsign keys list`. Signing
// with such a key: Signer::from_pkcs11.
#pragma once

#include "ltsign/export.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ltsign {

// An object on a token, with the RFC 7512 URI that names it.
struct LTSIGN_API TokenObject {
    enum class Kind { private_key, public_key, certificate };
    Kind kind = Kind::private_key;
    std::string label;
    std::string id_hex;       // CKA_ID, lower-case hex
    std::string description;  // "RSA 3072", "EC prime256v1", or a certificate's subject
    std::string uri;          // pkcs11:token=...;object=...;id=...;type=...
};

struct LTSIGN_API TokenInfo {
    unsigned long slot_id = 0;
    std::string label, manufacturer, model, serial;
    bool login_required = false;
    bool logged_in = false;  // private keys are listed only after a login
    std::vector<TokenObject> objects;
};

// The PKCS#11 module used when none is named: p11-kit's proxy module, which loads the modules
// the system has registered. Empty when this system has none.
LTSIGN_API std::filesystem::path default_pkcs11_module();

// Every initialised token the module `module` (empty: default_pkcs11_module()) sees, with its
// certificates and public keys, and its private keys when `pin` is given (logged in with it).
// Error(input_missing) when the module cannot be loaded, Error(key_refused) for a wrong PIN.
LTSIGN_API std::vector<TokenInfo> list_pkcs11_tokens(const std::filesystem::path& module,
                                                     std::string_view pin);

}  // namespace ltsign
