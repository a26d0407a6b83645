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

std::vector<unsigned char> encode(unsigned char tag, std::span<const unsigned char> content) {
    std::vector<unsigned char> out;
    out.reserve(content.size() + 6);
    out.push_back(tag);
    const std::size_t len = content.size();
    if (len < 0x80) {
        out.push_back(static_cast<unsigned char>(len));
    } else {
        unsigned char buf[sizeof(std::size_t)];
        std::size_t n = 0;
        for (std::size_t v = len; v != 0; v >>= 8) buf[n++] = static_cast<unsigned char>(v & 0xff);
        out.push_back(static_cast<unsigned char>(0x80 | n));
        while (n > 0) out.push_back(buf[--n]);
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

std::vector<unsigned char> wrap(unsigned char tag,
                                const std::vector<std::vector<unsigned char>>& parts) {
    std::vector<unsigned char> content;
    for (const auto& p : parts) content.insert(content.end(), p.begin(), p.end());
    return encode(tag, content);
}

}  // namespace ltsign::der
