// A second, deliberately simple implementation of the RFC 4998 verification walk, written for
// the tests and sharing nothing with the library: its own DER walker, OpenSSL for hashes and to
// read the token's imprint. It answers one question: does every archive time-stamp's imprint
// equal the hash-tree value computed for `document`?
//
// RFC 4998 4.3 is read two ways when a later list of a reduced hash tree already holds the value
// computed so far: the value joins the list anyway (`always`), or joins it only when absent
// (`when_absent`, so a list of that value alone passes it up unchanged). A record that is read
// the same by every verifier passes under both.
#pragma once

#include <vector>

namespace ltsign::test {

enum class JoinReading { always, when_absent };

bool independent_ers_check(const std::vector<unsigned char>& record,
                           const std::vector<unsigned char>& document,
                           JoinReading reading = JoinReading::always);

}  // namespace ltsign::test
