// The one place a signature value is made or checked: prepare / sign / complete. Every format
// prepares the bytes to be signed (DER signed attributes, canonical SignedInfo), the key signs
// them here (a key from a file, a key in a PKCS#11 token) or a signer elsewhere does (two-phase
// signing), and the format completes the signature with the value after checking it here.
#pragma once

#include <openssl/evp.h>

#include <span>
#include <string>

#include "core/file_io.hpp"
#include "ltsign/sign.hpp"

namespace ltsign::detail {
struct SignerImpl;
}

namespace ltsign::crypto {

// How a value is laid out: DER (CMS: RFC 5753 ECDSA-Sig-Value) or raw (XMLDSig 1.1 6.4.3: r
// and s, each as long as the group order).
enum class EcdsaEncoding { der, raw };

// The signature of `tbs` (hashed with `md`, then signed with PKCS#1 v1.5, RSASSA-PSS with a salt
// as long as the digest and MGF1 over the same digest, or ECDSA) by the signer's key.
// Error(usage) when the signer holds only a certificate, Error(key_refused) when the key (a
// token) refuses.
core::Bytes sign_with_key(const detail::SignerImpl& signer, std::span<const unsigned char> tbs,
                          const EVP_MD* md, RsaPadding padding, EcdsaEncoding encoding);

// Whether `value` is a signature of `tbs` by the key of `cert`. An ECDSA value may be DER or raw.
bool value_matches(X509* cert, std::span<const unsigned char> tbs,
                   std::span<const unsigned char> value, const EVP_MD* md, RsaPadding padding);

// An ECDSA value in the layout `encoding` for the key of `cert` (either layout accepted);
// Error(key_refused) when it is neither: not a value this key could have made. Other values are
// returned unchanged.
core::Bytes ecdsa_as(X509* cert, std::span<const unsigned char> value, EcdsaEncoding encoding);

// A key of the same kind (RSA or EC) as `cert`'s, made once per process and never used for a
// signature anyone keeps: what xmlsec1 signs with when it computes a SignedInfo's reference
// digests, before the real key (or an external signer) signs the canonical SignedInfo. RSA 1024:
// its value is thrown away, so only its speed matters (one signature per XAdES signature).
EVP_PKEY* placeholder_key(X509* cert);

// "rsa-pkcs1-sha256", "rsa-pss-sha256", "ecdsa-sha384": the algorithm a signer must use.
std::string signature_algorithm_name(X509* cert, const EVP_MD* md, RsaPadding padding);

}  // namespace ltsign::crypto
