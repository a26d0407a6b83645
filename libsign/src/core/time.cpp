#include "ltsign/time.hpp"

#include <charconv>
#include <ctime>

namespace ltsign {
namespace {

bool take_int(std::string_view& s, std::size_t digits, int& out) {
    if (s.size() < digits) return false;
    for (std::size_t i = 0; i < digits; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    std::from_chars(s.data(), s.data() + digits, out);
    s.remove_prefix(digits);
    return true;
}

bool take_char(std::string_view& s, std::string_view allowed) {
    if (s.empty() || allowed.find(s.front()) == std::string_view::npos) return false;
    s.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!take_int(s, 4, year) || !take_char(s, "-") || !take_int(s, 2, month) ||
        !take_char(s, "-") || !take_int(s, 2, day)) {
        return std::nullopt;
    }
    long offset = 0;
    if (!s.empty()) {
        if (!take_char(s, "Tt ") || !take_int(s, 2, hour) || !take_char(s, ":") ||
            !take_int(s, 2, minute) || !take_char(s, ":") || !take_int(s, 2, second)) {
            return std::nullopt;
        }
        if (!s.empty() && s.front() == '.') {
            s.remove_prefix(1);
            if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
            while (!s.empty() && s.front() >= '0' && s.front() <= '9') s.remove_prefix(1);
        }
        if (take_char(s, "Zz")) {
            // UTC
        } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
            const int sign = s.front() == '+' ? 1 : -1;
            s.remove_prefix(1);
            int oh = 0, om = 0;
            if (!take_int(s, 2, oh) || !take_char(s, ":") || !take_int(s, 2, om) || oh > 23 ||
                om > 59) {
                return std::nullopt;
            }
            offset = sign * (oh * 3600L + om * 60L);
        } else {
            return std::nullopt;  // RFC 3339 requires an offset
        }
        if (!s.empty()) return std::nullopt;
    }
    using namespace std::chrono;
    const year_month_day ymd{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                             std::chrono::day{unsigned(day)}};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    const auto t =
        sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} - seconds{offset};
    return time_point_cast<seconds>(t);
}

std::string format_rfc3339(TimePoint t) {
    using namespace std::chrono;
    const auto days = floor<std::chrono::days>(t);
    const year_month_day ymd{days};
    const hh_mm_ss hms{t - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()));
    return buf;
}

TimePoint now_utc() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace ltsign
