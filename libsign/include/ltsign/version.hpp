#pragma once

#include <string_view>

namespace ltsign {
std::string_view version() noexcept;
}
