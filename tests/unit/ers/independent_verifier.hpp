// A second, deliberately simple implementation of the RFC 4998 verification walk, written for
// the tests and sharing nothing with the library: its own DER walker, OpenSSL for hashes and to
// read the token's imprint. It answers one question: does every archive time-stamp's imprint
// equal the hash-tree value computed for `document`?
#pragma once

#include <vector>

namespace ltsign::test {

bool independent_ers_check(const std::vector<unsigned char>& record,
                           const std::vector<unsigned char>& document);

}  // namespace ltsign::test
