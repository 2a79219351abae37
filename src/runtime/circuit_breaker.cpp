#include "runtime/circuit_breaker.h"

#include <algorithm>

namespace ferris::runtime {

std::string_view CircuitBreaker::stateName(State state) {
    switch (state) {
        case State::kClosed: return "closed";
        case State::kOpen: return "open";
        case State::kHalfOpen: return "half_open";
    }
    return "closed";
}

bool CircuitBreaker::allows(int64_t nowMicros) {
    if (state_ != State::kOpen) return true;
    if (nowMicros < reopensAtMicros()) return false;
    state_ = State::kHalfOpen;
    probeSuccesses_ = 0;
    return true;
}

void CircuitBreaker::recordSuccess() {
    consecutiveFailures_ = 0;
    if (state_ == State::kHalfOpen) {
        if (++probeSuccesses_ >= config_.successThreshold) {
            // Closed afresh: the failures before it opened are history.
            state_ = State::kClosed;
            window_.clear();
            next_ = 0;
        }
        return;
    }
    if (state_ != State::kClosed) return;
    if (window_.size() < kRateWindow) {
        window_.push_back(false);
    } else {
        window_[next_] = false;
        next_ = (next_ + 1) % kRateWindow;
    }
}

void CircuitBreaker::recordFailure(int64_t nowMicros) {
    if (state_ == State::kHalfOpen) {
        open(nowMicros);  // the probe failed
        return;
    }
    if (state_ != State::kClosed) return;
    ++consecutiveFailures_;
    if (window_.size() < kRateWindow) {
        window_.push_back(true);
    } else {
        window_[next_] = true;
        next_ = (next_ + 1) % kRateWindow;
    }
    bool tooMany = consecutiveFailures_ >= config_.failureThreshold;
    if (config_.failureRate > 0 && window_.size() >= kRateMinimum) {
        auto failed = static_cast<double>(std::count(window_.begin(), window_.end(), true));
        tooMany = tooMany || failed / static_cast<double>(window_.size()) >= config_.failureRate;
    }
    if (tooMany) open(nowMicros);
}

void CircuitBreaker::open(int64_t nowMicros) {
    state_ = State::kOpen;
    openedAtMicros_ = nowMicros;
    consecutiveFailures_ = 0;
    probeSuccesses_ = 0;
    ++opened_;
}

}  // namespace ferris::runtime
