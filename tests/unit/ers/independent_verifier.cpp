#include "independent_verifier.hpp"

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>

#include <algorithm>
#include <stdexcept>

namespace ltsign::test {
namespace {

using Buf = std::vector<unsigned char>;

struct Element {
    unsigned char tag;
    Buf value;
    Buf raw;
};

std::vector<Element> elements(const Buf& in) {
    std::vector<Element> out;
    std::size_t i = 0;
    while (i < in.size()) {
        if (i + 2 > in.size()) throw std::runtime_error("short");
        const unsigned char tag = in[i];
        std::size_t len = in[i + 1], hdr = 2;
        if (len & 0x80) {
            const std::size_t n = len & 0x7f;
            len = 0;
            for (std::size_t k = 0; k < n; ++k) len = (len << 8) | in.at(i + 2 + k);
            hdr += n;
        }
        if (i + hdr + len > in.size()) throw std::runtime_error("long");
        out.push_back({tag,
                       Buf(in.begin() + static_cast<long>(i + hdr),
                           in.begin() + static_cast<long>(i + hdr + len)),
                       Buf(in.begin() + static_cast<long>(i),
                           in.begin() + static_cast<long>(i + hdr + len))});
        i += hdr + len;
    }
    return out;
}

Buf hash(const EVP_MD* md, const Buf& data) {
    Buf out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr);
    out.resize(n);
    return out;
}

Buf sorted_hash(const EVP_MD* md, std::vector<Buf> list) {
    if (list.size() == 1) return list[0];
    std::sort(list.begin(), list.end());
    Buf all;
    for (const auto& x : list) all.insert(all.end(), x.begin(), x.end());
    return hash(md, all);
}

std::pair<const EVP_MD*, Buf> imprint(const Buf& token) {
    const unsigned char* p = token.data();
    PKCS7* p7 = d2i_PKCS7(nullptr, &p, static_cast<long>(token.size()));
    TS_TST_INFO* tst = p7 ? PKCS7_to_TS_TST_INFO(p7) : nullptr;
    PKCS7_free(p7);
    if (tst == nullptr) throw std::runtime_error("token");
    TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT* alg = nullptr;
    X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
    const ASN1_OCTET_STRING* v = TS_MSG_IMPRINT_get_msg(mi);
    std::pair<const EVP_MD*, Buf> r{EVP_get_digestbyobj(alg), Buf(v->data, v->data + v->length)};
    TS_TST_INFO_free(tst);
    return r;
}

}  // namespace

bool independent_ers_check(const Buf& record, const Buf& document, JoinReading reading) {
    try {
        const auto top = elements(record);
        const auto fields = elements(top.at(0).value);
        const auto chains = elements(fields.back().value);
        Buf earlier_chains;
        for (std::size_t c = 0; c < chains.size(); ++c) {
            const auto stamps = elements(chains[c].value);
            const EVP_MD* md = nullptr;
            Buf previous_token;
            for (std::size_t s = 0; s < stamps.size(); ++s) {
                const auto parts = elements(stamps[s].value);
                const Buf& token = parts.back().raw;
                const auto [token_md, token_imprint] = imprint(token);
                if (md == nullptr) md = token_md;
                std::vector<Buf> starts;
                if (s == 0) {
                    const Buf d = hash(md, document);
                    if (c == 0) {
                        starts.push_back(d);
                    } else {
                        // ha over the DER SEQUENCE of all earlier chains, joined either way.
                        Buf seq = {0x30};
                        const std::size_t n = earlier_chains.size();
                        if (n < 0x80) {
                            seq.push_back(static_cast<unsigned char>(n));
                        } else {
                            Buf len;
                            for (std::size_t v = n; v; v >>= 8)
                                len.insert(len.begin(), static_cast<unsigned char>(v));
                            seq.push_back(static_cast<unsigned char>(0x80 | len.size()));
                            seq.insert(seq.end(), len.begin(), len.end());
                        }
                        seq.insert(seq.end(), earlier_chains.begin(), earlier_chains.end());
                        const Buf ha = hash(md, seq);
                        Buf a = d, b = ha;
                        a.insert(a.end(), ha.begin(), ha.end());
                        b.insert(b.end(), d.begin(), d.end());
                        starts = {hash(md, a), hash(md, b)};
                    }
                } else {
                    starts.push_back(hash(md, previous_token));
                }
                std::vector<std::vector<Buf>> lists;
                for (const auto& p : parts) {
                    if (p.tag != 0xa2) continue;
                    for (const auto& l : elements(p.value)) {
                        std::vector<Buf> list;
                        for (const auto& o : elements(l.value)) list.push_back(o.value);
                        lists.push_back(list);
                    }
                }
                bool ok = false;
                for (const auto& start : starts) {
                    Buf v = start;
                    if (!lists.empty()) {
                        if (std::find(lists[0].begin(), lists[0].end(), start) == lists[0].end())
                            continue;
                        v = sorted_hash(md, lists[0]);
                        for (std::size_t k = 1; k < lists.size(); ++k) {
                            auto l = lists[k];
                            if (reading == JoinReading::always ||
                                std::find(l.begin(), l.end(), v) == l.end())
                                l.push_back(v);
                            v = sorted_hash(md, l);
                        }
                    }
                    ok |= v == token_imprint;
                }
                if (!ok) return false;
                previous_token = token;
            }
            earlier_chains.insert(earlier_chains.end(), chains[c].raw.begin(), chains[c].raw.end());
        }
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace ltsign::test
