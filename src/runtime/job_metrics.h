#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferris::runtime {

/// One Prometheus sample: `family{labels} value`, with the family's type and help.
struct MetricSample {
    std::string family;  ///< e.g. ferris_records_in_total
    const char* type;    ///< counter or gauge
    const char* help;
    std::string labels;  ///< e.g. job="j",source="s" (escaped)
    double value = 0;
};

/// Prometheus text exposition format 0.0.4: each family once, `# HELP` and `# TYPE` first,
/// its samples together, families in the order first seen.
std::string renderPrometheus(const std::vector<MetricSample>& samples);
/// A label value escaped for the text format (backslash, quote, newline).
std::string escapeLabel(std::string_view value);

/// A job's counters (§1.5 metric names), written by its driver thread and read through
/// atomics by anyone (progress line, test runner, /metrics).
struct JobMetrics {
    static constexpr size_t kNumCodes = static_cast<size_t>(ErrorCode::kLastCode) + 1;

    std::atomic<int64_t> recordsIn{0};
    std::atomic<int64_t> recordsOut{0};
    std::atomic<int64_t> bytesIn{0};
    std::atomic<int64_t> dlqRecords{0};
    std::atomic<int64_t> batches{0};
    std::atomic<int64_t> partitionsPaused{0};  ///< partitions paused for backpressure (sink busy)
    std::atomic<int64_t> lateDropped{0};       ///< records for closed windows, dropped
    std::atomic<int64_t> lateDeadLettered{0};  ///< records for closed windows, sent to the DLQ
    std::atomic<int64_t> stateBytes{0};        ///< bytes of operator state held
    std::atomic<int64_t> batchBytes{0};        ///< bytes of the batch last checked against max.memory.mb
    std::atomic<int64_t> watermarkMicros{INT64_MIN};
    bool stateful = false;                     ///< the job keeps state (late and state metrics apply)
    std::array<std::atomic<int64_t>, kNumCodes> failed{};

    int64_t failedTotal() const;
    /// The job's samples, labelled with job and source or sink.
    void collect(const std::string& job, const std::string& source, const std::string& sink,
                 std::vector<MetricSample>& out) const;
    /// Prometheus text of collect(), e.g. `ferris_records_in_total{job="j",source="s"} 10`.
    std::string render(const std::string& job, const std::string& source, const std::string& sink) const;
};

}  // namespace ferris::runtime
