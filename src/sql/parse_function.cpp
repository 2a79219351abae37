// Function-call syntax: calls with DISTINCT, * and OVER (window frames), the special forms
// POSITION(a IN b), SUBSTRING(s FROM a FOR b) and TRIM(… FROM s), CAST and EXTRACT.

#include <fmt/format.h>

#include "sql/parser_internal.h"

namespace ferris::sql {

Result<ast::ExprPtr> Parser::parseNameOrCall() {
    const Token& first = advance();
    ast::Identifier name = identifierFrom(first);
    if (at(TokenKind::kLeftParen)) {
        if (first.kind == TokenKind::kWord) {
            if (first.isWord("extract")) return parseExtract(first);
            if (first.isWord("position") || first.isWord("substring") || first.isWord("trim")) {
                return parseSpecialCall(first.text, first);
            }
        }
        return parseFunctionCall(std::move(name), first);
    }
    if (first.isWord("current_timestamp") || first.isWord("current_date")) {
        auto call = std::make_unique<ast::FunctionCallExpr>();
        start(*call, first);
        call->name = std::move(name);
        call->noParentheses = true;
        return ast::ExprPtr(std::move(call));
    }
    auto column = std::make_unique<ast::ColumnRefExpr>();
    start(*column, first);
    column->parts.push_back(std::move(name));
    while (at(TokenKind::kDot) &&
           (peek(1).kind == TokenKind::kWord || peek(1).kind == TokenKind::kQuotedIdentifier)) {
        advance();
        column->parts.push_back(identifierFrom(advance()));
    }
    FERRIS_RETURN_IF_ERROR(seal(*column));
    return ast::ExprPtr(std::move(column));
}

Result<ast::ExprPtr> Parser::parseFunctionCall(ast::Identifier name, const Token& first) {
    auto call = std::make_unique<ast::FunctionCallExpr>();
    start(*call, first);
    call->name = std::move(name);
    const Token& open = advance();  // (
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    if (accept(TokenKind::kStar)) {
        call->star = true;
        FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    } else if (!accept(TokenKind::kRightParen)) {
        if (acceptWord("distinct")) {
            call->distinct = true;
        } else {
            acceptWord("all");
        }
        while (true) {
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr arg, parseExpression());
            call->args.push_back(std::move(arg));
            if (accept(TokenKind::kComma)) continue;
            if (accept(TokenKind::kRightParen)) break;
            return expected(
                fmt::format("',' or ')' to close '(' at {}", formatLocation(open.location)));
        }
    }
    if (atWord("over")) {
        FERRIS_ASSIGN_OR_RETURN(call->over, parseOver());
    }
    FERRIS_RETURN_IF_ERROR(seal(*call));
    return ast::ExprPtr(std::move(call));
}

Result<ast::ExprPtr> Parser::parseSpecialCall(std::string_view name, const Token& first) {
    size_t rewind = pos_;
    uint32_t rewindEnd = prevEnd_;
    const Token& open = advance();  // (
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    auto call = std::make_unique<ast::FunctionCallExpr>();
    start(*call, first);
    call->name = identifierFrom(first);

    if (name == "trim") {
        // TRIM([BOTH|LEADING|TRAILING] [characters] FROM s)
        std::string_view function = "trim";
        bool spec = false;
        const Token& next = peek(1);
        bool sideFollows = next.isWord("from") || next.kind == TokenKind::kString ||
                           next.kind == TokenKind::kQuotedIdentifier ||
                           (next.kind == TokenKind::kWord && !next.reserved);
        if ((atWord("both") || atWord("leading") || atWord("trailing")) && sideFollows) {
            spec = true;
            const Token& side = advance();
            function = side.isWord("leading")    ? "ltrim"
                       : side.isWord("trailing") ? "rtrim"
                                                 : "trim";
        }
        ast::ExprPtr characters;
        if (!atWord("from")) {
            FERRIS_ASSIGN_OR_RETURN(characters, parseExpression());
        }
        if (spec || atWord("from")) {
            FERRIS_RETURN_IF_ERROR(expectWord("from", "in TRIM(… FROM string)"));
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr source, parseExpression());
            FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
            call->name.name = std::string(function);
            call->args.push_back(std::move(source));
            if (characters) call->args.push_back(std::move(characters));
            FERRIS_RETURN_IF_ERROR(seal(*call));
            return ast::ExprPtr(std::move(call));
        }
    } else if (name == "substring") {
        // SUBSTRING(s FROM start [FOR length])
        FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr source, parseExpression());
        if (acceptWord("from")) {
            call->args.push_back(std::move(source));
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr startAt, parseExpression());
            call->args.push_back(std::move(startAt));
            if (acceptWord("for")) {
                FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr length, parseExpression());
                call->args.push_back(std::move(length));
            }
            FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
            FERRIS_RETURN_IF_ERROR(seal(*call));
            return ast::ExprPtr(std::move(call));
        }
    } else {
        // POSITION(needle IN haystack)
        if (!at(TokenKind::kRightParen)) {
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr needle, parseConcat());
            if (acceptWord("in")) {
                call->args.push_back(std::move(needle));
                FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr haystack, parseConcat());
                call->args.push_back(std::move(haystack));
                FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
                FERRIS_RETURN_IF_ERROR(seal(*call));
                return ast::ExprPtr(std::move(call));
            }
        }
    }
    // The ordinary form f(a, b, …): parse again from the '('.
    pos_ = rewind;
    prevEnd_ = rewindEnd;
    return parseFunctionCall(identifierFrom(first), first);
}

Result<std::unique_ptr<ast::OverClause>> Parser::parseOver() {
    const Token& keyword = advance();  // OVER
    auto over = std::make_unique<ast::OverClause>();
    start(*over, keyword);
    const Token& open = peek();
    FERRIS_RETURN_IF_ERROR(expect(TokenKind::kLeftParen, "after OVER"));
    if (acceptWord("partition")) {
        FERRIS_RETURN_IF_ERROR(expectWord("by", "after PARTITION"));
        while (true) {
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr key, parseExpression());
            over->partitionBy.push_back(std::move(key));
            if (!accept(TokenKind::kComma)) break;
        }
    }
    if (acceptWord("order")) {
        FERRIS_RETURN_IF_ERROR(expectWord("by", "after ORDER"));
        FERRIS_ASSIGN_OR_RETURN(over->orderBy, parseOrderBy());
    }
    if (atWord("rows") || atWord("range")) {
        ast::WindowFrame frame;
        const Token& unit = advance();
        start(frame, unit);
        frame.unit = unit.isWord("rows") ? ast::FrameUnit::kRows : ast::FrameUnit::kRange;
        if (acceptWord("between")) {
            frame.between = true;
            FERRIS_ASSIGN_OR_RETURN(frame.start, parseFrameBound());
            FERRIS_RETURN_IF_ERROR(expectWord("and", "between the bounds of the frame"));
            FERRIS_ASSIGN_OR_RETURN(frame.end, parseFrameBound());
        } else {
            FERRIS_ASSIGN_OR_RETURN(frame.start, parseFrameBound());
            frame.end.kind = ast::FrameBoundKind::kCurrentRow;
            frame.end.location = frame.start.location;
            frame.end.range = frame.start.range;
        }
        finish(frame);
        over->frame = std::move(frame);
    }
    FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    finish(*over);
    return over;
}

Result<ast::FrameBound> Parser::parseFrameBound() {
    ast::FrameBound bound;
    start(bound, peek());
    if (acceptWord("unbounded")) {
        if (acceptWord("preceding")) {
            bound.kind = ast::FrameBoundKind::kUnboundedPreceding;
        } else if (acceptWord("following")) {
            bound.kind = ast::FrameBoundKind::kUnboundedFollowing;
        } else {
            return expected("PRECEDING or FOLLOWING after UNBOUNDED");
        }
    } else if (acceptWord("current")) {
        FERRIS_RETURN_IF_ERROR(expectWord("row", "after CURRENT"));
        bound.kind = ast::FrameBoundKind::kCurrentRow;
    } else {
        if (atIntervalLiteral() && !at(TokenKind::kDuration)) {
            FERRIS_ASSIGN_OR_RETURN(std::unique_ptr<ast::LiteralExpr> literal,
                                    parseIntervalLiteral());
            bound.offset = std::move(literal);
        } else if (isNumberToken(peek().kind)) {
            FERRIS_ASSIGN_OR_RETURN(bound.offset, parseNumber(false, peek()));
        } else {
            return expected(
                "a frame bound (UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, "
                "n FOLLOWING or UNBOUNDED FOLLOWING)");
        }
        if (acceptWord("preceding")) {
            bound.kind = ast::FrameBoundKind::kPreceding;
        } else if (acceptWord("following")) {
            bound.kind = ast::FrameBoundKind::kFollowing;
        } else {
            return expected("PRECEDING or FOLLOWING after the frame offset");
        }
    }
    finish(bound);
    return bound;
}

Result<ast::ExprPtr> Parser::parseCast() {
    const Token& keyword = advance();  // CAST
    auto node = std::make_unique<ast::CastExpr>();
    start(*node, keyword);
    const Token& open = peek();
    FERRIS_RETURN_IF_ERROR(expect(TokenKind::kLeftParen, "after CAST"));
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    FERRIS_ASSIGN_OR_RETURN(node->operand, parseExpression());
    FERRIS_RETURN_IF_ERROR(expectWord("as", "and a type in CAST(value AS type)"));
    node->typeLocation = peek().location;
    FERRIS_ASSIGN_OR_RETURN(node->targetType, parseType());
    FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

Result<ast::ExprPtr> Parser::parseExtract(const Token& keyword) {
    auto node = std::make_unique<ast::ExtractExpr>();
    start(*node, keyword);
    const Token& open = advance();  // (
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    if (at(TokenKind::kWord) || at(TokenKind::kQuotedIdentifier)) {
        node->part = identifierFrom(advance());
    } else {
        return expected("a date part (YEAR, MONTH, DAY, HOUR, …) in EXTRACT(part FROM value)");
    }
    FERRIS_RETURN_IF_ERROR(expectWord("from", "in EXTRACT(part FROM value)"));
    FERRIS_ASSIGN_OR_RETURN(node->operand, parseExpression());
    FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    FERRIS_RETURN_IF_ERROR(seal(*node));
    return ast::ExprPtr(std::move(node));
}

}  // namespace ferris::sql
