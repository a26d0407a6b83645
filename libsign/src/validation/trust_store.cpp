// Trust anchors: only what is added is trusted (never the system store).
#include <algorithm>

#include "ltsign/language.hpp"
#include "ltsign/verify.hpp"
#include "validation/memo.hpp"
#include "validation/model.hpp"

namespace ltsign {
namespace fs = std::filesystem;

TrustStore::TrustStore() : m_impl(std::make_unique<detail::TrustStoreImpl>()) {
    m_impl->memo = std::make_shared<validation::Memo>();
}
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;
TrustStore::~TrustStore() = default;

void TrustStore::add(const fs::path& file_or_dir) {
    std::error_code ec;
    if (fs::is_directory(file_or_dir, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(file_or_dir)) {
            const auto ext = e.path().extension().string();
            if (e.is_regular_file() && (ext == ".pem" || ext == ".crt" || ext == ".cer")) {
                files.push_back(e.path());
            }
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) {
            throw Error(Errc::input_missing,
                        trf("{0}: no .pem, .crt or .cer files in this trust folder",
                            {file_or_dir.string()}));
        }
        for (const auto& f : files) add(f);
        return;
    }
    for (auto& c : ossl::load_certificates(file_or_dir)) m_impl->anchors.push_back(std::move(c));
}

std::size_t TrustStore::size() const noexcept {
    return m_impl->anchors.size();
}

std::vector<CertificateInfo> TrustStore::anchors() const {
    std::vector<CertificateInfo> out;
    for (const auto& a : m_impl->anchors) {
        out.push_back(validation::describe(a.get()));
        out.back().der.clear();
    }
    return out;
}

}  // namespace ltsign
