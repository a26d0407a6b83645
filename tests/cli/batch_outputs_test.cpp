// End to end: where a batch writes its outputs. Symbolic links, replaced outputs, inputs that
// share a name, output folders inside the input, links that loop and names that are not UTF-8
// (docs/robustness.md, "Batches: outputs, symlinks and names").
#include <gtest/gtest.h>
#include <libxml/parser.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

class BatchOutputs : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        docs = dir / "arkiv" / "docs";
        fs::create_directories(docs);
        test::write_text(docs / "a.txt", "Handling A\n");
        test::write_text(docs / "b.txt", "Handling B\n");
    }
    std::string sign_args(const char* time = "2026-06-01T12:00:00Z") const {
        return " --key " + q(pki("ec.p12")) + " --pass-env LTSIGN_TEST_PASS --signing-time " +
               time + " ";
    }
    test::TsaProcess& tsa() {
        if (!m_tsa) {
            m_tsa = std::make_unique<test::TsaProcess>(
                dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
        }
        return *m_tsa;
    }
    std::string seal_args() { return " --tsa " + tsa().url() + " "; }
    static std::string verify_args() {
        return " --trust " + q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z ";
    }

    // Every regular file below `root`, relative and in generic form.
    static std::set<std::string> tree(const fs::path& root) {
        std::set<std::string> names;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(root, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_symlink() || it->is_regular_file())
                names.insert(it->path().lexically_relative(root).generic_string());
        }
        return names;
    }

    test::TempDir dir;
    fs::path docs;

  private:
    std::unique_ptr<test::TsaProcess> m_tsa;
};

// 11.6: a link in the input that points out of the input folder once named the output
// OUT/../../elsewhere/x.ers, and --force replaced another archive's evidence record there.
TEST_F(BatchOutputs, SymlinkedInputNeverWritesOutsideTheOutputFolder) {
    const fs::path elsewhere = dir / "annat-arkiv";
    fs::create_directories(elsewhere);
    test::write_text(elsewhere / "x.txt", "Another archive's document\n");
    test::write_text(elsewhere / "x.txt.ers", "another archive's evidence record");
    test::write_text(elsewhere / "x.txt.p7s", "another archive's signature");
    fs::create_symlink(fs::path("..") / ".." / "annat-arkiv" / "x.txt", docs / "lank.txt");
    const auto record_before = test::read_bytes(elsewhere / "x.txt.ers");
    const auto signature_before = test::read_bytes(elsewhere / "x.txt.p7s");

    auto r = ltsign("seal " + q(docs) + seal_args() + "--force -o " + q(dir / "arkiv" / "ers"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(test::read_bytes(elsewhere / "x.txt.ers"), record_before);
    // A linked file is sealed under its link's name, inside the output folder.
    EXPECT_TRUE(fs::is_regular_file(dir / "arkiv" / "ers" / "lank.txt.ers"));

    r = ltsign("sign " + q(docs) + sign_args() + "--force -o " + q(dir / "arkiv" / "sigs"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(test::read_bytes(elsewhere / "x.txt.p7s"), signature_before);
    EXPECT_TRUE(fs::is_regular_file(dir / "arkiv" / "sigs" / "lank.txt.p7s"));
    EXPECT_EQ(tree(elsewhere), (std::set<std::string>{"x.txt", "x.txt.ers", "x.txt.p7s"}));
}

// 11.6: an output that is itself a link, or lies below a linked folder inside OUT, is refused
// even with --force, before anything is written.
TEST_F(BatchOutputs, OutputsThatAreLinksAreRefused) {
    const fs::path elsewhere = dir / "annat-arkiv";
    fs::create_directories(elsewhere);
    test::write_text(elsewhere / "victim", "precious");
    const fs::path sigs = dir / "sigs";
    fs::create_directories(sigs);
    fs::create_symlink(elsewhere / "victim", sigs / "a.txt.p7s");
    auto r = ltsign("sign " + q(docs) + sign_args() + "--force -o " + q(sigs));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    EXPECT_NE(r.err.find("a.txt.p7s"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_symlink(sigs / "a.txt.p7s"));
    EXPECT_FALSE(fs::exists(sigs / "b.txt.p7s"));
    EXPECT_EQ(test::read_bytes(elsewhere / "victim"),
              std::vector<unsigned char>({'p', 'r', 'e', 'c', 'i', 'o', 'u', 's'}));

    // A linked subfolder of OUT.
    fs::create_directories(docs / "sub");
    test::write_text(docs / "sub" / "c.txt", "C\n");
    const fs::path ers = dir / "ers";
    fs::create_directories(ers);
    fs::create_directory_symlink(elsewhere, ers / "sub");
    r = ltsign("seal " + q(docs) + seal_args() + "--force -o " + q(ers));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    EXPECT_EQ(tree(elsewhere), (std::set<std::string>{"victim"}));
    EXPECT_FALSE(fs::exists(ers / "manifest.json"));
}

// 11.7: `sign --force` replaced the first output, failed on the second, then deleted the first:
// the old valid signatures were gone. Now a failure leaves every old signature as it was.
TEST_F(BatchOutputs, SignForceWithALaterOutputFailingKeepsTheOldSignatures) {
    const fs::path sigs = dir / "sigs";
    auto r = ltsign("sign " + q(docs) + sign_args() + "-o " + q(sigs));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto old_a = test::read_bytes(sigs / "a.txt.p7s");
    // The second output cannot be written: its path is now a folder.
    fs::remove(sigs / "b.txt.p7s");
    fs::create_directories(sigs / "b.txt.p7s");
    test::write_text(sigs / "b.txt.p7s" / "in-the-way", "x");

    r = ltsign("sign " + q(docs) + sign_args("2026-06-02T12:00:00Z") + "--force -o " + q(sigs));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    ASSERT_TRUE(fs::is_regular_file(sigs / "a.txt.p7s"));
    EXPECT_EQ(test::read_bytes(sigs / "a.txt.p7s"), old_a);
    EXPECT_EQ(tree(sigs), (std::set<std::string>{"a.txt.p7s", "b.txt.p7s/in-the-way"}))
        << "no temporary files left";
    r = ltsign("verify " + q(sigs / "a.txt.p7s") + " --data " + q(docs / "a.txt") + verify_args());
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

// Signatures are made as they are written (sign_and_save): a document that cannot be signed
// halfway through the batch must still leave nothing behind, not even the folders made for it.
TEST_F(BatchOutputs, ASigningFailureHalfwayLeavesNoOutputAndNoFolder) {
    const fs::path xml = dir / "xml";
    fs::create_directories(xml);
    for (int i = 0; i < 40; ++i) {
        test::write_text(xml / ("d" + std::to_string(100 + i) + ".xml"),
                         i == 25 ? "<beslut>not closed\n" : "<beslut>ja</beslut>\n");
    }
    const fs::path out = dir / "new" / "sigs";
    const auto r = ltsign("sign " + q(xml) + sign_args() +
                          "--format xades --packaging enveloped -j 2 -o " + q(out));
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_NE(r.err.find("d125.xml"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "new")) << "the folders made for the batch are removed";
}

// 11.8 / 12.1: two roots holding the same relative path once gave "already exists" for a file
// that did not, and with --force one record for two documents and a manifest naming it twice.
TEST_F(BatchOutputs, SameNameFromTwoRootsIsRefusedBeforeAnythingIsWritten) {
    const fs::path coll = dir / "coll";
    fs::create_directories(coll / "a");
    fs::create_directories(coll / "b");
    test::write_text(coll / "a" / "x.txt", "A's x\n");
    test::write_text(coll / "b" / "x.txt", "B's x\n");
    test::write_text(coll / "b" / "y.txt", "B's y\n");
    for (const char* force : {"", "--force "}) {
        auto r = ltsign("seal " + q(coll / "a") + " " + q(coll / "b") + seal_args() + force +
                        "-o " + q(dir / "ers"));
        EXPECT_EQ(r.exit_code, 64) << r.err;
        EXPECT_NE(r.err.find("x.txt.ers"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("already exists"), std::string::npos) << r.err;
        EXPECT_TRUE(tree(dir / "ers").empty());

        r = ltsign("sign " + q(coll / "a") + " " + q(coll / "b") + sign_args() + force + "-o " +
                   q(dir / "sigs"));
        EXPECT_EQ(r.exit_code, 64) << r.err;
        EXPECT_NE(r.err.find("x.txt.p7s"), std::string::npos) << r.err;
        EXPECT_TRUE(tree(dir / "sigs").empty());
    }
    // Two files given directly with one name, too.
    auto r = ltsign("sign " + q(coll / "a" / "x.txt") + " " + q(coll / "b" / "x.txt") +
                    sign_args() + "-o " + q(dir / "sigs") + "/");
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_TRUE(tree(dir / "sigs").empty());

    // Their common folder keeps the names apart; the manifest matches the disk exactly.
    r = ltsign("seal " + q(coll) + seal_args() + "-o " + q(dir / "ers"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("sealed 3 document(s)"), std::string::npos) << r.out;
    const auto manifest = nlohmann::json::parse(std::ifstream(dir / "ers" / "manifest.json"));
    std::set<std::string> listed;
    for (const auto& d : manifest["documents"]) listed.insert(d["record"].get<std::string>());
    EXPECT_EQ(listed.size(), manifest["documents"].size());
    listed.insert("manifest.json");
    listed.insert("manifest.json.ers");
    EXPECT_EQ(listed, tree(dir / "ers"));
}

// 12.2: an output folder inside the input folder was walked as input on the next run.
TEST_F(BatchOutputs, OutputFolderInsideTheInputIsNeverAnInput) {
    const fs::path sigs = docs / "signaturer";
    for (int run = 0; run < 2; ++run) {
        const auto r = ltsign("sign " + q(docs) + sign_args() + "--force -o " + q(sigs));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    EXPECT_EQ(tree(sigs), (std::set<std::string>{"a.txt.p7s", "b.txt.p7s"}));

    // Signatures written beside the documents (-o the input folder) are not signed again.
    for (int run = 0; run < 2; ++run) {
        const auto r = ltsign("sign " + q(docs) + sign_args() + "--force -o " + q(docs));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out.find(".p7s.p7s"), std::string::npos) << r.out;
    }
    EXPECT_FALSE(fs::exists(docs / "a.txt.p7s.p7s"));

    const fs::path inside = dir / "inne";
    fs::create_directories(inside);
    test::write_text(inside / "a.txt", "A\n");
    test::write_text(inside / "b.txt", "B\n");
    const fs::path ers = inside / "bevis";
    for (int run = 0; run < 2; ++run) {
        const auto r = ltsign("seal " + q(inside) + seal_args() + "--force -o " + q(ers));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("sealed 2 document(s)"), std::string::npos) << r.out;
    }
    EXPECT_EQ(tree(ers), (std::set<std::string>{"a.txt.ers", "b.txt.ers", "manifest.json",
                                                "manifest.json.ers"}));
}

// 11.20: one link that loops stopped a whole batch with exit 70 ("internal error").
TEST_F(BatchOutputs, SymlinkLoopIsOneBadInput) {
    const fs::path sigs = dir / "sigs";
    ASSERT_EQ(ltsign("sign " + q(docs) + sign_args() + "-o " + q(sigs)).exit_code, 0);
    fs::create_symlink("loop.p7s", sigs / "loop.p7s");

    // verify: the loop is reported as a missing input (66); the others are verified.
    auto r = ltsign("verify " + q(sigs) + " --data " + q(docs) + verify_args() + "--json");
    EXPECT_EQ(r.exit_code, 66) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["summary"]["passed"], 2);
    ASSERT_EQ(j["files"].size(), 3u);
    bool reported = false;
    for (const auto& f : j["files"]) {
        if (f["path"].get<std::string>().ends_with("loop.p7s")) {
            reported = true;
            EXPECT_EQ(f["error"]["exitCode"], 66);
        }
    }
    EXPECT_TRUE(reported) << r.out;

    // seal and sign: the batch is refused before anything is written, naming the file.
    fs::create_symlink("loop.txt", docs / "loop.txt");
    r = ltsign("seal " + q(docs) + seal_args() + "-o " + q(dir / "ers"));
    EXPECT_EQ(r.exit_code, 66) << r.err;
    EXPECT_NE(r.err.find("loop.txt"), std::string::npos) << r.err;
    EXPECT_TRUE(tree(dir / "ers").empty());
    r = ltsign("sign " + q(docs) + sign_args() + "-o " + q(dir / "sigs2"));
    EXPECT_EQ(r.exit_code, 66) << r.err;
    EXPECT_NE(r.err.find("loop.txt"), std::string::npos) << r.err;
    EXPECT_TRUE(tree(dir / "sigs2").empty());
}

// 11.21: a file name that is not UTF-8 stopped seal and verify --json (exit 70), and the ETSI
// XML report was not well-formed. Such bytes are written as \xNN wherever a path is written.
TEST_F(BatchOutputs, NonUtf8NameGivesValidJsonAndWellFormedXml) {
    const fs::path bad = docs / std::string("l\xF6n\x01.txt");  // Latin-1 "ö" and a control byte
    test::write_text(bad, "Lönebesked\n");
    const fs::path ers = dir / "ers";
    auto r = ltsign("seal " + q(docs) + seal_args() + "-o " + q(ers));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto manifest = nlohmann::json::parse(std::ifstream(ers / "manifest.json"));
    std::set<std::string> paths;
    for (const auto& d : manifest["documents"]) paths.insert(d["path"].get<std::string>());
    EXPECT_TRUE(paths.contains("l\\xF6n\\x01.txt")) << manifest.dump();

    const fs::path report = dir / "report.xml";
    r = ltsign("verify " + q(ers) + " --data " + q(docs) + verify_args() + "--json --report-xml " +
               q(report));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
    EXPECT_EQ(j["summary"]["passed"], 4);  // 3 documents' records and the manifest's
    EXPECT_NE(r.out.find("l\\\\xF6n\\\\x01.txt.ers"), std::string::npos) << r.out;

    const auto xml = test::read_bytes(report);
    xmlDocPtr doc = xmlReadMemory(reinterpret_cast<const char*>(xml.data()),
                                  static_cast<int>(xml.size()), "report.xml", nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    EXPECT_NE(doc, nullptr) << "the ETSI report is not well-formed XML";
    xmlFreeDoc(doc);
    EXPECT_NE(test::find_bytes(xml, {'l', '\\', 'x', 'F', '6', 'n'}), std::string::npos);

    // Text output names the file the same way and never prints the raw control byte.
    r = ltsign("verify " + q(ers) + " --data " + q(docs) + verify_args());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("l\\xF6n\\x01.txt.ers"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\x01'), std::string::npos);
}

}  // namespace
}  // namespace ltsign
