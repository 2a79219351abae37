#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/kafka_client.h"
#include "connectors/sink.h"

namespace ferris::connectors {

struct KafkaSinkOptions {
    std::string name;  ///< the declared sink, for messages
    std::string topic;
    kafka::Settings settings;  ///< the declaration's librdkafka keys (they win over defaults)
    bool createTopic = false;  ///< create the topic when it does not exist
    int partitions = 1;        ///< for a created topic
    int replicationFactor = 1;     ///< -1: the broker's default.replication.factor
    kafka::Settings topicConfigs;  ///< configs of a created topic (cleanup.policy, say)
    /// Non-empty: a transactional producer with this transactional.id (§2.2 transactional).
    std::string transactionalId;
    std::string job;  ///< for log lines
};

/// Writes records to one topic with an idempotent producer (§1.4.1 keys: the Java client's
/// murmur2 partitioning). Every delivery report is checked: prepareCommit waits for all of
/// them, and failed deliveries are handed to the job's failure strategy.
class KafkaSink final : public Sink {
public:
    explicit KafkaSink(KafkaSinkOptions options);
    ~KafkaSink() override;

    Status open(bool truncate) override;
    Status write(const EncodedBatch& batch) override;
    int64_t clientErrors() const override { return context_.errors.load(std::memory_order_relaxed); }
    void setInterrupt(const std::atomic<bool>* interrupt) override { interrupt_ = interrupt; }

    /// How long a stopping job's commit still waits for deliveries before it gives up.
    static constexpr std::chrono::seconds kStopGrace{5};
    Result<std::string> prepareCommit() override;
    Status flush() override;
    Status commit() override { return Status::ok(); }
    /// At-least-once: output after the checkpoint may repeat; nothing to roll back.
    Status restore(std::string_view) override { return Status::ok(); }
    std::string describe() const override { return "kafka topic " + options_.topic; }
    Status close() override;
    bool recordSink() const override { return true; }
    bool saturated() override;
    Result<bool> drain(std::chrono::milliseconds limit) override;
    std::vector<DeliveryFailure> takeDeliveryFailures() override;
    bool transactional() const override { return !options_.transactionalId.empty(); }
    Status commitTransaction(const InputOffsets& offsets) override;
    Status abortTransaction() override;
    /// The commit runs on a thread of its own; until the job takes its outcome, write()s of
    /// this sink and its companions are held (copied), and saturated() counts them.
    Status startCommitTransaction(InputOffsets offsets) override;
    std::optional<Status> commitOutcome(bool wait) override;

    /// The producer (a companion's is its parent's); null before open().
    rd_kafka_t* handle() const { return producer(); }

    /// Records acknowledged by the broker so far.
    int64_t acknowledged() const { return acknowledged_; }

    /// A writer of another topic through this sink's producer, so that its records join this
    /// sink's transactions (the DLQ topic of a transactional job, §2.2). Opened after this
    /// sink, closed before it; its commits are this sink's.
    std::unique_ptr<KafkaSink> companion(KafkaSinkOptions options);

private:
    static void deliveryReport(rd_kafka_t* handle, const rd_kafka_message_t* message, void* opaque);
    Status checkFatal() const;
    /// The message of a record's failed delivery.
    std::string deliveryError(rd_kafka_resp_err_t error) const;
    bool interrupted() const { return interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed); }
    /// True once a stop was asked kStopGrace ago or more: waits for the broker end then.
    bool graceOver();
    /// init_transactions (fencing an earlier instance, aborting its open transaction), then
    /// the first transaction begun.
    Status initTransactions();
    /// What a failed transactional call means: retry it (OK), aborted (kTransactionAborted,
    /// after abort and a new begin), fenced or fatal (kFenced / kIoError). Takes `error`.
    Status transactionError(rd_kafka_error_t* error, std::string_view step, bool& retry);
    Status beginTransaction();
    /// Checks the topic exists (creating it when allowed) and makes its handle.
    Status openTopic();
    /// Makes a transactional call, again while it fails retriably (transactionError).
    /// `call` gets the timeout to use: shorter once a stop's grace period runs.
    Status callTransactional(std::string_view step, const std::function<rd_kafka_error_t*(int)>& call);
    /// Produces every record of `batch` (write() while no commit runs).
    Status produce(const EncodedBatch& batch);
    /// True while a commit of this sink's transaction (its parent's, for a companion) runs.
    bool committing() const { return parent_ != nullptr ? parent_->committing_ : committing_; }
    /// Records held by this sink and its companions.
    size_t heldRecords() const;

    rd_kafka_t* producer() const { return parent_ != nullptr ? parent_->producer() : producer_.get(); }

    KafkaSinkOptions options_;
    kafka::ClientContext context_;
    kafka::HandlePtr producer_;
    KafkaSink* parent_ = nullptr;  ///< a companion writes through its parent's producer
    rd_kafka_topic_t* topic_ = nullptr;
    size_t highMark_ = 0;  ///< queued records at which the job pauses its source
    size_t lowMark_ = 0;   ///< … and below which it resumes
    int64_t acknowledged_ = 0;
    std::vector<DeliveryFailure> failures_;
    const std::atomic<bool>* interrupt_ = nullptr;
    std::optional<std::chrono::steady_clock::time_point> giveUpAt_;  ///< set when the stop is first seen
    int64_t written_ = 0;  ///< records produced into the open transaction
    bool fenced_ = false;  ///< fenced or fatal: no abort, nothing more written
    /// A commit running (startCommitTransaction) until commitOutcome() took its outcome. While
    /// it runs, only its thread touches the producer's transaction and the fields above.
    bool committing_ = false;
    std::future<Status> commit_;
    EncodedBatch held_;                   ///< written while a commit runs, keys and headers copied
    std::vector<KafkaSink*> companions_;  ///< open companions, whose held records go with ours
};

}  // namespace ferris::connectors
