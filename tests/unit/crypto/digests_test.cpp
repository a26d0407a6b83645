#include <gtest/gtest.h>

#include "crypto/digests.hpp"
#include "helpers.hpp"

namespace ltsign {
namespace {

TEST(Digests, KnownVectorsForAbc) {
    const std::string abc = "abc";
    const std::span<const unsigned char> data(reinterpret_cast<const unsigned char*>(abc.data()),
                                              abc.size());
    auto hex = [&](DigestAlgorithm a) {
        const auto d = crypto::digest_bytes(crypto::evp_md(a), data);
        return ossl::to_hex(d.data(), d.size());
    };
    EXPECT_EQ(hex(DigestAlgorithm::sha256),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex(DigestAlgorithm::sha3_256),
              "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

TEST(Digests, StreamingEqualsOneShotAcrossChunkBoundaries) {
    test::TempDir dir;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1} << 20,
                             (std::size_t{1} << 20) + 1, (std::size_t{2} << 20) + 5}) {
        std::vector<unsigned char> content(size);
        for (std::size_t i = 0; i < size; ++i) content[i] = static_cast<unsigned char>(i * 7 + 3);
        test::write_bytes(dir / "f", content);
        for (auto alg :
             {DigestAlgorithm::sha256, DigestAlgorithm::sha512, DigestAlgorithm::sha3_512}) {
            EXPECT_EQ(crypto::digest_file(crypto::evp_md(alg), dir / "f"),
                      crypto::digest_bytes(crypto::evp_md(alg), content))
                << size << " " << to_string(alg);
        }
    }
}

TEST(Digests, NamesParse) {
    EXPECT_EQ(digest_from_string("SHA-256"), DigestAlgorithm::sha256);
    EXPECT_EQ(digest_from_string("sha3-512"), DigestAlgorithm::sha3_512);
    EXPECT_FALSE(digest_from_string("md5").has_value());
    EXPECT_FALSE(digest_from_string("sha1").has_value());
}

}  // namespace
}  // namespace ltsign
