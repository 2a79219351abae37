#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/ast.h"

namespace ferris::sql {

/// Deepest nesting of parentheses, subqueries, CASE, NOT/unary chains and generic types the
/// parser accepts; deeper input is a syntax error rather than a stack overflow.
inline constexpr int kMaxNestingDepth = 256;

/// Tallest tree (Expr::height, Query::height) the parser builds: a chain `a + b + …` of n
/// operators is n levels tall. Keeps recursive visitors (binder, toSql, destructors) shallow.
inline constexpr int kMaxExpressionHeight = 1000;

/// Most joins in one FROM clause.
inline constexpr int kMaxJoins = 256;

/// A parsed SQL application. Owns the SQL text that the nodes' byte ranges point into.
struct ParsedApp {
    std::string text;
    /// Annotations that apply to the whole app: those before the first statement that are
    /// not in the comment block directly above it, plus @app, @version and @description
    /// found anywhere before the first statement.
    std::vector<ast::Annotation> appAnnotations;
    /// The statements in order; each holds the annotations directly above it.
    std::vector<ast::StatementPtr> statements;
    /// Annotations that belong to nothing: after the first statement but not directly
    /// above one (a blank line in between, or inside a statement). The binder reports them.
    std::vector<ast::Annotation> detachedAnnotations;

    /// The source text of a node.
    std::string_view textOf(ast::SourceRange range) const {
        return std::string_view(text).substr(range.begin, range.size());
    }
};

/// Parses a SQL application: statements separated by ';' (the last ';' optional, empty
/// statements allowed). Stops at the first syntax error, returned as a kSyntaxError Status
/// at the offending token, with a message saying what was expected and what was found.
Result<ParsedApp> parseApp(std::string text);

/// A single parsed expression and the text it was parsed from.
struct ParsedExpression {
    std::string text;
    ast::ExprPtr expr;
};

/// Parses one expression (the whole text must be one expression). For tests and tools.
Result<ParsedExpression> parseExpression(std::string text);

}  // namespace ferris::sql
