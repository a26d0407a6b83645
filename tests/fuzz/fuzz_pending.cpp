// Two-phase signing's inputs: a pending file (JSON holding a SignedData, an XML signature or a
// PDF) and a PKCS#11 URI. Any bytes are refused with Error or accepted, never a crash; a pending
// file that is accepted completes only with a value that verifies.
#include <string>

#include "crypto/pkcs11.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    ltsign::fuzz::rejecting_errors([&] {
        const auto pending = ltsign::PendingSignature::from_json(text, "fuzz");
        // A value of zeros signs nothing: completion must refuse it.
        const std::vector<std::byte> zeros(64);
        ltsign::CompleteOptions how;
        how.now = pending.expires();
        static_cast<void>(ltsign::complete_signature(pending, zeros, how));
        __builtin_trap();
    });
    ltsign::fuzz::rejecting_errors(
        [&] { static_cast<void>(ltsign::crypto::parse_pkcs11_uri("pkcs11:" + text)); });
    return 0;
}
