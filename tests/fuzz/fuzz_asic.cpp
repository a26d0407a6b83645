// ASiC containers: the archive checks, the manifests and everything inside extracted and judged.
// libzip reads from a path, so each input is written to one temporary file first.
#include <unistd.h>

#include <fstream>

#include "fuzz_common.hpp"
#include "ops/container.hpp"
#include "validation/services.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ltsign;
    static const std::string path = "/tmp/ltsign-fuzz-asic-" + std::to_string(::getpid());
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    fuzz::rejecting_errors([&] {
        const ops::Input in{path, "fuzz", ops::zip_head(path), true};
        if (!in.bytes) return;
        ops::Evidence ev = ops::container_evidence(in);
        FileReport report;
        ops::judge_container(ev, path, fuzz::context(), *fuzz::context().validation_time, report);
        for (const auto& o : asic::Container::open(path, "fuzz").data_objects()) {
            o.digest(EVP_sha256());
        }
    });
    return 0;
}
