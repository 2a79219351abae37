#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "expr/aggregate.h"
#include "expr/compiled_expr.h"
#include "operators/operator.h"
#include "plan/plan.h"
#include "types/value.h"

namespace ferris::operators {

/// GROUP BY and tumbling windows (DESIGN.md §1.4): a hash aggregation whose groups are the
/// key values (plus the window start), each holding one state per aggregate.
///
/// - EMIT CHANGES: every input record that changes a group emits the group's new row, in
///   input order (a change that leaves the row as last emitted emits nothing). Rows are
///   added in runs in which no group repeats, so each run is one batch update per aggregate
///   and still every record sees its own result.
/// - EMIT FINAL: a window emits once, when the watermark reaches its end + allowed lateness;
///   an unwindowed aggregation emits at end of input (watermark +∞). Rows come out in window
///   end order, then in the order the groups appeared.
/// - Late records (their window had closed by the watermark carried on their row) are
///   dropped and counted, or dead-lettered.
/// - HAVING over a changelog (CREATE TABLE): a group that stops passing is deleted — only if
///   its last emitted row was an upsert (§1.4.1 Changelogs).
/// - A record that fails inside an aggregate (SUM overflow) changes no aggregate of its group.
class AggregateOperator final : public Operator {
public:
    static Result<std::unique_ptr<AggregateOperator>> create(std::shared_ptr<const plan::AggregateNode> node);
    ~AggregateOperator() override;

    Status process(types::Batch& batch, const OperatorContext& context) override;
    Status advance(const OperatorContext& context, types::Batch& output) override;
    bool stateful() const override { return true; }
    bool replacesBatch() const override { return true; }
    types::Batch takeOutput() override;
    size_t stateBytes() const override { return stateBytes_; }
    LateCounts lateCounts() const override { return late_; }
    std::string name() const override { return "aggregate"; }

private:
    /// One group: its key (serialised, and as values for output), its window, its states.
    struct Group {
        std::string key;
        std::vector<types::Value> keyValues;
        int64_t windowStart = 0;
        uint8_t* states = nullptr;  ///< one state per aggregate, at stateOffsets_
        std::string lastEmitted;    ///< the output row last emitted (EMIT CHANGES), serialised
        bool upserted = false;      ///< the last row a changelog wrote for it was an upsert
        uint64_t sequence = 0;      ///< creation order
        uint64_t run = 0;           ///< the EMIT CHANGES run it was last added to
    };

    explicit AggregateOperator(std::shared_ptr<const plan::AggregateNode> node);

    types::Batch newOutput() const;
    /// Appends `group`'s current row to `output` as a candidate row.
    void appendRow(const Group& group, types::Batch& output, std::vector<Group*>& rowGroups);
    /// Applies HAVING and the changelog rules to the candidate rows of `output`.
    void settle(types::Batch& output, std::vector<Group*>& rowGroups, bool changes, const OperatorContext& context);
    /// Closes the windows due at `watermark` into `output` (EMIT FINAL) or drops them.
    void closeWindows(int64_t watermark, types::Batch& output, std::vector<Group*>& rowGroups);
    void eraseGroup(Group* group);
    /// Erases the groups of windows closed since the last call (after their rows settled).
    void releaseClosed();
    /// True when window [.., end) has closed at `watermark` (end + allowed lateness ≤ it).
    bool closedAt(int64_t end, int64_t watermark) const;
    Group* findOrCreate(std::string_view key, const std::vector<types::VectorPtr>& keys, uint32_t row,
                        int64_t windowStart, size_t& created);
    void applyRun(std::span<Group* const> groups, std::span<const uint32_t> rows,
                  const std::vector<std::vector<types::VectorPtr>>& arguments, std::span<const int64_t> arrival,
                  expr::EvalContext& context);

    std::shared_ptr<const plan::AggregateNode> node_;
    std::vector<expr::CompiledExprPtr> keyExprs_;
    std::vector<std::vector<expr::CompiledExprPtr>> argExprs_;
    std::vector<expr::AggregateKernelPtr> kernels_;
    std::vector<size_t> stateOffsets_;
    size_t stateSize_ = 0;
    expr::CompiledExprPtr having_;
    bool windowed_ = false;

    std::unordered_map<std::string_view, std::unique_ptr<Group>> groups_;
    /// Open windows by end, for closing in order (windowed only).
    std::map<int64_t, std::vector<Group*>> windows_;
    std::vector<std::vector<Group*>> closing_;
    uint64_t nextSequence_ = 0;
    uint64_t runId_ = 0;
    size_t stateBytes_ = 0;
    LateCounts late_;
    types::Batch output_;
    std::string scratch_;
};

}  // namespace ferris::operators
