#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "codec/decoder.h"
#include "common/result.h"
#include "connectors/changelog.h"
#include "connectors/sink.h"
#include "connectors/source.h"
#include "plan/plan.h"

namespace ferris::connectors {

/// Whether a connector type reads or writes.
enum class ConnectorRole : uint8_t { kSource, kSink };

/// The kind of value an option takes; values are checked against it at validation time.
enum class OptionType : uint8_t {
    kString,
    kPath,      ///< a file path, relative to the SQL file's folder
    kInt,       ///< a non-negative integer
    kBool,      ///< true or false
    kEnum,      ///< one of `allowed`
    kChar,      ///< exactly one character
    kDuration,  ///< 500ms, 30s, 5m, 1h, 1d
};

/// One `'<name>.<key>'` a connector accepts.
struct OptionSpec {
    std::string key;
    OptionType type = OptionType::kString;
    std::string defaultValue;  ///< "" = no default
    bool required = false;
    std::vector<std::string> allowed;  ///< kEnum values
    std::string description;
    /// When set, the key is recognised but rejected: "not supported yet: <this>".
    std::string notSupportedYet;
    /// When set, the key applies only when the connector's `format` is this one (csv.*).
    std::string format;
    /// The keys naming formats that `format` is compared with: the value's `format`, the
    /// key's `key.format`, or either (schema registry keys serve both).
    std::vector<std::string> formatKeys = {"format"};
};
// An option whose key ends with ".*" (`kafka.*`) stands for every key with that prefix.

/// What a connector needs to know about where it runs.
struct ConnectorContext {
    std::filesystem::path baseDir;  ///< folder of the SQL file: relative paths resolve here
    std::string appName;
    std::string jobName;
    std::string sinkHeader;  ///< sinks: the format's header line (CSV), written to new files
    /// `@job_mode: transactional` (§2.2): Kafka sinks write in transactions that also commit
    /// the Kafka source's offsets.
    bool transactional = false;
    std::string instanceId = "0";  ///< the job key instance.id
    /// A transactional job that keeps its state in a changelog topic (§2.2): its producer
    /// takes records as large as a changelog's (KafkaChangelog::kMaxRecordBytes).
    bool changelog = false;
};

/// A connector type: its options (for validation, docs and defaults) and its factories.
struct ConnectorSpec {
    std::string type;
    ConnectorRole role = ConnectorRole::kSource;
    std::string description;
    std::vector<OptionSpec> options;
    std::function<Result<std::unique_ptr<Source>>(const ConnectorContext&, const plan::ConnectorDecl&)> makeSource;
    std::function<Result<std::unique_ptr<Sink>>(const ConnectorContext&, const plan::ConnectorDecl&)> makeSink;
    /// A further check of each key's value (librdkafka's own, for client keys).
    std::function<Status(const plan::Property&, const std::string& owner)> checkOption;
    /// Checks that need several keys at once (e.g. the broker address); every error found.
    std::function<std::vector<Status>(const plan::ConnectorDecl&)> checkDecl;
};

/// The registry of connector types: file_source, file_sink, stdout_sink, and whatever a
/// host adds (the SQL test runner registers memory_source).
class ConnectorRegistry {
public:
    /// The process-wide registry, with the built-in connectors.
    static ConnectorRegistry& global();

    void add(ConnectorSpec spec);
    /// Replaces a registered type's factories (a host capturing stdout, for instance).
    void replace(ConnectorSpec spec);
    const ConnectorSpec* find(std::string_view type) const;
    std::vector<std::string> types() const;

    /// Checks a declaration's every key and value against its type's options: unknown keys
    /// (with the closest valid key), bad values, missing required keys, keys not supported
    /// yet. `role` is what the statement uses it as. Returns every error found.
    std::vector<Status> validate(const plan::ConnectorDecl& decl, ConnectorRole role) const;

    /// The value of `key` for `decl`, or the option's default.
    static std::string option(const plan::ConnectorDecl& decl, const ConnectorSpec& spec, std::string_view key);

private:
    std::vector<ConnectorSpec> specs_;
};

void registerFileConnectors(ConnectorRegistry& registry);
void registerKafkaConnectors(ConnectorRegistry& registry);
/// A producer for the job's DLQ topic (`dlq.topic`), with the client settings (broker,
/// security) of `brokerDecl`, a Kafka source or sink of the job. Creates the topic (one
/// partition) when it does not exist. With `transactionalSink` (the job's transactional
/// Kafka sink), the DLQ records go through that sink's producer, inside its transactions.
Result<std::unique_ptr<Sink>> makeKafkaDlqSink(const ConnectorContext& context, const plan::ConnectorDecl& brokerDecl,
                                               const std::string& topic, Sink* transactionalSink = nullptr);
/// The changelog topic `ferris.<app>.<job>.changelog` of a transactional job (§2.2), written
/// through `transactionalSink` (the job's transactional Kafka sink, whose broker and security
/// keys `sinkDecl` gives); a created topic has `replicationFactor` replicas (-1: the broker's
/// default).
Result<std::unique_ptr<StateChangelog>> makeKafkaChangelog(const ConnectorContext& context,
                                                           const plan::ConnectorDecl& sinkDecl,
                                                           Sink* transactionalSink,
                                                           int replicationFactor);
/// True for kafka_source and kafka_sink declarations.
bool isKafkaDecl(const plan::ConnectorDecl& decl);
/// A DLQ replay's source: the job's Kafka source declaration `source` (its format) reading
/// `dlqTopic` to its end now (`bounded` latest), from the start for a first replay (the
/// source's `group.id` and `auto.offset.reset` dropped: the replay's group is its own). The
/// topic lives on the broker of the job's Kafka sink when `sink` is one: the connection keys
/// (bootstrap.servers, security.protocol, sasl.*, ssl.*) are the sink's then.
plan::ConnectorDecl dlqReplaySourceDecl(const plan::ConnectorDecl& source,
                                        const plan::ConnectorDecl& sink,
                                        const std::string& dlqTopic);
/// CSV options of a declaration (`csv.delimiter`, `csv.quote`, `csv.header`).
codec::CsvOptions csvOptionsOf(const plan::ConnectorDecl& decl, const ConnectorSpec& spec);
void registerStdoutSink(ConnectorRegistry& registry);

}  // namespace ferris::connectors
