// ferris-sql-multi with the real broker: a Kafka job paused, resumed, stopped and restarted
// over REST loses nothing and repeats nothing; jobs are isolated (a poison-fed job and one
// over its memory budget fail or dead-letter alone while the others finish exactly).

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "kafka_test_util.h"
#include "server_test_util.h"

namespace ferris::testing {
namespace {

class ServerKafkaTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / uniqueTopic("ferris-server-kafka");
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    server::ManagerOptions options() {
        server::ManagerOptions options;
        options.baseDir = dir_;
        return options;
    }
    static void produceIds(const std::string& topic, int from, int to) {
        std::vector<TestRecord> records;
        for (int i = from; i <= to; ++i) {
            TestRecord record;
            record.value = fmt::format(R"({{"id":{},"qty":{}}})", i, i % 7);
            record.partition = i % 2;
            records.push_back(record);
        }
        produce(topic, records);
    }
    /// The ids in the output topic, each with how often it appears.
    static std::map<int64_t, int> outputIds(const std::string& topic) {
        std::map<int64_t, int> ids;
        for (const auto& record : consumeAll(topic)) {
            auto id = TestServer::number(*record.value, "id");
            ids[id] += 1;
        }
        return ids;
    }
    static std::map<int64_t, int> once(int from, int to) {
        std::map<int64_t, int> ids;
        for (int i = from; i <= to; ++i) ids[i] = 1;
        return ids;
    }
    std::filesystem::path dir_;
};

TEST_F(ServerKafkaTest, PauseResumeStopRestartLoseAndRepeatNothing) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 1);
    TestServer server(options());
    std::string app = uniqueTopic("a").replace(1, 1, "");
    std::string sql = fmt::format(
        "-- @app: {3}\n"
        "CREATE STREAM src (id BIGINT, qty BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{0}', "
        "'src.bootstrap.servers' = '{2}');\n"
        "CREATE STREAM copy AS SELECT id, qty FROM src WITH ('copy.type' = 'kafka_sink', 'copy.topic' = '{1}', "
        "'copy.bootstrap.servers' = '{2}', 'commit.interval' = '0');\n",
        in, out, kafkaBootstrap(), app);
    auto deployed = server.post("/apps", sql);
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    auto recordsOut = [&](int64_t count) {
        return [count](const std::string& body) { return TestServer::number(body, "records_out") == count; };
    };
    produceIds(in, 1, 100);
    ASSERT_EQ(TestServer::number(server.waitForJob("copy", recordsOut(100)), "records_out"), 100);

    // Pause: committed and paused; records produced meanwhile wait in the topic.
    auto paused = server.post("/jobs/copy/pause");
    ASSERT_EQ(paused.status, 200) << paused.body;
    EXPECT_EQ(TestServer::field(paused.body, "state"), "paused");
    EXPECT_EQ(outputIds(out), once(1, 100));  // the pause flushed and committed every output
    produceIds(in, 101, 200);
    EXPECT_EQ(TestServer::field(server.post("/jobs/copy/pause").body, "state"), "paused");  // idempotent
    EXPECT_EQ(TestServer::number(server.get("/jobs/copy").body, "records_in"), 100);
    auto resumed = server.post("/jobs/copy/resume");
    ASSERT_EQ(resumed.status, 200) << resumed.body;
    EXPECT_EQ(TestServer::field(resumed.body, "state"), "running");
    ASSERT_EQ(TestServer::number(server.waitForJob("copy", recordsOut(200)), "records_out"), 200);
    // Caught up: no lag on either partition; latencies measured from the record timestamps.
    std::string caughtUp = server.waitForJob("copy", [](const std::string& body) {
        return TestServer::field(body, "lag") == R"([{"partition":0,"records":0},{"partition":1,"records":0}])";
    });
    EXPECT_EQ(TestServer::field(caughtUp, "lag"), R"([{"partition":0,"records":0},{"partition":1,"records":0}])");
    EXPECT_NE(TestServer::field(caughtUp, "latency_ms").find("\"end_to_end_p99\":"), std::string::npos) << caughtUp;

    // Stop (graceful), then restart from the checkpoint.
    auto stopped = server.post("/jobs/copy/stop");
    ASSERT_EQ(stopped.status, 200) << stopped.body;
    EXPECT_EQ(TestServer::field(stopped.body, "state"), "stopped");
    auto refused = server.post("/jobs/copy/pause");
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused.body, R"({"error":{"code":"invalid_state","message":"job copy is stopped","details":[]}})");
    produceIds(in, 201, 300);
    auto restarted = server.post("/jobs/copy/restart");
    ASSERT_EQ(restarted.status, 200) << restarted.body;
    EXPECT_EQ(TestServer::field(restarted.body, "state"), "running");
    EXPECT_EQ(TestServer::number(restarted.body, "restarts"), 1);
    // The restarted incarnation counts from zero: it reads only what came after the stop.
    ASSERT_EQ(TestServer::number(server.waitForJob("copy", recordsOut(100)), "records_out"), 100);
    ASSERT_EQ(server.post("/jobs/copy/stop").status, 200);
    EXPECT_EQ(outputIds(out), once(1, 300));
}

TEST_F(ServerKafkaTest, TwentyJobsFinishExactlyWhileAPoisonedJobAndAnOverBudgetJobFailAlone) {
    constexpr int kJobs = 20;
    constexpr int kRecords = 300;
    std::string sql = "-- @app: " + uniqueTopic("m").replace(1, 1, "") + "\n";
    for (int k = 0; k < kJobs + 2; ++k) {
        std::string topic = uniqueTopic(fmt::format("in{}", k));
        createTopic(topic, 2);
        std::vector<TestRecord> records;
        int count = k == kJobs + 1 ? 8000 : kRecords;  // ~300 bytes of state per key: over 1 MB
        for (int i = 1; i <= count; ++i) {
            TestRecord record;
            // Job kJobs gets poison every 10th record; job kJobs+1 many distinct keys.
            record.value = k == kJobs && i % 10 == 0 ? std::string("{not json")
                                                     : fmt::format(R"({{"id":{},"qty":{}}})", i, i % (k + 2));
            records.push_back(record);
        }
        produce(topic, records);
        std::string extra = k == kJobs + 1 ? ", 'max.memory.mb' = '1'" : "";
        std::string key = k == kJobs + 1 ? "id" : "qty";
        sql += fmt::format(
            "CREATE STREAM s{0} (id BIGINT, qty BIGINT) WITH ('s{0}.type' = 'kafka_source', 's{0}.topic' = '{1}', "
            "'s{0}.bootstrap.servers' = '{2}', 's{0}.bounded' = 'latest');\n"
            "CREATE TABLE t{0} AS SELECT {3}, COUNT(*) AS n, STRING_AGG(CAST(id AS STRING), ',') AS ids FROM s{0} "
            "GROUP BY {3} WITH ('t{0}.type' = 'file_sink', 't{0}.path' = 't{0}.jsonl'{4});\n",
            k, topic, kafkaBootstrap(), key, extra);
    }
    TestServer server(options());
    auto deployed = server.post("/apps", sql);
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    for (int k = 0; k < kJobs + 1; ++k) {
        std::string job = fmt::format("t{}", k);
        std::string status = server.waitForState(job, "finished", std::chrono::seconds(120));
        ASSERT_EQ(TestServer::field(status, "state"), "finished") << status;
        EXPECT_GT(std::stod(TestServer::field(status, "cpu_seconds")), 0.0) << job;
        EXPECT_GT(TestServer::number(status, "state_bytes"), 0) << job;
        // The last upsert of each key holds its exact count.
        std::map<int64_t, int64_t> last;
        std::ifstream lines(dir_ / (job + ".jsonl"));
        for (std::string line; std::getline(lines, line);) {
            last[TestServer::number(line, "qty")] = TestServer::number(line, "n");
        }
        std::map<int64_t, int64_t> want;
        for (int i = 1; i <= kRecords; ++i) {
            if (k == kJobs && i % 10 == 0) continue;
            want[i % (k + 2)] += 1;
        }
        EXPECT_EQ(last, want) << job;
        EXPECT_EQ(TestServer::number(status, "records_failed"), k == kJobs ? kRecords / 10 : 0) << job;
    }
    std::string overBudget = server.waitForState(fmt::format("t{}", kJobs + 1), "failed", std::chrono::seconds(120));
    EXPECT_EQ(TestServer::field(overBudget, "state"), "failed");
    EXPECT_NE(TestServer::field(overBudget, "reason").find("over its max.memory.mb of 1 MB"), std::string::npos)
        << overBudget;
}

}  // namespace
}  // namespace ferris::testing
