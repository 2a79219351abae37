#include "runtime/job.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "codec/csv_decoder.h"
#include "common/fault_point.h"
#include "common/log.h"
#include "connectors/dlq_file_source.h"
#include "expr/compiled_expr.h"
#include "operators/aggregate.h"
#include "operators/filter.h"
#include "operators/over.h"
#include "runtime/formats.h"
#include "state/changelog_record.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::runtime {

using types::Batch;
using types::SystemColumn;

namespace {
/// How long a saturated sink drains before the source's partitions are paused.
constexpr std::chrono::milliseconds kBackpressureGrace{250};
}  // namespace

std::string_view jobStateName(JobState state) {
    switch (state) {
        case JobState::kStarting: return "starting";
        case JobState::kRunning: return "running";
        case JobState::kPaused: return "paused";
        case JobState::kStopping: return "stopping";
        case JobState::kFinished: return "finished";
        case JobState::kStopped: return "stopped";
        case JobState::kFailed: return "failed";
    }
    return "?";
}

Job::Job(plan::JobPlan plan, JobEnvironment environment)
    : plan_(std::move(plan)), environment_(std::move(environment)) {}


Result<std::unique_ptr<Job>> Job::create(const plan::AppPlan& app, const plan::JobPlan& plan,
                                         const JobEnvironment& environment, std::vector<Status>& errors) {
    std::unique_ptr<Job> job(new Job(plan, environment));
    size_t errorsBefore = errors.size();
    auto prefixed = [&](const Status& status) { return status.withContext(fmt::format("job {}", plan.name)); };

    // Configuration and connectors: every key checked, every error kept.
    std::vector<Status> configErrors;
    auto config = parseJobConfig(plan, configErrors, /*complete=*/true, environment.serverJobDefaults.get());
    for (const auto& error : configErrors) errors.push_back(prefixed(error));
    if (config.isOk()) job->config_ = config.value();

    const plan::ConnectorDecl* sourceDecl = app.findSource(plan.source.source);
    if (sourceDecl == nullptr) {
        errors.push_back(prefixed(Status::internal("source " + plan.source.source + " is not declared")));
        return errors[errorsBefore];
    }
    job->sourceDecl_ = *sourceDecl;
    const auto& registry = *environment.registry;
    for (const auto& error : registry.validate(*sourceDecl, connectors::ConnectorRole::kSource)) {
        errors.push_back(error);
    }
    for (const auto& error : registry.validate(plan.sink, connectors::ConnectorRole::kSink)) {
        errors.push_back(prefixed(error));
    }
    if (errors.size() > errorsBefore) return errors[errorsBefore];

    const connectors::ConnectorSpec* sourceSpec = registry.find(sourceDecl->properties.get("type"));
    const connectors::ConnectorSpec* sinkSpec = registry.find(plan.sink.properties.get("type"));
    connectors::ConnectorContext context{environment.baseDir, environment.appName, plan.name, ""};
    context.transactional = plan.transactional;
    context.instanceId = job->config_.instanceId;

    // Event time: the source's key, else the job's.
    std::vector<int> decodeColumns = plan.source.columns;
    // Event time: the source's key, else the job's. Whenever one is set it is checked, and
    // every record's event time is read — a missing or unreadable one makes the record bad
    // (§1.4), whether or not the query selects _event_time.
    bool readsEventTime = std::find(plan.source.systemColumns.begin(), plan.source.systemColumns.end(),
                                    SystemColumn::kEventTime) != plan.source.systemColumns.end();
    const plan::Property* fieldProperty = sourceDecl->properties.find("event.time.field");
    if (fieldProperty == nullptr) fieldProperty = plan.jobProperties.find("event.time.field");
    std::string field = sourceDecl->properties.has("event.time.field") ? sourceDecl->properties.get("event.time.field")
                                                                       : job->config_.eventTimeField;
    std::string format = sourceDecl->properties.has("event.time.format")
                             ? sourceDecl->properties.get("event.time.format")
                             : job->config_.eventTimeFormat;
    if (plan.source.eventTimeExpr) {
        // `expr AS _event_time` assigns it: a key naming a field as well would be ignored.
        if (!field.empty()) {
            SourceLocation at = fieldProperty != nullptr ? fieldProperty->location : plan.location;
            errors.push_back(prefixed(Status::user(
                ErrorCode::kConfigError,
                fmt::format("the query assigns _event_time, and 'event.time.field' = '{}' names a field as well: "
                            "choose one",
                            field),
                at)));
            return errors[errorsBefore];
        }
        FERRIS_ASSIGN_OR_RETURN(job->eventTimeExpr_, expr::CompiledExpr::compile(plan.source.eventTimeExpr));
        if (!readsEventTime) job->plan_.source.systemColumns.push_back(SystemColumn::kEventTime);
    } else if (readsEventTime && field.empty() && connectors::isKafkaDecl(*sourceDecl)) {
        // §1.4: without an event-time key, a Kafka source's event time is the record timestamp.
        job->recordTimestamps_ = true;
    } else if (readsEventTime && field.empty()) {
        errors.push_back(prefixed(Status::user(
            ErrorCode::kConfigError,
            fmt::format("_event_time is used but source {} has no event time: set '{}.event.time.field'",
                        sourceDecl->name, sourceDecl->name),
            plan.location)));
        return errors[errorsBefore];
    }
    if (!field.empty()) {
        auto extractor = EventTimeExtractor::create(sourceDecl->schema, field, format);
        if (!extractor.isOk()) {
            SourceLocation at = fieldProperty != nullptr ? fieldProperty->location : sourceDecl->location;
            errors.push_back(prefixed(extractor.status().withLocation(at)));
            return errors[errorsBefore];
        }
        job->eventTime_ = extractor.value();
        if (std::find(decodeColumns.begin(), decodeColumns.end(), job->eventTime_->fieldIndex()) ==
            decodeColumns.end()) {
            decodeColumns.push_back(job->eventTime_->fieldIndex());
        }
        if (!readsEventTime) job->plan_.source.systemColumns.push_back(SystemColumn::kEventTime);
    }

    // Decoder for the columns the plan reads.
    std::vector<codec::DecodeField> fields;
    for (int index : decodeColumns) {
        const auto& column = sourceDecl->schema.column(static_cast<size_t>(index));
        fields.push_back({column.name, column.type, index});
    }
    if (connectors::isKafkaDecl(*sourceDecl) && sourceDecl->schema.size() == 0) {
        errors.push_back(prefixed(Status::user(
            ErrorCode::kConfigError,
            fmt::format("kafka source {} needs a declared schema: list its columns (no schema is inferred)",
                        sourceDecl->name),
            sourceDecl->location)));
        return errors[errorsBefore];
    }
    auto decoder = makeSourceDecoder(*sourceDecl, *sourceSpec, std::move(fields), environment.baseDir);
    if (!decoder.isOk()) {
        errors.push_back(prefixed(decoder.status()));
        return errors[errorsBefore];
    }
    job->csvDecoder_ = decoder.value().csv;
    job->decoder_ = std::move(decoder.value().decoder);
    bool kafkaSource = connectors::isKafkaDecl(*sourceDecl);
    std::string sourceKeyFormat =
        kafkaSource ? connectors::ConnectorRegistry::option(*sourceDecl, *sourceSpec, "key.format") : "";
    if (kafkaSource && std::find(job->plan_.source.systemColumns.begin(), job->plan_.source.systemColumns.end(),
                                 SystemColumn::kKey) != job->plan_.source.systemColumns.end()) {
        auto keyReader = makeKeyReader(*sourceDecl, *sourceSpec, environment.baseDir);
        if (!keyReader.isOk()) {
            errors.push_back(prefixed(keyReader.status()));
            return errors[errorsBefore];
        }
        job->keyReader_ = std::move(keyReader).value();
    }

    // Encoder for the output columns.
    std::vector<codec::EncodeColumn> columns;
    for (size_t i = 0; i < plan.output.size(); ++i) {
        columns.push_back({plan.output.column(i).name, plan.output.column(i).type, static_cast<int>(i)});
    }
    bool recordSink = sinkSpec->type == "kafka_sink";
    auto encoder = makeSinkEncoder(plan, *sinkSpec, columns, environment.baseDir);
    if (!encoder.isOk()) {
        errors.push_back(prefixed(encoder.status().location().valid() ? encoder.status()
                                                                      : encoder.status().withLocation(plan.location)));
        return errors[errorsBefore];
    }
    job->encoder_ = std::move(encoder.value().encoder);
    job->encoderAtStart_ = std::move(encoder.value().atStart);
    job->keyEncoderAtStart_ = std::move(encoder.value().keyAtStart);
    codec::KeyFormat sinkKeyFormat = encoder.value().keyFormat;
    std::shared_ptr<codec::Encoder> keyEncoder = std::move(encoder.value().keyEncoder);
    context.sinkHeader = job->encoder_->header();

    // Windows and OVER close by the watermark, which follows the event time: their time
    // column must be _event_time or the source's event-time field.
    int eventSlot = static_cast<int>(plan.source.schema.systemSlot(SystemColumn::kEventTime));
    auto isEventTime = [&](int slot) {
        return slot == eventSlot || (job->eventTime_ && job->eventTime_->fieldIndex() == slot);
    };
    // Operators, expressions compiled to kernels.
    for (const auto& node : plan.operators) {
        switch (node.kind) {
            case plan::OperatorKind::kFilter: {
                FERRIS_ASSIGN_OR_RETURN(auto predicate, expr::CompiledExpr::compile(node.predicate));
                job->operators_.push_back(std::make_unique<operators::FilterOperator>(std::move(predicate)));
                break;
            }
            case plan::OperatorKind::kProject: {
                std::vector<expr::CompiledExprPtr> compiled;
                for (const auto& expression : node.exprs) {
                    FERRIS_ASSIGN_OR_RETURN(auto one, expr::CompiledExpr::compile(expression));
                    compiled.push_back(std::move(one));
                }
                job->operators_.push_back(std::make_unique<operators::ProjectOperator>(std::move(compiled)));
                break;
            }
            case plan::OperatorKind::kLimit:
                job->operators_.push_back(std::make_unique<operators::LimitOperator>(node.limit));
                break;
            case plan::OperatorKind::kOver: {
                int timeSlot = node.over->timeSlot;
                if (!isEventTime(timeSlot)) {
                    const std::string& column = sourceDecl->schema.column(static_cast<size_t>(timeSlot)).name;
                    errors.push_back(prefixed(Status::user(
                        ErrorCode::kConfigError,
                        fmt::format("OVER is ordered by column {}, but rows are released by the watermark, which "
                                    "follows the event time: set '{}.event.time.field' = '{}', or order by _event_time",
                                    column, sourceDecl->name, column),
                        plan.location)));
                    return errors[errorsBefore];
                }
                auto over = std::make_shared<plan::OverNode>(*node.over);
                over->allowedLatenessMicros = job->config_.allowedLatenessMicros;
                over->late = job->config_.lateDeadLetter ? plan::AggregateNode::LateStrategy::kDeadLetter
                                                         : plan::AggregateNode::LateStrategy::kDrop;
                over->ttlMicros = job->config_.stateTtlMicros;
                if (job->config_.lateUpdate) {
                    const plan::Property* property = plan.jobProperties.find("late.data.strategy");
                    errors.push_back(prefixed(Status::notSupported(
                        "late.data.strategy 'update' with analytic functions (OVER)",
                        property != nullptr ? property->location : plan.location)));
                    return errors[errorsBefore];
                }
                auto op = operators::OverOperator::create(over, sourceDecl->schema);
                if (!op.isOk()) {
                    errors.push_back(prefixed(op.status().withLocation(plan.location)));
                    return errors[errorsBefore];
                }
                job->rebuild_.resize(job->operators_.size());
                job->rebuild_.push_back(
                    [over, schema = sourceDecl->schema]() -> Result<operators::OperatorPtr> {
                        FERRIS_ASSIGN_OR_RETURN(auto fresh,
                                                operators::OverOperator::create(over, schema));
                        return operators::OperatorPtr(std::move(fresh));
                    });
                job->operators_.push_back(std::move(op).value());
                break;
            }
            case plan::OperatorKind::kAggregate: {
                // Event-time windows close by the watermark, which follows the event time: a
                // window over another TIMESTAMP column would never close before end of input.
                const auto& window = node.aggregate->window;
                if (window.kind != plan::WindowKind::kNone && !window.processingTime && !isEventTime(window.timeSlot)) {
                    const std::string& column = sourceDecl->schema.column(static_cast<size_t>(window.timeSlot)).name;
                    errors.push_back(prefixed(Status::user(
                        ErrorCode::kConfigError,
                        fmt::format("the window is over column {}, but the watermark follows the event time: set "
                                    "'{}.event.time.field' = '{}', or window over _event_time",
                                    column, sourceDecl->name, column),
                        plan.location)));
                    return errors[errorsBefore];
                }
                // The job's lateness settings complete the plan's aggregation.
                auto aggregate = std::make_shared<plan::AggregateNode>(*node.aggregate);
                aggregate->allowedLatenessMicros = job->config_.allowedLatenessMicros;
                aggregate->late = job->config_.lateDeadLetter ? plan::AggregateNode::LateStrategy::kDeadLetter
                                                              : plan::AggregateNode::LateStrategy::kDrop;
                if (job->config_.lateUpdate) {
                    const plan::Property* property = plan.jobProperties.find("late.data.strategy");
                    SourceLocation at = property != nullptr ? property->location : plan.location;
                    if (!plan.changelog || window.kind == plan::WindowKind::kNone ||
                        aggregate->emit != plan::EmitMode::kFinal) {
                        errors.push_back(prefixed(Status::user(
                            ErrorCode::kConfigError,
                            "late.data.strategy 'update' re-emits corrected window rows: it needs a CREATE TABLE "
                            "with a windowed EMIT FINAL aggregation",
                            at)));
                        return errors[errorsBefore];
                    }
                    aggregate->late = plan::AggregateNode::LateStrategy::kUpdate;
                }
                FERRIS_ASSIGN_OR_RETURN(auto op, operators::AggregateOperator::create(aggregate));
                job->rebuild_.resize(job->operators_.size());
                job->rebuild_.push_back([aggregate]() -> Result<operators::OperatorPtr> {
                    FERRIS_ASSIGN_OR_RETURN(auto fresh,
                                            operators::AggregateOperator::create(aggregate));
                    return operators::OperatorPtr(std::move(fresh));
                });
                job->operators_.push_back(std::move(op));
                break;
            }
        }
    }
    job->stateful_ = std::any_of(job->operators_.begin(), job->operators_.end(),
                                 [](const auto& op) { return op->stateful(); });
    job->metrics_.stateful = job->stateful_;
    job->metrics_.retries = job->config_.failureStrategy == FailureStrategy::kRetryWithBackoff;
    if (job->config_.circuitBreaker.enabled) {
        // It watches delivery reports, which only a Kafka sink has: a file sink that cannot
        // write fails the job.
        if (!recordSink) {
            const plan::Property* property = plan.jobProperties.find("circuit.breaker.enabled");
            errors.push_back(
                prefixed(Status::user(ErrorCode::kConfigError,
                                      fmt::format("a circuit breaker watches a Kafka sink's "
                                                  "deliveries; the {} of this job has none (a "
                                                  "write that fails fails the job)",
                                                  sinkSpec->type),
                                      property != nullptr ? property->location : plan.location)));
            return errors[errorsBefore];
        }
        job->breaker_.emplace(job->config_.circuitBreaker);
        job->metrics_.breaker = true;
    }
    if (job->config_.batchStrategy == BatchStrategy::kAdaptive) {
        // batch.size is where the size starts; it may go up to a time_window batch's limit.
        job->batchSizer_.emplace(job->config_.batchSize, job->config_.batchTargetLatencyMicros,
                                 1'000'000);
        job->metrics_.adaptiveBatchSize.store(static_cast<int64_t>(job->config_.batchSize));
    }
    // §2.2 transactional: with a Kafka sink, the output, the source offsets, the state
    // changelog and DLQ records commit in one Kafka transaction; with a file sink, part files
    // are renamed into place once the checkpoint holding them is installed.
    bool kafkaTransactions = plan.transactional && sinkSpec->type == "kafka_sink";
    job->metrics_.transactional = kafkaTransactions;
    if (plan.transactional) {
        auto notYet = [&](const std::string& what) {
            errors.push_back(prefixed(Status::notSupported(what, plan.modeLocation)));
        };
        if (!recordSink && sinkSpec->type != "file_sink") {
            errors.push_back(prefixed(Status::user(
                ErrorCode::kConfigError,
                fmt::format("@job_mode: transactional needs a kafka_sink or a file_sink: a {} cannot take back "
                            "what an aborted transaction wrote",
                            sinkSpec->type),
                plan.modeLocation)));
        } else if (!kafkaTransactions) {
            // Exactly-once file output needs nothing more: the checkpoint is the commit.
        } else if (!kafkaSource) {
            notYet(fmt::format(
                "@job_mode: transactional with a {} source (its positions cannot join a Kafka "
                "transaction)",
                sourceSpec->type));
        } else if (std::any_of(plan.operators.begin(), plan.operators.end(),
                               [](const auto& node) { return node.kind == plan::OperatorKind::kLimit; })) {
            notYet("@job_mode: transactional with LIMIT (its count rolled back with an aborted transaction)");
        } else if (!job->config_.dlqPath.empty()) {
            notYet("@job_mode: transactional with a DLQ file (set 'dlq.topic': DLQ records in a topic join the "
                   "transaction)");
        }
        if (errors.size() > errorsBefore) return errors[errorsBefore];
    }
    // §2.2: a transactional stateful job keeps its state in a changelog topic.
    context.changelog = kafkaTransactions && job->stateful_;
    if (!context.changelog) {
        if (const plan::Property* property =
                plan.jobProperties.find("state.changelog.replication.factor")) {
            errors.push_back(
                prefixed(Status::user(ErrorCode::kConfigError,
                                      "'state.changelog.replication.factor' is set but the job "
                                      "keeps no changelog topic: only a stateful query in "
                                      "@job_mode: transactional does",
                                      property->location)));
            return errors[errorsBefore];
        }
    }
    if (!plan.metrics.empty()) {
        auto sqlMetrics = SqlMetrics::create(plan);
        if (!sqlMetrics.isOk()) {
            errors.push_back(prefixed(sqlMetrics.status().withLocation(plan.location)));
            return errors[errorsBefore];
        }
        job->sqlMetrics_ = std::move(sqlMetrics).value();
    }
    if (recordSink) {
        // §1.4.1: the key columns' text, else (stateless) the input's key; stateless jobs
        // pass headers through, aggregations emit none.
        codec::RecordLayout layout;
        for (int index : plan.keyColumns) layout.keyColumns.push_back(columns[static_cast<size_t>(index)]);
        layout.passKeys = !job->stateful_;
        layout.passHeaders = !job->stateful_;
        layout.keyFormat = sinkKeyFormat;
        layout.keyEncoder = std::move(keyEncoder);
        // Without key columns the sink writes the input's keys as they are (stateless) or
        // none: their format is the source's, and a key format would do nothing.
        const plan::Property* keyFormatProperty = plan.sink.properties.find("key.format");
        if (layout.keyColumns.empty() && keyFormatProperty != nullptr) {
            std::string sinkFormat = codec::keyFormatName(sinkKeyFormat);
            if (!layout.passKeys || !kafkaSource) {
                errors.push_back(prefixed(Status::user(
                    ErrorCode::kConfigError,
                    fmt::format("'{}' is set but the sink writes no keys: mark PRIMARY KEY columns (or GROUP BY) to "
                                "key its records",
                                keyFormatProperty->fullKey),
                    keyFormatProperty->location)));
                return errors[errorsBefore];
            }
            if (sinkFormat != sourceKeyFormat) {
                errors.push_back(prefixed(Status::user(
                    ErrorCode::kConfigError,
                    fmt::format("'{}' is '{}', but the sink writes the input keys unchanged and source {}'s "
                                "key.format is '{}': make them the same, or mark PRIMARY KEY columns to write "
                                "new keys",
                                keyFormatProperty->fullKey, sinkFormat, sourceDecl->name, sourceKeyFormat),
                    keyFormatProperty->location)));
                return errors[errorsBefore];
            }
        }
        for (const auto& op : plan.headerOps) layout.headerOps.push_back({op.set, op.keySlot, op.valueSlot});
        job->recordLayout_ = layout;
        job->records_ = std::make_unique<codec::RecordAssembler>(*job->encoder_, std::move(layout));
    }
    if (environment.indexTables && plan.kind == plan::JobKind::kCreateTable && !plan.keyColumns.empty()) {
        auto index = std::make_unique<TableIndex>();
        FERRIS_ASSIGN_OR_RETURN(index->rows, codec::makeJsonEncoder(columns, codec::TimestampFormat::kEpochMillis));
        codec::RecordLayout keyLayout;
        for (int slot : plan.keyColumns) keyLayout.keyColumns.push_back(columns[static_cast<size_t>(slot)]);
        index->keys = std::make_unique<codec::RecordAssembler>(*index->rows, std::move(keyLayout));
        job->tableIndex_ = std::move(index);
    }

    // Keys that shape event-time windows do nothing in a job without one.
    bool eventTimeWindow = false;
    bool over = false;
    for (const auto& node : plan.operators) {
        if (node.kind == plan::OperatorKind::kOver) eventTimeWindow = over = true;
        if (node.kind == plan::OperatorKind::kAggregate && node.aggregate->window.kind != plan::WindowKind::kNone &&
            !node.aggregate->window.processingTime) {
            eventTimeWindow = true;
        }
    }
    if (!eventTimeWindow) {
        for (const char* key : {"allowed.lateness", "late.data.strategy", "watermark.strategy",
                                "watermark.max_out_of_orderness", "watermark.idle_timeout"}) {
            const plan::Property* property = plan.jobProperties.find(key);
            if (property == nullptr) continue;
            errors.push_back(prefixed(Status::user(
                ErrorCode::kConfigError,
                fmt::format("'{}' is set but the job has no event-time window: it would do nothing", key),
                property->location)));
        }
        if (errors.size() > errorsBefore) return errors[errorsBefore];
    }
    if (!over) {
        if (const plan::Property* property = plan.jobProperties.find("state.ttl")) {
            errors.push_back(prefixed(Status::user(
                ErrorCode::kConfigError,
                "'state.ttl' is set but the job has no analytic function (OVER): it would do nothing (windows "
                "bound GROUP BY state)",
                property->location)));
            return errors[errorsBefore];
        }
    }

    {
        // A Kafka source commits its offsets in the sink's transaction only with a Kafka sink;
        // under a file sink, its positions are in the checkpoint, as in simple mode.
        connectors::ConnectorContext sourceContext = context;
        sourceContext.transactional = kafkaTransactions;
        FERRIS_ASSIGN_OR_RETURN(job->source_, sourceSpec->makeSource(sourceContext, *sourceDecl));
        if (!job->config_.dlqTopic.empty() && connectors::isKafkaDecl(*sourceDecl)) {
            // A replay inside the job reads the DLQ topic as its group
            // ferris.<app>.<job>.dlq-replay.
            connectors::ConnectorContext replayContext = sourceContext;
            replayContext.jobName = plan.name + ".dlq-replay";
            plan::ConnectorDecl replayDecl =
                connectors::dlqReplaySourceDecl(*sourceDecl, plan.sink, job->config_.dlqTopic);
            job->makeDlqTopicSource_ = [sourceSpec, replayContext, replayDecl] {
                return sourceSpec->makeSource(replayContext, replayDecl);
            };
        }
    }
    FERRIS_ASSIGN_OR_RETURN(job->sink_, sinkSpec->makeSink(context, plan.sink));
    if (context.changelog) {
        FERRIS_ASSIGN_OR_RETURN(job->changelog_, connectors::makeKafkaChangelog(
                                                     context, plan.sink, job->sink_.get(),
                                                     job->config_.changelogReplicationFactor));
    }
    job->watermarks_ = WatermarkTracker(job->config_.watermarkAscending ? 0 : job->config_.maxOutOfOrdernessMicros,
                                        job->config_.idleTimeoutMicros, environment.clock->nowMicros());
    job->initialWatermarks_ = job->watermarks_;
    job->failures_ = std::make_unique<FailureHandler>(plan.name, sourceDecl->name, job->source_->describe(),
                                                      job->source_->topic(), job->config_.failureStrategy,
                                                      *environment.clock, job->metrics_);
    if (!job->config_.dlqTopic.empty()) {
        // The DLQ topic lives on the broker of the job's Kafka sink, else its Kafka source.
        const plan::ConnectorDecl* broker = connectors::isKafkaDecl(plan.sink)      ? &plan.sink
                                            : connectors::isKafkaDecl(*sourceDecl) ? sourceDecl
                                                                                   : nullptr;
        if (broker == nullptr) {
            const plan::Property* property = plan.jobProperties.find("dlq.topic");
            errors.push_back(prefixed(Status::user(
                ErrorCode::kConfigError,
                "'dlq.topic' needs a Kafka source or sink in the job to take the broker from; use 'dlq.path' for a "
                "DLQ file",
                property != nullptr ? property->location : plan.location)));
            return errors[errorsBefore];
        }
        // Transactional: DLQ records join the sink's transactions (§2.2).
        FERRIS_ASSIGN_OR_RETURN(job->dlqTopicSink_,
                                connectors::makeKafkaDlqSink(context, *broker, job->config_.dlqTopic,
                                                             kafkaTransactions ? job->sink_.get() : nullptr));
    }
    return job;
}

void Job::setReplay() {
    replay_ = true;
    if (!records_) return;
    recordLayout_.dropDlqHeaders = true;
    records_ = std::make_unique<codec::RecordAssembler>(*encoder_, recordLayout_);
}

Status Job::openState(bool reset) {
    std::filesystem::path stateDir(config_.stateDir);
    if (stateDir.is_relative()) stateDir = environment_.baseDir / stateDir;
    auto directory = state::CheckpointStore::jobDirectory(stateDir, environment_.appName, plan_.name);
    resetState_ = reset;
    if (reset) FERRIS_RETURN_IF_ERROR(state::CheckpointStore::removeJobDirectory(directory));
    FERRIS_ASSIGN_OR_RETURN(auto store, state::CheckpointStore::open(directory));
    checkpoints_.emplace(std::move(store));
    fingerprint_ = state::StateFingerprint();
    for (const auto& op : operators_) {
        std::string layout = op->stateLayout();
        if (!layout.empty()) fingerprint_.add(std::move(layout));
    }
    const auto& latest = checkpoints_->latest();
    if (!latest || latest->info.finished) return Status::ok();
    auto written = state::StateFingerprint::decode(latest->info.fingerprint);
    std::string difference = written.isOk() ? state::StateFingerprint::describeDifference(written.value(), fingerprint_)
                                            : written.status().message();
    if (!difference.empty()) {
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("job {}: the checkpoint in {} was written by a different query ({}); run with "
                                        "--reset-state {} to discard it",
                                        plan_.name, directory.string(), difference, plan_.name));
    }
    return Status::ok();
}

Status Job::restore(const state::Manifest& manifest) {
    const auto& blobs = manifest.info.blobs;
    auto blob = [&](const char* name) -> std::string_view {
        auto found = blobs.find(name);
        return found == blobs.end() ? std::string_view() : std::string_view(found->second);
    };
    FERRIS_RETURN_IF_ERROR(sink_->restore(blob("sink")));
    FERRIS_RETURN_IF_ERROR(failures_->restoreDlq(blob("dlq")));
    dlqReplayed_ = 0;
    if (!blob("dlq.replay").empty() && !types::parseInt64(blob("dlq.replay"), dlqReplayed_)) {
        return Status::internal("corrupt DLQ replay position in the checkpoint");
    }
    std::string_view position = blob("source");
    if (!position.empty()) {
        FERRIS_ASSIGN_OR_RETURN(std::string digest, source_->contentDigest(position));
        if (digest != blob("source.digest")) {
            return Status::user(ErrorCode::kConfigError,
                                fmt::format("source {} ({}) no longer holds the input the checkpoint in {} read; run "
                                            "with --reset-state {} to start over",
                                            sourceDecl_.name, source_->describe(), checkpoints_->directory().string(),
                                            plan_.name));
        }
        FERRIS_RETURN_IF_ERROR(source_->seek(position));
    }
    // A changelog job's state, watermark and counters are in its changelog topic.
    if (changelog_) return Status::ok();
    if (!watermarks_.deserialize(blob("watermark"))) {
        return Status::internal("corrupt watermark state in the checkpoint");
    }
    std::string_view counters = blob("job");
    if (!types::parseInt64(counters, arrival_)) return Status::internal("corrupt job counters in the checkpoint");
    Status status;
    FERRIS_RETURN_IF_ERROR(checkpoints_->loadState(
        manifest, [&](state::StoreId store, std::string_view key, std::string_view value) {
            if (!status.isOk()) return;
            if (store >= operators_.size()) {
                status = Status::internal(fmt::format("the checkpoint holds state of operator {}, which the job lacks", store));
                return;
            }
            status = operators_[store]->restoreEntry(key, value);
        }));
    FERRIS_RETURN_IF_ERROR(status);
    for (const auto& op : operators_) {
        if (op->stateful()) FERRIS_RETURN_IF_ERROR(op->finishRestore());
    }
    return Status::ok();
}

Status Job::start() {
    auto failed = [&](const Status& status) {
        state_ = JobState::kFailed;
        return status.withContext(fmt::format("job {}", plan_.name));
    };
    if (!checkpoints_) {
        Status opened = openState(false);
        if (!opened.isOk()) {
            state_ = JobState::kFailed;
            return opened;
        }
    }
    const auto& latest = checkpoints_->latest();
    resumed_ = latest && !latest->info.finished;
    if (latest && !resumed_) {
        // The last run finished its bounded input: this one starts from the beginning.
        Status status = checkpoints_->reset();
        if (!status.isOk()) return failed(status);
    }
    Status status = source_->open();
    if (!status.isOk()) return failed(status);
    if (csvDecoder_ != nullptr && csvDecoder_->expectsHeader()) {
        auto header = source_->formatHeader();
        if (!header) return failed(Status::internal("CSV source without a header line"));
        status = csvDecoder_->setHeader(*header);
        if (!status.isOk()) return failed(status.withContext(source_->describe()));
    }
    sink_->setInterrupt(&interrupted_);
    status = sink_->open(/*truncate=*/!resumed_);
    if (!status.isOk()) return failed(status);
    // Transactional: init_transactions has fenced any earlier instance and aborted its open
    // transaction; nothing is restored or read yet (§2.2 start-up order).
    if (plan_.transactional) faultPoint("in_restore");
    if (changelog_) {
        // §2.2 start-up: the state is read (read_committed) after init_transactions fenced the
        // previous incarnation, before any input.
        changelog_->setInterrupt(&interrupted_);
        auto created =
            changelog_->open(static_cast<int>(std::max<size_t>(source_->partitionCount(), 1)));
        if (!created.isOk()) return failed(created.status());
        if (!created.value()) {
            status = loadChangelog();
            if (!status.isOk()) return failed(status);
        }
    }
    if (encoderAtStart_) {
        // Avro through a registry: the schema is registered now, records framed with its id.
        auto encoder = encoderAtStart_();
        if (!encoder.isOk()) return failed(encoder.status());
        encoder_ = std::move(encoder).value();
    }
    if (keyEncoderAtStart_) {
        // Avro keys through a registry: the key schema is registered under the key subject.
        auto encoder = keyEncoderAtStart_();
        if (!encoder.isOk()) return failed(encoder.status());
        recordLayout_.keyEncoder = std::move(encoder).value();
    }
    if (records_ && (encoderAtStart_ || keyEncoderAtStart_)) {
        records_ = std::make_unique<codec::RecordAssembler>(*encoder_, recordLayout_);
    }
    watermarks_.setPartitions(source_->partitionCount());
    source_->setBeforeRevoke([this] { return commit(); });
    if (dlqTopicSink_) {
        dlqTopicSink_->setInterrupt(&interrupted_);
        status = failures_->openDlqTopic(std::move(dlqTopicSink_));
        if (!status.isOk()) return failed(status);
    } else if (!config_.dlqPath.empty()) {
        std::filesystem::path path(config_.dlqPath);
        if (path.is_relative()) path = environment_.baseDir / path;
        status = failures_->openDlq(path, /*truncate=*/!resumed_);
        if (!status.isOk()) return failed(status);
    }
    if (resumed_) {
        status = restore(*latest);
        if (!status.isOk()) return failed(status);
        FERRIS_LOG_INFO(plan_.name, "resumed from checkpoint {} in {}", latest->checkpointId,
                        checkpoints_->directory().string());
    }
    lastCommitMicros_ = environment_.clock->nowMicros();
    state_ = JobState::kRunning;
    return Status::ok();
}

void Job::fillRowOrigin(Batch& batch) {
    auto& origin = batch.origin();
    origin.clear();
    origin.reserve(raw_.records.size());
    for (const auto& record : raw_.records) {
        origin.partition.push_back(record.partition);
        origin.offset.push_back(record.offset);
        origin.line.push_back(record.line);
        origin.arrival.push_back(arrival_++);
        origin.watermarkBefore.push_back(types::kMinWatermark);
        origin.original.push_back(record.value);
        origin.key.push_back(record.key);
        origin.hasKey.push_back(record.hasKey ? 1 : 0);
        origin.headerBegin.push_back(record.headerBegin);
    }
    if (!raw_.records.empty()) origin.headerBegin.push_back(raw_.records.back().headerEnd);
    origin.headers = raw_.headers;
    for (auto& buffer : raw_.buffers) batch.pin(std::move(buffer));
}

void Job::fillSystemColumns(Batch& batch, int64_t now) {
    const auto& schema = plan_.source.schema;
    uint32_t rows = batch.numRows();
    for (SystemColumn column : plan_.source.systemColumns) {
        auto vector = std::make_shared<types::Vector>(types::systemColumnType(column), rows);
        switch (column) {
            case SystemColumn::kOffset:
                for (uint32_t row = 0; row < rows; ++row) vector->values<int64_t>()[row] = raw_.records[row].offset;
                break;
            case SystemColumn::kPartition:
                for (uint32_t row = 0; row < rows; ++row) vector->values<int64_t>()[row] = raw_.records[row].partition;
                break;
            case SystemColumn::kProcessingTime:
                for (uint32_t row = 0; row < rows; ++row) vector->values<int64_t>()[row] = now;
                break;
            case SystemColumn::kKey:
                for (uint32_t row = 0; row < rows; ++row) {
                    if (!raw_.records[row].hasKey) {
                        vector->setNull(row);
                    } else if (!keyReader_) {
                        vector->values<std::string_view>()[row] = raw_.records[row].key;
                    } else {
                        // json/avro keys: their §1.4.1 text; a key the format cannot read is the row's error.
                        keyText_.clear();
                        std::string error;
                        if (keyReader_->appendText(raw_.records[row].key, keyText_, error)) {
                            vector->values<std::string_view>()[row] = batch.arena().copy(keyText_);
                        } else {
                            vector->setNull(row);
                            batch.addError(row, ErrorCode::kDecodeError, std::move(error));
                        }
                    }
                }
                break;
            case SystemColumn::kTimestamp:
                for (uint32_t row = 0; row < rows; ++row) {
                    if (raw_.records[row].timestampMicros != 0) {
                        vector->values<int64_t>()[row] = raw_.records[row].timestampMicros;
                    } else {
                        vector->setNull(row);
                    }
                }
                break;
            case SystemColumn::kEventTime:
                if (eventTime_) {
                    eventTime_->extract(batch, eventTime_->fieldIndex(), *vector);
                } else if (recordTimestamps_) {
                    for (uint32_t row = 0; row < rows; ++row) {
                        if (raw_.records[row].timestampMicros != 0) {
                            vector->values<int64_t>()[row] = raw_.records[row].timestampMicros;
                        } else {
                            vector->setNull(row);
                            batch.addError(row, ErrorCode::kInvalidArgument,
                                           "the record has no timestamp, and it is the event time (no "
                                           "event.time.field)");
                        }
                    }
                }
                break;  // an assigned event time is computed below, from the other columns
            case SystemColumn::kTopic: {
                std::string topic = source_->topic();
                if (topic.empty()) {
                    for (uint32_t row = 0; row < rows; ++row) vector->setNull(row);
                } else {
                    std::string_view view = batch.arena().copy(topic);
                    for (uint32_t row = 0; row < rows; ++row) vector->values<std::string_view>()[row] = view;
                }
                break;
            }
            default:  // _topic and window bounds: NULL for a file source
                for (uint32_t row = 0; row < rows; ++row) vector->setNull(row);
        }
        batch.columns()[schema.systemSlot(column)] = std::move(vector);
    }
    if (eventTimeExpr_) {
        // `expr AS _event_time`, on every decoded record; NULL makes the record bad (§1.4).
        expr::EvalContext context(batch, now);
        std::vector<uint32_t> selected(batch.selection().begin(), batch.selection().end());
        types::VectorPtr times = eventTimeExpr_->eval(context, selected);
        auto& column = batch.column(schema.systemSlot(SystemColumn::kEventTime));
        for (uint32_t row : selected) {
            if (times->isNull(row)) {
                batch.addError(row, ErrorCode::kInvalidArgument, "the assigned _event_time is NULL");
                column.setNull(row);
            } else {
                column.values<int64_t>()[row] = times->values<int64_t>()[row];
            }
        }
        batch.removeErroredRows();
    }
}

Status Job::processRecords(size_t count, bool replayed) {
    int64_t now = environment_.clock->nowMicros();
    Batch batch;
    batch.setNumRows(static_cast<uint32_t>(count));
    batch.columns().resize(plan_.source.schema.numSlots());
    int64_t bytes = 0;
    for (const auto& record : raw_.records) bytes += static_cast<int64_t>(record.value.size());
    fillRowOrigin(batch);
    decoder_->decode(raw_.records, batch);
    fillSystemColumns(batch, now);
    metrics_.recordsIn.fetch_add(static_cast<int64_t>(count), std::memory_order_relaxed);
    metrics_.bytesIn.fetch_add(bytes, std::memory_order_relaxed);
    metrics_.batches.fetch_add(1, std::memory_order_relaxed);
    replayBatch_ = replayed;
    Status status = processBatch(batch, now);
    replayBatch_ = false;
    if (status.isOk() && !replayed) observeBatch(count, now);  // DLQ records are old: no latency
    return status;
}

Status Job::processBatch(Batch& batch, int64_t now) {
    if (replayBatch_) {
        watermarks_.holdOver(batch);  // records of the past, read again from the DLQ
    } else {
        // The watermark before each row and after the batch, from every decoded record.
        const types::Vector* eventTime = nullptr;
        if (eventTime_ || eventTimeExpr_ || recordTimestamps_) {
            eventTime = &batch.column(plan_.source.schema.systemSlot(SystemColumn::kEventTime));
        }
        watermarks_.advanceOver(batch, eventTime, now);
    }
    // One clock reading per batch: NOW() and _processing_time agree.
    operators::OperatorContext context{now, watermarks_.current()};
    return runOperators(0, batch, context);
}

Status Job::runOperators(size_t first, Batch& batch, const operators::OperatorContext& context) {
    // Bad rows leave the selection after each step; the failure handler gets them all at
    // the end of the batch, in input order (so the DLQ order does not depend on batch.size).
    batch.removeErroredRows();
    for (size_t i = first; i < operators_.size(); ++i) {
        auto& op = operators_[i];
        // A stateful operator sees even an empty batch: its watermark may close windows.
        if (batch.numSelected() == 0 && !op->stateful()) break;
        FERRIS_RETURN_IF_ERROR(op->process(batch, context));
        batch.removeErroredRows();
        if (op->replacesBatch()) {
            // The input's bad rows still have their origin: report them now.
            FERRIS_RETURN_IF_ERROR(failures_->handle(batch));
            FERRIS_RETURN_IF_ERROR(checkMemory(batch));
            batch = op->takeOutput();
            batch.removeErroredRows();
        }
    }
    FERRIS_RETURN_IF_ERROR(failures_->handle(batch));
    FERRIS_RETURN_IF_ERROR(checkMemory(batch));
    if (batch.numSelected() > 0) {
        if (sqlMetrics_) sqlMetrics_->observe(batch, context.nowMicros);
        if (tableIndex_) indexRows(batch);
        encoded_.clear();
        if (records_) {
            (replayBatch_ && replayRecords_ ? *replayRecords_ : *records_)
                .assemble(batch, encoded_);
        } else {
            encoder_->encode(batch, encoded_.data);
            encoded_.rows = batch.numSelected();
        }
        FERRIS_RETURN_IF_ERROR(sink_->write(encoded_));
        metrics_.recordsOut.fetch_add(batch.numSelected(), std::memory_order_relaxed);
        faultPoint("after_produce");
    }
    return Status::ok();
}

Status Job::resendFailedOutput() {
    if (!records_) return Status::ok();  // only record sinks (Kafka) report failed deliveries
    encoded_.clear();
    size_t kept = 0;
    for (size_t i = 0; i < raw_.records.size(); ++i) {
        const auto& record = raw_.records[i];
        bool output = false;
        for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
            const auto& header = raw_.headers[h];
            output |= header.key == "ferris.error.kind" &&
                      header.value == errorCodeName(ErrorCode::kDeliveryFailed);
        }
        if (!output) {
            raw_.records[kept++] = record;
            continue;
        }
        encoded_.append(record.hasKey ? std::optional(record.key) : std::nullopt,
                        record.valueIsNull ? std::nullopt : std::optional(record.value));
        for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
            const auto& header = raw_.headers[h];
            if (!header.key.starts_with("ferris."))
                encoded_.addHeader(header.key, header.value, header.valueIsNull);
        }
    }
    raw_.records.resize(kept);
    if (encoded_.records.empty()) return Status::ok();
    auto resent = static_cast<int64_t>(encoded_.records.size());
    FERRIS_RETURN_IF_ERROR(sink_->write(encoded_));
    metrics_.recordsIn.fetch_add(resent, std::memory_order_relaxed);
    metrics_.recordsOut.fetch_add(resent, std::memory_order_relaxed);
    return Status::ok();
}

Status Job::checkMemory(const Batch& batch) {
    size_t state = 0;
    if (stateful_) {
        operators::LateCounts late;
        for (const auto& op : operators_) {
            state += op->stateBytes();
            auto counts = op->lateCounts();
            late.dropped += counts.dropped;
            late.deadLettered += counts.deadLettered;
        }
        metrics_.stateBytes.store(static_cast<int64_t>(state), std::memory_order_relaxed);
        metrics_.lateDropped.store(late.dropped, std::memory_order_relaxed);
        metrics_.lateDeadLettered.store(late.deadLettered, std::memory_order_relaxed);
        int64_t watermark = watermarks_.current();
        metrics_.watermarkMicros.store(watermark, std::memory_order_relaxed);
        if (watermark != INT64_MIN && watermark != INT64_MAX) {
            metrics_.watermarkDelayMicros.store(std::max<int64_t>(environment_.clock->nowMicros() - watermark, 0),
                                                std::memory_order_relaxed);
        }
    }
    metrics_.batchBytes.store(static_cast<int64_t>(batch.bytesUsed()), std::memory_order_relaxed);
    size_t used = batch.bytesUsed() + state + static_cast<size_t>(metrics_.tableIndexBytes.load());
    if (used > static_cast<size_t>(config_.maxMemoryBytes)) {
        return Status::user(ErrorCode::kResourceExhausted,
                            fmt::format("the job needs {:.1f} MB ({:.1f} MB of state, {:.1f} MB of batch), over its "
                                        "max.memory.mb of {} MB",
                                        static_cast<double>(used) / (1 << 20), static_cast<double>(state) / (1 << 20),
                                        static_cast<double>(batch.bytesUsed()) / (1 << 20),
                                        config_.maxMemoryBytes >> 20));
    }
    return Status::ok();
}

Status Job::advanceTime(int64_t now) {
    if (!stateful_) return Status::ok();
    operators::OperatorContext context{now, watermarks_.current()};
    for (size_t i = 0; i < operators_.size(); ++i) {
        if (!operators_[i]->stateful()) continue;
        do {
            Batch output;
            FERRIS_RETURN_IF_ERROR(operators_[i]->advance(context, output));
            FERRIS_RETURN_IF_ERROR(runOperators(i + 1, output, context));
        } while (operators_[i]->moreDue(context));
    }
    return Status::ok();
}

Result<bool> Job::commitTransaction(bool background) {
    // Transactions commit in order: one still running ends first. An aborted one rewound
    // the source past everything read since, so nothing is left to commit now.
    if (running_) {
        FERRIS_ASSIGN_OR_RETURN(bool committed, collectCommit(/*wait=*/true));
        if (!committed) return false;
    }
    // §2.2 transactional: the output and the source's offsets commit in one transaction.
    // After a failed batch the source has read past what was processed: nothing is committed
    // (closing the sink aborts the open transaction).
    if (failedBatch_) return false;
    // The interval runs from commit start to commit start: output waits commit.interval plus
    // one commit at most (§3: p99 visibility ≤ commit.interval + 10 ms).
    lastCommitMicros_ = environment_.clock->nowMicros();
    FERRIS_ASSIGN_OR_RETURN(auto offsets, source_->transactionOffsets());
    if (dlqReplay_) {
        // A DLQ replay's offsets (its own group's) commit in the same transaction.
        FERRIS_ASSIGN_OR_RETURN(auto replayed, dlqReplay_->source->transactionOffsets());
        offsets.mustAbort |= replayed.mustAbort;
        offsets.alongside.push_back(std::move(replayed));
    }
    bool moved = offsets.moved();
    if (offsets.mustAbort) {
        return settleCommit(
            sink_->abortTransaction().withContext("partitions lost since the last commit"), moved,
            /*mustAbort=*/true, {});
    }
    // The state changes join the output and the offsets in the transaction.
    if (changelog_) FERRIS_RETURN_IF_ERROR(writeChangelog(moved));
    // The SQL-defined metrics as this transaction has them (restored should a later one abort).
    SqlMetrics::Snapshot metrics;
    if (sqlMetrics_) metrics = sqlMetrics_->snapshot();
    if (!background) {
        return settleCommit(sink_->commitTransaction(offsets), moved, /*mustAbort=*/false,
                            std::move(metrics));
    }
    // The job reads and processes on while the sink commits; its output waits for the next
    // transaction. Should this commit be aborted, what was read since is read again too.
    RunningCommit commit;
    commit.moved = moved;
    commit.metrics = std::move(metrics);
    FERRIS_RETURN_IF_ERROR(sink_->startCommitTransaction(std::move(offsets)));
    running_ = std::move(commit);
    return true;
}

Result<bool> Job::collectCommit(bool wait) {
    if (!running_) return true;
    std::optional<Status> outcome = sink_->commitOutcome(wait);
    if (!outcome) return true;  // still running
    RunningCommit commit = std::move(*running_);
    running_.reset();
    return settleCommit(std::move(*outcome), commit.moved, /*mustAbort=*/false,
                        std::move(commit.metrics));
}

Result<bool> Job::settleCommit(Status status, bool moved, bool mustAbort,
                               SqlMetrics::Snapshot metrics) {
    if (status.isOk() && mustAbort) {
        status = Status::system(ErrorCode::kTransactionAborted, "transaction aborted: the source lost partitions "
                                                                "it had read since the last commit");
    }
    if (status.code() == ErrorCode::kTransactionAborted) {
        metrics_.transactionsAborted.fetch_add(1, std::memory_order_relaxed);
        observeDelivery(/*failed=*/true);
        FERRIS_LOG_WARN(plan_.name, "{}", status.message());
        // retry_with_backoff: max_retries aborts in a row are retried, each after a backoff;
        // otherwise kMaxConsecutiveAborts, at once.
        bool retry = config_.failureStrategy == FailureStrategy::kRetryWithBackoff;
        int allowed = retry ? config_.maxRetries + 1 : kMaxConsecutiveAborts;
        if (++consecutiveAborts_ >= allowed) {
            return status.withContext(fmt::format("{} transactions aborted in a row, the last", consecutiveAborts_));
        }
        if (retry && !waitInterruptibly(backoffMicros(consecutiveAborts_))) return status;
        // Its records are read and written again, over the state (and the SQL-defined
        // metrics) of the last commit.
        if (changelog_) FERRIS_RETURN_IF_ERROR(restoreChangelog());
        if (sqlMetrics_) sqlMetrics_->restore(committedMetrics_);
        FERRIS_RETURN_IF_ERROR(source_->rewind());
        if (dlqReplay_) FERRIS_RETURN_IF_ERROR(dlqReplay_->source->rewind());
        return false;
    }
    FERRIS_RETURN_IF_ERROR(status);
    // Only a commit that moved the source ends a run of aborts (not an empty one while the
    // rewound records are fetched again).
    if (moved) {
        consecutiveAborts_ = 0;
        observeDelivery(/*failed=*/false);
    }
    faultPoint("in_commit");
    source_->transactionCommitted();
    if (dlqReplay_) dlqReplay_->source->transactionCommitted();
    if (sqlMetrics_) committedMetrics_ = std::move(metrics);
    metrics_.transactionsCommitted.fetch_add(1, std::memory_order_relaxed);
    // The checkpoint keeps what a rerun needs beyond the group's offsets: a bounded source's
    // end offsets (its positions are not used).
    FERRIS_RETURN_IF_ERROR(installCheckpoint(""));
    return true;
}

Status Job::commit() {
    if (sink_->transactional()) return commitTransaction().status();
    // §2.2 simple: the output made durable first, then the checkpoint installed.
    FERRIS_ASSIGN_OR_RETURN(auto sinkState, sink_->prepareCommit());
    FERRIS_ASSIGN_OR_RETURN(sinkState, retryDeliveryFailures(std::move(sinkState)));
    lastCommitMicros_ = environment_.clock->nowMicros();
    // After a failed batch the source has read past what was processed: no checkpoint (and
    // no part file renamed into place).
    if (failedBatch_) {
        FERRIS_RETURN_IF_ERROR(failures_->commit().status());
        return Status::ok();
    }
    FERRIS_RETURN_IF_ERROR(installCheckpoint(std::move(sinkState)));
    // Exactly-once file output: the checkpoint names the new part as pending; a restart
    // from here renames it (§2.2).
    if (plan_.transactional) faultPoint("in_commit");
    FERRIS_RETURN_IF_ERROR(sink_->commit());
    // §2.2 simple: offsets go to the consumer group once the checkpoint holds them.
    FERRIS_RETURN_IF_ERROR(source_->committed());
    return dlqReplay_ ? dlqReplay_->source->committed() : Status::ok();
}

Result<std::string> Job::retryDeliveryFailures(std::string sinkState) {
    std::vector<connectors::DeliveryFailure> failures = sink_->takeDeliveryFailures();
    if (metrics_.recordsOut.load(std::memory_order_relaxed) != outputAtLastRound_ ||
        !failures.empty()) {
        observeDelivery(!failures.empty());
    }
    if (config_.failureStrategy == FailureStrategy::kRetryWithBackoff) {
        std::vector<connectors::DeliveryFailure> final;
        for (int attempt = 1; !failures.empty(); ++attempt) {
            // What retrying cannot mend, or what has had its retries, goes on at once.
            std::vector<connectors::DeliveryFailure> again;
            for (auto& failure : failures) {
                (failure.retryable && attempt <= config_.maxRetries ? again : final)
                    .push_back(std::move(failure));
            }
            failures.clear();
            if (again.empty()) break;
            int64_t waitMicros = backoffMicros(attempt);
            FERRIS_LOG_WARN(
                plan_.name,
                "{} output records undelivered ({}): sending them again in {} ms (retry {} of {})",
                again.size(), again.front().error, waitMicros / 1000, attempt, config_.maxRetries);
            if (!waitInterruptibly(waitMicros)) {
                // Stopped: no checkpoint covers these records, so a restart produces them again.
                return Status::system(
                    ErrorCode::kCancelled,
                    fmt::format("stopped while {} undelivered output records waited for a retry "
                                "(they are produced again from the last checkpoint at restart)",
                                again.size()));
            }
            encoded_.clear();
            for (const auto& failure : again) {
                encoded_.append(
                    failure.hasKey ? std::optional<std::string_view>(failure.key) : std::nullopt,
                    std::string_view(failure.value));
                for (const auto& [name, value] : failure.headers) {
                    encoded_.addHeader(name, value ? std::string_view(*value) : std::string_view(),
                                       !value.has_value());
                }
            }
            FERRIS_RETURN_IF_ERROR(sink_->write(encoded_));
            metrics_.deliveryRetries.fetch_add(static_cast<int64_t>(again.size()),
                                               std::memory_order_relaxed);
            FERRIS_ASSIGN_OR_RETURN(sinkState, sink_->prepareCommit());
            failures = sink_->takeDeliveryFailures();
            observeDelivery(!failures.empty());
            for (auto& failure : failures) failure.retries = attempt;
        }
        for (auto& failure : failures) final.push_back(std::move(failure));
        failures = std::move(final);
    }
    FERRIS_RETURN_IF_ERROR(failures_->handleDeliveryFailures(std::move(failures)));
    return sinkState;
}

void Job::observeDelivery(bool failed) {
    outputAtLastRound_ = metrics_.recordsOut.load(std::memory_order_relaxed);
    if (!breaker_) return;
    auto before = breaker_->state();
    if (failed) {
        breaker_->recordFailure(environment_.clock->nowMicros());
    } else {
        breaker_->recordSuccess();
    }
    auto after = breaker_->state();
    metrics_.breakerState.store(static_cast<int>(after), std::memory_order_relaxed);
    metrics_.breakerOpened.store(breaker_->opened(), std::memory_order_relaxed);
    if (after == before) return;
    if (after == CircuitBreaker::State::kOpen) {
        FERRIS_LOG_WARN(plan_.name,
                        "circuit breaker open: {} keeps failing; reading nothing for {} ms",
                        sink_->describe(), config_.circuitBreaker.openTimeoutMicros / 1000);
    } else {
        FERRIS_LOG_INFO(plan_.name, "circuit breaker {}: {} delivers again",
                        CircuitBreaker::stateName(after), sink_->describe());
    }
}

int64_t Job::backoffMicros(int attempt) {
    // retry_backoff doubled per attempt, ±20% jitter so that jobs failing together do not
    // retry together.
    double base = static_cast<double>(config_.retryBackoffMicros) * std::pow(2.0, attempt - 1);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    return static_cast<int64_t>(std::min(base * jitter(random_), 3.6e9));
}

bool Job::waitInterruptibly(int64_t micros) {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
    while (!interrupted_.load(std::memory_order_relaxed)) {
        auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return true;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
    }
    return false;
}

Status Job::installCheckpoint(std::string sinkState) {
    FERRIS_ASSIGN_OR_RETURN(auto dlqState, failures_->commit());
    if (!checkpoints_) return Status::ok();
    state::CheckpointInfo info;
    info.fingerprint = fingerprint_.encode();
    // A finished job reruns from the beginning (files); a bounded Kafka job keeps its
    // positions and saved end offsets, so a rerun stops at the same place (§1.4).
    info.finished = ended_ && source_->bounded() && source_->topic().empty();
    std::string position = source_->position();
    FERRIS_ASSIGN_OR_RETURN(std::string digest, source_->contentDigest(position));
    info.blobs["source"] = std::move(position);
    info.blobs["source.digest"] = std::move(digest);
    info.blobs["watermark"] = watermarks_.serialize();
    info.blobs["sink"] = std::move(sinkState);
    info.blobs["dlq"] = std::move(dlqState);
    if (dlqReplay_ && dlqReplay_->file) dlqReplayed_ = std::stoll(dlqReplay_->source->position());
    if (dlqReplayed_ > 0) info.blobs["dlq.replay"] = std::to_string(dlqReplayed_);
    info.blobs["job"] = std::to_string(arrival_);
    state::ChangeSet changes;
    for (size_t i = 0; i < operators_.size() && !changelog_; ++i) {
        if (operators_[i]->stateful()) operators_[i]->takeChanges(static_cast<state::StoreId>(i), changes);
    }
    FERRIS_ASSIGN_OR_RETURN(auto installed, checkpoints_->commit(std::move(info), changes));
    (void)installed;
    return Status::ok();
}

namespace {

/// Changelog batches are handed to the producer at about this size.
constexpr size_t kChangelogBatchBytes = 4 << 20;

void appendChangelogRecord(connectors::EncodedBatch& batch, state::StoreId store,
                           std::string_view key, const std::optional<std::string_view>& value) {
    connectors::EncodedRecord record;
    record.hasKey = true;
    record.keyBegin = static_cast<uint32_t>(batch.data.size());
    state::changelog::appendKey(store, key, batch.data);
    record.keyEnd = static_cast<uint32_t>(batch.data.size());
    record.valueBegin = record.keyEnd;
    if (value) {
        state::changelog::appendValue(*value, batch.data);
    } else {
        record.valueIsNull = true;
    }
    record.valueEnd = static_cast<uint32_t>(batch.data.size());
    batch.records.push_back(record);
    ++batch.rows;
}

constexpr std::string_view kMetaWatermark = "watermark";
constexpr std::string_view kMetaJob = "job";
constexpr std::string_view kMetaFingerprint = "fingerprint";
constexpr std::string_view kMetaPartitions = "partitions";

}  // namespace

Status Job::writeChangelog(bool moved) {
    state::ChangeSet changes;
    for (size_t i = 0; i < operators_.size(); ++i) {
        if (operators_[i]->stateful())
            operators_[i]->takeChanges(static_cast<state::StoreId>(i), changes);
    }
    if (changes.empty() && !moved) return Status::ok();
    connectors::EncodedBatch batch;
    auto flushAt = [&](size_t bytes) -> Status {
        if (batch.data.size() < bytes || batch.records.empty()) return Status::ok();
        FERRIS_RETURN_IF_ERROR(changelog_->write(batch));
        batch.clear();
        return Status::ok();
    };
    for (state::StoreId store : changes.storeIds()) {
        for (const auto& change : changes.sorted(store)) {
            std::optional<std::string_view> value;
            if (change.kind == state::ChangeKind::kPut) value = change.value;
            appendChangelogRecord(batch, store, change.key, value);
            FERRIS_RETURN_IF_ERROR(flushAt(kChangelogBatchBytes));
        }
    }
    // The watermark and the counters as of this commit; what the state was written by, once
    // per run.
    appendChangelogRecord(batch, state::changelog::kMetaStore, kMetaWatermark,
                          watermarks_.serialize());
    appendChangelogRecord(batch, state::changelog::kMetaStore, kMetaJob, std::to_string(arrival_));
    if (!changelogDescribed_) {
        appendChangelogRecord(batch, state::changelog::kMetaStore, kMetaFingerprint,
                              fingerprint_.encode());
        appendChangelogRecord(batch, state::changelog::kMetaStore, kMetaPartitions,
                              std::to_string(changelog_->partitions()));
        changelogDescribed_ = true;
    }
    return flushAt(0);
}

Status Job::loadChangelog() {
    // Compacted or not, the last record of a key is its state (records of one key are in one
    // partition, in order); the operators take their entries in key order.
    state::ChangeSet entries;
    std::map<std::string, std::string, std::less<>> meta;
    FERRIS_RETURN_IF_ERROR(changelog_->load(
        [&](std::string_view key, std::optional<std::string_view> value) -> Status {
            auto record = state::changelog::decode(key, value);
            if (!record) return Status::internal("a record that is no changelog record");
            if (record->store == state::changelog::kMetaStore) {
                if (record->value) {
                    meta[std::string(record->key)] = std::string(*record->value);
                } else {
                    meta.erase(std::string(record->key));
                }
            } else if (record->value) {
                entries.put(record->store, record->key, *record->value);
            } else {
                entries.erase(record->store, record->key);
            }
            return Status::ok();
        }));
    if (resetState_) {
        // --reset-state: a tombstone for every key, committed at once.
        resetState_ = false;
        connectors::EncodedBatch batch;
        size_t erased = 0;
        for (state::StoreId store : entries.storeIds()) {
            for (const auto& entry : entries.sorted(store)) {
                if (entry.kind != state::ChangeKind::kPut) continue;
                appendChangelogRecord(batch, store, entry.key, std::nullopt);
                ++erased;
            }
        }
        for (const auto& [key, value] : meta)
            appendChangelogRecord(batch, state::changelog::kMetaStore, key, std::nullopt);
        if (batch.records.empty()) return Status::ok();
        FERRIS_RETURN_IF_ERROR(changelog_->write(batch));
        FERRIS_RETURN_IF_ERROR(sink_->commitTransaction(connectors::InputOffsets{}));
        FERRIS_LOG_INFO(plan_.name, "--reset-state: erased {} state entries from {}", erased,
                        changelog_->describe());
        return Status::ok();
    }
    if (auto found = meta.find(kMetaPartitions); found != meta.end()) {
        if (found->second != std::to_string(changelog_->partitions())) {
            return Status::user(
                ErrorCode::kConfigError,
                fmt::format(
                    "{} has {} partitions, but its state was written over {}: a key's records "
                    "would be read out of order; restore its partition count, or run with "
                    "--reset-state {} to discard the state",
                    changelog_->describe(), changelog_->partitions(), found->second, plan_.name));
        }
    }
    if (auto found = meta.find(kMetaFingerprint); found != meta.end()) {
        auto written = state::StateFingerprint::decode(found->second);
        std::string difference = written.isOk() ? state::StateFingerprint::describeDifference(
                                                      written.value(), fingerprint_)
                                                : written.status().message();
        if (!difference.empty()) {
            return Status::user(
                ErrorCode::kConfigError,
                fmt::format("the state in {} was written by a different query ({}); run with "
                            "--reset-state {} to discard it",
                            changelog_->describe(), difference, plan_.name));
        }
    }
    size_t restored = 0;
    for (state::StoreId store : entries.storeIds()) {
        if (store >= operators_.size() || !operators_[store]->stateful()) {
            return Status::internal(
                fmt::format("{} holds state of operator {}, which the job lacks",
                            changelog_->describe(), store));
        }
        for (const auto& entry : entries.sorted(store)) {
            if (entry.kind != state::ChangeKind::kPut) continue;
            FERRIS_RETURN_IF_ERROR(operators_[store]->restoreEntry(entry.key, entry.value));
            ++restored;
        }
    }
    for (const auto& op : operators_) {
        if (op->stateful()) FERRIS_RETURN_IF_ERROR(op->finishRestore());
    }
    watermarks_ = initialWatermarks_;
    watermarks_.setPartitions(source_->partitionCount());
    if (auto found = meta.find(kMetaWatermark);
        found != meta.end() && !watermarks_.deserialize(found->second)) {
        return Status::internal(changelog_->describe() + ": corrupt watermark state");
    }
    if (auto found = meta.find(kMetaJob);
        found != meta.end() && !types::parseInt64(found->second, arrival_)) {
        return Status::internal(changelog_->describe() + ": corrupt job counters");
    }
    if (restored > 0) {
        FERRIS_LOG_INFO(plan_.name, "restored {} state entries from {}", restored,
                        changelog_->describe());
    }
    return Status::ok();
}

Status Job::restoreChangelog() {
    for (size_t i = 0; i < operators_.size(); ++i) {
        if (!operators_[i]->stateful()) continue;
        if (i >= rebuild_.size() || !rebuild_[i]) {
            return Status::internal(
                fmt::format("operator {} cannot be made afresh", operators_[i]->name()));
        }
        FERRIS_ASSIGN_OR_RETURN(operators_[i], rebuild_[i]());
    }
    return loadChangelog();
}

Status Job::flushOutput() {
    FERRIS_RETURN_IF_ERROR(sink_->flush());
    return failures_->flush();
}

Result<bool> Job::endOfInput() {
    if (sink_->transactional()) {
        // Every source has ended: the watermark is +∞ and every pending result comes out. The
        // last transaction may be aborted: then the state and watermark of the previous commit
        // come back, its records are read again, and the input has not ended. A commit
        // running ends first: aborted, the input has not ended either.
        if (running_) {
            FERRIS_ASSIGN_OR_RETURN(bool committed, collectCommit(/*wait=*/true));
            if (!committed) return false;
        }
        if (stateful_) {
            watermarks_.finish();
            FERRIS_RETURN_IF_ERROR(advanceTime(environment_.clock->nowMicros()));
        }
        FERRIS_ASSIGN_OR_RETURN(bool committed, commitTransaction());
        if (!committed) return false;
        ended_ = true;
        state_ = JobState::kFinished;
        return true;
    }
    ended_ = true;
    // Every source has ended: the watermark is +∞ and every pending result comes out.
    watermarks_.finish();
    FERRIS_RETURN_IF_ERROR(advanceTime(environment_.clock->nowMicros()));
    FERRIS_RETURN_IF_ERROR(commit());
    state_ = JobState::kFinished;
    return true;
}

Result<bool> Job::step() {
    if (ended_) return false;
    auto fail = [&](const Status& status) -> Status {
        state_ = JobState::kFailed;
        ended_ = true;
        if (dlqReplay_)
            endReplay(
                status.withContext(fmt::format("job {} failed during its DLQ replay", plan_.name)));
        return status.withContext(fmt::format("job {}", plan_.name));
    };
    if (running_) {
        // A commit running in the background: once it has ended, the output held meanwhile is
        // sent (an aborted one rewound the source instead).
        auto collected = collectCommit(/*wait=*/false);
        if (!collected.isOk()) return fail(collected.status());
    }
    if (std::any_of(operators_.begin(), operators_.end(), [](const auto& op) { return op->finished(); })) {
        auto ended = endOfInput();  // LIMIT reached (LIMIT 0 reads nothing)
        if (!ended.isOk()) return fail(ended.status());
        return false;
    }
    if (userPaused_ && !source_->pollsWhilePaused()) {
        idle_ = true;  // nothing is read while paused; the caller waits for a command
        return true;
    }
    if (breaker_) {
        int64_t now = environment_.clock->nowMicros();
        bool allowed = breaker_->allows(now);
        metrics_.breakerState.store(static_cast<int>(breaker_->state()), std::memory_order_relaxed);
        if (!allowed && !breakerPaused_) {
            // Open: the sink keeps failing; the job reads nothing until open_timeout has passed.
            source_->pause();
            breakerPaused_ = true;
        } else if (allowed && breakerPaused_) {
            if (!userPaused_) source_->resume();  // half-open: the next rounds are probes
            breakerPaused_ = false;
        }
        if (!allowed && !source_->pollsWhilePaused()) {
            idle_ = true;
            int64_t left = breaker_->reopensAtMicros() - now;
            (void)waitInterruptibly(std::clamp<int64_t>(left, 0, config_.batchTimeoutMicros));
            return true;
        }
    }
    if (running_ && sink_->saturated()) {
        // The output held while the commit runs has reached the sink's queue mark: the job
        // waits for the commit.
        auto collected = collectCommit(/*wait=*/true);
        if (!collected.isOk()) return fail(collected.status());
    }
    if (!userPaused_ && !breakerPaused_ && sink_->saturated()) {
        // Backpressure: the sink's send queue is over its high mark (§2.4: librdkafka's queues
        // are capped per job). The sink gets a moment to drain first, the source's prefetched
        // records kept (its own queue is capped too); only a sink still busy after it has the
        // source's partitions paused — librdkafka drops a paused partition's prefetched
        // records, and fetches them again on resume.
        auto drained = sink_->drain(kBackpressureGrace);
        if (!drained.isOk()) return fail(drained.status());
        if (!drained.value()) {
            size_t paused = source_->pause();
            metrics_.partitionsPaused.fetch_add(static_cast<int64_t>(paused), std::memory_order_relaxed);
            do {
                drained = sink_->drain(std::chrono::seconds(1));
            } while (drained.isOk() && !drained.value() && !interrupted_.load(std::memory_order_relaxed));
            source_->resume();
            if (!drained.isOk()) return fail(drained.status());
        }
    }
    raw_.clear();
    // fixed_size: a batch closes at batch.size records or batch.timeout; time_window: at
    // batch.timeout only (up to kMaxWindowBatch records).
    constexpr int64_t kMaxWindowBatch = 1'000'000;
    int64_t budget = static_cast<int64_t>(config_.batchSize);
    size_t maxBytes = SIZE_MAX;
    switch (config_.batchStrategy) {
        case BatchStrategy::kFixedSize: break;
        case BatchStrategy::kTimeWindow: budget = kMaxWindowBatch; break;
        case BatchStrategy::kAdaptive: budget = static_cast<int64_t>(batchSizer_->size()); break;
        case BatchStrategy::kMemoryBased:
            budget = kMaxWindowBatch;
            maxBytes = config_.batchMaxBytes;
            break;
    }
    int64_t sizeBudget = budget;
    for (const auto& op : operators_) budget = std::min(budget, op->inputBudget());
    int64_t wait = config_.batchTimeoutMicros;
    if (sink_->transactional() && config_.commitIntervalMicros > 0) {
        // A batch still filling does not hold back a commit that is due, and a commit that
        // has ended gets its held output sent soon.
        int64_t due = lastCommitMicros_ + config_.commitIntervalMicros - environment_.clock->nowMicros();
        wait = std::clamp<int64_t>(due, 0,
                                   running_ ? std::min<int64_t>(wait, kCommitPollMicros) : wait);
    }
    // A DLQ replay inside the job takes turns with the job's own input (so that a Kafka
    // consumer of the job stays in its group); a paused job reads neither.
    bool replayed = false;
    if (dlqReplay_ && !userPaused_ && !breakerPaused_) {
        replayTurn_ = !replayTurn_;
        replayed = replayTurn_;
        if (!replayed) wait = 0;  // the replay's turn comes next
    }
    connectors::Source& input = replayed ? *dlqReplay_->source : *source_;
    int64_t pollStarted = environment_.clock->nowMicros();
    int64_t outBefore = metrics_.recordsOut.load(std::memory_order_relaxed);
    int64_t dlqBefore = metrics_.dlqRecords.load(std::memory_order_relaxed);
    auto polled = input.poll(static_cast<size_t>(std::max<int64_t>(budget, 1)), maxBytes,
                             std::chrono::microseconds(wait), raw_);
    if (!polled.isOk() && replayed) {
        // The DLQ cannot be read on: what the replay did so far commits, and the job goes on.
        auto committed = commitNow();
        if (!committed.isOk()) return fail(committed.status());
        endReplay(polled.status().withContext("the DLQ replay stopped"));
        return true;
    }
    if (!polled.isOk()) return fail(polled.status());
    size_t count = polled.value();
    if (replayed) dlqReplay_->counts.replayed += static_cast<int64_t>(count);
    idle_ = count == 0 && !replayed;
    if (count > 0 && (replay_ || replayed)) {
        Status resent = resendFailedOutput();
        if (!resent.isOk()) return fail(resent);
        count = raw_.records.size();
    }
    if (!replayed) updateLag(environment_.clock->nowMicros());
    if (count > 0) {
        size_t polledCount = count;
        Status status = processRecords(count, replayed);
        if (status.isOk() && batchSizer_ && !replayed) {
            // adaptive: the batch's latency — the wait for it to fill and its processing —
            // steers the next one's size.
            batchSizer_->observe(polledCount, environment_.clock->nowMicros() - pollStarted,
                                 static_cast<int64_t>(polledCount) >= sizeBudget);
            metrics_.adaptiveBatchSize.store(static_cast<int64_t>(batchSizer_->size()),
                                             std::memory_order_relaxed);
        }
        if (!status.isOk()) {
            // fail_batch: nothing of this batch was written; what came before is committed.
            failedBatch_ = true;
            Status committed = commit();
            if (!committed.isOk()) FERRIS_LOG_ERROR(plan_.name, "commit after failure: {}", committed.toString());
            return fail(status);
        }
    }
    if (replayed) {
        dlqReplay_->counts.written +=
            metrics_.recordsOut.load(std::memory_order_relaxed) - outBefore;
        dlqReplay_->counts.failedAgain +=
            metrics_.dlqRecords.load(std::memory_order_relaxed) - dlqBefore;
    }
    if (count == 0 && stateful_ && !replayed) {
        // No rows: the clock may have moved (processing-time windows, idle partitions).
        int64_t now = environment_.clock->nowMicros();
        watermarks_.tick(now);
        Status status = advanceTime(now);
        if (!status.isOk()) {
            failedBatch_ = true;
            Status committed = commit();
            if (!committed.isOk()) FERRIS_LOG_ERROR(plan_.name, "commit after failure: {}", committed.toString());
            return fail(status);
        }
    }
    bool limitReached = std::any_of(operators_.begin(), operators_.end(), [](const auto& op) { return op->finished(); });
    if (replayed && !limitReached && count == 0 && input.exhausted()) {
        // The replay has read the DLQ up to where it ended when the replay began: once that is
        // committed (the replay's position with it), the replay is done. An aborted
        // transaction rewound it: it reads on.
        auto committed = commitNow();
        if (!committed.isOk()) return fail(committed.status());
        if (!committed.value()) return true;
        // Simple mode: the replay group's offsets reach the broker before its consumer closes.
        if (!sink_->transactional()) {
            Status settled = dlqReplay_->source->committedNow();
            if (!settled.isOk())
                FERRIS_LOG_WARN(plan_.name, "the DLQ replay's last offsets: {}",
                                settled.toString());
        }
        endReplay(dlqReplay_->counts);
        return true;
    }
    // The job's own bounded input ends once a replay running beside it has ended too.
    if (limitReached || (!replayed && !dlqReplay_ && count == 0 && source_->exhausted())) {
        auto ended = endOfInput();
        if (!ended.isOk()) return fail(ended.status());
        return !ended.value();  // an aborted last transaction: read its records again
    }
    if (environment_.clock->nowMicros() - lastCommitMicros_ >= config_.commitIntervalMicros) {
        // Transactional: the commit runs while the next batches are read and processed.
        Status status =
            sink_->transactional() ? commitTransaction(/*background=*/true).status() : commit();
        if (!status.isOk()) return fail(status);
    }
    return true;
}

Status Job::run(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_relaxed)) {
        auto more = step();
        if (!more.isOk()) {
            // A commit given up because of the stop (see interrupt()): stopped, not failed.
            if (more.status().code() == ErrorCode::kCancelled) state_ = JobState::kStopped;
            return more.status();
        }
        if (!more.value()) return Status::ok();
    }
    // Stopped (Ctrl-C): the current batch is done; flush and commit. A commit given up on an
    // unreachable broker (kCancelled) still stops the job; its records are read again.
    Status status = commit();
    state_ = status.isOk() || status.code() == ErrorCode::kCancelled ? JobState::kStopped : JobState::kFailed;
    return status;
}

void Job::observeBatch(size_t count, int64_t readMicros) {
    int64_t done = environment_.clock->nowMicros();
    metrics_.batchRecords.observe(static_cast<double>(count));
    metrics_.processingSeconds.observe(static_cast<double>(std::max<int64_t>(done - readMicros, 0)) / 1e6);
    if (source_->stampsRecords()) {
        auto tally = metrics_.endToEndSeconds.tally();
        for (const auto& record : raw_.records) {
            if (record.timestampMicros == 0) continue;
            metrics_.endToEndSeconds.record(tally,
                                            static_cast<double>(std::max<int64_t>(done - record.timestampMicros, 0)) / 1e6);
        }
        metrics_.endToEndSeconds.add(tally);
    }
}

void Job::updateLag(int64_t now) {
    if (now - lastLagMicros_ < 200'000) return;
    lastLagMicros_ = now;
    auto lag = source_->lag();
    std::lock_guard lock(metrics_.lagMutex);
    metrics_.lag = std::move(lag);
}

Status Job::startReplay(ReplayDone done) {
    if (dlqReplay_) {
        return Status::user(ErrorCode::kConflict,
                            fmt::format("a replay of job {}'s DLQ is running", plan_.name));
    }
    DlqReplay replay;
    if (!config_.dlqPath.empty()) {
        if (sink_->transactional()) {
            return Status::notSupported(
                fmt::format("replaying the DLQ file of job {}, which runs in Kafka transactions: "
                            "the file's position would "
                            "commit outside them",
                            plan_.name));
        }
        // To the DLQ file's end now; what fails again is written after that, for a next replay.
        FERRIS_RETURN_IF_ERROR(failures_->flush());
        std::filesystem::path path(config_.dlqPath);
        if (path.is_relative()) path = environment_.baseDir / path;
        std::error_code error;
        auto end = static_cast<int64_t>(std::filesystem::file_size(path, error));
        if (error)
            return Status::ioError(
                fmt::format("cannot read the DLQ file {}: {}", path.string(), error.message()));
        replay.source =
            std::make_unique<connectors::DlqFileSource>(path, std::min(dlqReplayed_, end), end);
        replay.file = true;
    } else if (makeDlqTopicSource_) {
        if (plan_.transactional && !sink_->transactional()) {
            return Status::notSupported(
                fmt::format("replaying the DLQ topic of job {}, an exactly-once file job: its "
                            "checkpoint would need the "
                            "replay's offsets",
                            plan_.name));
        }
        FERRIS_ASSIGN_OR_RETURN(replay.source, makeDlqTopicSource_());
    } else if (!config_.dlqTopic.empty()) {
        return Status::notSupported(fmt::format(
            "replaying the DLQ topic of job {}, whose source is no Kafka topic", plan_.name));
    } else {
        return Status::user(
            ErrorCode::kConfigError,
            fmt::format("job {} has no DLQ to replay (set 'failure_strategy' = 'send_to_dlq' and "
                        "'dlq.topic' or 'dlq.path')",
                        plan_.name));
    }
    FERRIS_RETURN_IF_ERROR(replay.source->open());
    if (records_ && !replayRecords_) {
        codec::RecordLayout layout = recordLayout_;
        layout.dropDlqHeaders = true;
        replayRecords_ = std::make_unique<codec::RecordAssembler>(*encoder_, std::move(layout));
    }
    replay.done = std::move(done);
    replayTurn_ = false;
    FERRIS_LOG_INFO(plan_.name, "DLQ replay: reading {}", replay.source->describe());
    dlqReplay_ = std::move(replay);
    return Status::ok();
}

void Job::endReplay(Result<ReplayCounts> outcome) {
    DlqReplay replay = std::move(*dlqReplay_);
    dlqReplay_.reset();
    Status closed = replay.source->close();
    if (!closed.isOk())
        FERRIS_LOG_WARN(plan_.name, "closing the DLQ replay's source: {}", closed.toString());
    if (outcome.isOk()) {
        FERRIS_LOG_INFO(plan_.name,
                        "DLQ replay: {} records read from {}, {} written, {} back in the DLQ",
                        outcome.value().replayed, replay.source->describe(),
                        outcome.value().written, outcome.value().failedAgain);
    }
    if (replay.done) replay.done(std::move(outcome));
}

Result<bool> Job::commitNow() {
    if (sink_->transactional()) return commitTransaction();
    FERRIS_RETURN_IF_ERROR(commit());
    return true;
}

Status Job::pause() {
    if (userPaused_) return Status::ok();
    FERRIS_RETURN_IF_ERROR(commit());
    if (dlqReplay_) {
        // A paused job reads nothing: its replay ends with what it committed.
        endReplay(Status::user(
            ErrorCode::kInvalidState,
            fmt::format("job {} was paused during its DLQ replay; what the replay had read is "
                        "committed, the next replay goes on from there",
                        plan_.name)));
    }
    source_->pause();
    userPaused_ = true;
    state_ = JobState::kPaused;
    return Status::ok();
}

void Job::resume() {
    if (!userPaused_) return;
    userPaused_ = false;
    if (!breakerPaused_) source_->resume();
    state_ = JobState::kRunning;
}

Status Job::close() {
    if (dlqReplay_) {
        endReplay(Status::user(
            ErrorCode::kInvalidState,
            fmt::format("job {} ended ({}) before its DLQ replay did; what the replay had "
                        "read and committed stays done, the next replay goes on from there",
                        plan_.name, jobStateName(state_))));
    }
    if (running_) {
        // The job ended (failed, say) while a commit ran: its outcome changes nothing now.
        std::optional<Status> outcome = sink_->commitOutcome(/*wait=*/true);
        running_.reset();
        if (outcome && !outcome->isOk())
            FERRIS_LOG_WARN(plan_.name, "the last commit: {}", outcome->toString());
    }
    // The DLQ and changelog first: a transactional job's write through the sink's producer.
    Status dlq = failures_->close();
    Status changelog = changelog_ ? changelog_->close() : Status::ok();
    Status status = sink_->close();
    Status source = source_->close();
    if (!status.isOk()) return status;
    if (!dlq.isOk()) return dlq;
    if (!changelog.isOk()) return changelog;
    return source;
}

void Job::indexRows(const Batch& batch) {
    TableIndex& index = *tableIndex_;
    const auto& kinds = batch.rowKinds();
    std::string key;
    std::string row;
    std::lock_guard lock(index.mutex);
    for (uint32_t selected : batch.selection()) {
        key.clear();
        index.keys->appendKey(batch, selected, key);
        if (selected < kinds.size() && kinds[selected] == Batch::RowKind::kDelete) {
            auto found = index.byKey.find(key);
            if (found != index.byKey.end()) {
                index.bytes -= static_cast<int64_t>(found->first.size() + found->second.size());
                index.byKey.erase(found);
            }
            continue;
        }
        row.clear();
        index.rows->encodeRow(batch, selected, row);
        if (!row.empty() && row.back() == '\n') row.pop_back();
        auto [at, inserted] = index.byKey.try_emplace(key);
        index.bytes += static_cast<int64_t>(row.size()) - static_cast<int64_t>(at->second.size()) +
                       (inserted ? static_cast<int64_t>(key.size()) : 0);
        at->second = row;
    }
    metrics_.tableIndexBytes.store(index.bytes, std::memory_order_relaxed);
}

std::optional<std::string> Job::lookup(const std::string& key) const {
    if (!tableIndex_) return std::nullopt;
    std::lock_guard lock(tableIndex_->mutex);
    auto found = tableIndex_->byKey.find(key);
    if (found == tableIndex_->byKey.end()) return std::nullopt;
    return found->second;
}

void Job::collectMetrics(std::vector<MetricSample>& out) const {
    metrics_.collect(plan_.name, sourceDecl_.name, plan_.sink.name, out);
    // Read from the clients themselves: current even while a batch waits on a broker.
    out.push_back({"ferris_client_errors_total", "counter",
                   "Errors the job's Kafka clients reported and retry by themselves (broker down, transport).",
                   fmt::format("job=\"{}\"", escapeLabel(plan_.name)),
                   static_cast<double>(source_->clientErrors() + sink_->clientErrors())});
    out.push_back(
        {"ferris_source_fetch_wakeups_total", "counter",
         "Times the Kafka source woke its fetchers after its full prefetch queue drained by half.",
         fmt::format("job=\"{}\",source=\"{}\"", escapeLabel(plan_.name),
                     escapeLabel(sourceDecl_.name)),
         static_cast<double>(source_->fetchWakeups())});
    if (sqlMetrics_) sqlMetrics_->collect(plan_.name, out);
}

std::string Job::renderMetrics() const {
    std::vector<MetricSample> samples;
    collectMetrics(samples);
    std::string out;
    for (const auto& sample : samples) {
        out += fmt::format("{}{}{{{}}} {}\n", sample.family, sample.suffix, sample.labels, sample.value);
    }
    return out;
}

}  // namespace ferris::runtime
