// Robustness end to end: crash-safe in-place writes, resilient batches, hostile inputs.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <random>
#include <thread>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

TEST(Hardening, ExtendInPlaceKilledAtRandomMomentsLeavesOldOrNewAndNoDebris) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    const auto doc = dir / "beslut.txt";
    test::write_text(doc, "Beslut.\n");
    test::TsaProcess tsa(dir / "serial");
    std::mt19937 rng(20261127);
    int old_seen = 0, new_seen = 0;
    for (int round = 0; round < 15; ++round) {
        const auto sig = dir / "beslut.txt.p7s";
        ASSERT_EQ(ltsign("sign " + q(doc) + " --key " + q(pki("ec.p12")) +
                         " --pass-env LTSIGN_TEST_PASS --force -o " + q(sig))
                      .exit_code,
                  0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::execl(LTSIGN_BINARY, LTSIGN_BINARY, "extend", sig.c_str(), "--level", "T", "--tsa",
                    tsa.url().c_str(), "--in-place", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 120000));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        const auto r = ltsign("verify " + q(sig) + " --data " + q(doc) + " --trust " +
                              q(pki("root.pem")) + " --json");
        ASSERT_EQ(r.exit_code, 0) << "round " << round << ": " << r.out;
        const auto level = nlohmann::json::parse(r.out)["files"][0]["signatures"][0]["level"];
        (level == "B-T" ? new_seen : old_seen)++;
        for (const auto& e : fs::directory_iterator(dir.path())) {
            EXPECT_EQ(e.path().filename().string().find(".ltsign-"), std::string::npos)
                << "debris: " << e.path();
        }
    }
    std::cout << "killed 15 times: " << old_seen << " old, " << new_seen << " new\n";
}

// Group commit (one flush per batch) keeps the batch's crash safety: whenever the process dies,
// every record present is whole and verifies, the manifest appears only with all its records, and
// nothing else is left in the folder (the records wait nameless until they are durable).
TEST(Hardening, SealKilledAtRandomMomentsLeavesWholeRecordsOnlyAndNoDebris) {
    test::TempDir dir;
    fs::create_directories(dir / "docs");
    for (int i = 0; i < 300; ++i)
        test::write_text(dir / "docs" / ("d" + std::to_string(i) + ".txt"), std::to_string(i));
    test::TsaProcess tsa(dir / "serial");
    std::mt19937 rng(20261202);
    int empty = 0, partial = 0, whole = 0;
    for (int round = 0; round < 12; ++round) {
        const auto out = dir / ("out" + std::to_string(round));
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::execl(LTSIGN_BINARY, LTSIGN_BINARY, "seal", (dir / "docs").c_str(), "--tsa",
                    tsa.url().c_str(), "-o", out.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 1500000));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        std::size_t records = 0;
        bool manifest = false, manifest_record = false;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(out, ec);
             !ec && it != fs::recursive_directory_iterator(); ++it) {
            if (!it->is_regular_file()) continue;
            const std::string name = it->path().filename().string();
            EXPECT_EQ(name.find(".ltsign-"), std::string::npos) << "debris: " << it->path();
            if (name == "manifest.json") {
                manifest = true;
            } else if (name == "manifest.json.ers") {
                manifest_record = true;
            } else if (name.ends_with(".ers") && name != "manifest.json.ers") {
                ++records;
            }
        }
        if (manifest) EXPECT_EQ(records, 300u) << "round " << round;
        if (records == 0) {
            ++empty;
            continue;
        }
        (records == 300 && manifest ? whole : partial)++;
        // Killed between the last two moves: the manifest's record is whole, its manifest not
        // yet there, and the records stand on their own.
        if (manifest_record && !manifest) fs::remove(out / "manifest.json.ers");
        manifest_record = manifest;
        const auto r = ltsign("verify " + q(out) + " --data " + q(dir / "docs") + " --trust " +
                              q(pki("root.pem")) + " --json");
        ASSERT_EQ(r.exit_code, 0) << "round " << round << ": " << r.out.substr(0, 2000);
        EXPECT_EQ(nlohmann::json::parse(r.out)["summary"]["passed"].get<std::size_t>(),
                  records + (manifest_record ? 1 : 0));
    }
    std::cout << "killed 12 times: " << empty << " nothing written, " << partial
              << " some records, " << whole << " whole\n";
}

TEST(Hardening, BatchOf300WithThreeChangedDocuments) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    fs::create_directories(dir / "docs");
    for (int i = 0; i < 300; ++i)
        test::write_text(dir / "docs" / ("d" + std::to_string(i) + ".txt"), std::to_string(i));
    ASSERT_EQ(ltsign("sign " + q(dir / "docs") + " --key " + q(pki("ec.p12")) +
                     " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z -o " +
                     q(dir / "sigs"))
                  .exit_code,
              0);
    for (int i : {7, 150, 299})
        test::flip_byte(dir / "docs" / ("d" + std::to_string(i) + ".txt"), 0);
    const auto r = ltsign("verify " + q(dir / "sigs") + " --data " + q(dir / "docs") + " --trust " +
                          q(pki("root.pem")) + " --at 2026-12-01T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 1);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["summary"]["failed"], 3);
    EXPECT_EQ(j["summary"]["passed"], 297);
    EXPECT_EQ(j["summary"]["indeterminate"], 0);
    EXPECT_EQ(j["files"].size(), 300u);
    // Progress goes to a terminal only: nothing in a pipe, a counter under a pseudo-terminal.
    EXPECT_EQ(r.err.find("verifying"), std::string::npos);
    const std::string cmd = std::string(LTSIGN_BINARY) + " verify " + (dir / "sigs").string() +
                            " --data " + (dir / "docs").string() + " --trust " +
                            pki("root.pem").string();
    // Shown at once (LTSIGN_PROGRESS_AFTER=0; by default after a second): files, bytes, rate.
    auto tty = test::run("LTSIGN_PROGRESS_AFTER=0 script -qec " + q(cmd) + " /dev/null");
    EXPECT_NE(tty.out.find("verifying 300/300 files, "), std::string::npos)
        << tty.out.substr(0, 300);
    EXPECT_NE(tty.out.find("B/s"), std::string::npos) << tty.out.substr(0, 300);
    // Never with --json or --quiet, even on a terminal.
    for (const char* quiet : {" --json", " --quiet"}) {
        tty = test::run("LTSIGN_PROGRESS_AFTER=0 script -qec " + q(cmd + quiet) + " /dev/null");
        EXPECT_EQ(tty.out.find("verifying 3"), std::string::npos) << quiet;
    }
}

TEST(Hardening, HostileInputsGiveExit65) {
    test::TempDir dir;
    // 100,000 nested elements inside an evidence record.
    std::string deep = "<EvidenceRecord xmlns='urn:ietf:params:xml:ns:ers' Version='1.0'>";
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    test::write_text(dir / "deep.ers.xml", deep);
    // A DER header claiming 2 GiB.
    test::write_bytes(dir / "huge.p7s", {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09, 0x2a, 0x86,
                                         0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02});
    test::write_bytes(dir / "huge.ers",
                      {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01, 0x30, 0x00});
    test::write_text(dir / "empty.p7s", "");
    for (const char* f : {"deep.ers.xml", "huge.p7s", "huge.ers", "empty.p7s"}) {
        const auto r = ltsign("verify " + q(dir / f));
        EXPECT_EQ(r.exit_code, 65) << f << ": " << r.out << r.err;
    }
}

}  // namespace
}  // namespace ltsign
