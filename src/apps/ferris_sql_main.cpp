// ferris-sql: runs, validates or explains one SQL application in the foreground (§1.1).

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/app_loader.h"
#include "apps/cpu_check.h"
#include "common/log.h"
#include "connectors/connector_registry.h"
#include "ferris/version.h"
#include "runtime/app_runner.h"

namespace {

using namespace ferris;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> gStop{false};

void onSignal(int) {
    if (gStop.exchange(true)) std::_Exit(130);  // a second Ctrl-C: leave at once
}

struct Prepared {
    apps::LoadedApp app;
    std::vector<std::unique_ptr<runtime::Job>> jobs;
    std::vector<std::vector<size_t>> dependencies;
};

std::unique_ptr<Prepared> prepare(const std::string& file, const runtime::JobClock& clock, bool& ok) {
    std::vector<Status> errors;
    auto prepared = std::make_unique<Prepared>();
    auto loaded = apps::loadApp(file, errors);
    std::string text = loaded.isOk() ? loaded->text : std::string();
    if (!loaded.isOk() && text.empty()) {
        // Re-read the text for carets (parse/bind errors carry locations into it).
        std::FILE* in = std::fopen(file.c_str(), "rb");
        if (in != nullptr) {
            char buffer[65536];
            size_t read = 0;
            while ((read = std::fread(buffer, 1, sizeof buffer, in)) > 0) text.append(buffer, read);
            std::fclose(in);
        }
    }
    if (loaded.isOk()) {
        prepared->app = std::move(loaded).value();
        runtime::JobEnvironment environment;
        environment.clock = &clock;
        environment.baseDir = std::filesystem::absolute(prepared->app.path).parent_path();
        environment.appName = prepared->app.plan.name;
        environment.registry = &connectors::ConnectorRegistry::global();
        prepared->jobs = runtime::buildJobs(prepared->app.plan, environment, errors);
        if (errors.empty()) {
            auto dependencies = runtime::jobDependencies(prepared->jobs, environment.baseDir);
            if (dependencies.isOk()) {
                prepared->dependencies = dependencies.value();
            } else {
                errors.push_back(dependencies.status());
            }
        }
    }
    if (!errors.empty()) {
        std::fputs(apps::renderErrors(file, text, errors).c_str(), stderr);
        std::fprintf(stderr, "%zu error%s in %s\n", errors.size(), errors.size() == 1 ? "" : "s", file.c_str());
        ok = false;
        return nullptr;
    }
    ok = true;
    return prepared;
}

int runCommand(const std::string& file, bool progress, const std::vector<std::string>& resetState) {
    runtime::WallClock clock;
    bool ok = false;
    auto prepared = prepare(file, clock, ok);
    if (!ok) return kExitUsage;
    // Checkpoints: each job's is opened (or discarded, --reset-state) and checked against
    // its query before anything runs; a checkpoint of a different query is a usage error.
    for (const auto& name : resetState) {
        bool known = std::any_of(prepared->jobs.begin(), prepared->jobs.end(),
                                 [&](const auto& job) { return job->name() == name; });
        if (!known) {
            std::fprintf(stderr, "error: --reset-state %s: the app has no job named %s\n", name.c_str(), name.c_str());
            return kExitUsage;
        }
    }
    bool stateOk = true;
    for (auto& job : prepared->jobs) {
        bool reset = std::find(resetState.begin(), resetState.end(), job->name()) != resetState.end();
        Status status = job->openState(reset);
        if (!status.isOk()) {
            std::fprintf(stderr, "error: %s\n", status.message().c_str());
            stateOk = false;
        }
    }
    if (!stateOk) return kExitUsage;
    // State of jobs no longer in the app is left in place, and named (§2.2).
    std::set<std::filesystem::path> appDirs;
    std::set<std::filesystem::path> jobDirs;
    for (const auto& job : prepared->jobs) {
        jobDirs.insert(job->stateDirectory());
        appDirs.insert(job->stateDirectory().parent_path());
    }
    for (const auto& appDir : appDirs) {
        std::error_code error;
        for (const auto& entry : std::filesystem::directory_iterator(appDir, error)) {
            if (entry.is_directory() && jobDirs.count(entry.path()) == 0) {
                FERRIS_LOG_WARN(entry.path().filename().string(),
                                "the app has no job {} any more; its checkpoint is left in {} (delete the directory "
                                "to discard it)",
                                entry.path().filename().string(), entry.path().string());
            }
        }
    }
    bool terminalOut = ::isatty(STDOUT_FILENO) != 0;
    for (const auto& command : prepared->app.plan.commands) {
        auto output = runtime::executeCommand(prepared->app.plan, command);
        std::string text = terminalOut ? runtime::renderTable(output) : runtime::renderJsonLines(output);
        std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::fflush(stdout);
    if (prepared->jobs.empty()) return kExitOk;

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    bool showProgress = progress && ::isatty(STDERR_FILENO) != 0;
    auto started = std::chrono::steady_clock::now();
    runtime::AppRunner runner(std::move(prepared->jobs), std::move(prepared->dependencies));
    auto tick = [&] {
        if (!showProgress) return;
        int64_t in = 0;
        int64_t out = 0;
        int64_t bad = 0;
        for (const auto& job : runner.jobs()) {
            in += job->metrics().recordsIn.load();
            out += job->metrics().recordsOut.load();
            bad += job->metrics().failedTotal();
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::fprintf(stderr, "\r\033[K%zu job(s): %lld in, %lld out, %lld bad, %.0f records/s",
                     runner.jobs().size(), static_cast<long long>(in), static_cast<long long>(out),
                     static_cast<long long>(bad), seconds > 0 ? static_cast<double>(in) / seconds : 0.0);
        std::fflush(stderr);
    };
    Status status = runner.run(gStop, tick);
    if (showProgress) {
        tick();
        std::fputc('\n', stderr);
    }
    if (!status.isOk()) {
        std::fprintf(stderr, "error: %s\n", status.toString().c_str());
        return kExitRuntime;
    }
    return kExitOk;
}

int validateCommand(const std::string& file) {
    runtime::WallClock clock;
    bool ok = false;
    auto prepared = prepare(file, clock, ok);
    if (!ok) return kExitUsage;
    std::printf("%s: OK (%zu job%s)\n", file.c_str(), prepared->jobs.size(), prepared->jobs.size() == 1 ? "" : "s");
    return kExitOk;
}

int explainCommand(const std::string& file) {
    runtime::WallClock clock;
    bool ok = false;
    auto prepared = prepare(file, clock, ok);
    if (!ok) return kExitUsage;
    std::printf("app %s\n", prepared->app.plan.name.c_str());
    for (size_t i = 0; i < prepared->jobs.size(); ++i) {
        std::string text = plan::explainJob(prepared->jobs[i]->plan());
        std::fputs(text.c_str(), stdout);
        for (size_t dependency : prepared->dependencies[i]) {
            std::printf("  starts after job %s\n", prepared->jobs[dependency]->name().c_str());
        }
    }
    return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    ferris::apps::checkCpuOrExit();
    CLI::App cli{"ferris-sql: run one FerrisStreams SQL application in the foreground"};
    cli.set_version_flag("--version", std::string("ferris-sql ") + FERRIS_VERSION);
    cli.require_subcommand(1);
    std::string logLevel = "info";
    cli.add_option("--log-level", logLevel,
                   "trace, debug, info, warn, error or off, then job=level overrides: info,large_trades=debug")
        ->capture_default_str();
    std::string logFormat = "text";
    cli.add_option("--log-format", logFormat, "text (human-readable) or json (one JSON object per line)")
        ->capture_default_str();

    std::string file;
    bool noProgress = false;
    auto* run = cli.add_subcommand("run", "start every job of the app; bounded jobs end at the end of their input");
    run->add_option("app", file, "the SQL application file")->required();
    run->add_flag("--no-progress", noProgress, "do not show the live progress line");
    std::vector<std::string> resetState;
    run->add_option("--reset-state", resetState, "discard the checkpoint of this job before starting (repeatable)");
    auto* validate = cli.add_subcommand("validate", "parse, bind, type-check and check every WITH key");
    validate->add_option("app", file, "the SQL application file")->required();
    auto* explain = cli.add_subcommand("explain", "print each job's plan");
    explain->add_option("app", file, "the SQL application file")->required();

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = cli.exit(error);
        return code == 0 ? kExitOk : kExitUsage;
    }
    ferris::Status logged = ferris::Log::configure(logLevel);
    auto format = ferris::Log::parseFormat(logFormat);
    if (!logged.isOk() || !format.isOk()) {
        std::fprintf(stderr, "error: %s\n", (logged.isOk() ? format.status() : logged).toString().c_str());
        return kExitUsage;
    }
    ferris::Log::setFormat(format.value());
    if (*run) return runCommand(file, !noProgress, resetState);
    if (*validate) return validateCommand(file);
    return explainCommand(file);
}
