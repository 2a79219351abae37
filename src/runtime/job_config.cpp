#include "runtime/job_config.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <tuple>

#include "common/closest_name.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::runtime {

namespace {

/// One job-level key: its default, what it does, and where it stands today.
struct JobKey {
    std::string name;
    std::string defaultValue;
    std::string description;
    /// Empty when supported; else the reason it is rejected with "not supported yet".
    std::string notYet;
};

const std::vector<JobKey>& jobKeys() {
    static const std::string kDelivery = "the delivery-guarantees work";
    static const std::vector<JobKey> keys = {
        {"failure_strategy", "log_and_continue",
         "what happens to a bad record or undelivered output: log_and_continue, send_to_dlq, "
         "fail_batch or retry_with_backoff (undelivered output sent again; then, and for bad "
         "records, the DLQ if one is set, else the job fails)",
         ""},
        {"dlq.path", "", "the DLQ file for send_to_dlq (JSON lines), relative to the SQL file", ""},
        {"batch.size", "1024", "records per batch (1 to 1000000)", ""},
        {"batch.timeout", "100ms", "longest wait for a batch to fill", ""},
        {"batch.strategy", "fixed_size",
         "how batches are closed: fixed_size (at batch.size records or batch.timeout, whichever "
         "comes first), time_window (everything that arrives within batch.timeout, up to 1000000 "
         "records), adaptive (as fixed_size, the size steered toward batch.target.latency) or "
         "memory_based (before the records' bytes would pass batch.max.bytes, or at batch.timeout)",
         ""},
        {"batch.target.latency", "20ms",
         "adaptive batches: the latency per batch (the wait for it to fill, then its processing) "
         "the "
         "size is steered to",
         ""},
        {"batch.max.bytes", "4194304",
         "memory_based batches: the most bytes of input (values, keys, headers) in a batch "
         "(1024 to 1073741824); a larger record is a batch of its own",
         ""},
        {"commit.interval", "1s",
         "how often sinks are flushed and fsynced and, in transactional jobs, transactions "
         "committed (job clock); "
         "0 = every batch; 100ms in transactional jobs",
         ""},
        {"max.memory.mb", "1024",
         "memory budget of the job's state and batches; exceeding it fails the job", ""},
        {"event.time.field", "", "default event-time column for the job's sources", ""},
        {"event.time.format", "epoch_millis",
         "epoch_millis, epoch_seconds, iso8601 or a strftime pattern", ""},
        {"watermark.strategy", "bounded_out_of_orderness",
         "bounded_out_of_orderness, or ascending (an out-of-orderness of 0)", ""},
        {"watermark.max_out_of_orderness", "0",
         "how far behind a partition's newest event time its watermark stays", ""},
        {"watermark.idle_timeout", "",
         "a partition with no record for this long (job clock) stops holding the watermark back; "
         "none by default",
         ""},
        {"allowed.lateness", "0", "how long after its end a window still accepts records", ""},
        {"late.data.strategy", "drop",
         "what happens to a record for a closed window: drop, dead_letter, or update (CREATE TABLE "
         "with tumbling EMIT FINAL: windows fire at their end and re-emit corrected rows until "
         "allowed.lateness has passed)",
         ""},
        {"state.dir", ".ferris-state",
         "where checkpoints are written: <state.dir>/<app>/<job>/ (relative to the SQL file)", ""},
        {"state.ttl", "",
         "an OVER partition with no row for this long (event time) is forgotten; never by default",
         ""},
        {"max_retries", "3",
         "retry_with_backoff: how many times undelivered output is sent again (0 to 100)", ""},
        {"retry_backoff", "100ms",
         "retry_with_backoff: the wait before the first retry; each next one waits twice as "
         "long, ±20% jitter",
         ""},
        {"dlq.topic", "",
         "a Kafka DLQ topic for send_to_dlq (original key, value and headers plus ferris.* "
         "headers), on the broker of "
         "the job's Kafka source or sink; created with one partition when missing",
         ""},
        {"circuit.breaker.enabled", "false",
         "a circuit breaker around the job's Kafka sink: while open, the job reads nothing", ""},
        {"circuit.breaker.failure_threshold", "5",
         "failed delivery rounds in a row (a commit's output, or a retry of it) that open the "
         "breaker",
         ""},
        {"circuit.breaker.failure_rate", "",
         "a failure rate (0.5 or 50%) of the last 20 delivery rounds that opens the breaker, once "
         "10 are known; none by default",
         ""},
        {"circuit.breaker.open_timeout", "30s",
         "how long the breaker stays open before the job reads again to probe the sink", ""},
        {"circuit.breaker.success_threshold", "1",
         "successful probe rounds that close a half-open breaker", ""},
        {"job.stall.timeout", "", "a batch running longer fails the job",
         "stall detection comes with the multi-job server"},
        {"state.changelog.replication.factor", "-1",
         "replicas of the changelog topic a transactional stateful job creates for its state; -1 = "
         "the broker's "
         "default.replication.factor",
         ""},
        {"instance.id", "0",
         "names this instance of the job, stable across restarts: its consumer's group.instance.id "
         "and its "
         "transactional.id are ferris.<app>.<job>.<instance.id> (letters, digits, '-', '_')",
         ""},
    };
    return keys;
}

Status badValue(const plan::Property& property, std::string_view expected) {
    return Status::user(ErrorCode::kInvalidValue,
                        fmt::format("'{}' = '{}' is not valid: expected {}", property.fullKey, property.value, expected),
                        property.location);
}

}  // namespace

std::vector<JobKeyInfo> jobKeyInfo() {
    std::vector<JobKeyInfo> out;
    for (const auto& key : jobKeys()) out.push_back({key.name, key.defaultValue, key.description, key.notYet});
    return out;
}

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

std::string environmentName(std::string_view key) {
    // The key upper-cased, '.' → '_', '_' → '__' (§1.2): batch.size → FERRIS_BATCH_SIZE,
    // failure_strategy → FERRIS_FAILURE__STRATEGY.
    std::string name = "FERRIS_";
    for (char c : key) {
        if (c == '.') {
            name += '_';
        } else if (c == '_') {
            name += "__";
        } else {
            name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return name;
}

Result<JobConfig> parseJobConfig(const plan::JobPlan& job, std::vector<Status>& errors, bool complete,
                                 const plan::PropertyList* serverDefaults) {
    JobConfig config;
    size_t errorsBefore = errors.size();
    // Precedence (§1.2): WITH > job annotation > app annotation > FERRIS_<KEY> environment
    // > server configuration > built-in default. The binder has merged the first three; the
    // environment, then the server's defaults, fill in keys none of them set.
    plan::PropertyList properties = job.jobProperties;
    if (job.transactional) config.commitIntervalMicros = 100'000;  // §1.2: 100ms in transactional mode
    for (const auto& key : jobKeys()) {
        if (!complete || properties.has(key.name)) continue;
        std::string variable = environmentName(key.name);
        if (const char* value = std::getenv(variable.c_str())) {
            properties.add({key.name, value, variable + " (environment)", {}});
        } else if (serverDefaults != nullptr) {
            if (const plan::Property* fallback = serverDefaults->find(key.name)) properties.add(*fallback);
        }
    }
    for (const auto& property : properties.entries()) {
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
                config.failureStrategy = FailureStrategy::kRetryWithBackoff;
            } else {
                std::vector<std::string> allowed = {"log_and_continue", "send_to_dlq", "fail_batch",
                                                    "retry_with_backoff"};
                errors.push_back(badValue(property, "log_and_continue, send_to_dlq, fail_batch or retry_with_backoff" +
                                                        didYouMean(value, allowed)));
            }
        } else if (property.key == "circuit.breaker.enabled") {
            if (value != "true" && value != "false") {
                errors.push_back(badValue(property, "true or false"));
            } else {
                config.circuitBreaker.enabled = value == "true";
            }
        } else if (property.key == "circuit.breaker.failure_threshold" ||
                   property.key == "circuit.breaker.success_threshold") {
            int64_t count = 0;
            if (!types::parseInt64(value, count) || count < 1 || count > 1000) {
                errors.push_back(badValue(property, "an integer from 1 to 1000"));
            } else if (property.key == "circuit.breaker.failure_threshold") {
                config.circuitBreaker.failureThreshold = static_cast<int>(count);
            } else {
                config.circuitBreaker.successThreshold = static_cast<int>(count);
            }
        } else if (property.key == "circuit.breaker.failure_rate") {
            std::string_view text = value;
            bool percent = text.ends_with('%');
            if (percent) text.remove_suffix(1);
            double rate = 0;
            bool valid = types::parseDouble(text, rate);
            if (valid && percent) rate /= 100;
            if (!valid || rate <= 0 || rate > 1) {
                errors.push_back(
                    badValue(property, "a rate above 0 and up to 1, such as 0.5 or 50%"));
            } else {
                config.circuitBreaker.failureRate = rate;
            }
        } else if (property.key == "circuit.breaker.open_timeout") {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros) || micros <= 0) {
                errors.push_back(badValue(property, "a duration above 0, such as 30s"));
            } else {
                config.circuitBreaker.openTimeoutMicros = micros;
            }
        } else if (property.key == "max_retries") {
            int64_t retries = 0;
            if (!types::parseInt64(value, retries) || retries < 0 || retries > 100) {
                errors.push_back(badValue(property, "an integer from 0 to 100"));
            } else {
                config.maxRetries = static_cast<int>(retries);
            }
        } else if (property.key == "retry_backoff") {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros) || micros <= 0 ||
                micros > 3'600'000'000LL) {
                errors.push_back(badValue(property, "a duration from 1ms to 1h, such as 100ms"));
            } else {
                config.retryBackoffMicros = micros;
            }
        } else if (property.key == "state.ttl") {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros) || micros <= 0) {
                errors.push_back(badValue(property, "a positive duration such as 1h"));
            } else {
                config.stateTtlMicros = micros;
            }
        } else if (property.key == "state.dir") {
            if (value.empty()) {
                errors.push_back(badValue(property, "a directory"));
            } else {
                config.stateDir = value;
            }
        } else if (property.key == "dlq.path") {
            if (value.empty()) errors.push_back(badValue(property, "a file path"));
            config.dlqPath = value;
        } else if (property.key == "instance.id") {
            bool valid = !value.empty() && value.size() <= 64;
            for (char c : value) {
                valid = valid && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_');
            }
            if (!valid) {
                errors.push_back(badValue(property, "1 to 64 letters, digits, '-' or '_'"));
            } else {
                config.instanceId = value;
            }
        } else if (property.key == "state.changelog.replication.factor") {
            int64_t factor = 0;
            if (!types::parseInt64(value, factor) || factor == 0 || factor < -1 || factor > 32767) {
                errors.push_back(
                    badValue(property, "-1 (the broker's default) or a replica count from 1"));
            } else {
                config.changelogReplicationFactor = static_cast<int>(factor);
            }
        } else if (property.key == "dlq.topic") {
            if (value.empty()) errors.push_back(badValue(property, "a Kafka topic name"));
            config.dlqTopic = value;
        } else if (property.key == "batch.size") {
            int64_t size = 0;
            if (!types::parseInt64(value, size) || size <= 0 || size > 1'000'000) {
                errors.push_back(badValue(property, "an integer from 1 to 1000000"));
            } else {
                config.batchSize = static_cast<size_t>(size);
            }
        } else if (property.key == "batch.timeout" || property.key == "commit.interval") {
            int64_t micros = 0;
            // "0" needs no unit (commit.interval 0 = every batch).
            if (value != "0" && !types::parseDurationShorthand(value, micros)) {
                errors.push_back(badValue(property, "a duration such as 100ms, 1s, 5m"));
            } else if (property.key == "batch.timeout") {
                config.batchTimeoutMicros = micros;
            } else {
                config.commitIntervalMicros = micros;
            }
        } else if (property.key == "batch.target.latency") {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros) || micros <= 0) {
                errors.push_back(badValue(property, "a duration such as 20ms"));
            } else {
                config.batchTargetLatencyMicros = micros;
            }
        } else if (property.key == "batch.max.bytes") {
            int64_t bytes = 0;
            if (!types::parseInt64(value, bytes) || bytes < 1024 || bytes > (int64_t{1} << 30)) {
                errors.push_back(badValue(property, "a number of bytes from 1024 to 1073741824"));
            } else {
                config.batchMaxBytes = static_cast<size_t>(bytes);
            }
        } else if (property.key == "batch.strategy") {
            if (value == "adaptive") {
                config.batchStrategy = BatchStrategy::kAdaptive;
            } else if (value == "memory_based") {
                config.batchStrategy = BatchStrategy::kMemoryBased;
            } else if (value == "time_window") {
                config.batchStrategy = BatchStrategy::kTimeWindow;
            } else if (value != "fixed_size") {
                errors.push_back(badValue(property, "fixed_size, time_window, adaptive or memory_based"));
            }
        } else if (property.key == "max.memory.mb") {
            int64_t mb = 0;
            if (!types::parseInt64(value, mb) || mb <= 0 || mb > (int64_t{1} << 30)) {
                errors.push_back(badValue(property, "a number of megabytes from 1 to 1073741824"));
            } else {
                config.maxMemoryBytes = mb << 20;
            }
        } else if (property.key == "watermark.strategy") {
            if (value == "ascending") {
                config.watermarkAscending = true;
            } else if (value != "bounded_out_of_orderness") {
                errors.push_back(badValue(property, "bounded_out_of_orderness or ascending" +
                                                        didYouMean(value, std::vector<std::string>{"bounded_out_of_orderness", "ascending"})));
            }
        } else if (property.key == "watermark.max_out_of_orderness" ||
                   property.key == "watermark.idle_timeout" || property.key == "allowed.lateness") {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros) || micros < 0) {
                errors.push_back(badValue(property, "a duration such as 500ms, 5s, 1m"));
            } else if (property.key == "watermark.max_out_of_orderness") {
                config.maxOutOfOrdernessMicros = micros;
            } else if (property.key == "watermark.idle_timeout") {
                if (micros == 0) {
                    errors.push_back(badValue(property, "a duration above 0 (leave the key out for no idle timeout)"));
                } else {
                    config.idleTimeoutMicros = micros;
                }
            } else {
                config.allowedLatenessMicros = micros;
            }
        } else if (property.key == "late.data.strategy") {
            if (value == "drop") {
                config.lateDeadLetter = false;
            } else if (value == "dead_letter") {
                config.lateDeadLetter = true;
            } else if (value == "update") {
                config.lateDeadLetter = false;
                config.lateUpdate = true;
            } else {
                errors.push_back(badValue(property, "drop, dead_letter or update" +
                                                        didYouMean(value, std::vector<std::string>{"drop", "dead_letter", "update"})));
            }
        } else if (property.key == "event.time.field") {
            config.eventTimeField = value;
        } else if (property.key == "event.time.format") {
            config.eventTimeFormat = value;
        }
    }
    if (complete && config.watermarkAscending && properties.has("watermark.max_out_of_orderness") &&
        errors.size() == errorsBefore) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      "'watermark.max_out_of_orderness' is set but watermark.strategy is 'ascending' "
                                      "(an out-of-orderness of 0): set one or the other",
                                      properties.find("watermark.max_out_of_orderness")->location));
    }
    bool retry = config.failureStrategy == FailureStrategy::kRetryWithBackoff;
    if (complete && !retry && errors.size() == errorsBefore) {
        for (const char* key : {"max_retries", "retry_backoff"}) {
            // Only the app's own keys: a default from the environment or the server may
            // serve other jobs.
            const plan::Property* property = job.jobProperties.find(key);
            if (property == nullptr) continue;
            errors.push_back(Status::user(ErrorCode::kConfigError,
                                          fmt::format("'{}' is set but failure_strategy is not "
                                                      "'retry_with_backoff': nothing is retried",
                                                      key),
                                          property->location));
            break;
        }
    }
    if (complete && errors.size() == errorsBefore) {
        // Each batching key belongs to one strategy: set with another, it would do nothing.
        for (auto [key, strategy, name] :
             {std::tuple{"batch.target.latency", BatchStrategy::kAdaptive, "adaptive"},
              std::tuple{"batch.max.bytes", BatchStrategy::kMemoryBased, "memory_based"}}) {
            const plan::Property* property = job.jobProperties.find(key);
            if (property == nullptr || config.batchStrategy == strategy) continue;
            errors.push_back(Status::user(
                ErrorCode::kConfigError,
                fmt::format("'{}' is set but batch.strategy is not '{}': it would do nothing", key,
                            name),
                property->location));
            break;
        }
    }
    if (complete && !config.circuitBreaker.enabled && errors.size() == errorsBefore) {
        for (const auto& property : job.jobProperties.entries()) {
            if (!property.key.starts_with("circuit.breaker.") ||
                property.key == "circuit.breaker.enabled")
                continue;
            errors.push_back(Status::user(
                ErrorCode::kConfigError,
                fmt::format("'{}' is set but 'circuit.breaker.enabled' is not 'true': the "
                            "job has no circuit breaker",
                            property.fullKey),
                property.location));
            break;
        }
    }
    bool dlqUsed =
        config.failureStrategy == FailureStrategy::kSendToDlq || config.lateDeadLetter || retry;
    bool hasDlq = !config.dlqPath.empty() || !config.dlqTopic.empty();
    if (complete && !config.dlqPath.empty() && !config.dlqTopic.empty() && errors.size() == errorsBefore) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      "both 'dlq.path' and 'dlq.topic' are set: a job has one DLQ, choose one",
                                      properties.find("dlq.topic")->location));
    }
    if (complete && config.lateDeadLetter && !hasDlq && errors.size() == errorsBefore) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      "late.data.strategy 'dead_letter' needs 'dlq.path' (a DLQ file) or 'dlq.topic'",
                                      properties.find("late.data.strategy")->location));
    }
    if (complete && !dlqUsed && hasDlq && errors.size() == errorsBefore) {
        const char* key = config.dlqPath.empty() ? "dlq.topic" : "dlq.path";
        const plan::Property* path = properties.find(key);
        errors.push_back(Status::user(
            ErrorCode::kConfigError,
            fmt::format("'{}' is set but failure_strategy is neither 'send_to_dlq' nor "
                        "'retry_with_backoff', nor late.data.strategy 'dead_letter': nothing "
                        "would be written there",
                        key),
            path != nullptr ? path->location : job.location));
    }
    if (complete && config.failureStrategy == FailureStrategy::kSendToDlq && !hasDlq &&
        errors.size() == errorsBefore) {
        const plan::Property* strategy = properties.find("failure_strategy");
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      "failure_strategy 'send_to_dlq' needs 'dlq.path' (a DLQ file) or 'dlq.topic'",
                                      strategy != nullptr ? strategy->location : job.location));
    }
    if (errors.size() > errorsBefore) return errors[errorsBefore];
    return config;
}

}  // namespace ferris::runtime
