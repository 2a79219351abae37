#include "runtime/adaptive_batch.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace ferris::runtime {
namespace {

/// A batch of n records costs perBatch + perRecord·n µs.
int64_t cost(size_t n, int64_t perBatch, int64_t perRecord) {
    return perBatch + perRecord * static_cast<int64_t>(n);
}

TEST(AdaptiveBatchSizerTest, ASteadyLoadSettlesWhereABatchTakesTheTarget) {
    // 20 ms target, 2 ms per batch and 15 µs per record: a + b·n = target at n = 1200.
    AdaptiveBatchSizer sizer(16, 20'000, 1'000'000);
    std::vector<size_t> sizes;
    for (int i = 0; i < 60; ++i) {
        size_t n = sizer.size();
        sizer.observe(n, cost(n, 2'000, 15), /*full=*/true);
        sizes.push_back(sizer.size());
    }
    // Doubling from 16 while small batches look dear per record (32, 64, 128), then closing
    // in on 1200 as the smoothed cost falls: never down, never past it.
    EXPECT_EQ(sizes[0], 32u);
    EXPECT_EQ(sizes[2], 128u);
    for (size_t i = 1; i < sizes.size(); ++i) EXPECT_GE(sizes[i], sizes[i - 1]);
    for (size_t size : sizes) EXPECT_LE(size, 1201u);
    EXPECT_NEAR(static_cast<double>(sizes.back()), 1200.0, 1.0);
}

TEST(AdaptiveBatchSizerTest, ABurstyLoadIsFollowedWithinBoundsAndQuietSpellsDoNotGrowIt) {
    AdaptiveBatchSizer sizer(1000, 10'000, 1'000'000);
    // Backlog at 10 µs a record: 1000 is already right.
    for (int i = 0; i < 20; ++i) sizer.observe(sizer.size(), cost(sizer.size(), 0, 10), true);
    EXPECT_EQ(sizer.size(), 1000u);
    // A burst of records five times dearer: the size falls, at most halving per batch, to 200.
    size_t before = sizer.size();
    for (int i = 0; i < 40; ++i) {
        sizer.observe(sizer.size(), cost(sizer.size(), 0, 50), true);
        EXPECT_GE(sizer.size(), before / 2);
        before = sizer.size();
    }
    EXPECT_EQ(sizer.size(), 200u);
    // A quiet spell: cheap records, batches closed by the timeout with 5 records each. The
    // cost estimate falls, yet the size does not grow.
    for (int i = 0; i < 40; ++i) sizer.observe(5, cost(5, 0, 1), false);
    EXPECT_EQ(sizer.size(), 200u);
    EXPECT_NEAR(sizer.costMicros(), 1.0, 0.01);
    // The backlog comes back, cheap: full batches grow it, at most doubling each time.
    before = sizer.size();
    for (int i = 0; i < 10; ++i) {
        sizer.observe(sizer.size(), cost(sizer.size(), 0, 1), true);
        EXPECT_LE(sizer.size(), before * 2);
        before = sizer.size();
    }
    EXPECT_EQ(sizer.size(), 10'000u);
}

TEST(AdaptiveBatchSizerTest, TheSizeStaysWithinItsBounds) {
    AdaptiveBatchSizer costly(4, 1'000, 100);
    for (int i = 0; i < 20; ++i) costly.observe(costly.size(), 1'000'000, true);
    EXPECT_EQ(costly.size(), 1u);  // a record costs more than the target: one at a time
    AdaptiveBatchSizer free(4, 1'000, 100);
    for (int i = 0; i < 20; ++i) free.observe(free.size(), 0, true);
    EXPECT_EQ(free.size(), 100u);  // nothing measurable: doubling up to the maximum
    AdaptiveBatchSizer empty(50, 1'000, 100);
    empty.observe(0, 5'000, false);  // an empty batch says nothing
    EXPECT_EQ(empty.size(), 50u);
    EXPECT_LT(empty.costMicros(), 0);
}

}  // namespace
}  // namespace ferris::runtime
