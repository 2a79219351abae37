#include "sql/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace ferris::sql {

namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

constexpr std::array<IntervalUnit, 10> kIntervalUnits = {{
    {"YEAR", 0, 12},
    {"QUARTER", 0, 3},
    {"MONTH", 0, 1},
    {"WEEK", 7 * kDay, 0},
    {"DAY", kDay, 0},
    {"HOUR", kHour, 0},
    {"MINUTE", kMinute, 0},
    {"SECOND", kSecond, 0},
    {"MILLISECOND", 1000, 0},
    {"MICROSECOND", 1, 0},
}};

bool equalsIgnoreCase(std::string_view upper, std::string_view lower) {
    if (upper.size() != lower.size()) return false;
    for (size_t i = 0; i < upper.size(); ++i) {
        if (upper[i] - 'A' + 'a' != lower[i]) return false;
    }
    return true;
}

}  // namespace

ScaledAmount scaleAmount(std::string_view amount, int64_t unit) {
    bool negative = false;
    if (!amount.empty() && (amount.front() == '-' || amount.front() == '+')) {
        negative = amount.front() == '-';
        amount.remove_prefix(1);
    }
    std::string_view whole = amount;
    std::string_view fraction;
    if (size_t dot = amount.find('.'); dot != std::string_view::npos) {
        whole = amount.substr(0, dot);
        fraction = amount.substr(dot + 1);
    }
    if (whole.empty() && fraction.empty()) return {0, AmountError::kMalformed};
    for (char c : whole) {
        if (c < '0' || c > '9') return {0, AmountError::kMalformed};
    }
    for (char c : fraction) {
        if (c < '0' || c > '9') return {0, AmountError::kMalformed};
    }
    while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);

    // mantissa = the digits of whole and fraction as one integer; value = mantissa × unit
    // / 10^len(fraction), which must divide exactly.
    int64_t mantissa = 0;
    auto appendDigits = [&](std::string_view digits) {
        for (char c : digits) {
            if (__builtin_mul_overflow(mantissa, 10, &mantissa) ||
                __builtin_add_overflow(mantissa, c - '0', &mantissa)) {
                return false;
            }
        }
        return true;
    };
    if (!appendDigits(whole) || !appendDigits(fraction)) return {0, AmountError::kTooLarge};
    int64_t product = 0;
    if (__builtin_mul_overflow(mantissa, unit, &product)) return {0, AmountError::kTooLarge};
    if (fraction.size() > 18) return {0, AmountError::kNotWhole};
    int64_t divisor = 1;
    for (size_t i = 0; i < fraction.size(); ++i) divisor *= 10;
    if (product % divisor != 0) return {0, AmountError::kNotWhole};
    int64_t value = product / divisor;
    return {negative ? -value : value, AmountError::kNone};
}

const IntervalUnit* findIntervalUnit(std::string_view lowerCaseWord) {
    std::string_view singular = lowerCaseWord;
    if (singular.size() > 1 && singular.back() == 's') singular.remove_suffix(1);
    for (const auto& unit : kIntervalUnits) {
        if (equalsIgnoreCase(unit.name, lowerCaseWord) || equalsIgnoreCase(unit.name, singular)) {
            return &unit;
        }
    }
    return nullptr;
}

std::optional<int64_t> shorthandUnitMicros(std::string_view unit) {
    if (unit == "us") return 1;
    if (unit == "ms") return 1000;
    if (unit == "s") return kSecond;
    if (unit == "m") return kMinute;
    if (unit == "h") return kHour;
    if (unit == "d") return kDay;
    return std::nullopt;
}

}  // namespace ferris::sql
