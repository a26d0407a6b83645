// A sealed delivery is checked against its manifest: documents and records removed, records
// changed, files added and manifests edited are each named, and the delivery fails (exit 1).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

std::vector<std::string> names(const json& list) {
    std::vector<std::string> out;
    for (const auto& n : list) out.push_back(n.get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

// The report checked by an independent validator against schemas/verify-report.schema.json.
test::RunResult check_schema(const fs::path& document) {
    const fs::path s = fs::path(LTSIGN_SOURCE_DIR) / "schemas" / "verify-report.schema.json";
    return test::run(
        "/usr/bin/python3 -c 'import json,sys,jsonschema; "
        "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' " +
        q(document) + " " + q(s));
}

class Delivery : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        shared = std::make_unique<test::TempDir>();
        const fs::path docs = *shared / "leverans";
        for (int i = 0; i < 7; ++i) {
            const fs::path sub = docs / ("arende-" + std::to_string(i % 2));
            fs::create_directories(sub);
            test::write_text(sub / ("handling-" + std::to_string(i) + ".txt"),
                             "Handling " + std::to_string(i) + "\n");
        }
        test::TsaProcess tsa(*shared / "serial", std::string("--test-clock ") + test::k_tsa_clock);
        const auto r =
            ltsign("seal " + q(docs) + " --tsa " + tsa.url() + " -o " + q(*shared / "bevis"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    static void TearDownTestSuite() { shared.reset(); }

    // Each test works on its own copy of the sealed delivery.
    void SetUp() override {
        fs::copy(*shared / "leverans", docs, fs::copy_options::recursive);
        fs::copy(*shared / "bevis", ers, fs::copy_options::recursive);
    }
    test::RunResult verify(bool json_out = true, bool with_data = true) {
        return ltsign("verify " + q(ers) + (with_data ? " --data " + q(docs) : "") + " --trust " +
                      q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z" +
                      (json_out ? " --json" : ""));
    }
    json delivery_of(const test::RunResult& r) {
        const auto j = json::parse(r.out);
        EXPECT_TRUE(j.contains("deliveries")) << r.out.substr(0, 2000);
        if (!j.contains("deliveries") || j["deliveries"].empty()) return json::object();
        EXPECT_EQ(j["deliveries"].size(), 1u);
        return j["deliveries"][0];
    }
    // Changes one byte of the document's digest inside its record: the record stays
    // well-formed, so it is judged, not refused as malformed.
    void change_record(const std::string& relative) {
        const auto manifest = json::parse(std::ifstream(ers / "manifest.json"));
        std::string hex;
        for (const auto& d : manifest["documents"])
            if (d["path"] == relative) hex = d["digest"];
        ASSERT_FALSE(hex.empty());
        std::vector<unsigned char> digest;
        for (std::size_t i = 0; i < hex.size(); i += 2)
            digest.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        const fs::path record = ers / (relative + ".ers");
        const auto bytes = test::read_bytes(record);
        const auto at = std::search(bytes.begin(), bytes.end(), digest.begin(), digest.end());
        ASSERT_NE(at, bytes.end());
        test::flip_byte(record, static_cast<long>(at - bytes.begin()) + 3);
    }
    // manifest.json without the entry for `relative`, written as seal writes it.
    void drop_from_manifest(const std::string& relative) {
        auto manifest = json::parse(std::ifstream(ers / "manifest.json"));
        auto& list = manifest["documents"];
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const json& d) { return d["path"] == relative; }),
                   list.end());
        test::write_text(ers / "manifest.json", manifest.dump(2) + "\n");
    }

    static inline std::unique_ptr<test::TempDir> shared;
    test::TempDir dir;
    fs::path docs = dir / "leverans";
    fs::path ers = dir / "bevis";
};

TEST_F(Delivery, UntouchedDeliveryIsComplete) {
    const auto r = verify();
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 3000) << r.err;
    const auto d = delivery_of(r);
    EXPECT_EQ(d["complete"], true) << d.dump(2);
    EXPECT_EQ(d["manifestProtected"], true);
    EXPECT_EQ(d["sealedAt"], test::k_tsa_clock);
    EXPECT_EQ(d["documents"], 7);
    for (const char* list :
         {"missingDocuments", "missingRecords", "changedRecords", "unsealedFiles", "extraRecords"})
        EXPECT_TRUE(d[list].empty()) << list;
    test::write_text(dir / "report.json", r.out);
    const auto v = check_schema(dir / "report.json");
    EXPECT_EQ(v.exit_code, 0) << v.err;
    // The text report says so too.
    const auto t = verify(false);
    EXPECT_EQ(t.exit_code, 0);
    EXPECT_NE(t.out.find("delivery complete"), std::string::npos) << t.out;
}

struct Attack {
    std::string name;
    std::function<void(Delivery&)> apply;
    std::vector<std::string> missing_documents, missing_records, changed_records, unsealed,
        extra_records;
    bool manifest_protected = true;
};

void PrintTo(const Attack& a, std::ostream* os) {
    *os << a.name;
}

class DeliveryAttack : public Delivery, public ::testing::WithParamInterface<Attack> {
  public:
    void remove_document_and_record() {
        fs::remove(docs / "arende-1" / "handling-3.txt");
        fs::remove(ers / "arende-1" / "handling-3.txt.ers");
    }
    void remove_record() { fs::remove(ers / "arende-0" / "handling-4.txt.ers"); }
    void add_unsealed() { test::write_text(docs / "arende-0" / "inlagd.txt", "not sealed\n"); }
    void edit_manifest() { drop_from_manifest("arende-0/handling-2.txt"); }
    void change_a_record() { change_record("arende-1/handling-5.txt"); }
};

TEST_P(DeliveryAttack, IsAFailureNamingEachFile) {
    const Attack& a = GetParam();
    a.apply(*this);
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000) << r.err;
    const auto d = delivery_of(r);
    EXPECT_EQ(d["complete"], false) << d.dump(2);
    EXPECT_EQ(d["manifestProtected"], a.manifest_protected) << d.dump(2);
    EXPECT_EQ(names(d["missingDocuments"]), a.missing_documents) << d.dump(2);
    EXPECT_EQ(names(d["missingRecords"]), a.missing_records) << d.dump(2);
    EXPECT_EQ(names(d["changedRecords"]), a.changed_records) << d.dump(2);
    EXPECT_EQ(names(d["unsealedFiles"]), a.unsealed) << d.dump(2);
    EXPECT_EQ(names(d["extraRecords"]), a.extra_records) << d.dump(2);
    test::write_text(dir / "report.json", r.out);
    const auto v = check_schema(dir / "report.json");
    EXPECT_EQ(v.exit_code, 0) << v.err;

    // The text report names every file and says the delivery is incomplete.
    const auto t = verify(false);
    EXPECT_EQ(t.exit_code, 1);
    EXPECT_NE(t.out.find("delivery INCOMPLETE"), std::string::npos) << t.out;
    for (const auto* list : {&a.missing_documents, &a.missing_records, &a.changed_records,
                             &a.unsealed, &a.extra_records}) {
        for (const auto& n : *list) EXPECT_NE(t.out.find(n), std::string::npos) << n << t.out;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Manipulations, DeliveryAttack,
    ::testing::Values(Attack{"DocumentAndRecordRemoved",
                             [](Delivery& t) {
                                 static_cast<DeliveryAttack&>(t).remove_document_and_record();
                             },
                             {"arende-1/handling-3.txt"},
                             {"arende-1/handling-3.txt.ers"}},
                      Attack{"RecordRemoved",
                             [](Delivery& t) { static_cast<DeliveryAttack&>(t).remove_record(); },
                             {},
                             {"arende-0/handling-4.txt.ers"}},
                      Attack{"UnsealedFileAdded",
                             [](Delivery& t) { static_cast<DeliveryAttack&>(t).add_unsealed(); },
                             {},
                             {},
                             {},
                             {"arende-0/inlagd.txt"}},
                      // The entry's document and record are still there, now unlisted; the edit
                      // itself is caught by the manifest's own record.
                      Attack{"ManifestEntryRemoved",
                             [](Delivery& t) { static_cast<DeliveryAttack&>(t).edit_manifest(); },
                             {},
                             {},
                             {},
                             {"arende-0/handling-2.txt"},
                             {"arende-0/handling-2.txt.ers"},
                             false},
                      Attack{"RecordByteChanged",
                             [](Delivery& t) { static_cast<DeliveryAttack&>(t).change_a_record(); },
                             {},
                             {},
                             {"arende-1/handling-5.txt.ers"}},
                      Attack{"AllTogether",
                             [](Delivery& t) {
                                 auto& a = static_cast<DeliveryAttack&>(t);
                                 a.remove_document_and_record();
                                 a.remove_record();
                                 a.add_unsealed();
                                 a.change_a_record();
                                 a.edit_manifest();
                             },
                             {"arende-1/handling-3.txt"},
                             {"arende-0/handling-4.txt.ers", "arende-1/handling-3.txt.ers"},
                             {"arende-1/handling-5.txt.ers"},
                             {"arende-0/handling-2.txt", "arende-0/inlagd.txt"},
                             {"arende-0/handling-2.txt.ers"},
                             false}),
    [](const auto& info) { return info.param.name; });

// Review finding: entries the document walk leaves out (a file named like ltsign's temporary
// files, a FIFO, a link to a folder) were not reported when added to a sealed delivery.
TEST_F(Delivery, EntriesTheWalkLeavesOutAreReportedAsUnsealed) {
    test::write_text(docs / ".avtal.ltsign-x.pdf", "slipped in\n");
    ASSERT_EQ(::mkfifo((docs / "pipe").c_str(), 0644), 0);
    fs::create_directory_symlink(dir.path(), docs / "link");
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
    const auto d = delivery_of(r);
    EXPECT_EQ(d["complete"], false);
    const auto unsealed = d["unsealedFiles"].dump();
    for (const char* name : {".avtal.ltsign-x.pdf", "pipe", "link"})
        EXPECT_NE(unsealed.find(name), std::string::npos) << name << " " << unsealed;
}

TEST_F(Delivery, ManifestWithoutItsRecordIsNotProtected) {
    fs::remove(ers / "manifest.json.ers");
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
    const auto d = delivery_of(r);
    EXPECT_EQ(d["complete"], false);
    EXPECT_EQ(d["manifestProtected"], false);
    EXPECT_NE(d["problem"].get<std::string>().find("manifest.json.ers"), std::string::npos)
        << d.dump(2);
}

TEST_F(Delivery, RecordFromAnotherSealIsAChangedRecord) {
    // A record that verifies over the same document, but under another time-stamp: it does not
    // belong to this delivery.
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    ASSERT_EQ(ltsign("seal " + q(docs / "arende-0" / "handling-0.txt") + " --tsa " + tsa.url() +
                     " -o " + q(dir / "other"))
                  .exit_code,
              0);
    fs::copy_file(dir / "other" / "handling-0.txt.ers", ers / "arende-0" / "handling-0.txt.ers",
                  fs::copy_options::overwrite_existing);
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
    EXPECT_EQ(names(delivery_of(r)["changedRecords"]),
              std::vector<std::string>{"arende-0/handling-0.txt.ers"});
}

TEST_F(Delivery, RecordFolderAloneStillChecksEveryRecord) {
    auto r = verify(true, false);
    auto d = delivery_of(r);
    EXPECT_EQ(d["complete"], true) << d.dump(2);
    EXPECT_EQ(d["documentsChecked"], false);
    fs::remove(ers / "arende-0" / "handling-4.txt.ers");
    r = verify(true, false);
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
    d = delivery_of(r);
    EXPECT_EQ(d["complete"], false);
    EXPECT_EQ(names(d["missingRecords"]), std::vector<std::string>{"arende-0/handling-4.txt.ers"});
}

TEST_F(Delivery, RenewedDeliveryIsStillComplete) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    ASSERT_EQ(ltsign("renew " + q(ers) + " --tsa " + tsa.url()).exit_code, 0);
    auto r = verify();
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_EQ(delivery_of(r)["complete"], true);
    // Hash-tree renewal finds manifest.json beside its record, without another --data.
    const auto renew =
        ltsign("renew " + q(ers) + " --tsa " + tsa.url() + " --digest sha512 --data " + q(docs));
    ASSERT_EQ(renew.exit_code, 0) << renew.err;
    r = verify();
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_EQ(delivery_of(r)["complete"], true);
}

TEST_F(Delivery, NamesThatAreNotUtf8AreComparedAsTheManifestWritesThem) {
    test::TempDir own;
    const fs::path in = own / "in";
    fs::create_directories(in);
    test::write_text(in / "l\xF6n.txt", "lön\n");
    test::write_text(in / "plain.txt", "plain\n");
    test::TsaProcess tsa(own / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    ASSERT_EQ(ltsign("seal " + q(in) + " --tsa " + tsa.url() + " -o " + q(own / "out")).exit_code,
              0);
    const std::string args = "verify " + q(own / "out") + " --data " + q(in) + " --trust " +
                             q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z --json";
    auto r = ltsign(args);
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_EQ(delivery_of(r)["complete"], true);
    fs::remove(in / "l\xF6n.txt");
    r = ltsign(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(names(delivery_of(r)["missingDocuments"]), std::vector<std::string>{"l\\xF6n.txt"});
}

TEST_F(Delivery, SignaturesWithoutAManifestAreUnchanged) {
    // A folder of records without manifest.json is a set of records, as before: no delivery.
    fs::remove(ers / "manifest.json");
    fs::remove(ers / "manifest.json.ers");
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_FALSE(json::parse(r.out).contains("deliveries"));
}

}  // namespace
}  // namespace ltsign
