#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ferris::runtime {

/// The circuit breaker's settings (`circuit.breaker.*` job keys).
struct CircuitBreakerConfig {
    bool enabled = false;
    int failureThreshold = 5;  ///< failed rounds in a row that open it
    double failureRate = 0;    ///< a failure rate (0, 1] over the last kRateWindow rounds; 0 = none
    int64_t openTimeoutMicros = 30'000'000;  ///< how long it stays open before a probe
    int successThreshold = 1;                ///< successful probes that close it again
};

/// A circuit breaker around a job's sink (§1.4). The job reports the outcome of each round of
/// deliveries — a commit's output, or a retry of it — as a success or a failure.
///
/// - **Closed** (normal): it opens after failure_threshold failed rounds in a row, or when
///   at least kRateMinimum rounds are known and failure_rate of the last kRateWindow failed.
/// - **Open**: the job reads nothing (the sink is given a rest); after open_timeout it turns
///   half-open.
/// - **Half-open**: the job reads again; its next rounds are probes. success_threshold
///   successes close the breaker; a failure opens it again for open_timeout.
///
/// Times are the job clock's. Used by the job's driver thread only.
class CircuitBreaker {
public:
    enum class State : uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
    static constexpr size_t kRateWindow = 20;
    static constexpr size_t kRateMinimum = 10;

    explicit CircuitBreaker(CircuitBreakerConfig config) : config_(config) {}

    /// Whether the sink may be used at `nowMicros`: an open breaker whose open_timeout has
    /// passed turns half-open (true).
    bool allows(int64_t nowMicros);
    void recordSuccess();
    void recordFailure(int64_t nowMicros);

    State state() const { return state_; }
    /// When an open breaker turns half-open.
    int64_t reopensAtMicros() const { return openedAtMicros_ + config_.openTimeoutMicros; }
    /// Times it opened.
    int64_t opened() const { return opened_; }

    static std::string_view stateName(State state);

private:
    void open(int64_t nowMicros);

    CircuitBreakerConfig config_;
    State state_ = State::kClosed;
    int consecutiveFailures_ = 0;
    int probeSuccesses_ = 0;
    std::vector<bool> window_;  ///< the last rounds' outcomes (true = failed), a ring
    size_t next_ = 0;           ///< where the next outcome goes in window_
    int64_t openedAtMicros_ = 0;
    int64_t opened_ = 0;
};

}  // namespace ferris::runtime
