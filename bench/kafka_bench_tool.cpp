// kafka_bench_tool: the librdkafka side of bench/kafka_bench.py (DESIGN.md §3, "Kafka → SQL →
// Kafka"). Plain librdkafka, no engine code, so that what it measures is the client alone:
//
//   kafka_bench_tool create-topic BOOTSTRAP TOPIC PARTITIONS
//   kafka_bench_tool produce BOOTSTRAP TOPIC RECORDS [--rate N] [--linger-ms N] [--seed N]
//                            [--first N]
//       N trade records ({"trade_id":"t<seq>",...}, ≈ 120 bytes; seq from --first, default 0)
//       as fast as the producer goes,
//       or paced at --rate records/s; each record's Kafka timestamp (CreateTime) and its
//       trade_time field are the wall clock in ms when it is handed to librdkafka. Prints one
//       JSON line: records, bytes, seconds, and how many pass `price * quantity > 100000`.
//   kafka_bench_tool latency BOOTSTRAP TOPIC --skip N --expect N [--field NAME] [--timeout S]
//       reads TOPIC from the beginning and, for every record whose trade_id sequence is
//       ≥ --skip, takes (now − the integer ms in field NAME) when the record is returned by
//       the consumer; stops once --expect distinct such records were seen. Prints one JSON
//       line of percentiles (ms).
//   kafka_bench_tool relay BOOTSTRAP IN OUT [--batch N] [--group G] [--commit-ms N]
//       the raw ceiling: a consumer-group consumer of IN to the end offsets present at start,
//       each record copied to an idempotent producer of OUT, delivery awaited and offsets
//       committed every --commit-ms; the same client settings the engine's kafka_source and
//       kafka_sink use. Prints one JSON line: records, seconds.
//   kafka_bench_tool count BOOTSTRAP TOPIC
//       the records in TOPIC (sum over partitions of high − low watermark).
//
// Exit status 0 on success, 1 on a Kafka error or a timeout, 2 on a usage error.

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/kafka_fetch_wakeup.h"

namespace {

using Clock = std::chrono::steady_clock;
using Settings = std::vector<std::pair<std::string, std::string>>;

[[noreturn]] void fail(const std::string& message) {
    std::fprintf(stderr, "kafka_bench_tool: %s\n", message.c_str());
    std::exit(1);
}

[[noreturn]] void usage(const std::string& message) {
    std::fprintf(stderr, "kafka_bench_tool: %s (see the comment at the top of kafka_bench_tool.cpp)\n",
                 message.c_str());
    std::exit(2);
}

int64_t wallMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

/// A librdkafka client with `settings` after bootstrap.servers; `setup` may add callbacks.
template <typename Setup>
Handle makeClient(rd_kafka_type_t type, const std::string& bootstrap, const Settings& settings, Setup setup) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    Settings all = {{"bootstrap.servers", bootstrap}};
    all.insert(all.end(), settings.begin(), settings.end());
    for (const auto& [key, value] : all) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            fail(key + ": " + error);
        }
    }
    setup(conf);
    rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof error);
    if (handle == nullptr) fail(std::string("rd_kafka_new: ") + error);
    return Handle(handle);
}

Handle makeClient(rd_kafka_type_t type, const std::string& bootstrap, const Settings& settings) {
    return makeClient(type, bootstrap, settings, [](rd_kafka_conf_t*) {});
}

int partitionCount(rd_kafka_t* handle, const std::string& topic) {
    rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t error = rd_kafka_metadata(handle, 0, topicHandle, &metadata, 10000);
    rd_kafka_topic_destroy(topicHandle);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) fail("metadata of " + topic + ": " + rd_kafka_err2str(error));
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(metadata);
        fail("no topic " + topic);
    }
    int count = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);
    return count;
}

/// High watermarks (end offsets) of every partition of `topic`.
std::vector<int64_t> endOffsets(rd_kafka_t* handle, const std::string& topic, std::vector<int64_t>* lows = nullptr) {
    int partitions = partitionCount(handle, topic);
    std::vector<int64_t> ends(static_cast<size_t>(partitions));
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(handle, topic.c_str(), p, &low, &high, 10000);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) fail("watermarks of " + topic + ": " + rd_kafka_err2str(error));
        ends[static_cast<size_t>(p)] = high;
        if (lows != nullptr) lows->push_back(low);
    }
    return ends;
}

/// --name value options after the positional arguments.
class Options {
public:
    Options(int argc, char** argv, int first) {
        for (int i = first; i < argc; i += 2) {
            std::string key = argv[i];
            if (!key.starts_with("--") || i + 1 >= argc) usage("expected --option value, got " + key);
            values_[key.substr(2)] = argv[i + 1];
        }
    }
    int64_t number(const std::string& key, int64_t fallback) const {
        auto found = values_.find(key);
        if (found == values_.end()) return fallback;
        char* end = nullptr;
        long long value = std::strtoll(found->second.c_str(), &end, 10);
        if (end == found->second.c_str() || *end != '\0') usage("--" + key + ": not a number: " + found->second);
        return value;
    }
    std::string text(const std::string& key, const std::string& fallback) const {
        auto found = values_.find(key);
        return found == values_.end() ? fallback : found->second;
    }

private:
    std::map<std::string, std::string> values_;
};

/// "k=v,k=v" (an option's value) as settings.
Settings parseSettings(const std::string& text) {
    Settings out;
    size_t at = 0;
    while (at < text.size()) {
        size_t comma = text.find(',', at);
        if (comma == std::string::npos) comma = text.size();
        std::string item = text.substr(at, comma - at);
        size_t equals = item.find('=');
        if (equals == std::string::npos) usage("expected key=value, got " + item);
        out.emplace_back(item.substr(0, equals), item.substr(equals + 1));
        at = comma + 1;
    }
    return out;
}

int createTopic(const std::string& bootstrap, const std::string& topic, int partitions) {
    Handle admin = makeClient(RD_KAFKA_PRODUCER, bootstrap, {});
    char error[512];
    rd_kafka_NewTopic_t* newTopic = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof error);
    if (newTopic == nullptr) fail(error);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_CreateTopics(admin.get(), &newTopic, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
    if (event == nullptr) fail("no answer to CreateTopics within 30 s");
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) fail(rd_kafka_event_error_string(event));
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    if (count != 1 || rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail("creating " + topic + ": " + (count == 1 ? rd_kafka_topic_result_error_string(results[0]) : "?"));
    }
    rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(newTopic);
    // Wait until the topic's metadata names a leader for every partition.
    for (int attempt = 0; attempt < 100; ++attempt) {
        rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(admin.get(), topic.c_str(), nullptr);
        const rd_kafka_metadata_t* metadata = nullptr;
        bool ready = rd_kafka_metadata(admin.get(), 0, topicHandle, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                     metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                     metadata->topics[0].partition_cnt == partitions;
        if (ready) {
            for (int p = 0; p < partitions; ++p) ready = ready && metadata->topics[0].partitions[p].leader >= 0;
        }
        if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
        rd_kafka_topic_destroy(topicHandle);
        if (ready) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    fail("topic " + topic + " has no leader after 10 s");
}

/// A deterministic record stream: splitmix64 of the sequence number.
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "AMD"};

/// Writes record `seq` into `out`; returns whether price * quantity > 10000.
bool tradeRecord(uint64_t seq, uint64_t seed, int64_t timeMs, std::string& out) {
    uint64_t random = mix(seq ^ (seed * 0x2545f4914f6cdd1dULL));
    const char* symbol = kSymbols[random % 8];
    uint64_t trader = (random >> 3) % 1000;
    int64_t priceTicks = 100000 + static_cast<int64_t>((random >> 13) % 4900000);  // 10.0000 – 499.9999
    int64_t quantity = 1 + static_cast<int64_t>((random >> 40) % 999);
    char buffer[256];
    int length = std::snprintf(buffer, sizeof buffer,
                               "{\"trade_id\":\"t%" PRIu64 "\",\"symbol\":\"%s\",\"trader_id\":\"u%" PRIu64
                               "\",\"price\":\"%" PRId64 ".%04" PRId64 "\",\"quantity\":%" PRId64
                               ",\"trade_time\":%" PRId64 "}",
                               seq, symbol, trader, priceTicks / 10000, priceTicks % 10000, quantity, timeMs);
    out.assign(buffer, static_cast<size_t>(length));
    return priceTicks * quantity > 100000LL * 10000;  // price * quantity > 100000
}

/// Settings of the engine's kafka_sink producer (src/connectors/kafka_sink.cpp, open()).
Settings sinkProducerSettings() {
    return {{"partitioner", "murmur2_random"},
            {"enable.idempotence", "true"},
            {"queue.buffering.max.kbytes", "65536"},
            {"queue.buffering.max.messages", "100000"}};
}

std::atomic<int64_t> gFailedDeliveries{0};

void countFailures(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* message, void*) {
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++gFailedDeliveries;
    });
}

/// produceva with the value (copied) and an optional timestamp; waits while the queue is full.
void produceOne(rd_kafka_t* producer, rd_kafka_topic_t* topic, std::string_view value, std::string_view key,
                bool hasKey, int64_t timestampMs) {
    rd_kafka_vu_t fields[5];
    size_t count = 0;
    fields[count].vtype = RD_KAFKA_VTYPE_RKT;
    fields[count++].u.rkt = topic;
    fields[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[count++].u.i = RD_KAFKA_MSG_F_COPY;
    fields[count].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[count++].u.mem = {const_cast<char*>(value.data()), value.size()};
    if (hasKey) {
        fields[count].vtype = RD_KAFKA_VTYPE_KEY;
        fields[count++].u.mem = {const_cast<char*>(key.data()), key.size()};
    }
    if (timestampMs > 0) {
        fields[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        fields[count++].u.i64 = timestampMs;
    }
    while (true) {
        rd_kafka_error_t* error = rd_kafka_produceva(producer, fields, count);
        if (error == nullptr) return;
        bool full = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL;
        std::string text = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        if (!full) fail("produce: " + text);
        rd_kafka_poll(producer, 10);
    }
}

void flushAll(rd_kafka_t* producer) {
    if (rd_kafka_flush(producer, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("flush: records undelivered after 120 s");
    if (gFailedDeliveries.load() != 0) fail(std::to_string(gFailedDeliveries.load()) + " failed deliveries");
}

int produce(const std::string& bootstrap, const std::string& topic, int64_t records, const Options& options) {
    int64_t rate = options.number("rate", 0);
    uint64_t seed = static_cast<uint64_t>(options.number("seed", 42));
    int64_t first = options.number("first", 0);
    Settings settings = sinkProducerSettings();
    settings.emplace_back("linger.ms", std::to_string(options.number("linger-ms", rate > 0 ? 1 : 5)));
    settings.emplace_back("batch.num.messages", "10000");
    Handle producer = makeClient(RD_KAFKA_PRODUCER, bootstrap, settings, countFailures);
    rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(producer.get(), topic.c_str(), nullptr);
    std::string value;
    int64_t bytes = 0;
    int64_t passing = 0;
    auto start = Clock::now();
    for (int64_t seq = first; seq < first + records; ++seq) {
        if (rate > 0 && seq % 16 == 0) {
            // Paced: record seq is due at start + seq / rate.
            auto due = start + std::chrono::nanoseconds((seq - first) * 1'000'000'000 / rate);
            while (Clock::now() < due) {
                rd_kafka_poll(producer.get(), 0);
                std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::microseconds(500)));
            }
        }
        int64_t now = wallMicros() / 1000;
        passing += tradeRecord(static_cast<uint64_t>(seq), seed, now, value) ? 1 : 0;
        bytes += static_cast<int64_t>(value.size());
        produceOne(producer.get(), topicHandle, value, {}, false, now);
        if (seq % 1024 == 0) rd_kafka_poll(producer.get(), 0);
    }
    double sendSeconds = secondsSince(start);
    flushAll(producer.get());
    double seconds = secondsSince(start);
    rd_kafka_topic_destroy(topicHandle);
    std::printf("{\"records\":%" PRId64 ",\"bytes\":%" PRId64 ",\"send_seconds\":%.6f,\"seconds\":%.6f,"
                "\"passing_filter\":%" PRId64 "}\n",
                records, bytes, sendSeconds, seconds, passing);
    return 0;
}

/// The integer after `"name":` in a JSON object text (optionally quoted), or -1.
int64_t integerField(std::string_view text, std::string_view pattern) {
    size_t at = text.find(pattern);
    if (at == std::string_view::npos) return -1;
    at += pattern.size();
    while (at < text.size() && (text[at] == ' ' || text[at] == '"' || text[at] == 't')) ++at;
    int64_t value = 0;
    bool any = false;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
        value = value * 10 + (text[at++] - '0');
        any = true;
    }
    return any ? value : -1;
}

int latency(const std::string& bootstrap, const std::string& topic, const Options& options) {
    int64_t skip = options.number("skip", 0);
    int64_t expect = options.number("expect", 0);
    if (expect <= 0) usage("latency needs --expect N");
    std::string field = options.text("field", "produced_ms");
    int64_t timeoutS = options.number("timeout", 120);
    std::string fieldPattern = "\"" + field + "\":";
    Handle consumer = makeClient(RD_KAFKA_CONSUMER, bootstrap,
                                 {{"group.id", "kafka-bench-latency-" + std::to_string(wallMicros())},
                                  // Visibility to read_committed readers (transactional jobs).
                                  {"isolation.level", "read_committed"},
                                  {"enable.auto.commit", "false"},
                                  {"fetch.wait.max.ms", "10"},
                                  {"fetch.error.backoff.ms", "10"}});
    int partitions = partitionCount(consumer.get(), topic);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(consumer.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    std::printf("ready\n");
    std::fflush(stdout);

    std::vector<uint8_t> seen(static_cast<size_t>(skip + expect), 0);
    std::vector<double> latencies;
    latencies.reserve(static_cast<size_t>(expect));
    int64_t total = 0;
    int64_t duplicates = 0;
    int64_t unparsed = 0;
    auto deadline = Clock::now() + std::chrono::seconds(timeoutS);
    while (static_cast<int64_t>(latencies.size()) < expect && Clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 100);
        if (message == nullptr) continue;
        int64_t nowUs = wallMicros();
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            ++total;
            std::string_view text(static_cast<const char*>(message->payload), message->len);
            int64_t seq = integerField(text, "\"trade_id\":");
            int64_t producedMs = integerField(text, fieldPattern);
            if (seq < 0 || producedMs < 0) {
                ++unparsed;
            } else if (seq >= skip && seq < skip + expect) {
                auto index = static_cast<size_t>(seq);
                if (seen[index]) {
                    ++duplicates;
                } else {
                    seen[index] = 1;
                    latencies.push_back(static_cast<double>(nowUs) / 1000.0 - static_cast<double>(producedMs));
                }
            }
        }
        rd_kafka_message_destroy(message);
    }
    rd_kafka_consumer_close(consumer.get());
    if (latencies.empty()) fail("no measured record arrived within the timeout");
    std::vector<double> sorted = latencies;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
        size_t index = std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())));
        return sorted[index];
    };
    double sum = 0;
    for (double value : sorted) sum += value;
    std::printf("{\"measured\":%zu,\"expected\":%" PRId64 ",\"records_read\":%" PRId64 ",\"duplicates\":%" PRId64
                ",\"unparsed\":%" PRId64 ",\"complete\":%s,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
                "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"min_ms\":%.3f,\"mean_ms\":%.3f}\n",
                sorted.size(), expect, total, duplicates, unparsed,
                static_cast<int64_t>(sorted.size()) == expect ? "true" : "false", at(0.50), at(0.90), at(0.99),
                at(0.999), sorted.back(), sorted.front(), sum / static_cast<double>(sorted.size()));
    return static_cast<int64_t>(sorted.size()) == expect ? 0 : 1;
}

int relay(const std::string& bootstrap, const std::string& in, const std::string& out, const Options& options) {
    auto batch = static_cast<size_t>(std::max<int64_t>(1, options.number("batch", 1024)));
    std::string group = options.text("group", "kafka-bench-relay-" + std::to_string(wallMicros()));
    int64_t commitMs = options.number("commit-ms", 1000);
    auto start = Clock::now();
    // The engine's kafka_source consumer settings (src/connectors/kafka_source.cpp, open()).
    Settings consumerSettings = {
        {"group.id", group},
        {"group.instance.id", group + "-0"},
        {"auto.offset.reset", "earliest"},
        {"isolation.level", "read_committed"},
        {"queued.max.messages.kbytes",
         std::to_string(ferris::connectors::kafka::kDefaultPrefetchKbytes)},
        {"queued.min.messages", "10000000"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "true"}};
    for (auto& setting : parseSettings(options.text("consumer", ""))) consumerSettings.push_back(setting);
    Handle consumer = makeClient(RD_KAFKA_CONSUMER, bootstrap, consumerSettings);
    rd_kafka_poll_set_consumer(consumer.get());
    Settings producerSettings = sinkProducerSettings();
    for (auto& setting : parseSettings(options.text("producer", ""))) producerSettings.push_back(setting);
    Handle producer = makeClient(RD_KAFKA_PRODUCER, bootstrap, producerSettings, countFailures);
    rd_kafka_topic_t* outTopic = rd_kafka_topic_new(producer.get(), out.c_str(), nullptr);
    std::vector<int64_t> ends;
    {
        // Looked up with a client of its own, as the engine does for 'bounded' = 'latest'.
        Handle lookup = makeClient(RD_KAFKA_CONSUMER, bootstrap, {{"isolation.level", "read_committed"}});
        ends = endOffsets(lookup.get(), in);
    }
    std::vector<int64_t> next(ends.size(), 0);
    size_t remaining = 0;
    for (int64_t end : ends) remaining += end > 0 ? 1 : 0;
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, in.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(consumer.get(), topics) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("subscribe failed");
    rd_kafka_topic_partition_list_destroy(topics);
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer.get());
    // The engine's wake-up of a drained prefetch queue's fetchers (kafka_fetch_wakeup.h).
    int64_t capKbytes = ferris::connectors::kafka::kDefaultPrefetchKbytes;
    for (const auto& [key, value] : consumerSettings) {
        if (key == "queued.max.messages.kbytes") capKbytes = std::stoll(value);
    }
    ferris::connectors::kafka::FetchWakeup wakeup(capKbytes * 1024);

    auto commit = [&]() {
        // At least once: every record produced so far is delivered before its input offset
        // is committed.
        flushAll(producer.get());
        rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
        for (size_t p = 0; p < next.size(); ++p) {
            if (next[p] > 0) rd_kafka_topic_partition_list_add(offsets, in.c_str(), static_cast<int32_t>(p))->offset = next[p];
        }
        if (offsets->cnt > 0) {
            rd_kafka_resp_err_t error = rd_kafka_commit(consumer.get(), offsets, 0);
            if (error != RD_KAFKA_RESP_ERR_NO_ERROR) fail(std::string("commit: ") + rd_kafka_err2str(error));
        }
        rd_kafka_topic_partition_list_destroy(offsets);
    };

    std::vector<rd_kafka_message_t*> messages(batch);
    std::vector<uint8_t> done(ends.size(), 0);
    for (size_t p = 0; p < ends.size(); ++p) done[p] = ends[p] == 0 ? 1 : 0;
    int64_t records = 0;
    auto lastCommit = Clock::now();
    auto deadline = Clock::now() + std::chrono::seconds(options.number("timeout", 600));
    while (remaining > 0) {
        if (Clock::now() > deadline) fail("relay did not reach the end offsets in time");
        auto queuedBefore = static_cast<size_t>(rd_kafka_queue_length(queue));
        ssize_t received = rd_kafka_consume_batch_queue(queue, 100, messages.data(), messages.size());
        if (received < 0) fail("consume failed");
        size_t valueBytes = 0;
        for (ssize_t i = 0; i < received; ++i) {
            rd_kafka_message_t* message = messages[static_cast<size_t>(i)];
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) valueBytes += message->len;
            auto p = static_cast<size_t>(message->partition);
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && p < ends.size() && message->offset < ends[p]) {
                produceOne(producer.get(), outTopic,
                           {static_cast<const char*>(message->payload), message->len},
                           {static_cast<const char*>(message->key), message->key_len}, message->key != nullptr, 0);
                ++records;
                next[p] = message->offset + 1;
            }
            bool atEnd = p < ends.size() && (message->err == RD_KAFKA_RESP_ERR_NO_ERROR ||
                                             message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) &&
                         message->offset + (message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? 1 : 0) >= ends[p];
            if (atEnd && !done[p]) {
                done[p] = 1;
                --remaining;
            }
            rd_kafka_message_destroy(message);
        }
        if (wakeup.due(queuedBefore, static_cast<size_t>(received), valueBytes,
                       static_cast<size_t>(rd_kafka_queue_length(queue)))) {
            rd_kafka_topic_partition_list_t* reading =
                rd_kafka_topic_partition_list_new(static_cast<int>(ends.size()));
            for (size_t p = 0; p < ends.size(); ++p) {
                if (!done[p])
                    rd_kafka_topic_partition_list_add(reading, in.c_str(), static_cast<int32_t>(p));
            }
            wakeup.wake(consumer.get(), reading);
            rd_kafka_topic_partition_list_destroy(reading);
        }
        rd_kafka_poll(producer.get(), 0);
        if (Clock::now() - lastCommit >= std::chrono::milliseconds(commitMs)) {
            commit();
            lastCommit = Clock::now();
        }
    }
    commit();
    rd_kafka_queue_destroy(queue);
    rd_kafka_topic_destroy(outTopic);
    rd_kafka_consumer_close(consumer.get());
    std::printf("{\"records\":%" PRId64 ",\"seconds\":%.6f,\"fetch_wakeups\":%" PRId64 "}\n",
                records, secondsSince(start), wakeup.wakeups());
    return 0;
}

int count(const std::string& bootstrap, const std::string& topic) {
    Handle consumer = makeClient(RD_KAFKA_CONSUMER, bootstrap, {});
    std::vector<int64_t> lows;
    std::vector<int64_t> highs = endOffsets(consumer.get(), topic, &lows);
    int64_t total = 0;
    for (size_t p = 0; p < highs.size(); ++p) total += highs[p] - lows[p];
    std::printf("{\"records\":%" PRId64 ",\"partitions\":%zu}\n", total, highs.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) usage("usage: kafka_bench_tool create-topic|produce|latency|relay|count BOOTSTRAP TOPIC ...");
    std::string command = argv[1];
    std::string bootstrap = argv[2];
    std::string topic = argv[3];
    if (command == "create-topic" && argc == 5) return createTopic(bootstrap, topic, std::atoi(argv[4]));
    if (command == "produce" && argc >= 5) return produce(bootstrap, topic, std::atoll(argv[4]), Options(argc, argv, 5));
    if (command == "latency") return latency(bootstrap, topic, Options(argc, argv, 4));
    if (command == "relay" && argc >= 5) return relay(bootstrap, topic, argv[4], Options(argc, argv, 5));
    if (command == "count" && argc == 4) return count(bootstrap, topic);
    usage("unknown command or wrong arguments: " + command);
}
