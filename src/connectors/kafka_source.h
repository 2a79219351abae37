#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "connectors/kafka_client.h"
#include "connectors/kafka_fetch_wakeup.h"
#include "connectors/source.h"

namespace ferris::connectors {

/// Where a bounded Kafka source stops (§1.4 End of input).
enum class KafkaBound : uint8_t {
    kNone,       ///< unbounded
    kLatest,     ///< the end offsets visible under read_committed at the job's first start
    kTimestamp,  ///< the first offset with a record timestamp ≥ the given time
};

struct KafkaSourceOptions {
    std::string topic;
    kafka::Settings settings;  ///< the declaration's librdkafka keys (they win over defaults)
    std::string groupId;       ///< default group.id: ferris.<app>.<job>
    std::string instanceId;    ///< group.instance.id (static membership, §2.2)
    KafkaBound bound = KafkaBound::kNone;
    int64_t boundTimestampMs = 0;
    /// Transactional job (§2.2): positions are the group's offsets, committed inside the
    /// sink's transactions; a checkpoint supplies only a bounded source's end offsets.
    bool transactional = false;
    std::string job;  ///< for log lines
};

/// Reads one topic through a consumer group (§2.2): records are handed out in batches with
/// their key, headers, timestamp, partition and offset; values are copied into one padded
/// buffer per batch (simdjson parses them in place). Positions (the next offset of each
/// partition) go into checkpoints and, once a checkpoint is installed, to the group;
/// before partitions are revoked the job commits. A bounded source stops at end offsets
/// computed at its first start and saved with its positions.
class KafkaSource final : public Source {
public:
    explicit KafkaSource(KafkaSourceOptions options);
    ~KafkaSource() override;

    Status open() override;
    Result<size_t> poll(size_t maxRecords, size_t maxBytes, std::chrono::microseconds timeout,
                        types::RawBatch& out) override;
    bool exhausted() const override;
    size_t partitionCount() const override { return static_cast<size_t>(partitions_); }
    bool bounded() const override { return options_.bound != KafkaBound::kNone; }
    std::string position() const override;
    Status seek(std::string_view position) override;
    std::string describe() const override { return "kafka topic " + options_.topic; }
    std::string topic() const override { return options_.topic; }
    Status committed() override;
    Status committedNow() override;
    void setBeforeRevoke(std::function<Status()> hook) override { beforeRevoke_ = std::move(hook); }
    size_t pause() override;
    bool pollsWhilePaused() const override { return true; }
    std::vector<std::pair<int32_t, int64_t>> lag() const override;
    bool stampsRecords() const override { return true; }
    int64_t clientErrors() const override { return context_.errors.load(std::memory_order_relaxed); }
    int64_t fetchWakeups() const override { return wakeup_.wakeups(); }
    void resume() override;
    Status close() override;
    Result<InputOffsets> transactionOffsets() override;
    void transactionCommitted() override;
    Status rewind() override;

private:
    static void rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);
    void onRebalance(rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions);
    /// Offset commit results: a failed one is logged and retried at the next commit.
    static void offsetsCommitted(rd_kafka_t* handle, rd_kafka_resp_err_t error,
                                 rd_kafka_topic_partition_list_t* offsets, void* opaque);
    /// Sizes the per-partition vectors for `count` partitions.
    void grow(int count);
    Status computeEnds();
    /// Marks partition `p` finished (bounded) and stops fetching it.
    void finish(int32_t partition);
    /// `again`: also the partitions whose offsets were committed already (asynchronously).
    Status commitOffsets(bool sync, bool again = false);
    /// Wakes the fetchers of the partitions still read (kafka_fetch_wakeup.h).
    void wakeFetchers();

    KafkaSourceOptions options_;
    kafka::ClientContext context_;
    kafka::HandlePtr consumer_;
    rd_kafka_queue_t* queue_ = nullptr;
    int partitions_ = 0;
    std::vector<int64_t> next_;       ///< next offset to read per partition; -1 unknown
    std::vector<int64_t> committed_;  ///< last offset committed to the group; -1 none
    std::vector<int64_t> end_;        ///< bounded: stop before this offset
    std::vector<uint8_t> finished_;   ///< bounded: partition done
    std::vector<uint8_t> assigned_;
    /// Transactional: where each partition goes back to on an abort — the offset the last
    /// committed transaction stored, or the first record read since assignment; -1 none.
    std::vector<int64_t> base_;
    std::vector<std::pair<int32_t, int64_t>> offered_;  ///< the offsets last handed out
    bool lostOutput_ = false;     ///< transactional: partitions read since the last commit were lost
    bool pendingRewind_ = false;  ///< a rewind asked inside a rebalance callback, done after the poll
    /// Seeks the partitions read since the last commit back to base_; marks them in `rewound`.
    Status rewindNow(std::vector<uint8_t>& rewound);
    bool endsKnown_ = false;
    bool paused_ = false;
    bool cooperative_ = false;
    bool inRevoke_ = false;
    std::function<Status()> beforeRevoke_;
    Status callbackError_;
    std::vector<rd_kafka_message_t*> messages_;
    /// Messages consumed past a poll's byte budget, in order: the next poll hands them out
    /// first. Dropped with their partition's revoke or rewind (they are fetched again).
    std::deque<rd_kafka_message_t*> carried_;
    /// The bytes of a message, smoothed: how many to consume for a poll's byte budget.
    double messageBytes_ = 0;
    /// Destroys the carried messages of the partitions `which` says (all when it is null).
    void dropCarried(const std::function<bool(int32_t)>& which);
    int64_t transientErrors_ = 0;
    kafka::FetchWakeup wakeup_;
};

}  // namespace ferris::connectors
