// Expressions, by precedence from the loosest: OR, AND, NOT, predicates (comparisons, IS,
// IN, BETWEEN, LIKE), ||, + -, * / %, unary + -, postfix ([i], .f), primaries.

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "sql/parser_internal.h"

namespace ferris::sql {

namespace {

template <typename NodeT>
std::unique_ptr<NodeT> makeNode(const ast::Expr& first) {
    auto node = std::make_unique<NodeT>();
    node->location = first.location;
    node->range.begin = first.range.begin;
    return node;
}

std::optional<ast::BinaryOp> comparisonOp(TokenKind kind) {
    switch (kind) {
        case TokenKind::kEq: return ast::BinaryOp::kEq;
        case TokenKind::kNotEq: return ast::BinaryOp::kNotEq;
        case TokenKind::kLt: return ast::BinaryOp::kLt;
        case TokenKind::kLe: return ast::BinaryOp::kLe;
        case TokenKind::kGt: return ast::BinaryOp::kGt;
        case TokenKind::kGe: return ast::BinaryOp::kGe;
        default: return std::nullopt;
    }
}

}  // namespace

Result<ast::ExprPtr> Parser::parseExpression() {
    return parseOr();
}

Result<ast::ExprPtr> Parser::parseOr() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr left, parseAnd());
    while (atWord("or")) {
        const Token& op = advance();
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseAnd());
        auto node = makeNode<ast::BinaryExpr>(*left);
        node->op = ast::BinaryOp::kOr;
        node->operatorLocation = op.location;
        node->left = std::move(left);
        node->right = std::move(right);
        FERRIS_RETURN_IF_ERROR(seal(*node));
        left = std::move(node);
    }
    return left;
}

Result<ast::ExprPtr> Parser::parseAnd() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr left, parseNot());
    while (atWord("and")) {
        const Token& op = advance();
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseNot());
        auto node = makeNode<ast::BinaryExpr>(*left);
        node->op = ast::BinaryOp::kAnd;
        node->operatorLocation = op.location;
        node->left = std::move(left);
        node->right = std::move(right);
        FERRIS_RETURN_IF_ERROR(seal(*node));
        left = std::move(node);
    }
    return left;
}

Result<ast::ExprPtr> Parser::parseNot() {
    if (!atWord("not")) return parsePredicate();
    const Token& op = advance();
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    auto node = std::make_unique<ast::UnaryExpr>();
    start(*node, op);
    node->op = ast::UnaryOp::kNot;
    FERRIS_ASSIGN_OR_RETURN(node->operand, parseNot());
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

Result<ast::ExprPtr> Parser::parsePredicate() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr left, parseConcat());
    while (true) {
        const Token& op = peek();
        if (std::optional<ast::BinaryOp> binary = comparisonOp(op.kind)) {
            advance();
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseConcat());
            auto node = makeNode<ast::BinaryExpr>(*left);
            node->op = *binary;
            node->operatorLocation = op.location;
            node->left = std::move(left);
            node->right = std::move(right);
            FERRIS_RETURN_IF_ERROR(seal(*node));
            left = std::move(node);
            continue;
        }
        if (op.isWord("is")) {
            advance();
            bool negated = acceptWord("not");
            if (acceptWord("null")) {
                auto node = makeNode<ast::IsNullExpr>(*left);
                node->operand = std::move(left);
                node->negated = negated;
                node->operatorLocation = op.location;
                FERRIS_RETURN_IF_ERROR(seal(*node));
                left = std::move(node);
            } else if (atWord("true") || atWord("false")) {
                auto node = makeNode<ast::IsBooleanExpr>(*left);
                node->value = advance().isWord("true");
                node->operand = std::move(left);
                node->negated = negated;
                node->operatorLocation = op.location;
                FERRIS_RETURN_IF_ERROR(seal(*node));
                left = std::move(node);
            } else if (acceptWord("distinct")) {
                FERRIS_RETURN_IF_ERROR(expectWord("from", "after IS DISTINCT"));
                FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseConcat());
                auto node = makeNode<ast::IsDistinctFromExpr>(*left);
                node->left = std::move(left);
                node->right = std::move(right);
                node->negated = negated;
                node->operatorLocation = op.location;
                FERRIS_RETURN_IF_ERROR(seal(*node));
                left = std::move(node);
            } else {
                return expected(negated ? "NULL, TRUE, FALSE or DISTINCT FROM after IS NOT"
                                        : "NULL, NOT, TRUE, FALSE or DISTINCT FROM after IS");
            }
            continue;
        }
        bool negated = false;
        if (op.isWord("not") &&
            (peek(1).isWord("in") || peek(1).isWord("between") || peek(1).isWord("like"))) {
            advance();
            negated = true;
        } else if (!op.isWord("in") && !op.isWord("between") && !op.isWord("like")) {
            break;
        }
        const Token& keyword = advance();
        if (keyword.isWord("in")) {
            FERRIS_ASSIGN_OR_RETURN(left, parseIn(std::move(left), negated, op.location));
        } else if (keyword.isWord("between")) {
            auto node = makeNode<ast::BetweenExpr>(*left);
            node->operand = std::move(left);
            node->negated = negated;
            node->operatorLocation = op.location;
            FERRIS_ASSIGN_OR_RETURN(node->low, parseConcat());
            FERRIS_RETURN_IF_ERROR(expectWord("and", "between the bounds of BETWEEN"));
            FERRIS_ASSIGN_OR_RETURN(node->high, parseConcat());
            FERRIS_RETURN_IF_ERROR(seal(*node));
            left = std::move(node);
        } else {
            auto node = makeNode<ast::LikeExpr>(*left);
            node->operand = std::move(left);
            node->negated = negated;
            node->operatorLocation = op.location;
            FERRIS_ASSIGN_OR_RETURN(node->pattern, parseConcat());
            if (acceptWord("escape")) {
                FERRIS_ASSIGN_OR_RETURN(node->escape, parseConcat());
            }
            FERRIS_RETURN_IF_ERROR(seal(*node));
            left = std::move(node);
        }
    }
    return left;
}

Result<ast::ExprPtr> Parser::parseIn(ast::ExprPtr operand, bool negated,
                                     SourceLocation operatorLocation) {
    const Token& open = peek();
    FERRIS_RETURN_IF_ERROR(expect(TokenKind::kLeftParen, negated ? "after NOT IN" : "after IN"));
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    if (atQueryStart()) {
        auto node = makeNode<ast::InSubqueryExpr>(*operand);
        node->operand = std::move(operand);
        node->negated = negated;
        node->operatorLocation = operatorLocation;
        FERRIS_ASSIGN_OR_RETURN(node->query, parseQuery(nullptr));
        FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
        FERRIS_RETURN_IF_ERROR(seal(*node));
        return ast::ExprPtr(std::move(node));
    }
    auto node = makeNode<ast::InListExpr>(*operand);
    node->operand = std::move(operand);
    node->negated = negated;
    node->operatorLocation = operatorLocation;
    while (true) {
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr item, parseExpression());
        node->list.push_back(std::move(item));
        if (accept(TokenKind::kComma)) continue;
        if (accept(TokenKind::kRightParen)) break;
        return expected(
            fmt::format("',' or ')' to close '(' at {}", formatLocation(open.location)));
    }
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

Result<ast::ExprPtr> Parser::parseConcat() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr left, parseAdditive());
    while (at(TokenKind::kConcat)) {
        const Token& op = advance();
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseAdditive());
        auto node = makeNode<ast::BinaryExpr>(*left);
        node->op = ast::BinaryOp::kConcat;
        node->operatorLocation = op.location;
        node->left = std::move(left);
        node->right = std::move(right);
        FERRIS_RETURN_IF_ERROR(seal(*node));
        left = std::move(node);
    }
    return left;
}

Result<ast::ExprPtr> Parser::parseAdditive() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr left, parseMultiplicative());
    while (at(TokenKind::kPlus) || at(TokenKind::kMinus)) {
        const Token& op = advance();
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseMultiplicative());
        auto node = makeNode<ast::BinaryExpr>(*left);
        node->op = op.kind == TokenKind::kPlus ? ast::BinaryOp::kAdd : ast::BinaryOp::kSub;
        node->operatorLocation = op.location;
        node->left = std::move(left);
        node->right = std::move(right);
        FERRIS_RETURN_IF_ERROR(seal(*node));
        left = std::move(node);
    }
    return left;
}

Result<ast::ExprPtr> Parser::parseMultiplicative() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr left, parseUnary());
    while (at(TokenKind::kStar) || at(TokenKind::kSlash) || at(TokenKind::kPercent)) {
        const Token& op = advance();
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr right, parseUnary());
        auto node = makeNode<ast::BinaryExpr>(*left);
        node->op = op.kind == TokenKind::kStar    ? ast::BinaryOp::kMul
                   : op.kind == TokenKind::kSlash ? ast::BinaryOp::kDiv
                                                  : ast::BinaryOp::kMod;
        node->operatorLocation = op.location;
        node->left = std::move(left);
        node->right = std::move(right);
        FERRIS_RETURN_IF_ERROR(seal(*node));
        left = std::move(node);
    }
    return left;
}

Result<ast::ExprPtr> Parser::parseUnary() {
    if (!at(TokenKind::kMinus) && !at(TokenKind::kPlus)) return parsePostfix();
    const Token& op = advance();
    // -42, -1.5, -1e3, -5m are literals (so that -9223372036854775808 fits), unless a
    // postfix operator follows the number.
    if (op.kind == TokenKind::kMinus && isNumberToken(peek().kind) &&
        peek(1).kind != TokenKind::kLeftBracket && peek(1).kind != TokenKind::kDot) {
        return parseNumber(true, op);
    }
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    auto node = std::make_unique<ast::UnaryExpr>();
    start(*node, op);
    node->op = op.kind == TokenKind::kMinus ? ast::UnaryOp::kNegate : ast::UnaryOp::kPlus;
    FERRIS_ASSIGN_OR_RETURN(node->operand, parseUnary());
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

Result<ast::ExprPtr> Parser::parsePostfix() {
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr base, parsePrimary());
    while (true) {
        if (at(TokenKind::kLeftBracket)) {
            const Token& open = advance();
            auto node = makeNode<ast::SubscriptExpr>(*base);
            node->base = std::move(base);
            FERRIS_ASSIGN_OR_RETURN(node->index, parseExpression());
            FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightBracket, open));
            FERRIS_RETURN_IF_ERROR(seal(*node));
            base = std::move(node);
        } else if (at(TokenKind::kDot)) {
            advance();
            if (at(TokenKind::kStar)) {
                return errorHere("'.*' is only allowed in the select list, as in SELECT t.*");
            }
            auto node = makeNode<ast::FieldAccessExpr>(*base);
            node->base = std::move(base);
            FERRIS_ASSIGN_OR_RETURN(node->field, parseFieldName());
            FERRIS_RETURN_IF_ERROR(seal(*node));
            base = std::move(node);
        } else {
            return base;
        }
    }
}

Result<ast::ExprPtr> Parser::parseNumber(bool negative, const Token& first) {
    const Token& token = advance();
    std::string sign = negative ? "-" : "";
    if (token.kind == TokenKind::kDuration) {
        auto literal = std::make_unique<ast::LiteralExpr>();
        start(*literal, first);
        literal->literalKind = ast::LiteralKind::kInterval;
        literal->interval.micros = negative ? -token.durationMicros : token.durationMicros;
        literal->text = sign + token.text;
        FERRIS_RETURN_IF_ERROR(seal(*literal));
        return ast::ExprPtr(std::move(literal));
    }
    auto literal = std::make_unique<ast::LiteralExpr>();
    start(*literal, first);
    if (token.kind == TokenKind::kInteger) {
        literal->literalKind = ast::LiteralKind::kInteger;
        std::string digits = sign + token.text;
        const char* end = digits.data() + digits.size();
        auto [ptr, error] = std::from_chars(digits.data(), end, literal->intValue);
        if (error != std::errc() || ptr != end) {
            return errorAt(first, fmt::format("integer literal out of range: {} (BIGINT holds "
                                              "-9223372036854775808 to 9223372036854775807)",
                                              digits));
        }
        literal->text = std::to_string(literal->intValue);
    } else if (token.kind == TokenKind::kDecimal) {
        literal->literalKind = ast::LiteralKind::kDecimal;
        literal->text = sign + token.text;
    } else {
        literal->literalKind = ast::LiteralKind::kDouble;
        literal->text = sign + token.text;
        literal->doubleValue = std::strtod(literal->text.c_str(), nullptr);
    }
    FERRIS_RETURN_IF_ERROR(seal(*literal));
    return ast::ExprPtr(std::move(literal));
}

Status Parser::reservedWordInExpression() const {
    const Token& token = peek();
    // A reserved word used where a value goes ("SELECT order FROM t") most likely names a
    // column; anywhere else ("SELECT FROM t") a value is simply missing.
    const Token& next = peek(1);
    bool looksLikeName = next.kind == TokenKind::kComma || next.kind == TokenKind::kRightParen ||
                         next.kind == TokenKind::kSemicolon || next.kind == TokenKind::kEnd ||
                         next.isWord("from") || next.isWord("as") ||
                         comparisonOp(next.kind).has_value() || next.kind == TokenKind::kPlus ||
                         next.kind == TokenKind::kMinus || next.kind == TokenKind::kStar ||
                         next.kind == TokenKind::kSlash || next.kind == TokenKind::kDot;
    if (looksLikeName) {
        std::string_view written = text_.substr(token.begin, token.end - token.begin);
        return errorAt(token, fmt::format("'{0}' is a reserved word; quote it as `{0}` to use it "
                                          "as a name",
                                          written));
    }
    return expected("an expression");
}

Result<ast::ExprPtr> Parser::parsePrimary() {
    const Token& token = peek();
    switch (token.kind) {
        case TokenKind::kInteger:
        case TokenKind::kDecimal:
        case TokenKind::kDouble:
        case TokenKind::kDuration: return parseNumber(false, token);
        case TokenKind::kString: {
            advance();
            auto literal = std::make_unique<ast::LiteralExpr>();
            start(*literal, token);
            literal->literalKind = ast::LiteralKind::kString;
            literal->text = token.text;
            return ast::ExprPtr(std::move(literal));
        }
        case TokenKind::kLeftParen: return parseParenthesized();
        case TokenKind::kQuotedIdentifier: return parseNameOrCall();
        case TokenKind::kWord: break;
        default: return expected("an expression");
    }

    if (token.isWord("null") || token.isWord("true") || token.isWord("false")) {
        advance();
        auto literal = std::make_unique<ast::LiteralExpr>();
        start(*literal, token);
        if (token.isWord("null")) {
            literal->literalKind = ast::LiteralKind::kNull;
        } else {
            literal->literalKind = ast::LiteralKind::kBoolean;
            literal->boolValue = token.isWord("true");
        }
        return ast::ExprPtr(std::move(literal));
    }
    if (token.isWord("case")) return parseCase();
    if (token.isWord("cast")) return parseCast();
    if (token.isWord("exists")) return parseSubquery(ast::ExprKind::kExists);
    if (atIntervalLiteral()) {
        FERRIS_ASSIGN_OR_RETURN(std::unique_ptr<ast::LiteralExpr> literal, parseIntervalLiteral());
        return ast::ExprPtr(std::move(literal));
    }
    if ((token.isWord("date") || token.isWord("timestamp")) && peek(1).kind == TokenKind::kString) {
        advance();
        const Token& value = advance();
        auto literal = std::make_unique<ast::LiteralExpr>();
        start(*literal, token);
        literal->literalKind =
            token.isWord("date") ? ast::LiteralKind::kDate : ast::LiteralKind::kTimestamp;
        literal->text = value.text;
        FERRIS_RETURN_IF_ERROR(seal(*literal));
        return ast::ExprPtr(std::move(literal));
    }
    if (token.reserved && !((token.isWord("left") || token.isWord("right")) &&
                            peek(1).kind == TokenKind::kLeftParen)) {
        return reservedWordInExpression();
    }
    return parseNameOrCall();
}

Result<ast::ExprPtr> Parser::parseParenthesized() {
    const Token& open = peek();
    if (peek(1).isWord("select") ||
        (peek(1).isWord("with") &&
         (peek(2).kind == TokenKind::kWord || peek(2).kind == TokenKind::kQuotedIdentifier))) {
        return parseSubquery(ast::ExprKind::kScalarSubquery);
    }
    advance();
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr inner, parseExpression());
    FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    return inner;
}

Result<ast::ExprPtr> Parser::parseSubquery(ast::ExprKind kind) {
    const Token& first = peek();
    if (kind == ast::ExprKind::kExists) advance();
    const Token& open = peek();
    FERRIS_RETURN_IF_ERROR(
        expect(TokenKind::kLeftParen, kind == ast::ExprKind::kExists ? "after EXISTS" : ""));
    if (!atQueryStart()) return expected("a query (SELECT …)");
    FERRIS_ASSIGN_OR_RETURN(ast::QueryPtr query, parseQuery(nullptr));
    FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    if (kind == ast::ExprKind::kExists) {
        auto node = std::make_unique<ast::ExistsExpr>();
        start(*node, first);
        node->query = std::move(query);
        FERRIS_RETURN_IF_ERROR(seal(*node));
        return ast::ExprPtr(std::move(node));
    }
    auto node = std::make_unique<ast::ScalarSubqueryExpr>();
    start(*node, first);
    node->query = std::move(query);
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

Result<ast::ExprPtr> Parser::parseCase() {
    const Token& keyword = advance();  // CASE
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    auto node = std::make_unique<ast::CaseExpr>();
    start(*node, keyword);
    // END, ELSE and THEN are reserved words that would otherwise be reported as names.
    auto atCaseKeyword = [this] {
        return atWord("end") || atWord("else") || atWord("then") || atWord("when");
    };
    if (!atWord("when")) {
        if (atCaseKeyword()) return expected("WHEN in CASE");
        FERRIS_ASSIGN_OR_RETURN(node->operand, parseExpression());
    }
    while (acceptWord("when")) {
        ast::CaseWhen arm;
        if (atCaseKeyword()) return expected("an expression after WHEN");
        FERRIS_ASSIGN_OR_RETURN(arm.when, parseExpression());
        FERRIS_RETURN_IF_ERROR(expectWord("then", "after the WHEN condition"));
        if (atCaseKeyword()) return expected("an expression after THEN");
        FERRIS_ASSIGN_OR_RETURN(arm.then, parseExpression());
        node->whens.push_back(std::move(arm));
    }
    if (node->whens.empty()) return expected("WHEN in CASE");
    if (acceptWord("else")) {
        if (atCaseKeyword()) return expected("an expression after ELSE");
        FERRIS_ASSIGN_OR_RETURN(node->elseResult, parseExpression());
    }
    if (!acceptWord("end")) {
        return expected(
            fmt::format("WHEN, ELSE or END to close CASE at {}", formatLocation(keyword.location)));
    }
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

}  // namespace ferris::sql
