#pragma once

#include <memory>
#include <span>
#include <vector>
#include <string>

#include "common/result.h"
#include "connectors/file_sink.h"
#include "connectors/sink.h"
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
    /// `sourceTopic`: the source's Kafka topic (DLQ headers), empty for files.
    FailureHandler(std::string job, std::string source, std::string sourceDescription, std::string sourceTopic,
                   FailureStrategy strategy, const JobClock& clock, JobMetrics& metrics);

    /// Opens the DLQ file (send_to_dlq). `truncate` starts it afresh.
    Status openDlq(const std::filesystem::path& path, bool truncate);
    /// Opens a DLQ topic: entries carry the original key, value and headers plus the
    /// ferris.* headers of §1.4.1.
    Status openDlqTopic(std::unique_ptr<connectors::Sink> sink);

    /// Output records a sink could not deliver, by the failure strategy: fail_batch fails,
    /// send_to_dlq writes them (the encoded output as the record), log_and_continue logs.
    Status handleDeliveryFailures(std::vector<connectors::DeliveryFailure> failures);

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
    bool hasDlq() const { return dlq_ != nullptr; }
    Status close();

    /// The strategy a failure that is not retried follows: retry_with_backoff's is the DLQ
    /// when one is set, else fail_batch.
    FailureStrategy finalStrategy() const;

private:
    /// Why a failure fails the job, for its message.
    std::string whyFailed() const;
    std::string describePosition(const types::Batch& batch, uint32_t row) const;
    void writeDlqEntry(const types::Batch& batch, const types::RowError& error);
    /// A DLQ file entry's "record": the text, or base64 and its marker when it is no UTF-8.
    static void appendRecord(std::string_view record, std::string& out);
    /// One DLQ topic record: `value` and `key` as given, `headers` then the ferris.* ones.
    void addDlqRecord(std::string_view key, bool hasKey, std::string_view value, bool valueIsNull,
                      std::span<const types::Header> headers, std::string_view error,
                      ErrorCode code, int32_t partition, int64_t offset, bool hasPosition,
                      int64_t retries = 0);
    Status writeDlqBuffer();

    std::string job_;
    std::string source_;
    std::string sourceDescription_;
    std::string sourceTopic_;
    FailureStrategy strategy_;
    const JobClock& clock_;
    JobMetrics& metrics_;
    std::unique_ptr<connectors::Sink> dlq_;
    bool dlqTopic_ = false;
    connectors::EncodedBatch dlqBuffer_;
    int64_t logged_ = 0;
};

}  // namespace ferris::runtime
