#pragma once

// Helpers for tests against the real broker of scripts/kafka.sh ($FERRIS_KAFKA_BOOTSTRAP):
// topics, producing and reading back records, and running SQL apps in-process.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ferris::testing {

/// The broker address; fails the calling test when it is not set (never skips).
std::string kafkaBootstrap();

/// A topic name no other test uses.
std::string uniqueTopic(const std::string& stem);

struct TestRecord {
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    int64_t timestampMs = 0;  ///< 0: let the producer stamp it
    int32_t partition = -1;   ///< producing: -1 = by key; read back: where it was
    int64_t offset = -1;
};

/// Creates a topic (fails the test on error), on `bootstrap` or else $FERRIS_KAFKA_BOOTSTRAP.
void createTopic(const std::string& topic, int partitions,
                 const std::vector<std::pair<std::string, std::string>>& configs = {},
                 const std::string& bootstrap = "");
/// Deletes a topic (fails the test on error); the broker removes it in the background.
void deleteTopic(const std::string& topic);
/// Produces records and waits for every delivery report (fails the test on error).
void produce(const std::string& topic, const std::vector<TestRecord>& records, const std::string& bootstrap = "");
/// Reads every committed record of `topic` (read_committed), up to the end offsets now.
std::vector<TestRecord> consumeAll(const std::string& topic, const std::string& bootstrap = "");

/// Joins consumer group `group` on `topic` (a rebalance for its other members), waits for
/// its assignment, and returns the group's committed offset of each of the topic's
/// `partitions` partitions (-1 when none) as seen after the rebalance. `strategy`: its
/// partition.assignment.strategy (librdkafka's default when empty).
std::vector<int64_t> joinAndReadCommitted(const std::string& group, const std::string& topic,
                                          int partitions, const std::string& strategy = "");

/// The Java client's partition for a key: toPositive(murmur2(key)) % partitions.
int32_t javaPartition(std::string_view key, int32_t partitions);

/// What running an app gave: its status and its jobs' metrics text.
struct AppRun {
    Status status;
    std::string metrics;
};
/// Writes `sql` to `dir`/app.sql and runs every job until they end, or until `stopWhen`
/// (checked each tick with the metrics text) returns true.
AppRun runApp(const std::string& sql, const std::filesystem::path& dir,
              const std::function<bool(const std::string& metrics)>& stopWhen = {});
/// The value of one metric line (`name{labels}`) in a metrics text; -1 when absent.
int64_t metricValue(const std::string& metrics, const std::string& name);

}  // namespace ferris::testing
