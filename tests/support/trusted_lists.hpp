// Trusted lists (ETSI TS 119 612) made by the tests: XML written here, signed by xmlsec1 (an
// independent XMLDSig implementation, never ltsign's own code) with a scheme operator's key.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ltsign::test {

struct TlService {
    std::string name;
    std::string type = "CA/QC";      // after http://uri.etsi.org/TrstSvc/Svctype/
    std::string status = "granted";  // after .../TrustedList/Svcstatus/
    std::string since = "2020-01-01T00:00:00Z";
    std::vector<std::pair<std::string, std::string>> history;  // earlier {status, since}
    std::filesystem::path certificate;                         // PEM
};

struct TlProvider {
    std::string name;
    std::vector<TlService> services;
};

struct TlPointer {
    std::string url;
    std::string territory;
    std::filesystem::path signer;  // PEM of the certificate that signs the list pointed to
};

struct TlSpec {
    std::string territory = "SE";
    bool lotl = false;
    int sequence = 1;
    std::string issued = "2020-01-01T00:00:00Z";
    std::string next_update = "2099-01-01T00:00:00Z";
    std::vector<TlProvider> providers;
    std::vector<TlPointer> pointers;
};

// The list as XML with an enveloped ds:Signature template (URI "", enveloped-signature and
// exclusive C14N, SHA-256, ECDSA), ready for xmlsec1 --sign.
std::string trusted_list_template(const TlSpec& spec);

// Signs `spec` with xmlsec1 using `key` and `cert` (PEM; the certificate goes into KeyInfo) and
// writes the signed list to `out`. The calling test fails when xmlsec1 does.
void write_signed_list(const TlSpec& spec, const std::filesystem::path& key,
                       const std::filesystem::path& cert, const std::filesystem::path& out);

// The base64 DER of the first certificate in a PEM file.
std::string pem_body(const std::filesystem::path& pem);

}  // namespace ltsign::test
