#include "runtime/formats.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "codec/avro.h"
#include "codec/schema_registry.h"

namespace ferris::runtime {

namespace {

using connectors::ConnectorRegistry;

std::string option(const plan::ConnectorDecl& decl, const connectors::ConnectorSpec& spec, std::string_view key) {
    return ConnectorRegistry::option(decl, spec, key);
}

/// The schema the declaration gives inline (`<prefix>avro.schema`) or in a file
/// (`<prefix>avro.schema.file`); null when it gives none. The prefix is "key." for keys.
Result<codec::AvroSchemaPtr> declaredAvroSchema(const plan::ConnectorDecl& decl, const std::filesystem::path& baseDir,
                                                const std::string& prefix = "") {
    const plan::Property* inlineSchema = decl.properties.find(prefix + "avro.schema");
    const plan::Property* file = decl.properties.find(prefix + "avro.schema.file");
    if (inlineSchema != nullptr && file != nullptr) {
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("both '{}' and '{}' are set: give the schema once", inlineSchema->fullKey,
                                        file->fullKey),
                            file->location);
    }
    std::string text;
    SourceLocation at;
    if (inlineSchema != nullptr) {
        text = inlineSchema->value;
        at = inlineSchema->location;
    } else if (file != nullptr) {
        std::filesystem::path path(file->value);
        if (path.is_relative()) path = baseDir / path;
        std::ifstream in(path);
        if (!in) {
            return Status::user(ErrorCode::kConfigError,
                                fmt::format("'{}': cannot read {}", file->fullKey, path.string()), file->location);
        }
        std::stringstream buffer;
        buffer << in.rdbuf();
        text = buffer.str();
        at = file->location;
    } else {
        return codec::AvroSchemaPtr();
    }
    auto schema = codec::AvroSchema::parse(text);
    if (!schema.isOk()) return schema.status().withLocation(at);
    return schema;
}

Result<std::shared_ptr<codec::SchemaRegistryClient>> registryOf(const plan::ConnectorDecl& decl) {
    codec::SchemaRegistryConfig config;
    config.url = decl.properties.get("schema.registry.url");
    config.basicAuthUserInfo = decl.properties.has("schema.registry.basic.auth.user.info")
                                   ? decl.properties.get("schema.registry.basic.auth.user.info")
                                   : std::string();
    FERRIS_ASSIGN_OR_RETURN(auto client, codec::SchemaRegistryClient::make(config));
    return std::shared_ptr<codec::SchemaRegistryClient>(std::move(client));
}

Status notSupportedFormat(const plan::ConnectorDecl& decl, const std::string& format) {
    const plan::Property* property = decl.properties.find("format");
    return Status::notSupported(fmt::format("format '{}' ({}.format): {} comes with a later release", format,
                                            decl.name, format),
                                property != nullptr ? property->location : decl.location);
}

/// The subject a sink's schema is registered under, by its subject strategy.
std::string sinkSubject(const plan::ConnectorDecl& decl, const connectors::ConnectorSpec& spec, bool isKey,
                        const codec::AvroSchema& schema) {
    std::string strategy = option(decl, spec, "schema.registry.subject.strategy");
    auto nameStrategy = strategy == "record_name"         ? codec::SubjectNameStrategy::kRecordName
                        : strategy == "topic_record_name" ? codec::SubjectNameStrategy::kTopicRecordName
                                                          : codec::SubjectNameStrategy::kTopicName;
    return codec::subjectName(nameStrategy, decl.properties.get("topic"), isKey, schema.root().fullName);
}

/// Avro keys of a Kafka sink: the key columns as a record `<sink>_key`.
Status makeAvroKeyEncoder(const plan::JobPlan& plan, const connectors::ConnectorSpec& spec,
                          const std::vector<codec::EncodeColumn>& columns, SinkEncoder& out) {
    const plan::ConnectorDecl& decl = plan.sink;
    std::vector<codec::EncodeColumn> keyColumns;
    for (int index : plan.keyColumns) keyColumns.push_back(columns[static_cast<size_t>(index)]);
    if (keyColumns.empty()) return Status::ok();  // no key columns: the job decides (pass-through or none)
    auto schema = codec::avroSchemaFor(keyColumns, decl.name + "_key", "ferris");
    if (!schema.isOk()) return schema.status().withLocation(decl.location);
    auto encoder = codec::makeAvroEncoder(keyColumns, {schema.value(), std::nullopt});
    if (!encoder.isOk()) return encoder.status().withLocation(decl.location);
    out.keyEncoder = std::move(encoder).value();
    if (decl.properties.has("schema.registry.url")) {
        FERRIS_ASSIGN_OR_RETURN(auto registry, registryOf(decl));
        std::string subject = sinkSubject(decl, spec, /*isKey=*/true, *schema.value());
        out.keyAtStart = [registry, subject, schema = schema.value(),
                          keyColumns]() -> Result<std::shared_ptr<codec::Encoder>> {
            FERRIS_ASSIGN_OR_RETURN(int32_t id, registry->registerSchema(subject, schema->text()));
            FERRIS_ASSIGN_OR_RETURN(auto encoder, codec::makeAvroEncoder(keyColumns, {schema, id}));
            return std::shared_ptr<codec::Encoder>(std::move(encoder));
        };
    }
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<codec::KeyReader>> makeKeyReader(const plan::ConnectorDecl& decl,
                                                        const connectors::ConnectorSpec& spec,
                                                        const std::filesystem::path& baseDir) {
    auto format = codec::keyFormatOf(option(decl, spec, "key.format"));
    if (format == codec::KeyFormat::kJson) return codec::KeyReader::json();
    if (format != codec::KeyFormat::kAvro) return std::unique_ptr<codec::KeyReader>();
    FERRIS_ASSIGN_OR_RETURN(auto schema, declaredAvroSchema(decl, baseDir, "key."));
    if (decl.properties.has("schema.registry.url")) {
        FERRIS_ASSIGN_OR_RETURN(auto registry, registryOf(decl));
        return codec::KeyReader::avro(schema, true, codec::registryAvroResolver(std::move(registry)));
    }
    if (!schema) {
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("key.format 'avro' needs the key's writer schema: set '{0}.key.avro.schema', "
                                        "'{0}.key.avro.schema.file' or '{0}.schema.registry.url'",
                                        decl.name),
                            decl.properties.find("key.format")->location);
    }
    return codec::KeyReader::avro(schema, false, {});
}

Result<SourceDecoder> makeSourceDecoder(const plan::ConnectorDecl& decl, const connectors::ConnectorSpec& spec,
                                        std::vector<codec::DecodeField> fields, const std::filesystem::path& baseDir) {
    SourceDecoder out;
    std::string format = option(decl, spec, "format");
    if (format == "protobuf") return notSupportedFormat(decl, format);
    if (format == "string" || format == "bytes") {
        auto decoder = codec::makeRawDecoder(decl.schema, std::move(fields), format == "string");
        if (!decoder.isOk()) return decoder.status().withLocation(decl.location);
        out.decoder = std::move(decoder).value();
    } else if (format == "csv") {
        auto decoder = codec::makeCsvDecoder(std::move(fields), decl.schema.names(), connectors::csvOptionsOf(decl, spec));
        if (!decoder.isOk()) return decoder.status().withLocation(decl.location);
        out.csv = decoder.value().get();
        out.decoder = std::move(decoder).value();
    } else if (format == "avro") {
        codec::AvroDecoderOptions options;
        FERRIS_ASSIGN_OR_RETURN(options.writerSchema, declaredAvroSchema(decl, baseDir));
        if (decl.properties.has("schema.registry.url")) {
            // Confluent framing: each record names its writer schema by id.
            FERRIS_ASSIGN_OR_RETURN(auto registry, registryOf(decl));
            options.confluentFraming = true;
            options.resolver = codec::registryAvroResolver(std::move(registry));
        } else if (!options.writerSchema) {
            return Status::user(ErrorCode::kConfigError,
                                fmt::format("format 'avro' needs the writer schema: set '{0}.avro.schema', "
                                            "'{0}.avro.schema.file' or '{0}.schema.registry.url'",
                                            decl.name),
                                decl.location);
        }
        auto decoder = codec::makeAvroDecoder(std::move(fields), std::move(options));
        if (!decoder.isOk()) return decoder.status().withLocation(decl.location);
        out.decoder = std::move(decoder).value();
    } else {
        FERRIS_ASSIGN_OR_RETURN(out.decoder, codec::makeJsonDecoder(std::move(fields)));
    }
    return out;
}

Result<SinkEncoder> makeSinkEncoder(const plan::JobPlan& plan, const connectors::ConnectorSpec& spec,
                                    const std::vector<codec::EncodeColumn>& columns,
                                    const std::filesystem::path& baseDir) {
    const plan::ConnectorDecl& decl = plan.sink;
    SinkEncoder out;
    std::string format = option(decl, spec, "format");
    bool recordSink = spec.type == "kafka_sink";
    auto timestamps = option(decl, spec, "timestamp.format") == "iso8601" ? codec::TimestampFormat::kIso8601
                                                                          : codec::TimestampFormat::kEpochMillis;
    auto changelogAs = [&](const char* use) {
        return Status::notSupported(fmt::format("a changelog (upserts and deletes) written as {} to sink {}: use "
                                                "format '{}'",
                                                format, decl.name, use),
                                    decl.location);
    };
    if (format == "protobuf") return notSupportedFormat(decl, format);
    if (format == "string" || format == "bytes") {
        if (plan.changelog) return changelogAs("json");
        FERRIS_ASSIGN_OR_RETURN(out.encoder, codec::makeRawEncoder(columns, format == "string"));
    } else if (format == "avro") {
        FERRIS_ASSIGN_OR_RETURN(auto schema, declaredAvroSchema(decl, baseDir));
        if (!schema) {
            std::string name = decl.properties.has("avro.record.name") ? decl.properties.get("avro.record.name")
                                                                        : decl.name;
            auto generated = codec::avroSchemaFor(columns, name, "ferris");
            if (!generated.isOk()) return generated.status().withLocation(decl.location);
            schema = generated.value();
        }
        auto encoder = codec::makeAvroEncoder(columns, {schema, std::nullopt});
        if (!encoder.isOk()) return encoder.status().withLocation(decl.location);
        out.encoder = std::move(encoder).value();
        if (decl.properties.has("schema.registry.url")) {
            // Registered when the job starts; records then carry the id (Confluent framing).
            FERRIS_ASSIGN_OR_RETURN(auto registry, registryOf(decl));
            std::string subject = sinkSubject(decl, spec, /*isKey=*/false, *schema);
            out.atStart = [registry, subject, schema, columns]() -> Result<std::unique_ptr<codec::Encoder>> {
                FERRIS_ASSIGN_OR_RETURN(int32_t id, registry->registerSchema(subject, schema->text()));
                return codec::makeAvroEncoder(columns, {schema, id});
            };
        }
    } else if (recordSink) {
        // Kafka: a changelog's upserts are plain rows under their key, deletes tombstones.
        FERRIS_ASSIGN_OR_RETURN(out.encoder, codec::makeJsonEncoder(columns, timestamps));
    } else if (plan.changelog && format == "csv") {
        return changelogAs("jsonl");
    } else if (plan.changelog) {
        FERRIS_ASSIGN_OR_RETURN(out.encoder, codec::makeJsonChangelogEncoder(columns, plan.keyColumns, timestamps));
    } else if (format == "csv") {
        codec::CsvWriteOptions options;
        auto csv = connectors::csvOptionsOf(decl, spec);
        options.delimiter = csv.delimiter;
        options.quote = csv.quote;
        options.header = csv.header;
        options.timestamps = timestamps;
        FERRIS_ASSIGN_OR_RETURN(out.encoder, codec::makeCsvEncoder(columns, options));
    } else {
        FERRIS_ASSIGN_OR_RETURN(out.encoder, codec::makeJsonEncoder(columns, timestamps));
    }
    if (recordSink) {
        out.keyFormat = codec::keyFormatOf(option(decl, spec, "key.format"));
        if (out.keyFormat == codec::KeyFormat::kAvro) FERRIS_RETURN_IF_ERROR(makeAvroKeyEncoder(plan, spec, columns, out));
    }
    return out;
}

}  // namespace ferris::runtime
