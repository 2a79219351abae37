#include "server/job_manager.h"

#include <algorithm>
#include <chrono>
#include <future>

#include <fmt/format.h>

#include "common/log.h"
#include "connectors/connector_registry.h"
#include "runtime/app_runner.h"
#include "sql/binder.h"
#include "sql/parser.h"

namespace ferris::server {

using runtime::JobState;

namespace {

int64_t steadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

JobManager::JobManager(ManagerOptions options)
    : options_(std::move(options)), maxJobs_(options_.maxJobs), stallTimeoutMicros_(options_.stallTimeoutMicros) {
    watcher_ = std::thread([this] { watch(); });
}

JobManager::~JobManager() {
    stopAll();
    {
        std::lock_guard lock(watchMutex_);
        stopping_ = true;
    }
    watchWake_.notify_all();
    watcher_.join();
    std::lock_guard lock(mutex_);
    jobs_.clear();  // each host joins its (stopped) thread
}

void JobManager::watch() {
    while (true) {
        {
            std::unique_lock lock(watchMutex_);
            int64_t timeout = stallTimeoutMicros_.load();
            int64_t tick = timeout > 0 ? std::clamp<int64_t>(timeout / 4, 10'000, 1'000'000) : 1'000'000;
            watchWake_.wait_for(lock, std::chrono::microseconds(tick), [&] { return stopping_.load(); });
            if (stopping_) return;
        }
        int64_t timeout = stallTimeoutMicros_.load();
        if (timeout <= 0) continue;
        int64_t now = steadyMicros();
        for (const auto& host : jobs()) {
            int64_t started = host->batchStartedMicros();
            if (started != 0 && now - started > timeout) host->markStalled(timeout);
        }
    }
}

Result<ReplayResult> JobManager::replayDlq(const std::string& name) {
    auto host = find(name);
    if (!host) return Status::user(ErrorCode::kNotFound, fmt::format("no job named {}", name));
    std::shared_ptr<App> app;
    {
        std::lock_guard lock(mutex_);
        auto found = apps_.find(host->app());
        if (found != apps_.end()) app = found->second;
    }
    auto running = host->job();
    if (!app || !running) return Status::internal(fmt::format("job {} has no app", name));
    const runtime::JobConfig& config = running->config();
    if (config.dlqTopic.empty() && config.dlqPath.empty()) {
        return Status::user(
            ErrorCode::kConfigError,
            fmt::format("job {} has no DLQ to replay (set 'failure_strategy' = 'send_to_dlq' and "
                        "'dlq.topic' or 'dlq.path')",
                        name));
    }
    {
        std::lock_guard lock(mutex_);
        if (std::find(replaying_.begin(), replaying_.end(), name) != replaying_.end()) {
            return Status::user(ErrorCode::kConflict,
                                fmt::format("a replay of job {}'s DLQ is running", name));
        }
        replaying_.push_back(name);
    }
    struct Unmark {
        JobManager& manager;
        std::string name;
        ~Unmark() {
            std::lock_guard lock(manager.mutex_);
            std::erase(manager.replaying_, name);
        }
    } unmark{*this, name};
    const plan::JobPlan& jobPlan = running->plan();
    // A stateless Kafka-to-Kafka job with a DLQ topic is replayed by a copy of the job beside
    // it (which may run in Kafka transactions of its own). Any other — a DLQ file, a stateful
    // query, a file sink — is replayed inside the job, through its own state and output.
    if (config.dlqTopic.empty() || running->metrics().stateful ||
        !connectors::isKafkaDecl(running->sourceDecl()) ||
        !connectors::isKafkaDecl(running->sinkDecl())) {
        FERRIS_ASSIGN_OR_RETURN(runtime::ReplayCounts counts, host->replayDlq());
        ReplayResult result;
        result.replayed = counts.replayed;
        result.written = counts.written;
        result.failedAgain = counts.failedAgain;
        result.filtered =
            std::max<int64_t>(result.replayed - result.written - result.failedAgain, 0);
        return result;
    }

    // The app with the job's source reading the DLQ topic to its end now; the copy of the job
    // is named <job>.dlq-replay, so its group is ferris.<app>.<job>.dlq-replay (and its
    // transactional.id that plus the instance id).
    plan::AppPlan replayApp = *app->plan;
    plan::JobPlan replayPlan = jobPlan;
    replayPlan.name = name + ".dlq-replay";
    for (auto& source : replayApp.sources) {
        if (source.name != jobPlan.source.source) continue;
        source = connectors::dlqReplaySourceDecl(source, jobPlan.sink, config.dlqTopic);
    }
    std::vector<Status> errors;
    auto built = runtime::Job::create(replayApp, replayPlan, app->environment, errors);
    if (!built.isOk()) return errors.empty() ? built.status() : errors.front();
    auto job = std::move(built).value();
    job->setReplay();
    // Where the last replay stopped is the group's committed offsets; a checkpoint would hold
    // the previous replay's end offsets.
    FERRIS_RETURN_IF_ERROR(job->openState(/*reset=*/true));
    Status status = job->start();
    std::atomic<bool> stop{stopping_.load()};
    if (status.isOk()) status = job->run(stop);
    Status closed = job->close();
    if (status.isOk()) status = closed;
    FERRIS_RETURN_IF_ERROR(status);
    const auto& metrics = job->metrics();
    ReplayResult result;
    result.replayed = metrics.recordsIn.load();
    result.written = metrics.recordsOut.load();
    result.failedAgain = metrics.dlqRecords.load();
    result.filtered = std::max<int64_t>(result.replayed - result.written - result.failedAgain, 0);
    FERRIS_LOG_INFO(name, "DLQ replay: {} records read from {}, {} written, {} back in the DLQ",
                    result.replayed, config.dlqTopic, result.written, result.failedAgain);
    return result;
}

DeployResult JobManager::deploy(const DeployRequest& request) {
    DeployResult result;
    auto parsed = sql::parseApp(request.sql);
    if (!parsed.isOk()) {
        result.errors.push_back(parsed.status());
        return result;
    }
    sql::ParsedApp app = std::move(parsed).value();
    // Properties of the request are app annotations; its name is the app's @app.
    for (const auto& [key, value] : request.properties) app.appAnnotations.push_back({key, value, {}, {}});
    if (!request.name.empty()) {
        std::erase_if(app.appAnnotations, [](const auto& annotation) { return annotation.key == "app"; });
        app.appAnnotations.push_back({"app", request.name, {}, {}});
    }
    std::string defaultName =
        request.fileName.empty() ? "app" : std::filesystem::path(request.fileName).stem().string();
    auto bound = sql::bindApp(app, defaultName, result.errors);
    if (!bound.isOk()) {
        if (result.errors.empty()) result.errors.push_back(bound.status());
        return result;
    }
    auto shared = std::make_shared<App>();
    shared->plan = std::make_shared<plan::AppPlan>(std::move(bound).value());
    shared->name = shared->plan->name;
    result.app = shared->name;
    runtime::JobEnvironment& environment = shared->environment;
    environment.clock = &clock_;
    environment.baseDir = request.baseDir.empty() ? options_.baseDir : request.baseDir;
    environment.appName = shared->name;
    environment.registry = &connectors::ConnectorRegistry::global();
    environment.serverJobDefaults = options_.jobDefaults;
    environment.indexTables = true;  // GET /tables/{name}/{key}
    // The server configuration's Kafka keys, under every Kafka declaration's own.
    for (auto* decls : {&shared->plan->sources, &shared->plan->declaredSinks}) {
        for (auto& decl : *decls) applyKafkaDefaults(decl);
    }
    for (auto& job : shared->plan->jobs) applyKafkaDefaults(job.sink);
    auto built = runtime::buildJobs(*shared->plan, environment, result.errors);
    if (!result.errors.empty()) return result;
    if (built.empty()) {
        result.errors.push_back(Status::user(ErrorCode::kInvalidQuery, "the app has no job (no CREATE STREAM/TABLE AS "
                                                                        "or INSERT INTO)"));
        return result;
    }
    auto dependencies = runtime::jobDependencies(built, environment.baseDir);
    if (!dependencies.isOk()) {
        result.errors.push_back(dependencies.status());
        return result;
    }

    // Names are unique across the server; the limit counts deploys in progress too.
    std::vector<std::string> names;
    for (const auto& job : built) names.push_back(job->name());
    {
        std::lock_guard lock(mutex_);
        for (const auto& job : built) {
            auto taken = std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& host) { return host->name() == job->name(); });
            if (taken != jobs_.end()) {
                result.errors.push_back(Status::user(
                    ErrorCode::kConflict,
                    fmt::format("a job named {} is already deployed (app {}): job names are unique on a server",
                                job->name(), (*taken)->app()),
                    job->plan().location));
            } else if (std::find(reservedNames_.begin(), reservedNames_.end(), job->name()) != reservedNames_.end()) {
                result.errors.push_back(Status::user(
                    ErrorCode::kConflict, fmt::format("a job named {} is being deployed", job->name()),
                    job->plan().location));
            }
        }
        size_t maxJobs = maxJobs_.load();
        if (result.errors.empty() && jobs_.size() + reservedNames_.size() + built.size() > maxJobs) {
            result.errors.push_back(Status::user(
                ErrorCode::kConflict,
                fmt::format("the app has {} job(s) and the server runs {} of at most {} (max_jobs)", built.size(),
                            jobs_.size() + reservedNames_.size(), maxJobs)));
        }
        if (!result.errors.empty()) return result;
        reservedNames_.insert(reservedNames_.end(), names.begin(), names.end());
    }
    auto unreserve = [&] {
        std::lock_guard lock(mutex_);
        for (const auto& name : names) {
            auto at = std::find(reservedNames_.begin(), reservedNames_.end(), name);
            if (at != reservedNames_.end()) reservedNames_.erase(at);
        }
    };

    for (auto& job : built) {
        Status status = job->openState(/*reset=*/false);
        if (!status.isOk()) result.errors.push_back(status);  // names the job
    }
    if (!result.errors.empty()) {
        unreserve();
        return result;
    }

    std::vector<std::shared_ptr<JobHost>> hosts;
    for (auto& job : built) {
        size_t index = 0;
        while (shared->plan->jobs[index].name != job->name()) ++index;
        JobHost::Factory factory = [shared, index]() -> Result<std::unique_ptr<runtime::Job>> {
            std::vector<Status> errors;
            auto rebuilt = runtime::Job::create(*shared->plan, shared->plan->jobs[index], shared->environment, errors);
            if (!rebuilt.isOk()) return errors.empty() ? rebuilt.status() : errors.front();
            FERRIS_RETURN_IF_ERROR(rebuilt.value()->openState(/*reset=*/false));
            return rebuilt;
        };
        hosts.push_back(std::make_shared<JobHost>(shared->name, std::move(job), std::move(factory)));
    }
    for (size_t i = 0; i < hosts.size(); ++i) {
        JobHost::StartGate gate;
        if (!dependencies.value()[i].empty()) {
            std::vector<std::weak_ptr<JobHost>> writers;
            for (size_t dependency : dependencies.value()[i]) writers.push_back(hosts[dependency]);
            gate = [writers] {
                for (const auto& weak : writers) {
                    auto writer = weak.lock();
                    if (!writer) return 2;
                    JobState state = writer->state();
                    if (state == JobState::kFailed || state == JobState::kStopped) return 2;
                    if (state != JobState::kFinished) return 0;
                }
                return 1;
            };
        }
        Status status = hosts[i]->start(std::move(gate));
        if (!status.isOk()) result.errors.push_back(status);  // names the job
    }
    if (!result.errors.empty()) {
        // All or nothing: every job of the app is stopped again (they commit what they did).
        for (auto& host : hosts) (void)host->stop();
        hosts.clear();
        unreserve();
        return result;
    }
    {
        std::lock_guard lock(mutex_);
        jobs_.insert(jobs_.end(), hosts.begin(), hosts.end());
        apps_[shared->name] = shared;
    }
    unreserve();
    result.jobs = names;
    FERRIS_LOG_INFO("-", "deployed app {}: {} job(s)", shared->name, names.size());
    return result;
}

void JobManager::applyKafkaDefaults(plan::ConnectorDecl& decl) const {
    const std::string& type = decl.properties.get("type");
    if (type != "kafka_source" && type != "kafka_sink") return;
    for (const auto& [key, value] : options_.kafkaDefaults) {
        if (decl.properties.has(key)) continue;
        decl.properties.add({key, value, fmt::format("{}.{} (server configuration kafka.{})", decl.name, key, key),
                             decl.location});
    }
}

void JobManager::setLimits(size_t maxJobs, int64_t stallTimeoutMicros) {
    maxJobs_ = maxJobs;
    stallTimeoutMicros_ = stallTimeoutMicros;
    watchWake_.notify_all();
}

std::vector<std::shared_ptr<JobHost>> JobManager::jobs() const {
    std::lock_guard lock(mutex_);
    return jobs_;
}

std::shared_ptr<JobHost> JobManager::findTable(const std::string& table) const {
    std::lock_guard lock(mutex_);
    for (const auto& host : jobs_) {
        auto job = host->job();
        if (job->plan().kind == plan::JobKind::kCreateTable && job->sinkDecl().name == table) return host;
    }
    return nullptr;
}

std::shared_ptr<JobHost> JobManager::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    for (const auto& host : jobs_) {
        if (host->name() == name) return host;
    }
    return nullptr;
}

Status JobManager::remove(const std::string& name) {
    auto host = find(name);
    if (!host) return Status::user(ErrorCode::kNotFound, fmt::format("no job named {}", name));
    Status stopped = host->stop();
    if (!stopped.isOk() && stopped.code() == ErrorCode::kTimeout) return stopped;
    std::lock_guard lock(mutex_);
    std::erase(jobs_, host);
    FERRIS_LOG_INFO(name, "deleted (its checkpoint stays in {})", host->job()->stateDirectory().string());
    return Status::ok();
}

void JobManager::stopAll() {
    std::vector<std::future<Status>> stops;
    for (const auto& host : jobs()) stops.push_back(std::async(std::launch::async, [host] { return host->stop(); }));
    for (auto& stop : stops) stop.wait();
}

}  // namespace ferris::server
