#pragma once

// The recursive-descent parser behind parser.h. Internal to src/sql: one class whose
// methods are split by concern over parser.cpp (tokens, errors, names, properties,
// durations), parse_statement.cpp, parse_query.cpp, parse_expression.cpp, parse_function.cpp,
// parse_type.cpp and parse_height.cpp.

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sql/ast.h"
#include "sql/parser.h"
#include "sql/token.h"

namespace ferris::sql {

/// Where an ad-hoc query's INTO target goes while its query is parsed.
struct IntoTarget {
    std::optional<ast::Identifier> name;
    ast::IntoPosition position = ast::IntoPosition::kNone;
};

/// Parses a token stream. Every method stops at the first error and returns it.
class Parser {
public:
    Parser(std::string_view text, std::span<const Token> tokens);

    /// One statement, starting at the current token (not at ';' or the end).
    Result<ast::StatementPtr> parseStatement();
    /// An expression (OR level).
    Result<ast::ExprPtr> parseExpression();

    const Token& peek(size_t ahead = 0) const;
    /// Consumes the current token (never moves past kEnd) and returns it.
    const Token& advance();
    /// Index of the current token.
    size_t position() const { return pos_; }

    /// The message for a token left over after a complete statement.
    Status trailingTokenError() const;

private:
    // --- parser.cpp: tokens, errors, names, properties, durations
    bool at(TokenKind kind) const { return peek().kind == kind; }
    bool atWord(std::string_view keyword) const { return peek().isWord(keyword); }
    bool accept(TokenKind kind);
    bool acceptWord(std::string_view keyword);
    /// Consumes `keyword` or fails with "expected KEYWORD <context>, found …".
    Status expectWord(std::string_view keyword, std::string_view context);
    /// Consumes a token of `kind` or fails with "expected <kind> <context>, found …".
    Status expect(TokenKind kind, std::string_view context);
    /// Consumes the token closing `open` or fails with "expected ')' to close '(' at L:C".
    Status expectClosing(TokenKind close, const Token& open);

    Status errorAt(const Token& token, std::string message) const;
    Status errorHere(std::string message) const { return errorAt(peek(), std::move(message)); }
    /// "expected <what>, found <current token>" at the current token.
    Status expected(std::string_view what) const;
    /// How a token is quoted in messages: "'FROM'", "the string 'x'", "the end of the input".
    std::string describe(const Token& token) const;

    /// A name (unquoted non-reserved word, or quoted); `what` says which ("a column name").
    Result<ast::Identifier> parseIdentifier(std::string_view what);
    /// After a '.': any word is accepted, reserved or not.
    Result<ast::Identifier> parseFieldName();
    ast::Identifier identifierFrom(const Token& token) const;
    /// The current token can be an alias written without AS.
    bool atBareAlias() const;

    Result<std::vector<ast::Property>> parseWithProperties();
    Result<ast::Property> parseProperty();

    /// `INTERVAL '5' MINUTE`, `INTERVAL 5 MINUTE`, `INTERVAL '5 minutes'` or `5m`.
    Result<std::unique_ptr<ast::LiteralExpr>> parseIntervalLiteral();
    bool atIntervalLiteral() const;
    Result<ast::Duration> parseDuration(std::string_view context);

    template <typename NodeT>
    void start(NodeT& node, const Token& first) const {
        node.location = first.location;
        node.range.begin = first.begin;
        node.range.end = first.end;
    }
    /// Ends a node's range at the last consumed token.
    template <typename NodeT>
    void finish(NodeT& node) const {
        node.range.end = prevEnd_ > node.range.begin ? prevEnd_ : node.range.begin;
    }

    /// RAII: one level of recursion (parentheses, subqueries, NOT/unary chains, types).
    class Nesting {
    public:
        explicit Nesting(Parser& parser) : parser_(parser) { ++parser_.depth_; }
        ~Nesting() { --parser_.depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;

    private:
        Parser& parser_;
    };
    /// Fails when the parser is nested deeper than kMaxNestingDepth.
    Status checkDepth() const;
    /// Completes an expression node: ends its range at the last consumed token, computes
    /// its height and fails when it exceeds kMaxExpressionHeight.
    Status seal(ast::Expr& node) const;
    /// The same for a query (its height covers its expressions and subqueries).
    Status seal(ast::Query& query) const;

    // --- parse_statement.cpp
    Result<ast::StatementPtr> parseCreate();
    Status parseColumnList(ast::DeclareStatement& statement);
    Result<ast::StatementPtr> parseInsert();
    Result<ast::StatementPtr> parseSelectStatement();
    Result<ast::StatementPtr> parseShow();
    Result<ast::StatementPtr> parseDescribe();

    // --- parse_query.cpp
    /// A query; `into` non-null allows an INTO sink clause (ad-hoc statements only).
    Result<ast::QueryPtr> parseQuery(IntoTarget* into);
    bool atQueryStart() const;
    Status parseInto(IntoTarget* into, ast::IntoPosition position);
    Status parseCtes(ast::Query& query);
    Result<ast::SelectItem> parseSelectItem();
    Result<ast::TableRefPtr> parseFrom();
    Result<ast::TableRefPtr> parseTablePrimary();
    bool atJoin() const;
    Result<ast::TableRefPtr> parseJoin(ast::TableRefPtr left);
    Status parseWindowClause(ast::Query& query);
    Result<std::vector<ast::OrderItem>> parseOrderBy();
    Status checkNothingOutOfOrder() const;

    // --- parse_expression.cpp (parse_function.cpp: calls, OVER, CAST, EXTRACT; parse_height.cpp:
    // seal)
    Result<ast::ExprPtr> parseOr();
    Result<ast::ExprPtr> parseAnd();
    Result<ast::ExprPtr> parseNot();
    Result<ast::ExprPtr> parsePredicate();
    Result<ast::ExprPtr> parseIn(ast::ExprPtr operand, bool negated,
                                 SourceLocation operatorLocation);
    Result<ast::ExprPtr> parseConcat();
    Result<ast::ExprPtr> parseAdditive();
    Result<ast::ExprPtr> parseMultiplicative();
    Result<ast::ExprPtr> parseUnary();
    Result<ast::ExprPtr> parsePostfix();
    Result<ast::ExprPtr> parsePrimary();
    Result<ast::ExprPtr> parseNumber(bool negative, const Token& first);
    Result<ast::ExprPtr> parseParenthesized();
    Result<ast::ExprPtr> parseNameOrCall();
    Result<ast::ExprPtr> parseFunctionCall(ast::Identifier name, const Token& first);
    Result<ast::ExprPtr> parseSpecialCall(std::string_view name, const Token& first);
    Result<std::unique_ptr<ast::OverClause>> parseOver();
    Result<ast::FrameBound> parseFrameBound();
    Result<ast::ExprPtr> parseCase();
    Result<ast::ExprPtr> parseCast();
    /// EXTRACT(part FROM x); `keyword` (EXTRACT) is already consumed.
    Result<ast::ExprPtr> parseExtract(const Token& keyword);
    Result<ast::ExprPtr> parseSubquery(ast::ExprKind kind);
    Status reservedWordInExpression() const;

    // --- parse_type.cpp
    Result<types::DataType> parseType();
    Result<int> parseTypeParameter(std::string_view what);

    std::string_view text_;
    std::span<const Token> tokens_;
    size_t pos_ = 0;
    uint32_t prevEnd_ = 0;  ///< byte end of the last consumed token
    int depth_ = 0;
};

/// "3:10".
std::string formatLocation(SourceLocation location);

/// A numeric literal token (durations included): what a leading '-' folds into.
inline bool isNumberToken(TokenKind kind) {
    return kind == TokenKind::kInteger || kind == TokenKind::kDecimal ||
           kind == TokenKind::kDouble || kind == TokenKind::kDuration;
}

}  // namespace ferris::sql
