#include <gtest/gtest.h>

#include "core/calendar.h"

namespace paperboy {
namespace {

TEST(Calendar, ValidDaysOnly) {
    for (const char* ok : {"2024-10-25", "2024-02-29", "2000-02-29", "1999-12-31"}) {
        EXPECT_TRUE(is_valid_day(ok)) << ok;
    }
    for (const char* bad : {"2024-13-45", "2023-02-29", "1900-02-29", "2024-1-05", "2024-01-5",
                            "24-01-05", "2024/01/05", "2024-01-05T00:00:00Z", "", "2024-00-10",
                            "2024-01-00", "0999-01-01", "2024-01-3a", "+024-01-01"}) {
        EXPECT_FALSE(is_valid_day(bad)) << bad;
    }
}

TEST(Calendar, AddDaysCrossesMonthsAndYears) {
    EXPECT_EQ(add_days("2024-02-28", 1), "2024-02-29");
    EXPECT_EQ(add_days("2024-02-29", 1), "2024-03-01");
    EXPECT_EQ(add_days("2024-12-31", 1), "2025-01-01");
    EXPECT_EQ(add_days("2025-01-01", -1), "2024-12-31");
    EXPECT_EQ(add_days("2024-10-25", 0), "2024-10-25");
}

TEST(Calendar, IsoWeeks) {
    // ISO week-numbering edge cases (week 1 holds the year's first Thursday).
    EXPECT_EQ(iso_week_of("2024-10-25"), "2024-W43");
    EXPECT_EQ(iso_week_of("2021-01-03"), "2020-W53");  // a Sunday in 2020's week 53
    EXPECT_EQ(iso_week_of("2021-01-04"), "2021-W01");
    EXPECT_EQ(iso_week_of("2024-12-30"), "2025-W01");  // a Monday in 2025's week 1
    EXPECT_EQ(iso_week_of("2026-11-27"), "2026-W48");

    EXPECT_EQ(iso_week_days("2024-W43"), (DayRange{"2024-10-21", "2024-10-27"}));
    EXPECT_EQ(iso_week_days("2020-W53"), (DayRange{"2020-12-28", "2021-01-03"}));
    EXPECT_EQ(iso_week_days("2025-W01"), (DayRange{"2024-12-30", "2025-01-05"}));
    EXPECT_EQ(iso_week_days("2024-W53"), std::nullopt);  // 2024 has 52 weeks
    for (const char* bad : {"2024-W00", "2024-W1", "2024W43", "2024-43", "2024-W4x", ""}) {
        EXPECT_EQ(iso_week_days(bad), std::nullopt) << bad;
    }
    // Every day of a range maps back to its week.
    for (const char* week : {"2020-W53", "2024-W01", "2024-W52", "2025-W01"}) {
        auto range = iso_week_days(week);
        ASSERT_TRUE(range);
        for (int i = 0; i < 7; ++i) EXPECT_EQ(iso_week_of(add_days(range->first, i)), week);
    }
}

TEST(Calendar, Months) {
    EXPECT_EQ(month_of("2024-10-25"), "2024-10");
    EXPECT_EQ(month_days("2024-02"), (DayRange{"2024-02-01", "2024-02-29"}));
    EXPECT_EQ(month_days("2023-02"), (DayRange{"2023-02-01", "2023-02-28"}));
    EXPECT_EQ(month_days("2024-12"), (DayRange{"2024-12-01", "2024-12-31"}));
    for (const char* bad : {"2024-13", "2024-00", "2024-1", "2024/10", "", "2024-10-01"}) {
        EXPECT_EQ(month_days(bad), std::nullopt) << bad;
    }
}

TEST(Calendar, DisplayDay) {
    EXPECT_EQ(display_day("2024-10-25"), "Oct 25, 2024");
    EXPECT_EQ(display_day("2025-01-03"), "Jan 3, 2025");
    EXPECT_EQ(display_day("nonsense"), "nonsense");
}

}  // namespace
}  // namespace paperboy
