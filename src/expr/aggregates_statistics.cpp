// The statistical aggregates (§1.3): STDDEV/VARIANCE in sample and population forms, and
// CORR/COVAR over pairs. DOUBLE results for every numeric argument (§1.4.1); each state is
// a count, means and centred moments (Welford), combined exactly-in-formula by the parallel
// update of Chan, Golub and LeVeque, so merging partial states (panes, sessions, restored
// parts) matches one state over all the values up to floating-point rounding.

#include <algorithm>
#include <cmath>
#include <new>

#include <fmt/format.h>

#include "expr/aggregates.h"
#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "types/decimal.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

/// Reads numeric arguments of one bound type as doubles (a DECIMAL exactly to the nearest
/// double, value by value).
class DoubleReader {
public:
    explicit DoubleReader(const DataType& type)
        : id_(type.id()), scale_(type.isDecimal() ? type.scale() : 0) {}

    double read(const Vector& vector, uint32_t row) const {
        switch (id_) {
            case TypeId::kBigint: return static_cast<double>(vector.values<int64_t>()[row]);
            case TypeId::kDecimal: return types::decimalToDouble(readDecimal(vector, row), scale_);
            default: return vector.values<double>()[row];
        }
    }

private:
    TypeId id_;
    int scale_;
};

// ---- STDDEV / VARIANCE ----------------------------------------------------------------------

/// Count, mean and sum of squared deviations from the mean (M2) of the values so far.
struct Moments {
    int64_t count;
    double mean;
    double m2;
    int64_t padding;
};
static_assert(sizeof(Moments) == 32);

/// Which statistic a moments kernel reports.
enum class Dispersion : uint8_t {
    kVarianceSample,      ///< M2 / (n − 1), NULL for n < 2
    kVariancePopulation,  ///< M2 / n, NULL for n = 0
    kStddevSample,        ///< √(M2 / (n − 1)), NULL for n < 2
    kStddevPopulation,    ///< √(M2 / n), NULL for n = 0
};

bool isSample(Dispersion dispersion) {
    return dispersion == Dispersion::kVarianceSample || dispersion == Dispersion::kStddevSample;
}

std::string_view dispersionName(Dispersion dispersion) {
    switch (dispersion) {
        case Dispersion::kVarianceSample: return "VARIANCE";
        case Dispersion::kVariancePopulation: return "VAR_POP";
        case Dispersion::kStddevSample: return "STDDEV";
        case Dispersion::kStddevPopulation: return "STDDEV_POP";
    }
    return "VARIANCE";
}

/// STDDEV, STDDEV_POP, VARIANCE, VAR_POP of BIGINT, DOUBLE or DECIMAL: DOUBLE.
class MomentsKernel final : public AggregateKernel {
public:
    MomentsKernel(const DataType& argument, Dispersion dispersion)
        : reader_(argument), dispersion_(dispersion) {}

    size_t stateSize() const override { return sizeof(Moments); }
    void init(uint8_t* state) const override { new (state) Moments{0, 0, 0, 0}; }

    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t>,
                EvalContext&) const override {
        const Vector& values = *args[0];
        for (size_t i = 0; i < rows.size(); ++i) {
            auto& s = *reinterpret_cast<Moments*>(states[i]);
            double x = reader_.read(values, rows[i]);
            ++s.count;
            double delta = x - s.mean;
            s.mean += delta / static_cast<double>(s.count);
            s.m2 += delta * (x - s.mean);
        }
    }

    void merge(uint8_t* target, const uint8_t* source) const override {
        auto& t = *reinterpret_cast<Moments*>(target);
        const auto& s = *reinterpret_cast<const Moments*>(source);
        if (s.count == 0) return;
        if (t.count == 0) {
            t = s;
            return;
        }
        double nt = static_cast<double>(t.count), ns = static_cast<double>(s.count);
        double n = nt + ns;
        double delta = s.mean - t.mean;
        t.mean += delta * (ns / n);
        t.m2 += s.m2 + delta * delta * (nt * ns / n);
        t.count += s.count;
    }

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto& s = *reinterpret_cast<const Moments*>(state);
        int64_t divisor = isSample(dispersion_) ? s.count - 1 : s.count;
        if (divisor <= 0) {
            out.setNull(row);
            return;
        }
        out.setNotNull(row);
        // Rounding can leave M2 a hair below zero for equal values; a variance is never < 0.
        // (std::max keeps a NaN M2: NaN < 0 is false.)
        double variance = std::max(s.m2, 0.0) / static_cast<double>(divisor);
        bool root = dispersion_ == Dispersion::kStddevSample ||
                    dispersion_ == Dispersion::kStddevPopulation;
        out.values<double>()[row] = root ? std::sqrt(variance) : variance;
    }

    void serialize(const uint8_t* state, std::string& out) const override {
        const auto& s = *reinterpret_cast<const Moments*>(state);
        appendStateValue(out, s.count);
        appendStateValue(out, s.mean);
        appendStateValue(out, s.m2);
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto& s = *reinterpret_cast<Moments*>(state);
        StateReader reader(bytes);
        if (!reader.read(s.count) || !reader.read(s.mean) || !reader.read(s.m2) ||
            !reader.atEnd() || s.count < 0) {
            return corruptAggregateState(dispersionName(dispersion_));
        }
        return Status::ok();
    }

private:
    DoubleReader reader_;
    Dispersion dispersion_;
};

// ---- CORR / COVAR ---------------------------------------------------------------------------

/// Count, means, M2 of each variable and the co-moment C = Σ (y − ȳ)(x − x̄).
struct CoMoments {
    int64_t count;
    double meanY;
    double meanX;
    double m2Y;
    double m2X;
    double c;
};
static_assert(sizeof(CoMoments) == 48);

/// Which statistic a co-moments kernel reports.
enum class Association : uint8_t {
    kCorrelation,          ///< C / √(M2y · M2x), NULL for n < 2 or a zero variance
    kCovariancePopulation, ///< C / n, NULL for n = 0
    kCovarianceSample,     ///< C / (n − 1), NULL for n < 2
};

std::string_view associationName(Association association) {
    switch (association) {
        case Association::kCorrelation: return "CORR";
        case Association::kCovariancePopulation: return "COVAR_POP";
        case Association::kCovarianceSample: return "COVAR_SAMP";
    }
    return "CORR";
}

/// CORR(y, x), COVAR_POP(y, x), COVAR_SAMP(y, x) of numeric pairs: DOUBLE. Rows where either
/// argument is NULL never reach update (the caller filters them).
class CoMomentsKernel final : public AggregateKernel {
public:
    CoMomentsKernel(const DataType& y, const DataType& x, Association association)
        : readerY_(y), readerX_(x), association_(association) {}

    size_t stateSize() const override { return sizeof(CoMoments); }
    void init(uint8_t* state) const override { new (state) CoMoments{0, 0, 0, 0, 0, 0}; }

    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t>,
                EvalContext&) const override {
        for (size_t i = 0; i < rows.size(); ++i) {
            auto& s = *reinterpret_cast<CoMoments*>(states[i]);
            double y = readerY_.read(*args[0], rows[i]);
            double x = readerX_.read(*args[1], rows[i]);
            ++s.count;
            double n = static_cast<double>(s.count);
            double deltaY = y - s.meanY;
            double deltaX = x - s.meanX;
            s.meanY += deltaY / n;
            s.meanX += deltaX / n;
            s.m2Y += deltaY * (y - s.meanY);
            s.m2X += deltaX * (x - s.meanX);
            s.c += deltaX * (y - s.meanY);
        }
    }

    void merge(uint8_t* target, const uint8_t* source) const override {
        auto& t = *reinterpret_cast<CoMoments*>(target);
        const auto& s = *reinterpret_cast<const CoMoments*>(source);
        if (s.count == 0) return;
        if (t.count == 0) {
            t = s;
            return;
        }
        double nt = static_cast<double>(t.count), ns = static_cast<double>(s.count);
        double n = nt + ns;
        double weight = nt * ns / n;
        double deltaY = s.meanY - t.meanY;
        double deltaX = s.meanX - t.meanX;
        t.meanY += deltaY * (ns / n);
        t.meanX += deltaX * (ns / n);
        t.m2Y += s.m2Y + deltaY * deltaY * weight;
        t.m2X += s.m2X + deltaX * deltaX * weight;
        t.c += s.c + deltaY * deltaX * weight;
        t.count += s.count;
    }

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto& s = *reinterpret_cast<const CoMoments*>(state);
        double result = 0;
        switch (association_) {
            case Association::kCorrelation:
                if (s.count < 2 || s.m2Y == 0 || s.m2X == 0) {
                    out.setNull(row);
                    return;
                }
                // Rounding can push |r| a hair past 1; NaN stays NaN.
                result = std::clamp(s.c / std::sqrt(s.m2Y * s.m2X), -1.0, 1.0);
                break;
            case Association::kCovariancePopulation:
                if (s.count < 1) {
                    out.setNull(row);
                    return;
                }
                result = s.c / static_cast<double>(s.count);
                break;
            case Association::kCovarianceSample:
                if (s.count < 2) {
                    out.setNull(row);
                    return;
                }
                result = s.c / static_cast<double>(s.count - 1);
                break;
        }
        out.setNotNull(row);
        out.values<double>()[row] = result;
    }

    void serialize(const uint8_t* state, std::string& out) const override {
        const auto& s = *reinterpret_cast<const CoMoments*>(state);
        appendStateValue(out, s.count);
        for (double value : {s.meanY, s.meanX, s.m2Y, s.m2X, s.c}) appendStateValue(out, value);
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto& s = *reinterpret_cast<CoMoments*>(state);
        StateReader reader(bytes);
        if (!reader.read(s.count) || !reader.read(s.meanY) || !reader.read(s.meanX) ||
            !reader.read(s.m2Y) || !reader.read(s.m2X) || !reader.read(s.c) ||
            !reader.atEnd() || s.count < 0) {
            return corruptAggregateState(associationName(association_));
        }
        return Status::ok();
    }

private:
    DoubleReader readerY_;
    DoubleReader readerX_;
    Association association_;
};

// ---- Resolution -----------------------------------------------------------------------------

/// The argument type a statistical aggregate computes on: a numeric type as given, DOUBLE
/// for a bare NULL; anything else is not accepted.
bool statisticalArgument(const ArgInfo& arg, DataType& type) {
    type = arg.type.isNull() ? DataType::float64() : arg.type;
    return type.isNumeric();
}

Result<BoundAggregate> resolveDispersion(const FunctionEntry& self, std::span<const ArgInfo> args,
                                         bool distinct, Dispersion dispersion) {
    if (distinct) return Status::notSupported(fmt::format("{}(DISTINCT …)", self.name));
    DataType argument;
    if (args.size() != 1 || !statisticalArgument(args[0], argument)) {
        return noMatchingOverload(self, args);
    }
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {argument};
    bound.resultType = DataType::float64();
    bound.makeKernel = [argument, dispersion] {
        return AggregateKernelPtr(std::make_unique<MomentsKernel>(argument, dispersion));
    };
    return bound;
}

Result<BoundAggregate> resolveAssociation(const FunctionEntry& self,
                                          std::span<const ArgInfo> args, bool distinct,
                                          Association association) {
    if (distinct) return Status::notSupported(fmt::format("{}(DISTINCT …)", self.name));
    DataType y, x;
    if (args.size() != 2 || !statisticalArgument(args[0], y) ||
        !statisticalArgument(args[1], x)) {
        return noMatchingOverload(self, args);
    }
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {y, x};
    bound.resultType = DataType::float64();
    bound.makeKernel = [y, x, association] {
        return AggregateKernelPtr(std::make_unique<CoMomentsKernel>(y, x, association));
    };
    return bound;
}

void addDispersion(FunctionRegistry& registry, std::string name,
                   std::vector<std::string> aliases, Dispersion dispersion,
                   std::string description) {
    std::string signature = name + "(BIGINT | DOUBLE | DECIMAL(p,s)) -> DOUBLE";
    FunctionEntry entry = makeAggregateEntry(std::move(name), std::move(aliases), {signature},
                                             std::move(description));
    entry.resolveAggregate = [dispersion](const FunctionEntry& self,
                                          std::span<const ArgInfo> args, bool distinct) {
        return resolveDispersion(self, args, distinct, dispersion);
    };
    registry.add(std::move(entry));
}

void addAssociation(FunctionRegistry& registry, std::string name, Association association,
                    std::string description) {
    std::string signature = name + "(y, x) -> DOUBLE (y, x: BIGINT | DOUBLE | DECIMAL(p,s))";
    FunctionEntry entry =
        makeAggregateEntry(std::move(name), {}, {signature}, std::move(description));
    entry.resolveAggregate = [association](const FunctionEntry& self,
                                           std::span<const ArgInfo> args, bool distinct) {
        return resolveAssociation(self, args, distinct, association);
    };
    registry.add(std::move(entry));
}

}  // namespace

void registerStatisticalAggregates(FunctionRegistry& registry) {
    addDispersion(registry, "STDDEV", {"STDDEV_SAMP"}, Dispersion::kStddevSample,
                  "the sample standard deviation of the non-NULL values (DECIMAL values "
                  "converted to DOUBLE one by one); NULL for fewer than two values");
    addDispersion(registry, "STDDEV_POP", {}, Dispersion::kStddevPopulation,
                  "the population standard deviation of the non-NULL values; NULL when "
                  "there are none");
    addDispersion(registry, "VARIANCE", {"VAR_SAMP"}, Dispersion::kVarianceSample,
                  "the sample variance of the non-NULL values (DECIMAL values converted to "
                  "DOUBLE one by one); NULL for fewer than two values");
    addDispersion(registry, "VAR_POP", {}, Dispersion::kVariancePopulation,
                  "the population variance of the non-NULL values; NULL when there are none");
    addAssociation(registry, "CORR", Association::kCorrelation,
                   "the Pearson correlation coefficient of the pairs where neither y nor x is "
                   "NULL; NULL for fewer than two pairs or when y or x does not vary");
    addAssociation(registry, "COVAR_POP", Association::kCovariancePopulation,
                   "the population covariance of the pairs where neither y nor x is NULL; "
                   "NULL when there are none");
    addAssociation(registry, "COVAR_SAMP", Association::kCovarianceSample,
                   "the sample covariance of the pairs where neither y nor x is NULL; NULL "
                   "for fewer than two pairs");
}

}  // namespace ferris::expr
