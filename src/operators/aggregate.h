#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "expr/aggregate.h"
#include "expr/compiled_expr.h"
#include "operators/key_index.h"
#include "operators/operator.h"
#include "operators/state_pool.h"
#include "plan/plan.h"
#include "types/value.h"

namespace ferris::operators {

class Reader;

/// GROUP BY and windows (DESIGN.md §1.4, §1.4.1): the one window/aggregate engine. A hash
/// aggregation whose groups hold one state per aggregate:
///
/// - unwindowed: one group per key;
/// - TUMBLING: one group per key and window;
/// - SLIDING: one group per key and pane (pane = gcd(size, advance)); each record updates
///   one pane, and a closing window merges its panes;
/// - SESSION: one group per key and session; a record within the gap (inclusive) of a
///   session joins it, a record within the gap of two bridges them and they merge.
///
/// The watermark carried on each row decides: a row whose watermark closes windows closes
/// them before it is added (so results never depend on where batches end), and a record is
/// late only for windows already closed by the watermark on its row.
///
/// - EMIT CHANGES: every input record emits, in input order, one row per result row it
///   changed (sliding: per window, in window-start order); a change that leaves a row as last
///   emitted emits nothing. When sessions merge, or a session's start moves, a delete of the
///   old key precedes the upsert. Closing a window emits nothing.
/// - EMIT FINAL: a window emits once, when the watermark reaches its end + allowed lateness
///   (a session: passes its last event time + gap + allowed lateness); an unwindowed
///   aggregation emits at end of input (watermark +∞). Rows come out in window-end order,
///   then in the order their keys appeared.
/// - Late records are dropped and counted, or dead-lettered.
/// - HAVING over a changelog (CREATE TABLE): a group that stops passing is deleted — only if
///   its last emitted row was an upsert (§1.4.1 Changelogs).
/// - A record that fails inside an aggregate (SUM overflow) changes no aggregate of its group.
class AggregateOperator final : public Operator {
public:
    static Result<std::unique_ptr<AggregateOperator>> create(std::shared_ptr<const plan::AggregateNode> node);
    ~AggregateOperator() override;

    Status process(types::Batch& batch, const OperatorContext& context) override;
    Status advance(const OperatorContext& context, types::Batch& output) override;
    bool moreDue(const OperatorContext& context) const override;
    bool stateful() const override { return true; }
    bool replacesBatch() const override { return true; }
    types::Batch takeOutput() override;
    size_t stateBytes() const override { return stateBytes_; }
    LateCounts lateCounts() const override { return late_; }
    std::string name() const override { return "aggregate"; }
    std::string stateLayout() const override;
    void takeChanges(state::StoreId store, state::ChangeSet& changes) override;
    Status restoreEntry(std::string_view key, std::string_view value) override;
    Status finishRestore() override;

private:
    /// What a changelog last wrote for one result row (EMIT CHANGES, HAVING deletes).
    struct EmitTrack {
        std::string lastEmitted;  ///< the aggregate cells last emitted, serialised
        bool upserted = false;    ///< the last row written for it was an upsert
        int64_t emittedStart = 0; ///< the window start it was upserted with (sessions move)
    };
    struct KeyState;
    /// One group: a key's aggregate states for the whole stream, a window, a pane or a session.
    struct Group {
        std::string id;                     ///< key bytes (+ window / pane start, or session number)
        std::vector<types::Value> keyValues;  ///< the key, for output
        int64_t start = 0;                  ///< window / pane start, session first event time
        int64_t last = 0;                   ///< session: last event time
        uint8_t* states = nullptr;          ///< one state per aggregate, at stateOffsets_
        EmitTrack track;
        uint64_t sequence = 0;              ///< creation order
        uint64_t run = 0;                   ///< the EMIT CHANGES run it was last added to
        bool fired = false;                 ///< late.data.strategy 'update': its window has fired
        bool persisted = false;             ///< a checkpoint holds it (so erasing it is a change)
        KeyState* owner = nullptr;          ///< sliding and session groups: their key
        /// Per aggregate, the element entries a checkpoint holds (holistic aggregates).
        std::vector<uint64_t> elements;
    };
    /// A sliding window's pane of one key: the aggregate states of its records.
    struct Pane {
        int64_t start = 0;
        uint8_t* states = nullptr;
        /// In the front stack of the key's queue: this pane merged with the newer front panes.
        uint8_t* suffix = nullptr;
        bool dirty = false;  ///< changed since the last checkpoint (its slice is dirty)
    };
    /// A key's panes (sliding) or sessions.
    struct KeyState {
        std::string key;
        std::vector<types::Value> keyValues;
        uint64_t sequence = 0;
        uint64_t run = 0;
        bool persisted = false;    ///< a checkpoint holds it
        uint32_t shard = 0;        ///< sliding: its checkpoint shard, at shardIndex in shardKeys_
        size_t shardIndex = 0;
        size_t listed = 0;         ///< sliding: its index in slidingKeys_
        /// Sessions, by start.
        std::map<int64_t, Group*> slots;
        /// Sliding: the live panes are panes[head…], ascending by start.
        std::vector<Pane> panes;
        size_t head = 0;
        /// Sliding EMIT FINAL. Time is cut into blocks of the window size (aligned to 0), so
        /// a window [s, s + size) is the panes of s's block from s on plus the panes of the
        /// next block before s + size: the suffix of the first pane ≥ s — each pane of the
        /// suffix block holds itself merged with the later panes of its block, folded from
        /// the block's last pane — merged with the prefix of the next block, folded pane by
        /// pane from its start. Closing a window costs O(1) merges amortized, and the merge
        /// order of every window depends on its panes only, never on when the folds were
        /// built (a restored job, whose folds start afresh, gives the same bits for floating
        /// point aggregates as an uninterrupted one). A pane that changes inside a fold
        /// makes it stale: it is rebuilt, in the same order.
        int64_t suffixBlock = INT64_MIN;  ///< the block whose panes hold suffixes
        bool suffixStale = false;
        int64_t prefixBlock = INT64_MIN;  ///< the block folded into prefix…
        int64_t prefixThrough = INT64_MIN;  ///< …its panes before this
        uint8_t* prefix = nullptr;
        bool prefixStale = false;
        /// Sliding EMIT CHANGES: what was emitted per open window, by window start.
        std::map<int64_t, std::unique_ptr<EmitTrack>> windowTracks;
    };
    /// Sessions by when they close (last + gap + 1), then creation order.
    using SessionIndex = std::set<std::tuple<int64_t, uint64_t, Group*>>;
    /// A row appended to the output, before HAVING and the changelog rules settle it.
    struct PendingRow {
        enum class Kind : uint8_t {
            kCandidate,         ///< a result row (HAVING and "unchanged" still apply)
            kDeleteIfMoved,     ///< a session's old key, deleted if it was upserted at another start
            kDeleteIfUpserted,  ///< an absorbed session's key, deleted if it was upserted
        };
        EmitTrack* track = nullptr;
        Kind kind = Kind::kCandidate;
        int64_t start = 0;  ///< its window start
    };

    explicit AggregateOperator(std::shared_ptr<const plan::AggregateNode> node);

    types::Batch newOutput() const;
    void appendRow(const std::vector<types::Value>& keyValues, int64_t start, int64_t end, const uint8_t* states,
                   PendingRow pending);
    /// Applies HAVING and the changelog rules to the candidate rows of output_.
    void settle(const OperatorContext& context);
    /// Closes what is due at `watermark` (EMIT FINAL: emits it; EMIT CHANGES: purges it).
    void closeWindows(int64_t watermark, size_t budget = SIZE_MAX);
    /// The watermark advance() closes by (processing-time windows: the job clock).
    int64_t advanceWatermark(const OperatorContext& context) const;
    /// Rows advance() closes windows for at a time (more whole windows wait for moreDue).
    static constexpr size_t kAdvanceRows = 8192;
    void closeSlidingWindow(int64_t end);
    /// Frees the key's suffixes and prefix.
    void clearFolds(KeyState& key);
    /// Frees the key's oldest live pane.
    void popPane(KeyState& key);
    /// The key's first live pane starting at or after `start`.
    static std::vector<Pane>::iterator firstPane(KeyState& key, int64_t start);
    /// 'update' (session): the first session that has not fired yet.
    SessionIndex::const_iterator firstUnfiredSession() const;
    /// The key's pane starting at `start`, created if needed (sliding).
    Pane& paneFor(KeyState& key, int64_t start);
    /// Initialised states from the pool, and back.
    uint8_t* newStates();
    void freeStates(uint8_t* states);
    /// The lowest watermark at which something closes (kMaxWatermark: only end of input).
    int64_t nextDue() const;
    /// The next sliding window end that holds data (kMaxWatermark when none).
    int64_t nextSlidingEnd() const;
    void eraseGroup(Group* group);
    /// Forgets a key without panes or sessions (and its checkpoint entry).
    void eraseKey(KeyState* key);
    /// Frees what closed since the last call (after the rows that view it settled).
    void releaseClosed();
    bool closedAt(int64_t end, int64_t watermark) const;
    Group* newGroup(std::string_view id, std::vector<types::Value> keyValues, int64_t start);
    KeyState* findOrCreateKey(std::string_view key, uint64_t hash, const std::vector<types::VectorPtr>& keys,
                              uint32_t row);
    /// Session: the group `t` joins for `key` (merging bridged sessions), or null when late.
    Group* sessionFor(KeyState& key, int64_t t, int64_t watermark, bool& late);
    void mergeInto(Group& target, Group& source);
    void emitChanges(Group& group);
    /// Sliding EMIT CHANGES: a row for every open window of `key` holding `t`.
    void emitSlidingChanges(KeyState& key, int64_t t, int64_t lastEnd);
    /// Sliding 'update': emits the window ending at `end` (it fires; its state stays).
    void fireSlidingWindow(int64_t end);
    /// Sliding 'update': the end of the next window to fire (kMaxWatermark: none).
    int64_t nextSlidingFire() const;
    void applyRun(std::span<uint8_t* const> groups, std::span<const uint32_t> rows,
                  const std::vector<std::vector<types::VectorPtr>>& arguments, std::span<const int64_t> arrival,
                  expr::EvalContext& context);

    std::shared_ptr<const plan::AggregateNode> node_;
    plan::WindowKind kind_ = plan::WindowKind::kNone;
    int64_t size_ = 0;     ///< window size (tumbling, sliding)
    int64_t advance_ = 0;  ///< sliding advance (tumbling: = size)
    int64_t pane_ = 0;     ///< sliding pane (gcd of size and advance)
    int64_t gap_ = 0;      ///< session gap
    std::vector<expr::CompiledExprPtr> keyExprs_;
    std::vector<std::vector<expr::CompiledExprPtr>> argExprs_;
    std::vector<expr::AggregateKernelPtr> kernels_;
    std::vector<size_t> stateOffsets_;
    std::vector<size_t> destroyed_;  ///< the kernels whose states need destroy()
    std::vector<bool> elementwise_;  ///< the kernels checkpointed one entry per element
    size_t stateSize_ = 0;
    expr::CompiledExprPtr having_;

    std::unordered_map<std::string_view, std::unique_ptr<Group>> groups_;
    KeyIndex<KeyState> keys_;  ///< sliding and session windows: keys, by their bytes
    std::string rowKeys_;      ///< the key bytes of a batch's rows
    /// Tumbling: open windows by end.
    std::map<int64_t, std::vector<Group*>> windows_;
    /// Sliding: keys with panes in order of appearance (null: gone; compacted when half
    /// are), the live panes, a lower bound of their starts, the end of the last window closed.
    std::vector<KeyState*> slidingKeys_;
    size_t slidingHoles_ = 0;
    size_t livePanes_ = 0;
    int64_t minPaneStart_ = INT64_MAX;
    int64_t maxPaneStart_ = INT64_MIN;  ///< the newest pane start ever held (an upper bound)
    int64_t closedThrough_ = types::kMinWatermark;
    /// late.data.strategy 'update' (tumbling): windows ending at or before this have fired.
    bool update_ = false;
    int64_t firedThrough_ = types::kMinWatermark;
    /// Sessions by when they close (last + gap), then creation order.
    SessionIndex sessions_;

    std::vector<Group*> closing_;                        ///< closed, freed after settle
    std::vector<std::unique_ptr<EmitTrack>> deadTracks_;  ///< sliding tracks of closed windows
    std::vector<KeyState*> idleKeys_;  ///< keys a late record created, or whose panes all closed
    uint64_t nextSequence_ = 0;
    uint64_t runId_ = 0;
    size_t stateBytes_ = 0;
    LateCounts late_;
    types::Batch output_;
    std::vector<PendingRow> pendingRows_;
    std::string scratch_;
    uint8_t* mergeState_ = nullptr;  ///< a window's merged panes (sliding)

    // Checkpoints: what changed since the last one (store keys: "g" + group id, "k" + key
    // bytes, "m" for the operator's counters).
    std::unordered_set<Group*> dirtyGroups_;
    std::unordered_set<KeyState*> dirtyKeys_;
    /// Sliding windows checkpoint their panes in slices: one entry per pane start and shard
    /// of keys (hash of the key bytes mod kPaneShards, §2.2), holding the panes of that start
    /// of every key of the shard. A pane is written once or twice (while it fills) instead of
    /// being one of millions of tiny entries, and a closed pane start erases one entry per
    /// shard. Slices changed since the last checkpoint and slices a checkpoint holds, as
    /// shard bit masks by pane start.
    static constexpr uint32_t kPaneShards = 64;
    std::vector<std::vector<KeyState*>> shardKeys_;
    std::map<int64_t, uint64_t> dirtySlices_;
    std::map<int64_t, uint64_t> persistedSlices_;
    std::vector<std::string> sliceBuffers_;  ///< takeChanges: one slice being written per start
    static std::string sliceId(int64_t start, uint32_t shard);
    void addToShard(KeyState& key);
    std::vector<std::string> erased_;
    std::vector<std::unique_ptr<Group>> restored_;  ///< groups read, indexed by finishRestore
    /// Sliding panes read (key bytes, pane), attached to their keys by finishRestore.
    std::vector<std::pair<std::string, Pane>> restoredPanes_;
    /// Elements read (group id, aggregate, bytes), added to their groups by finishRestore.
    struct RestoredElement {
        std::string group;
        uint8_t kernel;
        std::string element;
    };
    std::vector<RestoredElement> restoredElements_;
    std::unique_ptr<StatePool> pool_;  ///< every aggregate state of this operator
    /// The key values encoded in `bytes` (appendKeyBytes' format).
    Result<std::vector<types::Value>> decodeKey(std::string_view bytes) const;
    std::string serializeGroup(const Group& group) const;
    /// "e" + group id + aggregate + element number (big-endian): one element's entry.
    static std::string elementId(std::string_view groupId, size_t kernel, uint64_t number);
};

}  // namespace ferris::operators
