// kafka-topic-tool: the few broker operations the Kafka demo needs, for machines without the
// Kafka command-line tools (`make demo-kafka`, scripts/demo-kafka.sh).
//
//   kafka-topic-tool create BOOTSTRAP TOPIC PARTITIONS   create a topic (an existing one is fine)
//   kafka-topic-tool produce BOOTSTRAP TOPIC FILE        one record per line of FILE, the line as
//                                                        the value, no key; waits for every ack
//   kafka-topic-tool dump BOOTSTRAP TOPIC [N]            count the topic's committed records up to
//                                                        its end offsets now, print the first N
//                                                        (default 3) with key and headers
//
// Exit status 0 on success, 1 on any failure (with a message on stderr).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "kafka-topic-tool: " << message << "\n";
    std::exit(1);
}

/// A client of `type` with `settings` (bootstrap.servers first); fails the program on error.
Handle client(rd_kafka_type_t type,
              const std::vector<std::pair<std::string, std::string>>& settings,
              void (*deliveryReport)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    // Errors only: librdkafka's warnings here are retries it recovers from by itself.
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
    for (const auto& [key, value] : settings) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
            RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            fail(key + ": " + error);
        }
    }
    if (deliveryReport != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, deliveryReport);
    rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof error);
    if (handle == nullptr) {
        rd_kafka_conf_destroy(conf);
        fail(error);
    }
    return Handle(handle);
}

void createTopic(const std::string& bootstrap, const std::string& topic, int partitions) {
    Handle admin = client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}});
    char error[512];
    rd_kafka_NewTopic_t* newTopic =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof error);
    if (newTopic == nullptr) fail(error);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_CreateTopics(admin.get(), &newTopic, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
    if (event == nullptr) fail("no answer to creating topic " + topic + " within 30 s");
    std::string problem;
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        problem = rd_kafka_event_error_string(event);
    } else {
        size_t count = 0;
        const rd_kafka_topic_result_t** results =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
        rd_kafka_resp_err_t code =
            count == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            problem = rd_kafka_err2str(code);
        }
    }
    rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(newTopic);
    if (!problem.empty()) fail("creating topic " + topic + ": " + problem);
}

int64_t deliveryFailures = 0;

void produceLines(const std::string& bootstrap, const std::string& topic, const std::string& path) {
    std::ifstream input(path);
    if (!input) fail("cannot read " + path);
    Handle producer = client(
        RD_KAFKA_PRODUCER,
        {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "20"}},
        [](rd_kafka_t*, const rd_kafka_message_t* message, void*) {
            if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++deliveryFailures;
        });
    int64_t lines = 0;
    std::string line;
    while (std::getline(input, line)) {
        rd_kafka_vu_t fields[3];
        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        fields[0].u.cstr = topic.c_str();
        fields[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        fields[1].u.i = RD_KAFKA_MSG_F_COPY;
        fields[2].vtype = RD_KAFKA_VTYPE_VALUE;
        fields[2].u.mem = {line.data(), line.size()};
        while (true) {
            rd_kafka_error_t* error = rd_kafka_produceva(producer.get(), fields, 3);
            if (error == nullptr) break;
            bool full = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL;
            std::string text = rd_kafka_error_string(error);
            rd_kafka_error_destroy(error);
            if (!full) fail("producing to " + topic + ": " + text);
            rd_kafka_poll(producer.get(), 10);
        }
        rd_kafka_poll(producer.get(), 0);
        ++lines;
    }
    if (rd_kafka_flush(producer.get(), 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail("records to " + topic + " not delivered within 120 s");
    }
    if (deliveryFailures > 0)
        fail(std::to_string(deliveryFailures) + " records to " + topic + " failed");
    std::cout << "produced " << lines << " records to " << topic << "\n";
}

std::string printable(const void* data, size_t size) {
    if (data == nullptr) return "null";
    return std::string(static_cast<const char*>(data), size);
}

void dump(const std::string& bootstrap, const std::string& topic, int64_t show) {
    Handle consumer = client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                                 {"group.id", "kafka-topic-tool"},
                                                 {"isolation.level", "read_committed"},
                                                 {"enable.auto.commit", "false"},
                                                 {"enable.partition.eof", "true"}});
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr);
    rd_kafka_resp_err_t error = rd_kafka_metadata(consumer.get(), 0, topicHandle, &metadata, 10000);
    rd_kafka_topic_destroy(topicHandle);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR)
        fail("metadata of " + topic + ": " + rd_kafka_err2str(error));
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(metadata);
        fail("topic " + topic + " does not exist");
    }
    int partitions = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);

    // Read every partition from its start to the end offset it has now.
    std::vector<int64_t> ends(static_cast<size_t>(partitions), 0);
    std::vector<bool> done(static_cast<size_t>(partitions), true);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        error =
            rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), p, &low, &high, 10000);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR)
            fail("offsets of " + topic + ": " + rd_kafka_err2str(error));
        ends[static_cast<size_t>(p)] = high;
        if (high > low) {
            rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = low;
            done[static_cast<size_t>(p)] = false;
        }
    }
    int remaining = list->cnt;
    rd_kafka_assign(consumer.get(), list);
    rd_kafka_topic_partition_list_destroy(list);

    int64_t count = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    std::vector<std::string> first;
    while (remaining > 0) {
        if (std::chrono::steady_clock::now() > deadline)
            fail("topic " + topic + " not read to its end in 120 s");
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 500);
        if (message == nullptr) continue;
        auto index = static_cast<size_t>(message->partition);
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                std::cerr << "kafka-topic-tool: " << rd_kafka_message_errstr(message)
                          << " (retrying)\n";
            } else if (!done[index] && message->offset >= ends[index]) {
                done[index] = true;  // the end was a transaction marker
                --remaining;
            }
            rd_kafka_message_destroy(message);
            continue;
        }
        auto end = ends[index];
        if (message->offset < end) {
            ++count;
            if (static_cast<int64_t>(first.size()) < show) {
                std::string text = "value " + printable(message->payload, message->len);
                if (message->key != nullptr)
                    text = "key " + printable(message->key, message->key_len) + ", " + text;
                rd_kafka_headers_t* headers = nullptr;
                if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                    const char* name = nullptr;
                    const void* value = nullptr;
                    size_t size = 0;
                    for (size_t h = 0; rd_kafka_header_get_all(headers, h, &name, &value, &size) ==
                                       RD_KAFKA_RESP_ERR_NO_ERROR;
                         ++h) {
                        text +=
                            std::string("\n      header ") + name + " = " + printable(value, size);
                    }
                }
                first.push_back(std::move(text));
            }
        }
        if (!done[index] && message->offset + 1 >= end) {  // records past the end are not read
            done[index] = true;
            --remaining;
        }
        rd_kafka_message_destroy(message);
    }
    rd_kafka_consumer_close(consumer.get());
    std::cout << "  " << topic << ": " << count << " records\n";
    for (const auto& text : first) std::cout << "    " << text << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const char* usage =
        "usage: kafka-topic-tool create BOOTSTRAP TOPIC PARTITIONS | produce BOOTSTRAP TOPIC FILE "
        "| "
        "dump BOOTSTRAP TOPIC [N]";
    if (args.size() == 4 && args[0] == "create") {
        createTopic(args[1], args[2], std::atoi(args[3].c_str()));
    } else if (args.size() == 4 && args[0] == "produce") {
        produceLines(args[1], args[2], args[3]);
    } else if ((args.size() == 3 || args.size() == 4) && args[0] == "dump") {
        dump(args[1], args[2], args.size() == 4 ? std::atoll(args[3].c_str()) : 3);
    } else {
        std::cerr << usage << "\n";
        return 1;
    }
    return 0;
}
