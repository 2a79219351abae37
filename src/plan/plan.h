#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "expr/aggregate.h"
#include "expr/expr.h"
#include "types/schema.h"

namespace ferris::plan {

/// One `'key' = 'value'` of a WITH clause (or an annotation), with where it was written so
/// errors can point at it. `key` has the `<name>.` prefix removed for connector keys.
struct Property {
    std::string key;
    std::string value;
    std::string fullKey;  ///< as written, e.g. "trades.format"
    SourceLocation location;
};

/// Properties in the order they were written, with lookup helpers.
class PropertyList {
public:
    void add(Property property) { entries_.push_back(std::move(property)); }
    /// Gives `key` the value `value`: every entry of that key, or a new one.
    void set(std::string_view key, std::string value) {
        bool found = false;
        for (auto& entry : entries_) {
            if (entry.key == key) {
                entry.value = value;
                found = true;
            }
        }
        if (!found)
            entries_.push_back(Property{std::string(key), std::move(value), std::string(key), {}});
    }
    const std::vector<Property>& entries() const { return entries_; }
    const Property* find(std::string_view key) const;
    std::string get(std::string_view key, std::string_view fallback = "") const;
    bool has(std::string_view key) const { return find(key) != nullptr; }

private:
    std::vector<Property> entries_;
};

/// A declared source (`CREATE STREAM|TABLE name (cols) WITH (...)` of a source type) or
/// a declared sink (the target of INSERT INTO).
struct ConnectorDecl {
    std::string name;
    bool isTable = false;
    types::Schema schema;
    PropertyList properties;  ///< connector keys, prefix removed ("type", "path", …)
    SourceLocation location;
};

/// The columns a job reads from its source: user columns by index and system columns.
/// The decoder materialises exactly these slots (§2.1 "decoding only the columns the plan
/// reads").
struct SourceRead {
    std::string source;         ///< name of the declared source
    types::Schema schema;       ///< its declared schema (slots: columns, then system columns)
    std::vector<int> columns;   ///< user column indexes the plan reads
    std::vector<types::SystemColumn> systemColumns;  ///< system columns the plan reads
    /// `expr AS _event_time` in the select list: the event time of every decoded record,
    /// evaluated before WHERE so filtered records still move the watermark (§1.4).
    expr::ExprPtr eventTimeExpr;
};

/// Kinds of plan operators.
enum class OperatorKind : uint8_t {
    kFilter,     ///< narrows the selection to rows where `predicate` is TRUE
    kProject,    ///< computes `exprs` into a new set of slots 0..n-1
    kLimit,      ///< passes the first `limit` rows, then ends the job (bounded sources only)
    kAggregate,  ///< GROUP BY (and windows): see AggregateNode
    kOver,       ///< analytic functions (OVER): see OverNode
};

/// How an aggregation emits (§1.4).
enum class EmitMode : uint8_t {
    kChanges,  ///< one row per result row each input record changed, in input order
    kFinal,    ///< one row per window and key when the window closes (or at end of input)
};

/// The window of an aggregation.
enum class WindowKind : uint8_t { kNone, kTumbling, kSliding, kSession };

/// Where a window's time comes from.
struct WindowPlan {
    WindowKind kind = WindowKind::kNone;
    int64_t sizeMicros = 0;     ///< tumbling, sliding
    int64_t advanceMicros = 0;  ///< sliding
    int64_t gapMicros = 0;      ///< session
    int timeSlot = -1;          ///< slot of the TIMESTAMP the window uses (_event_time by default)
    bool processingTime = false;  ///< windows on `_processing_time` (the job clock)
};

/// One aggregate call of an aggregation: the bound function and its argument expressions
/// (over the aggregation's input slots).
struct AggregateCall {
    std::shared_ptr<const expr::BoundAggregate> function;
    std::vector<expr::ExprPtr> args;
    std::string text;  ///< as written, for EXPLAIN and the state fingerprint
};

/// A hash aggregation, optionally windowed. Its output slots are: the keys (in GROUP BY
/// order), then `_window_start`, `_window_end` and `_event_time` when windowed, then the
/// aggregates; the
/// HAVING predicate, if any, is over those slots.
struct AggregateNode {
    std::vector<expr::ExprPtr> keys;
    std::vector<std::string> keyNames;  ///< normalised text of each key expression
    std::vector<AggregateCall> aggregates;
    WindowPlan window;
    EmitMode emit = EmitMode::kChanges;
    expr::ExprPtr having;      ///< null when none
    bool changelog = false;    ///< a CREATE TABLE: rows are upserts and deletes
    int64_t allowedLatenessMicros = 0;
    /// What happens to a record for an already closed window (§1.4 late.data.strategy).
    /// kUpdate: a window fires at its end and re-emits a corrected row for each record that
    /// comes before its end + allowed lateness (CREATE TABLE, tumbling EMIT FINAL).
    enum class LateStrategy : uint8_t { kDrop, kDeadLetter, kUpdate } late = LateStrategy::kDrop;

    /// `_window_start`, `_window_end` and the result's `_event_time` (end − 1 µs).
    size_t windowSlots() const { return window.kind == WindowKind::kNone ? 0 : 3; }
    size_t outputSlots() const { return keys.size() + windowSlots() + aggregates.size(); }
};

/// Kinds of analytic calls.
enum class AnalyticKind : uint8_t { kAggregate, kRowNumber, kRank, kDenseRank, kLag, kLead };

/// The frame of an analytic aggregate: from UNBOUNDED PRECEDING, or n rows / an interval
/// before, to the current row (RANGE frames include the current row's peers).
struct AnalyticFrame {
    bool rows = false;           ///< ROWS (else RANGE)
    bool unbounded = true;       ///< UNBOUNDED PRECEDING
    int64_t preceding = 0;       ///< ROWS: rows before; RANGE: microseconds before
};

/// One analytic call of an OverNode.
struct AnalyticCall {
    AnalyticKind kind = AnalyticKind::kAggregate;
    std::shared_ptr<const expr::BoundAggregate> aggregate;  ///< kAggregate
    std::vector<expr::ExprPtr> args;  ///< the aggregate's arguments, or LAG/LEAD's value
    int64_t offset = 1;               ///< LAG/LEAD
    expr::ExprPtr defaultValue;       ///< LAG/LEAD default (a constant of the result type), or null
    types::DataType resultType;
    AnalyticFrame frame;
    std::string text;                 ///< normalised, for EXPLAIN and the state fingerprint
};

/// Analytic functions over one PARTITION BY / ORDER BY (§1.4 "OVER in a stream"): rows are
/// held until the watermark passes their event time, then emitted in event-time order (ties
/// in arrival order) with each call's value. Output slots: the input's slots (only `keep`
/// filled), then one per call.
struct OverNode {
    std::vector<expr::ExprPtr> partitionKeys;
    int timeSlot = -1;          ///< the ORDER BY time column
    std::vector<int> keep;      ///< input slots read above the OVER
    size_t inputSlots = 0;      ///< call i is at slot inputSlots + i
    std::vector<AnalyticCall> calls;
    int64_t allowedLatenessMicros = 0;
    AggregateNode::LateStrategy late = AggregateNode::LateStrategy::kDrop;
    int64_t ttlMicros = 0;      ///< state.ttl: a partition idle this long (event time) is dropped; 0 = never
};

struct OperatorNode {
    OperatorKind kind;
    expr::ExprPtr predicate;           ///< kFilter
    std::vector<expr::ExprPtr> exprs;  ///< kProject
    int64_t limit = 0;                 ///< kLimit
    std::shared_ptr<const AggregateNode> aggregate;  ///< kAggregate
    std::shared_ptr<const OverNode> over = nullptr;  ///< kOver
};

/// What a job's statement was.
enum class JobKind : uint8_t {
    kCreateStream,  ///< CREATE STREAM name AS SELECT
    kCreateTable,   ///< CREATE TABLE name AS SELECT
    kInsertInto,    ///< INSERT INTO sink SELECT
    kSelect,        ///< ad-hoc SELECT [INTO sink]
};

/// One job: a source, a pipeline of operators, a sink (DESIGN.md §1.2: each CREATE … AS
/// SELECT, INSERT INTO and ad-hoc SELECT is a job). Column references are slots.
struct JobPlan {
    std::string name;
    JobKind kind = JobKind::kCreateStream;
    SourceRead source;
    std::vector<OperatorNode> operators;
    types::Schema output;             ///< output columns, in slots 0..n-1 after the last project
    std::vector<int> keyColumns;      ///< the output's key columns (PRIMARY KEY marks, or an aggregation's keys)
    /// SET_HEADER / REMOVE_HEADER, applied in order to each output record's headers (Kafka
    /// sinks): the key (and value) are the projection's columns after the output's.
    struct HeaderOp {
        bool set = true;
        int keySlot = -1;
        int valueSlot = -1;  ///< SET_HEADER only
    };
    std::vector<HeaderOp> headerOps;
    /// SQL-defined metrics (`-- @metric: name` and its `@metric_…` keys), over the output rows.
    struct Metric {
        enum class Type : uint8_t { kCounter, kGauge, kHistogram };
        std::string name;
        Type type = Type::kCounter;
        std::string help;
        std::vector<std::string> labels;    ///< label names: output columns
        std::vector<int> labelSlots;        ///< their output slots
        int fieldSlot = -1;                 ///< gauge, histogram: the observed output column
        expr::ExprPtr condition;            ///< BOOLEAN over the output columns; null = every row
        std::vector<double> buckets;        ///< histogram upper bounds
        SourceLocation location;
    };
    std::vector<Metric> metrics;
    bool changelog = false;           ///< output rows are upserts/deletes (CREATE TABLE with GROUP BY)
    /// `@job_mode: transactional` (job annotation over app annotation): exactly-once (§2.2).
    bool transactional = false;
    SourceLocation modeLocation;  ///< where transactional was asked, for errors
    ConnectorDecl sink;               ///< sink name and connector properties
    PropertyList jobProperties;       ///< unprefixed job-level keys (WITH and annotations)
    std::vector<Property> annotations;  ///< `-- @key: value` above the statement
    std::string sql;                  ///< the statement text
    SourceLocation location;
};

/// A statement that prints instead of running a job.
struct Command {
    enum class Kind : uint8_t { kShowStreams, kShowTables, kShowJobs, kShowFunctions, kDescribe } kind;
    std::string target;  ///< kDescribe: the name
    SourceLocation location;
};

/// A bound SQL application: its declared sources and sinks, its jobs, its commands.
struct AppPlan {
    std::string name;
    std::vector<Property> annotations;
    /// Job-level keys set by app annotations (`-- @batch_size: 500` before the first
    /// statement), checked once for the app; every job also holds them at lower precedence.
    PropertyList jobProperties;
    std::vector<ConnectorDecl> sources;
    std::vector<ConnectorDecl> declaredSinks;
    std::vector<JobPlan> jobs;
    std::vector<Command> commands;

    const ConnectorDecl* findSource(std::string_view name) const;
};

/// Human-readable plan of a job, for `ferris-sql explain`.
std::string explainJob(const JobPlan& job);

}  // namespace ferris::plan
