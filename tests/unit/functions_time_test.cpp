// Date/time functions through the registry, the way the runtime calls them. The test
// support evaluates with the job clock at 1 700 000 000 000 000 µs (2023-11-14T22:13:20Z).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "expr/function_registry.h"
#include "expr_eval.h"
#include "types/time.h"
#include "types/value.h"

namespace ferris::expr {
namespace {

using testing::CallResult;
using testing::evalFunction;
using types::DataType;
using types::IntervalValue;
using types::Value;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kNow = 1'700'000'000'000'000;  // the clock of testing::evalFunction

/// A TIMESTAMP value from UTC fields.
Value ts(int64_t year, int month, int day, int hour = 0, int minute = 0, int second = 0,
         int micros = 0) {
    return Value::timestamp(types::microsFromCivil(
        types::CivilTime{types::CivilDate{year, month, day}, hour, minute, second, micros}));
}

Value date(int64_t year, int month, int day) {
    return Value::date(
        static_cast<int32_t>(types::daysFromCivil(types::CivilDate{year, month, day})));
}

Value micros(int64_t value) {
    return Value::timestamp(value);
}
Value big(int64_t v) {
    return Value::bigint(v);
}
Value str(std::string v) {
    return Value::string(std::move(v));
}
Value minutes(int64_t n) {
    return Value::interval(IntervalValue{0, n * types::kMicrosPerMinute});
}

std::string show(const Result<CallResult>& result, size_t row = 0) {
    if (!result.isOk()) {
        return fmt::format("resolve {}: {}", errorCodeName(result.status().code()),
                           result.status().message());
    }
    const testing::RowResult& outcome = result.value().rows[row];
    if (outcome.isError) return fmt::format("error {}", errorCodeName(outcome.errorCode));
    return result.value().resultType.toString() + " " + outcome.value.toSql();
}

/// One row, every argument a literal (units, patterns and intervals must be).
std::string call(const std::string& function, const std::vector<Value>& args) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    return show(evalFunction(function, types, {args}, std::vector<bool>(args.size(), true)));
}

/// The value of a one-row BIGINT result, or a sentinel that fails the comparison.
int64_t bigintOf(const std::string& function, const std::vector<Value>& args) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    auto result = evalFunction(function, types, {args}, std::vector<bool>(args.size(), true));
    if (!result.isOk() || result.value().rows[0].isError || result.value().rows[0].value.isNull()) {
        ADD_FAILURE() << function << ": " << show(result);
        return kMin;
    }
    return result.value().rows[0].value.asInt64();
}

/// Resolve outcome: "ok" or the error code name.
std::string resolveCode(const std::string& function, const std::vector<Value>& args,
                        bool literals = true) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    auto result = evalFunction(function, types, {args}, std::vector<bool>(args.size(), literals));
    return result.isOk() ? "ok" : std::string(errorCodeName(result.status().code()));
}

std::string resolveMessage(const std::string& function, const std::vector<Value>& args,
                           bool literals = true) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    auto result = evalFunction(function, types, {args}, std::vector<bool>(args.size(), literals));
    return result.isOk() ? "ok" : result.status().message();
}

// ---- NOW, CURRENT_TIMESTAMP, CURRENT_DATE, UNIX_TIMESTAMP() -------------------------------

TEST(ClockFunctionsTest, ReadTheJobClock) {
    EXPECT_EQ(call("NOW", {}), "TIMESTAMP TIMESTAMP '2023-11-14T22:13:20.000Z'");
    EXPECT_EQ(bigintOf("UNIX_TIMESTAMP", {}), 1'700'000'000);
    auto now = evalFunction("CURRENT_TIMESTAMP", {}, {{}});
    ASSERT_TRUE(now.isOk());
    EXPECT_EQ(now.value().rows[0].value.asInt64(), kNow);
    EXPECT_EQ(call("CURRENT_DATE", {}), "DATE DATE '2023-11-14'");
}

TEST(ClockFunctionsTest, AreNotDeterministic) {
    const auto& registry = FunctionRegistry::builtins();
    for (const char* name : {"NOW", "CURRENT_TIMESTAMP", "CURRENT_DATE", "UNIX_TIMESTAMP"}) {
        auto bound = registry.resolve(name, {});
        ASSERT_TRUE(bound.isOk()) << name;
        EXPECT_FALSE(bound.value().deterministic) << name;
        EXPECT_FALSE(registry.find(name)->deterministic) << name;
    }
    ArgInfo arg{DataType::timestamp(), std::nullopt};
    auto fromTimestamp = registry.resolve("UNIX_TIMESTAMP", std::span<const ArgInfo>(&arg, 1));
    ASSERT_TRUE(fromTimestamp.isOk());
    EXPECT_TRUE(fromTimestamp.value().deterministic);
}

TEST(ClockFunctionsTest, TakeNoArguments) {
    EXPECT_EQ(resolveCode("NOW", {Value::null()}), "type_mismatch");
    EXPECT_EQ(resolveCode("CURRENT_TIMESTAMP", {big(1)}), "type_mismatch");
    EXPECT_EQ(resolveCode("CURRENT_DATE", {Value::null()}), "type_mismatch");
}

// ---- UNIX_TIMESTAMP(ts), FROM_UNIXTIME ----------------------------------------------------

TEST(UnixTimestampTest, FloorsToWholeSeconds) {
    EXPECT_EQ(call("UNIX_TIMESTAMP", {micros(1'500'000)}), "BIGINT 1");
    EXPECT_EQ(call("UNIX_TIMESTAMP", {micros(-1)}), "BIGINT -1");
    EXPECT_EQ(call("UNIX_TIMESTAMP", {micros(-1'000'000)}), "BIGINT -1");
    EXPECT_EQ(call("UNIX_TIMESTAMP", {micros(-1'000'001)}), "BIGINT -2");
    EXPECT_EQ(call("UNIX_TIMESTAMP", {micros(kMin)}), "BIGINT -9223372036855");
    EXPECT_EQ(call("UNIX_TIMESTAMP", {Value::date(1)}), "BIGINT 86400");
    EXPECT_EQ(call("UNIX_TIMESTAMP", {Value::null()}), "BIGINT NULL");
    EXPECT_EQ(resolveCode("UNIX_TIMESTAMP", {str("2024-01-01")}), "type_mismatch");
    EXPECT_EQ(resolveCode("UNIX_TIMESTAMP", {micros(0), micros(0)}), "type_mismatch");
}

TEST(FromUnixtimeTest, Bigint) {
    EXPECT_EQ(call("FROM_UNIXTIME", {big(1'700'000'000)}),
              "TIMESTAMP TIMESTAMP '2023-11-14T22:13:20.000Z'");
    EXPECT_EQ(call("FROM_UNIXTIME", {big(-1)}), "TIMESTAMP TIMESTAMP '1969-12-31T23:59:59.000Z'");
    EXPECT_EQ(call("FROM_UNIXTIME", {big(9'223'372'036'854)}),
              "TIMESTAMP TIMESTAMP '+294247-01-10T04:00:54.000Z'");
    EXPECT_EQ(call("FROM_UNIXTIME", {big(9'223'372'036'855)}), "error integer_overflow");
    EXPECT_EQ(call("FROM_UNIXTIME", {big(kMin)}), "error integer_overflow");
}

TEST(FromUnixtimeTest, DoubleAndDecimalRoundToTheMicrosecond) {
    auto value = [](const std::vector<Value>& args) {
        auto result = evalFunction("FROM_UNIXTIME", {args[0].type()}, {args});
        EXPECT_TRUE(result.isOk());
        return result.isOk() ? show(result) : std::string("resolve error");
    };
    EXPECT_EQ(value({Value::float64(1.5)}), "TIMESTAMP TIMESTAMP '1970-01-01T00:00:01.500Z'");
    EXPECT_EQ(value({Value::float64(-0.25)}), "TIMESTAMP TIMESTAMP '1969-12-31T23:59:59.750Z'");
    EXPECT_EQ(value({Value::float64(1e300)}), "error integer_overflow");
    EXPECT_EQ(value({Value::float64(std::numeric_limits<double>::quiet_NaN())}),
              "error invalid_argument");
    // DECIMAL is exact: 1700000000.1234565 s → …123457 µs (half away from zero).
    auto exact = evalFunction("FROM_UNIXTIME", {DataType::decimal(17, 7)},
                              {{Value::decimal(17'000'000'001'234'565, 17, 7)},
                               {Value::decimal(-5, 17, 7)},
                               {Value::decimal(-4, 17, 7)}});
    ASSERT_TRUE(exact.isOk());
    EXPECT_EQ(exact.value().rows[0].value.asInt64(), 1'700'000'000'123'457);
    EXPECT_EQ(exact.value().rows[1].value.asInt64(), -1);
    EXPECT_EQ(exact.value().rows[2].value.asInt64(), 0);
    EXPECT_EQ(
        call("FROM_UNIXTIME", {Value::decimal(types::int128_t{10'000'000'000'000'000}, 38, 0)}),
        "error integer_overflow");
}

TEST(FromUnixtimeTest, NullsAndErrors) {
    EXPECT_EQ(call("FROM_UNIXTIME", {Value::null()}), "TIMESTAMP NULL");
    EXPECT_EQ(call("FROM_UNIXTIME", {Value::null(DataType::float64())}), "TIMESTAMP NULL");
    EXPECT_EQ(resolveCode("FROM_UNIXTIME", {str("1")}), "type_mismatch");
    EXPECT_EQ(resolveCode("FROM_UNIXTIME", {micros(1)}), "type_mismatch");
    EXPECT_EQ(resolveCode("FROM_UNIXTIME", {}), "type_mismatch");
}

// ---- EXTRACT ------------------------------------------------------------------------------

TEST(ExtractTest, EveryUnit) {
    Value t = ts(2024, 2, 29, 13, 45, 30, 123'456);  // a Thursday
    EXPECT_EQ(call("EXTRACT", {str("YEAR"), t}), "BIGINT 2024");
    EXPECT_EQ(call("EXTRACT", {str("QUARTER"), t}), "BIGINT 1");
    EXPECT_EQ(call("EXTRACT", {str("MONTH"), t}), "BIGINT 2");
    EXPECT_EQ(call("EXTRACT", {str("WEEK"), t}), "BIGINT 9");
    EXPECT_EQ(call("EXTRACT", {str("DAY"), t}), "BIGINT 29");
    EXPECT_EQ(call("EXTRACT", {str("HOUR"), t}), "BIGINT 13");
    EXPECT_EQ(call("EXTRACT", {str("MINUTE"), t}), "BIGINT 45");
    EXPECT_EQ(call("EXTRACT", {str("SECOND"), t}), "BIGINT 30");
    EXPECT_EQ(call("EXTRACT", {str("MILLISECOND"), t}), "BIGINT 30123");
    EXPECT_EQ(call("EXTRACT", {str("MICROSECOND"), t}), "BIGINT 30123456");
    EXPECT_EQ(call("EXTRACT", {str("DOW"), t}), "BIGINT 5");
    EXPECT_EQ(call("EXTRACT", {str("DOY"), t}), "BIGINT 60");
    EXPECT_EQ(call("EXTRACT", {str("EPOCH"), t}), "BIGINT 1709214330");
    EXPECT_EQ(call("EXTRACT", {str("year"), t}), "BIGINT 2024");
    EXPECT_EQ(call("EXTRACT", {str("Days"), t}), "BIGINT 29");
}

TEST(ExtractTest, NegativeTimestampsAndDates) {
    EXPECT_EQ(call("EXTRACT", {str("YEAR"), micros(-1)}), "BIGINT 1969");
    EXPECT_EQ(call("EXTRACT", {str("DAY"), micros(-1)}), "BIGINT 31");
    EXPECT_EQ(call("EXTRACT", {str("SECOND"), micros(-1)}), "BIGINT 59");
    EXPECT_EQ(call("EXTRACT", {str("MICROSECOND"), micros(-1)}), "BIGINT 59999999");
    EXPECT_EQ(call("EXTRACT", {str("EPOCH"), micros(-1)}), "BIGINT -1");
    EXPECT_EQ(call("EXTRACT", {str("DOW"), micros(-1)}), "BIGINT 4");  // Wednesday
    EXPECT_EQ(call("EXTRACT", {str("DOY"), date(2024, 12, 31)}), "BIGINT 366");
    EXPECT_EQ(call("EXTRACT", {str("DOY"), date(2023, 12, 31)}), "BIGINT 365");
    EXPECT_EQ(call("EXTRACT", {str("MONTH"), date(1900, 2, 28)}), "BIGINT 2");
    EXPECT_EQ(call("EXTRACT", {str("HOUR"), date(2024, 1, 1)}), "BIGINT 0");
}

TEST(ExtractTest, NullsAndErrors) {
    EXPECT_EQ(call("EXTRACT", {str("YEAR"), Value::null()}), "BIGINT NULL");
    EXPECT_EQ(call("EXTRACT", {str("YEAR"), Value::null(DataType::timestamp())}), "BIGINT NULL");
    EXPECT_EQ(resolveCode("EXTRACT", {str("FORTNIGHT"), micros(0)}), "invalid_argument");
    EXPECT_EQ(resolveMessage("EXTRACT", {str("FORTNIGHT"), micros(0)}),
              "EXTRACT: unknown unit 'FORTNIGHT'; valid units are MICROSECOND, MILLISECOND, "
              "SECOND, MINUTE, "
              "HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, DOW, DOY, EPOCH");
    EXPECT_EQ(resolveCode("EXTRACT", {str("YEAR"), micros(0)}, /*literals=*/false),
              "invalid_argument");
    EXPECT_EQ(resolveCode("EXTRACT", {Value::null(), micros(0)}), "invalid_argument");
    EXPECT_EQ(resolveCode("EXTRACT", {str("YEAR"), big(5)}), "type_mismatch");
    EXPECT_EQ(resolveCode("EXTRACT", {str("YEAR"), str("2024-01-01")}), "type_mismatch");
    EXPECT_EQ(resolveCode("EXTRACT", {micros(0)}), "type_mismatch");
}

// ---- DATE_TRUNC ---------------------------------------------------------------------------

TEST(DateTruncTest, Units) {
    Value t = ts(2024, 2, 29, 13, 45, 30, 123'456);
    EXPECT_EQ(call("DATE_TRUNC", {str("YEAR"), t}),
              "TIMESTAMP TIMESTAMP '2024-01-01T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("QUARTER"), ts(2024, 5, 15)}),
              "TIMESTAMP TIMESTAMP '2024-04-01T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("MONTH"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-01T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("WEEK"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-26T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("day"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-29T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("HOUR"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("MINUTE"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:45:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("SECOND"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:45:30.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("MILLISECOND"), t}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:45:30.123Z'");
}

TEST(DateTruncTest, NegativeTimestampsFloor) {
    EXPECT_EQ(call("DATE_TRUNC", {str("SECOND"), micros(-1)}),
              "TIMESTAMP TIMESTAMP '1969-12-31T23:59:59.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("DAY"), micros(-1)}),
              "TIMESTAMP TIMESTAMP '1969-12-31T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("MONTH"), micros(-1)}),
              "TIMESTAMP TIMESTAMP '1969-12-01T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("WEEK"), micros(0)}),
              "TIMESTAMP TIMESTAMP '1969-12-29T00:00:00.000Z'");
    EXPECT_EQ(call("DATE_TRUNC", {str("MONTH"), date(2023, 12, 31)}),
              "TIMESTAMP TIMESTAMP '2023-12-01T00:00:00.000Z'");
}

TEST(DateTruncTest, NullsAndErrors) {
    EXPECT_EQ(call("DATE_TRUNC", {str("DAY"), Value::null()}), "TIMESTAMP NULL");
    EXPECT_EQ(resolveCode("DATE_TRUNC", {str("DOW"), micros(0)}), "invalid_argument");
    EXPECT_EQ(resolveMessage("DATE_TRUNC", {str("EPOCH"), micros(0)}),
              "DATE_TRUNC: unknown unit 'EPOCH'; valid units are MICROSECOND, MILLISECOND, SECOND, "
              "MINUTE, "
              "HOUR, DAY, WEEK, MONTH, QUARTER, YEAR");
    EXPECT_EQ(resolveCode("DATE_TRUNC", {str("DAY"), micros(0)}, /*literals=*/false),
              "invalid_argument");
    EXPECT_EQ(resolveCode("DATE_TRUNC", {str("DAY"), big(0)}), "type_mismatch");
    EXPECT_EQ(resolveCode("DATE_TRUNC", {micros(0), str("DAY")}), "type_mismatch");
}

// ---- DATE_FORMAT --------------------------------------------------------------------------

TEST(DateFormatTest, LiteralPatterns) {
    Value t = ts(2024, 2, 29, 13, 45, 30, 123'456);
    EXPECT_EQ(call("DATE_FORMAT", {t, str("%Y-%m-%d %H:%M:%S.%f")}),
              "STRING '2024-02-29 13:45:30.123456'");
    EXPECT_EQ(call("DATE_FORMAT", {t, str("%a %b %d %I%p, day %j %z %%")}),
              "STRING 'Thu Feb 29 01PM, day 060 +0000 %'");
    EXPECT_EQ(call("DATE_FORMAT", {micros(-1), str("%Y-%m-%dT%H:%M:%S")}),
              "STRING '1969-12-31T23:59:59'");
    EXPECT_EQ(call("DATE_FORMAT", {date(2024, 3, 1), str("%d/%m/%Y")}), "STRING '01/03/2024'");
    EXPECT_EQ(call("DATE_FORMAT", {t, str("")}), "STRING ''");
}

TEST(DateFormatTest, PatternsFromAColumn) {
    auto result = evalFunction("DATE_FORMAT", {DataType::timestamp(), DataType::string()},
                               {{micros(0), str("%Y")},
                                {micros(0), str("%Q")},
                                {micros(0), str("%Y")},
                                {micros(0), Value::null(DataType::string())},
                                {micros(0), str("%H:%M")}});
    ASSERT_TRUE(result.isOk());
    EXPECT_EQ(show(result, 0), "STRING '1970'");
    EXPECT_EQ(show(result, 1), "error invalid_argument");
    EXPECT_EQ(show(result, 2), "STRING '1970'");
    EXPECT_EQ(show(result, 3), "STRING NULL");
    EXPECT_EQ(show(result, 4), "STRING '00:00'");
}

TEST(DateFormatTest, NullsAndErrors) {
    EXPECT_EQ(call("DATE_FORMAT", {Value::null(), str("%Y")}), "STRING NULL");
    EXPECT_EQ(call("DATE_FORMAT", {micros(0), Value::null()}), "STRING NULL");
    EXPECT_EQ(resolveCode("DATE_FORMAT", {micros(0), str("%Y-%Q")}), "invalid_argument");
    EXPECT_EQ(resolveMessage("DATE_FORMAT", {micros(0), str("%Y-%Q")}),
              "DATE_FORMAT: unknown conversion '%Q' in pattern '%Y-%Q'; valid conversions are %Y "
              "%m %d %H %I %M "
              "%S %f %j %z %a %b %p %%");
    EXPECT_EQ(resolveCode("DATE_FORMAT", {micros(0), str("100%")}), "invalid_argument");
    EXPECT_EQ(resolveCode("DATE_FORMAT", {big(0), str("%Y")}), "type_mismatch");
    EXPECT_EQ(resolveCode("DATE_FORMAT", {micros(0), big(1)}), "type_mismatch");
}

// ---- DATEDIFF -----------------------------------------------------------------------------

TEST(DateDiffTest, CountsUnitBoundaries) {
    EXPECT_EQ(call("DATEDIFF", {str("DAY"), ts(2024, 2, 28, 23), ts(2024, 3, 1, 1)}), "BIGINT 2");
    EXPECT_EQ(call("DATEDIFF", {str("MONTH"), ts(2024, 1, 31), ts(2024, 2, 1)}), "BIGINT 1");
    EXPECT_EQ(call("DATEDIFF", {str("MONTH"), ts(2024, 1, 1), ts(2024, 1, 31)}), "BIGINT 0");
    EXPECT_EQ(call("DATEDIFF", {str("YEAR"), ts(2023, 12, 31, 23, 59, 59), ts(2024, 1, 1)}),
              "BIGINT 1");
    EXPECT_EQ(call("DATEDIFF", {str("HOUR"), ts(2024, 1, 1, 10), ts(2024, 1, 1, 7, 30)}),
              "BIGINT -3");
    EXPECT_EQ(call("DATEDIFF", {str("SECOND"), micros(-1), micros(0)}), "BIGINT 1");
    EXPECT_EQ(call("DATEDIFF", {str("QUARTER"), date(2024, 3, 31), date(2024, 4, 1)}), "BIGINT 1");
    EXPECT_EQ(call("DATEDIFF", {str("minutes"), ts(2024, 1, 1), ts(2024, 1, 1, 1)}), "BIGINT 60");
}

TEST(DateDiffTest, TwoArgumentFormCountsDaysFromTheSecondToTheFirst) {
    EXPECT_EQ(call("DATEDIFF", {date(2024, 3, 1), date(2024, 2, 1)}), "BIGINT 29");
    EXPECT_EQ(call("DATEDIFF", {date(2023, 3, 1), date(2023, 2, 1)}), "BIGINT 28");
    EXPECT_EQ(call("DATEDIFF", {date(2024, 2, 1), date(2024, 3, 1)}), "BIGINT -29");
    EXPECT_EQ(call("DATEDIFF", {ts(2024, 1, 2, 0, 0, 1), ts(2024, 1, 1, 23, 59, 59)}), "BIGINT 1");
}

TEST(DateDiffTest, NullsAndErrors) {
    EXPECT_EQ(call("DATEDIFF", {str("DAY"), Value::null(), micros(0)}), "BIGINT NULL");
    EXPECT_EQ(call("DATEDIFF", {str("DAY"), micros(0), Value::null()}), "BIGINT NULL");
    EXPECT_EQ(call("DATEDIFF", {Value::null(), date(2024, 1, 1)}), "BIGINT NULL");
    EXPECT_EQ(resolveCode("DATEDIFF", {str("DOY"), micros(0), micros(0)}), "invalid_argument");
    EXPECT_EQ(resolveCode("DATEDIFF", {str("DAY"), micros(0), micros(0)}, /*literals=*/false),
              "invalid_argument");
    EXPECT_EQ(resolveCode("DATEDIFF", {str("DAY"), big(1), big(2)}), "type_mismatch");
    EXPECT_EQ(resolveCode("DATEDIFF", {str("DAY"), micros(0)}), "type_mismatch");
    EXPECT_EQ(resolveCode("DATEDIFF", {micros(0)}), "type_mismatch");
}

// ---- TUMBLE_START, TUMBLE_END -------------------------------------------------------------

TEST(TumbleTest, EpochAlignedHalfOpenWindows) {
    EXPECT_EQ(call("TUMBLE_START", {ts(2024, 2, 29, 13, 47, 12), minutes(5)}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:45:00.000Z'");
    EXPECT_EQ(call("TUMBLE_END", {ts(2024, 2, 29, 13, 47, 12), minutes(5)}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:50:00.000Z'");
    EXPECT_EQ(call("TUMBLE_START", {ts(2024, 2, 29, 13, 45), minutes(5)}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:45:00.000Z'");
    EXPECT_EQ(call("TUMBLE_END", {ts(2024, 2, 29, 13, 45), minutes(5)}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:50:00.000Z'");
    EXPECT_EQ(call("TUMBLE_END", {ts(2024, 2, 29, 13, 49, 59, 999'999), minutes(5)}),
              "TIMESTAMP TIMESTAMP '2024-02-29T13:50:00.000Z'");
    EXPECT_EQ(call("TUMBLE_START",
                   {date(2024, 2, 29), Value::interval(IntervalValue{0, types::kMicrosPerDay})}),
              "TIMESTAMP TIMESTAMP '2024-02-29T00:00:00.000Z'");
}

TEST(TumbleTest, NegativeTimestampsFloor) {
    EXPECT_EQ(call("TUMBLE_START", {micros(-1), minutes(1)}),
              "TIMESTAMP TIMESTAMP '1969-12-31T23:59:00.000Z'");
    EXPECT_EQ(call("TUMBLE_END", {micros(-1), minutes(1)}),
              "TIMESTAMP TIMESTAMP '1970-01-01T00:00:00.000Z'");
    EXPECT_EQ(call("TUMBLE_START", {micros(-60'000'000), minutes(1)}),
              "TIMESTAMP TIMESTAMP '1969-12-31T23:59:00.000Z'");
}

TEST(TumbleTest, WindowsBeyondTheRangeAreRowErrors) {
    EXPECT_EQ(call("TUMBLE_START", {micros(kMin), minutes(60)}), "error integer_overflow");
    EXPECT_EQ(call("TUMBLE_END", {micros(kMax), minutes(60)}), "error integer_overflow");
    int64_t lastStart = kMax / (60 * types::kMicrosPerMinute) * (60 * types::kMicrosPerMinute);
    auto start = evalFunction("TUMBLE_START", {DataType::timestamp(), DataType::interval()},
                              {{micros(kMax), minutes(60)}}, {false, true});
    ASSERT_TRUE(start.isOk());
    EXPECT_EQ(start.value().rows[0].value.asInt64(), lastStart);
}

TEST(TumbleTest, NullsAndErrors) {
    EXPECT_EQ(call("TUMBLE_START", {Value::null(), minutes(5)}), "TIMESTAMP NULL");
    EXPECT_EQ(call("TUMBLE_END", {Value::null(DataType::timestamp()), minutes(5)}),
              "TIMESTAMP NULL");
    EXPECT_EQ(resolveCode("TUMBLE_START", {micros(0), Value::interval(IntervalValue{1, 0})}),
              "invalid_argument");
    EXPECT_EQ(resolveCode("TUMBLE_END", {micros(0), minutes(0)}), "invalid_argument");
    EXPECT_EQ(resolveCode("TUMBLE_END", {micros(0), minutes(-5)}), "invalid_argument");
    EXPECT_EQ(resolveCode("TUMBLE_START", {micros(0), minutes(5)}, /*literals=*/false),
              "invalid_argument");
    EXPECT_EQ(resolveCode("TUMBLE_START", {micros(0), big(5)}), "type_mismatch");
    EXPECT_EQ(resolveCode("TUMBLE_START", {str("x"), minutes(5)}), "type_mismatch");
}

// ---- Registry entries ---------------------------------------------------------------------

TEST(TimeEntriesTest, EveryFunctionIsDescribed) {
    const auto& registry = FunctionRegistry::builtins();
    for (const char* name :
         {"NOW", "CURRENT_TIMESTAMP", "CURRENT_DATE", "EXTRACT", "DATE_TRUNC", "DATE_FORMAT",
          "FROM_UNIXTIME", "UNIX_TIMESTAMP", "DATEDIFF", "TUMBLE_START", "TUMBLE_END"}) {
        const FunctionEntry* entry = registry.find(name);
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->category, "date/time") << name;
        EXPECT_FALSE(entry->signatures.empty()) << name;
        EXPECT_FALSE(entry->description.empty()) << name;
    }
}

}  // namespace
}  // namespace ferris::expr
