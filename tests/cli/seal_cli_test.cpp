// End to end: ltsign seal / renew / verify on records, with the exit codes of the contract.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

bool has_note(const nlohmann::json& sig, const std::string& text) {
    for (const auto& n : sig["notes"]) {
        if (n.get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
}

class SealCli : public ::testing::Test {
  protected:
    void SetUp() override {
        docs = dir / "leverans";
        for (int i = 0; i < 200; ++i) {
            const fs::path sub = docs / ("arende-" + std::to_string(i % 7));
            fs::create_directories(sub);
            test::write_text(sub / ("handling-" + std::to_string(i) + ".txt"),
                             "Handling " + std::to_string(i) + "\n");
        }
        tsa = std::make_unique<test::TsaProcess>(dir / "serial",
                                                 std::string("--test-clock ") + test::k_tsa_clock);
    }
    test::RunResult verify(const fs::path& records, const std::string& extra = "") {
        return ltsign("verify " + q(records) + " --data " + q(docs) + " --trust " +
                      q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z --json " + extra);
    }
    test::TempDir dir;
    fs::path docs;
    std::unique_ptr<test::TsaProcess> tsa;
};

TEST_F(SealCli, TwoHundredDocumentsOneTimestampEachRecordVerifies) {
    auto r = ltsign("seal " + q(docs) + " --tsa " + tsa->url() + " -o " + q(dir / "ers"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::size_t records = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir / "ers"))
        records += e.path().extension() == ".ers";
    // One per document, and manifest.json.ers: the manifest is sealed with them.
    EXPECT_EQ(records, 201u);
    const auto manifest = nlohmann::json::parse(std::ifstream(dir / "ers" / "manifest.json"));
    EXPECT_EQ(manifest["documents"].size(), 200u);
    // One TSA request for the whole batch: serial 1 only.
    EXPECT_EQ(test::read_bytes(dir / "serial"), std::vector<unsigned char>({'0', '1', '\n'}));

    r = verify(dir / "ers");
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["summary"]["passed"], 201);
    // The time comes from the time-stamp, which the manifest cannot hold (it is under it).
    EXPECT_EQ(j["deliveries"][0]["sealedAt"], test::k_tsa_clock);
    EXPECT_EQ(j["deliveries"][0]["complete"], true);
    EXPECT_EQ(j["files"][0]["format"], "ers-asn1");
    EXPECT_EQ(j["files"][0]["signatures"][0]["type"], "evidence-record");

    // A changed document: exit 1, exactly one failure.
    test::flip_byte(docs / "arende-3" / "handling-3.txt", 0);
    r = verify(dir / "ers");
    EXPECT_EQ(r.exit_code, 1);
    const auto k = nlohmann::json::parse(r.out);
    EXPECT_EQ(k["summary"]["failed"], 1);
    EXPECT_EQ(k["summary"]["passed"], 200);
}

// seal --group: the 200 documents of the folder as one data group (RFC 4998 4.2), one record
// named after it; verify takes the folder as the group, and the group holds only whole and
// unchanged: a file changed, added or removed is never passed. DER and XML records alike.
TEST_F(SealCli, AFolderSealedAsOneDataGroupHoldsOnlyWholeAndUnchanged) {
    for (const std::string format : {"asn1", "xml"}) {
        const std::string ext = format == "xml" ? ".ers.xml" : ".ers";
        const fs::path out = dir / ("group-" + format);
        auto r = ltsign("seal --group " + q(docs) + " --format " + format + " --tsa " + tsa->url() +
                        " -o " + q(out));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::size_t records = 0;
        for (const auto& e : fs::recursive_directory_iterator(out))
            records += e.path().filename().string().ends_with(ext);
        EXPECT_EQ(records, 2u) << "the group's record and the manifest's";
        const auto manifest = nlohmann::json::parse(std::ifstream(out / "manifest.json"));
        EXPECT_EQ(manifest["documents"].size(), 200u);
        EXPECT_EQ(manifest["documents"][0]["record"], "leverans" + ext);

        const fs::path record = out / ("leverans" + ext);
        const auto one = [&](const fs::path& data) {
            return ltsign("verify " + q(record) + " --data " + q(data) + " --trust " +
                          q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z --json");
        };
        r = one(docs);
        ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
        r = verify(out);
        ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
        EXPECT_EQ(nlohmann::json::parse(r.out)["deliveries"][0]["complete"], true);

        // A copy of the folder, then changed: one file's content, one file added, one removed.
        const fs::path copy = dir / "copy" / "leverans";
        const auto fresh = [&] {
            fs::remove_all(dir / "copy");
            fs::create_directories(copy.parent_path());
            fs::copy(docs, copy, fs::copy_options::recursive);
        };
        fresh();
        test::flip_byte(copy / "arende-3" / "handling-3.txt", 0);
        r = one(copy);
        EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
        EXPECT_EQ(nlohmann::json::parse(r.out)["files"][0]["subIndication"], "HASH_FAILURE");
        fresh();
        test::write_text(copy / "arende-3" / "tillagd.txt", "added afterwards\n");
        r = one(copy);
        EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
        fresh();
        fs::remove(copy / "arende-3" / "handling-3.txt");
        r = one(copy);
        EXPECT_EQ(r.exit_code, 2) << r.out.substr(0, 2000);
        const auto j = nlohmann::json::parse(r.out)["files"][0];
        EXPECT_EQ(j["subIndication"], "SIGNED_DATA_NOT_FOUND") << j.dump(2);
        EXPECT_NE(j.dump().find("1 of them are not among the files given"), std::string::npos)
            << j.dump(2);
        // The records folder with the manifest names the missing file.
        r = ltsign("verify " + q(out) + " --data " + q(copy) + " --trust " + q(pki("root.pem")) +
                   " --at 2026-12-01T00:00:00Z --json");
        EXPECT_NE(r.exit_code, 0);
        EXPECT_NE(r.out.find("arende-3/handling-3.txt"), std::string::npos)
            << r.out.substr(0, 3000);
    }
    // Only folders make groups.
    const auto r = ltsign("seal --group " + q(docs / "arende-1" / "handling-1.txt") + " --tsa " +
                          tsa->url() + " -o " + q(dir / "file-group"));
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_FALSE(fs::exists(dir / "file-group" / "manifest.json"));
}

// The record of one document given another, of another name: not passed, and said to be the
// wrong document (exit 2) rather than a changed one (issue 23); the same name changed is exit 1.
TEST_F(SealCli, RecordOfAnotherDocumentIsAMismatchAndAChangedOneFails) {
    ASSERT_EQ(
        ltsign("seal " + q(docs) + " --tsa " + tsa->url() + " -o " + q(dir / "ers")).exit_code, 0);
    auto r = ltsign("verify " + q(dir / "ers" / "arende-0" / "handling-0.txt.ers") + " --data " +
                    q(docs / "arende-1" / "handling-1.txt") + " --trust " + q(pki("root.pem")));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("does not match this signature's name"), std::string::npos) << r.out;
    test::flip_byte(docs / "arende-0" / "handling-0.txt", 0);
    r = ltsign("verify " + q(dir / "ers" / "arende-0" / "handling-0.txt.ers") + " --data " +
               q(docs / "arende-0" / "handling-0.txt") + " --trust " + q(pki("root.pem")));
    EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST_F(SealCli, RenewThenRenewWithANewDigest) {
    ASSERT_EQ(
        ltsign("seal " + q(docs) + " --tsa " + tsa->url() + " -o " + q(dir / "ers")).exit_code, 0);
    auto r = ltsign("renew " + q(dir / "ers") + " --tsa " + tsa->url());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(verify(dir / "ers").out);
    EXPECT_EQ(j["summary"]["passed"], 201);
    EXPECT_EQ(j["files"][0]["signatures"][0]["timestamps"].size(), 2u);
    EXPECT_TRUE(has_note(j["files"][0]["signatures"][0], "1 chain(s), 2"));

    r = ltsign("renew " + q(dir / "ers") + " --tsa " + tsa->url() + " --digest sha512 --data " +
               q(docs));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = nlohmann::json::parse(verify(dir / "ers").out);
    EXPECT_EQ(j["summary"]["passed"], 201);
    // (A DER record whose h(d) sorts after ha also notes that it needs unsorted concatenation.)
    EXPECT_TRUE(has_note(j["files"][0]["signatures"][0], "2 chain(s), 3"));
    // Three TSA requests in all: seal, renew, renew.
    EXPECT_EQ(test::read_bytes(dir / "serial"), std::vector<unsigned char>({'0', '3', '\n'}));
}

TEST_F(SealCli, XmlRecordsToo) {
    ASSERT_EQ(
        ltsign("seal " + q(docs) + " --format xml --tsa " + tsa->url() + " -o " + q(dir / "ers"))
            .exit_code,
        0);
    EXPECT_TRUE(fs::exists(dir / "ers" / "arende-0" / "handling-0.txt.ers.xml"));
    const auto j = nlohmann::json::parse(verify(dir / "ers").out);
    EXPECT_EQ(j["summary"]["passed"], 201);
    EXPECT_EQ(j["files"][0]["format"], "ers-xml");
}

TEST_F(SealCli, FailuresWriteNothing) {
    // TSA down: 69, no records, no manifest.
    auto r = ltsign("seal " + q(docs) + " --tsa " + test::dead_url() + " --timeout 3 -o " +
                    q(dir / "ers"));
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_FALSE(fs::exists(dir / "ers" / "manifest.json"));
    // Missing input: 66.
    EXPECT_EQ(ltsign("seal " + q(dir / "absent") + " --tsa " + tsa->url() + " -o " + q(dir / "ers"))
                  .exit_code,
              66);
    // Existing records are not replaced without --force: 73.
    ASSERT_EQ(
        ltsign("seal " + q(docs) + " --tsa " + tsa->url() + " -o " + q(dir / "ers")).exit_code, 0);
    EXPECT_EQ(
        ltsign("seal " + q(docs) + " --tsa " + tsa->url() + " -o " + q(dir / "ers")).exit_code, 73);
    // A renewal with the TSA down leaves every record as it was.
    const auto before = test::read_bytes(dir / "ers" / "arende-0" / "handling-0.txt.ers");
    r = ltsign("renew " + q(dir / "ers") + " --tsa " + test::dead_url() + " --timeout 3");
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_EQ(test::read_bytes(dir / "ers" / "arende-0" / "handling-0.txt.ers"), before);
    // No temporary files are left anywhere.
    for (const auto& e : fs::recursive_directory_iterator(dir / "ers")) {
        EXPECT_EQ(e.path().filename().string().find(".ltsign-"), std::string::npos) << e.path();
    }
}

TEST_F(SealCli, DataDigestInsteadOfTheDocument) {
    ASSERT_EQ(ltsign("seal " + q(docs / "arende-0" / "handling-0.txt") + " --tsa " + tsa->url() +
                     " -o " + q(dir / "one"))
                  .exit_code,
              0);
    const auto digest = test::run("(openssl dgst -sha256 -binary " +
                                  q(docs / "arende-0" / "handling-0.txt") + " | base64)");
    std::string b64 = digest.out;
    while (!b64.empty() && b64.back() == '\n') b64.pop_back();
    const auto r =
        ltsign("verify " + q(dir / "one" / "handling-0.txt.ers") + " --data-digest sha256:" + b64 +
               " --trust " + q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace ltsign
