#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "types/raw_record.h"

namespace ferris::connectors {

/// What a transactional sink commits together with its output (§2.2 transactional): the
/// source's consumer-group offsets — the next record of each partition read — and the group's
/// metadata taken at that moment.
struct InputOffsets {
    std::string topic;
    std::vector<std::pair<int32_t, int64_t>> next;
    std::shared_ptr<void> groupMetadata;  ///< an rd_kafka_consumer_group_metadata_t
    /// The open transaction holds output of partitions the source has lost since the last
    /// commit (their offsets cannot be committed any more): abort it, do not commit.
    bool mustAbort = false;
    /// Other consumers' offsets committed in the same transaction (a DLQ replay's group).
    std::vector<InputOffsets> alongside;

    /// Whether this or another consumer's offsets moved.
    bool moved() const {
        return !next.empty() ||
               std::any_of(alongside.begin(), alongside.end(),
                           [](const InputOffsets& other) { return other.moved(); });
    }
};

/// The bytes a record counts for a poll's `maxBytes` (batch.max.bytes): its value, key and
/// header names and values.
inline size_t recordBytes(const types::RawBatch& batch, const types::RawRecord& record) {
    size_t bytes = record.value.size() + record.key.size();
    for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
        bytes += batch.headers[h].key.size() + batch.headers[h].value.size();
    }
    return bytes;
}

/// A source of raw records (§2.1): polled by its job's driver thread only. Positions are
/// opaque blobs so checkpoints can store them without knowing the connector.
class Source {
public:
    virtual ~Source() = default;

    virtual Status open() = 0;
    /// Appends up to `maxRecords` records to `out`, waiting at most `timeout` for the first
    /// one, and stops before the bytes of the records it added (values, keys, header names and
    /// values; recordBytes()) would pass `maxBytes` — but a record is added when `out` holds
    /// none yet, however large (a batch of its own). Returns how many were added (0 with
    /// nothing available).
    virtual Result<size_t> poll(size_t maxRecords, size_t maxBytes,
                                std::chrono::microseconds timeout, types::RawBatch& out) = 0;
    /// True when the source is bounded and every record has been returned.
    virtual bool exhausted() const = 0;
    /// How many partitions the source reads (a file: 1). Each holds the watermark back
    /// until it has produced a record or gone idle.
    virtual size_t partitionCount() const { return 1; }
    /// True for sources that end (files, bounded Kafka).
    virtual bool bounded() const = 0;
    /// Where the next record will come from, as a blob for checkpoints.
    virtual std::string position() const = 0;
    /// Moves to a position returned earlier by position().
    virtual Status seek(std::string_view position) = 0;
    /// A digest of the input before `position`, saved with a checkpoint so that a restart
    /// can tell the input was replaced (a file rewritten). Empty: nothing to check.
    virtual Result<std::string> contentDigest(std::string_view /*position*/) const { return std::string(); }
    /// The CSV header line, for formats that have one (read during open()).
    virtual std::optional<std::string> formatHeader() const { return std::nullopt; }
    /// A name for messages and DLQ entries: the file path, the topic…
    virtual std::string describe() const = 0;
    /// The topic records come from (DLQ headers, `_topic`); empty for files.
    virtual std::string topic() const { return ""; }
    /// The positions last returned by position() are in an installed checkpoint: a Kafka
    /// source commits them to its consumer group (§2.2 simple, for lag reporting).
    virtual Status committed() { return Status::ok(); }
    /// As committed(), waiting until the group has the offsets (before the source closes).
    virtual Status committedNow() { return Status::ok(); }
    /// Called before the source gives up partitions (a consumer-group rebalance), while the
    /// job is between batches: the job commits, so offsets are committed before the revoke.
    virtual void setBeforeRevoke(std::function<Status()> /*hook*/) {}
    /// Stops fetching (backpressure: downstream is busy) and starts again. Returns how many
    /// partitions were paused.
    virtual size_t pause() { return 0; }
    /// Whether the source must be polled while paused to stay alive (a Kafka consumer in a
    /// group is evicted when it stops polling); polls then return nothing new.
    virtual bool pollsWhilePaused() const { return false; }
    /// Records behind the end of each assigned partition, as far as the source knows
    /// without asking the broker; empty when it does not apply (files).
    virtual std::vector<std::pair<int32_t, int64_t>> lag() const { return {}; }
    /// True when records carry the time they were produced (RawRecord::timestampMicros), which
    /// end-to-end latency is measured from.
    virtual bool stampsRecords() const { return false; }
    /// Errors the source's client reported and retries by itself (a broker down, say).
    virtual int64_t clientErrors() const { return 0; }
    /// Times the source woke its client's fetchers after a full prefetch queue drained by
    /// half (kafka_fetch_wakeup.h). Any thread.
    virtual int64_t fetchWakeups() const { return 0; }
    virtual void resume() {}
    virtual Status close() { return Status::ok(); }

    /// Transactional jobs (§2.2): the offsets to commit inside the sink's transaction — those
    /// of the partitions read since the last commit. Only sources that read through a
    /// consumer group (Kafka) have them.
    virtual Result<InputOffsets> transactionOffsets() {
        return Status::notSupported(describe() + " as the source of a transactional job");
    }
    /// The offsets last returned by transactionOffsets() were committed with the transaction.
    virtual void transactionCommitted() {}
    /// The transaction was aborted: back to the offsets of the last committed one (or where
    /// each partition started), so its records are read again.
    virtual Status rewind() { return Status::ok(); }
};

}  // namespace ferris::connectors
