#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "server/job_manager.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace ferris::server {

struct RestOptions {
    std::string host = "127.0.0.1";
    int port = 8080;  ///< 0 = any free port (see RestServer::port())
    /// When set, every request but /health and /ready needs `Authorization: Bearer <token>`.
    std::string authToken;
    size_t maxBodyBytes = 1 << 20;
};

class RestServer;

/// One route of the REST API (§1.5), as the OpenAPI document names it, and its handler. The
/// server registers exactly these: `{name}` matches one path segment, a trailing `{key}` the rest.
struct Route {
    using Handler = void (RestServer::*)(const httplib::Request&, httplib::Response&);
    const char* method;  ///< GET, POST, DELETE
    const char* path;    ///< e.g. /jobs/{name}/pause
    Handler handler;
};
/// Every route the server serves; /openapi.json documents exactly these (checked by a test).
const std::vector<Route>& restRoutes();
/// The OpenAPI 3.0 document served at /openapi.json.
const std::string& openApiDocument();

/// The HTTP server of `ferris-sql-multi`: the REST API, /metrics, /health, /ready and
/// /openapi.json on one port, served by its own threads (§2.1).
class RestServer {
public:
    RestServer(JobManager& manager, RestOptions options);
    ~RestServer();

    /// Binds the port and starts serving on a thread of its own.
    Status start();
    void stop();
    int port() const { return port_; }

private:
    friend const std::vector<Route>& restRoutes();

    void routeAll();
    void health(const httplib::Request& request, httplib::Response& response);
    void ready(const httplib::Request& request, httplib::Response& response);
    void openApi(const httplib::Request& request, httplib::Response& response);
    void metrics(const httplib::Request& request, httplib::Response& response);
    void deployApp(const httplib::Request& request, httplib::Response& response);
    void listJobs(const httplib::Request& request, httplib::Response& response);
    void getJob(const httplib::Request& request, httplib::Response& response);
    void deleteJob(const httplib::Request& request, httplib::Response& response);
    void pauseJob(const httplib::Request& request, httplib::Response& response);
    void resumeJob(const httplib::Request& request, httplib::Response& response);
    void stopJob(const httplib::Request& request, httplib::Response& response);
    void restartJob(const httplib::Request& request, httplib::Response& response);
    void replayDlq(const httplib::Request& request, httplib::Response& response);
    void lookupTable(const httplib::Request& request, httplib::Response& response);
    /// Runs `action` on the job named by the path's first parameter and answers with its status.
    void answerWithJob(const httplib::Request& request, httplib::Response& response, Status (JobHost::*action)());

    JobManager& manager_;
    RestOptions options_;
    std::unique_ptr<httplib::Server> http_;
    std::thread thread_;
    int port_ = 0;
};

/// Prometheus text of the server: every job's metrics, its state and CPU time, and the
/// process's RSS, CPU seconds and threads.
std::string renderServerMetrics(const JobManager& manager);

}  // namespace ferris::server
