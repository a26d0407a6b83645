// Two-phase signing, for keys that live with a signing service (or anywhere ltsign cannot
// reach): prepare a signature, have the key's holder sign the data to be signed, complete it.
// The service never sees the document: only the DER signed attributes (CAdES) or the canonical
// SignedInfo (XAdES).
#pragma once

#include "ltsign/export.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ltsign/container.hpp"
#include "ltsign/sign.hpp"

namespace ltsign {

class LTSIGN_API PendingSignature {
  public:
    // What the signer signs (hash-and-sign): the DER signed attributes (CAdES and PAdES, RFC 5652
    // 5.4) or the canonical SignedInfo (XAdES, XMLDSig 3.1.2).
    std::vector<std::byte> to_be_signed() const;
    // Its digest with digest(), for signers that sign a digest (PKCS#1 v1.5 over a DigestInfo,
    // ECDSA).
    std::vector<std::byte> to_be_signed_digest() const;
    DigestAlgorithm digest() const;
    // "rsa-pkcs1-sha256", "rsa-pss-sha256" (salt as long as the digest, MGF1 with it),
    // "ecdsa-sha256" (the value DER or r||s).
    std::string signature_algorithm() const;
    Format format() const;
    TimePoint signing_time() const;
    // After this the pending signature is refused: the certificate was checked at prepare time,
    // and a document prepared long ago may have changed hands.
    TimePoint expires() const;
    // The time-stamping authority recorded at prepare time for level T; empty for level B.
    std::string tsa_url() const;

    // The pending file: one JSON document holding all completion needs (the prepared signature,
    // the data to be signed, the document's digest, the signing time, the expiry).
    std::string to_json() const;
    // Error(malformed_input) naming `what` for anything but a pending file ltsign wrote, or one
    // whose parts disagree (edited, truncated).
    static PendingSignature from_json(std::string_view json, const std::string& what);

    struct Impl;

  private:
    explicit PendingSignature(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
    friend PendingSignature prepare_signature(const std::filesystem::path&, const Signer&,
                                              const SignOptions&, std::chrono::seconds);
    friend PendingSignature prepare_container_signature(const std::vector<std::filesystem::path>&,
                                                        const Signer&, const SignOptions&,
                                                        const ContainerOptions&,
                                                        std::chrono::seconds);
    friend SignedObject complete_signature(const PendingSignature&, std::span<const std::byte>,
                                           const struct CompleteOptions&);
};

// Prepares a CAdES, XAdES or PAdES signature of `file` (options as for sign_file; level B or T)
// for the certificate of `signer` (Signer::from_certificate; a signer with its key works too),
// valid for `valid_for`. The certificate is checked at the signing time as sign_file checks it
// (Error(key_refused)). PAdES: the pending signature holds the PDF with the signature's update,
// whose /Contents completion fills.
LTSIGN_API PendingSignature prepare_signature(
    const std::filesystem::path& file, const Signer& signer, const SignOptions& options,
    std::chrono::seconds valid_for = std::chrono::hours(1));

// Prepares a new ASiC container of `files` (as sign_container: ASiC-S one document, ASiC-E
// several) with one signature (container.signature: XAdES, or CAdES) whose value a signer
// elsewhere makes. The pending signature holds the whole archive (up to 256 MiB); the document
// recorded (and checked at completion when given) is the first file. Completion yields the
// container.
LTSIGN_API PendingSignature
prepare_container_signature(const std::vector<std::filesystem::path>& files, const Signer& signer,
                            const SignOptions& options, const ContainerOptions& container,
                            std::chrono::seconds valid_for = std::chrono::hours(1));

struct LTSIGN_API CompleteOptions {
    // The document: checked to be the one prepared (its digest), and the result verified whole.
    std::optional<std::filesystem::path> document;
    // Must be the certificate the signature was prepared for (Error(key_refused) otherwise).
    std::optional<std::filesystem::path> certificate;
    // Intermediate certificates to add (unsigned parts: the CMS certificates, XAdES KeyInfo).
    std::vector<std::filesystem::path> chain;
    // Level T: the time-stamping authority.
    std::optional<TsaClient> tsa;
    // The time the expiry is judged at; empty: the system clock.
    std::optional<TimePoint> now;
};

// The finished signature: `value` (as the signer returned it; ECDSA DER or r||s) checked against
// the certificate over the data to be signed before anything is assembled. Error(key_refused)
// when it does not match (another key, other data) or the certificate is not the one prepared
// for, Error(malformed_input) when the pending signature expired, was changed, or the document
// is not the one prepared.
LTSIGN_API SignedObject complete_signature(const PendingSignature& pending,
                                           std::span<const std::byte> value,
                                           const CompleteOptions& options);

}  // namespace ltsign
