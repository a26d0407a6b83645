// The revocation services of the benchmarks (bench/compare): an RSA-2048 signer issued by the
// test PKI's issuing CA, naming an OCSP responder (`openssl ocsp`) and a CRL server that this
// program runs on loopback until SIGTERM or SIGINT, exactly as the tests run them.
//
//   bench_services DIR     writes DIR/signer.p12 (password: the test PKI's) and prints
//                          "ready ocsp=URL crl=URL" once both services answer.
#include <csignal>
#include <filesystem>
#include <iostream>

#include "responders.hpp"
#include "test_pki.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    using namespace ltsign::test;
    if (argc != 2) {
        std::cerr << "usage: bench_services DIR\n";
        return 64;
    }
    const fs::path dir = argv[1];
    fs::create_directories(dir / "crl");
    fs::create_directories(dir / "ocsp");
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // taken by sigwait below, in every thread

    CrlServer crl(dir / "crl");
    const int ocsp_port = free_port();
    CertOptions signer;
    signer.cn = "ltsign Benchmark Signer";
    signer.rsa_bits = 2048;
    signer.ocsp_url = OcspResponder::url_for(ocsp_port);
    signer.crl_url = crl.url("ca.crl");
    const std::string serial = issue(dir, "signer", signer);
    const auto now = ltsign::now_utc();
    write_crl(dir / "crl" / "ca.crl", {}, now - std::chrono::hours(1), now + std::chrono::days(7));
    OcspResponder ocsp(dir / "ocsp", {{serial, signer.cn, std::nullopt}}, ocsp_port);
    std::cout << "ready ocsp=" << ocsp.url() << " crl=" << signer.crl_url << std::endl;
    int signal = 0;
    sigwait(&stop, &signal);
    return 0;  // the destructors stop both services
}
