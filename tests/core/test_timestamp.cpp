#include <gtest/gtest.h>

#include "core/timestamp.h"

namespace paperboy {
namespace {

TEST(Timestamp, NormalizesTheSourcesForms) {
    struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"Mon, 2 Apr 2007 19:18:42 GMT", "2007-04-02T19:18:42Z"},
        {"Tue, 24 Jul 2007 20:10:27 GMT", "2007-07-24T20:10:27Z"},
        {"2 Apr 2007 19:18:42 GMT", "2007-04-02T19:18:42Z"},
        {"2024-10-22T17:59:30.000Z", "2024-10-22T17:59:30Z"},
        {"2024-10-22T17:59:30Z", "2024-10-22T17:59:30Z"},
        {"2024-10-22T17:59:30+02:00", "2024-10-22T15:59:30Z"},
        {"2024-10-22T01:00:00-02:00", "2024-10-22T03:00:00Z"},
        {"2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00Z"},
        {"2024-10-22 17:59:30", "2024-10-22T17:59:30Z"},
        {"2007-05-23", "2007-05-23T00:00:00Z"},
        {" 2024-02-29 ", "2024-02-29T00:00:00Z"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        auto got = normalize_timestamp(c.in);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(*got, c.out);
    }
}

TEST(Timestamp, RejectsImpossibleAndMalformedDates) {
    for (const char* in : {"", "yesterday", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1",
                           "2024-10-22T25:00:00Z", "Mon, 2 Foo 2007 19:18:42 GMT", "2024-10-22T",
                           "2024-10-22T17:59:30.Z", "99999-01-01"}) {
        SCOPED_TRACE(in);
        EXPECT_FALSE(normalize_timestamp(in).has_value());
    }
}

TEST(Timestamp, DateOfATimestamp) {
    EXPECT_EQ(normalize_date("2024-10-25T09:30:02.067Z").value_or(""), "2024-10-25");
    EXPECT_EQ(normalize_date("2024-10-25").value_or(""), "2024-10-25");
    EXPECT_FALSE(normalize_date("Oct 25").has_value());
}

TEST(Timestamp, DaysFromCivil) {
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
    EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

TEST(Timestamp, NowHasTheStoredForm) {
    std::string now = now_timestamp();
    ASSERT_EQ(now.size(), 20u);
    EXPECT_EQ(normalize_timestamp(now).value_or(""), now);
}

TEST(Timestamp, ParseInstantRoundTripsWithFormatInstant) {
    for (const char* t : {"1970-01-01T00:00:00Z", "2024-10-25T21:19:46Z", "2000-02-29T23:59:59Z"}) {
        auto instant = parse_instant(t);
        ASSERT_TRUE(instant) << t;
        EXPECT_EQ(format_instant(*instant), t);
    }
    EXPECT_EQ(parse_instant("2024-10-25")->time_since_epoch().count() % 86400, 0);
    EXPECT_EQ(parse_instant("2023-02-30T00:00:00Z"), std::nullopt);
    EXPECT_EQ(parse_instant("yesterday"), std::nullopt);
}

TEST(Timestamp, Rfc1123UsesEnglishNamesAndTheGivenZone) {
    EXPECT_EQ(format_rfc1123(*parse_instant("1994-11-06T08:49:37Z"), "GMT"),
              "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(format_rfc1123(*parse_instant("2025-11-03T08:00:00Z"), "+0000"),
              "Mon, 03 Nov 2025 08:00:00 +0000");
}

}  // namespace
}  // namespace paperboy
