// Throughput of the parts that decide how fast an archive batch goes: streaming digests, hash
// trees, and CAdES verification. Run: build/default/bench/bench_core --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "crypto/digests.hpp"
#include "ers/hash_tree.hpp"
#include "ltsign/ltsign.hpp"
#include "test_pki.hpp"

namespace {
namespace fs = std::filesystem;

fs::path scratch() {
    static const fs::path dir = [] {
        const fs::path d =
            fs::temp_directory_path() / ("ltsign-bench-" + std::to_string(::getpid()));
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

fs::path file_of(std::size_t bytes) {
    const fs::path f = scratch() / ("data-" + std::to_string(bytes));
    if (!fs::exists(f)) {
        std::ofstream out(f, std::ios::binary);
        std::string block(1 << 20, '\0');
        for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 131);
        for (std::size_t done = 0; done < bytes; done += block.size()) {
            out.write(block.data(),
                      static_cast<std::streamsize>(std::min(block.size(), bytes - done)));
        }
    }
    return f;
}

void BM_DigestFile(benchmark::State& state, ltsign::DigestAlgorithm alg) {
    const std::size_t bytes = static_cast<std::size_t>(state.range(0)) << 20;
    const auto f = file_of(bytes);
    const EVP_MD* md = ltsign::crypto::evp_md(alg);
    for (auto _ : state) benchmark::DoNotOptimize(ltsign::crypto::digest_file(md, f));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}
BENCHMARK_CAPTURE(BM_DigestFile, sha256, ltsign::DigestAlgorithm::sha256)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DigestFile, sha512, ltsign::DigestAlgorithm::sha512)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DigestFile, sha3_256, ltsign::DigestAlgorithm::sha3_256)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond);

void BM_HashTree(benchmark::State& state) {
    std::vector<ltsign::ers::Bytes> leaves;
    for (int64_t i = 0; i < state.range(0); ++i) {
        const std::string s = std::to_string(i);
        leaves.push_back(ltsign::crypto::digest_bytes(
            EVP_sha256(), std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size())));
    }
    for (auto _ : state) {
        const ltsign::ers::HashTree tree(EVP_sha256(), leaves);
        for (std::size_t i = 0; i < leaves.size(); ++i) benchmark::DoNotOptimize(tree.reduced(i));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HashTree)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_VerifyCades(benchmark::State& state) {
    const auto dir = scratch();
    const auto doc = file_of(4096);
    const auto sig = dir / "bench.p7s";
    static bool made = false;
    if (!made) {
        const fs::path pki = dir / "pki";
        if (!fs::exists(pki / "ec.p12")) ltsign::test::make_pki(pki);
        const auto signer = ltsign::Signer::from_pkcs12(pki / "ec.p12", ltsign::test::k_password);
        ltsign::sign_file(doc, signer,
                          {.signing_time = ltsign::parse_rfc3339("2026-06-01T00:00:00Z")})
            .save(sig, true);
        made = true;
    }
    ltsign::ValidationContext ctx;
    ctx.trust.add(dir / "pki" / "root.pem");
    ctx.validation_time = ltsign::parse_rfc3339("2026-06-02T00:00:00Z");
    for (auto _ : state) benchmark::DoNotOptimize(ltsign::verify_file(sig, {doc}, ctx));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyCades)->Unit(benchmark::kMicrosecond);

// One enveloped or detached XAdES B-B over a 4 KiB document, verified in-process: parsing,
// reference resolution, the XAdES schema check, xmlsec1 core validation, the chain.
void BM_VerifyXades(benchmark::State& state, ltsign::Packaging packaging) {
    const auto dir = scratch();
    const fs::path pki = dir / "pki";
    if (!fs::exists(pki / "ec.p12")) ltsign::test::make_pki(pki);
    const auto doc = dir / "bench.xml";
    std::string xml = "<protokoll>";
    while (xml.size() < 4096) xml += "<paragraf nr=\"87\">Bygglov beviljas.</paragraf>";
    xml += "</protokoll>";
    std::ofstream(doc, std::ios::binary) << xml;
    const auto sig =
        dir / (packaging == ltsign::Packaging::enveloped ? "e.xades.xml" : "d.xades.xml");
    const auto signer = ltsign::Signer::from_pkcs12(pki / "ec.p12", ltsign::test::k_password);
    ltsign::sign_file(doc, signer,
                      {.format = ltsign::Format::xades,
                       .packaging = packaging,
                       .signing_time = ltsign::parse_rfc3339("2026-06-01T00:00:00Z")})
        .save(sig, true);
    ltsign::ValidationContext ctx;
    ctx.trust.add(pki / "root.pem");
    ctx.validation_time = ltsign::parse_rfc3339("2026-06-02T00:00:00Z");
    for (auto _ : state) benchmark::DoNotOptimize(ltsign::verify_file(sig, {doc}, ctx));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_VerifyXades, enveloped, ltsign::Packaging::enveloped)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_VerifyXades, detached, ltsign::Packaging::detached)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
