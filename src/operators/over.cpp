#include "operators/over.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "operators/row_codec.h"
#include "types/time.h"
#include "types/value_vector.h"

namespace ferris::operators {

using types::Batch;
using types::DataType;
using types::Value;
using types::Vector;
using types::VectorPtr;

namespace {

constexpr size_t kRowOverhead = 128;        ///< bytes a held or waiting row costs beyond its values
constexpr size_t kPartitionOverhead = 256;  ///< bytes a partition costs beyond its key and frames
constexpr uint8_t kStateVersion = 1;

DataType slotType(const types::Schema& schema, int slot) {
    if (slot < static_cast<int>(schema.size())) return schema.column(static_cast<size_t>(slot)).type;
    return types::systemColumnType(static_cast<types::SystemColumn>(static_cast<size_t>(slot) - schema.size()));
}

size_t valueBytes(const Value& value) {
    return sizeof(Value) + (value.type().isStringLike() && !value.isNull() ? value.asString().size() : 0);
}

size_t valuesBytes(const std::vector<Value>& values) {
    size_t bytes = 0;
    for (const auto& value : values) bytes += valueBytes(value);
    return bytes;
}


Status corrupt(std::string_view what) {
    return Status::internal(fmt::format("corrupt OVER state in the checkpoint: {}", what));
}

std::string heldKey(std::pair<int64_t, int64_t> order) {
    std::string key = "h";
    put(key, order.first);
    put(key, order.second);
    return key;
}

}  // namespace

OverOperator::OverOperator(std::shared_ptr<const plan::OverNode> node) : node_(std::move(node)) {}

OverOperator::~OverOperator() {
    for (auto& [key, partition] : partitions_) dropPartition(partition);
}

Result<std::unique_ptr<OverOperator>> OverOperator::create(std::shared_ptr<const plan::OverNode> node,
                                                           const types::Schema& input) {
    std::unique_ptr<OverOperator> op(new OverOperator(std::move(node)));
    const plan::OverNode& plan = *op->node_;
    for (int slot : plan.keep) {
        DataType type = slotType(input, slot);
        if (type.isNested()) {
            return Status::notSupported(fmt::format("analytic functions (OVER) in a query reading the {} column {}",
                                                    type.toString(), slot < static_cast<int>(input.size())
                                                                         ? input.column(static_cast<size_t>(slot)).name
                                                                         : std::string("?")));
        }
        op->keepTypes_.push_back(type);
    }
    for (const auto& key : plan.partitionKeys) {
        FERRIS_ASSIGN_OR_RETURN(auto compiled, expr::CompiledExpr::compile(key));
        op->keyExprs_.push_back(std::move(compiled));
        op->keyTypes_.push_back(key->type);
    }
    for (const auto& call : plan.calls) {
        std::vector<expr::CompiledExprPtr> args;
        for (const auto& arg : call.args) {
            if (arg->type.isNested()) {
                return Status::notSupported(fmt::format("{} over an {} argument", call.text, arg->type.toString()));
            }
            FERRIS_ASSIGN_OR_RETURN(auto compiled, expr::CompiledExpr::compile(arg));
            args.push_back(std::move(compiled));
        }
        op->argExprs_.push_back(std::move(args));
        if (call.kind == plan::AnalyticKind::kAggregate) {
            op->kernels_.push_back(call.aggregate->makeKernel());
            op->stateSizes_.push_back(std::max<size_t>(16, (op->kernels_.back()->stateSize() + 15) / 16 * 16));
        } else {
            op->kernels_.push_back(nullptr);
            op->stateSizes_.push_back(0);
        }
        if (call.kind == plan::AnalyticKind::kLead) op->maxLead_ = std::max(op->maxLead_, call.offset);
        // LAG/LEAD's default: a constant, evaluated once.
        Value fallback = Value::null(call.resultType);
        if (call.defaultValue) {
            FERRIS_ASSIGN_OR_RETURN(auto compiled, expr::CompiledExpr::compile(call.defaultValue));
            Batch one;
            one.setNumRows(1);
            expr::EvalContext context(one, 0);
            std::vector<uint32_t> rows{0};
            VectorPtr value = compiled->eval(context, rows);
            if (!one.errors().empty()) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("{}: its default: {}", call.text, one.errors().front().message));
            }
            fallback = types::readValue(*value, 0);
        }
        op->defaults_.push_back(std::move(fallback));
    }
    op->output_ = op->newOutput();
    return op;
}

Batch OverOperator::newOutput() const { return Batch(); }

Batch OverOperator::takeOutput() {
    Batch out = std::move(output_);
    output_ = Batch();
    return out;
}

bool OverOperator::passed(int64_t time, int64_t watermark) const {
    if (watermark == types::kMinWatermark) return false;
    if (watermark == types::kMaxWatermark) return true;
    int64_t due = 0;
    if (__builtin_add_overflow(time, node_->allowedLatenessMicros, &due)) return false;
    return due < watermark;
}

uint8_t* OverOperator::newState(size_t call) {
    auto* state = static_cast<uint8_t*>(std::aligned_alloc(16, stateSizes_[call]));
    if (state == nullptr) throw std::bad_alloc();
    kernels_[call]->init(state);
    stateBytes_ += stateSizes_[call];
    return state;
}

void OverOperator::freeState(size_t call, uint8_t* state) {
    if (state == nullptr) return;
    kernels_[call]->destroy(state);
    std::free(state);
    stateBytes_ -= std::min(stateBytes_, stateSizes_[call]);
}

uint8_t* OverOperator::elementOf(size_t call, const std::vector<Value>& args) {
    uint8_t* state = newState(call);
    const auto& kernel = *kernels_[call];
    bool hasNull = std::any_of(args.begin(), args.end(), [](const Value& v) { return v.isNull(); });
    if (hasNull && !kernel.countsNulls()) return state;
    // A one-row batch of the arguments; the arrival sequence keeps FIRST/LAST_VALUE in order.
    Batch batch;
    batch.setNumRows(1);
    std::vector<VectorPtr> vectors;
    std::vector<const Vector*> raw;
    const auto& types = node_->calls[call].aggregate->argTypes;
    for (size_t a = 0; a < args.size(); ++a) {
        auto vector = std::make_shared<Vector>(a < types.size() ? types[a] : args[a].type(), 1);
        types::writeValue(*vector, 0, args[a], batch.arena());
        vectors.push_back(vector);
        raw.push_back(vector.get());
    }
    int64_t arrival = sequence_;
    uint32_t row = 0;
    expr::EvalContext context(batch, 0);
    kernel.update(std::span<uint8_t* const>(&state, 1), std::span<const uint32_t>(&row, 1), raw,
                  std::span<const int64_t>(&arrival, 1), context);
    // A value the aggregate rejects (overflow) counts as nothing in the frame.
    if (!batch.errors().empty()) {
        kernel.destroy(state);
        kernel.init(state);
    }
    return state;
}

Value OverOperator::finalizeValue(size_t call, const uint8_t* state) {
    Vector vector(node_->calls[call].resultType, 1);
    kernels_[call]->finalize(state, vector, 0);
    return types::readValue(vector, 0);
}

void OverOperator::pushFrame(size_t call, FrameQueue& queue, int64_t time, uint8_t* element) {
    queue.back.push_back({time, element, nullptr});
    if (queue.backAggregate == nullptr) queue.backAggregate = newState(call);
    kernels_[call]->merge(queue.backAggregate, element);
}

void OverOperator::popFrame(size_t call, FrameQueue& queue) {
    if (queue.front.empty()) {
        // Move the back stack over, newest first: each element's aggregate covers it and
        // every newer element, so the oldest's covers them all.
        uint8_t* newer = nullptr;
        for (auto it = queue.back.rbegin(); it != queue.back.rend(); ++it) {
            Element element = *it;
            element.aggregate = newState(call);
            kernels_[call]->merge(element.aggregate, element.state);
            if (newer != nullptr) kernels_[call]->merge(element.aggregate, newer);
            newer = element.aggregate;
            queue.front.push_back(element);
        }
        queue.back.clear();
        freeState(call, queue.backAggregate);
        queue.backAggregate = nullptr;
    }
    if (queue.front.empty()) return;
    Element oldest = queue.front.back();
    queue.front.pop_back();
    freeState(call, oldest.state);
    freeState(call, oldest.aggregate);
}

void OverOperator::frameResult(size_t call, FrameQueue& queue, uint8_t* into) {
    if (!queue.front.empty()) kernels_[call]->merge(into, queue.front.back().aggregate);
    if (queue.backAggregate != nullptr) kernels_[call]->merge(into, queue.backAggregate);
}

OverOperator::Partition& OverOperator::partitionFor(const std::string& key) {
    auto found = partitions_.find(key);
    if (found != partitions_.end()) return found->second;
    Partition& partition = partitions_[key];
    size_t calls = node_->calls.size();
    partition.lag.resize(calls);
    partition.running.assign(calls, nullptr);
    partition.frames.resize(calls);
    stateBytes_ += key.size() + kPartitionOverhead;
    partitionsGone_.erase(key);
    return partition;
}

void OverOperator::dropPartition(Partition& partition) {
    for (size_t c = 0; c < node_->calls.size(); ++c) {
        if (kernels_[c] == nullptr) continue;
        freeState(c, partition.running[c]);
        partition.running[c] = nullptr;
        auto& queue = partition.frames[c];
        for (auto& element : queue.front) {
            freeState(c, element.state);
            freeState(c, element.aggregate);
        }
        for (auto& element : queue.back) freeState(c, element.state);
        freeState(c, queue.backAggregate);
        queue = FrameQueue();
    }
}

void OverOperator::processPeers(Partition& partition, int64_t time,
                                std::vector<std::pair<int64_t, const HeldRow*>>& arrived, std::vector<DoneRow>& ready) {
    std::vector<const HeldRow*> rows;
    for (const auto& [arrival, row] : arrived) rows.push_back(row);
    size_t n = rows.size();
    const auto& calls = node_->calls;
    if (node_->ttlMicros > 0 && partition.lastTime != INT64_MIN && time - partition.lastTime > node_->ttlMicros) {
        // state.ttl: the partition was idle longer than the TTL (in event time): it starts
        // afresh; rows still waiting for LEAD get its default.
        std::vector<DoneRow> rest(std::make_move_iterator(partition.waiting.begin()),
                                 std::make_move_iterator(partition.waiting.end()));
        for (auto& row : rest) {
            stateBytes_ -= std::min(stateBytes_, valuesBytes(row.kept) + valuesBytes(row.values) + kRowOverhead);
            ready.push_back(std::move(row));
        }
        partition.waiting.clear();
        dropPartition(partition);
        partition.rows = partition.rank = partition.denseRank = 0;
        partition.lastTime = INT64_MIN;
        for (auto& lag : partition.lag) lag.clear();
    }
    if (time != partition.lastTime) {
        partition.rank = partition.rows + 1;
        ++partition.denseRank;
        partition.lastTime = time;
    }
    std::vector<std::vector<Value>> values(n, std::vector<Value>(calls.size()));
    for (size_t c = 0; c < calls.size(); ++c) {
        const plan::AnalyticCall& call = calls[c];
        switch (call.kind) {
            case plan::AnalyticKind::kRowNumber:
                for (size_t i = 0; i < n; ++i) values[i][c] = Value::bigint(partition.rows + static_cast<int64_t>(i) + 1);
                break;
            case plan::AnalyticKind::kRank:
                for (size_t i = 0; i < n; ++i) values[i][c] = Value::bigint(partition.rank);
                break;
            case plan::AnalyticKind::kDenseRank:
                for (size_t i = 0; i < n; ++i) values[i][c] = Value::bigint(partition.denseRank);
                break;
            case plan::AnalyticKind::kLag: {
                auto& previous = partition.lag[c];
                auto offset = static_cast<size_t>(call.offset);
                for (size_t i = 0; i < n; ++i) {
                    const Value& own = rows[i]->args[c][0];
                    if (offset == 0) {
                        values[i][c] = own;
                    } else if (previous.size() >= offset) {
                        values[i][c] = previous[previous.size() - offset];
                    } else {
                        values[i][c] = defaults_[c];
                    }
                    if (offset == 0) continue;
                    previous.push_back(own);
                    if (previous.size() > offset) previous.pop_front();
                }
                break;
            }
            case plan::AnalyticKind::kLead:
                for (size_t i = 0; i < n; ++i) {
                    values[i][c] = call.offset == 0 ? rows[i]->args[c][0] : defaults_[c];
                }
                break;
            case plan::AnalyticKind::kAggregate: {
                const plan::AnalyticFrame& frame = call.frame;
                auto result = [&](size_t i, bool allPeers) {
                    uint8_t* state = newState(c);
                    if (frame.unbounded) {
                        kernels_[c]->merge(state, partition.running[c]);
                    } else {
                        frameResult(c, partition.frames[c], state);
                    }
                    Value value = finalizeValue(c, state);
                    freeState(c, state);
                    if (allPeers) {
                        for (size_t j = 0; j < n; ++j) values[j][c] = value;
                    } else {
                        values[i][c] = std::move(value);
                    }
                };
                for (size_t i = 0; i < n; ++i) {
                    uint8_t* element = elementOf(c, rows[i]->args[c]);
                    ++sequence_;
                    if (frame.unbounded) {
                        if (partition.running[c] == nullptr) partition.running[c] = newState(c);
                        kernels_[c]->merge(partition.running[c], element);
                        freeState(c, element);
                    } else {
                        pushFrame(c, partition.frames[c], time, element);
                        if (frame.rows) {
                            while (partition.frames[c].size() > static_cast<size_t>(frame.preceding) + 1) {
                                popFrame(c, partition.frames[c]);
                            }
                        }
                    }
                    if (frame.rows) result(i, false);
                }
                if (!frame.rows) {
                    // RANGE: the frame holds the current row's peers; older rows leave it.
                    if (!frame.unbounded) {
                        auto& queue = partition.frames[c];
                        while (queue.size() > 0) {
                            int64_t oldest = queue.front.empty() ? queue.back.front().time : queue.front.back().time;
                            if (oldest >= time - frame.preceding) break;
                            popFrame(c, queue);
                        }
                    }
                    result(0, true);
                }
                break;
            }
        }
    }
    partition.rows += static_cast<int64_t>(n);
    partition.dirty = true;
    for (size_t i = 0; i < n; ++i) {
        DoneRow done{{time, arrived[i].first}, rows[i]->kept, std::move(values[i]), 0};
        if (maxLead_ == 0) {
            ready.push_back(std::move(done));
            continue;
        }
        // LEAD: this row completes the rows `offset` before it.
        stateBytes_ += valuesBytes(done.kept) + valuesBytes(done.values) + kRowOverhead;
        partition.waiting.push_back(std::move(done));
        size_t last = partition.waiting.size() - 1;
        for (size_t c = 0; c < calls.size(); ++c) {
            if (calls[c].kind != plan::AnalyticKind::kLead || calls[c].offset == 0) continue;
            auto offset = static_cast<size_t>(calls[c].offset);
            if (last >= offset) partition.waiting[last - offset].values[c] = rows[i]->args[c][0];
        }
        for (size_t w = 0; w < last; ++w) ++partition.waiting[w].following;
        flushWaiting(partition, false);
    }
}

void OverOperator::flushWaiting(Partition& partition, bool all) {
    while (!partition.waiting.empty() && (all || partition.waiting.front().following >= maxLead_)) {
        DoneRow& row = partition.waiting.front();
        stateBytes_ -= std::min(stateBytes_, valuesBytes(row.kept) + valuesBytes(row.values) + kRowOverhead);
        emit(std::move(row));
        partition.waiting.pop_front();
        partition.dirty = true;
    }
}

void OverOperator::emit(DoneRow&& row) {
    Batch& out = output_;
    if (out.columns().empty()) {
        size_t slots = node_->inputSlots + node_->calls.size();
        out.columns().resize(slots);
        for (size_t k = 0; k < node_->keep.size(); ++k) {
            out.columns()[static_cast<size_t>(node_->keep[k])] = std::make_shared<Vector>(keepTypes_[k], 0);
        }
        for (size_t c = 0; c < node_->calls.size(); ++c) {
            out.columns()[node_->inputSlots + c] = std::make_shared<Vector>(node_->calls[c].resultType, 0);
        }
        // Slots nothing reads hold an empty column.
        for (auto& column : out.columns()) {
            if (!column) column = std::make_shared<Vector>(DataType::boolean(), 0);
        }
    }
    uint32_t index = out.numRows();
    for (size_t k = 0; k < node_->keep.size(); ++k) {
        Vector& column = *out.columns()[static_cast<size_t>(node_->keep[k])];
        column.resize(index + 1);
        types::writeValue(column, index, row.kept[k], out.arena());
    }
    for (size_t c = 0; c < node_->calls.size(); ++c) {
        Vector& column = *out.columns()[node_->inputSlots + c];
        column.resize(index + 1);
        types::writeValue(column, index, row.values[c], out.arena());
    }
    out.setNumRows(index + 1);
}

void OverOperator::expireIdle(int64_t watermark) {
    if (node_->ttlMicros <= 0 || watermark == types::kMinWatermark) return;
    // Sweep at most once per quarter of the TTL of event time.
    if (watermark != types::kMaxWatermark && lastExpiry_ != INT64_MIN && watermark - lastExpiry_ < node_->ttlMicros / 4) {
        return;
    }
    lastExpiry_ = watermark;
    // Only memory: a partition whose next row (event time ≥ watermark − lateness) would find it
    // expired anyway (processPeers) is dropped now.
    for (auto it = partitions_.begin(); it != partitions_.end();) {
        Partition& partition = it->second;
        bool idle = watermark == types::kMaxWatermark ||
                    (partition.lastTime != INT64_MIN &&
                     partition.lastTime + node_->ttlMicros + node_->allowedLatenessMicros < watermark);
        if (idle && partition.waiting.empty()) {
            dropPartition(partition);
            stateBytes_ -= std::min(stateBytes_, it->first.size() + kPartitionOverhead);
            partitionsGone_.insert(it->first);
            it = partitions_.erase(it);
        } else {
            ++it;
        }
    }
}

void OverOperator::releaseUpTo(int64_t watermark) {
    if (watermark == types::kMinWatermark) return;
    while (!held_.empty() && passed(held_.begin()->first.first, watermark)) {
        int64_t time = held_.begin()->first.first;
        // Every row of this event time, by partition, each in arrival order; rows that are
        // complete come out in arrival order.
        std::vector<std::pair<Partition*, std::vector<std::pair<int64_t, const HeldRow*>>>> groups;
        std::unordered_map<const Partition*, size_t> index;
        auto end = held_.begin();
        for (; end != held_.end() && end->first.first == time; ++end) {
            Partition& partition = partitionFor(end->second.partition);
            auto [at, inserted] = index.emplace(&partition, groups.size());
            if (inserted) groups.push_back({&partition, {}});
            groups[at->second].second.push_back({end->first.second, &end->second});
        }
        std::vector<DoneRow> ready;
        for (auto& [partition, rows] : groups) processPeers(*partition, time, rows, ready);
        std::sort(ready.begin(), ready.end(), [](const DoneRow& a, const DoneRow& b) { return a.order < b.order; });
        for (auto& row : ready) emit(std::move(row));
        for (auto it = held_.begin(); it != end;) {
            stateBytes_ -= std::min(stateBytes_, it->second.partition.size() + valuesBytes(it->second.kept) + kRowOverhead);
            if (it->second.persisted) heldRemoved_.push_back(it->first);
            it = held_.erase(it);
        }
    }
    if (watermark == types::kMaxWatermark && maxLead_ > 0) {
        // End of input: rows still waiting for LEAD take its default, in event-time order.
        std::vector<DoneRow> rest;
        for (auto& [key, partition] : partitions_) {
            for (auto& row : partition.waiting) {
                stateBytes_ -= std::min(stateBytes_, valuesBytes(row.kept) + valuesBytes(row.values) + kRowOverhead);
                rest.push_back(std::move(row));
            }
            if (!partition.waiting.empty()) partition.dirty = true;
            partition.waiting.clear();
        }
        std::sort(rest.begin(), rest.end(), [](const DoneRow& a, const DoneRow& b) { return a.order < b.order; });
        for (auto& row : rest) emit(std::move(row));
    }
    expireIdle(watermark);
    released_ = watermark;
}

Status OverOperator::process(Batch& batch, const OperatorContext& context) {
    const plan::OverNode& plan = *node_;
    expr::EvalContext eval(batch, context.nowMicros);
    std::vector<uint32_t> rows(batch.selection().begin(), batch.selection().end());
    std::vector<VectorPtr> keys;
    std::vector<std::vector<VectorPtr>> arguments(argExprs_.size());
    if (!rows.empty()) {
        for (auto& key : keyExprs_) keys.push_back(key->eval(eval, rows));
        for (size_t c = 0; c < argExprs_.size(); ++c) {
            for (auto& arg : argExprs_[c]) arguments[c].push_back(arg->eval(eval, rows));
        }
        batch.removeErroredRows();
        rows.assign(batch.selection().begin(), batch.selection().end());
    }
    const auto& origin = batch.origin();
    const Vector& time = batch.column(static_cast<size_t>(plan.timeSlot));
    std::string key;
    for (uint32_t row : rows) {
        if (time.isNull(row)) {
            batch.addError(row, ErrorCode::kInvalidArgument, "the OVER ORDER BY time is NULL");
            continue;
        }
        int64_t t = time.values<int64_t>()[row];
        int64_t watermark = row < origin.watermarkBefore.size() ? origin.watermarkBefore[row] : context.watermark;
        if (passed(t, watermark)) {
            judgeLate(batch, row, plan.late == plan::AggregateNode::LateStrategy::kDeadLetter, late_, [&] {
                return fmt::format("late record: the watermark {} had passed its event time {}",
                                   types::timestampToIsoString(watermark), types::timestampToIsoString(t));
            });
            continue;
        }
        HeldRow held;
        key.clear();
        for (const auto& column : keys) appendKeyBytes(*column, row, key);
        held.partition = key;
        for (int slot : plan.keep) held.kept.push_back(types::readValue(batch.column(static_cast<size_t>(slot)), row));
        for (size_t c = 0; c < arguments.size(); ++c) {
            std::vector<Value> values;
            for (const auto& arg : arguments[c]) values.push_back(types::readValue(*arg, row));
            held.args.push_back(std::move(values));
        }
        int64_t arrival = row < origin.arrival.size() ? origin.arrival[row] : static_cast<int64_t>(row);
        stateBytes_ += held.partition.size() + valuesBytes(held.kept) + kRowOverhead;
        std::pair<int64_t, int64_t> order{t, arrival};
        heldAdded_.push_back(order);
        held_.insert_or_assign(order, std::move(held));
    }
    batch.removeErroredRows();
    releaseUpTo(batch.watermarkAfter());
    return Status::ok();
}

Status OverOperator::advance(const OperatorContext& context, Batch& output) {
    releaseUpTo(context.watermark);
    output = takeOutput();
    return Status::ok();
}

// ---- Checkpoints ------------------------------------------------------------------------------

std::string OverOperator::stateLayout() const {
    std::string out = "over partition(";
    for (size_t i = 0; i < keyTypes_.size(); ++i) out += (i ? ", " : "") + keyTypes_[i].toString();
    out += ") keep(";
    for (size_t i = 0; i < keepTypes_.size(); ++i) out += (i ? ", " : "") + keepTypes_[i].toString();
    out += ") calls(";
    for (size_t i = 0; i < node_->calls.size(); ++i) {
        const auto& call = node_->calls[i];
        out += (i ? ", " : "") + call.text;
        for (const auto& arg : call.args) out += " " + arg->type.toString();
        out += " -> " + call.resultType.toString();
    }
    return out + ")";
}

void OverOperator::takeChanges(state::StoreId store, state::ChangeSet& changes) {
    for (const auto& order : heldRemoved_) changes.erase(store, heldKey(order));
    std::string out;
    for (const auto& order : heldAdded_) {
        auto found = held_.find(order);
        if (found == held_.end()) continue;  // released before it was ever written
        HeldRow& row = found->second;
        row.persisted = true;
        out.clear();
        put(out, kStateVersion);
        putBytes(out, row.partition);
        for (size_t k = 0; k < row.kept.size(); ++k) appendValueBytes(row.kept[k], keepTypes_[k], out);
        for (size_t c = 0; c < row.args.size(); ++c) {
            for (size_t a = 0; a < row.args[c].size(); ++a) {
                appendValueBytes(row.args[c][a], node_->calls[c].args[a]->type, out);
            }
        }
        changes.put(store, heldKey(order), out);
    }
    heldAdded_.clear();
    heldRemoved_.clear();
    for (const auto& key : partitionsGone_) changes.erase(store, "p" + key);
    partitionsGone_.clear();
    std::string state;
    for (auto& [key, partition] : partitions_) {
        if (!partition.dirty) continue;
        partition.dirty = false;
        out.clear();
        put(out, kStateVersion);
        put(out, partition.rows);
        put(out, partition.rank);
        put(out, partition.denseRank);
        put(out, partition.lastTime);
        for (size_t c = 0; c < node_->calls.size(); ++c) {
            const auto& call = node_->calls[c];
            put(out, static_cast<uint32_t>(partition.lag[c].size()));
            for (const auto& value : partition.lag[c]) appendValueBytes(value, call.resultType, out);
            if (kernels_[c] == nullptr) continue;
            put(out, static_cast<uint8_t>(partition.running[c] != nullptr));
            if (partition.running[c] != nullptr) {
                state.clear();
                kernels_[c]->serialize(partition.running[c], state);
                putBytes(out, state);
            }
            const auto& queue = partition.frames[c];
            put(out, static_cast<uint32_t>(queue.size()));
            auto element = [&](const Element& e) {
                put(out, e.time);
                state.clear();
                kernels_[c]->serialize(e.state, state);
                putBytes(out, state);
            };
            for (auto it = queue.front.rbegin(); it != queue.front.rend(); ++it) element(*it);
            for (const auto& e : queue.back) element(e);
        }
        put(out, static_cast<uint32_t>(partition.waiting.size()));
        for (const auto& row : partition.waiting) {
            put(out, row.order.first);
            put(out, row.order.second);
            put(out, row.following);
            for (size_t k = 0; k < row.kept.size(); ++k) appendValueBytes(row.kept[k], keepTypes_[k], out);
            for (size_t c = 0; c < row.values.size(); ++c) {
                appendValueBytes(row.values[c], node_->calls[c].resultType, out);
            }
        }
        changes.put(store, "p" + key, out);
    }
    out.clear();
    put(out, kStateVersion);
    put(out, sequence_);
    put(out, released_);
    changes.put(store, "m", out);
}

Status OverOperator::restoreEntry(std::string_view key, std::string_view value) {
    if (key.empty()) return corrupt("empty key");
    Reader reader(value);
    uint8_t version = 0;
    if (!reader.get(version) || version != kStateVersion) return corrupt("unknown version");
    if (key[0] == 'm') {
        if (!reader.get(sequence_) || !reader.get(released_) || !reader.rest().empty()) return corrupt("counters");
        return Status::ok();
    }
    if (key[0] == 'h') {
        Reader order(key.substr(1));
        std::pair<int64_t, int64_t> at;
        if (!order.get(at.first) || !order.get(at.second)) return corrupt("held row key");
        HeldRow row;
        std::string_view partition;
        if (!reader.getBytes(partition)) return corrupt("held row");
        row.partition.assign(partition);
        for (const auto& type : keepTypes_) {
            FERRIS_ASSIGN_OR_RETURN(auto kept, readValueBytes(type, reader.rest()));
            row.kept.push_back(std::move(kept));
        }
        for (const auto& call : node_->calls) {
            std::vector<Value> args;
            for (const auto& arg : call.args) {
                FERRIS_ASSIGN_OR_RETURN(auto one, readValueBytes(arg->type, reader.rest()));
                args.push_back(std::move(one));
            }
            row.args.push_back(std::move(args));
        }
        if (!reader.rest().empty()) return corrupt("held row");
        row.persisted = true;
        stateBytes_ += row.partition.size() + valuesBytes(row.kept) + kRowOverhead;
        held_.insert_or_assign(at, std::move(row));
        return Status::ok();
    }
    if (key[0] != 'p') return corrupt(fmt::format("unknown entry kind '{}'", key[0]));
    Partition& partition = partitionFor(std::string(key.substr(1)));
    if (!reader.get(partition.rows) || !reader.get(partition.rank) || !reader.get(partition.denseRank) ||
        !reader.get(partition.lastTime)) {
        return corrupt("partition");
    }
    for (size_t c = 0; c < node_->calls.size(); ++c) {
        const auto& call = node_->calls[c];
        uint32_t lags = 0;
        if (!reader.get(lags)) return corrupt("partition");
        for (uint32_t i = 0; i < lags; ++i) {
            FERRIS_ASSIGN_OR_RETURN(auto lag, readValueBytes(call.resultType, reader.rest()));
            partition.lag[c].push_back(std::move(lag));
        }
        if (kernels_[c] == nullptr) continue;
        uint8_t hasRunning = 0;
        if (!reader.get(hasRunning)) return corrupt("partition");
        std::string_view bytes;
        if (hasRunning != 0) {
            if (!reader.getBytes(bytes)) return corrupt("partition");
            partition.running[c] = newState(c);
            kernels_[c]->destroy(partition.running[c]);
            FERRIS_RETURN_IF_ERROR(kernels_[c]->deserialize(bytes, partition.running[c]));
        }
        uint32_t elements = 0;
        if (!reader.get(elements)) return corrupt("partition");
        for (uint32_t i = 0; i < elements; ++i) {
            int64_t time = 0;
            if (!reader.get(time) || !reader.getBytes(bytes)) return corrupt("frame");
            uint8_t* element = newState(c);
            kernels_[c]->destroy(element);
            Status status = kernels_[c]->deserialize(bytes, element);
            if (!status.isOk()) {
                kernels_[c]->init(element);
                freeState(c, element);
                return status;
            }
            pushFrame(c, partition.frames[c], time, element);
        }
    }
    uint32_t waiting = 0;
    if (!reader.get(waiting)) return corrupt("partition");
    for (uint32_t i = 0; i < waiting; ++i) {
        DoneRow row;
        if (!reader.get(row.order.first) || !reader.get(row.order.second) || !reader.get(row.following)) {
            return corrupt("waiting row");
        }
        for (const auto& type : keepTypes_) {
            FERRIS_ASSIGN_OR_RETURN(auto kept, readValueBytes(type, reader.rest()));
            row.kept.push_back(std::move(kept));
        }
        for (const auto& call : node_->calls) {
            FERRIS_ASSIGN_OR_RETURN(auto one, readValueBytes(call.resultType, reader.rest()));
            row.values.push_back(std::move(one));
        }
        stateBytes_ += valuesBytes(row.kept) + valuesBytes(row.values) + kRowOverhead;
        partition.waiting.push_back(std::move(row));
    }
    if (!reader.rest().empty()) return corrupt("partition");
    partition.dirty = false;
    return Status::ok();
}

Status OverOperator::finishRestore() {
    heldAdded_.clear();
    heldRemoved_.clear();
    partitionsGone_.clear();
    return Status::ok();
}

}  // namespace ferris::operators
