#pragma once

#include <cstddef>
#include <cstdint>

namespace ferris::runtime {

/// `batch.strategy = adaptive` (docs/performance.md "Batches that tune themselves"): steers the
/// batch size toward a target latency per batch — the time its first record waits for the
/// batch to fill, plus the batch's processing.
///
/// The control law, after each batch of n > 0 records that took p µs from the start of the
/// poll that read it to its output handed to the sink:
///   c ← p / n                      for the first batch,
///   c ← (1 − α)·c + α·(p / n)      after it (α = 1/4): the time of a record, smoothed;
///   n' = target / c                (2n when c = 0: nothing measurable yet),
/// bounded to [n/2, 2n] — a size at most halves or doubles per batch — and to [1, max].
/// A batch that closed before it was full (batch.timeout: the input was slower) may shrink the
/// size but never grows it, so that a quiet spell does not build up a size that the next
/// burst would pay for. With records arriving every 1/r µs, a per-batch cost a and a
/// per-record cost b (p = a + (1/r + b)·n), the size settles where p = target, which is stable
/// while a < target: on a backlog (r → ∞) at (target − a) / b, at a steady rate at the batch
/// that fills and is processed within the target.
class AdaptiveBatchSizer {
public:
    static constexpr double kSmoothing = 0.25;

    AdaptiveBatchSizer(size_t initial, int64_t targetMicros, size_t maxSize);

    /// The size of the next batch.
    size_t size() const { return size_; }
    /// A batch of `records` took `micros`; `full`: it closed at size().
    void observe(size_t records, int64_t micros, bool full);
    /// The smoothed cost of a record (µs), negative before the first batch.
    double costMicros() const { return cost_; }

private:
    size_t size_;
    int64_t target_;
    size_t max_;
    double cost_ = -1;
};

}  // namespace ferris::runtime
