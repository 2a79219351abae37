// When the Kafka source wakes librdkafka's fetchers: once the prefetch queue came near its cap
// (≥ ¾ before or after a poll, estimated from its message count and the poll's average value
// size) and then drained to half or less, once per fill. The wake-up itself is tested on the
// real broker (KafkaJobTest.ASmallPrefetchCapIsRefilledInOrderWithoutLoss).

#include "connectors/kafka_fetch_wakeup.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

namespace ferris::connectors::kafka {
namespace {

TEST(FetchWakeupTest, WakesOnceAfterAFillDrainedByHalf) {
    FetchWakeup wakeup(100'000);  // 100 kB cap
    // 100-byte values: 1000 queued messages are the whole cap.
    EXPECT_FALSE(wakeup.due(410, 10, 1000, 400));  // 41 % at most: never filled, nothing to wake
    EXPECT_FALSE(wakeup.due(810, 10, 1000, 800));  // 81 %: filled
    EXPECT_FALSE(wakeup.due(610, 10, 1000, 600));  // 60 % left: still above half
    EXPECT_TRUE(wakeup.due(510, 10, 1000, 500));   // 50 % left: wake
    EXPECT_FALSE(wakeup.due(110, 10, 1000, 100));  // already woken for this fill
    EXPECT_FALSE(wakeup.due(0, 0, 0, 0));
    EXPECT_FALSE(wakeup.due(750, 10, 1000, 740));  // 75 % before the poll: filled again
    EXPECT_TRUE(wakeup.due(0, 0, 0, 0));           // an empty poll after a fill: wake
    EXPECT_EQ(wakeup.wakeups(), 0);                // due() only decides; wake() counts
}

TEST(FetchWakeupTest, APollThatTakesTheWholeFullQueueStillWakes) {
    FetchWakeup wakeup(100'000);
    EXPECT_TRUE(wakeup.due(1000, 1000, 100'000, 0));  // the queue was full before the poll
}

TEST(FetchWakeupTest, EstimatesTheQueueFromTheLastPollsValueSize) {
    FetchWakeup wakeup(100'000);
    EXPECT_FALSE(wakeup.due(90, 10, 10'000, 80));   // 1000-byte values: 80 % left
    EXPECT_FALSE(wakeup.due(610, 10, 1'000, 600));  // now 100-byte values: 60 %
    EXPECT_TRUE(wakeup.due(400, 0, 0, 400));        // an empty poll keeps the last average: 40 %
}

TEST(FetchWakeupTest, TakesTheCapFromTheConsumerConfiguration) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[256];
    ASSERT_EQ(rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "2", error, sizeof(error)),
              RD_KAFKA_CONF_OK);
    FetchWakeup wakeup;
    wakeup.configure(conf);
    rd_kafka_conf_destroy(conf);
    EXPECT_FALSE(wakeup.due(17, 1, 100, 16));  // 1600 of 2048 bytes: 78 %
    EXPECT_TRUE(wakeup.due(11, 1, 100, 10));   // 1000 bytes: 49 %
}

TEST(FetchWakeupTest, NoCapNeverWakes) {
    FetchWakeup wakeup;
    EXPECT_FALSE(wakeup.due(1'000'000, 10, 1000, 1'000'000));
    EXPECT_FALSE(wakeup.due(0, 0, 0, 0));
}

}  // namespace
}  // namespace ferris::connectors::kafka
