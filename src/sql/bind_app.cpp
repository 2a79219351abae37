// Binding of an application's statements: declarations, jobs, properties, annotations,
// names (DESIGN.md §1.2).

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "common/closest_name.h"
#include "expr/cast.h"
#include "sql/bind_query.h"
#include "sql/binder.h"

namespace ferris::sql {

namespace {

/// First segments of job-level keys (§1.2); they can never name a source or sink.
const std::vector<std::string>& reservedPrefixes() {
    static const std::vector<std::string> words = {"event",  "watermark", "allowed", "late",  "failure", "max",
                                                   "retry",  "dlq",       "batch",   "commit", "circuit", "state"};
    return words;
}

/// Key prefixes of job-level keys beyond the reserved words.
bool isJobLevelKey(std::string_view key) {
    std::string_view first = key.substr(0, key.find('.'));
    for (const auto& word : reservedPrefixes()) {
        if (first == word || key.starts_with(word + "_")) return true;
    }
    return first == "job" || first == "instance";
}

bool validName(std::string_view name) {
    if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

/// Annotation keys with a meaning of their own; others name job-level keys with `_` for `.`.
bool isKnownAnnotation(std::string_view key) {
    return key == "app" || key == "name" || key == "version" || key == "description" || key == "job_mode";
}

plan::Property toProperty(const ast::Property& property, std::string key) {
    return {std::move(key), property.value, property.key, property.keyLocation};
}

struct JobNaming {
    std::set<std::string> names;
};

/// True when the query aggregates (GROUP BY, a window, HAVING or an aggregate call).
bool containsAggregation(const ast::Query& query) {
    if (!query.groupBy.empty() || query.window || query.having) return true;
    for (const auto& item : query.selectItems) {
        if (item.kind == ast::SelectItemKind::kExpr && containsAggregateCall(*item.expr)) return true;
    }
    return false;
}

class AppBinder {
public:
    AppBinder(const ParsedApp& app, std::vector<Status>& errors) : app_(app), errors_(errors) {}

    plan::AppPlan bind(std::string_view defaultName, const std::vector<plan::ConnectorDecl>& predeclared) {
        bindAppAnnotations(defaultName);
        for (const auto& source : predeclared) {
            used_.insert(source.name);
            plan_.sources.push_back(source);
        }
        for (const auto& statement : app_.statements) {
            size_t before = errors_.size();
            Status status = bindStatement(*statement);
            if (!status.isOk() && errors_.size() == before) errors_.push_back(status);
        }
        for (const auto& annotation : app_.detachedAnnotations) {
            errors_.push_back(Status::user(ErrorCode::kInvalidQuery,
                                           fmt::format("annotation @{} belongs to no statement: put it directly "
                                                       "above one (no blank line), or before the first statement for "
                                                       "the whole app",
                                                       annotation.key),
                                           annotation.location));
        }
        return std::move(plan_);
    }

private:
    void bindAppAnnotations(std::string_view defaultName) {
        plan_.name = std::string(defaultName);
        Status repeats = checkRepeats(app_.appAnnotations);
        if (!repeats.isOk()) errors_.push_back(repeats);
        for (const auto& annotation : app_.appAnnotations) {
            if (auto property = annotationProperty(annotation)) plan_.jobProperties.add(*property);
        }
        for (const auto& annotation : app_.appAnnotations) {
            if (annotation.key == "app") {
                plan_.name = annotation.value;
                if (!validName(plan_.name)) {
                    errors_.push_back(Status::user(ErrorCode::kInvalidValue,
                                                   fmt::format("app name '{}' must match [a-z][a-z0-9_]*", plan_.name),
                                                   annotation.valueLocation));
                }
            } else if (annotation.key == "name") {
                errors_.push_back(Status::user(ErrorCode::kInvalidQuery,
                                               "@name names a job: put it directly above its statement",
                                               annotation.location));
            }
            Status status = checkAnnotation(annotation);
            if (!status.isOk()) errors_.push_back(status);
            if (status.isOk() && annotation.key.starts_with("metric")) {
                errors_.push_back(Status::user(ErrorCode::kInvalidQuery,
                                               fmt::format("@{} defines a job's metric: put it directly above the job's "
                                                           "statement",
                                                           annotation.key),
                                               annotation.location));
            }
            plan_.annotations.push_back({annotation.key, annotation.value, "@" + annotation.key, annotation.location});
        }
        if (!validName(plan_.name)) {
            std::string fixed;
            for (char c : plan_.name) {
                fixed += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
            }
            if (!validName(fixed)) fixed = "app_" + fixed;
            plan_.name = fixed;
        }
    }

    /// Checks an annotation's key and value; job-key annotations are checked with the job.
    Status checkAnnotation(const ast::Annotation& annotation) {
        const std::string& key = annotation.key;
        if (key.starts_with("metric")) {
            static const std::set<std::string> kMetricKeys = {"metric",        "metric_type",  "metric_help",
                                                              "metric_labels", "metric_field", "metric_condition",
                                                              "metric_buckets"};
            if (kMetricKeys.count(key) == 0) {
                return Status::user(ErrorCode::kUnknownKey,
                                    fmt::format("unknown annotation @{}{}", key,
                                                didYouMean(key, std::vector<std::string>(kMetricKeys.begin(),
                                                                                         kMetricKeys.end()))),
                                    annotation.location);
            }
            return Status::ok();  // bound with the job's output (bindMetrics)
        }
        if (key == "job_mode") {
            if (annotation.value == "simple") return Status::ok();
            if (annotation.value == "transactional") return Status::ok();
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("@job_mode must be simple or transactional, not '{}'", annotation.value),
                                annotation.valueLocation);
        }
        if (isKnownAnnotation(key)) return Status::ok();
        std::string jobKey = key;
        std::replace(jobKey.begin(), jobKey.end(), '_', '.');
        if (!isJobLevelKey(key) && !isJobLevelKey(jobKey)) {
            std::vector<std::string> known = {"app", "name", "version", "description", "job_mode", "batch_size"};
            return Status::user(ErrorCode::kUnknownKey,
                                fmt::format("unknown annotation @{}{}", key, didYouMean(key, known)),
                                annotation.location);
        }
        return Status::ok();
    }

    /// Job-level keys an annotation sets: `@batch_size` → batch.size, `@failure_strategy`.
    static std::optional<plan::Property> annotationProperty(const ast::Annotation& annotation) {
        if (isKnownAnnotation(annotation.key) || annotation.key.starts_with("metric")) return std::nullopt;
        std::string key = annotation.key;
        if (key != "failure_strategy" && key != "max_retries" && key != "retry_backoff") {
            std::replace(key.begin(), key.end(), '_', '.');
        }
        return plan::Property{key, annotation.value, "@" + annotation.key, annotation.valueLocation};
    }

    Status checkConnectorName(const ast::Identifier& name) {
        if (!validName(name.name)) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("name '{}' must match [a-z][a-z0-9_]* (names derive state directories, "
                                            "group ids and REST paths)",
                                            name.name),
                                name.location);
        }
        if (isReservedConnectorName(name.name)) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("'{}' is reserved for job-level keys ('{}.…') and cannot name a source "
                                            "or sink",
                                            name.name, name.name),
                                name.location);
        }
        if (used_.count(name.name)) {
            return Status::user(ErrorCode::kDuplicateName, fmt::format("'{}' is declared twice", name.name),
                                name.location);
        }
        return Status::ok();
    }

    Status checkDuplicateKeys(const std::vector<ast::Property>& properties) {
        std::set<std::string> seen;
        for (const auto& property : properties) {
            if (!seen.insert(property.key).second) {
                return Status::user(ErrorCode::kDuplicateName, fmt::format("key '{}' is given twice", property.key),
                                    property.keyLocation);
            }
        }
        return Status::ok();
    }

    /// Rejects an annotation key given twice in one block (only @metric… may repeat).
    static Status checkRepeats(const std::vector<ast::Annotation>& annotations) {
        std::set<std::string> seen;
        for (const auto& annotation : annotations) {
            if (annotation.key.starts_with("metric")) continue;
            if (!seen.insert(annotation.key).second) {
                return Status::user(ErrorCode::kDuplicateName, fmt::format("annotation @{} is given twice", annotation.key),
                                    annotation.location);
            }
        }
        return Status::ok();
    }

    Status bindStatement(const ast::Statement& statement) {
        FERRIS_RETURN_IF_ERROR(checkRepeats(statement.annotations));
        if ((statement.kind == ast::StatementKind::kShow || statement.kind == ast::StatementKind::kDescribe) &&
            !statement.annotations.empty()) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("annotation @{} applies to jobs; SHOW and DESCRIBE are not jobs",
                                            statement.annotations.front().key),
                                statement.annotations.front().location);
        }
        switch (statement.kind) {
            case ast::StatementKind::kDeclare: return bindDeclare(statement.as<ast::DeclareStatement>());
            case ast::StatementKind::kCreateAs: return bindCreateAs(statement.as<ast::CreateAsStatement>());
            case ast::StatementKind::kInsert: return bindInsert(statement.as<ast::InsertStatement>());
            case ast::StatementKind::kSelect: return bindSelect(statement.as<ast::SelectStatement>());
            case ast::StatementKind::kShow: {
                const auto& show = statement.as<ast::ShowStatement>();
                static constexpr plan::Command::Kind kKinds[] = {
                    plan::Command::Kind::kShowStreams, plan::Command::Kind::kShowTables, plan::Command::Kind::kShowJobs,
                    plan::Command::Kind::kShowFunctions};
                plan_.commands.push_back({kKinds[static_cast<int>(show.target)], "", show.location});
                return Status::ok();
            }
            case ast::StatementKind::kDescribe: {
                const auto& describe = statement.as<ast::DescribeStatement>();
                if (!used_.count(describe.name.name)) {
                    std::vector<std::string> names(used_.begin(), used_.end());
                    return Status::user(ErrorCode::kUnknownSource,
                                        fmt::format("DESCRIBE: unknown stream or table '{}'{}", describe.name.name,
                                                    didYouMean(describe.name.name, names)),
                                        describe.name.location);
                }
                plan_.commands.push_back({plan::Command::Kind::kDescribe, describe.name.name, describe.location});
                return Status::ok();
            }
        }
        return Status::internal("unhandled statement");
    }

    Status bindDeclare(const ast::DeclareStatement& declare) {
        FERRIS_RETURN_IF_ERROR(checkConnectorName(declare.name));
        FERRIS_RETURN_IF_ERROR(checkDuplicateKeys(declare.properties));
        for (const auto& annotation : declare.annotations) {
            if (annotation.key != "description") {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("@{} applies to jobs; a declaration is not a job", annotation.key),
                                    annotation.location);
            }
        }
        plan::ConnectorDecl decl;
        decl.name = declare.name.name;
        decl.isTable = declare.objectKind == ast::ObjectKind::kTable;
        decl.location = declare.name.location;
        std::string prefix = decl.name + ".";
        for (const auto& property : declare.properties) {
            if (!property.key.starts_with(prefix) || property.key.size() == prefix.size()) {
                return Status::user(ErrorCode::kUnknownKey,
                                    fmt::format("'{}' in the declaration of {}: its keys are written '{}.<key>' (e.g. "
                                                "'{}.type')",
                                                property.key, decl.name, decl.name, decl.name),
                                    property.keyLocation);
            }
            decl.properties.add(toProperty(property, property.key.substr(prefix.size())));
        }
        std::set<std::string> columnNames;
        for (const auto& column : declare.columns) {
            if (!columnNames.insert(column.name.name).second) {
                return Status::user(ErrorCode::kDuplicateName,
                                    fmt::format("column '{}' is declared twice", column.name.name),
                                    column.name.location);
            }
            if (types::parseSystemColumn(column.name.name)) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("'{}' is a system column and cannot be declared", column.name.name),
                                    column.name.location);
            }
            decl.schema.add({column.name.name, column.type});
        }
        std::vector<int> key;
        auto addKey = [&](const ast::Identifier& name) -> Status {
            int index = decl.schema.indexOf(name.name);
            if (index < 0) {
                return Status::user(ErrorCode::kUnknownColumn,
                                    fmt::format("PRIMARY KEY names '{}', which is not a column of {}{}", name.name,
                                                decl.name, didYouMean(name.name, decl.schema.names())),
                                    name.location);
            }
            key.push_back(index);
            return Status::ok();
        };
        for (const auto& column : declare.columns) {
            if (column.primaryKey) FERRIS_RETURN_IF_ERROR(addKey(column.name));
        }
        for (const auto& name : declare.primaryKey) FERRIS_RETURN_IF_ERROR(addKey(name));
        decl.schema.setPrimaryKey(key);

        std::string type = decl.properties.get("type");
        bool isSink = type.ends_with("_sink");
        if (!isSink && !declare.hasColumnList) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("source {} needs a column list: schemas come from declarations (a "
                                            "schema registry can supply them for Kafka formats)",
                                            decl.name),
                                declare.name.location);
        }
        if (decl.isTable && isSink) {
            return Status::notSupported(fmt::format("CREATE TABLE {} as a sink (table changelogs come with stateful "
                                                    "streaming); declare it with CREATE STREAM",
                                                    decl.name),
                                        declare.location);
        }
        if (decl.isTable && !isSink) {
            return Status::notSupported(fmt::format("CREATE TABLE {} as a source (table sources come with joins)",
                                                    decl.name),
                                        declare.location);
        }
        used_.insert(decl.name);
        if (isSink) {
            plan_.declaredSinks.push_back(std::move(decl));
        } else {
            plan_.sources.push_back(std::move(decl));
        }
        return Status::ok();
    }

    /// Splits a job's WITH list: `<sink>.<key>` go to the sink, job-level keys to the job.
    Status splitJobProperties(const std::vector<ast::Property>& properties, const std::string& sinkName,
                              bool sinkKeysAllowed, plan::JobPlan& job) {
        FERRIS_RETURN_IF_ERROR(checkDuplicateKeys(properties));
        std::string prefix = sinkName + ".";
        for (const auto& property : properties) {
            if (property.key.starts_with(prefix)) {
                if (!sinkKeysAllowed) {
                    return Status::user(ErrorCode::kInvalidQuery,
                                        fmt::format("'{}' belongs on the declaration of {}", property.key, sinkName),
                                        property.keyLocation);
                }
                job.sink.properties.add(toProperty(property, property.key.substr(prefix.size())));
                continue;
            }
            std::string first = property.key.substr(0, property.key.find('.'));
            if (plan_.findSource(first) != nullptr) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("'{}' configures source {}: a source's keys live on its declaration",
                                                property.key, first),
                                    property.keyLocation);
            }
            if (!isJobLevelKey(property.key) && property.key.find('.') != std::string::npos) {
                std::vector<std::string> hint = {prefix + property.key.substr(property.key.find('.') + 1)};
                return Status::user(ErrorCode::kUnknownKey,
                                    fmt::format("unknown key '{}': this job's sink keys are written '{}<key>'{}",
                                                property.key, prefix, didYouMean(property.key, hint)),
                                    property.keyLocation);
            }
            job.jobProperties.add(toProperty(property, property.key));
        }
        return Status::ok();
    }

    /// Job properties from annotations (job over app), where WITH did not set them.
    Status applyAnnotations(const ast::Statement& statement, plan::JobPlan& job) {
        auto apply = [&](const ast::Annotation& annotation) -> Status {
            FERRIS_RETURN_IF_ERROR(checkAnnotation(annotation));
            auto property = annotationProperty(annotation);
            if (property && !job.jobProperties.has(property->key)) job.jobProperties.add(*property);
            return Status::ok();
        };
        for (const auto& annotation : statement.annotations) {
            job.annotations.push_back({annotation.key, annotation.value, "@" + annotation.key, annotation.location});
            if (annotation.key == "app") {
                return Status::user(ErrorCode::kInvalidQuery,
                                    "@app names the app: put it before the first statement, apart from it",
                                    annotation.location);
            }
            FERRIS_RETURN_IF_ERROR(apply(annotation));
        }
        for (const auto& annotation : app_.appAnnotations) {
            auto property = annotationProperty(annotation);
            if (property && !job.jobProperties.has(property->key)) job.jobProperties.add(*property);
        }
        // @job_mode: the job's own over the app's.
        const ast::Annotation* mode = nullptr;
        for (const auto& annotation : app_.appAnnotations) {
            if (annotation.key == "job_mode") mode = &annotation;
        }
        for (const auto& annotation : statement.annotations) {
            if (annotation.key == "job_mode") mode = &annotation;
        }
        if (mode != nullptr && mode->value == "transactional") {
            job.transactional = true;
            job.modeLocation = mode->valueLocation;
        }
        return Status::ok();
    }

    Status nameJob(const ast::Statement& statement, std::string fallback, plan::JobPlan& job) {
        job.name = std::move(fallback);
        SourceLocation location = statement.location;
        for (const auto& annotation : statement.annotations) {
            if (annotation.key == "name") {
                job.name = annotation.value;
                location = annotation.valueLocation;
            }
        }
        if (!validName(job.name)) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("job name '{}' must match [a-z][a-z0-9_]*", job.name), location);
        }
        if (!jobNames_.insert(job.name).second) {
            return Status::user(ErrorCode::kDuplicateName, fmt::format("two jobs are named '{}'", job.name), location);
        }
        return Status::ok();
    }

    Status bindJobQuery(const ast::Query& query, plan::JobPlan& job) {
        QueryBinder binder(app_, plan_);
        binder.setKafkaSink(job.sink.properties.get("type") == "kafka_sink");
        FERRIS_ASSIGN_OR_RETURN(BoundQuery bound, binder.bind(query, {}));
        if (bound.limit && job.kind != plan::JobKind::kSelect) {
            // §1.3: ORDER BY and LIMIT only in ad-hoc queries over bounded sources.
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("LIMIT is only for ad-hoc queries (SELECT … [INTO sink]); job {} is a "
                                            "{} and writes every row",
                                            job.name,
                                            job.kind == plan::JobKind::kInsertInto ? "INSERT INTO" : "CREATE STREAM"),
                                query.limitLocation);
        }
        if (bound.aggregate) {
            bool changes = bound.aggregate->emit == plan::EmitMode::kChanges;
            if (job.kind == plan::JobKind::kCreateTable) {
                // A table's rows are keyed: every key column must be selected (§1.3 Keys).
                for (size_t i = 0; i < bound.keyOutputs.size(); ++i) {
                    if (bound.keyOutputs[i] < 0) {
                        return Status::user(ErrorCode::kInvalidQuery,
                                            fmt::format("key column {} must be in the select list", bound.keyTexts[i]),
                                            query.location);
                    }
                }
                job.changelog = true;
            } else if (changes && job.kind == plan::JobKind::kSelect) {
                job.changelog = true;  // ad-hoc: the changelog goes to the sink as it is
            } else if (changes) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("job {} updates rows (an aggregation that emits changes): it must be "
                                                "a CREATE TABLE, or use EMIT FINAL (windowed, or over bounded sources)",
                                                job.name),
                                    query.location);
            }
            bound.aggregate->changelog = job.changelog;
        }
        planQuery(bound, job);
        return Status::ok();
    }

    /// `-- @metric: name` starts a metric of the job; the `@metric_…` keys after it shape it:
    /// type (counter, gauge, histogram), help, labels (output columns), field (the numeric
    /// output column a gauge sets or a histogram observes), condition (a BOOLEAN expression
    /// over the output columns), buckets (histogram upper bounds).
    Status bindMetrics(const ast::Statement& statement, plan::JobPlan& job) {
        plan::JobPlan::Metric* metric = nullptr;
        std::set<std::string> names;
        auto column = [&](const ast::Annotation& annotation, std::string_view name) -> Result<int> {
            int index = job.output.indexOf(std::string(name));
            if (index < 0) {
                std::vector<std::string> known;
                for (size_t i = 0; i < job.output.size(); ++i) known.push_back(job.output.column(i).name);
                return Status::user(ErrorCode::kUnknownColumn,
                                    fmt::format("@{}: the job has no output column '{}'{}", annotation.key, name,
                                                didYouMean(std::string(name), known)),
                                    annotation.valueLocation);
            }
            return index;
        };
        for (const auto& annotation : statement.annotations) {
            const std::string& key = annotation.key;
            if (!key.starts_with("metric")) continue;
            const std::string& value = annotation.value;
            if (key == "metric") {
                bool valid = !value.empty() && (std::isalpha(static_cast<unsigned char>(value[0])) || value[0] == '_');
                for (char c : value) valid &= std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
                if (!valid) {
                    return Status::user(ErrorCode::kInvalidValue,
                                        fmt::format("metric name '{}' must match [a-zA-Z_:][a-zA-Z0-9_:]*", value),
                                        annotation.valueLocation);
                }
                if (!names.insert(value).second) {
                    return Status::user(ErrorCode::kDuplicateName,
                                        fmt::format("the job defines metric '{}' twice", value),
                                        annotation.valueLocation);
                }
                job.metrics.push_back({});
                metric = &job.metrics.back();
                metric->name = value;
                metric->location = annotation.location;
                continue;
            }
            if (metric == nullptr) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("@{} must follow the @metric it belongs to", key), annotation.location);
            }
            if (key == "metric_type") {
                if (value == "counter") {
                    metric->type = plan::JobPlan::Metric::Type::kCounter;
                } else if (value == "gauge") {
                    metric->type = plan::JobPlan::Metric::Type::kGauge;
                } else if (value == "histogram") {
                    metric->type = plan::JobPlan::Metric::Type::kHistogram;
                } else {
                    return Status::user(ErrorCode::kInvalidValue,
                                        fmt::format("@metric_type must be counter, gauge or histogram, not '{}'", value),
                                        annotation.valueLocation);
                }
            } else if (key == "metric_help") {
                metric->help = value;
            } else if (key == "metric_labels") {
                size_t start = 0;
                while (start <= value.size()) {
                    size_t comma = value.find(',', start);
                    std::string name = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                    name.erase(0, name.find_first_not_of(' '));
                    name.erase(name.find_last_not_of(' ') + 1);
                    FERRIS_ASSIGN_OR_RETURN(int slot, column(annotation, name));
                    metric->labels.push_back(name);
                    metric->labelSlots.push_back(slot);
                    if (comma == std::string::npos) break;
                    start = comma + 1;
                }
            } else if (key == "metric_field") {
                FERRIS_ASSIGN_OR_RETURN(metric->fieldSlot, column(annotation, value));
                auto id = job.output.column(static_cast<size_t>(metric->fieldSlot)).type.id();
                if (id != types::TypeId::kBigint && id != types::TypeId::kDouble && id != types::TypeId::kDecimal) {
                    return Status::user(ErrorCode::kTypeMismatch,
                                        fmt::format("@metric_field '{}' is {}: a metric observes a number (BIGINT, "
                                                    "DOUBLE or DECIMAL)",
                                                    value, job.output.column(static_cast<size_t>(metric->fieldSlot)).type.toString()),
                                        annotation.valueLocation);
                }
            } else if (key == "metric_buckets") {
                size_t start = 0;
                while (start <= value.size()) {
                    size_t comma = value.find(',', start);
                    std::string text = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                    char* end = nullptr;
                    double bound = std::strtod(text.c_str(), &end);
                    while (end != nullptr && *end == ' ') ++end;
                    if (text.empty() || end == nullptr || *end != '\0' ||
                        (!metric->buckets.empty() && bound <= metric->buckets.back())) {
                        return Status::user(ErrorCode::kInvalidValue,
                                            fmt::format("@metric_buckets must be increasing numbers, e.g. 10, 100, "
                                                        "1000 (not '{}')",
                                                        value),
                                            annotation.valueLocation);
                    }
                    metric->buckets.push_back(bound);
                    if (comma == std::string::npos) break;
                    start = comma + 1;
                }
            } else if (key == "metric_condition") {
                FERRIS_ASSIGN_OR_RETURN(metric->condition, bindOutputCondition(annotation, job));
            }
        }
        for (const auto& defined : job.metrics) {
            bool counter = defined.type == plan::JobPlan::Metric::Type::kCounter;
            if (counter && defined.fieldSlot >= 0) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("metric '{}' is a counter (it counts rows): @metric_field is for gauges "
                                                "and histograms",
                                                defined.name),
                                    defined.location);
            }
            if (!counter && defined.fieldSlot < 0) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("metric '{}' needs @metric_field: the output column it observes",
                                                defined.name),
                                    defined.location);
            }
            if (defined.type != plan::JobPlan::Metric::Type::kHistogram && !defined.buckets.empty()) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("@metric_buckets applies to histograms; metric '{}' is not one",
                                                defined.name),
                                    defined.location);
            }
        }
        for (auto& defined : job.metrics) {
            if (defined.type == plan::JobPlan::Metric::Type::kHistogram && defined.buckets.empty()) {
                defined.buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};  // Prometheus defaults
            }
        }
        return Status::ok();
    }

    /// `@metric_condition`: an expression over the job's output columns, located in the
    /// annotation's value.
    Result<expr::ExprPtr> bindOutputCondition(const ast::Annotation& annotation, const plan::JobPlan& job) {
        auto relocate = [&](const Status& status) {
            SourceLocation at = status.location();
            if (!at.valid()) return status.withLocation(annotation.valueLocation);
            SourceLocation moved{annotation.valueLocation.line + at.line - 1,
                                 at.line == 1 ? annotation.valueLocation.column + at.column - 1 : at.column};
            return Status::user(status.code(), "@metric_condition: " + status.message(), moved);
        };
        auto expression = parseExpression(annotation.value);
        if (!expression.isOk()) return relocate(expression.status());
        ParsedApp text;
        text.text = annotation.value;
        Scope scope;
        scope.sourceName = job.sink.name;
        scope.schema = &job.output;
        ExpressionBinder binder(text, scope);
        auto bound = binder.bindCondition(*expression.value().expr, "@metric_condition");
        if (!bound.isOk()) return relocate(bound.status());
        return bound;
    }

    Status bindCreateAs(const ast::CreateAsStatement& create) {
        bool table = create.objectKind == ast::ObjectKind::kTable;
        if (table && !containsAggregation(*create.query)) {
            return Status::notSupported(
                fmt::format("CREATE TABLE {} AS SELECT without GROUP BY (stateless tables come with joins)",
                            create.name.name),
                create.location);
        }
        FERRIS_RETURN_IF_ERROR(checkConnectorName(create.name));
        plan::JobPlan job;
        job.kind = table ? plan::JobKind::kCreateTable : plan::JobKind::kCreateStream;
        job.location = create.location;
        job.sql = std::string(app_.textOf(create.range));
        job.sink.name = create.name.name;
        job.sink.location = create.name.location;
        FERRIS_RETURN_IF_ERROR(nameJob(create, create.name.name, job));
        FERRIS_RETURN_IF_ERROR(splitJobProperties(create.properties, create.name.name, true, job));
        FERRIS_RETURN_IF_ERROR(applyAnnotations(create, job));
        FERRIS_RETURN_IF_ERROR(bindJobQuery(*create.query, job));
        FERRIS_RETURN_IF_ERROR(bindMetrics(create, job));
        job.sink.schema = job.output;
        used_.insert(create.name.name);
        plan_.jobs.push_back(std::move(job));
        return Status::ok();
    }

    const plan::ConnectorDecl* findSink(const ast::Identifier& name) {
        for (const auto& sink : plan_.declaredSinks) {
            if (sink.name == name.name) return &sink;
        }
        return nullptr;
    }

    Status unknownSink(const ast::Identifier& name) {
        if (plan_.findSource(name.name) != nullptr) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("{} is declared as a source; INSERT INTO needs a declared sink",
                                            name.name),
                                name.location);
        }
        std::vector<std::string> names;
        for (const auto& sink : plan_.declaredSinks) names.push_back(sink.name);
        return Status::user(ErrorCode::kUnknownSource,
                            fmt::format("unknown sink '{}': declare it with CREATE STREAM {} (…) WITH ('{}.type' = "
                                        "'file_sink', …){}",
                                        name.name, name.name, name.name, didYouMean(name.name, names)),
                            name.location);
    }

    /// Output columns are matched by name to a declared sink's columns (when it has any):
    /// the job writes the sink's columns in their declared order, a column the query does
    /// not produce is NULL, and a value is converted to the declared type when the
    /// conversion is implicit (BIGINT → DECIMAL/DOUBLE, DECIMAL → wider DECIMAL/DOUBLE,
    /// DATE → TIMESTAMP); any other difference is an error.
    Status matchDeclaredColumns(const plan::ConnectorDecl& sink, plan::JobPlan& job, SourceLocation location) {
        if (sink.schema.size() == 0) return Status::ok();
        plan::OperatorNode* project = nullptr;
        for (auto& node : job.operators) {
            if (node.kind == plan::OperatorKind::kProject) project = &node;
        }
        if (project == nullptr) return Status::internal("a job without a projection");
        for (size_t i = 0; i < job.output.size(); ++i) {
            const auto& column = job.output.column(i);
            int index = sink.schema.indexOf(column.name);
            if (index < 0) {
                return Status::user(ErrorCode::kUnknownColumn,
                                    fmt::format("the query writes column '{}', which sink {} does not declare{}",
                                                column.name, sink.name, didYouMean(column.name, sink.schema.names())),
                                    location);
            }
            const auto& declared = sink.schema.column(static_cast<size_t>(index)).type;
            const auto& type = project->exprs[i]->type;  // a bare NULL is NULL here, STRING in the output
            if (declared != type && !expr::canImplicitlyCast(type, declared)) {
                return Status::user(ErrorCode::kTypeMismatch,
                                    fmt::format("column '{}' is {} but sink {} declares it {}", column.name,
                                                column.type.toString(), sink.name, declared.toString()),
                                    location);
            }
        }
        std::vector<expr::ExprPtr> exprs;
        std::vector<int> keys;
        for (size_t i = 0; i < sink.schema.size(); ++i) {
            const auto& declared = sink.schema.column(i);
            int from = job.output.indexOf(declared.name);
            if (from < 0) {
                exprs.push_back(expr::Expr::constant(types::Value::null(declared.type), "NULL"));
                continue;
            }
            expr::ExprPtr value = project->exprs[static_cast<size_t>(from)];
            if (value->type != declared.type) {
                if (value->isLiteral() && value->literal.isNull()) {
                    value = expr::Expr::constant(types::Value::null(declared.type), "NULL");
                } else {
                    value = expr::Expr::cast(value, declared.type);
                }
            }
            exprs.push_back(std::move(value));
            if (std::find(job.keyColumns.begin(), job.keyColumns.end(), from) != job.keyColumns.end()) {
                keys.push_back(static_cast<int>(i));
            }
        }
        project->exprs = std::move(exprs);
        job.output = sink.schema;
        job.keyColumns = std::move(keys);
        return Status::ok();
    }

    /// §1.2: a file sink has one writing job (two would truncate and interleave one file).
    Status checkSingleWriter(const plan::ConnectorDecl& sink, const ast::Identifier& target) {
        if (sink.properties.get("type") != "file_sink") return Status::ok();
        for (const auto& job : plan_.jobs) {
            if (job.sink.name == sink.name) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("file sink {} is already written by job {}; a file sink has one "
                                                "writing job",
                                                sink.name, job.name),
                                    target.location);
            }
        }
        return Status::ok();
    }

    Status bindInsert(const ast::InsertStatement& insert) {
        const plan::ConnectorDecl* sink = findSink(insert.target);
        if (sink == nullptr) return unknownSink(insert.target);
        FERRIS_RETURN_IF_ERROR(checkSingleWriter(*sink, insert.target));
        int count = ++insertCounts_[sink->name];
        plan::JobPlan job;
        job.kind = plan::JobKind::kInsertInto;
        job.location = insert.location;
        job.sql = std::string(app_.textOf(insert.range));
        job.sink = *sink;
        FERRIS_RETURN_IF_ERROR(nameJob(insert, fmt::format("{}_insert_{}", sink->name, count), job));
        FERRIS_RETURN_IF_ERROR(splitJobProperties(insert.properties, sink->name, false, job));
        FERRIS_RETURN_IF_ERROR(applyAnnotations(insert, job));
        FERRIS_RETURN_IF_ERROR(bindJobQuery(*insert.query, job));
        FERRIS_RETURN_IF_ERROR(bindMetrics(insert, job));
        FERRIS_RETURN_IF_ERROR(matchDeclaredColumns(*sink, job, insert.target.location));
        plan_.jobs.push_back(std::move(job));
        return Status::ok();
    }

    Status bindSelect(const ast::SelectStatement& select) {
        plan::JobPlan job;
        job.kind = plan::JobKind::kSelect;
        job.location = select.location;
        job.sql = std::string(app_.textOf(select.range));
        ++selectCount_;
        if (select.into) {
            const plan::ConnectorDecl* sink = findSink(*select.into);
            if (sink == nullptr) return unknownSink(*select.into);
            FERRIS_RETURN_IF_ERROR(checkSingleWriter(*sink, *select.into));
            job.sink = *sink;
            FERRIS_RETURN_IF_ERROR(nameJob(select, fmt::format("{}_select_{}", sink->name, selectCount_), job));
            FERRIS_RETURN_IF_ERROR(splitJobProperties(select.properties, sink->name, false, job));
        } else {
            job.sink.name = "stdout";
            job.sink.location = select.location;
            job.sink.properties.add({"type", "stdout_sink", "stdout.type", select.location});
            FERRIS_RETURN_IF_ERROR(nameJob(select, fmt::format("select_{}", selectCount_), job));
            FERRIS_RETURN_IF_ERROR(splitJobProperties(select.properties, "stdout", true, job));
        }
        FERRIS_RETURN_IF_ERROR(applyAnnotations(select, job));
        FERRIS_RETURN_IF_ERROR(bindJobQuery(*select.query, job));
        FERRIS_RETURN_IF_ERROR(bindMetrics(select, job));
        if (select.into) FERRIS_RETURN_IF_ERROR(matchDeclaredColumns(job.sink, job, select.into->location));
        plan_.jobs.push_back(std::move(job));
        return Status::ok();
    }

    const ParsedApp& app_;
    std::vector<Status>& errors_;
    plan::AppPlan plan_;
    std::set<std::string> used_;
    std::set<std::string> jobNames_;
    std::map<std::string, int> insertCounts_;
    int selectCount_ = 0;
};

}  // namespace

bool isReservedConnectorName(std::string_view name) {
    for (const auto& word : reservedPrefixes()) {
        if (word == name) return true;
    }
    return false;
}

Result<plan::AppPlan> bindApp(const ParsedApp& app, std::string_view defaultAppName, std::vector<Status>& errors,
                              const std::vector<plan::ConnectorDecl>& predeclared) {
    size_t before = errors.size();
    AppBinder binder(app, errors);
    plan::AppPlan plan = binder.bind(defaultAppName, predeclared);
    if (errors.size() > before) return errors[before];
    return plan;
}

}  // namespace ferris::sql
