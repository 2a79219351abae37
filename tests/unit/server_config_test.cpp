// The server configuration (src/server/server_config.h): file keys, profiles over them,
// FERRIS_<KEY> over both, every key checked with the file named; job-key defaults reach the
// jobs of the server below their own keys.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "server/server_config.h"

namespace ferris::server {
namespace {

class ServerConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("ferris-server-config-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        unsetenv("FERRIS_PROFILE");
        unsetenv("FERRIS_SERVER_MAX__JOBS");
    }
    void TearDown() override {
        std::filesystem::remove_all(dir_);
        unsetenv("FERRIS_PROFILE");
        unsetenv("FERRIS_SERVER_MAX__JOBS");
    }
    std::filesystem::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
        return dir_ / name;
    }
    std::filesystem::path dir_;
};

TEST_F(ServerConfigTest, ProfileOverFileEnvironmentOverBoth) {
    auto file = write("ferris.yaml",
                      "server:\n  listen: 127.0.0.1:9000\n  max_jobs: 5\n  stall_timeout: 2m\n"
                      "jobs:\n  batch.size: 50\n  failure_strategy: send_to_dlq\n"
                      "kafka:\n  bootstrap.servers: ${FERRIS_TEST_BROKERS:127.0.0.1:9092}\n"
                      "profiles:\n  prod:\n    server.max_jobs: 40\n    log:\n      format: json\n");
    std::vector<Status> errors;
    auto base = loadServerConfig(file, "", errors);
    ASSERT_TRUE(base.isOk()) << base.status().toString();
    EXPECT_EQ(base->listen, "127.0.0.1:9000");
    EXPECT_EQ(base->maxJobs, 5);
    EXPECT_EQ(base->stallTimeoutSeconds, 120);
    EXPECT_EQ(base->logFormat, "text");
    ASSERT_EQ(base->jobDefaults.entries().size(), 2u);
    EXPECT_EQ(base->jobDefaults.get("batch.size"), "50");
    EXPECT_EQ(base->jobDefaults.find("batch.size")->fullKey, "jobs.batch.size (ferris.yaml)");
    EXPECT_EQ(base->kafkaDefaults, (std::vector<std::pair<std::string, std::string>>{
                                       {"bootstrap.servers", "127.0.0.1:9092"}}));

    setenv("FERRIS_PROFILE", "prod", 1);
    auto prod = loadServerConfig(file, "", errors);
    ASSERT_TRUE(prod.isOk());
    EXPECT_EQ(prod->maxJobs, 40);
    EXPECT_EQ(prod->logFormat, "json");
    setenv("FERRIS_SERVER_MAX__JOBS", "3", 1);
    auto environment = loadServerConfig(file, "prod", errors);
    ASSERT_TRUE(environment.isOk());
    EXPECT_EQ(environment->maxJobs, 3);
}

TEST_F(ServerConfigTest, EveryKeyIsCheckedAndErrorsNameTheFile) {
    auto file = write("bad.yaml",
                      "server:\n  lisen: x\n  max_jobs: lots\njobs:\n  batch.sise: 5\n"
                      "profiles:\n  dev:\n    log.formt: json\n");
    std::vector<Status> errors;
    auto config = loadServerConfig(file, "", errors);
    EXPECT_FALSE(config.isOk());
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors[0].message(), "bad.yaml: unknown key 'server.lisen', did you mean 'server.listen'?");
    EXPECT_EQ(errors[1].message(), "bad.yaml: 'server.max_jobs' = 'lots' is not valid: expected a positive integer");
    EXPECT_EQ(errors[2].message(), "bad.yaml: unknown job key 'jobs.batch.sise', did you mean 'batch.size'?");
    EXPECT_EQ(errors[3].message(), "bad.yaml (profile dev): unknown key 'log.formt', did you mean 'log.format'?");
    errors.clear();
    auto missing = loadServerConfig(write("ok.yaml", "server.max_jobs: 2\n"), "prod", errors);
    EXPECT_FALSE(missing.isOk());
    EXPECT_EQ(errors.at(0).message(), "profile 'prod' is not in ok.yaml");
    errors.clear();
    auto list = loadServerConfig(write("list.yaml", "server:\n  listen: [a, b]\n"), "", errors);
    EXPECT_FALSE(list.isOk());
    EXPECT_EQ(errors.at(0).message(),
              (dir_ / "list.yaml").string() +
                  ":2:11: key 'server.listen' is a list: write the values as one comma-separated string");
}

}  // namespace
}  // namespace ferris::server
