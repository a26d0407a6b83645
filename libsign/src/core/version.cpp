#include "ltsign/version.hpp"

namespace ltsign {
std::string_view version() noexcept {
    return LTSIGN_VERSION;
}
}  // namespace ltsign
