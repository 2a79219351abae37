#include "connectors/kafka_sink.h"

#include <algorithm>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "common/fault_point.h"
#include "common/log.h"
#include "types/number_text.h"

namespace ferris::connectors {

using kafka::PartitionListPtr;

namespace {
constexpr auto kMetadataTimeout = std::chrono::milliseconds(10000);
constexpr size_t kDefaultQueueMessages = 100000;
/// Longest wait of one transactional call; a retriable failure (a timeout among them) is
/// retried, until a stop's grace period is over.
constexpr int kTransactionCallMs = 10000;
}  // namespace

KafkaSink::KafkaSink(KafkaSinkOptions options) : options_(std::move(options)) {
    context_.job = options_.job;
    context_.owner = this;
}

KafkaSink::~KafkaSink() {
    if (producer_ || topic_ != nullptr) (void)close();
}

std::unique_ptr<KafkaSink> KafkaSink::companion(KafkaSinkOptions options) {
    auto sink = std::make_unique<KafkaSink>(std::move(options));
    sink->parent_ = this;
    companions_.push_back(sink.get());
    return sink;
}

Status KafkaSink::open(bool /*truncate*/) {
    if (parent_ != nullptr) {
        // A companion: the parent's producer, opened already, and the parent's queue marks.
        if (parent_->producer() == nullptr) return Status::internal(describe() + ": opened before its parent sink");
        highMark_ = parent_->highMark_;
        lowMark_ = parent_->lowMark_;
        return openTopic();
    }
    kafka::Settings settings = {
        {"partitioner", "murmur2_random"},  // the Java client's partitioning (§1.4.1)
        {"enable.idempotence", "true"},
        // librdkafka's send queue is capped per job (§2.4: its default is 1 GiB).
        {"queue.buffering.max.kbytes", "65536"},
        {"queue.buffering.max.messages", std::to_string(kDefaultQueueMessages)},
    };
    settings.insert(settings.end(), options_.settings.begin(), options_.settings.end());
    if (transactional()) settings.emplace_back("transactional.id", options_.transactionalId);
    size_t queueMessages = kDefaultQueueMessages;
    for (const auto& [key, value] : settings) {
        int64_t number = 0;
        if (key == "queue.buffering.max.messages" && types::parseInt64(value, number) && number > 0) {
            queueMessages = static_cast<size_t>(number);
        }
    }
    highMark_ = std::max<size_t>(1, queueMessages * 3 / 4);
    lowMark_ = queueMessages / 4;
    FERRIS_ASSIGN_OR_RETURN(auto conf, kafka::makeConf(settings, describe()));
    kafka::routeEvents(conf.get(), context_);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::deliveryReport);
    FERRIS_ASSIGN_OR_RETURN(producer_, kafka::makeHandle(RD_KAFKA_PRODUCER, std::move(conf), describe()));
    FERRIS_RETURN_IF_ERROR(openTopic());
    if (transactional()) return initTransactions();
    return Status::ok();
}

Status KafkaSink::openTopic() {
    auto partitions = kafka::partitionCount(producer(), options_.topic, kMetadataTimeout);
    if (!partitions.isOk()) {
        if (partitions.status().category() != ErrorCategory::kUser) return partitions.status();
        if (!options_.createTopic) {
            return Status::user(ErrorCode::kConfigError,
                                fmt::format("{} (sink {}): set '{}.topic.create' = 'true' to create it",
                                            partitions.status().message(), options_.name, options_.name));
        }
        FERRIS_RETURN_IF_ERROR(kafka::createTopic(producer(), options_.topic, options_.partitions,
                                                  options_.replicationFactor, options_.topicConfigs,
                                                  kMetadataTimeout));
        FERRIS_LOG_INFO(options_.job, "created kafka topic {} ({} partitions, replication factor {})", options_.topic,
                        options_.partitions, options_.replicationFactor);
    }
    topic_ = rd_kafka_topic_new(producer(), options_.topic.c_str(), nullptr);
    return Status::ok();
}

namespace {

bool isFencing(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
           code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

}  // namespace

Status KafkaSink::transactionError(rd_kafka_error_t* error, std::string_view step, bool& retry) {
    retry = false;
    rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    std::string message = rd_kafka_error_string(error);
    bool fatal = rd_kafka_error_is_fatal(error) != 0;
    bool abortable = rd_kafka_error_txn_requires_abort(error) != 0;
    bool retriable = rd_kafka_error_is_retriable(error) != 0;
    rd_kafka_error_destroy(error);
    if (fatal || isFencing(code)) {
        // Never abort a fenced transaction (§2.2): the instance that fenced us owns it now.
        fenced_ = true;
        if (isFencing(code)) {
            return Status::system(ErrorCode::kFenced,
                                  fmt::format("{}: fenced: another instance with transactional.id {} took over ({} "
                                              "failed: {})",
                                              describe(), options_.transactionalId, step, message));
        }
        return Status::system(ErrorCode::kIoError,
                              fmt::format("{}: fatal transaction error in {}: {}", describe(), step, message));
    }
    if (abortable) {
        if (step == "abort_transaction") {
            // The abort itself wants an abort: try again (the caller's loop), no deeper.
            retry = !graceOver();
            return retry ? Status::ok()
                         : Status::system(ErrorCode::kCancelled,
                                          fmt::format("{}: stopped while aborting a transaction: {}", describe(),
                                                      message));
        }
        FERRIS_LOG_WARN(options_.job, "{}: {} failed, aborting the transaction: {}", describe(), step, message);
        FERRIS_RETURN_IF_ERROR(abortTransaction());
        return Status::system(ErrorCode::kTransactionAborted,
                              fmt::format("{}: transaction aborted ({} failed: {})", describe(), step, message));
    }
    if (retriable && !graceOver()) {
        retry = true;
        return Status::ok();
    }
    if (retriable) {
        return Status::system(ErrorCode::kCancelled,
                              fmt::format("{}: stopped while {} could not reach the broker ({}): the open "
                                          "transaction is aborted when the job starts again",
                                          describe(), step, message));
    }
    return Status::system(ErrorCode::kIoError, fmt::format("{}: {} failed: {}", describe(), step, message));
}

Status KafkaSink::abortTransaction() {
    if (fenced_) return Status::system(ErrorCode::kFenced, fmt::format("{}: fenced", describe()));
    if (written_ > 0) {
        // librdkafka 2.0 counts an AddPartitionsToTxn the coordinator answered with
        // CONCURRENT_TRANSACTIONS (the previous commit's markers still being written) as
        // sent, and then ends the abort with an EndTxn the coordinator refuses as fatal
        // (INVALID_TXN_STATE). Once every record is delivered or failed, its partitions were
        // added and the transaction is ongoing on the coordinator.
        (void)rd_kafka_flush(producer(), interrupted() ? 1000 : kTransactionCallMs);
    }
    FERRIS_RETURN_IF_ERROR(callTransactional(
        "abort_transaction", [&](int timeoutMs) { return rd_kafka_abort_transaction(producer(), timeoutMs); }));
    failures_.clear();  // the aborted records are produced again
    written_ = 0;
    return beginTransaction();
}

Status KafkaSink::beginTransaction() {
    rd_kafka_error_t* error = rd_kafka_begin_transaction(producer());
    if (error == nullptr) return Status::ok();
    bool retry = false;
    Status status = transactionError(error, "begin_transaction", retry);
    return status.isOk() ? Status::internal(fmt::format("{}: begin_transaction failed", describe())) : status;
}

Status KafkaSink::callTransactional(std::string_view step, const std::function<rd_kafka_error_t*(int)>& call) {
    while (true) {
        // Stopping: no call waits past the grace period.
        int timeoutMs = kTransactionCallMs;
        if (interrupted()) {
            graceOver();
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*giveUpAt_ -
                                                                              std::chrono::steady_clock::now());
            timeoutMs = static_cast<int>(std::clamp<int64_t>(left.count(), 1, kTransactionCallMs));
        }
        rd_kafka_error_t* error = call(timeoutMs);
        if (error == nullptr) return Status::ok();
        bool retry = false;
        Status status = transactionError(error, step, retry);
        if (!retry) return status;
    }
}

Status KafkaSink::initTransactions() {
    FERRIS_RETURN_IF_ERROR(callTransactional(
        "init_transactions", [&](int timeoutMs) { return rd_kafka_init_transactions(producer(), timeoutMs); }));
    return beginTransaction();
}

Status KafkaSink::commitTransaction(const InputOffsets& offsets) {
    if (fenced_) return Status::system(ErrorCode::kFenced, fmt::format("{}: fenced", describe()));
    if (offsets.moved() && faultAbort()) {
        // Test hook: aborted as if the commit had failed abortably (in the background, while
        // the job reads on).
        FERRIS_RETURN_IF_ERROR(abortTransaction());
        return Status::system(ErrorCode::kTransactionAborted,
                              "transaction aborted by FERRIS_FAULT_ABORT");
    }
    if (offsets.moved()) {
        // Each consumer group's offsets (the source's, a DLQ replay's) join the transaction.
        std::vector<const InputOffsets*> groups{&offsets};
        for (const auto& other : offsets.alongside) groups.push_back(&other);
        for (const InputOffsets* group : groups) {
            if (group->next.empty()) continue;
            PartitionListPtr list(
                rd_kafka_topic_partition_list_new(static_cast<int>(group->next.size())));
            for (const auto& [partition, next] : group->next) {
                rd_kafka_topic_partition_list_add(list.get(), group->topic.c_str(), partition)
                    ->offset = next;
            }
            auto* metadata =
                static_cast<const rd_kafka_consumer_group_metadata_t*>(group->groupMetadata.get());
            FERRIS_RETURN_IF_ERROR(
                callTransactional("send_offsets_to_transaction", [&](int timeoutMs) {
                    return rd_kafka_send_offsets_to_transaction(producer(), list.get(), metadata,
                                                                timeoutMs);
                }));
        }
        faultPoint("after_send_offsets");
    } else if (written_ == 0) {
        return Status::ok();  // nothing read, nothing written: the open transaction stays empty
    }
    FERRIS_RETURN_IF_ERROR(callTransactional(
        "commit_transaction", [&](int timeoutMs) { return rd_kafka_commit_transaction(producer(), timeoutMs); }));
    acknowledged_ += written_;
    written_ = 0;
    failures_.clear();
    return beginTransaction();
}

void KafkaSink::deliveryReport(rd_kafka_t* /*handle*/, const rd_kafka_message_t* message, void* opaque) {
    auto* sink = static_cast<KafkaSink*>(static_cast<kafka::ClientContext*>(opaque)->owner);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Transactional: a record counts once its transaction commits.
        if (!sink->transactional()) ++sink->acknowledged_;
        return;
    }
    // Transactional: a failed delivery makes the commit fail, the transaction is aborted
    // and its records produced again.
    if (sink->transactional()) return;
    DeliveryFailure failure;
    if (message->key != nullptr) {
        failure.key.assign(static_cast<const char*>(message->key), message->key_len);
        failure.hasKey = true;
    }
    if (message->payload != nullptr) failure.value.assign(static_cast<const char*>(message->payload), message->len);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        headers != nullptr) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            failure.headers.emplace_back(name, value == nullptr
                                                   ? std::nullopt
                                                   : std::optional<std::string>(std::string(
                                                         static_cast<const char*>(value), size)));
        }
    }
    failure.retryable = kafka::retryableDelivery(message->err);
    // Not rd_kafka_message_errstr(): for a delivery report it returns the payload, which is
    // no C string.
    failure.error = sink->deliveryError(message->err);
    sink->failures_.push_back(std::move(failure));
}

std::string KafkaSink::deliveryError(rd_kafka_resp_err_t error) const {
    return fmt::format("delivery to kafka topic {} failed: {}", options_.topic,
                       kafka::describeError(error));
}

Status KafkaSink::checkFatal() const {
    char reason[512];
    rd_kafka_resp_err_t error = rd_kafka_fatal_error(producer(), reason, sizeof reason);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok();
    if (transactional() && isFencing(error)) {
        return Status::system(ErrorCode::kFenced,
                              fmt::format("{}: fenced: another instance with transactional.id {} took over ({})",
                                          describe(), options_.transactionalId, reason));
    }
    return Status::system(ErrorCode::kIoError, fmt::format("{}: fatal producer error: {}", describe(), reason));
}

Status KafkaSink::startCommitTransaction(InputOffsets offsets) {
    if (committing_) return Status::internal(describe() + ": a commit is running already");
    committing_ = true;
    commit_ = std::async(std::launch::async, [this, offsets = std::move(offsets)] {
        return commitTransaction(offsets);
    });
    return Status::ok();
}

std::optional<Status> KafkaSink::commitOutcome(bool wait) {
    if (!committing_) return Status::internal(describe() + ": no commit running");
    if (!wait && commit_.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return std::nullopt;
    Status status = commit_.get();
    committing_ = false;
    if (size_t held = heldRecords(); status.code() == ErrorCode::kTransactionAborted && held > 0) {
        status = Status::system(status.code(),
                                fmt::format("{} ({} records written while it ran are dropped and "
                                            "made again)",
                                            status.message(), held));
    }
    // Committed: what was held goes into the transaction begun after it. Otherwise it is
    // dropped: aborted, the job reads its records again; fenced or failed, the job ends.
    for (KafkaSink* sink : companions_) {
        if (status.isOk() && !sink->held_.records.empty()) status = sink->produce(sink->held_);
        sink->held_.clear();
    }
    if (status.isOk() && !held_.records.empty()) status = produce(held_);
    held_.clear();
    return status;
}

size_t KafkaSink::heldRecords() const {
    size_t held = held_.records.size();
    for (const KafkaSink* sink : companions_) held += sink->held_.records.size();
    return held;
}

Status KafkaSink::write(const EncodedBatch& batch) {
    if (!committing()) return produce(batch);
    // A commit runs: kept for the next transaction, copied (passed-through headers view the
    // input's bytes).
    for (const auto& record : batch.records) held_.appendCopy(batch, record);
    return Status::ok();
}

Status KafkaSink::produce(const EncodedBatch& batch) {
    for (const auto& record : batch.records) {
        rd_kafka_headers_t* headers = nullptr;
        if (record.headerEnd > record.headerBegin) {
            headers = rd_kafka_headers_new(record.headerEnd - record.headerBegin);
            for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
                const auto& header = batch.headers[h];
                rd_kafka_header_add(headers, header.key.data(), static_cast<ssize_t>(header.key.size()),
                                    header.valueIsNull ? nullptr : header.value.data(),
                                    header.valueIsNull ? 0 : static_cast<ssize_t>(header.value.size()));
            }
        }
        rd_kafka_vu_t fields[5];
        size_t count = 0;
        fields[count].vtype = RD_KAFKA_VTYPE_RKT;
        fields[count++].u.rkt = topic_;
        fields[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        fields[count++].u.i = RD_KAFKA_MSG_F_COPY;
        fields[count].vtype = RD_KAFKA_VTYPE_VALUE;
        if (record.valueIsNull) {
            fields[count].u.mem = {nullptr, 0};
        } else {
            std::string_view value = batch.value(record);
            fields[count].u.mem = {const_cast<char*>(value.data()), value.size()};
        }
        ++count;
        if (record.hasKey) {
            std::string_view key = batch.key(record);
            fields[count].vtype = RD_KAFKA_VTYPE_KEY;
            fields[count++].u.mem = {const_cast<char*>(key.data()), key.size()};
        }
        if (headers != nullptr) {
            fields[count].vtype = RD_KAFKA_VTYPE_HEADERS;
            fields[count++].u.headers = headers;
        }
        while (true) {
            rd_kafka_error_t* error = rd_kafka_produceva(producer(), fields, count);
            if (error == nullptr) {
                ++(parent_ != nullptr ? parent_->written_ : written_);
                break;  // the headers belong to librdkafka now
            }
            rd_kafka_resp_err_t code = rd_kafka_error_code(error);
            std::string message = rd_kafka_error_string(error);
            rd_kafka_error_destroy(error);
            if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && !graceOver()) {
                // The send queue is full: serve delivery reports until there is room.
                rd_kafka_poll(producer(), 10);
                continue;
            }
            if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                if (headers != nullptr) rd_kafka_headers_destroy(headers);
                return Status::system(ErrorCode::kCancelled,
                                      fmt::format("{}: stopped while the send queue was full (the broker is not "
                                                  "acknowledging): the checkpoint stays before the batch, and the "
                                                  "input is read again from there at restart",
                                                  describe()));
            }
            if (headers != nullptr) rd_kafka_headers_destroy(headers);
            FERRIS_RETURN_IF_ERROR(checkFatal());
            if (!transactional()) {
                // A record librdkafka refuses at once (its topic known to be gone, too large)
                // is undelivered like one whose delivery report failed: the failure strategy
                // decides (a transaction with it could not commit: the write fails).
                DeliveryFailure failure;
                failure.hasKey = record.hasKey;
                if (record.hasKey) failure.key = batch.key(record);
                if (!record.valueIsNull) failure.value = batch.value(record);
                for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
                    const auto& header = batch.headers[h];
                    failure.headers.emplace_back(std::string(header.key),
                                                 header.valueIsNull
                                                     ? std::nullopt
                                                     : std::optional<std::string>(header.value));
                }
                failure.error = deliveryError(code);
                failure.retryable = kafka::retryableDelivery(code);
                failures_.push_back(std::move(failure));
                break;
            }
            return Status::system(ErrorCode::kIoError, fmt::format("{}: produce failed: {}", describe(), message));
        }
    }
    rd_kafka_poll(producer(), 0);
    return checkFatal();
}

bool KafkaSink::saturated() {
    if (producer() == nullptr) return false;
    // While a commit runs the producer is its thread's; the held records count.
    if (committing()) return heldRecords() >= highMark_;
    rd_kafka_poll(producer(), 0);
    return static_cast<size_t>(rd_kafka_outq_len(producer())) >= highMark_;
}

bool KafkaSink::graceOver() {
    if (!interrupted()) return false;
    auto now = std::chrono::steady_clock::now();
    if (!giveUpAt_) giveUpAt_ = now + kStopGrace;
    return now >= *giveUpAt_;
}

Result<bool> KafkaSink::drain(std::chrono::milliseconds limit) {
    if (committing()) return Status::internal(describe() + ": drained while a commit runs");
    auto until = std::chrono::steady_clock::now() + limit;
    auto below = [&] { return static_cast<size_t>(rd_kafka_outq_len(producer())) <= lowMark_; };
    // A stop goes on to the commit once the grace period is over.
    while (!below() && !graceOver() && std::chrono::steady_clock::now() < until) {
        rd_kafka_poll(producer(), 20);
        FERRIS_RETURN_IF_ERROR(checkFatal());
    }
    return below();
}

Status KafkaSink::flush() {
    if (producer() != nullptr && !committing()) rd_kafka_poll(producer(), 0);
    return Status::ok();
}

Result<std::string> KafkaSink::prepareCommit() {
    if (parent_ != nullptr) return std::string();  // committed with the parent's transaction
    // Every record written so far has its delivery report (success, or a failure after
    // librdkafka's retries and message.timeout.ms) before the checkpoint is taken.
    while (rd_kafka_outq_len(producer()) > 0) {
        rd_kafka_flush(producer(), 200);
        FERRIS_RETURN_IF_ERROR(checkFatal());
        // Stopping: a reachable broker acknowledges within the grace period; an unreachable
        // one would hold the stop until message.timeout.ms. No checkpoint is taken past
        // what is undelivered, so those records are read again at restart (at-least-once).
        if (graceOver() && rd_kafka_outq_len(producer()) > 0) {
            return Status::system(ErrorCode::kCancelled,
                                  fmt::format("{}: stopped with {} records not yet acknowledged by the broker "
                                              "(waited {} s): the checkpoint stays before them, and the input "
                                              "is read again from there at restart",
                                              describe(), rd_kafka_outq_len(producer()), kStopGrace.count()));
        }
    }
    return std::string();
}

std::vector<DeliveryFailure> KafkaSink::takeDeliveryFailures() {
    std::vector<DeliveryFailure> out;
    out.swap(failures_);
    return out;
}

Status KafkaSink::close() {
    if (parent_ != nullptr) {
        // Before the parent: the producer is the parent's.
        auto& siblings = parent_->companions_;
        siblings.erase(std::remove(siblings.begin(), siblings.end(), this), siblings.end());
        if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
        topic_ = nullptr;
        return Status::ok();
    }
    if (!producer_) return Status::ok();
    if (committing_) {
        // A job that ended while a commit ran (it failed, say): its outcome no longer matters.
        Status running = commit_.get();
        committing_ = false;
        if (!running.isOk())
            FERRIS_LOG_WARN(options_.job, "{}: the last commit: {}", describe(),
                            running.toString());
    }
    if (transactional()) {
        // What the open transaction holds was not committed: aborted now (a fenced producer's
        // transaction belongs to the instance that fenced it).
        if (!fenced_ && written_ > 0) {
            rd_kafka_error_t* error = rd_kafka_abort_transaction(producer(), interrupted() ? 1000 : 10000);
            if (error != nullptr) {
                FERRIS_LOG_WARN(options_.job, "{}: aborting the open transaction at close: {} (the next start "
                                "aborts it)",
                                describe(), rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
            }
        }
        if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
        topic_ = nullptr;
        producer_.reset();
        return Status::ok();
    }
    Status status = Status::ok();
    bool purged = false;
    if (interrupted() && rd_kafka_outq_len(producer()) > 0) {
        // A stop that gave up its commit: what is still queued is read again at restart.
        FERRIS_LOG_WARN(options_.job, "{}: {} undelivered records dropped at stop (no checkpoint past them)",
                        describe(), rd_kafka_outq_len(producer()));
        rd_kafka_purge(producer(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        purged = true;
    }
    rd_kafka_resp_err_t error = rd_kafka_flush(producer(), purged ? 1000 : 30000);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR && !purged) {
        status = Status::system(ErrorCode::kIoError,
                                fmt::format("{}: {} records undelivered at close", describe(),
                                            rd_kafka_outq_len(producer())));
    }
    if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
    topic_ = nullptr;
    producer_.reset();
    return status;
}

}  // namespace ferris::connectors
