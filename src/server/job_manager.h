#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"
#include "runtime/job_clock.h"
#include "server/job_host.h"

namespace ferris::server {

/// Server-wide limits and defaults.
struct ManagerOptions {
    size_t maxJobs = 100;
    /// A batch running longer than this marks its job failed(stalled); 0 = never.
    int64_t stallTimeoutMicros = 300'000'000;
    /// Where apps posted over REST resolve relative paths (and keep `.ferris-state`).
    std::filesystem::path baseDir = std::filesystem::current_path();
    /// From the server configuration: job-key defaults and Kafka connector defaults.
    std::shared_ptr<const plan::PropertyList> jobDefaults;
    std::vector<std::pair<std::string, std::string>> kafkaDefaults;
};

/// An app to deploy: its SQL and how to name and place it.
struct DeployRequest {
    std::string sql;
    std::string name;  ///< the app's name; empty = `@app`, else `fileName` without `.sql`, else "app"
    std::vector<std::pair<std::string, std::string>> properties;  ///< app-level keys, as `-- @key: value`
    std::filesystem::path baseDir;  ///< empty = ManagerOptions::baseDir
    std::string fileName;           ///< for error messages ("app.sql"); empty = "<request>"
};

/// The outcome of a deploy: the jobs started, or every error found (and nothing left running).
struct DeployResult {
    std::string app;
    std::vector<std::string> jobs;
    std::vector<Status> errors;
    bool ok() const { return errors.empty(); }
};

/// What a DLQ replay did.
struct ReplayResult {
    int64_t replayed = 0;     ///< DLQ records read
    int64_t written = 0;      ///< records written to the job's sink
    int64_t failedAgain = 0;  ///< records that went back to the DLQ (retries + 1)
    int64_t filtered = 0;     ///< records the query's WHERE left out
};

/// The jobs of a `ferris-sql-multi` server: deploys apps all or nothing, keeps one JobHost
/// per job (unique names across apps, at most maxJobs), and watches for stalled batches.
class JobManager {
public:
    explicit JobManager(ManagerOptions options);
    ~JobManager();

    DeployResult deploy(const DeployRequest& request);
    /// Every job, in deploy order.
    std::vector<std::shared_ptr<JobHost>> jobs() const;
    std::shared_ptr<JobHost> find(const std::string& name) const;
    /// The job that writes CREATE TABLE `table`.
    std::shared_ptr<JobHost> findTable(const std::string& table) const;
    /// Stops the job (gracefully) and forgets it; its checkpoint stays in its state directory.
    Status remove(const std::string& name);
    /// Re-processes the records of job `name`'s DLQ (POST /jobs/{name}/dlq/replay) from where
    /// the last replay stopped (group `ferris.<app>.<job>.dlq-replay`; for a DLQ file, the
    /// byte offset in the job's checkpoint) to its end now, decoding the original bytes;
    /// records that fail again go back to the DLQ with `ferris.retries` + 1, records that
    /// failed as output are written to the sink as they are. A stateless Kafka-to-Kafka job
    /// with a DLQ topic is replayed by a bounded copy of the job; any other inside the running
    /// job (Job::startReplay), through its state and output. Returns when it is done.
    Result<ReplayResult> replayDlq(const std::string& name);
    /// Stops every job gracefully (SIGTERM); each commits.
    void stopAll();
    const ManagerOptions& options() const { return options_; }
    /// Limits that a configuration reload (SIGHUP) may change while jobs run.
    void setLimits(size_t maxJobs, int64_t stallTimeoutMicros);
    /// Set once the apps given at start-up are deployed (`/ready`).
    void setReady() { ready_ = true; }
    bool ready() const { return ready_.load(); }

private:
    struct App {
        std::string name;
        std::shared_ptr<plan::AppPlan> plan;
        runtime::JobEnvironment environment;
    };
    void watch();
    void applyKafkaDefaults(plan::ConnectorDecl& decl) const;

    ManagerOptions options_;
    std::atomic<size_t> maxJobs_;
    std::atomic<int64_t> stallTimeoutMicros_;
    runtime::WallClock clock_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<JobHost>> jobs_;
    std::map<std::string, std::shared_ptr<App>> apps_;
    std::vector<std::string> reservedNames_;  ///< job names held by deploys in progress
    std::vector<std::string> replaying_;      ///< jobs whose DLQ a replay reads now
    std::atomic<bool> ready_{false};
    std::atomic<bool> stopping_{false};
    std::mutex watchMutex_;
    std::condition_variable watchWake_;
    std::thread watcher_;
};

}  // namespace ferris::server
