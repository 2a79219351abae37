#include "operators/aggregate.h"
#include "operators/row_codec.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>

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

/// Appends the bytes of an output row's column (for "the row equals the last emitted"): the
/// key bytes of scalars; an INTERVAL by its two fields (its slot has padding); a nested
/// result always counts as changed.
void appendCellBytes(const Vector& column, uint32_t row, std::string& out) {
    const DataType& type = column.type();
    if (column.isNull(row) || (!type.isNested() && type.id() != TypeId::kInterval)) {
        appendKeyBytes(column, row, out);
    } else if (type.isNested()) {
        out += '\2';
        out.append(reinterpret_cast<const char*>(&row), sizeof row);
    } else {
        auto value = column.values<types::IntervalValue>()[row];
        out += '\1';
        out.append(reinterpret_cast<const char*>(&value.months), sizeof value.months);
        out.append(reinterpret_cast<const char*>(&value.micros), sizeof value.micros);
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

constexpr size_t kKeyOverhead = 192;  ///< bytes a key index entry costs beyond its key

/// "late record: …" for a record whose windows had all closed at `watermark`.
std::string lateMessage(std::string_view what, int64_t start, int64_t end, int64_t watermark) {
    return fmt::format("late record: {} [{}, {}) closed at watermark {}", what, types::timestampToIsoString(start),
                       types::timestampToIsoString(end), types::timestampToIsoString(watermark));
}

}  // namespace

AggregateOperator::AggregateOperator(std::shared_ptr<const plan::AggregateNode> node) : node_(std::move(node)) {}

AggregateOperator::~AggregateOperator() {
    // The pool frees the blocks; what the states own is destroyed here.
    auto destroy = [&](uint8_t* states) {
        if (states == nullptr) return;
        for (size_t k : destroyed_) kernels_[k]->destroy(states + stateOffsets_[k]);
    };
    keys_.forEach([&](KeyState& key) {
        for (size_t i = key.head; i < key.panes.size(); ++i) {
            destroy(key.panes[i].states);
            destroy(key.panes[i].suffix);
        }
        destroy(key.prefix);
    });
    for (auto& [id, group] : groups_) destroy(group->states);
    for (auto& group : restored_) {
        if (group) destroy(group->states);  // finishRestore may have moved some out before failing
    }
    for (auto& [key, pane] : restoredPanes_) destroy(pane.states);
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
    op->kind_ = plan.window.kind;
    op->update_ = plan.late == plan::AggregateNode::LateStrategy::kUpdate;
    op->size_ = plan.window.sizeMicros;
    op->advance_ = plan.window.kind == plan::WindowKind::kTumbling ? plan.window.sizeMicros : plan.window.advanceMicros;
    op->gap_ = plan.window.gapMicros;
    if (op->kind_ == plan::WindowKind::kSliding) {
        op->pane_ = std::gcd(op->size_, op->advance_);
    }
    op->pool_ = std::make_unique<StatePool>(op->stateSize_);
    // Holistic aggregates keep an entry per element, except in sliding panes (whose slices
    // hold whole states).
    for (const auto& kernel : op->kernels_) {
        op->elementwise_.push_back(kernel->elementwise() && op->kind_ != plan::WindowKind::kSliding &&
                                   op->kernels_.size() <= 255);  // the aggregate is one byte of the key
    }
    for (size_t k = 0; k < op->kernels_.size(); ++k) {
        if (op->kernels_[k]->needsDestroy()) op->destroyed_.push_back(k);
    }
    if (op->kind_ == plan::WindowKind::kSliding) op->mergeState_ = op->pool_->allocate();
    op->output_ = op->newOutput();
    return op;
}

Batch AggregateOperator::newOutput() const {
    Batch output;
    for (const auto& key : node_->keys) output.columns().push_back(std::make_shared<Vector>(key->type, 0));
    if (kind_ != plan::WindowKind::kNone) {  // _window_start, _window_end, _event_time
        for (int i = 0; i < 3; ++i) output.columns().push_back(std::make_shared<Vector>(DataType::timestamp(), 0));
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

AggregateOperator::Group* AggregateOperator::newGroup(std::string_view id, std::vector<types::Value> keyValues,
                                                      int64_t start) {
    auto group = std::make_unique<Group>();
    group->id.assign(id);
    group->keyValues = std::move(keyValues);
    group->start = start;
    group->last = start;
    group->sequence = nextSequence_++;
    group->states = newStates();
    Group* raw = group.get();
    groups_.emplace(std::string_view(raw->id), std::move(group));
    stateBytes_ += raw->id.size() * 2 + kGroupOverhead;
    dirtyGroups_.insert(raw);
    return raw;
}

AggregateOperator::KeyState* AggregateOperator::findOrCreateKey(std::string_view key, uint64_t hash,
                                                                const std::vector<VectorPtr>& keys, uint32_t row) {
    if (KeyState* found = keys_.find(hash, key)) return found;
    auto state = std::make_unique<KeyState>();
    state->key.assign(key);
    for (const auto& column : keys) state->keyValues.push_back(types::readValue(*column, row));
    state->sequence = nextSequence_++;
    KeyState* raw = keys_.insert(hash, std::move(state));
    if (kind_ == plan::WindowKind::kSliding) {
        raw->listed = slidingKeys_.size();
        slidingKeys_.push_back(raw);
        addToShard(*raw);
    }
    stateBytes_ += raw->key.size() * 2 + kKeyOverhead;
    dirtyKeys_.insert(raw);
    return raw;
}

void AggregateOperator::eraseGroup(Group* group) {
    freeStates(group->states);
    stateBytes_ -= std::min(stateBytes_, group->id.size() * 2 + kGroupOverhead);
    dirtyGroups_.erase(group);
    if (group->persisted) {
        erased_.push_back("g" + group->id);
        for (size_t k = 0; k < group->elements.size(); ++k) {
            for (uint64_t n = 0; n < group->elements[k]; ++n) erased_.push_back(elementId(group->id, k, n));
        }
    }
    groups_.erase(std::string_view(group->id));  // destroys the group
}

void AggregateOperator::mergeInto(Group& target, Group& source) {
    for (size_t k = 0; k < kernels_.size(); ++k) {
        kernels_[k]->merge(target.states + stateOffsets_[k], source.states + stateOffsets_[k]);
    }
}

void AggregateOperator::applyRun(std::span<uint8_t* const> groups, std::span<const uint32_t> rows,
                                 const std::vector<std::vector<VectorPtr>>& arguments, std::span<const int64_t> arrival,
                                 expr::EvalContext& context) {
    // Rows whose arguments are all non-NULL, per aggregate (unless it counts NULLs).
    auto selectRows = [&](size_t k, std::vector<uint32_t>& selected, std::vector<uint8_t*>& states,
                          const std::vector<uint8_t>& failed) {
        selected.clear();
        states.clear();
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
            states.push_back(groups[i] + stateOffsets_[k]);
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
    // Aggregates that can fail go first; a row one of them rejects is taken back from the
    // ones before it and given to none after it, so its group's state is left untouched.
    std::vector<size_t> fallible;
    for (size_t k = 0; k < kernels_.size(); ++k) {
        if (!kernels_[k]->canFail()) continue;
        selectRows(k, selected, states, failed);
        size_t errorsBefore = context.batch().errors().size();
        auto args = raw(arguments[k]);
        kernels_[k]->update(states, selected, args, arrival, context);
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
                    uint8_t* state = groups[i] + stateOffsets_[j];
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
        selectRows(k, selected, states, failed);
        auto args = raw(arguments[k]);
        kernels_[k]->update(states, selected, args, arrival, context);
    }
}

void AggregateOperator::appendRow(const std::vector<types::Value>& keyValues, int64_t start, int64_t end,
                                  const uint8_t* states, PendingRow pending) {
    auto row = static_cast<uint32_t>(pendingRows_.size());
    auto& columns = output_.columns();
    for (auto& column : columns) column->resize(row + 1);
    size_t slot = 0;
    for (const auto& value : keyValues) types::writeValue(*columns[slot++], row, value, output_.arena());
    if (kind_ != plan::WindowKind::kNone) {
        columns[slot++]->values<int64_t>()[row] = start;
        columns[slot++]->values<int64_t>()[row] = end;
        columns[slot++]->values<int64_t>()[row] = end - 1;
    }
    for (size_t k = 0; k < kernels_.size(); ++k, ++slot) {
        kernels_[k]->finalize(states + stateOffsets_[k], *columns[slot], row);
        ownStrings(*columns[slot], row, output_.arena());
    }
    pending.start = start;
    pendingRows_.push_back(pending);
}

void AggregateOperator::emitChanges(Group& group) {
    switch (kind_) {
        case plan::WindowKind::kNone:
            appendRow(group.keyValues, 0, 0, group.states, {&group.track});
            return;
        case plan::WindowKind::kTumbling:
            appendRow(group.keyValues, group.start, group.start + size_, group.states, {&group.track});
            return;
        case plan::WindowKind::kSession: {
            // If the session's start moved since it was upserted, its old key goes first.
            const auto& keyValues = group.owner->keyValues;
            appendRow(keyValues, group.start, group.last + gap_, group.states,
                      {&group.track, PendingRow::Kind::kDeleteIfMoved});
            appendRow(keyValues, group.start, group.last + gap_, group.states, {&group.track});
            return;
        }
        case plan::WindowKind::kSliding:
            return;  // emitSlidingChanges
    }
}

void AggregateOperator::emitSlidingChanges(KeyState& key, int64_t t, int64_t lastEnd) {
    // Every open window holding t (ending by lastEnd), in window-start order: its panes merged.
    for (int64_t start = floorTo(t - size_, advance_) + advance_; start <= floorTo(t, advance_); start += advance_) {
        int64_t end = start + size_;
        if (closedThrough_ != types::kMinWatermark && end <= closedThrough_) continue;
        if (end > lastEnd) break;
        for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->init(mergeState_ + stateOffsets_[k]);
        auto pane = firstPane(key, start);
        for (; pane != key.panes.end() && pane->start < end; ++pane) {
            for (size_t k = 0; k < kernels_.size(); ++k) {
                kernels_[k]->merge(mergeState_ + stateOffsets_[k], pane->states + stateOffsets_[k]);
            }
        }
        auto& track = key.windowTracks[start];
        if (!track) track = std::make_unique<EmitTrack>();
        appendRow(key.keyValues, start, end, mergeState_, {track.get()});
        for (size_t k : destroyed_) kernels_[k]->destroy(mergeState_ + stateOffsets_[k]);
    }
}

void AggregateOperator::settle(const OperatorContext& context) {
    // EMIT CHANGES and 'update' track what each result row last wrote (for deletes, and
    // for EMIT CHANGES, to write nothing when a row is unchanged).
    bool changes = node_->emit == plan::EmitMode::kChanges;
    bool tracking = changes || update_;
    auto rows = static_cast<uint32_t>(pendingRows_.size());
    output_.setNumRows(rows);
    if (rows == 0) return;
    std::vector<uint8_t> passes(rows, 1);
    if (having_) {
        expr::EvalContext eval(output_, context.nowMicros);
        std::vector<uint32_t> all(output_.selection().begin(), output_.selection().end());
        VectorPtr verdict = having_->eval(eval, all);
        for (uint32_t row = 0; row < rows; ++row) {
            passes[row] = !verdict->isNull(row) && verdict->values<uint8_t>()[row] != 0;
        }
        output_.removeErroredRows();
    }
    std::vector<uint8_t> erroredRow(rows, 0);
    for (const auto& error : output_.errors()) erroredRow[error.row] = 1;
    std::vector<uint32_t> kept;
    auto& kinds = output_.rowKinds();
    kinds.assign(rows, Batch::RowKind::kUpsert);
    size_t firstAggregate = node_->keys.size() + (kind_ != plan::WindowKind::kNone ? 3 : 0);
    for (uint32_t row = 0; row < rows; ++row) {
        const PendingRow& pending = pendingRows_[row];
        if (pending.kind != PendingRow::Kind::kCandidate) {
            EmitTrack& track = *pending.track;
            bool gone = pending.kind == PendingRow::Kind::kDeleteIfUpserted || track.emittedStart != pending.start;
            if (track.upserted && gone) {
                // The delete names the key as it was upserted.
                output_.column(node_->keys.size()).values<int64_t>()[row] = track.emittedStart;
                track.upserted = false;
                track.lastEmitted.clear();
                kinds[row] = Batch::RowKind::kDelete;
                kept.push_back(row);
            }
            continue;
        }
        if (erroredRow[row]) continue;
        if (!tracking || pending.track == nullptr) {
            if (passes[row]) kept.push_back(row);
            continue;
        }
        EmitTrack& track = *pending.track;
        if (passes[row]) {
            scratch_.clear();
            for (size_t slot = firstAggregate; slot < output_.columns().size(); ++slot) {
                appendCellBytes(output_.column(slot), row, scratch_);
            }
            if (changes && track.upserted && track.lastEmitted == scratch_ && track.emittedStart == pending.start) {
                continue;  // unchanged: nothing to emit
            }
            track.lastEmitted = scratch_;
            track.upserted = true;
            track.emittedStart = pending.start;
            kept.push_back(row);
        } else if (node_->changelog && track.upserted) {
            track.upserted = false;
            track.lastEmitted.clear();
            kinds[row] = Batch::RowKind::kDelete;
            kept.push_back(row);
        }
    }
    output_.mutableSelection() = std::move(kept);
    pendingRows_.clear();
}

bool AggregateOperator::closedAt(int64_t end, int64_t watermark) const {
    if (watermark == types::kMaxWatermark) return true;
    if (watermark == types::kMinWatermark) return false;
    int64_t due = 0;
    if (__builtin_add_overflow(end, node_->allowedLatenessMicros, &due)) return false;
    return due <= watermark;
}

int64_t AggregateOperator::nextSlidingEnd() const {
    if (livePanes_ == 0) return types::kMaxWatermark;
    int64_t first = minPaneStart_;
    int64_t end = floorTo(first - size_, advance_) + advance_ + size_;
    if (closedThrough_ != types::kMinWatermark) end = std::max(end, closedThrough_ + advance_);
    // Windows starting after the newest pane hold nothing.
    return end - size_ > maxPaneStart_ ? types::kMaxWatermark : end;
}

AggregateOperator::SessionIndex::const_iterator AggregateOperator::firstUnfiredSession() const {
    // Sessions due by firedThrough_ have fired (new ones due by then fire as they are made).
    if (firedThrough_ == types::kMinWatermark) return sessions_.begin();
    return sessions_.upper_bound(std::make_tuple(firedThrough_, UINT64_MAX, nullptr));
}

int64_t AggregateOperator::nextSlidingFire() const {
    if (livePanes_ == 0) return types::kMaxWatermark;
    int64_t end = floorTo(minPaneStart_ - size_, advance_) + advance_ + size_;
    if (firedThrough_ != types::kMinWatermark) end = std::max(end, firedThrough_ + advance_);
    if (closedThrough_ != types::kMinWatermark) end = std::max(end, closedThrough_ + advance_);
    // Windows starting after the newest pane hold nothing.
    return end - size_ > maxPaneStart_ ? types::kMaxWatermark : end;
}

void AggregateOperator::fireSlidingWindow(int64_t end) {
    int64_t start = end - size_;
    for (KeyState* key : slidingKeys_) {
        if (key == nullptr) continue;
        auto pane = firstPane(*key, start);
        if (pane == key->panes.end() || pane->start >= end) continue;
        for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->init(mergeState_ + stateOffsets_[k]);
        for (; pane != key->panes.end() && pane->start < end; ++pane) {
            for (size_t k = 0; k < kernels_.size(); ++k) {
                kernels_[k]->merge(mergeState_ + stateOffsets_[k], pane->states + stateOffsets_[k]);
            }
        }
        auto& track = key->windowTracks[start];
        if (!track) track = std::make_unique<EmitTrack>();
        appendRow(key->keyValues, start, end, mergeState_, {track.get()});
        for (size_t k : destroyed_) kernels_[k]->destroy(mergeState_ + stateOffsets_[k]);
        dirtyKeys_.insert(key);
    }
    firedThrough_ = end;
}

int64_t AggregateOperator::nextDue() const {
    int64_t end = types::kMaxWatermark;
    switch (kind_) {
        case plan::WindowKind::kNone:
            return types::kMaxWatermark;
        case plan::WindowKind::kTumbling:
            if (!windows_.empty()) end = windows_.begin()->first;
            if (update_) {
                // The next window to fire (at its end, before lateness).
                auto next = windows_.upper_bound(firedThrough_);
                int64_t due = 0;
                if (end != types::kMaxWatermark && !__builtin_add_overflow(end, node_->allowedLatenessMicros, &due)) {
                    return next != windows_.end() ? std::min(next->first, due) : due;
                }
                return next != windows_.end() ? next->first : types::kMaxWatermark;
            }
            break;
        case plan::WindowKind::kSliding:
            end = nextSlidingEnd();
            break;
        case plan::WindowKind::kSession:
            if (!sessions_.empty()) end = std::get<0>(*sessions_.begin());
            break;
    }
    // 'update' (sliding, session): the next window to fire, before lateness.
    int64_t fire = types::kMaxWatermark;
    if (update_ && kind_ == plan::WindowKind::kSliding) fire = nextSlidingFire();
    if (update_ && kind_ == plan::WindowKind::kSession) {
        auto next = firstUnfiredSession();
        if (next != sessions_.end()) fire = std::get<0>(*next);
    }
    int64_t due = 0;
    if (end == types::kMaxWatermark || __builtin_add_overflow(end, node_->allowedLatenessMicros, &due)) {
        return fire;
    }
    return std::min(due, fire);
}

uint8_t* AggregateOperator::newStates() {
    uint8_t* states = pool_->allocate();
    for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->init(states + stateOffsets_[k]);
    stateBytes_ += pool_->blockSize();
    return states;
}

void AggregateOperator::freeStates(uint8_t* states) {
    if (states == nullptr) return;
    for (size_t k : destroyed_) kernels_[k]->destroy(states + stateOffsets_[k]);
    pool_->release(states);
    stateBytes_ -= std::min(stateBytes_, pool_->blockSize());
}

void AggregateOperator::clearFolds(KeyState& key) {
    for (size_t i = key.head; i < key.panes.size(); ++i) {
        freeStates(key.panes[i].suffix);
        key.panes[i].suffix = nullptr;
    }
    freeStates(key.prefix);
    key.prefix = nullptr;
    key.suffixBlock = INT64_MIN;
    key.prefixBlock = INT64_MIN;
    key.prefixThrough = INT64_MIN;
    key.suffixStale = false;
    key.prefixStale = false;
}

std::string AggregateOperator::sliceId(int64_t start, uint32_t shard) {
    std::string id = "p";
    put(id, start);
    put(id, shard);
    return id;
}

void AggregateOperator::addToShard(KeyState& key) {
    // The high bits of the hash: keys_ places keys by the low ones.
    key.shard = static_cast<uint32_t>(KeyIndex<KeyState>::hash(key.key) >> 58);
    static_assert(kPaneShards == 64);
    if (shardKeys_.empty()) shardKeys_.resize(kPaneShards);
    key.shardIndex = shardKeys_[key.shard].size();
    shardKeys_[key.shard].push_back(&key);
}

std::vector<AggregateOperator::Pane>::iterator AggregateOperator::firstPane(KeyState& key, int64_t start) {
    return std::lower_bound(key.panes.begin() + static_cast<ptrdiff_t>(key.head), key.panes.end(), start,
                            [](const Pane& pane, int64_t s) { return pane.start < s; });
}

AggregateOperator::Pane& AggregateOperator::paneFor(KeyState& key, int64_t start) {
    auto& panes = key.panes;
    // The key's newest pane is the usual one (and after the folds, but for late records).
    if (key.head < panes.size() && panes.back().start == start && start >= key.prefixThrough &&
        (key.suffixBlock == INT64_MIN || start - key.suffixBlock >= size_)) {
        return panes.back();
    }
    auto at = firstPane(key, start);
    // A pane changing (or appearing) inside a fold makes the fold stale.
    if (key.suffixBlock != INT64_MIN && start >= key.suffixBlock && start - key.suffixBlock < size_) {
        key.suffixStale = true;
    }
    if (key.prefixBlock != INT64_MIN && start >= key.prefixBlock && start < key.prefixThrough) key.prefixStale = true;
    if (at == panes.end() || at->start != start) {
        Pane pane;
        pane.start = start;
        pane.states = newStates();
        at = panes.insert(at, pane);
        stateBytes_ += sizeof(Pane);
        ++livePanes_;
        minPaneStart_ = std::min(minPaneStart_, start);
        maxPaneStart_ = std::max(maxPaneStart_, start);
    }
    return *at;
}

void AggregateOperator::popPane(KeyState& key) {
    auto& panes = key.panes;
    Pane& pane = panes[key.head];
    freeStates(pane.suffix);
    freeStates(pane.states);
    stateBytes_ -= std::min(stateBytes_, sizeof(Pane));
    --livePanes_;
    pane = Pane{};
    ++key.head;
    if (key.head == panes.size()) {
        panes.clear();
        key.head = 0;
    } else if (key.head >= 16 && key.head * 2 >= panes.size()) {
        panes.erase(panes.begin(), panes.begin() + static_cast<ptrdiff_t>(key.head));
        key.head = 0;
    }
}

void AggregateOperator::closeSlidingWindow(int64_t end) {
    int64_t start = end - size_;
    int64_t keep = start + advance_;  // panes from here on belong to later windows too
    bool final = node_->emit == plan::EmitMode::kFinal && !update_;  // 'update' fired it already
    int64_t minStart = INT64_MAX;
    for (KeyState* key : slidingKeys_) {
        if (key == nullptr) continue;
        auto& panes = key->panes;
        if (final) {
            // Panes of earlier windows (none are expected) leave first.
            while (key->head < panes.size() && panes[key->head].start < start) popPane(*key);
            int64_t block = floorTo(start, size_);
            int64_t blockEnd = block + size_;
            // The suffixes of the block of `start`, folded from its last pane back…
            if (key->suffixBlock != block || key->suffixStale) {
                for (size_t i = key->head; i < panes.size(); ++i) {
                    freeStates(panes[i].suffix);
                    panes[i].suffix = nullptr;
                }
                size_t last = key->head;
                while (last < panes.size() && panes[last].start < blockEnd) ++last;
                const uint8_t* later = nullptr;
                for (size_t i = last; i-- > key->head;) {
                    uint8_t* suffix = newStates();
                    for (size_t k = 0; k < kernels_.size(); ++k) {
                        kernels_[k]->merge(suffix + stateOffsets_[k], panes[i].states + stateOffsets_[k]);
                        if (later != nullptr) kernels_[k]->merge(suffix + stateOffsets_[k], later + stateOffsets_[k]);
                    }
                    panes[i].suffix = suffix;
                    later = suffix;
                }
                key->suffixBlock = block;
                key->suffixStale = false;
            }
            // …the prefix of the next block, folded from its start up to `end`…
            if (key->prefixBlock != blockEnd || key->prefixStale) {
                freeStates(key->prefix);
                key->prefix = nullptr;
                key->prefixBlock = blockEnd;
                key->prefixThrough = blockEnd;
                key->prefixStale = false;
            }
            if (end > key->prefixThrough) {
                auto from = firstPane(*key, key->prefixThrough);
                for (; from != panes.end() && from->start < end; ++from) {
                    if (key->prefix == nullptr) key->prefix = newStates();
                    for (size_t k = 0; k < kernels_.size(); ++k) {
                        kernels_[k]->merge(key->prefix + stateOffsets_[k], from->states + stateOffsets_[k]);
                    }
                }
                key->prefixThrough = end;
            }
            // …and the window, the suffix of its first pane merged with the prefix.
            const uint8_t* suffix = key->head < panes.size() && panes[key->head].start < blockEnd
                                        ? panes[key->head].suffix
                                        : nullptr;
            if (suffix != nullptr || key->prefix != nullptr) {
                const uint8_t* states = suffix != nullptr ? suffix : key->prefix;
                if (suffix != nullptr && key->prefix != nullptr) {
                    for (size_t k = 0; k < kernels_.size(); ++k) {
                        kernels_[k]->init(mergeState_ + stateOffsets_[k]);
                        kernels_[k]->merge(mergeState_ + stateOffsets_[k], suffix + stateOffsets_[k]);
                        kernels_[k]->merge(mergeState_ + stateOffsets_[k], key->prefix + stateOffsets_[k]);
                    }
                    states = mergeState_;
                }
                appendRow(key->keyValues, start, end, states, {});
                if (states == mergeState_) {
                    for (size_t k : destroyed_) kernels_[k]->destroy(mergeState_ + stateOffsets_[k]);
                }
            }
        }
        while (!key->windowTracks.empty() && key->windowTracks.begin()->first <= start) {
            dirtyKeys_.insert(key);
            deadTracks_.push_back(std::move(key->windowTracks.begin()->second));
            key->windowTracks.erase(key->windowTracks.begin());
        }
        // Panes no later window holds go.
        while (key->head < panes.size() && panes[key->head].start < keep) popPane(*key);
        if (key->head < panes.size()) {
            minStart = std::min(minStart, panes[key->head].start);
        } else {
            // Forgotten now (its rows hold copies of its key, its emit tracks went to
            // deadTracks_), so a key that comes back is new whatever batch it comes in.
            eraseKey(key);
        }
    }
    minPaneStart_ = minStart;
    closedThrough_ = end;
    // The slices of the panes that went: erased if a checkpoint holds them, else forgotten.
    for (auto it = persistedSlices_.begin(); it != persistedSlices_.end() && it->first < keep;) {
        for (uint32_t shard = 0; shard < kPaneShards; ++shard) {
            if ((it->second >> shard) & 1) erased_.push_back(sliceId(it->first, shard));
        }
        it = persistedSlices_.erase(it);
    }
    dirtySlices_.erase(dirtySlices_.begin(), dirtySlices_.lower_bound(keep));
}

void AggregateOperator::closeWindows(int64_t watermark, size_t budget) {
    bool final = node_->emit == plan::EmitMode::kFinal;
    // Whole windows close until `budget` rows are pending (not with 'update' where firing
    // and closing interleave, but for sliding windows, which fire first).
    auto full = [&] { return pendingRows_.size() >= budget; };
    switch (kind_) {
        case plan::WindowKind::kNone: {
            if (watermark != types::kMaxWatermark || !final) return;
            // Without GROUP BY there is one result row even over no input (COUNT(*) = 0).
            if (groups_.empty() && node_->keys.empty()) newGroup("", {}, 0);
            std::vector<Group*> all;
            for (auto& [id, group] : groups_) all.push_back(group.get());
            std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->sequence < b->sequence; });
            for (Group* group : all) {
                appendRow(group->keyValues, 0, 0, group->states, {&group->track});
                closing_.push_back(group);
            }
            return;
        }
        case plan::WindowKind::kTumbling:
            while (!windows_.empty() && closedAt(windows_.begin()->first, watermark) && (update_ || !full())) {
                for (Group* group : windows_.begin()->second) {
                    if (final && !group->fired) {
                        appendRow(group->keyValues, group->start, group->start + size_, group->states, {&group->track});
                    }
                    closing_.push_back(group);
                }
                windows_.erase(windows_.begin());
            }
            if (update_ && watermark != types::kMinWatermark) {
                // 'update': a window fires at its end; its state stays until end + lateness.
                for (auto it = windows_.upper_bound(firedThrough_); it != windows_.end() && it->first <= watermark; ++it) {
                    for (Group* group : it->second) {
                        appendRow(group->keyValues, group->start, group->start + size_, group->states, {&group->track});
                        group->fired = true;
                        dirtyGroups_.insert(group);
                    }
                    firedThrough_ = it->first;
                }
            }
            return;
        case plan::WindowKind::kSliding:
            if (update_ && watermark != types::kMinWatermark) {
                // 'update': a window fires at its end; its panes stay until end + lateness.
                while (true) {
                    int64_t end = nextSlidingFire();
                    if (end == types::kMaxWatermark || end > watermark) break;
                    // A window closes only after it fired: stop both for now.
                    if (full()) return;
                    fireSlidingWindow(end);
                }
            }
            while (true) {
                int64_t end = nextSlidingEnd();
                if (end == types::kMaxWatermark || !closedAt(end, watermark) || full()) break;
                closeSlidingWindow(end);
            }
            return;
        case plan::WindowKind::kSession:
            if (update_ && watermark != types::kMinWatermark) {
                // 'update': a session fires when the watermark passes its last time + gap.
                for (auto it = firstUnfiredSession(); it != sessions_.end() && std::get<0>(*it) <= watermark; ++it) {
                    Group* group = std::get<2>(*it);
                    if (group->fired) continue;
                    appendRow(group->owner->keyValues, group->start, group->last + gap_, group->states,
                              {&group->track});
                    group->fired = true;
                    dirtyGroups_.insert(group);
                }
                firedThrough_ = std::max(firedThrough_, watermark);
            }
            while (!sessions_.empty() && closedAt(std::get<0>(*sessions_.begin()), watermark) && (update_ || !full())) {
                Group* group = std::get<2>(*sessions_.begin());
                sessions_.erase(sessions_.begin());
                group->owner->slots.erase(group->start);
                if (final && !group->fired) {
                    appendRow(group->owner->keyValues, group->start, group->last + gap_, group->states, {&group->track});
                }
                closing_.push_back(group);
            }
            return;
    }
}

void AggregateOperator::eraseKey(KeyState* key) {
    clearFolds(*key);
    if (kind_ == plan::WindowKind::kSliding) {
        slidingKeys_[key->listed] = nullptr;
        ++slidingHoles_;
        auto& shard = shardKeys_[key->shard];
        shard[key->shardIndex] = shard.back();
        shard[key->shardIndex]->shardIndex = key->shardIndex;
        shard.pop_back();
    }
    stateBytes_ -= std::min(stateBytes_, key->key.size() * 2 + kKeyOverhead);
    dirtyKeys_.erase(key);
    if (key->persisted) erased_.push_back("k" + key->key);
    keys_.erase(KeyIndex<KeyState>::hash(key->key), key->key);
}

void AggregateOperator::releaseClosed() {
    std::vector<KeyState*> owners = std::move(idleKeys_);
    idleKeys_.clear();
    for (Group* group : closing_) {
        if (group->owner != nullptr) owners.push_back(group->owner);
        eraseGroup(group);
    }
    closing_.clear();
    deadTracks_.clear();
    std::sort(owners.begin(), owners.end());
    owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
    for (KeyState* key : owners) {
        if (!key->slots.empty() || key->head < key->panes.size()) continue;
        eraseKey(key);
    }
    if (slidingHoles_ > 64 && slidingHoles_ * 2 > slidingKeys_.size()) {
        std::erase(slidingKeys_, nullptr);
        for (size_t i = 0; i < slidingKeys_.size(); ++i) slidingKeys_[i]->listed = i;
        slidingHoles_ = 0;
    }
}

AggregateOperator::Group* AggregateOperator::sessionFor(KeyState& key, int64_t t, int64_t watermark, bool& late) {
    // Sessions of a key are apart by more than the gap, so at most two are within it of t.
    Group* matches[2] = {nullptr, nullptr};
    int found = 0;
    for (auto it = key.slots.upper_bound(t + gap_); it != key.slots.begin() && found < 2;) {
        --it;
        if (it->second->last + gap_ < t) break;
        matches[found++] = it->second;
    }
    auto reindex = [&](Group* group, bool insert) {
        auto entry = std::make_tuple(group->last + gap_ + 1, group->sequence, group);
        if (insert) {
            sessions_.insert(entry);
            key.slots[group->start] = group;
        } else {
            sessions_.erase(entry);
            key.slots.erase(group->start);
        }
    };
    if (found == 0) {
        if (closedAt(t + gap_ + 1, watermark)) {
            late = true;
            return nullptr;
        }
        scratch_.assign(key.key);
        uint64_t sequence = nextSequence_;
        scratch_.append(reinterpret_cast<const char*>(&sequence), sizeof sequence);
        Group* group = newGroup(scratch_, {}, t);
        group->owner = &key;
        // 'update': a session that would have fired already emits at once.
        group->fired = update_ && firedThrough_ != types::kMinWatermark && t + gap_ + 1 <= firedThrough_;
        reindex(group, true);
        return group;
    }
    if (found == 1) {
        Group* group = matches[0];
        reindex(group, false);
        group->start = std::min(group->start, t);
        group->last = std::max(group->last, t);
        reindex(group, true);
        return group;
    }
    // t bridges two sessions: the later one merges into the earlier.
    Group* earlier = matches[1];
    Group* later = matches[0];
    reindex(earlier, false);
    reindex(later, false);
    mergeInto(*earlier, *later);
    earlier->start = std::min(earlier->start, t);
    earlier->last = std::max(later->last, t);
    reindex(earlier, true);
    earlier->fired = earlier->fired || later->fired;
    if (node_->emit == plan::EmitMode::kChanges || update_) {
        appendRow(key.keyValues, later->start, later->last + gap_, later->states,
                  {&later->track, PendingRow::Kind::kDeleteIfUpserted});
    }
    closing_.push_back(later);
    return earlier;
}

Status AggregateOperator::process(Batch& batch, const OperatorContext& context) {
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
    // Arrival sequence by physical row (FIRST_VALUE, LAST_VALUE, STRING_AGG, COLLECT_LIST).
    std::vector<int64_t> ownArrival;
    std::span<const int64_t> arrival(origin.arrival);
    if (origin.arrival.size() < batch.numRows()) {
        ownArrival.resize(batch.numRows());
        std::iota(ownArrival.begin(), ownArrival.end(), int64_t{0});
        arrival = ownArrival;
    }
    bool windowed = kind_ != plan::WindowKind::kNone;
    bool processingTime = windowed && plan.window.processingTime;
    bool changes = plan.emit == plan::EmitMode::kChanges;
    const Vector* time = windowed ? &batch.column(static_cast<size_t>(plan.window.timeSlot)) : nullptr;
    if (processingTime) closeWindows(context.nowMicros);

    // Rows are added in runs and applied per aggregate in one call; a run ends where a row
    // must see the rows before it applied (EMIT CHANGES: its group — or key, when windows of
    // a key share panes or sessions — repeats), or where windows close or sessions merge.
    // Per pending row: the states it updates; its group (sliding: null) and key (sliding).
    std::vector<uint8_t*> pendingStates;
    std::vector<Group*> pendingGroups;
    std::vector<KeyState*> pendingKeys;
    std::vector<uint32_t> pendingRows;
    std::vector<int64_t> pendingTimes;
    bool sliding = kind_ == plan::WindowKind::kSliding;
    ++runId_;
    auto flush = [&] {
        if (!pendingStates.empty()) {
            size_t errorsBefore = batch.errors().size();
            applyRun(pendingStates, pendingRows, arguments, arrival, eval);
            if (!sliding) {
                for (Group* group : pendingGroups) dirtyGroups_.insert(group);
            }
            if (changes || update_) {
                std::vector<uint32_t> failedRows;
                for (size_t e = errorsBefore; e < batch.errors().size(); ++e) failedRows.push_back(batch.errors()[e].row);
                for (size_t i = 0; i < pendingStates.size(); ++i) {
                    KeyState* owner = sliding ? pendingKeys[i] : pendingGroups[i]->owner;
                    if (owner != nullptr) dirtyKeys_.insert(owner);
                    if (!failedRows.empty() &&
                        std::find(failedRows.begin(), failedRows.end(), pendingRows[i]) != failedRows.end()) {
                        continue;
                    }
                    // 'update': a record for a window that fired re-emits its corrected row.
                    if (sliding) {
                        if (changes) {
                            emitSlidingChanges(*pendingKeys[i], pendingTimes[i], INT64_MAX);
                        } else if (firedThrough_ != types::kMinWatermark) {
                            // 'update': the windows that fired re-emit their corrected rows.
                            emitSlidingChanges(*pendingKeys[i], pendingTimes[i], firedThrough_);
                        }
                    } else if (changes || pendingGroups[i]->fired) {
                        emitChanges(*pendingGroups[i]);
                    }
                }
            }
            pendingStates.clear();
            pendingGroups.clear();
            pendingKeys.clear();
            pendingRows.clear();
            pendingTimes.clear();
        }
        ++runId_;
    };
    auto lateRecord = [&](uint32_t row, std::string_view what, int64_t start, int64_t end, int64_t watermark) {
        judgeLate(batch, row, plan.late == plan::AggregateNode::LateStrategy::kDeadLetter, late_,
                  [&] { return lateMessage(what, start, end, watermark); });
    };

    // Sliding and session windows look keys up in keys_: their bytes and hashes first, so the
    // slots and entries of rows ahead can be prefetched (the look-ups are cache misses).
    bool byKey = kind_ == plan::WindowKind::kSliding || kind_ == plan::WindowKind::kSession;
    std::vector<uint64_t> hashes;
    std::vector<uint32_t> keyEnds;
    if (byKey) {
        rowKeys_.clear();
        hashes.resize(rows.size());
        keyEnds.resize(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) {
            size_t begin = rowKeys_.size();
            for (const auto& key : keys) appendKeyBytes(*key, rows[i], rowKeys_);
            keyEnds[i] = static_cast<uint32_t>(rowKeys_.size());
            hashes[i] = KeyIndex<KeyState>::hash(std::string_view(rowKeys_).substr(begin));
        }
    }
    constexpr size_t kSlotDistance = 16;
    constexpr size_t kEntryDistance = 8;
    constexpr size_t kPaneDistance = 4;
    constexpr size_t kStatesDistance = 2;

    for (size_t index = 0; index < rows.size(); ++index) {
        uint32_t row = rows[index];
        if (byKey) {
            if (index + kSlotDistance < rows.size()) keys_.prefetchSlot(hashes[index + kSlotDistance]);
            if (index + kEntryDistance < rows.size()) keys_.prefetchEntry(hashes[index + kEntryDistance]);
            if (kind_ == plan::WindowKind::kSliding) {
                // The key's newest pane, then its states (the usual pane of a record).
                auto newest = [&](size_t ahead) -> const Pane* {
                    const KeyState* key = index + ahead < rows.size() ? keys_.peek(hashes[index + ahead]) : nullptr;
                    return key != nullptr && key->head < key->panes.size() ? &key->panes.back() : nullptr;
                };
                if (const Pane* pane = newest(kPaneDistance)) __builtin_prefetch(pane);
                if (const Pane* pane = newest(kStatesDistance)) __builtin_prefetch(pane->states);
            }
        }
        int64_t watermark = processingTime ? context.nowMicros
                            : row < origin.watermarkBefore.size() ? origin.watermarkBefore[row]
                                                                  : context.watermark;
        if (windowed && !processingTime && watermark >= nextDue()) {
            flush();
            closeWindows(watermark);
        }
        int64_t t = 0;
        if (windowed) {
            if (time->isNull(row)) {
                batch.addError(row, ErrorCode::kInvalidArgument, "the window's time is NULL");
                continue;
            }
            t = time->values<int64_t>()[row];
        }
        // The row's key bytes: a view of rowKeys_ (sliding, session), else built in scratch_.
        std::string_view keyBytes;
        if (byKey) {
            uint32_t begin = index == 0 ? 0 : keyEnds[index - 1];
            keyBytes = std::string_view(rowKeys_).substr(begin, keyEnds[index] - begin);
        } else {
            scratch_.clear();
            for (const auto& key : keys) appendKeyBytes(*key, row, scratch_);
        }
        Group* group = nullptr;
        switch (kind_) {
            case plan::WindowKind::kNone: {
                auto found = groups_.find(std::string_view(scratch_));
                group = found != groups_.end() ? found->second.get() : nullptr;
                if (group == nullptr) {
                    std::vector<types::Value> values;
                    for (const auto& column : keys) values.push_back(types::readValue(*column, row));
                    group = newGroup(scratch_, std::move(values), 0);
                }
                break;
            }
            case plan::WindowKind::kTumbling: {
                int64_t start = floorTo(t, size_);
                if (!processingTime && closedAt(start + size_, watermark)) {
                    lateRecord(row, "its window", start, start + size_, watermark);
                    continue;
                }
                scratch_.append(reinterpret_cast<const char*>(&start), sizeof start);
                auto found = groups_.find(std::string_view(scratch_));
                group = found != groups_.end() ? found->second.get() : nullptr;
                if (group == nullptr) {
                    std::vector<types::Value> values;
                    for (const auto& column : keys) values.push_back(types::readValue(*column, row));
                    group = newGroup(scratch_, std::move(values), start);
                    windows_[start + size_].push_back(group);
                    // A new key in a window that already fired emits at once ('update').
                    if (update_ && firedThrough_ != types::kMinWatermark && start + size_ <= firedThrough_) {
                        group->fired = true;
                    }
                }
                if (update_ && group->fired) {
                    if (group->run == runId_) flush();
                    group->run = runId_;
                }
                break;
            }
            case plan::WindowKind::kSliding: {
                int64_t lastStart = floorTo(t, advance_);
                if (!processingTime && closedAt(lastStart + size_, watermark)) {
                    lateRecord(row, "every window holding it, the last", lastStart, lastStart + size_, watermark);
                    continue;
                }
                KeyState* key = findOrCreateKey(keyBytes, hashes[index], keys, row);
                if ((changes || update_) && key->run == runId_) flush();
                key->run = runId_;
                Pane& pane = paneFor(*key, floorTo(t, pane_));
                if (!pane.dirty) {
                    pane.dirty = true;
                    dirtySlices_[pane.start] |= uint64_t{1} << key->shard;
                }
                pendingStates.push_back(pane.states);
                pendingKeys.push_back(key);
                pendingRows.push_back(row);
                pendingTimes.push_back(t);
                continue;
            }
            case plan::WindowKind::kSession: {
                KeyState* key = findOrCreateKey(keyBytes, hashes[index], keys, row);
                if ((changes || update_) && key->run == runId_) flush();
                // A bridging record merges two sessions: their pending rows go in first.
                if (!pendingStates.empty()) {
                    int within = 0;
                    for (auto it = key->slots.upper_bound(t + gap_); it != key->slots.begin() && within < 2;) {
                        --it;
                        if (it->second->last + gap_ < t) break;
                        ++within;
                    }
                    if (within == 2) flush();
                }
                key->run = runId_;
                bool late = false;
                group = sessionFor(*key, t, watermark, late);
                if (late) {
                    if (key->slots.empty()) idleKeys_.push_back(key);  // forgotten after the batch
                    lateRecord(row, "its session", t, t + gap_, watermark);
                    continue;
                }
                break;
            }
        }
        if (changes && (kind_ == plan::WindowKind::kNone || kind_ == plan::WindowKind::kTumbling)) {
            if (group->run == runId_) flush();
            group->run = runId_;
        }
        pendingStates.push_back(group->states);
        pendingGroups.push_back(group);
        pendingRows.push_back(row);
        pendingTimes.push_back(t);
    }
    flush();
    batch.removeErroredRows();
    // What the watermark after this batch closed.
    closeWindows(processingTime ? context.nowMicros : batch.watermarkAfter());
    settle(context);
    releaseClosed();
    return Status::ok();
}

int64_t AggregateOperator::advanceWatermark(const OperatorContext& context) const {
    return kind_ != plan::WindowKind::kNone && node_->window.processingTime
               ? (context.watermark == types::kMaxWatermark ? types::kMaxWatermark : context.nowMicros)
               : context.watermark;
}

bool AggregateOperator::moreDue(const OperatorContext& context) const {
    if (kind_ == plan::WindowKind::kNone) return false;
    int64_t due = nextDue();
    return due != types::kMaxWatermark && due <= advanceWatermark(context);
}

Status AggregateOperator::advance(const OperatorContext& context, Batch& output) {
    closeWindows(advanceWatermark(context), kAdvanceRows);
    settle(context);
    output = takeOutput();
    releaseClosed();
    return Status::ok();
}

// ---- Checkpoints ------------------------------------------------------------------------------

namespace {

constexpr uint8_t kStateVersion = 2;

Status corrupt(std::string_view what) {
    return Status::internal(fmt::format("corrupt aggregate state in the checkpoint: {}", what));
}

const char* windowKindName(plan::WindowKind kind) {
    switch (kind) {
        case plan::WindowKind::kNone: return "none";
        case plan::WindowKind::kTumbling: return "tumbling";
        case plan::WindowKind::kSliding: return "sliding";
        case plan::WindowKind::kSession: return "session";
    }
    return "?";
}

}  // namespace

std::string AggregateOperator::stateLayout() const {
    const plan::AggregateNode& plan = *node_;
    std::string out = "aggregate keys(";
    for (size_t i = 0; i < plan.keys.size(); ++i) {
        if (i > 0) out += ", ";
        out += plan.keys[i]->type.toString();
    }
    out += fmt::format(") window {}", windowKindName(kind_));
    if (kind_ != plan::WindowKind::kNone) {
        out += fmt::format("(size {}us, advance {}us, gap {}us, {})", size_, advance_, gap_,
                           plan.window.processingTime ? "processing time" : "event time");
    }
    out += plan.emit == plan::EmitMode::kFinal ? " emit final" : " emit changes";
    out += " aggregates(";
    for (size_t i = 0; i < plan.aggregates.size(); ++i) {
        const auto& function = *plan.aggregates[i].function;
        if (i > 0) out += ", ";
        out += function.name + (function.distinct ? "(DISTINCT " : "(");
        for (size_t a = 0; a < function.argTypes.size(); ++a) {
            if (a > 0) out += ", ";
            out += function.argTypes[a].toString();
        }
        out += ") " + function.resultType.toString();
    }
    out += ")";
    return out;
}

std::string AggregateOperator::serializeGroup(const Group& group) const {
    std::string out;
    put(out, kStateVersion);
    put(out, group.start);
    put(out, group.last);
    put(out, group.sequence);
    put(out, static_cast<uint8_t>(group.track.upserted));
    put(out, group.track.emittedStart);
    putBytes(out, group.track.lastEmitted);
    put(out, static_cast<uint8_t>(group.fired));
    std::string state;
    for (size_t k = 0; k < kernels_.size(); ++k) {
        state.clear();
        if (elementwise_[k]) {
            put(state, group.elements.empty() ? uint64_t{0} : group.elements[k]);  // its entries
        } else {
            kernels_[k]->serialize(group.states + stateOffsets_[k], state);
        }
        putBytes(out, state);
    }
    return out;
}

std::string AggregateOperator::elementId(std::string_view groupId, size_t kernel, uint64_t number) {
    std::string id = "e";
    id += groupId;
    id += static_cast<char>(kernel);
    for (int shift = 56; shift >= 0; shift -= 8) id += static_cast<char>((number >> shift) & 0xff);
    return id;
}

void AggregateOperator::takeChanges(state::StoreId store, state::ChangeSet& changes) {
    // Erases first: a key erased and written again since the last checkpoint is written.
    for (const auto& key : erased_) changes.erase(store, key);
    erased_.clear();
    std::vector<std::string> elements;
    for (Group* group : dirtyGroups_) {
        // Holistic aggregates: an entry per element added since the last checkpoint.
        for (size_t k = 0; k < kernels_.size(); ++k) {
            if (!elementwise_[k]) continue;
            if (group->elements.empty()) group->elements.assign(kernels_.size(), 0);
            elements.clear();
            kernels_[k]->takeNewElements(group->states + stateOffsets_[k], elements);
            for (const std::string& element : elements) {
                changes.put(store, elementId(group->id, k, group->elements[k]++), element);
            }
        }
        changes.put(store, "g" + group->id, serializeGroup(*group));
        group->persisted = true;
    }
    dirtyGroups_.clear();
    std::string out;
    std::string state;
    // Each dirty shard's keys are visited once, their panes matched against the shard's
    // dirty starts (both ascending).
    uint64_t dirtyShards = 0;
    for (const auto& [start, shards] : dirtySlices_) dirtyShards |= shards;
    std::vector<int64_t> starts;
    for (uint32_t shard = 0; shard < kPaneShards; ++shard) {
        uint64_t bit = uint64_t{1} << shard;
        if ((dirtyShards & bit) == 0) continue;
        starts.clear();
        for (const auto& [start, shards] : dirtySlices_) {
            if (shards & bit) starts.push_back(start);
        }
        if (sliceBuffers_.size() < starts.size()) sliceBuffers_.resize(starts.size());
        for (size_t j = 0; j < starts.size(); ++j) {
            sliceBuffers_[j].clear();
            put(sliceBuffers_[j], kStateVersion);
        }
        size_t empty = sizeof kStateVersion;
        for (KeyState* key : shardKeys_[shard]) {
            size_t j = 0;
            for (size_t i = key->head; i < key->panes.size() && j < starts.size(); ++i) {
                Pane& pane = key->panes[i];
                while (j < starts.size() && starts[j] < pane.start) ++j;
                if (j == starts.size() || starts[j] != pane.start) continue;
                pane.dirty = false;
                std::string& slice = sliceBuffers_[j];
                putBytes(slice, key->key);
                for (size_t k = 0; k < kernels_.size(); ++k) {
                    state.clear();
                    kernels_[k]->serialize(pane.states + stateOffsets_[k], state);
                    putBytes(slice, state);
                }
            }
        }
        for (size_t j = 0; j < starts.size(); ++j) {
            if (sliceBuffers_[j].size() > empty) {
                changes.put(store, sliceId(starts[j], shard), sliceBuffers_[j]);
                persistedSlices_[starts[j]] |= bit;
            } else if (auto held = persistedSlices_.find(starts[j]);
                       held != persistedSlices_.end() && (held->second & bit)) {
                changes.erase(store, sliceId(starts[j], shard));
                held->second &= ~bit;
                if (held->second == 0) persistedSlices_.erase(held);
            }
        }
    }
    dirtySlices_.clear();
    for (KeyState* key : dirtyKeys_) {
        out.clear();
        put(out, kStateVersion);
        put(out, key->sequence);
        put(out, static_cast<uint32_t>(key->windowTracks.size()));
        for (const auto& [start, track] : key->windowTracks) {
            put(out, start);
            put(out, static_cast<uint8_t>(track->upserted));
            put(out, track->emittedStart);
            putBytes(out, track->lastEmitted);
        }
        changes.put(store, "k" + key->key, out);
        key->persisted = true;
    }
    dirtyKeys_.clear();
    out.clear();
    put(out, kStateVersion);
    put(out, nextSequence_);
    put(out, closedThrough_);
    put(out, firedThrough_);
    changes.put(store, "m", out);
}

Result<std::vector<types::Value>> AggregateOperator::decodeKey(std::string_view bytes) const {
    std::vector<DataType> types;
    for (const auto& key : node_->keys) types.push_back(key->type);
    return decodeKeyBytes(types, bytes);
}

Status AggregateOperator::restoreEntry(std::string_view key, std::string_view value) {
    if (key.empty()) return corrupt("empty key");
    Reader reader(value);
    uint8_t version = 0;
    if (key[0] != 'e' && (!reader.get(version) || version != kStateVersion)) return corrupt("unknown version");
    switch (key[0]) {
        case 'm':
            if (!reader.get(nextSequence_) || !reader.get(closedThrough_) || !reader.get(firedThrough_) ||
                !reader.atEnd()) {
                return corrupt("counters");
            }
            return Status::ok();
        case 'k': {
            auto state = std::make_unique<KeyState>();
            state->key.assign(key.substr(1));
            state->persisted = true;
            uint32_t tracks = 0;
            if (!reader.get(state->sequence) || !reader.get(tracks)) return corrupt("key");
            for (uint32_t i = 0; i < tracks; ++i) {
                int64_t start = 0;
                uint8_t upserted = 0;
                auto track = std::make_unique<EmitTrack>();
                std::string_view emitted;
                if (!reader.get(start) || !reader.get(upserted) || !reader.get(track->emittedStart) ||
                    !reader.getBytes(emitted)) {
                    return corrupt("window track");
                }
                track->upserted = upserted != 0;
                track->lastEmitted.assign(emitted);
                state->windowTracks.emplace(start, std::move(track));
            }
            if (!reader.atEnd()) return corrupt("key");
            std::string_view bytes = std::string_view(state->key);
            FERRIS_ASSIGN_OR_RETURN(state->keyValues, decodeKey(bytes));
            uint64_t hash = KeyIndex<KeyState>::hash(state->key);
            KeyState* raw = keys_.insert(hash, std::move(state));
            stateBytes_ += raw->key.size() * 2 + kKeyOverhead;
            return Status::ok();
        }
        case 'g': {
            auto group = std::make_unique<Group>();
            group->id.assign(key.substr(1));
            uint8_t upserted = 0;
            std::string_view emitted;
            uint8_t fired = 0;
            if (!reader.get(group->start) || !reader.get(group->last) || !reader.get(group->sequence) ||
                !reader.get(upserted) || !reader.get(group->track.emittedStart) || !reader.getBytes(emitted) ||
                !reader.get(fired)) {
                return corrupt("group");
            }
            group->fired = fired != 0;
            group->persisted = true;
            group->track.upserted = upserted != 0;
            group->track.lastEmitted.assign(emitted);
            if (kind_ == plan::WindowKind::kSliding) return corrupt("a group entry in a sliding window's state");
            group->states = pool_->allocate();
            for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->init(group->states + stateOffsets_[k]);
            restored_.push_back(std::move(group));  // freed with its states even if the rest fails
            Group& raw = *restored_.back();
            for (size_t k = 0; k < kernels_.size(); ++k) {
                std::string_view bytes;
                if (!reader.getBytes(bytes)) return corrupt("group states");
                if (elementwise_[k]) {
                    // The number of its element entries (restored from those).
                    Reader count(bytes);
                    if (raw.elements.empty()) raw.elements.assign(kernels_.size(), 0);
                    if (!count.get(raw.elements[k]) || !count.atEnd()) return corrupt("element count");
                    continue;
                }
                kernels_[k]->destroy(raw.states + stateOffsets_[k]);
                FERRIS_RETURN_IF_ERROR(kernels_[k]->deserialize(bytes, raw.states + stateOffsets_[k]));
            }
            if (!reader.atEnd()) return corrupt("group");
            return Status::ok();
        }
        case 'e': {
            // One element of a holistic aggregate: "e" + group id + aggregate + number.
            constexpr size_t kSuffix = 1 + sizeof(uint64_t);
            if (key.size() < 1 + kSuffix || static_cast<uint8_t>(key[key.size() - kSuffix]) >= kernels_.size() ||
                !elementwise_[static_cast<uint8_t>(key[key.size() - kSuffix])]) {
                return corrupt("element key");
            }
            restoredElements_.push_back({std::string(key.substr(1, key.size() - 1 - kSuffix)),
                                         static_cast<uint8_t>(key[key.size() - kSuffix]), std::string(value)});
            return Status::ok();
        }
        case 'p': {
            // A slice: the panes of one start of every key of one shard.
            int64_t start = 0;
            uint32_t shard = 0;
            if (kind_ != plan::WindowKind::kSliding || key.size() != 1 + sizeof start + sizeof shard) {
                return corrupt("pane slice key");
            }
            std::memcpy(&start, key.data() + 1, sizeof start);
            std::memcpy(&shard, key.data() + 1 + sizeof start, sizeof shard);
            if (shard >= kPaneShards) return corrupt("pane slice shard");
            persistedSlices_[start] |= uint64_t{1} << shard;
            while (!reader.atEnd()) {
                std::string_view keyBytes;
                if (!reader.getBytes(keyBytes)) return corrupt("pane slice");
                Pane pane;
                pane.start = start;
                pane.states = pool_->allocate();
                for (size_t k = 0; k < kernels_.size(); ++k) kernels_[k]->init(pane.states + stateOffsets_[k]);
                restoredPanes_.emplace_back(std::string(keyBytes), pane);
                for (size_t k = 0; k < kernels_.size(); ++k) {
                    std::string_view bytes;
                    if (!reader.getBytes(bytes)) return corrupt("pane states");
                    kernels_[k]->destroy(pane.states + stateOffsets_[k]);
                    FERRIS_RETURN_IF_ERROR(kernels_[k]->deserialize(bytes, pane.states + stateOffsets_[k]));
                }
            }
            return Status::ok();
        }
        default:
            return corrupt(fmt::format("unknown entry kind '{}'", key[0]));
    }
}

Status AggregateOperator::finishRestore() {
    std::sort(restored_.begin(), restored_.end(), [](const auto& a, const auto& b) { return a->sequence < b->sequence; });
    bool windowed = kind_ != plan::WindowKind::kNone;
    bool byKey = kind_ == plan::WindowKind::kSliding || kind_ == plan::WindowKind::kSession;
    groups_.reserve(groups_.size() + restored_.size());  // one rehash, not one per doubling
    for (auto& owned : restored_) {
        Group* group = owned.get();
        if (windowed && group->id.size() < sizeof(int64_t)) return corrupt("group id");
        std::string_view keyBytes = std::string_view(group->id).substr(0, group->id.size() - (windowed ? 8 : 0));
        if (byKey) {
            KeyState* owner = keys_.find(KeyIndex<KeyState>::hash(keyBytes), keyBytes);
            if (owner == nullptr) return corrupt("a window without its key");
            group->owner = owner;
            group->owner->slots[group->start] = group;
            sessions_.insert(std::make_tuple(group->last + gap_ + 1, group->sequence, group));
        } else {
            FERRIS_ASSIGN_OR_RETURN(group->keyValues, decodeKey(keyBytes));
            if (kind_ == plan::WindowKind::kTumbling) windows_[group->start + size_].push_back(group);
        }
        stateBytes_ += group->id.size() * 2 + pool_->blockSize() + kGroupOverhead;
        groups_.emplace(std::string_view(group->id), std::move(owned));
    }
    restored_.clear();
    for (const auto& [groupId, kernel, element] : restoredElements_) {
        auto group = groups_.find(std::string_view(groupId));
        if (group == groups_.end()) return corrupt("an element without its group");
        FERRIS_RETURN_IF_ERROR(
            kernels_[kernel]->restoreElement(group->second->states + stateOffsets_[kernel], element));
    }
    restoredElements_.clear();
    if (kind_ == plan::WindowKind::kSliding) {
        for (auto& [bytes, pane] : restoredPanes_) {
            KeyState* owner = keys_.find(KeyIndex<KeyState>::hash(bytes), bytes);
            if (owner == nullptr) return corrupt("a pane without its key");
            owner->panes.push_back(pane);
            pane.states = nullptr;  // owned by the key now
            stateBytes_ += sizeof(Pane) + pool_->blockSize();
            ++livePanes_;
            minPaneStart_ = std::min(minPaneStart_, pane.start);
            maxPaneStart_ = std::max(maxPaneStart_, pane.start);
        }
        restoredPanes_.clear();
        keys_.forEach([&](KeyState& key) {
            std::sort(key.panes.begin(), key.panes.end(), [](const Pane& a, const Pane& b) { return a.start < b.start; });
            slidingKeys_.push_back(&key);
            addToShard(key);
        });
        std::sort(slidingKeys_.begin(), slidingKeys_.end(), [](auto* a, auto* b) { return a->sequence < b->sequence; });
        for (size_t i = 0; i < slidingKeys_.size(); ++i) slidingKeys_[i]->listed = i;
    }
    // Restored state is what the checkpoint holds: nothing to write again.
    dirtyGroups_.clear();
    dirtyKeys_.clear();
    erased_.clear();
    return Status::ok();
}

}  // namespace ferris::operators
