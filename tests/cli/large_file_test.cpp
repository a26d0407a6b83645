// Long cases (ctest label "long", not in the default run): multi-GB inputs are streamed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

TEST(Long, FourGibSparseFileIsSealedAndVerified) {
    test::TempDir dir;
    const auto big = dir / "docs" / "scan-4g.tif";
    fs::create_directories(big.parent_path());
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, (4ll << 30) + 17), 0);  // 4 GiB and a bit, sparse
    ::close(fd);
    test::TsaProcess tsa(dir / "serial");
    auto r =
        test::ltsign("seal " + q(dir / "docs") + " --tsa " + tsa.url() + " -o " + q(dir / "ers"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::ltsign("verify " + q(dir / "ers") + " --data " + q(dir / "docs") + " --trust " +
                     q(test::pki("root.pem")));
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

// A 5 GiB document (incompressible, so no ZIP bomb guard applies) in an ASiC-E: ZIP64 entries,
// signed and verified in at most 64 MiB of resident memory each.
TEST(Long, FiveGibAsicEntrySignsAndVerifiesInConstantMemory) {
    ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
    test::TempDir dir;
    const auto big = dir / "scan-5g.bin";
    ASSERT_EQ(test::run("{ head -c 5368709137 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 00 "
                        "-iv 00 -out " +
                        q(big) + "; }")
                  .exit_code,
              0);
    const auto out = dir / "big.asice";
    auto start = std::chrono::steady_clock::now();
    const auto [sign_code, sign_kib] =
        test::ltsign_measured({"sign", big.string(), "--format", "asic-e", "--key",
                               test::pki("rsa.p12").string(), "--pass-env", "LTSIGN_TEST_PASS",
                               "--signing-time", "2026-06-01T12:00:00Z", "-o", out.string()});
    const auto sign_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    ASSERT_EQ(sign_code, 0);
    fs::remove(big);
    start = std::chrono::steady_clock::now();
    const auto [verify_code, verify_kib] =
        test::ltsign_measured({"verify", out.string(), "--trust", test::pki("root.pem").string(),
                               "--at", "2026-06-02T00:00:00Z"});
    const auto verify_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    EXPECT_EQ(verify_code, 0);
    std::cout << "5 GiB ASiC-E: signed in " << sign_s.count() << " s, peak " << sign_kib
              << " KiB; verified in " << verify_s.count() << " s, peak " << verify_kib << " KiB\n";
    EXPECT_LE(sign_kib, 64L * 1024 * test::k_sanitizer_memory_factor);
    EXPECT_LE(verify_kib, 64L * 1024 * test::k_sanitizer_memory_factor);
    // A size past 4 GiB in the central directory is only possible in a ZIP64 extra field; Python's
    // zipfile (an independent reader) must read it.
    const auto z = test::run(
        "python3 -c \"import zipfile,sys; print(zipfile.ZipFile(sys.argv[1])"
        ".getinfo('scan-5g.bin').file_size)\" " +
        q(out));
    EXPECT_EQ(z.out, "5368709137\n") << z.err;
}

}  // namespace
}  // namespace ltsign
