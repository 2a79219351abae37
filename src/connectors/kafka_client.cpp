#include "connectors/kafka_client.h"

#include <chrono>

#include <fmt/format.h>

#include "common/log.h"

namespace ferris::connectors::kafka {

const std::vector<std::string>& shorthandKeys() {
    static const std::vector<std::string> keys = {
        "bootstrap.servers", "auto.offset.reset", "group.id",          "security.protocol", "sasl.",
        "ssl.",              "compression.type",  "linger.ms",         "acks",              "message.max.bytes",
        "transaction.timeout.ms",
    };
    return keys;
}

bool isClientKey(std::string_view key) {
    if (key.starts_with("kafka.") && key.size() > 6) return true;
    for (const auto& shorthand : shorthandKeys()) {
        if (shorthand.back() == '.' ? key.starts_with(shorthand) && key.size() > shorthand.size() : key == shorthand) {
            return true;
        }
    }
    return false;
}

Settings clientSettingsOf(const plan::ConnectorDecl& decl) {
    Settings settings;
    for (const auto& property : decl.properties.entries()) {
        if (!isClientKey(property.key)) continue;
        std::string key = property.key.starts_with("kafka.") ? property.key.substr(6) : property.key;
        settings.emplace_back(std::move(key), property.value);
    }
    return settings;
}

Status checkClientSetting(const plan::Property& property, const std::string& owner) {
    std::string key = property.key.starts_with("kafka.") ? property.key.substr(6) : property.key;
    ConfPtr conf(rd_kafka_conf_new());
    char error[512];
    if (rd_kafka_conf_set(conf.get(), key.c_str(), property.value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
        return Status::user(ErrorCode::kInvalidValue,
                            fmt::format("{}: '{}' = '{}' is refused by librdkafka: {}", owner, property.fullKey,
                                        property.value, error),
                            property.location);
    }
    return Status::ok();
}

Result<ConfPtr> makeConf(const Settings& settings, const std::string& owner) {
    ConfPtr conf(rd_kafka_conf_new());
    char error[512];
    for (const auto& [key, value] : settings) {
        if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("{}: librdkafka refuses '{}' = '{}': {}", owner, key, value, error));
        }
    }
    return conf;
}

Result<HandlePtr> makeHandle(rd_kafka_type_t type, ConfPtr conf, const std::string& owner) {
    char error[512];
    rd_kafka_t* handle = rd_kafka_new(type, conf.get(), error, sizeof error);
    if (handle == nullptr) {
        return Status::user(ErrorCode::kConfigError, fmt::format("{}: librdkafka: {}", owner, error));
    }
    (void)conf.release();  // the handle owns it now
    return HandlePtr(handle);
}

void logCallback(const rd_kafka_t* handle, int level, const char* facility, const char* message) {
    const auto* context = static_cast<const ClientContext*>(rd_kafka_opaque(handle));
    std::string_view name = context != nullptr ? std::string_view(context->job) : std::string_view("-");
    // syslog levels: 0-2 critical, 3 errors, 4 warnings, 5-6 notices and info, 7 debug.
    // librdkafka reports a broker going away (which it retries) at level 3: a warning here.
    if (level <= 2) {
        FERRIS_LOG_ERROR(name, "librdkafka {}: {}", facility, message);
    } else if (level <= 4) {
        FERRIS_LOG_WARN(name, "librdkafka {}: {}", facility, message);
    } else if (level <= 6) {
        FERRIS_LOG_INFO(name, "librdkafka {}: {}", facility, message);
    } else {
        FERRIS_LOG_DEBUG(name, "librdkafka {}: {}", facility, message);
    }
}

void errorCallback(rd_kafka_t* handle, int error, const char* reason, void* opaque) {
    auto* context = static_cast<ClientContext*>(opaque);
    std::string_view name = context != nullptr ? std::string_view(context->job) : std::string_view("-");
    if (context != nullptr) context->errors.fetch_add(1, std::memory_order_relaxed);
    auto code = static_cast<rd_kafka_resp_err_t>(error);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        code = rd_kafka_fatal_error(handle, fatal, sizeof fatal);
        FERRIS_LOG_ERROR(name, "kafka client fatal error: {}: {}", rd_kafka_err2name(code), fatal);
    } else if (context != nullptr) {
        // An error_cb replaces librdkafka's own logging of these: logged here, each kind once
        // and then at most every 30 s while it repeats (a broker down reports every retry).
        int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
        if (error != context->lastLoggedError || now - context->lastLoggedMicros >= 30'000'000) {
            context->lastLoggedError = error;
            context->lastLoggedMicros = now;
            FERRIS_LOG_WARN(name, "kafka client error (retried): {}: {}", rd_kafka_err2name(code), reason);
        }
    }
}

void routeEvents(rd_kafka_conf_t* conf, ClientContext& context) {
    rd_kafka_conf_set_opaque(conf, &context);
    rd_kafka_conf_set_log_cb(conf, logCallback);
    rd_kafka_conf_set_error_cb(conf, errorCallback);
}

std::string describeError(rd_kafka_resp_err_t error) {
    return fmt::format("{} ({})", rd_kafka_err2str(error), rd_kafka_err2name(error));
}

Result<int> partitionCount(rd_kafka_t* handle, const std::string& topic, std::chrono::milliseconds timeout) {
    rd_kafka_topic_t* topicHandle = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t error =
        rd_kafka_metadata(handle, 0, topicHandle, &metadata, static_cast<int>(timeout.count()));
    rd_kafka_topic_destroy(topicHandle);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::system(ErrorCode::kIoError,
                              fmt::format("kafka topic {}: metadata request failed: {}", topic, describeError(error)));
    }
    Result<int> result = Status::system(ErrorCode::kIoError, fmt::format("kafka topic {}: no metadata", topic));
    if (metadata->topic_cnt == 1) {
        const rd_kafka_metadata_topic_t& entry = metadata->topics[0];
        if (entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || entry.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
            result = Status::user(ErrorCode::kConfigError, fmt::format("kafka topic {} does not exist", topic));
        } else if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            result = Status::system(ErrorCode::kIoError,
                                    fmt::format("kafka topic {}: {}", topic, describeError(entry.err)));
        } else {
            result = entry.partition_cnt;
        }
    }
    rd_kafka_metadata_destroy(metadata);
    return result;
}

Status createTopic(rd_kafka_t* handle, const std::string& topic, int partitions, int replicationFactor,
                   const Settings& configs, std::chrono::milliseconds timeout) {
    char error[512];
    rd_kafka_NewTopic_t* newTopic =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, replicationFactor, error, sizeof error);
    if (newTopic == nullptr) {
        return Status::user(ErrorCode::kConfigError, fmt::format("kafka topic {}: {}", topic, error));
    }
    for (const auto& [key, value] : configs) {
        if (rd_kafka_NewTopic_set_config(newTopic, key.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_NewTopic_destroy(newTopic);
            return Status::user(ErrorCode::kConfigError,
                                fmt::format("kafka topic {}: bad topic config '{}' = '{}'", topic, key, value));
        }
    }
    rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), error, sizeof error);
    rd_kafka_CreateTopics(handle, &newTopic, 1, options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);
    Status status = Status::system(ErrorCode::kIoError,
                                   fmt::format("kafka topic {}: no answer to the create request", topic));
    if (event != nullptr) {
        if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            status = Status::system(ErrorCode::kIoError, fmt::format("kafka topic {}: creation failed: {}", topic,
                                                                     rd_kafka_event_error_string(event)));
        } else {
            size_t count = 0;
            const rd_kafka_topic_result_t** results =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
            rd_kafka_resp_err_t code = count == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
            if (code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                status = Status::ok();
            } else {
                const char* message = count == 1 ? rd_kafka_topic_result_error_string(results[0]) : nullptr;
                status = Status::user(ErrorCode::kConfigError,
                                      fmt::format("kafka topic {}: creation failed: {}", topic,
                                                  message != nullptr ? message : describeError(code)));
            }
        }
        rd_kafka_event_destroy(event);
    }
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(newTopic);
    return status;
}

Result<std::string> topicConfig(rd_kafka_t* handle, const std::string& topic,
                                const std::string& name, std::chrono::milliseconds timeout) {
    char error[512];
    rd_kafka_ConfigResource_t* resource =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
    rd_kafka_AdminOptions_t* options =
        rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), error,
                                              sizeof error);
    rd_kafka_DescribeConfigs(handle, &resource, 1, options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);
    Result<std::string> result = Status::system(
        ErrorCode::kIoError,
        fmt::format("kafka topic {}: no answer to the describe-configs request", topic));
    if (event != nullptr) {
        if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            result = Status::system(ErrorCode::kIoError,
                                    fmt::format("kafka topic {}: describe-configs failed: {}",
                                                topic, rd_kafka_event_error_string(event)));
        } else {
            size_t count = 0;
            const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
                rd_kafka_event_DescribeConfigs_result(event), &count);
            if (count != 1 ||
                rd_kafka_ConfigResource_error(resources[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                result = Status::system(
                    ErrorCode::kIoError,
                    fmt::format("kafka topic {}: describe-configs failed: {}", topic,
                                count == 1
                                    ? describeError(rd_kafka_ConfigResource_error(resources[0]))
                                    : "no result"));
            } else {
                size_t entries = 0;
                const rd_kafka_ConfigEntry_t** configs =
                    rd_kafka_ConfigResource_configs(resources[0], &entries);
                result = Status::system(
                    ErrorCode::kIoError,
                    fmt::format("kafka topic {}: the broker did not describe {}", topic, name));
                for (size_t i = 0; i < entries; ++i) {
                    if (name == rd_kafka_ConfigEntry_name(configs[i])) {
                        const char* value = rd_kafka_ConfigEntry_value(configs[i]);
                        result = std::string(value != nullptr ? value : "");
                    }
                }
            }
        }
        rd_kafka_event_destroy(event);
    }
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
    rd_kafka_ConfigResource_destroy(resource);
    return result;
}

bool retryableDelivery(rd_kafka_resp_err_t error) {
    switch (error) {
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
        case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER: return true;
        default: return false;
    }
}

}  // namespace ferris::connectors::kafka
