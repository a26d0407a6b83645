#pragma once

#include "ltsign/export.hpp"

#include <string_view>

namespace ltsign {
LTSIGN_API std::string_view version() noexcept;
}
