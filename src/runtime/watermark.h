#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "types/batch.h"

namespace ferris::runtime {

/// The job's one watermark tracker (DESIGN.md §1.4 Watermarks), fed at the source with every
/// decoded record's event time — before WHERE, so filtered records move it too.
///
/// A partition's watermark is its largest event time − max out-of-orderness. The job
/// watermark is the minimum over the active partitions (not idle longer than the idle
/// timeout on the job clock), −∞ until each of them has produced a record, never moves
/// back, and is +∞ once the input has ended. When every partition is idle the watermark
/// holds where it is.
class WatermarkTracker {
public:
    WatermarkTracker() = default;
    WatermarkTracker(int64_t maxOutOfOrdernessMicros, int64_t idleTimeoutMicros, int64_t startMicros);

    /// The partitions the source has (file: 1). Partitions not seen yet hold it at −∞.
    void setPartitions(size_t count);

    /// The job watermark now.
    int64_t current() const { return watermark_; }

    /// Fills `origin.watermarkBefore` for every row and the batch's watermark after its last
    /// row, advancing over the rows' event times (rows with a bad event time do not count).
    /// `eventTime` is the TIMESTAMP vector of `_event_time`, or null when the job has none.
    void advanceOver(types::Batch& batch, const types::Vector* eventTime, int64_t nowMicros);

    /// A DLQ replay's batch: its rows are judged by the watermark now, which they do not move
    /// (they are records of the past, read again).
    void holdOver(types::Batch& batch) const;

    /// Re-judges idleness at `nowMicros`; returns true when the watermark moved.
    bool tick(int64_t nowMicros);

    /// End of input: the watermark becomes +∞.
    void finish() { watermark_ = types::kMaxWatermark; }

    /// The state to checkpoint, and restoring it.
    std::string serialize() const;
    bool deserialize(std::string_view bytes);

private:
    struct Partition {
        int64_t maxEventTime = types::kMinWatermark;  ///< kMinWatermark: no record yet
        int64_t lastSeenMicros = 0;                   ///< job clock of its last record
    };
    int64_t recompute(int64_t nowMicros) const;
    int64_t partitionWatermark(const Partition& partition) const;

    int64_t maxOutOfOrderness_ = 0;
    int64_t idleTimeout_ = 0;  ///< 0 = partitions never go idle
    int64_t startMicros_ = 0;
    std::vector<Partition> partitions_;
    int64_t watermark_ = types::kMinWatermark;
};

}  // namespace ferris::runtime
