#include "core/timestamp.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace paperboy {
namespace {

struct Fields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int offset_minutes = 0;  // east of UTC
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool read_digits(std::string_view s, size_t& pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!is_digit(s[pos + i])) return false;
        v = v * 10 + (s[pos + i] - '0');
    }
    pos += n;
    out = v;
    return true;
}

// Reads 1..n digits.
bool read_up_to(std::string_view s, size_t& pos, size_t n, int& out) {
    size_t start = pos;
    int v = 0;
    while (pos < s.size() && pos - start < n && is_digit(s[pos])) v = v * 10 + (s[pos++] - '0');
    out = v;
    return pos > start;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

bool valid(const Fields& f) {
    return f.year >= 1000 && f.year <= 9999 && f.month >= 1 && f.month <= 12 && f.day >= 1 &&
           f.day <= days_in_month(f.year, f.month) && f.hour <= 23 && f.minute <= 59 &&
           f.second <= 60;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

bool parse_iso(std::string_view s, Fields& f) {
    size_t p = 0;
    if (!read_digits(s, p, 4, f.year) || p >= s.size() || s[p++] != '-' ||
        !read_digits(s, p, 2, f.month) || p >= s.size() || s[p++] != '-' ||
        !read_digits(s, p, 2, f.day)) {
        return false;
    }
    if (p == s.size()) return true;
    if (s[p] != 'T' && s[p] != ' ') return false;
    ++p;
    if (!read_digits(s, p, 2, f.hour) || p >= s.size() || s[p++] != ':' ||
        !read_digits(s, p, 2, f.minute)) {
        return false;
    }
    if (p < s.size() && s[p] == ':') {
        ++p;
        if (!read_digits(s, p, 2, f.second)) return false;
        if (p < s.size() && s[p] == '.') {
            ++p;
            size_t start = p;
            while (p < s.size() && is_digit(s[p])) ++p;
            if (p == start) return false;
        }
    }
    if (p == s.size() || (s[p] == 'Z' && p + 1 == s.size())) return true;
    if (s[p] == '+' || s[p] == '-') {
        int sign = s[p++] == '-' ? -1 : 1;
        int hh = 0, mm = 0;
        if (!read_digits(s, p, 2, hh)) return false;
        if (p < s.size() && s[p] == ':') ++p;
        if (!read_digits(s, p, 2, mm) || p != s.size()) return false;
        f.offset_minutes = sign * (hh * 60 + mm);
        return true;
    }
    return false;
}

// "Mon, 2 Apr 2007 19:18:42 GMT" (the weekday is optional and not checked).
bool parse_rfc2822(std::string_view s, Fields& f) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    size_t p = 0;
    if (size_t comma = s.find(','); comma != std::string_view::npos && comma < 10) p = comma + 1;
    while (p < s.size() && s[p] == ' ') ++p;
    if (!read_up_to(s, p, 2, f.day)) return false;
    if (p >= s.size() || s[p++] != ' ' || p + 3 > s.size()) return false;
    std::string_view mon = s.substr(p, 3);
    f.month = 0;
    for (size_t i = 0; i < kMonths.size(); ++i) {
        if (kMonths[i] == mon) f.month = static_cast<int>(i) + 1;
    }
    if (f.month == 0) return false;
    p += 3;
    if (p >= s.size() || s[p++] != ' ' || !read_digits(s, p, 4, f.year)) return false;
    if (p == s.size()) return true;
    if (s[p++] != ' ' || !read_digits(s, p, 2, f.hour) || p >= s.size() || s[p++] != ':' ||
        !read_digits(s, p, 2, f.minute)) {
        return false;
    }
    if (p < s.size() && s[p] == ':') {
        ++p;
        if (!read_digits(s, p, 2, f.second)) return false;
    }
    while (p < s.size() && s[p] == ' ') ++p;
    std::string_view zone = s.substr(p);
    if (zone.empty() || zone == "GMT" || zone == "UT" || zone == "UTC" || zone == "Z") return true;
    if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
        size_t q = 1;
        int hh = 0, mm = 0;
        if (!read_digits(zone, q, 2, hh) || !read_digits(zone, q, 2, mm)) return false;
        f.offset_minutes = (zone[0] == '-' ? -1 : 1) * (hh * 60 + mm);
        return true;
    }
    return false;
}

std::string format(const Fields& f) {
    int64_t days =
        days_from_civil(f.year, static_cast<unsigned>(f.month), static_cast<unsigned>(f.day));
    int64_t secs = days * 86400 + f.hour * 3600 + f.minute * 60 + std::min(f.second, 59) -
                   static_cast<int64_t>(f.offset_minutes) * 60;
    return format_instant(std::chrono::sys_seconds{std::chrono::seconds(secs)});
}

}  // namespace

std::string format_instant(std::chrono::sys_seconds tp) {
    auto dp = std::chrono::floor<std::chrono::days>(tp);
    std::chrono::year_month_day ymd{dp};
    std::chrono::hh_mm_ss hms{tp - dp};
    int year = static_cast<int>(ymd.year());
    char buf[32];
    if (year < 0 || year > 9999) {
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", year,
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                      static_cast<int>(hms.hours().count()),
                      static_cast<int>(hms.minutes().count()),
                      static_cast<int>(hms.seconds().count()));
        return buf;
    }
    // Digits by hand: snprintf was a visible share of ingest time (two timestamps per record).
    auto put2 = [](char* p, int v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    std::string out = "0000-00-00T00:00:00Z";
    put2(&out[0], year / 100);
    put2(&out[2], year % 100);
    put2(&out[5], static_cast<int>(static_cast<unsigned>(ymd.month())));
    put2(&out[8], static_cast<int>(static_cast<unsigned>(ymd.day())));
    put2(&out[11], static_cast<int>(hms.hours().count()));
    put2(&out[14], static_cast<int>(hms.minutes().count()));
    put2(&out[17], static_cast<int>(hms.seconds().count()));
    return out;
}

int64_t days_from_civil(int year, unsigned month, unsigned day) {
    return std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} /
                                 std::chrono::day{day}}
        .time_since_epoch()
        .count();
}

std::optional<std::string> normalize_timestamp(std::string_view text) {
    std::string_view s = trim(text);
    if (s.empty() || s.size() > 64) return std::nullopt;
    Fields f;
    bool parsed =
        is_digit(s[0]) && s.size() >= 10 && s[4] == '-' ? parse_iso(s, f) : parse_rfc2822(s, f);
    if (!parsed || !valid(f)) return std::nullopt;
    return format(f);
}

std::optional<std::string> normalize_date(std::string_view text) {
    auto ts = normalize_timestamp(text);
    if (!ts) return std::nullopt;
    return ts->substr(0, 10);
}

std::string now_timestamp() {
    return format_instant(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

std::optional<std::chrono::sys_seconds> parse_instant(std::string_view text) {
    const std::optional<std::string> stored = normalize_timestamp(text);
    if (!stored) return std::nullopt;
    const std::string& t = *stored;  // "YYYY-MM-DDTHH:MM:SSZ", validated
    const auto num = [&](size_t at, size_t width) { return std::stoi(t.substr(at, width)); };
    const int64_t days = days_from_civil(num(0, 4), static_cast<unsigned>(num(5, 2)),
                                         static_cast<unsigned>(num(8, 2)));
    return std::chrono::sys_seconds(
        std::chrono::seconds(days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2)));
}

std::string format_rfc1123(std::chrono::sys_seconds instant, std::string_view zone) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = std::chrono::floor<std::chrono::days>(instant);
    const std::chrono::year_month_day ymd(day);
    const std::chrono::hh_mm_ss time(instant - day);
    char out[48];
    std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d %.*s",
                  kDays[std::chrono::weekday(day).c_encoding()], unsigned(ymd.day()),
                  kMonths[unsigned(ymd.month()) - 1], int(ymd.year()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(zone.size()),
                  zone.data());
    return out;
}

}  // namespace paperboy
