#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"

namespace ferris::connectors::kafka {

/// librdkafka settings in the order they are applied (later ones win).
using Settings = std::vector<std::pair<std::string, std::string>>;

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

/// Keys that may be given without the `kafka.` prefix (§1.2); prefixes end with '.'.
const std::vector<std::string>& shorthandKeys();
/// True when `key` (without the connector name) is a librdkafka key: `kafka.<k>` or a
/// shorthand.
bool isClientKey(std::string_view key);
/// The librdkafka settings a declaration gives: `kafka.<k>` and the shorthands, in order.
Settings clientSettingsOf(const plan::ConnectorDecl& decl);
/// Checks one librdkafka key and value with librdkafka itself; its message on failure.
Status checkClientSetting(const plan::Property& property, const std::string& owner);

/// A configuration with `settings` applied; a refused key is an error naming it.
Result<ConfPtr> makeConf(const Settings& settings, const std::string& owner);
/// A client from `conf` (taken over on success).
Result<HandlePtr> makeHandle(rd_kafka_type_t type, ConfPtr conf, const std::string& owner);

/// What a client's opaque points at: the job it serves (for log lines) and its owner.
struct ClientContext {
    std::string job;
    void* owner = nullptr;
    /// Errors the client reported through errorCallback (it retries them by itself).
    std::atomic<int64_t> errors{0};
    /// errorCallback's log throttle (it runs on the thread serving the client's events).
    int lastLoggedError = 0;
    int64_t lastLoggedMicros = 0;
};

/// Routes librdkafka's log lines to the project log under the job's name (the client's
/// opaque is a ClientContext).
void logCallback(const rd_kafka_t* handle, int level, const char* facility, const char* message);

/// Counts and logs the errors a client reports by itself — broker down, transport,
/// authentication — under the job's name (the client's opaque is a ClientContext).
void errorCallback(rd_kafka_t* handle, int error, const char* reason, void* opaque);
/// Sets the ClientContext `context` as `conf`'s opaque with logCallback and errorCallback.
void routeEvents(rd_kafka_conf_t* conf, ClientContext& context);

/// The number of partitions of `topic`; a missing topic is an error saying so.
Result<int> partitionCount(rd_kafka_t* handle, const std::string& topic, std::chrono::milliseconds timeout);

/// Creates `topic` through the Admin API. An existing topic is not an error.
Status createTopic(rd_kafka_t* handle, const std::string& topic, int partitions, int replicationFactor,
                   const Settings& configs, std::chrono::milliseconds timeout);

/// The value of one config of `topic` (DescribeConfigs): what the broker applies, its
/// default included.
Result<std::string> topicConfig(rd_kafka_t* handle, const std::string& topic,
                                const std::string& name, std::chrono::milliseconds timeout);

/// `error` as text: its name and librdkafka's description.
std::string describeError(rd_kafka_resp_err_t error);

/// True when a record whose delivery failed with `error` may be delivered if sent again: the
/// broker or its leader unreachable, a timeout, a topic or partition missing (for now), too
/// few replicas. False for a record the broker refuses (too large, corrupt, not authorised).
bool retryableDelivery(rd_kafka_resp_err_t error);

}  // namespace ferris::connectors::kafka
