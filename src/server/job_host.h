#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "runtime/job.h"

namespace ferris::server {

/// One job of the server: its Job, its driver thread and the command queue through which
/// everything else controls it (§2.1). Commands are taken between batches, so a command
/// never interrupts a batch; callers wait for the answer.
class JobHost {
public:
    /// Builds the job again for a restart (from the same plan; it resumes from its checkpoint).
    using Factory = std::function<Result<std::unique_ptr<runtime::Job>>()>;
    /// Before starting: 0 wait, 1 start, 2 give up (a job whose input file another job
    /// writes starts after that job has finished, §1.1).
    using StartGate = std::function<int()>;

    JobHost(std::string app, std::unique_ptr<runtime::Job> job, Factory factory);
    ~JobHost();
    JobHost(const JobHost&) = delete;
    JobHost& operator=(const JobHost&) = delete;

    /// Starts the driver thread; returns once the job has started (or failed to, with why).
    /// With a gate that says wait, returns at once and the job starts when the gate opens.
    Status start(StartGate gate = {});
    /// Commits, pauses the source's partitions, keeps polling (Kafka) until resume().
    Status pause();
    Status resume();
    /// Graceful: the current batch finishes, output is flushed, the job commits.
    Status stop();
    /// stop(), then the job is built again from its plan and started (from its checkpoint).
    Status restart();
    /// A DLQ replay inside the running job (Job::startReplay); answers when it has ended, or
    /// when the job is marked stalled. A paused job is refused (409): resume it first.
    Result<runtime::ReplayCounts> replayDlq();
    /// A batch has run longer than the stall timeout: the job is marked failed(stalled) at
    /// once; its thread leaves when the batch returns (commands are refused meanwhile).
    void markStalled(int64_t timeoutMicros);

    const std::string& name() const { return name_; }
    const std::string& app() const { return app_; }
    /// starting, running, paused, stopping, stopped, finished or failed.
    runtime::JobState state() const;
    /// Why the job failed ("stalled", the error), empty otherwise.
    std::string reason() const;
    /// The current Job (replaced on restart), for reading its metrics and plan.
    std::shared_ptr<const runtime::Job> job() const;
    /// CPU seconds of the job's driver threads since deploy (across restarts).
    double cpuSeconds() const;
    /// When the running batch started (steady clock µs), 0 between batches.
    int64_t batchStartedMicros() const;
    int64_t restarts() const { return restarts_.load(); }
    /// Seconds since the job (this incarnation) was started.
    double uptimeSeconds() const;

private:
    enum class CommandKind { kPause, kResume, kStop, kReplay };
    struct Command {
        CommandKind kind;
        std::promise<Status> done;
        runtime::Job::ReplayDone replayDone;  ///< kReplay: called when the replay has ended
    };
    /// What the driver thread shares with the host (replaced on restart).
    struct Driver {
        std::shared_ptr<runtime::Job> job;
        std::mutex mutex;
        std::condition_variable wake;
        std::deque<Command> commands;
        std::atomic<bool> exited{false};
        std::atomic<bool> stalled{false};
        std::atomic<int64_t> batchStarted{0};
        std::atomic<int64_t> startedMicros{0};  ///< steady clock, when the thread began
        std::atomic<int64_t> cpuNanosAtExit{0};
        std::atomic<bool> hasClock{false};
        clockid_t clock{};
        std::string reason;  ///< guarded by mutex
        Status startResult;  ///< guarded by mutex
        bool startAnswered = false;
        std::condition_variable started;
    };

    static void drive(std::shared_ptr<Driver> driver, std::string name, StartGate gate);
    Status send(CommandKind kind, runtime::Job::ReplayDone replayDone = {});
    /// Joins the driver thread.
    void release();
    static int64_t threadCpuNanos(const Driver& driver);

    std::string app_;
    std::string name_;
    Factory factory_;
    mutable std::mutex mutex_;  ///< guards driver_ and thread_ (swapped on restart)
    std::shared_ptr<Driver> driver_;
    std::thread thread_;
    std::atomic<int64_t> cpuNanosBefore_{0};  ///< of earlier incarnations
    std::atomic<int64_t> restarts_{0};
};

}  // namespace ferris::server
