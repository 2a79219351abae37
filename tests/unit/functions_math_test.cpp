// Math functions through the registry, the way the runtime calls them (resolve → casts →
// compiled kernel): result types of §1.4.1, exact decimal rounding, NULLs, row errors.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "expr/function_registry.h"
#include "expr_eval.h"
#include "types/value.h"

namespace ferris::expr {
namespace {

using testing::CallResult;
using testing::evalFunction;
using types::DataType;
using types::int128_t;
using types::Value;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// A DECIMAL(p, s) literal from its text; s is the number of digits after the point.
Value dec(std::string_view text, int precision) {
    bool negative = !text.empty() && text[0] == '-';
    int128_t unscaled = 0;
    int scale = 0;
    bool fraction = false;
    for (char c : text.substr(negative ? 1 : 0)) {
        if (c == '.') {
            fraction = true;
            continue;
        }
        unscaled = unscaled * 10 + (c - '0');
        if (fraction) ++scale;
    }
    return Value::decimal(negative ? -unscaled : unscaled, precision, scale);
}

Value big(int64_t v) {
    return Value::bigint(v);
}
Value dbl(double v) {
    return Value::float64(v);
}
Value str(std::string v) {
    return Value::string(std::move(v));
}

/// One row's outcome as text: "<result type> <value>", "error <code>", or the resolve
/// error as "resolve <code>: <message>".
std::string show(const Result<CallResult>& result, size_t row = 0) {
    if (!result.isOk()) {
        return fmt::format("resolve {}: {}", errorCodeName(result.status().code()),
                           result.status().message());
    }
    const testing::RowResult& outcome = result.value().rows[row];
    if (outcome.isError) return fmt::format("error {}", errorCodeName(outcome.errorCode));
    return result.value().resultType.toString() + " " + outcome.value.toSql();
}

/// Calls `function` on one row whose arguments are all literals (as the binder sees
/// `ROUND(x, 2)` with literal operands).
std::string call(const std::string& function, const std::vector<Value>& args) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    return show(evalFunction(function, types, {args}, std::vector<bool>(args.size(), true)));
}

/// Calls `function` on rows of column arguments (nothing is a literal).
Result<CallResult> columns(const std::string& function, const std::vector<DataType>& types,
                           const std::vector<std::vector<Value>>& rows) {
    return evalFunction(function, types, rows);
}

/// True when a one-row call of literals gives a DOUBLE NaN (of either sign bit).
bool givesNan(const std::string& function, const std::vector<Value>& args) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    auto result = evalFunction(function, types, {args}, std::vector<bool>(args.size(), true));
    if (!result.isOk() || result.value().rows[0].isError) return false;
    const Value& value = result.value().rows[0].value;
    return value.type() == DataType::float64() && !value.isNull() && std::isnan(value.asDouble());
}

std::string resolveCode(const std::string& function, const std::vector<Value>& args) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    auto result = evalFunction(function, types, {args});
    return result.isOk() ? "ok" : std::string(errorCodeName(result.status().code()));
}

// ---- ABS ----------------------------------------------------------------------------------

TEST(AbsTest, KeepsTheArgumentType) {
    EXPECT_EQ(call("ABS", {big(-5)}), "BIGINT 5");
    EXPECT_EQ(call("ABS", {big(5)}), "BIGINT 5");
    EXPECT_EQ(call("ABS", {big(kMax)}), "BIGINT 9223372036854775807");
    EXPECT_EQ(call("ABS", {big(-kMax)}), "BIGINT 9223372036854775807");
    EXPECT_EQ(call("ABS", {dec("-123.45", 5)}), "DECIMAL(5,2) 123.45");
    EXPECT_EQ(call("ABS", {dec("-0.01", 3)}), "DECIMAL(3,2) 0.01");
    EXPECT_EQ(call("ABS", {dec("-12345678901234567890.123", 30)}),
              "DECIMAL(30,3) 12345678901234567890.123");
    EXPECT_EQ(call("ABS", {dbl(-2.5)}), "DOUBLE 2.5");
    EXPECT_EQ(call("ABS", {dbl(-0.0)}), "DOUBLE 0");
    EXPECT_EQ(call("ABS", {dbl(-kInf)}), "DOUBLE inf");
}

TEST(AbsTest, SmallestBigintOverflows) {
    EXPECT_EQ(call("ABS", {big(kMin)}), "error integer_overflow");
}

TEST(AbsTest, NullArguments) {
    EXPECT_EQ(call("ABS", {Value::null()}), "BIGINT NULL");
    auto result = columns("ABS", {DataType::decimal(5, 2)},
                          {{Value::null(DataType::decimal(5, 2))}, {dec("-1.00", 5)}});
    EXPECT_EQ(show(result, 0), "DECIMAL(5,2) NULL");
    EXPECT_EQ(show(result, 1), "DECIMAL(5,2) 1.00");
}

TEST(AbsTest, WrongArgumentsAreResolveErrors) {
    EXPECT_EQ(resolveCode("ABS", {str("x")}), "type_mismatch");
    EXPECT_EQ(resolveCode("ABS", {}), "type_mismatch");
    EXPECT_EQ(resolveCode("ABS", {big(1), big(2)}), "type_mismatch");
    EXPECT_EQ(resolveCode("ABS", {Value::timestamp(0)}), "type_mismatch");
}

// ---- ROUND --------------------------------------------------------------------------------

TEST(RoundTest, DecimalToIntegerRoundsHalfAwayFromZero) {
    EXPECT_EQ(call("ROUND", {dec("2.50", 5)}), "DECIMAL(4,0) 3");
    EXPECT_EQ(call("ROUND", {dec("-2.50", 5)}), "DECIMAL(4,0) -3");
    EXPECT_EQ(call("ROUND", {dec("2.49", 5)}), "DECIMAL(4,0) 2");
    EXPECT_EQ(call("ROUND", {dec("-2.49", 5)}), "DECIMAL(4,0) -2");
    EXPECT_EQ(call("ROUND", {dec("0.00", 5)}), "DECIMAL(4,0) 0");
    // p − s + 1 leaves room for the carry.
    EXPECT_EQ(call("ROUND", {dec("999.5", 4)}), "DECIMAL(4,0) 1000");
    EXPECT_EQ(call("ROUND", {dec("-999.5", 4)}), "DECIMAL(4,0) -1000");
}

TEST(RoundTest, DecimalWithPlaces) {
    // s′ = min(max(n, 0), s); p = min(38, p − s + s′ + 1).
    EXPECT_EQ(call("ROUND", {dec("1.235", 6), big(2)}), "DECIMAL(6,2) 1.24");
    EXPECT_EQ(call("ROUND", {dec("-1.235", 6), big(2)}), "DECIMAL(6,2) -1.24");
    EXPECT_EQ(call("ROUND", {dec("1.234", 6), big(2)}), "DECIMAL(6,2) 1.23");
    EXPECT_EQ(call("ROUND", {dec("1.234", 6), big(5)}), "DECIMAL(7,3) 1.234");
    EXPECT_EQ(call("ROUND", {dec("1.5", 2), big(0)}), "DECIMAL(2,0) 2");
    EXPECT_EQ(call("ROUND", {dec("187.2350", 18), big(2)}), "DECIMAL(17,2) 187.24");
}

TEST(RoundTest, DecimalWithNegativePlaces) {
    EXPECT_EQ(call("ROUND", {dec("12345.6", 6), big(-2)}), "DECIMAL(6,0) 12300");
    EXPECT_EQ(call("ROUND", {dec("12350.0", 6), big(-2)}), "DECIMAL(6,0) 12400");
    EXPECT_EQ(call("ROUND", {dec("-12350.0", 6), big(-2)}), "DECIMAL(6,0) -12400");
    EXPECT_EQ(call("ROUND", {dec("995", 3), big(-1)}), "DECIMAL(4,0) 1000");
    EXPECT_EQ(call("ROUND", {dec("499", 3), big(-3)}), "DECIMAL(4,0) 0");
    EXPECT_EQ(call("ROUND", {dec("500", 3), big(-3)}), "DECIMAL(4,0) 1000");
    EXPECT_EQ(call("ROUND", {dec("500", 3), big(-100)}), "DECIMAL(4,0) 0");
}

TEST(RoundTest, DecimalStorageWidths) {
    // 128-bit in, 64-bit out.
    EXPECT_EQ(call("ROUND", {dec("12345678901234567.89", 19)}), "DECIMAL(18,0) 12345678901234568");
    // 128-bit in and out.
    EXPECT_EQ(call("ROUND", {dec("-123456789012345678.50", 20)}),
              "DECIMAL(19,0) -123456789012345679");
    // 64-bit in, 128-bit out.
    EXPECT_EQ(call("ROUND", {dec("999999999999999999", 18)}), "DECIMAL(19,0) 999999999999999999");
}

TEST(RoundTest, DecimalOverflowIsARowError) {
    std::string nines(38, '9');
    EXPECT_EQ(call("ROUND", {dec(nines, 38), big(-1)}), "error decimal_overflow");
    EXPECT_EQ(call("ROUND", {dec("-" + nines, 38), big(-1)}), "error decimal_overflow");
    EXPECT_EQ(call("ROUND", {dec(nines, 38)}), "DECIMAL(38,0) " + nines);
    auto result =
        evalFunction("ROUND", {DataType::decimal(38, 0), DataType::bigint()},
                     {{dec(nines, 38), big(-1)}, {dec("14", 38), big(-1)}}, {false, true});
    ASSERT_TRUE(result.isOk());
    EXPECT_EQ(result.value().rows[0].errorMessage,
              "decimal overflow: ROUND(" + nines + ", -1) does not fit DECIMAL(38,0)");
    EXPECT_EQ(show(result, 1), "DECIMAL(38,0) 10");
}

TEST(RoundTest, DecimalNeedsLiteralPlaces) {
    auto result = evalFunction("ROUND", {DataType::decimal(5, 2), DataType::bigint()},
                               {{dec("1.25", 5), big(1)}}, {false, false});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find("ROUND(DECIMAL, n) needs n to be an integer literal"),
              std::string::npos);
    // A NULL literal for n: every row NULL, typed as n = 0.
    EXPECT_EQ(call("ROUND", {dec("1.25", 5), Value::null()}), "DECIMAL(4,0) NULL");
}

TEST(RoundTest, Bigint) {
    EXPECT_EQ(call("ROUND", {big(7)}), "BIGINT 7");
    EXPECT_EQ(call("ROUND", {big(kMin)}), "BIGINT -9223372036854775808");
    EXPECT_EQ(call("ROUND", {big(15), big(-1)}), "BIGINT 20");
    EXPECT_EQ(call("ROUND", {big(-15), big(-1)}), "BIGINT -20");
    EXPECT_EQ(call("ROUND", {big(14), big(-1)}), "BIGINT 10");
    EXPECT_EQ(call("ROUND", {big(-14), big(-1)}), "BIGINT -10");
    EXPECT_EQ(call("ROUND", {big(1250), big(-2)}), "BIGINT 1300");
    EXPECT_EQ(call("ROUND", {big(5), big(2)}), "BIGINT 5");
    EXPECT_EQ(call("ROUND", {big(kMax), big(-20)}), "BIGINT 0");
    EXPECT_EQ(call("ROUND", {big(123), big(-100)}), "BIGINT 0");
    EXPECT_EQ(call("ROUND", {big(kMax - 7), big(-1)}), "BIGINT 9223372036854775800");
}

TEST(RoundTest, BigintOverflowIsARowError) {
    EXPECT_EQ(call("ROUND", {big(kMax), big(-1)}), "error integer_overflow");
    EXPECT_EQ(call("ROUND", {big(kMin), big(-1)}), "error integer_overflow");
    EXPECT_EQ(call("ROUND", {big(kMax), big(-19)}), "error integer_overflow");
}

TEST(RoundTest, Double) {
    EXPECT_EQ(call("ROUND", {dbl(2.5)}), "DOUBLE 3");
    EXPECT_EQ(call("ROUND", {dbl(-2.5)}), "DOUBLE -3");
    EXPECT_EQ(call("ROUND", {dbl(0.5)}), "DOUBLE 1");
    EXPECT_EQ(call("ROUND", {dbl(2.4)}), "DOUBLE 2");
    EXPECT_EQ(call("ROUND", {dbl(1.25), big(1)}), "DOUBLE 1.3");
    EXPECT_EQ(call("ROUND", {dbl(-1.25), big(1)}), "DOUBLE -1.3");
    EXPECT_EQ(call("ROUND", {dbl(1234.5), big(-2)}), "DOUBLE 1200");
    EXPECT_EQ(call("ROUND", {dbl(1250.0), big(-2)}), "DOUBLE 1300");
    EXPECT_EQ(call("ROUND", {dbl(1e300), big(10)}), "DOUBLE 1e+300");
    EXPECT_EQ(call("ROUND", {dbl(0.1), big(400)}), "DOUBLE 0.1");
    EXPECT_EQ(call("ROUND", {dbl(5.0), big(-400)}), "DOUBLE 0");
    EXPECT_TRUE(givesNan("ROUND", {dbl(kNan)}));
    EXPECT_EQ(call("ROUND", {dbl(-kInf), big(2)}), "DOUBLE -inf");
}

TEST(RoundTest, PlacesFromAColumnForBigintAndDouble) {
    auto doubles = columns("ROUND", {DataType::float64(), DataType::bigint()},
                           {{dbl(3.14159), big(2)},
                            {dbl(3.14159), big(0)},
                            {dbl(3.14159), Value::null(DataType::bigint())}});
    ASSERT_TRUE(doubles.isOk());
    EXPECT_EQ(show(doubles, 0), "DOUBLE 3.14");
    EXPECT_EQ(show(doubles, 1), "DOUBLE 3");
    EXPECT_EQ(show(doubles, 2), "DOUBLE NULL");
    auto bigints = columns("ROUND", {DataType::bigint(), DataType::bigint()},
                           {{big(155), big(-1)}, {big(155), big(-2)}});
    EXPECT_EQ(show(bigints, 0), "BIGINT 160");
    EXPECT_EQ(show(bigints, 1), "BIGINT 200");
}

TEST(RoundTest, NullArguments) {
    EXPECT_EQ(call("ROUND", {Value::null()}), "BIGINT NULL");
    EXPECT_EQ(call("ROUND", {dbl(1.5), Value::null()}), "DOUBLE NULL");
    auto result = evalFunction("ROUND", {DataType::decimal(5, 2), DataType::bigint()},
                               {{Value::null(DataType::decimal(5, 2)), big(1)}}, {false, true});
    EXPECT_EQ(show(result), "DECIMAL(5,1) NULL");
}

TEST(RoundTest, WrongArgumentsAreResolveErrors) {
    EXPECT_EQ(resolveCode("ROUND", {str("1.5")}), "type_mismatch");
    EXPECT_EQ(resolveCode("ROUND", {dbl(1.5), str("1")}), "type_mismatch");
    EXPECT_EQ(resolveCode("ROUND", {dbl(1.5), dbl(1.0)}), "type_mismatch");
    EXPECT_EQ(resolveCode("ROUND", {dec("1.5", 2), dec("1.0", 2)}), "type_mismatch");
    EXPECT_EQ(resolveCode("ROUND", {big(1), big(2), big(3)}), "type_mismatch");
    EXPECT_EQ(resolveCode("ROUND", {}), "type_mismatch");
}

// ---- TRUNC --------------------------------------------------------------------------------

TEST(TruncTest, Decimal) {
    EXPECT_EQ(call("TRUNC", {dec("2.99", 5)}), "DECIMAL(4,0) 2");
    EXPECT_EQ(call("TRUNC", {dec("-2.99", 5)}), "DECIMAL(4,0) -2");
    EXPECT_EQ(call("TRUNC", {dec("2.99", 5), big(1)}), "DECIMAL(5,1) 2.9");
    EXPECT_EQ(call("TRUNC", {dec("-2.99", 5), big(1)}), "DECIMAL(5,1) -2.9");
    EXPECT_EQ(call("TRUNC", {dec("123.45", 5), big(-1)}), "DECIMAL(4,0) 120");
    EXPECT_EQ(call("TRUNC", {dec("-123.45", 5), big(-1)}), "DECIMAL(4,0) -120");
    EXPECT_EQ(call("TRUNC", {dec("123.45", 5), big(9)}), "DECIMAL(6,2) 123.45");
    std::string nines(38, '9');
    EXPECT_EQ(call("TRUNC", {dec(nines, 38), big(-1)}),
              "DECIMAL(38,0) " + nines.substr(0, 37) + "0");
}

TEST(TruncTest, BigintAndDouble) {
    EXPECT_EQ(call("TRUNC", {big(19)}), "BIGINT 19");
    EXPECT_EQ(call("TRUNC", {big(19), big(-1)}), "BIGINT 10");
    EXPECT_EQ(call("TRUNC", {big(-19), big(-1)}), "BIGINT -10");
    EXPECT_EQ(call("TRUNC", {big(kMin), big(-1)}), "BIGINT -9223372036854775800");
    EXPECT_EQ(call("TRUNC", {big(kMax), big(-19)}), "BIGINT 0");
    EXPECT_EQ(call("TRUNC", {dbl(-2.7)}), "DOUBLE -2");
    EXPECT_EQ(call("TRUNC", {dbl(2.789), big(2)}), "DOUBLE 2.78");
    EXPECT_EQ(call("TRUNC", {dbl(-2789.0), big(-2)}), "DOUBLE -2700");
}

TEST(TruncTest, NullsAndErrors) {
    EXPECT_EQ(call("TRUNC", {Value::null()}), "BIGINT NULL");
    EXPECT_EQ(call("TRUNC", {dbl(1.5), Value::null()}), "DOUBLE NULL");
    EXPECT_EQ(resolveCode("TRUNC", {str("x")}), "type_mismatch");
    auto nonLiteral = evalFunction("TRUNC", {DataType::decimal(5, 2), DataType::bigint()},
                                   {{dec("1.25", 5), big(1)}});
    EXPECT_EQ(nonLiteral.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(
        nonLiteral.status().message(),
        "TRUNC(DECIMAL, n) needs n to be an integer literal, so that the result scale is known");
}

// ---- CEIL, FLOOR --------------------------------------------------------------------------

TEST(CeilFloorTest, Decimal) {
    EXPECT_EQ(call("CEIL", {dec("999.5", 4)}), "DECIMAL(4,0) 1000");
    EXPECT_EQ(call("FLOOR", {dec("999.5", 4)}), "DECIMAL(4,0) 999");
    EXPECT_EQ(call("CEIL", {dec("-999.5", 4)}), "DECIMAL(4,0) -999");
    EXPECT_EQ(call("FLOOR", {dec("-999.5", 4)}), "DECIMAL(4,0) -1000");
    EXPECT_EQ(call("CEIL", {dec("0.01", 3)}), "DECIMAL(2,0) 1");
    EXPECT_EQ(call("CEIL", {dec("-0.01", 3)}), "DECIMAL(2,0) 0");
    EXPECT_EQ(call("FLOOR", {dec("-0.01", 3)}), "DECIMAL(2,0) -1");
    EXPECT_EQ(call("FLOOR", {dec("5.00", 3)}), "DECIMAL(2,0) 5");
    EXPECT_EQ(call("CEILING", {dec("1.1", 2)}), "DECIMAL(2,0) 2");
    std::string nines(37, '9');
    EXPECT_EQ(call("CEIL", {dec(nines + ".9", 38)}), "DECIMAL(38,0) 1" + std::string(37, '0'));
    EXPECT_EQ(call("FLOOR", {dec("-" + nines + ".9", 38)}),
              "DECIMAL(38,0) -1" + std::string(37, '0'));
}

TEST(CeilFloorTest, BigintAndDouble) {
    EXPECT_EQ(call("CEIL", {big(kMin)}), "BIGINT -9223372036854775808");
    EXPECT_EQ(call("FLOOR", {big(kMax)}), "BIGINT 9223372036854775807");
    EXPECT_EQ(call("CEIL", {dbl(1.2)}), "DOUBLE 2");
    EXPECT_EQ(call("CEIL", {dbl(-1.2)}), "DOUBLE -1");
    EXPECT_EQ(call("FLOOR", {dbl(-1.2)}), "DOUBLE -2");
    EXPECT_EQ(call("FLOOR", {dbl(1.8)}), "DOUBLE 1");
}

TEST(CeilFloorTest, NullsAndErrors) {
    EXPECT_EQ(call("CEIL", {Value::null()}), "BIGINT NULL");
    EXPECT_EQ(call("FLOOR", {Value::null(DataType::float64())}), "DOUBLE NULL");
    EXPECT_EQ(resolveCode("CEIL", {dbl(1.5), big(1)}), "type_mismatch");
    EXPECT_EQ(resolveCode("FLOOR", {str("1")}), "type_mismatch");
    EXPECT_EQ(resolveCode("CEILING", {Value::boolean(true)}), "type_mismatch");
}

// ---- SIGN ---------------------------------------------------------------------------------

TEST(SignTest, GivesBigint) {
    EXPECT_EQ(call("SIGN", {big(-5)}), "BIGINT -1");
    EXPECT_EQ(call("SIGN", {big(0)}), "BIGINT 0");
    EXPECT_EQ(call("SIGN", {big(kMin)}), "BIGINT -1");
    EXPECT_EQ(call("SIGN", {big(kMax)}), "BIGINT 1");
    EXPECT_EQ(call("SIGN", {dec("-0.01", 3)}), "BIGINT -1");
    EXPECT_EQ(call("SIGN", {dec("0.00", 3)}), "BIGINT 0");
    EXPECT_EQ(call("SIGN", {dec("12345678901234567890.5", 30)}), "BIGINT 1");
    EXPECT_EQ(call("SIGN", {dbl(-0.0)}), "BIGINT 0");
    EXPECT_EQ(call("SIGN", {dbl(-1e-300)}), "BIGINT -1");
    EXPECT_EQ(call("SIGN", {dbl(kInf)}), "BIGINT 1");
}

TEST(SignTest, NanIsARowErrorNullIsNull) {
    EXPECT_EQ(call("SIGN", {dbl(kNan)}), "error invalid_argument");
    EXPECT_EQ(call("SIGN", {Value::null()}), "BIGINT NULL");
    EXPECT_EQ(resolveCode("SIGN", {str("-1")}), "type_mismatch");
}

// ---- SQRT, EXP, LN, LOG10, POWER ----------------------------------------------------------

TEST(DoubleFunctionsTest, OrdinaryValues) {
    EXPECT_EQ(call("SQRT", {big(16)}), "DOUBLE 4");
    EXPECT_EQ(call("SQRT", {dec("2.25", 3)}), "DOUBLE 1.5");
    EXPECT_EQ(call("SQRT", {dbl(2.0)}), "DOUBLE 1.4142135623730951");
    EXPECT_EQ(call("EXP", {big(0)}), "DOUBLE 1");
    EXPECT_EQ(call("EXP", {big(1)}), "DOUBLE 2.718281828459045");
    EXPECT_EQ(call("LN", {big(1)}), "DOUBLE 0");
    EXPECT_EQ(call("LN", {dbl(2.718281828459045)}), "DOUBLE 1");
    EXPECT_EQ(call("LOG10", {big(1000)}), "DOUBLE 3");
    EXPECT_EQ(call("LOG10", {dec("0.01", 3)}), "DOUBLE -2");
    EXPECT_EQ(call("POWER", {big(2), big(10)}), "DOUBLE 1024");
    EXPECT_EQ(call("POW", {dbl(2.0), big(-1)}), "DOUBLE 0.5");
    EXPECT_EQ(call("POWER", {dec("1.5", 2), big(2)}), "DOUBLE 2.25");
}

TEST(DoubleFunctionsTest, DomainEdgesFollowIeee) {
    EXPECT_TRUE(givesNan("SQRT", {big(-1)}));
    EXPECT_EQ(call("LN", {big(0)}), "DOUBLE -inf");
    EXPECT_TRUE(givesNan("LN", {big(-1)}));
    EXPECT_EQ(call("LOG10", {big(0)}), "DOUBLE -inf");
    EXPECT_EQ(call("EXP", {big(1000)}), "DOUBLE inf");
    EXPECT_EQ(call("EXP", {dbl(-kInf)}), "DOUBLE 0");
    EXPECT_EQ(call("POWER", {big(0), big(-1)}), "DOUBLE inf");
    EXPECT_TRUE(givesNan("POWER", {big(-8), dbl(0.5)}));
    EXPECT_EQ(call("POWER", {big(0), big(0)}), "DOUBLE 1");
}

TEST(DoubleFunctionsTest, NullsAndErrors) {
    for (const char* name : {"SQRT", "EXP", "LN", "LOG10"}) {
        EXPECT_EQ(call(name, {Value::null()}), "DOUBLE NULL") << name;
        EXPECT_EQ(call(name, {Value::null(DataType::decimal(5, 2))}), "DOUBLE NULL") << name;
        EXPECT_EQ(resolveCode(name, {str("4")}), "type_mismatch") << name;
        EXPECT_EQ(resolveCode(name, {}), "type_mismatch") << name;
    }
    EXPECT_EQ(call("POWER", {Value::null(), big(2)}), "DOUBLE NULL");
    EXPECT_EQ(call("POWER", {big(2), Value::null()}), "DOUBLE NULL");
    EXPECT_EQ(resolveCode("POWER", {big(2)}), "type_mismatch");
    EXPECT_EQ(resolveCode("POWER", {big(2), str("2")}), "type_mismatch");
}

// ---- MOD ----------------------------------------------------------------------------------

TEST(ModTest, IsThePercentOperator) {
    EXPECT_EQ(call("MOD", {big(7), big(3)}), "BIGINT 1");
    EXPECT_EQ(call("MOD", {big(-7), big(3)}), "BIGINT -1");
    EXPECT_EQ(call("MOD", {big(7), big(-3)}), "BIGINT 1");
    EXPECT_EQ(call("MOD", {big(kMin), big(-1)}), "BIGINT 0");
    EXPECT_EQ(call("MOD", {dec("5.50", 4), dec("2.0", 3)}), "DECIMAL(4,2) 1.50");
    EXPECT_EQ(call("MOD", {dec("-5.50", 4), dec("2.0", 3)}), "DECIMAL(4,2) -1.50");
    EXPECT_EQ(call("MOD", {dbl(5.5), big(2)}), "DOUBLE 1.5");
}

TEST(ModTest, DivisionByZeroIsARowError) {
    EXPECT_EQ(call("MOD", {big(7), big(0)}), "error division_by_zero");
    EXPECT_EQ(call("MOD", {dec("1.5", 2), dec("0.0", 2)}), "error division_by_zero");
}

TEST(ModTest, NullsAndErrors) {
    EXPECT_EQ(call("MOD", {Value::null(), big(3)}), "BIGINT NULL");
    EXPECT_EQ(call("MOD", {dec("1.5", 2), Value::null()}), "DECIMAL(2,1) NULL");
    auto result =
        evalFunction("MOD", {DataType::string(), DataType::bigint()}, {{str("7"), big(2)}});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), ErrorCode::kTypeMismatch);
    EXPECT_EQ(result.status().message().rfind("MOD cannot take (STRING, BIGINT)", 0), 0u);
    EXPECT_EQ(resolveCode("MOD", {big(1)}), "type_mismatch");
}

// ---- LEAST, GREATEST ----------------------------------------------------------------------

TEST(LeastGreatestTest, Bigint) {
    EXPECT_EQ(call("LEAST", {big(3), big(1), big(2)}), "BIGINT 1");
    EXPECT_EQ(call("GREATEST", {big(3), big(1), big(2)}), "BIGINT 3");
    EXPECT_EQ(call("LEAST", {big(kMax), big(kMin)}), "BIGINT -9223372036854775808");
    EXPECT_EQ(call("GREATEST", {big(42)}), "BIGINT 42");
}

TEST(LeastGreatestTest, DecimalsOfDifferentScalesCompareExactly) {
    EXPECT_EQ(call("LEAST", {dec("1.5", 3), dec("1.499", 4)}), "DECIMAL(5,3) 1.499");
    EXPECT_EQ(call("GREATEST", {dec("1.5", 3), dec("1.499", 4)}), "DECIMAL(5,3) 1.500");
    EXPECT_EQ(call("GREATEST", {dec("-0.001", 4), dec("-0.01", 3)}), "DECIMAL(4,3) -0.001");
    // With a BIGINT: DECIMAL(19,0) meets DECIMAL(4,2) → DECIMAL(21,2), 128-bit.
    EXPECT_EQ(call("LEAST", {dec("10.50", 4), big(10)}), "DECIMAL(21,2) 10.00");
    EXPECT_EQ(call("GREATEST", {dec("10.50", 4), big(10)}), "DECIMAL(21,2) 10.50");
}

TEST(LeastGreatestTest, DoublesStringsAndTimes) {
    EXPECT_EQ(call("LEAST", {dbl(1.5), big(2)}), "DOUBLE 1.5");
    EXPECT_TRUE(givesNan("GREATEST", {dbl(1.0), dbl(kNan)}));
    EXPECT_EQ(call("LEAST", {dbl(kNan), dbl(1.0)}), "DOUBLE 1");
    EXPECT_EQ(call("LEAST", {str("b"), str("a"), str("c")}), "STRING 'a'");
    EXPECT_EQ(call("GREATEST", {str("b"), str("ä"), str("c")}), "STRING 'ä'");
    EXPECT_EQ(call("GREATEST", {Value::timestamp(-1), Value::timestamp(-2)}),
              "TIMESTAMP TIMESTAMP '1969-12-31T23:59:59.999Z'");
    // DATE with TIMESTAMP compares as TIMESTAMP: day 1 is 86 400 000 000 µs.
    EXPECT_EQ(call("LEAST", {Value::date(1), Value::timestamp(86'400'000'000 + 1)}),
              "TIMESTAMP TIMESTAMP '1970-01-02T00:00:00.000Z'");
}

TEST(LeastGreatestTest, AnyNullGivesNull) {
    EXPECT_EQ(call("LEAST", {big(1), Value::null(), big(3)}), "BIGINT NULL");
    EXPECT_EQ(call("GREATEST", {Value::null(), Value::null()}), "BIGINT NULL");
    auto result =
        columns("GREATEST", {DataType::bigint(), DataType::bigint()},
                {{big(1), big(5)}, {big(7), Value::null(DataType::bigint())}, {big(9), big(-9)}});
    ASSERT_TRUE(result.isOk());
    EXPECT_EQ(show(result, 0), "BIGINT 5");
    EXPECT_EQ(show(result, 1), "BIGINT NULL");
    EXPECT_EQ(show(result, 2), "BIGINT 9");
}

TEST(LeastGreatestTest, WrongArgumentsAreResolveErrors) {
    EXPECT_EQ(resolveCode("LEAST", {}), "type_mismatch");
    EXPECT_EQ(resolveCode("LEAST", {big(1), str("a")}), "type_mismatch");
    EXPECT_EQ(resolveCode("GREATEST", {Value::interval({0, 1}), Value::interval({0, 2})}),
              "type_mismatch");
}

// ---- Registry entries ---------------------------------------------------------------------

TEST(MathEntriesTest, EveryFunctionIsDescribed) {
    const auto& registry = FunctionRegistry::builtins();
    for (const char* name : {"ABS", "ROUND", "CEIL", "CEILING", "FLOOR", "TRUNC", "SQRT", "POWER",
                             "POW", "EXP", "LN", "LOG10", "MOD", "SIGN", "LEAST", "GREATEST"}) {
        const FunctionEntry* entry = registry.find(name);
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->category, "math") << name;
        EXPECT_FALSE(entry->signatures.empty()) << name;
        EXPECT_FALSE(entry->description.empty()) << name;
        EXPECT_TRUE(entry->deterministic) << name;
    }
}

}  // namespace
}  // namespace ferris::expr
