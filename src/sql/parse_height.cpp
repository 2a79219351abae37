// Tree heights: every expression and query records how tall it is, and the parser refuses
// trees taller than kMaxExpressionHeight, so that recursive visitors cannot overflow the stack.

#include <fmt/format.h>

#include <algorithm>

#include "sql/parser_internal.h"

namespace ferris::sql {

namespace {

int heightOf(const ast::ExprPtr& expr) {
    return expr ? expr->height : 0;
}

int maxHeight(const std::vector<ast::ExprPtr>& exprs) {
    int height = 0;
    for (const auto& expr : exprs) height = std::max(height, heightOf(expr));
    return height;
}

/// Height of the tallest child of `expr` (0 for a leaf).
int tallestChild(const ast::Expr& expr) {
    using ast::ExprKind;
    switch (expr.kind) {
        case ExprKind::kLiteral:
        case ExprKind::kColumnRef: return 0;
        case ExprKind::kUnary: return heightOf(expr.as<ast::UnaryExpr>().operand);
        case ExprKind::kBinary: {
            const auto& node = expr.as<ast::BinaryExpr>();
            return std::max(heightOf(node.left), heightOf(node.right));
        }
        case ExprKind::kFunctionCall: {
            const auto& node = expr.as<ast::FunctionCallExpr>();
            int height = maxHeight(node.args);
            if (node.over) {
                height = std::max(height, maxHeight(node.over->partitionBy) + 1);
                for (const auto& item : node.over->orderBy) {
                    height = std::max(height, heightOf(item.expr) + 1);
                }
            }
            return height;
        }
        case ExprKind::kCast: return heightOf(expr.as<ast::CastExpr>().operand);
        case ExprKind::kExtract: return heightOf(expr.as<ast::ExtractExpr>().operand);
        case ExprKind::kCase: {
            const auto& node = expr.as<ast::CaseExpr>();
            int height = std::max(heightOf(node.operand), heightOf(node.elseResult));
            for (const auto& arm : node.whens) {
                height = std::max({height, heightOf(arm.when), heightOf(arm.then)});
            }
            return height;
        }
        case ExprKind::kInList: {
            const auto& node = expr.as<ast::InListExpr>();
            return std::max(heightOf(node.operand), maxHeight(node.list));
        }
        case ExprKind::kInSubquery: {
            const auto& node = expr.as<ast::InSubqueryExpr>();
            return std::max(heightOf(node.operand), node.query->height);
        }
        case ExprKind::kExists: return expr.as<ast::ExistsExpr>().query->height;
        case ExprKind::kScalarSubquery: return expr.as<ast::ScalarSubqueryExpr>().query->height;
        case ExprKind::kBetween: {
            const auto& node = expr.as<ast::BetweenExpr>();
            return std::max({heightOf(node.operand), heightOf(node.low), heightOf(node.high)});
        }
        case ExprKind::kLike: {
            const auto& node = expr.as<ast::LikeExpr>();
            return std::max(
                {heightOf(node.operand), heightOf(node.pattern), heightOf(node.escape)});
        }
        case ExprKind::kIsNull: return heightOf(expr.as<ast::IsNullExpr>().operand);
        case ExprKind::kIsDistinctFrom: {
            const auto& node = expr.as<ast::IsDistinctFromExpr>();
            return std::max(heightOf(node.left), heightOf(node.right));
        }
        case ExprKind::kIsBoolean: return heightOf(expr.as<ast::IsBooleanExpr>().operand);
        case ExprKind::kSubscript: {
            const auto& node = expr.as<ast::SubscriptExpr>();
            return std::max(heightOf(node.base), heightOf(node.index));
        }
        case ExprKind::kFieldAccess: return heightOf(expr.as<ast::FieldAccessExpr>().base);
    }
    return 0;
}

int tableHeight(const ast::TableRef& table) {
    switch (table.kind) {
        case ast::TableRefKind::kNamed: return 1;
        case ast::TableRefKind::kSubquery:
            return 1 + table.as<ast::SubqueryTableRef>().query->height;
        case ast::TableRefKind::kJoin: {
            const auto& join = table.as<ast::JoinTableRef>();
            return 1 + std::max({tableHeight(*join.left), tableHeight(*join.right),
                                 heightOf(join.condition)});
        }
    }
    return 1;
}

}  // namespace

Status Parser::seal(ast::Expr& node) const {
    finish(node);
    node.height = 1 + tallestChild(node);
    if (node.height > kMaxExpressionHeight) {
        return Status::user(ErrorCode::kSyntaxError,
                            fmt::format("syntax error: the expression is too deeply nested "
                                        "(more than {} levels)",
                                        kMaxExpressionHeight),
                            node.location);
    }
    return Status::ok();
}

Status Parser::seal(ast::Query& query) const {
    finish(query);
    int height = 0;
    for (const auto& cte : query.ctes) height = std::max(height, cte.query->height);
    for (const auto& item : query.selectItems) height = std::max(height, heightOf(item.expr));
    if (query.from) height = std::max(height, tableHeight(*query.from));
    height =
        std::max({height, heightOf(query.where), maxHeight(query.groupBy), heightOf(query.having)});
    if (query.window) height = std::max(height, heightOf(query.window->timeColumn));
    for (const auto& item : query.orderBy) height = std::max(height, heightOf(item.expr));
    query.height = height + 1;
    if (query.height > kMaxExpressionHeight) {
        return Status::user(ErrorCode::kSyntaxError,
                            fmt::format("syntax error: the query is too deeply nested (more "
                                        "than {} levels)",
                                        kMaxExpressionHeight),
                            query.location);
    }
    return Status::ok();
}

}  // namespace ferris::sql
