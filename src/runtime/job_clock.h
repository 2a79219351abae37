#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ferris::runtime {

/// The time a job runs on (§2.1): wall clock in `run` and `serve`, virtual in the SQL test
/// runner. Drives _processing_time, NOW(), batch.timeout, commit.interval, idle timeouts
/// and DLQ times. Microseconds since the epoch.
class JobClock {
public:
    virtual ~JobClock() = default;
    virtual int64_t nowMicros() const = 0;
};

class WallClock final : public JobClock {
public:
    int64_t nowMicros() const override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/// A clock that moves only when told to (`clock +5s` in SQL-file tests). Starts at 0.
class VirtualClock final : public JobClock {
public:
    int64_t nowMicros() const override { return now_.load(std::memory_order_relaxed); }
    void advance(int64_t micros) { now_.fetch_add(micros, std::memory_order_relaxed); }

private:
    std::atomic<int64_t> now_{0};
};

}  // namespace ferris::runtime
