// The rounding functions ROUND, TRUNC, CEIL/CEILING and FLOOR: exact on DECIMAL (result
// types of §1.4.1, half away from zero, overflow a row error), identity-or-scaled on BIGINT,
// IEEE on DOUBLE. Registered by registerMathFunctions (functions_math.cpp).

#include <fmt/format.h>

#include <cmath>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "types/decimal.h"

namespace ferris::expr {

using types::DataType;
using types::DecimalSpec;
using types::DecimalStatus;
using types::TypeId;
using types::Vector;

namespace {

/// Which rounding a function applies.
enum class RoundMode : uint8_t {
    kRound,     ///< ROUND: to nearest, ties away from zero
    kTruncate,  ///< TRUNC: toward zero
    kCeil,      ///< CEIL: toward +infinity
    kFloor,     ///< FLOOR: toward -infinity
};

constexpr std::string_view modeName(RoundMode mode) {
    switch (mode) {
        case RoundMode::kRound: return "ROUND";
        case RoundMode::kTruncate: return "TRUNC";
        case RoundMode::kCeil: return "CEIL";
        case RoundMode::kFloor: return "FLOOR";
    }
    return "?";
}

/// ROUND and TRUNC take an optional number of decimal places; CEIL and FLOOR do not.
constexpr bool takesPlaces(RoundMode mode) {
    return mode == RoundMode::kRound || mode == RoundMode::kTruncate;
}

// ---- DOUBLE -------------------------------------------------------------------------------

template <RoundMode kMode>
double roundDouble(double value) {
    if constexpr (kMode == RoundMode::kRound) return std::round(value);  // half away from zero
    if constexpr (kMode == RoundMode::kTruncate) return std::trunc(value);
    if constexpr (kMode == RoundMode::kCeil) return std::ceil(value);
    if constexpr (kMode == RoundMode::kFloor) return std::floor(value);
}

/// ROUND/TRUNC(x, n) on a DOUBLE: x scaled by 10^n, rounded, scaled back. A value that
/// already has no digits beyond 10^-n (|x·10^n| ≥ 2^52), and NaN/±Infinity, come back as
/// they are; rounding to more tens than a double can hold gives ±0.
template <RoundMode kMode>
double roundDoublePlaces(double value, int64_t places) {
    if (!std::isfinite(value)) return value;
    constexpr double kIntegralLimit = 4503599627370496.0;  // 2^52
    if (places >= 0) {
        double factor = std::pow(10.0, static_cast<double>(std::min<int64_t>(places, 400)));
        double scaled = value * factor;
        if (!std::isfinite(factor) || !(std::fabs(scaled) < kIntegralLimit)) return value;
        return roundDouble<kMode>(scaled) / factor;
    }
    double factor = std::pow(10.0, static_cast<double>(std::min<int64_t>(-places, 400)));
    double rounded = roundDouble<kMode>(value / factor);
    return rounded == 0 ? rounded : rounded * factor;
}

// ---- BIGINT -------------------------------------------------------------------------------

/// ROUND/TRUNC(x, n) on a BIGINT: unchanged for n ≥ 0, else rounded to a multiple of
/// 10^-n. False when the rounded value leaves the BIGINT range.
template <RoundMode kMode>
bool roundBigintPlaces(int64_t value, int64_t places, int64_t& out) {
    if (places >= 0) {
        out = value;
        return true;
    }
    // 10^20 > 2·|INT64_MIN|: every value rounds to 0 from there on.
    int128_t factor = types::pow10(static_cast<int>(std::min<int64_t>(-places, 20)));
    int128_t quotient = value / factor;
    int128_t remainder = value % factor;
    if constexpr (kMode == RoundMode::kRound) {
        int128_t magnitude = remainder < 0 ? -remainder : remainder;
        if (magnitude >= factor - magnitude) quotient += value < 0 ? -1 : 1;
    }
    int128_t result = quotient * factor;
    if (result > INT64_MAX || result < INT64_MIN) return false;
    out = static_cast<int64_t>(result);
    return true;
}

template <RoundMode kMode>
KernelPtr bigintPlacesKernel() {
    return binaryCheckedKernel<int64_t, int64_t, int64_t>(
        [](EvalContext& context, uint32_t row, int64_t value, int64_t places, int64_t& out) {
            if (roundBigintPlaces<kMode>(value, places, out)) return true;
            context.error(row, ErrorCode::kIntegerOverflow,
                          fmt::format("integer overflow: {}({}, {}) does not fit BIGINT",
                                      modeName(kMode), value, places));
            return false;
        });
}

// ---- DECIMAL ------------------------------------------------------------------------------

template <RoundMode kMode>
DecimalStatus roundDecimal(int128_t value, int scale, int64_t places, DecimalSpec result,
                           int128_t& out) {
    if constexpr (kMode == RoundMode::kRound) {
        return types::decimalRound(value, scale, places, result, out);
    } else if constexpr (kMode == RoundMode::kTruncate) {
        return types::decimalTruncate(value, scale, places, result, out);
    } else if constexpr (kMode == RoundMode::kCeil) {
        return types::decimalCeil(value, scale, result, out);
    } else {
        return types::decimalFloor(value, scale, result, out);
    }
}

/// Exact rounding of a DECIMAL column (read as In, written as Out) to `places` digits.
template <RoundMode kMode, typename In, typename Out>
KernelPtr decimalRoundingKernel(DecimalSpec input, int64_t places, DecimalSpec result,
                                bool placesGiven) {
    return makeKernel([=](EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const Vector* const> args, Vector& out) {
        const In* values = args[0]->values<In>();
        Out* rounded = out.values<Out>();
        for (uint32_t row : rows) {
            int128_t value = 0;
            DecimalStatus status =
                roundDecimal<kMode>(values[row], input.scale, places, result, value);
            if (status != DecimalStatus::kOk) [[unlikely]] {
                std::string text = types::decimalToString(values[row], input.scale);
                std::string call = placesGiven
                                       ? fmt::format("{}({}, {})", modeName(kMode), text, places)
                                       : fmt::format("{}({})", modeName(kMode), text);
                context.error(row, ErrorCode::kDecimalOverflow,
                              fmt::format("decimal overflow: {} does not fit DECIMAL({},{})", call,
                                          result.precision, result.scale));
                out.setNull(row);
                continue;
            }
            rounded[row] = static_cast<Out>(value);
        }
    });
}

template <RoundMode kMode>
KernelPtr makeDecimalRoundingKernel(const DataType& type, int64_t places, DecimalSpec result,
                                    bool placesGiven) {
    DecimalSpec input{type.precision(), type.scale()};
    bool wideOut = result.precision > types::kMaxDecimal64Precision;
    if (type.isDecimal128()) {
        if (wideOut) {
            return decimalRoundingKernel<kMode, int128_t, int128_t>(input, places, result,
                                                                    placesGiven);
        }
        return decimalRoundingKernel<kMode, int128_t, int64_t>(input, places, result, placesGiven);
    }
    if (wideOut) {
        return decimalRoundingKernel<kMode, int64_t, int128_t>(input, places, result, placesGiven);
    }
    return decimalRoundingKernel<kMode, int64_t, int64_t>(input, places, result, placesGiven);
}

// ---- Resolution ---------------------------------------------------------------------------

template <RoundMode kMode>
Result<BoundFunction> resolveRounding(const FunctionEntry& self, std::span<const ArgInfo> args) {
    const size_t maxArgs = takesPlaces(kMode) ? 2 : 1;
    if (args.empty() || args.size() > maxArgs) return noMatchingOverload(self, args);
    DataType type = args[0].type.isNull() ? DataType::bigint() : args[0].type;
    if (!type.isNumeric()) return noMatchingOverload(self, args);
    const bool placesGiven = args.size() == 2;
    if (placesGiven && args[1].type.id() != TypeId::kBigint && !args[1].type.isNull()) {
        return noMatchingOverload(self, args);
    }

    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {type};
    if (placesGiven) bound.argTypes.push_back(DataType::bigint());

    if (type.isDecimal()) {
        int64_t places = 0;
        if (placesGiven) {
            if (!args[1].literal.has_value()) {
                return Status::user(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}(DECIMAL, n) needs n to be an integer literal, so that "
                                "the result scale is known",
                                self.name));
            }
            // A NULL n makes every row NULL; the type is then that of n = 0.
            if (!args[1].literal->isNull()) places = args[1].literal->asInt64();
        }
        DecimalSpec input{type.precision(), type.scale()};
        DecimalSpec result = placesGiven ? types::decimalRoundResultType(input, places)
                                         : types::decimalRoundToIntegerResultType(input);
        bound.resultType = DataType::decimal(result.precision, result.scale);
        bound.makeKernel = [type, places, result, placesGiven] {
            return makeDecimalRoundingKernel<kMode>(type, places, result, placesGiven);
        };
        return bound;
    }

    bound.resultType = type;
    if (type.id() == TypeId::kBigint) {
        if (placesGiven) {
            bound.makeKernel = [] { return bigintPlacesKernel<kMode>(); };
        } else {
            bound.makeKernel = [] {
                return unaryKernel<int64_t, int64_t>([](int64_t v) { return v; });
            };
        }
        return bound;
    }
    // DOUBLE
    if (placesGiven) {
        bound.makeKernel = [] {
            return binaryKernel<double, int64_t, double>([](double value, int64_t places) {
                return roundDoublePlaces<kMode>(value, places);
            });
        };
    } else {
        bound.makeKernel = [] {
            return unaryKernel<double, double>([](double v) { return roundDouble<kMode>(v); });
        };
    }
    return bound;
}

template <RoundMode kMode>
void addRounding(FunctionRegistry& registry, std::vector<std::string> aliases,
                 std::vector<std::string> signatures, std::string description) {
    FunctionEntry entry;
    entry.name = std::string(modeName(kMode));
    entry.aliases = std::move(aliases);
    entry.category = "math";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = resolveRounding<kMode>;
    registry.add(std::move(entry));
}

}  // namespace

/// Registers ROUND, TRUNC, CEIL and FLOOR (called by registerMathFunctions).
void registerMathRoundingFunctions(FunctionRegistry& registry) {
    addRounding<RoundMode::kRound>(
        registry, {},
        {"ROUND(DECIMAL(p,s)) -> DECIMAL(p-s+1,0)",
         "ROUND(DECIMAL(p,s), n literal) -> DECIMAL(min(38,p-s+s'+1),s'), s' = min(max(n,0),s)",
         "ROUND(BIGINT[, BIGINT]) -> BIGINT", "ROUND(DOUBLE[, BIGINT]) -> DOUBLE"},
        "rounds half away from zero to n decimal places (default 0; negative n rounds to tens, "
        "hundreds…); DECIMAL overflow and BIGINT overflow are row errors");
    addRounding<RoundMode::kTruncate>(
        registry, {},
        {"TRUNC(DECIMAL(p,s)) -> DECIMAL(p-s+1,0)",
         "TRUNC(DECIMAL(p,s), n literal) -> DECIMAL(min(38,p-s+s'+1),s'), s' = min(max(n,0),s)",
         "TRUNC(BIGINT[, BIGINT]) -> BIGINT", "TRUNC(DOUBLE[, BIGINT]) -> DOUBLE"},
        "truncates toward zero to n decimal places (default 0; negative n truncates to tens, "
        "hundreds…)");
    addRounding<RoundMode::kCeil>(registry, {"CEILING"},
                                  {"CEIL(DECIMAL(p,s)) -> DECIMAL(p-s+1,0)",
                                   "CEIL(BIGINT) -> BIGINT", "CEIL(DOUBLE) -> DOUBLE"},
                                  "the smallest integer not less than the argument");
    addRounding<RoundMode::kFloor>(registry, {},
                                   {"FLOOR(DECIMAL(p,s)) -> DECIMAL(p-s+1,0)",
                                    "FLOOR(BIGINT) -> BIGINT", "FLOOR(DOUBLE) -> DOUBLE"},
                                   "the largest integer not greater than the argument");
}

}  // namespace ferris::expr
