// The test broker (scripts/kafka.sh, DESIGN.md §2.4) against a real librdkafka client: it is
// reachable at $FERRIS_KAFKA_BOOTSTRAP (a test that cannot reach it fails, never skips), topics
// can be created — compacted ones too — and transactions commit and are read under
// read_committed, which the single-node settings (replication factor 1 for the transaction
// log, min ISR 1) must allow.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

std::string bootstrap() {
    const char* address = std::getenv("FERRIS_KAFKA_BOOTSTRAP");
    return address != nullptr ? address : "";
}

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct KafkaDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

/// A client of `type` with these settings; fails the test when librdkafka refuses one.
Handle client(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& settings) {
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
    char error[512];
    std::vector<std::pair<std::string, std::string>> all = {{"bootstrap.servers", bootstrap()}};
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
    conf.release();  // owned by the handle now
    return Handle(handle);
}

std::string uniqueName(const std::string& stem) {
    std::random_device device;
    return stem + "-" + std::to_string(device());
}

/// Creates a topic; "" or the error.
std::string createTopic(rd_kafka_t* admin, const std::string& name, int partitions,
                        const std::vector<std::pair<std::string, std::string>>& configs) {
    char error[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, error, sizeof error);
    if (topic == nullptr) return error;
    for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin);
    rd_kafka_CreateTopics(admin, &topic, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
    std::string result = "no answer within 30 s";
    if (event != nullptr) {
        if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            result = rd_kafka_event_error_string(event);
        } else {
            size_t count = 0;
            const rd_kafka_topic_result_t** topics =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
            result = count == 1 && rd_kafka_topic_result_error(topics[0]) == RD_KAFKA_RESP_ERR_NO_ERROR
                         ? ""
                         : (count == 1 ? rd_kafka_topic_result_error_string(topics[0]) : "no topic result");
        }
        rd_kafka_event_destroy(event);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(topic);
    return result;
}

/// "" or the message of a transactional API error (destroyed).
std::string check(rd_kafka_error_t* error) {
    if (error == nullptr) return "";
    std::string message = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    return message;
}

TEST(KafkaBrokerTest, TheBrokerIsConfigured) {
    ASSERT_FALSE(bootstrap().empty()) << "FERRIS_KAFKA_BOOTSTRAP is not set: run the tests with make test "
                                         "(scripts/run-tests.sh starts the broker)";
}

TEST(KafkaBrokerTest, TopicsAndCompactedTopicsCanBeCreated) {
    ASSERT_FALSE(bootstrap().empty());
    Handle admin = client(RD_KAFKA_PRODUCER, {});
    ASSERT_TRUE(admin);
    EXPECT_EQ(createTopic(admin.get(), uniqueName("ferris.test.plain"), 3, {}), "");
    EXPECT_EQ(createTopic(admin.get(), uniqueName("ferris.test.compacted"), 1, {{"cleanup.policy", "compact"}}), "");
}

TEST(KafkaBrokerTest, ATransactionCommitsAndIsReadCommitted) {
    ASSERT_FALSE(bootstrap().empty());
    std::string topic = uniqueName("ferris.test.transactions");
    {
        Handle admin = client(RD_KAFKA_PRODUCER, {});
        ASSERT_TRUE(admin);
        ASSERT_EQ(createTopic(admin.get(), topic, 1, {}), "");
    }
    Handle producer = client(RD_KAFKA_PRODUCER, {{"transactional.id", uniqueName("ferris.test")}});
    ASSERT_TRUE(producer);
    ASSERT_EQ(check(rd_kafka_init_transactions(producer.get(), 60000)), "");
    ASSERT_EQ(check(rd_kafka_begin_transaction(producer.get())), "");
    constexpr int kMessages = 10;
    rd_kafka_topic_t* target = rd_kafka_topic_new(producer.get(), topic.c_str(), nullptr);
    ASSERT_NE(target, nullptr);
    for (int i = 0; i < kMessages; ++i) {
        std::string value = "record-" + std::to_string(i);
        EXPECT_EQ(rd_kafka_produce(target, 0, RD_KAFKA_MSG_F_COPY, value.data(), value.size(), nullptr, 0, nullptr), 0)
            << rd_kafka_err2str(rd_kafka_last_error());
    }
    rd_kafka_topic_destroy(target);
    ASSERT_EQ(check(rd_kafka_commit_transaction(producer.get(), 60000)), "");

    Handle consumer = client(RD_KAFKA_CONSUMER, {{"group.id", uniqueName("ferris.test.group")},
                                                 {"isolation.level", "read_committed"},
                                                 {"enable.partition.eof", "true"},
                                                 {"auto.offset.reset", "earliest"}});
    ASSERT_TRUE(consumer);
    rd_kafka_topic_partition_list_t* partitions = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(partitions, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    ASSERT_EQ(rd_kafka_assign(consumer.get(), partitions), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(partitions);
    std::vector<std::string> values;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool eof = false;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 1000);
        if (message == nullptr) continue;
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof = values.size() >= kMessages;
        } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            ADD_FAILURE() << rd_kafka_message_errstr(message);
        } else {
            values.emplace_back(static_cast<const char*>(message->payload), message->len);
        }
        rd_kafka_message_destroy(message);
    }
    rd_kafka_consumer_close(consumer.get());
    ASSERT_EQ(values.size(), static_cast<size_t>(kMessages));
    for (int i = 0; i < kMessages; ++i) EXPECT_EQ(values[i], "record-" + std::to_string(i));
}

}  // namespace
