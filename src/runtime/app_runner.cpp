#include "runtime/app_runner.h"

#include "runtime/config_files.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "codec/encoder.h"
#include "expr/function_registry.h"
#include "common/log.h"

namespace ferris::runtime {

std::vector<std::unique_ptr<Job>> buildJobs(plan::AppPlan& app, const JobEnvironment& environment,
                                            std::vector<Status>& errors) {
    std::vector<std::unique_ptr<Job>> jobs;
    auto configErrors = expandConfigFiles(app, environment.baseDir);
    if (!configErrors.empty()) {
        errors.insert(errors.end(), configErrors.begin(), configErrors.end());
        return jobs;
    }
    // Every declaration is checked, used or not.
    std::set<std::string> checked;
    for (const auto& source : app.sources) {
        for (const auto& error : environment.registry->validate(source, connectors::ConnectorRole::kSource)) {
            errors.push_back(error);
        }
        checked.insert(source.name);
    }
    for (const auto& sink : app.declaredSinks) {
        for (const auto& error : environment.registry->validate(sink, connectors::ConnectorRole::kSink)) {
            errors.push_back(error);
        }
    }
    // App annotations that set job keys are checked once, for the app.
    if (!app.jobProperties.entries().empty()) {
        plan::JobPlan appLevel;
        appLevel.name = app.name;
        appLevel.jobProperties = app.jobProperties;
        std::vector<Status> appErrors;
        (void)parseJobConfig(appLevel, appErrors, /*complete=*/false);
        for (const auto& error : appErrors) errors.push_back(error.withContext(fmt::format("app {}", app.name)));
        if (!appErrors.empty()) return jobs;
    }
    size_t connectorErrors = errors.size();
    for (const auto& plan : app.jobs) {
        std::vector<Status> jobErrors;
        auto job = Job::create(app, plan, environment, jobErrors);
        for (auto& error : jobErrors) {
            // Declarations were reported above; keep only what is new.
            bool duplicate = false;
            for (size_t i = 0; i < connectorErrors; ++i) {
                duplicate |= errors[i].toString() == error.toString();
            }
            if (!duplicate) errors.push_back(error);
        }
        if (job.isOk()) jobs.push_back(std::move(job).value());
    }
    return jobs;
}

namespace {
std::string normalPath(const std::filesystem::path& baseDir, const std::string& path) {
    std::filesystem::path full(path);
    if (full.is_relative()) full = baseDir / full;
    return full.lexically_normal().string();
}
}  // namespace

Result<std::vector<std::vector<size_t>>> jobDependencies(const std::vector<std::unique_ptr<Job>>& jobs,
                                                         const std::filesystem::path& baseDir) {
    size_t n = jobs.size();
    // Every file a job writes: its file sink and its DLQ file.
    struct Written {
        std::string path;  ///< normalised, for comparing
        size_t job;
        std::string what;  ///< e.g. "its sink out, 'out.jsonl'": the path as configured
    };
    std::vector<Written> written;
    for (size_t i = 0; i < n; ++i) {
        const auto& sink = jobs[i]->sinkDecl();
        if (sink.properties.get("type") == "file_sink") {
            written.push_back({normalPath(baseDir, sink.properties.get("path")), i,
                               fmt::format("its sink {}, '{}'", sink.name, sink.properties.get("path"))});
        }
        const JobConfig& config = jobs[i]->config();
        if (!config.dlqPath.empty()) {
            written.push_back({normalPath(baseDir, config.dlqPath), i, fmt::format("its DLQ, '{}'", config.dlqPath)});
        }
    }
    for (size_t a = 0; a < written.size(); ++a) {
        for (size_t b = a + 1; b < written.size(); ++b) {
            if (written[a].path != written[b].path) continue;
            std::string first = fmt::format("job {} ({})", jobs[written[a].job]->name(), written[a].what);
            std::string second = fmt::format("job {} ({})", jobs[written[b].job]->name(), written[b].what);
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("one file is written twice: by {} and by {}; a file has one writer",
                                            first, second),
                                jobs[written[b].job]->plan().location);
        }
    }
    std::vector<std::vector<size_t>> dependsOn(n);
    for (size_t reader = 0; reader < n; ++reader) {
        const auto& source = jobs[reader]->sourceDecl();
        if (source.properties.get("type") != "file_source") continue;
        std::string input = normalPath(baseDir, source.properties.get("path"));
        for (const auto& file : written) {
            if (file.path != input) continue;
            if (file.job == reader) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("job {} reads the file it writes ({})", jobs[reader]->name(), file.what),
                                    jobs[reader]->plan().location);
            }
            dependsOn[reader].push_back(file.job);
        }
    }
    // Cycle check (depth-first, colouring).
    std::vector<int> colour(n, 0);
    std::function<bool(size_t)> visit = [&](size_t node) {
        colour[node] = 1;
        for (size_t next : dependsOn[node]) {
            if (colour[next] == 1) return false;
            if (colour[next] == 0 && !visit(next)) return false;
        }
        colour[node] = 2;
        return true;
    };
    for (size_t node = 0; node < n; ++node) {
        if (colour[node] == 0 && !visit(node)) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("jobs read each other's output files in a cycle (through job {})",
                                            jobs[node]->name()),
                                jobs[node]->plan().location);
        }
    }
    return dependsOn;
}

Status AppRunner::run(std::atomic<bool>& stop, const std::function<void()>& onTick) {
    size_t n = jobs_.size();
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<int> status(n, 0);  // 0 waiting, 1 running, 2 done ok, 3 failed
    Status firstError;
    std::vector<std::thread> threads;
    std::atomic<bool> stopAll{false};

    auto startReady = [&] {
        for (size_t i = 0; i < n; ++i) {
            if (status[i] != 0) continue;
            bool ready = true;
            bool blocked = false;
            for (size_t dep : dependencies_[i]) {
                ready &= status[dep] == 2;
                blocked |= status[dep] == 3;
            }
            if (blocked) {
                status[i] = 3;
                continue;
            }
            if (!ready) continue;
            status[i] = 1;
            threads.emplace_back([&, i] {
                Job& job = *jobs_[i];
                Status result = job.start();
                if (result.isOk()) {
                    FERRIS_LOG_INFO(job.name(), "started: {}", job.plan().sql.substr(0, job.plan().sql.find('\n')));
                    result = job.run(stopAll);
                }
                Status closed = job.close();
                if (result.isOk()) result = closed;
                std::lock_guard lock(mutex);
                if (result.isOk()) {
                    status[i] = 2;
                    FERRIS_LOG_INFO(job.name(), "{}: {} records in, {} out, {} bad{}", jobStateName(job.state()),
                                    job.metrics().recordsIn.load(), job.metrics().recordsOut.load(),
                                    job.metrics().failedTotal(),
                                    job.metrics().stateful
                                        ? fmt::format(", {} late dropped, {} late dead-lettered",
                                                      job.metrics().lateDropped.load(),
                                                      job.metrics().lateDeadLettered.load())
                                        : std::string());
                } else {
                    status[i] = 3;
                    if (firstError.isOk()) firstError = result;
                    stopAll = true;  // one job failed: stop the others gracefully
                }
                changed.notify_all();
            });
        }
    };

    std::unique_lock lock(mutex);
    startReady();
    while (true) {
        bool allEnded = std::all_of(status.begin(), status.end(), [](int s) { return s >= 2; });
        if (allEnded) break;
        changed.wait_for(lock, std::chrono::milliseconds(200));
        if (stop.load()) stopAll = true;
        if (!stopAll) startReady();
        if (stopAll) {
            // Waits for an unreachable broker end early (after a grace period).
            for (auto& job : jobs_) job->interrupt();
            // Jobs never started stay unstarted.
            for (auto& s : status) {
                if (s == 0) s = 3;
            }
        }
        if (onTick) {
            lock.unlock();
            onTick();
            lock.lock();
        }
    }
    lock.unlock();
    for (auto& thread : threads) thread.join();
    return firstError;
}

CommandOutput executeCommand(const plan::AppPlan& app, const plan::Command& command) {
    CommandOutput out;
    auto describeDecl = [&](const plan::ConnectorDecl& decl, std::string_view kind) {
        out.rows.push_back({decl.name, std::string(kind), decl.properties.get("type")});
    };
    switch (command.kind) {
        case plan::Command::Kind::kShowStreams:
        case plan::Command::Kind::kShowTables: {
            bool tables = command.kind == plan::Command::Kind::kShowTables;
            out.columns = {"name", "kind", "type"};
            for (const auto& source : app.sources) {
                if (source.isTable == tables) describeDecl(source, "source");
            }
            for (const auto& sink : app.declaredSinks) {
                if (sink.isTable == tables) describeDecl(sink, "sink");
            }
            for (const auto& job : app.jobs) {
                bool isTable = job.kind == plan::JobKind::kCreateTable;
                if (job.kind != plan::JobKind::kCreateStream && !isTable) continue;
                if (isTable == tables) out.rows.push_back({job.sink.name, "job output", job.sink.properties.get("type")});
            }
            break;
        }
        case plan::Command::Kind::kShowJobs:
            out.columns = {"name", "source", "sink", "sql"};
            for (const auto& job : app.jobs) {
                std::string sql = job.sql;
                for (char& c : sql) {
                    if (c == '\n') c = ' ';
                }
                out.rows.push_back({job.name, job.source.source, job.sink.name, sql});
            }
            break;
        case plan::Command::Kind::kShowFunctions:
            out.columns = {"name", "category", "signatures", "description"};
            for (const auto* entry : expr::FunctionRegistry::builtins().entries()) {
                if (entry->isOperator) continue;
                std::string name = entry->name;
                for (const auto& alias : entry->aliases) name += ", " + alias;
                std::string signatures;
                for (size_t i = 0; i < entry->signatures.size(); ++i) {
                    if (i > 0) signatures += "; ";
                    signatures += entry->signatures[i];
                }
                out.rows.push_back({name, entry->category, signatures, entry->description});
            }
            break;
        case plan::Command::Kind::kDescribe: {
            out.columns = {"column", "type", "key"};
            const types::Schema* schema = nullptr;
            std::vector<int> key;
            if (const auto* source = app.findSource(command.target)) {
                schema = &source->schema;
                key = source->schema.primaryKey();
            }
            for (const auto& sink : app.declaredSinks) {
                if (sink.name == command.target) schema = &sink.schema;
            }
            for (const auto& job : app.jobs) {
                if (job.sink.name == command.target && (job.kind == plan::JobKind::kCreateStream || job.kind == plan::JobKind::kCreateTable)) {
                    schema = &job.output;
                    key = job.keyColumns;
                }
            }
            if (schema == nullptr) break;
            for (size_t i = 0; i < schema->size(); ++i) {
                bool isKey = std::find(key.begin(), key.end(), static_cast<int>(i)) != key.end();
                out.rows.push_back({schema->column(i).name, schema->column(i).type.toString(), isKey ? "yes" : ""});
            }
            break;
        }
    }
    return out;
}

std::string renderTable(const CommandOutput& output) {
    std::vector<size_t> widths;
    for (const auto& column : output.columns) widths.push_back(column.size());
    for (const auto& row : output.rows) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        for (size_t i = 0; i < cells.size(); ++i) {
            out += cells[i];
            if (i + 1 < cells.size()) out += std::string(widths[i] - cells[i].size() + 2, ' ');
        }
        out += '\n';
    };
    line(output.columns);
    std::vector<std::string> rule;
    for (size_t width : widths) rule.push_back(std::string(width, '-'));
    line(rule);
    for (const auto& row : output.rows) line(row);
    return out;
}

std::string renderJsonLines(const CommandOutput& output) {
    std::string out;
    for (const auto& row : output.rows) {
        out += '{';
        for (size_t i = 0; i < row.size(); ++i) {
            if (i > 0) out += ',';
            codec::appendJsonString(output.columns[i], out);
            out += ':';
            codec::appendJsonString(row[i], out);
        }
        out += "}\n";
    }
    return out;
}

}  // namespace ferris::runtime
