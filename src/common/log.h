#pragma once

#include <fmt/format.h>

#include <atomic>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferris {

enum class LogLevel : uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat : uint8_t { kText, kJson };

/// Process-wide logger writing one line per event to stderr: text
/// (`2026-11-27T09:08:54.509Z WARN  [job] message`) or JSON lines
/// (`{"time":…,"level":"warn","job":…,"message":…}`). Every line names its job (or "-"
/// outside one). A job may have a level of its own. Thread-safe; lines never interleave.
class Log {
public:
    static void setLevel(LogLevel level);
    static LogLevel level();
    static void setFormat(LogFormat format);
    /// A level for one job's lines, over the process level.
    static void setJobLevel(std::string_view job, LogLevel level);
    static bool enabled(LogLevel level) { return level >= level_.load(std::memory_order_relaxed); }
    static bool enabled(LogLevel level, std::string_view job) {
        if (!jobLevels_.load(std::memory_order_relaxed)) return enabled(level);
        return level >= levelOf(job);
    }
    static void write(LogLevel level, std::string_view job, std::string_view message);
    static Result<LogLevel> parseLevel(std::string_view text);
    /// `--log-level`: a level, then optional `job=level` overrides, comma-separated
    /// (`info,large_trades=debug`).
    static Status configure(std::string_view spec);
    static Result<LogFormat> parseFormat(std::string_view text);

private:
    static LogLevel levelOf(std::string_view job);

    static std::atomic<LogLevel> level_;
    static std::atomic<bool> jobLevels_;
};

}  // namespace ferris

#define FERRIS_LOG(level, job, ...)                                        \
    do {                                                                   \
        if (::ferris::Log::enabled(level, job)) {                          \
            ::ferris::Log::write(level, job, fmt::format(__VA_ARGS__));    \
        }                                                                  \
    } while (0)
#define FERRIS_LOG_INFO(job, ...) FERRIS_LOG(::ferris::LogLevel::kInfo, job, __VA_ARGS__)
#define FERRIS_LOG_WARN(job, ...) FERRIS_LOG(::ferris::LogLevel::kWarn, job, __VA_ARGS__)
#define FERRIS_LOG_ERROR(job, ...) FERRIS_LOG(::ferris::LogLevel::kError, job, __VA_ARGS__)
#define FERRIS_LOG_DEBUG(job, ...) FERRIS_LOG(::ferris::LogLevel::kDebug, job, __VA_ARGS__)
