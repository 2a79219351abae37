#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include <functional>
#include "expr/kernel.h"
#include "types/data_type.h"
#include "types/vector.h"

namespace ferris::expr {

/// An aggregate function bound to concrete argument types (DESIGN.md §2.1): the layout of its
/// per-group state and the batch operations on it. One instance per aggregate call in a plan;
/// the operator owns the group states (raw, `stateSize()` bytes each, 16-byte aligned) and
/// hands them over by pointer.
///
/// Rows and NULLs: `update` receives the rows to add; unless `countsNulls()`, rows where an
/// argument is NULL are filtered out by the caller (SQL aggregates ignore NULLs).
///
/// Failure: an aggregate whose `update` can fail for a row (SUM overflow, …) says so with
/// `canFail()`. It must then skip the failing row (recording the row error in the context)
/// and be able to `undo` rows it did add, so that "a record that errors inside an aggregate
/// leaves its group's state untouched" holds across all aggregates of a query (§2.1).
class AggregateKernel {
public:
    virtual ~AggregateKernel() = default;

    /// Bytes of one group's state (a multiple of 16).
    virtual size_t stateSize() const = 0;
    /// Makes a fresh state (an empty group).
    virtual void init(uint8_t* state) const = 0;
    /// Releases what a state owns (holistic aggregates keep heap containers). Default: none.
    virtual void destroy(uint8_t* /*state*/) const {}
    /// False when destroy does nothing (the state owns no memory): callers may skip it.
    virtual bool needsDestroy() const { return true; }

    /// True when NULL arguments are passed to update (COUNT(*)).
    virtual bool countsNulls() const { return false; }
    /// True when update can fail for a row; such aggregates implement undo.
    virtual bool canFail() const { return false; }

    /// Adds rows[i] to states[i] for every i, in order (a group may appear several times).
    /// `arrival` holds the arrival sequence of every physical row of the batch, indexed like
    /// the argument vectors (FIRST_VALUE/LAST_VALUE, STRING_AGG, COLLECT_LIST). Rows that fail
    /// are recorded with context.error() and not added.
    virtual void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                        std::span<const types::Vector* const> args, std::span<const int64_t> arrival,
                        EvalContext& context) const = 0;
    /// Removes rows previously added by update (only when canFail()).
    virtual void undo(std::span<uint8_t* const> /*states*/, std::span<const uint32_t> /*rows*/,
                      std::span<const types::Vector* const> /*args*/) const {}

    /// target += source (sliding-window panes, session merges, checkpoints restored in parts).
    virtual void merge(uint8_t* target, const uint8_t* source) const = 0;
    /// Writes the group's result into `row` of `out` (type = the bound result type); NULL
    /// for an empty group where SQL says so (SUM of nothing is NULL, COUNT is 0).
    virtual void finalize(const uint8_t* state, types::Vector& out, uint32_t row) const = 0;

    /// State to bytes and back, for checkpoints. Versioned by the caller.
    virtual void serialize(const uint8_t* state, std::string& out) const = 0;
    virtual Status deserialize(std::string_view bytes, uint8_t* state) const = 0;

    /// Holistic aggregates that keep a collection — MEDIAN's and PERCENTILE_CONT's values,
    /// COUNT(DISTINCT)'s set, STRING_AGG's and COLLECT_LIST's items — are checkpointed one
    /// entry per element (DESIGN.md §2.2) where the caller keeps groups: it stores no blob for
    /// them, takes the elements added since it last took them, and restores them one by one.
    /// Such a state remembers its new elements until they are taken or serialize() writes
    /// it whole (which counts as taking them).
    virtual bool elementwise() const { return false; }
    /// Appends the bytes of each element added since the last take (or serialize) to `out`.
    virtual void takeNewElements(uint8_t* /*state*/, std::vector<std::string>& /*out*/) const {}
    /// Adds one element, as takeNewElements wrote it, from a checkpoint (not new).
    virtual Status restoreElement(uint8_t* /*state*/, std::string_view /*element*/) const {
        return Status::internal("not an elementwise aggregate");
    }
};

using AggregateKernelPtr = std::unique_ptr<AggregateKernel>;

/// A resolved aggregate call: result type, argument types (the binder casts to them), and
/// the factory of its kernel.
struct BoundAggregate {
    std::string name;
    std::vector<types::DataType> argTypes;
    types::DataType resultType;
    bool distinct = false;
    std::function<AggregateKernelPtr()> makeKernel;
};

}  // namespace ferris::expr
