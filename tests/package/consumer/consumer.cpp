// Signs and verifies with the installed C++ API: consumer_cpp P12 PASSWORD ROOT.pem WORKDIR
// Exit 0 when the signature verifies as TOTAL_PASSED and the tampered copy as TOTAL_FAILED.
#include <ltsign/ltsign.hpp>

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 5) return 64;
    const std::filesystem::path work = argv[4];
    const auto document = work / "beslut.txt";
    std::ofstream(document) << "Beslut i kommunstyrelsen, paragraf 12\n";
    try {
        const auto signer = ltsign::Signer::from_pkcs12(argv[1], argv[2]);
        ltsign::SignOptions options;
        options.signing_time = ltsign::parse_rfc3339("2026-01-01T00:00:00Z");
        ltsign::sign_file(document, signer, options).save(work / "beslut.txt.p7s");

        ltsign::ValidationContext context;
        context.trust.add(argv[3]);
        context.offline = true;
        context.validation_time = ltsign::parse_rfc3339("2026-06-01T00:00:00Z");
        const auto good = ltsign::verify_file(work / "beslut.txt.p7s", {.data = document}, context);
        std::ofstream(document, std::ios::app) << "tillägg\n";
        const auto bad = ltsign::verify_file(work / "beslut.txt.p7s", {.data = document}, context);
        std::cout << "ltsign " << ltsign::version() << ": " << ltsign::to_string(good.indication)
                  << ", after tampering " << ltsign::to_string(bad.indication) << "/"
                  << ltsign::to_string(bad.sub_indication) << "\n";
        return good.indication == ltsign::Indication::total_passed &&
                       bad.indication == ltsign::Indication::total_failed
                   ? 0
                   : 1;
    } catch (const ltsign::Error& e) {
        std::cerr << "consumer_cpp: " << e.what() << "\n";
        return e.exit_code();
    }
}
