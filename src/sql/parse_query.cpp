// Queries: CTEs, the select list, FROM with joins, WHERE, GROUP BY, WINDOW, HAVING,
// ORDER BY, LIMIT, EMIT, and the INTO of ad-hoc queries.

#include <fmt/format.h>

#include "common/closest_name.h"
#include "sql/parser_internal.h"

namespace ferris::sql {

bool Parser::atQueryStart() const {
    return atWord("select") || (atWord("with") && (peek(1).kind == TokenKind::kWord ||
                                                   peek(1).kind == TokenKind::kQuotedIdentifier));
}

Result<ast::QueryPtr> Parser::parseQuery(IntoTarget* into) {
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    auto query = std::make_unique<ast::Query>();
    start(*query, peek());
    if (atWord("with")) FERRIS_RETURN_IF_ERROR(parseCtes(*query));

    FERRIS_RETURN_IF_ERROR(expectWord("select", ""));
    if (acceptWord("distinct")) {
        query->distinct = true;
    } else {
        acceptWord("all");
    }
    while (true) {
        FERRIS_ASSIGN_OR_RETURN(ast::SelectItem item, parseSelectItem());
        query->selectItems.push_back(std::move(item));
        if (!accept(TokenKind::kComma)) break;
    }
    if (atWord("into"))
        FERRIS_RETURN_IF_ERROR(parseInto(into, ast::IntoPosition::kAfterSelectList));

    if (acceptWord("from")) {
        FERRIS_ASSIGN_OR_RETURN(query->from, parseFrom());
    }
    if (atWord("window")) FERRIS_RETURN_IF_ERROR(parseWindowClause(*query));
    if (acceptWord("where")) {
        FERRIS_ASSIGN_OR_RETURN(query->where, parseExpression());
    }
    if (atWord("window")) FERRIS_RETURN_IF_ERROR(parseWindowClause(*query));
    if (acceptWord("group")) {
        FERRIS_RETURN_IF_ERROR(expectWord("by", "after GROUP"));
        while (true) {
            FERRIS_ASSIGN_OR_RETURN(ast::ExprPtr key, parseExpression());
            query->groupBy.push_back(std::move(key));
            if (!accept(TokenKind::kComma)) break;
        }
    }
    if (atWord("window")) FERRIS_RETURN_IF_ERROR(parseWindowClause(*query));
    if (acceptWord("having")) {
        FERRIS_ASSIGN_OR_RETURN(query->having, parseExpression());
    }
    if (acceptWord("order")) {
        FERRIS_RETURN_IF_ERROR(expectWord("by", "after ORDER"));
        FERRIS_ASSIGN_OR_RETURN(query->orderBy, parseOrderBy());
    }
    if (atWord("limit")) {
        query->limitLocation = advance().location;
        const Token& count = peek();
        if (count.kind != TokenKind::kInteger) {
            return expected("a row count (a non-negative integer) after LIMIT");
        }
        advance();
        int64_t limit = 0;
        for (char c : count.text) {
            if (__builtin_mul_overflow(limit, 10, &limit) ||
                __builtin_add_overflow(limit, c - '0', &limit)) {
                return errorAt(count, fmt::format("integer literal out of range: {}", count.text));
            }
        }
        query->limit = limit;
    }
    if (atWord("emit")) {
        query->emitLocation = advance().location;
        if (acceptWord("changes")) {
            query->emit = ast::EmitMode::kChanges;
        } else if (acceptWord("final")) {
            query->emit = ast::EmitMode::kFinal;
        } else {
            std::string hint;
            if (at(TokenKind::kWord)) {
                hint = didYouMean(peek().text, std::vector<std::string>{"CHANGES", "FINAL"});
            }
            return errorHere(fmt::format("expected CHANGES or FINAL after EMIT, found {}{}",
                                         describe(peek()), hint));
        }
    }
    if (atWord("into")) FERRIS_RETURN_IF_ERROR(parseInto(into, ast::IntoPosition::kAtEnd));
    FERRIS_RETURN_IF_ERROR(checkNothingOutOfOrder());
    FERRIS_RETURN_IF_ERROR(seal(*query));
    return query;
}

Status Parser::parseInto(IntoTarget* into, ast::IntoPosition position) {
    const Token& keyword = peek();
    if (into == nullptr) {
        return errorAt(keyword,
                       "INTO is only allowed in an ad-hoc SELECT statement (to write "
                       "a query's results to a sink, use INSERT INTO sink SELECT …)");
    }
    if (into->position != ast::IntoPosition::kNone) {
        return errorAt(keyword, "INTO is given twice");
    }
    advance();
    FERRIS_ASSIGN_OR_RETURN(ast::Identifier name, parseIdentifier("a sink name after INTO"));
    into->name = std::move(name);
    into->position = position;
    return Status::ok();
}

Status Parser::parseCtes(ast::Query& query) {
    advance();  // WITH
    while (true) {
        ast::CommonTableExpr cte;
        start(cte, peek());
        FERRIS_ASSIGN_OR_RETURN(cte.name, parseIdentifier("a name for the WITH query"));
        FERRIS_RETURN_IF_ERROR(expectWord("as", fmt::format("after WITH {}", cte.name.name)));
        const Token& open = peek();
        FERRIS_RETURN_IF_ERROR(
            expect(TokenKind::kLeftParen, fmt::format("after WITH {} AS", cte.name.name)));
        if (!atQueryStart()) return expected("a query (SELECT …)");
        FERRIS_ASSIGN_OR_RETURN(cte.query, parseQuery(nullptr));
        FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
        finish(cte);
        query.ctes.push_back(std::move(cte));
        if (!accept(TokenKind::kComma)) return Status::ok();
    }
}

Result<ast::SelectItem> Parser::parseSelectItem() {
    ast::SelectItem item;
    start(item, peek());
    if (accept(TokenKind::kStar)) {
        item.kind = ast::SelectItemKind::kStar;
        finish(item);
        return item;
    }
    // t.* (or a.b.*): names joined by dots, ending in '*'.
    size_t ahead = 0;
    while ((peek(ahead).kind == TokenKind::kWord ||
            peek(ahead).kind == TokenKind::kQuotedIdentifier) &&
           peek(ahead + 1).kind == TokenKind::kDot) {
        if (peek(ahead + 2).kind == TokenKind::kStar) {
            item.kind = ast::SelectItemKind::kStar;
            for (size_t i = 0; i <= ahead; i += 2) {
                FERRIS_ASSIGN_OR_RETURN(ast::Identifier part,
                                        i == 0 ? parseIdentifier("a name") : parseFieldName());
                item.qualifier.push_back(std::move(part));
                advance();  // .
            }
            advance();  // *
            finish(item);
            return item;
        }
        ahead += 2;
    }

    if (at(TokenKind::kComma) || atWord("from")) return expected("an expression");
    FERRIS_ASSIGN_OR_RETURN(item.expr, parseExpression());
    auto parsePrimaryKey = [&]() -> Status {
        item.primaryKeyLocation = advance().location;  // PRIMARY
        FERRIS_RETURN_IF_ERROR(expectWord("key", "after PRIMARY"));
        item.primaryKey = true;
        return Status::ok();
    };
    if (atWord("primary")) FERRIS_RETURN_IF_ERROR(parsePrimaryKey());
    if (acceptWord("as")) {
        FERRIS_ASSIGN_OR_RETURN(item.alias, parseIdentifier("an alias after AS"));
    } else if (atBareAlias()) {
        item.alias = identifierFrom(advance());
    }
    if (atWord("primary")) {
        if (item.primaryKey) return errorHere("PRIMARY KEY is given twice");
        FERRIS_RETURN_IF_ERROR(parsePrimaryKey());
    }
    finish(item);
    return item;
}

Result<ast::TableRefPtr> Parser::parseFrom() {
    FERRIS_ASSIGN_OR_RETURN(ast::TableRefPtr table, parseTablePrimary());
    for (int joins = 0; atJoin(); ++joins) {
        if (joins == kMaxJoins) {
            return errorHere(fmt::format("too many joins in one FROM (more than {})", kMaxJoins));
        }
        FERRIS_ASSIGN_OR_RETURN(table, parseJoin(std::move(table)));
    }
    if (at(TokenKind::kComma)) {
        return errorHere(
            "a FROM list with ',' is not supported; join sources with "
            "JOIN … ON …");
    }
    return table;
}

Result<ast::TableRefPtr> Parser::parseTablePrimary() {
    const Token& first = peek();
    if (first.kind == TokenKind::kLeftParen) {
        advance();
        auto table = std::make_unique<ast::SubqueryTableRef>();
        start(*table, first);
        if (!atQueryStart()) return expected("a subquery (SELECT …) after '('");
        FERRIS_ASSIGN_OR_RETURN(table->query, parseQuery(nullptr));
        FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, first));
        bool as = acceptWord("as");
        if (!as && !atBareAlias()) {
            return errorHere(
                fmt::format("a subquery in FROM needs an alias, as in (SELECT …) "
                            "AS name; found {}",
                            describe(peek())));
        }
        FERRIS_ASSIGN_OR_RETURN(table->alias, parseIdentifier("an alias for the subquery"));
        finish(*table);
        return ast::TableRefPtr(std::move(table));
    }
    auto table = std::make_unique<ast::NamedTableRef>();
    start(*table, first);
    FERRIS_ASSIGN_OR_RETURN(table->name, parseIdentifier("a stream or table name"));
    if (acceptWord("as")) {
        FERRIS_ASSIGN_OR_RETURN(table->alias, parseIdentifier("an alias after AS"));
    } else if (atBareAlias()) {
        table->alias = identifierFrom(advance());
    }
    finish(*table);
    return ast::TableRefPtr(std::move(table));
}

bool Parser::atJoin() const {
    return atWord("join") || atWord("inner") || atWord("left") || atWord("right") ||
           atWord("full") || atWord("cross");
}

Result<ast::TableRefPtr> Parser::parseJoin(ast::TableRefPtr left) {
    auto join = std::make_unique<ast::JoinTableRef>();
    join->location = left->location;
    join->range.begin = left->range.begin;
    const Token& keyword = advance();
    join->joinLocation = keyword.location;
    if (keyword.isWord("cross")) {
        return errorAt(keyword, "CROSS JOIN is not supported; write JOIN … ON with a condition");
    }
    if (keyword.isWord("inner")) {
        join->joinType = ast::JoinType::kInner;
        FERRIS_RETURN_IF_ERROR(expectWord("join", "after INNER"));
    } else if (!keyword.isWord("join")) {
        join->joinType = keyword.isWord("left")    ? ast::JoinType::kLeft
                         : keyword.isWord("right") ? ast::JoinType::kRight
                                                   : ast::JoinType::kFull;
        acceptWord("outer");
        FERRIS_RETURN_IF_ERROR(expectWord(
            "join",
            fmt::format("after {}", text_.substr(keyword.begin, keyword.end - keyword.begin))));
    }
    join->left = std::move(left);
    FERRIS_ASSIGN_OR_RETURN(join->right, parseTablePrimary());
    if (acceptWord("within")) {
        FERRIS_ASSIGN_OR_RETURN(join->within, parseDuration("after WITHIN"));
        join->withinPosition = ast::WithinPosition::kBeforeOn;
    }
    if (!atWord("on")) {
        return expected("ON and a join condition after the joined source");
    }
    advance();
    FERRIS_ASSIGN_OR_RETURN(join->condition, parseExpression());
    if (atWord("within")) {
        if (join->within) return errorHere("WITHIN is given twice for one join");
        advance();
        FERRIS_ASSIGN_OR_RETURN(join->within, parseDuration("after WITHIN"));
        join->withinPosition = ast::WithinPosition::kAfterOn;
    }
    finish(*join);
    return ast::TableRefPtr(std::move(join));
}

Status Parser::parseWindowClause(ast::Query& query) {
    const Token& keyword = advance();  // WINDOW
    if (query.window) return errorAt(keyword, "WINDOW is given twice");
    auto window = std::make_unique<ast::WindowSpec>();
    start(*window, keyword);
    const Token& kindToken = peek();
    std::string_view kindName;
    size_t durations = 1;
    if (kindToken.isWord("tumbling")) {
        window->windowKind = ast::WindowKind::kTumbling;
        kindName = "TUMBLING";
    } else if (kindToken.isWord("sliding") || kindToken.isWord("hopping")) {
        window->windowKind = ast::WindowKind::kSliding;
        window->spelledHopping = kindToken.isWord("hopping");
        kindName = window->spelledHopping ? "HOPPING" : "SLIDING";
        durations = 2;
    } else if (kindToken.isWord("session")) {
        window->windowKind = ast::WindowKind::kSession;
        kindName = "SESSION";
    } else {
        std::string hint;
        if (kindToken.isWord("tumble")) {  // the Flink spellings
            hint = ", did you mean 'TUMBLING'?";
        } else if (kindToken.isWord("hop")) {
            hint = ", did you mean 'HOPPING'?";
        } else if (kindToken.kind == TokenKind::kWord) {
            hint = didYouMean(kindToken.text, std::vector<std::string>{"TUMBLING", "SLIDING",
                                                                       "HOPPING", "SESSION"});
        }
        return errorHere(
            fmt::format("expected TUMBLING, SLIDING, HOPPING or SESSION after "
                        "WINDOW, found {}{}",
                        describe(kindToken), hint));
    }
    advance();
    std::string_view signature =
        window->windowKind == ast::WindowKind::kTumbling  ? "([time_column,] size)"
        : window->windowKind == ast::WindowKind::kSliding ? "([time_column,] size, advance)"
                                                          : "([time_column,] gap)";
    const Token& open = peek();
    FERRIS_RETURN_IF_ERROR(
        expect(TokenKind::kLeftParen, fmt::format("after {} (it takes {})", kindName, signature)));

    if (!atIntervalLiteral()) {
        // The optional time column: a (possibly qualified) name.
        auto column = std::make_unique<ast::ColumnRefExpr>();
        start(*column, peek());
        if (!atBareAlias()) {
            return expected(
                fmt::format("a time column or a duration such as INTERVAL '1' "
                            "MINUTE or 1m in {}{}",
                            kindName, signature));
        }
        FERRIS_ASSIGN_OR_RETURN(ast::Identifier part, parseIdentifier("a time column"));
        column->parts.push_back(std::move(part));
        while (accept(TokenKind::kDot)) {
            FERRIS_ASSIGN_OR_RETURN(ast::Identifier field, parseFieldName());
            column->parts.push_back(std::move(field));
        }
        finish(*column);
        window->timeColumn = std::move(column);
        FERRIS_RETURN_IF_ERROR(expect(
            TokenKind::kComma, fmt::format("after the time column of {}{}", kindName, signature)));
    }
    static constexpr std::string_view kTumblingRoles[] = {"size"};
    static constexpr std::string_view kSlidingRoles[] = {"size", "advance"};
    static constexpr std::string_view kSessionRoles[] = {"gap"};
    const std::string_view* roles =
        window->windowKind == ast::WindowKind::kTumbling  ? kTumblingRoles
        : window->windowKind == ast::WindowKind::kSliding ? kSlidingRoles
                                                          : kSessionRoles;
    for (size_t i = 0; i < durations; ++i) {
        if (i > 0 && !accept(TokenKind::kComma)) {
            return expected(fmt::format("',' and the {} of {}{}", roles[i], kindName, signature));
        }
        FERRIS_ASSIGN_OR_RETURN(
            ast::Duration duration,
            parseDuration(fmt::format("as the {} of {}{}", roles[i], kindName, signature)));
        if (window->windowKind == ast::WindowKind::kSession) {
            window->gap = std::move(duration);
        } else if (i == 0) {
            window->size = std::move(duration);
        } else {
            window->advance = std::move(duration);
        }
    }
    if (at(TokenKind::kComma)) {
        return errorHere(fmt::format("too many arguments: {} takes {}", kindName, signature));
    }
    FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
    finish(*window);
    query.window = std::move(window);
    return Status::ok();
}

Result<std::vector<ast::OrderItem>> Parser::parseOrderBy() {
    std::vector<ast::OrderItem> items;
    while (true) {
        ast::OrderItem item;
        start(item, peek());
        FERRIS_ASSIGN_OR_RETURN(item.expr, parseExpression());
        if (acceptWord("desc")) {
            item.descending = true;
        } else {
            acceptWord("asc");
        }
        if (acceptWord("nulls")) {
            if (acceptWord("first")) {
                item.nulls = ast::NullsOrder::kFirst;
            } else if (acceptWord("last")) {
                item.nulls = ast::NullsOrder::kLast;
            } else {
                return expected("FIRST or LAST after NULLS");
            }
        }
        finish(item);
        items.push_back(std::move(item));
        if (!accept(TokenKind::kComma)) return items;
    }
}

Status Parser::checkNothingOutOfOrder() const {
    const Token& token = peek();
    static constexpr std::string_view kClauses[] = {"from",  "join",  "inner", "left",   "right",
                                                    "full",  "where", "group", "window", "having",
                                                    "order", "limit", "emit"};
    for (std::string_view clause : kClauses) {
        if (token.isWord(clause)) {
            return errorAt(token, fmt::format("{} is out of place: the clauses of a query go "
                                              "SELECT, FROM, JOIN, WHERE, GROUP BY, WINDOW, "
                                              "HAVING, ORDER BY, LIMIT, EMIT",
                                              describe(token)));
        }
    }
    if (token.isWord("union") || token.isWord("intersect") || token.isWord("except")) {
        return errorAt(token, fmt::format("{} is not supported", describe(token)));
    }
    return Status::ok();
}

}  // namespace ferris::sql
