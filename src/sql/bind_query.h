#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"
#include "sql/bind_expression.h"

namespace ferris::sql {

/// An output column of a bound query.
struct OutputColumn {
    std::string name;
    expr::ExprPtr expr;
    bool primaryKey = false;
    SourceLocation location;
};

/// A stateless query bound over one declared source: filters in application order, then
/// the select list, then LIMIT. CTEs and FROM-subqueries are inlined into this shape.
struct BoundQuery {
    std::shared_ptr<Scope> base;  ///< the declared source and what is read of it
    std::vector<expr::ExprPtr> filters;
    /// GROUP BY / windows / aggregates: when set, `outputs` are over its output slots.
    std::shared_ptr<plan::AggregateNode> aggregate;
    std::vector<OutputColumn> outputs;
    std::optional<int64_t> limit;
    /// With an aggregation: for each part of its key (GROUP BY expressions, then the window
    /// start when windowed), the output column selecting it (-1 when not selected) and its
    /// text (for "key column … must be in the select list").
    std::vector<int> keyOutputs;
    std::vector<std::string> keyTexts;
    /// `expr AS _event_time`: the event time assigned over the source's columns.
    expr::ExprPtr eventTime;
    /// Analytic functions (OVER): when set, `outputs` read its output slots.
    std::shared_ptr<plan::OverNode> over;
    /// SET_HEADER / REMOVE_HEADER items, in select-list order (Kafka sinks).
    struct HeaderDirective {
        bool set = true;
        expr::ExprPtr key;
        expr::ExprPtr value;  ///< SET_HEADER only
    };
    std::vector<HeaderDirective> headers;
};

/// Binds queries of one application. Stateful constructs answer "not supported yet".
class QueryBinder {
public:
    QueryBinder(const ParsedApp& app, const plan::AppPlan& plan) : app_(app), plan_(plan) {}

    /// `ctes` are the WITH definitions visible to the query (inner ones shadow outer ones).
    Result<BoundQuery> bind(const ast::Query& query, const std::map<std::string, const ast::Query*>& ctes);
    /// The query writes to a Kafka sink (where SET_HEADER and REMOVE_HEADER belong).
    void setKafkaSink(bool kafka) { kafkaSink_ = kafka; }

private:
    bool kafkaSink_ = false;
    /// GROUP BY, WINDOW, HAVING and aggregate calls: fills result.aggregate and the select
    /// list over the aggregation's output.
    Status bindAggregation(const ast::Query& query, Scope& scope, BoundQuery& result);
    Result<plan::WindowPlan> bindWindow(const ast::WindowSpec& window, Scope& scope);
    Result<BoundQuery> bindFrom(const ast::TableRef& from, const std::map<std::string, const ast::Query*>& ctes,
                                std::shared_ptr<Scope>& scope);

    const ParsedApp& app_;
    const plan::AppPlan& plan_;
    /// For each CTE's query, the CTEs it may read (those defined before it).
    std::map<const ast::Query*, std::map<std::string, const ast::Query*>> cteScopes_;
};

/// Fills a JobPlan's source, operators and output from a bound query.
void planQuery(const BoundQuery& query, plan::JobPlan& job);

}  // namespace ferris::sql
