#include "types/decimal.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "common/check.h"
#include "types/int256.h"

namespace ferris::types {

namespace {

/// 10^n for 0 ≤ n ≤ 38: the unscaled bound of DECIMAL(n) and the rescaling factors.
constexpr std::array<int128_t, kMaxDecimalPrecision + 1> kPow10 = [] {
    std::array<int128_t, kMaxDecimalPrecision + 1> table{};
    table[0] = 1;
    for (int i = 1; i <= kMaxDecimalPrecision; ++i) table[i] = table[i - 1] * 10;
    return table;
}();

/// 10^n for 0 ≤ n ≤ 19, for the 64-bit parse fast path.
constexpr std::array<uint64_t, 20> kPow10U64 = [] {
    std::array<uint64_t, 20> table{};
    table[0] = 1;
    for (int i = 1; i < 20; ++i) table[i] = table[i - 1] * 10;
    return table;
}();

/// How a digit-dropping step rounds.
enum class RoundingMode : uint8_t {
    kHalfAwayFromZero,  ///< ROUND, CAST, rescale, division
    kTowardZero,        ///< TRUNC
    kCeiling,           ///< CEIL
    kFloor,             ///< FLOOR
};

/// |value|, defined for INT128_MIN too.
uint128_t magnitudeOf(int128_t value) {
    return value < 0 ? uint128_t{0} - static_cast<uint128_t>(value)
                     : static_cast<uint128_t>(value);
}

/// Scales and specs come from the planner: a bad one is a bug, not bad data.
void checkScale(int scale) {
    FERRIS_CHECK(scale >= 0 && scale <= kMaxDecimalPrecision,
                 fmt::format("decimal scale {} outside [0, 38]", scale));
}

void checkSpec(DecimalSpec spec) {
    FERRIS_CHECK(spec.precision >= 1 && spec.precision <= kMaxDecimalPrecision &&
                     spec.scale >= 0 && spec.scale <= kMaxDecimalPrecision,
                 fmt::format("bad DECIMAL({},{})", spec.precision, spec.scale));
}

/// Whether a quotient with remainder `rest` (of `divisor`) moves one unit away from zero.
bool roundsAway(const UInt256& rest, const UInt256& divisor, bool negative, RoundingMode mode) {
    if (rest.isZero()) return false;
    switch (mode) {
        case RoundingMode::kHalfAwayFromZero: return rest >= subtract(divisor, rest);  // 2r ≥ d
        case RoundingMode::kTowardZero: return false;
        case RoundingMode::kCeiling: return !negative;
        case RoundingMode::kFloor: return negative;
    }
    return false;
}

/// magnitude / divisor rounded by `mode` (the sign only matters for ceiling/floor).
UInt256 divideRounded(const UInt256& magnitude, const UInt256& divisor, bool negative,
                      RoundingMode mode) {
    UInt256 quotient, rest;
    divideWithRemainder(magnitude, divisor, quotient, rest);
    if (roundsAway(rest, divisor, negative, mode)) {
        addOverflow(quotient, UInt256(1), quotient);  // quotient < 2^256 − 1: no carry out
    }
    return quotient;
}

/// Multiplies an exact magnitude by 10^shift (shift ≥ 0) or divides it by 10^−shift with
/// rounding. Returns false when the product does not fit 256 bits (the value then overflows
/// any DECIMAL).
bool shiftScale(UInt256& magnitude, bool negative, int64_t shift, RoundingMode mode) {
    if (shift == 0 || magnitude.isZero()) return true;
    if (shift > 0) {
        if (shift > kMaxPow10In256) return false;
        return !multiplyOverflow(magnitude, kPow10Wide[shift], magnitude);
    }
    if (-shift > kMaxPow10In256) {
        // 10^78 / 2 > 2^256 > magnitude > 0: only ceiling/floor can give a unit.
        const bool away = (mode == RoundingMode::kCeiling && !negative) ||
                          (mode == RoundingMode::kFloor && negative);
        magnitude = UInt256(away ? 1 : 0);
        return true;
    }
    magnitude = divideRounded(magnitude, kPow10Wide[-shift], negative, mode);
    return true;
}

/// Stores ±magnitude in `out` when magnitude < 10^precision.
DecimalStatus finish(bool negative, const UInt256& magnitude, int precision, int128_t& out) {
    if (!magnitude.fitsUInt128()) return DecimalStatus::kOverflow;
    const uint128_t value = magnitude.low128();
    if (value >= static_cast<uint128_t>(kPow10[precision])) return DecimalStatus::kOverflow;
    out = negative ? -static_cast<int128_t>(value) : static_cast<int128_t>(value);
    return DecimalStatus::kOk;
}

/// The exact value ±magnitude × 10^shift, rounded by `mode`, checked against `precision`.
DecimalStatus finishShifted(bool negative, UInt256 magnitude, int64_t shift, RoundingMode mode,
                            int precision, int128_t& out) {
    if (!shiftScale(magnitude, negative, shift, mode)) return DecimalStatus::kOverflow;
    return finish(negative, magnitude, precision, out);
}

/// value / 10^digits rounded half away from zero, 0 ≤ digits ≤ 38 (cannot overflow).
int128_t divideByPow10HalfAway(int128_t value, int digits) {
    if (digits == 0) return value;
    const int128_t divisor = kPow10[digits];
    int128_t quotient = value / divisor;
    const uint128_t rest = magnitudeOf(value % divisor);
    if (rest * 2 >= static_cast<uint128_t>(divisor)) quotient += value < 0 ? -1 : 1;
    return quotient;
}

/// value × 10^shift rounded half away from zero, checked against `precision`. In 128 bits
/// for |shift| ≤ 38 (a product that overflows int128 overflows every DECIMAL anyway).
DecimalStatus rescaleValue(int128_t value, int64_t shift, int precision, int128_t& out) {
    if (shift >= 0 && shift <= kMaxDecimalPrecision) {
        int128_t scaled;
        if (!__builtin_mul_overflow(value, kPow10[shift], &scaled)) {
            return finish(scaled < 0, UInt256(magnitudeOf(scaled)), precision, out);
        }
        return DecimalStatus::kOverflow;  // |scaled| ≥ 2^127 > 10^38
    }
    if (shift < 0 && shift >= -kMaxDecimalPrecision) {
        const int128_t rounded = divideByPow10HalfAway(value, static_cast<int>(-shift));
        return finish(rounded < 0, UInt256(magnitudeOf(rounded)), precision, out);
    }
    return finishShifted(value < 0, UInt256(magnitudeOf(value)), shift,
                         RoundingMode::kHalfAwayFromZero, precision, out);
}

/// a ± b (b's sign already applied) computed exactly at scale max(scaleA, scaleB), then
/// rescaled to the result.
DecimalStatus addSigned(int128_t a, int scaleA, bool bNegative, uint128_t bMagnitude,
                        int scaleB, DecimalSpec result, int128_t& out) {
    const int common = std::max(scaleA, scaleB);
    UInt256 x = multiply(magnitudeOf(a), static_cast<uint128_t>(kPow10[common - scaleA]));
    UInt256 y = multiply(bMagnitude, static_cast<uint128_t>(kPow10[common - scaleB]));
    const bool xNegative = a < 0;
    bool negative;
    UInt256 sum;
    if (xNegative == bNegative) {
        negative = xNegative;
        addOverflow(x, y, sum);  // each < 2^255: no carry out
    } else if (x >= y) {
        negative = xNegative;
        sum = subtract(x, y);
    } else {
        negative = bNegative;
        sum = subtract(y, x);
    }
    return finishShifted(negative, sum, result.scale - common, RoundingMode::kHalfAwayFromZero,
                         result.precision, out);
}

/// Rounds `value` (scale `scale`) to `places` fractional digits by `mode` (places may be
/// negative: −2 rounds to hundreds), then expresses it at result.scale. `places` above the
/// result scale is lowered to it so that a value is never rounded twice.
DecimalStatus roundToPlaces(int128_t value, int scale, int64_t places, RoundingMode mode,
                            DecimalSpec result, int128_t& out) {
    checkScale(scale);
    checkSpec(result);
    // Beyond ±80 places every input rounds the same way (|value| < 2^128 < 10^39).
    const int64_t kept = std::clamp<int64_t>(std::min<int64_t>(places, result.scale), -80, 80);
    const bool negative = value < 0;
    UInt256 magnitude(magnitudeOf(value));
    if (kept < scale && !shiftScale(magnitude, negative, kept - scale, mode)) {
        return DecimalStatus::kOverflow;
    }
    const int64_t from = std::min<int64_t>(kept, scale);
    return finishShifted(negative, magnitude, result.scale - from, mode, result.precision, out);
}

// ---- Text -------------------------------------------------------------------------------

constexpr uint64_t kTen19 = 10'000'000'000'000'000'000ULL;

/// "00" … "99": formatting writes two digits per division.
constexpr std::array<char, 200> kDigitPairs = [] {
    std::array<char, 200> table{};
    for (int i = 0; i < 100; ++i) {
        table[2 * i] = static_cast<char>('0' + i / 10);
        table[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return table;
}();

/// Writes the decimal digits of `value` so that they end just before `end`; returns where
/// they start.
char* writeDigitsBackward(uint64_t value, char* end) {
    while (value >= 100) {
        end -= 2;
        std::memcpy(end, &kDigitPairs[2 * (value % 100)], 2);
        value /= 100;
    }
    if (value >= 10) {
        end -= 2;
        std::memcpy(end, &kDigitPairs[2 * value], 2);
    } else {
        *--end = static_cast<char>('0' + value);
    }
    return end;
}

/// Writes exactly 19 digits of `value` < 10^19 (zero-padded) ending just before `end`.
void writeNineteenDigitsBackward(uint64_t value, char* end) {
    for (int i = 0; i < 9; ++i) {
        end -= 2;
        std::memcpy(end, &kDigitPairs[2 * (value % 100)], 2);
        value /= 100;
    }
    *--end = static_cast<char>('0' + value);
}

/// Decimal text split into its parts by parseSyntax.
struct DecimalText {
    bool negative = false;
    std::string_view integerDigits;
    std::string_view fractionDigits;
    int64_t exponent = 0;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// [+-] digits [. [digits]] | [+-] . digits, then optionally [eE] [+-] digits. The exponent
/// saturates at ±10^12, far beyond anything that can still fit (or matter).
bool parseSyntax(std::string_view text, DecimalText& parts) {
    const size_t size = text.size();
    size_t i = 0;
    if (i < size && (text[i] == '+' || text[i] == '-')) {
        parts.negative = text[i] == '-';
        ++i;
    }
    size_t begin = i;
    while (i < size && isDigit(text[i])) ++i;
    parts.integerDigits = text.substr(begin, i - begin);
    if (i < size && text[i] == '.') {
        begin = ++i;
        while (i < size && isDigit(text[i])) ++i;
        parts.fractionDigits = text.substr(begin, i - begin);
    }
    if (parts.integerDigits.empty() && parts.fractionDigits.empty()) return false;
    if (i < size && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exponentNegative = false;
        if (i < size && (text[i] == '+' || text[i] == '-')) {
            exponentNegative = text[i] == '-';
            ++i;
        }
        if (i == size || !isDigit(text[i])) return false;
        constexpr int64_t kExponentLimit = 1'000'000'000'000;
        int64_t exponent = 0;
        while (i < size && isDigit(text[i])) {
            exponent = std::min(exponent * 10 + (text[i] - '0'), kExponentLimit);
            ++i;
        }
        parts.exponent = exponentNegative ? -exponent : exponent;
    }
    return i == size;
}

/// The general parser: any length, exponent, digits to drop. The significant digits S (no
/// leading zeros, L of them) and the text's exponent give the unscaled value S × 10^shift;
/// the first L + shift digits of S are kept.
DecimalStatus parseGeneral(std::string_view text, DecimalSpec to, bool rounding, int128_t& out) {
    checkSpec(to);
    DecimalText parts;
    if (!parseSyntax(text, parts)) return DecimalStatus::kInvalid;
    const std::string_view integer = parts.integerDigits;
    const std::string_view fraction = parts.fractionDigits;
    const int64_t total = static_cast<int64_t>(integer.size() + fraction.size());
    auto digitAt = [&](int64_t index) {  // index into integer ++ fraction
        const auto position = static_cast<size_t>(index);
        return position < integer.size() ? integer[position] - '0'
                                         : fraction[position - integer.size()] - '0';
    };
    int64_t first = 0;
    while (first < total && digitAt(first) == 0) ++first;
    if (first == total) {
        out = 0;
        return DecimalStatus::kOk;
    }
    const int64_t length = total - first;
    const int64_t shift = parts.exponent - static_cast<int64_t>(fraction.size()) + to.scale;
    const int64_t keptDigits = length + shift;  // integer digits of the unscaled result
    bool roundUp = false;
    if (shift < 0) {
        const int64_t firstDropped = std::max<int64_t>(keptDigits, 0);
        if (rounding) {
            roundUp = keptDigits >= 0 && digitAt(first + keptDigits) >= 5;
        } else {
            for (int64_t k = firstDropped; k < length; ++k) {
                if (digitAt(first + k) != 0) return DecimalStatus::kTooManyDigits;
            }
        }
    }
    if (keptDigits > to.precision) return DecimalStatus::kOverflow;
    uint128_t value = 0;
    for (int64_t k = 0; k < std::min(keptDigits, length); ++k) {
        value = value * 10 + static_cast<unsigned>(digitAt(first + k));
    }
    if (shift > 0) value *= static_cast<uint128_t>(kPow10[shift]);  // keptDigits ≤ 38: fits
    if (roundUp) ++value;
    return finish(parts.negative, UInt256(value), to.precision, out);
}

/// Plain "[+-]digits[.digits]" with at most 18 digits and no more fractional digits than the
/// scale: one uint64 accumulation. Returns false to hand over to parseGeneral.
bool parseFast(std::string_view text, DecimalSpec to, DecimalStatus& status, int128_t& out) {
    const char* p = text.data();
    const char* end = p + text.size();
    bool negative = false;
    if (p < end && (*p == '-' || *p == '+')) {
        negative = *p == '-';
        ++p;
    }
    uint64_t value = 0;
    int digits = 0;
    int fractionDigits = 0;
    const char* start = p;
    while (p < end && isDigit(*p)) {
        value = value * 10 + static_cast<uint64_t>(*p - '0');
        ++p;
        if (++digits > 18) return false;
    }
    if (p == start) return false;  // ".5", "-", "" and junk: the general path decides
    if (p < end && *p == '.') {
        const char* fractionStart = ++p;
        while (p < end && isDigit(*p)) {
            value = value * 10 + static_cast<uint64_t>(*p - '0');
            ++p;
            if (++digits > 18) return false;
        }
        fractionDigits = static_cast<int>(p - fractionStart);
    }
    if (p != end || fractionDigits > to.scale) return false;
    checkSpec(to);
    // value < 10^18; the result value × 10^(scale − fractionDigits) fits 10^precision iff
    // value < 10^(precision − scale + fractionDigits).
    const int limit = to.precision - to.scale + fractionDigits;
    if (limit < 18 && value >= kPow10U64[std::max(limit, 0)]) {
        status = DecimalStatus::kOverflow;
        return true;
    }
    const int128_t scaled = static_cast<int128_t>(value) * kPow10[to.scale - fractionDigits];
    out = negative ? -scaled : scaled;
    status = DecimalStatus::kOk;
    return true;
}

DecimalStatus parse(std::string_view text, DecimalSpec to, bool rounding, int128_t& out) {
    DecimalStatus status;
    if (parseFast(text, to, status, out)) return status;
    return parseGeneral(text, to, rounding, out);
}

}  // namespace

int128_t pow10(int n) {
    FERRIS_CHECK(n >= 0 && n <= kMaxDecimalPrecision, fmt::format("pow10({})", n));
    return kPow10[n];
}

// ---- Result types -----------------------------------------------------------------------

DecimalSpec decimalClampToMax(int precision, int scale) {
    if (precision <= kMaxDecimalPrecision) return {precision, scale};
    const int integerDigits = precision - scale;
    return {kMaxDecimalPrecision,
            std::max(kMaxDecimalPrecision - integerDigits, std::min(scale, 6))};
}

DecimalSpec decimalAddResultType(DecimalSpec a, DecimalSpec b) {
    const int scale = std::max(a.scale, b.scale);
    return decimalClampToMax(std::max(a.precision - a.scale, b.precision - b.scale) + scale + 1,
                             scale);
}

DecimalSpec decimalMultiplyResultType(DecimalSpec a, DecimalSpec b) {
    return decimalClampToMax(a.precision + b.precision + 1, a.scale + b.scale);
}

DecimalSpec decimalDivideResultType(DecimalSpec a, DecimalSpec b) {
    const int scale = std::max(6, a.scale + b.precision + 1);
    return decimalClampToMax(a.precision - a.scale + b.scale + scale, scale);
}

DecimalSpec decimalModuloResultType(DecimalSpec a, DecimalSpec b) {
    const int scale = std::max(a.scale, b.scale);
    return decimalClampToMax(std::min(a.precision - a.scale, b.precision - b.scale) + scale,
                             scale);
}

DecimalSpec decimalCommonType(DecimalSpec a, DecimalSpec b) {
    // Past 38 digits the general rule of §1.4.1 applies, as for arithmetic: integer digits
    // are kept and fractional digits give way (down to 6).
    const int scale = std::max(a.scale, b.scale);
    const int precision = std::max(a.precision - a.scale, b.precision - b.scale) + scale;
    return decimalClampToMax(precision, scale);
}

DecimalSpec decimalRoundResultType(DecimalSpec a, int64_t n) {
    const int scale = static_cast<int>(std::min<int64_t>(std::max<int64_t>(n, 0), a.scale));
    return {std::min(kMaxDecimalPrecision, a.precision - a.scale + scale + 1), scale};
}

DecimalSpec decimalRoundToIntegerResultType(DecimalSpec a) {
    return {std::min(kMaxDecimalPrecision, a.precision - a.scale + 1), 0};
}

DecimalSpec decimalSumResultType(DecimalSpec a) { return {kMaxDecimalPrecision, a.scale}; }

DecimalSpec decimalAvgResultType(DecimalSpec a) {
    return {kMaxDecimalPrecision, std::max(6, a.scale)};
}

// ---- Arithmetic -------------------------------------------------------------------------

DecimalStatus decimalRescale(int128_t value, int fromScale, DecimalSpec to, int128_t& out) {
    checkScale(fromScale);
    checkSpec(to);
    return rescaleValue(value, to.scale - fromScale, to.precision, out);
}

DecimalStatus decimalAdd(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result,
                         int128_t& out) {
    checkScale(scaleA);
    checkScale(scaleB);
    checkSpec(result);
    const int common = std::max(scaleA, scaleB);
    int128_t x, y, sum;
    if (!__builtin_mul_overflow(a, kPow10[common - scaleA], &x) &&
        !__builtin_mul_overflow(b, kPow10[common - scaleB], &y) &&
        !__builtin_add_overflow(x, y, &sum)) {
        return rescaleValue(sum, result.scale - common, result.precision, out);
    }
    return addSigned(a, scaleA, b < 0, magnitudeOf(b), scaleB, result, out);
}

DecimalStatus decimalSubtract(int128_t a, int scaleA, int128_t b, int scaleB,
                              DecimalSpec result, int128_t& out) {
    checkScale(scaleA);
    checkScale(scaleB);
    checkSpec(result);
    const int common = std::max(scaleA, scaleB);
    int128_t x, y, difference;
    if (!__builtin_mul_overflow(a, kPow10[common - scaleA], &x) &&
        !__builtin_mul_overflow(b, kPow10[common - scaleB], &y) &&
        !__builtin_sub_overflow(x, y, &difference)) {
        return rescaleValue(difference, result.scale - common, result.precision, out);
    }
    return addSigned(a, scaleA, b > 0, magnitudeOf(b), scaleB, result, out);
}

DecimalStatus decimalMultiply(int128_t a, int scaleA, int128_t b, int scaleB,
                              DecimalSpec result, int128_t& out) {
    checkScale(scaleA);
    checkScale(scaleB);
    checkSpec(result);
    const int64_t shift = result.scale - (scaleA + scaleB);
    int128_t product;
    if (!__builtin_mul_overflow(a, b, &product)) {
        return rescaleValue(product, shift, result.precision, out);
    }
    return finishShifted((a < 0) != (b < 0), multiply(magnitudeOf(a), magnitudeOf(b)), shift,
                         RoundingMode::kHalfAwayFromZero, result.precision, out);
}

DecimalStatus decimalDivide(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result,
                            int128_t& out) {
    checkScale(scaleA);
    checkScale(scaleB);
    checkSpec(result);
    if (b == 0) return DecimalStatus::kDivisionByZero;
    const bool negative = (a < 0) != (b < 0);
    // a / b at result.scale = a × 10^exponent / b.
    const int exponent = result.scale - scaleA + scaleB;
    int128_t scaled;
    if (exponent >= 0 && exponent <= kMaxDecimalPrecision &&
        !__builtin_mul_overflow(a, kPow10[exponent], &scaled)) {
        // 128-bit fast path on magnitudes (no INT128_MIN / −1 trap).
        const uint128_t dividend = magnitudeOf(scaled), divisor = magnitudeOf(b);
        uint128_t quotient = dividend / divisor;
        const uint128_t rest = dividend % divisor;
        if (rest >= divisor - rest) ++quotient;  // 2·rest ≥ divisor
        return finish(negative, UInt256(quotient), result.precision, out);
    }
    UInt256 numerator(magnitudeOf(a));
    UInt256 denominator(magnitudeOf(b));
    if (exponent >= 0) {
        if (multiplyOverflow(numerator, kPow10Wide[exponent], numerator)) {
            // numerator ≥ 2^256 and |b| < 2^128: the quotient is ≥ 2^128 > 10^38.
            return DecimalStatus::kOverflow;
        }
    } else {
        denominator = multiply(magnitudeOf(b), static_cast<uint128_t>(kPow10[-exponent]));
    }
    const UInt256 quotient =
        divideRounded(numerator, denominator, negative, RoundingMode::kHalfAwayFromZero);
    return finish(negative, quotient, result.precision, out);
}

DecimalStatus decimalModulo(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result,
                            int128_t& out) {
    checkScale(scaleA);
    checkScale(scaleB);
    checkSpec(result);
    if (b == 0) return DecimalStatus::kDivisionByZero;
    // Both operands at a common scale (exact), truncated remainder with the dividend's sign.
    const int common = std::max({scaleA, scaleB, result.scale});
    const UInt256 x = multiply(magnitudeOf(a), static_cast<uint128_t>(kPow10[common - scaleA]));
    const UInt256 y = multiply(magnitudeOf(b), static_cast<uint128_t>(kPow10[common - scaleB]));
    UInt256 quotient, rest;
    divideWithRemainder(x, y, quotient, rest);
    return finishShifted(a < 0, rest, result.scale - common, RoundingMode::kHalfAwayFromZero,
                         result.precision, out);
}

int decimalCompare(int128_t a, int scaleA, int128_t b, int scaleB) {
    if (scaleA == scaleB) return a < b ? -1 : (a > b ? 1 : 0);
    checkScale(scaleA);
    checkScale(scaleB);
    const int signA = a < 0 ? -1 : (a > 0 ? 1 : 0);
    const int signB = b < 0 ? -1 : (b > 0 ? 1 : 0);
    if (signA != signB) return signA < signB ? -1 : 1;
    if (signA == 0) return 0;
    const int common = std::max(scaleA, scaleB);
    int128_t x128, y128;
    if (!__builtin_mul_overflow(a, kPow10[common - scaleA], &x128) &&
        !__builtin_mul_overflow(b, kPow10[common - scaleB], &y128)) {
        return x128 < y128 ? -1 : (x128 > y128 ? 1 : 0);
    }
    const UInt256 x = multiply(magnitudeOf(a), static_cast<uint128_t>(kPow10[common - scaleA]));
    const UInt256 y = multiply(magnitudeOf(b), static_cast<uint128_t>(kPow10[common - scaleB]));
    const int magnitudeOrder = x < y ? -1 : (x > y ? 1 : 0);
    return signA * magnitudeOrder;
}

DecimalStatus decimalRound(int128_t value, int scale, int64_t n, DecimalSpec result,
                           int128_t& out) {
    return roundToPlaces(value, scale, n, RoundingMode::kHalfAwayFromZero, result, out);
}

DecimalStatus decimalTruncate(int128_t value, int scale, int64_t n, DecimalSpec result,
                              int128_t& out) {
    return roundToPlaces(value, scale, n, RoundingMode::kTowardZero, result, out);
}

DecimalStatus decimalCeil(int128_t value, int scale, DecimalSpec result, int128_t& out) {
    return roundToPlaces(value, scale, 0, RoundingMode::kCeiling, result, out);
}

DecimalStatus decimalFloor(int128_t value, int scale, DecimalSpec result, int128_t& out) {
    return roundToPlaces(value, scale, 0, RoundingMode::kFloor, result, out);
}

// ---- Conversions ------------------------------------------------------------------------

DecimalStatus decimalFromInt64(int64_t value, DecimalSpec to, int128_t& out) {
    checkSpec(to);
    return rescaleValue(value, to.scale, to.precision, out);
}

DecimalStatus decimalFromDouble(double value, DecimalSpec to, int128_t& out) {
    checkSpec(to);
    const auto bits = std::bit_cast<uint64_t>(value);
    const bool negative = (bits >> 63) != 0;
    const int exponentField = static_cast<int>((bits >> 52) & 0x7ff);
    const uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
    if (exponentField == 0x7ff) return DecimalStatus::kInvalid;  // NaN, ±Infinity
    // |value| = mantissa × 2^exponent exactly.
    const uint64_t mantissa = exponentField == 0 ? fraction : fraction | (uint64_t{1} << 52);
    const int exponent = (exponentField == 0 ? 1 : exponentField) - 1075;
    if (mantissa == 0) {
        out = 0;
        return DecimalStatus::kOk;
    }
    const UInt256 scale = kPow10Wide[to.scale];
    UInt256 magnitude;
    if (exponent >= 0) {
        // |value| ≥ 2^127 > 10^38 overflows every DECIMAL; below that, × 10^38 fits 2^254.
        if (static_cast<int>(std::bit_width(mantissa)) + exponent > 127) {
            return DecimalStatus::kOverflow;
        }
        multiplyOverflow(shiftLeft(UInt256(mantissa), exponent), scale, magnitude);
    } else {
        // mantissa × 10^scale / 2^k, rounded half away from zero: the dropped bits are ≥ half
        // exactly when bit k−1 is set. The product is < 2^53 × 2^127, so k > 181 gives 0.
        const int k = -exponent;
        const UInt256 scaled = multiply(mantissa, static_cast<uint128_t>(kPow10[to.scale]));
        if (k > 181) {
            magnitude = UInt256();
        } else {
            magnitude = shiftRight(scaled, k);
            if (scaled.testBit(k - 1)) addOverflow(magnitude, UInt256(1), magnitude);
        }
    }
    return finish(negative, magnitude, to.precision, out);
}

DecimalStatus decimalToInt64(int128_t value, int scale, int64_t& out) {
    checkScale(scale);
    const int128_t rounded = divideByPow10HalfAway(value, scale);
    if (rounded < std::numeric_limits<int64_t>::min() ||
        rounded > std::numeric_limits<int64_t>::max()) {
        return DecimalStatus::kOverflow;
    }
    out = static_cast<int64_t>(rounded);
    return DecimalStatus::kOk;
}

double decimalToDouble(int128_t value, int scale) {
    checkScale(scale);
    // Both operands exact in a double: one IEEE division is correctly rounded.
    static constexpr std::array<double, 23> kExactPow10 = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    constexpr int128_t kExactIntegerLimit = int128_t{1} << 53;
    if (scale < static_cast<int>(kExactPow10.size()) && value <= kExactIntegerLimit &&
        value >= -kExactIntegerLimit) {
        return static_cast<double>(value) / kExactPow10[scale];
    }
    // Otherwise "<digits>e-<scale>" through from_chars (correctly rounded, locale-free).
    std::array<char, kDecimalMaxChars + 8> text{};
    size_t length = decimalFormat(value, 0, text.data());
    text[length++] = 'e';
    text[length++] = '-';
    length += static_cast<size_t>(
        std::to_chars(text.data() + length, text.data() + text.size(), scale).ptr -
        (text.data() + length));
    double result = 0;
    std::from_chars(text.data(), text.data() + length, result);
    return result;
}

DecimalStatus decimalParse(std::string_view text, DecimalSpec to, int128_t& out) {
    return parse(text, to, false, out);
}

DecimalStatus decimalParseRounding(std::string_view text, DecimalSpec to, int128_t& out) {
    return parse(text, to, true, out);
}

size_t decimalFormat(int128_t value, int scale, char* buffer) {
    checkScale(scale);
    // The digits of |value|, right-aligned in `digits`: [first, end).
    std::array<char, 40> digits;
    char* const end = digits.data() + digits.size();
    char* first;
    const uint128_t magnitude = magnitudeOf(value);
    if (magnitude <= std::numeric_limits<uint64_t>::max()) {
        first = writeDigitsBackward(static_cast<uint64_t>(magnitude), end);
    } else {
        uint128_t high = magnitude / kTen19;
        writeNineteenDigitsBackward(static_cast<uint64_t>(magnitude - high * kTen19), end);
        char* next = end - 19;
        if (high > std::numeric_limits<uint64_t>::max()) {
            const uint128_t top = high / kTen19;
            writeNineteenDigitsBackward(static_cast<uint64_t>(high - top * kTen19), next);
            next -= 19;
            high = top;
        }
        first = writeDigitsBackward(static_cast<uint64_t>(high), next);
    }
    const auto count = static_cast<size_t>(end - first);
    const auto fractionDigits = static_cast<size_t>(scale);

    char* p = buffer;
    if (value < 0) *p++ = '-';
    if (count > fractionDigits) {
        std::memcpy(p, first, count - fractionDigits);
        p += count - fractionDigits;
        if (fractionDigits > 0) {
            *p++ = '.';
            std::memcpy(p, end - fractionDigits, fractionDigits);
            p += fractionDigits;
        }
    } else {
        *p++ = '0';
        if (fractionDigits > 0) {
            *p++ = '.';
            std::memset(p, '0', fractionDigits - count);
            p += fractionDigits - count;
            std::memcpy(p, first, count);
            p += count;
        }
    }
    return static_cast<size_t>(p - buffer);
}

std::string decimalToString(int128_t value, int scale) {
    std::array<char, kDecimalMaxChars> buffer;
    return std::string(buffer.data(), decimalFormat(value, scale, buffer.data()));
}

int decimalDigits(int128_t value) {
    const uint128_t magnitude = magnitudeOf(value);
    int digits = 1;
    while (digits <= kMaxDecimalPrecision &&
           magnitude >= static_cast<uint128_t>(kPow10[digits])) {
        ++digits;
    }
    return digits;
}

}  // namespace ferris::types
