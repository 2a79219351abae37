#include "types/time.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace ferris::types {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

/// A UTC timestamp from its fields (microsFromCivil is checked against literals below).
int64_t ts(int64_t year, int month, int day, int hour = 0, int minute = 0, int second = 0,
           int micros = 0) {
    return microsFromCivil(CivilTime{CivilDate{year, month, day}, hour, minute, second, micros});
}

void expectDate(const CivilDate& date, int64_t year, int month, int day) {
    EXPECT_EQ(date.year, year);
    EXPECT_EQ(date.month, month);
    EXPECT_EQ(date.day, day);
}

// ---- civil conversions ---------------------------------------------------------------------

TEST(CivilTest, DaysFromCivilKnownDates) {
    EXPECT_EQ(daysFromCivil({1970, 1, 1}), 0);
    EXPECT_EQ(daysFromCivil({1970, 1, 2}), 1);
    EXPECT_EQ(daysFromCivil({1969, 12, 31}), -1);
    EXPECT_EQ(daysFromCivil({2000, 2, 29}), 11016);
    EXPECT_EQ(daysFromCivil({2000, 3, 1}), 11017);
    EXPECT_EQ(daysFromCivil({2024, 2, 29}), 19782);
    EXPECT_EQ(daysFromCivil({1900, 3, 1}), -25508);
    EXPECT_EQ(daysFromCivil({1600, 1, 1}), -135140);
    EXPECT_EQ(daysFromCivil({1, 1, 1}), -719162);
    EXPECT_EQ(daysFromCivil({0, 3, 1}), -719468);
    EXPECT_EQ(daysFromCivil({0, 1, 1}), -719528);
    EXPECT_EQ(daysFromCivil({9999, 12, 31}), 2932896);
}

TEST(CivilTest, CivilFromDaysKnownDays) {
    expectDate(civilFromDays(0), 1970, 1, 1);
    expectDate(civilFromDays(-1), 1969, 12, 31);
    expectDate(civilFromDays(-365), 1969, 1, 1);
    expectDate(civilFromDays(-366), 1968, 12, 31);
    expectDate(civilFromDays(11016), 2000, 2, 29);
    expectDate(civilFromDays(19782), 2024, 2, 29);
    expectDate(civilFromDays(-25508), 1900, 3, 1);
    expectDate(civilFromDays(-25509), 1900, 2, 28);
    expectDate(civilFromDays(-719528), 0, 1, 1);
    expectDate(civilFromDays(-719529), -1, 12, 31);
    expectDate(civilFromDays(2932896), 9999, 12, 31);
    expectDate(civilFromDays(std::numeric_limits<int32_t>::min()), -5877641, 6, 23);
    expectDate(civilFromDays(std::numeric_limits<int32_t>::max()), 5881580, 7, 11);
}

TEST(CivilTest, EveryDayRoundTripsAndFollowsThePreviousOne) {
    CivilDate previous = civilFromDays(-800000);
    for (int64_t days = -799999; days <= 3000000; ++days) {
        const CivilDate date = civilFromDays(days);
        ASSERT_TRUE(isValidCivilDate(date.year, date.month, date.day)) << days;
        ASSERT_EQ(daysFromCivil(date), days);
        if (date.day == 1) {
            ASSERT_EQ(previous.day, daysInMonth(previous.year, previous.month)) << days;
            ASSERT_EQ(date.month, previous.month == 12 ? 1 : previous.month + 1) << days;
            ASSERT_EQ(date.year, previous.month == 12 ? previous.year + 1 : previous.year);
        } else {
            ASSERT_EQ(date.day, previous.day + 1) << days;
            ASSERT_EQ(date.month, previous.month) << days;
        }
        previous = date;
    }
}

TEST(CivilTest, LeapYears) {
    EXPECT_EQ(daysInMonth(2000, 2), 29);
    EXPECT_EQ(daysInMonth(1900, 2), 28);
    EXPECT_EQ(daysInMonth(2024, 2), 29);
    EXPECT_EQ(daysInMonth(2023, 2), 28);
    EXPECT_EQ(daysInMonth(2100, 2), 28);
    EXPECT_EQ(daysInMonth(0, 2), 29);
    EXPECT_EQ(daysInMonth(-4, 2), 29);
    EXPECT_EQ(daysInMonth(-100, 2), 28);
    EXPECT_EQ(daysInMonth(2023, 4), 30);
    EXPECT_EQ(daysInMonth(2023, 12), 31);
    EXPECT_EQ(daysInMonth(2023, 0), 0);
    EXPECT_EQ(daysInMonth(2023, 13), 0);
    EXPECT_TRUE(isValidCivilDate(2000, 2, 29));
    EXPECT_TRUE(isValidCivilDate(2024, 2, 29));
    EXPECT_FALSE(isValidCivilDate(1900, 2, 29));
    EXPECT_FALSE(isValidCivilDate(2023, 2, 29));
    EXPECT_FALSE(isValidCivilDate(2024, 2, 30));
    EXPECT_FALSE(isValidCivilDate(2024, 4, 31));
    EXPECT_FALSE(isValidCivilDate(2024, 1, 0));
    EXPECT_FALSE(isValidCivilDate(2024, 1, 32));
    EXPECT_FALSE(isValidCivilDate(2024, 0, 1));
    EXPECT_FALSE(isValidCivilDate(2024, 13, 1));
}

TEST(CivilTest, FloorDaysIsFloorDivision) {
    EXPECT_EQ(floorDays(0), 0);
    EXPECT_EQ(floorDays(kMicrosPerDay - 1), 0);
    EXPECT_EQ(floorDays(kMicrosPerDay), 1);
    EXPECT_EQ(floorDays(-1), -1);
    EXPECT_EQ(floorDays(-kMicrosPerDay), -1);
    EXPECT_EQ(floorDays(-kMicrosPerDay - 1), -2);
    EXPECT_EQ(floorDays(kMax), 106751991);
    EXPECT_EQ(floorDays(kMin), -106751992);
}

TEST(CivilTest, MicrosBreakDown) {
    CivilTime time = civilFromMicros(-1);
    expectDate(time.date, 1969, 12, 31);
    EXPECT_EQ(time.hour, 23);
    EXPECT_EQ(time.minute, 59);
    EXPECT_EQ(time.second, 59);
    EXPECT_EQ(time.micros, 999999);

    time = civilFromMicros(1710506096789012);
    expectDate(time.date, 2024, 3, 15);
    EXPECT_EQ(time.hour, 12);
    EXPECT_EQ(time.minute, 34);
    EXPECT_EQ(time.second, 56);
    EXPECT_EQ(time.micros, 789012);

    time = civilFromMicros(kMin);
    expectDate(time.date, -290308, 12, 21);
    EXPECT_EQ(time.hour, 19);
    EXPECT_EQ(time.minute, 59);
    EXPECT_EQ(time.second, 5);
    EXPECT_EQ(time.micros, 224192);

    time = civilFromMicros(kMax);
    expectDate(time.date, 294247, 1, 10);
    EXPECT_EQ(time.hour, 4);
    EXPECT_EQ(time.minute, 0);
    EXPECT_EQ(time.second, 54);
    EXPECT_EQ(time.micros, 775807);
}

TEST(CivilTest, MicrosFromCivil) {
    EXPECT_EQ(ts(1970, 1, 1), 0);
    EXPECT_EQ(ts(1969, 12, 31, 23, 59, 59, 999999), -1);
    EXPECT_EQ(ts(2024, 3, 15, 12, 34, 56, 789012), 1710506096789012);
    EXPECT_EQ(ts(1969, 7, 20, 20, 17, 40), -14182940000000);
    for (int64_t micros : {int64_t{0}, int64_t{-1}, int64_t{1710506096789012},
                           int64_t{-14182940000001}, kMax, kMin + kMicrosPerDay}) {
        EXPECT_EQ(microsFromCivil(civilFromMicros(micros)), micros);
    }
}

// ---- ISO formatting ------------------------------------------------------------------------

TEST(FormatIsoTest, MillisecondPrecisionFloors) {
    EXPECT_EQ(timestampToIsoString(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(timestampToIsoString(999), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(timestampToIsoString(1000), "1970-01-01T00:00:00.001Z");
    EXPECT_EQ(timestampToIsoString(-1000), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(timestampToIsoString(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(timestampToIsoString(-1001), "1969-12-31T23:59:59.998Z");
    EXPECT_EQ(timestampToIsoString(1710506096789012), "2024-03-15T12:34:56.789Z");
    EXPECT_EQ(timestampToIsoString(-14182940000000), "1969-07-20T20:17:40.000Z");
    EXPECT_EQ(timestampToIsoString(951868799000000), "2000-02-29T23:59:59.000Z");
}

TEST(FormatIsoTest, YearsOutsideFourDigits) {
    EXPECT_EQ(timestampToIsoString(-62167219200000000), "0000-01-01T00:00:00.000Z");
    EXPECT_EQ(timestampToIsoString(ts(9999, 12, 31, 23, 59, 59, 999999)),
              "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(timestampToIsoString(ts(10000, 1, 1)), "+10000-01-01T00:00:00.000Z");
    EXPECT_EQ(timestampToIsoString(ts(-1, 12, 31, 23)), "-0001-12-31T23:00:00.000Z");
    EXPECT_EQ(timestampToIsoString(kMax), "+294247-01-10T04:00:54.775Z");
    EXPECT_EQ(timestampToIsoString(kMin), "-290308-12-21T19:59:05.224Z");
}

TEST(FormatIsoTest, BufferForm) {
    char buffer[kTimestampMaxChars];
    const size_t written = formatTimestampIso(1710506096789012, buffer);
    EXPECT_EQ(std::string(buffer, written), "2024-03-15T12:34:56.789Z");
    EXPECT_EQ(written, 24U);
    EXPECT_LE(formatTimestampIso(kMin, buffer), kTimestampMaxChars);
    EXPECT_EQ(formatDate(19782, buffer), 10U);
    EXPECT_EQ(std::string(buffer, 10), "2024-02-29");
}

TEST(FormatIsoTest, Dates) {
    EXPECT_EQ(dateToString(0), "1970-01-01");
    EXPECT_EQ(dateToString(-1), "1969-12-31");
    EXPECT_EQ(dateToString(11016), "2000-02-29");
    EXPECT_EQ(dateToString(-25509), "1900-02-28");
    EXPECT_EQ(dateToString(-719528), "0000-01-01");
    EXPECT_EQ(dateToString(std::numeric_limits<int32_t>::min()), "-5877641-06-23");
    EXPECT_EQ(dateToString(std::numeric_limits<int32_t>::max()), "+5881580-07-11");
}

TEST(FormatIsoTest, ParseOfFormatGivesTheMillisecondFloor) {
    for (int64_t micros = -5 * kMicrosPerDay; micros < 5 * kMicrosPerDay;
         micros += 7 * kMicrosPerHour + 123457) {
        int64_t parsed = 0;
        ASSERT_EQ(parseTimestampIso(timestampToIsoString(micros), parsed), TimeParseStatus::kOk);
        ASSERT_EQ(parsed, truncateTimestamp(TimeUnit::kMillisecond, micros)) << micros;
    }
}

// ---- ISO parsing ---------------------------------------------------------------------------

struct IsoCase {
    std::string text;
    int64_t micros;
};

TEST(ParseIsoTest, AcceptedForms) {
    const std::vector<IsoCase> cases = {
        {"2024-03-15", 1710460800000000LL},
        {"2024-03-15T12:34", 1710506040000000LL},
        {"2024-03-15 12:34", 1710506040000000LL},
        {"2024-03-15T12:34:56", 1710506096000000LL},
        {"2024-03-15T12:34:56.7", 1710506096700000LL},
        {"2024-03-15T12:34:56.789", 1710506096789000LL},
        {"2024-03-15T12:34:56.789012", 1710506096789012LL},
        {"2024-03-15T12:34:56.789012999", 1710506096789012LL},
        {"2024-03-15T12:34:56Z", 1710506096000000LL},
        {"2024-03-15T12:34z", 1710506040000000LL},
        {"2024-03-15T12:34:56+01:00", 1710502496000000LL},
        {"2024-03-15T12:34:56+0100", 1710502496000000LL},
        {"2024-03-15T12:34:56+01", 1710502496000000LL},
        {"2024-03-15T12:34-05:30", 1710525840000000LL},
        {"2024-03-15 12:34:56.5-0530", 1710525896500000LL},
        {"2024-03-15T12:34:56.789-00:00", 1710506096789000LL},
        {"2024-03-15T00:30+01:00", 1710459000000000LL},
        {"1970-01-01T00:00+14:00", -50400000000LL},
        {"1970-01-01T00:00:00.000001-00:01", 60000001LL},
        {"1969-12-31T23:59:59.999999Z", -1LL},
        {"1969-12-31T23:59:59.999", -1000LL},
        {"1969-07-20T20:17:40Z", -14182940000000LL},
        {"2000-02-29T23:59:59Z", 951868799000000LL},
        {"2024-02-29", 1709164800000000LL},
        {"0000-01-01T00:00:00Z", -62167219200000000LL},
        {"0001-01-01T00:00:00Z", -62135596800000000LL},
        {"9999-12-31T23:59:59.999999Z", 253402300799999999LL},
        {"1900-03-01", -2203891200000000LL},
    };
    for (const IsoCase& testCase : cases) {
        int64_t micros = 0;
        EXPECT_EQ(parseTimestampIso(testCase.text, micros), TimeParseStatus::kOk) << testCase.text;
        EXPECT_EQ(micros, testCase.micros) << testCase.text;
    }
}

TEST(ParseIsoTest, RejectsMalformedAndInvalidFields) {
    const std::vector<std::string> invalid = {
        "",
        "2024",
        "2024-03",
        "2024-3-15",
        "2024-03-5",
        "24-03-15",
        "2024/03/15",
        "20240315",
        "abcd-ef-gh",
        "2024-02-30",
        "2023-02-29",
        "1900-02-29",
        "2024-04-31",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "2024-03-15T",
        "2024-03-15T12",
        "2024-03-15T1:34",
        "2024-03-15T12:3",
        "2024-03-15T12-34",
        "2024-03-15T24:00",
        "2024-03-15T23:60",
        "2024-03-15T23:59:60",
        "2024-03-15T12:34:5",
        "2024-03-15T12:34:56.",
        "2024-03-15T12:34:56.1234567890",
        "2024-03-15T12:34:56,5",
        "2024-03-15T12:34.5",
        "2024-03-15t12:34",
        "2024-03-15_12:34",
        "2024-03-15T12:34:56+24:00",
        "2024-03-15T12:34:56+01:60",
        "2024-03-15T12:34:56+1",
        "2024-03-15T12:34:56+013",
        "2024-03-15T12:34:56+01:0",
        "2024-03-15T12:34:56+01:",
        "2024-03-15T12:34:56+",
        "2024-03-15T12:34:56UTC",
        "2024-03-15T12:34:56ZZ",
        "2024-03-15T12:34:56 +01:00",
        "2024-03-15Z",
        "2024-03-15+01:00",
        " 2024-03-15",
        "2024-03-15 ",
        "2024-03-15T12:34:56Z ",
        "+2024-03-15",
        "-2024a-03-15",
        "1234567890123456789012-01-01",
        std::string("2024-03-15\0", 11),
    };
    for (const std::string& text : invalid) {
        int64_t micros = 0;
        EXPECT_EQ(parseTimestampIso(text, micros), TimeParseStatus::kInvalid) << text;
    }
}

TEST(ParseIsoTest, YearsOutsideFourDigitsAreOutOfRange) {
    int64_t micros = 0;
    EXPECT_EQ(parseTimestampIso("10000-01-01", micros), TimeParseStatus::kOutOfRange);
    EXPECT_EQ(parseTimestampIso("+10000-01-01T00:00:00Z", micros), TimeParseStatus::kOutOfRange);
    EXPECT_EQ(parseTimestampIso("-0001-12-31", micros), TimeParseStatus::kOutOfRange);
    EXPECT_EQ(parseTimestampIso("-0001-12-31T23:59:59.5+01:00", micros),
              TimeParseStatus::kOutOfRange);
    // A malformed text stays malformed whatever its year.
    EXPECT_EQ(parseTimestampIso("10000-02-30", micros), TimeParseStatus::kInvalid);
    EXPECT_EQ(parseTimestampIso("10000-01-01T25:00", micros), TimeParseStatus::kInvalid);
    EXPECT_EQ(parseTimestampIso("-0001-12-31 ", micros), TimeParseStatus::kInvalid);
}

TEST(ParseIsoTest, Dates) {
    int32_t days = 0;
    EXPECT_EQ(parseDate("2024-02-29", days), TimeParseStatus::kOk);
    EXPECT_EQ(days, 19782);
    EXPECT_EQ(parseDate("1969-12-31", days), TimeParseStatus::kOk);
    EXPECT_EQ(days, -1);
    EXPECT_EQ(parseDate("0000-01-01", days), TimeParseStatus::kOk);
    EXPECT_EQ(days, -719528);
    EXPECT_EQ(parseDate("2024-02-30", days), TimeParseStatus::kInvalid);
    EXPECT_EQ(parseDate("2024-02-29T00:00", days), TimeParseStatus::kInvalid);
    EXPECT_EQ(parseDate("2024-02-29Z", days), TimeParseStatus::kInvalid);
    EXPECT_EQ(parseDate("", days), TimeParseStatus::kInvalid);
    EXPECT_EQ(parseDate("10000-01-01", days), TimeParseStatus::kOutOfRange);
    EXPECT_EQ(parseDate("-0001-01-01", days), TimeParseStatus::kOutOfRange);
}

// ---- patterns ------------------------------------------------------------------------------

struct PatternCase {
    std::string text;
    std::string pattern;
    int64_t micros;
};

TEST(PatternTest, ParseAcceptedTexts) {
    const std::vector<PatternCase> cases = {
        {"2024-03-15 12:34:56", "%Y-%m-%d %H:%M:%S", 1710506096000000LL},
        {"15/03/2024 12:34:56.789012", "%d/%m/%Y %H:%M:%S.%f", 1710506096789012LL},
        {"15/03/2024 12:34:56.7", "%d/%m/%Y %H:%M:%S.%f", 1710506096700000LL},
        {"15/03/2024 12:34:56.789012999", "%d/%m/%Y %H:%M:%S.%f", 1710506096789012LL},
        {"20240315123456", "%Y%m%d%H%M%S", 1710506096000000LL},
        {"5/3/2024", "%d/%m/%Y", ts(2024, 3, 5)},
        {"15 Mar 2024", "%d %b %Y", ts(2024, 3, 15)},
        {"15 march 2024", "%d %b %Y", ts(2024, 3, 15)},
        {"15 MAY 2024", "%d %b %Y", ts(2024, 5, 15)},
        {"Fri, 15 Mar 2024 12:34:56 +0100", "%a, %d %b %Y %H:%M:%S %z", 1710502496000000LL},
        {"friday 2024-03-15", "%a %Y-%m-%d", ts(2024, 3, 15)},
        {"2024-03-15T12:34:56Z", "%Y-%m-%dT%H:%M:%S%z", 1710506096000000LL},
        {"2024-03-15T12:34-05:30", "%Y-%m-%dT%H:%M%z", 1710525840000000LL},
        {"2024-075", "%Y-%j", ts(2024, 3, 15)},
        {"2024-366", "%Y-%j", ts(2024, 12, 31)},
        {"2023-001", "%Y-%j", ts(2023, 1, 1)},
        {"2024-075-03", "%Y-%j-%m", ts(2024, 3, 15)},
        {"03/15/2024 12:34:56 PM", "%m/%d/%Y %I:%M:%S %p", 1710506096000000LL},
        {"03/15/2024 12:34 am", "%m/%d/%Y %I:%M %p", ts(2024, 3, 15, 0, 34)},
        {"03/15/2024 1:30 pm", "%m/%d/%Y %I:%M %p", ts(2024, 3, 15, 13, 30)},
        {"03/15/2024 11:30", "%m/%d/%Y %I:%M", ts(2024, 3, 15, 11, 30)},
        {"12:34", "%H:%M", 45240000000LL},
        {"10%", "%d%%", ts(1970, 1, 10)},
        {"1969-12-31 23:59:59.999999", "%Y-%m-%d %H:%M:%S.%f", -1LL},
        {"", "", 0},
    };
    for (const PatternCase& testCase : cases) {
        int64_t micros = 0;
        EXPECT_EQ(parseTimestampPattern(testCase.text, testCase.pattern, micros),
                  TimeParseStatus::kOk)
            << testCase.text << " / " << testCase.pattern;
        EXPECT_EQ(micros, testCase.micros) << testCase.text << " / " << testCase.pattern;
    }
}

TEST(PatternTest, ParseRejectedTexts) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"2024-03-15", "%Y-%m-%d %H"},
        {"2024-03-15 12", "%Y-%m-%d"},
        {"2024/03/15", "%Y-%m-%d"},
        {"2024-02-30", "%Y-%m-%d"},
        {"2023-02-29", "%Y-%m-%d"},
        {"24-03-15", "%Y-%m-%d"},
        {"2024-13-15", "%Y-%m-%d"},
        {"2024-00-15", "%Y-%m-%d"},
        {"2024-03-00", "%Y-%m-%d"},
        {"24:00", "%H:%M"},
        {"12:60", "%H:%M"},
        {"12:34:60", "%H:%M:%S"},
        {"13:00 PM", "%I:%M %p"},
        {"00:00 AM", "%I:%M %p"},
        {"12:00 XM", "%I:%M %p"},
        {"12.", "%S.%f"},
        {"12.1234567890", "%S.%f"},
        {"2023-366", "%Y-%j"},
        {"2024-000", "%Y-%j"},
        {"2024-075-04", "%Y-%j-%m"},
        {"15 Foo 2024", "%d %b %Y"},
        {"Xyz 2024", "%a %Y"},
        {"12:00 +01", "%H:%M %z"},
        {"12:00 +2400", "%H:%M %z"},
        {"12:00 UTC", "%H:%M %z"},
        {"10", "%d%%"},
        {"2024", "%Y %Q"},
        {"2024", "%Y%"},
        {"x", "%Q"},
    };
    for (const auto& [text, pattern] : cases) {
        int64_t micros = 0;
        EXPECT_EQ(parseTimestampPattern(text, pattern, micros), TimeParseStatus::kInvalid)
            << text << " / " << pattern;
    }
}

TEST(PatternTest, Format) {
    const int64_t friday = 1710506096789012;  // 2024-03-15T12:34:56.789012Z
    EXPECT_EQ(formatTimestampPattern(friday, "%Y-%m-%d %H:%M:%S.%f"),
              "2024-03-15 12:34:56.789012");
    EXPECT_EQ(formatTimestampPattern(friday, "%a %b %d %j %I%p %z %%"),
              "Fri Mar 15 075 12PM +0000 %");
    EXPECT_EQ(formatTimestampPattern(friday, "%Y%m%d"), "20240315");
    EXPECT_EQ(formatTimestampPattern(-1, "%Y-%m-%d %H:%M:%S.%f"), "1969-12-31 23:59:59.999999");
    EXPECT_EQ(formatTimestampPattern(-14182940000000, "%a %j %I:%M %p"), "Sun 201 08:17 PM");
    EXPECT_EQ(formatTimestampPattern(0, "%I %p %f %j"), "12 AM 000000 001");
    EXPECT_EQ(formatTimestampPattern(ts(2024, 12, 31, 9, 5, 7), "%j %I:%M:%S %p"),
              "366 09:05:07 AM");
    EXPECT_EQ(formatTimestampPattern(friday, "at %Q%"), "at %Q%");
    EXPECT_EQ(formatTimestampPattern(friday, ""), "");
    EXPECT_EQ(formatTimestampPattern(ts(10000, 1, 1), "%Y"), "+10000");
}

TEST(PatternTest, FormatThenParseRoundTrips) {
    const std::string pattern = "%Y-%m-%d %H:%M:%S.%f %z";
    for (int64_t micros : {int64_t{0}, int64_t{-1}, int64_t{1710506096789012},
                           int64_t{-14182940000001}, ts(2000, 2, 29, 23, 59, 59, 1)}) {
        int64_t parsed = 0;
        ASSERT_EQ(parseTimestampPattern(formatTimestampPattern(micros, pattern), pattern, parsed),
                  TimeParseStatus::kOk);
        EXPECT_EQ(parsed, micros);
    }
}

TEST(PatternTest, Validate) {
    EXPECT_EQ(validateTimestampPattern(""), "");
    EXPECT_EQ(validateTimestampPattern("%Y-%m-%d %H:%M:%S.%f%z"), "");
    EXPECT_EQ(validateTimestampPattern("%a %b %j %I %p %%"), "");
    EXPECT_EQ(validateTimestampPattern("%Y %Q"), "%Q");
    EXPECT_EQ(validateTimestampPattern("%E%Q"), "%E");
    EXPECT_EQ(validateTimestampPattern("%%Q"), "");
    EXPECT_EQ(validateTimestampPattern("abc%"), "%");
    EXPECT_EQ(validateTimestampPattern("%y"), "%y");
}

// ---- units ---------------------------------------------------------------------------------

TEST(TimeUnitTest, ParseNames) {
    const std::vector<std::pair<std::string, TimeUnit>> cases = {
        {"MICROSECOND", TimeUnit::kMicrosecond}, {"microseconds", TimeUnit::kMicrosecond},
        {"us", TimeUnit::kMicrosecond},          {"US", TimeUnit::kMicrosecond},
        {"Millisecond", TimeUnit::kMillisecond}, {"MILLISECONDS", TimeUnit::kMillisecond},
        {"ms", TimeUnit::kMillisecond},          {"Ms", TimeUnit::kMillisecond},
        {"second", TimeUnit::kSecond},           {"SECONDS", TimeUnit::kSecond},
        {"MINUTE", TimeUnit::kMinute},           {"minutes", TimeUnit::kMinute},
        {"hour", TimeUnit::kHour},               {"Hours", TimeUnit::kHour},
        {"DAY", TimeUnit::kDay},                 {"days", TimeUnit::kDay},
        {"week", TimeUnit::kWeek},               {"WEEKS", TimeUnit::kWeek},
        {"month", TimeUnit::kMonth},             {"MONTHS", TimeUnit::kMonth},
        {"Quarter", TimeUnit::kQuarter},         {"quarters", TimeUnit::kQuarter},
        {"YEAR", TimeUnit::kYear},               {"years", TimeUnit::kYear},
        {"DOW", TimeUnit::kDayOfWeek},           {"dayofweek", TimeUnit::kDayOfWeek},
        {"doy", TimeUnit::kDayOfYear},           {"DayOfYear", TimeUnit::kDayOfYear},
        {"EPOCH", TimeUnit::kEpoch},             {"epoch", TimeUnit::kEpoch},
    };
    for (const auto& [text, expected] : cases) {
        TimeUnit unit = TimeUnit::kEpoch;
        EXPECT_TRUE(parseTimeUnit(text, unit)) << text;
        EXPECT_EQ(unit, expected) << text;
    }
    for (const char* text : {"", "min", "M", "S", "minutess", "MINUTE ", " DAY", "fortnight",
                             "epochs", "dows", "MINUT", "millis"}) {
        TimeUnit unit = TimeUnit::kEpoch;
        EXPECT_FALSE(parseTimeUnit(text, unit)) << '"' << text << '"';
    }
}

TEST(TimeUnitTest, NamesRoundTrip) {
    const std::vector<std::pair<TimeUnit, std::string>> names = {
        {TimeUnit::kMicrosecond, "MICROSECOND"}, {TimeUnit::kMillisecond, "MILLISECOND"},
        {TimeUnit::kSecond, "SECOND"},           {TimeUnit::kMinute, "MINUTE"},
        {TimeUnit::kHour, "HOUR"},               {TimeUnit::kDay, "DAY"},
        {TimeUnit::kWeek, "WEEK"},               {TimeUnit::kMonth, "MONTH"},
        {TimeUnit::kQuarter, "QUARTER"},         {TimeUnit::kYear, "YEAR"},
        {TimeUnit::kDayOfWeek, "DAYOFWEEK"},     {TimeUnit::kDayOfYear, "DAYOFYEAR"},
        {TimeUnit::kEpoch, "EPOCH"},
    };
    for (const auto& [unit, name] : names) {
        EXPECT_EQ(timeUnitName(unit), name);
        TimeUnit parsed = TimeUnit::kMicrosecond;
        EXPECT_TRUE(parseTimeUnit(name, parsed));
        EXPECT_EQ(parsed, unit);
        EXPECT_EQ(isExtractOnlyUnit(unit), unit == TimeUnit::kDayOfWeek ||
                                               unit == TimeUnit::kDayOfYear ||
                                               unit == TimeUnit::kEpoch);
    }
}

// ---- EXTRACT -------------------------------------------------------------------------------

TEST(ExtractTest, EveryUnit) {
    const int64_t friday = 1710506096789012;  // 2024-03-15T12:34:56.789012Z
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kYear, friday), 2024);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kQuarter, friday), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMonth, friday), 3);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, friday), 11);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDay, friday), 15);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kHour, friday), 12);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMinute, friday), 34);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kSecond, friday), 56);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMillisecond, friday), 56789);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMicrosecond, friday), 56789012);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, friday), 6);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfYear, friday), 75);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kEpoch, friday), 1710506096);
}

TEST(ExtractTest, BeforeTheEpoch) {
    // -1 µs is Wednesday 1969-12-31T23:59:59.999999, in ISO week 1 of 1970.
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kYear, -1), 1969);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kQuarter, -1), 4);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMonth, -1), 12);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, -1), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDay, -1), 31);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kHour, -1), 23);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMinute, -1), 59);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kSecond, -1), 59);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMillisecond, -1), 59999);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kMicrosecond, -1), 59999999);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, -1), 4);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfYear, -1), 365);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kEpoch, -1), -1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kEpoch, -1500000), -2);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kEpoch, 1500000), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kEpoch, -1000000), -1);
}

TEST(ExtractTest, IsoWeekAtYearEdges) {
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2021, 1, 3)), 53);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2021, 1, 4)), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2020, 12, 31)), 53);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2024, 12, 30)), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2024, 12, 29)), 52);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2024, 1, 1)), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2026, 1, 1)), 1);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(2016, 1, 3)), 53);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kWeek, ts(1969, 7, 20)), 29);
}

TEST(ExtractTest, DayOfWeekAndYear) {
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, ts(1970, 1, 1)), 5);  // Thursday
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, ts(1970, 1, 3)), 7);  // Saturday
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, ts(1970, 1, 4)), 1);  // Sunday
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, ts(1970, 1, 5)), 2);  // Monday
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfWeek, ts(1969, 7, 20)), 1);  // Sunday
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfYear, ts(2024, 12, 31, 23)), 366);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfYear, ts(2023, 12, 31)), 365);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfYear, ts(2024, 3, 1)), 61);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kDayOfYear, ts(2023, 3, 1)), 60);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kQuarter, ts(2024, 4, 1)), 2);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kQuarter, ts(2024, 9, 30)), 3);
    EXPECT_EQ(extractFromTimestamp(TimeUnit::kQuarter, ts(2024, 10, 1)), 4);
}

// ---- DATE_TRUNC ----------------------------------------------------------------------------

TEST(TruncateTest, EveryUnit) {
    const int64_t friday = ts(2024, 3, 15, 12, 34, 56, 789012);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMicrosecond, friday), friday);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMillisecond, friday),
              ts(2024, 3, 15, 12, 34, 56, 789000));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kSecond, friday), ts(2024, 3, 15, 12, 34, 56));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMinute, friday), ts(2024, 3, 15, 12, 34));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kHour, friday), ts(2024, 3, 15, 12));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kDay, friday), ts(2024, 3, 15));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kWeek, friday), ts(2024, 3, 11));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMonth, friday), ts(2024, 3, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kQuarter, friday), ts(2024, 1, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kYear, friday), ts(2024, 1, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kSecond, friday), 1710506096000000);
}

TEST(TruncateTest, BeforeTheEpoch) {
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMillisecond, -1), -1000);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kSecond, -1), -1000000);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMinute, -1), -60000000);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kHour, -1), -3600000000);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kDay, -1), -86400000000);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kWeek, -1), ts(1969, 12, 29));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMonth, -1), ts(1969, 12, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kQuarter, -1), ts(1969, 10, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kYear, -1), ts(1969, 1, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kSecond, -1000000), -1000000);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kDay, -kMicrosPerDay), -kMicrosPerDay);
}

TEST(TruncateTest, WeeksQuartersAndEdges) {
    EXPECT_EQ(truncateTimestamp(TimeUnit::kWeek, ts(2024, 3, 17, 23, 59)), ts(2024, 3, 11));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kWeek, ts(2024, 3, 18)), ts(2024, 3, 18));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kWeek, ts(2021, 1, 1)), ts(2020, 12, 28));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kWeek, 0), ts(1969, 12, 29));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kQuarter, ts(2024, 8, 20, 5)), ts(2024, 7, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kQuarter, ts(2024, 12, 31, 23)), ts(2024, 10, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kQuarter, ts(2024, 6, 30)), ts(2024, 4, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kMonth, ts(2024, 2, 29, 23)), ts(2024, 2, 1));
    // The start of INT64_MIN's day lies before the int64 range.
    EXPECT_EQ(truncateTimestamp(TimeUnit::kDay, kMin), kMin);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kYear, kMin), kMin);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kSecond, kMin), kMin);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kDay, kMax), ts(294247, 1, 10));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kYear, kMax), ts(294247, 1, 1));
    EXPECT_EQ(truncateTimestamp(TimeUnit::kDayOfWeek, 12345), 12345);
    EXPECT_EQ(truncateTimestamp(TimeUnit::kEpoch, 12345), 12345);
}

// ---- DATEDIFF ------------------------------------------------------------------------------

TEST(DiffTest, CalendarUnits) {
    EXPECT_EQ(diffTimestamps(TimeUnit::kYear, ts(2020, 12, 31), ts(2021, 1, 1)), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kYear, ts(2021, 1, 1), ts(2021, 12, 31, 23)), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kYear, ts(2021, 1, 1), ts(2020, 12, 31)), -1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kYear, ts(1969, 6, 1), ts(2024, 1, 1)), 55);
    EXPECT_EQ(diffTimestamps(TimeUnit::kQuarter, ts(2024, 3, 31), ts(2024, 4, 1)), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kQuarter, ts(2023, 12, 31), ts(2024, 12, 31)), 4);
    EXPECT_EQ(diffTimestamps(TimeUnit::kQuarter, ts(2024, 1, 1), ts(2024, 3, 31)), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMonth, ts(2024, 1, 31), ts(2024, 2, 1)), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMonth, ts(2023, 11, 15), ts(2024, 2, 14)), 3);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMonth, ts(2024, 2, 14), ts(2023, 11, 15)), -3);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMonth, -1, 0), 1);
}

TEST(DiffTest, WeeksAndDays) {
    EXPECT_EQ(diffTimestamps(TimeUnit::kWeek, ts(2024, 3, 17), ts(2024, 3, 18)), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kWeek, ts(2024, 3, 11), ts(2024, 3, 17, 23)), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kWeek, ts(2024, 3, 18), ts(2024, 3, 11)), -1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kWeek, ts(1969, 12, 28), ts(1970, 1, 5)), 2);
    EXPECT_EQ(diffTimestamps(TimeUnit::kDay, ts(2024, 3, 15, 23, 59, 59), ts(2024, 3, 16)), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kDay, ts(2024, 3, 15), ts(2024, 3, 15, 23, 59)), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kDay, -1, 0), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kDay, ts(2024, 2, 28), ts(2024, 3, 1)), 2);
    EXPECT_EQ(diffTimestamps(TimeUnit::kDay, ts(2024, 3, 1), ts(2024, 2, 28, 12)), -2);
}

TEST(DiffTest, SubDayUnits) {
    EXPECT_EQ(diffTimestamps(TimeUnit::kHour, ts(2024, 1, 1, 12, 59, 59), ts(2024, 1, 1, 13)), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kHour, ts(2024, 1, 1, 12), ts(2024, 1, 1, 12, 59, 59)), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kHour, ts(2024, 1, 1), ts(2024, 1, 2)), 24);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMinute, -1, 0), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMinute, 0, 90 * kMicrosPerSecond), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kSecond, -1, 0), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kSecond, 0, 999999), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kSecond, 1500000, -1500000), -3);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMillisecond, 999, 1000), 1);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMillisecond, 0, 999), 0);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMicrosecond, 5, 3), -2);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMicrosecond, kMin, kMax), kMax);
    EXPECT_EQ(diffTimestamps(TimeUnit::kMicrosecond, kMax, kMin), kMin);
    EXPECT_EQ(diffTimestamps(TimeUnit::kSecond, kMin, kMax), 18446744073709);
    EXPECT_EQ(diffTimestamps(TimeUnit::kEpoch, 0, kMicrosPerDay), 0);
}

// ---- intervals -----------------------------------------------------------------------------

TEST(IntervalTest, AddMonthsClampsTheDay) {
    int64_t out = 0;
    ASSERT_TRUE(addInterval(ts(2024, 1, 31, 10), IntervalValue{1, 0}, out));
    EXPECT_EQ(out, ts(2024, 2, 29, 10));
    ASSERT_TRUE(addInterval(ts(2023, 1, 31), IntervalValue{1, 0}, out));
    EXPECT_EQ(out, ts(2023, 2, 28));
    ASSERT_TRUE(addInterval(ts(2024, 3, 31, 1, 2, 3, 4), IntervalValue{-1, 0}, out));
    EXPECT_EQ(out, ts(2024, 2, 29, 1, 2, 3, 4));
    ASSERT_TRUE(addInterval(ts(2024, 2, 29), IntervalValue{12, 0}, out));
    EXPECT_EQ(out, ts(2025, 2, 28));
    ASSERT_TRUE(addInterval(ts(2024, 11, 30), IntervalValue{3, 0}, out));
    EXPECT_EQ(out, ts(2025, 2, 28));
    ASSERT_TRUE(addInterval(ts(2024, 5, 31), IntervalValue{-13, 0}, out));
    EXPECT_EQ(out, ts(2023, 4, 30));
    ASSERT_TRUE(addInterval(0, IntervalValue{-1, 0}, out));
    EXPECT_EQ(out, ts(1969, 12, 1));
    ASSERT_TRUE(addInterval(-1, IntervalValue{2, 0}, out));
    EXPECT_EQ(out, ts(1970, 2, 28, 23, 59, 59, 999999));
}

TEST(IntervalTest, AddMonthsThenMicros) {
    int64_t out = 0;
    ASSERT_TRUE(addInterval(ts(2024, 1, 31), IntervalValue{1, kMicrosPerDay}, out));
    EXPECT_EQ(out, ts(2024, 3, 1));
    ASSERT_TRUE(addInterval(ts(2024, 1, 31), IntervalValue{0, 5 * kMicrosPerMinute}, out));
    EXPECT_EQ(out, ts(2024, 1, 31, 0, 5));
    ASSERT_TRUE(addInterval(0, IntervalValue{0, -1}, out));
    EXPECT_EQ(out, -1);
    ASSERT_TRUE(addInterval(12345, IntervalValue{0, 0}, out));
    EXPECT_EQ(out, 12345);
}

TEST(IntervalTest, AddDetectsOverflow) {
    int64_t out = 0;
    EXPECT_FALSE(addInterval(kMax, IntervalValue{0, 1}, out));
    EXPECT_FALSE(addInterval(kMin, IntervalValue{0, -1}, out));
    EXPECT_FALSE(addInterval(kMax, IntervalValue{1, 0}, out));
    EXPECT_FALSE(addInterval(kMin, IntervalValue{-1, 0}, out));
    EXPECT_FALSE(addInterval(0, IntervalValue{std::numeric_limits<int32_t>::max(), 0}, out));
    EXPECT_FALSE(addInterval(0, IntervalValue{std::numeric_limits<int32_t>::min(), 0}, out));
    EXPECT_FALSE(addInterval(kMax - kMicrosPerDay, IntervalValue{0, kMax}, out));
    // Right at the ends of the range the calendar arithmetic still works.
    ASSERT_TRUE(addInterval(kMin, IntervalValue{0, 0}, out));
    EXPECT_EQ(out, kMin);
    ASSERT_TRUE(addInterval(kMin, IntervalValue{1, 0}, out));  // Dec 21 → Jan 21
    EXPECT_EQ(out, kMin + 31 * kMicrosPerDay);
    ASSERT_TRUE(addInterval(kMax, IntervalValue{-1, 0}, out));  // Jan 10 → Dec 10
    EXPECT_EQ(out, kMax - 31 * kMicrosPerDay);
    ASSERT_TRUE(addInterval(kMax, IntervalValue{0, kMin}, out));
    EXPECT_EQ(out, -1);
}

TEST(IntervalTest, MakeInterval) {
    IntervalValue out;
    ASSERT_TRUE(makeInterval(5, TimeUnit::kMinute, out));
    EXPECT_EQ(out, (IntervalValue{0, 300000000}));
    ASSERT_TRUE(makeInterval(2, TimeUnit::kYear, out));
    EXPECT_EQ(out, (IntervalValue{24, 0}));
    ASSERT_TRUE(makeInterval(3, TimeUnit::kQuarter, out));
    EXPECT_EQ(out, (IntervalValue{9, 0}));
    ASSERT_TRUE(makeInterval(-7, TimeUnit::kMonth, out));
    EXPECT_EQ(out, (IntervalValue{-7, 0}));
    ASSERT_TRUE(makeInterval(1, TimeUnit::kWeek, out));
    EXPECT_EQ(out, (IntervalValue{0, 604800000000}));
    ASSERT_TRUE(makeInterval(-1, TimeUnit::kDay, out));
    EXPECT_EQ(out, (IntervalValue{0, -86400000000}));
    ASSERT_TRUE(makeInterval(2, TimeUnit::kHour, out));
    EXPECT_EQ(out, (IntervalValue{0, 7200000000}));
    ASSERT_TRUE(makeInterval(30, TimeUnit::kSecond, out));
    EXPECT_EQ(out, (IntervalValue{0, 30000000}));
    ASSERT_TRUE(makeInterval(1500, TimeUnit::kMillisecond, out));
    EXPECT_EQ(out, (IntervalValue{0, 1500000}));
    ASSERT_TRUE(makeInterval(7, TimeUnit::kMicrosecond, out));
    EXPECT_EQ(out, (IntervalValue{0, 7}));
    ASSERT_TRUE(makeInterval(15250284, TimeUnit::kWeek, out));
    EXPECT_EQ(out, (IntervalValue{0, 9223371763200000000}));
    ASSERT_TRUE(makeInterval(kMin, TimeUnit::kMicrosecond, out));
    EXPECT_EQ(out, (IntervalValue{0, kMin}));
    ASSERT_TRUE(makeInterval(std::numeric_limits<int32_t>::max(), TimeUnit::kMonth, out));
    EXPECT_EQ(out, (IntervalValue{std::numeric_limits<int32_t>::max(), 0}));
}

TEST(IntervalTest, MakeIntervalRejectsOverflowAndExtractOnlyUnits) {
    IntervalValue out;
    EXPECT_FALSE(makeInterval(kMax, TimeUnit::kSecond, out));
    EXPECT_FALSE(makeInterval(kMin, TimeUnit::kMillisecond, out));
    EXPECT_FALSE(makeInterval(15250285, TimeUnit::kWeek, out));
    EXPECT_FALSE(makeInterval(-15250285, TimeUnit::kWeek, out));
    EXPECT_FALSE(makeInterval(int64_t{std::numeric_limits<int32_t>::max()} + 1, TimeUnit::kMonth,
                              out));
    EXPECT_FALSE(makeInterval(std::numeric_limits<int32_t>::max() / 12 + 1, TimeUnit::kYear, out));
    EXPECT_FALSE(makeInterval(kMax, TimeUnit::kYear, out));
    EXPECT_FALSE(makeInterval(1, TimeUnit::kDayOfWeek, out));
    EXPECT_FALSE(makeInterval(1, TimeUnit::kDayOfYear, out));
    EXPECT_FALSE(makeInterval(1, TimeUnit::kEpoch, out));
}

TEST(IntervalTest, DurationShorthandAccepted) {
    const std::vector<std::pair<std::string, int64_t>> cases = {
        {"500ms", 500000},       {"30s", 30000000},        {"5m", 300000000},
        {"1h", 3600000000},      {"1d", 86400000000},      {"10us", 10},
        {"5M", 300000000},       {"1H", 3600000000},       {"2D", 172800000000},
        {"500MS", 500000},       {"7Us", 7},               {"0s", 0},
        {"007s", 7000000},       {"9223372036854775807us", kMax},
        {"106751991d", 106751991 * kMicrosPerDay},
    };
    for (const auto& [text, expected] : cases) {
        int64_t micros = -1;
        EXPECT_TRUE(parseDurationShorthand(text, micros)) << text;
        EXPECT_EQ(micros, expected) << text;
    }
}

TEST(IntervalTest, DurationShorthandRejected) {
    for (const char* text : {"", "5", "ms", "s", "5x", "5sec", "5min", "5mo", "5mss", "-5s",
                             "+5s", "5 s", " 5s", "5s ", "1.5s", "1e3ms", "5ns", "5w",
                             "99999999999999999999s", "9223372036854775807d",
                             "9223372036854775808us", "106751992d"}) {
        int64_t micros = 0;
        EXPECT_FALSE(parseDurationShorthand(text, micros)) << text;
    }
}

TEST(IntervalTest, ToMillis) {
    EXPECT_EQ(intervalToMillis(IntervalValue{0, 300000000}), 300000);
    EXPECT_EQ(intervalToMillis(IntervalValue{1, 0}), 2592000000);
    EXPECT_EQ(intervalToMillis(IntervalValue{1, 1500}), 2592000001);
    EXPECT_EQ(intervalToMillis(IntervalValue{-1, 0}), -2592000000);
    EXPECT_EQ(intervalToMillis(IntervalValue{0, 999}), 0);
    EXPECT_EQ(intervalToMillis(IntervalValue{0, -1500}), -2);
    EXPECT_EQ(intervalToMillis(IntervalValue{0, -999}), -1);
    EXPECT_EQ(intervalToMillis(IntervalValue{std::numeric_limits<int32_t>::max(), kMax}),
              5575500985060854775);
}

TEST(IntervalTest, ToString) {
    EXPECT_EQ(intervalToString(IntervalValue{0, 300000000}), "5 MINUTE");
    EXPECT_EQ(intervalToString(IntervalValue{0, 90000000}), "90 SECOND");
    EXPECT_EQ(intervalToString(IntervalValue{0, 5400000000}), "90 MINUTE");
    EXPECT_EQ(intervalToString(IntervalValue{0, 3600000000}), "1 HOUR");
    EXPECT_EQ(intervalToString(IntervalValue{0, 7 * kMicrosPerDay}), "7 DAY");
    EXPECT_EQ(intervalToString(IntervalValue{0, 500000}), "500 MILLISECOND");
    EXPECT_EQ(intervalToString(IntervalValue{0, -1500000}), "-1500 MILLISECOND");
    EXPECT_EQ(intervalToString(IntervalValue{0, 1}), "1 MICROSECOND");
    EXPECT_EQ(intervalToString(IntervalValue{0, 0}), "0 SECOND");
    EXPECT_EQ(intervalToString(IntervalValue{1, 0}), "1 MONTH");
    EXPECT_EQ(intervalToString(IntervalValue{14, 0}), "14 MONTH");
    EXPECT_EQ(intervalToString(IntervalValue{12, 0}), "1 YEAR");
    EXPECT_EQ(intervalToString(IntervalValue{-24, 0}), "-2 YEAR");
    EXPECT_EQ(intervalToString(IntervalValue{1, 2 * kMicrosPerDay}), "1 MONTH 2 DAY");
    EXPECT_EQ(intervalToString(IntervalValue{12, -kMicrosPerHour}), "1 YEAR -1 HOUR");
}

}  // namespace
}  // namespace ferris::types
