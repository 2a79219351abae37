// Comparison operators (= <> < <= > >=), IS [NOT] DISTINCT FROM, IS [NOT] NULL, LIKE and
// the string concatenation operator ||.

#include <fmt/format.h>

#include "expr/cast.h"
#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "expr/like_matcher.h"
#include "types/decimal.h"
#include "types/time.h"

namespace ferris::expr {

using types::DataType;
using types::DecimalSpec;
using types::IntervalValue;
using types::TypeId;
using types::Vector;

namespace {

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

template <CompareOp kOp, typename T>
inline bool compareValues(const T& a, const T& b) {
    if constexpr (kOp == CompareOp::kEq) return a == b;
    if constexpr (kOp == CompareOp::kNe) return !(a == b);
    if constexpr (kOp == CompareOp::kLt) return a < b;
    if constexpr (kOp == CompareOp::kLe) return !(b < a);
    if constexpr (kOp == CompareOp::kGt) return b < a;
    if constexpr (kOp == CompareOp::kGe) return !(a < b);
}

/// Interval order: a month counts as 30 days (intervals are compared, never equal-tested
/// in practice, by their length in microseconds).
inline int128_t intervalLength(IntervalValue v) {
    return static_cast<int128_t>(v.months) * 30 * types::kMicrosPerDay + v.micros;
}

template <CompareOp kOp, typename T>
KernelPtr flatCompareKernel() {
    return makeKernel([](EvalContext&, std::span<const uint32_t> rows, std::span<const Vector* const> args,
                         Vector& out) {
        const T* a = args[0]->values<T>();
        const T* b = args[1]->values<T>();
        uint8_t* r = out.values<uint8_t>();
        for (uint32_t row : rows) {
            if constexpr (std::is_same_v<T, IntervalValue>) {
                r[row] = compareValues<kOp>(intervalLength(a[row]), intervalLength(b[row]));
            } else {
                r[row] = compareValues<kOp>(a[row], b[row]);
            }
        }
    });
}

/// Exact decimal comparison across scales (a BIGINT side is DECIMAL(19,0)): both sides
/// rescaled to the larger scale in 128 bits when that cannot overflow, else compared by
/// the decimal library with 256-bit intermediates.
template <CompareOp kOp, typename A, typename B>
KernelPtr decimalCompareKernel(DecimalSpec specA, DecimalSpec specB) {
    int scale = std::max(specA.scale, specB.scale);
    int digits = std::max(specA.precision - specA.scale, specB.precision - specB.scale) + scale;
    bool fast = digits <= types::kMaxDecimalPrecision;
    int128_t factorA = types::pow10(scale - specA.scale);
    int128_t factorB = types::pow10(scale - specB.scale);
    return makeKernel([=](EvalContext&, std::span<const uint32_t> rows, std::span<const Vector* const> args,
                          Vector& out) {
        const A* a = args[0]->values<A>();
        const B* b = args[1]->values<B>();
        uint8_t* r = out.values<uint8_t>();
        for (uint32_t row : rows) {
            int128_t x = a[row];
            int128_t y = b[row];
            if (fast) {
                r[row] = compareValues<kOp>(x * factorA, y * factorB);
            } else {
                int c = types::decimalCompare(x, specA.scale, y, specB.scale);
                r[row] = compareValues<kOp>(c, 0);
            }
        }
    });
}

template <CompareOp kOp>
KernelPtr makeCompareKernel(const DataType& a, const DataType& b) {
    bool exactNumeric = (a.isDecimal() || b.isDecimal());
    if (exactNumeric) {
        DecimalSpec specA = decimalSpecOf(a);
        DecimalSpec specB = decimalSpecOf(b);
        bool wideA = a.isDecimal128();
        bool wideB = b.isDecimal128();
        if (wideA) {
            return wideB ? decimalCompareKernel<kOp, int128_t, int128_t>(specA, specB)
                         : decimalCompareKernel<kOp, int128_t, int64_t>(specA, specB);
        }
        return wideB ? decimalCompareKernel<kOp, int64_t, int128_t>(specA, specB)
                     : decimalCompareKernel<kOp, int64_t, int64_t>(specA, specB);
    }
    return dispatchStorage(a, [&]<typename T>() { return flatCompareKernel<kOp, T>(); });
}

bool isStringLiteral(const ArgInfo& arg) { return arg.literal.has_value() && arg.type.id() == TypeId::kString; }

/// The types both sides of a comparison are brought to, or an error naming both types.
Result<std::pair<DataType, DataType>> comparisonTypes(std::span<const ArgInfo> args, std::string_view op) {
    DataType a = args[0].type;
    DataType b = args[1].type;
    if (a.isNull()) a = b;
    if (b.isNull()) b = a;
    if (a.isNull()) return std::pair{DataType::bigint(), DataType::bigint()};
    if (a.isNumeric() && b.isNumeric()) {
        if (a.id() == TypeId::kDouble || b.id() == TypeId::kDouble) {
            return std::pair{DataType::float64(), DataType::float64()};
        }
        return std::pair{a, b};  // BIGINT/DECIMAL compared exactly, no cast
    }
    auto temporal = [](const DataType& t) { return t.id() == TypeId::kTimestamp || t.id() == TypeId::kDate; };
    if (temporal(a) && temporal(b)) {
        if (a == b) return std::pair{a, b};
        return std::pair{DataType::timestamp(), DataType::timestamp()};
    }
    // A string literal compared with a date/time is read as one: ts >= '2024-01-01'.
    if (temporal(a) && isStringLiteral(args[1])) return std::pair{a, a};
    if (temporal(b) && isStringLiteral(args[0])) return std::pair{b, b};
    if (a == b && !a.isNested()) return std::pair{a, b};
    if (a.isStringLike() && b.isStringLike() && a.id() == b.id()) return std::pair{a, b};
    return Status::user(ErrorCode::kTypeMismatch,
                        fmt::format("cannot compare {} with {} using {}", args[0].type.toString(),
                                    args[1].type.toString(), op));
}

template <CompareOp kOp>
Result<BoundFunction> resolveCompare(const FunctionEntry& entry, std::span<const ArgInfo> args) {
    FERRIS_ASSIGN_OR_RETURN(auto types, comparisonTypes(args, entry.name));
    BoundFunction bound;
    bound.name = entry.name;
    bound.argTypes = {types.first, types.second};
    bound.resultType = DataType::boolean();
    bound.makeKernel = [types] { return makeCompareKernel<kOp>(types.first, types.second); };
    return bound;
}

template <CompareOp kOp>
void addCompare(FunctionRegistry& registry, std::string name) {
    FunctionEntry entry;
    entry.name = name;
    entry.category = "operator";
    entry.isOperator = true;
    entry.signatures = {fmt::format("T {} T -> BOOLEAN", name)};
    entry.description = fmt::format("the {} comparison", name);
    entry.resolve = resolveCompare<kOp>;
    registry.add(std::move(entry));
}

/// IS [NOT] DISTINCT FROM: NULL-safe equality; never NULL.
KernelPtr distinctKernel(const DataType& a, const DataType& b, bool notDistinct) {
    std::shared_ptr<Kernel> equal = makeCompareKernel<CompareOp::kEq>(a, b);
    return makeKernel([equal, notDistinct](EvalContext& context, std::span<const uint32_t> rows,
                                           std::span<const Vector* const> args, Vector& out) {
        // Values are compared only where both sides hold one (NULL slots hold none).
        std::vector<uint32_t> both;
        both.reserve(rows.size());
        for (uint32_t row : rows) {
            if (!args[0]->isNull(row) && !args[1]->isNull(row)) both.push_back(row);
        }
        if (!both.empty()) equal->apply(context, both, args, out);
        uint8_t* r = out.values<uint8_t>();
        for (uint32_t row : rows) {
            bool nullA = args[0]->isNull(row);
            bool nullB = args[1]->isNull(row);
            bool same = (nullA || nullB) ? (nullA && nullB) : r[row] != 0;
            r[row] = notDistinct ? same : !same;
        }
        out.clearNulls();
    });
}

void addDistinct(FunctionRegistry& registry, std::string name, bool notDistinct) {
    FunctionEntry entry;
    entry.name = name;
    entry.category = "operator";
    entry.isOperator = true;
    entry.signatures = {fmt::format("T {} T -> BOOLEAN", name)};
    entry.description = "NULL-safe comparison";
    entry.resolve = [notDistinct](const FunctionEntry& self, std::span<const ArgInfo> args) -> Result<BoundFunction> {
        FERRIS_ASSIGN_OR_RETURN(auto types, comparisonTypes(args, self.name));
        BoundFunction bound;
        bound.name = self.name;
        bound.argTypes = {types.first, types.second};
        bound.resultType = DataType::boolean();
        bound.nulls = NullHandling::kCustom;
        bound.makeKernel = [types, notDistinct] { return distinctKernel(types.first, types.second, notDistinct); };
        return bound;
    };
    registry.add(std::move(entry));
}

void addIsNull(FunctionRegistry& registry, std::string name, bool wantNull) {
    FunctionEntry entry;
    entry.name = name;
    entry.category = "operator";
    entry.isOperator = true;
    entry.signatures = {fmt::format("T {} -> BOOLEAN", name)};
    entry.description = "NULL test";
    entry.resolve = [wantNull](const FunctionEntry& self, std::span<const ArgInfo> args) -> Result<BoundFunction> {
        BoundFunction bound;
        bound.name = self.name;
        bound.argTypes = {args[0].type};
        bound.resultType = DataType::boolean();
        bound.nulls = NullHandling::kCustom;
        bound.makeKernel = [wantNull] {
            return makeKernel([wantNull](EvalContext&, std::span<const uint32_t> rows,
                                         std::span<const Vector* const> args, Vector& out) {
                uint8_t* r = out.values<uint8_t>();
                for (uint32_t row : rows) r[row] = args[0]->isNull(row) == wantNull;
            });
        };
        return bound;
    };
    registry.add(std::move(entry));
}

/// LIKE with an optional ESCAPE: args (text, pattern[, escape]). A literal pattern is
/// compiled once; a pattern from the data is compiled per distinct value seen.
void addLike(FunctionRegistry& registry) {
    FunctionEntry entry;
    entry.name = "LIKE";
    entry.category = "operator";
    entry.isOperator = true;
    entry.signatures = {"STRING LIKE STRING [ESCAPE STRING] -> BOOLEAN"};
    entry.description = "SQL pattern match: % any sequence, _ any one character; case-sensitive";
    entry.resolve = [](const FunctionEntry& self, std::span<const ArgInfo> args) -> Result<BoundFunction> {
        for (const auto& arg : args) {
            if (arg.type.id() != TypeId::kString && !arg.type.isNull()) return noMatchingOverload(self, args);
        }
        char escape = 0;
        if (args.size() == 3) {
            if (!args[2].literal || args[2].literal->isNull() || args[2].literal->asString().size() != 1) {
                return Status::user(ErrorCode::kInvalidValue, "ESCAPE must be a one-character string literal");
            }
            escape = args[2].literal->asString()[0];
        }
        std::optional<LikeMatcher> constant;
        if (args[1].literal && !args[1].literal->isNull()) {
            auto matcher = LikeMatcher::compile(args[1].literal->asString(), escape);
            // A literal pattern is checked at validation: a bad one is a bad value, not a bad record.
            if (!matcher.isOk()) return Status::user(ErrorCode::kInvalidValue, matcher.status().message());
            constant = std::move(matcher).value();
        }
        BoundFunction bound;
        bound.name = "LIKE";
        bound.argTypes = std::vector<DataType>(args.size(), DataType::string());
        bound.resultType = DataType::boolean();
        bound.makeKernel = [constant, escape]() -> KernelPtr {
            return makeKernel([constant, escape, cachePattern = std::string(), cache = std::optional<LikeMatcher>()](
                                  EvalContext& context, std::span<const uint32_t> rows,
                                  std::span<const Vector* const> args, Vector& out) mutable {
                const auto* text = args[0]->values<std::string_view>();
                uint8_t* r = out.values<uint8_t>();
                if (constant) {
                    for (uint32_t row : rows) r[row] = constant->matches(text[row]);
                    return;
                }
                const auto* pattern = args[1]->values<std::string_view>();
                for (uint32_t row : rows) {
                    if (!cache || cachePattern != pattern[row]) {
                        auto compiled = LikeMatcher::compile(pattern[row], escape);
                        if (!compiled.isOk()) {
                            context.error(row, ErrorCode::kInvalidArgument, compiled.status().message());
                            out.setNull(row);
                            cache.reset();
                            continue;
                        }
                        cache = std::move(compiled).value();
                        cachePattern = std::string(pattern[row]);
                    }
                    r[row] = cache->matches(text[row]);
                }
            });
        };
        return bound;
    };
    registry.add(std::move(entry));
}

/// a || b: concatenation of strings; other scalar types are cast to STRING; NULL if
/// either side is NULL (CONCAT skips NULLs instead).
void addConcatOperator(FunctionRegistry& registry) {
    FunctionEntry entry;
    entry.name = "||";
    entry.category = "operator";
    entry.isOperator = true;
    entry.signatures = {"STRING || STRING -> STRING"};
    entry.description = "string concatenation";
    entry.resolve = [](const FunctionEntry& self, std::span<const ArgInfo> args) -> Result<BoundFunction> {
        for (const auto& arg : args) {
            if (arg.type.isNested() || !checkCast(arg.type, DataType::string()).isOk()) {
                return noMatchingOverload(self, args);
            }
        }
        BoundFunction bound;
        bound.name = "||";
        bound.argTypes = {DataType::string(), DataType::string()};
        bound.resultType = DataType::string();
        bound.makeKernel = [] {
            return makeKernel([](EvalContext& context, std::span<const uint32_t> rows,
                                 std::span<const Vector* const> args, Vector& out) {
                const auto* a = args[0]->values<std::string_view>();
                const auto* b = args[1]->values<std::string_view>();
                auto* r = out.values<std::string_view>();
                for (uint32_t row : rows) {
                    char* buffer = context.arena().allocate(a[row].size() + b[row].size());
                    std::memcpy(buffer, a[row].data(), a[row].size());
                    std::memcpy(buffer + a[row].size(), b[row].data(), b[row].size());
                    r[row] = std::string_view(buffer, a[row].size() + b[row].size());
                }
            });
        };
        return bound;
    };
    registry.add(std::move(entry));
}

}  // namespace

void registerComparisonOperators(FunctionRegistry& registry) {
    addCompare<CompareOp::kEq>(registry, "=");
    addCompare<CompareOp::kNe>(registry, "<>");
    addCompare<CompareOp::kLt>(registry, "<");
    addCompare<CompareOp::kLe>(registry, "<=");
    addCompare<CompareOp::kGt>(registry, ">");
    addCompare<CompareOp::kGe>(registry, ">=");
    addDistinct(registry, "IS DISTINCT FROM", false);
    addDistinct(registry, "IS NOT DISTINCT FROM", true);
    addIsNull(registry, "IS NULL", true);
    addIsNull(registry, "IS NOT NULL", false);
    addLike(registry);
    addConcatOperator(registry);
}

}  // namespace ferris::expr
