#include "server/rest_server.h"

#include <httplib.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

#include <fmt/format.h>

#include "common/log.h"
#include "server/json_writer.h"

namespace ferris::server {

using runtime::JobState;

namespace {

/// HTTP status of an error code.
int httpStatusOf(ErrorCode code) {
    switch (code) {
        case ErrorCode::kNotFound: return 404;
        case ErrorCode::kConflict:
        case ErrorCode::kInvalidState: return 409;
        case ErrorCode::kTimeout: return 504;
        case ErrorCode::kNotSupported: return 501;
        case ErrorCode::kIoError:
        case ErrorCode::kInternal:
        case ErrorCode::kDeliveryFailed:
        case ErrorCode::kResourceExhausted:
        case ErrorCode::kCancelled: return 500;
        default: return 400;
    }
}

void appendError(JsonWriter& json, const Status& status) {
    json.beginObject();
    json.field("code", errorCodeName(status.code()));
    json.field("message", status.message());
    if (status.location().valid()) {
        json.field("line", status.location().line);
        json.field("column", status.location().column);
    }
    json.endObject();
}

/// `{"error": {"code", "message", "details": [...]}}`.
void sendErrors(httplib::Response& response, int httpStatus, const std::string& code, const std::string& message,
                const std::vector<Status>& details) {
    JsonWriter json;
    json.beginObject().key("error").beginObject();
    json.field("code", code);
    json.field("message", message);
    json.key("details").beginArray();
    for (const auto& detail : details) appendError(json, detail);
    json.endArray().endObject().endObject();
    response.status = httpStatus;
    response.set_content(json.take(), "application/json");
}

void sendError(httplib::Response& response, const Status& status) {
    sendErrors(response, httpStatusOf(status.code()), std::string(errorCodeName(status.code())), status.message(), {});
}

void sendJson(httplib::Response& response, int httpStatus, std::string body) {
    response.status = httpStatus;
    response.set_content(std::move(body), "application/json");
}

void appendConnector(JsonWriter& json, const plan::ConnectorDecl& decl) {
    json.beginObject();
    json.field("name", decl.name);
    json.field("type", decl.properties.get("type"));
    for (const char* key : {"topic", "path"}) {
        if (decl.properties.has(key)) json.field(key, decl.properties.get(key));
    }
    json.endObject();
}

/// A job's status: state, counters, CPU and memory; `detail` adds its SQL, config and errors.
void appendJob(JsonWriter& json, const JobHost& host, bool detail) {
    auto job = host.job();
    const runtime::JobMetrics& metrics = job->metrics();
    JobState state = host.state();
    json.beginObject();
    json.field("name", host.name());
    json.field("app", host.app());
    json.field("state", runtime::jobStateName(state));
    // Why it failed, or why a stop came without its final commit.
    std::string reason = host.reason();
    if (state == JobState::kFailed || (state == JobState::kStopped && !reason.empty())) json.field("reason", reason);
    json.field("records_in", metrics.recordsIn.load());
    json.field("records_out", metrics.recordsOut.load());
    json.field("records_failed", metrics.failedTotal());
    if (metrics.breaker) {
        json.field("circuit_breaker",
                   std::string(runtime::CircuitBreaker::stateName(
                       static_cast<runtime::CircuitBreaker::State>(metrics.breakerState.load()))));
    }
    json.field("cpu_seconds", host.cpuSeconds());
    json.field("state_bytes", metrics.stateBytes.load());
    json.field("memory_bytes",
               metrics.stateBytes.load() + metrics.batchBytes.load() + metrics.tableIndexBytes.load());
    if (detail) {
        json.field("sql", job->plan().sql);
        json.key("source");
        appendConnector(json, job->sourceDecl());
        json.key("sink");
        appendConnector(json, job->sinkDecl());
        json.field("bytes_in", metrics.bytesIn.load());
        json.field("batches", metrics.batches.load());
        json.field("dlq_records", metrics.dlqRecords.load());
        json.key("errors").beginObject();
        for (size_t code = 0; code < runtime::JobMetrics::kNumCodes; ++code) {
            int64_t count = metrics.failed[code].load();
            if (count > 0) json.field(errorCodeName(static_cast<ErrorCode>(code)), count);
        }
        json.endObject();
        if (metrics.stateful) {
            json.key("late_records").beginObject();
            json.field("dropped", metrics.lateDropped.load());
            json.field("dead_lettered", metrics.lateDeadLettered.load());
            json.endObject();
        }
        json.field("restarts", host.restarts());
        double uptime = host.uptimeSeconds();
        json.field("uptime_seconds", uptime);
        json.field("records_in_per_second",
                   uptime > 0 ? static_cast<double>(metrics.recordsIn.load()) / uptime : 0.0);
        json.key("latency_ms").beginObject();
        json.field("processing_p50", metrics.processingSeconds.quantile(0.5) * 1000);
        json.field("processing_p99", metrics.processingSeconds.quantile(0.99) * 1000);
        if (metrics.endToEndSeconds.count() > 0) {
            json.field("end_to_end_p50", metrics.endToEndSeconds.quantile(0.5) * 1000);
            json.field("end_to_end_p99", metrics.endToEndSeconds.quantile(0.99) * 1000);
        }
        json.endObject();
        {
            std::lock_guard lock(metrics.lagMutex);
            if (!metrics.lag.empty()) {
                json.key("lag").beginArray();
                for (const auto& [partition, behind] : metrics.lag) {
                    json.beginObject().field("partition", static_cast<int64_t>(partition)).field("records", behind);
                    json.endObject();
                }
                json.endArray();
            }
        }
        int64_t watermarkDelay = metrics.watermarkDelayMicros.load();
        if (metrics.stateful && watermarkDelay >= 0) json.field("watermark_delay_ms", watermarkDelay / 1000);
        const runtime::JobConfig& config = job->config();
        json.key("config").beginObject();
        json.field("batch.size", static_cast<int64_t>(config.batchSize));
        json.field("batch.timeout_ms", config.batchTimeoutMicros / 1000);
        json.field("commit.interval_ms", config.commitIntervalMicros / 1000);
        json.field("max.memory.mb", config.maxMemoryBytes >> 20);
        json.field("state.dir", job->stateDirectory().string());
        json.endObject();
    }
    json.endObject();
}

std::string jobJson(const JobHost& host) {
    JsonWriter json;
    appendJob(json, host, /*detail=*/true);
    return json.take();
}

/// The body of POST /apps: SQL text, or JSON `{sql, name, properties}`.
Status parseDeployBody(const httplib::Request& request, DeployRequest& out) {
    std::string type = request.get_header_value("Content-Type");
    bool json = type.find("application/json") != std::string::npos ||
                (type.empty() && !request.body.empty() && request.body.front() == '{');
    if (!json) {
        out.sql = request.body;
        return Status::ok();
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    auto error = parser.parse(request.body).get(root);
    if (error != simdjson::SUCCESS || !root.is_object()) {
        return Status::user(ErrorCode::kInvalidValue, fmt::format("the body is not a JSON object{}",
                                                                  error != simdjson::SUCCESS
                                                                      ? std::string(": ") + simdjson::error_message(error)
                                                                      : std::string()));
    }
    bool hasSql = false;
    for (auto [key, value] : root.get_object()) {
        if (key == "sql" || key == "name" || key == "file") {
            std::string_view text;
            if (value.get_string().get(text) != simdjson::SUCCESS) {
                return Status::user(ErrorCode::kInvalidValue, fmt::format("'{}' must be a string", key));
            }
            (key == "sql" ? out.sql : key == "name" ? out.name : out.fileName) = std::string(text);
            hasSql |= key == "sql";
        } else if (key == "properties") {
            simdjson::dom::object properties;
            if (value.get_object().get(properties) != simdjson::SUCCESS) {
                return Status::user(ErrorCode::kInvalidValue, "'properties' must be an object of key: value");
            }
            for (auto [name, property] : properties) {
                std::string text;
                std::string_view string;
                if (property.get_string().get(string) == simdjson::SUCCESS) {
                    text = std::string(string);
                } else if (property.is_number() || property.is_bool()) {
                    text = simdjson::minify(property);
                } else {
                    return Status::user(ErrorCode::kInvalidValue,
                                        fmt::format("property '{}' must be a string, number or boolean", name));
                }
                out.properties.emplace_back(std::string(name), text);
            }
        } else {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("unknown field '{}' (expected sql, name, file, properties)", key));
        }
    }
    if (!hasSql) return Status::user(ErrorCode::kInvalidValue, "the body has no 'sql'");
    return Status::ok();
}

/// Resident set size in bytes (/proc/self/statm).
int64_t residentBytes() {
    std::ifstream statm("/proc/self/statm");
    int64_t pages = 0;
    int64_t resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

int64_t threadCount() {
    std::error_code error;
    int64_t count = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        ++count;
    }
    return count;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

const std::vector<Route>& restRoutes() {
    static const std::vector<Route> routes = {
        {"GET", "/health", &RestServer::health},
        {"GET", "/ready", &RestServer::ready},
        {"GET", "/openapi.json", &RestServer::openApi},
        {"GET", "/metrics", &RestServer::metrics},
        {"POST", "/apps", &RestServer::deployApp},
        {"GET", "/jobs", &RestServer::listJobs},
        {"GET", "/jobs/{name}", &RestServer::getJob},
        {"DELETE", "/jobs/{name}", &RestServer::deleteJob},
        {"POST", "/jobs/{name}/pause", &RestServer::pauseJob},
        {"POST", "/jobs/{name}/resume", &RestServer::resumeJob},
        {"POST", "/jobs/{name}/stop", &RestServer::stopJob},
        {"POST", "/jobs/{name}/restart", &RestServer::restartJob},
        {"POST", "/jobs/{name}/dlq/replay", &RestServer::replayDlq},
        {"GET", "/tables/{name}/{key}", &RestServer::lookupTable},
    };
    return routes;
}

std::string renderServerMetrics(const JobManager& manager) {
    std::vector<runtime::MetricSample> samples;
    for (const auto& host : manager.jobs()) {
        auto job = host->job();
        job->collectMetrics(samples);
        std::string labels = fmt::format("job=\"{}\"", runtime::escapeLabel(host->name()));
        samples.push_back({"ferris_job_cpu_seconds_total", "counter", "CPU time of the job's driver thread.", labels,
                           host->cpuSeconds()});
        samples.push_back({"ferris_job_memory_bytes", "gauge", "Bytes of state and batch the job holds.", labels,
                           static_cast<double>(job->metrics().stateBytes.load() + job->metrics().batchBytes.load() +
                                               job->metrics().tableIndexBytes.load())});
        JobState state = host->state();
        samples.push_back({"ferris_job_state", "gauge", "1 for the job's current state.",
                           fmt::format("{},state=\"{}\"", labels, runtime::jobStateName(state)), 1});
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    samples.push_back({"ferris_process_cpu_seconds_total", "counter", "User and system CPU time of the process.", "",
                       cpu});
    samples.push_back({"ferris_process_resident_memory_bytes", "gauge", "Resident set size of the process.", "",
                       static_cast<double>(residentBytes())});
    samples.push_back({"ferris_process_threads", "gauge", "Threads of the process.", "",
                       static_cast<double>(threadCount())});
    samples.push_back({"ferris_jobs", "gauge", "Jobs deployed on the server.", "",
                       static_cast<double>(manager.jobs().size())});
    return runtime::renderPrometheus(samples);
}

RestServer::RestServer(JobManager& manager, RestOptions options)
    : manager_(manager), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {}

RestServer::~RestServer() { stop(); }

void RestServer::routeAll() {
    httplib::Server& http = *http_;
    http.set_payload_max_length(options_.maxBodyBytes);
    http.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
        if (options_.authToken.empty() || request.path == "/health" || request.path == "/ready") {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        std::string header = request.get_header_value("Authorization");
        constexpr std::string_view kBearer = "Bearer ";
        if (header.size() > kBearer.size() && header.starts_with(kBearer) &&
            constantTimeEquals(std::string_view(header).substr(kBearer.size()), options_.authToken)) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        response.set_header("WWW-Authenticate", "Bearer");
        sendErrors(response, 401, "unauthorized",
                   header.empty() ? "this server needs a bearer token (Authorization: Bearer <token>)"
                                  : "the bearer token is not valid",
                   {});
        return httplib::Server::HandlerResponse::Handled;
    });
    http.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return;
        if (response.status == 404) {
            sendErrors(response, 404, "not_found", fmt::format("no route {} {}", request.method, request.path), {});
        } else if (response.status == 413) {
            sendErrors(response, 413, "payload_too_large", "the request body is over the server's limit", {});
        } else {
            sendErrors(response, response.status, "http_error", fmt::format("HTTP status {}", response.status), {});
        }
    });

    for (const Route& route : restRoutes()) {
        // The OpenAPI template as a pattern: `{name}` is one segment, `{key}` the rest of the path.
        std::string pattern = std::regex_replace(route.path, std::regex(R"(\{key\})"), "(.+)");
        pattern = std::regex_replace(pattern, std::regex(R"(\{name\})"), "([^/]+)");
        auto handler = [this, method = route.handler](const httplib::Request& request, httplib::Response& response) {
            (this->*method)(request, response);
        };
        std::string_view method = route.method;
        if (method == "GET") {
            http.Get(pattern, handler);
        } else if (method == "POST") {
            http.Post(pattern, handler);
        } else {
            http.Delete(pattern, handler);
        }
    }
}

void RestServer::health(const httplib::Request&, httplib::Response& response) {
    sendJson(response, 200, R"({"status":"ok"})");
}

void RestServer::ready(const httplib::Request&, httplib::Response& response) {
    bool ready = manager_.ready();
    sendJson(response, ready ? 200 : 503, ready ? R"({"ready":true})" : R"({"ready":false})");
}

void RestServer::openApi(const httplib::Request&, httplib::Response& response) {
    sendJson(response, 200, openApiDocument());
}

void RestServer::metrics(const httplib::Request&, httplib::Response& response) {
    response.set_content(renderServerMetrics(manager_), "text/plain; version=0.0.4; charset=utf-8");
}

void RestServer::deployApp(const httplib::Request& request, httplib::Response& response) {
    DeployRequest deploy;
    Status body = parseDeployBody(request, deploy);
    if (!body.isOk()) return sendError(response, body);
    DeployResult result = manager_.deploy(deploy);
    if (!result.ok()) {
        bool conflict = std::all_of(result.errors.begin(), result.errors.end(),
                                    [](const Status& error) { return error.code() == ErrorCode::kConflict; });
        bool userErrors = std::all_of(result.errors.begin(), result.errors.end(),
                                      [](const Status& error) { return error.category() == ErrorCategory::kUser; });
        int status = conflict ? 409 : userErrors ? 400 : 500;
        std::string code = conflict ? "conflict" : userErrors ? "validation_failed" : "deploy_failed";
        return sendErrors(response, status, code,
                          fmt::format("the app was not deployed: {} error{}", result.errors.size(),
                                      result.errors.size() == 1 ? "" : "s"),
                          result.errors);
    }
    JsonWriter json;
    json.beginObject().field("app", result.app).key("jobs").beginArray();
    for (const auto& name : result.jobs) {
        if (auto host = manager_.find(name)) appendJob(json, *host, /*detail=*/false);
    }
    json.endArray().endObject();
    sendJson(response, 201, json.take());
}

void RestServer::listJobs(const httplib::Request&, httplib::Response& response) {
    JsonWriter json;
    json.beginObject().key("jobs").beginArray();
    for (const auto& host : manager_.jobs()) appendJob(json, *host, /*detail=*/false);
    json.endArray().endObject();
    sendJson(response, 200, json.take());
}

void RestServer::answerWithJob(const httplib::Request& request, httplib::Response& response,
                               Status (JobHost::*action)()) {
    std::string name = request.matches[1];
    auto host = manager_.find(name);
    if (!host) return sendError(response, Status::user(ErrorCode::kNotFound, fmt::format("no job named {}", name)));
    if (action != nullptr) {
        Status status = ((*host).*action)();
        if (!status.isOk()) return sendError(response, status);
    }
    sendJson(response, 200, jobJson(*host));
}

void RestServer::getJob(const httplib::Request& request, httplib::Response& response) {
    answerWithJob(request, response, nullptr);
}

void RestServer::pauseJob(const httplib::Request& request, httplib::Response& response) {
    answerWithJob(request, response, &JobHost::pause);
}

void RestServer::resumeJob(const httplib::Request& request, httplib::Response& response) {
    answerWithJob(request, response, &JobHost::resume);
}

void RestServer::stopJob(const httplib::Request& request, httplib::Response& response) {
    answerWithJob(request, response, &JobHost::stop);
}

void RestServer::restartJob(const httplib::Request& request, httplib::Response& response) {
    answerWithJob(request, response, &JobHost::restart);
}

void RestServer::deleteJob(const httplib::Request& request, httplib::Response& response) {
    std::string name = request.matches[1];
    Status status = manager_.remove(name);
    if (!status.isOk()) return sendError(response, status);
    JsonWriter json;
    json.beginObject().field("deleted", name).endObject();
    sendJson(response, 200, json.take());
}

void RestServer::replayDlq(const httplib::Request& request, httplib::Response& response) {
    std::string name = request.matches[1];
    auto replayed = manager_.replayDlq(name);
    if (!replayed.isOk()) return sendError(response, replayed.status());
    const ReplayResult& result = replayed.value();
    JsonWriter json;
    json.beginObject()
        .field("job", name)
        .field("replayed", result.replayed)
        .field("written", result.written)
        .field("failed_again", result.failedAgain)
        .field("filtered", result.filtered)
        .endObject();
    sendJson(response, 200, json.take());
}

void RestServer::lookupTable(const httplib::Request& request, httplib::Response& response) {
    std::string table = request.matches[1];
    std::string key = request.matches[2];
    auto host = manager_.findTable(table);
    if (!host) {
        return sendError(response, Status::user(ErrorCode::kNotFound,
                                                fmt::format("no table named {} (a CREATE TABLE job's output)", table)));
    }
    auto job = host->job();
    auto row = job->lookup(key);
    if (!row) {
        return sendError(response,
                         Status::user(ErrorCode::kNotFound, fmt::format("table {} has no row with key {}", table, key)));
    }
    JsonWriter json;
    json.beginObject().field("table", table).field("key", key).key("row").raw(*row).endObject();
    sendJson(response, 200, json.take());
}

Status RestServer::start() {
    routeAll();
    if (options_.port == 0) {
        port_ = http_->bind_to_any_port(options_.host);
    } else {
        port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
    }
    if (port_ <= 0) {
        return Status::system(ErrorCode::kIoError, fmt::format("cannot listen on {}:{} (in use, or not an address of "
                                                               "this machine)",
                                                               options_.host, options_.port));
    }
    thread_ = std::thread([this] { http_->listen_after_bind(); });
    FERRIS_LOG_INFO("-", "listening on http://{}:{}", options_.host, port_);
    return Status::ok();
}

void RestServer::stop() {
    if (!thread_.joinable()) return;
    http_->stop();
    thread_.join();
}

}  // namespace ferris::server
