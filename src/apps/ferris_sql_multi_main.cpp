// ferris-sql-multi: the multi-job server (§1.1, §1.5). `serve` hosts many jobs in one
// process, each on its own driver thread, managed over the REST API on one port.

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/app_loader.h"
#include "apps/cpu_check.h"
#include "common/log.h"
#include "ferris/version.h"
#include "server/job_manager.h"
#include "server/rest_server.h"

namespace {

using namespace ferris;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

/// SIGTERM/SIGINT arrive here; the main thread waits for them with sigwait.
int waitForSignal() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    int received = 0;
    sigwait(&signals, &received);
    return received;
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

int serve(const std::string& listen, const std::vector<std::string>& deploys, const std::string& token,
          size_t maxJobs, double stallSeconds) {
    server::RestOptions rest;
    if (!parseListen(listen, rest.host, rest.port)) {
        std::fprintf(stderr, "error: --listen '%s' is not host:port\n", listen.c_str());
        return kExitUsage;
    }
    rest.authToken = token;
    // Signals are taken by sigwait on this thread only: block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    server::ManagerOptions options;
    options.maxJobs = maxJobs;
    options.stallTimeoutMicros = static_cast<int64_t>(stallSeconds * 1e6);
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
    int signal = waitForSignal();
    FERRIS_LOG_INFO("-", "{}: stopping every job (each finishes its batch and commits)",
                    signal == SIGTERM ? "SIGTERM" : "SIGINT");
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
    cli.add_option("--log-level", logLevel,
                   "trace, debug, info, warn, error or off, then job=level overrides: info,large_trades=debug")
        ->capture_default_str();
    std::string logFormat = "text";
    cli.add_option("--log-format", logFormat, "text (human-readable) or json (one JSON object per line)")
        ->capture_default_str();

    auto* serveCommand = cli.add_subcommand("serve", "host jobs and serve the REST API");
    std::string listen = "127.0.0.1:8080";
    serveCommand->add_option("--listen", listen, "address to serve on, host:port (loopback by default)")
        ->capture_default_str();
    std::vector<std::string> deploys;
    serveCommand->add_option("--deploy", deploys, "SQL app to deploy at start (repeatable)");
    std::string token;
    serveCommand->add_option("--auth-token", token, "require Authorization: Bearer <token> on the API");
    size_t maxJobs = 100;
    serveCommand->add_option("--max-jobs", maxJobs, "most jobs the server runs")->capture_default_str();
    double stallSeconds = 300;
    serveCommand->add_option("--stall-timeout", stallSeconds,
                             "seconds a batch may run before its job is failed(stalled); 0 = never")
        ->capture_default_str();
    std::string config;
    serveCommand->add_option("--config", config, "server configuration file (YAML)");

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
    if (!config.empty()) {
        std::fprintf(stderr, "error: not supported yet: --config (server configuration files come with the "
                             "configuration work)\n");
        return kExitUsage;
    }
    return serve(listen, deploys, token, maxJobs, stallSeconds);
}
