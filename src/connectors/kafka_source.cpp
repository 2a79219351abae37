#include "connectors/kafka_source.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "common/log.h"
#include "types/number_text.h"

namespace ferris::connectors {

using kafka::PartitionListPtr;

namespace {

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr auto kMetadataTimeout = std::chrono::milliseconds(10000);
constexpr int kOffsetsTimeoutMs = 10000;

/// One batch's bytes: values back to back (each followed by '\n', the last by padding),
/// then keys and header bytes.
struct BatchBuffer {
    std::unique_ptr<char[]> bytes;
    size_t size = 0;
};

/// Calls `visit(name, value, size)` for each header of `message`, in order (value null for a
/// header without a value).
template <typename Visit>
void forEachHeader(rd_kafka_message_t* message, Visit&& visit) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t h = 0; rd_kafka_header_get_all(headers, h, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++h) {
        visit(std::string_view(name), value, size);
    }
}

int timeoutMillis(std::chrono::microseconds timeout) {
    return static_cast<int>(std::max<int64_t>(0, (timeout.count() + 999) / 1000));
}

}  // namespace

KafkaSource::KafkaSource(KafkaSourceOptions options) : options_(std::move(options)) {
    context_.job = options_.job;
    context_.owner = this;
}

KafkaSource::~KafkaSource() {
    if (consumer_) (void)close();
}

void KafkaSource::grow(int count) {
    if (count <= partitions_) return;
    partitions_ = count;
    auto size = static_cast<size_t>(count);
    next_.resize(size, -1);
    committed_.resize(size, -1);
    end_.resize(size, -1);
    finished_.resize(size, 0);
    assigned_.resize(size, 0);
    base_.resize(size, -1);
}

Status KafkaSource::open() {
    // Defaults first; the declaration's keys win; then what the job's guarantees need.
    kafka::Settings settings = {
        {"group.id", options_.groupId},
        {"group.instance.id", options_.instanceId},
        {"auto.offset.reset", "earliest"},
        {"isolation.level", "read_committed"},
        // librdkafka's prefetch queue is capped per job (§2.4: its default is 64 MiB); a full
        // queue's fetcher is woken once it drained by half (kafka_fetch_wakeup.h).
        {"queued.max.messages.kbytes", std::to_string(kafka::kDefaultPrefetchKbytes)},
        // The byte cap bounds the queue; a count cap below it makes librdkafka 2.0 stop
        // fetching for about a second each time the queue reaches it.
        {"queued.min.messages", "10000000"},
    };
    settings.insert(settings.end(), options_.settings.begin(), options_.settings.end());
    settings.emplace_back("enable.auto.commit", "false");
    settings.emplace_back("enable.auto.offset.store", "false");
    settings.emplace_back("enable.partition.eof", "true");
    FERRIS_ASSIGN_OR_RETURN(auto conf, kafka::makeConf(settings, describe()));
    wakeup_.configure(conf.get());
    kafka::routeEvents(conf.get(), context_);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSource::rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaSource::offsetsCommitted);
    FERRIS_ASSIGN_OR_RETURN(consumer_, kafka::makeHandle(RD_KAFKA_CONSUMER, std::move(conf), describe()));
    rd_kafka_poll_set_consumer(consumer_.get());
    FERRIS_ASSIGN_OR_RETURN(int count, kafka::partitionCount(consumer_.get(), options_.topic, kMetadataTimeout));
    grow(count);
    PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer_.get(), topics.get());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::system(ErrorCode::kIoError,
                              fmt::format("{}: subscribe failed: {}", describe(), kafka::describeError(error)));
    }
    queue_ = rd_kafka_queue_get_consumer(consumer_.get());
    return Status::ok();
}

Status KafkaSource::computeEnds() {
    // Looked up with a client of its own: list-offsets requests on the group consumer's
    // handle move its fetch positions (librdkafka 2.0).
    kafka::Settings settings = options_.settings;
    settings.emplace_back("isolation.level", "read_committed");
    FERRIS_ASSIGN_OR_RETURN(auto conf, kafka::makeConf(settings, describe()));
    kafka::routeEvents(conf.get(), context_);
    FERRIS_ASSIGN_OR_RETURN(auto lookup, kafka::makeHandle(RD_KAFKA_CONSUMER, std::move(conf), describe()));
    if (options_.bound == KafkaBound::kTimestamp) {
        PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions_));
        for (int p = 0; p < partitions_; ++p) {
            rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p)->offset =
                options_.boundTimestampMs;
        }
        rd_kafka_resp_err_t error = rd_kafka_offsets_for_times(lookup.get(), list.get(), kOffsetsTimeoutMs);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return Status::system(ErrorCode::kIoError, fmt::format("{}: looking up offsets for time {} failed: {}",
                                                                   describe(), options_.boundTimestampMs,
                                                                   kafka::describeError(error)));
        }
        for (int i = 0; i < list->cnt; ++i) end_[static_cast<size_t>(list->elems[i].partition)] = list->elems[i].offset;
    }
    for (int p = 0; p < partitions_; ++p) {
        auto index = static_cast<size_t>(p);
        if (options_.bound == KafkaBound::kTimestamp && end_[index] >= 0) continue;
        // No record at or after the time (offset -1), or bounded = latest: the end offset
        // (the last stable offset under read_committed).
        int64_t low = 0;
        int64_t high = 0;
        rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(lookup.get(), options_.topic.c_str(), p, &low,
                                                                     &high, kOffsetsTimeoutMs);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return Status::system(ErrorCode::kIoError, fmt::format("{} partition {}: end offset lookup failed: {}",
                                                                   describe(), p, kafka::describeError(error)));
        }
        end_[index] = high;
    }
    endsKnown_ = true;
    return Status::ok();
}

void KafkaSource::finish(int32_t partition) {
    auto index = static_cast<size_t>(partition);
    if (finished_[index]) return;
    finished_[index] = 1;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), partition);
    rd_kafka_pause_partitions(consumer_.get(), list.get());
}

bool KafkaSource::exhausted() const {
    if (options_.bound == KafkaBound::kNone || !endsKnown_ || !carried_.empty()) return false;
    return std::all_of(finished_.begin(), finished_.end(), [](uint8_t done) { return done != 0; });
}

void KafkaSource::dropCarried(const std::function<bool(int32_t)>& which) {
    std::erase_if(carried_, [&](rd_kafka_message_t* message) {
        if (which && !which(message->partition)) return false;
        rd_kafka_message_destroy(message);
        return true;
    });
}

Result<size_t> KafkaSource::poll(size_t maxRecords, size_t maxBytes,
                                 std::chrono::microseconds timeout, types::RawBatch& out) {
    if (options_.bound != KafkaBound::kNone && !endsKnown_) FERRIS_RETURN_IF_ERROR(computeEnds());
    if (exhausted()) return size_t{0};
    messages_.resize(std::max<size_t>(maxRecords, 1));
    auto queuedBefore = static_cast<size_t>(rd_kafka_queue_length(queue_));
    size_t count = 0;
    if (!carried_.empty() && !paused_) {
        // What the last poll's byte budget left comes first, before anything new (not while
        // paused: the job reads nothing then).
        count = std::min(carried_.size(), messages_.size());
        std::copy_n(carried_.begin(), count, messages_.begin());
        carried_.erase(carried_.begin(), carried_.begin() + static_cast<ptrdiff_t>(count));
    } else {
        // A byte budget: about as many messages as fit, so that few wait for the next poll and
        // the consume returns once it has them.
        size_t wanted = messages_.size();
        if (maxBytes != SIZE_MAX && messageBytes_ > 0) {
            wanted = std::clamp<size_t>(
                static_cast<size_t>(static_cast<double>(maxBytes) / messageBytes_) + 1, 1, wanted);
        }
        ssize_t received =
            rd_kafka_consume_batch_queue(queue_, timeoutMillis(timeout), messages_.data(), wanted);
        if (received < 0) {
            return Status::system(ErrorCode::kIoError,
                                  fmt::format("{}: consume failed: {}", describe(),
                                              kafka::describeError(rd_kafka_last_error())));
        }
        count = static_cast<size_t>(received);
    }
    std::vector<uint8_t> rewound;
    if (pendingRewind_) {
        // An aborted transaction inside this poll's rebalance: this poll's records of the
        // rewound partitions are read again from the last commit.
        pendingRewind_ = false;
        Status status = rewindNow(rewound);
        if (!status.isOk() && callbackError_.isOk()) callbackError_ = status;
    }
    Status failure = std::move(callbackError_);
    callbackError_ = Status::ok();

    // Which messages are records to hand out, and how many bytes they need: values (each
    // followed by '\n') and padding first, then keys and headers.
    size_t valueBytes = kPadding;
    size_t extraBytes = 0;
    size_t budgetBytes = 0;  ///< of the records handed out, as recordBytes() counts them
    size_t accepted = 0;
    size_t polledValueBytes = 0;  ///< of every message polled, handed out or not (the wake-up's estimate)
    auto drop = [&](size_t i) {
        rd_kafka_message_destroy(messages_[i]);
        messages_[i] = nullptr;
    };
    for (size_t i = 0; i < count; ++i) {
        rd_kafka_message_t* message = messages_[i];
        auto partition = message->partition;
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (partition >= 0 && partition < partitions_ && endsKnown_ &&
                    message->offset >= end_[static_cast<size_t>(partition)]) {
                    finish(partition);
                }
            } else if (rd_kafka_fatal_error(consumer_.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR ||
                       message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                       message->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
                if (failure.isOk()) {
                    failure = Status::system(ErrorCode::kIoError,
                                             fmt::format("{}: {}", describe(), rd_kafka_message_errstr(message)));
                }
            } else if (transientErrors_++ % 100 == 0) {
                // Broker unreachable and the like: librdkafka retries by itself.
                FERRIS_LOG_WARN(options_.job, "{}: {} (retrying)", describe(), rd_kafka_message_errstr(message));
            }
            drop(i);
            continue;
        }
        polledValueBytes += message->len;
        if (partition < 0 || partition >= partitions_) grow(partition + 1);
        auto index = static_cast<size_t>(partition);
        if (!assigned_[index] || finished_[index] || (index < rewound.size() && rewound[index])) {
            drop(i);  // fetched before a revoke or a rewind in this very call, or past a bounded end
            continue;
        }
        if (endsKnown_ && message->offset >= end_[index]) {
            finish(partition);
            drop(i);
            continue;
        }
        size_t headerBytes = 0;
        forEachHeader(message, [&](std::string_view name, const void*, size_t size) {
            headerBytes += name.size() + size;
        });
        size_t bytes = message->len + message->key_len + headerBytes;
        if ((accepted > 0 || !out.records.empty()) && budgetBytes + bytes > maxBytes) {
            // Over the byte budget: this message and those after it wait for the next poll.
            carried_.insert(carried_.begin(), messages_.begin() + static_cast<ptrdiff_t>(i),
                            messages_.begin() + static_cast<ptrdiff_t>(count));
            count = i;
            break;
        }
        budgetBytes += bytes;
        ++accepted;
        messageBytes_ = messageBytes_ == 0 ? static_cast<double>(bytes)
                                           : 0.9 * messageBytes_ + 0.1 * static_cast<double>(bytes);
        valueBytes += message->len + 1;
        extraBytes += message->key_len + headerBytes;
    }

    if (wakeup_.due(queuedBefore, count, polledValueBytes, static_cast<size_t>(rd_kafka_queue_length(queue_)))) {
        wakeFetchers();
    }

    // Copy the records into one buffer the batch pins; the messages go back to librdkafka.
    auto buffer = std::make_shared<BatchBuffer>();
    buffer->size = valueBytes + extraBytes;
    buffer->bytes = std::make_unique<char[]>(buffer->size);
    char* base = buffer->bytes.get();
    size_t valueAt = 0;
    size_t extraAt = valueBytes;  // keys and headers after the values and their padding
    size_t added = 0;
    for (size_t i = 0; i < count; ++i) {
        rd_kafka_message_t* message = messages_[i];
        if (message == nullptr) continue;
        types::RawRecord record;
        record.partition = message->partition;
        record.offset = message->offset;
        if (message->payload == nullptr) {
            record.valueIsNull = true;
            record.value = std::string_view(base + valueAt, 0);
        } else {
            std::memcpy(base + valueAt, message->payload, message->len);
            record.value = std::string_view(base + valueAt, message->len);
        }
        valueAt += message->len;
        base[valueAt++] = '\n';
        record.paddingAfter = static_cast<uint32_t>(std::min<size_t>(valueBytes - valueAt + 1, UINT32_MAX));
        if (message->key != nullptr) {
            std::memcpy(base + extraAt, message->key, message->key_len);
            record.key = std::string_view(base + extraAt, message->key_len);
            record.hasKey = true;
            extraAt += message->key_len;
        }
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        int64_t millis = rd_kafka_message_timestamp(message, &type);
        if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && millis >= 0) record.timestampMicros = millis * 1000;
        record.headerBegin = static_cast<uint32_t>(out.headers.size());
        forEachHeader(message, [&](std::string_view name, const void* value, size_t size) {
            types::Header header;
            std::memcpy(base + extraAt, name.data(), name.size());
            header.key = std::string_view(base + extraAt, name.size());
            extraAt += name.size();
            if (value == nullptr) {
                header.valueIsNull = true;
            } else {
                std::memcpy(base + extraAt, value, size);
                header.value = std::string_view(base + extraAt, size);
                extraAt += size;
            }
            out.headers.push_back(header);
        });
        record.headerEnd = static_cast<uint32_t>(out.headers.size());
        auto at = static_cast<size_t>(message->partition);
        if (base_[at] < 0) base_[at] = message->offset;
        next_[at] = message->offset + 1;
        out.records.push_back(record);
        ++added;
        rd_kafka_message_destroy(message);
    }
    std::memset(base + valueAt, 0, valueBytes - valueAt);
    if (added > 0) out.buffers.push_back(std::shared_ptr<const void>(buffer, buffer.get()));
    if (!failure.isOk()) return failure;
    return added;
}

void KafkaSource::wakeFetchers() {
    if (paused_) return;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions_));
    for (int32_t partition = 0; partition < partitions_; ++partition) {
        auto index = static_cast<size_t>(partition);
        if (assigned_[index] && !finished_[index])
            rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), partition);
    }
    wakeup_.wake(consumer_.get(), list.get());
}

void KafkaSource::rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t error,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    (void)handle;
    auto* source = static_cast<KafkaSource*>(static_cast<kafka::ClientContext*>(opaque)->owner);
    source->onRebalance(error, partitions);
}

void KafkaSource::onRebalance(rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions) {
    rd_kafka_t* handle = consumer_.get();
    // NULL once the consumer has left the group (closing, or fenced by its static member id).
    const char* protocol = rd_kafka_rebalance_protocol(handle);
    cooperative_ = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
    if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < partitions->cnt; ++i) {
            auto& element = partitions->elems[i];
            if (element.partition >= partitions_) grow(element.partition + 1);
            auto index = static_cast<size_t>(element.partition);
            assigned_[index] = 1;
            // A checkpoint's position wins over the group's committed offset (§2.2).
            if (next_[index] >= 0) element.offset = next_[index];
        }
        rd_kafka_error_t* failure = nullptr;
        rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (cooperative_) {
            failure = rd_kafka_incremental_assign(handle, partitions);
        } else {
            code = rd_kafka_assign(handle, partitions);
        }
        if (failure != nullptr) {
            callbackError_ = Status::system(ErrorCode::kIoError, fmt::format("{}: assign failed: {}", describe(),
                                                                            rd_kafka_error_string(failure)));
            rd_kafka_error_destroy(failure);
        } else if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            callbackError_ = Status::system(ErrorCode::kIoError,
                                            fmt::format("{}: assign failed: {}", describe(), kafka::describeError(code)));
        }
        // Partitions a bounded source has finished, and all of them while paused, stay still.
        PartitionListPtr still(rd_kafka_topic_partition_list_new(partitions->cnt));
        for (int i = 0; i < partitions->cnt; ++i) {
            int32_t partition = partitions->elems[i].partition;
            if (paused_ || finished_[static_cast<size_t>(partition)]) {
                rd_kafka_topic_partition_list_add(still.get(), options_.topic.c_str(), partition);
            }
        }
        if (still->cnt > 0) rd_kafka_pause_partitions(handle, still.get());
        return;
    }
    // Revoked (or lost): commit first, while the offsets are still ours.
    bool lost = rd_kafka_assignment_lost(handle);
    if (lost) {
        // The group went on without this member (a session expired, say): what was read of
        // these partitions since the last commit is another member's now.
        FERRIS_LOG_WARN(
            options_.job, "{}: assignment lost ({} partitions) without a commit first{}",
            describe(), partitions->cnt,
            options_.transactional
                ? ": their records in the open transaction make the next commit an abort"
                : ": records read of them since the last commit may be read again by another "
                  "member");
    }
    if (error == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && beforeRevoke_ && !lost) {
        inRevoke_ = true;
        Status status = beforeRevoke_();
        inRevoke_ = false;
        if (!status.isOk() && callbackError_.isOk()) callbackError_ = status;
    }
    dropCarried([&](int32_t partition) {
        for (int i = 0; i < partitions->cnt; ++i) {
            if (partitions->elems[i].partition == partition) return true;
        }
        return false;
    });
    for (int i = 0; i < partitions->cnt; ++i) {
        auto index = static_cast<size_t>(partitions->elems[i].partition);
        if (index >= assigned_.size()) continue;
        // Transactional: output of a partition read since the last commit is in the open
        // transaction, and its offsets can no longer go with it (lost, or the revoke's commit
        // failed): the transaction must be aborted.
        if (options_.transactional && next_[index] >= 0 && next_[index] != base_[index]) lostOutput_ = true;
        assigned_[index] = 0;
        next_[index] = -1;  // the group's committed offset is the truth from now on
        base_[index] = -1;
    }
    if (cooperative_) {
        rd_kafka_error_t* failure = rd_kafka_incremental_unassign(handle, partitions);
        if (failure != nullptr) rd_kafka_error_destroy(failure);
    } else {
        rd_kafka_assign(handle, nullptr);
    }
}

Status KafkaSource::commitOffsets(bool sync, bool again) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions_));
    for (int p = 0; p < partitions_; ++p) {
        auto index = static_cast<size_t>(p);
        if (!assigned_[index] || next_[index] < 0 || (next_[index] == committed_[index] && !again))
            continue;
        rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p)->offset = next_[index];
    }
    if (list->cnt == 0) return Status::ok();
    rd_kafka_resp_err_t error = rd_kafka_commit(consumer_.get(), list.get(), sync ? 0 : 1);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // The checkpoint holds the positions; the group's offsets are for lag reporting.
        FERRIS_LOG_WARN(options_.job, "{}: committing offsets to group {} failed: {}", describe(), options_.groupId,
                        kafka::describeError(error));
        return Status::ok();
    }
    for (int i = 0; i < list->cnt; ++i) {
        committed_[static_cast<size_t>(list->elems[i].partition)] = list->elems[i].offset;
    }
    return Status::ok();
}

void KafkaSource::offsetsCommitted(rd_kafka_t* /*handle*/, rd_kafka_resp_err_t error,
                                   rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    auto* source = static_cast<KafkaSource*>(static_cast<kafka::ClientContext*>(opaque)->owner);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR__NO_OFFSET || offsets == nullptr) return;
    // The checkpoint holds the positions; the group's offsets (lag reporting, a start
    // without checkpoint) are committed again at the next commit.
    FERRIS_LOG_WARN(source->options_.job, "{}: committing offsets to group {} failed: {} (retried at the next commit)",
                    source->describe(), source->options_.groupId, kafka::describeError(error));
    for (int i = 0; i < offsets->cnt; ++i) {
        auto partition = static_cast<size_t>(offsets->elems[i].partition);
        if (partition < source->committed_.size()) source->committed_[partition] = -1;
    }
}

Status KafkaSource::committed() {
    // Transactional: the offsets went into the sink's transaction.
    if (!consumer_ || options_.transactional) return Status::ok();
    return commitOffsets(/*sync=*/inRevoke_);
}

Status KafkaSource::committedNow() {
    if (!consumer_ || options_.transactional) return Status::ok();
    // Again, and waiting: an asynchronous commit of these offsets may still be on its way.
    return commitOffsets(/*sync=*/true, /*again=*/true);
}

size_t KafkaSource::pause() {
    if (!consumer_ || paused_) return 0;
    paused_ = true;
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    PartitionListPtr list(assignment);
    rd_kafka_pause_partitions(consumer_.get(), list.get());
    return static_cast<size_t>(list->cnt);
}

std::vector<std::pair<int32_t, int64_t>> KafkaSource::lag() const {
    std::vector<std::pair<int32_t, int64_t>> out;
    if (!consumer_) return out;
    for (int32_t partition = 0; partition < partitions_; ++partition) {
        auto index = static_cast<size_t>(partition);
        if (index >= assigned_.size() || !assigned_[index]) continue;
        int64_t low = 0;
        int64_t high = 0;
        // The offsets of the last fetch response: no request to the broker.
        if (rd_kafka_get_watermark_offsets(consumer_.get(), options_.topic.c_str(), partition, &low, &high) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            high < 0) {
            continue;
        }
        int64_t next = next_[index] >= 0 ? next_[index] : low;
        out.emplace_back(partition, std::max<int64_t>(high - next, 0));
    }
    return out;
}

void KafkaSource::resume() {
    if (!consumer_ || !paused_) return;
    paused_ = false;
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    PartitionListPtr list(assignment);
    PartitionListPtr resumed(rd_kafka_topic_partition_list_new(list->cnt));
    for (int i = 0; i < list->cnt; ++i) {
        int32_t partition = list->elems[i].partition;
        if (partition < partitions_ && !finished_[static_cast<size_t>(partition)]) {
            rd_kafka_topic_partition_list_add(resumed.get(), options_.topic.c_str(), partition);
        }
    }
    rd_kafka_resume_partitions(consumer_.get(), resumed.get());
}

// Position blob: "kafka1 <partitions>\n" then one line per partition with something to
// say: "<p> <next offset> <end offset>" (-1 = unknown / unbounded).
std::string KafkaSource::position() const {
    std::string out = fmt::format("kafka1 {}\n", partitions_);
    for (int p = 0; p < partitions_; ++p) {
        auto index = static_cast<size_t>(p);
        int64_t end = endsKnown_ ? end_[index] : -1;
        if (next_[index] < 0 && end < 0) continue;
        out += fmt::format("{} {} {}\n", p, next_[index], end);
    }
    return out;
}

Status KafkaSource::seek(std::string_view position) {
    auto corrupt = [&] { return Status::internal(fmt::format("{}: corrupt position in the checkpoint", describe())); };
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < position.size()) {
        size_t newline = position.find('\n', start);
        if (newline == std::string_view::npos) return corrupt();
        lines.push_back(position.substr(start, newline - start));
        start = newline + 1;
    }
    if (lines.empty() || !lines[0].starts_with("kafka1 ")) return corrupt();
    bool anyEnd = false;
    for (size_t i = 1; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        size_t first = line.find(' ');
        size_t second = line.find(' ', first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos) return corrupt();
        int64_t partition = 0;
        int64_t next = 0;
        int64_t end = 0;
        if (!types::parseInt64(line.substr(0, first), partition) ||
            !types::parseInt64(line.substr(first + 1, second - first - 1), next) ||
            !types::parseInt64(line.substr(second + 1), end) || partition < 0 || partition > 1'000'000) {
            return corrupt();
        }
        if (partition >= partitions_) grow(static_cast<int>(partition) + 1);
        // Transactional: the group's offsets, committed with the output, are the positions.
        if (!options_.transactional) next_[static_cast<size_t>(partition)] = next;
        if (end >= 0) {
            end_[static_cast<size_t>(partition)] = end;
            anyEnd = true;
        }
    }
    // A bounded source stops where its first run decided (§1.4); partitions the checkpoint
    // does not mention had an end of 0 or were empty then.
    if (options_.bound != KafkaBound::kNone && anyEnd) {
        for (auto& end : end_) end = std::max<int64_t>(end, 0);
        endsKnown_ = true;
    }
    return Status::ok();
}

Result<InputOffsets> KafkaSource::transactionOffsets() {
    InputOffsets offsets;
    offsets.topic = options_.topic;
    for (int32_t partition = 0; partition < partitions_; ++partition) {
        auto index = static_cast<size_t>(partition);
        if (assigned_[index] && next_[index] >= 0 && next_[index] != base_[index]) {
            offsets.next.emplace_back(partition, next_[index]);
        }
    }
    offsets.mustAbort = lostOutput_;
    rd_kafka_consumer_group_metadata_t* metadata = rd_kafka_consumer_group_metadata(consumer_.get());
    if (metadata == nullptr) {
        return Status::system(ErrorCode::kIoError, fmt::format("{}: no consumer group metadata", describe()));
    }
    offsets.groupMetadata = std::shared_ptr<void>(
        metadata, [](void* data) { rd_kafka_consumer_group_metadata_destroy(static_cast<rd_kafka_consumer_group_metadata_t*>(data)); });
    offered_ = offsets.next;
    return offsets;
}

void KafkaSource::transactionCommitted() {
    for (const auto& [partition, next] : offered_) {
        auto index = static_cast<size_t>(partition);
        if (assigned_[index]) base_[index] = next;
    }
    offered_.clear();
}

Status KafkaSource::rewind() {
    offered_.clear();
    lostOutput_ = false;
    if (inRevoke_) {
        // Inside the rebalance callback, in the middle of a poll whose messages are already
        // dequeued: seek once the poll has them, and drop them (see poll()).
        pendingRewind_ = true;
        return Status::ok();
    }
    std::vector<uint8_t> rewound;
    return rewindNow(rewound);
}

Status KafkaSource::rewindNow(std::vector<uint8_t>& rewound) {
    rewound.assign(static_cast<size_t>(partitions_), 0);
    PartitionListPtr seeks(rd_kafka_topic_partition_list_new(partitions_));
    PartitionListPtr resumed(rd_kafka_topic_partition_list_new(partitions_));
    for (int32_t partition = 0; partition < partitions_; ++partition) {
        auto index = static_cast<size_t>(partition);
        if (!assigned_[index] || base_[index] < 0 || next_[index] == base_[index]) continue;
        next_[index] = base_[index];
        rewound[index] = 1;
        rd_kafka_topic_partition_list_add(seeks.get(), options_.topic.c_str(), partition)->offset = base_[index];
        if (finished_[index] && (!endsKnown_ || base_[index] < end_[index])) {
            // A bounded partition finished within the aborted transaction reads again.
            finished_[index] = 0;
            if (!paused_) rd_kafka_topic_partition_list_add(resumed.get(), options_.topic.c_str(), partition);
        }
    }
    if (resumed->cnt > 0) rd_kafka_resume_partitions(consumer_.get(), resumed.get());
    // Messages carried past a byte budget are read again after the seek.
    dropCarried([&](int32_t partition) {
        return partition >= 0 && static_cast<size_t>(partition) < rewound.size() &&
               rewound[static_cast<size_t>(partition)];
    });
    if (seeks->cnt == 0) return Status::ok();
    rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), seeks.get(), 10000);
    if (error != nullptr) {
        Status status = Status::system(ErrorCode::kIoError, fmt::format("{}: seeking back after an aborted "
                                                                        "transaction failed: {}",
                                                                        describe(), rd_kafka_error_string(error)));
        rd_kafka_error_destroy(error);
        return status;
    }
    for (int i = 0; i < seeks->cnt; ++i) {
        if (seeks->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return Status::system(ErrorCode::kIoError,
                                  fmt::format("{} partition {}: seeking back after an aborted transaction failed: {}",
                                              describe(), seeks->elems[i].partition,
                                              kafka::describeError(seeks->elems[i].err)));
        }
    }
    return Status::ok();
}

Status KafkaSource::close() {
    dropCarried(nullptr);
    if (!consumer_) return Status::ok();
    // The job has made its last commit; the revoke that closing brings commits nothing.
    beforeRevoke_ = nullptr;
    // librdkafka 2.0 hangs when an assignment reaches the rebalance callback inside
    // rd_kafka_consumer_close (an assign() there never returns: a job that fails while its
    // consumer joins the group, say). So the group is left first, its rebalance callbacks
    // served here, and close() finds nothing assigned. Records still polled are dropped:
    // they were not processed, and nothing past them is committed.
    (void)rd_kafka_unsubscribe(consumer_.get());
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
        rd_kafka_topic_partition_list_t* assignment = nullptr;
        bool empty =
            rd_kafka_assignment(consumer_.get(), &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            (assignment == nullptr || assignment->cnt == 0);
        if (assignment != nullptr) rd_kafka_topic_partition_list_destroy(assignment);
        if (empty && (queue_ == nullptr || rd_kafka_queue_length(queue_) == 0)) break;
        if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), 20)) {
            rd_kafka_message_destroy(message);
        }
    }
    rd_kafka_resp_err_t error = rd_kafka_consumer_close(consumer_.get());
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
    consumer_.reset();
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        FERRIS_LOG_WARN(options_.job, "{}: consumer close: {}", describe(), kafka::describeError(error));
    }
    return Status::ok();
}

}  // namespace ferris::connectors
