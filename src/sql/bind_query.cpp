#include "sql/bind_query.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/closest_name.h"

namespace ferris::sql {

using expr::ExprPtr;

namespace {

/// `expr AS _event_time` in a select list assigns the event time; it is not an output column.
bool isEventTimeAssignment(const ast::SelectItem& item) {
    if (item.kind == ast::SelectItemKind::kStar || !item.alias) return false;
    auto system = types::parseSystemColumn(item.alias->name);
    return system && *system == types::SystemColumn::kEventTime;
}

Status checkClauses(const ast::Query& query) {
    if (query.distinct) return Status::notSupported("SELECT DISTINCT", query.location);
    if (!query.orderBy.empty()) return Status::notSupported("ORDER BY", query.orderBy[0].location);
    return Status::ok();
}

/// True when the query aggregates: GROUP BY, a window, HAVING, or an aggregate call in its
/// select list.
bool aggregates(const ast::Query& query) {
    if (!query.groupBy.empty() || query.window || query.having) return true;
    for (const auto& item : query.selectItems) {
        if (item.kind == ast::SelectItemKind::kExpr && containsAggregateCall(*item.expr)) return true;
    }
    return false;
}

/// The upper-case name of a select item that is SET_HEADER or REMOVE_HEADER; "" otherwise.
std::string headerDirectiveName(const ast::SelectItem& item) {
    if (item.kind == ast::SelectItemKind::kStar || item.expr->kind != ast::ExprKind::kFunctionCall) return "";
    std::string name = item.expr->as<ast::FunctionCallExpr>().name.name;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name == "SET_HEADER" || name == "REMOVE_HEADER" ? name : "";
}

/// SET_HEADER(k, v) / REMOVE_HEADER(k) of a select list writing to a Kafka sink: a directive on
/// the output record's headers, not a column (§1.4.1 Headers), bound with `binder`. A stateful
/// query (`stateful` names it) passes no input headers on: it can set headers, and there is
/// nothing for REMOVE_HEADER to remove.
Status bindHeaderDirective(const ast::SelectItem& item, const std::string& name, ExpressionBinder& binder,
                           const char* stateful, BoundQuery& result) {
    const auto& call = item.expr->as<ast::FunctionCallExpr>();
    bool set = name == "SET_HEADER";
    if (call.args.size() != (set ? 2u : 1u)) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("{} takes {}", name,
                                        set ? "a key and a value: SET_HEADER(k, v)" : "a key: REMOVE_HEADER(k)"),
                            item.expr->location);
    }
    if (!set && stateful != nullptr) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("REMOVE_HEADER in {}: its results carry no input headers (only stateless "
                                        "queries pass them on), so there is nothing to remove",
                                        stateful),
                            item.expr->location);
    }
    BoundQuery::HeaderDirective directive;
    directive.set = set;
    for (size_t a = 0; a < call.args.size(); ++a) {
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, binder.bind(*call.args[a]));
        if (bound->type.id() != types::TypeId::kString && !bound->type.isNull()) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("{}'s {} must be STRING, not {}: use CAST(… AS STRING)", name,
                                            a == 0 ? "key" : "value", bound->type.toString()),
                                call.args[a]->location);
        }
        (a == 0 ? directive.key : directive.value) = std::move(bound);
    }
    result.headers.push_back(std::move(directive));
    return Status::ok();
}

}  // namespace

Result<BoundQuery> QueryBinder::bindFrom(const ast::TableRef& from,
                                         const std::map<std::string, const ast::Query*>& ctes,
                                         std::shared_ptr<Scope>& scope) {
    BoundQuery inner;
    auto derive = [&](BoundQuery bound, const std::string& name, std::vector<std::string> qualifiers,
                      SourceLocation location) -> Result<BoundQuery> {
        if (bound.limit) {
            return Status::notSupported(fmt::format("LIMIT inside {}; put it on the outer query", name), location);
        }
        for (const auto& output : bound.outputs) {
            if (output.primaryKey) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("PRIMARY KEY inside {} would be lost: mark the key in the outer "
                                                "query's select list",
                                                name),
                                    output.location);
            }
        }
        scope = std::make_shared<Scope>();
        scope->sourceName = name;
        scope->qualifiers = std::move(qualifiers);
        scope->schema = bound.base->schema;
        std::vector<Scope::DerivedColumn> columns;
        for (const auto& output : bound.outputs) columns.push_back({output.name, output.expr});
        scope->derived = std::move(columns);
        return bound;
    };
    switch (from.kind) {
        case ast::TableRefKind::kNamed: {
            const auto& named = from.as<ast::NamedTableRef>();
            std::vector<std::string> qualifiers = {named.name.name};
            if (named.alias) qualifiers.push_back(named.alias->name);
            auto cte = ctes.find(named.name.name);
            if (cte != ctes.end()) {
                // A CTE sees the CTEs defined before it, not itself or later ones.
                FERRIS_ASSIGN_OR_RETURN(BoundQuery bound, bind(*cte->second, cteScopes_.at(cte->second)));
                return derive(std::move(bound), named.name.name, qualifiers, named.location);
            }
            const plan::ConnectorDecl* source = plan_.findSource(named.name.name);
            if (source == nullptr) {
                for (const auto& sink : plan_.declaredSinks) {
                    if (sink.name == named.name.name) {
                        return Status::user(ErrorCode::kInvalidQuery,
                                            fmt::format("{} is declared as a sink ({}); a query reads sources",
                                                        sink.name, sink.properties.get("type")),
                                            named.name.location);
                    }
                }
                for (const auto& job : plan_.jobs) {
                    if (job.sink.name == named.name.name) {
                        return Status::user(
                            ErrorCode::kInvalidQuery,
                            fmt::format("{} is written by job {}; jobs exchange data through sinks and sources, so "
                                        "declare a source that reads its output to query it",
                                        named.name.name, job.name),
                            named.name.location);
                    }
                }
                std::vector<std::string> names;
                for (const auto& candidate : plan_.sources) names.push_back(candidate.name);
                for (const auto& [name, query] : ctes) names.push_back(name);
                return Status::user(ErrorCode::kUnknownSource,
                                    fmt::format("unknown source '{}'{}", named.name.name,
                                                didYouMean(named.name.name, names)),
                                    named.name.location);
            }
            scope = std::make_shared<Scope>();
            scope->sourceName = source->name;
            scope->qualifiers = qualifiers;
            scope->schema = &source->schema;
            inner.base = scope;
            return inner;
        }
        case ast::TableRefKind::kSubquery: {
            const auto& subquery = from.as<ast::SubqueryTableRef>();
            FERRIS_ASSIGN_OR_RETURN(BoundQuery bound, bind(*subquery.query, ctes));
            return derive(std::move(bound), subquery.alias.name, {subquery.alias.name}, subquery.location);
        }
        case ast::TableRefKind::kJoin: {
            const auto& join = from.as<ast::JoinTableRef>();
            return Status::notSupported("JOIN (comes with stream-table and stream-stream joins)",
                                        join.joinLocation.valid() ? join.joinLocation : join.location);
        }
    }
    return Status::internal("unhandled FROM item");
}

Result<plan::WindowPlan> QueryBinder::bindWindow(const ast::WindowSpec& window, Scope& scope) {
    plan::WindowPlan plan;
    auto fixedLength = [](const ast::Duration& duration, std::string_view what) -> Result<int64_t> {
        if (duration.months != 0) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("window {} {} is not a fixed length: use DAY, HOUR, MINUTE, SECOND…",
                                            what, duration.text),
                                duration.location);
        }
        if (duration.micros <= 0) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("window {} {} must be positive", what, duration.text), duration.location);
        }
        return duration.micros;
    };
    switch (window.windowKind) {
        case ast::WindowKind::kTumbling: {
            plan.kind = plan::WindowKind::kTumbling;
            FERRIS_ASSIGN_OR_RETURN(plan.sizeMicros, fixedLength(*window.size, "size"));
            plan.advanceMicros = plan.sizeMicros;
            break;
        }
        case ast::WindowKind::kSliding: {
            plan.kind = plan::WindowKind::kSliding;
            FERRIS_ASSIGN_OR_RETURN(plan.sizeMicros, fixedLength(*window.size, "size"));
            FERRIS_ASSIGN_OR_RETURN(plan.advanceMicros, fixedLength(*window.advance, "advance"));
            if (plan.advanceMicros > plan.sizeMicros) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("window advance {} is longer than its size {}: records between "
                                                "windows would belong to none",
                                                window.advance->text, window.size->text),
                                    window.advance->location);
            }
            break;
        }
        case ast::WindowKind::kSession: {
            plan.kind = plan::WindowKind::kSession;
            FERRIS_ASSIGN_OR_RETURN(plan.gapMicros, fixedLength(*window.gap, "gap"));
            break;
        }
    }
    if (window.timeColumn) {
        ExpressionBinder binder(app_, scope);
        FERRIS_ASSIGN_OR_RETURN(expr::ExprPtr time, binder.bind(*window.timeColumn));
        if (time->kind != expr::ExprKind::kColumn || time->type.id() != types::TypeId::kTimestamp) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("a window's time column must be a TIMESTAMP column, _event_time or "
                                            "_processing_time; {} is {}",
                                            time->text, time->type.toString()),
                                window.timeColumn->location);
        }
        plan.timeSlot = time->slot;
        plan.processingTime =
            time->slot == static_cast<int>(scope.schema->systemSlot(types::SystemColumn::kProcessingTime));
    } else {
        scope.readSystem.insert(types::SystemColumn::kEventTime);
        plan.timeSlot = static_cast<int>(scope.schema->systemSlot(types::SystemColumn::kEventTime));
    }
    return plan;
}

Status QueryBinder::bindAggregation(const ast::Query& query, Scope& scope, BoundQuery& result) {
    auto node = std::make_shared<plan::AggregateNode>();
    ExpressionBinder sourceBinder(app_, scope);
    AggregationScope aggregation;
    aggregation.source = &sourceBinder;
    for (const auto& key : query.groupBy) {
        if (containsAggregateCall(*key)) {
            return Status::user(ErrorCode::kInvalidQuery, "GROUP BY cannot hold an aggregate function", key->location);
        }
        FERRIS_ASSIGN_OR_RETURN(expr::ExprPtr bound, sourceBinder.bind(*key));
        if (bound->type.isNested()) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("GROUP BY {}: {} values cannot be grouped", bound->text,
                                            bound->type.toString()),
                                key->location);
        }
        node->keys.push_back(bound);
        node->keyNames.push_back(bound->toString());
        aggregation.keys.push_back(bound);
        aggregation.keyTexts.push_back(bound->toString());
    }
    if (query.window) {
        FERRIS_ASSIGN_OR_RETURN(node->window, bindWindow(*query.window, scope));
        aggregation.windowed = true;
    }
    bool windowed = node->window.kind != plan::WindowKind::kNone;
    node->emit = query.emit == ast::EmitMode::kDefault ? (windowed ? plan::EmitMode::kFinal : plan::EmitMode::kChanges)
                 : query.emit == ast::EmitMode::kFinal ? plan::EmitMode::kFinal
                                                       : plan::EmitMode::kChanges;
    ExpressionBinder above(app_, scope, aggregation);
    for (const auto& item : query.selectItems) {
        if (item.kind == ast::SelectItemKind::kStar) {
            return Status::user(ErrorCode::kInvalidQuery,
                                "SELECT * cannot be used with GROUP BY or aggregates: name the keys and aggregates",
                                item.location);
        }
        if (std::string header = headerDirectiveName(item); !header.empty() && kafkaSink_) {
            FERRIS_RETURN_IF_ERROR(bindHeaderDirective(item, header, above, "an aggregation", result));
            continue;
        }
        if (isEventTimeAssignment(item)) continue;  // bound before WHERE
        if (item.alias) {
            if (auto system = types::parseSystemColumn(item.alias->name)) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("'{}' is a system column name; choose another alias",
                                                item.alias->name),
                                    item.alias->location);
            }
        }
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, above.bind(*item.expr));
        std::string name;
        if (item.alias) {
            name = item.alias->name;
        } else if (item.expr->kind == ast::ExprKind::kColumnRef && bound->kind == expr::ExprKind::kColumn) {
            name = item.expr->as<ast::ColumnRefExpr>().parts.back().name;
        } else {
            name = fmt::format("EXPR${}", result.outputs.size());
        }
        for (const auto& existing : result.outputs) {
            if (existing.name == name) {
                return Status::user(ErrorCode::kDuplicateName,
                                    fmt::format("the output has two columns named '{}'; give one an alias", name),
                                    item.location);
            }
        }
        result.outputs.push_back({std::move(name), bound, item.primaryKey,
                                  item.primaryKey ? item.primaryKeyLocation : item.location});
    }
    if (query.having) {
        FERRIS_ASSIGN_OR_RETURN(node->having, above.bindCondition(*query.having, "HAVING"));
    }
    node->aggregates = std::move(aggregation.aggregates);
    // The aggregation's key: its GROUP BY expressions, plus the window start (§1.3 Keys).
    size_t keyParts = node->keys.size() + (windowed ? 1 : 0);
    for (size_t part = 0; part < keyParts; ++part) {
        int found = -1;
        for (size_t i = 0; i < result.outputs.size(); ++i) {
            const auto& expr = result.outputs[i].expr;
            if (expr->kind == expr::ExprKind::kColumn && expr->slot == static_cast<int>(part)) found = static_cast<int>(i);
        }
        result.keyOutputs.push_back(found);
        result.keyTexts.push_back(part < node->keys.size() ? node->keys[part]->text : "_window_start");
    }
    // PRIMARY KEY marks, if any, must name exactly the GROUP BY columns.
    bool marked = std::any_of(result.outputs.begin(), result.outputs.end(), [](const auto& o) { return o.primaryKey; });
    if (marked) {
        for (size_t i = 0; i < result.outputs.size(); ++i) {
            bool isKey = std::find(result.keyOutputs.begin(), result.keyOutputs.end(), static_cast<int>(i)) !=
                         result.keyOutputs.end();
            const auto& output = result.outputs[i];
            bool isWindowStart = windowed && output.expr->kind == expr::ExprKind::kColumn &&
                                 output.expr->slot == static_cast<int>(node->keys.size());
            if (output.primaryKey != (isKey && !isWindowStart)) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    "PRIMARY KEY must mark exactly the GROUP BY columns of an aggregation",
                                    output.location);
            }
        }
    }
    result.aggregate = node;
    return Status::ok();
}

Result<BoundQuery> QueryBinder::bind(const ast::Query& query, const std::map<std::string, const ast::Query*>& ctes) {
    FERRIS_RETURN_IF_ERROR(checkClauses(query));
    std::map<std::string, const ast::Query*> visible = ctes;
    std::set<std::string> defined;
    for (const auto& cte : query.ctes) {
        if (!defined.insert(cte.name.name).second) {
            return Status::user(ErrorCode::kDuplicateName, fmt::format("WITH defines '{}' twice", cte.name.name),
                                cte.name.location);
        }
        cteScopes_[cte.query.get()] = visible;  // what this CTE may read
        // Every CTE is bound, used or not, so its errors are reported.
        FERRIS_ASSIGN_OR_RETURN(BoundQuery unused, bind(*cte.query, visible));
        (void)unused;
        visible[cte.name.name] = cte.query.get();
    }
    if (!query.from) {
        return Status::user(ErrorCode::kInvalidQuery, "a query needs a FROM source", query.location);
    }
    std::shared_ptr<Scope> scope;
    FERRIS_ASSIGN_OR_RETURN(BoundQuery result, bindFrom(*query.from, visible, scope));
    // The inner query's select list is replaced by this one's; its filters stay first.
    if (scope->derived) {
        result.outputs.clear();
    }
    // Through a CTE or subquery, names resolve to the inner outputs (whose reads were
    // recorded when the inner query was bound); otherwise to the source's columns.
    ExpressionBinder binder(app_, scope->derived ? *scope : *result.base);
    for (const auto& item : query.selectItems) {
        if (!isEventTimeAssignment(item)) continue;
        if (scope->derived) {
            return Status::notSupported("assigning _event_time over a CTE or subquery; assign it in the query that "
                                        "reads the source",
                                        item.alias->location);
        }
        if (result.eventTime) {
            return Status::user(ErrorCode::kInvalidQuery, "_event_time is assigned twice", item.alias->location);
        }
        ExpressionBinder sourceBinder(app_, *result.base);
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, sourceBinder.bind(*item.expr));
        if (bound->type.id() != types::TypeId::kTimestamp) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("the event time must be a TIMESTAMP; found {} (convert it, e.g. with "
                                            "FROM_UNIXTIME or CAST)",
                                            bound->type.toString()),
                                item.expr->location);
        }
        result.eventTime = std::move(bound);
    }
    if (query.where) {
        FERRIS_ASSIGN_OR_RETURN(ExprPtr predicate, binder.bindCondition(*query.where, "WHERE"));
        result.filters.push_back(predicate);
    }
    bool analyticQuery = std::any_of(query.selectItems.begin(), query.selectItems.end(), [](const auto& item) {
        return item.kind != ast::SelectItemKind::kStar && containsAnalyticCall(*item.expr);
    });
    if (analyticQuery && aggregates(query)) {
        return Status::notSupported("analytic functions (OVER) together with GROUP BY or aggregates in one query",
                                    query.location);
    }
    if (analyticQuery && scope->derived) {
        return Status::notSupported("analytic functions (OVER) over a CTE or subquery; use them in the query that "
                                    "reads the source",
                                    query.location);
    }
    AnalyticScope analytic;
    analytic.source = &binder;
    analytic.inputSlots = result.base->schema->numSlots();
    ExpressionBinder analyticBinder(app_, *result.base, analytic);
    ExpressionBinder& itemBinder = analyticQuery ? analyticBinder : binder;
    if (aggregates(query)) {
        if (scope->derived) {
            return Status::notSupported("aggregating over a CTE or subquery; aggregate the source directly",
                                        query.location);
        }
        FERRIS_RETURN_IF_ERROR(bindAggregation(query, *result.base, result));
        if (query.limit) result.limit = *query.limit;
        return result;
    }
    if (query.emit == ast::EmitMode::kFinal) {
        return Status::user(ErrorCode::kInvalidQuery,
                            "EMIT FINAL needs a windowed or aggregating query; a stateless query emits each row as "
                            "it comes (EMIT CHANGES)",
                            query.emitLocation);
    }
    const types::Schema* schema = result.base->schema;
    auto addOutput = [&](std::string name, ExprPtr bound, bool primaryKey, SourceLocation location) -> Status {
        for (const auto& existing : result.outputs) {
            if (existing.name == name) {
                return Status::user(ErrorCode::kDuplicateName,
                                    fmt::format("the output has two columns named '{}'; give one an alias", name),
                                    location);
            }
        }
        result.outputs.push_back({std::move(name), std::move(bound), primaryKey, location});
        return Status::ok();
    };
    for (const auto& item : query.selectItems) {
        if (item.kind == ast::SelectItemKind::kStar) {
            if (!item.qualifier.empty()) {
                const std::string& qualifier = item.qualifier[0].name;
                if (std::find(scope->qualifiers.begin(), scope->qualifiers.end(), qualifier) ==
                    scope->qualifiers.end()) {
                    return Status::user(ErrorCode::kUnknownSource,
                                        fmt::format("unknown source or alias '{}' in {}.*{}", qualifier, qualifier,
                                                    didYouMean(qualifier, scope->qualifiers)),
                                        item.location);
                }
            }
            if (scope->derived) {
                for (const auto& column : *scope->derived) {
                    FERRIS_RETURN_IF_ERROR(addOutput(column.name, column.expr, false, item.location));
                }
            } else {
                for (size_t i = 0; i < schema->size(); ++i) {
                    result.base->readColumns.insert(static_cast<int>(i));
                    FERRIS_RETURN_IF_ERROR(addOutput(schema->column(i).name,
                                                     expr::Expr::column(static_cast<int>(i), schema->column(i).type,
                                                                        schema->column(i).name),
                                                     false, item.location));
                }
            }
            continue;
        }
        if (std::string header = headerDirectiveName(item); !header.empty()) {
            if (!kafkaSink_) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("{} is allowed only in the select list of a query writing to a "
                                                "Kafka sink",
                                                header),
                                    item.expr->location);
            }
            FERRIS_RETURN_IF_ERROR(bindHeaderDirective(
                item, header, itemBinder, analyticQuery ? "a query with analytic functions (OVER)" : nullptr, result));
            continue;
        }
        if (isEventTimeAssignment(item)) continue;  // bound before WHERE
        if (item.alias) {
            if (auto system = types::parseSystemColumn(item.alias->name)) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("'{}' is a system column name; choose another alias",
                                                item.alias->name),
                                    item.alias->location);
            }
        }
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, itemBinder.bind(*item.expr));
        std::string name;
        if (item.alias) {
            name = item.alias->name;
        } else if (item.expr->kind == ast::ExprKind::kColumnRef &&
                   item.expr->as<ast::ColumnRefExpr>().parts.size() <= 2 &&
                   bound->kind == expr::ExprKind::kColumn) {
            // A bare column reference keeps its declared name.
            name = bound->slot < static_cast<int>(schema->size()) && !scope->derived
                       ? schema->column(static_cast<size_t>(bound->slot)).name
                       : item.expr->as<ast::ColumnRefExpr>().parts.back().name;
        } else if (item.expr->kind == ast::ExprKind::kColumnRef && scope->derived &&
                   item.expr->as<ast::ColumnRefExpr>().parts.size() <= 2) {
            name = item.expr->as<ast::ColumnRefExpr>().parts.back().name;
        } else {
            name = fmt::format("EXPR${}", result.outputs.size());
        }
        FERRIS_RETURN_IF_ERROR(addOutput(std::move(name), bound, item.primaryKey,
                                         item.primaryKey ? item.primaryKeyLocation : item.location));
    }
    if (analyticQuery) {
        auto over = std::make_shared<plan::OverNode>();
        over->partitionKeys = analytic.partitionKeys;
        over->timeSlot = analytic.order->slot;
        over->inputSlots = analytic.inputSlots;
        over->calls = std::move(analytic.calls);
        std::set<int> keep;  // input columns the outputs and header directives read
        auto keepSlots = [&](const ExprPtr& expr) {
            if (!expr) return;
            expr->forEachSlot([&](int slot) {
                if (slot < static_cast<int>(analytic.inputSlots)) keep.insert(slot);
            });
        };
        for (const auto& output : result.outputs) keepSlots(output.expr);
        for (const auto& header : result.headers) {
            keepSlots(header.key);
            keepSlots(header.value);
        }
        over->keep.assign(keep.begin(), keep.end());
        result.over = std::move(over);
    }
    if (query.limit) result.limit = *query.limit;
    return result;
}

void planQuery(const BoundQuery& query, plan::JobPlan& job) {
    const Scope& base = *query.base;
    job.source.source = base.sourceName;
    job.source.schema = *base.schema;
    job.source.columns.assign(base.readColumns.begin(), base.readColumns.end());
    job.source.systemColumns.assign(base.readSystem.begin(), base.readSystem.end());
    job.source.eventTimeExpr = query.eventTime;
    for (const auto& filter : query.filters) {
        plan::OperatorNode node{plan::OperatorKind::kFilter, filter, {}, 0, nullptr};
        job.operators.push_back(node);
    }
    if (query.aggregate) {
        job.operators.push_back({plan::OperatorKind::kAggregate, nullptr, {}, 0, query.aggregate});
    }
    if (query.over) {
        job.operators.push_back({plan::OperatorKind::kOver, nullptr, {}, 0, nullptr, query.over});
    }
    plan::OperatorNode project{plan::OperatorKind::kProject, nullptr, {}, 0, nullptr};
    types::Schema output;
    job.keyColumns.clear();
    for (size_t i = 0; i < query.outputs.size(); ++i) {
        const auto& column = query.outputs[i];
        project.exprs.push_back(column.expr);
        output.add({column.name, column.expr->type.isNull() ? types::DataType::string() : column.expr->type});
        if (column.primaryKey && !query.aggregate) job.keyColumns.push_back(static_cast<int>(i));
    }
    if (query.aggregate) {
        for (int index : query.keyOutputs) {
            if (index >= 0) job.keyColumns.push_back(index);
        }
    }
    job.headerOps.clear();
    for (const auto& directive : query.headers) {
        plan::JobPlan::HeaderOp op;
        op.set = directive.set;
        op.keySlot = static_cast<int>(project.exprs.size());
        project.exprs.push_back(directive.key);
        if (directive.set) {
            op.valueSlot = static_cast<int>(project.exprs.size());
            project.exprs.push_back(directive.value);
        }
        job.headerOps.push_back(op);
    }
    job.operators.push_back(project);
    if (query.limit) job.operators.push_back({plan::OperatorKind::kLimit, nullptr, {}, *query.limit, nullptr});
    job.output = std::move(output);
}

}  // namespace ferris::sql
