// Text that is safe to write anywhere: JSON, XML, a terminal.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ltsign::core {

// File names on POSIX are bytes, and JSON, XML and terminals need characters. Every writer
// (reports, manifest.json, messages) passes names through this one rule: valid UTF-8 is kept as
// it is, except that control characters (U+0000..U+001F, U+007F) are written as \xNN; each byte
// that is not part of a valid UTF-8 sequence (overlong forms, surrogates and values above
// U+10FFFF are not) is written as \xNN too (upper-case hex). The result is valid UTF-8 and legal
// in XML 1.0.
std::string printable(std::string_view bytes);

inline std::string printable(const std::string& bytes) {
    return printable(std::string_view(bytes));
}
inline std::string printable(const std::filesystem::path& path) {
    return printable(std::string_view(path.native()));
}

// Unicode Normalization Form C of UTF-8 text (UAX #15): names that differ only in how an accent
// is encoded (U+00E9 or e + U+0301) compare equal after it. Bytes that are not valid UTF-8 are
// returned unchanged.
std::string nfc(std::string_view utf8);

// RFC 3986 2.1: every %XX of `text` as the byte it encodes (malformed escapes kept as they are).
std::string percent_decode(std::string_view text);

// Whether `bytes` is valid UTF-8 (RFC 3629: no overlong forms, surrogates or values past U+10FFFF).
bool is_utf8(std::string_view bytes);

}  // namespace ltsign::core
