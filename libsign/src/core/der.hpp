// A minimal, bounds-checked DER TLV reader, for slicing encodings without re-encoding them
// (re-encoding what was signed or hashed would change it). Definite lengths only.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace ltsign::der {

struct Tlv {
    unsigned char tag = 0;               // the identifier octet (low tag numbers only)
    std::span<const unsigned char> all;  // header and value
    std::span<const unsigned char> value;
    bool constructed() const { return (tag & 0x20) != 0; }
};

inline constexpr unsigned char k_integer = 0x02;
inline constexpr unsigned char k_octet_string = 0x04;
inline constexpr unsigned char k_oid = 0x06;
inline constexpr unsigned char k_sequence = 0x30;
inline constexpr unsigned char k_set = 0x31;

// The TLV at the start of `in`; nullopt when the header is malformed, uses the indefinite form or
// a high tag number, or the length runs past `in`. Lengths are checked before anything is sized
// by them.
std::optional<Tlv> read(std::span<const unsigned char> in);

// The TLVs inside a constructed value, in order; nullopt if any is malformed or bytes are left.
std::optional<std::vector<Tlv>> children(const Tlv& parent);

// DER encoding: tag, definite length, content.
std::vector<unsigned char> encode(unsigned char tag, std::span<const unsigned char> content);
// The concatenation of already encoded elements wrapped in `tag` (SEQUENCE, SET, [n] ...).
std::vector<unsigned char> wrap(unsigned char tag,
                                const std::vector<std::vector<unsigned char>>& parts);

}  // namespace ltsign::der
