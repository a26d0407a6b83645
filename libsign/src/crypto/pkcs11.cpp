// PKCS#11 keys through libp11 (docs/architecture.md, Keys in tokens): libp11 loads the module,
// keeps the session pool and hands out an EVP_PKEY whose private operations run in the token, so
// every format signs with a token key exactly as with a key from a file.
#include "crypto/pkcs11.hpp"

#include <libp11.h>

#include <algorithm>
#include <array>
#include <set>

#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/language.hpp"
#include "ltsign/pkcs11.hpp"

LTSIGN_C_FREE(PKCS11_CTX, PKCS11_CTX_free);

#ifndef LTSIGN_P11KIT_PROXY
#define LTSIGN_P11KIT_PROXY ""
#endif

namespace ltsign::crypto {
namespace fs = std::filesystem;
namespace {

// RFC 7512 2.3: the attributes a URI may carry. library-version and the vendor attributes are
// left out: nothing here could honour them, and ignoring a constraint would pick the wrong key.
const std::set<std::string> k_path_attributes = {"token",
                                                 "manufacturer",
                                                 "serial",
                                                 "model",
                                                 "slot-id",
                                                 "slot-description",
                                                 "slot-manufacturer",
                                                 "library-manufacturer",
                                                 "library-description",
                                                 "object",
                                                 "id",
                                                 "type"};
const std::set<std::string> k_query_attributes = {"module-path", "module-name", "pin-source",
                                                  "pin-value"};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s, std::string_view uri) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        const int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            // xgettext:no-c-format (a sentence about the character %, not a printf format)
            throw Error(Errc::usage, trf("{0}: a '%' not followed by two hex digits; write "
                                         "reserved characters as %XX (RFC 7512)",
                                         {std::string(uri)}));
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

void parse_attributes(std::string_view part, char separator, const std::set<std::string>& known,
                      std::map<std::string, std::string>& into, std::string_view uri) {
    std::size_t start = 0;
    while (start <= part.size() && !part.empty()) {
        const std::size_t end = std::min(part.find(separator, start), part.size());
        const std::string_view attr = part.substr(start, end - start);
        start = end + 1;
        if (attr.empty()) {
            if (end == part.size()) break;
            continue;
        }
        const std::size_t eq = attr.find('=');
        const std::string name(attr.substr(0, eq));
        if (eq == std::string_view::npos || !known.contains(name)) {
            throw Error(Errc::usage, trf("{0}: '{1}' is not an RFC 7512 attribute ltsign knows",
                                         {std::string(uri), std::string(attr)}));
        }
        if (!into.emplace(name, percent_decode(attr.substr(eq + 1), uri)).second)
            throw Error(Errc::usage, trf("{0}: {1} is given twice", {std::string(uri), name}));
        if (end == part.size()) break;
    }
}

}  // namespace

std::optional<std::string> Pkcs11Uri::get(const std::string& name) const {
    if (auto it = path.find(name); it != path.end()) return it->second;
    if (auto it = query.find(name); it != query.end()) return it->second;
    return std::nullopt;
}

bool is_pkcs11_uri(std::string_view key) {
    return key.size() >= 7 &&
           std::equal(key.begin(), key.begin() + 7,
                      "pkcs11:", [](char a, char b) { return std::tolower(a) == b; });
}

Pkcs11Uri parse_pkcs11_uri(std::string_view text) {
    if (!is_pkcs11_uri(text))
        throw Error(Errc::usage, trf("{0}: not a PKCS#11 URI (pkcs11:...)", {std::string(text)}));
    const std::string_view rest = text.substr(7);
    const std::size_t q = rest.find('?');
    Pkcs11Uri uri;
    parse_attributes(rest.substr(0, q), ';', k_path_attributes, uri.path, text);
    if (q != std::string_view::npos)
        parse_attributes(rest.substr(q + 1), '&', k_query_attributes, uri.query, text);
    if (uri.query.contains("pin-value") || uri.query.contains("pin-source")) {
        throw Error(Errc::usage,
                    tr("the PKCS#11 URI carries a PIN; PINs are never written in a key's name, "
                       "give it the way passwords are given instead"),
                    Remedy::password);
    }
    if (auto t = uri.get("type"); t && *t != "private" && *t != "cert" && *t != "public") {
        throw Error(Errc::usage, trf("{0}: type={1} is not one of private, public or cert",
                                     {std::string(text), *t}));
    }
    return uri;
}

std::string pkcs11_escape(std::string_view value) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

namespace {

// A loaded module and its slots; signers made from it share it, so the session (and the login)
// lives as long as the last of them.
class Module {
  public:
    explicit Module(const fs::path& path) {
        ossl::clear_errors();
        m_ctx.reset(PKCS11_CTX_new());
        if (!m_ctx) ossl::fail(Errc::internal, tr("cannot create a PKCS#11 context"));
        std::error_code ec;
        if (!fs::exists(path, ec) || PKCS11_CTX_load(m_ctx.get(), path.c_str()) != 0) {
            ossl::fail(
                Errc::input_missing,
                trf("{0}: cannot load this PKCS#11 module; check the path", {path.string()}));
        }
        m_loaded = true;
        if (PKCS11_enumerate_slots(m_ctx.get(), &m_slots, &m_count) != 0)
            ossl::fail(Errc::io, trf("{0}: the PKCS#11 module lists no slots", {path.string()}));
    }
    ~Module() {
        if (m_slots != nullptr) PKCS11_release_all_slots(m_ctx.get(), m_slots, m_count);
        if (m_loaded) PKCS11_CTX_unload(m_ctx.get());  // only a loaded module can be unloaded
    }
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    std::span<PKCS11_SLOT> slots() const { return {m_slots, m_count}; }
    PKCS11_CTX* ctx() const { return m_ctx.get(); }

  private:
    core::Ptr<PKCS11_CTX> m_ctx;
    PKCS11_SLOT* m_slots = nullptr;
    unsigned int m_count = 0;
    bool m_loaded = false;
};

std::string text_of(const char* s) {
    return s == nullptr ? std::string() : std::string(s);
}

fs::path module_for(const fs::path& module, const Pkcs11Uri* uri) {
    if (!module.empty()) return module;
    if (uri != nullptr) {
        if (auto p = uri->get("module-path")) return *p;
    }
    const fs::path fallback = default_pkcs11_module();
    if (fallback.empty()) {
        throw Error(Errc::usage,
                    tr("no PKCS#11 module named and p11-kit's proxy module is not installed; name "
                       "the token's module (for example its .so file)"));
    }
    return fallback;
}

bool token_matches(const Module& m, PKCS11_SLOT& slot, const Pkcs11Uri& uri) {
    const PKCS11_TOKEN* t = slot.token;
    if (t == nullptr || !t->initialized) return false;
    const auto same = [&](const char* attr, const char* value) {
        const auto want = uri.get(attr);
        return !want || *want == text_of(value);
    };
    if (auto id = uri.get("slot-id");
        id && *id != std::to_string(PKCS11_get_slotid_from_slot(&slot)))
        return false;
    return same("token", t->label) && same("manufacturer", t->manufacturer) &&
           same("serial", t->serialnr) && same("model", t->model) &&
           same("slot-description", slot.description) &&
           same("slot-manufacturer", slot.manufacturer) &&
           same("library-manufacturer", m.ctx()->manufacturer) &&
           same("library-description", m.ctx()->description);
}

PKCS11_SLOT& find_slot(const Module& m, const Pkcs11Uri& uri, std::string_view text) {
    PKCS11_SLOT* found = nullptr;
    for (PKCS11_SLOT& slot : m.slots()) {
        if (!token_matches(m, slot, uri)) continue;
        if (found != nullptr) {
            throw Error(Errc::usage,
                        trf("{0}: several tokens match; add token= or serial= to name one",
                            {std::string(text)}));
        }
        found = &slot;
    }
    if (found == nullptr)
        throw Error(Errc::input_missing,
                    trf("{0}: no token matches this URI", {std::string(text)}));
    return *found;
}

void login(PKCS11_SLOT& slot, std::string_view pin) {
    const PKCS11_TOKEN* t = slot.token;
    if (!t->loginRequired) return;
    int logged_in = 0;
    if (PKCS11_is_logged_in(&slot, 0, &logged_in) == 0 && logged_in) return;
    const std::string label = text_of(t->label);
    if (t->userPinLocked) {
        throw Error(
            Errc::key_refused,
            trf("the PIN of token {0} is locked; unlock it with the token's tools", {label}));
    }
    if (pin.empty()) {
        throw Error(Errc::key_refused, trf("token {0} needs its PIN to sign", {label}),
                    Remedy::password);
    }
    const std::string copy(pin);
    const int rc = PKCS11_login(&slot, 0, copy.c_str());
    OPENSSL_cleanse(const_cast<char*>(copy.data()), copy.size());
    if (rc != 0) {
        ossl::fail(Errc::key_refused,
                   trf("token {0} refused the PIN (a token locks itself after a few wrong PINs; "
                       "check it before trying again)",
                       {label}),
                   Remedy::password);
    }
}

bool key_matches(const PKCS11_KEY& key, const Pkcs11Uri& uri) {
    if (auto label = uri.get("object"); label && *label != text_of(key.label)) return false;
    if (auto id = uri.get("id");
        id && std::string(reinterpret_cast<const char*>(key.id), key.id_len) != *id)
        return false;
    return true;
}

PKCS11_KEY& find_key(PKCS11_SLOT& slot, const Pkcs11Uri& uri, std::string_view text) {
    if (auto t = uri.get("type"); t && *t != "private") {
        throw Error(Errc::usage,
                    trf("{0}: type={1} names no private key; signing needs type=private",
                        {std::string(text), *t}));
    }
    PKCS11_KEY* keys = nullptr;
    unsigned int count = 0;
    if (PKCS11_enumerate_keys(slot.token, &keys, &count) != 0)
        ossl::fail(Errc::io, trf("{0}: cannot list the token's keys", {std::string(text)}));
    PKCS11_KEY* found = nullptr;
    for (unsigned int i = 0; i < count; ++i) {
        if (!key_matches(keys[i], uri)) continue;
        if (found != nullptr) {
            throw Error(Errc::usage,
                        trf("{0}: several private keys match; add object= or id= to name one",
                            {std::string(text)}));
        }
        found = &keys[i];
    }
    if (found == nullptr) {
        throw Error(Errc::input_missing,
                    trf("{0}: the token holds no private key that matches", {std::string(text)}));
    }
    return *found;
}

// The key's certificate on the token: the one with the key's CKA_ID, else the one with its label.
ossl::Ptr<X509> token_certificate(PKCS11_KEY& key, PKCS11_SLOT& slot, std::string_view text) {
    PKCS11_CERT* cert = PKCS11_find_certificate(&key);
    if (cert == nullptr) {
        PKCS11_CERT* certs = nullptr;
        unsigned int count = 0;
        if (PKCS11_enumerate_certs(slot.token, &certs, &count) == 0) {
            for (unsigned int i = 0; i < count && cert == nullptr; ++i) {
                if (text_of(certs[i].label) == text_of(key.label)) cert = &certs[i];
            }
        }
    }
    ossl::clear_errors();
    if (cert == nullptr || cert->x509 == nullptr) {
        throw Error(
            Errc::input_missing,
            trf("{0}: the token holds no certificate for this key; give the certificate as a file",
                {std::string(text)}),
            Remedy::certificate);
    }
    return ossl::up_ref(cert->x509);
}

std::string id_hex(const unsigned char* id, std::size_t len) {
    return ossl::to_hex(id, len);
}

std::string object_uri(const PKCS11_TOKEN& token, const char* label, const unsigned char* id,
                       std::size_t id_len, const char* type) {
    std::string uri = "pkcs11:token=" + pkcs11_escape(text_of(token.label));
    if (label != nullptr && *label != '\0') uri += ";object=" + pkcs11_escape(label);
    if (id_len > 0) {
        uri += ";id=";
        for (std::size_t i = 0; i < id_len; ++i) uri += "%" + ossl::to_hex(id + i, 1);
    }
    return uri + ";type=" + type;
}

std::string key_description(PKCS11_KEY& key) {
    const int type = PKCS11_get_key_type(&key);
    const std::string name = type == EVP_PKEY_RSA ? "RSA" : type == EVP_PKEY_EC ? "EC" : "key";
    ossl::Ptr<EVP_PKEY> pub(PKCS11_get_public_key(&key));
    ossl::clear_errors();
    if (!pub) return name;
    return name + " " + std::to_string(EVP_PKEY_get_bits(pub.get()));
}

void add_keys(const PKCS11_TOKEN& token, PKCS11_KEY* keys, unsigned int count, bool is_private,
              TokenInfo& info) {
    for (unsigned int i = 0; i < count; ++i) {
        PKCS11_KEY& k = keys[i];
        info.objects.push_back(
            {is_private ? TokenObject::Kind::private_key : TokenObject::Kind::public_key,
             text_of(k.label), id_hex(k.id, k.id_len), key_description(k),
             object_uri(token, k.label, k.id, k.id_len, is_private ? "private" : "public")});
    }
}

void list_objects(PKCS11_SLOT& slot, TokenInfo& info) {
    PKCS11_TOKEN& token = *slot.token;
    PKCS11_KEY* keys = nullptr;
    unsigned int count = 0;
    if ((info.logged_in || !info.login_required) &&
        PKCS11_enumerate_keys(&token, &keys, &count) == 0)
        add_keys(token, keys, count, true, info);
    if (PKCS11_enumerate_public_keys(&token, &keys, &count) == 0)
        add_keys(token, keys, count, false, info);
    PKCS11_CERT* certs = nullptr;
    if (PKCS11_enumerate_certs(&token, &certs, &count) == 0) {
        for (unsigned int i = 0; i < count; ++i) {
            PKCS11_CERT& c = certs[i];
            const std::string subject =
                c.x509 ? ossl::name_to_string(X509_get_subject_name(c.x509)) : "";
            info.objects.push_back({TokenObject::Kind::certificate, text_of(c.label),
                                    id_hex(c.id, c.id_len), subject,
                                    object_uri(token, c.label, c.id, c.id_len, "cert")});
        }
    }
    ossl::clear_errors();
}

}  // namespace

// The key stays in the token: libp11's EVP_PKEY sends every private-key operation there. `module`
// is shared by the key, so the session and its login last as long as the Signer.
std::unique_ptr<detail::SignerImpl> open_pkcs11_key(std::string_view text, const fs::path& module,
                                                    std::string_view pin, const fs::path& cert) {
    const Pkcs11Uri uri = parse_pkcs11_uri(text);
    auto loaded = std::make_shared<Module>(module_for(module, &uri));
    PKCS11_SLOT& slot = find_slot(*loaded, uri, text);
    login(slot, pin);
    PKCS11_KEY& key = find_key(slot, uri, text);
    auto impl = std::make_unique<detail::SignerImpl>();
    impl->keep_alive = loaded;
    impl->key.reset(PKCS11_get_private_key(&key));
    if (!impl->key)
        ossl::fail(Errc::key_refused, trf("{0}: cannot use this key", {std::string(text)}));
    impl->token_uri = std::string(text);
    if (cert.empty()) {
        impl->cert = token_certificate(key, slot, text);
    } else {
        auto certs = ossl::load_certificates(cert);
        impl->cert = std::move(certs.front());
        for (std::size_t i = 1; i < certs.size(); ++i) impl->chain.push_back(std::move(certs[i]));
    }
    return impl;
}

}  // namespace ltsign::crypto

namespace ltsign {
namespace fs = std::filesystem;

fs::path default_pkcs11_module() {
    const fs::path proxy = LTSIGN_P11KIT_PROXY;
    std::error_code ec;
    return !proxy.empty() && fs::exists(proxy, ec) ? proxy : fs::path();
}

std::vector<TokenInfo> list_pkcs11_tokens(const fs::path& module, std::string_view pin) {
    const crypto::Module loaded(crypto::module_for(module, nullptr));
    std::vector<TokenInfo> out;
    for (PKCS11_SLOT& slot : loaded.slots()) {
        const PKCS11_TOKEN* t = slot.token;
        if (t == nullptr || !t->initialized) continue;
        TokenInfo info;
        info.slot_id = PKCS11_get_slotid_from_slot(&slot);
        info.label = crypto::text_of(t->label);
        info.manufacturer = crypto::text_of(t->manufacturer);
        info.model = crypto::text_of(t->model);
        info.serial = crypto::text_of(t->serialnr);
        info.login_required = t->loginRequired != 0;
        if (info.login_required && !pin.empty()) {
            crypto::login(slot, pin);
            info.logged_in = true;
        }
        crypto::list_objects(slot, info);
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace ltsign
