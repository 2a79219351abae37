#pragma once

#include <cstdint>
#include <memory>

#include "common/result.h"
#include "state/change_set.h"
#include "types/batch.h"

namespace ferris::operators {

/// What an operator may read of its job while processing a batch.
struct OperatorContext {
    int64_t nowMicros = 0;  ///< the job clock, read once per batch (NOW(), _processing_time)
    int64_t watermark = types::kMinWatermark;  ///< the job's event-time watermark now
};

/// What a stateful operator tells the runtime about the records it judged late.
struct LateCounts {
    int64_t dropped = 0;
    int64_t deadLettered = 0;
};

/// A late record (§1.4 late.data.strategy): dead-lettered — a row error of kind late_record
/// with the message `describe()` makes — or dropped; counted either way.
template <typename Describe>
void judgeLate(types::Batch& batch, uint32_t row, bool deadLetter, LateCounts& counts, Describe&& describe) {
    if (deadLetter) {
        batch.addError(row, ErrorCode::kLateRecord, describe());
        ++counts.deadLettered;
    } else {
        ++counts.dropped;
    }
}

/// A step of a job's pipeline. Operators receive batches (and, for stateful ones, time
/// advances) from the driver thread; they never do I/O. Bad rows are recorded in the
/// batch's error list, never returned as a Status (Status is for system faults).
class Operator {
public:
    virtual ~Operator() = default;
    /// Transforms `batch` in place: narrows its selection, replaces its columns.
    virtual Status process(types::Batch& batch, const OperatorContext& context) = 0;
    /// True when the operator wants no more input (LIMIT reached): the job ends.
    virtual bool finished() const { return false; }
    /// Most input rows the next batch may hold (LIMIT: the rows still wanted), so that what
    /// is read — and which bad records are reported — does not depend on batch.size.
    virtual int64_t inputBudget() const { return INT64_MAX; }
    /// Time moved without rows (a watermark advance, the job clock, end of input: watermark
    /// +∞): a stateful operator emits what became due into `output` (a fresh batch).
    virtual Status advance(const OperatorContext& /*context*/, types::Batch& /*output*/) { return Status::ok(); }
    /// True when advance() left due output for another call (it emits a bounded amount at
    /// a time, so that end of input does not build one batch of every open window).
    virtual bool moreDue(const OperatorContext& /*context*/) const { return false; }
    /// True when the operator keeps state across batches.
    virtual bool stateful() const { return false; }
    /// True when process() consumes its input and makes a new batch (an aggregation): the
    /// runtime then handles the input's bad rows (which still have their origin) and takes
    /// the new batch with takeOutput().
    virtual bool replacesBatch() const { return false; }
    virtual types::Batch takeOutput() { return types::Batch(); }
    /// Bytes of state held (for max.memory.mb).
    virtual size_t stateBytes() const { return 0; }
    /// Late records judged since the start.
    virtual LateCounts lateCounts() const { return {}; }

    // ---- Checkpoints (stateful operators; DESIGN.md §2.2) ----
    /// The state layout, for the job's state fingerprint: what a checkpoint written by this
    /// operator needs of the one that restores it (key types, window, functions).
    virtual std::string stateLayout() const { return {}; }
    /// Records the changes to its state since the last call under store `store`.
    virtual void takeChanges(state::StoreId /*store*/, state::ChangeSet& /*changes*/) {}
    /// Restores one checkpointed entry (in ascending key order), then finishRestore().
    virtual Status restoreEntry(std::string_view /*key*/, std::string_view /*value*/) {
        return Status::internal(name() + " keeps no state to restore");
    }
    virtual Status finishRestore() { return Status::ok(); }
    virtual std::string name() const = 0;
};

using OperatorPtr = std::unique_ptr<Operator>;

}  // namespace ferris::operators
