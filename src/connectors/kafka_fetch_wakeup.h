#pragma once

// Keeps librdkafka 2.0's fetcher going under a small prefetch cap. Header-only (librdkafka
// alone), so the raw-librdkafka bench tool relays with the same client behaviour as the engine.
//
// librdkafka 2.0 stops fetching a partition once the consumer's prefetch queue holds
// queued.max.messages.kbytes, and decides again only when that broker's thread wakes: on a
// fetch response, on a request to send, or after a second of nothing. A consumer that drains
// the queue in less than a second then waits for the rest of it; at 117-byte records a job
// starved at any cap under ≈ 24 MiB, and a 24 MiB queue costs ≈ 85 MB of RSS (librdkafka
// keeps ≈ 3.5 bytes per queued value byte).
//
// So once the queue came near its cap (¾, seen before or after a poll; bytes estimated from
// its message count and the last poll's average value size) and has drained to half, a
// ListOffsets request goes to the leader of each partition still read, with timeout 0:
// rd_kafka_offsets_for_times returns at once and librdkafka discards the late answer.
// Queuing the request wakes the broker thread, which finds the queue below its cap and
// fetches again. The cost is one small request per leader per refill. A partition fetched
// from a follower (client.rack) is not woken this way and waits out the second as before.
// librdkafka 2.2 made the wait itself configurable (fetch.queue.backoff.ms).

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace ferris::connectors::kafka {

/// The engine's prefetch cap (queued.max.messages.kbytes) for a Kafka source.
inline constexpr int kDefaultPrefetchKbytes = 8192;

class FetchWakeup {
public:
    FetchWakeup() = default;
    explicit FetchWakeup(int64_t capBytes) : capBytes_(capBytes) {}

    /// Takes the cap from the consumer's configuration (queued.max.messages.kbytes).
    void configure(const rd_kafka_conf_t* conf) {
        char text[32];
        size_t size = sizeof(text);
        if (rd_kafka_conf_get(conf, "queued.max.messages.kbytes", text, &size) ==
            RD_KAFKA_CONF_OK) {
            capBytes_ = std::strtoll(text, nullptr, 10) * 1024;
        }
    }

    /// Around a poll that found `before` messages in the consumer queue, took `consumed` of
    /// them with `valueBytes` of values, and left `after`: whether to wake the fetchers now.
    bool due(size_t before, size_t consumed, size_t valueBytes, size_t after) {
        if (capBytes_ <= 0) return false;
        if (consumed > 0)
            averageValueBytes_ = static_cast<double>(valueBytes) / static_cast<double>(consumed);
        auto bytes = [&](size_t messages) {
            return static_cast<double>(messages) * averageValueBytes_;
        };
        auto cap = static_cast<double>(capBytes_);
        if (bytes(std::max(before, after)) >= 0.75 * cap) filled_ = true;
        if (!filled_ || bytes(after) > 0.5 * cap) return false;
        filled_ = false;
        return true;
    }

    /// Wakes the broker threads leading `partitions` (offsets are overwritten).
    void wake(rd_kafka_t* consumer, rd_kafka_topic_partition_list_t* partitions) {
        if (partitions->cnt == 0) return;
        for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = RD_KAFKA_OFFSET_END;
        (void)rd_kafka_offsets_for_times(consumer, partitions, 0);
        wakeups_.fetch_add(1, std::memory_order_relaxed);
    }

    /// Any thread (metrics).
    int64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

private:
    int64_t capBytes_ = 0;
    double averageValueBytes_ = 0;
    bool filled_ = false;  ///< the queue came near its cap since the last wake-up
    std::atomic<int64_t> wakeups_{0};
};

}  // namespace ferris::connectors::kafka
