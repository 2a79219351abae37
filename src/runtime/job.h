#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/decoder.h"
#include "codec/encoder.h"
#include "codec/record_assembler.h"
#include "connectors/connector_registry.h"
#include "expr/compiled_expr.h"
#include "operators/operator.h"
#include "plan/plan.h"
#include "runtime/adaptive_batch.h"
#include "runtime/circuit_breaker.h"
#include "runtime/event_time.h"
#include "runtime/failure_handler.h"
#include "runtime/job_clock.h"
#include "runtime/job_config.h"
#include "runtime/job_metrics.h"
#include "runtime/sql_metrics.h"
#include "runtime/watermark.h"
#include "state/checkpoint_files.h"
#include "state/state_fingerprint.h"

namespace ferris::runtime {

/// Where a job runs: its clock, the folder relative paths resolve against, and the
/// connector registry to build its source and sink from.
struct JobEnvironment {
    const JobClock* clock = nullptr;
    std::filesystem::path baseDir;
    std::string appName;
    const connectors::ConnectorRegistry* registry = nullptr;
    /// Job keys from the server configuration (ferris-sql-multi), below the environment.
    std::shared_ptr<const plan::PropertyList> serverJobDefaults;
    /// CREATE TABLE jobs keep their current rows by key for point lookups (the server).
    bool indexTables = false;
};

/// What a DLQ replay inside a job (Job::startReplay) did.
struct ReplayCounts {
    int64_t replayed = 0;     ///< DLQ records read
    int64_t written = 0;      ///< output records made while it ran
    int64_t failedAgain = 0;  ///< records sent back to the DLQ
};

/// The life of a job, as reported to users (§1.5).
enum class JobState : uint8_t { kStarting, kRunning, kPaused, kStopping, kFinished, kStopped, kFailed };

std::string_view jobStateName(JobState state);

/// One job: source → decode → operators → encode → sink, driven by one loop on one thread
/// (§2.1). `step()` is one turn of the loop; `run()` turns it until the input ends, LIMIT
/// is reached or a stop is requested, then commits.
class Job {
public:
    /// Builds the job: validates its configuration and connectors, compiles its
    /// expressions. Returns every validation error found.
    static Result<std::unique_ptr<Job>> create(const plan::AppPlan& app, const plan::JobPlan& plan,
                                               const JobEnvironment& environment, std::vector<Status>& errors);

    /// Opens the job's checkpoint directory (`<state.dir>/<app>/<job>`) and checks that its
    /// checkpoint, if any, was written by this query (the state fingerprint). `reset`
    /// discards the checkpoint first (`--reset-state`). Called by start() when not before.
    Status openState(bool reset);
    /// Opens the source, sink and DLQ. A job with a checkpoint that is not `finished`
    /// resumes from it (source positions, watermark, operator state, sink and DLQ lengths);
    /// otherwise it starts from the beginning and truncates its file sinks (§2.2).
    Status start();
    /// One turn of the driver loop. Returns false once the job has ended (input exhausted
    /// or LIMIT reached); the final commit has then been made.
    Result<bool> step();
    /// Runs until the job ends or `stop` becomes true (then finishes the current batch,
    /// flushes and commits). Sets the state.
    Status run(const std::atomic<bool>& stop);
    /// Makes the sink output and DLQ durable, then installs a checkpoint (§2.2 `simple`).
    Status commit();
    /// Pauses the job (§1.5): commits, then pauses the source's partitions. step() then
    /// reads nothing new; for a Kafka source it keeps polling so the consumer stays in its
    /// group, for others it returns at once (idle() is true) and the caller waits.
    Status pause();
    /// Resumes reading exactly where pause() stopped.
    void resume();
    bool paused() const { return userPaused_; }
    /// Asks a stop from any thread: the sink's waits for an unreachable broker end early
    /// (a commit then gives up after a grace period, kCancelled). The driver still stops
    /// between batches.
    void interrupt() { interrupted_.store(true, std::memory_order_relaxed); }
    /// Marks the job stopping (between batches, on its driver thread): the next run() or
    /// the caller finishes the batch, flushes and commits.
    void setState(JobState state) { state_ = state; }
    /// Whether start() resumed from a checkpoint.
    bool resumed() const { return resumed_; }
    /// DLQ replay (the server's POST /jobs/{name}/dlq/replay): the source reads the job's DLQ
    /// topic. A record that failed as output (ferris.error.kind delivery_failed) holds encoded
    /// output: it goes to the sink as it is; the others are decoded as input. Before start().
    void setReplay();
    /// Called on the driver thread when a DLQ replay inside the job has ended.
    using ReplayDone = std::function<void(Result<ReplayCounts>)>;
    /// A DLQ replay inside the running job (POST /jobs/{name}/dlq/replay for a DLQ file, a
    /// stateful query or a file sink). On the driver thread, between steps. step() then reads
    /// the DLQ, taking turns with the job's own input — the DLQ file from where the last replay
    /// stopped (the checkpoint keeps that byte offset), the DLQ topic from the offsets of the group
    /// ferris.<app>.<job>.dlq-replay — up to its end as of now, through the job's decoding,
    /// operators, state and sink. Its records are judged by the job's watermark and do not
    /// move it. At the end the job commits and `done` is called; a job that stops, fails or
    /// is paused first calls it with why, as does a DLQ that cannot be read on (the job goes
    /// on, with what the replay did committed). In Kafka transactions, the replay group's offsets
    /// commit in the job's transactions.
    Status startReplay(ReplayDone done);
    bool replaying() const { return dlqReplay_.has_value(); }
    /// `<state.dir>/<app>/<job>` once openState() ran (empty before).
    std::filesystem::path stateDirectory() const {
        return checkpoints_ ? checkpoints_->directory() : std::filesystem::path();
    }
    /// Hands buffered sink output to the OS so readers see it (no commit, no fsync).
    Status flushOutput();
    Status close();

    const std::string& name() const { return plan_.name; }
    const plan::JobPlan& plan() const { return plan_; }
    JobState state() const { return state_.load(); }
    const JobMetrics& metrics() const { return metrics_; }
    /// True when the job's source has run dry for now (nothing buffered, nothing polled).
    bool idle() const { return idle_; }
    std::string renderMetrics() const;
    /// The job's metric samples: its counters, histograms and its SQL-defined metrics.
    void collectMetrics(std::vector<MetricSample>& out) const;
    /// The source and sink connectors, e.g. to learn which file a sink writes.
    const plan::ConnectorDecl& sourceDecl() const { return sourceDecl_; }
    const plan::ConnectorDecl& sinkDecl() const { return plan_.sink; }
    const JobConfig& config() const { return config_; }
    /// A CREATE TABLE job's current row for a key (§1.4.1 key text) as a JSON object, when
    /// the environment indexes tables; nullopt when the key has no row. Any thread.
    std::optional<std::string> lookup(const std::string& key) const;
    /// Whether lookup() answers for this job.
    bool indexed() const { return tableIndex_ != nullptr; }

private:
    Job(plan::JobPlan plan, JobEnvironment environment);

    /// Fills the hidden origin columns and the system columns the plan reads.
    void fillRowOrigin(types::Batch& batch);
    void fillSystemColumns(types::Batch& batch, int64_t now);
    Status processBatch(types::Batch& batch, int64_t now);
    /// Batch size, processing and end-to-end latency.
    void observeBatch(size_t count, int64_t readMicros);
    /// Publishes the source's consumer lag, at most every 200 ms of job clock.
    void updateLag(int64_t now);
    /// Runs operators [first, end) over `batch`, then hands its bad rows to the failure
    /// handler and writes what is left to the sink.
    Status runOperators(size_t first, types::Batch& batch, const operators::OperatorContext& context);
    /// Time moved without rows (job clock, idleness, end of input): stateful operators emit
    /// what became due.
    Status advanceTime(int64_t now);
    /// Replay: writes the polled records that failed as output to the sink as they are
    /// (their ferris.* headers dropped) and leaves the others in raw_.
    Status resendFailedOutput();
    /// Simple mode, after prepareCommit: the sink's undelivered records — with
    /// retry_with_backoff, those that may pass are sent again after a backoff, up to
    /// max_retries times — go to the failure strategy. Returns the sink's commit state after
    /// the last send.
    Result<std::string> retryDeliveryFailures(std::string sinkState);
    /// retry_with_backoff's wait before retry `attempt` (from 1), in microseconds.
    int64_t backoffMicros(int attempt);
    /// The outcome of a round of deliveries, for the circuit breaker.
    void observeDelivery(bool failed);
    /// Sleeps `micros`, or until the job is interrupted (stop): false then.
    bool waitInterruptibly(int64_t micros);
    /// Checks the job's state and batch against max.memory.mb; publishes state metrics.
    Status checkMemory(const types::Batch& batch);
    /// Flushes and commits at the end of the input. False: a transactional job's last
    /// transaction was aborted, and its records are read again.
    Result<bool> endOfInput();
    /// Decodes the `count` records in raw_ and runs them through the job; `replayed`: they are
    /// DLQ records read again (a replay inside the job).
    Status processRecords(size_t count, bool replayed);
    /// Commits now (a transactional job: its transaction). False: the transaction was aborted.
    Result<bool> commitNow();
    /// The DLQ replay has ended (its counts, or why not): its source closed, `done` called.
    void endReplay(Result<ReplayCounts> outcome);
    /// Restores positions, watermark, operator state and sink lengths from `manifest`.
    Status restore(const state::Manifest& manifest);
    /// §2.2 transactional: commits the sink's transaction with the source's offsets; an
    /// aborted one rewinds the source. A commit still running ends first. `background`: the
    /// sink commits while the job goes on (its output held for the next transaction), and
    /// collectCommit() takes the outcome.
    /// Returns false when a transaction was aborted (the source rewound).
    Result<bool> commitTransaction(bool background = false);
    /// The outcome of the commit running in the background (`wait`: waits for it). False:
    /// it was aborted (the source rewound); true: committed, or still running.
    Result<bool> collectCommit(bool wait);
    /// After a commit or an abort: counts, the state of the last commit back after an
    /// abort, the checkpoint after a commit. `moved`: the transaction held source offsets;
    /// `metrics`: the SQL-defined metrics as the transaction has them.
    Result<bool> settleCommit(Status status, bool moved, bool mustAbort,
                              SqlMetrics::Snapshot metrics);
    /// Writes the checkpoint: positions, watermark, sink state, DLQ state, state changes.
    Status installCheckpoint(std::string sinkState);
    /// Changelog state (§2.2 transactional): the state changes since the last commit, the
    /// watermark and the job's counters, produced into the open transaction. `moved`: input
    /// was read since the last commit (the watermark may have moved without a state change).
    Status writeChangelog(bool moved);
    /// Reads the changelog's committed state into the operators (fresh ones), the watermark
    /// and the counters; with --reset-state, erases it instead.
    Status loadChangelog();
    /// After an aborted transaction: stateful operators made afresh, the changelog read again.
    Status restoreChangelog();
    /// Aborted transactions in a row (a record that cannot be delivered, say) that fail the job.
    static constexpr int kMaxConsecutiveAborts = 5;
    /// While a commit runs, the source's poll waits this long at most, so that its held
    /// output is sent soon after it ends.
    static constexpr int64_t kCommitPollMicros = 1000;

    plan::JobPlan plan_;
    plan::ConnectorDecl sourceDecl_;
    JobEnvironment environment_;
    JobConfig config_;
    std::unique_ptr<connectors::Source> source_;
    std::unique_ptr<connectors::Sink> sink_;
    std::unique_ptr<codec::Decoder> decoder_;
    codec::CsvDecoder* csvDecoder_ = nullptr;  ///< decoder_ when the format is CSV with a header
    std::unique_ptr<codec::Encoder> encoder_;
    std::unique_ptr<codec::RecordAssembler> records_;  ///< set when the sink takes records (Kafka)
    codec::RecordLayout recordLayout_;
    /// Avro through a schema registry: makes the framing encoder once the job starts.
    std::function<Result<std::unique_ptr<codec::Encoder>>()> encoderAtStart_;
    std::function<Result<std::shared_ptr<codec::Encoder>>()> keyEncoderAtStart_;  ///< avro keys via a registry
    std::unique_ptr<codec::KeyReader> keyReader_;  ///< json/avro source keys → _key text; null for string
    std::string keyText_;                          ///< scratch for one key's text
    bool recordTimestamps_ = false;  ///< the event time is the Kafka record timestamp (§1.4)
    std::vector<operators::OperatorPtr> operators_;
    std::unique_ptr<FailureHandler> failures_;
    std::unique_ptr<connectors::Sink> dlqTopicSink_;  ///< dlq.topic's producer, until start() hands it over
    std::optional<EventTimeExtractor> eventTime_;
    expr::CompiledExprPtr eventTimeExpr_;  ///< `expr AS _event_time`, when the query assigns it
    WatermarkTracker watermarks_;
    bool stateful_ = false;  ///< some operator keeps state
    /// The table's rows by key text (CREATE TABLE under the server): updated by the driver
    /// after each batch, read by lookups.
    struct TableIndex {
        std::unique_ptr<codec::Encoder> rows;     ///< JSON objects of the output columns
        std::unique_ptr<codec::RecordAssembler> keys;  ///< the key text of a row
        mutable std::mutex mutex;
        std::unordered_map<std::string, std::string> byKey;
        int64_t bytes = 0;
    };
    std::unique_ptr<TableIndex> tableIndex_;
    void indexRows(const types::Batch& batch);
    JobMetrics metrics_;
    std::unique_ptr<SqlMetrics> sqlMetrics_;  ///< `@metric` definitions; null when none
    std::atomic<JobState> state_{JobState::kStarting};
    types::RawBatch raw_;
    connectors::EncodedBatch encoded_;
    int64_t lastCommitMicros_ = 0;
    int64_t arrival_ = 0;
    bool idle_ = false;
    bool ended_ = false;
    std::optional<state::CheckpointStore> checkpoints_;
    state::StateFingerprint fingerprint_;
    bool resumed_ = false;
    bool failedBatch_ = false;  ///< a batch failed: output is committed, no checkpoint taken
    bool userPaused_ = false;   ///< paused by pause() (not by backpressure)
    std::atomic<bool> interrupted_{false};
    int64_t lastLagMicros_ = 0;  ///< job clock when the consumer lag was last read
    int consecutiveAborts_ = 0;  ///< transactional: aborts since the last commit
    std::minstd_rand random_{std::random_device{}()};  ///< retry_with_backoff's jitter
    std::optional<CircuitBreaker> breaker_;            ///< circuit.breaker.enabled
    bool breakerPaused_ = false;                       ///< the source is paused by the open breaker
    int64_t outputAtLastRound_ = 0;                    ///< records out at the last delivery round
    /// Transactional stateful jobs: the state's changelog topic, written inside the
    /// transactions (§2.2); null otherwise.
    std::unique_ptr<connectors::StateChangelog> changelog_;
    /// Per operator, how to make it afresh (stateful ones; null for the others): an aborted
    /// transaction's state is read back into new operators.
    std::vector<std::function<Result<operators::OperatorPtr>()>> rebuild_;
    WatermarkTracker initialWatermarks_;  ///< the tracker as a job without state starts it
    bool resetState_ = false;             ///< --reset-state: the changelog is erased at start
    bool changelogDescribed_ = false;     ///< this run wrote the fingerprint and partitions
    bool replay_ = false;                 ///< setReplay()
    /// A DLQ replay inside the job (startReplay), while it runs.
    struct DlqReplay {
        std::unique_ptr<connectors::Source> source;  ///< the DLQ file or topic
        bool file = false;
        ReplayDone done;
        ReplayCounts counts;  ///< what it did so far
    };
    bool replayTurn_ = false;  ///< the last step read the replay's DLQ (they take turns)
    std::optional<DlqReplay> dlqReplay_;
    int64_t dlqReplayed_ = 0;  ///< bytes of the DLQ file that replays have read (checkpointed)
    /// A Kafka job with a DLQ topic: makes the consumer of that topic for a replay.
    std::function<Result<std::unique_ptr<connectors::Source>>()> makeDlqTopicSource_;
    /// The record assembler of replayed batches: the DLQ's ferris.* headers are not output.
    std::unique_ptr<codec::RecordAssembler> replayRecords_;
    bool replayBatch_ = false;  ///< the batch being processed was read from the DLQ
    std::optional<AdaptiveBatchSizer> batchSizer_;  ///< batch.strategy adaptive
    /// Transactional jobs: the SQL-defined metrics as of the last commit, restored when a
    /// transaction is aborted.
    SqlMetrics::Snapshot committedMetrics_;
    /// A commit running in the background (commitTransaction(true)) until collectCommit().
    struct RunningCommit {
        bool moved = false;            ///< it holds source offsets
        SqlMetrics::Snapshot metrics;  ///< the SQL-defined metrics as of its start
    };
    std::optional<RunningCommit> running_;
};

}  // namespace ferris::runtime
