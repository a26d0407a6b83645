// Certificates decoded once per process. OpenSSL 3.0 decodes a certificate's public key through
// its provider decoders, building a decoder context per key: two thirds of the cost of reading a
// small CAdES signature. A batch of signatures from one signer carries the same few certificates
// thousands of times, so each distinct encoding is decoded once and shared (reference counted).
#pragma once

#include <span>

#include "crypto/ossl.hpp"

namespace ltsign::ossl {

// The certificate encoded by exactly `der` (every byte consumed), shared with every other caller
// that gave the same bytes; nullptr when `der` is not one certificate. Lookups compare the whole
// encoding, so a changed byte is a different certificate. Thread-safe; at most a few hundred
// certificates are kept, the oldest generation dropped when full.
Ptr<X509> shared_certificate(std::span<const unsigned char> der);

}  // namespace ltsign::ossl
