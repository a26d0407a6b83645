// Certificates decoded once per process. OpenSSL 3.0 decodes a certificate's public key through
// its provider decoders, building a decoder context per key: two thirds of the cost of reading a
// small CAdES signature. A batch of signatures from one signer carries the same few certificates
// thousands of times, so each distinct encoding is decoded once and shared (reference counted).
#pragma once

#include <array>
#include <span>

#include "crypto/ossl.hpp"

namespace ltsign::ossl {

// The certificate encoded by exactly `der` (every byte consumed), shared with every other caller
// that gave the same bytes; nullptr when `der` is not one certificate. Lookups compare the whole
// encoding, so a changed byte is a different certificate. Thread-safe and bounded: at most 512
// certificates and 4 MiB of encodings are kept (all dropped when either is reached), and one
// larger than 16 KiB is decoded for its caller alone.
Ptr<X509> shared_certificate(std::span<const unsigned char> der);

// SHA-256 of the certificate's encoding: remembered for the shared certificates, computed (with a
// digest fetched once, not per call) for any other.
std::array<unsigned char, 32> certificate_sha256(const X509* cert);

}  // namespace ltsign::ossl
