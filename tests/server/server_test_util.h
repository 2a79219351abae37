#pragma once

// An in-process ferris-sql-multi (JobManager + RestServer on a free loopback port) and an
// HTTP client for it, for the REST tests.

#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "server/job_manager.h"
#include "server/rest_server.h"

namespace ferris::testing {

struct HttpAnswer {
    int status = 0;
    std::string body;
};

class TestServer {
public:
    explicit TestServer(server::ManagerOptions manager = {}, server::RestOptions rest = {}) {
        rest.port = 0;
        manager_ = std::make_unique<server::JobManager>(std::move(manager));
        http_ = std::make_unique<server::RestServer>(*manager_, rest);
        Status started = http_->start();
        if (!started.isOk()) throw std::runtime_error(started.toString());
        manager_->setReady();
        client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
        client_->set_read_timeout(120, 0);
        if (!rest.authToken.empty()) token_ = rest.authToken;
    }
    ~TestServer() {
        http_->stop();
        manager_.reset();
    }

    server::JobManager& manager() { return *manager_; }
    int port() const { return http_->port(); }
    void setToken(std::string token) { token_ = std::move(token); }

    HttpAnswer request(const std::string& method, const std::string& path, const std::string& body = "",
                       const std::string& type = "text/plain") {
        httplib::Headers headers;
        if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
        httplib::Result result(nullptr, httplib::Error::Unknown);
        if (method == "GET") {
            result = client_->Get(path, headers);
        } else if (method == "DELETE") {
            result = client_->Delete(path, headers);
        } else {
            result = client_->Post(path, headers, body, type);
        }
        if (!result) return {-1, httplib::to_string(result.error())};
        return {result->status, result->body};
    }
    HttpAnswer get(const std::string& path) { return request("GET", path); }
    HttpAnswer post(const std::string& path, const std::string& body = "", const std::string& type = "text/plain") {
        return request("POST", path, body, type);
    }

    /// POST /jobs/{job}/dlq/replay: the answer's body when it is 200, else its status and body.
    std::string replayDlq(const std::string& job) {
        HttpAnswer answer = post("/jobs/" + job + "/dlq/replay");
        return answer.status == 200 ? answer.body
                                    : std::to_string(answer.status) + " " + answer.body;
    }

    /// The job's state as GET /jobs/{name} reports it ("" when absent).
    std::string state(const std::string& job) { return field(get("/jobs/" + job).body, "state"); }

    /// Polls GET /jobs/{name} until `done(body)` or the deadline; returns the last body.
    std::string waitForJob(const std::string& job, const std::function<bool(const std::string&)>& done,
                           std::chrono::seconds deadline = std::chrono::seconds(60)) {
        auto until = std::chrono::steady_clock::now() + deadline;
        std::string body;
        while (std::chrono::steady_clock::now() < until) {
            body = get("/jobs/" + job).body;
            if (done(body)) return body;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return body;
    }
    std::string waitForState(const std::string& job, const std::string& state,
                             std::chrono::seconds deadline = std::chrono::seconds(60)) {
        return waitForJob(job, [&](const std::string& body) { return field(body, "state") == state; }, deadline);
    }

    /// A top-level string or number field of a JSON object, as text ("" when absent).
    static std::string field(const std::string& json, const std::string& name) {
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        if (parser.parse(json).get(root) != simdjson::SUCCESS) return "";
        simdjson::dom::element value;
        if (root[name].get(value) != simdjson::SUCCESS) return "";
        std::string_view text;
        if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
        return simdjson::minify(value);
    }
    static int64_t number(const std::string& json, const std::string& name) {
        std::string text = field(json, name);
        return text.empty() ? -1 : static_cast<int64_t>(std::stod(text));
    }

private:
    std::unique_ptr<server::JobManager> manager_;
    std::unique_ptr<server::RestServer> http_;
    std::unique_ptr<httplib::Client> client_;
    std::string token_;
};

}  // namespace ferris::testing
