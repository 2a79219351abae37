#include "operators/aggregate.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "types/time.h"
#include "types/value_vector.h"

namespace ferris::operators {

using types::Batch;
using types::DataType;
using types::TypeId;
using types::Vector;
using types::VectorPtr;

namespace {

constexpr size_t kGroupOverhead = 160;  ///< bytes a group costs beyond its key and states

/// Appends a key value's canonical bytes (a NULL flag, then the value) to `out`.
void appendKeyBytes(const Vector& column, uint32_t row, std::string& out) {
    if (column.isNull(row)) {
        out += '\0';
        return;
    }
    out += '\1';
    const DataType& type = column.type();
    if (type.isStringLike()) {
        std::string_view text = column.values<std::string_view>()[row];
        uint32_t length = static_cast<uint32_t>(text.size());
        out.append(reinterpret_cast<const char*>(&length), sizeof length);
        out += text;
        return;
    }
    size_t width = type.valueWidth();
    const char* bytes = reinterpret_cast<const char*>(column.values<uint8_t>()) + static_cast<size_t>(row) * width;
    out.append(bytes, width);
}

/// Appends the bytes of an output row's column (for "the row equals the last emitted").
void appendCellBytes(const Vector& column, uint32_t row, std::string& out) {
    if (column.isNull(row)) {
        out += '\0';
        return;
    }
    out += '\1';
    const DataType& type = column.type();
    if (type.isStringLike()) {
        std::string_view text = column.values<std::string_view>()[row];
        uint32_t length = static_cast<uint32_t>(text.size());
        out.append(reinterpret_cast<const char*>(&length), sizeof length);
        out += text;
    } else if (type.isNested()) {
        out += '\2';  // nested results always count as changed
        out.append(reinterpret_cast<const char*>(&row), sizeof row);
    } else if (type.id() == TypeId::kInterval) {
        auto value = column.values<types::IntervalValue>()[row];
        out.append(reinterpret_cast<const char*>(&value.months), sizeof value.months);
        out.append(reinterpret_cast<const char*>(&value.micros), sizeof value.micros);
    } else {
        size_t width = type.valueWidth();
        out.append(reinterpret_cast<const char*>(column.values<uint8_t>()) + static_cast<size_t>(row) * width, width);
    }
}

/// Copies the strings a finalize wrote as views of group state into the batch's arena (the
/// state may change or go before the batch is written).
void ownStrings(Vector& column, uint32_t row, types::StringArena& arena) {
    if (column.isNull(row)) return;
    const DataType& type = column.type();
    if (type.isStringLike()) {
        auto& text = column.values<std::string_view>()[row];
        text = arena.copy(text);
    } else if (type.id() == TypeId::kArray || type.id() == TypeId::kMap) {
        for (int32_t i = column.offsets()[row]; i < column.offsets()[row + 1]; ++i) {
            for (size_t c = 0; c < column.numChildren(); ++c) {
                ownStrings(column.child(c), static_cast<uint32_t>(i), arena);
            }
        }
    }
}

int64_t floorTo(int64_t value, int64_t size) {
    int64_t quotient = value / size;
    if (value % size < 0) --quotient;
    return quotient * size;
}

}  // namespace

AggregateOperator::AggregateOperator(std::shared_ptr<const plan::AggregateNode> node) : node_(std::move(node)) {}

AggregateOperator::~AggregateOperator() {
    while (!groups_.empty()) eraseGroup(groups_.begin()->second.get());
}

Result<std::unique_ptr<AggregateOperator>> AggregateOperator::create(std::shared_ptr<const plan::AggregateNode> node) {
    std::unique_ptr<AggregateOperator> op(new AggregateOperator(std::move(node)));
    const plan::AggregateNode& plan = *op->node_;
    for (const auto& key : plan.keys) {
        FERRIS_ASSIGN_OR_RETURN(auto compiled, expr::CompiledExpr::compile(key));
        op->keyExprs_.push_back(std::move(compiled));
    }
    for (const auto& call : plan.aggregates) {
        std::vector<expr::CompiledExprPtr> args;
        for (const auto& arg : call.args) {
            FERRIS_ASSIGN_OR_RETURN(auto compiled, expr::CompiledExpr::compile(arg));
            args.push_back(std::move(compiled));
        }
        op->argExprs_.push_back(std::move(args));
        op->kernels_.push_back(call.function->makeKernel());
        op->stateOffsets_.push_back(op->stateSize_);
        op->stateSize_ += (op->kernels_.back()->stateSize() + 15) / 16 * 16;
    }
    if (plan.having) {
        FERRIS_ASSIGN_OR_RETURN(op->having_, expr::CompiledExpr::compile(plan.having));
    }
    op->windowed_ = plan.window.kind != plan::WindowKind::kNone;
    op->output_ = op->newOutput();
    return op;
}

Batch AggregateOperator::newOutput() const {
    Batch output;
    for (const auto& key : node_->keys) output.columns().push_back(std::make_shared<Vector>(key->type, 0));
    if (windowed_) {
        output.columns().push_back(std::make_shared<Vector>(DataType::timestamp(), 0));
        output.columns().push_back(std::make_shared<Vector>(DataType::timestamp(), 0));
    }
    for (const auto& call : node_->aggregates) {
        output.columns().push_back(std::make_shared<Vector>(call.function->resultType, 0));
    }
    return output;
}

Batch AggregateOperator::takeOutput() {
    Batch out = std::move(output_);
    output_ = newOutput();
    return out;
}

AggregateOperator::Group* AggregateOperator::findOrCreate(std::string_view key, const std::vector<VectorPtr>& keys,
                                                          uint32_t row, int64_t windowStart, size_t& created) {
    auto found = groups_.find(key);
    if (found != groups_.end()) return found->second.get();
    auto group = std::make_unique<Group>();
    group->key.assign(key);
    for (const auto& column : keys) group->keyValues.push_back(types::readValue(*column, row));
    group->windowStart = windowStart;
    group->sequence = nextSequence_++;
    size_t bytes = std::max<size_t>(16, stateSize_);
    group->states = static_cast<uint8_t*>(std::aligned_alloc(16, bytes));
    if (group->states == nullptr) throw std::bad_alloc();
    for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->init(group->states + stateOffsets_[k]);
    Group* raw = group.get();
    groups_.emplace(std::string_view(raw->key), std::move(group));
    if (windowed_) windows_[windowStart + node_->window.sizeMicros].push_back(raw);
    stateBytes_ += raw->key.size() * 2 + bytes + kGroupOverhead;
    ++created;
    return raw;
}

void AggregateOperator::eraseGroup(Group* group) {
    for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->destroy(group->states + stateOffsets_[k]);
    std::free(group->states);
    stateBytes_ -= std::min(stateBytes_, group->key.size() * 2 + std::max<size_t>(16, stateSize_) + kGroupOverhead);
    groups_.erase(std::string_view(group->key));  // destroys the group
}

void AggregateOperator::applyRun(std::span<Group* const> groups, std::span<const uint32_t> rows,
                                 const std::vector<std::vector<VectorPtr>>& arguments, std::span<const int64_t> arrival,
                                 expr::EvalContext& context) {
    // Rows whose arguments are all non-NULL, per aggregate (unless it counts NULLs).
    auto selectRows = [&](size_t k, std::vector<uint32_t>& selected, std::vector<uint8_t*>& states,
                          std::vector<int64_t>& arrivals, const std::vector<uint8_t>& failed) {
        selected.clear();
        states.clear();
        arrivals.clear();
        bool nulls = kernels_[k]->countsNulls();
        for (size_t i = 0; i < rows.size(); ++i) {
            if (failed[i]) continue;
            uint32_t row = rows[i];
            bool skip = false;
            if (!nulls) {
                for (const auto& arg : arguments[k]) skip |= arg->isNull(row);
            }
            if (skip) continue;
            selected.push_back(row);
            states.push_back(groups[i]->states + stateOffsets_[k]);
            arrivals.push_back(arrival[i]);
        }
    };
    auto raw = [](const std::vector<VectorPtr>& values) {
        std::vector<const Vector*> out;
        for (const auto& value : values) out.push_back(value.get());
        return out;
    };
    std::vector<uint8_t> failed(rows.size(), 0);
    std::vector<uint32_t> selected;
    std::vector<uint8_t*> states;
    std::vector<int64_t> arrivals;
    // Aggregates that can fail go first; a row one of them rejects is taken back from the
    // ones before it and given to none after it, so its group's state is left untouched.
    std::vector<size_t> fallible;
    for (size_t k = 0; k < kernels_.size(); ++k) {
        if (!kernels_[k]->canFail()) continue;
        selectRows(k, selected, states, arrivals, failed);
        size_t errorsBefore = context.batch().errors().size();
        auto args = raw(arguments[k]);
        kernels_[k]->update(states, selected, args, arrivals, context);
        auto& errors = context.batch().errors();
        if (errors.size() > errorsBefore) {
            std::vector<uint32_t> rejected;
            for (size_t e = errorsBefore; e < errors.size(); ++e) rejected.push_back(errors[e].row);
            for (size_t i = 0; i < rows.size(); ++i) {
                if (std::find(rejected.begin(), rejected.end(), rows[i]) == rejected.end()) continue;
                failed[i] = 1;
                for (size_t j : fallible) {
                    bool applied = true;
                    for (const auto& arg : arguments[j]) applied &= !arg->isNull(rows[i]) || kernels_[j]->countsNulls();
                    if (!applied) continue;
                    uint8_t* state = groups[i]->states + stateOffsets_[j];
                    uint32_t row = rows[i];
                    auto jargs = raw(arguments[j]);
                    kernels_[j]->undo(std::span<uint8_t* const>(&state, 1), std::span<const uint32_t>(&row, 1), jargs);
                }
            }
        }
        fallible.push_back(k);
    }
    for (size_t k = 0; k < kernels_.size(); ++k) {
        if (kernels_[k]->canFail()) continue;
        selectRows(k, selected, states, arrivals, failed);
        auto args = raw(arguments[k]);
        kernels_[k]->update(states, selected, args, arrivals, context);
    }
}

void AggregateOperator::appendRow(const Group& group, Batch& output, std::vector<Group*>& rowGroups) {
    auto row = static_cast<uint32_t>(rowGroups.size());
    auto& columns = output.columns();
    for (auto& column : columns) column->resize(row + 1);
    size_t slot = 0;
    for (const auto& value : group.keyValues) types::writeValue(*columns[slot++], row, value, output.arena());
    if (windowed_) {
        columns[slot++]->values<int64_t>()[row] = group.windowStart;
        columns[slot++]->values<int64_t>()[row] = group.windowStart + node_->window.sizeMicros;
    }
    for (size_t k = 0; k < kernels_.size(); ++k, ++slot) {
        kernels_[k]->finalize(group.states + stateOffsets_[k], *columns[slot], row);
        ownStrings(*columns[slot], row, output.arena());
    }
    rowGroups.push_back(const_cast<Group*>(&group));
}

void AggregateOperator::settle(Batch& output, std::vector<Group*>& rowGroups, bool changes,
                               const OperatorContext& context) {
    auto rows = static_cast<uint32_t>(rowGroups.size());
    output.setNumRows(rows);
    if (rows == 0) return;
    std::vector<uint8_t> passes(rows, 1);
    if (having_) {
        expr::EvalContext eval(output, context.nowMicros);
        std::vector<uint32_t> all(output.selection().begin(), output.selection().end());
        VectorPtr verdict = having_->eval(eval, all);
        for (uint32_t row = 0; row < rows; ++row) {
            passes[row] = !verdict->isNull(row) && verdict->values<uint8_t>()[row] != 0;
        }
        output.removeErroredRows();
    }
    std::vector<uint8_t> erroredRow(rows, 0);
    for (const auto& error : output.errors()) erroredRow[error.row] = 1;
    std::vector<uint32_t> kept;
    auto& kinds = output.rowKinds();
    kinds.assign(rows, Batch::RowKind::kUpsert);
    size_t firstAggregate = node_->keys.size() + (windowed_ ? 2 : 0);
    for (uint32_t row = 0; row < rows; ++row) {
        if (erroredRow[row]) continue;
        Group* group = rowGroups[row];
        if (!changes) {
            if (passes[row]) kept.push_back(row);
            continue;
        }
        if (passes[row]) {
            scratch_.clear();
            for (size_t slot = firstAggregate; slot < output.columns().size(); ++slot) {
                appendCellBytes(output.column(slot), row, scratch_);
            }
            if (group->upserted && group->lastEmitted == scratch_) continue;  // unchanged: nothing to emit
            group->lastEmitted = scratch_;
            group->upserted = true;
            kept.push_back(row);
        } else if (node_->changelog && group->upserted) {
            group->upserted = false;
            group->lastEmitted.clear();
            kinds[row] = Batch::RowKind::kDelete;
            kept.push_back(row);
        }
    }
    output.mutableSelection() = std::move(kept);
}

void AggregateOperator::closeWindows(int64_t watermark, Batch& output, std::vector<Group*>& rowGroups) {
    if (!windowed_) {
        if (watermark != types::kMaxWatermark || node_->emit != plan::EmitMode::kFinal) return;
        std::vector<Group*> all;
        for (auto& [key, group] : groups_) all.push_back(group.get());
        std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->sequence < b->sequence; });
        for (Group* group : all) appendRow(*group, output, rowGroups);
        return;  // groups are erased after settle (their rows view them)
    }
    while (!windows_.empty()) {
        if (!closedAt(windows_.begin()->first, watermark)) break;
        for (Group* group : windows_.begin()->second) {
            if (node_->emit == plan::EmitMode::kFinal) appendRow(*group, output, rowGroups);
        }
        closing_.push_back(std::move(windows_.begin()->second));
        windows_.erase(windows_.begin());
    }
}

bool AggregateOperator::closedAt(int64_t end, int64_t watermark) const {
    if (watermark == types::kMaxWatermark) return true;
    if (watermark == types::kMinWatermark) return false;
    int64_t due = 0;
    if (__builtin_add_overflow(end, node_->allowedLatenessMicros, &due)) return false;
    return due <= watermark;
}

void AggregateOperator::releaseClosed() {
    for (auto& window : closing_) {
        for (Group* group : window) eraseGroup(group);
    }
    closing_.clear();
}

Status AggregateOperator::process(Batch& batch, const OperatorContext& context) {
    std::vector<Group*> rowGroups;
    Batch& output = output_;
    const plan::AggregateNode& plan = *node_;
    expr::EvalContext eval(batch, context.nowMicros);
    std::vector<uint32_t> rows(batch.selection().begin(), batch.selection().end());
    std::vector<VectorPtr> keys;
    std::vector<std::vector<VectorPtr>> arguments(kernels_.size());
    if (!rows.empty()) {
        for (auto& key : keyExprs_) keys.push_back(key->eval(eval, rows));
        for (size_t k = 0; k < argExprs_.size(); ++k) {
            for (auto& arg : argExprs_[k]) arguments[k].push_back(arg->eval(eval, rows));
        }
        batch.removeErroredRows();
        rows.assign(batch.selection().begin(), batch.selection().end());
    }
    const auto& origin = batch.origin();
    const Vector* time = windowed_ ? &batch.column(static_cast<size_t>(plan.window.timeSlot)) : nullptr;
    int64_t size = plan.window.sizeMicros;
    // Group of every live row, in input order; late rows are set aside.
    std::vector<Group*> groups;
    std::vector<uint32_t> live;
    std::vector<int64_t> arrival;
    size_t created = 0;
    for (uint32_t row : rows) {
        int64_t windowStart = 0;
        if (windowed_) {
            if (time->isNull(row)) {
                batch.addError(row, ErrorCode::kInvalidArgument, "the window's time is NULL");
                continue;
            }
            int64_t t = time->values<int64_t>()[row];
            windowStart = floorTo(t, size);
            if (!plan.window.processingTime) {
                int64_t watermark = row < origin.watermarkBefore.size() ? origin.watermarkBefore[row] : context.watermark;
                int64_t end = windowStart + size;
                if (closedAt(end, watermark)) {
                    if (plan.late == plan::AggregateNode::LateStrategy::kDeadLetter) {
                        batch.addError(row, ErrorCode::kLateRecord,
                                       fmt::format("late record: its window [{}, {}) closed at watermark {}",
                                                   types::timestampToIsoString(windowStart),
                                                   types::timestampToIsoString(end),
                                                   types::timestampToIsoString(watermark)));
                        ++late_.deadLettered;
                    } else {
                        ++late_.dropped;
                    }
                    continue;
                }
            }
        }
        scratch_.clear();
        for (const auto& key : keys) appendKeyBytes(*key, row, scratch_);
        if (windowed_) scratch_.append(reinterpret_cast<const char*>(&windowStart), sizeof windowStart);
        groups.push_back(findOrCreate(scratch_, keys, row, windowStart, created));
        live.push_back(row);
        arrival.push_back(row < origin.arrival.size() ? origin.arrival[row] : static_cast<int64_t>(row));
    }
    if (plan.emit == plan::EmitMode::kChanges) {
        // Runs in which no group repeats: one update per aggregate per run, then each row's
        // group emits its new row, in input order.
        size_t start = 0;
        ++runId_;
        auto flush = [&](size_t end) {
            if (end == start) return;
            size_t errorsBefore = batch.errors().size();
            applyRun(std::span<Group* const>(groups.data() + start, end - start),
                     std::span<const uint32_t>(live.data() + start, end - start), arguments,
                     std::span<const int64_t>(arrival.data() + start, end - start), eval);
            std::vector<uint32_t> failedRows;
            for (size_t e = errorsBefore; e < batch.errors().size(); ++e) failedRows.push_back(batch.errors()[e].row);
            for (size_t i = start; i < end; ++i) {
                if (std::find(failedRows.begin(), failedRows.end(), live[i]) != failedRows.end()) continue;
                appendRow(*groups[i], output, rowGroups);
            }
            start = end;
            ++runId_;
        };
        for (size_t i = 0; i < groups.size(); ++i) {
            if (groups[i]->run == runId_) flush(i);
            groups[i]->run = runId_;
        }
        flush(groups.size());
    } else {
        applyRun(groups, live, arguments, arrival, eval);
    }
    batch.removeErroredRows();
    // Windows the watermark after this batch closed.
    int64_t watermark = windowed_ && plan.window.processingTime ? context.nowMicros : batch.watermarkAfter();
    closeWindows(watermark, output, rowGroups);
    settle(output, rowGroups, plan.emit == plan::EmitMode::kChanges, context);
    releaseClosed();
    return Status::ok();
}

Status AggregateOperator::advance(const OperatorContext& context, Batch& output) {
    std::vector<Group*> rowGroups;
    output = newOutput();
    int64_t watermark = windowed_ && node_->window.processingTime
                            ? (context.watermark == types::kMaxWatermark ? types::kMaxWatermark : context.nowMicros)
                            : context.watermark;
    closeWindows(watermark, output, rowGroups);
    settle(output, rowGroups, false, context);
    releaseClosed();
    if (!windowed_ && watermark == types::kMaxWatermark && node_->emit == plan::EmitMode::kFinal) {
        while (!groups_.empty()) eraseGroup(groups_.begin()->second.get());
    }
    return Status::ok();
}

}  // namespace ferris::operators
