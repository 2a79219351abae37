#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "connectors/file_sink.h"
#include "runtime/job_clock.h"
#include "runtime/job_config.h"
#include "runtime/job_metrics.h"
#include "types/batch.h"

namespace ferris::runtime {

/// The one failure-strategy component (§2.1): the runtime hands it the rows each step
/// found bad (with their source, position, original bytes and error), and it counts,
/// logs, writes the DLQ or fails the batch, as the job's failure_strategy says.
class FailureHandler {
public:
    FailureHandler(std::string job, std::string source, std::string sourceDescription, FailureStrategy strategy,
                   const JobClock& clock, JobMetrics& metrics);

    /// Opens the DLQ file (send_to_dlq). `truncate` starts it afresh.
    Status openDlq(const std::filesystem::path& path, bool truncate);

    /// Handles every error of `batch`, then clears them and deselects their rows.
    /// With fail_batch, returns the first error (naming the record) instead.
    Status handle(types::Batch& batch);

    /// Makes the DLQ durable with the job's commit; returns its commit state (for the
    /// checkpoint; empty without a DLQ).
    Result<std::string> commit();
    /// Truncates the DLQ to the length a checkpoint recorded.
    Status restoreDlq(std::string_view state);
    /// Hands buffered DLQ entries to the OS (no fsync).
    Status flush() { return dlq_ ? dlq_->flush() : Status::ok(); }
    Status close();

private:
    std::string describePosition(const types::Batch& batch, uint32_t row) const;
    void writeDlqEntry(const types::Batch& batch, const types::RowError& error);

    std::string job_;
    std::string source_;
    std::string sourceDescription_;
    FailureStrategy strategy_;
    const JobClock& clock_;
    JobMetrics& metrics_;
    std::unique_ptr<connectors::FileSink> dlq_;
    connectors::EncodedBatch dlqBuffer_;
    int64_t logged_ = 0;
};

}  // namespace ferris::runtime
