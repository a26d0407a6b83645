// RFC 9321 signature validation tokens (SVT): a JWT, signed by the archive's key, binding one
// validated signature (its value and signed bytes), the data it signs, the signer's certificate
// path and the validation result. Profiles: RFC 9321 Appendix A (XML) and B (PDF), and ltsign's
// profile for CMS/CAdES (docs/architecture.md, "SVT profile for CMS"), which follows the PDF one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "ltsign/report.hpp"
#include "ltsign/signer.hpp"
#include "ops/formats.hpp"

namespace ltsign::ops {

inline constexpr const char* k_svt_profile_cms = "urn:ltsign:svt:profile:cms:1.0";
inline constexpr const char* k_svt_hash_algo = "http://www.w3.org/2001/04/xmlenc#sha256";

// What identifies one signature, all hashes SHA-256 (hash_algo above).
struct SignatureBinding {
    std::string profile;            // "XML", "PDF" or k_svt_profile_cms
    std::optional<std::string> id;  // XML: the ds:Signature's Id
    core::Bytes sig_hash;           // of the signature value bytes
    core::Bytes sb_hash;            // of the Signed Bytes (canonical SignedInfo, DER SignedAttrs)
    struct Data {
        std::string ref;
        core::Bytes hash;  // empty: the data was not at hand (a detached document not given)
    };
    std::vector<Data> data;
    std::vector<core::Bytes> certificates;  // DER, every certificate the signature carries
    std::string problem;  // why the signed data could not be bound (no SVT is made then)
};

// Every signature of a signature file (CMS/CAdES, XML, PDF), in the order the report lists
// them; `document` is a detached signature's document, `document_ref` how a token names it.
// Time-stamp tokens and PDF document time-stamps are no signatures and are skipped. Empty for
// formats without a profile (ASiC containers, evidence records).
std::vector<SignatureBinding> bindings_of(const std::filesystem::path& file,
                                          const std::optional<std::filesystem::path>& document,
                                          const std::string& document_ref);

// What a token says about one signature, besides the binding.
struct SvtIssue {
    std::string issuer;
    TimePoint issued_at{};
    std::string policy_uri;   // sig_val pol
    std::string policy_name;  // ext
    std::string file;         // the signature file, relative to the delivery (ext)
};

// The SVT (JWS compact serialization) for `binding` and its verdict `report`, signed by
// `archive` (RS256, PS256 for an RSA-PSS key, ES256): Error(key_refused) for other keys.
std::string make_svt(const SignatureBinding& binding, const SignatureReport& report,
                     const Signer& archive, const SvtIssue& issue);

// A token read back: header and claims checked, its signature verified with the first x5c
// certificate. `problem` says what is wrong; empty when the JWS verifies.
struct ParsedSvt {
    std::string problem;
    bool signature_fails = false;  // the problem is that the JWS signature does not verify
    std::vector<core::Bytes> x5c;  // DER, the signer's first
    std::string alg;
    std::string claims_json;   // the payload
    std::string result;        // sig_val[0].res
    std::string message;       // sig_val[0].msg
    SignatureBinding binding;  // as the token states it
    std::optional<TimePoint> issued_at;
    std::string issuer;
};
ParsedSvt parse_svt(const std::string& token);

// RFC 7515 2: base64url without padding.
std::string base64url(std::span<const unsigned char> bytes);

// The tokens of an .svt file: one JWS compact serialization a line.
std::vector<std::string> svt_lines(const core::Bytes& bytes);
bool looks_like_svt(std::span<const unsigned char> bytes);

// An .svt file for the engine: one signature per token, by the token's x5c signer, over the
// signature it names (the first data object given, a file).
Evidence svt_evidence(const Input& in, const validation::DataObjects& objects);

}  // namespace ltsign::ops
