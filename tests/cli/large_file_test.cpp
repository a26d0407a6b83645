// Long cases (ctest label "long", not in the default run): multi-GB inputs are streamed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

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

}  // namespace
}  // namespace ltsign
