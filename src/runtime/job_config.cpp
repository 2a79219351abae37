#include "runtime/job_config.h"

#include <fmt/format.h>

#include "common/closest_name.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::runtime {

namespace {

/// One job-level key: where it stands today.
struct JobKey {
    std::string name;
    /// Empty when supported; else the reason it is rejected with "not supported yet".
    std::string notYet;
};

const std::vector<JobKey>& jobKeys() {
    static const std::vector<JobKey> keys = {
        {"failure_strategy", ""},
        {"dlq.path", ""},
        {"batch.size", ""},
        {"batch.timeout", ""},
        {"batch.strategy", ""},
        {"commit.interval", ""},
        {"max.memory.mb", ""},
        {"event.time.field", ""},
        {"event.time.format", ""},
        {"watermark.strategy", "watermarks come with stateful streaming"},
        {"watermark.max_out_of_orderness", "watermarks come with stateful streaming"},
        {"watermark.idle_timeout", "watermarks come with stateful streaming"},
        {"allowed.lateness", "late data handling comes with stateful streaming"},
        {"late.data.strategy", "late data handling comes with stateful streaming"},
        {"state.dir", "state and checkpoints come with stateful streaming"},
        {"state.ttl", "state and checkpoints come with stateful streaming"},
        {"max_retries", "retry_with_backoff comes with the delivery-guarantees work"},
        {"retry_backoff", "retry_with_backoff comes with the delivery-guarantees work"},
        {"dlq.topic", "DLQ topics come with Kafka support"},
        {"circuit.breaker.enabled", "the circuit breaker comes with the delivery-guarantees work"},
        {"circuit.breaker.failure_threshold", "the circuit breaker comes with the delivery-guarantees work"},
        {"circuit.breaker.failure_rate", "the circuit breaker comes with the delivery-guarantees work"},
        {"circuit.breaker.open_timeout", "the circuit breaker comes with the delivery-guarantees work"},
        {"circuit.breaker.success_threshold", "the circuit breaker comes with the delivery-guarantees work"},
        {"job.stall.timeout", "stall detection comes with the multi-job server"},
        {"instance.id", "instances come with Kafka transactions"},
    };
    return keys;
}

Status badValue(const plan::Property& property, std::string_view expected) {
    return Status::user(ErrorCode::kInvalidValue,
                        fmt::format("'{}' = '{}' is not valid: expected {}", property.fullKey, property.value, expected),
                        property.location);
}

}  // namespace

const std::vector<std::string>& jobKeyNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& key : jobKeys()) out.push_back(key.name);
        return out;
    }();
    return names;
}

bool isJobKey(std::string_view key) {
    for (const auto& known : jobKeys()) {
        if (known.name == key) return true;
    }
    return key.starts_with("circuit.breaker.");
}

Result<JobConfig> parseJobConfig(const plan::JobPlan& job, std::vector<Status>& errors) {
    JobConfig config;
    size_t errorsBefore = errors.size();
    for (const auto& property : job.jobProperties.entries()) {
        const JobKey* key = nullptr;
        for (const auto& known : jobKeys()) {
            if (known.name == property.key) key = &known;
        }
        if (key == nullptr) {
            errors.push_back(Status::user(ErrorCode::kUnknownKey,
                                          fmt::format("unknown job key '{}'{}", property.fullKey,
                                                      didYouMean(property.key, jobKeyNames())),
                                          property.location));
            continue;
        }
        if (!key->notYet.empty()) {
            errors.push_back(Status::notSupported(fmt::format("'{}' ({})", property.fullKey, key->notYet),
                                                  property.location));
            continue;
        }
        const std::string& value = property.value;
        if (property.key == "failure_strategy") {
            if (value == "log_and_continue") {
                config.failureStrategy = FailureStrategy::kLogAndContinue;
            } else if (value == "send_to_dlq") {
                config.failureStrategy = FailureStrategy::kSendToDlq;
            } else if (value == "fail_batch") {
                config.failureStrategy = FailureStrategy::kFailBatch;
            } else if (value == "retry_with_backoff") {
                errors.push_back(Status::notSupported(
                    "failure_strategy 'retry_with_backoff' (comes with the delivery-guarantees work)",
                    property.location));
            } else {
                std::vector<std::string> allowed = {"log_and_continue", "send_to_dlq", "fail_batch",
                                                    "retry_with_backoff"};
                errors.push_back(badValue(property, "log_and_continue, send_to_dlq, fail_batch or retry_with_backoff" +
                                                        didYouMean(value, allowed)));
            }
        } else if (property.key == "dlq.path") {
            if (value.empty()) errors.push_back(badValue(property, "a file path"));
            config.dlqPath = value;
        } else if (property.key == "batch.size") {
            int64_t size = 0;
            if (!types::parseInt64(value, size) || size <= 0 || size > 1'000'000) {
                errors.push_back(badValue(property, "an integer from 1 to 1000000"));
            } else {
                config.batchSize = static_cast<size_t>(size);
            }
        } else if (property.key == "batch.timeout" || property.key == "commit.interval") {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros)) {
                errors.push_back(badValue(property, "a duration such as 100ms, 1s, 5m"));
            } else if (property.key == "batch.timeout") {
                config.batchTimeoutMicros = micros;
            } else {
                config.commitIntervalMicros = micros;
            }
        } else if (property.key == "batch.strategy") {
            if (value == "time_window" || value == "adaptive" || value == "memory_based") {
                errors.push_back(Status::notSupported(
                    fmt::format("batch.strategy '{}' (file sources batch by size; the other strategies come with "
                                "Kafka sources)",
                                value),
                    property.location));
            } else if (value != "fixed_size") {
                errors.push_back(badValue(property, "fixed_size, time_window, adaptive or memory_based"));
            }
        } else if (property.key == "max.memory.mb") {
            int64_t mb = 0;
            if (!types::parseInt64(value, mb) || mb <= 0) {
                errors.push_back(badValue(property, "a positive number of megabytes"));
            } else {
                config.maxMemoryBytes = mb << 20;
            }
        } else if (property.key == "event.time.field") {
            config.eventTimeField = value;
        } else if (property.key == "event.time.format") {
            config.eventTimeFormat = value;
        }
    }
    if (config.failureStrategy == FailureStrategy::kSendToDlq && config.dlqPath.empty() &&
        errors.size() == errorsBefore) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      fmt::format("job {}: failure_strategy 'send_to_dlq' needs 'dlq.path' (the DLQ "
                                                  "file)",
                                                  job.name),
                                      job.location));
    }
    if (errors.size() > errorsBefore) return errors[errorsBefore];
    return config;
}

}  // namespace ferris::runtime
