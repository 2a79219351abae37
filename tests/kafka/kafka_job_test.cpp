// Kafka jobs end to end on the real broker ($FERRIS_KAFKA_BOOTSTRAP): records are produced
// with librdkafka, a SQL app runs in-process, and the output topic is read back and compared
// with what the input says it must be (computed here, never from another run).

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "codec/schema_registry.h"
#include "kafka_test_util.h"
#include "registry_process.h"

namespace ferris::testing {
namespace {


// Avro binary by hand (the spec's encoding), independent of the codec under test.
void avroLong(int64_t value, std::string& out) {
    auto zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
    while (zigzag >= 0x80) {
        out += static_cast<char>((zigzag & 0x7f) | 0x80);
        zigzag >>= 7;
    }
    out += static_cast<char>(zigzag);
}
void avroString(const std::string& text, std::string& out) {
    avroLong(static_cast<int64_t>(text.size()), out);
    out += text;
}
/// A decimal's unscaled value as big-endian two's complement, shortest form.
void avroDecimal(int64_t unscaled, std::string& out) {
    std::string bytes;
    for (int i = 7; i >= 0; --i) bytes += static_cast<char>((static_cast<uint64_t>(unscaled) >> (i * 8)) & 0xff);
    size_t start = 0;
    while (start + 1 < bytes.size()) {
        auto head = static_cast<uint8_t>(bytes[start]);
        auto next = static_cast<uint8_t>(bytes[start + 1]);
        if ((head == 0x00 && (next & 0x80) == 0) || (head == 0xff && (next & 0x80) != 0)) {
            ++start;
        } else {
            break;
        }
    }
    avroString(bytes.substr(start), out);
}

class KafkaJobTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / uniqueTopic("ferris-kafka-job");
        std::filesystem::create_directories(dir_);
        // A name of its own: the consumer group (ferris.<app>.<job>) is the test's alone.
        app_ = "-- @app: " + uniqueTopic("t").replace(1, 1, "") + "\n";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    /// The source and sink declarations every test shares.
    static std::string sourceDecl(const std::string& topic, const std::string& columns, const std::string& extra = "") {
        return fmt::format("CREATE STREAM src ({}) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
                           "'src.bootstrap.servers' = '{}', 'src.bounded' = 'latest'{});\n",
                           columns, topic, kafkaBootstrap(), extra);
    }
    static std::string sinkKeys(const std::string& topic, const std::string& name = "out") {
        return fmt::format("'{0}.type' = 'kafka_sink', '{0}.topic' = '{1}', '{0}.bootstrap.servers' = '{2}'", name,
                           topic, kafkaBootstrap());
    }

    /// Produces `{"id":i}` for i in [first, first + count) to `topic`, keyed `key<i>`, each
    /// with the header `origin: test`.
    static void produceIds(const std::string& topic, int first, int count) {
        std::vector<TestRecord> records;
        for (int i = first; i < first + count; ++i) {
            TestRecord record;
            record.key = fmt::format("key{}", i);
            record.value = fmt::format(R"({{"id":{}}})", i);
            record.headers.emplace_back("origin", "test");
            records.push_back(record);
        }
        produce(topic, records);
    }

    /// The `{"id":…}` records of `topic` (ids i produced to partition i % 2) hold every id of
    /// [first, last] once, and each partition's ids in ascending order.
    static void expectEachIdOnceInPartitionOrder(const std::string& topic, int64_t first,
                                                 int64_t last) {
        std::vector<int64_t> previous(2, 0);
        std::set<int64_t> seen;
        for (const auto& record : consumeAll(topic)) {
            int64_t id = std::stoll(record.value->substr(6));
            EXPECT_TRUE(seen.insert(id).second) << "repeated " << id;
            EXPECT_GT(id, previous[static_cast<size_t>(id % 2)]) << "out of order";
            previous[static_cast<size_t>(id % 2)] = id;
        }
        EXPECT_EQ(seen.size(), static_cast<size_t>(last - first + 1));
        if (seen.empty()) return;
        EXPECT_EQ(*seen.begin(), first);
        EXPECT_EQ(*seen.rbegin(), last);
    }

    /// Runs `sql` as this test's app.
    AppRun run(const std::string& sql, const std::string& subdir = "",
               const std::function<bool(const std::string&)>& stopWhen = {}) {
        return runApp(app_ + sql, subdir.empty() ? dir_ : dir_ / subdir, stopWhen);
    }

    std::filesystem::path dir_;
    std::string app_;
};

TEST_F(KafkaJobTest, JsonPassThroughKeepsKeysHeadersAndPositions) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 3);
    createTopic(out, 4);
    std::vector<TestRecord> input;
    // Recent timestamps: the broker deletes records older than its retention (7 days).
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (int i = 1; i <= 300; ++i) {
        TestRecord record;
        record.key = fmt::format("k{}", i % 10);
        record.value = fmt::format(R"({{"id":{},"sym":"S{}","price":"{}.25","extra":true}})", i, i % 7, i);
        record.timestampMs = now - 10'000 + i;
        record.headers.emplace_back("trace", fmt::format("t{}", i));
        if (i % 5 == 0) record.headers.emplace_back("empty", std::nullopt);
        input.push_back(record);
    }
    produce(in, input);
    auto written = consumeAll(in);
    ASSERT_EQ(written.size(), input.size());

    std::string sql = sourceDecl(in, "id BIGINT, sym STRING, price DECIMAL(10,2)") +
                      "CREATE STREAM out AS SELECT id, sym, price, _key AS k, _partition AS p, _offset AS o, "
                      "_timestamp AS ts, _topic AS t, HEADER('trace') AS trace FROM src WHERE id % 2 = 0 WITH (" +
                      sinkKeys(out) + ");\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_EQ(metricValue(run.metrics, R"(ferris_records_in_total{job="out",source="src"})"), 300);

    // Expected: the even ids, each with its input record's key, headers and position.
    std::map<std::string, const TestRecord*> expected;
    for (const auto& record : written) {
        std::string value = *record.value;
        int id = std::stoi(value.substr(6, value.find(',') - 6));
        if (id % 2 != 0) continue;
        std::string text = fmt::format(
            R"({{"id":{},"sym":"S{}","price":"{}.25","k":"{}","p":{},"o":{},"ts":{},"t":"{}","trace":"t{}"}})", id,
            id % 7, id, *record.key, record.partition, record.offset, record.timestampMs, in, id);
        expected[text] = &record;
    }
    auto output = consumeAll(out);
    ASSERT_EQ(output.size(), expected.size());
    for (const auto& record : output) {
        ASSERT_TRUE(record.value.has_value());
        auto found = expected.find(*record.value);
        ASSERT_NE(found, expected.end()) << "unexpected output " << *record.value;
        const TestRecord& source = *found->second;
        EXPECT_EQ(record.key, source.key);
        EXPECT_EQ(record.headers, source.headers);
        // Keys are partitioned like the Java client does (murmur2).
        EXPECT_EQ(record.partition, javaPartition(*record.key, 4)) << *record.key;
        expected.erase(found);
    }
    EXPECT_TRUE(expected.empty());
}

TEST_F(KafkaJobTest, TableWritesKeyedUpsertsPerKey) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 3);
    std::vector<TestRecord> input;
    std::map<std::string, int64_t> sums;
    std::map<std::string, int64_t> counts;
    for (int i = 1; i <= 200; ++i) {
        TestRecord record;
        std::string sym = fmt::format("S{}", i % 5);
        record.value = fmt::format(R"({{"sym":"{}","qty":{}}})", sym, i);
        record.partition = i % 2;
        sums[sym] += i;
        counts[sym] += 1;
        input.push_back(record);
    }
    produce(in, input);
    std::string sql = sourceDecl(in, "sym STRING, qty BIGINT") +
                      "CREATE TABLE out AS SELECT sym, SUM(qty) AS total, COUNT(*) AS n FROM src GROUP BY sym WITH (" +
                      sinkKeys(out) + ");\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    // One upsert per input record; the last one per key holds the totals.
    auto output = consumeAll(out);
    EXPECT_EQ(output.size(), 200u);
    std::map<std::string, std::string> last;
    std::map<int32_t, std::map<std::string, int64_t>> offsets;
    for (const auto& record : output) {
        ASSERT_TRUE(record.key && record.value);
        EXPECT_EQ(record.partition, javaPartition(*record.key, 3));
        last[*record.key] = *record.value;  // offsets within a partition are in order
    }
    ASSERT_EQ(last.size(), sums.size());
    for (const auto& [sym, sum] : sums) {
        EXPECT_EQ(last[sym], fmt::format(R"({{"sym":"{}","total":{},"n":{}}})", sym, sum, counts[sym])) << sym;
    }
}

TEST_F(KafkaJobTest, StoppedJobContinuesFromItsOffsetsWithoutLoss) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    auto batch = [&](int from, int to) {
        std::vector<TestRecord> records;
        for (int i = from; i <= to; ++i) {
            TestRecord record;
            record.value = fmt::format(R"({{"id":{}}})", i);
            record.partition = i % 2;
            records.push_back(record);
        }
        return records;
    };
    produce(in, batch(1, 500));
    // Unbounded: stopped (gracefully) once it has read the first 500.
    std::string unbounded = fmt::format(
        "CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}');\n"
        "CREATE STREAM out AS SELECT id FROM src WITH ({}) ;\n",
        in, kafkaBootstrap(), sinkKeys(out));
    AppRun first = run(unbounded, "", [](const std::string& metrics) {
        return metricValue(metrics, R"(ferris_records_in_total{job="out",source="src"})") >= 500;
    });
    ASSERT_TRUE(first.status.isOk()) << first.status.toString();
    produce(in, batch(501, 800));
    // Resumed from the checkpoint, bounded now: reads exactly what came after.
    std::string bounded = sourceDecl(in, "id BIGINT") + "CREATE STREAM out AS SELECT id FROM src WITH (" +
                          sinkKeys(out) + ");\n";
    AppRun second = run(bounded);
    ASSERT_TRUE(second.status.isOk()) << second.status.toString();
    EXPECT_EQ(metricValue(second.metrics, R"(ferris_records_in_total{job="out",source="src"})"), 300);
    // Without the checkpoint, the consumer group's committed offsets say where to go on.
    produce(in, batch(801, 900));
    std::filesystem::remove_all(dir_ / ".ferris-state");
    AppRun third = run(bounded);
    ASSERT_TRUE(third.status.isOk()) << third.status.toString();
    EXPECT_EQ(metricValue(third.metrics, R"(ferris_records_in_total{job="out",source="src"})"), 100);

    std::multiset<std::string> seen;
    for (const auto& record : consumeAll(out)) seen.insert(*record.value);
    std::multiset<std::string> all;
    for (int i = 1; i <= 900; ++i) all.insert(fmt::format(R"({{"id":{}}})", i));
    EXPECT_EQ(seen, all);  // nothing lost, nothing repeated (every stop was graceful)
}

TEST_F(KafkaJobTest, PoisonRecordGoesToTheDlqTopicAndTheJobContinues) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    std::string dlq = uniqueTopic("dlq");
    createTopic(in, 1);
    createTopic(out, 1);
    std::vector<TestRecord> input;
    for (int i = 1; i <= 20; ++i) {
        TestRecord record;
        record.key = fmt::format("key{}", i);
        record.value = i == 7 ? std::string("{\"id\": not json") : fmt::format(R"({{"id":{}}})", i);
        record.headers.emplace_back("origin", "test");
        input.push_back(record);
    }
    produce(in, input);
    std::string sql = sourceDecl(in, "id BIGINT") + "CREATE STREAM out AS SELECT id FROM src WITH (" + sinkKeys(out) +
                      ", 'failure_strategy' = 'send_to_dlq', 'dlq.topic' = '" + dlq + "');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_EQ(consumeAll(out).size(), 19u);
    auto dead = consumeAll(dlq);
    ASSERT_EQ(dead.size(), 1u);
    const TestRecord& entry = dead[0];
    EXPECT_EQ(entry.key, std::optional<std::string>("key7"));
    EXPECT_EQ(entry.value, std::optional<std::string>("{\"id\": not json"));
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : entry.headers) headers[name] = value.value_or("<null>");
    EXPECT_EQ(headers["origin"], "test");
    EXPECT_EQ(headers["ferris.error.kind"], "decode_error");
    EXPECT_FALSE(headers["ferris.error"].empty());
    EXPECT_EQ(headers["ferris.job"], "out");
    EXPECT_EQ(headers["ferris.source.topic"], in);
    EXPECT_EQ(headers["ferris.source.partition"], "0");
    EXPECT_EQ(headers["ferris.source.offset"], "6");
    EXPECT_EQ(headers["ferris.retries"], "0");
    EXPECT_FALSE(headers["ferris.time"].empty());
    EXPECT_EQ(entry.headers.size(), 9u);
}

TEST_F(KafkaJobTest, RetryWithBackoffSendsUndeliveredOutputAgainThenToTheDlq) {
    // The output topic is deleted under a running job (the broker creates no topic by itself):
    // retry_with_backoff sends each undelivered record again max_retries times, then to the
    // DLQ topic with its headers and ferris.retries; once the topic is back, output flows
    // again. Nothing is lost: phase A went out before, B is in the DLQ, C is in the new topic.
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    std::string dlq = uniqueTopic("dlq");
    createTopic(in, 1);
    createTopic(out, 1);
    auto phase = [&](int first) { produceIds(in, first, 10); };
    phase(1);
    std::string sql = fmt::format(
        "CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}');\n"
        "CREATE STREAM out AS SELECT id FROM src WITH ({}, 'out.kafka.message.timeout.ms' = "
        "'1500', "
        "'failure_strategy' = 'retry_with_backoff', 'max_retries' = '2', 'retry_backoff' = "
        "'100ms', "
        "'dlq.topic' = '{}', 'commit.interval' = '200ms');\n",
        in, kafkaBootstrap(), sinkKeys(out), dlq);
    int step = 0;
    AppRun run = this->run(sql, "", [&](const std::string& metrics) {
        int64_t written = metricValue(
            metrics, fmt::format("ferris_records_out_total{{job=\"out\",sink=\"out\"}}"));
        int64_t dead = metricValue(metrics, "ferris_dlq_records_total{job=\"out\"}");
        if (step == 0 && written >= 10) {
            deleteTopic(out);
            phase(11);
            step = 1;
        } else if (step == 1 && dead >= 10) {
            createTopic(out, 1);
            phase(21);
            step = 2;
        }
        return step == 2 && written >= 30;
    });
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_EQ(metricValue(run.metrics, "ferris_dlq_records_total{job=\"out\"}"), 10);
    EXPECT_EQ(metricValue(run.metrics, "ferris_delivery_retries_total{job=\"out\",sink=\"out\"}"),
              20);
    EXPECT_EQ(metricValue(run.metrics,
                          "ferris_records_failed_total{job=\"out\",kind=\"delivery_failed\"}"),
              10);
    std::vector<std::string> written;
    for (const auto& record : consumeAll(out)) written.push_back(record.value.value_or("<null>"));
    std::vector<std::string> expected;
    for (int i = 21; i <= 30; ++i) expected.push_back(fmt::format(R"({{"id":{}}})", i));
    EXPECT_EQ(written, expected);
    auto dead = consumeAll(dlq);
    ASSERT_EQ(dead.size(), 10u);
    std::set<std::string> ids;
    for (const auto& entry : dead) {
        ids.insert(entry.value.value_or("<null>"));
        std::map<std::string, std::string> headers;
        for (const auto& [name, value] : entry.headers) headers[name] = value.value_or("<null>");
        EXPECT_EQ(headers["origin"], "test");
        EXPECT_EQ(headers["ferris.error.kind"], "delivery_failed");
        EXPECT_EQ(headers["ferris.retries"], "2");
        EXPECT_EQ(headers["ferris.job"], "out");
        EXPECT_NE(headers["ferris.error"].find(out), std::string::npos) << headers["ferris.error"];
        EXPECT_EQ(entry.key, std::optional<std::string>(
                                 fmt::format("key{}", entry.value.value_or("").substr(6, 2))));
    }
    std::set<std::string> expectedDead;
    for (int i = 11; i <= 20; ++i) expectedDead.insert(fmt::format(R"({{"id":{}}})", i));
    EXPECT_EQ(ids, expectedDead);
}

TEST_F(KafkaJobTest, RetryWithoutADlqFailsTheJobAndARestartLosesNothing) {
    // retry_with_backoff without a DLQ: output still undelivered after its retries fails the
    // job before its checkpoint, so a restart (once the topic is back) produces it again.
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 1);
    createTopic(out, 1);
    auto phase = [&](int first) { produceIds(in, first, 10); };
    phase(1);
    std::string sql = fmt::format(
        "CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}');\n"
        "CREATE STREAM out AS SELECT id FROM src WITH ({}, 'out.kafka.message.timeout.ms' = "
        "'1500', "
        "'failure_strategy' = 'retry_with_backoff', 'max_retries' = '1', 'retry_backoff' = '50ms', "
        "'commit.interval' = '200ms');\n",
        in, kafkaBootstrap(), sinkKeys(out));
    bool deleted = false;
    AppRun first = this->run(sql, "", [&](const std::string& metrics) {
        if (!deleted &&
            metricValue(metrics, R"(ferris_records_out_total{job="out",sink="out"})") >= 10) {
            deleteTopic(out);
            phase(11);
            deleted = true;
        }
        return false;  // the job fails by itself
    });
    ASSERT_FALSE(first.status.isOk());
    EXPECT_EQ(first.status.code(), ErrorCode::kDeliveryFailed) << first.status.toString();
    EXPECT_NE(
        first.status.message().find("(failure_strategy is retry_with_backoff, and no DLQ is set)"),
        std::string::npos)
        << first.status.toString();
    EXPECT_GE(metricValue(first.metrics, R"(ferris_delivery_retries_total{job="out",sink="out"})"),
              1);

    createTopic(out, 1);
    AppRun second = this->run(sql, "", [&](const std::string& metrics) {
        // Everything read (no lag) and at least phase B written.
        return metricValue(metrics, R"(ferris_records_out_total{job="out",sink="out"})") >= 10 &&
               metricValue(
                   metrics,
                   R"(ferris_consumer_lag_records{job="out",source="src",partition="0"})") == 0;
    });
    ASSERT_TRUE(second.status.isOk()) << second.status.toString();
    // The new topic has every record after the last checkpoint once: all of phase B, and
    // phase A's if the topic went before their commit.
    std::multiset<std::string> written;
    for (const auto& record : consumeAll(out)) written.insert(record.value.value_or("<null>"));
    std::set<std::string> distinct(written.begin(), written.end());
    EXPECT_EQ(distinct.size(), written.size());
    for (int i = 11; i <= 20; ++i)
        EXPECT_EQ(written.count(fmt::format(R"({{"id":{}}})", i)), 1u) << i;
    EXPECT_TRUE(written.size() == 10 || written.size() == 20) << written.size();
}

TEST_F(KafkaJobTest, CircuitBreakerOpensOnAFailingSinkAndClosesOnceItDeliversAgain) {
    // The output topic is deleted under a running job whose records keep coming: after two
    // failed delivery rounds the breaker opens and the job reads nothing; the topic is created
    // again, and after open_timeout a probe round delivers and closes the breaker. Every
    // record after the deletion is exactly once in the DLQ (failed rounds) or the new topic.
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    std::string dlq = uniqueTopic("dlq");
    createTopic(in, 1);
    createTopic(out, 1);
    int next = 1;
    auto produceNext = [&](int count) {
        produceIds(in, next, count);
        next += count;
    };
    produceNext(10);
    std::string sql = fmt::format(
        "CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}');\n"
        "CREATE STREAM out AS SELECT id FROM src WITH ({}, 'out.kafka.message.timeout.ms' = "
        "'1000', "
        "'failure_strategy' = 'send_to_dlq', 'dlq.topic' = '{}', 'commit.interval' = '200ms', "
        "'circuit.breaker.enabled' = 'true', 'circuit.breaker.failure_threshold' = '2', "
        "'circuit.breaker.open_timeout' = '2s', 'circuit.breaker.success_threshold' = '1');\n",
        in, kafkaBootstrap(), sinkKeys(out), dlq);
    const std::string breaker = "ferris_circuit_breaker_state{job=\"out\",sink=\"out\"}";
    const std::string readIn = "ferris_records_in_total{job=\"out\",source=\"src\"}";
    int step = 0;
    int64_t readWhenOpen = -1;
    bool readWhileOpen = false;
    int afterDeletion = 0;
    AppRun run = this->run(sql, "", [&](const std::string& metrics) {
        int64_t written =
            metricValue(metrics, "ferris_records_out_total{job=\"out\",sink=\"out\"}");
        int64_t state = metricValue(metrics, breaker);
        if (step == 0 && written >= 10) {
            EXPECT_EQ(state, 0);
            deleteTopic(out);
            step = 1;
        } else if (step == 1 && state != 1) {
            produceNext(1);  // records keep coming while the sink fails
            ++afterDeletion;
        } else if (step == 1) {
            readWhenOpen = metricValue(metrics, readIn);
            createTopic(out, 1);
            produceNext(10);
            afterDeletion += 10;
            step = 2;
        } else if (step == 2 && state == 1) {
            readWhileOpen |= metricValue(metrics, readIn) != readWhenOpen;
        } else if (step == 2 && state == 0) {
            step = 3;
        }
        return step == 3 && metricValue(metrics, readIn) == next - 1 && written >= next - 1;
    });
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_FALSE(readWhileOpen) << "the job read records while its breaker was open";
    EXPECT_GE(
        metricValue(run.metrics, "ferris_circuit_breaker_opened_total{job=\"out\",sink=\"out\"}"),
        1);
    EXPECT_EQ(metricValue(run.metrics, breaker), 0);
    // Every record after the deletion is exactly once in the DLQ or in the new topic.
    std::multiset<std::string> seen;
    auto dead = consumeAll(dlq);
    EXPECT_GE(dead.size(), 2u);  // two failed rounds opened the breaker
    for (const auto& entry : dead) seen.insert(entry.value.value_or("<null>"));
    for (const auto& record : consumeAll(out)) seen.insert(record.value.value_or("<null>"));
    std::multiset<std::string> expected;
    for (int i = 11; i < next; ++i) expected.insert(fmt::format(R"({{"id":{}}})", i));
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(static_cast<int>(expected.size()), afterDeletion);
}

TEST_F(KafkaJobTest, BackpressurePausesPartitionsAndLosesNothing) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 2);
    std::vector<TestRecord> input;
    for (int i = 1; i <= 5000; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{},"pad":"{}"}})", i, std::string(100, 'x'));
        input.push_back(record);
    }
    produce(in, input);
    // A send queue of 500 records that lingers 400 ms: each 1000-record batch fills it, and
    // it drains for longer than the job waits before pausing the source (250 ms).
    std::string sql = sourceDecl(in, "id BIGINT, pad STRING") + "CREATE STREAM out AS SELECT id FROM src WITH (" +
                      sinkKeys(out) +
                      ", 'out.kafka.queue.buffering.max.messages' = '500', 'out.linger.ms' = '400', "
                      "'batch.size' = '1000');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_GT(metricValue(run.metrics, R"(ferris_source_partitions_paused_total{job="out",source="src"})"), 0);
    std::set<std::string> seen;
    for (const auto& record : consumeAll(out)) seen.insert(*record.value);
    EXPECT_EQ(seen.size(), 5000u);
    for (int i = 1; i <= 5000; ++i) EXPECT_EQ(seen.count(fmt::format(R"({{"id":{}}})", i)), 1u) << i;
}

TEST_F(KafkaJobTest, ASmallPrefetchCapIsRefilledInOrderWithoutLoss) {
    // A 64 KiB prefetch queue and 16 KiB fetches against 2.4 MB of input: the queue fills
    // and drains dozens of times, and each time the source wakes librdkafka's fetchers
    // (kafka_fetch_wakeup.h). Every record arrives once, in its partition's order.
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    std::vector<TestRecord> input;
    for (int i = 1; i <= 20000; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{},"pad":"{}"}})", i, std::string(100, 'x'));
        record.partition = i % 2;
        input.push_back(record);
    }
    produce(in, input);
    std::string sql = sourceDecl(in, "id BIGINT, pad STRING",
                                 ", 'src.kafka.queued.max.messages.kbytes' = '64', "
                                 "'src.kafka.max.partition.fetch.bytes' = '16384'") +
                      "CREATE STREAM out AS SELECT id FROM src WITH (" + sinkKeys(out) +
                      ", 'batch.size' = '100');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_GT(metricValue(run.metrics, R"(ferris_source_fetch_wakeups_total{job="out",source="src"})"), 0);
    expectEachIdOnceInPartitionOrder(out, 1, 20000);
}

TEST_F(KafkaJobTest, MemoryBasedBatchesStayUnderTheirByteBudgetAndLoseNothing) {
    // Records of 110 bytes (value, key, header) and a budget of 1024: at most 9 per batch. The
    // source consumes librdkafka's messages in hundreds, so what passes a batch's budget waits
    // for the next batch; every record arrives once, in its partition's order.
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    std::vector<TestRecord> input;
    for (int i = 10000; i < 15000; ++i) {
        TestRecord record;
        record.key = fmt::format("key{}", i);
        record.value = fmt::format(R"({{"id":{},"pad":"{}"}})", i, std::string(71, 'x'));
        record.headers.emplace_back("origin", "test");
        record.partition = i % 2;
        input.push_back(record);
    }
    ASSERT_EQ(input[0].value->size() + input[0].key->size() + 10, 110u);
    produce(in, input);
    std::string sql = sourceDecl(in, "id BIGINT, pad STRING") +
                      "CREATE STREAM out AS SELECT id FROM src WITH (" + sinkKeys(out) +
                      ", 'batch.strategy' = 'memory_based', 'batch.max.bytes' = '1024');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    double batches = metricValue(run.metrics, R"(ferris_batch_records_count{job="out"})");
    EXPECT_GE(batches, 5000.0 / 9);
    EXPECT_EQ(metricValue(run.metrics, R"(ferris_batch_records_bucket{job="out",le="10"})"),
              batches);
    expectEachIdOnceInPartitionOrder(out, 10000, 14999);
}

TEST_F(KafkaJobTest, StringAndBytesFormats) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 1);
    createTopic(out, 1);
    std::vector<TestRecord> input;
    for (const char* text : {"alpha", "", "gamma delta", "ünïcödé"}) {
        TestRecord record;
        record.value = text;
        input.push_back(record);
    }
    input.push_back(TestRecord{});  // a record without a value
    TestRecord bad;
    bad.value = std::string("\xff\xfe", 2);  // not UTF-8: a bad 'string' record
    input.push_back(bad);
    produce(in, input);
    std::string sql = sourceDecl(in, "line STRING", ", 'src.format' = 'string'") +
                      "CREATE STREAM out AS SELECT UPPER(line) AS line FROM src WITH (" + sinkKeys(out) +
                      ", 'out.format' = 'string');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_EQ(metricValue(run.metrics, R"(ferris_records_failed_total{job="out",kind="decode_error"})"), 1);
    auto output = consumeAll(out);
    ASSERT_EQ(output.size(), 5u);
    EXPECT_EQ(output[0].value, std::optional<std::string>("ALPHA"));
    EXPECT_EQ(output[1].value, std::optional<std::string>(""));
    EXPECT_EQ(output[2].value, std::optional<std::string>("GAMMA DELTA"));
    EXPECT_EQ(output[3].value, std::optional<std::string>("ÜNÏCÖDÉ"));
    EXPECT_EQ(output[4].value, std::nullopt);  // NULL in, no value out

    // bytes: copied byte for byte.
    std::string bytesOut = uniqueTopic("bytes-out");
    createTopic(bytesOut, 1);
    std::string copy = sourceDecl(in, "raw BYTES", ", 'src.format' = 'bytes'") +
                       "CREATE STREAM copy AS SELECT raw FROM src WITH (" + sinkKeys(bytesOut, "copy") +
                       ", 'copy.format' = 'bytes');\n";
    AppRun bytes = this->run(copy, "bytes");
    ASSERT_TRUE(bytes.status.isOk()) << bytes.status.toString();
    auto copied = consumeAll(bytesOut);
    ASSERT_EQ(copied.size(), input.size());
    for (size_t i = 0; i < input.size(); ++i) EXPECT_EQ(copied[i].value, input[i].value) << i;
}


TEST_F(KafkaJobTest, AvroInlineSchemaInRegistryFramedOutAndBack) {
    RegistryProcess registry({});
    ASSERT_GT(registry.port(), 0);
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    // Writer schema of the input: null second in the union, a decimal on bytes.
    const std::string schema =
        R"({"type":"record","name":"Trade","fields":[{"name":"id","type":"long"},{"name":"sym","type":"string"},)"
        R"({"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},)"
        R"({"name":"note","type":["string","null"]}]})";
    std::vector<TestRecord> input;
    for (int i = -3; i <= 40; ++i) {
        TestRecord record;
        std::string value;
        avroLong(i * 1000003LL, value);
        avroString(fmt::format("S{}", i % 4), value);
        avroDecimal(i * 12345LL - 7, value);
        if (i % 3 == 0) {
            avroLong(1, value);  // null
        } else {
            avroLong(0, value);
            avroString(fmt::format("n{}", i), value);
        }
        record.value = value;
        record.key = fmt::format("{}", i);
        input.push_back(record);
    }
    produce(in, input);
    std::string sql = sourceDecl(in, "id BIGINT, sym STRING, price DECIMAL(10,2), note STRING",
                                 ", 'src.format' = 'avro', 'src.avro.schema' = '" + schema + "'") +
                      "CREATE STREAM out AS SELECT id, sym, price, note FROM src WHERE id % 2 = 0 WITH (" +
                      sinkKeys(out) + ", 'out.format' = 'avro', 'out.schema.registry.url' = '" + registry.url() +
                      "');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();

    // Every output record: Confluent framing with the registered id, then the datum of the
    // generated schema (each field a union [null, T]: index 1, then the value).
    auto output = consumeAll(out);
    std::set<std::string> expected;
    for (int i = -3; i <= 40; ++i) {
        if ((i * 1000003LL) % 2 != 0) continue;
        std::string datum;
        avroLong(1, datum);
        avroLong(i * 1000003LL, datum);
        avroLong(1, datum);
        avroString(fmt::format("S{}", i % 4), datum);
        avroLong(1, datum);
        avroDecimal(i * 12345LL - 7, datum);
        if (i % 3 == 0) {
            avroLong(0, datum);
        } else {
            avroLong(1, datum);
            avroString(fmt::format("n{}", i), datum);
        }
        expected.insert(datum);
    }
    ASSERT_EQ(output.size(), expected.size());
    std::string header = output[0].value->substr(0, 5);
    ASSERT_EQ(header[0], '\0');
    int32_t id = (static_cast<uint8_t>(header[1]) << 24) | (static_cast<uint8_t>(header[2]) << 16) |
                 (static_cast<uint8_t>(header[3]) << 8) | static_cast<uint8_t>(header[4]);
    for (const auto& record : output) {
        ASSERT_EQ(record.value->substr(0, 5), header);
        EXPECT_EQ(expected.erase(record.value->substr(5)), 1u) << "unexpected datum";
    }
    // The id is the schema registered under <topic>-value.
    auto client = codec::SchemaRegistryClient::make({registry.url(), "", std::chrono::seconds(10)});
    ASSERT_TRUE(client.isOk());
    auto latest = client.value()->latestSchema(out + "-value");
    ASSERT_TRUE(latest.isOk()) << latest.status().toString();
    EXPECT_EQ(latest.value().id, id);

    // Read back through the registry (framed records, schema by id) into a JSONL file.
    std::string back = fmt::format(
        "CREATE STREAM framed (id BIGINT, sym STRING, price DECIMAL(10,2), note STRING) WITH ('framed.type' = "
        "'kafka_source', 'framed.topic' = '{}', 'framed.bootstrap.servers' = '{}', 'framed.bounded' = 'latest', "
        "'framed.format' = 'avro', 'framed.schema.registry.url' = '{}');\n"
        "CREATE STREAM copy AS SELECT * FROM framed WITH ('copy.type' = 'file_sink', 'copy.path' = 'copy.jsonl');\n",
        out, kafkaBootstrap(), registry.url());
    AppRun read = this->run(back, "back");
    ASSERT_TRUE(read.status.isOk()) << read.status.toString();
    std::ifstream lines(dir_ / "back" / "copy.jsonl");
    std::set<std::string> got;
    for (std::string line; std::getline(lines, line);) got.insert(line);
    std::set<std::string> want;
    for (int i = -3; i <= 40; ++i) {
        int64_t idValue = i * 1000003LL;
        if (idValue % 2 != 0) continue;
        int64_t unscaled = i * 12345LL - 7;
        std::string price = fmt::format("{}{}.{:02}", unscaled < 0 ? "-" : "", std::abs(unscaled) / 100,
                                        std::abs(unscaled) % 100);
        std::string note = i % 3 == 0 ? "null" : fmt::format("\"n{}\"", i);
        want.insert(fmt::format(R"({{"id":{},"sym":"S{}","price":"{}","note":{}}})", idValue, i % 4, price, note));
    }
    EXPECT_EQ(got, want);
}

TEST_F(KafkaJobTest, KeyFormatsAreIndependentOfTheValueFormat) {
    RegistryProcess registry({});
    ASSERT_GT(registry.port(), 0);
    std::string in = uniqueTopic("in");
    std::string avroOut = uniqueTopic("avro");
    std::string jsonOut = uniqueTopic("json");
    createTopic(in, 2);
    createTopic(avroOut, 3);
    createTopic(jsonOut, 2);
    // JSON keys (spaced objects) on JSON values.
    std::vector<TestRecord> input;
    std::map<std::string, int64_t> sums;
    std::set<std::string> keyLines;
    for (int i = 1; i <= 60; ++i) {
        TestRecord record;
        std::string sym = fmt::format("S{}", i % 4);
        record.key = fmt::format(R"({{ "acct" : {}, "r": "eu" }})", i % 3);
        record.value = fmt::format(R"({{"sym":"{}","qty":{}}})", sym, i);
        sums[sym] += i;
        keyLines.insert(fmt::format(R"({{"k":"{{\"acct\":{},\"r\":\"eu\"}}","qty":{}}})", i % 3, i));
        input.push_back(record);
    }
    produce(in, input);
    std::string sql =
        sourceDecl(in, "sym STRING, qty BIGINT", ", 'src.key.format' = 'json'") +
        "CREATE STREAM keys AS SELECT _key AS k, qty FROM src WITH ('keys.type' = 'file_sink', 'keys.path' = "
        "'keys.jsonl');\n"
        "CREATE TABLE totals AS SELECT sym, SUM(qty) AS total FROM src GROUP BY sym WITH (" +
        sinkKeys(avroOut, "totals") + ", 'totals.key.format' = 'avro', 'totals.schema.registry.url' = '" +
        registry.url() +
        "');\n"
        "CREATE TABLE jtotals AS SELECT sym, SUM(qty) AS total FROM src GROUP BY sym WITH (" +
        sinkKeys(jsonOut, "jtotals") + ", 'jtotals.key.format' = 'json');\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();

    // _key: the JSON keys' compact text.
    std::ifstream lines(dir_ / "keys.jsonl");
    std::set<std::string> got;
    for (std::string line; std::getline(lines, line);) got.insert(line);
    EXPECT_EQ(got, keyLines);

    // Avro keys: framed with the id registered under <topic>-key, a record of the key column.
    auto client = codec::SchemaRegistryClient::make({registry.url(), "", std::chrono::seconds(10)});
    ASSERT_TRUE(client.isOk());
    auto keySchema = client.value()->latestSchema(avroOut + "-key");
    ASSERT_TRUE(keySchema.isOk()) << keySchema.status().toString();
    EXPECT_EQ(keySchema.value().schema,
              R"({"type":"record","name":"totals_key","namespace":"ferris","fields":[{"name":"sym","type":["null",)"
              R"("string"],"default":null}]})");
    std::string header(1, '\0');
    for (int shift = 24; shift >= 0; shift -= 8) header += static_cast<char>((keySchema.value().id >> shift) & 0xff);
    std::map<std::string, std::string> lastAvro;
    auto avroRecords = consumeAll(avroOut);
    EXPECT_EQ(avroRecords.size(), input.size());
    for (const auto& record : avroRecords) {
        ASSERT_TRUE(record.key && record.value);
        ASSERT_EQ(record.key->substr(0, 5), header);
        EXPECT_EQ(record.partition, javaPartition(*record.key, 3));  // murmur2 of the key bytes
        lastAvro[record.key->substr(5)] = *record.value;
    }
    std::map<std::string, std::string> lastJson;
    for (const auto& record : consumeAll(jsonOut)) {
        ASSERT_TRUE(record.key && record.value);
        EXPECT_EQ(record.partition, javaPartition(*record.key, 2));
        lastJson[*record.key] = *record.value;
    }
    std::map<std::string, std::string> wantAvro;
    std::map<std::string, std::string> wantJson;
    for (const auto& [sym, sum] : sums) {
        std::string datum;
        avroLong(1, datum);  // the union's string branch
        avroString(sym, datum);
        std::string value = fmt::format(R"({{"sym":"{}","total":{}}})", sym, sum);
        wantAvro[datum] = value;
        wantJson["\"" + sym + "\""] = value;
    }
    EXPECT_EQ(lastAvro, wantAvro);
    EXPECT_EQ(lastJson, wantJson);

    // Read back: both key formats give _key the key column's text.
    std::string back = fmt::format(
        "CREATE STREAM a (sym STRING, total BIGINT) WITH ('a.type' = 'kafka_source', 'a.topic' = '{0}', "
        "'a.bootstrap.servers' = '{2}', 'a.bounded' = 'latest', 'a.key.format' = 'avro', "
        "'a.schema.registry.url' = '{3}');\n"
        "CREATE STREAM j (sym STRING, total BIGINT) WITH ('j.type' = 'kafka_source', 'j.topic' = '{1}', "
        "'j.bootstrap.servers' = '{2}', 'j.bounded' = 'latest', 'j.key.format' = 'json');\n"
        "CREATE STREAM ak AS SELECT _key AS k, sym FROM a WITH ('ak.type' = 'file_sink', 'ak.path' = 'ak.jsonl');\n"
        "CREATE STREAM jk AS SELECT _key AS k, sym FROM j WITH ('jk.type' = 'file_sink', 'jk.path' = 'jk.jsonl');\n",
        avroOut, jsonOut, kafkaBootstrap(), registry.url());
    AppRun read = this->run(back, "back");
    ASSERT_TRUE(read.status.isOk()) << read.status.toString();
    for (const char* file : {"ak.jsonl", "jk.jsonl"}) {
        std::ifstream keys(dir_ / "back" / file);
        size_t count = 0;
        for (std::string line; std::getline(keys, line); ++count) {
            auto quote = line.find("\",\"sym\":\"");
            ASSERT_NE(quote, std::string::npos) << line;
            EXPECT_EQ(line.substr(6, quote - 6), line.substr(quote + 9, line.size() - quote - 11)) << line;
        }
        EXPECT_EQ(count, input.size()) << file;
    }
}

TEST_F(KafkaJobTest, BoundedByTimestampWithRecordTimestampsAsEventTime) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    // Timestamps on whole seconds, recent (the broker's retention is 7 days).
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    int64_t base = (now / 10'000 - 100) * 10'000;  // a multiple of 10 s, ~1000 s ago
    std::vector<TestRecord> input;
    std::map<std::pair<std::string, int64_t>, int64_t> counts;  // (sym, window start) → records
    for (int i = 0; i < 120; ++i) {
        TestRecord record;
        std::string sym = i % 2 == 0 ? "A" : "B";
        record.value = fmt::format(R"({{"sym":"{}"}})", sym);
        record.timestampMs = base + i * 1000;
        record.partition = i % 2;
        input.push_back(record);
        if (i < 95) counts[{sym, base + (i * 1000) / 10'000 * 10'000}] += 1;  // stops before base + 95 s
    }
    produce(in, input);
    std::string sql =
        fmt::format("CREATE STREAM src (sym STRING) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
                    "'src.bootstrap.servers' = '{}', 'src.bounded' = 'timestamp:{}');\n",
                    in, kafkaBootstrap(), base + 95'000) +
        "CREATE STREAM out AS SELECT sym, _window_start AS w, COUNT(*) AS n FROM src GROUP BY sym "
        "WINDOW TUMBLING(10s) WITH (" +
        sinkKeys(out) + ");\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_EQ(metricValue(run.metrics, R"(ferris_records_in_total{job="out",source="src"})"), 95);
    std::set<std::string> got;
    for (const auto& record : consumeAll(out)) got.insert(*record.value);
    std::set<std::string> want;
    for (const auto& [key, n] : counts) {
        want.insert(fmt::format(R"({{"sym":"{}","w":{},"n":{}}})", key.first, key.second, n));
    }
    EXPECT_EQ(got, want);
}

TEST_F(KafkaJobTest, OffsetsAreCommittedBeforePartitionsAreRevoked) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    std::vector<TestRecord> input;
    for (int i = 0; i < 200; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{}}})", i);
        record.partition = i % 2;
        input.push_back(record);
    }
    produce(in, input);
    // No periodic commit: only a rebalance can make the job commit while it runs.
    std::string sql = fmt::format("CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = "
                                  "'{}', 'src.bootstrap.servers' = '{}');\n",
                                  in, kafkaBootstrap()) +
                      "CREATE STREAM out AS SELECT id FROM src WITH (" + sinkKeys(out) +
                      ", 'commit.interval' = '1h');\n";
    std::string app = app_.substr(9, app_.size() - 10);  // "-- @app: <name>\n"
    std::string group = fmt::format("ferris.{}.out", app);

    // Once the job has read everything, a second member joins its group; after the
    // rebalance it reads the group's committed offsets for both partitions.
    std::atomic<bool> joined{false};
    std::atomic<bool> checked{false};
    std::vector<int64_t> committed(2, -1);
    std::thread member;
    AppRun run = this->run(sql, "", [&](const std::string& metrics) {
        if (!joined && metricValue(metrics, R"(ferris_records_in_total{job="out",source="src"})") >= 200) {
            joined = true;
            member = std::thread([&] {
                committed = joinAndReadCommitted(group, in, 2);
                checked = true;
            });
        }
        return checked.load();
    });
    if (member.joinable()) member.join();
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_EQ(committed, (std::vector<int64_t>{100, 100}));
}

TEST_F(KafkaJobTest, SetHeaderAndRemoveHeaderShapeOutputHeaders) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 1);
    createTopic(out, 1);
    std::vector<TestRecord> input;
    for (int i = 1; i <= 6; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{},"sym":"S{}"}})", i, i);
        record.headers = {{"trace", fmt::format("t{}", i)}, {"keep", "k"}, {"origin", "old"}, {"origin", "older"}};
        input.push_back(record);
    }
    produce(in, input);
    std::string sql = sourceDecl(in, "id BIGINT, sym STRING") +
                      "CREATE STREAM out AS SELECT id, SET_HEADER('origin', sym), REMOVE_HEADER('trace'), "
                      "SET_HEADER('parity', CASE WHEN id % 2 = 0 THEN 'even' END), "
                      "SET_HEADER(CASE WHEN id > 4 THEN 'late' END, 'yes') FROM src WITH (" +
                      sinkKeys(out) + ");\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    auto output = consumeAll(out);
    ASSERT_EQ(output.size(), 6u);
    for (int i = 1; i <= 6; ++i) {
        const TestRecord& record = output[static_cast<size_t>(i - 1)];
        EXPECT_EQ(record.value, std::optional<std::string>(fmt::format(R"({{"id":{}}})", i)));
        std::vector<std::pair<std::string, std::optional<std::string>>> want = {
            {"keep", "k"}, {"origin", fmt::format("S{}", i)},
            {"parity", i % 2 == 0 ? std::optional<std::string>("even") : std::nullopt}};
        if (i > 4) want.emplace_back("late", "yes");  // a NULL key sets nothing
        EXPECT_EQ(record.headers, want) << i;
    }
}

TEST_F(KafkaJobTest, SetHeaderInAggregationsAndOverQueries) {
    std::string in = uniqueTopic("in");
    std::string windows = uniqueTopic("windows");
    std::string ranked = uniqueTopic("ranked");
    createTopic(in, 1);
    createTopic(windows, 1);
    createTopic(ranked, 1);
    std::vector<TestRecord> input;
    for (int i = 1; i <= 6; ++i) {
        TestRecord record;
        // Event times 1..6 s: one 1-minute window; A for odd ids, B for even ones.
        record.value = fmt::format(R"({{"id":{},"sym":"{}","ts":{}}})", i, i % 2 == 1 ? "A" : "B", i * 1000);
        record.headers = {{"trace", fmt::format("t{}", i)}};  // stateful queries pass none on
        input.push_back(record);
    }
    produce(in, input);
    std::string sql =
        sourceDecl(in, "id BIGINT, sym STRING, ts TIMESTAMP", ", 'src.event.time.field' = 'ts'") +
        "CREATE STREAM win AS SELECT sym, COUNT(*) AS n, SET_HEADER('symbol', sym), "
        "SET_HEADER('count', CAST(COUNT(*) AS STRING)), SET_HEADER('max_id', CAST(MAX(id) AS STRING)) "
        "FROM src GROUP BY sym WINDOW TUMBLING(1m) WITH (" +
        sinkKeys(windows, "win") +
        ");\n"
        "CREATE STREAM ranked AS SELECT id, ROW_NUMBER() OVER (PARTITION BY sym ORDER BY _event_time) AS rn, "
        "SET_HEADER('rank', CAST(ROW_NUMBER() OVER (PARTITION BY sym ORDER BY _event_time) AS STRING)), "
        "SET_HEADER('symbol', sym) FROM src WITH (" +
        sinkKeys(ranked, "ranked") + ");\n";
    AppRun run = this->run(sql);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();

    using Headers = std::vector<std::pair<std::string, std::optional<std::string>>>;
    std::map<std::string, Headers> byValue;
    for (const auto& record : consumeAll(windows)) byValue[record.value.value_or("<null>")] = record.headers;
    EXPECT_EQ(byValue, (std::map<std::string, Headers>{
                           {R"({"sym":"A","n":3})", {{"symbol", "A"}, {"count", "3"}, {"max_id", "5"}}},
                           {R"({"sym":"B","n":3})", {{"symbol", "B"}, {"count", "3"}, {"max_id", "6"}}},
                       }));
    byValue.clear();
    for (const auto& record : consumeAll(ranked)) byValue[record.value.value_or("<null>")] = record.headers;
    std::map<std::string, Headers> want;
    for (int i = 1; i <= 6; ++i) {
        int rank = (i + 1) / 2;
        want[fmt::format(R"({{"id":{},"rn":{}}})", i, rank)] = {{"rank", std::to_string(rank)},
                                                               {"symbol", i % 2 == 1 ? "A" : "B"}};
    }
    EXPECT_EQ(byValue, want);
}

TEST_F(KafkaJobTest, MissingTopicIsAClearError) {
    std::string sql = sourceDecl(uniqueTopic("absent"), "id BIGINT") +
                      "CREATE STREAM out AS SELECT id FROM src WITH ('out.type' = 'file_sink', 'out.path' = 'o.jsonl');\n";
    AppRun run = this->run(sql);
    ASSERT_FALSE(run.status.isOk());
    EXPECT_NE(run.status.message().find("does not exist"), std::string::npos) << run.status.toString();
}

}  // namespace
}  // namespace ferris::testing
