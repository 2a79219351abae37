// Exactly-once (`@job_mode: transactional`, DESIGN.md §2.2) on the real broker
// ($FERRIS_KAFKA_BOOTSTRAP): in-process runs, then the failure-injection suite, which runs
// the ferris-sql binary and kills it — at seeded-random moments while a transaction holds
// output, and at every named fault point. Expected output is computed from the input (records
// carry a sequence id), never taken from another run, and read back with read_committed.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/part_files.h"
#include "kafka_test_util.h"

namespace ferris::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

Handle consumerClient(const std::string& isolation) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"bootstrap.servers", kafkaBootstrap()},
             {"group.id", uniqueTopic("ferris-test-watermarks")},
             {"isolation.level", isolation}}) {
        EXPECT_EQ(rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error), RD_KAFKA_CONF_OK) << error;
    }
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    EXPECT_NE(handle, nullptr) << error;
    return Handle(handle);
}

/// The offsets consumer group `group` has committed for `topic` (-1: none), read without
/// joining the group (its static member may still hold it).
std::vector<int64_t> committedOffsets(const std::string& group, const std::string& topic, int partitions) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"bootstrap.servers", kafkaBootstrap()}, {"group.id", group}, {"isolation.level", "read_committed"}}) {
        EXPECT_EQ(rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error), RD_KAFKA_CONF_OK) << error;
    }
    Handle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error));
    std::vector<int64_t> out(static_cast<size_t>(partitions), -1);
    if (!consumer) return out;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    EXPECT_EQ(rd_kafka_committed(consumer.get(), list, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < list->cnt; ++i) out[static_cast<size_t>(list->elems[i].partition)] = list->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(list);
    return out;
}

/// Tells whether a topic holds records of a transaction not yet committed or aborted: its
/// high watermark (read_uncommitted) is past its last stable offset (read_committed).
class OpenTransactionProbe {
public:
    OpenTransactionProbe(std::string topic, int partitions)
        : topic_(std::move(topic)), partitions_(partitions), uncommitted_(consumerClient("read_uncommitted")),
          committed_(consumerClient("read_committed")) {}

    /// The partitions whose last stable offset trails the high watermark now.
    std::set<int> open() {
        std::set<int> out;
        for (int p = 0; p < partitions_; ++p) {
            int64_t low = 0;
            int64_t high = 0;
            int64_t stable = 0;
            if (rd_kafka_query_watermark_offsets(uncommitted_.get(), topic_.c_str(), p, &low, &high, 5000) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR ||
                rd_kafka_query_watermark_offsets(committed_.get(), topic_.c_str(), p, &low, &stable, 5000) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR) {
                continue;
            }
            if (stable < high) out.insert(p);
        }
        return out;
    }

    /// Records written so far, committed or not (the sum of the high watermarks).
    int64_t written() {
        int64_t total = 0;
        for (int p = 0; p < partitions_; ++p) {
            int64_t low = 0;
            int64_t high = 0;
            if (rd_kafka_query_watermark_offsets(uncommitted_.get(), topic_.c_str(), p, &low, &high, 5000) ==
                RD_KAFKA_RESP_ERR_NO_ERROR) {
                total += high;
            }
        }
        return total;
    }

private:
    std::string topic_;
    int partitions_;
    Handle uncommitted_;
    Handle committed_;
};

/// ferris-sql run as a child process, its output in files of its own.
class FerrisProcess {
public:
    FerrisProcess(const std::filesystem::path& app, const std::filesystem::path& logs,
                  const std::string& faultPoint = "", const std::vector<std::string>& options = {},
                  const std::vector<std::pair<std::string, std::string>>& environment = {}) {
        static int counter = 0;
        log_ = logs / fmt::format("run-{}.log", ++counter);
        pid_ = fork();
        if (pid_ == 0) {
            int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            if (!faultPoint.empty()) setenv("FERRIS_FAULT_POINT", faultPoint.c_str(), 1);
            for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
            std::vector<std::string> words = {FERRIS_SQL_BINARY, "run", "--no-progress"};
            words.insert(words.end(), options.begin(), options.end());
            words.push_back(app.string());
            std::vector<char*> argv;
            for (auto& word : words) argv.push_back(word.data());
            argv.push_back(nullptr);
            execv(FERRIS_SQL_BINARY, argv.data());
            _exit(127);
        }
    }
    ~FerrisProcess() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            (void)wait();
        }
    }
    FerrisProcess(const FerrisProcess&) = delete;
    FerrisProcess& operator=(const FerrisProcess&) = delete;

    void signal(int number) const { kill(pid_, number); }
    /// Waits for the process to end; returns its wait status.
    int wait() {
        int status = 0;
        waitpid(pid_, &status, 0);
        reaped_ = true;
        return status;
    }
    /// The wait status once ended within `limit`, else nullopt.
    std::optional<int> waitFor(std::chrono::milliseconds limit) {
        auto until = Clock::now() + limit;
        while (true) {  // looks at least once, so a limit of 0 checks without waiting
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                reaped_ = true;
                return status;
            }
            if (Clock::now() >= until) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::string log() const {
        std::ifstream in(log_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::filesystem::path log_;
};

std::string describeStatus(int status) {
    if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
    return "?";
}

/// Success when `process` ends within `limit` with exit code `code`; else what happened, and
/// its log.
::testing::AssertionResult exitsWith(FerrisProcess& process, int code, std::chrono::seconds limit) {
    auto status = process.waitFor(limit);
    if (!status)
        return ::testing::AssertionFailure()
               << "ferris-sql did not end within " << limit.count() << " s\n"
               << process.log();
    if (WIFEXITED(*status) && WEXITSTATUS(*status) == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << describeStatus(*status) << ", expected exit " << code << "\n"
           << process.log();
}

class KafkaTransactionTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / uniqueTopic("ferris-kafka-txn");
        std::filesystem::create_directories(dir_);
        app_ = uniqueTopic("t").replace(1, 1, "");
    }
    void TearDown() override {
        // FERRIS_KEEP_TEST_DIR keeps the apps and logs of a passing test too.
        if (!HasFailure() && std::getenv("FERRIS_KEEP_TEST_DIR") == nullptr)
            std::filesystem::remove_all(dir_);
    }

    /// Input ids 1..count, spread over the partitions round-robin, ~70 bytes each.
    /// With poison_: ids ≡ 500 (mod 1000) are written as "poison <id>", which is no JSON.
    bool isPoison(int64_t id) const { return poison_ && id % 1000 == 500; }

    void produceIds(const std::string& topic, int partitions, int from, int to) const {
        std::vector<TestRecord> records;
        for (int i = from; i <= to; ++i) {
            TestRecord record;
            record.value = isPoison(i) ? fmt::format("poison {}", i)
                                       : fmt::format(R"({{"id":{},"pad":"{}"}})", i, std::string(40, 'x'));
            record.partition = i % partitions;
            records.push_back(std::move(record));
        }
        produce(topic, records);
    }

    /// New input and output topics of `partitions` partitions each, the input holding ids
    /// 1..`records`.
    std::pair<std::string, std::string> topicsWithIds(int partitions, int records) const {
        std::string in = uniqueTopic("in");
        std::string out = uniqueTopic("out");
        createTopic(in, partitions);
        createTopic(out, partitions);
        if (records > 0) produceIds(in, partitions, 1, records);
        return {in, out};
    }

    /// The app: ids not divisible by 7 from `in` to `out`, in the given mode.
    std::filesystem::path writeApp(const std::string& in, const std::string& out, const std::string& mode,
                                   bool bounded, const std::string& extra = "") const {
        std::string sql = fmt::format(
            "-- @app: {}\n"
            "-- @job_mode: {}\n\n"
            "CREATE STREAM src (id BIGINT, pad STRING) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
            "'src.bootstrap.servers' = '{}'{});\n"
            "CREATE STREAM out AS SELECT id FROM src WHERE id % 7 <> 0 WITH ('out.type' = 'kafka_sink', "
            "'out.topic' = '{}', 'out.bootstrap.servers' = '{}'{});\n",
            app_, mode, in, kafkaBootstrap(), bounded ? ", 'src.bounded' = 'latest'" : "", out, kafkaBootstrap(),
            extra);
        auto path = dir_ / (bounded ? "bounded.sql" : "app.sql");
        std::ofstream(path) << sql;
        return path;
    }

    /// Each expected id (1..count, not divisible by 7) with how often it was read back.
    static std::map<int64_t, int> readIds(const std::string& topic) {
        std::map<int64_t, int> seen;
        for (const auto& record : consumeAll(topic)) {
            EXPECT_TRUE(record.value && record.value->starts_with(R"({"id":)")) << record.value.value_or("null");
            if (record.value) ++seen[std::stoll(record.value->substr(6))];
        }
        return seen;
    }

    /// Asserts every expected id of 1..count appears `exactly` once (or at least once), and
    /// nothing else; returns the number of duplicates.
    int64_t checkIds(const std::map<int64_t, int>& seen, int count, bool exactly) const {
        int64_t missing = 0;
        int64_t duplicates = 0;
        int64_t unexpected = 0;
        for (int i = 1; i <= count; ++i) {
            auto found = seen.find(i);
            int times = found == seen.end() ? 0 : found->second;
            if (i % 7 == 0 || isPoison(i)) {
                unexpected += times;
            } else if (times == 0) {
                ++missing;
            } else {
                duplicates += times - 1;
            }
        }
        for (const auto& [id, times] : seen) {
            if (id < 1 || id > count) unexpected += times;
        }
        EXPECT_EQ(missing, 0) << "records lost";
        EXPECT_EQ(unexpected, 0) << "records that must not be there";
        if (exactly) {
            EXPECT_EQ(duplicates, 0) << "records repeated";
        }
        return duplicates;
    }

    /// Runs the bounded app to the end of the input; expects exit 0.
    void finish(const std::string& in, const std::string& out, const std::string& mode,
                const std::string& extra = "") {
        FerrisProcess last(writeApp(in, out, mode, /*bounded=*/true, extra), dir_);
        ASSERT_TRUE(exitsWith(last, 0, std::chrono::seconds(180)));
    }

    /// SIGKILLs the unbounded app `kills` times at seeded-random moments, each once this
    /// incarnation has written output: transactional, while a transaction holds output (seen
    /// before and after the kill: the killed producer's transaction stays open until the next
    /// start fences it). Returns the kills that landed so.
    /// Before each start, `beforeStart` adds input, so that every incarnation has work to do.
    int killRepeatedly(const std::filesystem::path& app, const std::string& out, int partitions,
                       int kills, bool transactional, const std::function<void()>& beforeStart) {
        uint64_t seed = std::random_device{}();
        std::printf("kill seed %llu\n", static_cast<unsigned long long>(seed));
        std::mt19937_64 random(seed);
        OpenTransactionProbe probe(out, partitions);
        int landed = 0;
        for (int attempt = 0; attempt < kills * 2 && landed < kills; ++attempt) {
            // The start aborts the killed incarnation's transaction: its markers (one per
            // partition) come first; this incarnation has written once the topic grew past them.
            beforeStart();
            int64_t before = probe.written() + partitions;
            FerrisProcess process(app, dir_);
            std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(random)));
            auto until = Clock::now() + std::chrono::seconds(30);
            bool armed = false;
            while (!armed && Clock::now() < until) {
                armed = probe.written() > before && (!transactional || !probe.open().empty());
                if (auto ended = process.waitFor(std::chrono::milliseconds(armed ? 0 : 5))) {
                    ADD_FAILURE() << "ferris-sql ended on its own: " << describeStatus(*ended) << "\n"
                                  << process.log();
                    return landed;
                }
            }
            process.signal(SIGKILL);
            int status = process.wait();
            EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << describeStatus(status);
            if (armed && (!transactional || !probe.open().empty())) ++landed;
        }
        return landed;
    }

    /// A second member (assignment `strategy`, librdkafka's default when empty) joins the
    /// group of a transactional job whose open transaction holds all 2000 records of a topic
    /// with `partitions` partitions; the revoke commits it first.
    void revokeCommitsTheOpenTransactionFirst(int partitions, const std::string& strategy) {
        // Named strings, not a structured binding: clang 14 (the TSan build) lets lambdas
        // capture only those.
        const auto topics = topicsWithIds(partitions, 2000);
        const std::string& in = topics.first;
        const std::string& out = topics.second;
        std::string sql = fmt::format(
            "-- @app: {}\n-- @job_mode: transactional\n\n"
            "CREATE STREAM src (id BIGINT, pad STRING) WITH ('src.type' = 'kafka_source', "
            "'src.topic' = '{}', "
            "'src.bootstrap.servers' = '{}'{});\n"
            "CREATE STREAM out AS SELECT id FROM src WHERE id % 7 <> 0 WITH ('out.type' = "
            "'kafka_sink', "
            "'out.topic' = '{}', 'out.bootstrap.servers' = '{}', 'commit.interval' = '1h');\n",
            app_, in, kafkaBootstrap(),
            strategy.empty()
                ? ""
                : fmt::format(", 'src.kafka.partition.assignment.strategy' = '{}'", strategy),
            out, kafkaBootstrap());
        std::atomic<bool> joined{false};
        std::atomic<bool> checked{false};
        std::vector<int64_t> committed(static_cast<size_t>(partitions), -1);
        std::thread member;
        AppRun run = runApp(sql, dir_, [&](const std::string& metrics) {
            if (!joined &&
                metricValue(metrics, R"(ferris_records_in_total{job="out",source="src"})") >=
                    2000) {
                // Nothing is committed yet: the records are in the open transaction.
                EXPECT_EQ(
                    metricValue(metrics,
                                R"(ferris_transactions_total{job="out",outcome="committed"})"),
                    0);
                joined = true;
                member = std::thread([&] {
                    committed = joinAndReadCommitted(fmt::format("ferris.{}.out", app_), in,
                                                     partitions, strategy);
                    checked = true;
                });
            }
            return checked.load();
        });
        if (member.joinable()) member.join();
        ASSERT_TRUE(run.status.isOk()) << run.status.toString();
        EXPECT_EQ(committed,
                  std::vector<int64_t>(static_cast<size_t>(partitions), 2000 / partitions));
        EXPECT_EQ(
            metricValue(run.metrics, R"(ferris_transactions_total{job="out",outcome="aborted"})"),
            0);
        checkIds(readIds(out), 2000, /*exactly=*/true);
    }

    std::filesystem::path dir_;
    std::string app_;
    bool poison_ = false;
};

TEST_F(KafkaTransactionTest, ARebalanceCommitsTheOpenTransactionBeforeItsPartitionsAreRevoked) {
    // No periodic commit (commit.interval 1h): the transaction holding every record is open
    // when a second member joins the group. The revoke commits it first — output and offsets
    // together — so nothing is aborted, and the member finds the group's offsets at the end.
    revokeCommitsTheOpenTransactionFirst(2, "");
}

TEST_F(KafkaTransactionTest, ACooperativeRevokeCommitsTheOpenTransactionFirst) {
    // As above with cooperative-sticky assignment: the second member's join revokes only the
    // partitions it is given (an incremental revoke). The job commits its whole open
    // transaction before giving them up.
    revokeCommitsTheOpenTransactionFirst(4, "cooperative-sticky");
}

TEST_F(KafkaTransactionTest, AJobStalledPastItsSessionLosesItsPartitionsAndAbortsWhatItHeld) {
    // A lost assignment: the job has written all its output into the open transaction
    // (commit.interval 1h) when it stops answering (SIGSTOP) for longer than its session. The
    // group drops it; a second member gets the partitions and finds no offset committed. Woken
    // up, the job learns the partitions were lost without a commit: its transaction may
    // never commit. Stopped, it aborts it; a rerun writes every record exactly once.
    const auto topics = topicsWithIds(2, 2000);
    const std::string& in = topics.first;
    const std::string& out = topics.second;
    std::ofstream(dir_ / "app.sql") << fmt::format(
        "-- @app: {}\n-- @job_mode: transactional\n\n"
        "CREATE STREAM src (id BIGINT, pad STRING) WITH ('src.type' = 'kafka_source', 'src.topic' "
        "= '{}', "
        "'src.bootstrap.servers' = '{}', 'src.kafka.session.timeout.ms' = '6000', "
        "'src.kafka.heartbeat.interval.ms' = '500');\n"
        "CREATE STREAM out AS SELECT id FROM src WHERE id % 7 <> 0 WITH ('out.type' = "
        "'kafka_sink', "
        "'out.topic' = '{}', 'out.bootstrap.servers' = '{}', 'commit.interval' = '1h');\n",
        app_, in, kafkaBootstrap(), out, kafkaBootstrap());
    OpenTransactionProbe probe(out, 2);
    FerrisProcess process(dir_ / "app.sql", dir_);
    // 1715 ids pass the filter; the output topic holds them all, uncommitted.
    auto until = Clock::now() + std::chrono::seconds(60);
    while (probe.written() < 1715 && Clock::now() < until) {
        ASSERT_FALSE(process.waitFor(std::chrono::milliseconds(20))) << process.log();
    }
    ASSERT_EQ(probe.written(), 1715);
    ASSERT_FALSE(probe.open().empty());
    process.signal(SIGSTOP);
    // The second member is given partitions once the stalled one's session has expired.
    std::vector<int64_t> committed =
        joinAndReadCommitted(fmt::format("ferris.{}.out", app_), in, 2);
    EXPECT_EQ(committed, (std::vector<int64_t>{RD_KAFKA_OFFSET_INVALID, RD_KAFKA_OFFSET_INVALID}));
    process.signal(SIGCONT);
    // Back, the job rejoins; the stop's commit finds the partitions lost since the last one.
    until = Clock::now() + std::chrono::seconds(60);
    while (process.log().find("assignment lost") == std::string::npos && Clock::now() < until) {
        ASSERT_FALSE(process.waitFor(std::chrono::milliseconds(20))) << process.log();
    }
    process.signal(SIGINT);
    ASSERT_TRUE(exitsWith(process, 0, std::chrono::seconds(60)));
    std::string log = process.log();
    EXPECT_NE(
        log.find(
            "transaction aborted: the source lost partitions it had read since the last commit"),
        std::string::npos)
        << log;
    EXPECT_TRUE(readIds(out).empty()) << "the zombie's transaction committed";
    EXPECT_TRUE(probe.open().empty());
    finish(in, out, "transactional");
    checkIds(readIds(out), 2000, /*exactly=*/true);
}

TEST_F(KafkaTransactionTest, TransactionalPassThroughIsExactAndCommitsTheGroupsOffsets) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 3);
    createTopic(out, 2);
    produceIds(in, 3, 1, 30000);
    std::string sql = fmt::format(
        "-- @app: {}\n-- @job_mode: transactional\n\n"
        "CREATE STREAM src (id BIGINT, pad STRING) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}', 'src.bounded' = 'latest');\n"
        "CREATE STREAM out AS SELECT id FROM src WHERE id % 7 <> 0 WITH ('out.type' = 'kafka_sink', "
        "'out.topic' = '{}', 'out.bootstrap.servers' = '{}', 'batch.size' = '500');\n",
        app_, in, kafkaBootstrap(), out, kafkaBootstrap());
    AppRun run = runApp(sql, dir_);
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_GT(metricValue(run.metrics, R"(ferris_transactions_total{job="out",outcome="committed"})"), 0);
    EXPECT_EQ(metricValue(run.metrics, R"(ferris_transactions_total{job="out",outcome="aborted"})"), 0);
    checkIds(readIds(out), 30000, /*exactly=*/true);
    // The source's offsets went into the transactions: the group holds the end offsets.
    std::vector<int64_t> committed = committedOffsets(fmt::format("ferris.{}.out", app_), in, 3);
    EXPECT_EQ(committed, (std::vector<int64_t>{10000, 10000, 10000}));

    // Without the checkpoint (which keeps the bounded ends), a rerun goes on from the group's
    // offsets: it reads the new records only.
    produceIds(in, 3, 30001, 30300);
    std::filesystem::remove_all(dir_ / ".ferris-state");
    AppRun again = runApp(sql, dir_);
    ASSERT_TRUE(again.status.isOk()) << again.status.toString();
    EXPECT_EQ(metricValue(again.metrics, R"(ferris_records_in_total{job="out",source="src"})"), 300);
    checkIds(readIds(out), 30300, /*exactly=*/true);
}

TEST_F(KafkaTransactionTest, AbortedTransactionsRewindAndNothingRepeats) {
    // The output topic refuses record batches over 20,000 bytes (the producer's are 10,000 at
    // most); input record 3000 (of 6000) is 50,000 bytes.
    // A transaction per batch: every one that holds it fails to commit, is aborted, and the source rewinds to
    // the last commit; the fifth abort in a row fails the job. What was committed before is
    // exactly the input up to the group's committed offset.
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 1);
    createTopic(out, 1, {{"max.message.bytes", "20000"}});
    std::vector<TestRecord> records;
    for (int i = 1; i <= 6000; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{},"pad":"{}"}})", i, std::string(i == 3000 ? 50000 : 10, 'x'));
        record.partition = 0;
        records.push_back(std::move(record));
    }
    produce(in, records);
    std::string sql = fmt::format(
        "-- @app: {}\n-- @job_mode: transactional\n\n"
        "CREATE STREAM src (id BIGINT, pad STRING) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}', 'src.bounded' = 'latest');\n"
        "CREATE STREAM out AS SELECT id, pad FROM src WITH ('out.type' = 'kafka_sink', 'out.topic' = '{}', "
        "'out.bootstrap.servers' = '{}', 'out.kafka.batch.size' = '10000', 'batch.size' = '100', "
        "'commit.interval' = '0');\n",
        app_, in, kafkaBootstrap(), out, kafkaBootstrap());
    AppRun run = runApp(sql, dir_);
    ASSERT_FALSE(run.status.isOk());
    EXPECT_NE(run.status.message().find("5 transactions aborted in a row"), std::string::npos) << run.status.toString();
    EXPECT_EQ(metricValue(run.metrics, R"(ferris_transactions_total{job="out",outcome="aborted"})"), 5);
    std::vector<int64_t> committed = committedOffsets(fmt::format("ferris.{}.out", app_), in, 1);
    ASSERT_GT(committed[0], 0);
    ASSERT_LT(committed[0], 3000);  // offset 2999 holds record 3000
    std::vector<int64_t> ids;
    for (const auto& record : consumeAll(out)) ids.push_back(std::stoll(record.value->substr(6)));
    std::vector<int64_t> expected;
    for (int64_t id = 1; id <= committed[0]; ++id) expected.push_back(id);
    EXPECT_EQ(ids, expected);
}

TEST_F(KafkaTransactionTest, TransactionalJobsWriteKafkaTopicsOrPartFiles) {
    std::string in = uniqueTopic("in");
    createTopic(in, 1);
    std::vector<TestRecord> input;
    for (int i = 1; i <= 5; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{},"sym":"s"}})", i);
        input.push_back(record);
    }
    produce(in, input);
    auto failure = [&](const std::string& query) {
        std::string sql = fmt::format(
            "-- @app: {}\n-- @job_mode: transactional\n\n"
            "CREATE STREAM src (id BIGINT, sym STRING) WITH ('src.type' = 'kafka_source', 'src.topic' = '{}', "
            "'src.bootstrap.servers' = '{}', 'src.bounded' = 'latest');\n{}",
            app_, in, kafkaBootstrap(), query);
        AppRun run = runApp(sql, dir_);
        return run.status.toString();
    };
    // Kafka in, exactly-once part files out: the source's offsets are in the checkpoint.
    EXPECT_EQ(
        failure(
            "CREATE STREAM out AS SELECT id FROM src WITH ('out.type' = 'file_sink', 'out.path' = "
            "'parts', 'out.format' = 'jsonl');\n"),
        "OK");
    std::string text;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "parts")) {
        EXPECT_FALSE(connectors::parts::inProgress(entry.path().filename().string()))
            << entry.path();
    }
    auto parts = connectors::parts::committed(dir_ / "parts");
    ASSERT_TRUE(parts.isOk()) << parts.status().toString();
    for (const auto& name : parts.value()) {
        std::ifstream file(dir_ / "parts" / name);
        text += std::string(std::istreambuf_iterator<char>(file), {});
    }
    EXPECT_EQ(text, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n{\"id\":5}\n");
    std::string keyed = fmt::format(
        "CREATE STREAM out AS SELECT id FROM src WITH ('out.type' = 'kafka_sink', 'out.topic' = "
        "'{}', "
        "'out.bootstrap.servers' = '{}', 'state.changelog.replication.factor' = '1');\n",
        uniqueTopic("out"), kafkaBootstrap());
    EXPECT_EQ(failure(keyed),
              fmt::format("5:{}: job out: 'state.changelog.replication.factor' is set but the job "
                          "keeps no changelog "
                          "topic: only a stateful query in @job_mode: transactional does",
                          keyed.find("'state.changelog") + 1));
}

/// Windowed input: ids 1..count round-robin over the partitions, event time id × 10 ms, key
/// id % 5; one-second tumbling windows hold 100 ids each.
void produceWindowed(const std::string& topic, int partitions, int from, int to) {
    std::vector<TestRecord> records;
    for (int i = from; i <= to; ++i) {
        TestRecord record;
        record.value = fmt::format(R"({{"id":{},"k":{},"ts":{}}})", i, i % 5, int64_t{i} * 10);
        record.partition = i % partitions;
        records.push_back(std::move(record));
    }
    produce(topic, records);
}

/// The windowed app: per key and one-second window, COUNT and SUM of the ids.
std::string windowedSql(const std::string& app, const std::string& mode, const std::string& in,
                        const std::string& out, bool bounded, const std::string& extra = "") {
    return fmt::format(
        "-- @app: {}\n-- @job_mode: {}\n\n"
        "CREATE STREAM src (id BIGINT, k BIGINT, ts BIGINT) WITH ('src.type' = 'kafka_source', "
        "'src.topic' = '{}', "
        "'src.bootstrap.servers' = '{}', 'src.event.time.field' = 'ts'{});\n"
        "CREATE STREAM out AS SELECT k, _window_start AS w, COUNT(*) AS n, SUM(id) AS total FROM "
        "src GROUP BY k "
        "WINDOW TUMBLING(1s) WITH ('out.type' = 'kafka_sink', 'out.topic' = '{}', "
        "'out.bootstrap.servers' = '{}'{});\n",
        app, mode, in, kafkaBootstrap(), bounded ? ", 'src.bounded' = 'latest'" : "", out,
        kafkaBootstrap(), extra);
}

/// Checks the windowed output of ids 1..count: every (key, window) once, with the count and
/// sum computed from the ids. Returns the windows seen more than once.
int64_t checkWindows(const std::string& topic, int count, bool exactly) {
    std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>>
        expected;  // (k, w) → (n, total)
    for (int64_t i = 1; i <= count; ++i) {
        auto& [n, total] = expected[{i % 5, i * 10 / 1000 * 1000}];
        ++n;
        total += i;
    }
    std::map<std::pair<int64_t, int64_t>, int> seen;
    int64_t wrong = 0;
    for (const auto& record : consumeAll(topic)) {
        int64_t k = 0;
        int64_t w = 0;
        int64_t n = 0;
        int64_t total = 0;
        EXPECT_EQ(std::sscanf(record.value.value_or("").c_str(),
                              R"({"k":%ld,"w":%ld,"n":%ld,"total":%ld})", &k, &w, &n, &total),
                  4)
            << record.value.value_or("null");
        ++seen[{k, w}];
        auto found = expected.find({k, w});
        if (found == expected.end() || found->second != std::make_pair(n, total)) {
            if (++wrong <= 5)
                ADD_FAILURE() << "unexpected window row " << record.value.value_or("null");
        }
    }
    int64_t missing = 0;
    int64_t repeated = 0;
    for (const auto& [window, values] : expected) {
        auto found = seen.find(window);
        if (found == seen.end()) {
            ++missing;
        } else {
            repeated += found->second - 1;
        }
    }
    EXPECT_EQ(wrong, 0) << "window rows with wrong values";
    EXPECT_EQ(missing, 0) << "windows lost";
    if (exactly) {
        EXPECT_EQ(repeated, 0) << "windows emitted twice";
    }
    return repeated;
}

TEST_F(KafkaTransactionTest, AWindowedAggregationKeepsItsStateInTheChangelogTopic) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 2);
    produceWindowed(in, 2, 1, 20000);
    std::string sql = windowedSql(app_, "transactional", in, out, /*bounded=*/false);
    // The first run stops (SIGINT) with windows open: their state is in the changelog topic.
    std::ofstream(dir_ / "w.sql") << sql;
    FerrisProcess first(dir_ / "w.sql", dir_);
    OpenTransactionProbe probe(out, 2);
    auto until = Clock::now() + std::chrono::seconds(60);
    // 20,000 ids close 995 windows; the stop comes once most are out.
    while (probe.written() < 900 && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    first.signal(SIGINT);
    ASSERT_TRUE(exitsWith(first, 0, std::chrono::seconds(60)));

    std::string changelog = fmt::format("ferris.{}.out.changelog", app_);
    auto records = consumeAll(changelog);
    ASSERT_FALSE(records.empty()) << "nothing in " << changelog;

    // Without state.dir the state still comes back: from the changelog topic.
    std::filesystem::remove_all(dir_ / ".ferris-state");
    produceWindowed(in, 2, 20001, 30000);
    std::ofstream(dir_ / "bounded.sql")
        << windowedSql(app_, "transactional", in, out, /*bounded=*/true);
    FerrisProcess second(dir_ / "bounded.sql", dir_);
    ASSERT_TRUE(exitsWith(second, 0, std::chrono::seconds(120)));
    EXPECT_NE(second.log().find("state entries from changelog topic " + changelog),
              std::string::npos)
        << second.log();
    checkWindows(out, 30000, /*exactly=*/true);

    // A different query over the same state is refused, naming the difference.
    std::string other = windowedSql(app_, "transactional", in, out, /*bounded=*/true);
    other.replace(other.find("TUMBLING(1s)"), 12, "TUMBLING(2s)");
    std::filesystem::remove_all(dir_ / ".ferris-state");
    std::ofstream(dir_ / "other.sql") << other;
    FerrisProcess third(dir_ / "other.sql", dir_);
    EXPECT_TRUE(exitsWith(third, 1, std::chrono::seconds(60)));
    EXPECT_NE(third.log().find("was written by a different query"), std::string::npos)
        << third.log();

    // --reset-state erases it (a tombstone for every key), and the new query runs on from
    // there: what is left is its own state after the end of its (empty) input — the
    // aggregation's counters ("m") and the job's entries (store ffffffff) — no window group.
    FerrisProcess reset(dir_ / "other.sql", dir_, "", {"--reset-state", "out"});
    EXPECT_TRUE(exitsWith(reset, 0, std::chrono::seconds(60)));
    EXPECT_NE(reset.log().find("--reset-state: erased"), std::string::npos) << reset.log();
    std::map<std::string, bool> live;
    for (const auto& record : consumeAll(changelog))
        live[record.key.value_or("")] = record.value.has_value();
    std::set<std::string> left;
    for (const auto& [key, isLive] : live) {
        if (!isLive) continue;
        std::string hex;
        for (unsigned char c : key.substr(0, 4)) hex += fmt::format("{:02x}", c);
        left.insert(hex + ":" + key.substr(4));
    }
    EXPECT_EQ(left, (std::set<std::string>{"00000000:m", "ffffffff:fingerprint", "ffffffff:job",
                                           "ffffffff:partitions", "ffffffff:watermark"}));
    // The fingerprint is the new query's now: it starts without --reset-state.
    FerrisProcess again(dir_ / "other.sql", dir_);
    EXPECT_TRUE(exitsWith(again, 0, std::chrono::seconds(60)));
}

TEST_F(KafkaTransactionTest, AbortedTransactionsOfAWindowedAggregationRestoreItsState) {
    // Every third transaction is aborted: each time the state of the last commit is read
    // back from the changelog topic and the input read again from the last committed offsets.
    constexpr int kRecords = 30000;
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 2);
    createTopic(out, 2);
    produceWindowed(in, 2, 1, kRecords);
    std::ofstream(dir_ / "bounded.sql")
        << windowedSql(app_, "transactional", in, out, /*bounded=*/true,
                       ", 'batch.size' = '500', 'commit.interval' = '0'");
    FerrisProcess run(dir_ / "bounded.sql", dir_, "", {}, {{"FERRIS_FAULT_ABORT", "3"}});
    ASSERT_TRUE(exitsWith(run, 0, std::chrono::seconds(180)));
    std::string log = run.log();
    size_t aborts = 0;
    for (size_t at = log.find("aborted by FERRIS_FAULT_ABORT"); at != std::string::npos;
         at = log.find("aborted by FERRIS_FAULT_ABORT", at + 1)) {
        ++aborts;
    }
    EXPECT_GE(aborts, 10u) << log;
    // A commit runs while the job reads on: the aborted ones had output of later batches
    // held, which is dropped (and made again from the re-read records).
    EXPECT_NE(log.find("records written while it ran are dropped and made again"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("state entries from changelog topic"), std::string::npos) << log;
    checkWindows(out, kRecords, /*exactly=*/true);
}

TEST_F(KafkaTransactionTest, AbortedTransactionsTakeBackWhatTheyCountedInSqlMetrics) {
    // In-process, every second transaction aborted: the SQL-defined counter of output rows
    // ends at the number of windows, as the output topic holds them.
    constexpr int kRecords = 10000;
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 1);
    createTopic(out, 1);
    produceWindowed(in, 1, 1, kRecords);
    std::string sql = windowedSql(app_, "transactional", in, out, /*bounded=*/true,
                                  ", 'batch.size' = '500', 'commit.interval' = '0'");
    sql.replace(sql.find("CREATE STREAM out"), 0, "-- @metric: windows_total\n");
    setenv("FERRIS_FAULT_ABORT", "2", 1);
    AppRun run = runApp(sql, dir_);
    unsetenv("FERRIS_FAULT_ABORT");
    ASSERT_TRUE(run.status.isOk()) << run.status.toString();
    EXPECT_GT(metricValue(run.metrics, R"(ferris_transactions_total{job="out",outcome="aborted"})"),
              5);
    checkWindows(out, kRecords, /*exactly=*/true);
    EXPECT_EQ(metricValue(run.metrics, R"(windows_total{job="out"})"),
              static_cast<int64_t>(consumeAll(out).size()));
    EXPECT_EQ(consumeAll(out).size(), 501u);  // 100 one-second windows × 5 keys, and id 10000 alone
}

TEST_F(KafkaTransactionTest, AChangelogTopicThatIsNotCompactedIsRefused) {
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 1);
    createTopic(out, 1);
    createTopic(fmt::format("ferris.{}.out.changelog", app_), 1);
    AppRun run = runApp(windowedSql(app_, "transactional", in, out, /*bounded=*/true), dir_);
    EXPECT_EQ(run.status.toString(), fmt::format("job out: changelog topic ferris.{}.out.changelog "
                                                 "has cleanup.policy=delete: a changelog "
                                                 "must be compacted, or old state is deleted by "
                                                 "age; set cleanup.policy=compact on the topic",
                                                 app_));
}

TEST_F(KafkaTransactionTest, SigkilledTwentyTimesTheOutputHoldsEveryRecordExactlyOnce) {
    constexpr int kRecords = 200000;
    auto topics = topicsWithIds(4, kRecords);
    const std::string& in = topics.first;  // captured below (clang 14: no structured bindings)
    const std::string& out = topics.second;
    auto app = writeApp(in, out, "transactional", /*bounded=*/false, ", 'batch.size' = '200'");
    int produced = kRecords;
    int landed = killRepeatedly(app, out, 4, 20, /*transactional=*/true, [&] {
        produceIds(in, 4, produced + 1, produced + 5000);
        produced += 5000;
    });
    EXPECT_EQ(landed, 20) << "kills that landed while a transaction held output";
    finish(in, out, "transactional");
    checkIds(readIds(out), produced, /*exactly=*/true);
}

TEST_F(KafkaTransactionTest, AWindowedAggregationSigkilledTwentyTimesEmitsEveryWindowOnceAndExact) {
    constexpr int kRecords = 200000;
    std::string in = uniqueTopic("in");
    std::string out = uniqueTopic("out");
    createTopic(in, 4);
    createTopic(out, 4);
    produceWindowed(in, 4, 1, kRecords);
    auto app = dir_ / "app.sql";
    std::ofstream(app) << windowedSql(app_, "transactional", in, out, /*bounded=*/false,
                                      ", 'batch.size' = '200'");
    int produced = kRecords;
    int landed = killRepeatedly(app, out, 4, 20, /*transactional=*/true, [&] {
        produceWindowed(in, 4, produced + 1, produced + 5000);
        produced += 5000;
    });
    EXPECT_EQ(landed, 20) << "kills that landed while a transaction held output";
    std::ofstream(dir_ / "bounded.sql")
        << windowedSql(app_, "transactional", in, out, /*bounded=*/true, ", 'batch.size' = '200'");
    FerrisProcess last(dir_ / "bounded.sql", dir_);
    ASSERT_TRUE(exitsWith(last, 0, std::chrono::seconds(180)));
    checkWindows(out, produced, /*exactly=*/true);
}

TEST_F(KafkaTransactionTest, SimpleModeUnderTheSameKillsLosesNothing) {
    constexpr int kRecords = 200000;
    auto topics = topicsWithIds(4, kRecords);
    const std::string& in = topics.first;  // captured below (clang 14: no structured bindings)
    const std::string& out = topics.second;
    auto app = writeApp(in, out, "simple", /*bounded=*/false, ", 'batch.size' = '200', 'commit.interval' = '100ms'");
    // Simple mode writes no transactions: each kill comes once the incarnation has written.
    int produced = kRecords;
    int landed = killRepeatedly(app, out, 4, 20, /*transactional=*/false, [&] {
        produceIds(in, 4, produced + 1, produced + 5000);
        produced += 5000;
    });
    EXPECT_EQ(landed, 20);
    finish(in, out, "simple");
    int64_t duplicates = checkIds(readIds(out), produced, /*exactly=*/false);
    std::printf("simple mode: %lld records repeated after 20 kills\n", static_cast<long long>(duplicates));
}

TEST_F(KafkaTransactionTest, KilledAtEveryFaultPointTheOutputIsStillExact) {
    // Each run gets 10,000 new records, so that every point is reached with work to do.
    constexpr int kSlice = 10000;
    const std::vector<std::string> points = {"after_produce:5", "after_send_offsets:3", "in_commit:3",
                                             "in_restore",      "after_produce:2",      "in_commit:1"};
    const int kRecords = kSlice * static_cast<int>(points.size());
    poison_ = true;  // poison records go to the DLQ topic, inside the transactions
    auto [in, out] = topicsWithIds(2, 0);
    std::string dlq = uniqueTopic("dlq");
    // A transaction per batch, so that every point is reached within each slice.
    std::string keys = fmt::format(
        ", 'batch.size' = '500', 'commit.interval' = '0', 'failure_strategy' = 'send_to_dlq', 'dlq.topic' = '{}'", dlq);
    auto app = writeApp(in, out, "transactional", /*bounded=*/false, keys);
    int produced = 0;
    for (const auto& point : points) {
        produceIds(in, 2, produced + 1, produced + kSlice);
        produced += kSlice;
        FerrisProcess process(app, dir_, point);
        auto status = process.waitFor(std::chrono::seconds(120));
        ASSERT_TRUE(status.has_value()) << point << " was not reached\n" << process.log();
        EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << point << ": " << describeStatus(*status);
        EXPECT_NE(process.log().find(fmt::format("FERRIS_FAULT_POINT {}", point)), std::string::npos)
            << process.log();
    }
    finish(in, out, "transactional", keys);
    checkIds(readIds(out), kRecords, /*exactly=*/true);
    // Each poison record is in the DLQ topic once, with where it came from.
    std::map<std::string, int> poisoned;
    for (const auto& record : consumeAll(dlq)) {
        ++poisoned[record.value.value_or("null")];
        std::map<std::string, std::string> headers;
        for (const auto& [name, value] : record.headers) headers[name] = value.value_or("");
        EXPECT_EQ(headers["ferris.error.kind"], "decode_error");
        EXPECT_EQ(headers["ferris.source.topic"], in);
        EXPECT_FALSE(headers["ferris.source.offset"].empty());
    }
    std::map<std::string, int> expected;
    for (int i = 1; i <= kRecords; ++i) {
        if (isPoison(i)) expected[fmt::format("poison {}", i)] = 1;
    }
    EXPECT_EQ(poisoned, expected);
}

TEST_F(KafkaTransactionTest, ASecondInstanceFencesTheFirstAndNothingRepeats) {
    constexpr int kRecords = 100000;
    auto [in, out] = topicsWithIds(2, kRecords);
    auto app = writeApp(in, out, "transactional", /*bounded=*/false, ", 'batch.size' = '200'");
    FerrisProcess first(app, dir_);
    OpenTransactionProbe probe(out, 2);
    auto until = Clock::now() + std::chrono::seconds(60);
    while (probe.open().empty() && Clock::now() < until) {
    }
    ASSERT_LT(Clock::now(), until) << "the first instance never opened a transaction\n" << first.log();
    FerrisProcess second(app, dir_);
    EXPECT_TRUE(exitsWith(first, 1, std::chrono::seconds(90)));
    EXPECT_NE(first.log().find("fenced"), std::string::npos) << first.log();
    second.signal(SIGINT);
    EXPECT_TRUE(exitsWith(second, 0, std::chrono::seconds(60)));
    finish(in, out, "transactional");
    checkIds(readIds(out), kRecords, /*exactly=*/true);
}

}  // namespace
}  // namespace ferris::testing
