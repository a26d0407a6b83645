#include "trusted_lists.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "helpers.hpp"

namespace ltsign::test {
namespace fs = std::filesystem;

namespace {

constexpr const char* k_status = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/";
constexpr const char* k_type = "http://uri.etsi.org/TrstSvc/Svctype/";

std::string names(const std::string& tag, const std::string& name) {
    return "<" + tag + "><Name xml:lang=\"en\">" + name + "</Name></" + tag + ">";
}

std::string address() {
    return "<PostalAddresses><PostalAddress xml:lang=\"en\"><StreetAddress>Testgatan "
           "1</StreetAddress><Locality>Stockholm</Locality><CountryName>SE</CountryName>"
           "</PostalAddress></PostalAddresses><ElectronicAddress><URI "
           "xml:lang=\"en\">mailto:tl@example.test</URI></ElectronicAddress>";
}

std::string identity(const fs::path& cert) {
    return "<ServiceDigitalIdentity><DigitalId><X509Certificate>" + pem_body(cert) +
           "</X509Certificate></DigitalId></ServiceDigitalIdentity>";
}

std::string service(const TlService& s) {
    std::string x = "<TSPService><ServiceInformation><ServiceTypeIdentifier>" +
                    std::string(k_type) + s.type + "</ServiceTypeIdentifier>" +
                    names("ServiceName", s.name) + identity(s.certificate) + "<ServiceStatus>" +
                    k_status + s.status + "</ServiceStatus><StatusStartingTime>" + s.since +
                    "</StatusStartingTime></ServiceInformation>";
    if (!s.history.empty()) {
        x += "<ServiceHistory>";
        for (const auto& [status, since] : s.history) {
            x += "<ServiceHistoryInstance><ServiceTypeIdentifier>" + std::string(k_type) + s.type +
                 "</ServiceTypeIdentifier>" + names("ServiceName", s.name) +
                 identity(s.certificate) + "<ServiceStatus>" + k_status + status +
                 "</ServiceStatus><StatusStartingTime>" + since +
                 "</StatusStartingTime></ServiceHistoryInstance>";
        }
        x += "</ServiceHistory>";
    }
    return x + "</TSPService>";
}

std::string pointers(const TlSpec& spec) {
    if (spec.pointers.empty()) return {};
    std::string x = "<PointersToOtherTSL>";
    for (const auto& p : spec.pointers) {
        x += "<OtherTSLPointer><ServiceDigitalIdentities>" + identity(p.signer) +
             "</ServiceDigitalIdentities><TSLLocation>" + p.url +
             "</TSLLocation><AdditionalInformation><OtherInformation><TSLType>"
             "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType>"
             "</OtherInformation><OtherInformation><SchemeTerritory>" +
             p.territory +
             "</SchemeTerritory></OtherInformation><OtherInformation><tslx:MimeType>"
             "application/vnd.etsi.tsl+xml</tslx:MimeType></OtherInformation>"
             "</AdditionalInformation></OtherTSLPointer>";
    }
    return x + "</PointersToOtherTSL>";
}

}  // namespace

std::string pem_body(const fs::path& pem) {
    std::istringstream in(read_text(pem));
    std::string line, out;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.rfind("-----BEGIN CERTIFICATE", 0) == 0) {
            inside = true;
        } else if (line.rfind("-----END CERTIFICATE", 0) == 0) {
            break;
        } else if (inside) {
            out += line;
        }
    }
    return out;
}

std::string trusted_list_template(const TlSpec& spec) {
    const std::string type =
        spec.lotl ? "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
                  : "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric";
    std::string x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\" "
        "xmlns:tslx=\"http://uri.etsi.org/02231/v2/additionaltypes#\" Id=\"tsl\" "
        "TSLTag=\"http://uri.etsi.org/19612/TSLTag\"><SchemeInformation>"
        "<TSLVersionIdentifier>5</TSLVersionIdentifier><TSLSequenceNumber>" +
        std::to_string(spec.sequence) + "</TSLSequenceNumber><TSLType>" + type + "</TSLType>" +
        names("SchemeOperatorName", "Test scheme operator " + spec.territory) +
        "<SchemeOperatorAddress>" + address() + "</SchemeOperatorAddress>" +
        names("SchemeName", spec.territory + ":Test trusted list") +
        "<SchemeInformationURI><URI xml:lang=\"en\">https://tl.example.test/" + spec.territory +
        "</URI></SchemeInformationURI><StatusDeterminationApproach>"
        "http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate"
        "</StatusDeterminationApproach><SchemeTerritory>" +
        spec.territory +
        "</SchemeTerritory><HistoricalInformationPeriod>65535</HistoricalInformationPeriod>" +
        pointers(spec) + "<ListIssueDateTime>" + spec.issued +
        "</ListIssueDateTime><NextUpdate><dateTime>" + spec.next_update +
        "</dateTime></NextUpdate></SchemeInformation>";
    if (!spec.providers.empty()) {
        x += "<TrustServiceProviderList>";
        for (const auto& p : spec.providers) {
            x += "<TrustServiceProvider><TSPInformation>" + names("TSPName", p.name) +
                 "<TSPAddress>" + address() +
                 "</TSPAddress><TSPInformationURI><URI xml:lang=\"en\">https://tsp.example.test/"
                 "</URI></TSPInformationURI></TSPInformation><TSPServices>";
            for (const auto& s : p.services) x += service(s);
            x += "</TSPServices></TrustServiceProvider>";
        }
        x += "</TrustServiceProviderList>";
    }
    x += "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"sig\">"
         "<ds:SignedInfo><ds:CanonicalizationMethod "
         "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/><ds:SignatureMethod "
         "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
         "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform "
         "Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform "
         "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
         "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
         "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"
         "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>";
    return x + "</TrustServiceStatusList>\n";
}

void write_signed_list(const TlSpec& spec, const fs::path& key, const fs::path& cert,
                       const fs::path& out) {
    const fs::path tmpl = out.string() + ".template.xml";
    write_text(tmpl, trusted_list_template(spec));
    const auto r = run("xmlsec1 --sign --privkey-pem " + q(key) + "," + q(cert) + " --output " +
                       q(out) + " " + q(tmpl));
    ASSERT_EQ(r.exit_code, 0) << "xmlsec1 --sign: " << r.out << r.err;
    fs::remove(tmpl);
}

}  // namespace ltsign::test
