// Math functions: ABS, SIGN, SQRT, POWER, EXP, LN, LOG10, MOD, LEAST, GREATEST here; the
// rounding family (ROUND, TRUNC, CEIL, FLOOR) in functions_math_rounding.cpp.

#include <fmt/format.h>

#include <cmath>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "expr/type_coercion.h"
#include "types/decimal.h"

namespace ferris::expr {

/// Defined in functions_math_rounding.cpp.
void registerMathRoundingFunctions(FunctionRegistry& registry);

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

using ResolveFunction = Result<BoundFunction> (*)(const FunctionEntry&, std::span<const ArgInfo>);

void addMath(FunctionRegistry& registry, std::string name, std::vector<std::string> aliases,
             std::vector<std::string> signatures, std::string description,
             ResolveFunction resolve) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.aliases = std::move(aliases);
    entry.category = "math";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = resolve;
    registry.add(std::move(entry));
}

/// The type a numeric argument is taken as: a bare NULL counts as BIGINT; anything not
/// numeric gives nullopt.
std::optional<DataType> numericArg(const ArgInfo& arg) {
    if (arg.type.isNull()) return DataType::bigint();
    if (arg.type.isNumeric()) return arg.type;
    return std::nullopt;
}

// ---- ABS ----------------------------------------------------------------------------------

KernelPtr absKernel(const DataType& type) {
    switch (type.id()) {
        case TypeId::kBigint:
            return unaryCheckedKernel<int64_t, int64_t>(
                [](EvalContext& context, uint32_t row, int64_t v, int64_t& out) {
                    if (v == INT64_MIN) [[unlikely]] {
                        context.error(row, ErrorCode::kIntegerOverflow,
                                      fmt::format("integer overflow: ABS({})", v));
                        return false;
                    }
                    out = v < 0 ? -v : v;
                    return true;
                });
        case TypeId::kDouble:
            return unaryKernel<double, double>([](double v) { return std::fabs(v); });
        case TypeId::kDecimal:
            // |x| < 10^p: the absolute value always fits the argument's type.
            if (type.isDecimal64()) {
                return unaryKernel<int64_t, int64_t>([](int64_t v) { return v < 0 ? -v : v; });
            }
            return unaryKernel<int128_t, int128_t>([](int128_t v) { return v < 0 ? -v : v; });
        default: FERRIS_UNREACHABLE("ABS of " + type.toString());
    }
}

Result<BoundFunction> resolveAbs(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 1) return noMatchingOverload(self, args);
    std::optional<DataType> type = numericArg(args[0]);
    if (!type) return noMatchingOverload(self, args);
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {*type};
    bound.resultType = *type;
    bound.makeKernel = [type = *type] { return absKernel(type); };
    return bound;
}

// ---- SIGN ---------------------------------------------------------------------------------

template <typename T>
int64_t signOf(T v) {
    return (v > 0) - (v < 0);
}

KernelPtr signKernel(const DataType& type) {
    switch (type.id()) {
        case TypeId::kBigint:
            return unaryKernel<int64_t, int64_t>([](int64_t v) { return signOf(v); });
        case TypeId::kDouble:
            return unaryCheckedKernel<double, int64_t>(
                [](EvalContext& context, uint32_t row, double v, int64_t& out) {
                    if (std::isnan(v)) [[unlikely]] {
                        context.error(row, ErrorCode::kInvalidArgument,
                                      "SIGN(NaN) has no BIGINT value");
                        return false;
                    }
                    out = signOf(v);
                    return true;
                });
        case TypeId::kDecimal:
            if (type.isDecimal64()) {
                return unaryKernel<int64_t, int64_t>([](int64_t v) { return signOf(v); });
            }
            return unaryKernel<int128_t, int64_t>([](int128_t v) { return signOf(v); });
        default: FERRIS_UNREACHABLE("SIGN of " + type.toString());
    }
}

Result<BoundFunction> resolveSign(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 1) return noMatchingOverload(self, args);
    std::optional<DataType> type = numericArg(args[0]);
    if (!type) return noMatchingOverload(self, args);
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {*type};
    bound.resultType = DataType::bigint();
    bound.makeKernel = [type = *type] { return signKernel(type); };
    return bound;
}

// ---- SQRT, EXP, LN, LOG10, POWER: DOUBLE in, DOUBLE out (IEEE 754) ------------------------

enum class DoubleFunction : uint8_t { kSqrt, kExp, kLn, kLog10 };

template <DoubleFunction kFunction>
double applyDouble(double v) {
    if constexpr (kFunction == DoubleFunction::kSqrt) return std::sqrt(v);
    if constexpr (kFunction == DoubleFunction::kExp) return std::exp(v);
    if constexpr (kFunction == DoubleFunction::kLn) return std::log(v);
    if constexpr (kFunction == DoubleFunction::kLog10) return std::log10(v);
}

template <DoubleFunction kFunction>
Result<BoundFunction> resolveDoubleFunction(const FunctionEntry& self,
                                            std::span<const ArgInfo> args) {
    if (args.size() != 1 || !numericArg(args[0])) return noMatchingOverload(self, args);
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {DataType::float64()};
    bound.resultType = DataType::float64();
    bound.makeKernel = [] {
        return unaryKernel<double, double>([](double v) { return applyDouble<kFunction>(v); });
    };
    return bound;
}

Result<BoundFunction> resolvePower(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2 || !numericArg(args[0]) || !numericArg(args[1])) {
        return noMatchingOverload(self, args);
    }
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {DataType::float64(), DataType::float64()};
    bound.resultType = DataType::float64();
    bound.makeKernel = [] {
        return binaryKernel<double, double, double>(
            [](double a, double b) { return std::pow(a, b); });
    };
    return bound;
}

// ---- MOD ----------------------------------------------------------------------------------

/// MOD(a, b) is the `%` operator: its overload, result type and kernel, under MOD's name.
Result<BoundFunction> resolveMod(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2) return noMatchingOverload(self, args);
    std::optional<DataType> a = numericArg(args[0]);
    std::optional<DataType> b = numericArg(args[1]);
    if (!a || !b) return noMatchingOverload(self, args);
    // A bare NULL takes the other side's type (both NULL: BIGINT).
    if (args[0].type.isNull()) a = *b;
    if (args[1].type.isNull()) b = *a;
    const FunctionEntry* modulo = FunctionRegistry::builtins().find("%");
    FERRIS_CHECK(modulo != nullptr, "the % operator is not registered");
    ArgInfo operands[] = {{*a, args[0].literal}, {*b, args[1].literal}};
    FERRIS_ASSIGN_OR_RETURN(BoundFunction bound, modulo->resolve(*modulo, operands));
    bound.name = self.name;
    return bound;
}

// ---- LEAST, GREATEST ----------------------------------------------------------------------

/// Order used by LEAST/GREATEST: the natural order, with NaN above every other DOUBLE
/// (as in PostgreSQL and Spark), so that the result never depends on argument order.
template <typename T>
bool orderedBefore(const T& a, const T& b) {
    if constexpr (std::is_same_v<T, double>) {
        if (std::isnan(b)) return !std::isnan(a);
        if (std::isnan(a)) return false;
    }
    return a < b;
}

/// Keeps, per row, the smallest (LEAST) or largest (GREATEST) value seen so far; arguments
/// were cast to one common type, so values of every argument compare directly (DECIMALs
/// share one scale). Ties keep the earlier argument.
template <bool kGreatest, typename T>
KernelPtr extremeKernel() {
    return makeKernel([](EvalContext&, std::span<const uint32_t> rows,
                         std::span<const Vector* const> args, Vector& out) {
        T* result = out.values<T>();
        const T* first = args[0]->values<T>();
        for (uint32_t row : rows) result[row] = first[row];
        for (size_t k = 1; k < args.size(); ++k) {
            const T* values = args[k]->values<T>();
            for (uint32_t row : rows) {
                bool better = kGreatest ? orderedBefore(result[row], values[row])
                                        : orderedBefore(values[row], result[row]);
                if (better) result[row] = values[row];
            }
        }
    });
}

bool isOrderable(const DataType& type) {
    switch (type.id()) {
        case TypeId::kBoolean:
        case TypeId::kBigint:
        case TypeId::kDouble:
        case TypeId::kDecimal:
        case TypeId::kString:
        case TypeId::kBytes:
        case TypeId::kTimestamp:
        case TypeId::kDate: return true;
        default: return false;
    }
}

template <bool kGreatest>
Result<BoundFunction> resolveExtreme(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.empty()) return noMatchingOverload(self, args);
    std::vector<DataType> types;
    types.reserve(args.size());
    for (const auto& arg : args) {
        if (!arg.type.isNull() && !isOrderable(arg.type)) return noMatchingOverload(self, args);
        types.push_back(arg.type);
    }
    FERRIS_ASSIGN_OR_RETURN(DataType common, commonType(types, self.name));
    if (common.isNull()) common = DataType::bigint();
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes.assign(args.size(), common);
    bound.resultType = common;
    bound.makeKernel = [common] {
        return dispatchStorage(common, [&]<typename T>() -> KernelPtr {
            if constexpr (std::is_same_v<T, types::IntervalValue>) {
                FERRIS_UNREACHABLE("LEAST/GREATEST of " + common.toString());
            } else {
                return extremeKernel<kGreatest, T>();
            }
        });
    };
    return bound;
}

}  // namespace

void registerMathFunctions(FunctionRegistry& registry) {
    addMath(
        registry, "ABS", {},
        {"ABS(BIGINT) -> BIGINT", "ABS(DECIMAL(p,s)) -> DECIMAL(p,s)", "ABS(DOUBLE) -> DOUBLE"},
        "absolute value, of the argument's type; ABS of the smallest BIGINT is an integer overflow "
        "row error",
        resolveAbs);
    registerMathRoundingFunctions(registry);
    addMath(registry, "SIGN", {},
            {"SIGN(BIGINT) -> BIGINT", "SIGN(DECIMAL) -> BIGINT", "SIGN(DOUBLE) -> BIGINT"},
            "-1, 0 or 1 by the sign of the argument (SIGN(-0.0) is 0; SIGN(NaN) is a row error)",
            resolveSign);
    addMath(registry, "SQRT", {}, {"SQRT(DOUBLE) -> DOUBLE"},
            "square root, in DOUBLE (IEEE 754: SQRT of a negative number is NaN, no error)",
            resolveDoubleFunction<DoubleFunction::kSqrt>);
    addMath(registry, "POWER", {"POW"}, {"POWER(DOUBLE, DOUBLE) -> DOUBLE"},
            "x raised to the power y, in DOUBLE (IEEE 754: POWER(0, -1) is Infinity, "
            "POWER(-8, 0.5) is NaN, no error)",
            resolvePower);
    addMath(registry, "EXP", {}, {"EXP(DOUBLE) -> DOUBLE"},
            "e raised to the power x, in DOUBLE (IEEE 754: overflow gives Infinity, no error)",
            resolveDoubleFunction<DoubleFunction::kExp>);
    addMath(registry, "LN", {}, {"LN(DOUBLE) -> DOUBLE"},
            "natural logarithm, in DOUBLE (IEEE 754: LN(0) is -Infinity, LN of a negative number "
            "is NaN, no error)",
            resolveDoubleFunction<DoubleFunction::kLn>);
    addMath(registry, "LOG10", {}, {"LOG10(DOUBLE) -> DOUBLE"},
            "base-10 logarithm, in DOUBLE (IEEE 754: LOG10(0) is -Infinity, LOG10 of a negative "
            "number is NaN, no error)",
            resolveDoubleFunction<DoubleFunction::kLog10>);
    addMath(registry, "MOD", {},
            {"MOD(BIGINT, BIGINT) -> BIGINT", "MOD(DECIMAL, DECIMAL) -> DECIMAL",
             "MOD(DOUBLE, DOUBLE) -> DOUBLE"},
            "remainder of a / b with the sign of a, exactly as the % operator (division by zero "
            "is a row error for BIGINT and DECIMAL)",
            resolveMod);
    addMath(registry, "LEAST", {}, {"LEAST(T, T, ...) -> T"},
            "the smallest argument, compared in the arguments' common type; NULL if any argument "
            "is NULL; NaN counts as larger than every other DOUBLE",
            resolveExtreme<false>);
    addMath(registry, "GREATEST", {}, {"GREATEST(T, T, ...) -> T"},
            "the largest argument, compared in the arguments' common type; NULL if any argument "
            "is NULL; NaN counts as larger than every other DOUBLE",
            resolveExtreme<true>);
}

}  // namespace ferris::expr
