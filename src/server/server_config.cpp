#include "server/server_config.h"

#include <cstdlib>

#include <fmt/format.h>

#include "common/closest_name.h"
#include "common/yaml_config.h"
#include "runtime/job_config.h"
#include "types/number_text.h"

namespace ferris::server {

namespace {

const std::vector<std::string>& serverKeys() {
    static const std::vector<std::string> keys = {"server.listen",   "server.auth_token",     "server.max_jobs",
                                                  "server.stall_timeout", "server.max_body_bytes", "log.level",
                                                  "log.format"};
    return keys;
}

bool setInteger(const std::string& value, int64_t& out) { return types::parseInt64(value, out) && out >= 0; }

/// Applies one key; `from` names where it came from for messages.
Status apply(ServerConfig& config, const std::string& key, const std::string& value, const std::string& from) {
    auto invalid = [&](const char* expected) {
        return Status::user(ErrorCode::kInvalidValue,
                            fmt::format("{}: '{}' = '{}' is not valid: expected {}", from, key, value, expected));
    };
    if (key == "server.listen") {
        config.listen = value;
    } else if (key == "server.auth_token") {
        config.authToken = value;
    } else if (key == "server.max_jobs") {
        if (!setInteger(value, config.maxJobs) || config.maxJobs == 0) return invalid("a positive integer");
    } else if (key == "server.max_body_bytes") {
        if (!setInteger(value, config.maxBodyBytes) || config.maxBodyBytes == 0) return invalid("a positive integer");
    } else if (key == "server.stall_timeout") {
        char* end = nullptr;
        double seconds = std::strtod(value.c_str(), &end);
        std::string unit = end != nullptr ? std::string(end) : "";
        if (unit == "ms") seconds /= 1000;
        else if (unit == "m") seconds *= 60;
        else if (!unit.empty() && unit != "s") return invalid("a duration: 300s, 5m, 500ms (0 = never)");
        if (end == value.c_str() || seconds < 0) return invalid("a duration: 300s, 5m, 500ms (0 = never)");
        config.stallTimeoutSeconds = seconds;
    } else if (key == "log.level") {
        config.logLevel = value;
    } else if (key == "log.format") {
        if (value != "text" && value != "json") return invalid("text or json");
        config.logFormat = value;
    } else if (key.starts_with("jobs.")) {
        std::string jobKey = key.substr(5);
        if (!runtime::isJobKey(jobKey)) {
            return Status::user(ErrorCode::kUnknownKey,
                                fmt::format("{}: unknown job key '{}'{}", from, key,
                                            didYouMean(jobKey, runtime::jobKeyNames())));
        }
        config.jobDefaults.add({jobKey, value, fmt::format("{} ({})", key, from), {}});
    } else if (key.starts_with("kafka.")) {
        config.kafkaDefaults.emplace_back(key.substr(6), value);
    } else {
        std::vector<std::string> known = serverKeys();
        known.push_back("jobs.<job key>");
        known.push_back("kafka.<connector key>");
        known.push_back("profiles.<name>.<key>");
        return Status::user(ErrorCode::kUnknownKey,
                            fmt::format("{}: unknown key '{}'{}", from, key, didYouMean(key, known)));
    }
    return Status::ok();
}

}  // namespace

Result<ServerConfig> loadServerConfig(const std::filesystem::path& file, std::string profile,
                                      std::vector<Status>& errors) {
    ServerConfig config;
    std::vector<std::pair<std::string, std::string>> entries;
    if (!file.empty()) {
        auto loaded = loadYamlConfig(file);
        if (!loaded.isOk()) {
            errors.push_back(loaded.status());
            return loaded.status();
        }
        entries = std::move(loaded).value();
        config.file = file.filename().string();
    }
    if (profile.empty()) {
        if (const char* chosen = std::getenv("FERRIS_PROFILE")) profile = chosen;
    }
    std::string from = file.empty() ? "server configuration" : file.filename().string();
    bool profileFound = profile.empty();
    std::vector<std::string> profiles;
    // The file's own keys, then the profile's over them.
    for (const auto& [key, value] : entries) {
        if (key.starts_with("profiles.")) continue;
        Status status = apply(config, key, value, from);
        if (!status.isOk()) errors.push_back(status);
    }
    for (const auto& [key, value] : entries) {
        if (!key.starts_with("profiles.")) continue;
        std::string rest = key.substr(9);
        auto dot = rest.find('.');
        std::string name = rest.substr(0, dot);
        if (std::find(profiles.begin(), profiles.end(), name) == profiles.end()) profiles.push_back(name);
        if (dot == std::string::npos) continue;
        if (name != profile) {
            // Checked even when not chosen, so a bad key never waits for its day.
            ServerConfig scratch;
            Status status = apply(scratch, rest.substr(dot + 1), value, fmt::format("{} (profile {})", from, name));
            if (!status.isOk()) errors.push_back(status);
            continue;
        }
        profileFound = true;
        Status status = apply(config, rest.substr(dot + 1), value, fmt::format("{} (profile {})", from, name));
        if (!status.isOk()) errors.push_back(status);
    }
    if (!profileFound) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      fmt::format("profile '{}' is not in {}{}", profile, from,
                                                  didYouMean(profile, profiles))));
    }
    // FERRIS_<KEY> for the server's own keys.
    for (const auto& key : serverKeys()) {
        std::string variable = runtime::environmentName(key);
        if (const char* value = std::getenv(variable.c_str())) {
            Status status = apply(config, key, value, variable + " (environment)");
            if (!status.isOk()) errors.push_back(status);
        }
    }
    if (!errors.empty()) return errors.front();
    return config;
}

}  // namespace ferris::server
