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

}  // namespace ltsign::core
