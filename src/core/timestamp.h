// core/timestamp.h — the date and time forms Paperboy stores.
//
// Every stored instant is UTC text "YYYY-MM-DDTHH:MM:SSZ" (sorts as it reads; the Hugging Face
// API's "publishedAt" form without milliseconds); every stored day is "YYYY-MM-DD".
// Pure functions over the standard library.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paperboy {

// Normalises the forms the sources use to "YYYY-MM-DDTHH:MM:SSZ":
//   ISO 8601 "2024-10-22T17:59:30.000Z", "2024-10-22T17:59:30+02:00", "2024-10-22 17:59:30"
//   RFC 2822 "Mon, 2 Apr 2007 19:18:42 GMT" (arXiv's versions[].created)
//   a bare day "2007-05-23" (midnight UTC)
// Returns nullopt for anything else, including impossible dates (2023-02-30).
std::optional<std::string> normalize_timestamp(std::string_view text);

// Normalises a day: "2024-10-25" or any timestamp form above -> "YYYY-MM-DD".
std::optional<std::string> normalize_date(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (negative before).
int64_t days_from_civil(int year, unsigned month, unsigned day);

// Formats an instant as "YYYY-MM-DDTHH:MM:SSZ".
std::string format_instant(std::chrono::sys_seconds instant);

// The instant of a stored "YYYY-MM-DDTHH:MM:SSZ" (or any form normalize_timestamp accepts).
std::optional<std::chrono::sys_seconds> parse_instant(std::string_view text);

// An instant in the RFC 1123 / RFC 822 form HTTP dates and RSS use, with English names
// whatever the locale: "Fri, 25 Oct 2024 09:30:00 GMT" (`zone` "GMT"; RSS also takes "+0000").
std::string format_rfc1123(std::chrono::sys_seconds instant, std::string_view zone);

// The current UTC instant in the stored form.
std::string now_timestamp();

}  // namespace paperboy
