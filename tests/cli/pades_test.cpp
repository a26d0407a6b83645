// PAdES end to end (issue 15): signing B-B to B-LTA as incremental updates, document
// time-stamps, interop with poppler's pdfsig and qpdf, and the known PDF signature attacks, each
// built here from a PDF ltsign signed: incremental saving, signature wrapping, universal
// signature forgery, shadow hide / replace / hide-and-replace, spoofing; malformed PDFs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <zlib.h>

#include <map>
#include <regex>
#include <sstream>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "time_travel.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::ltsign;
using test::pki;
using test::q;

// A PDF written object by object: `objects[i]` is object i+1 ("stream:..." makes a stream of the
// rest), with a classic cross-reference table.
std::string pdf_of(const std::vector<std::string>& objects) {
    std::string out = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n";
        if (objects[i].rfind("stream:", 0) == 0) {
            const std::string data = objects[i].substr(7);
            out += "<< /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
                   "\nendstream\nendobj\n";
        } else {
            out += objects[i] + "\nendobj\n";
        }
    }
    const std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (auto o : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

// A one-page decision; object 6 is prepared but unused (the shadow attacks switch it in), object 7
// a text field whose value shows on the page.
std::string decision_pdf() {
    return pdf_of({
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] /DA (/Helv 12 Tf 0 g) >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << "
        "/Font << /F1 5 0 R >> >> /Annots [7 0 R] >>",
        "stream:BT /F1 18 Tf 72 760 Td (Bygglov beviljas) Tj ET",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "stream:BT /F1 18 Tf 72 760 Td (Bygglov avslas) Tj ET",
        "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Belopp) /V (100 kr) /Rect [72 700 300 720] "
        "/F 4 /P 3 0 R >>",
    });
}

// Appends an incremental update replacing or adding `objects` (number -> body), with a classic
// cross-reference section whose /Prev is the file's last one.
void append_update(const fs::path& file, const std::map<int, std::string>& objects, int size = 40,
                   int generation = 0) {
    const std::string gen = std::to_string(generation);
    std::string bytes = test::read_text(file);
    const auto at = bytes.rfind("startxref");
    ASSERT_NE(at, std::string::npos);
    const long prev = std::stol(bytes.substr(at + 9));
    std::map<int, std::size_t> offsets;
    for (const auto& [number, body] : objects) {
        offsets[number] = bytes.size();
        const bool flate = body.rfind("flate:", 0) == 0;
        if (body.rfind("stream:", 0) == 0 || flate) {
            const std::string data = body.substr(flate ? 6 : 7);
            bytes += std::to_string(number) + " " + gen + " obj\n<< /Length " +
                     std::to_string(data.size()) + (flate ? " /Filter /FlateDecode" : "") +
                     " >>\nstream\n" + data + "\nendstream\nendobj\n";
        } else {
            bytes += std::to_string(number) + " " + gen + " obj\n" + body + "\nendobj\n";
        }
    }
    const std::size_t xref = bytes.size();
    bytes += "xref\n";
    for (const auto& [number, offset] : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu %05d n \n", offset, generation);
        bytes += std::to_string(number) + " 1\n" + line;
    }
    bytes += "trailer\n<< /Size " + std::to_string(size) + " /Root 1 0 R /Prev " +
             std::to_string(prev) + " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    test::write_text(file, bytes);
}

class Pades : public ::testing::Test {
  protected:
    void SetUp() override {
        plain = dir / "beslut.pdf";
        test::write_text(plain, decision_pdf());
        signed_pdf = dir / "beslut-signerat.pdf";
        sign(plain, signed_pdf);
    }

    void sign(const fs::path& in, const fs::path& out, const std::string& extra = "") {
        const auto r = ltsign("sign " + q(in) + " --format pades --key " + q(pki("rsa.key")) +
                              " --cert " + q(pki("rsa.pem")) + " --chain " + q(pki("chain.pem")) +
                              " " + extra + " -o " + q(out));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }

    json verify(const fs::path& pdf, int expected) {
        const auto r = ltsign("verify " + q(pdf) + " --trust " + q(pki("root.pem")) + " --json");
        EXPECT_EQ(r.exit_code, expected) << r.out << r.err;
        return json::parse(r.out)["files"][0];
    }

    // An NSS database trusting the test root, for poppler's pdfsig.
    fs::path nss_db() {
        const auto nss = dir / "nss";
        if (fs::exists(nss)) return nss;
        fs::create_directories(nss);
        EXPECT_EQ(test::run("certutil -N -d sql:" + q(nss) + " --empty-password").exit_code, 0);
        EXPECT_EQ(test::run("certutil -A -d sql:" + q(nss) + " -n root -t CT,C,C -i " +
                            q(pki("root.pem")))
                      .exit_code,
                  0);
        return nss;
    }

    // pdfsig's verdict on the first signature (it cannot validate document time-stamps).
    void expect_pdfsig_valid(const fs::path& pdf) {
        const auto p = test::run("pdfsig -nssdir sql:" + q(nss_db()) + " " + q(pdf));
        EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
        const auto first = p.out.find("Signature #1:");
        const auto second = p.out.find("Signature #2:");
        ASSERT_NE(first, std::string::npos) << p.out;
        const std::string one =
            p.out.substr(first, second == std::string::npos ? std::string::npos : second - first);
        EXPECT_NE(one.find("Signature is Valid"), std::string::npos) << p.out;
        EXPECT_NE(one.find("Certificate is Trusted"), std::string::npos) << p.out;
    }

    static std::string notes(const json& signature) {
        std::string out;
        for (const auto& n : signature["notes"]) out += n.get<std::string>() + "\n";
        return out;
    }

    test::TempDir dir;
    fs::path plain, signed_pdf;
};

TEST_F(Pades, SignsAsAnIncrementalUpdateThatVerifiesHereInPdfsigAndInQpdf) {
    const auto original = test::read_bytes(plain);
    const auto bytes = test::read_bytes(signed_pdf);
    ASSERT_GT(bytes.size(), original.size());
    EXPECT_TRUE(std::equal(original.begin(), original.end(), bytes.begin()))
        << "the original's bytes are the signed file's first bytes";

    const auto f = verify(signed_pdf, 0);
    EXPECT_EQ(f["format"], "pades");
    const auto& s = f["signatures"][0];
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << f.dump(2);
    EXPECT_EQ(s["level"], "B-B");
    EXPECT_NE(notes(s).find("covers revision 2 of 2"), std::string::npos) << notes(s);

    const auto check = test::run("qpdf --check " + q(signed_pdf));
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

    // poppler's pdfsig, with the test root in an NSS database.
    const auto nss = dir / "nss";
    fs::create_directories(nss);
    ASSERT_EQ(test::run("certutil -N -d sql:" + q(nss) + " --empty-password").exit_code, 0);
    ASSERT_EQ(
        test::run("certutil -A -d sql:" + q(nss) + " -n root -t CT,C,C -i " + q(pki("root.pem")))
            .exit_code,
        0);
    const auto p = test::run("pdfsig -nssdir sql:" + q(nss) + " " + q(signed_pdf));
    EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
    EXPECT_NE(p.out.find("Signature is Valid"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("Total document signed"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("ETSI.CAdES.detached"), std::string::npos) << p.out;

    // A second signature leaves the first one valid: it is a permitted change.
    const auto twice = dir / "twice.pdf";
    sign(signed_pdf, twice);
    const auto g = verify(twice, 0);
    ASSERT_EQ(g["signatures"].size(), 2u) << g.dump(2);
    EXPECT_EQ(g["signatures"][0]["indication"], "TOTAL_PASSED") << g.dump(2);
    EXPECT_NE(notes(g["signatures"][0]).find("a signature was added in field Signature2"),
              std::string::npos)
        << notes(g["signatures"][0]);
    const auto p2 = test::run("pdfsig -nssdir sql:" + q(nss) + " " + q(twice));
    EXPECT_EQ(p2.out.find("Signature is Invalid"), std::string::npos) << p2.out;
}

TEST_F(Pades, PdfsigSignaturesVerifyHere) {
    const auto nss = dir / "nss";
    fs::create_directories(nss);
    ASSERT_EQ(test::run("certutil -N -d sql:" + q(nss) + " --empty-password").exit_code, 0);
    ASSERT_EQ(
        test::run("certutil -A -d sql:" + q(nss) + " -n root -t CT,C,C -i " + q(pki("root.pem")))
            .exit_code,
        0);
    const auto p12 = dir / "signer.p12";
    ASSERT_EQ(test::run("openssl pkcs12 -export -inkey " + q(pki("rsa.key")) + " -in " +
                        q(pki("rsa.pem")) + " -certfile " + q(pki("chain.pem")) +
                        " -name signer -passout pass: -out " + q(p12))
                  .exit_code,
              0);
    const auto import = test::run("pk12util -i " + q(p12) + " -d sql:" + q(nss) + " -W ''");
    ASSERT_EQ(import.exit_code, 0) << import.out << import.err;
    const auto out = dir / "pdfsig.pdf";
    const auto made = test::run("pdfsig -nssdir sql:" + q(nss) + " -add-signature -nick signer " +
                                q(plain) + " " + q(out));
    ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
    const auto f = verify(out, 0);
    EXPECT_EQ(f["signatures"][0]["indication"], "TOTAL_PASSED") << f.dump(2);
}

TEST_F(Pades, AnyByteInsideTheByteRangeChangedFails) {
    for (const char* what : {"Bygglov beviljas", "/MediaBox [0 0 595 842]"}) {
        const auto copy = dir / "tampered.pdf";
        fs::copy_file(signed_pdf, copy, fs::copy_options::overwrite_existing);
        auto bytes = test::read_bytes(copy);
        const std::string needle(what);
        const auto at = test::find_bytes(bytes, {needle.begin(), needle.end()});
        ASSERT_NE(at, std::string::npos);
        bytes[at + 2] ^= 0x01;
        test::write_bytes(copy, bytes);
        const auto f = verify(copy, 1);
        EXPECT_EQ(f["signatures"][0]["indication"], "TOTAL_FAILED") << what << f.dump(2);
    }
    // A byte of the signature's own bytes after /Contents (its update's trailer).
    const auto copy = dir / "tail.pdf";
    fs::copy_file(signed_pdf, copy);
    test::replace_first(copy, "/Root 1 0 R /ID", "/Root 1 0 R /Id");
    EXPECT_NE(verify(copy, 1)["indication"], "TOTAL_PASSED");
}

// Incremental saving attack: new page content appended after signing.
TEST_F(Pades, IncrementalSavingIsCaughtAndTheSignedRevisionCanBeExtracted) {
    const auto attacked = dir / "attacked.pdf";
    fs::copy_file(signed_pdf, attacked);
    append_update(attacked, {{4, "stream:BT /F1 18 Tf 72 760 Td (Bygglov avslas) Tj ET"}});
    const auto f = verify(attacked, 2);
    const auto& s = f["signatures"][0];
    EXPECT_EQ(s["indication"], "INDETERMINATE") << f.dump(2);
    EXPECT_EQ(s["subIndication"], "SIG_CONSTRAINTS_FAILURE") << f.dump(2);
    EXPECT_NE(notes(s).find("page 1's content or resources were changed"), std::string::npos)
        << notes(s);

    // The same update without its %%EOF: readers still show it, so it is still compared.
    const auto no_eof = dir / "no-eof.pdf";
    std::string text = test::read_text(attacked);
    text.resize(text.size() - std::string("%%EOF\n").size());
    test::write_text(no_eof, text);
    const auto r0 = ltsign("verify " + q(no_eof) + " --trust " + q(pki("root.pem")));
    EXPECT_NE(r0.exit_code, 0) << r0.out;
    EXPECT_NE(r0.out.find("page 1's content or resources were changed"), std::string::npos)
        << r0.out;

    const auto revision = dir / "revision.pdf";
    const auto r = ltsign("verify " + q(attacked) + " --extract-revision 2 -o " + q(revision));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(test::read_bytes(revision), test::read_bytes(signed_pdf));
    EXPECT_EQ(verify(revision, 0)["indication"], "TOTAL_PASSED");
    EXPECT_EQ(
        ltsign("verify " + q(attacked) + " --extract-revision 9 -o " + q(dir / "x.pdf")).exit_code,
        64);

    // A page added after signing: the document shown is not a version of the one signed.
    const auto paged = dir / "paged.pdf";
    fs::copy_file(signed_pdf, paged);
    append_update(paged, {{2, "<< /Type /Pages /Kids [3 0 R 30 0 R] /Count 2 >>"},
                          {30,
                           "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 "
                           "0 R /Resources << /Font << /F1 5 0 R >> >> >>"}});
    const auto g = verify(paged, 1);
    EXPECT_EQ(g["signatures"][0]["subIndication"], "FORMAT_FAILURE") << g.dump(2);
}

// Shadow attacks: objects prepared before signing switched in after it.
TEST_F(Pades, ShadowHideReplaceAndHideAndReplaceAreCaught) {
    struct Case {
        const char* name;
        std::map<int, std::string> update;
        const char* listed;
    };
    const std::vector<Case> cases = {
        // hide-and-replace: the page now shows the prepared content stream.
        {"hide-and-replace",
         {{3,
           "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R /Resources "
           "<< /Font << /F1 5 0 R >> >> /Annots [7 0 R] >>"}},
         "page 1's content or resources were changed"},
        // replace: the form field shows another value.
        {"replace",
         {{7,
           "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Belopp) /V (100 000 kr) /Rect [72 700 "
           "300 720] /F 4 /P 3 0 R >>"}},
         "form field"},
        // hide: the font is switched.
        {"hide",
         {{5, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"}},
         "page 1's content or resources were changed"},
    };
    for (const auto& c : cases) {
        const auto attacked = dir / (std::string(c.name) + ".pdf");
        fs::copy_file(signed_pdf, attacked);
        append_update(attacked, c.update);
        const auto f = verify(attacked, 2);
        const auto& s = f["signatures"][0];
        EXPECT_EQ(s["subIndication"], "SIG_CONSTRAINTS_FAILURE") << c.name << f.dump(2);
        EXPECT_NE(notes(s).find(c.listed), std::string::npos) << c.name << notes(s);
    }
}

// The body of object `number` as the file's latest revision writes it.
std::string latest_object(const std::string& text, int number) {
    const std::string head = "\n" + std::to_string(number) + " 0 obj\n";
    const auto at = text.rfind(head);
    if (at == std::string::npos) return "";
    const auto from = at + head.size();
    return text.substr(from, text.find("\nendobj", from) - from);
}

// What an adversarial review of the verifier found (each a false TOTAL_PASSED before): objects
// made annotations or fields after signing to escape comparison, constructs qpdf reads one way
// and other readers another, an unsigned visible signature field, a field claiming another's
// signature, a signed annotation removed.
TEST_F(Pades, ReviewFindingsAreCaught) {
    const std::string courier = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>";
    const std::string text = test::read_text(signed_pdf);
    const std::string page = latest_object(text, 3);
    const std::string root = latest_object(text, 1);
    ASSERT_FALSE(page.empty());
    ASSERT_FALSE(root.empty());
    auto with_annots = [&](const std::string& more) {
        return std::regex_replace(page, std::regex(R"(/Annots \[([^\]]*)\])"),
                                  "/Annots [$1 " + more + "]");
    };
    auto with_fields = [&](const std::string& more) {
        return std::regex_replace(root, std::regex(R"(/Fields \[([^\]]*)\])"),
                                  "/Fields [$1 " + more + "]");
    };
    std::smatch v;
    ASSERT_TRUE(
        std::regex_search(text, v, std::regex(R"(/FT /Sig /T \(Signature1\) /V (\d+ 0 R))")));
    struct Case {
        const char* name;
        std::map<int, std::string> update;
        int generation;
    };
    const std::vector<Case> cases = {
        {"font listed as an annotation and changed", {{3, with_annots("5 0 R")}, {5, courier}}, 0},
        {"font listed as a field and changed", {{1, with_fields("5 0 R")}, {5, courier}}, 0},
        {"object redefined with generation 1", {{5, courier}}, 1},
        {"duplicate /Contents key, the new one first",
         {{3, std::regex_replace(page, std::regex("/Contents 4 0 R"),
                                 "/Contents 6 0 R /Contents 4 0 R")}},
         0},
        {"unsigned signature field with a visible appearance",
         {{3, with_annots("34 0 R")},
          {1, with_fields("34 0 R")},
          {34,
           "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Stamp) /F 4 /Rect [0 0 595 842] "
           "/AP << /N 35 0 R >> /P 3 0 R >>"},
          {35, "stream:1 g 0 0 595 842 re f"}},
         0},
        {"a field claiming another's signature",
         {{1, with_fields("36 0 R")}, {36, "<< /FT /Sig /T (Second) /V " + v[1].str() + " >>"}},
         0},
        {"a signed widget removed", {{3, std::regex_replace(page, std::regex("7 0 R "), "")}}, 0},
    };
    for (const auto& c : cases) {
        const auto attacked = dir / "attacked.pdf";
        fs::copy_file(signed_pdf, attacked, fs::copy_options::overwrite_existing);
        append_update(attacked, c.update, 40, c.generation);
        const auto r = ltsign("verify " + q(attacked) + " --trust " + q(pki("root.pem")));
        EXPECT_NE(r.exit_code, 0) << c.name << "\n" << r.out << r.err;
    }

    // A compression bomb in the DSS (64 MiB of zeros in 64 KiB) is refused before it expands.
    std::vector<unsigned char> zeros(64u << 20), packed(compressBound(zeros.size()));
    uLongf packed_size = packed.size();
    ASSERT_EQ(compress2(packed.data(), &packed_size, zeros.data(), zeros.size(), 9), Z_OK);
    packed.resize(packed_size);
    const auto bomb = dir / "bomb.pdf";
    fs::copy_file(signed_pdf, bomb);
    append_update(bomb, {{1, std::regex_replace(root, std::regex("/Type /Catalog"),
                                                "/Type /Catalog /DSS << /Certs [37 0 R] >>")},
                         {37, "flate:" + std::string(packed.begin(), packed.end())}});
    const auto r = ltsign("verify " + q(bomb));
    EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
    EXPECT_NE(r.out.find("decodes to more than"), std::string::npos) << r.out;
}

// An annotation (a comment) added after an approval signature is permitted, and listed.
TEST_F(Pades, AnAnnotationAddedAfterwardsIsPermittedAndListed) {
    const auto annotated = dir / "annotated.pdf";
    fs::copy_file(signed_pdf, annotated);
    // The page as signing left it (its /Annots holds the signature's widget), one more annotation.
    const std::string text = test::read_text(signed_pdf);
    const auto at = text.rfind("\n3 0 obj\n");
    ASSERT_NE(at, std::string::npos);
    std::string page = text.substr(at + 9, text.find("\nendobj", at) - at - 9);
    page = std::regex_replace(page, std::regex(R"(/Annots \[([^\]]*)\])"), "/Annots [$1 31 0 R]");
    append_update(annotated,
                  {{3, page},
                   {31,
                    "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (Granskad) "
                    ">>"}});
    const auto f = verify(annotated, 0);
    EXPECT_NE(notes(f["signatures"][0]).find("an annotation was added on page 1"),
              std::string::npos)
        << f.dump(2);
}

// Signature wrapping and universal signature forgery: the byte range moved, pointing nowhere,
// or the signature emptied.
TEST_F(Pades, WrappingAndUniversalForgeryFail) {
    const std::string text = test::read_text(signed_pdf);
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(text, m, std::regex(R"(/ByteRange \[(0 (\d+) (\d+) (\d+)) *\])")));
    const std::string range = m[1].str();
    const long a = std::stol(m[2].str()), b = std::stol(m[3].str()), c = std::stol(m[4].str());
    auto with_range = [&](const std::string& name, const std::string& replacement) {
        const auto file = dir / name;
        std::string t = text;
        std::string padded = replacement;
        padded.resize(range.size(), ' ');
        t.replace(static_cast<std::size_t>(m.position(1)), range.size(), padded);
        test::write_text(file, t);
        return file;
    };
    const std::vector<fs::path> attacks = {
        // wrapping: the gap moved, the signed bytes relocated
        with_range("moved.pdf", "0 " + std::to_string(a - 10) + " " + std::to_string(b - 10) + " " +
                                    std::to_string(c + 10)),
        // pointing past the end of the file
        with_range("nowhere.pdf", "0 " + std::to_string(a) + " " + std::to_string(b) + " " +
                                      std::to_string(c + 100000)),
        // covering only part of the revision
        with_range("short.pdf", "0 " + std::to_string(a) + " " + std::to_string(b) + " " +
                                    std::to_string(c - 50)),
    };
    for (const auto& file : attacks)
        EXPECT_EQ(verify(file, 1)["indication"], "TOTAL_FAILED") << file;

    // The signature emptied (universal signature forgery): zeros only.
    const auto empty = dir / "empty.pdf";
    std::string t = text;
    const auto open = static_cast<std::size_t>(a) + 1;
    std::fill(t.begin() + static_cast<long>(open), t.begin() + b - 1, '0');
    test::write_text(empty, t);
    EXPECT_EQ(verify(empty, 1)["indication"], "TOTAL_FAILED");
}

// Spoofing: a new field whose dictionary copies the first signature's /ByteRange and /Contents.
TEST_F(Pades, ACopiedSignatureDictionaryFails) {
    const std::string text = test::read_text(signed_pdf);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"((\d+) 0 obj\n(<< /Type /Sig [^\n]*>>))")));
    const auto spoofed = dir / "spoofed.pdf";
    fs::copy_file(signed_pdf, spoofed);
    append_update(spoofed,
                  {{1,
                    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [32 0 R] /SigFlags 3 "
                    ">> >>"},
                   {32, "<< /FT /Sig /T (Forged) /V 33 0 R >>"},
                   {33, m[2].str()}});
    EXPECT_EQ(verify(spoofed, 1)["signatures"][0]["subIndication"], "FORMAT_FAILURE");
}

TEST_F(Pades, MalformedPdfsExitSixtyFive) {
    const auto bytes = test::read_text(signed_pdf);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"truncated.pdf", bytes.substr(0, bytes.size() / 2)},
        {"no-xref.pdf", "%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n"},
        {"loop.pdf", pdf_of({"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
                             "<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
                             "<< /FT /Sig /Kids [3 0 R] /Parent 3 0 R /V << /Contents <00> "
                             "/ByteRange [0 1 2 3] >> >>"})},
        {"unsigned.pdf", decision_pdf()},
    };
    for (const auto& [name, content] : cases) {
        const auto file = dir / name;
        test::write_text(file, content);
        const auto r = ltsign("verify " + q(file));
        EXPECT_TRUE(r.exit_code == 65 || r.exit_code == 1) << name << r.out << r.err;
        EXPECT_NE(r.exit_code, 0) << name;
    }
}

TEST_F(Pades, DocumentTimeStampAndLevelT) {
    test::TsaProcess tsa(dir / "serial");
    const auto stamped = dir / "stamped.pdf";
    auto r = ltsign("timestamp " + q(plain) + " --format pades --tsa " + tsa.url() + " -o " +
                    q(stamped));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto f = verify(stamped, 0);
    EXPECT_EQ(f["signatures"][0]["type"], "timestamp") << f.dump(2);

    const auto t = dir / "t.pdf";
    sign(plain, t, "--level T --tsa " + tsa.url());
    f = verify(t, 0);
    EXPECT_EQ(f["signatures"][0]["level"], "B-T") << f.dump(2);
    EXPECT_EQ(test::run("qpdf --check " + q(t)).exit_code, 0);

    // extend --level T on a B-B PDF: a document time-stamp.
    const auto extended = dir / "extended.pdf";
    r = ltsign("extend " + q(signed_pdf) + " --level T --tsa " + tsa.url() + " -o " + q(extended));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    f = verify(extended, 0);
    EXPECT_EQ(f["signatures"][0]["level"], "B-T") << f.dump(2);
    EXPECT_EQ(f["signatures"][1]["type"], "timestamp") << f.dump(2);
}

// PDF/A (ISO 19005): signing and extending an archive's PDF/A-2b keep its XMP identification and
// output intent as they were (no object of the original is rewritten but the catalog, the page
// and the form), and the report says the file claims PDF/A.
TEST_F(Pades, APdfaFileStaysPdfaThroughLta) {
    const fs::path example = fs::path(LTSIGN_SOURCE_DIR) / "examples" / "bygglov-2026-BN-0142.pdf";
    test::TsaProcess tsa(dir / "serial");
    const auto t = dir / "bygglov.pdf";
    sign(example, t, "--level T --tsa " + tsa.url());
    const auto lta = dir / "bygglov-lta.pdf";
    const auto r = ltsign("extend " + q(t) + " --level LTA --tsa " + tsa.url() + " --trust " +
                          q(pki("root.pem")) + " -o " + q(lta));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_pdfsig_valid(t);
    const auto f = verify(lta, 0);
    EXPECT_EQ(f["signatures"][0]["level"], "B-LTA") << f.dump(2);
    expect_pdfsig_valid(lta);
    // B-LT on its own: the DSS, no new time-stamp.
    const auto lt = dir / "bygglov-lt.pdf";
    ASSERT_EQ(
        ltsign("extend " + q(t) + " --level LT --trust " + q(pki("root.pem")) + " -o " + q(lt))
            .exit_code,
        0);
    EXPECT_EQ(verify(lt, 0)["signatures"][0]["level"], "B-LT");
    EXPECT_EQ(test::run("qpdf --check " + q(lt)).exit_code, 0);
    expect_pdfsig_valid(lt);
    EXPECT_NE(notes(f["signatures"][0]).find("claims PDF/A-2B"), std::string::npos);
    EXPECT_EQ(test::run("qpdf --check " + q(lta)).exit_code, 0);
    auto catalog = [](const fs::path& pdf) {
        return test::run("qpdf --show-object=trailer " + q(pdf)).out;
    };
    auto show = [](const fs::path& pdf, const std::string& what) {
        const std::string root = test::run("qpdf --show-object=1 " + q(pdf)).out;
        std::smatch m;
        const std::regex entry(what + R"( (\d+ \d+ R|\[[^\]]*\]))");
        return std::regex_search(root, m, entry) ? m[1].str() : std::string();
    };
    EXPECT_FALSE(catalog(lta).empty());
    for (const char* key : {"/Metadata", "/OutputIntents"}) {
        const auto before = show(example, key);
        ASSERT_FALSE(before.empty()) << key;
        EXPECT_EQ(show(lta, key), before) << key;
    }
    // The XMP stream and the output intent are the original's objects, untouched.
    const auto metadata_before =
        test::run("qpdf --show-object=16 --filtered-stream-data " + q(example)).out;
    EXPECT_NE(metadata_before.find("pdfaid:part='2'"), std::string::npos);
    EXPECT_EQ(test::run("qpdf --show-object=16 --filtered-stream-data " + q(lta)).out,
              metadata_before);
}

using test::k_2040;
using test::LongTerm;

// Time travel as for CAdES: a PAdES B-LTA made in 2026, renewed in 2035, verifies offline in 2040.
TEST_F(LongTerm, PadesLtaRenewedIn2035StillProvesTheSignatureIn2040) {
    doc = dir / "beslut.pdf";
    test::write_text(doc, decision_pdf());
    const auto lta = dir / "beslut-lta.pdf";
    const auto renewed = dir / "beslut-renewed.pdf";
    ASSERT_NO_FATAL_FAILURE(sign_in_2026(lta, "--format pades"));
    auto f = verify(lta, "2026-06-02T00:00:00Z", 0);
    EXPECT_EQ(f["signatures"][0]["level"], "B-LTA") << f.dump(2);
    EXPECT_EQ(test::run("qpdf --check " + q(lta)).exit_code, 0);
    f = verify(lta, k_2040, 2);

    const auto r = renew_in_2035(lta, renewed);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    f = verify(renewed, k_2040, 0);
    const auto& s = f["signatures"][0];
    EXPECT_EQ(s["indication"], "TOTAL_PASSED") << f.dump(2);
    EXPECT_EQ(s["level"], "B-LTA");
    EXPECT_EQ(s["bestSignatureTime"], "2026-06-01T12:00:00Z") << f.dump(2);
    EXPECT_EQ(test::run("qpdf --check " + q(renewed)).exit_code, 0);
    const auto original = test::read_bytes(lta);
    const auto now = test::read_bytes(renewed);
    EXPECT_TRUE(std::equal(original.begin(), original.end(), now.begin()))
        << "renewal appends; the 2026 file is the renewed one's first bytes";
}

}  // namespace
}  // namespace ltsign
