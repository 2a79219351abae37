// The statistical, holistic and arrival-ordered aggregates, driven through their kernels the
// way the aggregate operator drives them: resolve → init → update over rows with arrival
// sequences → merge → finalize, and serialize → deserialize for checkpoints. Result types
// and NULL rules of §1.4.1, exact DECIMAL results, merge = one state over all the values.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "expr/aggregates.h"
#include "expr/function_registry.h"
#include "types/batch.h"
#include "types/value.h"
#include "types/value_vector.h"

namespace ferris::expr {
namespace {

using types::DataType;
using types::int128_t;
using types::Value;
using types::Vector;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- Values --------------------------------------------------------------------------------

/// A DECIMAL(p, s) value from its text; s is the number of digits after the point.
Value dec(std::string_view text, int precision) {
    bool negative = !text.empty() && text[0] == '-';
    int128_t unscaled = 0;
    int scale = 0;
    bool fraction = false;
    for (char c : text.substr(negative ? 1 : 0)) {
        if (c == '.') {
            fraction = true;
            continue;
        }
        unscaled = unscaled * 10 + (c - '0');
        if (fraction) ++scale;
    }
    return Value::decimal(negative ? -unscaled : unscaled, precision, scale);
}
Value big(int64_t v) { return Value::bigint(v); }
Value dbl(double v) { return Value::float64(v); }
Value str(std::string v) { return Value::string(std::move(v)); }

/// "<type> <SQL text>", e.g. "DECIMAL(38,6) 2.500000" or "DOUBLE NULL".
std::string showValue(const Value& value) {
    return value.type().toString() + " " + value.toSql();
}

// ---- Harness -------------------------------------------------------------------------------

/// An argument as the binder would describe it: a column of a type, or a literal.
ArgInfo column(DataType type) { return {std::move(type), std::nullopt}; }
ArgInfo literal(Value value) { return {value.type(), value}; }

/// A registry holding the aggregates under test.
const FunctionRegistry& registry() {
    static const FunctionRegistry instance = [] {
        FunctionRegistry r;
        registerStatisticalAggregates(r);
        registerHolisticAggregates(r);
        return r;
    }();
    return instance;
}

/// An entry standing in for COUNT when resolving COUNT(DISTINCT x).
const FunctionEntry& countEntry() {
    static const FunctionEntry entry =
        makeAggregateEntry("COUNT", {}, {"COUNT(DISTINCT T) -> BIGINT"}, "test");
    return entry;
}

Result<BoundAggregate> bindAggregate(const std::string& name, const std::vector<ArgInfo>& args,
                            bool distinct = false) {
    const FunctionEntry* entry = registry().find(name);
    if (entry == nullptr) return Status::internal("no function " + name);
    return entry->resolveAggregate(*entry, args, distinct);
}

/// The stable name of the error a resolution gives, or "ok".
std::string resolveCode(const std::string& name, const std::vector<ArgInfo>& args,
                        bool distinct = false) {
    auto bound = bindAggregate(name, args, distinct);
    return bound.isOk() ? "ok" : std::string(errorCodeName(bound.status().code()));
}

/// One group's state in a 16-byte-aligned buffer of the kernel's stateSize(), destroyed
/// with the kernel's destroy().
class GroupState {
public:
    /// An empty group (init).
    explicit GroupState(const AggregateKernel& kernel) : GroupState(kernel, nullptr) {
        kernel.init(bytes_);
    }
    /// A state restored from a checkpoint. deserialize() builds the state in raw memory,
    /// like init(), and leaves a valid state even when it reports corrupt bytes.
    GroupState(const AggregateKernel& kernel, std::string_view bytes, Status& status)
        : GroupState(kernel, nullptr) {
        status = kernel.deserialize(bytes, bytes_);
    }
    GroupState(const AggregateKernel& kernel, std::nullptr_t)
        : kernel_(&kernel),
          bytes_(static_cast<uint8_t*>(std::aligned_alloc(16, kernel.stateSize()))) {}
    GroupState(const GroupState&) = delete;
    GroupState& operator=(const GroupState&) = delete;
    ~GroupState() {
        kernel_->destroy(bytes_);
        std::free(bytes_);
    }
    uint8_t* data() { return bytes_; }
    const uint8_t* data() const { return bytes_; }

private:
    const AggregateKernel* kernel_;
    uint8_t* bytes_;
};

/// A bound aggregate and its kernel, with the operator's side of the contract: rows with a
/// NULL argument are filtered out (unless countsNulls()), literal arguments are appended to
/// every row, and arrival sequences count up from 0 unless given.
class Aggregate {
public:
    Aggregate(const std::string& name, std::vector<ArgInfo> args, bool distinct = false)
        : args_(std::move(args)) {
        auto bound = bindAggregate(name, args_, distinct);
        if (!bound.isOk()) throw std::runtime_error(bound.status().toString());
        bound_ = std::move(bound).value();
        kernel_ = bound_.makeKernel();
    }
    /// For a kernel made outside the registry (COUNT(DISTINCT)).
    Aggregate(BoundAggregate bound, std::vector<ArgInfo> args)
        : args_(std::move(args)), bound_(std::move(bound)), kernel_(bound_.makeKernel()) {}

    const AggregateKernel& kernel() const { return *kernel_; }
    const DataType& resultType() const { return bound_.resultType; }
    std::unique_ptr<GroupState> newState() const { return std::make_unique<GroupState>(*kernel_); }

    /// Adds one-argument rows (plus the literal arguments) to `state`; returns the row
    /// errors the kernel recorded.
    std::vector<types::RowError> add(GroupState& state, const std::vector<Value>& values,
                                     std::vector<int64_t> arrivals = {}) {
        std::vector<std::vector<Value>> rows;
        for (const Value& value : values) rows.push_back({value});
        return addRows(std::vector<GroupState*>(rows.size(), &state), rows, std::move(arrivals));
    }

    /// Adds multi-argument rows, row i to states[i].
    std::vector<types::RowError> addRows(const std::vector<GroupState*>& states,
                                         std::vector<std::vector<Value>> rows,
                                         std::vector<int64_t> arrivals = {}) {
        auto count = static_cast<uint32_t>(rows.size());
        for (auto& row : rows) {
            for (size_t a = row.size(); a < args_.size(); ++a) row.push_back(*args_[a].literal);
        }
        if (arrivals.empty()) {
            for (uint32_t i = 0; i < count; ++i) arrivals.push_back(nextArrival_++);
        }
        types::Batch batch;
        batch.setNumRows(count);
        std::vector<std::unique_ptr<Vector>> vectors;
        std::vector<const Vector*> argumentViews;
        for (size_t a = 0; a < bound_.argTypes.size(); ++a) {
            vectors.push_back(std::make_unique<Vector>(bound_.argTypes[a], count));
            for (uint32_t row = 0; row < count; ++row) {
                types::writeValue(*vectors.back(), row, rows[row][a], batch.arena());
            }
            argumentViews.push_back(vectors.back().get());
        }
        std::vector<uint32_t> selected;
        std::vector<uint8_t*> stateViews;
        for (uint32_t row = 0; row < count; ++row) {
            bool hasNull = false;
            for (const auto& vector : vectors) hasNull = hasNull || vector->isNull(row);
            if (hasNull && !kernel_->countsNulls()) continue;
            selected.push_back(row);
            stateViews.push_back(states[row]->data());
        }
        EvalContext context(batch, 0);
        kernel_->update(stateViews, selected, argumentViews, arrivals, context);
        return batch.errors();
    }

    /// The group's result as a Value (flat result types).
    Value result(const GroupState& state) const {
        Vector out(bound_.resultType, 1);
        kernel_->finalize(state.data(), out, 0);
        return types::readValue(out, 0);
    }
    std::string show(const GroupState& state) const { return showValue(result(state)); }

    /// The group's result of an ARRAY aggregate as "[a, b]" (or "NULL").
    std::string showList(const GroupState& state) const {
        Vector out(bound_.resultType, 1);
        kernel_->finalize(state.data(), out, 0);
        return listText(out, 0);
    }

    void merge(GroupState& target, const GroupState& source) const {
        kernel_->merge(target.data(), source.data());
    }

    /// A state restored from `state`'s serialized bytes.
    std::unique_ptr<GroupState> roundTrip(const GroupState& state) const {
        Status status;
        auto restored = std::make_unique<GroupState>(*kernel_, bytes(state), status);
        if (!status.isOk()) throw std::runtime_error(status.toString());
        return restored;
    }
    /// What deserializing `bytes` says.
    Status restore(std::string_view bytes) const {
        Status status;
        GroupState restored(*kernel_, bytes, status);
        return status;
    }
    std::string bytes(const GroupState& state) const {
        std::string out;
        kernel_->serialize(state.data(), out);
        return out;
    }

    static std::string listText(const Vector& out, uint32_t row) {
        if (out.isNull(row)) return "NULL";
        std::string text = "[";
        for (int32_t i = out.offsets()[row]; i < out.offsets()[row + 1]; ++i) {
            if (i > out.offsets()[row]) text += ", ";
            text += types::readValue(out.child(0), static_cast<uint32_t>(i)).toSql();
        }
        return text + "]";
    }

private:
    std::vector<ArgInfo> args_;
    BoundAggregate bound_;
    AggregateKernelPtr kernel_;
    int64_t nextArrival_ = 0;
};

/// Results of `aggregate` over `values` fed to one state, and to two states split at every
/// position and merged (both ways): they must all agree, and survive a checkpoint.
void expectMergeAndCheckpointAgree(Aggregate& aggregate, const std::vector<Value>& values) {
    auto whole = aggregate.newState();
    std::vector<int64_t> arrivals;
    for (size_t i = 0; i < values.size(); ++i) arrivals.push_back(static_cast<int64_t>(i));
    aggregate.add(*whole, values, arrivals);
    std::string expected = aggregate.show(*whole);
    for (size_t split = 0; split <= values.size(); ++split) {
        std::vector<Value> left(values.begin(), values.begin() + static_cast<ptrdiff_t>(split));
        std::vector<Value> right(values.begin() + static_cast<ptrdiff_t>(split), values.end());
        std::vector<int64_t> leftArrivals(arrivals.begin(),
                                          arrivals.begin() + static_cast<ptrdiff_t>(split));
        std::vector<int64_t> rightArrivals(arrivals.begin() + static_cast<ptrdiff_t>(split),
                                           arrivals.end());
        for (bool leftFirst : {true, false}) {
            auto a = aggregate.newState();
            auto b = aggregate.newState();
            aggregate.add(*a, left, leftArrivals);
            aggregate.add(*b, right, rightArrivals);
            if (leftFirst) {
                aggregate.merge(*a, *b);
                EXPECT_EQ(aggregate.show(*a), expected) << "split " << split;
            } else {
                aggregate.merge(*b, *a);
                EXPECT_EQ(aggregate.show(*b), expected) << "split " << split << " reversed";
            }
        }
    }
    auto restored = aggregate.roundTrip(*whole);
    EXPECT_EQ(aggregate.show(*restored), expected);
    EXPECT_EQ(aggregate.bytes(*restored), aggregate.bytes(*whole));
}

/// The double result of a group, or NaN for NULL (with a failure).
double number(const Aggregate& aggregate, const GroupState& state) {
    Value value = aggregate.result(state);
    EXPECT_FALSE(value.isNull());
    return value.isNull() ? kNan : value.asDouble();
}

TEST(AggregateHarnessTest, EveryStateSizeIsAMultipleOf16) {
    const std::vector<std::pair<std::string, std::vector<ArgInfo>>> calls = {
        {"STDDEV", {column(DataType::float64())}},
        {"CORR", {column(DataType::float64()), column(DataType::bigint())}},
        {"FIRST_VALUE", {column(DataType::string())}},
        {"LAST_VALUE", {column(DataType::decimal(30, 2))}},
        {"STRING_AGG", {column(DataType::string()), literal(str(","))}},
        {"COLLECT_LIST", {column(DataType::bigint())}},
        {"COLLECT_LIST", {column(DataType::string())}},
        {"MEDIAN", {column(DataType::decimal(30, 2))}},
        {"MEDIAN", {column(DataType::float64())}},
        {"APPROX_COUNT_DISTINCT", {column(DataType::string())}},
    };
    for (const auto& [name, args] : calls) {
        Aggregate aggregate(name, args);
        EXPECT_EQ(aggregate.kernel().stateSize() % 16, 0u) << name;
        EXPECT_FALSE(aggregate.kernel().countsNulls()) << name;
    }
    auto distinct = makeCountDistinctKernel(DataType::string());
    EXPECT_EQ(distinct->stateSize() % 16, 0u);
}

TEST(AggregateHarnessTest, AggregatesAreNotScalarFunctions) {
    const FunctionEntry* entry = registry().find("MEDIAN");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->kind, FunctionKind::kAggregate);
    EXPECT_EQ(entry->category, "aggregate");
    std::vector<ArgInfo> args = {column(DataType::bigint())};
    auto scalar = entry->resolve(*entry, args);
    ASSERT_FALSE(scalar.isOk());
    EXPECT_EQ(scalar.status().code(), ErrorCode::kInvalidQuery);
    for (const char* name : {"STDDEV", "STDDEV_SAMP", "STDDEV_POP", "VARIANCE", "VAR_SAMP",
                             "VAR_POP", "CORR", "COVAR_POP", "COVAR_SAMP", "FIRST_VALUE",
                             "LAST_VALUE", "MEDIAN", "PERCENTILE_CONT", "APPROX_COUNT_DISTINCT",
                             "STRING_AGG", "COLLECT_LIST"}) {
        const FunctionEntry* found = registry().find(name);
        ASSERT_NE(found, nullptr) << name;
        EXPECT_FALSE(found->description.empty()) << name;
        EXPECT_FALSE(found->signatures.empty()) << name;
    }
}

// ---- STDDEV / VARIANCE ----------------------------------------------------------------------

std::vector<Value> bigints(std::initializer_list<int64_t> values) {
    std::vector<Value> out;
    for (int64_t value : values) out.push_back(big(value));
    return out;
}

std::vector<Value> doubles(std::initializer_list<double> values) {
    std::vector<Value> out;
    for (double value : values) out.push_back(dbl(value));
    return out;
}

TEST(DispersionTest, IntegersGiveDouble) {
    // Mean 5, squared deviations sum to 32 over 8 values.
    std::vector<Value> values = bigints({2, 4, 4, 4, 5, 5, 7, 9});
    for (const char* name : {"VAR_POP", "STDDEV_POP", "VARIANCE", "VAR_SAMP", "STDDEV",
                             "STDDEV_SAMP"}) {
        Aggregate aggregate(name, {column(DataType::bigint())});
        EXPECT_EQ(aggregate.resultType(), DataType::float64()) << name;
    }
    Aggregate varPop("VAR_POP", {column(DataType::bigint())});
    Aggregate stddevPop("STDDEV_POP", {column(DataType::bigint())});
    Aggregate variance("VARIANCE", {column(DataType::bigint())});
    Aggregate stddev("STDDEV_SAMP", {column(DataType::bigint())});
    for (Aggregate* aggregate : {&varPop, &stddevPop, &variance, &stddev}) {
        auto state = aggregate->newState();
        aggregate->add(*state, values);
        double expected = aggregate == &varPop      ? 4.0
                          : aggregate == &stddevPop ? 2.0
                          : aggregate == &variance  ? 32.0 / 7
                                                    : std::sqrt(32.0 / 7);
        EXPECT_DOUBLE_EQ(number(*aggregate, *state), expected);
    }
}

TEST(DispersionTest, DecimalsAreConvertedValueByValue) {
    Aggregate variance("VARIANCE", {column(DataType::decimal(10, 2))});
    EXPECT_EQ(variance.resultType(), DataType::float64());
    auto state = variance.newState();
    variance.add(*state, {dec("1.50", 10), dec("2.50", 10), dec("-0.50", 10)});
    // Mean 1.1666…, deviations sum of squares 4.6666…, over n − 1 = 2.
    EXPECT_DOUBLE_EQ(number(variance, *state), 7.0 / 3);

    Aggregate wide("STDDEV_POP", {column(DataType::decimal(38, 10))});
    auto wideState = wide.newState();
    wide.add(*wideState, {dec("12345678901234567890.0000000001", 38),
                          dec("12345678901234567892.0000000001", 38)});
    EXPECT_DOUBLE_EQ(number(wide, *wideState), 0.0);  // both round to one double
    Aggregate narrow("STDDEV_POP", {column(DataType::decimal(38, 10))});
    auto narrowState = narrow.newState();
    narrow.add(*narrowState, {dec("1.0000000000", 38), dec("3.0000000000", 38)});
    EXPECT_DOUBLE_EQ(number(narrow, *narrowState), 1.0);
}

TEST(DispersionTest, NullRules) {
    for (const char* name : {"VARIANCE", "STDDEV"}) {
        Aggregate sample(name, {column(DataType::float64())});
        auto state = sample.newState();
        EXPECT_EQ(sample.show(*state), "DOUBLE NULL") << name;
        sample.add(*state, {dbl(3)});
        EXPECT_EQ(sample.show(*state), "DOUBLE NULL") << name;
        sample.add(*state, {Value::null(DataType::float64())});  // skipped
        EXPECT_EQ(sample.show(*state), "DOUBLE NULL") << name;
        sample.add(*state, {dbl(5)});
        EXPECT_EQ(sample.show(*state), name == std::string("VARIANCE") ? "DOUBLE 2"
                                                                        : "DOUBLE 1.4142135623730951");
    }
    for (const char* name : {"VAR_POP", "STDDEV_POP"}) {
        Aggregate population(name, {column(DataType::float64())});
        auto state = population.newState();
        EXPECT_EQ(population.show(*state), "DOUBLE NULL") << name;
        population.add(*state, {dbl(3)});
        EXPECT_EQ(population.show(*state), "DOUBLE 0") << name;
    }
}

TEST(DispersionTest, StableForLargeOffsets) {
    // The textbook example where Σx² − (Σx)²/n loses every digit.
    Aggregate variance("VARIANCE", {column(DataType::float64())});
    auto state = variance.newState();
    variance.add(*state, doubles({1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}));
    EXPECT_DOUBLE_EQ(number(variance, *state), 30.0);

    Aggregate equal("VAR_POP", {column(DataType::float64())});
    auto equalState = equal.newState();
    equal.add(*equalState, doubles({0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}));
    EXPECT_EQ(equal.show(*equalState), "DOUBLE 0");
}

TEST(DispersionTest, NonFiniteValuesFollowIeee) {
    Aggregate variance("VARIANCE", {column(DataType::float64())});
    auto state = variance.newState();
    variance.add(*state, doubles({1, kInf}));
    EXPECT_TRUE(std::isnan(number(variance, *state)));
    auto nanState = variance.newState();
    variance.add(*nanState, doubles({1, kNan, 3}));
    EXPECT_TRUE(std::isnan(number(variance, *nanState)));
}

TEST(DispersionTest, MergeMatchesOneState) {
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> distribution(-1000, 1000);
    std::vector<double> values;
    for (int i = 0; i < 200; ++i) values.push_back(distribution(random) + 1e6);
    for (const char* name : {"VARIANCE", "VAR_POP", "STDDEV", "STDDEV_POP"}) {
        Aggregate aggregate(name, {column(DataType::float64())});
        auto whole = aggregate.newState();
        for (double value : values) aggregate.add(*whole, {dbl(value)});
        double expected = number(aggregate, *whole);
        for (size_t split : {size_t{0}, size_t{1}, size_t{77}, size_t{199}, size_t{200}}) {
            auto a = aggregate.newState();
            auto b = aggregate.newState();
            for (size_t i = 0; i < values.size(); ++i) {
                aggregate.add(i < split ? *a : *b, {dbl(values[i])});
            }
            aggregate.merge(*a, *b);
            EXPECT_NEAR(number(aggregate, *a), expected, std::abs(expected) * 1e-12)
                << name << " split " << split;
        }
        auto restored = aggregate.roundTrip(*whole);
        EXPECT_EQ(number(aggregate, *restored), expected);
        EXPECT_EQ(aggregate.bytes(*restored), aggregate.bytes(*whole));
    }
}

TEST(DispersionTest, MergesAtEverySplitAndEmptyStates) {
    // Chan's combination is exact in formula; in doubles it may differ in the last bit.
    std::vector<Value> values = bigints({2, 4, 4, 4, 5, 5, 7, 9});
    Aggregate variance("VAR_POP", {column(DataType::bigint())});
    for (size_t split = 0; split <= values.size(); ++split) {
        auto left = variance.newState(), right = variance.newState();
        for (size_t i = 0; i < values.size(); ++i) {
            variance.add(i < split ? *left : *right, {values[i]});
        }
        variance.merge(*right, *left);
        EXPECT_NEAR(number(variance, *right), 4.0, 4e-15) << "split " << split;
    }
    auto empty = variance.newState();
    EXPECT_EQ(variance.show(*variance.roundTrip(*empty)), "DOUBLE NULL");
    auto whole = variance.newState();
    variance.add(*whole, values);
    variance.merge(*whole, *empty);
    EXPECT_EQ(variance.show(*whole), "DOUBLE 4");
    variance.merge(*empty, *whole);
    EXPECT_EQ(variance.show(*empty), "DOUBLE 4");
}

TEST(DispersionTest, CorruptCheckpointIsAnError) {
    Aggregate variance("VARIANCE", {column(DataType::float64())});
    auto state = variance.newState();
    variance.add(*state, doubles({1, 2}));
    std::string bytes = variance.bytes(*state);
    EXPECT_FALSE(variance.restore(bytes.substr(0, 10)).isOk());
    EXPECT_FALSE(variance.restore(bytes + "x").isOk());
}

TEST(DispersionTest, ResolveErrors) {
    EXPECT_EQ(resolveCode("STDDEV", {column(DataType::string())}), "type_mismatch");
    EXPECT_EQ(resolveCode("VARIANCE", {column(DataType::timestamp())}), "type_mismatch");
    EXPECT_EQ(resolveCode("VAR_POP", {}), "type_mismatch");
    EXPECT_EQ(resolveCode("STDDEV_POP", {column(DataType::float64()), column(DataType::float64())}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("STDDEV", {column(DataType::float64())}, true), "not_supported");
    EXPECT_EQ(resolveCode("VAR_SAMP", {column(DataType::null())}), "ok");
}

// ---- CORR / COVAR ---------------------------------------------------------------------------

/// Adds (y, x) pairs.
void addPairs(Aggregate& aggregate, GroupState& state,
              const std::vector<std::pair<Value, Value>>& pairs) {
    std::vector<std::vector<Value>> rows;
    for (const auto& [y, x] : pairs) rows.push_back({y, x});
    aggregate.addRows(std::vector<GroupState*>(rows.size(), &state), rows);
}

TEST(AssociationTest, CovarianceAndCorrelation) {
    // x = 1..4, y = 2, 4, 6, 9: C = 11.5, M2x = 5, M2y = 26.75.
    std::vector<std::pair<Value, Value>> pairs = {
        {big(2), big(1)}, {big(4), big(2)}, {big(6), big(3)}, {big(9), big(4)}};
    std::vector<ArgInfo> args = {column(DataType::bigint()), column(DataType::bigint())};
    Aggregate covarPop("COVAR_POP", args);
    Aggregate covarSamp("COVAR_SAMP", args);
    Aggregate corr("CORR", args);
    EXPECT_EQ(corr.resultType(), DataType::float64());
    auto a = covarPop.newState(), b = covarSamp.newState(), c = corr.newState();
    addPairs(covarPop, *a, pairs);
    addPairs(covarSamp, *b, pairs);
    addPairs(corr, *c, pairs);
    EXPECT_DOUBLE_EQ(number(covarPop, *a), 2.875);
    EXPECT_DOUBLE_EQ(number(covarSamp, *b), 11.5 / 3);
    EXPECT_NEAR(number(corr, *c), 11.5 / std::sqrt(5 * 26.75), 1e-15);
}

TEST(AssociationTest, PerfectCorrelationAndMixedTypes) {
    Aggregate corr("CORR", {column(DataType::decimal(10, 2)), column(DataType::float64())});
    auto rising = corr.newState();
    auto falling = corr.newState();
    for (int i = 0; i < 50; ++i) {
        double x = i * 0.37;
        addPairs(corr, *rising, {{Value::decimal(2 * i + 100, 10, 2), dbl(x)}});
        addPairs(corr, *falling, {{Value::decimal(-7 * i, 10, 2), dbl(x)}});
    }
    EXPECT_NEAR(number(corr, *rising), 1.0, 1e-15);
    EXPECT_LE(number(corr, *rising), 1.0);
    EXPECT_NEAR(number(corr, *falling), -1.0, 1e-15);
    EXPECT_GE(number(corr, *falling), -1.0);
}

TEST(AssociationTest, NullRules) {
    std::vector<ArgInfo> args = {column(DataType::float64()), column(DataType::float64())};
    Aggregate corr("CORR", args), covarPop("COVAR_POP", args), covarSamp("COVAR_SAMP", args);
    auto empty = corr.newState();
    EXPECT_EQ(corr.show(*empty), "DOUBLE NULL");
    auto emptyPop = covarPop.newState();
    EXPECT_EQ(covarPop.show(*emptyPop), "DOUBLE NULL");

    // Pairs with a NULL on either side never reach the state.
    std::vector<std::pair<Value, Value>> one = {{dbl(1), dbl(2)},
                                                {Value::null(DataType::float64()), dbl(5)},
                                                {dbl(7), Value::null(DataType::float64())}};
    auto c = corr.newState(), p = covarPop.newState(), s = covarSamp.newState();
    addPairs(corr, *c, one);
    addPairs(covarPop, *p, one);
    addPairs(covarSamp, *s, one);
    EXPECT_EQ(corr.show(*c), "DOUBLE NULL");
    EXPECT_EQ(covarPop.show(*p), "DOUBLE 0");
    EXPECT_EQ(covarSamp.show(*s), "DOUBLE NULL");

    // A variable that does not vary has no correlation; its covariance is 0.
    std::vector<std::pair<Value, Value>> flat = {{dbl(1), dbl(3)}, {dbl(2), dbl(3)}, {dbl(3), dbl(3)}};
    auto flatCorr = corr.newState(), flatCovar = covarSamp.newState();
    addPairs(corr, *flatCorr, flat);
    addPairs(covarSamp, *flatCovar, flat);
    EXPECT_EQ(corr.show(*flatCorr), "DOUBLE NULL");
    EXPECT_EQ(covarSamp.show(*flatCovar), "DOUBLE 0");
}

TEST(AssociationTest, MergeAndCheckpoint) {
    std::mt19937_64 random(7);
    std::normal_distribution<double> noise(0, 3);
    std::vector<std::pair<Value, Value>> pairs;
    for (int i = 0; i < 120; ++i) pairs.push_back({dbl(0.5 * i + noise(random)), dbl(i)});
    std::vector<ArgInfo> args = {column(DataType::float64()), column(DataType::float64())};
    for (const char* name : {"CORR", "COVAR_POP", "COVAR_SAMP"}) {
        Aggregate aggregate(name, args);
        auto whole = aggregate.newState();
        addPairs(aggregate, *whole, pairs);
        double expected = number(aggregate, *whole);
        for (size_t split : {size_t{0}, size_t{1}, size_t{60}, size_t{119}}) {
            std::vector<std::pair<Value, Value>> left(pairs.begin(),
                                                      pairs.begin() + static_cast<ptrdiff_t>(split));
            std::vector<std::pair<Value, Value>> right(pairs.begin() + static_cast<ptrdiff_t>(split),
                                                       pairs.end());
            auto a = aggregate.newState(), b = aggregate.newState();
            addPairs(aggregate, *a, left);
            addPairs(aggregate, *b, right);
            aggregate.merge(*b, *a);
            EXPECT_NEAR(number(aggregate, *b), expected, std::abs(expected) * 1e-12)
                << name << " split " << split;
        }
        auto restored = aggregate.roundTrip(*whole);
        EXPECT_EQ(number(aggregate, *restored), expected) << name;
    }
}

TEST(AssociationTest, ResolveErrors) {
    EXPECT_EQ(resolveCode("CORR", {column(DataType::float64())}), "type_mismatch");
    EXPECT_EQ(resolveCode("CORR", {column(DataType::float64()), column(DataType::string())}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("COVAR_POP", {column(DataType::boolean()), column(DataType::bigint())}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("COVAR_SAMP", {column(DataType::bigint()), column(DataType::bigint())},
                          true),
              "not_supported");
}

// ---- FIRST_VALUE / LAST_VALUE ---------------------------------------------------------------

TEST(ArrivalValueTest, KeepsTheArgumentType) {
    const std::vector<std::pair<DataType, std::vector<Value>>> cases = {
        {DataType::decimal(10, 2), {dec("1.50", 10), dec("-2.25", 10), dec("3.00", 10)}},
        {DataType::decimal(30, 4), {dec("1.0000", 30), dec("12345678901234567890.1234", 30),
                                    dec("-1.0001", 30)}},
        {DataType::string(), {str("a"), str("a long string past the short-string buffer"),
                              str("")}},
        {DataType::bigint(), {big(1), big(std::numeric_limits<int64_t>::min()), big(3)}},
        {DataType::float64(), {dbl(0.5), dbl(-kInf), dbl(2.5)}},
        {DataType::boolean(), {Value::boolean(true), Value::boolean(false), Value::boolean(true)}},
        {DataType::timestamp(), {Value::timestamp(1), Value::timestamp(-5), Value::timestamp(7)}},
        {DataType::date(), {Value::date(19000), Value::date(-1), Value::date(3)}},
        {DataType::interval(), {Value::interval({1, 2}), Value::interval({-3, 4}),
                                Value::interval({0, 86'400'000'000})}},
    };
    for (const auto& [type, values] : cases) {
        for (bool last : {false, true}) {
            Aggregate aggregate(last ? "LAST_VALUE" : "FIRST_VALUE", {column(type)});
            EXPECT_EQ(aggregate.resultType(), type);
            auto state = aggregate.newState();
            // Processed in the order 1, 0, 2 but arrived as 0, 1, 2 (arrival decides).
            aggregate.add(*state, {values[1], values[0], values[2]}, {11, 10, 12});
            EXPECT_EQ(aggregate.show(*state), showValue(values[last ? 2 : 0]))
                << type.toString() << (last ? " LAST" : " FIRST");
            expectMergeAndCheckpointAgree(aggregate, values);
        }
    }
}

TEST(ArrivalValueTest, NullsAreSkippedAndAnEmptyGroupIsNull) {
    for (bool last : {false, true}) {
        Aggregate aggregate(last ? "LAST_VALUE" : "FIRST_VALUE", {column(DataType::string())});
        auto state = aggregate.newState();
        EXPECT_EQ(aggregate.show(*state), "STRING NULL");
        aggregate.add(*state, {Value::null(DataType::string())}, {0});
        EXPECT_EQ(aggregate.show(*state), "STRING NULL");
        aggregate.add(*state, {str("x"), Value::null(DataType::string())}, {1, 2});
        EXPECT_EQ(aggregate.show(*state), "STRING 'x'");
        auto restored = aggregate.roundTrip(*aggregate.newState());
        EXPECT_EQ(aggregate.show(*restored), "STRING NULL");
    }
}

TEST(ArrivalValueTest, MergeKeepsTheEarliestAndLatestArrival) {
    // A later pane merged first, an earlier one second: arrival order still decides.
    for (bool last : {false, true}) {
        Aggregate aggregate(last ? "LAST_VALUE" : "FIRST_VALUE", {column(DataType::bigint())});
        auto early = aggregate.newState(), late = aggregate.newState();
        aggregate.add(*early, bigints({10, 20}), {100, 101});
        aggregate.add(*late, bigints({30, 40}), {200, 201});
        auto target = aggregate.newState();
        aggregate.merge(*target, *late);
        aggregate.merge(*target, *early);
        EXPECT_EQ(aggregate.show(*target), last ? "BIGINT 40" : "BIGINT 10");
        aggregate.merge(*early, *late);
        EXPECT_EQ(aggregate.show(*early), last ? "BIGINT 40" : "BIGINT 10");
        auto empty = aggregate.newState();
        aggregate.merge(*early, *empty);
        EXPECT_EQ(aggregate.show(*early), last ? "BIGINT 40" : "BIGINT 10");
    }
}

TEST(ArrivalValueTest, GroupsInOneBatch) {
    Aggregate aggregate("LAST_VALUE", {column(DataType::string())});
    auto a = aggregate.newState(), b = aggregate.newState();
    aggregate.addRows({a.get(), b.get(), a.get(), b.get()},
                      {{str("a1")}, {str("b1")}, {str("a2")}, {str("b2")}});
    EXPECT_EQ(aggregate.show(*a), "STRING 'a2'");
    EXPECT_EQ(aggregate.show(*b), "STRING 'b2'");
}

TEST(ArrivalValueTest, CorruptCheckpointIsAnError) {
    Aggregate aggregate("FIRST_VALUE", {column(DataType::bigint())});
    auto state = aggregate.newState();
    aggregate.add(*state, bigints({5}));
    std::string bytes = aggregate.bytes(*state);
    EXPECT_FALSE(aggregate.restore("").isOk());
    EXPECT_FALSE(aggregate.restore(bytes.substr(0, bytes.size() - 1)).isOk());
    EXPECT_FALSE(aggregate.restore(bytes + "x").isOk());
    EXPECT_FALSE(aggregate.restore("\x02").isOk());
}

TEST(ArrivalValueTest, ResolveErrors) {
    EXPECT_EQ(resolveCode("FIRST_VALUE", {}), "type_mismatch");
    EXPECT_EQ(resolveCode("LAST_VALUE", {column(DataType::array(DataType::bigint()))}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("FIRST_VALUE", {column(DataType::bigint()), column(DataType::bigint())}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("FIRST_VALUE", {column(DataType::bigint())}, true), "not_supported");
}

// ---- STRING_AGG ------------------------------------------------------------------------------

std::vector<Value> strings(std::initializer_list<const char*> values) {
    std::vector<Value> out;
    for (const char* value : values) out.push_back(str(value));
    return out;
}

TEST(StringAggTest, JoinsInArrivalOrder) {
    Aggregate aggregate("STRING_AGG", {column(DataType::string()), literal(str(", "))});
    EXPECT_EQ(aggregate.resultType(), DataType::string());
    auto state = aggregate.newState();
    aggregate.add(*state, strings({"b", "a", "c"}), {2, 1, 3});
    EXPECT_EQ(aggregate.show(*state), "STRING 'a, b, c'");
    aggregate.add(*state, {Value::null(DataType::string()), str("")}, {4, 5});
    EXPECT_EQ(aggregate.show(*state), "STRING 'a, b, c, '");
    expectMergeAndCheckpointAgree(aggregate, strings({"x", "yy", "", "it's", "zz", "w"}));
}

TEST(StringAggTest, EmptyGroupIsNullAndOneValueHasNoSeparator) {
    Aggregate aggregate("STRING_AGG", {column(DataType::string()), literal(str("|"))});
    auto state = aggregate.newState();
    EXPECT_EQ(aggregate.show(*state), "STRING NULL");
    aggregate.add(*state, {Value::null(DataType::string())});
    EXPECT_EQ(aggregate.show(*state), "STRING NULL");
    aggregate.add(*state, strings({"only"}));
    EXPECT_EQ(aggregate.show(*state), "STRING 'only'");
    Aggregate empty("STRING_AGG", {column(DataType::string()), literal(str(""))});
    auto joined = empty.newState();
    empty.add(*joined, strings({"a", "b"}));
    EXPECT_EQ(empty.show(*joined), "STRING 'ab'");
}

TEST(StringAggTest, MergedPanesInAnyOrder) {
    Aggregate aggregate("STRING_AGG", {column(DataType::string()), literal(str(","))});
    auto first = aggregate.newState(), second = aggregate.newState(), third = aggregate.newState();
    aggregate.add(*first, strings({"a", "c"}), {1, 3});
    aggregate.add(*second, strings({"b", "e"}), {2, 5});
    aggregate.add(*third, strings({"d"}), {4});
    auto target = aggregate.newState();
    aggregate.merge(*target, *third);
    aggregate.merge(*target, *first);
    aggregate.merge(*target, *second);
    EXPECT_EQ(aggregate.show(*target), "STRING 'a,b,c,d,e'");
    // Finalizing twice, and adding after a finalize, keeps the order.
    EXPECT_EQ(aggregate.show(*target), "STRING 'a,b,c,d,e'");
    aggregate.add(*target, strings({"0"}), {0});
    EXPECT_EQ(aggregate.show(*target), "STRING '0,a,b,c,d,e'");
    EXPECT_EQ(aggregate.show(*aggregate.roundTrip(*target)), "STRING '0,a,b,c,d,e'");
}

TEST(StringAggTest, ResolveErrors) {
    EXPECT_EQ(resolveCode("STRING_AGG", {column(DataType::string()), column(DataType::string())}),
              "invalid_query");
    EXPECT_EQ(resolveCode("STRING_AGG",
                          {column(DataType::string()), literal(Value::null(DataType::string()))}),
              "invalid_query");
    EXPECT_EQ(resolveCode("STRING_AGG", {column(DataType::bigint()), literal(str(","))}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("STRING_AGG", {column(DataType::string()), literal(big(1))}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("STRING_AGG", {column(DataType::string())}), "type_mismatch");
    EXPECT_EQ(resolveCode("STRING_AGG", {column(DataType::string()), literal(str(","))}, true),
              "not_supported");
}

// ---- COLLECT_LIST ----------------------------------------------------------------------------

TEST(CollectListTest, ArrayOfValuesInArrivalOrder) {
    Aggregate numbers("COLLECT_LIST", {column(DataType::bigint())});
    EXPECT_EQ(numbers.resultType(), DataType::array(DataType::bigint()));
    auto state = numbers.newState();
    numbers.add(*state, {big(3), Value::null(DataType::bigint()), big(1), big(2)}, {3, 4, 1, 2});
    EXPECT_EQ(numbers.showList(*state), "[1, 2, 3]");

    Aggregate decimals("COLLECT_LIST", {column(DataType::decimal(25, 3))});
    EXPECT_EQ(decimals.resultType(), DataType::array(DataType::decimal(25, 3)));
    auto decimalState = decimals.newState();
    decimals.add(*decimalState, {dec("1.500", 25), dec("-12345678901234567890.001", 25)});
    EXPECT_EQ(decimals.showList(*decimalState), "[1.500, -12345678901234567890.001]");

    Aggregate texts("COLLECT_LIST", {column(DataType::string())});
    auto textState = texts.newState();
    texts.add(*textState, strings({"z", "", "a"}));
    EXPECT_EQ(texts.showList(*textState), "['z', '', 'a']");
}

TEST(CollectListTest, EmptyGroupIsNull) {
    Aggregate aggregate("COLLECT_LIST", {column(DataType::float64())});
    auto state = aggregate.newState();
    EXPECT_EQ(aggregate.showList(*state), "NULL");
    aggregate.add(*state, {Value::null(DataType::float64())});
    EXPECT_EQ(aggregate.showList(*state), "NULL");
}

TEST(CollectListTest, RowsAppendToOneArrayVector) {
    Aggregate aggregate("COLLECT_LIST", {column(DataType::string())});
    auto a = aggregate.newState(), empty = aggregate.newState(), b = aggregate.newState();
    aggregate.add(*a, strings({"a1", "a2"}));
    aggregate.add(*b, strings({"b1"}));
    Vector out(aggregate.resultType(), 3);
    aggregate.kernel().finalize(a->data(), out, 0);
    aggregate.kernel().finalize(empty->data(), out, 1);
    aggregate.kernel().finalize(b->data(), out, 2);
    EXPECT_EQ(Aggregate::listText(out, 0), "['a1', 'a2']");
    EXPECT_EQ(Aggregate::listText(out, 1), "NULL");
    EXPECT_EQ(Aggregate::listText(out, 2), "['b1']");
    EXPECT_EQ(out.offsets()[0], 0);
    EXPECT_EQ(out.offsets()[1], 2);
    EXPECT_EQ(out.offsets()[2], 2);
    EXPECT_EQ(out.offsets()[3], 3);
    EXPECT_EQ(out.child(0).size(), 3u);
}

TEST(CollectListTest, MergeAndCheckpoint) {
    Aggregate numbers("COLLECT_LIST", {column(DataType::interval())});
    auto first = numbers.newState(), second = numbers.newState();
    numbers.add(*first, {Value::interval({1, 0}), Value::interval({3, 0})}, {1, 3});
    numbers.add(*second, {Value::interval({2, 0})}, {2});
    numbers.merge(*second, *first);
    EXPECT_EQ(numbers.showList(*second), "[" + Value::interval({1, 0}).toSql() + ", " +
                                             Value::interval({2, 0}).toSql() + ", " +
                                             Value::interval({3, 0}).toSql() + "]");
    EXPECT_EQ(numbers.showList(*numbers.roundTrip(*second)), numbers.showList(*second));

    Aggregate texts("COLLECT_LIST", {column(DataType::string())});
    auto late = texts.newState(), early = texts.newState();
    texts.add(*late, strings({"c", "d"}), {30, 40});
    texts.add(*early, strings({"a", "b"}), {10, 20});
    texts.merge(*late, *early);
    EXPECT_EQ(texts.showList(*late), "['a', 'b', 'c', 'd']");
    auto restored = texts.roundTrip(*late);
    EXPECT_EQ(texts.showList(*restored), "['a', 'b', 'c', 'd']");
    EXPECT_EQ(texts.bytes(*restored), texts.bytes(*late));
    EXPECT_FALSE(texts.restore("\x01").isOk());
}

TEST(CollectListTest, ResolveErrors) {
    EXPECT_EQ(resolveCode("COLLECT_LIST", {column(DataType::array(DataType::bigint()))}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("COLLECT_LIST", {}), "type_mismatch");
    EXPECT_EQ(resolveCode("COLLECT_LIST", {column(DataType::bigint())}, true), "not_supported");
}

// ---- MEDIAN / PERCENTILE_CONT ---------------------------------------------------------------

std::vector<Value> decimals(std::initializer_list<const char*> texts, int precision) {
    std::vector<Value> out;
    for (const char* text : texts) out.push_back(dec(text, precision));
    return out;
}

/// The result of `name` over `values` of `type` (PERCENTILE_CONT takes `fraction`).
std::string percentile(const DataType& type, const std::vector<Value>& values,
                       std::optional<Value> fraction = std::nullopt) {
    std::vector<ArgInfo> args = {column(type)};
    if (fraction.has_value()) args.push_back(literal(*fraction));
    Aggregate aggregate(fraction.has_value() ? "PERCENTILE_CONT" : "MEDIAN", args);
    auto state = aggregate.newState();
    auto errors = aggregate.add(*state, values);
    EXPECT_TRUE(errors.empty());
    return aggregate.show(*state);
}

TEST(PercentileTest, DecimalMedianIsExactAtScaleMaxSixS) {
    DataType money = DataType::decimal(10, 2);
    EXPECT_EQ(percentile(money, decimals({"1.00", "3.00", "2.00"}, 10)), "DECIMAL(38,6) 2.000000");
    EXPECT_EQ(percentile(money, decimals({"1.00", "2.25"}, 10)), "DECIMAL(38,6) 1.625000");
    EXPECT_EQ(percentile(money, decimals({"-1.01", "-1.00"}, 10)), "DECIMAL(38,6) -1.005000");
    EXPECT_EQ(percentile(money, decimals({"7.77"}, 10)), "DECIMAL(38,6) 7.770000");
    // A scale above 6 is kept.
    EXPECT_EQ(percentile(DataType::decimal(12, 8), decimals({"0.00000001", "0.00000002"}, 12)),
              "DECIMAL(38,8) 0.00000002");  // 0.000000015 needs 9 digits: half away from zero
    EXPECT_EQ(percentile(DataType::decimal(12, 8), decimals({"-0.00000001", "-0.00000002"}, 12)),
              "DECIMAL(38,8) -0.00000002");
    // 128-bit values.
    EXPECT_EQ(percentile(DataType::decimal(38, 10),
                         decimals({"1234567890123456789012345678.0000000001",
                                   "1234567890123456789012345678.0000000002"},
                                  38)),
              "DECIMAL(38,10) 1234567890123456789012345678.0000000002");
    EXPECT_EQ(percentile(DataType::decimal(30, 0),
                         decimals({"-999999999999999999999999999999", "999999999999999999999999999999",
                                   "1"},
                                  30)),
              "DECIMAL(38,6) 1.000000");
    EXPECT_EQ(percentile(DataType::decimal(30, 0),
                         decimals({"-999999999999999999999999999999", "999999999999999999999999999999"},
                                  30)),
              "DECIMAL(38,6) 0.000000");
}

TEST(PercentileTest, InterpolationRoundsHalfAwayFromZero) {
    DataType digit = DataType::decimal(3, 0);
    // Position 0.0000005 between 0 and 1: 0.0000005 at scale 6 → 0.000001.
    EXPECT_EQ(percentile(digit, decimals({"0", "1"}, 3), dec("0.0000005", 7)),
              "DECIMAL(38,6) 0.000001");
    EXPECT_EQ(percentile(digit, decimals({"0", "1"}, 3), dec("0.0000004", 7)),
              "DECIMAL(38,6) 0.000000");
    // Between −1 and 0: −0.0000005 → −0.000001.
    EXPECT_EQ(percentile(digit, decimals({"-1", "0"}, 3), dec("0.9999995", 7)),
              "DECIMAL(38,6) -0.000001");
    EXPECT_EQ(percentile(digit, decimals({"-1", "0"}, 3), dec("0.9999996", 7)),
              "DECIMAL(38,6) 0.000000");
    // Between −3 and 7 at 0.25: −0.5 exactly.
    EXPECT_EQ(percentile(digit, decimals({"7", "-3"}, 3), dec("0.25", 3)),
              "DECIMAL(38,6) -0.500000");
}

TEST(PercentileTest, FractionsAndEnds) {
    std::vector<Value> tens;
    for (int i = 10; i >= 1; --i) tens.push_back(big(i));
    EXPECT_EQ(percentile(DataType::bigint(), tens, dbl(0.9)), "DOUBLE 9.1");
    EXPECT_EQ(percentile(DataType::bigint(), tens, dec("0.9", 2)), "DOUBLE 9.1");
    EXPECT_EQ(percentile(DataType::bigint(), tens, dbl(0)), "DOUBLE 1");
    EXPECT_EQ(percentile(DataType::bigint(), tens, dbl(1)), "DOUBLE 10");
    EXPECT_EQ(percentile(DataType::bigint(), tens, big(1)), "DOUBLE 10");
    EXPECT_EQ(percentile(DataType::bigint(), tens, dec("0.5", 1)), "DOUBLE 5.5");
    EXPECT_EQ(percentile(DataType::bigint(), tens), "DOUBLE 5.5");
    DataType money = DataType::decimal(10, 2);
    std::vector<Value> prices = decimals({"10.00", "20.00", "30.00", "40.00", "50.00"}, 10);
    EXPECT_EQ(percentile(money, prices, dbl(0.95)), "DECIMAL(38,6) 48.000000");
    EXPECT_EQ(percentile(money, prices, dec("0.333", 3)), "DECIMAL(38,6) 23.320000");
    EXPECT_EQ(percentile(money, prices, dbl(0)), "DECIMAL(38,6) 10.000000");
    EXPECT_EQ(percentile(money, prices, dec("1.00", 3)), "DECIMAL(38,6) 50.000000");
}

TEST(PercentileTest, BigintsAndDoublesGiveDouble) {
    EXPECT_EQ(percentile(DataType::bigint(), bigints({4, 1, 3, 2})), "DOUBLE 2.5");
    EXPECT_EQ(percentile(DataType::bigint(), bigints({std::numeric_limits<int64_t>::min(),
                                                      std::numeric_limits<int64_t>::max()})),
              "DOUBLE 0");
    EXPECT_EQ(percentile(DataType::float64(), doubles({0.5, -1.5, 2})), "DOUBLE 0.5");
    EXPECT_EQ(percentile(DataType::float64(), doubles({-kInf, 1, kInf})), "DOUBLE 1");
    EXPECT_EQ(percentile(DataType::float64(), doubles({kInf, kInf})), "DOUBLE inf");
    // NaN sorts after every number.
    EXPECT_EQ(percentile(DataType::float64(), doubles({kNan, 1, 3})), "DOUBLE 3");
}

TEST(PercentileTest, NullRules) {
    for (const DataType& type : {DataType::bigint(), DataType::float64(), DataType::decimal(5, 1)}) {
        Aggregate median("MEDIAN", {column(type)});
        auto state = median.newState();
        std::string expectedType = type.isDecimal() ? "DECIMAL(38,6)" : "DOUBLE";
        EXPECT_EQ(median.show(*state), expectedType + " NULL");
        median.add(*state, {Value::null(type)});
        EXPECT_EQ(median.show(*state), expectedType + " NULL");
        EXPECT_EQ(median.show(*median.roundTrip(*state)), expectedType + " NULL");
    }
}

TEST(PercentileTest, MergeAndCheckpoint) {
    Aggregate median("MEDIAN", {column(DataType::decimal(10, 2))});
    expectMergeAndCheckpointAgree(
        median, decimals({"5.00", "1.25", "9.99", "-3.50", "5.00", "0.01", "7.77"}, 10));
    Aggregate quartile("PERCENTILE_CONT", {column(DataType::float64()), literal(dbl(0.25))});
    expectMergeAndCheckpointAgree(quartile, doubles({3, 1, 4, 1, 5, 9, 2, 6, 5, 3}));
    Aggregate wide("MEDIAN", {column(DataType::decimal(38, 2))});
    expectMergeAndCheckpointAgree(wide, decimals({"99999999999999999999999999999.99", "-0.01",
                                                  "12345678901234567890.12"},
                                                 38));
    auto state = median.newState();
    EXPECT_FALSE(median.restore("\x03").isOk());
    std::string bytes = median.bytes(*state);
    EXPECT_FALSE(median.restore(bytes + "1234567").isOk());
}

TEST(PercentileTest, DecimalsTooLargeForTheResultAreBadRecords) {
    // DECIMAL(38,0) → DECIMAL(38,6): only 32 integer digits fit.
    Aggregate median("MEDIAN", {column(DataType::decimal(38, 0))});
    EXPECT_TRUE(median.kernel().canFail());
    auto state = median.newState();
    auto errors = median.add(*state, decimals({"99999999999999999999999999999999", "5",
                                               "100000000000000000000000000000000",
                                               "-100000000000000000000000000000000"},
                                              38));
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].row, 2u);
    EXPECT_EQ(errors[0].code, ErrorCode::kDecimalOverflow);
    EXPECT_EQ(errors[1].row, 3u);
    EXPECT_EQ(median.show(*state), "DECIMAL(38,6) 50000000000000000000000000000002.000000");

    // Undo takes back rows that were added (another aggregate failed on them).
    Vector added(DataType::decimal(38, 0), 1);
    added.values<int128_t>()[0] = 5;
    std::vector<const Vector*> args = {&added};
    std::vector<uint8_t*> states = {state->data()};
    std::vector<uint32_t> rows = {0};
    median.kernel().undo(states, rows, args);
    EXPECT_EQ(median.show(*state), "DECIMAL(38,6) 99999999999999999999999999999999.000000");

    Aggregate fits("MEDIAN", {column(DataType::decimal(32, 0))});
    EXPECT_FALSE(fits.kernel().canFail());
    Aggregate scaled("MEDIAN", {column(DataType::decimal(38, 6))});
    EXPECT_FALSE(scaled.kernel().canFail());
}

TEST(PercentileTest, ResolveErrors) {
    DataType money = DataType::decimal(10, 2);
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), column(DataType::float64())}),
              "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), literal(dbl(1.5))}), "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), literal(dbl(-0.1))}), "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), literal(dbl(kNan))}), "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), literal(dec("1.01", 3))}),
              "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), literal(big(2))}), "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT",
                          {column(money), literal(Value::null(DataType::float64()))}),
              "invalid_value");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money), literal(str("0.5"))}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("PERCENTILE_CONT", {column(money)}), "type_mismatch");
    EXPECT_EQ(resolveCode("MEDIAN", {column(DataType::string())}), "type_mismatch");
    EXPECT_EQ(resolveCode("MEDIAN", {column(money), literal(dbl(0.5))}), "type_mismatch");
    EXPECT_EQ(resolveCode("MEDIAN", {column(money)}, true), "not_supported");
    auto bound = bindAggregate("PERCENTILE_CONT", {column(money), column(DataType::float64())});
    ASSERT_FALSE(bound.isOk());
    EXPECT_NE(bound.status().message().find("literal"), std::string::npos)
        << bound.status().message();
}

// ---- COUNT(DISTINCT) ---------------------------------------------------------------------------

Aggregate countDistinct(const DataType& type) {
    std::vector<ArgInfo> args = {column(type)};
    auto bound = resolveCountDistinct(countEntry(), args);
    if (!bound.isOk()) throw std::runtime_error(bound.status().toString());
    return Aggregate(std::move(bound).value(), args);
}

TEST(CountDistinctTest, CountsCanonicalValues) {
    Aggregate integers = countDistinct(DataType::bigint());
    EXPECT_EQ(integers.resultType(), DataType::bigint());
    auto state = integers.newState();
    EXPECT_EQ(integers.show(*state), "BIGINT 0");
    integers.add(*state, bigints({1, 2, 1, 3, 2, 1}));
    integers.add(*state, {Value::null(DataType::bigint())});
    EXPECT_EQ(integers.show(*state), "BIGINT 3");

    Aggregate reals = countDistinct(DataType::float64());
    auto realState = reals.newState();
    reals.add(*realState, doubles({0.0, -0.0, kNan, -kNan, 1.5, kInf}));
    EXPECT_EQ(reals.show(*realState), "BIGINT 4");

    Aggregate money = countDistinct(DataType::decimal(30, 2));
    auto moneyState = money.newState();
    money.add(*moneyState, decimals({"1.50", "1.50", "-1.50", "0.00"}, 30));
    EXPECT_EQ(money.show(*moneyState), "BIGINT 3");

    Aggregate texts = countDistinct(DataType::string());
    auto textState = texts.newState();
    texts.add(*textState, strings({"a", "A", "a", "", "a long string beyond the inline buffer",
                                   "a long string beyond the inline buffer"}));
    EXPECT_EQ(texts.show(*textState), "BIGINT 4");

    Aggregate intervals = countDistinct(DataType::interval());
    auto intervalState = intervals.newState();
    intervals.add(*intervalState, {Value::interval({1, 0}), Value::interval({0, 86'400'000'000}),
                                   Value::interval({1, 0})});
    EXPECT_EQ(intervals.show(*intervalState), "BIGINT 2");
}

TEST(CountDistinctTest, MergeAndCheckpoint) {
    Aggregate texts = countDistinct(DataType::string());
    expectMergeAndCheckpointAgree(texts, strings({"a", "b", "a", "c", "b", "d", "a"}));
    Aggregate money = countDistinct(DataType::decimal(10, 2));
    auto a = money.newState(), b = money.newState();
    money.add(*a, decimals({"1.00", "2.00"}, 10));
    money.add(*b, decimals({"2.00", "3.00"}, 10));
    money.merge(*a, *b);
    EXPECT_EQ(money.show(*a), "BIGINT 3");
    auto restored = money.roundTrip(*a);
    EXPECT_EQ(money.show(*restored), "BIGINT 3");
    money.add(*restored, decimals({"3.00", "4.00"}, 10));
    EXPECT_EQ(money.show(*restored), "BIGINT 4");
    EXPECT_FALSE(money.restore("\x05").isOk());
}

TEST(CountDistinctTest, NestedValuesAreRejected) {
    std::vector<ArgInfo> args = {column(DataType::array(DataType::bigint()))};
    auto bound = resolveCountDistinct(countEntry(), args);
    ASSERT_FALSE(bound.isOk());
    EXPECT_EQ(bound.status().code(), ErrorCode::kTypeMismatch);
    EXPECT_FALSE(countDistinctAccepts(DataType::map(DataType::bigint())));
    EXPECT_TRUE(countDistinctAccepts(DataType::timestamp()));
}

// ---- APPROX_COUNT_DISTINCT -------------------------------------------------------------------

/// The estimate for values 0..count−1, each added `copies` times, fed in `parts` states
/// that are then merged.
int64_t approximate(int64_t count, int copies = 1, int parts = 1) {
    Aggregate aggregate("APPROX_COUNT_DISTINCT", {column(DataType::bigint())});
    std::vector<std::unique_ptr<GroupState>> states;
    for (int p = 0; p < parts; ++p) states.push_back(aggregate.newState());
    std::vector<Value> batch;
    int64_t added = 0;
    for (int copy = 0; copy < copies; ++copy) {
        for (int64_t value = 0; value < count; ++value) {
            batch.push_back(big(value * 7919));
            if (batch.size() == 4096 || (copy == copies - 1 && value == count - 1)) {
                aggregate.add(*states[static_cast<size_t>(added++ % parts)], batch);
                batch.clear();
            }
        }
    }
    for (int p = 1; p < parts; ++p) aggregate.merge(*states[0], *states[static_cast<size_t>(p)]);
    return aggregate.result(*states[0]).asInt64();
}

TEST(ApproxCountDistinctTest, SmallCountsAreExact) {
    EXPECT_EQ(approximate(0), 0);
    EXPECT_EQ(approximate(1), 1);
    EXPECT_EQ(approximate(1, 50), 1);
    EXPECT_EQ(approximate(10, 3), 10);
    EXPECT_EQ(approximate(100, 2), 100);
}

TEST(ApproxCountDistinctTest, LargeCountsWithinTheErrorBound) {
    // Relative standard error 1.04/√16384 ≈ 0.81%: allow three of them.
    for (int64_t count : {1000, 5000, 20000, 100000, 400000}) {
        int64_t estimate = approximate(count);
        EXPECT_NEAR(static_cast<double>(estimate), static_cast<double>(count), count * 0.025)
            << count;
    }
}

TEST(ApproxCountDistinctTest, MergeIsExactlyTheWholeSketch) {
    // Register-wise maximum: any split merges to the same sketch, sparse or dense.
    for (int64_t count : {500, 3000, 50000}) {
        int64_t whole = approximate(count, 2);
        EXPECT_EQ(approximate(count, 2, 3), whole) << count;
        EXPECT_EQ(approximate(count, 1, 7), approximate(count)) << count;
    }
}

TEST(ApproxCountDistinctTest, CheckpointBothRepresentations) {
    Aggregate aggregate("APPROX_COUNT_DISTINCT", {column(DataType::string())});
    auto sparse = aggregate.newState();
    aggregate.add(*sparse, strings({"a", "b", "c", "a"}));
    EXPECT_EQ(aggregate.show(*sparse), "BIGINT 3");
    auto restoredSparse = aggregate.roundTrip(*sparse);
    EXPECT_EQ(aggregate.show(*restoredSparse), "BIGINT 3");
    EXPECT_EQ(aggregate.bytes(*restoredSparse), aggregate.bytes(*sparse));
    EXPECT_LT(aggregate.bytes(*sparse).size(), 64u);

    auto dense = aggregate.newState();
    std::vector<Value> values;
    for (int i = 0; i < 20000; ++i) values.push_back(str("key-" + std::to_string(i)));
    aggregate.add(*dense, values);
    std::string bytes = aggregate.bytes(*dense);
    EXPECT_EQ(bytes.size(), 1u + 16384u);
    auto restoredDense = aggregate.roundTrip(*dense);
    EXPECT_EQ(aggregate.show(*restoredDense), aggregate.show(*dense));
    EXPECT_EQ(aggregate.bytes(*restoredDense), bytes);

    // Sparse merged into dense and dense into sparse agree.
    auto sparseCopy = aggregate.roundTrip(*sparse);
    aggregate.merge(*sparseCopy, *dense);
    aggregate.merge(*restoredDense, *sparse);
    EXPECT_EQ(aggregate.bytes(*sparseCopy), aggregate.bytes(*restoredDense));

    EXPECT_FALSE(aggregate.restore("").isOk());
    EXPECT_FALSE(aggregate.restore(bytes.substr(0, 100)).isOk());
    std::string badRank = bytes;
    badRank[1] = 60;
    EXPECT_FALSE(aggregate.restore(badRank).isOk());
    EXPECT_FALSE(aggregate.restore("\x02").isOk());
}

TEST(ApproxCountDistinctTest, TypesAndResolution) {
    Aggregate money("APPROX_COUNT_DISTINCT", {column(DataType::decimal(10, 2))});
    EXPECT_EQ(money.resultType(), DataType::bigint());
    auto state = money.newState();
    money.add(*state, decimals({"1.00", "1.00", "2.00"}, 10));
    EXPECT_EQ(money.show(*state), "BIGINT 2");
    Aggregate reals("APPROX_COUNT_DISTINCT", {column(DataType::float64())});
    auto realState = reals.newState();
    reals.add(*realState, doubles({0.0, -0.0, kNan, -kNan}));
    EXPECT_EQ(reals.show(*realState), "BIGINT 2");
    EXPECT_EQ(resolveCode("APPROX_COUNT_DISTINCT", {column(DataType::array(DataType::bigint()))}),
              "type_mismatch");
    EXPECT_EQ(resolveCode("APPROX_COUNT_DISTINCT", {}), "type_mismatch");
    // DISTINCT changes nothing for a distinct count, so it is accepted.
    EXPECT_EQ(resolveCode("APPROX_COUNT_DISTINCT", {column(DataType::bigint())}, true), "ok");
}

}  // namespace
}  // namespace ferris::expr

namespace ferris::expr {
namespace {

// Holistic aggregates checkpoint one entry per element (DESIGN.md §2.2): a state hands over
// exactly the elements added since the last take (merged ones included, undone ones not;
// serialize counts as a take), and a state rebuilt element by element gives the same result
// and the same bytes as the original.
TEST(ElementwiseTest, NewElementsAreTakenOnceAndRestoreTheState) {
    struct Case {
        std::string name;
        std::vector<ArgInfo> args;
        bool distinct;
        std::vector<Value> first, second;
    };
    std::vector<Case> cases = {
        {"MEDIAN", {column(DataType::bigint())}, false, bigints({5, 1, 5}), bigints({3})},
        {"COUNT", {column(DataType::string())}, true, strings({"a", "b", "a"}), strings({"b", "c"})},
        {"STRING_AGG", {column(DataType::string()), literal(Value::string(","))}, false, strings({"x", "y"}),
         strings({"z"})},
        {"COLLECT_LIST", {column(DataType::bigint())}, false, bigints({7, 8}), bigints({9})},
    };
    for (const Case& test : cases) {
        SCOPED_TRACE(test.name);
        Aggregate aggregate = test.distinct ? countDistinct(test.args[0].type) : Aggregate(test.name, test.args);
        const AggregateKernel& kernel = aggregate.kernel();
        ASSERT_TRUE(kernel.elementwise());
        auto state = aggregate.newState();
        aggregate.add(*state, test.first);
        std::vector<std::string> taken;
        kernel.takeNewElements(state->data(), taken);
        size_t firstElements = taken.size();
        EXPECT_EQ(firstElements, test.distinct ? 2u : test.first.size());  // distinct: a, b
        std::vector<std::string> again;
        kernel.takeNewElements(state->data(), again);
        EXPECT_TRUE(again.empty());

        // Merged elements are new in the target; the pane they came from is not touched.
        auto other = aggregate.newState();
        auto from = [&](int64_t base) {
            std::vector<int64_t> arrivals;
            for (size_t i = 0; i < test.second.size(); ++i) arrivals.push_back(base + static_cast<int64_t>(i));
            return arrivals;
        };
        aggregate.add(*other, test.second, from(100));
        aggregate.merge(*state, *other);
        kernel.takeNewElements(state->data(), taken);
        EXPECT_EQ(taken.size(), firstElements + (test.distinct ? 1 : test.second.size()));  // distinct: c

        auto rebuilt = aggregate.newState();
        for (const std::string& element : taken) ASSERT_TRUE(kernel.restoreElement(rebuilt->data(), element).isOk());
        auto text = [&](const GroupState& s) {
            return test.name == "COLLECT_LIST" ? aggregate.showList(s) : aggregate.show(s);
        };
        EXPECT_EQ(text(*rebuilt), text(*state));
        EXPECT_EQ(aggregate.bytes(*rebuilt), aggregate.bytes(*state));
        std::vector<std::string> none;
        kernel.takeNewElements(rebuilt->data(), none);  // restored elements are not new
        EXPECT_TRUE(none.empty());

        // serialize() writes the whole state, which counts as taking its new elements.
        aggregate.add(*state, test.second, from(200));
        aggregate.bytes(*state);
        kernel.takeNewElements(state->data(), none);
        EXPECT_TRUE(none.empty());
        if (test.name == "MEDIAN") {
            EXPECT_FALSE(kernel.restoreElement(rebuilt->data(), "").isOk());
        }
    }
}

}  // namespace
}  // namespace ferris::expr
