#include "types/decimal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include "types/int256.h"

namespace ferris::types {
namespace {

// ---- Test-local helpers, independent of the code under test ------------------------------

/// Exact integer text of an int128 (sign and digits).
std::string integerText(int128_t value) {
    uint128_t magnitude = value < 0 ? uint128_t{0} - static_cast<uint128_t>(value)
                                    : static_cast<uint128_t>(value);
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
        magnitude /= 10;
    } while (magnitude != 0);
    return value < 0 ? "-" + digits : digits;
}

/// "123.45" → unscaled 12345 at scale 2 (the scale is the number of fraction digits written).
struct Literal {
    int128_t value = 0;
    int scale = 0;
};

Literal literal(std::string_view text) {
    Literal result;
    bool negative = false;
    size_t i = 0;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        i = 1;
    }
    uint128_t magnitude = 0;
    bool fraction = false;
    for (; i < text.size(); ++i) {
        if (text[i] == '.') {
            fraction = true;
            continue;
        }
        if (magnitude >= (uint128_t{1} << 127) / 10) {
            ADD_FAILURE() << "test literal outside int128: " << text;
        }
        magnitude = magnitude * 10 + static_cast<unsigned>(text[i] - '0');
        if (fraction) ++result.scale;
    }
    result.value = negative ? -static_cast<int128_t>(magnitude) : static_cast<int128_t>(magnitude);
    return result;
}

int128_t big(std::string_view digits) { return literal(digits).value; }

/// Plain text of an unscaled value at a scale, written independently of decimalFormat.
std::string plain(int128_t value, int scale) {
    std::string digits = integerText(value);
    const bool negative = digits[0] == '-';
    if (negative) digits.erase(0, 1);
    if (scale > 0) {
        if (static_cast<int>(digits.size()) <= scale) {
            digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
        }
        digits.insert(digits.size() - static_cast<size_t>(scale), ".");
    }
    return negative ? "-" + digits : digits;
}

std::string statusName(DecimalStatus status) {
    switch (status) {
        case DecimalStatus::kOk: return "ok";
        case DecimalStatus::kOverflow: return "overflow";
        case DecimalStatus::kDivisionByZero: return "division_by_zero";
        case DecimalStatus::kInvalid: return "invalid";
        case DecimalStatus::kTooManyDigits: return "too_many_digits";
    }
    return "?";
}

/// The result as text at the result scale, or the status name when it failed.
/// `value` is taken by reference: it is read after the call that fills it has run.
std::string outcome(DecimalStatus status, const int128_t& value, int scale) {
    return status == DecimalStatus::kOk ? plain(value, scale) : statusName(status);
}

using BinaryOp = DecimalStatus (*)(int128_t, int, int128_t, int, DecimalSpec, int128_t&);

std::string binary(BinaryOp op, std::string_view a, std::string_view b, DecimalSpec result) {
    const Literal x = literal(a), y = literal(b);
    int128_t out = 0;
    const DecimalStatus status = op(x.value, x.scale, y.value, y.scale, result, out);
    return outcome(status, out, result.scale);
}

std::string add(std::string_view a, std::string_view b, DecimalSpec r) {
    return binary(decimalAdd, a, b, r);
}
std::string sub(std::string_view a, std::string_view b, DecimalSpec r) {
    return binary(decimalSubtract, a, b, r);
}
std::string mul(std::string_view a, std::string_view b, DecimalSpec r) {
    return binary(decimalMultiply, a, b, r);
}
std::string divide(std::string_view a, std::string_view b, DecimalSpec r) {
    return binary(decimalDivide, a, b, r);
}
std::string mod(std::string_view a, std::string_view b, DecimalSpec r) {
    return binary(decimalModulo, a, b, r);
}

int compare(std::string_view a, std::string_view b) {
    const Literal x = literal(a), y = literal(b);
    return decimalCompare(x.value, x.scale, y.value, y.scale);
}

std::string rescale(std::string_view value, DecimalSpec to) {
    const Literal x = literal(value);
    int128_t out = 0;
    return outcome(decimalRescale(x.value, x.scale, to, out), out, to.scale);
}

std::string roundAt(std::string_view value, int64_t n, DecimalSpec result) {
    const Literal x = literal(value);
    int128_t out = 0;
    return outcome(decimalRound(x.value, x.scale, n, result, out), out, result.scale);
}

std::string truncateAt(std::string_view value, int64_t n, DecimalSpec result) {
    const Literal x = literal(value);
    int128_t out = 0;
    return outcome(decimalTruncate(x.value, x.scale, n, result, out), out, result.scale);
}

std::string ceilOf(std::string_view value, DecimalSpec result) {
    const Literal x = literal(value);
    int128_t out = 0;
    return outcome(decimalCeil(x.value, x.scale, result, out), out, result.scale);
}

std::string floorOf(std::string_view value, DecimalSpec result) {
    const Literal x = literal(value);
    int128_t out = 0;
    return outcome(decimalFloor(x.value, x.scale, result, out), out, result.scale);
}

std::string fromDouble(double value, DecimalSpec to) {
    int128_t out = 0;
    return outcome(decimalFromDouble(value, to, out), out, to.scale);
}

std::string fromInt64(int64_t value, DecimalSpec to) {
    int128_t out = 0;
    return outcome(decimalFromInt64(value, to, out), out, to.scale);
}

std::string toInt64(std::string_view value) {
    const Literal x = literal(value);
    int64_t out = 0;
    const DecimalStatus status = decimalToInt64(x.value, x.scale, out);
    return status == DecimalStatus::kOk ? std::to_string(out) : statusName(status);
}

double toDouble(std::string_view value) {
    const Literal x = literal(value);
    return decimalToDouble(x.value, x.scale);
}

std::string parse(std::string_view text, DecimalSpec to) {
    int128_t out = 0;
    return outcome(decimalParse(text, to, out), out, to.scale);
}

std::string parseRounding(std::string_view text, DecimalSpec to) {
    int128_t out = 0;
    return outcome(decimalParseRounding(text, to, out), out, to.scale);
}

const std::string kMax38 = std::string(38, '9');                        // 10^38 − 1
const std::string kTen38 = "1" + std::string(38, '0');                  // 10^38
const std::string kAlmostOne38 = "0." + std::string(38, '9');           // 1 − 10^-38
const std::string kEpsilon38 = "0." + std::string(37, '0') + "1";       // 10^-38

// ---- pow10, digits ----------------------------------------------------------------------

TEST(DecimalTest, Pow10) {
    EXPECT_EQ(integerText(pow10(0)), "1");
    EXPECT_EQ(integerText(pow10(1)), "10");
    EXPECT_EQ(integerText(pow10(18)), "1000000000000000000");
    EXPECT_EQ(integerText(pow10(19)), "10000000000000000000");
    EXPECT_EQ(integerText(pow10(38)), kTen38);
}

TEST(DecimalTest, Digits) {
    EXPECT_EQ(decimalDigits(0), 1);
    EXPECT_EQ(decimalDigits(9), 1);
    EXPECT_EQ(decimalDigits(10), 2);
    EXPECT_EQ(decimalDigits(-999), 3);
    EXPECT_EQ(decimalDigits(-1000), 4);
    EXPECT_EQ(decimalDigits(big("999999999999999999")), 18);
    EXPECT_EQ(decimalDigits(big("1000000000000000000")), 19);
    EXPECT_EQ(decimalDigits(big(kMax38)), 38);
    EXPECT_EQ(decimalDigits(big(kTen38)), 39);
    EXPECT_EQ(decimalDigits(std::numeric_limits<int128_t>::min()), 39);
}

// ---- Result types (§1.4.1) --------------------------------------------------------------

TEST(DecimalResultTypeTest, ClampToMax) {
    EXPECT_EQ(decimalClampToMax(38, 10), (DecimalSpec{38, 10}));
    EXPECT_EQ(decimalClampToMax(10, 2), (DecimalSpec{10, 2}));
    // s = max(38 − (p − s), min(s, 6))
    EXPECT_EQ(decimalClampToMax(39, 10), (DecimalSpec{38, 9}));   // 38 − 29 = 9 beats 6
    EXPECT_EQ(decimalClampToMax(50, 10), (DecimalSpec{38, 6}));   // 38 − 40 < 6
    EXPECT_EQ(decimalClampToMax(45, 4), (DecimalSpec{38, 4}));    // min(4, 6) = 4
    EXPECT_EQ(decimalClampToMax(77, 76), (DecimalSpec{38, 37}));
    EXPECT_EQ(decimalClampToMax(77, 0), (DecimalSpec{38, 0}));
}

TEST(DecimalResultTypeTest, AddSubtract) {
    EXPECT_EQ(decimalAddResultType({10, 2}, {5, 3}), (DecimalSpec{12, 3}));
    EXPECT_EQ(decimalAddResultType({5, 3}, {10, 2}), (DecimalSpec{12, 3}));
    EXPECT_EQ(decimalAddResultType({4, 4}, {4, 4}), (DecimalSpec{5, 4}));
    EXPECT_EQ(decimalAddResultType(kBigintAsDecimal, {10, 2}), (DecimalSpec{22, 2}));
    EXPECT_EQ(decimalAddResultType({38, 0}, {38, 0}), (DecimalSpec{38, 0}));
    EXPECT_EQ(decimalAddResultType({38, 10}, {38, 20}), (DecimalSpec{38, 9}));
    EXPECT_EQ(decimalAddResultType({37, 2}, {10, 2}), (DecimalSpec{38, 2}));
}

TEST(DecimalResultTypeTest, Multiply) {
    EXPECT_EQ(decimalMultiplyResultType({10, 2}, {5, 3}), (DecimalSpec{16, 5}));
    EXPECT_EQ(decimalMultiplyResultType({18, 4}, {18, 4}), (DecimalSpec{37, 8}));
    EXPECT_EQ(decimalMultiplyResultType({20, 10}, {20, 10}), (DecimalSpec{38, 17}));
    EXPECT_EQ(decimalMultiplyResultType({38, 0}, {38, 0}), (DecimalSpec{38, 0}));
    EXPECT_EQ(decimalMultiplyResultType({38, 38}, {38, 38}), (DecimalSpec{38, 37}));
    EXPECT_EQ(decimalMultiplyResultType(kBigintAsDecimal, kBigintAsDecimal), (DecimalSpec{38, 0}));
    EXPECT_EQ(decimalMultiplyResultType({33, 20}, {33, 20}), (DecimalSpec{38, 11}));
}

TEST(DecimalResultTypeTest, Divide) {
    EXPECT_EQ(decimalDivideResultType({10, 2}, {5, 3}), (DecimalSpec{19, 8}));
    EXPECT_EQ(decimalDivideResultType({5, 0}, {3, 0}), (DecimalSpec{11, 6}));
    EXPECT_EQ(decimalDivideResultType({5, 0}, {1, 0}), (DecimalSpec{11, 6}));  // s = max(6, 2)
    EXPECT_EQ(decimalDivideResultType({38, 10}, {10, 2}), (DecimalSpec{38, 8}));
    EXPECT_EQ(decimalDivideResultType({38, 0}, {38, 38}), (DecimalSpec{38, 6}));
    EXPECT_EQ(decimalDivideResultType({38, 0}, {38, 0}), (DecimalSpec{38, 6}));
    EXPECT_EQ(decimalDivideResultType(kBigintAsDecimal, kBigintAsDecimal), (DecimalSpec{38, 19}));
}

TEST(DecimalResultTypeTest, Modulo) {
    EXPECT_EQ(decimalModuloResultType({10, 2}, {5, 3}), (DecimalSpec{5, 3}));
    EXPECT_EQ(decimalModuloResultType({38, 0}, kBigintAsDecimal), (DecimalSpec{19, 0}));
    EXPECT_EQ(decimalModuloResultType({38, 38}, {38, 0}), (DecimalSpec{38, 38}));
    EXPECT_EQ(decimalModuloResultType({2, 1}, {1, 0}), (DecimalSpec{2, 1}));
}

TEST(DecimalResultTypeTest, CommonType) {
    EXPECT_EQ(decimalCommonType({10, 2}, {5, 3}), (DecimalSpec{11, 3}));
    EXPECT_EQ(decimalCommonType(kBigintAsDecimal, {5, 2}), (DecimalSpec{21, 2}));
    EXPECT_EQ(decimalCommonType({7, 2}, {7, 2}), (DecimalSpec{7, 2}));
    // Past 38 digits the general clamp rule keeps integer digits (scale down to 6).
    EXPECT_EQ(decimalCommonType({38, 0}, {38, 10}), (DecimalSpec{38, 6}));
    EXPECT_EQ(decimalCommonType({30, 0}, {20, 12}), (DecimalSpec{38, 8}));
}

TEST(DecimalResultTypeTest, RoundAndRoundToInteger) {
    EXPECT_EQ(decimalRoundResultType({10, 4}, 2), (DecimalSpec{9, 2}));
    EXPECT_EQ(decimalRoundResultType({10, 4}, 0), (DecimalSpec{7, 0}));
    EXPECT_EQ(decimalRoundResultType({10, 4}, -2), (DecimalSpec{7, 0}));
    EXPECT_EQ(decimalRoundResultType({10, 4}, 6), (DecimalSpec{11, 4}));
    EXPECT_EQ(decimalRoundResultType({5, 1}, -2), (DecimalSpec{5, 0}));
    EXPECT_EQ(decimalRoundResultType({38, 10}, 5), (DecimalSpec{34, 5}));
    EXPECT_EQ(decimalRoundResultType({38, 2}, 2), (DecimalSpec{38, 2}));
    EXPECT_EQ(decimalRoundResultType({38, 2}, std::numeric_limits<int64_t>::max()),
              (DecimalSpec{38, 2}));
    EXPECT_EQ(decimalRoundResultType({38, 2}, std::numeric_limits<int64_t>::min()),
              (DecimalSpec{37, 0}));

    EXPECT_EQ(decimalRoundToIntegerResultType({10, 4}), (DecimalSpec{7, 0}));
    EXPECT_EQ(decimalRoundToIntegerResultType({38, 0}), (DecimalSpec{38, 0}));
    EXPECT_EQ(decimalRoundToIntegerResultType({5, 5}), (DecimalSpec{1, 0}));
}

TEST(DecimalResultTypeTest, SumAndAvg) {
    EXPECT_EQ(decimalSumResultType({10, 2}), (DecimalSpec{38, 2}));
    EXPECT_EQ(decimalSumResultType({38, 38}), (DecimalSpec{38, 38}));
    EXPECT_EQ(decimalAvgResultType({10, 2}), (DecimalSpec{38, 6}));
    EXPECT_EQ(decimalAvgResultType({20, 8}), (DecimalSpec{38, 8}));
    EXPECT_EQ(decimalAvgResultType({5, 0}), (DecimalSpec{38, 6}));
}

// ---- Rescale and boundaries ----------------------------------------------------------------

TEST(DecimalArithmeticTest, RescaleRoundsHalfAwayFromZero) {
    EXPECT_EQ(rescale("0.125", {5, 2}), "0.13");
    EXPECT_EQ(rescale("-0.125", {5, 2}), "-0.13");
    EXPECT_EQ(rescale("0.124", {5, 2}), "0.12");
    EXPECT_EQ(rescale("2.5", {5, 0}), "3");
    EXPECT_EQ(rescale("-2.5", {5, 0}), "-3");
    EXPECT_EQ(rescale("3.5", {5, 0}), "4");  // not banker's rounding
    EXPECT_EQ(rescale("-0.4", {5, 0}), "0");
    EXPECT_EQ(rescale("1.5", {5, 3}), "1.500");
    EXPECT_EQ(rescale(kAlmostOne38, {1, 0}), "1");
    EXPECT_EQ(rescale(kEpsilon38, {38, 37}), "0.0000000000000000000000000000000000000");
}

TEST(DecimalArithmeticTest, RescaleOverflowIsJudgedAfterRounding) {
    EXPECT_EQ(rescale("9.9994", {4, 3}), "9.999");
    EXPECT_EQ(rescale("9.9995", {4, 3}), "overflow");
    EXPECT_EQ(rescale("-9.9995", {4, 3}), "overflow");
    EXPECT_EQ(rescale("99.4", {2, 0}), "99");
    EXPECT_EQ(rescale("99.5", {2, 0}), "overflow");
    EXPECT_EQ(rescale("10000000000000000000000000000000000000", {38, 2}), "overflow");
    EXPECT_EQ(rescale("100000000000000000000000000000000000", {38, 2}),
              "100000000000000000000000000000000000.00");
}

TEST(DecimalArithmeticTest, PrecisionBoundaries) {
    EXPECT_EQ(rescale(kMax38, {38, 0}), kMax38);
    EXPECT_EQ(rescale("-" + kMax38, {38, 0}), "-" + kMax38);
    EXPECT_EQ(rescale(kTen38, {38, 0}), "overflow");
    EXPECT_EQ(rescale("-" + kTen38, {38, 0}), "overflow");
    EXPECT_EQ(rescale(kAlmostOne38, {38, 38}), kAlmostOne38);
    // DECIMAL(18) vs DECIMAL(19): the 64-bit storage boundary.
    EXPECT_EQ(rescale("999999999999999999", {18, 0}), "999999999999999999");
    EXPECT_EQ(rescale("1000000000000000000", {18, 0}), "overflow");
    EXPECT_EQ(rescale("1000000000000000000", {19, 0}), "1000000000000000000");
    EXPECT_EQ(rescale("9999999999999999999", {19, 0}), "9999999999999999999");
    EXPECT_EQ(rescale("10000000000000000000", {19, 0}), "overflow");
    EXPECT_EQ(rescale("99999999999999999.9", {18, 1}), "99999999999999999.9");
    EXPECT_EQ(rescale("99999999999999999.95", {18, 1}), "overflow");
}

// ---- + and − ----------------------------------------------------------------------------

TEST(DecimalArithmeticTest, AddSubtractMixedScales) {
    EXPECT_EQ(add("1.25", "-0.125", {10, 3}), "1.125");
    EXPECT_EQ(add("0.1", "0.02", {5, 2}), "0.12");
    EXPECT_EQ(add("-7", "2.50", {5, 2}), "-4.50");
    EXPECT_EQ(add("0", "-0.000", {5, 3}), "0.000");
    EXPECT_EQ(sub("1", "0.001", {10, 3}), "0.999");
    EXPECT_EQ(sub("0.001", "1", {10, 3}), "-0.999");
    EXPECT_EQ(sub("-1.5", "-1.5", {10, 1}), "0.0");
    EXPECT_EQ(sub("12.345", "0.0055", {10, 4}), "12.3395");
}

TEST(DecimalArithmeticTest, AddSubtractRoundToAClampedResultScale) {
    EXPECT_EQ(add("0.05", "0.00", {38, 1}), "0.1");
    EXPECT_EQ(add("-0.05", "0", {38, 1}), "-0.1");
    EXPECT_EQ(sub("0.04", "-0.01", {38, 1}), "0.1");
    EXPECT_EQ(add("1.049", "0.001", {38, 1}), "1.1");
}

TEST(DecimalArithmeticTest, AddSubtractOverflow) {
    EXPECT_EQ(add("99.9", "0.1", {3, 1}), "overflow");
    EXPECT_EQ(add("99.9", "0.1", {4, 1}), "100.0");
    EXPECT_EQ(sub("-99.9", "0.1", {3, 1}), "overflow");
    EXPECT_EQ(add(kMax38, "1", {38, 0}), "overflow");
    EXPECT_EQ(sub("-" + kMax38, "1", {38, 0}), "overflow");
    EXPECT_EQ(add(kMax38, "-" + kMax38, {38, 0}), "0");
    EXPECT_EQ(sub(kMax38, kMax38, {38, 0}), "0");
    // Sum of two maximal values: beyond 128 bits, still no wrap.
    EXPECT_EQ(add(kMax38, kMax38, {38, 0}), "overflow");
}

TEST(DecimalArithmeticTest, AddSubtractAlignmentBeyond128Bits) {
    // 10^38 − 1 aligned to scale 38 needs 254 bits.
    EXPECT_EQ(add(kMax38, kEpsilon38, {38, 0}), kMax38);
    EXPECT_EQ(add(kMax38, kEpsilon38, {38, 1}), "overflow");
    EXPECT_EQ(sub("-" + kMax38, kEpsilon38, {38, 0}), "-" + kMax38);
    EXPECT_EQ(add("12345678901234567890", kAlmostOne38, {38, 10}),
              "12345678901234567891.0000000000");
    EXPECT_EQ(sub("12345678901234567890", kAlmostOne38, {38, 10}),
              "12345678901234567889.0000000000");
    EXPECT_EQ(add("12345678901234567890", "0.0000000000" + std::string(27, '0') + "5", {38, 10}),
              "12345678901234567890.0000000000");
}

// ---- × ----------------------------------------------------------------------------------

TEST(DecimalArithmeticTest, Multiply) {
    EXPECT_EQ(mul("1.5", "-2.25", {10, 3}), "-3.375");
    EXPECT_EQ(mul("-1.5", "-2.25", {10, 3}), "3.375");
    EXPECT_EQ(mul("0", "-2.25", {10, 3}), "0.000");
    EXPECT_EQ(mul("12", "0.5", {5, 1}), "6.0");
    EXPECT_EQ(mul("0.05", "0.5", {5, 2}), "0.03");     // 0.025
    EXPECT_EQ(mul("-0.05", "0.5", {5, 2}), "-0.03");   // −0.025
    EXPECT_EQ(mul("0.05", "0.49", {5, 2}), "0.02");    // 0.0245
    EXPECT_EQ(mul("9.995", "1", {3, 2}), "overflow");  // 10.00 after rounding
    EXPECT_EQ(mul("9.994", "1", {3, 2}), "9.99");
}

TEST(DecimalArithmeticTest, MultiplyLargeOperandsExactly) {
    const std::string a = "0.12345678901234567890123456789012345678";
    const std::string b = "0.98765432109876543210987654321098765432";
    const DecimalSpec type = decimalMultiplyResultType({38, 38}, {38, 38});
    ASSERT_EQ(type, (DecimalSpec{38, 37}));
    EXPECT_EQ(mul(a, b, type), "0.1219326311370217952261850327338667886");
    EXPECT_EQ(mul("-" + a, b, type), "-0.1219326311370217952261850327338667886");
    EXPECT_EQ(mul(a, "-" + b, type), "-0.1219326311370217952261850327338667886");
    // 10^19 × 10^19: fits int128 but not DECIMAL(38,0).
    EXPECT_EQ(mul("10000000000000000000", "10000000000000000000", {38, 0}), "overflow");
    EXPECT_EQ(mul("1000000000000000000.0", "1000000000000000000.0", {38, 0}),
              "1" + std::string(36, '0'));
    EXPECT_EQ(mul(kMax38, kMax38, {38, 0}), "overflow");
    EXPECT_EQ(mul(kMax38, "-1", {38, 0}), "-" + kMax38);
    EXPECT_EQ(mul(kAlmostOne38, kAlmostOne38, {38, 37}), "1.0000000000000000000000000000000000000");
}

TEST(DecimalArithmeticTest, MultiplyOverflowIsJudgedAfterRounding) {
    // The exact product has 64 digits at scale 40 (far beyond 10^38 unscaled); rounded to
    // the result scale it has 36 digits and fits.
    const std::string x = "1234567890123.12345678901234567890";
    const DecimalSpec type = decimalMultiplyResultType({33, 20}, {33, 20});
    EXPECT_EQ(mul(x, x, type), "1524157875323060632530193.67918917617");
    EXPECT_EQ(mul(x, x, {38, 6}), "1524157875323060632530193.679189");
    EXPECT_EQ(mul(x, "-" + x, {38, 6}), "-1524157875323060632530193.679189");
    EXPECT_EQ(mul(x, x, {30, 6}), "overflow");
}

// ---- ÷ ----------------------------------------------------------------------------------

TEST(DecimalArithmeticTest, Divide) {
    EXPECT_EQ(divide("1", "3", {10, 6}), "0.333333");
    EXPECT_EQ(divide("2", "3", {10, 6}), "0.666667");
    EXPECT_EQ(divide("-2", "3", {10, 6}), "-0.666667");
    EXPECT_EQ(divide("2", "-3", {10, 6}), "-0.666667");
    EXPECT_EQ(divide("-2", "-3", {10, 6}), "0.666667");
    EXPECT_EQ(divide("1", "8", {5, 2}), "0.13");    // 0.125
    EXPECT_EQ(divide("-1", "8", {5, 2}), "-0.13");  // −0.125
    EXPECT_EQ(divide("10.00", "0.4", {10, 6}), "25.000000");
    EXPECT_EQ(divide("0", "0.4", {10, 6}), "0.000000");
    EXPECT_EQ(divide("7.5", "2", decimalDivideResultType({2, 1}, {1, 0})), "3.750000");
}

TEST(DecimalArithmeticTest, DivideWithNegativeExponent) {
    // result.scale − scaleA + scaleB < 0: the divisor is scaled up instead.
    EXPECT_EQ(divide("1.23456", "2", {10, 2}), "0.62");  // 0.61728
    EXPECT_EQ(divide("0.00005", "1", {10, 4}), "0.0001");
    EXPECT_EQ(divide("-0.00005", "1", {10, 4}), "-0.0001");
    EXPECT_EQ(divide("0.00004", "1", {10, 4}), "0.0000");
    EXPECT_EQ(divide("0.12345678901234567890123456789012345678", "3", {38, 6}), "0.041152");
    EXPECT_EQ(divide("-0.12345678901234567890123456789012345678",
                     "98765432109876543210987654321098765432", {38, 6}),
              "0.000000");
    EXPECT_EQ(divide("0.00000000000000000000000000000000000005", "1", {38, 37}),
              "0.0000000000000000000000000000000000001");
}

TEST(DecimalArithmeticTest, DivideByZero) {
    EXPECT_EQ(divide("1", "0", {10, 6}), "division_by_zero");
    EXPECT_EQ(divide("0", "0.00", {10, 6}), "division_by_zero");
    EXPECT_EQ(divide("-" + kMax38, "0", {38, 6}), "division_by_zero");
}

TEST(DecimalArithmeticTest, DivideLargeOperandsExactly) {
    const std::string a = "12345678901234567890123456789012345678";
    const std::string b = "98765432109876543210987654321098765432";
    ASSERT_EQ(decimalDivideResultType({38, 0}, {38, 0}), (DecimalSpec{38, 6}));
    EXPECT_EQ(divide(a, b, {38, 6}), "0.125000");
    EXPECT_EQ(divide(a, b, {38, 20}), "0.12499999886093750001");
    EXPECT_EQ(divide(b, a, {38, 20}), "8.00000007290000066339");
    EXPECT_EQ(divide(kMax38, "3", {38, 0}), "33333333333333333333333333333333333333");
    EXPECT_EQ(divide(kMax38, "7", {38, 0}), "14285714285714285714285714285714285714");
    EXPECT_EQ(divide(kMax38, "-" + kMax38, {38, 6}), "-1.000000");
    // a × 10^44 needs 256 bits and is divided by a two-limb divisor.
    const DecimalSpec type = decimalDivideResultType({38, 0}, {38, 38});
    ASSERT_EQ(type, (DecimalSpec{38, 6}));
    EXPECT_EQ(divide("12345678901234567890", "0.50000000000000000000000000000000000000", type),
              "24691357802469135780.000000");
    // a × 10^44 does not fit 256 bits: the quotient overflows any DECIMAL.
    EXPECT_EQ(divide(kMax38, "0.50000000000000000000000000000000000000", type), "overflow");
    // DECIMAL(38,10) / DECIMAL(38,30) and (38,37) at their clamped result type (38,6).
    const std::string x = "1234567890123456789012345678.9012345678";
    EXPECT_EQ(divide(x, "98765432.109876543210987654321098765432", {38, 6}),
              "12499999886093750001.423828");
    EXPECT_EQ(divide(x, "9.8765432109876543210987654321098765432", {38, 6}),
              "124999998860937500014238281.249822");
}

TEST(DecimalArithmeticTest, DivideOverflowIsJudgedAfterRounding) {
    EXPECT_EQ(divide("9.9949", "1", {3, 2}), "9.99");
    EXPECT_EQ(divide("9.995", "1", {3, 2}), "overflow");
    EXPECT_EQ(divide("1", "0.001", {3, 0}), "overflow");  // 1000
    EXPECT_EQ(divide("0.999", "0.001", {3, 0}), "999");
}

// ---- % ----------------------------------------------------------------------------------

TEST(DecimalArithmeticTest, ModuloHasTheSignOfTheDividend) {
    EXPECT_EQ(mod("10", "3", {2, 0}), "1");
    EXPECT_EQ(mod("-10", "3", {2, 0}), "-1");
    EXPECT_EQ(mod("10", "-3", {2, 0}), "1");
    EXPECT_EQ(mod("-10", "-3", {2, 0}), "-1");
    EXPECT_EQ(mod("9", "3", {2, 0}), "0");
    EXPECT_EQ(mod("5.5", "2", decimalModuloResultType({2, 1}, {1, 0})), "1.5");
    EXPECT_EQ(mod("-7.25", "2.5", {3, 2}), "-2.25");
    EXPECT_EQ(mod("7.25", "0.1", {3, 2}), "0.05");
    EXPECT_EQ(mod("1", "0.3", {2, 1}), "0.1");
    EXPECT_EQ(mod("0.3", "1", {2, 1}), "0.3");
}

TEST(DecimalArithmeticTest, ModuloLargeAndByZero) {
    EXPECT_EQ(mod("1", "0", {2, 0}), "division_by_zero");
    EXPECT_EQ(mod("1.5", "0.0", {2, 1}), "division_by_zero");
    EXPECT_EQ(mod(kMax38, "10000000000000000000", {19, 0}), "9999999999999999999");
    EXPECT_EQ(mod("-" + kMax38, "10000000000000000000", {19, 0}), "-9999999999999999999");
    // Operands aligned at scale 38: (10^38 − 1) × 10^38 needs 254 bits.
    EXPECT_EQ(mod(kMax38, "0.00000000000000000000000000000000000007", {38, 38}),
              "0.00000000000000000000000000000000000002");
    EXPECT_EQ(mod(kMax38, "0.00000000000000000000000000000000000003", {38, 38}),
              "0." + std::string(38, '0'));
}

// ---- Comparison -------------------------------------------------------------------------

TEST(DecimalCompareTest, AcrossScales) {
    EXPECT_EQ(compare("1.0", "1"), 0);
    EXPECT_EQ(compare("1", "1.000"), 0);
    EXPECT_EQ(compare("1.01", "1.1"), -1);
    EXPECT_EQ(compare("1.1", "1.01"), 1);
    EXPECT_EQ(compare("-1.5", "-1.49"), -1);
    EXPECT_EQ(compare("-1.49", "-1.5"), 1);
    EXPECT_EQ(compare("0", "-0.00"), 0);
    EXPECT_EQ(compare("-0.01", "0"), -1);
    EXPECT_EQ(compare("0.01", "-5"), 1);
    EXPECT_EQ(compare("3", "3"), 0);
    EXPECT_EQ(compare("2", "3"), -1);
}

TEST(DecimalCompareTest, BeyondOneHundredTwentyEightBits) {
    EXPECT_EQ(compare(kMax38, kAlmostOne38), 1);
    EXPECT_EQ(compare(kAlmostOne38, kMax38), -1);
    EXPECT_EQ(compare("-" + kMax38, "-" + kAlmostOne38), -1);
    EXPECT_EQ(compare("1", kAlmostOne38), 1);
    EXPECT_EQ(compare("-1", "-" + kAlmostOne38), -1);
    // 10^37 vs 1.000…0 at scale 37: aligning 10^37 to scale 37 needs 256 bits.
    EXPECT_EQ(compare("1" + std::string(37, '0'), "1." + std::string(37, '0')), 1);
    EXPECT_EQ(compare("-1" + std::string(37, '0'), "-1." + std::string(37, '0')), -1);
    EXPECT_EQ(compare("1." + std::string(37, '0'), "1" + std::string(37, '0')), -1);
    // Equal values at different scales.
    EXPECT_EQ(compare("12345678901234567890", "12345678901234567890.000000000000000000"), 0);
    EXPECT_EQ(compare("12345678901234567890", "12345678901234567890.000000000000000001"), -1);
    EXPECT_EQ(compare("-12345678901234567890", "-12345678901234567890.000000000000000001"), 1);
}

// ---- ROUND, TRUNC, CEIL, FLOOR ----------------------------------------------------------

TEST(DecimalRoundTest, RoundHalfAwayFromZero) {
    EXPECT_EQ(roundAt("2.5", 0, {2, 0}), "3");
    EXPECT_EQ(roundAt("-2.5", 0, {2, 0}), "-3");
    EXPECT_EQ(roundAt("2.4", 0, {2, 0}), "2");
    EXPECT_EQ(roundAt("0.125", 2, {4, 2}), "0.13");
    EXPECT_EQ(roundAt("-0.125", 2, {4, 2}), "-0.13");
    EXPECT_EQ(roundAt("9.99", 1, decimalRoundResultType({3, 2}, 1)), "10.0");
    EXPECT_EQ(roundAt("99.95", 1, decimalRoundResultType({4, 2}, 1)), "100.0");
    EXPECT_EQ(roundAt("9.5", 0, {1, 0}), "overflow");
}

TEST(DecimalRoundTest, RoundWithNegativePlaces) {
    const DecimalSpec type = decimalRoundResultType({5, 1}, -2);
    ASSERT_EQ(type, (DecimalSpec{5, 0}));
    EXPECT_EQ(roundAt("1234.5", -2, type), "1200");
    EXPECT_EQ(roundAt("1250.0", -2, type), "1300");
    EXPECT_EQ(roundAt("-1250.0", -2, type), "-1300");
    EXPECT_EQ(roundAt("49.9", -2, type), "0");
    EXPECT_EQ(roundAt("50.0", -2, type), "100");
    EXPECT_EQ(roundAt("9999.9", -4, type), "10000");
    EXPECT_EQ(roundAt("9999.9", -5, type), "0");
    EXPECT_EQ(roundAt(kMax38, -38, {38, 0}), "overflow");  // 10^38
    EXPECT_EQ(roundAt(kMax38, -39, {38, 0}), "0");
    EXPECT_EQ(roundAt("-" + kMax38, -37, {38, 0}), "overflow");  // −10^38
    EXPECT_EQ(roundAt("-4" + std::string(37, '9'), -37, {38, 0}), "-5" + std::string(37, '0'));
    EXPECT_EQ(roundAt("1234", std::numeric_limits<int64_t>::min(), {5, 0}), "0");
}

TEST(DecimalRoundTest, RoundWithPlacesBeyondTheScaleKeepsTheValue) {
    EXPECT_EQ(roundAt("1.25", 5, decimalRoundResultType({3, 2}, 5)), "1.25");
    EXPECT_EQ(roundAt("1.25", std::numeric_limits<int64_t>::max(), {4, 2}), "1.25");
    EXPECT_EQ(roundAt("-1.25", 2, {4, 2}), "-1.25");
}

TEST(DecimalRoundTest, Truncate) {
    EXPECT_EQ(truncateAt("2.59", 1, {3, 1}), "2.5");
    EXPECT_EQ(truncateAt("-2.59", 1, {3, 1}), "-2.5");
    EXPECT_EQ(truncateAt("2.59", 0, {2, 0}), "2");
    EXPECT_EQ(truncateAt("1299", -2, {5, 0}), "1200");
    EXPECT_EQ(truncateAt("-1299", -2, {5, 0}), "-1200");
    EXPECT_EQ(truncateAt("99", -2, {3, 0}), "0");
    EXPECT_EQ(truncateAt("1.25", 9, {4, 2}), "1.25");
    EXPECT_EQ(truncateAt(kAlmostOne38, 37, {38, 37}), "0." + std::string(37, '9'));
}

TEST(DecimalRoundTest, CeilAndFloor) {
    const DecimalSpec type = decimalRoundToIntegerResultType({5, 4});
    EXPECT_EQ(ceilOf("1.1", type), "2");
    EXPECT_EQ(ceilOf("-1.1", type), "-1");
    EXPECT_EQ(ceilOf("2.0", type), "2");
    EXPECT_EQ(ceilOf("0.0001", type), "1");
    EXPECT_EQ(ceilOf("-0.9", type), "0");
    EXPECT_EQ(floorOf("1.9", type), "1");
    EXPECT_EQ(floorOf("-1.1", type), "-2");
    EXPECT_EQ(floorOf("-0.0001", type), "-1");
    EXPECT_EQ(floorOf("-2.0", type), "-2");
    EXPECT_EQ(floorOf("0.9999", type), "0");
    EXPECT_EQ(ceilOf(kAlmostOne38, {1, 0}), "1");
    EXPECT_EQ(floorOf("-" + kAlmostOne38, {1, 0}), "-1");
    EXPECT_EQ(ceilOf("9.1", {1, 0}), "overflow");
    const std::string nines37 = std::string(37, '9');
    EXPECT_EQ(ceilOf(nines37 + ".1", {37, 0}), "overflow");  // 10^37
    EXPECT_EQ(ceilOf(nines37 + ".1", {38, 0}), "1" + std::string(37, '0'));
    EXPECT_EQ(floorOf(nines37 + ".1", {37, 0}), nines37);
    EXPECT_EQ(floorOf("-" + nines37 + ".1", {37, 0}), "overflow");
    EXPECT_EQ(ceilOf("-" + nines37 + ".1", {37, 0}), "-" + nines37);
}

// ---- Conversions --------------------------------------------------------------------------

TEST(DecimalConversionTest, FromInt64) {
    EXPECT_EQ(fromInt64(42, {5, 2}), "42.00");
    EXPECT_EQ(fromInt64(-5, {1, 0}), "-5");
    EXPECT_EQ(fromInt64(10, {1, 0}), "overflow");
    EXPECT_EQ(fromInt64(std::numeric_limits<int64_t>::min(), kBigintAsDecimal),
              "-9223372036854775808");
    EXPECT_EQ(fromInt64(std::numeric_limits<int64_t>::max(), {38, 19}),
              "9223372036854775807.0000000000000000000");
    EXPECT_EQ(fromInt64(std::numeric_limits<int64_t>::max(), {38, 20}), "overflow");
    EXPECT_EQ(fromInt64(std::numeric_limits<int64_t>::min(), {38, 38}), "overflow");
}

TEST(DecimalConversionTest, FromDoubleIsExactAndRoundsHalfAwayFromZero) {
    EXPECT_EQ(fromDouble(0.1, {10, 4}), "0.1000");
    EXPECT_EQ(fromDouble(2.675, {10, 2}), "2.67");  // the double is 2.67499999…
    EXPECT_EQ(fromDouble(-2.675, {10, 2}), "-2.67");
    EXPECT_EQ(fromDouble(1.005, {10, 2}), "1.00");  // 1.00499999…
    EXPECT_EQ(fromDouble(0.125, {10, 2}), "0.13");  // exactly representable tie
    EXPECT_EQ(fromDouble(-0.125, {10, 2}), "-0.13");
    EXPECT_EQ(fromDouble(2.5, {1, 0}), "3");
    EXPECT_EQ(fromDouble(-2.5, {1, 0}), "-3");
    EXPECT_EQ(fromDouble(0.5, {1, 0}), "1");
    EXPECT_EQ(fromDouble(0.49999999999999994, {1, 0}), "0");
    EXPECT_EQ(fromDouble(123456789.125, {12, 2}), "123456789.13");
    EXPECT_EQ(fromDouble(1e20, {38, 2}), "100000000000000000000.00");
    EXPECT_EQ(fromDouble(0.1, {38, 38}), "0.10000000000000000555111512312578270212");
    EXPECT_EQ(fromDouble(1e38, {38, 0}), "99999999999999997748809823456034029568");
    EXPECT_EQ(fromDouble(0.0, {5, 2}), "0.00");
    EXPECT_EQ(fromDouble(-0.0, {5, 2}), "0.00");
    EXPECT_EQ(fromDouble(5e-324, {38, 38}), "0." + std::string(38, '0'));
    EXPECT_EQ(fromDouble(-1e-39, {38, 38}), "0." + std::string(38, '0'));
    EXPECT_EQ(fromDouble(6e-39, {38, 38}), kEpsilon38);
}

TEST(DecimalConversionTest, FromDoubleRejectsNonFiniteAndOverflow) {
    EXPECT_EQ(fromDouble(std::numeric_limits<double>::quiet_NaN(), {10, 2}), "invalid");
    EXPECT_EQ(fromDouble(std::numeric_limits<double>::infinity(), {10, 2}), "invalid");
    EXPECT_EQ(fromDouble(-std::numeric_limits<double>::infinity(), {10, 2}), "invalid");
    EXPECT_EQ(fromDouble(1e39, {38, 0}), "overflow");
    EXPECT_EQ(fromDouble(-1e300, {38, 0}), "overflow");
    EXPECT_EQ(fromDouble(std::numeric_limits<double>::max(), {38, 0}), "overflow");
    EXPECT_EQ(fromDouble(1e20, {38, 19}), "overflow");
    EXPECT_EQ(fromDouble(99.995, {4, 2}), "overflow");  // 99.99500000000000454…
    EXPECT_EQ(fromDouble(99.994, {4, 2}), "99.99");
}

TEST(DecimalConversionTest, ToInt64RoundsHalfAwayFromZero) {
    EXPECT_EQ(toInt64("2.5"), "3");
    EXPECT_EQ(toInt64("-2.5"), "-3");
    EXPECT_EQ(toInt64("2.4"), "2");
    EXPECT_EQ(toInt64("-2.4"), "-2");
    EXPECT_EQ(toInt64("42"), "42");
    EXPECT_EQ(toInt64(kAlmostOne38), "1");
    EXPECT_EQ(toInt64("0.49999"), "0");
}

TEST(DecimalConversionTest, ToInt64Overflow) {
    EXPECT_EQ(toInt64("9223372036854775807"), "9223372036854775807");
    EXPECT_EQ(toInt64("9223372036854775807.4"), "9223372036854775807");
    EXPECT_EQ(toInt64("9223372036854775807.5"), "overflow");
    EXPECT_EQ(toInt64("9223372036854775808"), "overflow");
    EXPECT_EQ(toInt64("-9223372036854775808"), "-9223372036854775808");
    EXPECT_EQ(toInt64("-9223372036854775808.4"), "-9223372036854775808");
    EXPECT_EQ(toInt64("-9223372036854775808.5"), "overflow");
    EXPECT_EQ(toInt64(kMax38), "overflow");
}

TEST(DecimalConversionTest, ToDoubleIsCorrectlyRounded) {
    EXPECT_EQ(toDouble("123.45"), 123.45);
    EXPECT_EQ(toDouble("0.1"), 0.1);
    EXPECT_EQ(toDouble("-0.05"), -0.05);
    EXPECT_EQ(toDouble("0"), 0.0);
    EXPECT_EQ(toDouble("9007199254740993"), 9007199254740993.0);  // 2^53 + 1: ties to even
    EXPECT_EQ(toDouble("9007199254740992.0000000000000000000000"), 9007199254740992.0);
    EXPECT_EQ(toDouble(kMax38), 1e38);
    EXPECT_EQ(toDouble("-" + kMax38), -1e38);
    EXPECT_EQ(toDouble(kEpsilon38), 1e-38);
    EXPECT_EQ(toDouble("0.12345678901234567890123456789012345678"),
              0.12345678901234567890123456789012345678);
    EXPECT_EQ(toDouble("1234567890123456789.0123456789"), 1234567890123456789.0123456789);
    EXPECT_EQ(toDouble("-98765432109876543210987654321.098765432"),
              -98765432109876543210987654321.098765432);
    EXPECT_EQ(decimalToDouble(std::numeric_limits<int128_t>::min(), 0),
              -170141183460469231731687303715884105728.0);
}

// ---- Parse --------------------------------------------------------------------------------

TEST(DecimalParseTest, PlainNumbers) {
    EXPECT_EQ(parse("123.45", {10, 2}), "123.45");
    EXPECT_EQ(parse("-0.05", {5, 2}), "-0.05");
    EXPECT_EQ(parse("+7", {3, 0}), "7");
    EXPECT_EQ(parse("12", {5, 2}), "12.00");
    EXPECT_EQ(parse("-0", {5, 2}), "0.00");
    EXPECT_EQ(parse("0", {1, 0}), "0");
    EXPECT_EQ(parse("007.50", {5, 2}), "7.50");
    EXPECT_EQ(parse("999", {3, 0}), "999");
    EXPECT_EQ(parse("99.9", {3, 1}), "99.9");
    EXPECT_EQ(parse("123456789012345678", {38, 0}), "123456789012345678");    // fast path
    EXPECT_EQ(parse("1234567890123456789", {38, 0}), "1234567890123456789");  // general path
    EXPECT_EQ(parse("12345678901234567.8", {38, 1}), "12345678901234567.8");
    EXPECT_EQ(parse("-1234567890123456.78", {38, 4}), "-1234567890123456.7800");
    EXPECT_EQ(parse(kMax38, {38, 0}), kMax38);
    EXPECT_EQ(parse("-" + kAlmostOne38, {38, 38}), "-" + kAlmostOne38);
}

TEST(DecimalParseTest, Exponents) {
    EXPECT_EQ(parse("1.5E+2", {5, 0}), "150");
    EXPECT_EQ(parse("1.5e2", {5, 2}), "150.00");
    EXPECT_EQ(parse("15e-1", {3, 1}), "1.5");
    EXPECT_EQ(parse("1E-2", {5, 2}), "0.01");
    EXPECT_EQ(parse("-2.5E-3", {10, 4}), "-0.0025");
    EXPECT_EQ(parse("1.23E0", {3, 2}), "1.23");
    EXPECT_EQ(parse("0.00012e4", {3, 1}), "1.2");
    EXPECT_EQ(parse("1e37", {38, 0}), "1" + std::string(37, '0'));
    EXPECT_EQ(parse("1e38", {38, 0}), "overflow");
    EXPECT_EQ(parse("1e999999999999999999999", {38, 0}), "overflow");
    EXPECT_EQ(parse("1e-999999999999999999999", {38, 38}), "too_many_digits");
    EXPECT_EQ(parse("0e999999999999999999999", {5, 2}), "0.00");
    EXPECT_EQ(parse("-0.0e-99999", {5, 2}), "0.00");
}

TEST(DecimalParseTest, TrailingZerosBeyondTheScaleAreAllowed) {
    EXPECT_EQ(parse("1.50", {5, 1}), "1.5");
    EXPECT_EQ(parse("1.500000000000000000000000000000000000000000", {5, 1}), "1.5");
    EXPECT_EQ(parse("0.000", {1, 0}), "0");
    EXPECT_EQ(parse("1200e-2", {2, 0}), "12");
    EXPECT_EQ(parse("-3.0000", {1, 0}), "-3");
}

TEST(DecimalParseTest, TooManyDigitsAndOverflow) {
    EXPECT_EQ(parse("1.55", {5, 1}), "too_many_digits");
    EXPECT_EQ(parse("1E-3", {5, 2}), "too_many_digits");
    EXPECT_EQ(parse("0.0000000001", {10, 2}), "too_many_digits");
    EXPECT_EQ(parse("1.5000000000000000000000000000000000000000001", {5, 1}), "too_many_digits");
    EXPECT_EQ(parse("1000", {3, 0}), "overflow");
    EXPECT_EQ(parse("100.0", {3, 1}), "overflow");
    EXPECT_EQ(parse("1e3", {3, 0}), "overflow");
    EXPECT_EQ(parse(kTen38, {38, 0}), "overflow");
    EXPECT_EQ(parse("1.0", {1, 1}), "overflow");
    EXPECT_EQ(parse("123456789012345678", {17, 0}), "overflow");
    EXPECT_EQ(parse("12345678901234567", {17, 0}), "12345678901234567");
    EXPECT_EQ(parse("1", {18, 18}), "overflow");
}

TEST(DecimalParseTest, LenientForms) {
    // Not produced by JSON, accepted for CAST(text AS DECIMAL): a bare leading or trailing '.'.
    EXPECT_EQ(parse(".5", {2, 1}), "0.5");
    EXPECT_EQ(parse("-.5", {2, 1}), "-0.5");
    EXPECT_EQ(parse("1.", {2, 1}), "1.0");
    EXPECT_EQ(parse("5.e1", {2, 0}), "50");
    EXPECT_EQ(parse(".5e1", {2, 0}), "5");
}

TEST(DecimalParseTest, MalformedTextIsInvalid) {
    for (const char* text :
         {"", "-", "+", ".", "-.", "+.", "e5", ".e1", "1e", "1e+", "1e-", "1E", " 1", "1 ", "\t1",
          "1.2.3", "1..2", "--1", "+-1", "0x10", "NaN", "nan", "Infinity", "-inf", "1,5", "1e5.5",
          "1e+-5", "1f", "12a", "abc", "١"}) {
        EXPECT_EQ(parse(text, {10, 2}), "invalid") << "text: \"" << text << "\"";
        EXPECT_EQ(parseRounding(text, {10, 2}), "invalid") << "text: \"" << text << "\"";
    }
    EXPECT_EQ(parse(std::string_view("1\0", 2), {10, 2}), "invalid");
}

TEST(DecimalParseTest, RoundingVariantRoundsHalfAwayFromZero) {
    EXPECT_EQ(parseRounding("1.55", {5, 1}), "1.6");
    EXPECT_EQ(parseRounding("-1.55", {5, 1}), "-1.6");
    EXPECT_EQ(parseRounding("1.549", {5, 1}), "1.5");
    EXPECT_EQ(parseRounding("0.125", {3, 2}), "0.13");
    EXPECT_EQ(parseRounding("2.5", {1, 0}), "3");
    EXPECT_EQ(parseRounding("-2.5", {1, 0}), "-3");
    EXPECT_EQ(parseRounding("5e-3", {5, 2}), "0.01");
    EXPECT_EQ(parseRounding("-5e-3", {5, 2}), "-0.01");
    EXPECT_EQ(parseRounding("4.9999e-3", {5, 2}), "0.00");
    EXPECT_EQ(parseRounding("0.0005", {5, 2}), "0.00");
    EXPECT_EQ(parseRounding("1e-999999999999999999999", {38, 38}), "0." + std::string(38, '0'));
    EXPECT_EQ(parseRounding("12.34", {5, 2}), "12.34");
    EXPECT_EQ(parseRounding("0.99999999999999999999999999999999999999999", {38, 38}),
              "overflow");  // rounds to 1
    EXPECT_EQ(parseRounding("9.995", {3, 2}), "overflow");  // judged after rounding
    EXPECT_EQ(parseRounding("9.994", {3, 2}), "9.99");
    EXPECT_EQ(parseRounding("1000", {3, 0}), "overflow");
}

// ---- Format ---------------------------------------------------------------------------------

TEST(DecimalFormatTest, PlainNotationWithExactScale) {
    EXPECT_EQ(decimalToString(0, 0), "0");
    EXPECT_EQ(decimalToString(0, 2), "0.00");
    EXPECT_EQ(decimalToString(-5, 2), "-0.05");
    EXPECT_EQ(decimalToString(5, 1), "0.5");
    EXPECT_EQ(decimalToString(12, 0), "12");
    EXPECT_EQ(decimalToString(1872300, 4), "187.2300");
    EXPECT_EQ(decimalToString(-1872300, 4), "-187.2300");
    EXPECT_EQ(decimalToString(100, 2), "1.00");
    EXPECT_EQ(decimalToString(big(kMax38), 0), kMax38);
    EXPECT_EQ(decimalToString(big(kMax38), 38), kAlmostOne38);
    EXPECT_EQ(decimalToString(-big(kMax38), 38), "-" + kAlmostOne38);
    EXPECT_EQ(decimalToString(1, 38), kEpsilon38);
    EXPECT_EQ(decimalToString(big("10000000000000000000"), 19), "1.0000000000000000000");
    EXPECT_EQ(decimalToString(big("18446744073709551616"), 0), "18446744073709551616");
    EXPECT_EQ(decimalToString(std::numeric_limits<int128_t>::max(), 38),
              "1.70141183460469231731687303715884105727");
    EXPECT_EQ(decimalToString(std::numeric_limits<int128_t>::min(), 0),
              "-170141183460469231731687303715884105728");
}

TEST(DecimalFormatTest, WritesOnlyTheReturnedBytes) {
    char buffer[kDecimalMaxChars + 8];
    std::memset(buffer, '#', sizeof(buffer));
    const size_t length = decimalFormat(std::numeric_limits<int128_t>::min(), 38, buffer);
    EXPECT_EQ(std::string(buffer, length), "-1.70141183460469231731687303715884105728");
    EXPECT_LE(length, kDecimalMaxChars);
    for (size_t i = length; i < sizeof(buffer); ++i) ASSERT_EQ(buffer[i], '#') << i;
}

TEST(DecimalFormatTest, RoundTripsThroughParse) {
    std::mt19937_64 random(20240601);
    for (int i = 0; i < 20000; ++i) {
        const int precision = 1 + static_cast<int>(random() % 38);
        const int scale = static_cast<int>(random() % static_cast<uint64_t>(precision + 1));
        const int digits = 1 + static_cast<int>(random() % static_cast<uint64_t>(precision));
        int128_t value = 0;
        for (int d = 0; d < digits; ++d) value = value * 10 + static_cast<int>(random() % 10);
        if (random() % 2 == 0) value = -value;
        const std::string text = decimalToString(value, scale);
        ASSERT_EQ(text, plain(value, scale));
        int128_t parsed = 0;
        ASSERT_EQ(decimalParse(text, {precision, scale}, parsed), DecimalStatus::kOk) << text;
        ASSERT_EQ(integerText(parsed), integerText(value)) << text;
    }
}

// ---- The 256-bit helper --------------------------------------------------------------------

TEST(UInt256Test, MultiplyFull) {
    const uint128_t max128 = ~uint128_t{0};
    const UInt256 product = multiply(max128, max128);  // 2^256 − 2^129 + 1
    EXPECT_EQ(product.limbs[0], 1u);
    EXPECT_EQ(product.limbs[1], 0u);
    EXPECT_EQ(product.limbs[2], 0xfffffffffffffffeULL);
    EXPECT_EQ(product.limbs[3], 0xffffffffffffffffULL);
    UInt256 out;
    EXPECT_FALSE(multiplyOverflow(UInt256(max128), UInt256(max128), out));
    EXPECT_EQ(out, product);
    EXPECT_TRUE(multiplyOverflow(product, UInt256(2), out));
}

TEST(UInt256Test, PowersOfTen) {
    EXPECT_EQ(kPow10Wide[0], UInt256(1));
    EXPECT_EQ(kPow10Wide[38].low128(), static_cast<uint128_t>(pow10(38)));
    const UInt256& top = kPow10Wide[77];
    EXPECT_EQ(top.limbs[0], 0u);
    EXPECT_EQ(top.limbs[1], 0xaa987b6e6fd2a000ULL);
    EXPECT_EQ(top.limbs[2], 0x49ef0eb713f39ebeULL);
    EXPECT_EQ(top.limbs[3], 0xdd15fe86affad912ULL);
    UInt256 out;
    EXPECT_TRUE(multiplyOverflow(top, UInt256(10), out));
}

TEST(UInt256Test, DivideKnownVectors) {
    // Each case makes Knuth's algorithm D take its rare "add back" step.
    struct Case {
        std::array<uint64_t, 4> numerator, divisor, quotient, remainder;
    };
    const Case cases[] = {
        {{0x8000000000000000ULL, 0x0000000000000001ULL, 0x8000000000000000ULL,
          0x7fffffffffffffffULL},
         {0xfc77445d0df5f05eULL, 0x0000000000000000ULL, 0x8000000000000000ULL, 0},
         {0xfffffffffffffffeULL, 0, 0, 0},
         {0x78ee88ba1bebe0bcULL, 0x0388bba2f20a0fa5ULL, 0x7fffffffffffffffULL, 0}},
        {{0x8000000000000000ULL, 0x0000000000000002ULL, 0x0000000000000001ULL,
          0xfffffffffffffffeULL},
         {0x8000000000000001ULL, 0x0000000000000001ULL, 0xfffffffffffffffeULL, 0},
         {0xffffffffffffffffULL, 0, 0, 0},
         {0x0000000000000001ULL, 0x8000000000000003ULL, 0xfffffffffffffffdULL, 0}},
        {{0x0000000000000002ULL, 0x40ed142230d990d3ULL, 0xffffffffffffffffULL,
          0xffffffffffffffffULL},
         {0x8000000000000000ULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL, 0},
         {0xffffffffffffffffULL, 0, 0, 0},
         {0x8000000000000002ULL, 0xc0ed142230d990d2ULL, 0xffffffffffffffffULL, 0}},
    };
    for (const Case& c : cases) {
        UInt256 numerator, divisor, quotient, remainder;
        numerator.limbs = c.numerator;
        divisor.limbs = c.divisor;
        divideWithRemainder(numerator, divisor, quotient, remainder);
        EXPECT_EQ(quotient.limbs, c.quotient);
        EXPECT_EQ(remainder.limbs, c.remainder);
    }
}

TEST(UInt256Test, DivideSatisfiesTheDivisionIdentity) {
    // numerator = quotient × divisor + remainder with remainder < divisor, on limbs biased
    // towards the edge values that break division code.
    std::mt19937_64 random(7);
    const uint64_t edges[] = {0, 1, 2, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
                              0x8000000000000001ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL};
    auto limb = [&] { return random() % 3 == 0 ? random() : edges[random() % 8]; };
    for (int i = 0; i < 200000; ++i) {
        UInt256 numerator, divisor;
        const int numeratorLimbs = 1 + static_cast<int>(random() % 4);
        const int divisorLimbs = 1 + static_cast<int>(random() % 4);
        for (int l = 0; l < numeratorLimbs; ++l) numerator.limbs[l] = limb();
        for (int l = 0; l < divisorLimbs; ++l) divisor.limbs[l] = limb();
        if (divisor.isZero()) continue;
        UInt256 quotient, remainder, check;
        divideWithRemainder(numerator, divisor, quotient, remainder);
        ASSERT_TRUE(remainder < divisor) << i;
        ASSERT_FALSE(multiplyOverflow(quotient, divisor, check)) << i;
        ASSERT_FALSE(addOverflow(check, remainder, check)) << i;
        ASSERT_EQ(check, numerator) << i;
    }
}

TEST(UInt256Test, Shifts) {
    const UInt256 one(1);
    EXPECT_EQ(shiftLeft(one, 200).limbs[3], uint64_t{1} << 8);
    EXPECT_EQ(shiftRight(shiftLeft(one, 200), 200), one);
    EXPECT_EQ(shiftRight(shiftLeft(one, 255), 255), one);
    EXPECT_EQ(shiftLeft(one, 255).bitWidth(), 256);
    EXPECT_TRUE(shiftLeft(one, 130).testBit(130));
    EXPECT_FALSE(shiftLeft(one, 130).testBit(129));
}

}  // namespace
}  // namespace ferris::types
