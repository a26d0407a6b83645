// Time travel (issue 14): a CAdES signature made at B-LTA in 2026 with a TSA whose certificate
// ends in 2037 proves nothing by 2040; renewed in 2035 with a second TSA (certificate 2034..2050)
// it verifies offline in 2040 (fixture: tests/support/time_travel.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "time_travel.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

using test::k_2040;
using test::LongTerm;

TEST_F(LongTerm, CadesLtaRenewedIn2035StillProvesTheSignatureIn2040) {
    const auto lta = dir / "protokoll.txt.p7s";
    const auto renewed = dir / "renewed.p7s";
    ASSERT_NO_FATAL_FAILURE(sign_and_renew(lta, renewed));
    expect_proven_in_2040(renewed);

    // A changed document still fails.
    const auto changed = dir / "changed.txt";
    test::write_text(changed, "Protokoll: kommunfullmaktige 2026-05-29.\n");
    const auto f = verify(renewed, k_2040, 1, changed);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);

    // openssl cms (an independent CMS implementation) still accepts the signature itself.
    const auto o = test::run("openssl cms -verify -binary -inform DER -in " + q(renewed) +
                             " -content " + q(doc) + " -CAfile " + q(pki("root.pem")) +
                             " -purpose any -attime 1780315200 -out /dev/null");
    EXPECT_EQ(o.exit_code, 0) << o.err;
}

}  // namespace
}  // namespace ltsign
