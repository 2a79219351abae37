#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"

namespace ferris::server {

/// The server's settings (§1.2 precedence, highest first: command-line option > FERRIS_<KEY>
/// environment > the profile's keys > the file's keys > built-in default).
struct ServerConfig {
    std::string listen = "127.0.0.1:8080";  ///< server.listen
    std::string authToken;                  ///< server.auth_token
    int64_t maxJobs = 100;                  ///< server.max_jobs
    double stallTimeoutSeconds = 300;       ///< server.stall_timeout (seconds; 0 = never)
    int64_t maxBodyBytes = 1 << 20;         ///< server.max_body_bytes
    std::string logLevel = "info";          ///< log.level (a level, then job=level overrides)
    std::string logFormat = "text";         ///< log.format
    /// jobs.<key>: job-level key defaults for every deployed job (below FERRIS_<KEY>).
    plan::PropertyList jobDefaults;
    /// kafka.<key>: connector keys for every Kafka source and sink that does not set them.
    std::vector<std::pair<std::string, std::string>> kafkaDefaults;
    /// Where each setting came from, for messages ("ferris.yaml", "FERRIS_SERVER_LISTEN").
    std::string file;
};

/// Reads the configuration file (none: defaults), applies `profile`'s keys over the file's
/// (`profiles.<name>.<key>`; empty: FERRIS_PROFILE, else none), then FERRIS_<KEY>
/// environment variables. Every key is checked; errors name the key and the file.
Result<ServerConfig> loadServerConfig(const std::filesystem::path& file, std::string profile,
                                      std::vector<Status>& errors);

}  // namespace ferris::server
