#include "common/log.h"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <mutex>

namespace ferris {

std::atomic<LogLevel> Log::level_{LogLevel::kInfo};

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
    std::string line = fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z {:5} [{}] {}\n",
                                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                                   utc.tm_sec, static_cast<int>(millis % 1000), kNames[static_cast<int>(level)],
                                   job.empty() ? "-" : job, message);
    std::lock_guard lock(mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace ferris
