// Swedish for archivists (issue 22): the language comes from --lang, else LC_ALL, LC_MESSAGES,
// LANG; verdicts, help and hints are Swedish then, while JSON field names and codes stay English.
// The catalogue is found in the build tree (share/locale), as an installed program finds its own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "test_pki.hpp"
#include "tsa_process.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using test::pki;
using test::q;

class Swedish : public ::testing::Test {
  protected:
    // beslut.txt signed (CAdES detached, B-B), then changed by one line.
    void SetUp() override {
        test::write_text(m_dir / "beslut.txt", "Beslut i kommunstyrelsen, paragraf 12\n");
        const auto r =
            run("LANG=C", "sign " + q(m_dir / "beslut.txt") + " --key " + q(pki("rsa.p12")) +
                              " --pass-env LTSIGN_TEST_PASS -o " + q(m_dir / "beslut.txt.p7s"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        test::write_text(m_dir / "beslut.txt", "Beslut i kommunstyrelsen, paragraf 13\n");
    }

    // Runs ltsign with only the locale variables given (the test's own are cleared).
    test::RunResult run(const std::string& locale, const std::string& args) {
        return test::run("env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG -u LTSIGN_LOCALE_DIR " +
                         std::string("LTSIGN_TEST_PASS=") + test::k_password + " " + locale + " " +
                         q(LTSIGN_BINARY) + " " + args);
    }

    std::string verify_args(const std::string& extra = "") {
        return "verify " + q(m_dir / "beslut.txt.p7s") + " --data " + q(m_dir / "beslut.txt") +
               " --trust " + q(pki("root.pem")) + " --offline " + extra;
    }

    test::TempDir m_dir;
};

TEST_F(Swedish, TamperedDocumentReadsAsASwedishSentenceNamingItAndTheReason) {
    const auto r = run("LANG=sv_SE.UTF-8", verify_args());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const std::string sentence = "resultat: Signaturen " + (m_dir / "beslut.txt.p7s").string() +
                                 " för dokumentet " + (m_dir / "beslut.txt").string() +
                                 " är inte giltig: det signerade innehållet har ändrats sedan det "
                                 "signerades: signaturens sha256-hashvärde är ";
    EXPECT_NE(r.out.find(sentence), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(", men innehållets är "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("varför: det signerade innehållet har ändrats"), std::string::npos);
    EXPECT_NE(r.out.find("1 fil(er) kontrollerade per "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ej godkända:"), std::string::npos);
    // The ETSI codes are codes, in every language.
    EXPECT_NE(r.out.find("TOTAL_FAILED/HASH_FAILURE"), std::string::npos);
    for (const char* english : {"why:", "has changed", "verified at", "not passed", "verdict:"})
        EXPECT_EQ(r.out.find(english), std::string::npos) << english << "\n" << r.out;
}

TEST_F(Swedish, EnglishIsTheDefault) {
    for (const std::string locale : {"", "LANG=C", "LANG=C.UTF-8", "LANG=fi_FI.UTF-8"}) {
        const auto r = run(locale, verify_args());
        EXPECT_EQ(r.exit_code, 1) << locale;
        EXPECT_NE(r.out.find("verdict: The signature " + (m_dir / "beslut.txt.p7s").string() +
                             " of the document " + (m_dir / "beslut.txt").string() +
                             " is not valid: the signed data has changed since it was signed"),
                  std::string::npos)
            << locale << "\n"
            << r.out;
    }
}

// POSIX order: LC_ALL, then LC_MESSAGES, then LANG; --lang before all of them.
TEST_F(Swedish, ChosenByLangOptionThenLcAllThenLcMessagesThenLang) {
    struct Case {
        std::string locale, option;
        bool swedish;
    };
    const Case cases[] = {
        {"LC_ALL=sv_SE.UTF-8 LANG=en_GB.UTF-8", "", true},
        {"LC_ALL=C LANG=sv_SE.UTF-8", "", false},
        {"LC_MESSAGES=sv_SE.UTF-8 LANG=en_GB.UTF-8", "", true},
        {"LC_MESSAGES=en_GB.UTF-8 LANG=sv_SE.UTF-8", "", false},
        {"LANG=sv_SE", "", true},
        {"LANG=en_GB.UTF-8", "--lang sv", true},
        {"LANG=en_GB.UTF-8", "--lang=sv_SE.UTF-8", true},
        {"LC_ALL=sv_SE.UTF-8", "--lang en", false},
    };
    for (const auto& c : cases) {
        // --lang works before the command and after it.
        for (const bool before : {true, false}) {
            const std::string args =
                before ? c.option + " " + verify_args() : verify_args(c.option);
            const auto r = run(c.locale, args);
            EXPECT_EQ(r.exit_code, 1) << c.locale << " " << args << "\n" << r.err;
            EXPECT_EQ(r.out.find("har ändrats") != std::string::npos, c.swedish)
                << c.locale << " " << args << "\n"
                << r.out;
            if (c.option.empty()) break;
        }
    }
}

TEST_F(Swedish, JsonKeepsEnglishNamesAndCodes) {
    const auto r = run("LANG=sv_SE.UTF-8", verify_args("--json"));
    EXPECT_EQ(r.exit_code, 1);
    const auto doc = nlohmann::json::parse(r.out);
    const auto& file = doc.at("files").at(0);
    EXPECT_EQ(file.at("indication"), "TOTAL_FAILED");
    EXPECT_EQ(file.at("subIndication"), "HASH_FAILURE");
    EXPECT_EQ(doc.at("summary").at("failed"), 1);
    const std::string why = file.at("signatures").at(0).at("explanation");
    EXPECT_EQ(why.rfind("det signerade innehållet har ändrats sedan det signerades", 0), 0u) << why;
}

TEST_F(Swedish, HelpAndHintsAreSwedish) {
    const auto top = run("LANG=sv_SE.UTF-8", "--help");
    EXPECT_EQ(top.exit_code, 0);
    for (const char* text :
         {"Användning:", "Flaggor:", "Kommandon:", "Avslutningsstatus:",
          "Visa den här hjälptexten och avsluta", "långtidshållbara signaturer för arkiv"})
        EXPECT_NE(top.out.find(text), std::string::npos) << text << "\n" << top.out;
    const auto verify = run("", "--lang sv verify --help");
    EXPECT_EQ(verify.exit_code, 0);
    EXPECT_NE(verify.out.find("Exempel:"), std::string::npos) << verify.out;

    // A mistyped command and a missing password: the words are Swedish, the options stay options.
    const auto typo = run("LANG=sv_SE.UTF-8", "verfy x");
    EXPECT_EQ(typo.exit_code, 64);
    EXPECT_NE(typo.err.find("okänt kommando verfy; menade du verify?"), std::string::npos)
        << typo.err;
}

// Issue 22, scope 4: errors, the format areas' reasons and every command's help are Swedish too.
void expect_swedish(const std::string& text, const std::string& swedish,
                    const std::string& english) {
    EXPECT_NE(text.find(swedish), std::string::npos) << swedish << "\n" << text;
    EXPECT_EQ(text.find(english), std::string::npos) << english << "\n" << text;
}

TEST_F(Swedish, UsageErrorsAreSwedish) {
    const auto r = run("LANG=sv_SE.UTF-8", "extend " + q(m_dir / "beslut.txt.p7s") +
                                               " --level Q -o " + q(m_dir / "ut.p7s"));
    EXPECT_EQ(r.exit_code, 64);
    expect_swedish(r.err, "--level Q är inte en nivå; använd T, LT, LTA eller ERS",
                   "is not a level");
}

TEST_F(Swedish, AnEvidenceRecordThatDoesNotCoverTheDocumentSaysWhyInSwedish) {
    const test::TsaProcess tsa{m_dir / "serial", std::string("--test-clock ") + test::k_tsa_clock};
    test::write_text(m_dir / "protokoll.txt", "Protokoll 2026-06-01\n");
    const auto sealed = run("LANG=C", "seal " + q(m_dir / "protokoll.txt") + " --tsa " + tsa.url() +
                                          " -o " + q(m_dir / "bevis"));
    ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
    test::write_text(m_dir / "protokoll.txt", "Protokoll 2026-06-02\n");
    const auto r =
        run("LANG=sv_SE.UTF-8", "verify " + q(m_dir / "bevis" / "protokoll.txt.ers") + " --data " +
                                    q(m_dir / "protokoll.txt") + " --trust " + q(pki("root.pem")) +
                                    " --at 2026-12-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    expect_swedish(r.out, "bevisposten omfattar inte det angivna dokumentet",
                   "the record does not cover the document given");
    EXPECT_NE(r.out.find("TOTAL_FAILED/HASH_FAILURE"), std::string::npos) << r.out;
}

TEST_F(Swedish, APdfLtsignCannotReadIsNamedInSwedish) {
    test::write_text(m_dir / "beslut.pdf", "%PDF-1.7\n1 0 obj <</Type/Catalog>> endobj\n%%EOF\n");
    const auto r = run("LANG=sv_SE.UTF-8", "verify " + q(m_dir / "beslut.pdf"));
    EXPECT_EQ(r.exit_code, 65) << r.err;
    expect_swedish(r.out, "inte en PDF-fil som ltsign kan läsa", "not a PDF ltsign can read");
}

// The formats ltsign reads are named in Swedish too, inside the Swedish sentence.
TEST_F(Swedish, AFileThatIsNoSignatureNamesTheFormatsInSwedish) {
    test::write_text(m_dir / "anteckning.p7s", "inte en signatur\n");
    const auto r = run("LANG=sv_SE.UTF-8", "verify " + q(m_dir / "anteckning.p7s"));
    EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
    expect_swedish(r.out + r.err, "en bevispost (RFC 4998)", "an evidence record (RFC 4998)");
    expect_swedish(r.out + r.err, "en ASiC-behållare", "an ASiC container");
}

TEST_F(Swedish, IngestAndServeHelpAreSwedish) {
    const auto ingest = run("LANG=sv_SE.UTF-8", "ingest --help");
    EXPECT_EQ(ingest.exit_code, 0);
    expect_swedish(ingest.out, "Verifiera en hel leverans en gång", "Verify a whole delivery once");
    expect_swedish(ingest.out, "Ny mapp för kvittot", "New folder for the receipt");
    const auto serve = run("", "--lang sv serve --help");
    EXPECT_EQ(serve.exit_code, 0);
    expect_swedish(serve.out, "Kör HTTP-tjänsten", "Run the HTTP service");
    expect_swedish(serve.out, "Driftsättningens konfiguration", "The deployment's configuration");
}

TEST_F(Swedish, UnknownLanguageIsAUsageError) {
    const auto r = run("", "--lang fi " + verify_args());
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_NE(r.err.find("--lang fi: unknown language; use en or sv"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace ltsign
