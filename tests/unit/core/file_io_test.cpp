#include <gtest/gtest.h>

#include "core/file_io.hpp"
#include "core/file_list.hpp"
#include "core/text.hpp"
#include "helpers.hpp"
#include "ltsign/error.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

std::vector<unsigned char> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

std::size_t entries(const fs::path& dir) {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicWrite, CreatesTheFileWithExactlyTheBytes) {
    TempDir dir;
    const auto data = bytes_of("signature bytes");
    core::atomic_write(dir / "a.p7s", data, false);
    EXPECT_EQ(test::read_bytes(dir / "a.p7s"), data);
    EXPECT_EQ(entries(dir.path()), 1u);  // no temporary debris
}

TEST(AtomicWrite, RefusesToReplaceWithoutOverwrite) {
    TempDir dir;
    test::write_text(dir / "a.p7s", "old");
    try {
        core::atomic_write(dir / "a.p7s", bytes_of("new"), false);
        FAIL() << "an existing file was replaced";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::cannot_create_output);
    }
    EXPECT_EQ(test::read_bytes(dir / "a.p7s"), bytes_of("old"));
    EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicWrite, ReplacesWithOverwriteAndLeavesNothingElse) {
    TempDir dir;
    test::write_text(dir / "a.p7s", "old");
    core::atomic_write(dir / "a.p7s", bytes_of("new content"), true);
    EXPECT_EQ(test::read_bytes(dir / "a.p7s"), bytes_of("new content"));
    EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicWrite, MissingFolderIsCannotCreate) {
    TempDir dir;
    try {
        core::atomic_write(dir / "no" / "such" / "a.p7s", bytes_of("x"), false);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::cannot_create_output);
    }
}

TEST(AtomicWrite, RefusesALinkEvenWithOverwrite) {
    TempDir dir;
    test::write_text(dir / "victim", "precious");
    fs::create_symlink(dir / "victim", dir / "a.p7s");
    for (bool overwrite : {false, true}) {
        try {
            core::atomic_write(dir / "a.p7s", bytes_of("new"), overwrite);
            FAIL() << "wrote through or over a link";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::cannot_create_output);
        }
        EXPECT_TRUE(fs::is_symlink(dir / "a.p7s"));
        EXPECT_EQ(test::read_bytes(dir / "victim"), bytes_of("precious"));
    }
}

// A link swapped into the output folder while a batch waited (for its TSA) is refused when the
// outputs are checked again right before writing.
TEST(RefuseLinksBelow, ALinkedFolderSwappedInIsRefused) {
    test::TempDir dir;
    std::filesystem::create_directories(dir / "out" / "sub");
    std::filesystem::create_directories(dir / "elsewhere");
    const std::vector<std::filesystem::path> outputs{dir / "out" / "sub" / "s.txt.ers"};
    EXPECT_NO_THROW(core::refuse_links_below(dir / "out", outputs));
    std::filesystem::rename(dir / "out" / "sub", dir / "out" / "sub.moved");
    std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "out" / "sub");
    try {
        core::refuse_links_below(dir / "out", outputs);
        ADD_FAILURE() << "a linked folder was not refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::cannot_create_output);
    }
}

TEST(AtomicWriteAll, AFolderInTheWayChangesNothing) {
    TempDir dir;
    test::write_text(dir / "a.p7s", "old a");
    fs::create_directory(dir / "b.p7s");
    try {
        core::atomic_write_all({{dir / "a.p7s", bytes_of("new a")}, {dir / "b.p7s", bytes_of("b")}},
                               true);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::cannot_create_output);
    }
    EXPECT_EQ(test::read_bytes(dir / "a.p7s"), bytes_of("old a"));
    EXPECT_EQ(entries(dir.path()), 2u);
}

struct PrintableCase {
    const char* bytes;
    const char* text;
};
class Printable : public ::testing::TestWithParam<PrintableCase> {};
TEST_P(Printable, InvalidBytesAndControlsBecomeHexEscapes) {
    EXPECT_EQ(core::printable(std::string_view(GetParam().bytes)), GetParam().text);
}
INSTANTIATE_TEST_SUITE_P(
    Core, Printable,
    ::testing::Values(PrintableCase{"plain/a.txt", "plain/a.txt"},
                      PrintableCase{"l\xC3\xB6n.txt", "l\xC3\xB6n.txt"},  // valid UTF-8 "ö"
                      PrintableCase{"l\xF6n.txt", "l\\xF6n.txt"},         // Latin-1 "ö"
                      PrintableCase{"a\x01\x1B[31m\x7F", "a\\x01\\x1B[31m\\x7F"},
                      PrintableCase{"\xC0\xAF", "\\xC0\\xAF"},                    // overlong "/"
                      PrintableCase{"\xED\xA0\x80", "\\xED\\xA0\\x80"},           // a surrogate
                      PrintableCase{"\xF4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"},  // > U+10FFFF
                      PrintableCase{"\xE2\x82", "\\xE2\\x82"},                    // truncated
                      PrintableCase{"\xF0\x9F\x93\x84 ok", "\xF0\x9F\x93\x84 ok"}));

TEST(ReadFile, MissingIsInputMissing) {
    TempDir dir;
    try {
        core::read_file(dir / "absent", 100);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::input_missing);
    }
}

TEST(ReadFile, OverTheLimitIsMalformedBeforeReading) {
    TempDir dir;
    test::write_text(dir / "big", std::string(1000, 'x'));
    try {
        core::read_file(dir / "big", 999);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformed_input);
    }
    EXPECT_EQ(core::read_file(dir / "big", 1000).size(), 1000u);
}

TEST(StreamFile, DeliversEveryByteInChunksOfAtMostOneMiB) {
    TempDir dir;
    std::string content(3 * (1 << 20) + 17, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 31);
    test::write_text(dir / "f", content);
    std::string seen;
    std::size_t largest = 0;
    core::stream_file(dir / "f", [&](std::span<const unsigned char> chunk) {
        largest = std::max(largest, chunk.size());
        seen.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    });
    EXPECT_EQ(seen, content);
    EXPECT_LE(largest, std::size_t{1} << 20);
}

}  // namespace
}  // namespace ltsign
