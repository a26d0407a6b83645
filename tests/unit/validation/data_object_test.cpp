// validation::DataObject: the one shape of the signed data. Each digest is computed at most once,
// whoever asks and through whichever copy.
#include <gtest/gtest.h>

#include "crypto/digests.hpp"
#include "helpers.hpp"
#include "validation/data_object.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using validation::DataObject;

core::Bytes bytes_of(const std::string& s) {
    return core::Bytes(s.begin(), s.end());
}

TEST(DataObject, AFileIsHashedOnceAndCopiesShareWhatWasHashed) {
    test::TempDir dir;
    test::write_text(dir / "a.txt", "Beslut A\n");
    const auto object = DataObject::from_file(dir / "a.txt");
    EXPECT_EQ(object.name(), (dir / "a.txt").string());
    EXPECT_TRUE(object.has_content());
    const auto sha256 = object.digest(EVP_sha256());
    ASSERT_TRUE(sha256);
    EXPECT_EQ(*sha256, crypto::digest_bytes(EVP_sha256(), bytes_of("Beslut A\n")));
    // The file is gone: what was hashed is still known, through a copy too; a new algorithm is not.
    fs::remove(dir / "a.txt");
    const DataObject copy = object;
    EXPECT_EQ(copy.digest(EVP_sha256()), sha256);
    EXPECT_THROW(copy.digest(EVP_sha512()), Error);
}

TEST(DataObject, BytesAreHashedAndStreamedAsTheyAre) {
    const auto object = DataObject::from_bytes("the signature value", bytes_of("value"));
    EXPECT_EQ(object.digest(EVP_sha384()), crypto::digest_bytes(EVP_sha384(), bytes_of("value")));
    core::Bytes streamed;
    object.stream([&](std::span<const unsigned char> c) {
        streamed.insert(streamed.end(), c.begin(), c.end());
    });
    EXPECT_EQ(streamed, bytes_of("value"));
    EXPECT_EQ(object.read(5), bytes_of("value"));
    EXPECT_THROW(object.read(4), Error);
    const core::Bytes kept = bytes_of("value");
    EXPECT_EQ(DataObject::borrowing("borrowed", kept).digest(EVP_sha384()),
              object.digest(EVP_sha384()));
}

TEST(DataObject, KnownDigestsAreAllThereIsOfIt) {
    const core::Bytes known(32, 0xab);
    const auto object =
        DataObject::from_digests("data object 1 (by digest)", {{NID_sha256, known}});
    EXPECT_FALSE(object.has_content());
    EXPECT_EQ(object.digest(EVP_sha256()), known);
    EXPECT_FALSE(object.digest(EVP_sha512()));
    EXPECT_THROW(object.stream([](std::span<const unsigned char>) {}), Error);
    EXPECT_FALSE(DataObject().digest(EVP_sha256()));
}

int g_form_digests = 0;
std::optional<core::Bytes> counting_form(const DataObject&, const EVP_MD*,
                                         const std::string& form) {
    ++g_form_digests;
    if (form == "none") return std::nullopt;
    return bytes_of(form);
}

TEST(DataObject, AnotherFormIsComputedOncePerAlgorithmAndForm) {
    g_form_digests = 0;
    const auto object = DataObject::from_bytes("x", bytes_of("<a/>"));
    EXPECT_EQ(object.form_digest(EVP_sha256(), "c14n", counting_form), bytes_of("c14n"));
    EXPECT_EQ(DataObject(object).form_digest(EVP_sha256(), "c14n", counting_form),
              bytes_of("c14n"));
    EXPECT_FALSE(object.form_digest(EVP_sha256(), "none", counting_form));
    EXPECT_FALSE(object.form_digest(EVP_sha256(), "none", counting_form));
    EXPECT_EQ(object.form_digest(EVP_sha512(), "c14n", counting_form), bytes_of("c14n"));
    EXPECT_EQ(g_form_digests, 3);
}

TEST(DataObject, TheFirstDocumentIsTheFirstWithContent) {
    const validation::DataObjects objects{
        DataObject::from_digests("by digest", {{NID_sha256, core::Bytes(32, 1)}}),
        DataObject::from_bytes("b", bytes_of("b")), DataObject::from_bytes("c", bytes_of("c"))};
    ASSERT_NE(validation::first_document(objects), nullptr);
    EXPECT_EQ(validation::first_document(objects)->name(), "b");
    EXPECT_EQ(validation::first_document({objects.front()}), nullptr);
}

}  // namespace
}  // namespace ltsign
