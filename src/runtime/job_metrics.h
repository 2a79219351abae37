#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferris::runtime {

/// One Prometheus sample: `family<suffix>{labels} value`, with the family's type and help.
struct MetricSample {
    std::string family;  ///< e.g. ferris_records_in_total
    const char* type;    ///< counter, gauge or histogram
    const char* help;
    std::string labels;  ///< e.g. job="j",source="s" (escaped)
    double value = 0;
    const char* suffix = "";  ///< histograms: _bucket, _sum, _count
};

/// A histogram with fixed upper bounds, updated by one thread and read by any through
/// atomics (cumulative counts are computed when read).
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}
    void observe(double value, int64_t times = 1) {
        size_t bucket = 0;
        while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
        counts_[bucket].fetch_add(times, std::memory_order_relaxed);
        count_.fetch_add(times, std::memory_order_relaxed);
        // Single writer: load + store is enough for the sum.
        sum_.store(sum_.load(std::memory_order_relaxed) + value * static_cast<double>(times),
                   std::memory_order_relaxed);
    }
    /// Observations gathered on the writer's side and added at once (one batch's records).
    struct Tally {
        std::vector<int64_t> counts;
        double sum = 0;
        int64_t count = 0;
    };
    Tally tally() const { return Tally{std::vector<int64_t>(bounds_.size() + 1), 0, 0}; }
    void record(Tally& tally, double value) const {
        size_t bucket = 0;
        while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
        tally.counts[bucket] += 1;
        tally.sum += value;
        tally.count += 1;
    }
    void add(const Tally& tally) {
        if (tally.count == 0) return;
        for (size_t bucket = 0; bucket < counts_.size(); ++bucket) {
            if (tally.counts[bucket] != 0) counts_[bucket].fetch_add(tally.counts[bucket], std::memory_order_relaxed);
        }
        count_.fetch_add(tally.count, std::memory_order_relaxed);
        sum_.store(sum_.load(std::memory_order_relaxed) + tally.sum, std::memory_order_relaxed);
    }
    int64_t count() const { return count_.load(); }
    /// The value below which `fraction` of the observations fall, as the upper bound of its
    /// bucket (+Inf: the largest bound); 0 without observations.
    double quantile(double fraction) const;
    void collect(const char* family, const char* help, const std::string& labels, std::vector<MetricSample>& out) const;

private:
    std::vector<double> bounds_;
    std::vector<std::atomic<int64_t>> counts_;
    std::atomic<int64_t> count_{0};
    std::atomic<double> sum_{0};
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
    std::atomic<int64_t> tableIndexBytes{0};   ///< a CREATE TABLE's rows kept for lookups (server)
    std::atomic<int64_t> watermarkMicros{INT64_MIN};
    std::atomic<int64_t> watermarkDelayMicros{-1};  ///< job clock minus watermark, when both exist
    std::atomic<int64_t> transactionsCommitted{0};  ///< transactional jobs (§2.2)
    std::atomic<int64_t> transactionsAborted{0};    ///< … aborted and rewound
    std::atomic<int64_t> deliveryRetries{0};        ///< records sent again (retry_with_backoff)
    bool retries = false;                           ///< failure_strategy retry_with_backoff
    bool breaker = false;                           ///< circuit.breaker.enabled
    std::atomic<int> breakerState{0};               ///< CircuitBreaker::State
    std::atomic<int64_t> breakerOpened{0};          ///< times the circuit breaker opened
    /// batch.strategy adaptive: the size the next batch closes at (0 otherwise).
    std::atomic<int64_t> adaptiveBatchSize{0};
    bool stateful = false;                     ///< the job keeps state (late and state metrics apply)
    bool transactional = false;                ///< the job commits Kafka transactions
    /// Records per batch.
    Histogram batchRecords{{1, 10, 100, 1000, 10000, 100000, 1000000}};
    /// Seconds from a batch's records being read to their output handed to the sink.
    Histogram processingSeconds{{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30}};
    /// Seconds from each record's timestamp (Kafka record time) to its output handed to the sink.
    Histogram endToEndSeconds{{0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
    /// Kafka sources: records behind the partition's end, per partition (read under lagMutex).
    mutable std::mutex lagMutex;
    std::vector<std::pair<int32_t, int64_t>> lag;
    std::array<std::atomic<int64_t>, kNumCodes> failed{};

    int64_t failedTotal() const;
    /// The job's samples, labelled with job and source or sink.
    void collect(const std::string& job, const std::string& source, const std::string& sink,
                 std::vector<MetricSample>& out) const;
    /// Prometheus text of collect(), e.g. `ferris_records_in_total{job="j",source="s"} 10`.
    std::string render(const std::string& job, const std::string& source, const std::string& sink) const;
};

}  // namespace ferris::runtime
