#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "expr/expr.h"
#include "plan/plan.h"
#include "sql/ast.h"
#include "sql/parser.h"
#include "types/schema.h"

namespace ferris::sql {

/// The names an expression can see: the columns of one source (under its name and alias),
/// or the output columns of a CTE or FROM-subquery that was inlined (bound expressions over
/// the same source, substituted where referenced).
struct Scope {
    std::string sourceName;               ///< the declared source every slot belongs to
    std::vector<std::string> qualifiers;  ///< names that may prefix a column: source name, alias
    const types::Schema* schema = nullptr;
    /// Set when the FROM item is a CTE or subquery: its outputs by name.
    struct DerivedColumn {
        std::string name;
        expr::ExprPtr expr;
    };
    std::optional<std::vector<DerivedColumn>> derived;

    // What the job reads, recorded as names are resolved.
    std::set<int> readColumns;
    std::set<types::SystemColumn> readSystem;

    /// Every name a column reference may use here, for did-you-mean.
    std::vector<std::string> visibleNames() const;
};

class ExpressionBinder;

/// What the expressions above an aggregation (its select list and HAVING) can see: the
/// group keys, the window bounds and aggregate calls, at the aggregation's output slots
/// (keys, then `_window_start`/`_window_end` when windowed, then the aggregates). Aggregate
/// calls met while binding are appended to `aggregates` (identical calls share a slot).
struct AggregationScope {
    ExpressionBinder* source = nullptr;  ///< binds keys and aggregate arguments over the input
    std::vector<expr::ExprPtr> keys;
    std::vector<std::string> keyTexts;   ///< normalised text of each key (Expr::toString)
    bool windowed = false;
    std::vector<plan::AggregateCall> aggregates;

    size_t windowStartSlot() const { return keys.size(); }
    /// Windowed: _window_start, _window_end and the result's _event_time (end − 1 µs) follow
    /// the keys.
    size_t aggregateSlot(size_t index) const { return keys.size() + (windowed ? 3 : 0) + index; }
};

/// What analytic calls (OVER) in a select list bind to: one PARTITION BY / ORDER BY shared by
/// every call (the first met; the others must match it), each call's value at slot
/// `inputSlots + i` of the OVER operator's output. Identical calls share a slot.
struct AnalyticScope {
    ExpressionBinder* source = nullptr;  ///< binds partition keys, order and arguments over the input
    size_t inputSlots = 0;
    bool hasOver = false;
    std::string overText;                ///< normalised PARTITION BY / ORDER BY of the first OVER
    std::vector<expr::ExprPtr> partitionKeys;
    expr::ExprPtr order;
    std::vector<plan::AnalyticCall> calls;
};

/// True when the expression holds a call of an aggregate function (outside OVER).
bool containsAggregateCall(const ast::Expr& expression);
/// True when the expression holds an analytic call (a function with OVER).
bool containsAnalyticCall(const ast::Expr& expression);

/// Binds AST expressions to typed expr::Expr trees over a Scope's slots — or, given an
/// AggregationScope, over an aggregation's output.
class ExpressionBinder {
public:
    ExpressionBinder(const ParsedApp& app, Scope& scope) : app_(app), scope_(scope) {}
    ExpressionBinder(const ParsedApp& app, Scope& scope, AggregationScope& aggregation)
        : app_(app), scope_(scope), aggregation_(&aggregation) {}
    ExpressionBinder(const ParsedApp& app, Scope& scope, AnalyticScope& analytic)
        : app_(app), scope_(scope), analytic_(&analytic) {}

    Result<expr::ExprPtr> bind(const ast::Expr& expression);
    /// Binds and requires a BOOLEAN (WHERE, HAVING, CASE WHEN…): `what` names the place.
    Result<expr::ExprPtr> bindCondition(const ast::Expr& expression, std::string_view what);

    /// Resolves a registry call on bound arguments (implicit casts inserted). `location`
    /// is where errors point.
    Result<expr::ExprPtr> call(std::string_view function, std::vector<expr::ExprPtr> args,
                               SourceLocation location, std::string text);

    Result<expr::ExprPtr> castTo(expr::ExprPtr value, const types::DataType& type, SourceLocation location);

private:
    /// Above an aggregation: keys, window bounds and aggregate calls; nullopt = bind normally.
    Result<std::optional<expr::ExprPtr>> bindAboveAggregation(const ast::Expr& expression);
    Result<expr::ExprPtr> bindAggregateCall(const ast::FunctionCallExpr& call);
    Result<expr::ExprPtr> bindAnalyticCall(const ast::FunctionCallExpr& call);
    Status bindOver(const ast::OverClause& over, SourceLocation location);
    Result<plan::AnalyticFrame> bindFrame(const ast::WindowFrame& frame);
    Result<expr::ExprPtr> bindLiteral(const ast::LiteralExpr& literal);
    Result<expr::ExprPtr> bindColumn(const ast::ColumnRefExpr& column);
    Result<expr::ExprPtr> bindFunction(const ast::FunctionCallExpr& call);
    Result<expr::ExprPtr> bindCase(const ast::CaseExpr& expression);
    Result<expr::ExprPtr> bindInList(const ast::InListExpr& expression);
    Result<expr::ExprPtr> bindFieldAccess(expr::ExprPtr base, const ast::Identifier& field, SourceLocation location);
    /// An operand of IN/BETWEEN brought to where it can be compared (see the .cpp).
    Result<expr::ExprPtr> toComparable(expr::ExprPtr value, const types::DataType& common, SourceLocation location);
    Result<expr::ExprPtr> logical(expr::ExprKind kind, expr::ExprPtr left, expr::ExprPtr right,
                                  SourceLocation location);
    expr::ExprPtr negate(expr::ExprPtr value);
    std::string textOf(const ast::Node& node) const { return std::string(app_.textOf(node.range)); }

    const ParsedApp& app_;
    Scope& scope_;
    AggregationScope* aggregation_ = nullptr;
    AnalyticScope* analytic_ = nullptr;
};

}  // namespace ferris::sql
