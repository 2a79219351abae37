#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ferris::sql {

/// Why an amount could not be turned into a whole number of units.
enum class AmountError : uint8_t {
    kNone,       ///< the amount was converted
    kMalformed,  ///< not a number: "5x", "", "1.2.3"
    kNotWhole,   ///< the result has a fraction: 1.5us, or a fractional number of months
    kTooLarge,   ///< the result does not fit in 64 bits (or 32 bits for months)
};

/// An amount multiplied by a unit, exactly (no floating point on the way).
struct ScaledAmount {
    int64_t value = 0;
    AmountError error = AmountError::kNone;
};

/// Parses `amount` ("5", "-1.5", "+2", "0.25") and multiplies it by `unit`. The product must
/// be a whole number: 1.5 × 1'000'000 µs is fine, 1.5 × 1 µs is kNotWhole.
ScaledAmount scaleAmount(std::string_view amount, int64_t unit);

/// A unit of an INTERVAL literal: either calendar months or a fixed number of microseconds.
struct IntervalUnit {
    std::string_view name;  ///< canonical upper-case singular spelling: "MINUTE"
    int64_t micros = 0;     ///< microseconds per unit, 0 for month-based units
    int32_t months = 0;     ///< months per unit (MONTH 1, YEAR 12), 0 for fixed units
};

/// The INTERVAL unit named by `lowerCaseWord` (singular or plural: "minute", "minutes"),
/// or nullptr. Units: YEAR MONTH WEEK DAY HOUR MINUTE SECOND MILLISECOND MICROSECOND.
const IntervalUnit* findIntervalUnit(std::string_view lowerCaseWord);

/// Microseconds per shorthand duration unit (`us`, `ms`, `s`, `m`, `h`, `d`; case-sensitive,
/// so that `5M` is never read as minutes when months were meant), or nullopt.
std::optional<int64_t> shorthandUnitMicros(std::string_view unit);

}  // namespace ferris::sql
