#pragma once

// Registration of the statistical, holistic and arrival-ordered aggregates (§1.3), and the
// small pieces their kernels share: the registry entry of an aggregate and the byte format
// of checkpointed states.

#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "common/result.h"
#include "expr/aggregate.h"
#include "expr/function.h"
#include "types/data_type.h"

namespace ferris::expr {

class FunctionRegistry;

/// STDDEV (STDDEV_SAMP), STDDEV_POP, VARIANCE (VAR_SAMP), VAR_POP, CORR, COVAR_POP and
/// COVAR_SAMP (aggregates_statistics.cpp).
void registerStatisticalAggregates(FunctionRegistry& registry);

/// MEDIAN, PERCENTILE_CONT and APPROX_COUNT_DISTINCT (aggregates_holistic.cpp), then the
/// arrival-ordered ones through registerArrivalOrderedAggregates.
void registerHolisticAggregates(FunctionRegistry& registry);

/// FIRST_VALUE, LAST_VALUE, STRING_AGG and COLLECT_LIST (aggregates_ordered.cpp); called by
/// registerHolisticAggregates.
void registerArrivalOrderedAggregates(FunctionRegistry& registry);

/// The kernel of COUNT(DISTINCT x) for x of type `type`: an exact count of the distinct
/// non-NULL values, compared by their canonical bytes (a DECIMAL by its unscaled integer,
/// a string by its bytes, 0.0 = -0.0, all NaNs one value). `type` must satisfy
/// countDistinctAccepts (a planner bug otherwise).
AggregateKernelPtr makeCountDistinctKernel(const types::DataType& type);
/// True for the types COUNT(DISTINCT x) takes: every scalar type (no ARRAY, MAP, STRUCT).
bool countDistinctAccepts(const types::DataType& type);
/// Resolves COUNT(DISTINCT x): BIGINT, 0 for an empty group; a type error for a nested x.
Result<BoundAggregate> resolveCountDistinct(const FunctionEntry& self,
                                            std::span<const ArgInfo> args);

// ---- Shared by the aggregate files ----------------------------------------------------------

/// A registry entry of kind aggregate; calling it as a scalar function is a user error.
inline FunctionEntry makeAggregateEntry(std::string name, std::vector<std::string> aliases,
                                        std::vector<std::string> signatures,
                                        std::string description) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.aliases = std::move(aliases);
    entry.kind = FunctionKind::kAggregate;
    entry.category = "aggregate";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = [](const FunctionEntry& self,
                       std::span<const ArgInfo>) -> Result<BoundFunction> {
        return Status::user(
            ErrorCode::kInvalidQuery,
            fmt::format("{} is an aggregate: it needs GROUP BY, a window or a whole bounded input",
                        self.name));
    };
    return entry;
}

/// Appends the native bytes of a trivially copyable value to a serialized state.
template <typename T>
void appendStateValue(std::string& out, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

/// Appends a length-prefixed byte string to a serialized state.
inline void appendStateBytes(std::string& out, std::string_view bytes) {
    appendStateValue(out, static_cast<uint64_t>(bytes.size()));
    out.append(bytes);
}

/// Reads a serialized state front to back; every read says whether the bytes were there.
class StateReader {
public:
    explicit StateReader(std::string_view bytes) : rest_(bytes) {}

    template <typename T>
    bool read(T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        if (rest_.size() < sizeof(T)) return false;
        std::memcpy(&value, rest_.data(), sizeof(T));
        rest_.remove_prefix(sizeof(T));
        return true;
    }
    /// Reads a length-prefixed byte string written by appendStateBytes.
    bool readBytes(std::string_view& bytes) {
        uint64_t size = 0;
        if (!read(size) || rest_.size() < size) return false;
        bytes = rest_.substr(0, size);
        rest_.remove_prefix(size);
        return true;
    }
    /// Bytes not read yet.
    size_t remaining() const { return rest_.size(); }
    /// True when every byte was read (trailing bytes mean a corrupt state).
    bool atEnd() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

/// The error for a state that does not parse.
inline Status corruptAggregateState(std::string_view function) {
    return Status::internal(fmt::format("corrupt {} state in a checkpoint", function));
}

}  // namespace ferris::expr
