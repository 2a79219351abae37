// CircuitBreaker (src/runtime/circuit_breaker.h): closed → open after failures in a row or a
// failure rate, open → half-open after open_timeout, half-open → closed after successful
// probes or back to open on a failed one.

#include "runtime/circuit_breaker.h"

#include <gtest/gtest.h>

namespace ferris::runtime {
namespace {

using State = CircuitBreaker::State;
constexpr int64_t kSecond = 1'000'000;

CircuitBreakerConfig config(int failures, double rate = 0, int successes = 1) {
    CircuitBreakerConfig out;
    out.enabled = true;
    out.failureThreshold = failures;
    out.failureRate = rate;
    out.openTimeoutMicros = 10 * kSecond;
    out.successThreshold = successes;
    return out;
}

TEST(CircuitBreakerTest, OpensAfterFailuresInARow) {
    CircuitBreaker breaker(config(3));
    breaker.recordFailure(0);
    breaker.recordFailure(0);
    breaker.recordSuccess();  // a success ends the run
    breaker.recordFailure(0);
    breaker.recordFailure(0);
    EXPECT_EQ(breaker.state(), State::kClosed);
    EXPECT_TRUE(breaker.allows(0));
    breaker.recordFailure(5 * kSecond);
    EXPECT_EQ(breaker.state(), State::kOpen);
    EXPECT_EQ(breaker.opened(), 1);
    EXPECT_EQ(breaker.reopensAtMicros(), 15 * kSecond);
}

TEST(CircuitBreakerTest, OpenUntilTheTimeoutThenAProbeClosesIt) {
    CircuitBreaker breaker(config(1, 0, 2));
    breaker.recordFailure(kSecond);
    EXPECT_FALSE(breaker.allows(kSecond));
    EXPECT_FALSE(breaker.allows(11 * kSecond - 1));
    EXPECT_EQ(breaker.state(), State::kOpen);
    EXPECT_TRUE(breaker.allows(11 * kSecond));
    EXPECT_EQ(breaker.state(), State::kHalfOpen);
    breaker.recordSuccess();
    EXPECT_EQ(breaker.state(), State::kHalfOpen);  // success_threshold 2
    breaker.recordSuccess();
    EXPECT_EQ(breaker.state(), State::kClosed);
    EXPECT_EQ(breaker.opened(), 1);
}

TEST(CircuitBreakerTest, AFailedProbeOpensItAgain) {
    CircuitBreaker breaker(config(2, 0, 3));
    breaker.recordFailure(0);
    breaker.recordFailure(0);
    EXPECT_TRUE(breaker.allows(10 * kSecond));
    breaker.recordSuccess();
    breaker.recordFailure(12 * kSecond);  // one failed probe is enough
    EXPECT_EQ(breaker.state(), State::kOpen);
    EXPECT_EQ(breaker.opened(), 2);
    EXPECT_FALSE(breaker.allows(21 * kSecond));
    EXPECT_TRUE(breaker.allows(22 * kSecond));
}

TEST(CircuitBreakerTest, OpensOnAFailureRateOnceEnoughRoundsAreKnown) {
    // Half of the rounds fail, never two in a row: the rate opens it at the 10th round.
    CircuitBreaker breaker(config(5, 0.5));
    for (int i = 0; i < 4; ++i) {
        breaker.recordSuccess();
        breaker.recordFailure(0);
    }
    breaker.recordSuccess();
    EXPECT_EQ(breaker.state(), State::kClosed);  // 9 rounds: too few to judge a rate
    breaker.recordFailure(0);
    EXPECT_EQ(breaker.state(), State::kOpen);
}

TEST(CircuitBreakerTest, TheRateLooksAtTheLastTwentyRounds) {
    CircuitBreaker breaker(config(100, 0.3));
    for (int i = 0; i < 5; ++i) breaker.recordFailure(0);  // 5 of the first rounds fail …
    for (int i = 0; i < 20; ++i) breaker.recordSuccess();  // … and leave the window
    EXPECT_EQ(breaker.state(), State::kClosed);
    for (int i = 0; i < 5; ++i) breaker.recordFailure(0);
    EXPECT_EQ(breaker.state(), State::kClosed);  // 5 of 20 = 25%
    breaker.recordFailure(0);
    EXPECT_EQ(breaker.state(), State::kOpen);  // 6 of 20 = 30%
}

TEST(CircuitBreakerTest, ClosingForgetsTheFailuresBeforeIt) {
    CircuitBreaker breaker(config(100, 0.5));
    for (int i = 0; i < 10; ++i) breaker.recordFailure(0);
    ASSERT_EQ(breaker.state(), State::kOpen);
    ASSERT_TRUE(breaker.allows(10 * kSecond));
    breaker.recordSuccess();
    ASSERT_EQ(breaker.state(), State::kClosed);
    for (int i = 0; i < 5; ++i) breaker.recordFailure(0);
    EXPECT_EQ(breaker.state(), State::kClosed);  // 5 rounds: too few for a rate
}

TEST(CircuitBreakerTest, StateNames) {
    EXPECT_EQ(CircuitBreaker::stateName(State::kClosed), "closed");
    EXPECT_EQ(CircuitBreaker::stateName(State::kOpen), "open");
    EXPECT_EQ(CircuitBreaker::stateName(State::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace ferris::runtime
