// Message catalogues: gettext's .mo files (msgfmt's output, GNU gettext manual 10.3), read here
// rather than through glibc's gettext(), which translates only when the user's locale
// (sv_SE.UTF-8) is generated on the machine and ignores LANGUAGE under C.UTF-8: servers and
// containers often have no Swedish locale, and `--lang sv` must work there too.
#include <dlfcn.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "ltsign/language.hpp"

namespace ltsign {
namespace {

namespace fs = std::filesystem;
using Catalogue = std::unordered_map<std::string, std::string>;

std::atomic<Language> g_language{Language::en};

std::uint32_t word(const std::string& mo, std::size_t at, bool swap) {
    if (at + 4 > mo.size()) return 0;
    std::uint32_t v;
    std::memcpy(&v, mo.data() + at, 4);
    return swap ? __builtin_bswap32(v) : v;
}

// The .mo layout: magic, revision, N, offset of the originals' table, offset of the
// translations' table; each table N pairs of (length, offset). A malformed file gives nothing.
Catalogue parse_mo(const std::string& mo) {
    Catalogue out;
    const std::uint32_t magic = word(mo, 0, false);
    if (magic != 0x950412deu && magic != 0xde120495u) return out;
    const bool swap = magic == 0xde120495u;
    const std::uint32_t n = word(mo, 8, swap), originals = word(mo, 12, swap),
                        translations = word(mo, 16, swap);
    if (n > mo.size() / 16) return {};
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t ol = word(mo, originals + 8 * i, swap),
                            oo = word(mo, originals + 8 * i + 4, swap),
                            tl = word(mo, translations + 8 * i, swap),
                            to = word(mo, translations + 8 * i + 4, swap);
        if (std::uint64_t{oo} + ol > mo.size() || std::uint64_t{to} + tl > mo.size()) return {};
        if (ol == 0 || tl == 0) continue;  // the header entry; untranslated entries
        out.emplace(mo.substr(oo, ol), mo.substr(to, tl));
    }
    return out;
}

// Where catalogues are: $LTSIGN_LOCALE_DIR; beside the library (or the program linking it
// statically): ../share/locale, which is the build tree's share/locale and an installed
// prefix's; then the locale folder of the configured installation prefix.
std::vector<fs::path> catalogue_dirs() {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("LTSIGN_LOCALE_DIR"); env != nullptr && *env != '\0')
        dirs.emplace_back(env);
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&parse_mo), &info) != 0 && info.dli_fname != nullptr) {
        std::error_code ec;
        const fs::path self = fs::canonical(info.dli_fname, ec);
        if (!ec) {
            dirs.push_back(self.parent_path().parent_path() / "share" / "locale");
            dirs.push_back(self.parent_path().parent_path().parent_path() / "share" / "locale");
        }
    }
    dirs.emplace_back(LTSIGN_INSTALLED_LOCALE_DIR);
    return dirs;
}

Catalogue load(const char* code) {
    for (const auto& dir : catalogue_dirs()) {
        std::ifstream in(dir / code / "LC_MESSAGES" / "ltsign.mo", std::ios::binary);
        if (!in) continue;
        const std::string mo((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
        Catalogue c = parse_mo(mo);
        if (!c.empty()) return c;
    }
    return {};
}

const Catalogue& swedish() {
    static const Catalogue catalogue = load("sv");
    return catalogue;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

}  // namespace

void set_language(Language language) {
    if (language == Language::sv) (void)swedish();  // loaded before other threads read it
    g_language.store(language);
}

Language language() noexcept {
    return g_language.load();
}

bool catalogue_found() {
    return g_language.load() == Language::en || !swedish().empty();
}

std::optional<Language> language_from_string(std::string_view name) noexcept {
    try {
        const std::string n = lower(name);
        const std::string lang = n.substr(0, n.find_first_of("_-.@"));
        if (lang == "sv" || lang == "swedish" || lang == "svenska") return Language::sv;
        if (lang == "en" || lang == "english" || lang == "c" || lang == "posix")
            return Language::en;
    } catch (...) {
    }
    return std::nullopt;
}

Language language_from_environment() {
    std::string decision;
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* v = std::getenv(var);
        if (v != nullptr && *v != '\0') {
            decision = v;
            break;
        }
    }
    const auto decided = language_from_string(decision);
    const bool plain_c = decision.empty() || decision == "C" || decision == "POSIX";
    if (const char* list = std::getenv("LANGUAGE"); list != nullptr && *list != '\0' && !plain_c) {
        std::string_view rest(list);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            if (const auto l = language_from_string(rest.substr(0, colon))) return *l;
            rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
        }
    }
    return decided.value_or(Language::en);
}

std::string tr(std::string_view english) {
    if (g_language.load() == Language::sv) {
        const auto& c = swedish();
        if (const auto it = c.find(std::string(english)); it != c.end()) return it->second;
    }
    return std::string(english);
}

std::string trf(std::string_view english, std::initializer_list<std::string_view> args) {
    const std::string text = tr(english);
    std::string out;
    out.reserve(text.size() + 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{' && i + 2 < text.size() && text[i + 2] == '}' && text[i + 1] >= '0' &&
            text[i + 1] <= '9' && static_cast<std::size_t>(text[i + 1] - '0') < args.size()) {
            out += *(args.begin() + (text[i + 1] - '0'));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace ltsign
