// Times are std::chrono values; text appears only at the edges (RFC 3339, UTC).
#pragma once

#include "ltsign/export.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ltsign {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

// Parses "2026-03-01T12:00:00Z", "2026-03-01T12:00:00+01:00", fractional seconds ignored,
// and a bare date "2026-03-01" (midnight UTC). nullopt for anything else.
LTSIGN_API std::optional<TimePoint> parse_rfc3339(std::string_view text);
LTSIGN_API std::string format_rfc3339(TimePoint t);  // always UTC, "YYYY-MM-DDThh:mm:ssZ"
LTSIGN_API TimePoint now_utc();

}  // namespace ltsign
