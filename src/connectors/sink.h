#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/encoder.h"
#include "common/result.h"
#include "connectors/source.h"
#include "types/batch.h"

namespace ferris::connectors {

using codec::EncodedBatch;
using codec::EncodedRecord;

/// An output record a sink could not deliver, with why (a Kafka delivery report).
struct DeliveryFailure {
    std::string key;
    std::string value;
    bool hasKey = false;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    std::string error;
    /// The cause may pass (a broker down, a timeout, a topic missing for now): sending the
    /// record again may succeed. False for a record the broker refuses (too large, say).
    bool retryable = false;
    int retries = 0;  ///< times it was sent again before this failure (retry_with_backoff)
};

/// A sink (§2.1): write batches, then make them durable with prepareCommit (which returns
/// the blob the checkpoint stores) and commit; restore(blob) rolls back to a checkpoint.
class Sink {
public:
    virtual ~Sink() = default;

    /// Opens the sink. `truncate` starts the output afresh (a job with no checkpoint).
    virtual Status open(bool truncate) = 0;
    virtual Status write(const EncodedBatch& batch) = 0;
    /// Makes everything written so far durable (flush + fsync for files) and returns the
    /// sink's commit state (e.g. the file length).
    virtual Result<std::string> prepareCommit() = 0;
    /// Hands buffered output to the operating system (no fsync): readers then see it.
    virtual Status flush() { return Status::ok(); }
    /// Finishes a commit whose checkpoint is installed.
    virtual Status commit() = 0;
    /// Returns to a state written by prepareCommit (truncates a file to its length).
    virtual Status restore(std::string_view state) = 0;
    virtual std::string describe() const = 0;
    virtual Status close() = 0;
    /// True for sinks that take records one by one (Kafka): the job hands them keys, values
    /// and headers in EncodedBatch::records. False: `data` is written as is (files).
    virtual bool recordSink() const { return false; }
    /// True while the sink's send queue is over its high mark: the job pauses its source.
    virtual bool saturated() { return false; }
    /// Waits (serving delivery reports) until the send queue is below its low mark, or for
    /// `limit` at most: true when it is below.
    virtual Result<bool> drain(std::chrono::milliseconds /*limit*/) { return true; }
    /// Records whose delivery failed since the last call (delivery reports are checked
    /// during prepareCommit at the latest).
    virtual std::vector<DeliveryFailure> takeDeliveryFailures() { return {}; }
    /// Errors the sink's client reported and retries by itself (a broker down, say).
    virtual int64_t clientErrors() const { return 0; }
    /// The job's stop flag: once it is set, waits for an unreachable broker end early —
    /// prepareCommit gives up (kCancelled) after a grace period, close() does not wait.
    virtual void setInterrupt(const std::atomic<bool>* /*interrupt*/) {}

    /// Transactional jobs (§2.2): true when every write goes into a transaction that
    /// commitTransaction() commits together with the source's offsets.
    virtual bool transactional() const { return false; }
    /// Commits the open transaction with `offsets`, then opens the next. kTransactionAborted:
    /// it was aborted (the sink is ready for the next one; the job rewinds its source).
    /// kFenced: another instance took over; the sink writes nothing more.
    virtual Status commitTransaction(const InputOffsets& /*offsets*/) {
        return Status::internal(describe() + " is not transactional");
    }
    /// Aborts the open transaction and opens the next (kFenced as for commitTransaction).
    virtual Status abortTransaction() { return Status::internal(describe() + " is not transactional"); }
    /// commitTransaction() in the background: until commitOutcome() has returned its
    /// outcome, what is written is held, and goes into the next transaction once this one
    /// committed (dropped if it was aborted: the job reads those records again).
    virtual Status startCommitTransaction(InputOffsets /*offsets*/) {
        return Status::internal(describe() + " is not transactional");
    }
    /// The outcome of the commit startCommitTransaction() began, as commitTransaction()'s;
    /// nullopt while it runs (`wait`: waits for it).
    virtual std::optional<Status> commitOutcome(bool /*wait*/) {
        return Status::internal(describe() + " has no commit running");
    }
};

}  // namespace ferris::connectors
