// Registration of kafka_source and kafka_sink: their options and factories.

#include <fmt/format.h>

#include "connectors/connector_registry.h"
#include "connectors/kafka_changelog.h"
#include "connectors/kafka_sink.h"
#include "connectors/kafka_source.h"
#include "types/number_text.h"

namespace ferris::connectors {

namespace {



/// `'<name>.bounded'`: latest, or timestamp:<epoch ms>; librdkafka keys by librdkafka.
Status checkOption(const plan::Property& property, const std::string& owner) {
    if (kafka::isClientKey(property.key)) return kafka::checkClientSetting(property, owner);
    if (property.key != "bounded") return Status::ok();
    int64_t millis = 0;
    if (property.value == "latest" ||
        (property.value.starts_with("timestamp:") && types::parseInt64(property.value.substr(10), millis) &&
         millis >= 0)) {
        return Status::ok();
    }
    return Status::user(ErrorCode::kInvalidValue,
                        fmt::format("{}: '{}' = '{}' is not valid: expected latest or timestamp:<epoch milliseconds>",
                                    owner, property.fullKey, property.value),
                        property.location);
}

/// Options every Kafka connector has: the topic, the broker and client keys (§1.2).
std::vector<OptionSpec> clientOptions(bool source) {
    std::vector<OptionSpec> options = {
        {"topic", OptionType::kString, "", true, {}, "the Kafka topic", "", ""},
        {"format", OptionType::kEnum, "json", false, {"json", "avro", "string", "bytes", "protobuf"},
         "record value format", "", ""},
        {"bootstrap.servers", OptionType::kString, "", false, {}, "the brokers, host:port[,host:port…]", "", ""},
        {"config_file", OptionType::kPath, "", false, {}, "YAML file with more of this connector's keys (extends, ${VAR})", "", ""},
    };
    std::vector<std::pair<const char*, const char*>> shorthands = {
        {"security.protocol", "plaintext, ssl, sasl_plaintext or sasl_ssl"},
        {"message.max.bytes", "largest record librdkafka sends or accepts"},
    };
    if (source) {
        shorthands.emplace_back("group.id", "consumer group (default ferris.<app>.<job>)");
        shorthands.emplace_back("auto.offset.reset", "where a group without committed offsets starts");
    } else {
        shorthands.emplace_back("compression.type", "none, gzip, snappy, lz4 or zstd");
        shorthands.emplace_back("linger.ms", "how long the producer waits to fill a batch");
        shorthands.emplace_back("acks", "acknowledgements the producer waits for (-1 = all)");
        shorthands.emplace_back("transaction.timeout.ms", "transaction timeout");
    }
    for (const auto& [key, description] : shorthands) {
        std::string defaultValue = std::string(key) == "auto.offset.reset" ? "earliest" : "";
        options.push_back({key, OptionType::kString, defaultValue, false, {}, description, "", ""});
    }
    options.push_back({"avro.schema", OptionType::kString, "", false, {},
                       source ? "the writer schema (Avro JSON) of the records" : "the writer schema (Avro JSON) to write",
                       "", "avro"});
    options.push_back({"avro.schema.file", OptionType::kPath, "", false, {},
                       "a file holding the Avro schema, relative to the SQL file", "", "avro"});
    const std::vector<std::string> valueOrKey = {"format", "key.format"};
    options.push_back({"key.format", OptionType::kEnum, "string", false, {"string", "json", "avro"},
                       source ? "record key format; _key holds the key as text either way"
                              : "record key format: the key columns as text, as JSON, or as an Avro record",
                       "", ""});
    if (source) {
        options.push_back({"key.avro.schema", OptionType::kString, "", false, {},
                           "the writer schema (Avro JSON) of the keys", "", "avro", {"key.format"}});
        options.push_back({"key.avro.schema.file", OptionType::kPath, "", false, {},
                           "a file holding the keys' Avro schema, relative to the SQL file", "", "avro",
                           {"key.format"}});
    }
    options.push_back({"schema.registry.url", OptionType::kString, "", false, {},
                       source ? "a Confluent schema registry: records are framed (magic byte, schema id) and each "
                                "writer schema is fetched by its id"
                              : "a Confluent schema registry: the schema is registered under the subject and records "
                                "are framed with its id",
                       "", "avro", valueOrKey});
    options.push_back({"schema.registry.basic.auth.user.info", OptionType::kString, "", false, {},
                       "registry basic authentication, user:password", "", "avro", valueOrKey});
    if (!source) {
        options.push_back({"schema.registry.subject.strategy", OptionType::kEnum, "topic_name", false,
                           {"topic_name", "record_name", "topic_record_name"},
                           "the subjects schemas are registered under: <topic>-value (<topic>-key for keys), the "
                           "record's full name, or <topic>-<record full name>",
                           "", "avro", valueOrKey});
        options.push_back({"avro.record.name", OptionType::kString, "", false, {},
                           "name of the generated record schema (default: the sink's name, namespace ferris)", "",
                           "avro"});
    }
    options.push_back({"kafka.*", OptionType::kString, "", false, {},
                       "any librdkafka setting, e.g. kafka.fetch.max.bytes (checked by librdkafka)", "", ""});
    options.push_back({"sasl.*", OptionType::kString, "", false, {}, "librdkafka SASL settings", "", ""});
    options.push_back({"ssl.*", OptionType::kString, "", false, {}, "librdkafka TLS settings", "", ""});
    return options;
}

/// The broker address must be given (no silent localhost).
std::vector<Status> checkBroker(const plan::ConnectorDecl& decl) {
    std::vector<Status> errors;
    if (!decl.properties.has("bootstrap.servers") && !decl.properties.has("kafka.bootstrap.servers")) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      fmt::format("{} needs '{}.bootstrap.servers' (the Kafka brokers)", decl.name,
                                                  decl.name),
                                      decl.location));
    }
    for (const char* managed : {"kafka.transactional.id", "kafka.group.instance.id"}) {
        if (const plan::Property* property = decl.properties.find(managed)) {
            errors.push_back(Status::user(
                ErrorCode::kConfigError,
                fmt::format("'{}' is set by FerrisStreams itself: ferris.<app>.<job>.<instance.id> (set the job key "
                            "'instance.id'; '@job_mode: transactional' makes the sink transactional)",
                            property->fullKey),
                property->location));
        }
    }
    for (const char* managed : {"kafka.enable.auto.commit", "kafka.enable.auto.offset.store",
                                "kafka.enable.partition.eof", "kafka.partitioner"}) {
        if (const plan::Property* property = decl.properties.find(managed)) {
            errors.push_back(Status::user(
                ErrorCode::kConfigError,
                fmt::format("'{}' is set by FerrisStreams itself (offsets are committed after the outputs are "
                            "acknowledged; keys are partitioned like the Java client's)",
                            property->fullKey),
                property->location));
        }
    }
    return errors;
}

std::string groupIdOf(const ConnectorContext& context) { return fmt::format("ferris.{}.{}", context.appName, context.jobName); }

}  // namespace

plan::ConnectorDecl dlqReplaySourceDecl(const plan::ConnectorDecl& source,
                                        const plan::ConnectorDecl& sink,
                                        const std::string& dlqTopic) {
    auto bare = [](std::string_view key) {
        return key.starts_with("kafka.") ? key.substr(6) : key;
    };
    auto connection = [&](std::string_view key) {
        key = bare(key);
        return key == "bootstrap.servers" || key == "security.protocol" ||
               key.starts_with("sasl.") || key.starts_with("ssl.");
    };
    bool sinkBroker = isKafkaDecl(sink);
    plan::ConnectorDecl decl = source;
    decl.properties = plan::PropertyList();
    for (const auto& property : source.properties.entries()) {
        std::string_view key = bare(property.key);
        if (key == "group.id" || key == "auto.offset.reset" ||
            (sinkBroker && connection(property.key)))
            continue;
        decl.properties.add(property);
    }
    if (sinkBroker) {
        for (const auto& property : sink.properties.entries()) {
            if (connection(property.key)) decl.properties.add(property);
        }
    }
    decl.properties.set("topic", dlqTopic);
    decl.properties.set("bounded", "latest");
    decl.properties.set("auto.offset.reset", "earliest");
    return decl;
}

bool isKafkaDecl(const plan::ConnectorDecl& decl) {
    const std::string& type = decl.properties.get("type");
    return type == "kafka_source" || type == "kafka_sink";
}

void registerKafkaConnectors(ConnectorRegistry& registry) {
    ConnectorSpec source;
    source.type = "kafka_source";
    source.role = ConnectorRole::kSource;
    source.description = "reads a Kafka topic through a consumer group; unbounded unless 'bounded' is set";
    source.options = clientOptions(/*source=*/true);
    {
        source.options.push_back({"bounded", OptionType::kString, "", false, {},
                                  "stop at the end offsets at the first start (latest) or at a time (timestamp:<ms>)",
                                  "", ""});
        source.options.push_back({"event.time.field", OptionType::kString, "", false, {},
                                  "column holding the record's event time (default: the record timestamp)", "", ""});
        source.options.push_back({"event.time.format", OptionType::kString, "epoch_millis", false, {},
                                  "epoch_millis, epoch_seconds, iso8601 or a strftime pattern", "", ""});
    }
    source.checkDecl = checkBroker;
    source.checkOption = checkOption;
    source.makeSource = [](const ConnectorContext& context,
                           const plan::ConnectorDecl& decl) -> Result<std::unique_ptr<Source>> {
        KafkaSourceOptions options;
        options.topic = decl.properties.get("topic");
        options.settings = kafka::clientSettingsOf(decl);
        options.groupId = groupIdOf(context);
        options.instanceId = options.groupId + "." + context.instanceId;
        options.transactional = context.transactional;
        options.job = context.jobName;
        if (decl.properties.has("bounded")) {
            const std::string& bound = decl.properties.get("bounded");
            if (bound == "latest") {
                options.bound = KafkaBound::kLatest;
            } else {
                options.bound = KafkaBound::kTimestamp;
                (void)types::parseInt64(std::string_view(bound).substr(10), options.boundTimestampMs);
            }
        }
        return std::unique_ptr<Source>(std::make_unique<KafkaSource>(std::move(options)));
    };
    registry.add(std::move(source));

    ConnectorSpec sink;
    sink.type = "kafka_sink";
    sink.role = ConnectorRole::kSink;
    sink.description = "writes records to a Kafka topic (idempotent producer, Java-compatible key partitioning)";
    sink.options = clientOptions(/*source=*/false);
    sink.options.push_back({"timestamp.format", OptionType::kEnum, "epoch_millis", false, {"epoch_millis", "iso8601"},
                            "how TIMESTAMP values are written (json)", "", ""});
    sink.options.push_back({"topic.create", OptionType::kBool, "false", false, {},
                            "create the topic when it does not exist", "", ""});
    sink.options.push_back({"topic.partitions", OptionType::kInt, "1", false, {}, "partitions of a created topic",
                            "", ""});
    sink.options.push_back({"topic.replication.factor", OptionType::kInt, "1", false, {},
                            "replication factor of a created topic", "", ""});
    sink.checkDecl = checkBroker;
    sink.checkOption = checkOption;
    sink.makeSink = [](const ConnectorContext& context,
                       const plan::ConnectorDecl& decl) -> Result<std::unique_ptr<Sink>> {
        const ConnectorSpec* spec = ConnectorRegistry::global().find("kafka_sink");
        KafkaSinkOptions options;
        options.name = decl.name;
        options.topic = decl.properties.get("topic");
        options.settings = kafka::clientSettingsOf(decl);
        if (context.changelog) {
            // Before the declaration's keys, which win.
            options.settings.insert(
                options.settings.begin(),
                {"message.max.bytes", std::to_string(KafkaChangelog::kMaxRecordBytes)});
        }
        options.job = context.jobName;
        if (context.transactional) {
            options.transactionalId = fmt::format("{}.{}", groupIdOf(context), context.instanceId);
        }
        options.createTopic = ConnectorRegistry::option(decl, *spec, "topic.create") == "true";
        int64_t number = 1;
        (void)types::parseInt64(ConnectorRegistry::option(decl, *spec, "topic.partitions"), number);
        options.partitions = static_cast<int>(std::max<int64_t>(number, 1));
        (void)types::parseInt64(ConnectorRegistry::option(decl, *spec, "topic.replication.factor"), number);
        options.replicationFactor = static_cast<int>(std::max<int64_t>(number, 1));
        return std::unique_ptr<Sink>(std::make_unique<KafkaSink>(std::move(options)));
    };
    registry.add(std::move(sink));
}

namespace {

/// The broker and security keys of a declaration (other clients' keys would only draw
/// librdkafka warnings).
kafka::Settings brokerSettingsOf(const plan::ConnectorDecl& decl) {
    kafka::Settings out;
    for (auto& [key, value] : kafka::clientSettingsOf(decl)) {
        if (key == "bootstrap.servers" || key.starts_with("security.") ||
            key.starts_with("sasl.") || key.starts_with("ssl.")) {
            out.emplace_back(key, value);
        }
    }
    return out;
}

}  // namespace

Result<std::unique_ptr<StateChangelog>> makeKafkaChangelog(const ConnectorContext& context,
                                                           const plan::ConnectorDecl& sinkDecl,
                                                           Sink* transactionalSink,
                                                           int replicationFactor) {
    auto* sink = dynamic_cast<KafkaSink*>(transactionalSink);
    if (sink == nullptr || !sink->transactional()) {
        return Status::internal("a changelog topic needs the job's transactional Kafka sink");
    }
    KafkaChangelogOptions options;
    options.topic = groupIdOf(context) + ".changelog";
    options.settings = brokerSettingsOf(sinkDecl);
    options.replicationFactor = replicationFactor;
    options.job = context.jobName;
    return std::unique_ptr<StateChangelog>(
        std::make_unique<KafkaChangelog>(std::move(options), *sink));
}

Result<std::unique_ptr<Sink>> makeKafkaDlqSink(const ConnectorContext& context, const plan::ConnectorDecl& brokerDecl,
                                               const std::string& topic, Sink* transactionalSink) {
    KafkaSinkOptions options;
    options.name = "dlq.topic";
    options.topic = topic;
    options.settings = brokerSettingsOf(brokerDecl);
    options.job = context.jobName;
    options.createTopic = true;
    if (transactionalSink != nullptr) {
        auto* parent = dynamic_cast<KafkaSink*>(transactionalSink);
        if (parent == nullptr || !parent->transactional()) {
            return Status::internal("a transactional DLQ topic needs the job's transactional Kafka sink");
        }
        return std::unique_ptr<Sink>(parent->companion(std::move(options)));
    }
    return std::unique_ptr<Sink>(std::make_unique<KafkaSink>(std::move(options)));
}

}  // namespace ferris::connectors
