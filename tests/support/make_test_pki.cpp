// Makes the test PKI once for the whole suite (a ctest fixture). Writes into a fresh folder and
// renames it into place, so a half-made PKI is never used.
#include <iostream>

#include "test_pki.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc != 2) {
        std::cerr << "usage: make_test_pki DIR\n";
        return 64;
    }
    const fs::path dir = argv[1];
    if (fs::exists(dir / "ocsp.p12")) return 0;  // a file only the current PKI has
    const fs::path tmp = dir.string() + ".tmp";
    fs::remove_all(tmp);
    ltsign::test::make_pki(tmp);
    fs::remove_all(dir);
    fs::rename(tmp, dir);
    std::cout << "test PKI written to " << dir << "\n";
    return 0;
}
