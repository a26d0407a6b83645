// End to end: ltsign ingest on an E-ARK/FGS package the test builds (METS with checksums, signed
// and unsigned documents, one wrong checksum, one unlisted file), then every output checked by
// ltsign and by independent tools (xmlsec1, python3-jwt), and tampered with.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::ltsign;
using test::pki;
using test::q;

// Debian's interpreter: python3-jwt is a Debian package (scripts/setup).
constexpr const char* k_python = "/usr/bin/python3";

std::string sha256_hex(const fs::path& file) {
    const auto r = test::run("sha256sum " + q(file));
    return r.out.substr(0, 64);
}

std::string mets_file(const std::string& id, const std::string& href, const std::string& sum,
                      const std::string& type = "SHA-256") {
    return "<mets:file ID=\"" + id + "\" CHECKSUM=\"" + sum + "\" CHECKSUMTYPE=\"" + type +
           "\"><mets:FLocat LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"" + href +
           "\"/></mets:file>";
}

class IngestCli : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        pkg = dir / "sip-1";
        const fs::path data = pkg / "representations" / "rep1" / "data";
        fs::create_directories(data);
        fs::create_directories(pkg / "metadata" / "descriptive");
        test::write_text(data / "beslut.txt", "Beslut om bygglov\n");
        test::write_text(data / "bilaga.txt", "Bilaga utan underskrift\n");
        test::write_text(data / "fel.txt", "Checksumman i METS stammer inte\n");
        test::write_text(data / "protokoll.xml", "<protokoll><punkt>1</punkt></protokoll>\n");
        test::write_text(pkg / "metadata" / "descriptive" / "ead.xml", "<ead/>\n");
        sign(data / "beslut.txt", "", data / "beslut.txt.p7s");
        sign(data / "protokoll.xml", " --format xades --packaging enveloped",
             dir / "protokoll-signed.xml");
        fs::rename(dir / "protokoll-signed.xml", data / "protokoll.xml");
        const std::string rep = "representations/rep1/data/";
        std::string mets =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<mets:mets xmlns:mets=\"http://www.loc.gov/METS/\" "
            "xmlns:xlink=\"http://www.w3.org/1999/xlink\" OBJID=\"sip-1\">"
            "<mets:dmdSec ID=\"dmd1\"><mets:mdRef LOCTYPE=\"URL\" MDTYPE=\"EAD\" "
            "xlink:type=\"simple\" xlink:href=\"metadata/descriptive/ead.xml\" CHECKSUM=\"" +
            sha256_hex(pkg / "metadata" / "descriptive" / "ead.xml") +
            "\" CHECKSUMTYPE=\"SHA-256\"/></mets:dmdSec><mets:fileSec><mets:fileGrp USE=\"Data\">";
        mets += mets_file("f1", rep + "beslut.txt", sha256_hex(data / "beslut.txt"));
        mets += mets_file("f2", rep + "beslut.txt.p7s", sha256_hex(data / "beslut.txt.p7s"));
        mets += mets_file("f3", rep + "protokoll.xml", sha256_hex(data / "protokoll.xml"));
        mets += mets_file("f4", rep + "bilaga.txt",
                          test::run("md5sum " + q(data / "bilaga.txt")).out.substr(0, 32), "MD5");
        mets += mets_file("f5", rep + "fel.txt", std::string(64, 'a'));
        mets += "</mets:fileGrp></mets:fileSec></mets:mets>\n";
        test::write_text(pkg / "METS.xml", mets);
        test::write_text(pkg / "extra.txt", "nobody listed me\n");
        tsa = std::make_unique<test::TsaProcess>(dir / "serial",
                                                 std::string("--test-clock ") + test::k_tsa_clock);
    }

    void sign(const fs::path& doc, const std::string& extra, const fs::path& out) {
        const auto r = ltsign("sign " + q(doc) + " --key " + q(pki("rsa.p12")) +
                              " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z" +
                              extra + " -o " + q(out));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    test::RunResult ingest(const fs::path& delivery, const fs::path& out,
                           const std::string& extra = "") {
        return ltsign(
            "ingest " + q(delivery) + " -o " + q(out) + " --key " + q(pki("ec.p12")) +
            " --pass-env LTSIGN_TEST_PASS --tsa " + tsa->url() + " --trust " + q(pki("root.pem")) +
            " --at 2026-06-02T00:00:00Z --signing-time 2026-06-01T12:00:00Z --json " + extra);
    }

    test::RunResult verify(const std::string& args) {
        return ltsign("verify " + args + " --trust " + q(pki("root.pem")) +
                      " --at 2026-06-02T00:00:00Z --json");
    }

    // Every SVT line of every .svt file below `out`, checked by PyJWT with the archive
    // certificate's key (not the token's own x5c): prints one JSON object of claims per token.
    test::RunResult jwt_check(const fs::path& out) {
        const fs::path script = dir / "check_svt.py";
        test::write_text(script,
                         "import sys, json, glob, jwt\n"
                         "from cryptography import x509\n"
                         "cert = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())\n"
                         "out = []\n"
                         "for f in sorted(glob.glob(sys.argv[2] + '/svt/**/*.svt', "
                         "recursive=True)):\n"
                         "    for line in open(f).read().split():\n"
                         "        h = jwt.get_unverified_header(line)\n"
                         "        assert h['typ'] == 'JWT' and h['alg'] == 'ES256', h\n"
                         "        out.append(jwt.decode(line, cert.public_key(), "
                         "algorithms=['ES256'], options={'verify_aud': False}))\n"
                         "print(json.dumps(out))\n");
        return test::run(std::string(k_python) + " " + q(script) + " " + q(pki("ec.pem")) + " " +
                         q(out));
    }

    std::map<std::string, std::string> tree_digests(const fs::path& root) {
        std::map<std::string, std::string> out;
        for (const auto& e : fs::recursive_directory_iterator(root))
            if (e.is_regular_file()) out[e.path().string()] = sha256_hex(e.path());
        return out;
    }

    test::TempDir dir;
    fs::path pkg;
    std::unique_ptr<test::TsaProcess> tsa;
};

TEST_F(IngestCli, PackageProblemsAreNamedAndTheDeliveryIsRefused) {
    const auto before = tree_digests(pkg);
    const auto r = ingest(pkg, dir / "out");
    ASSERT_EQ(r.exit_code, 1) << r.err << r.out.substr(0, 3000);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["ingest"]["accepted"], false);
    EXPECT_EQ(j["ingest"]["require"], "valid");
    EXPECT_NE(j["ingest"]["decision"].get<std::string>().find("1 checksum mismatch"),
              std::string::npos);
    std::map<std::string, std::string> problems;
    for (const auto& p : j["package"]["problems"]) problems[p["path"]] = p["kind"];
    EXPECT_EQ(problems["representations/rep1/data/fel.txt"], "checksum-mismatch");
    EXPECT_EQ(problems["extra.txt"], "unlisted");
    EXPECT_EQ(problems["representations/rep1/data/bilaga.txt"], "weak-checksum");
    EXPECT_EQ(problems.size(), 3u);
    EXPECT_EQ(j["package"]["metsId"], "sip-1");
    EXPECT_EQ(j["package"]["verified"], 4);  // beslut, its .p7s, protokoll, ead.xml
    const auto unsigned_files = j["unsignedFiles"].get<std::vector<std::string>>();
    for (const char* f : {"extra.txt", "representations/rep1/data/bilaga.txt",
                          "representations/rep1/data/fel.txt", "METS.xml"})
        EXPECT_NE(std::find(unsigned_files.begin(), unsigned_files.end(), f), unsigned_files.end())
            << f;
    EXPECT_EQ(unsigned_files.size(), 5u);  // and the descriptive metadata
    EXPECT_EQ(j["report"]["summary"]["passed"], 2);
    EXPECT_EQ(j["tokenCount"], 2);
    // Nothing in the delivery changed; one TSA request (the seal's), whatever the delivery.
    EXPECT_EQ(tree_digests(pkg), before);
    EXPECT_EQ(test::read_text(dir / "serial"), "01\n");
    for (const char* f :
         {"receipt.xml", "receipt.json", "records/manifest.json", "records/receipt.xml.ers",
          "svt/representations/rep1/data/beslut.txt.p7s.svt"})
        EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
}

TEST_F(IngestCli, RequireAnyAcceptsAndASecondRunGivesTheSameVerdicts) {
    auto r = ingest(pkg, dir / "out", "--require any");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto first = nlohmann::json::parse(r.out);
    EXPECT_EQ(first["ingest"]["accepted"], true);
    r = ingest(pkg, dir / "out2", "--require any");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto second = nlohmann::json::parse(r.out);
    EXPECT_EQ(first["report"]["summary"], second["report"]["summary"]);
    EXPECT_EQ(first["package"], second["package"]);
    EXPECT_EQ(first["unsignedFiles"], second["unsignedFiles"]);
    // An output folder that is not empty is refused (73), and left as it was.
    r = ingest(pkg, dir / "out", "--require any");
    EXPECT_EQ(r.exit_code, 73) << r.err;
    // --require signed refuses: documents without signature.
    r = ingest(pkg, dir / "out3", "--require signed");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out3" / "nothing"));
}

TEST_F(IngestCli, ReceiptVerifiesWithLtsignAndXmlsec1AndTamperingIsDetected) {
    ASSERT_EQ(ingest(pkg, dir / "out").exit_code, 1);
    const fs::path receipt = dir / "out" / "receipt.xml";
    auto r = verify(q(receipt));
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
    const auto x = test::run("xmlsec1 --verify --trusted-pem " + q(pki("root.pem")) +
                             " --untrusted-pem " + q(pki("chain.pem")) +
                             " --verification-time '2026-06-02 00:00:00' --id-attr:Id "
                             "'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' " +
                             q(receipt));
    EXPECT_EQ(x.exit_code, 0) << x.out << x.err;
    // The signed XML binds receipt.json by its digest.
    const std::string xml = test::read_text(receipt);
    EXPECT_NE(xml.find("ingest-receipt-json"), std::string::npos);
    EXPECT_NE(xml.find("refused (require valid)"), std::string::npos);

    // verify says what the receipt records, and that receipt.json beside it is the one bound.
    EXPECT_NE(r.out.find("receipt.json beside it is the one it binds"), std::string::npos)
        << r.out.substr(0, 3000);
    EXPECT_NE(r.out.find("refused (require valid)"), std::string::npos);

    // receipt.json edited after ingest: the signed receipt no longer vouches for it.
    const fs::path json = dir / "out" / "receipt.json";
    const std::string original = test::read_text(json);
    test::replace_first(json, "\"accepted\": false", "\"accepted\": true");
    r = verify(q(receipt));
    EXPECT_EQ(r.exit_code, 2) << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("changed after ingest"), std::string::npos) << r.out.substr(0, 2000);
    test::write_text(json, original);

    test::replace_first(receipt, "refused (require valid)", "accepted (require valid)");
    r = verify(q(receipt));
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
}

// The receipt is signed B-B: its proof of existence is the seal's record of it, found in
// records/ beside it, so the delivery's one time-stamp proves it too, and renewing the records
// renews it. A record changed since proves nothing, and says so.
TEST_F(IngestCli, TheReceiptIsProvenByItsRecordFromTheOneTimeStamp) {
    ASSERT_EQ(ingest(pkg, dir / "out", "--require any").exit_code, 0);
    const fs::path receipt = dir / "out" / "receipt.xml";
    auto r = verify(q(receipt));
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
    auto s = nlohmann::json::parse(r.out)["files"][0]["signatures"][0];
    EXPECT_EQ(s["level"], "B-B") << s.dump(2);
    EXPECT_NE(s.dump().find("the evidence record records/receipt.xml.ers proves the signature "
                            "existed"),
              std::string::npos)
        << s.dump(2);
    EXPECT_EQ(s["bestSignatureTime"], test::k_tsa_clock) << s.dump(2);

    // A receipt moved away from its records is still a valid B-B signature, with no such proof.
    fs::create_directories(dir / "alone");
    fs::copy_file(receipt, dir / "alone" / "receipt.xml");
    r = verify(q(dir / "alone" / "receipt.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
    EXPECT_EQ(r.out.find("records/receipt.xml.ers"), std::string::npos);

    // The record changed: it proves nothing, and the report says so; the verdict is never
    // resting on it.
    const fs::path record = dir / "out" / "records" / "receipt.xml.ers";
    auto bytes = test::read_bytes(record);
    bytes[bytes.size() / 2] ^= 0x01;
    test::write_bytes(record, bytes);
    r = verify(q(receipt));
    s = nlohmann::json::parse(r.out)["files"][0]["signatures"][0];
    EXPECT_EQ(s.dump().find("proves the signature existed"), std::string::npos) << s.dump(2);
    EXPECT_NE(s.dump().find("records/receipt.xml.ers beside it"), std::string::npos) << s.dump(2);
}

TEST_F(IngestCli, EachTokenVerifiesWithPyJwtAndBindsTheRightHashes) {
    ASSERT_EQ(ingest(pkg, dir / "out").exit_code, 1);
    auto r = jwt_check(dir / "out");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto tokens = nlohmann::json::parse(r.out);
    ASSERT_EQ(tokens.size(), 2u);
    const fs::path data = pkg / "representations" / "rep1" / "data";
    const auto b64_sha256 = [](const fs::path& file) {
        return test::run(std::string(k_python) +
                         " -c \"import hashlib,base64,sys; print(base64.b64encode(hashlib.sha256("
                         "open(sys.argv[1],'rb').read()).digest()).decode(), end='')\" " +
                         q(file))
            .out;
    };
    bool cms_seen = false, xml_seen = false;
    for (const auto& t : tokens) {
        const auto& c = t["sig_val_claims"];
        EXPECT_EQ(c["ver"], "1.0");
        EXPECT_EQ(c["hash_algo"], "http://www.w3.org/2001/04/xmlenc#sha256");
        const auto& sig = c["sig"][0];
        EXPECT_EQ(sig["sig_val"][0]["res"], "PASSED");
        EXPECT_EQ(sig["signer_cert_ref"]["type"].get<std::string>().rfind("chain", 0), 0u);
        if (c["profile"] == "urn:ltsign:svt:profile:cms:1.0") {
            cms_seen = true;
            EXPECT_EQ(sig["sig_data_ref"][0]["ref"], "representations/rep1/data/beslut.txt");
            EXPECT_EQ(sig["sig_data_ref"][0]["hash"], b64_sha256(data / "beslut.txt"));
        } else if (c["profile"] == "XML") {
            xml_seen = true;
            EXPECT_TRUE(sig["sig_ref"].contains("id"));
        }
        EXPECT_EQ(sig["sig_ref"]["sig_hash"].get<std::string>().size(), 44u);
        EXPECT_EQ(sig["sig_ref"]["sb_hash"].get<std::string>().size(), 44u);
    }
    EXPECT_TRUE(cms_seen && xml_seen);

    // A token whose claims were edited no longer verifies.
    const fs::path svt =
        dir / "out" / "svt" / "representations" / "rep1" / "data" / "beslut.txt.p7s.svt";
    std::string token = test::read_text(svt);
    const auto dot = token.find('.');
    token[dot + 10] = token[dot + 10] == 'A' ? 'B' : 'A';
    test::write_text(svt, token);
    r = jwt_check(dir / "out");
    EXPECT_NE(r.exit_code, 0);
}

TEST_F(IngestCli, LtsignVerifiesTokensAndRefusesOnesForAnotherSignatureOrAnUntrustedKey) {
    ASSERT_EQ(ingest(pkg, dir / "out").exit_code, 1);
    const fs::path data = pkg / "representations" / "rep1" / "data";
    const fs::path tokens = dir / "out" / "svt" / "representations" / "rep1" / "data";
    auto r = verify(q(tokens / "beslut.txt.p7s.svt") + " --data " + q(data / "beslut.txt.p7s"));
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 3000) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["files"][0]["format"], "svt");
    EXPECT_NE(j["files"][0]["signatures"][0]["signer"].get<std::string>().find("Test Signer EC"),
              std::string::npos)
        << j["files"][0]["signatures"][0]["signer"];
    EXPECT_NE(
        j.dump().find("the token records PASSED for representations/rep1/data/beslut.txt.p7s"),
        std::string::npos);

    // Every token of the output, each paired with its signature in the delivery.
    r = verify(q(dir / "out" / "svt") + " --data " + q(pkg));
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_EQ(nlohmann::json::parse(r.out)["summary"]["passed"], 2);

    // A token given another signature: by another name, said to be a mismatch (not passed);
    // under the signature's own name, it binds nothing there.
    r = verify(q(tokens / "protokoll.xml.svt") + " --data " + q(data / "beslut.txt.p7s"));
    EXPECT_EQ(r.exit_code, 2) << r.out.substr(0, 2000);
    fs::create_directories(dir / "swapped");
    fs::copy_file(tokens / "protokoll.xml.svt", dir / "swapped" / "beslut.txt.p7s.svt");
    r = verify(q(dir / "swapped" / "beslut.txt.p7s.svt") + " --data " + q(data / "beslut.txt.p7s"));
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("binds another signature"), std::string::npos) << r.out.substr(0, 2000);

    // Signed by a key the verifier does not trust: not passed.
    r = ltsign("verify " + q(tokens / "beslut.txt.p7s.svt") + " --data " +
               q(data / "beslut.txt.p7s") + " --trust " + q(pki("other-root.pem")) +
               " --at 2026-06-02T00:00:00Z --json");
    EXPECT_EQ(r.exit_code, 2) << r.out.substr(0, 2000);

    // The signed document changed after ingest: the token's data hash no longer matches.
    test::flip_byte(data / "beslut.txt", 0);
    r = verify(q(tokens / "beslut.txt.p7s.svt") + " --data " + q(data / "beslut.txt.p7s"));
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
    test::flip_byte(data / "beslut.txt", 0);

    // A token whose claims were edited: its JWS no longer verifies.
    std::string token = test::read_text(tokens / "beslut.txt.p7s.svt");
    const auto dot = token.find('.');
    token[dot + 12] = token[dot + 12] == 'A' ? 'B' : 'A';
    test::write_text(tokens / "beslut.txt.p7s.svt", token);
    r = verify(q(tokens / "beslut.txt.p7s.svt") + " --data " + q(data / "beslut.txt.p7s"));
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
}

// ASiC containers get tokens too: one per signature inside, XAdES in ASiC-S and ASiC-E by the XML
// profile (references naming entries), CAdES in ASiC-E (over its ASiCManifest) by ltsign's CMS
// profile; and so does a detached XAdES signature beside its document. Each verifies with PyJWT
// and with ltsign, and an entry changed afterwards fails it.
TEST_F(IngestCli, AsicContainersGetATokenPerSignature) {
    const fs::path delivery = dir / "leverans";
    fs::create_directories(delivery);
    test::write_text(dir / "beslut.txt", "Beslut om bygglov\n");
    test::write_text(dir / "ritning.txt", "Ritning\n");
    const std::string docs = q(dir / "beslut.txt") + " " + q(dir / "ritning.txt");
    sign(dir / "beslut.txt", " --format asic-s", delivery / "beslut.asics");
    ASSERT_EQ(ltsign("sign " + docs + " --format asic-e --key " + q(pki("rsa.p12")) +
                     " --pass-env LTSIGN_TEST_PASS -o " + q(delivery / "arende.asice"))
                  .exit_code,
              0);
    ASSERT_EQ(
        ltsign("sign " + docs + " --format asic-e --packaging cades --key " + q(pki("rsa.p12")) +
               " --pass-env LTSIGN_TEST_PASS -o " + q(delivery / "arende-cades.asice"))
            .exit_code,
        0);
    test::write_text(delivery / "protokoll.txt", "Protokoll\n");
    sign(delivery / "protokoll.txt", " --format xades", delivery / "protokoll.txt.xades.xml");
    auto r = ingest(delivery, dir / "out");
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 3000) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["tokenCount"], 4);
    r = jwt_check(dir / "out");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto claims = nlohmann::json::parse(r.out);
    ASSERT_EQ(claims.size(), 4u);
    std::set<std::string> profiles;
    for (const auto& c : claims) {
        const auto& sig = c["sig_val_claims"]["sig"][0];
        profiles.insert(c["sig_val_claims"]["profile"].get<std::string>());
        EXPECT_EQ(sig["sig_val"][0]["res"], "PASSED") << c.dump(2);
        EXPECT_FALSE(sig["sig_data_ref"].empty()) << c.dump(2);
    }
    EXPECT_TRUE(profiles.contains("XML")) << r.out;

    for (const char* name :
         {"beslut.asics", "arende.asice", "arende-cades.asice", "protokoll.txt.xades.xml"}) {
        r = verify(q(dir / "out" / "svt" / (std::string(name) + ".svt")) + " --data " +
                   q(delivery / name));
        EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.out.substr(0, 3000);
    }
    // The detached XAdES signature's document changed: its token binds other data.
    test::flip_byte(delivery / "protokoll.txt", 0);
    r = verify(q(dir / "out" / "svt" / "protokoll.txt.xades.xml.svt") + " --data " +
               q(delivery / "protokoll.txt.xades.xml"));
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
    // An entry of the container changed: the token binds other data (or another signature).
    fs::create_directories(dir / "changed");
    const fs::path copy = dir / "changed" / "arende.asice";
    // Rewritten with Python, so that the archive itself stays sound.
    ASSERT_EQ(test::run(std::string(k_python) + " -c \"import zipfile\nsrc=zipfile.ZipFile('" +
                        (delivery / "arende.asice").string() + "')\ndst=zipfile.ZipFile('" +
                        copy.string() +
                        "','w')\nfor i in src.infolist():\n d=src.read(i.filename)\n if "
                        "i.filename=='ritning.txt': d=b'Ritning 2\\\\n'\n dst.writestr(i,d)\n"
                        "dst.close()\"")
                  .exit_code,
              0);
    r = verify(q(dir / "out" / "svt" / "arende.asice.svt") + " --data " + q(copy));
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
}

TEST_F(IngestCli, ReceiptFollowsItsSchema) {
    ASSERT_EQ(ingest(pkg, dir / "out").exit_code, 1);
    const auto check = [&](const fs::path& doc, const char* schema) {
        return test::run(
            "/usr/bin/python3 -c 'import json,sys,jsonschema; "
            "jsonschema.validate(json.load(open(sys.argv[1])), "
            "json.load(open(sys.argv[2])))' " +
            q(doc) + " " + q(fs::path(LTSIGN_SOURCE_DIR) / "schemas" / schema));
    };
    auto r = check(dir / "out" / "receipt.json", "ingest-receipt.schema.json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(std::ifstream(dir / "out" / "receipt.json"));
    test::write_text(dir / "report.json", j["report"].dump());
    r = check(dir / "report.json", "verify-report.schema.json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(IngestCli, RecordsVerifyAndASealedFileChangedAfterIngestIsDetected) {
    ASSERT_EQ(ingest(pkg, dir / "out", "--require any").exit_code, 0);
    const std::string args =
        q(dir / "out" / "records") + " --data " + q(pkg) + " --data " + q(dir / "out");
    auto r = verify(args);
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["deliveries"][0]["complete"], true);
    test::flip_byte(pkg / "representations" / "rep1" / "data" / "bilaga.txt", 0);
    r = verify(args);
    EXPECT_EQ(r.exit_code, 1);
    j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["summary"]["failed"], 1);
}

// --seal package: the package's files as one data group under one record (records/sip-1.ers),
// still one TSA request; the records folder verifies against the package, and a file changed or
// removed afterwards is caught by the group's record and named by the manifest.
TEST_F(IngestCli, APackageSealedAsOneDataGroupVerifiesAndCatchesChanges) {
    auto r = ingest(pkg, dir / "out", "--require any --seal package");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto receipt = nlohmann::json::parse(r.out);
    EXPECT_EQ(receipt["ingest"]["seal"], "package");
    EXPECT_EQ(test::read_text(dir / "serial"), "01\n");
    const fs::path records = dir / "out" / "records";
    EXPECT_TRUE(fs::exists(records / "sip-1.ers"));
    EXPECT_FALSE(fs::exists(records / "METS.xml.ers"));
    EXPECT_TRUE(fs::exists(records / "receipt.xml.ers"));
    // The group's record, receipt.xml's and receipt.json's, and one per token file (two).
    EXPECT_EQ(receipt["records"], 5) << receipt["records"];

    const std::string args = q(records) + " --data " + q(pkg) + " --data " + q(dir / "out");
    r = verify(args);
    ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_EQ(nlohmann::json::parse(r.out)["deliveries"][0]["complete"], true);
    // The receipt is proven by its own record, as with a record per file.
    r = verify(q(dir / "out" / "receipt.xml"));
    EXPECT_NE(r.out.find("records/receipt.xml.ers proves"), std::string::npos);

    const fs::path bilaga = pkg / "representations" / "rep1" / "data" / "bilaga.txt";
    const std::string original = test::read_text(bilaga);
    test::flip_byte(bilaga, 0);
    r = verify(args);
    EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 3000);
    test::write_text(bilaga, original);
    fs::remove(bilaga);
    r = verify(args);
    EXPECT_NE(r.exit_code, 0) << r.out.substr(0, 3000);
    EXPECT_NE(r.out.find("representations/rep1/data/bilaga.txt"), std::string::npos);
}

TEST_F(IngestCli, ZipAndTarPackagesAreUnpackedPrivately) {
    const auto made = test::run(std::string(k_python) +
                                " -c \"import shutil,sys; shutil.make_archive(sys.argv[1], 'zip', "
                                "sys.argv[2], 'sip-1'); shutil.make_archive(sys.argv[1], 'tar', "
                                "sys.argv[2], 'sip-1')\" " +
                                q(dir / "sip") + " " + q(dir.path()));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    for (const char* name : {"sip.zip", "sip.tar"}) {
        const fs::path out = dir / (std::string("out-") + name);
        const auto r = ingest(dir / name, out, "--require any");
        ASSERT_EQ(r.exit_code, 0) << name << r.err;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["package"]["container"], std::string(name).substr(4));
        EXPECT_EQ(j["package"]["problems"].size(), 3u) << name;
        EXPECT_EQ(j["report"]["summary"]["passed"], 2) << name;
        EXPECT_TRUE(fs::exists(out / "records" / (std::string(name) + ".ers")));
    }
    // No working folder is left behind.
    for (const auto& e : fs::directory_iterator(dir.path()))
        EXPECT_EQ(e.path().filename().string().find(".ltsign-"), std::string::npos) << e.path();
}

TEST_F(IngestCli, MalformedMetsAndArchivesAreRefusedWithOneLine) {
    test::write_text(pkg / "METS.xml",
                     "<mets:mets xmlns:mets=\"http://www.loc.gov/METS/\"><unclosed>");
    auto r = ingest(pkg, dir / "out");
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out"));

    test::write_text(pkg / "METS.xml",
                     "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
                     "\"file:///etc/passwd\">]><mets>&e;</mets>");
    r = ingest(pkg, dir / "out");
    EXPECT_EQ(r.exit_code, 65) << r.err;

    test::write_text(pkg / "METS.xml", "<other xmlns=\"urn:x\"/>");
    r = ingest(pkg, dir / "out");
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_NE(r.err.find("not a METS document"), std::string::npos) << r.err;

    // A zip whose entry climbs out of the folder, and a truncated tar.
    const auto made = test::run(
        std::string(k_python) +
        " -c \"import zipfile,tarfile,sys,io\n"
        "z=zipfile.ZipFile(sys.argv[1]+'/evil.zip','w'); z.writestr('METS.xml','<x/>'); "
        "z.writestr('../escape.txt','x'); z.close()\n"
        "t=tarfile.open(sys.argv[1]+'/short.tar','w'); b=b'x'*4000; i=tarfile.TarInfo('METS.xml'); "
        "i.size=len(b); t.addfile(i, io.BytesIO(b)); t.close()\n"
        "d=open(sys.argv[1]+'/short.tar','rb').read(); "
        "open(sys.argv[1]+'/short.tar','wb').write(d[:2048])\" " +
        q(dir.path()));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    for (const char* name : {"evil.zip", "short.tar"}) {
        r = ingest(dir / name, dir / "out");
        EXPECT_EQ(r.exit_code, 65) << name << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(fs::exists(dir / "escape.txt"));
        EXPECT_FALSE(fs::exists(dir / "out"));
    }
}

}  // namespace
}  // namespace ltsign
