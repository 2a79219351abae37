#pragma once

#include <fmt/format.h>

#include <atomic>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferris {

enum class LogLevel : uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

/// Process-wide logger writing one line per event to stderr. Every line names its job
/// (or "-" outside one). Thread-safe; lines from different threads never interleave.
class Log {
public:
    static void setLevel(LogLevel level);
    static LogLevel level();
    static bool enabled(LogLevel level) { return level >= level_.load(std::memory_order_relaxed); }
    static void write(LogLevel level, std::string_view job, std::string_view message);
    static Result<LogLevel> parseLevel(std::string_view text);

private:
    static std::atomic<LogLevel> level_;
};

}  // namespace ferris

#define FERRIS_LOG(level, job, ...)                                        \
    do {                                                                   \
        if (::ferris::Log::enabled(level)) {                               \
            ::ferris::Log::write(level, job, fmt::format(__VA_ARGS__));    \
        }                                                                  \
    } while (0)
#define FERRIS_LOG_INFO(job, ...) FERRIS_LOG(::ferris::LogLevel::kInfo, job, __VA_ARGS__)
#define FERRIS_LOG_WARN(job, ...) FERRIS_LOG(::ferris::LogLevel::kWarn, job, __VA_ARGS__)
#define FERRIS_LOG_ERROR(job, ...) FERRIS_LOG(::ferris::LogLevel::kError, job, __VA_ARGS__)
#define FERRIS_LOG_DEBUG(job, ...) FERRIS_LOG(::ferris::LogLevel::kDebug, job, __VA_ARGS__)
