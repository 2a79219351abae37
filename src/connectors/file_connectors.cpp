// Registration of file_source, file_sink and stdout_sink: their options and factories.

#include <fmt/format.h>

#include "connectors/connector_registry.h"
#include "connectors/file_sink.h"
#include "connectors/file_input_source.h"

namespace ferris::connectors {

namespace {


std::vector<OptionSpec> csvOptions() {
    return {
        {"csv.delimiter", OptionType::kChar, ",", false, {}, "CSV field delimiter", "", "csv"},
        {"csv.quote", OptionType::kChar, "\"", false, {}, "CSV quote character", "", "csv"},
        {"csv.header", OptionType::kBool, "true", false, {}, "whether the first line names the columns", "", "csv"},
    };
}

std::vector<OptionSpec> eventTimeOptions() {
    return {
        {"event.time.field", OptionType::kString, "", false, {}, "column holding the record's event time", "", ""},
        {"event.time.format", OptionType::kString, "epoch_millis", false, {},
         "epoch_millis, epoch_seconds, iso8601 or a strftime pattern", "", ""},
    };
}

std::filesystem::path resolvePath(const ConnectorContext& context, const std::string& path) {
    std::filesystem::path result(path);
    if (result.is_relative()) result = context.baseDir / result;
    return result;
}

}  // namespace

codec::CsvOptions csvOptionsOf(const plan::ConnectorDecl& decl, const ConnectorSpec& spec) {
    codec::CsvOptions options;
    options.delimiter = ConnectorRegistry::option(decl, spec, "csv.delimiter")[0];
    options.quote = ConnectorRegistry::option(decl, spec, "csv.quote")[0];
    options.header = ConnectorRegistry::option(decl, spec, "csv.header") == "true";
    return options;
}

void registerFileConnectors(ConnectorRegistry& registry) {
    ConnectorSpec source;
    source.type = "file_source";
    source.role = ConnectorRole::kSource;
    source.description =
        "reads a file of JSON lines, a JSON array or CSV, or the committed part files of a directory an exactly-once "
        "file_sink writes; bounded, or following the file or directory as it grows (watch)";
    source.options = {
        {"path", OptionType::kPath, "", true, {},
         "the file to read, or a directory of part files (its committed parts, oldest first), relative to the SQL "
         "file",
         "", ""},
        {"format", OptionType::kEnum, "jsonl", false, {"jsonl", "json", "csv"}, "record format", "", ""},
        {"watch", OptionType::kBool, "false", false, {},
         "follow the file as it grows (jsonl, csv): the source is unbounded; a truncated or replaced file is read "
         "again from its start; a directory's new parts are read as they are committed",
         "", ""},
        {"config_file", OptionType::kPath, "", false, {}, "YAML file with more of this connector's keys (extends, ${VAR})", "", ""},
    };
    for (auto& option : csvOptions()) source.options.push_back(option);
    for (auto& option : eventTimeOptions()) source.options.push_back(option);
    source.makeSource = [](const ConnectorContext& context,
                           const plan::ConnectorDecl& decl) -> Result<std::unique_ptr<Source>> {
        const ConnectorSpec* spec = ConnectorRegistry::global().find("file_source");
        std::string format = ConnectorRegistry::option(decl, *spec, "format");
        FileFormat fileFormat = format == "csv"    ? FileFormat::kCsv
                                : format == "json" ? FileFormat::kJsonArray
                                                   : FileFormat::kJsonLines;
        return std::unique_ptr<Source>(std::make_unique<FileInputSource>(
            resolvePath(context, decl.properties.get("path")), fileFormat, csvOptionsOf(decl, *spec),
            FileSource::kDefaultChunkSize, ConnectorRegistry::option(decl, *spec, "watch") == "true"));
    };
    source.checkDecl = [](const plan::ConnectorDecl& decl) {
        std::vector<Status> errors;
        const plan::Property* watch = decl.properties.find("watch");
        if (watch != nullptr && watch->value == "true" && decl.properties.get("format") == "json") {
            errors.push_back(Status::user(ErrorCode::kInvalidValue,
                                          fmt::format("file_source {}: '{}' follows a growing file of JSON lines or CSV; a JSON "
                                                      "array ('format' = 'json') cannot grow — use 'jsonl'",
                                                      decl.name, watch->fullKey),
                                          watch->location));
        }
        return errors;
    };
    registry.add(std::move(source));

    ConnectorSpec sink;
    sink.type = "file_sink";
    sink.role = ConnectorRole::kSink;
    sink.description =
        "writes JSON lines or CSV to a file, flushed and fsynced on commit; in @job_mode: transactional, to a "
        "directory of part files, each renamed into place once its checkpoint commits (exactly-once)";
    sink.options = {
        {"path", OptionType::kPath, "", true, {},
         "the file to write, relative to the SQL file; in @job_mode: transactional, a directory of part files",
         "", ""},
        {"format", OptionType::kEnum, "jsonl", false, {"jsonl", "csv"}, "record format", "", ""},
        {"timestamp.format", OptionType::kEnum, "epoch_millis", false, {"epoch_millis", "iso8601"},
         "how TIMESTAMP values are written", "", ""},
        {"config_file", OptionType::kPath, "", false, {}, "YAML file with more of this connector's keys (extends, ${VAR})", "", ""},
    };
    for (auto& option : csvOptions()) sink.options.push_back(option);
    sink.makeSink = [](const ConnectorContext& context,
                       const plan::ConnectorDecl& decl) -> Result<std::unique_ptr<Sink>> {
        std::filesystem::path path = resolvePath(context, decl.properties.get("path"));
        if (context.transactional) {
            // §2.2 exactly-once file output: part files renamed into place on commit.
            const ConnectorSpec* spec = ConnectorRegistry::global().find("file_sink");
            return std::unique_ptr<Sink>(std::make_unique<PartFileSink>(
                std::move(path), ConnectorRegistry::option(decl, *spec, "format"), context.sinkHeader));
        }
        return std::unique_ptr<Sink>(std::make_unique<FileSink>(std::move(path), context.sinkHeader));
    };
    registry.add(std::move(sink));
}

void registerStdoutSink(ConnectorRegistry& registry) {
    ConnectorSpec sink;
    sink.type = "stdout_sink";
    sink.role = ConnectorRole::kSink;
    sink.description = "writes JSON lines or CSV to standard output";
    sink.options = {
        {"format", OptionType::kEnum, "jsonl", false, {"jsonl", "csv"}, "record format", "", ""},
        {"timestamp.format", OptionType::kEnum, "epoch_millis", false, {"epoch_millis", "iso8601"},
         "how TIMESTAMP values are written", "", ""},
        {"config_file", OptionType::kPath, "", false, {}, "YAML file with more of this connector's keys (extends, ${VAR})", "", ""},
    };
    for (auto& option : csvOptions()) sink.options.push_back(option);
    sink.makeSink = [](const ConnectorContext& context, const plan::ConnectorDecl&) -> Result<std::unique_ptr<Sink>> {
        return std::unique_ptr<Sink>(std::make_unique<StdoutSink>(context.sinkHeader));
    };
    registry.add(std::move(sink));
}

}  // namespace ferris::connectors
