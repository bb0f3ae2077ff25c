// core/calendar.h — the days, ISO weeks and months that daily, weekly and monthly lists span.
//
// Days are "YYYY-MM-DD" strings, as the store keeps them; weeks are ISO 8601 ("2024-W43": Monday
// to Sunday, week 1 holds the year's first Thursday); months are "YYYY-MM". Parsing is strict
// (a real calendar date, years 1000-9999) so that a URL like /papers/date/2024-13-45 is a clear
// 400, never a surprising list.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace paperboy {

// An inclusive range of days.
struct DayRange {
    std::string first;
    std::string last;

    friend bool operator==(const DayRange&, const DayRange&) = default;
};

// True when `text` is exactly a valid "YYYY-MM-DD".
bool is_valid_day(std::string_view text);

// `day` moved by `days` (negative: earlier). `day` must be valid.
std::string add_days(std::string_view day, int days);

// The ISO week "YYYY-Www" of a valid day, and the days of a week ("2024-W43"); nullopt when
// `week` is malformed or the year has no such week.
std::string iso_week_of(std::string_view day);
std::optional<DayRange> iso_week_days(std::string_view week);

// The month "YYYY-MM" of a valid day, and the days of a month ("2024-10").
std::string month_of(std::string_view day);
std::optional<DayRange> month_days(std::string_view month);

// A day for people: "Oct 25, 2024".
std::string display_day(std::string_view day);

}  // namespace paperboy
