#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"
#include "runtime/circuit_breaker.h"

namespace ferris::runtime {

/// What a job does with a bad record (§1.4, §2.1).
enum class FailureStrategy : uint8_t {
    kLogAndContinue,  ///< count it, log it with its position, go on (the default)
    kSendToDlq,       ///< write it to the DLQ with its error, go on
    kFailBatch,       ///< commit nothing of the batch and fail the job
    /// Output a sink could not deliver for a passing reason (a broker down, a timeout) is sent
    /// again, after exponential backoff with jitter, up to max_retries times; what still fails,
    /// and every failure retrying cannot mend (a bad record, a record the broker refuses), goes
    /// to the DLQ when one is set, else fails the job.
    kRetryWithBackoff,
};

/// The job-level settings of §1.2 (unprefixed keys), parsed and validated.
/// How a job closes its batches (`batch.strategy`, §2.1).
enum class BatchStrategy : uint8_t {
    kFixedSize,    ///< at batch.size records or batch.timeout, whichever comes first
    kTimeWindow,   ///< at batch.timeout only (up to 1,000,000 records)
    kAdaptive,     ///< like fixed_size, with the size steered toward batch.target.latency
    kMemoryBased,  ///< before the records' bytes would pass batch.max.bytes, or at batch.timeout
};

struct JobConfig {
    FailureStrategy failureStrategy = FailureStrategy::kLogAndContinue;
    int maxRetries = 3;                    ///< retry_with_backoff: sends after the first
    int64_t retryBackoffMicros = 100'000;  ///< retry_with_backoff: the first wait (doubling)
    bool lateUpdate = false;  ///< late.data.strategy 'update'
    std::string stateDir = ".ferris-state";  ///< checkpoints (relative to the SQL file)
    int64_t stateTtlMicros = 0;              ///< OVER partitions idle this long are dropped; 0 = never
    std::string dlqPath;          ///< DLQ file for send_to_dlq (relative to the SQL file)
    std::string dlqTopic;         ///< DLQ topic for send_to_dlq (Kafka)
    size_t batchSize = 1024;      ///< records per batch (adaptive: the first batches')
    BatchStrategy batchStrategy = BatchStrategy::kFixedSize;
    size_t batchMaxBytes = size_t{4} << 20;     ///< memory_based: input bytes per batch at most
    int64_t batchTargetLatencyMicros = 20'000;  ///< adaptive: processing time per batch aimed at
    int64_t batchTimeoutMicros = 100'000;
    int64_t commitIntervalMicros = 1'000'000;
    int64_t maxMemoryBytes = 1024LL << 20;
    std::string eventTimeField;   ///< default event-time column for the job's sources
    std::string eventTimeFormat = "epoch_millis";
    bool watermarkAscending = false;       ///< watermark.strategy = ascending
    int64_t maxOutOfOrdernessMicros = 0;   ///< watermark.max_out_of_orderness
    int64_t idleTimeoutMicros = 0;         ///< watermark.idle_timeout; 0 = none
    int64_t allowedLatenessMicros = 0;     ///< allowed.lateness
    bool lateDeadLetter = false;           ///< late.data.strategy = dead_letter (else drop)
    /// Names this instance of the job: the consumer's group.instance.id and the transactional
    /// producer's transactional.id are ferris.<app>.<job>.<instance.id> (§2.2).
    std::string instanceId = "0";
    /// Replicas of a created changelog topic (transactional stateful jobs); -1 = the broker's
    /// default.
    int changelogReplicationFactor = -1;
    CircuitBreakerConfig circuitBreaker;  ///< circuit.breaker.*
};

/// A job-level key as documented: name, default, description, and why it is not supported
/// yet (empty when it is).
struct JobKeyInfo {
    std::string name;
    std::string defaultValue;
    std::string description;
    std::string notSupportedYet;
};
std::vector<JobKeyInfo> jobKeyInfo();

/// The job-level key names, for did-you-mean suggestions and docs.
const std::vector<std::string>& jobKeyNames();

/// Parses and validates the job-level properties; returns every error (unknown keys with
/// the closest valid key, bad values, keys not supported yet).
/// `complete` = the properties are all a job has (environment defaults are added and keys
/// that depend on each other are checked together); false checks each key on its own (app
/// annotations, which jobs complete).
/// `serverDefaults`: job keys from the server configuration, below the environment.
Result<JobConfig> parseJobConfig(const plan::JobPlan& job, std::vector<Status>& errors, bool complete = true,
                                 const plan::PropertyList* serverDefaults = nullptr);

/// The environment variable that sets a job-level key: FERRIS_<KEY>, the key upper-cased
/// with '.' → '_' and '_' → '__' (§1.2).
std::string environmentName(std::string_view key);

/// True when `key` is a job-level key (unprefixed), known or reserved.
bool isJobKey(std::string_view key);

}  // namespace ferris::runtime
