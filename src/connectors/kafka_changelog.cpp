#include "connectors/kafka_changelog.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>
#include <vector>

#include "common/log.h"
#include "connectors/kafka_fetch_wakeup.h"

namespace ferris::connectors {

namespace {

constexpr auto kMetadataTimeout = std::chrono::milliseconds(10000);
/// A load that receives nothing for this long fails (the broker unreachable, say).
constexpr auto kLoadStall = std::chrono::seconds(60);

}  // namespace

KafkaChangelog::KafkaChangelog(KafkaChangelogOptions options, KafkaSink& sink)
    : options_(std::move(options)), sink_(sink) {}

KafkaChangelog::~KafkaChangelog() {
    (void)close();
}

Result<bool> KafkaChangelog::open(int partitions) {
    rd_kafka_t* producer = sink_.handle();
    if (producer == nullptr) return Status::internal(describe() + ": opened before the job's sink");
    bool created = false;
    auto existing = kafka::partitionCount(producer, options_.topic, kMetadataTimeout);
    if (existing.isOk()) {
        // §2.2: a changelog must be compacted (a delete policy would drop state by age).
        FERRIS_ASSIGN_OR_RETURN(
            std::string policy,
            kafka::topicConfig(producer, options_.topic, "cleanup.policy", kMetadataTimeout));
        if (policy.find("compact") == std::string::npos) {
            return Status::user(
                ErrorCode::kConfigError,
                fmt::format("{} has cleanup.policy={}: a changelog must be compacted, or old "
                            "state is deleted by age; set cleanup.policy=compact on the topic",
                            describe(), policy));
        }
    } else if (existing.status().category() == ErrorCategory::kUser) {
        created = true;
    } else {
        return existing.status();
    }
    KafkaSinkOptions writer;
    writer.name = "changelog";
    writer.topic = options_.topic;
    writer.job = options_.job;
    writer.createTopic = created;
    writer.partitions = std::max(partitions, 1);
    writer.replicationFactor = options_.replicationFactor;
    // 64 MiB segments: compaction never touches the active segment, and a start reads what
    // compaction left.
    writer.topicConfigs = {{"cleanup.policy", "compact"},
                           {"max.message.bytes", std::to_string(kMaxRecordBytes)},
                           {"segment.bytes", std::to_string(64 << 20)}};
    writer_ = sink_.companion(std::move(writer));
    writer_->setInterrupt(interrupt_);
    FERRIS_RETURN_IF_ERROR(writer_->open(/*truncate=*/false));
    // A topic just created may take a moment to show in the metadata.
    auto until = std::chrono::steady_clock::now() + kMetadataTimeout;
    while (true) {
        auto count = kafka::partitionCount(producer, options_.topic, kMetadataTimeout);
        if (count.isOk()) {
            partitions_ = count.value();
            break;
        }
        if (count.status().category() != ErrorCategory::kUser ||
            std::chrono::steady_clock::now() >= until) {
            return count.status();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return created;
}

Status KafkaChangelog::load(const ChangelogVisitor& visit) {
    if (partitions_ <= 0) return Status::internal(describe() + ": loaded before it was opened");
    // Only committed records (§2.2): the output of an aborted transaction never becomes state.
    kafka::Settings settings = options_.settings;
    settings.insert(settings.end(), {{"group.id", options_.topic + ".restore"},
                                     {"enable.auto.commit", "false"},
                                     {"enable.auto.offset.store", "false"},
                                     {"auto.offset.reset", "error"},
                                     {"isolation.level", "read_committed"},
                                     {"enable.partition.eof", "true"},
                                     // The end of a partition is known once a fetch comes back
                                     // empty: the broker is not to hold it for more data.
                                     {"fetch.wait.max.ms", "10"},
                                     {"queued.max.messages.kbytes", "65536"}});
    FERRIS_ASSIGN_OR_RETURN(auto conf, kafka::makeConf(settings, describe()));
    kafka::ClientContext context;
    context.job = options_.job;
    context.owner = this;
    kafka::routeEvents(conf.get(), context);
    kafka::FetchWakeup wakeup;
    wakeup.configure(conf.get());
    FERRIS_ASSIGN_OR_RETURN(auto consumer,
                            kafka::makeHandle(RD_KAFKA_CONSUMER, std::move(conf), describe()));
    // Where each partition starts and ends now (read_committed: its last stable offset). An
    // empty partition is not read; the others are assigned at absolute offsets (librdkafka
    // 2.0 waits 500 ms before it looks up a logical one on a client without metadata yet).
    std::vector<bool> done(static_cast<size_t>(partitions_), false);
    int left = partitions_;
    kafka::PartitionListPtr all(rd_kafka_topic_partition_list_new(partitions_));
    for (int p = 0; p < partitions_; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        rd_kafka_resp_err_t queried = RD_KAFKA_RESP_ERR_NO_ERROR;
        auto until = std::chrono::steady_clock::now() + kLoadStall;
        do {
            queried =
                rd_kafka_query_watermark_offsets(consumer.get(), options_.topic.c_str(), p, &low,
                                                 &high, static_cast<int>(kMetadataTimeout.count()));
        } while (queried != RD_KAFKA_RESP_ERR_NO_ERROR && !interrupted() &&
                 std::chrono::steady_clock::now() < until);
        if (queried != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return Status::system(ErrorCode::kIoError,
                                  fmt::format("{} partition {}: its offsets are unknown: {}",
                                              describe(), p, kafka::describeError(queried)));
        }
        if (low >= high) {
            done[static_cast<size_t>(p)] = true;
            --left;
            continue;
        }
        rd_kafka_topic_partition_list_add(all.get(), options_.topic.c_str(), p)->offset = low;
    }
    if (left == 0) return Status::ok();
    rd_kafka_resp_err_t assigned = rd_kafka_assign(consumer.get(), all.get());
    if (assigned != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::system(ErrorCode::kIoError, fmt::format("{}: assign failed: {}", describe(),
                                                               kafka::describeError(assigned)));
    }
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer.get());
    Status status;
    auto lastProgress = std::chrono::steady_clock::now();
    size_t consumedSince = 0;
    size_t consumed = 0;
    size_t valueBytes = 0;
    while (left > 0 && status.isOk()) {
        if (interrupted()) {
            status = Status::system(ErrorCode::kCancelled,
                                    describe() + ": stopped while the state was read");
            break;
        }
        size_t before = static_cast<size_t>(rd_kafka_queue_length(queue));
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 100);
        if (message != nullptr)
            ++consumedSince;  // the clock is read only when a poll comes back empty
        if (message == nullptr) {
            if (consumedSince > 0) {
                lastProgress = std::chrono::steady_clock::now();
                consumedSince = 0;
            }
            if (std::chrono::steady_clock::now() - lastProgress > kLoadStall) {
                status = Status::system(
                    ErrorCode::kIoError,
                    fmt::format("{}: nothing received for {} s while the state was read ({} of {} "
                                "partitions read to the end)",
                                describe(), kLoadStall.count(), partitions_ - left, partitions_));
            }
            continue;
        }
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            auto partition = static_cast<size_t>(message->partition);
            if (partition < done.size() && !done[partition]) {
                done[partition] = true;
                --left;
            }
        } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            // Transport errors are retried by the client; a partition gone or out of range is
            // state lost.
            if (message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                message->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                message->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
                message->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                message->err == RD_KAFKA_RESP_ERR__FATAL) {
                status = Status::system(
                    ErrorCode::kIoError,
                    fmt::format("{} partition {}: reading the state failed: {}", describe(),
                                message->partition, kafka::describeError(message->err)));
            }
        } else if (message->key == nullptr) {
            status =
                Status::internal(fmt::format("{} partition {} offset {}: a record without a key",
                                             describe(), message->partition, message->offset));
        } else {
            std::string_view key(static_cast<const char*>(message->key), message->key_len);
            std::optional<std::string_view> value;
            if (message->payload != nullptr)
                value.emplace(static_cast<const char*>(message->payload), message->len);
            ++consumed;
            valueBytes += message->len;
            status = visit(key, value)
                         .withContext(fmt::format("{} partition {} offset {}", describe(),
                                                  message->partition, message->offset));
        }
        rd_kafka_message_destroy(message);
        size_t after = static_cast<size_t>(rd_kafka_queue_length(queue));
        if (wakeup.due(before, consumed, valueBytes, after)) {
            kafka::PartitionListPtr reading(rd_kafka_topic_partition_list_new(left));
            for (int p = 0; p < partitions_; ++p) {
                if (!done[static_cast<size_t>(p)])
                    rd_kafka_topic_partition_list_add(reading.get(), options_.topic.c_str(), p);
            }
            wakeup.wake(consumer.get(), reading.get());
        }
        consumed = 0;
        valueBytes = 0;
    }
    rd_kafka_queue_destroy(queue);
    // Nothing was committed or joined: closing leaves no group behind.
    rd_kafka_resp_err_t closed = rd_kafka_consumer_close(consumer.get());
    if (closed != RD_KAFKA_RESP_ERR_NO_ERROR) {
        FERRIS_LOG_WARN(options_.job, "{}: restore consumer close: {}", describe(),
                        kafka::describeError(closed));
    }
    return status;
}

Status KafkaChangelog::write(const codec::EncodedBatch& batch) {
    if (!writer_) return Status::internal(describe() + ": written before it was opened");
    return writer_->write(batch);
}

Status KafkaChangelog::close() {
    if (!writer_) return Status::ok();
    Status status = writer_->close();
    writer_.reset();
    return status;
}

}  // namespace ferris::connectors
