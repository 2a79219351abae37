// ferris-sql-multi: the multi-job server (§1.1, §1.5). `serve` hosts many jobs in one
// process, each on its own driver thread, managed over the REST API on one port.

#include <csignal>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "apps/app_loader.h"
#include "apps/cpu_check.h"
#include "common/log.h"
#include "ferris/version.h"
#include "server/job_manager.h"
#include "server/rest_server.h"
#include "server/server_config.h"

namespace {

using namespace ferris;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

/// SIGTERM, SIGINT and SIGHUP arrive here; the main thread waits for them with sigwait.
sigset_t serverSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    return signals;
}

/// "host:port" or ":port" or "port".
bool parseListen(const std::string& text, std::string& host, int& port) {
    std::string portText = text;
    auto colon = text.rfind(':');
    if (colon != std::string::npos) {
        host = colon == 0 ? "127.0.0.1" : text.substr(0, colon);
        portText = text.substr(colon + 1);
    }
    try {
        size_t used = 0;
        port = std::stoi(portText, &used);
        return used == portText.size() && port >= 0 && port <= 65535;
    } catch (...) {
        return false;
    }
}

/// Settings given on the command line win over the configuration (§1.2).
struct Overrides {
    std::optional<std::string> listen;
    std::optional<std::string> token;
    std::optional<size_t> maxJobs;
    std::optional<double> stallSeconds;
    std::optional<std::string> logLevel;
    std::optional<std::string> logFormat;
};

Result<server::ServerConfig> configure(const std::string& file, const std::string& profile,
                                       const Overrides& overrides) {
    std::vector<Status> errors;
    auto config = server::loadServerConfig(file, profile, errors);
    if (!errors.empty()) {
        std::string text;
        for (const auto& error : errors) text += (text.empty() ? "" : "\n") + error.message();
        return Status::user(ErrorCode::kConfigError, text);
    }
    server::ServerConfig out = std::move(config).value();
    if (overrides.listen) out.listen = *overrides.listen;
    if (overrides.token) out.authToken = *overrides.token;
    if (overrides.maxJobs) out.maxJobs = static_cast<int64_t>(*overrides.maxJobs);
    if (overrides.stallSeconds) out.stallTimeoutSeconds = *overrides.stallSeconds;
    if (overrides.logLevel) out.logLevel = *overrides.logLevel;
    if (overrides.logFormat) out.logFormat = *overrides.logFormat;
    return out;
}

Status applyLogging(const server::ServerConfig& config) {
    FERRIS_RETURN_IF_ERROR(Log::configure(config.logLevel));
    auto format = Log::parseFormat(config.logFormat);
    if (!format.isOk()) return format.status();
    Log::setFormat(format.value());
    return Status::ok();
}

/// SIGHUP: reads the configuration again; log settings and limits change now, the rest is
/// named as needing a restart (and keeps its running value).
void reload(const std::string& file, const std::string& profile, const Overrides& overrides,
            server::ServerConfig& running, server::JobManager& manager) {
    auto fresh = configure(file, profile, overrides);
    if (!fresh.isOk()) {
        FERRIS_LOG_ERROR("-", "SIGHUP: the configuration was not reloaded (the running one stays): {}",
                         fresh.status().message());
        return;
    }
    server::ServerConfig next = std::move(fresh).value();
    Status logged = applyLogging(next);
    if (!logged.isOk()) {
        FERRIS_LOG_ERROR("-", "SIGHUP: {}", logged.message());
        return;
    }
    manager.setLimits(static_cast<size_t>(next.maxJobs), static_cast<int64_t>(next.stallTimeoutSeconds * 1e6));
    std::vector<std::string> restart;
    if (next.listen != running.listen) restart.push_back("server.listen");
    if (next.authToken != running.authToken) restart.push_back("server.auth_token");
    if (next.maxBodyBytes != running.maxBodyBytes) restart.push_back("server.max_body_bytes");
    auto entries = [](const plan::PropertyList& list) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& property : list.entries()) out.emplace_back(property.key, property.value);
        return out;
    };
    if (entries(next.jobDefaults) != entries(running.jobDefaults)) restart.push_back("jobs.*");
    if (next.kafkaDefaults != running.kafkaDefaults) restart.push_back("kafka.*");
    FERRIS_LOG_INFO("-",
                    "SIGHUP: configuration reloaded (log.level {}, log.format {}, server.max_jobs {}, "
                    "server.stall_timeout {}s applied)",
                    next.logLevel, next.logFormat, next.maxJobs, next.stallTimeoutSeconds);
    if (!restart.empty()) {
        FERRIS_LOG_WARN("-", "SIGHUP: {} changed: takes effect after a restart of the server",
                        fmt::format("{}", fmt::join(restart, ", ")));
    }
    next.listen = running.listen;
    next.authToken = running.authToken;
    next.maxBodyBytes = running.maxBodyBytes;
    next.jobDefaults = running.jobDefaults;
    next.kafkaDefaults = running.kafkaDefaults;
    running = std::move(next);
}

int serve(const std::string& configFile, const std::string& profile, const Overrides& overrides,
          const std::vector<std::string>& deploys) {
    auto loaded = configure(configFile, profile, overrides);
    if (!loaded.isOk()) {
        std::fprintf(stderr, "error: %s\n", loaded.status().message().c_str());
        return kExitUsage;
    }
    server::ServerConfig config = std::move(loaded).value();
    Status logged = applyLogging(config);
    if (!logged.isOk()) {
        std::fprintf(stderr, "error: %s\n", logged.message().c_str());
        return kExitUsage;
    }
    server::RestOptions rest;
    if (!parseListen(config.listen, rest.host, rest.port)) {
        std::fprintf(stderr, "error: listen address '%s' is not host:port\n", config.listen.c_str());
        return kExitUsage;
    }
    rest.authToken = config.authToken;
    rest.maxBodyBytes = static_cast<size_t>(config.maxBodyBytes);
    // Signals are taken by sigwait on this thread only: block them before any thread starts.
    sigset_t signals = serverSignals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    server::ManagerOptions options;
    options.maxJobs = static_cast<size_t>(config.maxJobs);
    options.stallTimeoutMicros = static_cast<int64_t>(config.stallTimeoutSeconds * 1e6);
    options.jobDefaults = std::make_shared<const plan::PropertyList>(config.jobDefaults);
    options.kafkaDefaults = config.kafkaDefaults;
    server::JobManager manager(options);
    server::RestServer http(manager, rest);
    Status started = http.start();
    if (!started.isOk()) {
        std::fprintf(stderr, "error: %s\n", started.message().c_str());
        return kExitRuntime;
    }
    for (const auto& file : deploys) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "error: --deploy %s: cannot read the file\n", file.c_str());
            http.stop();
            return kExitUsage;
        }
        std::stringstream text;
        text << in.rdbuf();
        server::DeployRequest request;
        request.sql = text.str();
        request.fileName = std::filesystem::path(file).filename().string();
        request.baseDir = std::filesystem::absolute(file).parent_path();
        auto result = manager.deploy(request);
        if (!result.ok()) {
            std::fputs(apps::renderErrors(file, request.sql, result.errors).c_str(), stderr);
            std::fprintf(stderr, "%zu error%s in %s: nothing of it is deployed\n", result.errors.size(),
                         result.errors.size() == 1 ? "" : "s", file.c_str());
            http.stop();
            manager.stopAll();
            return kExitUsage;
        }
    }
    manager.setReady();
    int received = 0;
    while (true) {
        sigwait(&signals, &received);
        if (received != SIGHUP) break;
        reload(configFile, profile, overrides, config, manager);
    }
    FERRIS_LOG_INFO("-", "{}: stopping every job (each finishes its batch and commits)",
                    received == SIGTERM ? "SIGTERM" : "SIGINT");
    http.stop();
    manager.stopAll();
    bool anyFailed = false;
    for (const auto& host : manager.jobs()) anyFailed |= host->state() == runtime::JobState::kFailed;
    FERRIS_LOG_INFO("-", "stopped");
    return anyFailed ? kExitRuntime : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    ferris::apps::checkCpuOrExit();
    CLI::App cli{"ferris-sql-multi: the FerrisStreams multi-job server"};
    cli.set_version_flag("--version", std::string("ferris-sql-multi ") + FERRIS_VERSION);
    cli.require_subcommand(1);
    std::string logLevel = "info";
    auto* logLevelOption =
        cli.add_option("--log-level", logLevel,
                       "trace, debug, info, warn, error or off, then job=level overrides: info,large_trades=debug")
            ->capture_default_str();
    std::string logFormat = "text";
    auto* logFormatOption =
        cli.add_option("--log-format", logFormat, "text (human-readable) or json (one JSON object per line)")
            ->capture_default_str();

    auto* serveCommand = cli.add_subcommand("serve", "host jobs and serve the REST API");
    Overrides overrides;
    std::string listen;
    auto* listenOption =
        serveCommand->add_option("--listen", listen, "address to serve on, host:port (default 127.0.0.1:8080)");
    std::vector<std::string> deploys;
    serveCommand->add_option("--deploy", deploys, "SQL app to deploy at start (repeatable)");
    std::string token;
    auto* tokenOption = serveCommand->add_option("--auth-token", token, "require Authorization: Bearer <token>");
    size_t maxJobs = 100;
    auto* maxJobsOption = serveCommand->add_option("--max-jobs", maxJobs, "most jobs the server runs (default 100)");
    double stallSeconds = 300;
    auto* stallOption = serveCommand->add_option(
        "--stall-timeout", stallSeconds, "seconds a batch may run before its job is failed(stalled); 0 = never");
    std::string config;
    serveCommand->add_option("--config", config, "server configuration file (YAML)");
    std::string profile;
    serveCommand->add_option("--profile", profile, "configuration profile (or FERRIS_PROFILE)");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = cli.exit(error);
        return code == 0 ? kExitOk : kExitUsage;
    }
    if (listenOption->count() > 0) overrides.listen = listen;
    if (tokenOption->count() > 0) overrides.token = token;
    if (maxJobsOption->count() > 0) overrides.maxJobs = maxJobs;
    if (stallOption->count() > 0) overrides.stallSeconds = stallSeconds;
    if (logLevelOption->count() > 0) overrides.logLevel = logLevel;
    if (logFormatOption->count() > 0) overrides.logFormat = logFormat;
    return serve(config, profile, overrides, deploys);
}
