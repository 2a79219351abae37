// The basic aggregates: COUNT, SUM, AVG, MIN, MAX (§1.3), exact for DECIMAL (§1.4.1).

#include <cstring>
#include <new>

#include <fmt/format.h>

#include "expr/function_registry.h"
#include "expr/aggregates.h"
#include "expr/kernel_util.h"
#include "types/decimal.h"

namespace ferris::expr {

using types::DataType;
using types::DecimalSpec;
using types::TypeId;
using types::Vector;

namespace {

template <typename T>
void appendRaw(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
bool readRaw(std::string_view& bytes, T& value) {
    if (bytes.size() < sizeof(T)) return false;
    std::memcpy(&value, bytes.data(), sizeof(T));
    bytes.remove_prefix(sizeof(T));
    return true;
}

Status corrupt(std::string_view name) {
    return Status::internal(fmt::format("corrupt {} state in a checkpoint", name));
}

// ---- COUNT ----------------------------------------------------------------------------------

/// COUNT(*) and COUNT(x): a 64-bit counter. COUNT(*) counts every row, COUNT(x) the rows
/// where x is not NULL (the caller filters those).
class CountKernel final : public AggregateKernel {
public:
    explicit CountKernel(bool star) : star_(star) {}
    size_t stateSize() const override { return 16; }
    void init(uint8_t* state) const override { std::memset(state, 0, 16); }
    bool needsDestroy() const override { return false; }
    bool countsNulls() const override { return star_; }
    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows, std::span<const Vector* const>,
                std::span<const int64_t>, EvalContext&) const override {
        for (size_t i = 0; i < rows.size(); ++i) ++*reinterpret_cast<int64_t*>(states[i]);
    }
    void merge(uint8_t* target, const uint8_t* source) const override {
        *reinterpret_cast<int64_t*>(target) += *reinterpret_cast<const int64_t*>(source);
    }
    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        out.values<int64_t>()[row] = *reinterpret_cast<const int64_t*>(state);
    }
    void serialize(const uint8_t* state, std::string& out) const override {
        appendRaw(out, *reinterpret_cast<const int64_t*>(state));
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        if (!readRaw(bytes, *reinterpret_cast<int64_t*>(state))) return corrupt("COUNT");
        return Status::ok();
    }

private:
    bool star_;
};

// ---- SUM / AVG ------------------------------------------------------------------------------

/// The state of SUM and AVG over exact numbers: a 128-bit sum of unscaled values (integers
/// are scale 0) and a count.
struct ExactSum {
    types::int128_t sum;
    int64_t count;
    int64_t padding;
};
static_assert(sizeof(ExactSum) == 32);

/// The state of SUM and AVG over DOUBLE.
struct DoubleSum {
    double sum;
    int64_t count;
};

/// SUM/AVG of BIGINT or DECIMAL. SUM(BIGINT) is BIGINT (overflow beyond int64 is an error
/// for the record that causes it); SUM(DECIMAL(p,s)) is DECIMAL(38,s) (beyond 38 digits: an
/// error); AVG(BIGINT) is DOUBLE, AVG(DECIMAL(p,s)) is DECIMAL(38, max(6,s)), exact and
/// rounded half away from zero.
class ExactSumKernel final : public AggregateKernel {
public:
    ExactSumKernel(DataType argument, DataType result, bool average)
        : argument_(std::move(argument)), result_(std::move(result)), average_(average) {
        limit_ = argument_.isDecimal() ? types::pow10(types::kMaxDecimalPrecision) : 0;
        // AVG of DECIMAL(p,s) is DECIMAL(38, max(6,s)): the average of values that fit it fits
        // it, so a value that does not is rejected when it comes (never a NULL at the end).
        if (average_ && argument_.isDecimal()) {
            valueLimit_ = types::pow10(types::kMaxDecimalPrecision - result_.scale() + argument_.scale());
        }
    }

    size_t stateSize() const override { return sizeof(ExactSum); }
    void init(uint8_t* state) const override { new (state) ExactSum{0, 0, 0}; }
    bool needsDestroy() const override { return false; }
    bool canFail() const override { return true; }

    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t>, EvalContext& context) const override {
        const Vector& values = *args[0];
        for (size_t i = 0; i < rows.size(); ++i) {
            auto* state = reinterpret_cast<ExactSum*>(states[i]);
            types::int128_t value = readDecimal(values, rows[i]);
            if (valueLimit_ != 0 && (value >= valueLimit_ || value <= -valueLimit_)) {
                context.error(rows[i], ErrorCode::kDecimalOverflow,
                              fmt::format("AVG's result type {} cannot hold this record's value", result_.toString()));
                continue;
            }
            types::int128_t sum = 0;
            bool overflow = __builtin_add_overflow(state->sum, value, &sum);
            if (!overflow) {
                if (argument_.isDecimal()) {
                    overflow = sum >= limit_ || sum <= -limit_;
                } else if (!average_) {
                    overflow = sum > INT64_MAX || sum < INT64_MIN;
                }
            }
            if (overflow) {
                context.error(rows[i], argument_.isDecimal() ? ErrorCode::kDecimalOverflow : ErrorCode::kIntegerOverflow,
                              fmt::format("{} overflows {} with this record", average_ ? "AVG's sum" : "SUM",
                                          argument_.isDecimal() ? DataType::decimal(38, argument_.scale()).toString()
                                                                : std::string("BIGINT")));
                continue;
            }
            state->sum = sum;
            ++state->count;
        }
    }

    void undo(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
              std::span<const Vector* const> args) const override {
        for (size_t i = 0; i < rows.size(); ++i) {
            auto* state = reinterpret_cast<ExactSum*>(states[i]);
            state->sum -= readDecimal(*args[0], rows[i]);
            --state->count;
        }
    }

    void merge(uint8_t* target, const uint8_t* source) const override {
        auto* t = reinterpret_cast<ExactSum*>(target);
        const auto* s = reinterpret_cast<const ExactSum*>(source);
        t->sum += s->sum;  // panes and sessions of accepted rows: within range by construction
        t->count += s->count;
    }

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto* s = reinterpret_cast<const ExactSum*>(state);
        if (s->count == 0) {
            out.setNull(row);
            return;
        }
        out.setNotNull(row);
        if (!average_) {
            if (result_.id() == TypeId::kBigint) {
                out.values<int64_t>()[row] = static_cast<int64_t>(s->sum);
            } else {
                writeDecimal(out, row, s->sum);
            }
            return;
        }
        if (result_.id() == TypeId::kDouble) {
            out.values<double>()[row] = static_cast<double>(s->sum) / static_cast<double>(s->count);
            return;
        }
        types::int128_t quotient = 0;
        auto status = types::decimalDivide(s->sum, argument_.scale(), s->count, 0,
                                           {result_.precision(), result_.scale()}, quotient);
        if (status != types::DecimalStatus::kOk) {
            out.setNull(row);  // cannot happen: |average| ≤ max |value|, and every value fits
            return;
        }
        writeDecimal(out, row, quotient);
    }

    void serialize(const uint8_t* state, std::string& out) const override {
        const auto* s = reinterpret_cast<const ExactSum*>(state);
        appendRaw(out, s->sum);
        appendRaw(out, s->count);
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto* s = reinterpret_cast<ExactSum*>(state);
        if (!readRaw(bytes, s->sum) || !readRaw(bytes, s->count)) return corrupt(average_ ? "AVG" : "SUM");
        return Status::ok();
    }

private:
    DataType argument_;
    DataType result_;
    bool average_;
    types::int128_t limit_;
    types::int128_t valueLimit_ = 0;  ///< AVG of DECIMAL: a value must be below this (unscaled)
};

/// SUM/AVG of DOUBLE (IEEE 754; never fails).
class DoubleSumKernel final : public AggregateKernel {
public:
    explicit DoubleSumKernel(bool average) : average_(average) {}
    size_t stateSize() const override { return 16; }
    void init(uint8_t* state) const override { new (state) DoubleSum{0, 0}; }
    bool needsDestroy() const override { return false; }
    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t>, EvalContext&) const override {
        const double* values = args[0]->values<double>();
        for (size_t i = 0; i < rows.size(); ++i) {
            auto* state = reinterpret_cast<DoubleSum*>(states[i]);
            state->sum += values[rows[i]];
            ++state->count;
        }
    }
    void merge(uint8_t* target, const uint8_t* source) const override {
        auto* t = reinterpret_cast<DoubleSum*>(target);
        const auto* s = reinterpret_cast<const DoubleSum*>(source);
        t->sum += s->sum;
        t->count += s->count;
    }
    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto* s = reinterpret_cast<const DoubleSum*>(state);
        if (s->count == 0) {
            out.setNull(row);
            return;
        }
        out.setNotNull(row);
        out.values<double>()[row] = average_ ? s->sum / static_cast<double>(s->count) : s->sum;
    }
    void serialize(const uint8_t* state, std::string& out) const override {
        const auto* s = reinterpret_cast<const DoubleSum*>(state);
        appendRaw(out, s->sum);
        appendRaw(out, s->count);
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto* s = reinterpret_cast<DoubleSum*>(state);
        if (!readRaw(bytes, s->sum) || !readRaw(bytes, s->count)) return corrupt(average_ ? "AVG" : "SUM");
        return Status::ok();
    }

private:
    bool average_;
};

// ---- MIN / MAX ------------------------------------------------------------------------------

/// MIN/MAX of any ordered scalar type, keeping the argument type. Fixed-width values are
/// kept inline in a 32-byte state (integers, decimals, timestamps, dates and booleans widened
/// to 128 bits; DOUBLE as a double); strings are owned by a state of their own. Both write
/// the same checkpoint bytes: has, number, real, text.
struct ExtremeFixed {
    types::int128_t number;
    double real;
    bool has;
};
static_assert(sizeof(ExtremeFixed) == 32);

struct ExtremeText {
    bool has;
    std::string text;
};

template <bool kText>
class ExtremeKernel final : public AggregateKernel {
    using State = std::conditional_t<kText, ExtremeText, ExtremeFixed>;

public:
    ExtremeKernel(DataType type, bool max) : type_(std::move(type)), max_(max) {}

    size_t stateSize() const override { return (sizeof(State) + 15) / 16 * 16; }
    void init(uint8_t* state) const override { new (state) State{}; }
    void destroy(uint8_t* state) const override { reinterpret_cast<State*>(state)->~State(); }
    bool needsDestroy() const override { return kText; }

    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t>, EvalContext&) const override {
        const Vector& values = *args[0];
        for (size_t i = 0; i < rows.size(); ++i) add(*reinterpret_cast<State*>(states[i]), values, rows[i]);
    }

    void merge(uint8_t* target, const uint8_t* source) const override {
        auto& t = *reinterpret_cast<State*>(target);
        const auto& s = *reinterpret_cast<const State*>(source);
        if (!s.has) return;
        if constexpr (kText) {
            if (!t.has || (max_ ? s.text.compare(t.text) > 0 : s.text.compare(t.text) < 0)) {
                t.has = true;
                t.text = s.text;
            }
        } else {
            if (!t.has || better(s, t)) t = s;
        }
    }

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto& s = *reinterpret_cast<const State*>(state);
        if (!s.has) {
            out.setNull(row);
            return;
        }
        out.setNotNull(row);
        if constexpr (kText) {
            out.values<std::string_view>()[row] = s.text;  // views the state: encode before it changes
        } else {
            switch (type_.id()) {
                case TypeId::kBoolean: out.values<uint8_t>()[row] = static_cast<uint8_t>(s.number); break;
                case TypeId::kBigint:
                case TypeId::kTimestamp: out.values<int64_t>()[row] = static_cast<int64_t>(s.number); break;
                case TypeId::kDate: out.values<int32_t>()[row] = static_cast<int32_t>(s.number); break;
                case TypeId::kDecimal: writeDecimal(out, row, s.number); break;
                default: out.values<double>()[row] = s.real; break;
            }
        }
    }

    void serialize(const uint8_t* state, std::string& out) const override {
        const auto& s = *reinterpret_cast<const State*>(state);
        out += static_cast<char>(s.has ? 1 : 0);
        if constexpr (kText) {
            appendRaw(out, types::int128_t{0});
            appendRaw(out, 0.0);
            out += s.text;
        } else {
            appendRaw(out, s.number);
            appendRaw(out, s.real);
        }
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto& s = *reinterpret_cast<State*>(state);
        if (bytes.empty()) return corrupt(max_ ? "MAX" : "MIN");
        s.has = bytes[0] != 0;
        bytes.remove_prefix(1);
        types::int128_t number = 0;
        double real = 0;
        if (!readRaw(bytes, number) || !readRaw(bytes, real)) return corrupt(max_ ? "MAX" : "MIN");
        if constexpr (kText) {
            s.text = std::string(bytes);
        } else {
            if (!bytes.empty()) return corrupt(max_ ? "MAX" : "MIN");
            s.number = number;
            s.real = real;
        }
        return Status::ok();
    }

private:
    /// True when a beats b for this aggregate (a is smaller for MIN, larger for MAX).
    bool better(const ExtremeFixed& a, const ExtremeFixed& b) const {
        int c = 0;
        if (type_.id() == TypeId::kDouble) {
            c = a.real < b.real ? -1 : (a.real > b.real ? 1 : 0);
        } else {
            c = a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
        }
        return max_ ? c > 0 : c < 0;
    }

    void add(State& state, const Vector& values, uint32_t row) const {
        if constexpr (kText) {
            std::string_view text = values.values<std::string_view>()[row];
            if (state.has && (max_ ? text.compare(state.text) <= 0 : text.compare(state.text) >= 0)) return;
            state.has = true;
            state.text.assign(text);
        } else {
            ExtremeFixed candidate{0, 0, true};
            switch (type_.id()) {
                case TypeId::kBoolean: candidate.number = values.values<uint8_t>()[row]; break;
                case TypeId::kBigint:
                case TypeId::kTimestamp: candidate.number = values.values<int64_t>()[row]; break;
                case TypeId::kDate: candidate.number = values.values<int32_t>()[row]; break;
                case TypeId::kDecimal: candidate.number = readDecimal(values, row); break;
                default: candidate.real = values.values<double>()[row]; break;
            }
            if (!state.has || better(candidate, state)) state = candidate;
        }
    }

    DataType type_;
    bool max_;
};

// ---- Resolution -----------------------------------------------------------------------------

Status wrongArguments(const FunctionEntry& self, std::span<const ArgInfo> args) { return noMatchingOverload(self, args); }

Result<BoundAggregate> resolveCount(const FunctionEntry& self, std::span<const ArgInfo> args, bool distinct) {
    if (distinct) return resolveCountDistinct(self, args);
    if (args.size() > 1) return wrongArguments(self, args);
    bool star = args.empty();
    BoundAggregate bound;
    bound.name = "COUNT";
    if (!star) bound.argTypes = {args[0].type.isNull() ? DataType::boolean() : args[0].type};
    bound.resultType = DataType::bigint();
    bound.makeKernel = [star] { return AggregateKernelPtr(std::make_unique<CountKernel>(star)); };
    return bound;
}

Result<BoundAggregate> resolveSum(const FunctionEntry& self, std::span<const ArgInfo> args, bool distinct, bool average) {
    if (distinct) return Status::notSupported(fmt::format("{}(DISTINCT …)", self.name));
    if (args.size() != 1) return wrongArguments(self, args);
    DataType argument = args[0].type.isNull() ? DataType::bigint() : args[0].type;
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {argument};
    switch (argument.id()) {
        case TypeId::kBigint:
            bound.resultType = average ? DataType::float64() : DataType::bigint();
            break;
        case TypeId::kDecimal: {
            DecimalSpec spec = average ? types::decimalAvgResultType({argument.precision(), argument.scale()})
                                       : types::decimalSumResultType({argument.precision(), argument.scale()});
            bound.resultType = DataType::decimal(spec.precision, spec.scale);
            break;
        }
        case TypeId::kDouble:
            bound.resultType = DataType::float64();
            bound.makeKernel = [average] { return AggregateKernelPtr(std::make_unique<DoubleSumKernel>(average)); };
            return bound;
        default: return wrongArguments(self, args);
    }
    DataType result = bound.resultType;
    bound.makeKernel = [argument, result, average] {
        return AggregateKernelPtr(std::make_unique<ExactSumKernel>(argument, result, average));
    };
    return bound;
}

Result<BoundAggregate> resolveExtreme(const FunctionEntry& self, std::span<const ArgInfo> args, bool, bool max) {
    if (args.size() != 1) return wrongArguments(self, args);
    DataType type = args[0].type.isNull() ? DataType::bigint() : args[0].type;
    if (type.isNested() || type.id() == TypeId::kInterval) return wrongArguments(self, args);
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {type};
    bound.resultType = type;
    if (type.id() == TypeId::kString || type.id() == TypeId::kBytes) {
        bound.makeKernel = [type, max] { return AggregateKernelPtr(std::make_unique<ExtremeKernel<true>>(type, max)); };
    } else {
        bound.makeKernel = [type, max] { return AggregateKernelPtr(std::make_unique<ExtremeKernel<false>>(type, max)); };
    }
    return bound;
}

FunctionEntry aggregateEntry(std::string name, std::vector<std::string> signatures, std::string description) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.kind = FunctionKind::kAggregate;
    entry.category = "aggregate";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = [](const FunctionEntry& self, std::span<const ArgInfo>) -> Result<BoundFunction> {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("{} is an aggregate: it needs GROUP BY, a window or a whole bounded input",
                                        self.name));
    };
    return entry;
}

}  // namespace

void registerBasicAggregates(FunctionRegistry& registry) {
    FunctionEntry count = aggregateEntry("COUNT", {"COUNT(*) -> BIGINT", "COUNT(T) -> BIGINT"},
                                         "the number of rows (COUNT(*)) or of non-NULL values; 0 for an empty group");
    count.resolveAggregate = resolveCount;
    registry.add(std::move(count));

    FunctionEntry sum = aggregateEntry(
        "SUM", {"SUM(BIGINT) -> BIGINT", "SUM(DECIMAL(p,s)) -> DECIMAL(38,s)", "SUM(DOUBLE) -> DOUBLE"},
        "the sum of the non-NULL values, exact for BIGINT and DECIMAL (a record that would overflow the result is a "
        "bad record); NULL when there are none");
    sum.resolveAggregate = [](const FunctionEntry& self, std::span<const ArgInfo> args, bool distinct) {
        return resolveSum(self, args, distinct, false);
    };
    registry.add(std::move(sum));

    FunctionEntry avg = aggregateEntry(
        "AVG", {"AVG(BIGINT) -> DOUBLE", "AVG(DECIMAL(p,s)) -> DECIMAL(38, max(6,s))", "AVG(DOUBLE) -> DOUBLE"},
        "the mean of the non-NULL values; exact and rounded half away from zero for DECIMAL; NULL when there are none");
    avg.resolveAggregate = [](const FunctionEntry& self, std::span<const ArgInfo> args, bool distinct) {
        return resolveSum(self, args, distinct, true);
    };
    registry.add(std::move(avg));

    for (bool max : {false, true}) {
        FunctionEntry extreme = aggregateEntry(max ? "MAX" : "MIN", {max ? "MAX(T) -> T" : "MIN(T) -> T"},
                                               max ? "the largest non-NULL value (T any ordered scalar type)"
                                                   : "the smallest non-NULL value (T any ordered scalar type)");
        extreme.resolveAggregate = [max](const FunctionEntry& self, std::span<const ArgInfo> args, bool distinct) {
            return resolveExtreme(self, args, distinct, max);
        };
        registry.add(std::move(extreme));
    }
}

}  // namespace ferris::expr
