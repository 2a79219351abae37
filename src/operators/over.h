#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "expr/aggregate.h"
#include "expr/compiled_expr.h"
#include "operators/operator.h"
#include "plan/plan.h"
#include "types/value.h"

namespace ferris::operators {

/// Analytic functions over a stream (DESIGN.md §1.4 "OVER in a stream"). Rows are held until
/// the watermark passes their event time (+ allowed lateness), then processed in event-time
/// order, ties in arrival order, and emitted with each call's value:
///
/// - ROW_NUMBER, RANK, DENSE_RANK by event time within the partition (peers = same time);
/// - LAG(x, k, d): x of the row k rows before in the partition; LEAD(x, k, d): of the row k
///   rows after — a row with LEAD waits until k rows follow it in its partition, or for end
///   of input (then d);
/// - every aggregate over its frame: RANGE|ROWS UNBOUNDED PRECEDING (a running state), ROWS
///   n PRECEDING or RANGE INTERVAL … PRECEDING, each to the current row (RANGE frames include
///   the current row's peers). Bounded frames are a queue of one partial state per row,
///   aggregated with two stacks: O(1) merges per row, amortized.
///
/// A row whose event time the watermark on its row had already passed is late (dropped and
/// counted, or dead-lettered). A partition idle for `state.ttl` of event time is forgotten.
class OverOperator final : public Operator {
public:
    static Result<std::unique_ptr<OverOperator>> create(std::shared_ptr<const plan::OverNode> node,
                                                        const types::Schema& input);
    ~OverOperator() override;

    Status process(types::Batch& batch, const OperatorContext& context) override;
    Status advance(const OperatorContext& context, types::Batch& output) override;
    bool stateful() const override { return true; }
    bool replacesBatch() const override { return true; }
    types::Batch takeOutput() override;
    size_t stateBytes() const override { return stateBytes_; }
    LateCounts lateCounts() const override { return late_; }
    std::string name() const override { return "over"; }
    std::string stateLayout() const override;
    void takeChanges(state::StoreId store, state::ChangeSet& changes) override;
    Status restoreEntry(std::string_view key, std::string_view value) override;
    Status finishRestore() override;

private:
    /// A row held until the watermark passes it.
    struct HeldRow {
        std::string partition;                   ///< key bytes
        std::vector<types::Value> kept;          ///< node.keep slots
        std::vector<std::vector<types::Value>> args;  ///< per call, its argument values
        bool persisted = false;  ///< a checkpoint holds it (so releasing it is a change)
    };
    /// A row processed, waiting for its LEAD values (or emitted at once without LEAD).
    struct DoneRow {
        std::pair<int64_t, int64_t> order;  ///< (event time, arrival)
        std::vector<types::Value> kept;
        std::vector<types::Value> values;  ///< per call
        int64_t following = 0;             ///< rows of its partition processed after it
    };
    /// One partial state of a bounded frame.
    struct Element {
        int64_t time = 0;
        uint8_t* state = nullptr;
        uint8_t* aggregate = nullptr;  ///< front stack: this element merged with the newer ones below it
    };
    /// A bounded frame: a queue of partial states aggregated with two stacks.
    struct FrameQueue {
        std::vector<Element> front;  ///< oldest at the back
        std::vector<Element> back;   ///< oldest first
        uint8_t* backAggregate = nullptr;
        size_t size() const { return front.size() + back.size(); }
    };
    struct Partition {
        int64_t rows = 0;           ///< rows processed (ROW_NUMBER)
        int64_t rank = 0;           ///< RANK of the last time group
        int64_t denseRank = 0;
        int64_t lastTime = INT64_MIN;
        /// Per call: LAG's last values (oldest first); a running state (unbounded frames); a
        /// frame queue (bounded frames).
        std::vector<std::deque<types::Value>> lag;
        std::vector<uint8_t*> running;
        std::vector<FrameQueue> frames;
        std::deque<DoneRow> waiting;  ///< rows waiting for LEAD values, oldest first
        bool dirty = false;
    };

    OverOperator(std::shared_ptr<const plan::OverNode> node);

    types::Batch newOutput() const;
    Partition& partitionFor(const std::string& key);
    void releaseUpTo(int64_t watermark);
    /// Processes one partition's rows of one event time (peers), in arrival order.
    /// Rows that are complete go to `ready` (without LEAD), the others wait in the partition.
    void processPeers(Partition& partition, int64_t time, std::vector<std::pair<int64_t, const HeldRow*>>& rows,
                      std::vector<DoneRow>& ready);
    void emit(DoneRow&& row);
    void flushWaiting(Partition& partition, bool all);
    uint8_t* newState(size_t call);
    void freeState(size_t call, uint8_t* state);
    void pushFrame(size_t call, FrameQueue& queue, int64_t time, uint8_t* element);
    void popFrame(size_t call, FrameQueue& queue);
    void frameResult(size_t call, FrameQueue& queue, uint8_t* into);
    void dropPartition(Partition& partition);
    void expireIdle(int64_t watermark);
    bool passed(int64_t time, int64_t watermark) const;
    /// A 1-row state of `call` holding `args` (init only when an argument is NULL).
    uint8_t* elementOf(size_t call, const std::vector<types::Value>& args);
    types::Value finalizeValue(size_t call, const uint8_t* state);

    std::shared_ptr<const plan::OverNode> node_;
    std::vector<types::DataType> keepTypes_;
    std::vector<types::DataType> keyTypes_;
    std::vector<expr::CompiledExprPtr> keyExprs_;
    std::vector<std::vector<expr::CompiledExprPtr>> argExprs_;
    std::vector<expr::AggregateKernelPtr> kernels_;  ///< per call (null unless an aggregate)
    std::vector<size_t> stateSizes_;
    int64_t maxLead_ = 0;
    std::vector<types::Value> defaults_;  ///< per call: LAG/LEAD's default (NULL without one)

    std::map<std::pair<int64_t, int64_t>, HeldRow> held_;  ///< by (event time, arrival)
    std::unordered_map<std::string, Partition> partitions_;
    int64_t sequence_ = 0;     ///< arrival order of processed rows (FIRST_VALUE/LAST_VALUE)
    int64_t released_ = INT64_MIN;  ///< the watermark rows were last released at
    int64_t lastExpiry_ = INT64_MIN;
    size_t stateBytes_ = 0;
    LateCounts late_;
    types::Batch output_;

    // Checkpoints: held rows added and released since the last one; partitions changed or gone.
    std::vector<std::pair<int64_t, int64_t>> heldAdded_;
    std::vector<std::pair<int64_t, int64_t>> heldRemoved_;
    std::unordered_set<std::string> partitionsGone_;
};

}  // namespace ferris::operators
