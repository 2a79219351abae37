// The arithmetic operators + - * / % and unary minus, for BIGINT, DOUBLE, DECIMAL (exact,
// §1.4.1 result types) and TIMESTAMP/DATE/INTERVAL arithmetic.

#include <cmath>

#include <fmt/format.h>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "types/decimal.h"
#include "types/time.h"

namespace ferris::expr {

using types::DataType;
using types::DecimalSpec;
using types::DecimalStatus;
using types::IntervalValue;
using types::TypeId;
using types::Vector;

namespace {

enum class ArithOp : uint8_t { kAdd, kSubtract, kMultiply, kDivide, kModulo };

constexpr std::string_view opSymbol(ArithOp op) {
    switch (op) {
        case ArithOp::kAdd: return "+";
        case ArithOp::kSubtract: return "-";
        case ArithOp::kMultiply: return "*";
        case ArithOp::kDivide: return "/";
        case ArithOp::kModulo: return "%";
    }
    return "?";
}

// ---- BIGINT -------------------------------------------------------------------------------

template <ArithOp kOp>
KernelPtr bigintKernel() {
    return binaryCheckedKernel<int64_t, int64_t, int64_t>(
        [](EvalContext& context, uint32_t row, int64_t a, int64_t b, int64_t& out) {
            bool overflow = false;
            if constexpr (kOp == ArithOp::kAdd) {
                overflow = __builtin_add_overflow(a, b, &out);
            } else if constexpr (kOp == ArithOp::kSubtract) {
                overflow = __builtin_sub_overflow(a, b, &out);
            } else if constexpr (kOp == ArithOp::kMultiply) {
                overflow = __builtin_mul_overflow(a, b, &out);
            } else {
                if (b == 0) {
                    context.error(row, ErrorCode::kDivisionByZero,
                                  fmt::format("division by zero: {} {} 0", a, opSymbol(kOp)));
                    return false;
                }
                if (a == INT64_MIN && b == -1) {
                    if constexpr (kOp == ArithOp::kModulo) {
                        out = 0;
                        return true;
                    }
                    overflow = true;
                } else if constexpr (kOp == ArithOp::kDivide) {
                    out = a / b;  // truncates toward zero
                } else {
                    out = a % b;
                }
            }
            if (overflow) {
                context.error(row, ErrorCode::kIntegerOverflow,
                              fmt::format("integer overflow: {} {} {}", a, opSymbol(kOp), b));
                return false;
            }
            return true;
        });
}

// ---- DOUBLE -------------------------------------------------------------------------------

template <ArithOp kOp>
KernelPtr doubleKernel() {
    return binaryKernel<double, double, double>([](double a, double b) {
        if constexpr (kOp == ArithOp::kAdd) return a + b;
        if constexpr (kOp == ArithOp::kSubtract) return a - b;
        if constexpr (kOp == ArithOp::kMultiply) return a * b;
        if constexpr (kOp == ArithOp::kDivide) return a / b;
        if constexpr (kOp == ArithOp::kModulo) return std::fmod(a, b);
    });
}

// ---- DECIMAL ------------------------------------------------------------------------------

DecimalSpec resultSpec(ArithOp op, DecimalSpec a, DecimalSpec b) {
    switch (op) {
        case ArithOp::kAdd:
        case ArithOp::kSubtract: return types::decimalAddResultType(a, b);
        case ArithOp::kMultiply: return types::decimalMultiplyResultType(a, b);
        case ArithOp::kDivide: return types::decimalDivideResultType(a, b);
        case ArithOp::kModulo: return types::decimalModuloResultType(a, b);
    }
    return {};
}

void reportDecimal(EvalContext& context, uint32_t row, DecimalStatus status, ArithOp op, int128_t a,
                   DecimalSpec specA, int128_t b, DecimalSpec specB, DecimalSpec result) {
    std::string left = types::decimalToString(a, specA.scale);
    std::string right = types::decimalToString(b, specB.scale);
    if (status == DecimalStatus::kDivisionByZero) {
        context.error(row, ErrorCode::kDivisionByZero,
                      fmt::format("division by zero: {} {} {}", left, opSymbol(op), right));
    } else {
        context.error(row, ErrorCode::kDecimalOverflow,
                      fmt::format("decimal overflow: {} {} {} does not fit DECIMAL({},{})", left, opSymbol(op),
                                  right, result.precision, result.scale));
    }
}

/// Exact decimal arithmetic. Operands are read in their storage width (a BIGINT operand is
/// a DECIMAL(19,0)); results are written in the result type's width. Additions and
/// products that need no rounding take an inline 128-bit path; the rest go through the
/// decimal library (256-bit intermediates).
template <ArithOp kOp, typename A, typename B, typename R>
KernelPtr decimalKernel(DecimalSpec specA, DecimalSpec specB, DecimalSpec result) {
    bool exactPath = false;
    int shiftA = 0;
    int shiftB = 0;
    if constexpr (kOp == ArithOp::kAdd || kOp == ArithOp::kSubtract) {
        // No clamp happened: the result scale is max(sA, sB), nothing is rounded, and the
        // rescaled operands (< 10^37) and their sum fit 128 bits. After a clamp (p > 38)
        // the rescaled operands may not fit, or the scale shrank: the library path.
        int scale = std::max(specA.scale, specB.scale);
        int digits = std::max(specA.precision - specA.scale, specB.precision - specB.scale) + scale + 1;
        exactPath = result.scale == scale && digits <= types::kMaxDecimalPrecision;
        if (exactPath) {
            shiftA = result.scale - specA.scale;
            shiftB = result.scale - specB.scale;
        }
    } else if constexpr (kOp == ArithOp::kMultiply) {
        exactPath = result.scale == specA.scale + specB.scale &&
                    specA.precision + specB.precision <= types::kMaxDecimalPrecision;
    }
    int128_t factorA = types::pow10(shiftA);
    int128_t factorB = types::pow10(shiftB);
    int128_t limit = types::pow10(result.precision);
    return makeKernel([=](EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const Vector* const> args, Vector& out) {
        const A* a = args[0]->values<A>();
        const B* b = args[1]->values<B>();
        R* r = out.values<R>();
        for (uint32_t row : rows) {
            int128_t x = a[row];
            int128_t y = b[row];
            int128_t value = 0;
            DecimalStatus status = DecimalStatus::kOk;
            if (exactPath) {
                if constexpr (kOp == ArithOp::kAdd) {
                    value = x * factorA + y * factorB;
                } else if constexpr (kOp == ArithOp::kSubtract) {
                    value = x * factorA - y * factorB;
                } else if constexpr (kOp == ArithOp::kMultiply) {
                    value = x * y;
                }
                if (value >= limit || value <= -limit) status = DecimalStatus::kOverflow;
            } else {
                if constexpr (kOp == ArithOp::kAdd) {
                    status = types::decimalAdd(x, specA.scale, y, specB.scale, result, value);
                } else if constexpr (kOp == ArithOp::kSubtract) {
                    status = types::decimalSubtract(x, specA.scale, y, specB.scale, result, value);
                } else if constexpr (kOp == ArithOp::kMultiply) {
                    status = types::decimalMultiply(x, specA.scale, y, specB.scale, result, value);
                } else if constexpr (kOp == ArithOp::kDivide) {
                    status = types::decimalDivide(x, specA.scale, y, specB.scale, result, value);
                } else {
                    status = types::decimalModulo(x, specA.scale, y, specB.scale, result, value);
                }
            }
            if (status != DecimalStatus::kOk) [[unlikely]] {
                reportDecimal(context, row, status, kOp, x, specA, y, specB, result);
                out.setNull(row);
                continue;
            }
            r[row] = static_cast<R>(value);
        }
    });
}

template <ArithOp kOp>
KernelPtr makeDecimalKernel(const DataType& typeA, const DataType& typeB, DecimalSpec result) {
    DecimalSpec a = decimalSpecOf(typeA);
    DecimalSpec b = decimalSpecOf(typeB);
    bool wideA = typeA.isDecimal128();
    bool wideB = typeB.isDecimal128();
    bool wideR = result.precision > types::kMaxDecimal64Precision;
    auto pick = [&]<typename A, typename B>() -> KernelPtr {
        if (wideR) return decimalKernel<kOp, A, B, int128_t>(a, b, result);
        return decimalKernel<kOp, A, B, int64_t>(a, b, result);
    };
    if (wideA) {
        return wideB ? pick.template operator()<int128_t, int128_t>() : pick.template operator()<int128_t, int64_t>();
    }
    return wideB ? pick.template operator()<int64_t, int128_t>() : pick.template operator()<int64_t, int64_t>();
}

// ---- Time ---------------------------------------------------------------------------------

KernelPtr timestampPlusInterval(bool subtract) {
    return binaryCheckedKernel<int64_t, IntervalValue, int64_t>(
        [subtract](EvalContext& context, uint32_t row, int64_t ts, IntervalValue interval, int64_t& out) {
            if (subtract) {
                interval.months = -interval.months;
                interval.micros = -interval.micros;
            }
            if (!types::addInterval(ts, interval, out)) {
                context.error(row, ErrorCode::kIntegerOverflow, "timestamp arithmetic out of range");
                return false;
            }
            return true;
        });
}

// ---- Resolution ---------------------------------------------------------------------------

bool isExactNumeric(const DataType& type) { return type.id() == TypeId::kBigint || type.isDecimal(); }

/// The type a NULL literal takes beside an operand of type `other` (standard SQL: a NULL
/// is typed by its context, so x + NULL is x's type): a number beside a number, an
/// INTERVAL beside a TIMESTAMP or DATE (ts + NULL, ts - NULL) — except NULL - ts, a
/// TIMESTAMP difference — and beside an INTERVAL an INTERVAL, or the BIGINT factor of ×.
template <ArithOp kOp>
DataType nullOperandType(const DataType& other, bool nullIsLeft) {
    if (other.isNull() || other.isNumeric()) return other.isNull() ? DataType::bigint() : other;
    if (other.id() == TypeId::kTimestamp || other.id() == TypeId::kDate) {
        return kOp == ArithOp::kSubtract && nullIsLeft ? DataType::timestamp() : DataType::interval();
    }
    if (other.id() == TypeId::kInterval) return kOp == ArithOp::kMultiply ? DataType::bigint() : other;
    return other;
}

template <ArithOp kOp>
Result<BoundFunction> resolveArithmetic(const FunctionEntry& entry, std::span<const ArgInfo> args) {
    BoundFunction bound;
    bound.name = entry.name;
    DataType a = args[0].type;
    DataType b = args[1].type;
    if (a.isNull()) a = nullOperandType<kOp>(b, true);
    if (b.isNull()) b = nullOperandType<kOp>(a, false);
    if (a.id() == TypeId::kBigint && b.id() == TypeId::kBigint) {
        bound.argTypes = {a, b};
        bound.resultType = DataType::bigint();
        bound.makeKernel = [] { return bigintKernel<kOp>(); };
        return bound;
    }
    if ((a.isNumeric() && b.isNumeric()) && (a.id() == TypeId::kDouble || b.id() == TypeId::kDouble)) {
        bound.argTypes = {DataType::float64(), DataType::float64()};
        bound.resultType = DataType::float64();
        bound.makeKernel = [] { return doubleKernel<kOp>(); };
        return bound;
    }
    if (isExactNumeric(a) && isExactNumeric(b)) {
        DecimalSpec spec = resultSpec(kOp, decimalSpecOf(a), decimalSpecOf(b));
        bound.argTypes = {a, b};
        bound.resultType = DataType::decimal(spec.precision, spec.scale);
        bound.makeKernel = [a, b, spec] { return makeDecimalKernel<kOp>(a, b, spec); };
        return bound;
    }
    if constexpr (kOp == ArithOp::kAdd || kOp == ArithOp::kSubtract) {
        bool subtract = kOp == ArithOp::kSubtract;
        auto timeLike = [](const DataType& t) { return t.id() == TypeId::kTimestamp || t.id() == TypeId::kDate; };
        if (timeLike(a) && b.id() == TypeId::kInterval) {
            bound.argTypes = {DataType::timestamp(), b};
            bound.resultType = DataType::timestamp();
            bound.makeKernel = [subtract] { return timestampPlusInterval(subtract); };
            return bound;
        }
        if (!subtract && a.id() == TypeId::kInterval && timeLike(b)) {
            // INTERVAL + TIMESTAMP: swap the operands inside the kernel.
            bound.argTypes = {a, DataType::timestamp()};
            bound.resultType = DataType::timestamp();
            bound.makeKernel = [] {
                return binaryCheckedKernel<IntervalValue, int64_t, int64_t>(
                    [](EvalContext& context, uint32_t row, IntervalValue interval, int64_t ts, int64_t& out) {
                        if (!types::addInterval(ts, interval, out)) {
                            context.error(row, ErrorCode::kIntegerOverflow, "timestamp arithmetic out of range");
                            return false;
                        }
                        return true;
                    });
            };
            return bound;
        }
        if (subtract && a.id() == TypeId::kTimestamp && b.id() == TypeId::kTimestamp) {
            bound.argTypes = {a, b};
            bound.resultType = DataType::interval();
            bound.makeKernel = [] {
                return binaryCheckedKernel<int64_t, int64_t, IntervalValue>(
                    [](EvalContext& context, uint32_t row, int64_t x, int64_t y, IntervalValue& out) {
                        out.months = 0;
                        if (__builtin_sub_overflow(x, y, &out.micros)) {
                            context.error(row, ErrorCode::kIntegerOverflow, "timestamp difference out of range");
                            return false;
                        }
                        return true;
                    });
            };
            return bound;
        }
        if (a.id() == TypeId::kInterval && b.id() == TypeId::kInterval) {
            bound.argTypes = {a, b};
            bound.resultType = DataType::interval();
            bound.makeKernel = [subtract] {
                return binaryCheckedKernel<IntervalValue, IntervalValue, IntervalValue>(
                    [subtract](EvalContext& context, uint32_t row, IntervalValue x, IntervalValue y,
                               IntervalValue& out) {
                        bool overflow = subtract ? (__builtin_sub_overflow(x.months, y.months, &out.months) ||
                                                    __builtin_sub_overflow(x.micros, y.micros, &out.micros))
                                                 : (__builtin_add_overflow(x.months, y.months, &out.months) ||
                                                    __builtin_add_overflow(x.micros, y.micros, &out.micros));
                        if (overflow) {
                            context.error(row, ErrorCode::kIntegerOverflow, "interval arithmetic out of range");
                            return false;
                        }
                        return true;
                    });
            };
            return bound;
        }
    }
    if constexpr (kOp == ArithOp::kMultiply) {
        if (a.id() == TypeId::kInterval && b.id() == TypeId::kBigint) {
            bound.argTypes = {a, b};
            bound.resultType = DataType::interval();
            bound.makeKernel = [] {
                return binaryCheckedKernel<IntervalValue, int64_t, IntervalValue>(
                    [](EvalContext& context, uint32_t row, IntervalValue x, int64_t n, IntervalValue& out) {
                        int64_t months = 0;
                        if (__builtin_mul_overflow(int64_t{x.months}, n, &months) || months > INT32_MAX ||
                            months < INT32_MIN || __builtin_mul_overflow(x.micros, n, &out.micros)) {
                            context.error(row, ErrorCode::kIntegerOverflow, "interval arithmetic out of range");
                            return false;
                        }
                        out.months = static_cast<int32_t>(months);
                        return true;
                    });
            };
            return bound;
        }
    }
    return noMatchingOverload(entry, args);
}

template <ArithOp kOp>
void addArithmetic(FunctionRegistry& registry, std::string name, std::vector<std::string> signatures) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.category = "operator";
    entry.isOperator = true;
    entry.signatures = std::move(signatures);
    entry.description = fmt::format("the {} operator", opSymbol(kOp));
    entry.resolve = resolveArithmetic<kOp>;
    registry.add(std::move(entry));
}

KernelPtr negateKernel(const DataType& type) {
    switch (type.id()) {
        case TypeId::kBigint:
            return unaryCheckedKernel<int64_t, int64_t>([](EvalContext& context, uint32_t row, int64_t v, int64_t& out) {
                if (v == INT64_MIN) {
                    context.error(row, ErrorCode::kIntegerOverflow, fmt::format("integer overflow: -({})", v));
                    return false;
                }
                out = -v;
                return true;
            });
        case TypeId::kDouble: return unaryKernel<double, double>([](double v) { return -v; });
        case TypeId::kDecimal:
            if (type.isDecimal64()) return unaryKernel<int64_t, int64_t>([](int64_t v) { return -v; });
            return unaryKernel<int128_t, int128_t>([](int128_t v) { return -v; });
        case TypeId::kInterval:
            return unaryKernel<IntervalValue, IntervalValue>(
                [](IntervalValue v) { return IntervalValue{-v.months, -v.micros}; });
        default: FERRIS_UNREACHABLE("negate " + type.toString());
    }
}

}  // namespace

void registerArithmeticOperators(FunctionRegistry& registry) {
    std::vector<std::string> numeric = {"BIGINT op BIGINT -> BIGINT", "DECIMAL op DECIMAL -> DECIMAL",
                                        "DOUBLE op DOUBLE -> DOUBLE"};
    auto with = [&](std::vector<std::string> extra) {
        auto all = numeric;
        all.insert(all.end(), extra.begin(), extra.end());
        return all;
    };
    addArithmetic<ArithOp::kAdd>(registry, "+",
                                 with({"TIMESTAMP + INTERVAL -> TIMESTAMP", "INTERVAL + INTERVAL -> INTERVAL"}));
    addArithmetic<ArithOp::kSubtract>(
        registry, "-",
        with({"TIMESTAMP - INTERVAL -> TIMESTAMP", "TIMESTAMP - TIMESTAMP -> INTERVAL",
              "INTERVAL - INTERVAL -> INTERVAL"}));
    addArithmetic<ArithOp::kMultiply>(registry, "*", with({"INTERVAL * BIGINT -> INTERVAL"}));
    addArithmetic<ArithOp::kDivide>(registry, "/", numeric);
    addArithmetic<ArithOp::kModulo>(registry, "%", numeric);

    FunctionEntry negate;
    negate.name = "NEGATE";
    negate.category = "operator";
    negate.isOperator = true;
    negate.signatures = {"-BIGINT", "-DOUBLE", "-DECIMAL", "-INTERVAL"};
    negate.description = "unary minus";
    negate.resolve = [](const FunctionEntry&, std::span<const ArgInfo> args) -> Result<BoundFunction> {
        // -NULL is a BIGINT NULL.
        const DataType type = args[0].type.isNull() ? DataType::bigint() : args[0].type;
        if (!type.isNumeric() && type.id() != TypeId::kInterval) {
            return Status::user(ErrorCode::kTypeMismatch, fmt::format("cannot negate {}", type.toString()));
        }
        BoundFunction bound;
        bound.name = "NEGATE";
        bound.argTypes = {type};
        bound.resultType = type;
        bound.makeKernel = [type] { return negateKernel(type); };
        return bound;
    };
    registry.add(std::move(negate));
}

}  // namespace ferris::expr
