#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "expr/compiled_expr.h"
#include "plan/plan.h"
#include "runtime/job_metrics.h"
#include "types/batch.h"

namespace ferris::runtime {

/// A job's SQL-defined metrics (`-- @metric: …`, §1.2): updated from each batch's output
/// rows on the driver thread, read by /metrics (each metric's series under its own mutex,
/// taken once per batch, never per row).
class SqlMetrics {
public:
    static Result<std::unique_ptr<SqlMetrics>> create(const plan::JobPlan& plan);

    /// Counts / sets / observes the selected rows of an output batch that pass each
    /// metric's condition. `now` is the job clock (for NOW() in conditions).
    void observe(types::Batch& batch, int64_t now);
    void collect(const std::string& job, std::vector<MetricSample>& out) const;
    bool empty() const { return metrics_.empty(); }

    struct Series {
        std::vector<std::string> labelValues;
        double value = 0;                 ///< counter: rows; gauge: last value
        std::vector<int64_t> buckets;     ///< histogram: per bound, then +Inf (not cumulative)
        double sum = 0;
        int64_t count = 0;
    };
    /// Every metric's series at one moment.
    using Snapshot = std::vector<std::unordered_map<std::string, Series>>;
    /// The series now (a transactional job's, at each commit).
    Snapshot snapshot() const;
    /// Goes back to a snapshot: an aborted transaction's rows are read again and observed
    /// again, so what they counted is taken back.
    void restore(const Snapshot& snapshot);

private:
    struct Metric {
        plan::JobPlan::Metric spec;
        expr::CompiledExprPtr condition;
        std::string help;
        mutable std::mutex mutex;
        std::unordered_map<std::string, Series> series;  ///< by label values joined with '\x1f'
    };

    /// The series of `row`'s label values (created on first sight); call under metric.mutex.
    Series& seriesOf(Metric& metric, const types::Batch& batch, uint32_t row);
    /// One row's observation of a gauge or histogram (counters count rows).
    static void observeValue(const plan::JobPlan::Metric& spec, Series& series, const types::Batch& batch,
                             uint32_t row);

    std::vector<std::unique_ptr<Metric>> metrics_;
    std::string key_;                    ///< scratch: one row's label values
    std::vector<uint32_t> selected_;     ///< scratch: rows passing a condition
};

}  // namespace ferris::runtime
