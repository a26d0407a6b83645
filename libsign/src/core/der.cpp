#include "core/der.hpp"

namespace ltsign::der {

std::optional<Tlv> read(std::span<const unsigned char> in) {
    if (in.size() < 2) return std::nullopt;
    const unsigned char tag = in[0];
    if ((tag & 0x1f) == 0x1f) return std::nullopt;  // high tag numbers: none of ours use them
    std::size_t len = in[1];
    std::size_t header = 2;
    if (len & 0x80) {
        const std::size_t n = len & 0x7f;
        if (n == 0 || n > sizeof(std::size_t) || in.size() < 2 + n)
            return std::nullopt;  // indefinite or absurd
        len = 0;
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
        header += n;
    }
    if (len > in.size() - header) return std::nullopt;
    Tlv t;
    t.tag = tag;
    t.all = in.subspan(0, header + len);
    t.value = in.subspan(header, len);
    return t;
}

std::optional<std::vector<Tlv>> children(const Tlv& parent) {
    std::vector<Tlv> out;
    auto rest = parent.value;
    while (!rest.empty()) {
        auto t = read(rest);
        if (!t) return std::nullopt;
        rest = rest.subspan(t->all.size());
        out.push_back(*t);
    }
    return out;
}

}  // namespace ltsign::der
