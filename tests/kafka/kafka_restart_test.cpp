// A broker restart while a job runs (§2.2, §2.4): the test starts a broker of its own with
// scripts/kafka.sh, runs an unbounded kafka_source -> kafka_sink job in-process, kills the
// broker after the job has processed part of the input, starts it again on its kept data and
// port, produces more, and checks that the job never failed and that every input record
// reached the output topic (at-least-once: repeats allowed, loss not).

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "kafka_test_util.h"

#ifndef FERRIS_SOURCE_DIR
#error "FERRIS_SOURCE_DIR (the repository root) must be defined to find scripts/kafka.sh"
#endif

namespace ferris::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// A TCP port on 127.0.0.1 nothing listens on now.
int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
}

/// What a shell command printed on stdout and how it exited.
struct CommandResult {
    int exitCode = -1;
    std::string output;
};

CommandResult runCommand(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        result.output.append(buffer, read);
    int status = ::pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    while (!result.output.empty() &&
           (result.output.back() == '\n' || result.output.back() == '\r')) {
        result.output.pop_back();
    }
    return result;
}

/// A broker of this test's own (scripts/kafka.sh with its own run directory and a fixed port),
/// stopped and its data deleted when the guard goes out of scope, whatever happened.
class OwnBroker {
public:
    OwnBroker()
        : run_(std::filesystem::temp_directory_path() / uniqueTopic("ferris-kafka-restart-broker")),
          port_(freePort()) {}
    ~OwnBroker() { (void)script("stop"); }
    OwnBroker(const OwnBroker&) = delete;
    OwnBroker& operator=(const OwnBroker&) = delete;

    int port() const { return port_; }
    std::string address() const { return fmt::format("127.0.0.1:{}", port_); }

    /// Runs `scripts/kafka.sh <arguments>` for this broker; its stderr goes to the test log.
    CommandResult script(const std::string& arguments) const {
        return runCommand(
            fmt::format("FERRIS_KAFKA_RUN='{}' FERRIS_KAFKA_PORT={} '{}/scripts/kafka.sh' {}",
                        run_.string(), port_, FERRIS_SOURCE_DIR, arguments));
    }

private:
    std::filesystem::path run_;
    int port_;
};

/// The job under test, running `runApp` on a thread of its own until `stop` is set.
class JobThread {
public:
    JobThread(std::string sql, std::filesystem::path dir, std::string recordsInMetric)
        : thread_([this, sql = std::move(sql), dir = std::move(dir),
                   metric = std::move(recordsInMetric)] {
              AppRun run = runApp(sql, dir, [&](const std::string& metrics) {
                  recordsIn_ = metricValue(metrics, metric);
                  clientErrors_ = metricValue(metrics, R"(ferris_client_errors_total{job="out"})");
                  return stop_.load();
              });
              std::lock_guard lock(mutex_);
              run_ = std::move(run);
              ended_ = true;
          }) {}
    ~JobThread() { stopAndJoin(); }
    JobThread(const JobThread&) = delete;
    JobThread& operator=(const JobThread&) = delete;

    int64_t recordsIn() const { return recordsIn_.load(); }
    /// Errors the job's Kafka clients reported (a broker down counts).
    int64_t clientErrors() const { return clientErrors_.load(); }
    /// True once runApp has returned (a job that ends on its own has failed: it is unbounded).
    bool ended() const {
        std::lock_guard lock(mutex_);
        return ended_;
    }
    /// What the run returned; call after it ended.
    AppRun result() const {
        std::lock_guard lock(mutex_);
        return run_;
    }
    void stopAndJoin() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::atomic<int64_t> recordsIn_{-1};
    std::atomic<int64_t> clientErrors_{-1};
    mutable std::mutex mutex_;
    bool ended_ = false;
    AppRun run_;
    std::thread thread_;  // last: it starts once everything it uses exists
};

std::vector<TestRecord> idRecords(int from, int to) {
    std::vector<TestRecord> records;
    for (int id = from; id <= to; ++id) {
        TestRecord record;
        record.key = fmt::format("k{}", id % 13);
        record.value = fmt::format(R"({{"id":{},"k":{}}})", id, id % 13);
        records.push_back(std::move(record));
    }
    return records;
}


/// A fresh directory under the system's temp folder, removed with everything in it.
class TempDir {
public:
    explicit TempDir(const std::string& prefix)
        : path_(std::filesystem::temp_directory_path() / uniqueTopic(prefix)) {
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// An app relaying `in` to `out` (id BIGINT) with small batches and frequent commits, so the
/// broker goes away with checkpoints, offset commits and deliveries in flight; `sinkKeys`
/// adds keys to the sink's WITH.
std::string relayApp(const std::string& in, const std::string& out, const std::string& bootstrap,
                     const std::string& sinkKeys = "") {
    return fmt::format(
        "-- @app: restart\n"
        "CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{0}', "
        "'src.bootstrap.servers' = '{2}');\n"
        "CREATE STREAM out AS SELECT id FROM src WITH ('out.type' = 'kafka_sink', 'out.topic' = '{1}', "
        "'out.bootstrap.servers' = '{2}'{3}, 'batch.size' = '100', 'commit.interval' = '200ms');\n",
        in, out, bootstrap, sinkKeys);
}

/// Runs the app `makeApp(in, out, bootstrap)` on a broker of its own (2 partitions in and out):
/// 20,000 records before it starts, the broker killed once the job read 2,000, restarted
/// once its clients reported it gone, then 2,000 more records. Waits until `complete` holds
/// for the output (read_committed) and returns it; the job must not end by itself and stops
/// cleanly. Ids 1..kRestartAll.
constexpr int kRestartAll = 22000;
std::vector<TestRecord> throughABrokerRestart(
    const std::function<std::string(const std::string&, const std::string&, const std::string&)>&
        makeApp,
    const std::function<bool(const std::vector<TestRecord>&)>& complete,
    bool transactional = false) {
    std::vector<TestRecord> output;
    OwnBroker broker;
    EXPECT_GT(broker.port(), 0) << "no free port on 127.0.0.1";
    CommandResult started = broker.script("start");
    EXPECT_EQ(started.exitCode, 0) << "scripts/kafka.sh start failed: " << started.output;
    EXPECT_EQ(started.output, broker.address());
    if (::testing::Test::HasFailure()) return output;
    const std::string bootstrap = broker.address();

    const std::string in = uniqueTopic("restart-in");
    const std::string out = uniqueTopic("restart-out");
    createTopic(in, 2, {}, bootstrap);
    createTopic(out, 2, {}, bootstrap);
    constexpr int kBeforeCrash = 20000;  // produced before the job starts
    constexpr int kCrashAfter = 2000;    // records the job has read when the broker is killed
    produce(in, idRecords(1, kBeforeCrash), bootstrap);
    if (::testing::Test::HasFailure()) return output;

    TempDir dir("ferris-kafka-restart");
    JobThread job(makeApp(in, out, bootstrap), dir.path(),
                  R"(ferris_records_in_total{job="out",source="src"})");
    // Destroyed before the job: a test that fails with the broker down brings it back, so
    // that the job can stop (librdkafka 2.0's send_offsets_to_transaction waits for the
    // coordinator without a time limit).
    struct BrokerBack {
        OwnBroker& broker;
        bool down = false;
        ~BrokerBack() {
            if (down) (void)broker.script("start --keep-data");
        }
    } brokerBack{broker};

    // Waits for `condition` until the deadline; false if the job ended (it must not) or time ran
    // out.
    auto waitFor = [&](const std::function<bool()>& condition, std::chrono::seconds limit) {
        auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline) {
            if (condition()) return true;
            if (job.ended()) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return condition();
    };
    auto failedJob = [&] {
        return job.ended() ? "the job ended: " + job.result().status.toString()
                           : std::string("timed out");
    };

    if (!waitFor([&] { return job.recordsIn() >= kCrashAfter; }, std::chrono::seconds(120))) {
        ADD_FAILURE() << "the job did not read " << kCrashAfter << " records: " << failedJob();
        return output;
    }
    int64_t errorsBefore = job.clientErrors();
    CommandResult killed = broker.script("kill");
    EXPECT_EQ(killed.exitCode, 0) << killed.output;
    brokerBack.down = true;
    int64_t readBeforeCrash = job.recordsIn();
    EXPECT_LT(readBeforeCrash, kRestartAll);
    std::cout << "the broker was killed after the job had read " << readBeforeCrash << " of "
              << kBeforeCrash << " records" << std::endl;

    // The broker stays away until the job's clients have reported it gone (they keep polling,
    // producing and committing against it meanwhile), then until their next report.
    // A transactional job waits inside the transaction calls, where no client reports
    // anything: the broker stays away for 5 s (well within the group's session timeout).
    if (transactional) {
        std::this_thread::sleep_for(std::chrono::seconds(5));
    } else if (!waitFor([&] { return job.clientErrors() >= errorsBefore + 2; },
                        std::chrono::seconds(60))) {
        ADD_FAILURE() << "the job's clients did not report the broker down: " << failedJob();
        return output;
    }
    EXPECT_FALSE(job.ended()) << "the job ended while the broker was down: "
                              << job.result().status.toString();
    CommandResult restarted = broker.script("start --keep-data");
    EXPECT_EQ(restarted.exitCode, 0) << "restarting the broker failed: " << restarted.output;
    brokerBack.down = restarted.exitCode != 0;
    EXPECT_EQ(restarted.output, bootstrap);  // same port: the job's clients reconnect by themselves
    if (::testing::Test::HasFailure()) return output;

    produce(in, idRecords(kBeforeCrash + 1, kRestartAll), bootstrap);
    bool done = waitFor(
        [&] {
            output = consumeAll(out, bootstrap);
            return complete(output);
        },
        std::chrono::seconds(240));
    EXPECT_TRUE(done) << "the output is not complete (" << output.size()
                      << " records): " << failedJob();
    EXPECT_FALSE(job.ended()) << "the job ended by itself: " << job.result().status.toString();

    job.stopAndJoin();
    AppRun run = job.result();
    EXPECT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_GE(metricValue(run.metrics, R"(ferris_records_in_total{job="out",source="src"})"),
              kRestartAll);
    return output;
}

TEST(KafkaRestartTest, JobSurvivesABrokerRestartAndLosesNothing) {
    std::set<std::string> expected;
    for (int id = 1; id <= kRestartAll; ++id) expected.insert(fmt::format(R"({{"id":{}}})", id));
    std::set<std::string> distinct;
    auto output = throughABrokerRestart(
        [](const std::string& in, const std::string& out, const std::string& bootstrap) {
            return relayApp(in, out, bootstrap);
        },
        [&](const std::vector<TestRecord>& records) {
            distinct.clear();
            for (const auto& record : records) distinct.insert(record.value.value_or("<null>"));
            return distinct.size() >= expected.size();
        });
    EXPECT_EQ(distinct, expected);  // every input, nothing else (repeats allowed)
    EXPECT_GE(output.size(), expected.size());
}

TEST(KafkaRestartTest, ATransactionalAggregationSurvivesABrokerRestartExactlyOnce) {
    // A running count per key (13 keys) in transactions with its state in the changelog
    // topic: each key's rows hold n = 1, 2, … its record count, each exactly once.
    std::map<int64_t, int64_t> counts;
    for (int id = 1; id <= kRestartAll; ++id) ++counts[id % 13];
    std::map<int64_t, std::vector<int64_t>> rows;
    auto readRows = [&](const std::vector<TestRecord>& records) {
        rows.clear();
        size_t total = 0;
        for (const auto& record : records) {
            long long k = -1;
            long long n = -1;
            if (std::sscanf(record.value.value_or("").c_str(), R"({"k":%lld,"n":%lld})", &k, &n) ==
                2) {
                rows[k].push_back(n);
                ++total;
            }
        }
        return total;
    };
    auto output = throughABrokerRestart(
        [](const std::string& in, const std::string& out, const std::string& bootstrap) {
            return fmt::format(
                "-- @app: restart_txn\n-- @job_mode: transactional\n\n"
                "CREATE STREAM src (id BIGINT, k BIGINT) WITH ('src.type' = 'kafka_source', "
                "'src.topic' = '{0}', "
                "'src.bootstrap.servers' = '{2}');\n"
                "CREATE TABLE out AS SELECT k, COUNT(*) AS n FROM src GROUP BY k WITH ('out.type' "
                "= 'kafka_sink', "
                "'out.topic' = '{1}', 'out.bootstrap.servers' = '{2}', 'batch.size' = '100', "
                "'commit.interval' = '200ms');\n",
                in, out, bootstrap);
        },
        [&](const std::vector<TestRecord>& records) {
            return readRows(records) >= static_cast<size_t>(kRestartAll);
        },
        /*transactional=*/true);
    readRows(output);
    std::map<int64_t, std::vector<int64_t>> expected;
    for (const auto& [k, count] : counts) {
        for (int64_t n = 1; n <= count; ++n) expected[k].push_back(n);
    }
    for (auto& [k, values] : rows) std::sort(values.begin(), values.end());
    EXPECT_EQ(rows, expected);
}

TEST(KafkaRestartTest, AStopWhileTheBrokerIsDownEndsPromptlyAndTheRerunLosesNothing) {
    OwnBroker broker;
    ASSERT_GT(broker.port(), 0) << "no free port on 127.0.0.1";
    CommandResult started = broker.script("start");
    ASSERT_EQ(started.exitCode, 0) << "scripts/kafka.sh start failed: " << started.output;
    const std::string bootstrap = broker.address();
    const std::string in = uniqueTopic("stop-in");
    const std::string out = uniqueTopic("stop-out");
    createTopic(in, 1, {}, bootstrap);
    createTopic(out, 1, {}, bootstrap);
    constexpr int kAll = 20000;
    produce(in, idRecords(1, kAll), bootstrap);
    ASSERT_FALSE(::testing::Test::HasFailure());

    TempDir dir("ferris-kafka-stop");
    // One record per produce request, one request in flight: deliveries are slow, so records
    // are certainly waiting for the broker when it is killed. message.timeout.ms stays
    // librdkafka's 300 s: a stop that waited for it would not end within the deadline below.
    std::string sql = relayApp(in, out, bootstrap,
                               ", 'out.kafka.batch.num.messages' = '1', "
                               "'out.kafka.max.in.flight.requests.per.connection' = '1'");
    {
        JobThread job(sql, dir.path(), R"(ferris_records_in_total{job="out",source="src"})");
        auto waitFor = [&](const std::function<bool()>& condition, std::chrono::seconds limit) {
            auto deadline = Clock::now() + limit;
            while (Clock::now() < deadline && !job.ended()) {
                if (condition()) return true;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            return condition();
        };
        ASSERT_TRUE(waitFor([&] { return job.recordsIn() >= 1000; }, std::chrono::seconds(120)));
        int64_t errorsBefore = job.clientErrors();
        ASSERT_EQ(broker.script("kill").exitCode, 0);
        // The job produces into the void until its clients notice, then is stopped.
        ASSERT_TRUE(waitFor([&] { return job.clientErrors() >= errorsBefore + 2; }, std::chrono::seconds(60)));
        ASSERT_FALSE(job.ended()) << job.result().status.toString();
        auto asked = Clock::now();
        job.stopAndJoin();
        auto took = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - asked);
        EXPECT_LT(took.count(), 60) << "the stop waited for message.timeout.ms";
        AppRun run = job.result();
        // The commit was given up (or the send queue stayed full), saying so.
        EXPECT_EQ(run.status.code(), ErrorCode::kCancelled) << run.status.toString();
        EXPECT_NE(run.status.message().find("the input is read again from there at restart"), std::string::npos)
            << run.status.toString();
    }
    // The broker comes back; the rerun starts from the last checkpoint and reads to the end.
    CommandResult restarted = broker.script("start --keep-data");
    ASSERT_EQ(restarted.exitCode, 0) << restarted.output;
    std::set<std::string> expected;
    for (int id = 1; id <= kAll; ++id) expected.insert(fmt::format(R"({{"id":{}}})", id));
    JobThread rerun(sql, dir.path(), R"(ferris_records_in_total{job="out",source="src"})");
    std::set<std::string> distinct;
    auto deadline = Clock::now() + std::chrono::seconds(240);
    while (Clock::now() < deadline && !rerun.ended()) {
        distinct.clear();
        for (const auto& record : consumeAll(out, bootstrap)) distinct.insert(record.value.value_or("<null>"));
        if (distinct.size() >= expected.size()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(distinct, expected);  // nothing lost, nothing else (repeats allowed: at-least-once)
    rerun.stopAndJoin();
    EXPECT_TRUE(rerun.result().status.isOk()) << rerun.result().status.toString();
}

}  // namespace
}  // namespace ferris::testing
