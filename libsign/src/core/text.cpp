#include "core/text.hpp"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <cctype>
#include <vector>

namespace ltsign::core {
namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0 (RFC 3629 section 4).
std::size_t utf8_sequence(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return i < s.size() && b(i) >= lo && b(i) <= hi;
    };
    const unsigned c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no surrogates
    if (c >= 0xE1 && c <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

}  // namespace

std::string printable(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        const std::size_t n = utf8_sequence(bytes.substr(i));
        if (n == 0 || c < 0x20 || c == 0x7F) {
            out += "\\x";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xF];
            ++i;
            continue;
        }
        out.append(bytes.substr(i, n));
        i += n;
    }
    return out;
}

std::string percent_decode(std::string_view u) {
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    std::string out;
    for (std::size_t i = 0; i < u.size(); ++i) {
        if (u[i] == '%' && i + 2 < u.size() && hex(u[i + 1]) && hex(u[i + 2])) {
            out += static_cast<char>(std::stoi(std::string(u.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += u[i];
        }
    }
    return out;
}

bool is_utf8(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t n = utf8_sequence(bytes.substr(i));
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string nfc(std::string_view utf8) {
    if (!is_utf8(utf8) || utf8.size() > (1u << 20)) return std::string(utf8);
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* normalizer = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status)) return std::string(utf8);
    const auto length = static_cast<int32_t>(utf8.size());
    std::vector<UChar> in(utf8.size() + 1);
    int32_t in_length = 0;
    u_strFromUTF8(in.data(), static_cast<int32_t>(in.size()), &in_length, utf8.data(), length,
                  &status);
    if (U_FAILURE(status)) return std::string(utf8);
    // NFC of UTF-16 text grows by at most a factor of three (UAX #15, 13).
    std::vector<UChar> out(static_cast<std::size_t>(in_length) * 3 + 1);
    const int32_t out_length = unorm2_normalize(normalizer, in.data(), in_length, out.data(),
                                                static_cast<int32_t>(out.size()), &status);
    if (U_FAILURE(status)) return std::string(utf8);
    std::string result(static_cast<std::size_t>(out_length) * 3 + 1, '\0');
    int32_t result_length = 0;
    u_strToUTF8(result.data(), static_cast<int32_t>(result.size()), &result_length, out.data(),
                out_length, &status);
    if (U_FAILURE(status)) return std::string(utf8);
    result.resize(static_cast<std::size_t>(result_length));
    return result;
}

}  // namespace ltsign::core
