// The TSA's request handling: any bytes get a TimeStampResp (granted or rejection), never a crash.
#include <filesystem>

#include "fuzz_common.hpp"
#include "test_pki.hpp"

namespace {
ltsign::TsaServer& server() {
    static ltsign::TsaServer* s = [] {
        namespace fs = std::filesystem;
        const fs::path dir =
            fs::temp_directory_path() / ("ltsign-fuzz-tsa-" + std::to_string(::getpid()));
        if (!fs::exists(dir / "tsa.p12")) ltsign::test::make_pki(dir);
        ltsign::TsaServerOptions opt;
        opt.serial_file = dir / "serial";
        opt.fixed_time = ltsign::parse_rfc3339("2026-06-01T00:00:00Z");
        opt.log = [](const std::string&) {};
        return new ltsign::TsaServer(
            ltsign::Signer::from_pkcs12(dir / "tsa.p12", ltsign::test::k_password), opt);
    }();
    return *s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto reply = server().respond(std::as_bytes(std::span(data, size)));
    if (reply.empty()) __builtin_trap();  // every request gets an answer
    return 0;
}
