#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferris::types {

/// Signed 128-bit integer: the storage of DECIMAL(p > 18) and the width every decimal
/// operation is expressed in at this API (64-bit columns widen on the way in).
__extension__ typedef __int128 int128_t;  // NOLINT: GCC/Clang extension, silenced for -Wpedantic

inline constexpr int kMaxDecimalPrecision = 38;
inline constexpr int kMaxDecimal64Precision = 18;

/// Precision and scale of a DECIMAL type.
struct DecimalSpec {
    int precision = 0;
    int scale = 0;
    bool operator==(const DecimalSpec&) const = default;
};

/// An integer operand counts as DECIMAL(19,0) in mixed arithmetic (§1.4.1).
inline constexpr DecimalSpec kBigintAsDecimal{19, 0};

/// Outcome of a decimal operation. Errors are data-path errors (bad records), not bugs.
enum class DecimalStatus : uint8_t {
    kOk,
    kOverflow,         ///< the rounded result does not fit the result precision
    kDivisionByZero,
    kInvalid,          ///< NaN/Infinity converted to DECIMAL, or unparseable text
    kTooManyDigits,    ///< text with more fractional digits than the scale (decode error)
};

/// 10^n for 0 ≤ n ≤ 38.
int128_t pow10(int n);

// ---- Result types of §1.4.1 -----------------------------------------------------------
/// "If p > 38: s = max(38 − (p − s), min(s, 6)), p = 38."
DecimalSpec decimalClampToMax(int precision, int scale);
/// `+` and `-`: s = max(s1,s2), p = max(p1−s1, p2−s2) + s + 1.
DecimalSpec decimalAddResultType(DecimalSpec a, DecimalSpec b);
/// `*`: s = s1+s2, p = p1+p2+1.
DecimalSpec decimalMultiplyResultType(DecimalSpec a, DecimalSpec b);
/// `/`: s = max(6, s1+p2+1), p = p1−s1+s2+s.
DecimalSpec decimalDivideResultType(DecimalSpec a, DecimalSpec b);
/// `%`: s = max(s1,s2), p = min(p1−s1, p2−s2) + s.
DecimalSpec decimalModuloResultType(DecimalSpec a, DecimalSpec b);
/// Common type for CASE/IF/COALESCE/NULLIF/IN/BETWEEN/LEAST/GREATEST/comparisons:
/// s = max(s1,s2), p = max(p1−s1, p2−s2) + s (clamped).
DecimalSpec decimalCommonType(DecimalSpec a, DecimalSpec b);
/// ROUND/TRUNC(x, n) with literal n: DECIMAL(min(38, p−s+s′+1), s′), s′ = min(max(n,0), s).
DecimalSpec decimalRoundResultType(DecimalSpec a, int64_t n);
/// ROUND(x), CEIL, FLOOR: DECIMAL(p−s+1, 0) (clamped to 38).
DecimalSpec decimalRoundToIntegerResultType(DecimalSpec a);
/// SUM(DECIMAL(p,s)) = DECIMAL(38,s).
DecimalSpec decimalSumResultType(DecimalSpec a);
/// AVG, MEDIAN, PERCENTILE_CONT of DECIMAL(p,s) = DECIMAL(38, max(6,s)).
DecimalSpec decimalAvgResultType(DecimalSpec a);

// ---- Arithmetic on unscaled values ------------------------------------------------------
// Every operation is exact (256-bit intermediates where needed), rounds half away from
// zero when it must drop digits, and judges overflow on the rounded result against
// 10^result.precision. `out` is unspecified unless the status is kOk.

/// Changes the scale of `value` (rounding half away from zero when reducing it) and checks
/// it fits `to.precision`.
DecimalStatus decimalRescale(int128_t value, int fromScale, DecimalSpec to, int128_t& out);
DecimalStatus decimalAdd(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result, int128_t& out);
DecimalStatus decimalSubtract(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result, int128_t& out);
DecimalStatus decimalMultiply(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result, int128_t& out);
/// a / b rounded half away from zero to result.scale.
DecimalStatus decimalDivide(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result, int128_t& out);
/// Remainder with the sign of the dividend (truncated division), like SQL's `%`/MOD.
DecimalStatus decimalModulo(int128_t a, int scaleA, int128_t b, int scaleB, DecimalSpec result, int128_t& out);
/// Exact three-way comparison of two decimals of any scales: -1, 0, 1.
int decimalCompare(int128_t a, int scaleA, int128_t b, int scaleB);

/// ROUND(x, n) / TRUNC(x, n) / CEIL / FLOOR on a value of scale `scale`, giving `result`
/// (n may be negative: ROUND(1234.5, -2) = 1200).
DecimalStatus decimalRound(int128_t value, int scale, int64_t n, DecimalSpec result, int128_t& out);
DecimalStatus decimalTruncate(int128_t value, int scale, int64_t n, DecimalSpec result, int128_t& out);
DecimalStatus decimalCeil(int128_t value, int scale, DecimalSpec result, int128_t& out);
DecimalStatus decimalFloor(int128_t value, int scale, DecimalSpec result, int128_t& out);

// ---- Conversions ------------------------------------------------------------------------
DecimalStatus decimalFromInt64(int64_t value, DecimalSpec to, int128_t& out);
/// Rounds half away from zero; NaN/Infinity give kInvalid. Exact: uses the double's exact
/// binary value, not a printed approximation.
DecimalStatus decimalFromDouble(double value, DecimalSpec to, int128_t& out);
/// CAST(decimal AS BIGINT): rounds half away from zero; kOverflow outside int64.
DecimalStatus decimalToInt64(int128_t value, int scale, int64_t& out);
/// The double nearest to the exact decimal value (correctly rounded).
double decimalToDouble(int128_t value, int scale);

/// Parses decimal text: optional sign, digits, optional '.', digits, optional exponent
/// (`1.5E+2`, as JSON numbers may carry). Never goes through a double. More fractional
/// digits than `to.scale` (after applying the exponent) → kTooManyDigits, unless they are
/// all zeros; too many integer digits → kOverflow; anything else malformed → kInvalid.
/// Leading/trailing whitespace is not accepted.
DecimalStatus decimalParse(std::string_view text, DecimalSpec to, int128_t& out);
/// Like decimalParse but rounds extra fractional digits half away from zero instead of
/// failing (CAST(string AS DECIMAL) semantics).
DecimalStatus decimalParseRounding(std::string_view text, DecimalSpec to, int128_t& out);

/// Plain notation with exactly `scale` fractional digits: "-187.2300", "0.05", "12".
/// `buffer` must hold kDecimalMaxChars bytes; returns the number of bytes written.
inline constexpr size_t kDecimalMaxChars = 48;
size_t decimalFormat(int128_t value, int scale, char* buffer);
std::string decimalToString(int128_t value, int scale);

/// Number of decimal digits of |value| (0 has 1 digit).
int decimalDigits(int128_t value);

}  // namespace ferris::types
