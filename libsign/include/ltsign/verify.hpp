// Verifying signatures.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ltsign/report.hpp"
#include "ltsign/time.hpp"

namespace ltsign {

namespace detail {
struct TrustStoreImpl;
}

// Trust anchors: only what is added here is trusted (never the system store).
class TrustStore {
  public:
    TrustStore();
    TrustStore(TrustStore&&) noexcept;
    TrustStore& operator=(TrustStore&&) noexcept;
    ~TrustStore();

    // A PEM file with one or more certificates, or a folder of .pem/.crt/.cer files.
    void add(const std::filesystem::path& file_or_dir);
    std::size_t size() const noexcept;

    const detail::TrustStoreImpl& impl() const noexcept { return *m_impl; }

  private:
    std::unique_ptr<detail::TrustStoreImpl> m_impl;
};

struct ValidationContext {
    TrustStore trust;
    std::optional<TimePoint> validation_time;  // empty: now
};

struct VerifyOptions {
    std::optional<std::filesystem::path> data;  // the detached document
};

// Verifies one file. Throws Error for input that is missing (66) or malformed (65); every
// verdict, including failures, is returned as a value.
FileReport verify_file(const std::filesystem::path& file, const VerifyOptions& options,
                       const ValidationContext& context);

// Expands folders into the signature files they hold (recursively, sorted) and pairs each with
// its detached document per the CLI contract: a `data` folder is searched for the signature's
// relative path without its extension (NAME.p7s -> DIR/NAME); a `data` file is used when its name
// is NAME, or when it is the only one given.
struct VerifyJob {
    std::filesystem::path file;
    std::optional<std::filesystem::path> data;
};
std::vector<VerifyJob> plan_verification(const std::vector<std::filesystem::path>& inputs,
                                         const std::vector<std::filesystem::path>& data);

// Verifies every job; a failing or unreadable file never stops the others.
BatchReport verify_batch(const std::vector<VerifyJob>& jobs, const ValidationContext& context);

}  // namespace ltsign
