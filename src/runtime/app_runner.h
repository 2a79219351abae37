#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"
#include "runtime/job.h"

namespace ferris::runtime {

/// Loads the declarations' config files into the app (expandConfigFiles), checks every
/// declared source and sink (keys, values, required keys) and builds every job; returns all
/// errors found. Used by `validate`, `run`, the server and the tests.
std::vector<std::unique_ptr<Job>> buildJobs(plan::AppPlan& app, const JobEnvironment& environment,
                                            std::vector<Status>& errors);

/// For each job, the jobs that must end before it starts: those writing a file it reads
/// (§1.1). A cycle is a validation error.
Result<std::vector<std::vector<size_t>>> jobDependencies(const std::vector<std::unique_ptr<Job>>& jobs,
                                                         const std::filesystem::path& baseDir);

/// Runs an app's jobs, each on its own driver thread, a job starting once the jobs it
/// depends on have finished. Returns when every job has ended, or when `stop` is set (each
/// job then finishes its batch, flushes and commits). If a job fails, the others are
/// stopped gracefully and its error is returned.
class AppRunner {
public:
    AppRunner(std::vector<std::unique_ptr<Job>> jobs, std::vector<std::vector<size_t>> dependencies)
        : jobs_(std::move(jobs)), dependencies_(std::move(dependencies)) {}

    Status run(std::atomic<bool>& stop, const std::function<void()>& onTick = {});
    const std::vector<std::unique_ptr<Job>>& jobs() const { return jobs_; }

private:
    std::vector<std::unique_ptr<Job>> jobs_;
    std::vector<std::vector<size_t>> dependencies_;
};

/// Output of SHOW and DESCRIBE: rows of named values, all text.
struct CommandOutput {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
};

CommandOutput executeCommand(const plan::AppPlan& app, const plan::Command& command);
/// As a table for people, or one JSON object per row.
std::string renderTable(const CommandOutput& output);
std::string renderJsonLines(const CommandOutput& output);

}  // namespace ferris::runtime
