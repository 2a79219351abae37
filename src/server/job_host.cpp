#include "server/job_host.h"

#include <time.h>

#include <chrono>

#include <fmt/format.h>

#include "common/log.h"

namespace ferris::server {

using runtime::JobState;

namespace {

constexpr auto kAnswerTimeout = std::chrono::seconds(60);

int64_t steadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

JobHost::JobHost(std::string app, std::unique_ptr<runtime::Job> job, Factory factory)
    : app_(std::move(app)), name_(job->name()), factory_(std::move(factory)) {
    driver_ = std::make_shared<Driver>();
    driver_->job = std::move(job);
}

JobHost::~JobHost() {
    (void)stop();
    release();
}

int64_t JobHost::threadCpuNanos(const Driver& driver) {
    if (driver.exited.load() || !driver.hasClock.load()) return driver.cpuNanosAtExit.load();
    timespec spec{};
    if (clock_gettime(driver.clock, &spec) != 0) return driver.cpuNanosAtExit.load();
    return static_cast<int64_t>(spec.tv_sec) * 1'000'000'000 + spec.tv_nsec;
}

void JobHost::drive(std::shared_ptr<Driver> driver, std::string name, StartGate gate) {
    driver->startedMicros = steadyMicros();
    clockid_t clock{};
    if (pthread_getcpuclockid(pthread_self(), &clock) == 0) {
        driver->clock = clock;
        driver->hasClock = true;
    }
    runtime::Job& job = *driver->job;
    auto answerStart = [&](const Status& status) {
        std::lock_guard lock(driver->mutex);
        driver->startResult = status;
        driver->startAnswered = true;
        driver->started.notify_all();
    };
    auto finish = [&](const Status& result) {
        if (!result.isOk()) {
            std::lock_guard lock(driver->mutex);
            if (driver->reason.empty()) driver->reason = result.toString();
        }
        driver->cpuNanosAtExit = threadCpuNanos(*driver);
        driver->exited = true;
        // Commands that arrived too late are answered with the job's end.
        std::lock_guard lock(driver->mutex);
        for (auto& command : driver->commands) {
            command.done.set_value(command.kind == CommandKind::kStop
                                       ? Status::ok()
                                       : Status::user(ErrorCode::kInvalidState,
                                                      fmt::format("job {} is {}", name,
                                                                  runtime::jobStateName(job.state()))));
        }
        driver->commands.clear();
    };

    // Wait for the jobs this one reads from (a stop ends the wait).
    while (gate) {
        int verdict = gate();
        if (verdict == 1) break;
        std::unique_lock lock(driver->mutex);
        bool stopAsked = false;
        for (const auto& command : driver->commands) stopAsked |= command.kind == CommandKind::kStop;
        if (verdict == 2 || stopAsked) {
            lock.unlock();
            job.setState(JobState::kStopped);
            Status status = verdict == 2 ? Status::user(ErrorCode::kInvalidState,
                                                        "a job whose output it reads did not finish")
                                         : Status::ok();
            answerStart(status);
            finish(status);
            return;
        }
        driver->wake.wait_for(lock, std::chrono::milliseconds(100));
    }

    Status started = job.start();
    answerStart(started);
    if (!started.isOk()) {
        FERRIS_LOG_ERROR(name, "failed to start: {}", started.toString());
        (void)job.close();
        finish(started);
        return;
    }
    FERRIS_LOG_INFO(name, "started: {}", job.plan().sql.substr(0, job.plan().sql.find('\n')));
    Status result;
    bool stopping = false;
    std::vector<std::promise<Status>> stopAnswers;
    while (true) {
        std::deque<Command> commands;
        {
            std::lock_guard lock(driver->mutex);
            commands.swap(driver->commands);
        }
        for (auto& command : commands) {
            switch (command.kind) {
                case CommandKind::kPause: {
                    bool wasPaused = job.paused();
                    Status status = job.pause();
                    if (status.isOk() && !wasPaused) FERRIS_LOG_INFO(name, "paused");
                    if (status.code() == ErrorCode::kCancelled) {
                        // A stop came while the pause's commit waited for the broker.
                        stopping = true;
                        command.done.set_value(Status::user(
                            ErrorCode::kInvalidState, fmt::format("job {} is stopping: {}", name, status.message())));
                    } else {
                        command.done.set_value(status);
                    }
                    if (!status.isOk()) result = status;
                    break;
                }
                case CommandKind::kResume:
                    if (job.paused()) FERRIS_LOG_INFO(name, "resumed");
                    job.resume();
                    command.done.set_value(Status::ok());
                    break;
                case CommandKind::kStop:
                    stopping = true;
                    stopAnswers.push_back(std::move(command.done));
                    break;
                case CommandKind::kReplay:
                    // A paused job reads nothing: the replay would wait for its resume.
                    command.done.set_value(
                        job.paused()
                            ? Status::user(
                                  ErrorCode::kInvalidState,
                                  fmt::format("job {} is paused: resume it to replay its DLQ",
                                              name))
                            : job.startReplay(std::move(command.replayDone)));
                    break;
            }
        }
        if (!result.isOk() || stopping) break;
        if (job.paused() && job.idle()) {
            std::unique_lock lock(driver->mutex);
            driver->wake.wait_for(lock, std::chrono::milliseconds(100), [&] { return !driver->commands.empty(); });
            continue;
        }
        driver->batchStarted = steadyMicros();
        auto more = job.step();
        driver->batchStarted = 0;
        if (driver->stalled) break;
        if (!more.isOk()) {
            result = more.status();
            if (result.code() == ErrorCode::kCancelled) {
                stopping = true;  // a commit given up because a stop was asked (interrupt)
                job.setState(JobState::kStopping);
            }
            break;
        }
        if (!more.value()) break;  // finished: bounded input done, final commit made
    }
    if (stopping && (result.isOk() || result.code() == ErrorCode::kCancelled) && !driver->stalled) {
        job.setState(JobState::kStopping);
        if (result.isOk()) result = job.commit();
        if (result.code() == ErrorCode::kCancelled) {
            // Stopped without its last commit (the broker did not answer): still stopped.
            FERRIS_LOG_WARN(name, "{}", result.message());
            {
                std::lock_guard lock(driver->mutex);
                driver->reason = result.message();
            }
            result = Status::ok();
        }
        job.setState(result.isOk() ? JobState::kStopped : JobState::kFailed);
    } else if (!result.isOk()) {
        job.setState(JobState::kFailed);
    }
    Status closed = job.close();
    if (result.isOk() && !closed.isOk()) {
        result = closed;
        job.setState(JobState::kFailed);
    }
    if (result.isOk()) {
        FERRIS_LOG_INFO(name, "{}: {} records in, {} out, {} bad", runtime::jobStateName(job.state()),
                        job.metrics().recordsIn.load(), job.metrics().recordsOut.load(), job.metrics().failedTotal());
    } else {
        FERRIS_LOG_ERROR(name, "failed: {}", result.toString());
    }
    finish(result);
    for (auto& answer : stopAnswers) answer.set_value(result);
}

Status JobHost::start(StartGate gate) {
    std::shared_ptr<Driver> driver;
    {
        std::lock_guard lock(mutex_);
        driver = driver_;
        bool waits = static_cast<bool>(gate);
        thread_ = std::thread(&JobHost::drive, driver, name_, std::move(gate));
        if (waits) return Status::ok();
    }
    std::unique_lock lock(driver->mutex);
    driver->started.wait(lock, [&] { return driver->startAnswered; });
    return driver->startResult;
}

Status JobHost::send(CommandKind kind, runtime::Job::ReplayDone replayDone) {
    std::shared_ptr<Driver> driver;
    bool alive = false;
    {
        std::lock_guard lock(mutex_);
        driver = driver_;
        alive = thread_.joinable();
    }
    std::future<Status> answer;
    {
        std::lock_guard lock(driver->mutex);
        if (driver->exited || driver->stalled || !alive) {
            if (kind == CommandKind::kStop) return Status::ok();
            return Status::user(ErrorCode::kInvalidState,
                                fmt::format("job {} is {}", name_,
                                            driver->stalled ? "failed" : runtime::jobStateName(driver->job->state())));
        }
        // A stop also cuts short a batch's or commit's wait for an unreachable broker.
        if (kind == CommandKind::kStop) driver->job->interrupt();
        driver->commands.push_back({kind, {}, std::move(replayDone)});
        answer = driver->commands.back().done.get_future();
        driver->wake.notify_all();
    }
    if (answer.wait_for(kAnswerTimeout) != std::future_status::ready) {
        return Status::system(ErrorCode::kTimeout,
                              fmt::format("job {} did not answer within {} s: a batch is still running", name_,
                                          kAnswerTimeout.count()));
    }
    return answer.get();
}

// The driver answers both idempotently: pausing a paused job or resuming a running one is ok.
Status JobHost::pause() { return send(CommandKind::kPause); }

Status JobHost::resume() { return send(CommandKind::kResume); }

Status JobHost::stop() { return send(CommandKind::kStop); }

Result<runtime::ReplayCounts> JobHost::replayDlq() {
    auto outcome = std::make_shared<std::promise<Result<runtime::ReplayCounts>>>();
    auto ended = outcome->get_future();
    FERRIS_RETURN_IF_ERROR(
        send(CommandKind::kReplay, [outcome](Result<runtime::ReplayCounts> result) {
            outcome->set_value(std::move(result));
        }));
    // Bounded: the DLQ up to its end when the replay began. A job that stops, fails or is
    // paused first answers with why (Job::close, Job::pause); a stalled one is not waited for.
    std::shared_ptr<Driver> driver;
    {
        std::lock_guard lock(mutex_);
        driver = driver_;
    }
    while (ended.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
        if (driver->stalled) {
            return Status::user(ErrorCode::kInvalidState,
                                fmt::format("job {} stalled during its DLQ replay", name_));
        }
    }
    return ended.get();
}

void JobHost::release() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    // A stalled job's thread is still inside its batch: it leaves its loop when the batch
    // returns, and is waited for (it uses the server's clock and registry).
    thread_.join();
}

Status JobHost::restart() {
    Status stopped = stop();
    if (!stopped.isOk() && stopped.code() == ErrorCode::kTimeout) return stopped;
    release();
    auto job = factory_();
    if (!job.isOk()) return job.status();
    {
        std::lock_guard lock(mutex_);
        cpuNanosBefore_ += threadCpuNanos(*driver_);
        driver_ = std::make_shared<Driver>();
        driver_->job = std::move(job).value();
    }
    restarts_ += 1;
    FERRIS_LOG_INFO(name_, "restarting");
    return start();
}

void JobHost::markStalled(int64_t timeoutMicros) {
    std::lock_guard lock(mutex_);
    if (driver_->stalled.exchange(true)) return;
    {
        std::lock_guard driverLock(driver_->mutex);
        driver_->reason = fmt::format("stalled: a batch has run longer than job.stall.timeout ({} ms)",
                                      timeoutMicros / 1000);
    }
    FERRIS_LOG_ERROR(name_, "stalled: a batch has run longer than job.stall.timeout ({} ms)", timeoutMicros / 1000);
}

JobState JobHost::state() const {
    std::lock_guard lock(mutex_);
    if (driver_->stalled) return JobState::kFailed;
    return driver_->job->state();
}

std::string JobHost::reason() const {
    std::lock_guard lock(mutex_);
    std::lock_guard driverLock(driver_->mutex);
    return driver_->reason;
}

std::shared_ptr<const runtime::Job> JobHost::job() const {
    std::lock_guard lock(mutex_);
    return driver_->job;
}

double JobHost::cpuSeconds() const {
    std::lock_guard lock(mutex_);
    return static_cast<double>(cpuNanosBefore_.load() + threadCpuNanos(*driver_)) / 1e9;
}

double JobHost::uptimeSeconds() const {
    std::lock_guard lock(mutex_);
    int64_t started = driver_->startedMicros.load();
    return started == 0 ? 0.0 : static_cast<double>(steadyMicros() - started) / 1e6;
}

int64_t JobHost::batchStartedMicros() const {
    std::lock_guard lock(mutex_);
    return driver_->batchStarted.load();
}

}  // namespace ferris::server
