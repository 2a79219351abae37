#include "kafka_test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>

#include "apps/app_loader.h"
#include "connectors/connector_registry.h"
#include "runtime/app_runner.h"
#include "runtime/job_clock.h"

namespace ferris::testing {

namespace {

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

Handle client(rd_kafka_type_t type, const std::string& bootstrap,
              const std::vector<std::pair<std::string, std::string>>& settings) {
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
    char error[512];
    std::vector<std::pair<std::string, std::string>> all = {{"bootstrap.servers", bootstrap}};
    all.insert(all.end(), settings.begin(), settings.end());
    for (const auto& [key, value] : all) {
        if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            ADD_FAILURE() << key << ": " << error;
            return nullptr;
        }
    }
    rd_kafka_t* handle = rd_kafka_new(type, conf.get(), error, sizeof error);
    if (handle == nullptr) {
        ADD_FAILURE() << error;
        return nullptr;
    }
    (void)conf.release();
    return Handle(handle);
}

}  // namespace

std::string kafkaBootstrap() {
    const char* address = std::getenv("FERRIS_KAFKA_BOOTSTRAP");
    if (address == nullptr || *address == '\0') {
        ADD_FAILURE() << "FERRIS_KAFKA_BOOTSTRAP is not set: run the Kafka tests through make test "
                         "(scripts/run-tests.sh starts the broker)";
        return "127.0.0.1:1";
    }
    return address;
}

std::string uniqueTopic(const std::string& stem) {
    std::random_device device;
    return stem + "-" + std::to_string(device());
}

/// An admin answer for one topic, without error.
static void expectOneTopicDone(const rd_kafka_topic_result_t** results, size_t count) {
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(rd_kafka_topic_result_error(results[0]), RD_KAFKA_RESP_ERR_NO_ERROR)
        << rd_kafka_topic_result_error_string(results[0]);
}

void createTopic(const std::string& topic, int partitions,
                 const std::vector<std::pair<std::string, std::string>>& configs, const std::string& bootstrap) {
    Handle admin = client(RD_KAFKA_PRODUCER, bootstrap.empty() ? kafkaBootstrap() : bootstrap, {});
    ASSERT_TRUE(admin);
    char error[512];
    rd_kafka_NewTopic_t* newTopic = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof error);
    ASSERT_NE(newTopic, nullptr) << error;
    for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(newTopic, key.c_str(), value.c_str());
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_CreateTopics(admin.get(), &newTopic, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
    ASSERT_NE(event, nullptr) << "no answer to CreateTopics within 30 s";
    EXPECT_EQ(rd_kafka_event_error(event), RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_event_error_string(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    expectOneTopicDone(results, count);
    rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(newTopic);
}

void deleteTopic(const std::string& topic) {
    Handle admin = client(RD_KAFKA_PRODUCER, kafkaBootstrap(), {});
    ASSERT_TRUE(admin);
    rd_kafka_DeleteTopic_t* doomed = rd_kafka_DeleteTopic_new(topic.c_str());
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_DeleteTopics(admin.get(), &doomed, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
    ASSERT_NE(event, nullptr) << "no answer to DeleteTopics within 30 s";
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count);
    expectOneTopicDone(results, count);
    rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_DeleteTopic_destroy(doomed);
}

void produce(const std::string& topic, const std::vector<TestRecord>& records, const std::string& bootstrap) {
    static std::atomic<int64_t> failures{0};
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
    char error[512];
    std::string address = bootstrap.empty() ? kafkaBootstrap() : bootstrap;
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"bootstrap.servers", address}, {"partitioner", "murmur2_random"}, {"enable.idempotence", "true"},
             {"linger.ms", "5"}}) {
        ASSERT_EQ(rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof error), RD_KAFKA_CONF_OK);
    }
    rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* message, void*) {
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++failures;
    });
    failures = 0;
    rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error);
    ASSERT_NE(raw, nullptr) << error;
    (void)conf.release();
    Handle producer(raw);
    rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(producer.get(), topic.c_str(), nullptr);
    for (const auto& record : records) {
        rd_kafka_headers_t* headers = nullptr;
        if (!record.headers.empty()) {
            headers = rd_kafka_headers_new(record.headers.size());
            for (const auto& [name, value] : record.headers) {
                rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()),
                                    value ? value->data() : nullptr, value ? static_cast<ssize_t>(value->size()) : 0);
            }
        }
        rd_kafka_vu_t fields[7];
        size_t count = 0;
        fields[count].vtype = RD_KAFKA_VTYPE_RKT;
        fields[count++].u.rkt = topicHandle;
        fields[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        fields[count++].u.i = RD_KAFKA_MSG_F_COPY;
        fields[count].vtype = RD_KAFKA_VTYPE_VALUE;
        fields[count++].u.mem = {record.value ? const_cast<char*>(record.value->data()) : nullptr,
                                 record.value ? record.value->size() : 0};
        if (record.key) {
            fields[count].vtype = RD_KAFKA_VTYPE_KEY;
            fields[count++].u.mem = {const_cast<char*>(record.key->data()), record.key->size()};
        }
        if (record.partition >= 0) {
            fields[count].vtype = RD_KAFKA_VTYPE_PARTITION;
            fields[count++].u.i32 = record.partition;
        }
        if (record.timestampMs > 0) {
            fields[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
            fields[count++].u.i64 = record.timestampMs;
        }
        if (headers != nullptr) {
            fields[count].vtype = RD_KAFKA_VTYPE_HEADERS;
            fields[count++].u.headers = headers;
        }
        while (true) {
            rd_kafka_error_t* failure = rd_kafka_produceva(producer.get(), fields, count);
            if (failure == nullptr) break;
            bool full = rd_kafka_error_code(failure) == RD_KAFKA_RESP_ERR__QUEUE_FULL;
            std::string text = rd_kafka_error_string(failure);
            rd_kafka_error_destroy(failure);
            ASSERT_TRUE(full) << text;
            rd_kafka_poll(producer.get(), 10);
        }
    }
    ASSERT_EQ(rd_kafka_flush(producer.get(), 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_destroy(topicHandle);
    ASSERT_EQ(failures.load(), 0) << "failed deliveries while producing test input";
}

std::vector<TestRecord> consumeAll(const std::string& topic, const std::string& bootstrap) {
    std::vector<TestRecord> out;
    std::string address = bootstrap.empty() ? kafkaBootstrap() : bootstrap;
    Handle consumer = client(RD_KAFKA_CONSUMER, address,
                             {{"group.id", uniqueTopic("ferris-test-reader")},
                              {"isolation.level", "read_committed"},
                              {"enable.auto.commit", "false"},
                              {"enable.partition.eof", "true"}});
    if (!consumer) return out;
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr);
    EXPECT_EQ(rd_kafka_metadata(consumer.get(), 0, topicHandle, &metadata, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_destroy(topicHandle);
    if (metadata == nullptr || metadata->topic_cnt != 1) return out;
    int partitions = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    std::vector<int64_t> ends(static_cast<size_t>(partitions));
    int remaining = 0;
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        EXPECT_EQ(rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), p, &low, &high, 10000),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
        ends[static_cast<size_t>(p)] = high;
        if (high > low) ++remaining;
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(consumer.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    std::vector<uint8_t> done(static_cast<size_t>(partitions), 0);
    for (int p = 0; p < partitions; ++p) done[static_cast<size_t>(p)] = ends[static_cast<size_t>(p)] == 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (remaining > 0 && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 500);
        if (message == nullptr) continue;
        auto index = static_cast<size_t>(message->partition);
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (!done[index] && message->offset >= ends[index]) {
                done[index] = 1;
                --remaining;
            }
        } else if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->offset < ends[index]) {
            TestRecord record;
            if (message->key != nullptr) record.key.emplace(static_cast<const char*>(message->key), message->key_len);
            if (message->payload != nullptr) {
                record.value.emplace(static_cast<const char*>(message->payload), message->len);
            }
            rd_kafka_headers_t* headers = nullptr;
            if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char* name = nullptr;
                const void* value = nullptr;
                size_t size = 0;
                for (size_t h = 0;
                     rd_kafka_header_get_all(headers, h, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++h) {
                    std::optional<std::string> text;
                    if (value != nullptr) text.emplace(static_cast<const char*>(value), size);
                    record.headers.emplace_back(name, text);
                }
            }
            rd_kafka_timestamp_type_t type;
            record.timestampMs = rd_kafka_message_timestamp(message, &type);
            record.partition = message->partition;
            record.offset = message->offset;
            out.push_back(std::move(record));
            if (message->offset + 1 >= ends[index] && !done[index]) {
                done[index] = 1;
                --remaining;
            }
        }
        rd_kafka_message_destroy(message);
    }
    EXPECT_EQ(remaining, 0) << "topic " << topic << " not read to its end within 60 s";
    rd_kafka_consumer_close(consumer.get());
    return out;
}

std::vector<int64_t> joinAndReadCommitted(const std::string& group, const std::string& topic,
                                          int partitions, const std::string& strategy) {
    std::vector<int64_t> out(static_cast<size_t>(partitions), -1);
    std::vector<std::pair<std::string, std::string>> settings = {
        {"group.id", group}, {"enable.auto.commit", "false"}, {"auto.offset.reset", "latest"}};
    if (!strategy.empty()) settings.emplace_back("partition.assignment.strategy", strategy);
    Handle consumer = client(RD_KAFKA_CONSUMER, kafkaBootstrap(), settings);
    if (!consumer) return out;
    rd_kafka_poll_set_consumer(consumer.get());
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    EXPECT_EQ(rd_kafka_subscribe(consumer.get(), topics), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);
    // Poll until the group has given this member something (the rebalance is done).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool assigned = false;
    while (!assigned && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 200);
        if (message != nullptr) rd_kafka_message_destroy(message);
        rd_kafka_topic_partition_list_t* assignment = nullptr;
        if (rd_kafka_assignment(consumer.get(), &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            assigned = assignment->cnt > 0;
            rd_kafka_topic_partition_list_destroy(assignment);
        }
    }
    EXPECT_TRUE(assigned) << "the second member got no partition within 60 s";
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    EXPECT_EQ(rd_kafka_committed(consumer.get(), list, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < list->cnt; ++i) out[static_cast<size_t>(list->elems[i].partition)] = list->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(consumer.get());
    return out;
}

int32_t javaPartition(std::string_view key, int32_t partitions) {
    // Kafka's Utils.murmur2 (seed 0x9747b28c), then toPositive (& 0x7fffffff).
    const auto* data = reinterpret_cast<const uint8_t*>(key.data());
    auto length = static_cast<int32_t>(key.size());
    const uint32_t m = 0x5bd1e995;
    const int r = 24;
    uint32_t h = 0x9747b28cU ^ static_cast<uint32_t>(length);
    int32_t words = length / 4;
    for (int32_t i = 0; i < words; ++i) {
        int32_t at = i * 4;
        uint32_t k = static_cast<uint32_t>(data[at]) | (static_cast<uint32_t>(data[at + 1]) << 8) |
                     (static_cast<uint32_t>(data[at + 2]) << 16) | (static_cast<uint32_t>(data[at + 3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    int32_t tail = words * 4;
    switch (length % 4) {
        case 3: h ^= static_cast<uint32_t>(data[tail + 2]) << 16; [[fallthrough]];
        case 2: h ^= static_cast<uint32_t>(data[tail + 1]) << 8; [[fallthrough]];
        case 1:
            h ^= static_cast<uint32_t>(data[tail]);
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<int32_t>((h & 0x7fffffffU) % static_cast<uint32_t>(partitions));
}

AppRun runApp(const std::string& sql, const std::filesystem::path& dir,
              const std::function<bool(const std::string& metrics)>& stopWhen) {
    AppRun run;
    std::filesystem::create_directories(dir);
    std::filesystem::path file = dir / "app.sql";
    std::ofstream(file) << sql;
    std::vector<Status> errors;
    auto loaded = apps::loadApp(file, errors);
    if (!loaded.isOk()) {
        run.status = errors.empty() ? loaded.status() : errors[0];
        return run;
    }
    runtime::WallClock clock;
    runtime::JobEnvironment environment;
    environment.clock = &clock;
    environment.baseDir = dir;
    environment.appName = loaded->plan.name;
    environment.registry = &connectors::ConnectorRegistry::global();
    auto jobs = runtime::buildJobs(loaded->plan, environment, errors);
    if (!errors.empty()) {
        run.status = errors[0];
        return run;
    }
    auto dependencies = runtime::jobDependencies(jobs, dir);
    if (!dependencies.isOk()) {
        run.status = dependencies.status();
        return run;
    }
    runtime::AppRunner runner(std::move(jobs), dependencies.value());
    std::atomic<bool> stop{false};
    auto metrics = [&] {
        std::string text;
        for (const auto& job : runner.jobs()) text += job->renderMetrics();
        return text;
    };
    run.status = runner.run(stop, [&] {
        if (stopWhen && stopWhen(metrics())) stop = true;
    });
    run.metrics = metrics();
    return run;
}

int64_t metricValue(const std::string& metrics, const std::string& name) {
    size_t at = 0;
    while ((at = metrics.find(name + " ", at)) != std::string::npos) {
        if (at == 0 || metrics[at - 1] == '\n') {
            size_t begin = at + name.size() + 1;
            size_t end = metrics.find('\n', begin);
            return std::stoll(metrics.substr(begin, end - begin));
        }
        at += name.size();
    }
    return -1;
}

}  // namespace ferris::testing
