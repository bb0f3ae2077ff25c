#include "core/calendar.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace paperboy {
namespace {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

// Exactly `width` ASCII digits.
std::optional<int> digits(std::string_view text, size_t width) {
    if (text.size() != width) return std::nullopt;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

std::optional<year_month_day> parse(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto y = digits(text.substr(0, 4), 4);
    auto m = digits(text.substr(5, 2), 2);
    auto d = digits(text.substr(8, 2), 2);
    if (!y || !m || !d || *y < 1000) return std::nullopt;
    year_month_day ymd{year(*y), month(static_cast<unsigned>(*m)), day(static_cast<unsigned>(*d))};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

std::string format(sys_days d) {
    const year_month_day ymd(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

// The Monday of ISO week 1 of ISO year `y`: the week holding January 4th.
sys_days iso_week_one(int y) {
    const sys_days jan4 = sys_days(year(y) / 1 / 4);
    const unsigned weekday = std::chrono::weekday(jan4).iso_encoding();  // Monday = 1
    return jan4 - days(weekday - 1);
}

}  // namespace

bool is_valid_day(std::string_view text) { return parse(text).has_value(); }

std::string add_days(std::string_view text, int n) {
    return format(sys_days(*parse(text)) + days(n));
}

std::string iso_week_of(std::string_view text) {
    const sys_days d = sys_days(*parse(text));
    int y = static_cast<int>(year_month_day(d).year());
    // The ISO year is the calendar year of the week's Thursday.
    if (d >= iso_week_one(y + 1)) {
        ++y;
    } else if (d < iso_week_one(y)) {
        --y;
    }
    const auto week = (d - iso_week_one(y)).count() / 7 + 1;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-W%02d", y, static_cast<int>(week));
    return buf;
}

std::optional<DayRange> iso_week_days(std::string_view text) {
    if (text.size() != 8 || text[4] != '-' || (text[5] != 'W' && text[5] != 'w')) {
        return std::nullopt;
    }
    auto y = digits(text.substr(0, 4), 4);
    auto w = digits(text.substr(6, 2), 2);
    if (!y || !w || *y < 1000 || *w < 1) return std::nullopt;
    const sys_days monday = iso_week_one(*y) + days(7 * (*w - 1));
    if (monday >= iso_week_one(*y + 1)) return std::nullopt;  // week 53 of a 52-week year
    return DayRange{format(monday), format(monday + days(6))};
}

std::string month_of(std::string_view text) { return std::string(text.substr(0, 7)); }

std::optional<DayRange> month_days(std::string_view text) {
    if (text.size() != 7 || text[4] != '-') return std::nullopt;
    auto y = digits(text.substr(0, 4), 4);
    auto m = digits(text.substr(5, 2), 2);
    if (!y || !m || *y < 1000 || *m < 1 || *m > 12) return std::nullopt;
    const auto ym = year(*y) / month(static_cast<unsigned>(*m));
    return DayRange{format(sys_days(ym / 1)), format(sys_days(ym / std::chrono::last))};
}

std::string display_day(std::string_view text) {
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto ymd = parse(text);
    if (!ymd) return std::string(text);
    return std::string(kMonths[static_cast<unsigned>(ymd->month()) - 1]) + " " +
           std::to_string(static_cast<unsigned>(ymd->day())) + ", " +
           std::to_string(static_cast<int>(ymd->year()));
}

}  // namespace paperboy
