#pragma once

#include <memory>
#include <string>

#include "connectors/changelog.h"
#include "connectors/kafka_client.h"
#include "connectors/kafka_sink.h"

namespace ferris::connectors {

struct KafkaChangelogOptions {
    std::string topic;
    kafka::Settings settings;    ///< the broker and security keys of the job's sink
    int replicationFactor = -1;  ///< of a created topic; -1: the broker's default
    std::string job;             ///< for log lines
};

/// A transactional job's state in a compacted topic (DESIGN.md §2.2): written through the
/// job's transactional sink's producer (a companion sink), so that its records commit with
/// the output; read back with a consumer of its own, read_committed, from the beginning to the
/// end of each partition.
class KafkaChangelog final : public StateChangelog {
public:
    KafkaChangelog(KafkaChangelogOptions options, KafkaSink& sink);
    ~KafkaChangelog() override;

    Result<bool> open(int partitions) override;
    int partitions() const override { return partitions_; }
    Status load(const ChangelogVisitor& visit) override;
    Status write(const codec::EncodedBatch& batch) override;
    void setInterrupt(const std::atomic<bool>* interrupt) override { interrupt_ = interrupt; }
    std::string describe() const override { return "changelog topic " + options_.topic; }
    Status close() override;

    /// The largest record a changelog topic takes (its max.message.bytes, and the producer's
    /// message.max.bytes in jobs that keep one): a state entry is one record.
    static constexpr int kMaxRecordBytes = 16 << 20;

private:
    bool interrupted() const {
        return interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed);
    }

    KafkaChangelogOptions options_;
    KafkaSink& sink_;
    std::unique_ptr<KafkaSink> writer_;
    int partitions_ = 0;
    const std::atomic<bool>* interrupt_ = nullptr;
};

}  // namespace ferris::connectors
