// Long case (ctest label "long"): a delivery of 10,000 small files and one 2 GiB file ingests in
// bounded memory (the 2 GiB file streamed) with one TSA request (the seal's, which proves the
// receipt too), whatever its size.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::q;

TEST(Long, IngestTenThousandFilesAndTwoGibInBoundedMemory) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    const fs::path delivery = dir / "leverans";
    for (int i = 0; i < 10'000; ++i) {
        const fs::path sub = delivery / ("arende-" + std::to_string(i % 50));
        fs::create_directories(sub);
        test::write_text(sub / ("handling-" + std::to_string(i) + ".txt"),
                         "Handling " + std::to_string(i) + "\n");
    }
    const auto big = delivery / "scan-2g.bin";
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 2ll << 30), 0);  // 2 GiB, sparse: read back as zeros
    ::close(fd);
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto start = std::chrono::steady_clock::now();
    const auto [code, kib] = test::ltsign_measured(
        {"ingest", delivery.string(), "-o", (dir / "out").string(), "--key",
         test::pki("ec.p12").string(), "--pass-env", "LTSIGN_TEST_PASS", "--tsa", tsa.url(),
         "--trust", test::pki("root.pem").string(), "--at", "2026-06-02T00:00:00Z",
         "--signing-time", "2026-06-01T12:00:00Z", "--require", "any", "--quiet"});
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    ASSERT_EQ(code, 0);
    std::cout << "ingest of 10,000 files + 2 GiB: " << seconds.count() << " s, peak " << kib
              << " KiB\n";
    // Issue 17 asks for at most 64 MiB. Measured: 59-61 MiB (was 131 MiB while seal held every
    // record for its all-or-none write, 78 MiB while it built the manifest as a JSON tree and
    // kept each name as a std::filesystem::path in several lists); about 24 MiB of it is the
    // program and its libraries, the rest about 3.5 KiB a file.
    EXPECT_LE(kib, 64L * 1024 * test::k_sanitizer_memory_factor);
    EXPECT_EQ(test::read_text(dir / "serial"), "01\n");
    EXPECT_TRUE(fs::exists(dir / "out" / "records" / "scan-2g.bin.ers"));
    EXPECT_TRUE(fs::exists(dir / "out" / "records" / "arende-7" / "handling-7.txt.ers"));
}

}  // namespace
}  // namespace ltsign
