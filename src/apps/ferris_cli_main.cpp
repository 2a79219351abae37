// ferris-cli: the client of ferris-sql-multi's REST API (§1.1). Human tables by default,
// the server's JSON with --json; --server / FERRIS_SERVER, --token / FERRIS_TOKEN.

#include <httplib.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/app_loader.h"
#include "codec/encoder.h"
#include "connectors/connector_registry.h"
#include "ferris/version.h"
#include "runtime/app_runner.h"
#include "runtime/job_clock.h"

namespace {

using namespace ferris;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct Client {
    std::string server;
    std::string token;
    bool json = false;

    httplib::Result call(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::string& type = "application/json") const {
        httplib::Client client(server);
        client.set_connection_timeout(5, 0);
        client.set_read_timeout(120, 0);
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        if (method == "GET") return client.Get(path, headers);
        if (method == "DELETE") return client.Delete(path, headers);
        return client.Post(path, headers, body, type);
    }
};

std::string text(simdjson::dom::element value) {
    std::string_view string;
    if (value.get_string().get(string) == simdjson::SUCCESS) return std::string(string);
    if (value.type() == simdjson::dom::element_type::DOUBLE) return fmt::format("{:.3f}", double(value));
    return simdjson::minify(value);
}

/// Columns padded to their widest cell, under a rule (as `ferris-sql` prints SHOW output).
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    return runtime::renderTable({header, rows});
}

/// Prints an error answer (`{"error": …}`) readably; returns the exit code for it.
int reportError(int status, const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body).get(root) != simdjson::SUCCESS || root["error"].error() != simdjson::SUCCESS) {
        std::fprintf(stderr, "error: HTTP %d: %s\n", status, body.c_str());
        return status >= 500 ? kExitRuntime : kExitUsage;
    }
    simdjson::dom::element error = root["error"];
    std::fprintf(stderr, "error: %s (%s)\n", text(error["message"]).c_str(), text(error["code"]).c_str());
    simdjson::dom::array details;
    if (error["details"].get_array().get(details) == simdjson::SUCCESS) {
        for (auto detail : details) {
            int64_t line = 0;
            int64_t column = 0;
            bool located = detail["line"].get_int64().get(line) == simdjson::SUCCESS &&
                           detail["column"].get_int64().get(column) == simdjson::SUCCESS;
            std::string where = located ? fmt::format("{}:{}: ", line, column) : std::string();
            std::fprintf(stderr, "  %s%s (%s)\n", where.c_str(), text(detail["message"]).c_str(),
                         text(detail["code"]).c_str());
        }
    }
    return status >= 500 ? kExitRuntime : kExitUsage;
}

std::vector<std::string> jobRow(simdjson::dom::element job) {
    std::string state = text(job["state"]);
    simdjson::dom::element reason;
    if (job["reason"].get(reason) == simdjson::SUCCESS) state += " (" + text(reason) + ")";
    return {text(job["name"]), text(job["app"]), state, text(job["records_in"]), text(job["records_out"]),
            text(job["records_failed"]), text(job["cpu_seconds"]), text(job["state_bytes"])};
}

const std::vector<std::string> kJobHeader = {"NAME", "APP", "STATE", "IN", "OUT", "FAILED", "CPU_S", "STATE_BYTES"};

/// Runs a request and prints its answer: the JSON as is (--json), else through `render`.
int request(const Client& client, const std::string& method, const std::string& path, const std::string& body,
            const std::function<std::string(simdjson::dom::element)>& render,
            const std::string& type = "application/json") {
    auto result = client.call(method, path, body, type);
    if (!result) {
        std::fprintf(stderr, "error: cannot reach %s: %s\n", client.server.c_str(),
                     httplib::to_string(result.error()).c_str());
        return kExitRuntime;
    }
    if (result->status >= 400) return reportError(result->status, result->body);
    if (client.json || !render) {
        std::fputs(result->body.c_str(), stdout);
        if (!result->body.empty() && result->body.back() != '\n') std::fputc('\n', stdout);
        return kExitOk;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(result->body).get(root) != simdjson::SUCCESS) {
        std::fprintf(stderr, "error: the server's answer is not JSON\n");
        return kExitRuntime;
    }
    std::fputs(render(root).c_str(), stdout);
    return kExitOk;
}

std::string renderJob(simdjson::dom::element job) {
    std::string out;
    for (auto [key, value] : job.get_object()) {
        if (key == "sql") continue;
        out += fmt::format("{:<15} {}\n", std::string(key) + ":", text(value));
    }
    simdjson::dom::element sql;
    if (job["sql"].get(sql) == simdjson::SUCCESS) out += "sql:\n" + text(sql) + "\n";
    return out;
}

std::string readFile(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

int validateLocally(const std::string& file) {
    std::vector<Status> errors;
    auto loaded = apps::loadApp(file, errors);
    if (loaded.isOk()) {
        runtime::WallClock clock;
        runtime::JobEnvironment environment;
        environment.clock = &clock;
        environment.baseDir = std::filesystem::absolute(file).parent_path();
        environment.appName = loaded->plan.name;
        environment.registry = &connectors::ConnectorRegistry::global();
        auto jobs = runtime::buildJobs(loaded->plan, environment, errors);
        if (errors.empty()) {
            std::printf("%s: OK (%zu job%s)\n", file.c_str(), jobs.size(), jobs.size() == 1 ? "" : "s");
            return kExitOk;
        }
    }
    bool ok = false;
    std::string sql = readFile(file, ok);
    std::fputs(apps::renderErrors(file, sql, errors).c_str(), stderr);
    std::fprintf(stderr, "%zu error%s in %s\n", errors.size(), errors.size() == 1 ? "" : "s", file.c_str());
    return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"ferris-cli: manage a ferris-sql-multi server over its REST API"};
    cli.set_version_flag("--version", std::string("ferris-cli ") + FERRIS_VERSION);
    cli.require_subcommand(1);
    cli.fallthrough();  // --server, --token and --json also after the command
    Client client;
    const char* server = std::getenv("FERRIS_SERVER");
    client.server = server != nullptr && *server != '\0' ? server : "http://127.0.0.1:8080";
    const char* token = std::getenv("FERRIS_TOKEN");
    if (token != nullptr) client.token = token;
    cli.add_option("--server", client.server, "the server's URL (or FERRIS_SERVER)")->capture_default_str();
    cli.add_option("--token", client.token, "bearer token (or FERRIS_TOKEN)");
    cli.add_flag("--json", client.json, "print the server's JSON");

    auto* jobs = cli.add_subcommand("jobs", "list the jobs");
    std::string file;
    std::string name;
    auto* deploy = cli.add_subcommand("deploy", "deploy a SQL app (all or nothing)");
    deploy->add_option("app", file, "the SQL application file")->required();
    deploy->add_option("--name", name, "the app's name (default: @app, else the file name)");
    auto* validate = cli.add_subcommand("validate", "check a SQL app here, without deploying it");
    validate->add_option("app", file, "the SQL application file")->required();
    std::string job;
    auto* status = cli.add_subcommand("status", "a job's status");
    status->add_option("job", job, "the job")->required();
    std::vector<CLI::App*> commands;
    for (const char* command : {"pause", "resume", "stop", "restart", "delete"}) {
        auto* sub = cli.add_subcommand(command, fmt::format("{} a job", command));
        sub->add_option("job", job, "the job")->required();
        commands.push_back(sub);
    }
    auto* metrics = cli.add_subcommand("metrics", "the server's Prometheus metrics");
    auto* dlq = cli.add_subcommand("dlq", "dead-letter queue commands");
    auto* replay = dlq->add_subcommand("replay", "replay a job's DLQ");
    replay->add_option("job", job, "the job")->required();
    dlq->require_subcommand(1);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = cli.exit(error);
        return code == 0 ? kExitOk : kExitUsage;
    }
    while (!client.server.empty() && client.server.back() == '/') client.server.pop_back();
    if (client.server.find("://") == std::string::npos) client.server = "http://" + client.server;

    auto listJobs = [](simdjson::dom::element root) {
        std::vector<std::vector<std::string>> rows;
        for (auto element : root["jobs"].get_array()) rows.push_back(jobRow(element));
        return table(kJobHeader, rows);
    };
    if (*jobs) return request(client, "GET", "/jobs", "", listJobs);
    if (*validate) return validateLocally(file);
    if (*deploy) {
        bool ok = false;
        std::string sql = readFile(file, ok);
        if (!ok) {
            std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
            return kExitUsage;
        }
        std::string body = "{\"sql\":";
        codec::appendJsonString(sql, body);
        body += ",\"file\":";
        codec::appendJsonString(std::filesystem::path(file).filename().string(), body);
        if (!name.empty()) {
            body += ",\"name\":";
            codec::appendJsonString(name, body);
        }
        body += '}';
        return request(client, "POST", "/apps", body, [](simdjson::dom::element root) {
            std::vector<std::vector<std::string>> rows;
            for (auto element : root["jobs"].get_array()) rows.push_back(jobRow(element));
            return fmt::format("deployed app {}\n", text(root["app"])) + table(kJobHeader, rows);
        });
    }
    if (*status) return request(client, "GET", "/jobs/" + job, "", renderJob);
    for (auto* command : commands) {
        if (!*command) continue;
        if (command->get_name() == "delete") {
            return request(client, "DELETE", "/jobs/" + job, "",
                           [&](simdjson::dom::element) { return fmt::format("deleted {}\n", job); });
        }
        return request(client, "POST", fmt::format("/jobs/{}/{}", job, command->get_name()), "", [](auto root) {
            return table(kJobHeader, {jobRow(root)});
        });
    }
    if (*metrics) {
        // The Prometheus text as is; with --json, one object per sample.
        auto result = client.call("GET", "/metrics");
        if (!result) {
            std::fprintf(stderr, "error: cannot reach %s: %s\n", client.server.c_str(),
                         httplib::to_string(result.error()).c_str());
            return kExitRuntime;
        }
        if (result->status >= 400) return reportError(result->status, result->body);
        if (!client.json) {
            std::fputs(result->body.c_str(), stdout);
            return kExitOk;
        }
        std::string out = "[";
        std::istringstream lines(result->body);
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line[0] == '#') continue;
            auto space = line.rfind(' ');
            auto brace = line.find('{');
            std::string family = line.substr(0, std::min(brace, space));
            std::string labels = brace < space ? line.substr(brace + 1, line.rfind('}', space) - brace - 1) : "";
            if (out.size() > 1) out += ',';
            out += "{\"name\":";
            codec::appendJsonString(family, out);
            out += ",\"labels\":";
            codec::appendJsonString(labels, out);
            out += ",\"value\":" + line.substr(space + 1) + "}";
        }
        out += "]\n";
        std::fputs(out.c_str(), stdout);
        return kExitOk;
    }
    return request(client, "POST", fmt::format("/jobs/{}/dlq/replay", job), "", {});
}
