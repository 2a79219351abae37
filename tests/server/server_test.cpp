// The REST API of ferris-sql-multi (§1.5) with file jobs: deploy, list, status, lifecycle
// commands, all-or-nothing deploys, errors as JSON with line:col, auth, limits, concurrent
// requests, the OpenAPI document against the routes, and the Prometheus text format.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "server_test_util.h"

namespace ferris::testing {
namespace {

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               fmt::format("ferris-server-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed() +
                                                                   counter_++);
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    /// `rows` trades {"id": i, "qty": i % 7} in `name`.
    void writeTrades(const std::string& name, int rows) {
        std::ofstream out(dir_ / name);
        for (int i = 1; i <= rows; ++i) out << fmt::format(R"({{"id":{},"qty":{}}})", i, i % 7) << '\n';
    }
    std::string readFile(const std::string& name) {
        std::ifstream in(dir_ / name);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    /// A file-to-file job `job` reading `input`, keeping rows with qty > 3.
    static std::string filterApp(const std::string& source, const std::string& input, const std::string& job,
                                 const std::string& extra = "") {
        return fmt::format(
            "CREATE STREAM {0} (id BIGINT, qty BIGINT) WITH ('{0}.type' = 'file_source', '{0}.path' = '{1}');\n"
            "CREATE STREAM {2} AS SELECT id, qty FROM {0} WHERE qty > 3 WITH ('{2}.type' = 'file_sink', "
            "'{2}.path' = '{2}.jsonl'{3});\n",
            source, input, job, extra);
    }
    server::ManagerOptions options() {
        server::ManagerOptions options;
        options.baseDir = dir_;
        return options;
    }
    static std::string deployJson(const std::string& sql, const std::string& name) {
        std::string escaped;
        codec::appendJsonString(sql, escaped);
        return fmt::format(R"({{"sql":{},"name":"{}"}})", escaped, name);
    }

    std::filesystem::path dir_;
    static inline int counter_ = 0;
};

TEST_F(ServerTest, DeployedFileJobRunsToFinishedWithExactOutput) {
    writeTrades("trades.jsonl", 1000);
    TestServer server(options());
    auto deployed = server.post("/apps", deployJson(filterApp("trades", "trades.jsonl", "big"), "demo"),
                                "application/json");
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    EXPECT_EQ(TestServer::field(deployed.body, "app"), "demo");
    std::string status = server.waitForState("big", "finished");
    ASSERT_EQ(TestServer::field(status, "state"), "finished") << status;
    int expected = 0;
    std::string want;
    for (int i = 1; i <= 1000; ++i) {
        if (i % 7 > 3) {
            ++expected;
            want += fmt::format(R"({{"id":{},"qty":{}}})", i, i % 7) + "\n";
        }
    }
    EXPECT_EQ(readFile("big.jsonl"), want);
    EXPECT_EQ(TestServer::number(status, "records_in"), 1000);
    EXPECT_EQ(TestServer::number(status, "records_out"), expected);
    EXPECT_GT(std::stod(TestServer::field(status, "cpu_seconds")), 0.0);
    EXPECT_EQ(TestServer::field(status, "app"), "demo");
    EXPECT_NE(status.find(R"("source":{"name":"trades","type":"file_source","path":"trades.jsonl"})"),
              std::string::npos)
        << status;
    // Listed, then deleted.
    auto jobs = server.get("/jobs");
    EXPECT_NE(jobs.body.find(R"("name":"big")"), std::string::npos) << jobs.body;
    auto deleted = server.request("DELETE", "/jobs/big");
    EXPECT_EQ(deleted.status, 200);
    EXPECT_EQ(deleted.body, R"({"deleted":"big"})");
    EXPECT_EQ(server.get("/jobs").body, R"({"jobs":[]})");
    auto gone = server.get("/jobs/big");
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.body, R"({"error":{"code":"not_found","message":"no job named big","details":[]}})");
}

TEST_F(ServerTest, ValidationFailureIs400WithEveryErrorAndItsLocation) {
    TestServer server(options());
    std::string sql =
        "CREATE STREAM a AS SELECT nope FROM missing WITH ('a.type' = 'stdout_sink');\n"
        "CREATE STREAM s (id BIGINT) WITH ('s.type' = 'file_source', 's.path' = 'x.jsonl');\n"
        "CREATE STREAM b AS SELECT idd FROM s WITH ('b.type' = 'stdout_sink');\n";
    auto answer = server.post("/apps", sql);
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.body,
              R"({"error":{"code":"validation_failed","message":"the app was not deployed: 2 errors","details":[)"
              R"({"code":"unknown_source","message":"unknown source 'missing'","line":1,"column":37},)"
              R"j({"code":"unknown_column","message":"unknown column 'idd' in s, did you mean 'id'?","line":3,"column":27}]}})j");
    EXPECT_EQ(server.get("/jobs").body, R"({"jobs":[]})");
    auto syntax = server.post("/apps", "CREATE STREM x;");
    EXPECT_EQ(syntax.status, 400);
    EXPECT_EQ(TestServer::field(syntax.body, "error").find(R"("code":"validation_failed")"), 1u) << syntax.body;
    auto badJson = server.post("/apps", R"({"sql": 5})", "application/json");
    EXPECT_EQ(badJson.status, 400);
    EXPECT_EQ(badJson.body, R"({"error":{"code":"invalid_value","message":"'sql' must be a string","details":[]}})");
    auto unknownField = server.post("/apps", R"({"sql": "x", "nmae": "y"})", "application/json");
    EXPECT_EQ(unknownField.body,
              R"j({"error":{"code":"invalid_value","message":"unknown field 'nmae' (expected sql, name, file, properties)",)j"
              R"("details":[]}})");
}

TEST_F(ServerTest, DeployIsAllOrNothing) {
    writeTrades("trades.jsonl", 100);
    TestServer server(options());
    // The second job's input does not exist: it fails at start, so the first is stopped too.
    std::string sql = filterApp("trades", "trades.jsonl", "good") + filterApp("other", "absent.jsonl", "bad");
    auto answer = server.post("/apps", sql);
    EXPECT_EQ(answer.status, 400) << answer.body;
    EXPECT_NE(answer.body.find("absent.jsonl"), std::string::npos) << answer.body;
    EXPECT_EQ(server.get("/jobs").body, R"({"jobs":[]})");
    // Nothing holds the names: the fixed app deploys.
    writeTrades("absent.jsonl", 10);
    auto again = server.post("/apps", sql);
    EXPECT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(TestServer::field(server.waitForState("bad", "finished"), "state"), "finished");
    EXPECT_EQ(TestServer::field(server.waitForState("good", "finished"), "state"), "finished");
}

TEST_F(ServerTest, JobNamesAreUniqueAndMaxJobsHolds) {
    writeTrades("trades.jsonl", 10);
    auto limited = options();
    limited.maxJobs = 2;
    TestServer server(limited);
    ASSERT_EQ(server.post("/apps", filterApp("trades", "trades.jsonl", "one")).status, 201);
    auto duplicate = server.post("/apps", filterApp("trades", "trades.jsonl", "one"));
    EXPECT_EQ(duplicate.status, 409);
    EXPECT_EQ(duplicate.body,
              R"({"error":{"code":"conflict","message":"the app was not deployed: 1 error","details":[{"code":)"
              R"("conflict","message":"a job named one is already deployed (app app): job names are unique on a )"
              R"(server","line":2,"column":1}]}})");
    auto tooMany = server.post("/apps", filterApp("trades", "trades.jsonl", "two") +
                                            filterApp("more", "trades.jsonl", "three"));
    EXPECT_EQ(tooMany.status, 409);
    EXPECT_NE(tooMany.body.find("the app has 2 job(s) and the server runs 1 of at most 2 (max_jobs)"),
              std::string::npos)
        << tooMany.body;
    EXPECT_EQ(server.post("/apps", filterApp("trades", "trades.jsonl", "two")).status, 201);
}

TEST_F(ServerTest, BearerTokenIsRequiredWhenConfigured) {
    server::RestOptions rest;
    rest.authToken = "s3cret";
    TestServer server(options(), rest);
    server.setToken("");
    auto denied = server.get("/jobs");
    EXPECT_EQ(denied.status, 401);
    EXPECT_EQ(denied.body, R"j({"error":{"code":"unauthorized","message":"this server needs a bearer token (Authorization: )j"
                           R"j(Bearer <token>)","details":[]}})j");
    EXPECT_EQ(server.get("/metrics").status, 401);
    EXPECT_EQ(server.get("/health").status, 200);  // probes need no token
    EXPECT_EQ(server.get("/ready").body, R"({"ready":true})");
    server.setToken("wrong");
    EXPECT_EQ(TestServer::field(server.get("/jobs").body, "error"),
              R"({"code":"unauthorized","message":"the bearer token is not valid","details":[]})");
    server.setToken("s3cret");
    auto allowed = server.get("/jobs");
    EXPECT_EQ(allowed.status, 200);
    EXPECT_EQ(allowed.body, R"({"jobs":[]})");
}

TEST_F(ServerTest, OpenApiDocumentMatchesTheRoutes) {
    TestServer server(options());
    auto answer = server.get("/openapi.json");
    ASSERT_EQ(answer.status, 200);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(answer.body).get(root), simdjson::SUCCESS) << "the document is not JSON";
    std::set<std::string> documented;
    for (auto [path, item] : root["paths"].get_object()) {
        for (auto [method, operation] : item.get_object()) {
            if (method == "parameters") continue;
            std::string upper(method);
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(upper + " " + std::string(path));
        }
    }
    std::set<std::string> served;
    for (const auto& route : server::restRoutes()) served.insert(std::string(route.method) + " " + route.path);
    EXPECT_EQ(documented, served);
    // Every route answers (none is a 404 of the router).
    for (const auto& route : server::restRoutes()) {
        std::string path = route.path;
        for (const char* parameter : {"{name}", "{key}"}) {
            auto at = path.find(parameter);
            if (at != std::string::npos) path.replace(at, std::strlen(parameter), "x");
        }
        auto result = server.request(route.method, path);
        EXPECT_FALSE(result.status == 404 && result.body.find("no route") != std::string::npos) << path;
    }
    auto unknown = server.get("/nothing/here");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body, R"({"error":{"code":"not_found","message":"no route GET /nothing/here","details":[]}})");
    auto replay = server.post("/jobs/x/dlq/replay");
    EXPECT_EQ(replay.status, 404);
    EXPECT_EQ(replay.body,
              R"({"error":{"code":"not_found","message":"no job named x","details":[]}})");
}

TEST_F(ServerTest, AJobWithoutADlqOrThatHasFinishedIsNotReplayed) {
    std::ofstream(dir_ / "r.jsonl") << "{\"id\": 1, \"qty\": 5}\n";
    TestServer server(options());
    ASSERT_EQ(server.post("/apps", filterApp("r", "r.jsonl", "nodlq")).status, 201);
    ASSERT_EQ(server
                  .post("/apps",
                        filterApp("r2", "r.jsonl", "withfile",
                                  ", 'failure_strategy' = 'send_to_dlq', 'dlq.path' = 'dlq.jsonl'"))
                  .status,
              201);
    auto none = server.post("/jobs/nodlq/dlq/replay");
    EXPECT_EQ(none.status, 400);
    EXPECT_EQ(
        TestServer::field(none.body, "error"),
        R"x({"code":"config_error","message":"job nodlq has no DLQ to replay (set 'failure_strategy' = )x"
        R"x('send_to_dlq' and 'dlq.topic' or 'dlq.path')","details":[]})x");
    // A replay runs inside the job: a job whose bounded input is done has nothing to run it.
    ASSERT_EQ(TestServer::field(server.waitForState("withfile", "finished"), "state"), "finished");
    auto finished = server.post("/jobs/withfile/dlq/replay");
    EXPECT_EQ(finished.status, 409);
    EXPECT_EQ(TestServer::field(finished.body, "error"),
              R"x({"code":"invalid_state","message":"job withfile is finished","details":[]})x");
}

TEST_F(ServerTest, ADlqFileIsReplayedInsideTheJobThroughItsStateFromWhereTheLastReplayStopped) {
    // Lines 3 and 5 have a quantity that is no BIGINT: they go to the DLQ file.
    std::ofstream(dir_ / "in.jsonl") << R"({"k":"a","qty":1})"
                                        "\n"
                                     << R"({"k":"b","qty":2})"
                                        "\n"
                                     << R"({"k":"a","qty":1.5})"
                                        "\n"
                                     << R"({"k":"b","qty":3})"
                                        "\n"
                                     << R"({"k":"c","qty":2.5})"
                                        "\n"
                                     << R"({"k":"a","qty":4})"
                                        "\n";
    auto app = [](const std::string& qtyType) {
        return fmt::format(
            "-- @app: counting\n"
            "CREATE STREAM src (k STRING, qty {}) WITH ('src.type' = 'file_source', 'src.path' = "
            "'in.jsonl', "
            "'src.watch' = 'true');\n"
            "CREATE TABLE counts AS SELECT k, COUNT(*) AS n FROM src WHERE qty > 0 GROUP BY k EMIT "
            "CHANGES "
            "WITH ('counts.type' = 'file_sink', 'counts.path' = 'counts.jsonl', 'failure_strategy' "
            "= "
            "'send_to_dlq', 'dlq.path' = 'dlq.jsonl', 'commit.interval' = '0');\n",
            qtyType);
    };
    // Each key's last count in the output.
    auto lastCounts = [&] {
        std::map<std::string, int64_t> last;
        std::istringstream lines(readFile("counts.jsonl"));
        for (std::string line; std::getline(lines, line);) {
            last[TestServer::field(line, "k")] = TestServer::number(line, "n");
        }
        return last;
    };
    auto dlqLines = [&] {
        std::vector<std::string> out;
        std::istringstream lines(readFile("dlq.jsonl"));
        for (std::string line; std::getline(lines, line);) out.push_back(line);
        return out;
    };
    TestServer server(options());
    auto deployed = server.post("/apps", app("BIGINT"));
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    std::string status = server.waitForJob("counts", [](const std::string& body) {
        return TestServer::number(body, "records_in") == 6 &&
               TestServer::number(body, "dlq_records") == 2;
    });
    ASSERT_EQ(TestServer::number(status, "dlq_records"), 2) << status;
    EXPECT_EQ(lastCounts(), (std::map<std::string, int64_t>{{"a", 2}, {"b", 2}}));

    // The cause is not fixed yet: both fail again, back in the DLQ with their origin and retries 1.
    EXPECT_EQ(server.replayDlq("counts"),
              R"({"job":"counts","replayed":2,"written":0,"failed_again":2,"filtered":0})");
    auto entries = dlqLines();
    ASSERT_EQ(entries.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(TestServer::field(entries[i], "retries"), i < 2 ? "0" : "1") << entries[i];
        EXPECT_EQ(TestServer::field(entries[i], "position"),
                  i % 2 == 0 ? R"({"line":3})" : R"({"line":5})");
        EXPECT_EQ(TestServer::field(entries[i], "record"),
                  TestServer::field(entries[i % 2], "record"));
        EXPECT_EQ(TestServer::field(entries[i], "error_kind"), "decode_error");
    }
    // The next replay reads on from where this one stopped: the two sent back, now retries 2.
    EXPECT_EQ(server.replayDlq("counts"),
              R"({"job":"counts","replayed":2,"written":0,"failed_again":2,"filtered":0})");
    entries = dlqLines();
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(TestServer::field(entries[4], "retries"), "2");
    EXPECT_EQ(TestServer::field(entries[5], "retries"), "2");

    // The fix: the job again with a DOUBLE quantity. It resumes from its checkpoint (the state
    // layout is the same), and the replay position is in that checkpoint: the replay reads the
    // last two entries only, and counts them into the state the job kept.
    ASSERT_EQ(server.request("DELETE", "/jobs/counts").status, 200);
    ASSERT_EQ(server.post("/apps", app("DOUBLE")).status, 201);
    ASSERT_EQ(TestServer::field(server.waitForState("counts", "running"), "state"), "running");
    EXPECT_EQ(server.replayDlq("counts"),
              R"({"job":"counts","replayed":2,"written":2,"failed_again":0,"filtered":0})");
    EXPECT_EQ(lastCounts(), (std::map<std::string, int64_t>{{"a", 3}, {"b", 2}, {"c", 1}}));
    EXPECT_EQ(dlqLines().size(), 6u);
    EXPECT_EQ(server.replayDlq("counts"),
              R"({"job":"counts","replayed":0,"written":0,"failed_again":0,"filtered":0})");
}

TEST_F(ServerTest, BodiesOverTheLimitAre413) {
    server::RestOptions rest;
    rest.maxBodyBytes = 1000;
    TestServer server(options(), rest);
    auto answer = server.post("/apps", std::string(2000, ' '));
    EXPECT_EQ(answer.status, 413);
    EXPECT_EQ(answer.body, R"({"error":{"code":"payload_too_large","message":"the request body is over the )"
                           R"(server's limit","details":[]}})");
}

TEST_F(ServerTest, ConcurrentRequestsAreSafe) {
    writeTrades("trades.jsonl", 2000);
    TestServer server(options());
    constexpr int kApps = 6;
    std::vector<std::thread> threads;
    std::atomic<int> created{0};
    std::atomic<int> reads{0};
    for (int i = 0; i < kApps; ++i) {
        threads.emplace_back([&, i] {
            auto answer = server.post("/apps", filterApp(fmt::format("src{}", i), "trades.jsonl", fmt::format("job{}", i)));
            if (answer.status == 201) ++created;
        });
        threads.emplace_back([&] {
            for (int k = 0; k < 20; ++k) {
                if (server.get("/jobs").status == 200 && server.get("/metrics").status == 200) ++reads;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(created.load(), kApps);
    EXPECT_EQ(reads.load(), kApps * 20);
    for (int i = 0; i < kApps; ++i) {
        std::string job = fmt::format("job{}", i);
        EXPECT_EQ(TestServer::field(server.waitForState(job, "finished"), "state"), "finished") << job;
        EXPECT_EQ(readFile(job + ".jsonl"), readFile("job0.jsonl"));
    }
}

TEST_F(ServerTest, MetricsAreInThePrometheusTextFormat) {
    writeTrades("trades.jsonl", 100);
    TestServer server(options());
    ASSERT_EQ(server.post("/apps", filterApp("trades", "trades.jsonl", "m1") + filterApp("t2", "trades.jsonl", "m2"))
                  .status,
              201);
    server.waitForState("m1", "finished");
    server.waitForState("m2", "finished");
    std::string text = server.get("/metrics").body;
    // Each family: # HELP, # TYPE, then all its samples, once.
    std::set<std::string> families;
    std::string current;
    bool histogram = false;
    std::istringstream lines(text);
    std::map<std::string, std::string> values;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# HELP ")) {
            current = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_TRUE(families.insert(current).second) << "family twice: " << current;
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            EXPECT_TRUE(line == "# TYPE " + current + " counter" || line == "# TYPE " + current + " gauge" ||
                        line == "# TYPE " + current + " histogram")
                << line;
            histogram = line.ends_with(" histogram");
            continue;
        }
        std::string name = line.substr(0, line.find_first_of("{ "));
        if (histogram) {
            EXPECT_TRUE(name == current + "_bucket" || name == current + "_sum" || name == current + "_count") << line;
        } else {
            EXPECT_EQ(name, current) << line;
        }
        values[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
    }
    EXPECT_EQ(values[R"(ferris_records_in_total{job="m1",source="trades"})"], "100");
    EXPECT_EQ(values[R"(ferris_records_out_total{job="m2",sink="m2"})"], "42");
    EXPECT_EQ(values[R"(ferris_job_state{job="m1",state="finished"})"], "1");
    EXPECT_EQ(values["ferris_jobs"], "2");
    EXPECT_GT(std::stod(values["ferris_process_resident_memory_bytes"]), 1e6);
    EXPECT_GT(std::stod(values["ferris_process_threads"]), 2);
    EXPECT_GT(std::stod(values[R"(ferris_job_cpu_seconds_total{job="m1"})"]), 0);
    // One batch of 100 records each: the histogram's buckets are cumulative.
    EXPECT_EQ(values[R"(ferris_batch_records_bucket{job="m1",le="10"})"], "0");
    EXPECT_EQ(values[R"(ferris_batch_records_bucket{job="m1",le="100"})"], "1");
    EXPECT_EQ(values[R"(ferris_batch_records_bucket{job="m1",le="+Inf"})"], "1");
    EXPECT_EQ(values[R"(ferris_batch_records_sum{job="m1"})"], "100");
    EXPECT_EQ(values[R"(ferris_batch_records_count{job="m1"})"], "1");
    EXPECT_EQ(values[R"(ferris_processing_latency_seconds_count{job="m1"})"], "1");
}

TEST_F(ServerTest, ServerJobDefaultsSitBelowTheJobsOwnKeys) {
    writeTrades("trades.jsonl", 10);
    auto configured = options();
    auto defaults = std::make_shared<plan::PropertyList>();
    defaults->add({"batch.size", "7", "jobs.batch.size (ferris.yaml)", {}});
    configured.jobDefaults = defaults;
    TestServer server(configured);
    ASSERT_EQ(server.post("/apps", filterApp("trades", "trades.jsonl", "plain") +
                                       filterApp("t2", "trades.jsonl", "own", ", 'batch.size' = '9'"))
                  .status,
              201);
    EXPECT_NE(server.get("/jobs/plain").body.find(R"("batch.size":7,)"), std::string::npos);
    EXPECT_NE(server.get("/jobs/own").body.find(R"("batch.size":9,)"), std::string::npos);
}

TEST_F(ServerTest, TablesAnswerPointLookupsByKeyText) {
    writeTrades("trades.jsonl", 100);
    TestServer server(options());
    std::string sql =
        "CREATE STREAM trades (id BIGINT, qty BIGINT) WITH ('trades.type' = 'file_source', 'trades.path' = "
        "'trades.jsonl');\n"
        "CREATE TABLE by_qty AS SELECT qty, COUNT(*) AS n, SUM(id) AS ids FROM trades GROUP BY qty "
        "WITH ('by_qty.type' = 'file_sink', 'by_qty.path' = 'by_qty.jsonl');\n"
        "CREATE TABLE by_pair AS SELECT qty, id % 2 AS odd, COUNT(*) AS n FROM trades GROUP BY qty, id % 2 "
        "WITH ('by_pair.type' = 'file_sink', 'by_pair.path' = 'by_pair.jsonl');\n";
    ASSERT_EQ(server.post("/apps", sql).status, 201);
    ASSERT_EQ(TestServer::field(server.waitForState("by_qty", "finished"), "state"), "finished");
    ASSERT_EQ(TestServer::field(server.waitForState("by_pair", "finished"), "state"), "finished");
    // qty = id % 7: for qty 3, ids 3, 10, …, 94 (14 of them, sum 679).
    auto row = server.get("/tables/by_qty/3");
    EXPECT_EQ(row.status, 200);
    EXPECT_EQ(row.body, R"({"table":"by_qty","key":"3","row":{"qty":3,"n":14,"ids":679}})");
    // Several key columns: the compact JSON object, URL-encoded on the way.
    auto pair = server.get("/tables/by_pair/%7B%22qty%22%3A3%2C%22odd%22%3A1%7D");
    EXPECT_EQ(pair.status, 200) << pair.body;
    EXPECT_EQ(pair.body, R"({"table":"by_pair","key":"{\"qty\":3,\"odd\":1}","row":{"qty":3,"odd":1,"n":7}})");
    auto missing = server.get("/tables/by_qty/8");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, R"({"error":{"code":"not_found","message":"table by_qty has no row with key 8","details":[]}})");
    auto unknown = server.get("/tables/nope/1");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(TestServer::field(unknown.body, "error"),
              R"j({"code":"not_found","message":"no table named nope (a CREATE TABLE job's output)","details":[]})j");
}

TEST_F(ServerTest, AStalledBatchMarksItsJobFailed) {
    writeTrades("trades.jsonl", 60000);
    auto stalling = options();
    stalling.stallTimeoutMicros = 1000;  // 1 ms: a 60,000-record batch takes longer
    TestServer server(stalling);
    std::string sql = filterApp("trades", "trades.jsonl", "slow", ", 'batch.size' = '60000'");
    auto deployed = server.post("/apps", sql);
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    std::string status = server.waitForState("slow", "failed");
    EXPECT_EQ(TestServer::field(status, "reason"), "stalled: a batch has run longer than job.stall.timeout (1 ms)")
        << status;
}

TEST_F(ServerTest, AWatchedFileIsFollowedAcrossStopAndRestart) {
    auto trades = [](int from, int to) {
        std::string text;
        for (int i = from; i <= to; ++i) text += fmt::format(R"({{"id":{},"qty":{}}})", i, i % 7) + "\n";
        return text;
    };
    auto kept = [](int to) {
        std::string text;
        for (int i = 1; i <= to; ++i) {
            if (i % 7 > 3) text += fmt::format(R"({{"id":{},"qty":{}}})", i, i % 7) + "\n";
        }
        return text;
    };
    auto append = [&](const std::string& text) {
        std::ofstream out(dir_ / "trades.jsonl", std::ios::app);
        out << text;
    };
    append(trades(1, 100));
    TestServer server(options());
    std::string sql =
        "CREATE STREAM trades (id BIGINT, qty BIGINT) WITH ('trades.type' = 'file_source', 'trades.path' = "
        "'trades.jsonl', 'trades.watch' = 'true');\n"
        "CREATE STREAM live AS SELECT id, qty FROM trades WHERE qty > 3 WITH ('live.type' = 'file_sink', "
        "'live.path' = 'live.jsonl', 'commit.interval' = '10ms');\n";
    auto deployed = server.post("/apps", sql);
    ASSERT_EQ(deployed.status, 201) << deployed.body;
    auto readAll = [&](int in) {
        return server.waitForJob("live", [&](const std::string& body) {
            return TestServer::number(body, "records_in") == in && readFile("live.jsonl") == kept(in);
        });
    };
    std::string status = readAll(100);
    ASSERT_EQ(readFile("live.jsonl"), kept(100)) << status;
    // The file grows, a line at a time at the end: the job follows and stays running.
    append(trades(101, 250));
    append(R"({"id":251,)");
    append(R"("qty":6})" "\n");
    status = readAll(251);
    ASSERT_EQ(readFile("live.jsonl"), kept(251)) << status;
    EXPECT_EQ(TestServer::field(status, "state"), "running");
    // Stop commits; what is appended while stopped is read after the restart, once.
    ASSERT_EQ(server.post("/jobs/live/stop").status, 200);
    EXPECT_EQ(TestServer::field(server.waitForState("live", "stopped"), "state"), "stopped");
    append(trades(252, 300));
    ASSERT_EQ(server.post("/jobs/live/restart").status, 200);
    status = server.waitForJob("live", [&](const std::string&) { return readFile("live.jsonl") == kept(300); });
    EXPECT_EQ(readFile("live.jsonl"), kept(300)) << status;
    EXPECT_EQ(TestServer::field(status, "state"), "running");
    ASSERT_EQ(server.post("/jobs/live/stop").status, 200);
    EXPECT_EQ(readFile("live.jsonl"), kept(300));
}

}  // namespace
}  // namespace ferris::testing
