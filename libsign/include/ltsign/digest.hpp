// Digest algorithms ltsign creates signatures with (weak ones are refused when signing).
#pragma once

#include "ltsign/export.hpp"

#include <optional>
#include <string_view>

namespace ltsign {

enum class DigestAlgorithm { sha256, sha384, sha512, sha3_256, sha3_512 };

LTSIGN_API std::string_view to_string(DigestAlgorithm alg) noexcept;  // "sha256", "sha3-256", ...
LTSIGN_API std::optional<DigestAlgorithm> digest_from_string(std::string_view name) noexcept;

}  // namespace ltsign
