#include "common/log.h"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace ferris {

std::atomic<LogLevel> Log::level_{LogLevel::kInfo};
std::atomic<bool> Log::jobLevels_{false};

namespace {

std::atomic<LogFormat> gFormat{LogFormat::kText};
std::shared_mutex gJobLevelsMutex;
std::map<std::string, LogLevel, std::less<>> gJobLevels;

void appendJsonString(std::string_view text, std::string& out) {
    out += '"';
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (byte < 0x20) {
            out += fmt::format("\\u{:04x}", byte);
        } else {
            out += c;
        }
    }
    out += '"';
}

}  // namespace

void Log::setFormat(LogFormat format) { gFormat.store(format); }

void Log::setJobLevel(std::string_view job, LogLevel level) {
    std::unique_lock lock(gJobLevelsMutex);
    gJobLevels[std::string(job)] = level;
    jobLevels_.store(true);
}

LogLevel Log::levelOf(std::string_view job) {
    std::shared_lock lock(gJobLevelsMutex);
    auto found = gJobLevels.find(job);
    return found != gJobLevels.end() ? found->second : level_.load(std::memory_order_relaxed);
}

Result<LogFormat> Log::parseFormat(std::string_view text) {
    if (text == "text") return LogFormat::kText;
    if (text == "json") return LogFormat::kJson;
    return Status::user(ErrorCode::kInvalidValue, fmt::format("unknown log format '{}' (expected text or json)", text));
}

Status Log::configure(std::string_view spec) {
    size_t start = 0;
    bool first = true;
    while (start <= spec.size()) {
        size_t comma = spec.find(',', start);
        std::string_view part = spec.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        size_t equals = part.find('=');
        if (equals == std::string_view::npos) {
            if (!first) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("log level '{}': only the first item may be a bare level; the others "
                                                "are job=level",
                                                part));
            }
            auto level = parseLevel(part);
            if (!level.isOk()) return level.status();
            setLevel(level.value());
        } else {
            auto level = parseLevel(part.substr(equals + 1));
            if (!level.isOk()) return level.status();
            if (equals == 0) return Status::user(ErrorCode::kInvalidValue, fmt::format("'{}' names no job", part));
            setJobLevel(part.substr(0, equals), level.value());
        }
        first = false;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return Status::ok();
}

void Log::setLevel(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
LogLevel Log::level() { return level_.load(std::memory_order_relaxed); }

Result<LogLevel> Log::parseLevel(std::string_view text) {
    if (text == "trace") return LogLevel::kTrace;
    if (text == "debug") return LogLevel::kDebug;
    if (text == "info") return LogLevel::kInfo;
    if (text == "warn") return LogLevel::kWarn;
    if (text == "error") return LogLevel::kError;
    if (text == "off") return LogLevel::kOff;
    return Status::user(ErrorCode::kInvalidValue,
                        fmt::format("unknown log level '{}' (expected trace, debug, info, warn, error or off)", text));
}

void Log::write(LogLevel level, std::string_view job, std::string_view message) {
    static std::mutex mutex;
    static constexpr const char* kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"};
    auto now = std::chrono::system_clock::now();
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::string time = fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", utc.tm_year + 1900,
                                   utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                                   static_cast<int>(millis % 1000));
    std::string line;
    if (gFormat.load() == LogFormat::kJson) {
        static constexpr const char* kLower[] = {"trace", "debug", "info", "warn", "error", "off"};
        line = fmt::format("{{\"time\":\"{}\",\"level\":\"{}\",\"job\":", time, kLower[static_cast<int>(level)]);
        appendJsonString(job.empty() ? "-" : job, line);
        line += ",\"message\":";
        appendJsonString(message, line);
        line += "}\n";
    } else {
        line = fmt::format("{} {:5} [{}] {}\n", time, kNames[static_cast<int>(level)], job.empty() ? "-" : job,
                           message);
    }
    std::lock_guard lock(mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace ferris
