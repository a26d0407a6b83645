// ASiC containers end to end (issue 16): every variant signed and verified, tampering, entries
// added after signing, a second signature, time-stamped ASiC-S, long-term levels, a sealed
// container, and hostile archives built here (traversal, absolute and duplicate names, a ZIP
// bomb, truncation, a wrong mimetype, a local header that lies), each refused with one clear line
// and nothing written outside the working folder.
#include <gtest/gtest.h>

#include <chrono>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

constexpr const char* k_at = "--at 2026-06-02T00:00:00Z";

// Python's zipfile writes the archives ltsign must refuse (it lets a test write any name).
void python(const std::string& script) {
    const auto r = test::run("python3 -c " + q(script));
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

class Asic : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("LTSIGN_TEST_PASS", test::k_password, 1);
        test::write_text(dir / "beslut.txt", "Beslut: bygglov beviljas, Ekbacken 3:14.\n");
        test::write_text(dir / "karta.txt", "Karta over Ekbacken.\n");
    }
    test::RunResult sign(const std::string& files, const std::string& format, const fs::path& out,
                         const std::string& extra = "") {
        return ltsign("sign " + files + " --format " + format + " --key " + q(pki("rsa.p12")) +
                      " --pass-env LTSIGN_TEST_PASS --signing-time 2026-06-01T12:00:00Z " + extra +
                      " -o " + q(out));
    }
    json verify(const fs::path& file, int expected_exit, const std::string& extra = "") {
        const auto r = ltsign("verify " + q(file) + " --trust " + q(pki("root.pem")) + " " + k_at +
                              " --json " + extra);
        EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
        if (r.out.empty()) return json::object();
        return json::parse(r.out)["files"][0];
    }
    std::string docs() const { return q(dir / "beslut.txt") + " " + q(dir / "karta.txt"); }

    test::TempDir dir;
};

struct Variant {
    const char* format;
    const char* packaging;
    bool two_documents;
};

class AsicVariants : public Asic, public ::testing::WithParamInterface<Variant> {};

TEST_P(AsicVariants, SignsVerifiesAndFailsWhenAnEntryChanges) {
    const Variant v = GetParam();
    const auto out = dir / (std::string("c.") + (v.format[5] == 'e' ? "asice" : "asics"));
    const std::string files = v.two_documents ? docs() : q(dir / "beslut.txt");
    const auto r = sign(files, v.format, out, std::string("--packaging ") + v.packaging);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto f = verify(out, 0);
    EXPECT_EQ(f["format"], v.format);
    EXPECT_EQ(f["indication"], "TOTAL_PASSED") << f.dump(2);
    ASSERT_EQ(f["entries"].size(), v.two_documents ? 2u : 1u);
    for (const auto& e : f["entries"]) EXPECT_EQ(e["coveredBy"], json::array({0})) << f.dump(2);

    // mimetype first, stored (zipinfo: an independent reader) and the archive tests clean.
    const auto z = test::run("{ zipinfo -1 " + q(out) + " && zipinfo " + q(out) + " mimetype; }");
    EXPECT_EQ(z.out.rfind("mimetype\n", 0), 0u) << z.out;
    EXPECT_NE(z.out.find("stor"), std::string::npos) << z.out;
    EXPECT_EQ(test::run("unzip -tq " + q(out)).exit_code, 0);
    const auto head = test::read_bytes(out);
    const std::string magic(head.begin() + 30, head.begin() + 38 + 31);
    EXPECT_EQ(magic, std::string("mimetype") + "application/vnd.etsi." +
                         (v.format[5] == 'e' ? "asic-e" : "asic-s") + "+zip");

    // A changed document: rewritten with Python so the archive itself stays sound.
    python("import zipfile,sys\nsrc=zipfile.ZipFile(" + q(out) + ")\ndst=zipfile.ZipFile(" +
           q(dir / "changed.zip") +
           ",'w')\nfor i in src.infolist():\n d=src.read(i.filename)\n if i.filename=='beslut."
           "txt': d=d.replace(b'beviljas',b'avslas  ')\n dst.writestr(i,d)\ndst.close()");
    f = verify(dir / "changed.zip", 1);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);
    EXPECT_EQ(f["subIndication"], "HASH_FAILURE") << f.dump(2);
}

INSTANTIATE_TEST_SUITE_P(
    Containers, AsicVariants,
    ::testing::Values(Variant{"asic-e", "xades", true}, Variant{"asic-e", "cades", true},
                      Variant{"asic-s", "xades", false}, Variant{"asic-s", "cades", false}),
    [](const auto& info) {
        return std::string(info.param.format[5] == 'e' ? "E" : "S") + info.param.packaging;
    });

TEST_F(Asic, AnEntryAddedAfterSigningIsReportedAsNotCovered) {
    const auto out = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", out).exit_code, 0);
    python("import zipfile\nz=zipfile.ZipFile(" + q(out) +
           ",'a')\nz.writestr('tillagd.txt',b'added later')\nz.close()");
    const auto f = verify(out, 0);
    bool noted = false;
    for (const auto& c : f["signatures"][0]["noteCodes"]) noted = noted || c == "entry_not_covered";
    EXPECT_TRUE(noted) << f.dump(2);
    ASSERT_EQ(f["entries"].size(), 3u);
    EXPECT_EQ(f["entries"][2]["name"], "tillagd.txt");
    EXPECT_TRUE(f["entries"][2]["coveredBy"].empty());
    const auto i = ltsign("inspect " + q(out));
    EXPECT_NE(i.out.find("not covered: tillagd.txt"), std::string::npos) << i.out;
}

TEST_F(Asic, ASignedEntryRemovedIsSignedDataNotFound) {
    const auto out = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", out, "--packaging cades").exit_code, 0);
    ASSERT_EQ(test::run("zip -qd " + q(out) + " karta.txt").exit_code, 0);
    const auto f = verify(out, 2);
    EXPECT_EQ(f["subIndication"], "SIGNED_DATA_NOT_FOUND") << f.dump(2);
}

TEST_F(Asic, ASecondSignatureLeavesTheFirstValid) {
    for (const char* packaging : {"xades", "cades"}) {
        SCOPED_TRACE(packaging);
        const auto first = dir / (std::string("first-") + packaging + ".asice");
        const auto both = dir / (std::string("both-") + packaging + ".asice");
        ASSERT_EQ(sign(docs(), "asic-e", first, std::string("--packaging ") + packaging).exit_code,
                  0);
        const auto r = sign(q(first), "asic-e", both, "--packaging xades");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto f = verify(both, 0);
        ASSERT_EQ(f["signatures"].size(), 2u) << f.dump(2);
        for (const auto& s : f["signatures"]) EXPECT_EQ(s["indication"], "TOTAL_PASSED");
    }
    // ASiC-S with XAdES: a parallel ds:Signature in the same signatures.xml.
    const auto s1 = dir / "one.asics";
    const auto s2 = dir / "two.asics";
    ASSERT_EQ(sign(q(dir / "beslut.txt"), "asic-s", s1).exit_code, 0);
    ASSERT_EQ(sign(q(s1), "asic-s", s2).exit_code, 0);
    const auto f = verify(s2, 0);
    EXPECT_EQ(f["signatures"].size(), 2u) << f.dump(2);
}

TEST_F(Asic, TimestampedAsicsVerifiesAndRenewsWithAnArchiveManifest) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto out = dir / "beslut.asics";
    auto r = ltsign("timestamp " + q(dir / "beslut.txt") + " --format asic-s --tsa " + tsa.url() +
                    " -o " + q(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(test::run("{ unzip -l " + q(out) + " | grep -c META-INF/timestamp.tst; }").out,
              "1\n");
    auto f = verify(out, 0);
    EXPECT_EQ(f["signatures"][0]["type"], "timestamp") << f.dump(2);
    const auto renewed = dir / "renewed.asics";
    r = ltsign("extend " + q(out) + " --level LTA --tsa " + tsa.url() + " --trust " +
               q(pki("root.pem")) + " " + k_at + " -o " + q(renewed));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    f = verify(renewed, 0);
    EXPECT_EQ(f["signatures"][0]["timestamps"].size(), 1u) << f.dump(2);
    EXPECT_EQ(f["signatures"][0]["timestamps"][0]["type"], "archive-timestamp");
    // The archive manifest covers the first token: changing it breaks the renewal.
    python("import zipfile\nsrc=zipfile.ZipFile(" + q(renewed) + ")\ndst=zipfile.ZipFile(" +
           q(dir / "t.zip") +
           ",'w')\nfor i in src.infolist():\n d=src.read(i.filename)\n if "
           "i.filename=='META-INF/timestamp.tst': d=d[:-1]+bytes([d[-1]^1])\n "
           "dst.writestr(i,d)\ndst.close()");
    f = verify(dir / "t.zip", 1);
    EXPECT_EQ(f["indication"], "TOTAL_FAILED") << f.dump(2);
}

TEST_F(Asic, LongTermLevelsInsideTheContainer) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    for (const char* packaging : {"xades", "cades"}) {
        SCOPED_TRACE(packaging);
        const auto t = dir / (std::string("t-") + packaging + ".asice");
        auto r = sign(docs(), "asic-e", t,
                      std::string("--packaging ") + packaging + " --level T --tsa " + tsa.url());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto lta = dir / (std::string("lta-") + packaging + ".asice");
        r = ltsign("extend " + q(t) + " --level LTA --tsa " + tsa.url() + " --trust " +
                   q(pki("root.pem")) + " " + k_at + " -o " + q(lta));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        const auto f = verify(lta, 0, "--offline");
        EXPECT_EQ(f["signatures"][0]["level"], "B-LTA") << f.dump(2);
        EXPECT_EQ(f["indication"], "TOTAL_PASSED") << f.dump(2);
    }
}

TEST_F(Asic, SealWritesOneEvidenceRecordIntoTheContainer) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto out = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", out).exit_code, 0);
    const auto sealed = dir / "sealed.asice";
    const auto r =
        ltsign("seal " + q(out) + " --container --tsa " + tsa.url() + " -o " + q(sealed));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto l = test::run("unzip -l " + q(sealed));
    EXPECT_NE(l.out.find("META-INF/evidencerecord.ers"), std::string::npos) << l.out;
    EXPECT_NE(l.out.find("META-INF/ASiCEvidenceRecordManifest.xml"), std::string::npos);
    const auto f = verify(sealed, 0);
    ASSERT_EQ(f["signatures"].size(), 2u) << f.dump(2);
    EXPECT_EQ(f["signatures"][1]["type"], "evidence-record");
    EXPECT_EQ(f["signatures"][1]["indication"], "TOTAL_PASSED") << f.dump(2);
}

// An independent CMS implementation checks the CAdES signature over the ASiCManifest.
TEST_F(Asic, OpensslVerifiesTheCadesSignatureOverTheManifest) {
    const auto out = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", out, "--packaging cades").exit_code, 0);
    const auto x = dir / "x";
    ASSERT_EQ(test::run("mkdir " + q(x) + " && cd " + q(x) + " && unzip -q " + q(out)).exit_code,
              0);
    const auto o = test::run(
        "openssl cms -verify -binary -inform DER -in " + q(x / "META-INF/signature001.p7s") +
        " -content " + q(x / "META-INF/ASiCManifest001.xml") + " -CAfile " + q(pki("root.pem")) +
        " -purpose any -attime 1780315200 -out /dev/null");
    EXPECT_EQ(o.exit_code, 0) << o.err;
}

struct Hostile {
    std::string name;
    std::string body;  // Python that adds to (or rewrites) the archive at path p, zipfile z open
    std::string message;
};

void PrintTo(const Hostile& h, std::ostream* os) {
    *os << h.name;
}

// A valid ASiC-E start the cases build on: mimetype first and stored, a signature file.
std::string script_of(const Hostile& h) {
    return "import zipfile,sys,unicodedata\np=sys.argv[1]\n"
           "z=zipfile.ZipFile(p,'w')\n"
           "z.writestr(zipfile.ZipInfo('mimetype'),'application/vnd.etsi.asic-e+zip')\n"
           "z.writestr('META-INF/signatures001.xml','<x/>')\n" +
           h.body + "\nif z.fp: z.close()\n";
}

class AsicHostile : public Asic, public ::testing::WithParamInterface<Hostile> {};

TEST_P(AsicHostile, IsRefusedWithOneClearLineAndNothingWritten) {
    const Hostile& h = GetParam();
    const auto work = dir / "work";
    fs::create_directory(work);
    const auto file = work / "hostile.asice";
    const auto made = test::run("python3 -c " + q(script_of(h)) + " " + q(file));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    for (const char* command : {"verify", "inspect"}) {
        SCOPED_TRACE(command);
        const auto r = test::run("cd " + q(work) + " && " + q(LTSIGN_BINARY) + " " + command +
                                 " hostile.asice");
        EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
        EXPECT_NE((r.out + r.err).find(h.message), std::string::npos) << r.out << r.err;
    }
    // extend would write: it must refuse before anything exists.
    const auto e = test::run("cd " + q(work) + " && " + q(LTSIGN_BINARY) +
                             " extend hostile.asice --level LT -o out.asice");
    EXPECT_EQ(e.exit_code, 65) << e.out << e.err;
    EXPECT_EQ(std::distance(fs::directory_iterator(work), {}), 1);
    EXPECT_FALSE(fs::exists(dir / "evil.txt"));
    EXPECT_FALSE(fs::exists("/tmp/evil.txt"));
}

INSTANTIATE_TEST_SUITE_P(
    Archives, AsicHostile,
    ::testing::Values(
        Hostile{"traversal", "z.writestr('../evil.txt','x')", "leaves the container"},
        Hostile{"traversal_inside", "z.writestr('a/../../evil.txt','x')", "leaves the container"},
        Hostile{"absolute", "z.writestr(zipfile.ZipInfo('/tmp/evil.txt'),'x')", "an absolute path"},
        Hostile{"backslash", "z.writestr('..\\\\evil.txt','x')", "a backslash"},
        Hostile{"control", "z.writestr('evil\\x07.txt','x')", "a control character"},
        Hostile{"duplicate",
                "import warnings\nwarnings.simplefilter('ignore')\n"
                "z.writestr('a.txt','x')\nz.writestr('a.txt','y')",
                "occurs twice"},
        Hostile{"nfc",
                "z.writestr(unicodedata.normalize('NFC','r\\u00e4kning.txt'),'x')\n"
                "z.writestr(unicodedata.normalize('NFD','r\\u00e4kning.txt'),'y')",
                "equal after Unicode normalisation"},
        Hostile{"no_mimetype",
                "z.close()\nz=zipfile.ZipFile(p,'w')\nz.writestr('META-INF/signatures.xml','<x/>')"
                "\nz.writestr('a.txt','x')",
                "without a \"mimetype\" entry"},
        Hostile{"wrong_mimetype",
                "z.close()\nz=zipfile.ZipFile(p,'w')\n"
                "z.writestr(zipfile.ZipInfo('mimetype'),'application/zip')\n"
                "z.writestr('META-INF/signatures.xml','<x/>')",
                "not an ASiC container"},
        Hostile{"truncated_directory",
                "z.writestr('a.txt','x'*1000)\nz.close()\nb=open(p,'rb').read()\n"
                "open(p,'wb').write(b[:-30])",
                "not a complete ZIP archive"},
        Hostile{"local_header_lies",
                "z.writestr('a.txt','hello')\nz.close()\nb=bytearray(open(p,'rb').read())\n"
                "i=b.rfind(b'PK\\x03\\x04',0,b.find(b'a.txt'))\nb[i+8]=0x63\n"
                "open(p,'wb').write(bytes(b))",
                "inconsistent ZIP archive"}),
    [](const auto& info) { return info.param.name; });

// 300 MB of zeros deflated: refused from its central directory, in bounded memory.
TEST_F(Asic, ZipBombIsRefusedInBoundedMemory) {
    const auto bomb = dir / "bomb.asice";
    python("import zipfile\nz=zipfile.ZipFile(" + q(bomb) +
           ",'w')\nz.writestr(zipfile.ZipInfo('mimetype'),'application/vnd.etsi.asic-e+zip')\n"
           "z.writestr('META-INF/signatures001.xml','<x/>')\n"
           "i=zipfile.ZipInfo('zeros.bin')\ni.compress_type=zipfile.ZIP_DEFLATED\n"
           "w=z.open(i,'w',force_zip64=True)\nc=bytes(1<<20)\nfor _ in range(300): w.write(c)\n"
           "w.close()\nz.close()");
    const auto [code, peak_kib] = test::ltsign_measured({"verify", bomb.string()});
    EXPECT_EQ(code, 65);
    EXPECT_LT(peak_kib, 200L * 1024 * test::k_sanitizer_memory_factor) << peak_kib << " KiB";
    std::cout << "zip bomb refused with peak RSS " << peak_kib << " KiB\n";
}
}  // namespace
}  // namespace ltsign

namespace ltsign {
namespace {

// What an adversarial review found, each built here from a container ltsign signed: a second
// central directory carried in the archive comment (libzip read the genuine documents, every
// other ZIP reader the forged ones), bytes no entry accounts for (an unreferenced copy, data
// prepended), an entry whose data spans the next one; and a manifest no signature protects
// naming one large entry hundreds of times (each reference inflated and hashed it again).
TEST_F(Asic, ArchivesOtherReadersSeeDifferentlyAreRefused) {
    const auto signed_container = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", signed_container, "--packaging xades").exit_code, 0);
    const std::string c = q(signed_container);
    const std::vector<std::pair<std::string, std::string>> cases = {
        // A forged archive appended as the comment of the genuine end record.
        {"dual.asice",
         "import io,struct,zipfile\n"
         "d=open(" +
             c +
             ",'rb').read()\n"
             "b=io.BytesIO(); z=zipfile.ZipFile(b,'w')\n"
             "z.writestr('mimetype','application/vnd.etsi.asic-e+zip')\n"
             "z.writestr('beslut.txt','FORGED')\n"
             "z.close(); f=b.getvalue()\n"
             "e=d.rfind(b'PK\\x05\\x06')\n"
             "open('OUT','wb').write(d[:e+20]+struct.pack('<H',len(f))+f)\n"},
        // Data before the first entry (as a self-extracting stub would have).
        {"prepended.asice", "d=open(" + c + ",'rb').read()\nopen('OUT','wb').write(b'X'*64+d)\n"},
        // An unreferenced copy of an entry between the entries and the central directory.
        {"stray.asice",
         "import struct\n"
         "d=open(" +
             c +
             ",'rb').read()\n"
             "e=d.rfind(b'PK\\x05\\x06')\n"
             "cd=struct.unpack('<I',d[e+16:e+20])[0]\n"
             "stray=b'PK\\x03\\x04'+b'\\0'*40\n"
             "end=d[e:e+16]+struct.pack('<I',cd+len(stray))+d[e+20:]\n"
             "open('OUT','wb').write(d[:cd]+stray+d[cd:e]+end)\n"},
    };
    for (const auto& [name, script] : cases) {
        const auto out = dir / name;
        std::string s = script;
        s.replace(s.find("OUT"), 3, out.string());
        ASSERT_NO_FATAL_FAILURE(python(s)) << name;
        const auto r = ltsign("verify " + q(out) + " --trust " + q(pki("root.pem")));
        EXPECT_EQ(r.exit_code, 65) << name << "\n" << r.out << r.err;
        // A file that does not start with a local header is no container at all.
        if (name != "prepended.asice") {
            EXPECT_NE(r.out.find("other ZIP readers may see other documents"), std::string::npos)
                << name << "\n"
                << r.out;
        }
    }
}

// An unsigned entry named like a signed one but for case (or trailing dots, or invisible
// characters) is named as such: unpacked on Windows or macOS it would replace the signed one.
TEST_F(Asic, AnUnsignedLookAlikeOfASignedEntryIsNamed) {
    const auto out = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", out, "--packaging xades").exit_code, 0);
    python("import zipfile\nz=zipfile.ZipFile('" + out.string() +
           "','a')\nz.writestr('BESLUT.TXT','Beslut: bygglov avslas.')\nz.close()\n");
    const auto r = ltsign("verify " + q(out) + " --trust " + q(pki("root.pem")) + " " + k_at);
    EXPECT_NE(r.out.find("looks like the covered entry"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("beslut.txt"), std::string::npos) << r.out;
}

TEST_F(Asic, AManifestRepeatingOneEntryHashesItOnce) {
    test::TsaProcess tsa(dir / "serial", std::string("--test-clock ") + test::k_tsa_clock);
    const auto plain = dir / "c.asice";
    ASSERT_EQ(sign(docs(), "asic-e", plain).exit_code, 0);
    const auto sealed = dir / "sealed.asice";
    ASSERT_EQ(ltsign("seal " + q(plain) + " --container --tsa " + tsa.url() + " -o " + q(sealed))
                  .exit_code,
              0);
    // 2,000 references to a 16 MiB entry in the record's manifest, which nothing signs.
    const auto amplified = dir / "amplified.asice";
    python(
        "import zipfile,re,os\n"
        "z=zipfile.ZipFile('" +
        sealed.string() +
        "')\n"
        "items=[(i,z.read(i.filename)) for i in z.infolist()]\n"
        "o=zipfile.ZipFile('" +
        amplified.string() +
        "','w')\n"
        "for i,b in items:\n"
        "  if i.filename.endswith('ASiCEvidenceRecordManifest.xml'):\n"
        "    m=b.decode(); r=re.search(r'<asic:DataObjectReference URI=\"beslut.txt\".*?"
        "</asic:DataObjectReference>',m,re.S).group(0)\n"
        "    b=m.replace('</asic:ASiCManifest>',r.replace('beslut.txt','big.bin')*2000+"
        "'</asic:ASiCManifest>').encode()\n"
        "  o.writestr(i,b)\n"
        "o.writestr('big.bin',os.urandom(1<<24))\n"
        "o.close()\n");
    const auto start = std::chrono::steady_clock::now();
    const auto r = ltsign("verify " + q(amplified) + " --trust " + q(pki("root.pem")));
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    EXPECT_NE(r.exit_code, 0) << r.out;
    // Hashing 16 MiB once takes a fraction of a second; 2,000 times took minutes.
    EXPECT_LT(seconds.count(), 30.0) << r.out;
}

}  // namespace
}  // namespace ltsign
