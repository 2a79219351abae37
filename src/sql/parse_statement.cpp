// Statements: CREATE STREAM|TABLE (declarations and CREATE … AS), INSERT INTO, ad-hoc
// queries, SHOW, DESCRIBE.

#include <fmt/format.h>

#include "common/closest_name.h"
#include "sql/parser_internal.h"

namespace ferris::sql {

namespace {

std::vector<std::string> statementKeywords() {
    return {"CREATE", "INSERT", "SELECT", "WITH", "SHOW", "DESCRIBE"};
}

std::string_view objectWord(ast::ObjectKind kind) {
    return kind == ast::ObjectKind::kStream ? "STREAM" : "TABLE";
}

}  // namespace

Result<ast::StatementPtr> Parser::parseStatement() {
    const Token& first = peek();
    ast::StatementPtr statement;
    if (first.isWord("create")) {
        FERRIS_ASSIGN_OR_RETURN(statement, parseCreate());
    } else if (first.isWord("insert")) {
        FERRIS_ASSIGN_OR_RETURN(statement, parseInsert());
    } else if (first.isWord("select") || first.isWord("with")) {
        FERRIS_ASSIGN_OR_RETURN(statement, parseSelectStatement());
    } else if (first.isWord("show")) {
        FERRIS_ASSIGN_OR_RETURN(statement, parseShow());
    } else if (first.isWord("describe")) {
        FERRIS_ASSIGN_OR_RETURN(statement, parseDescribe());
    } else {
        std::string hint;
        if (first.kind == TokenKind::kWord) hint = didYouMean(first.text, statementKeywords());
        return errorAt(first, fmt::format("expected a statement (CREATE, INSERT, SELECT, WITH, "
                                          "SHOW or DESCRIBE), found {}{}",
                                          describe(first), hint));
    }
    start(*statement, first);
    finish(*statement);
    return statement;
}

Result<ast::StatementPtr> Parser::parseCreate() {
    advance();  // CREATE
    ast::ObjectKind objectKind;
    if (acceptWord("stream")) {
        objectKind = ast::ObjectKind::kStream;
    } else if (acceptWord("table")) {
        objectKind = ast::ObjectKind::kTable;
    } else {
        std::string hint;
        if (at(TokenKind::kWord)) {
            hint = didYouMean(peek().text, std::vector<std::string>{"STREAM", "TABLE"});
        }
        return errorHere(fmt::format("expected STREAM or TABLE after CREATE, found {}{}",
                                     describe(peek()), hint));
    }
    FERRIS_ASSIGN_OR_RETURN(
        ast::Identifier name,
        parseIdentifier(fmt::format("a name after CREATE {}", objectWord(objectKind))));

    if (acceptWord("as")) {
        auto statement = std::make_unique<ast::CreateAsStatement>();
        statement->objectKind = objectKind;
        statement->name = std::move(name);
        if (!atQueryStart()) {
            return expected(fmt::format("a query (SELECT …) after CREATE {} {} AS",
                                        objectWord(objectKind), statement->name.name));
        }
        FERRIS_ASSIGN_OR_RETURN(statement->query, parseQuery(nullptr));
        if (acceptWord("with")) {
            FERRIS_ASSIGN_OR_RETURN(statement->properties, parseWithProperties());
        }
        return ast::StatementPtr(std::move(statement));
    }

    auto statement = std::make_unique<ast::DeclareStatement>();
    statement->objectKind = objectKind;
    statement->name = std::move(name);
    if (at(TokenKind::kLeftParen)) {
        FERRIS_RETURN_IF_ERROR(parseColumnList(*statement));
        if (atWord("as")) {
            return errorHere(
                fmt::format("CREATE {} … AS SELECT takes its columns from the "
                            "query; remove the column list",
                            objectWord(objectKind)));
        }
    } else if (!atWord("with") && !at(TokenKind::kSemicolon) && !at(TokenKind::kEnd)) {
        return expected(fmt::format("'(', AS or WITH after CREATE {} {}", objectWord(objectKind),
                                    statement->name.name));
    }
    if (acceptWord("with")) {
        FERRIS_ASSIGN_OR_RETURN(statement->properties, parseWithProperties());
    }
    return ast::StatementPtr(std::move(statement));
}

Status Parser::parseColumnList(ast::DeclareStatement& statement) {
    const Token& open = advance();  // (
    statement.hasColumnList = true;
    while (true) {
        if (atWord("primary")) {
            const Token& primary = advance();
            if (!statement.primaryKey.empty()) {
                return errorAt(primary, "PRIMARY KEY is given twice");
            }
            statement.primaryKeyLocation = primary.location;
            FERRIS_RETURN_IF_ERROR(expectWord("key", "after PRIMARY"));
            const Token& keyOpen = peek();
            FERRIS_RETURN_IF_ERROR(expect(TokenKind::kLeftParen, "after PRIMARY KEY"));
            while (true) {
                FERRIS_ASSIGN_OR_RETURN(ast::Identifier column,
                                        parseIdentifier("a column name in PRIMARY KEY (…)"));
                statement.primaryKey.push_back(std::move(column));
                if (accept(TokenKind::kComma)) continue;
                FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, keyOpen));
                break;
            }
        } else {
            ast::ColumnDef column;
            start(column, peek());
            FERRIS_ASSIGN_OR_RETURN(column.name, parseIdentifier("a column name"));
            column.typeLocation = peek().location;
            if (at(TokenKind::kComma) || at(TokenKind::kRightParen)) {
                return expected(fmt::format("a type for the column '{}'", column.name.name));
            }
            FERRIS_ASSIGN_OR_RETURN(column.type, parseType());
            if (acceptWord("primary")) {
                FERRIS_RETURN_IF_ERROR(expectWord("key", "after PRIMARY"));
                column.primaryKey = true;
            }
            finish(column);
            statement.columns.push_back(std::move(column));
        }
        if (accept(TokenKind::kComma)) continue;
        if (accept(TokenKind::kRightParen)) return Status::ok();
        return expected(
            fmt::format("',' or ')' to close '(' at {}", formatLocation(open.location)));
    }
}

Result<ast::StatementPtr> Parser::parseInsert() {
    advance();  // INSERT
    FERRIS_RETURN_IF_ERROR(expectWord("into", "after INSERT"));
    auto statement = std::make_unique<ast::InsertStatement>();
    FERRIS_ASSIGN_OR_RETURN(statement->target, parseIdentifier("a sink name after INSERT INTO"));
    if (!atQueryStart()) {
        return expected(
            fmt::format("a query (SELECT …) after INSERT INTO {}", statement->target.name));
    }
    FERRIS_ASSIGN_OR_RETURN(statement->query, parseQuery(nullptr));
    if (acceptWord("with")) {
        FERRIS_ASSIGN_OR_RETURN(statement->properties, parseWithProperties());
    }
    return ast::StatementPtr(std::move(statement));
}

Result<ast::StatementPtr> Parser::parseSelectStatement() {
    auto statement = std::make_unique<ast::SelectStatement>();
    IntoTarget into;
    FERRIS_ASSIGN_OR_RETURN(statement->query, parseQuery(&into));
    statement->into = std::move(into.name);
    statement->intoPosition = into.position;
    if (acceptWord("with")) {
        FERRIS_ASSIGN_OR_RETURN(statement->properties, parseWithProperties());
    }
    return ast::StatementPtr(std::move(statement));
}

Result<ast::StatementPtr> Parser::parseShow() {
    advance();  // SHOW
    auto statement = std::make_unique<ast::ShowStatement>();
    if (acceptWord("streams")) {
        statement->target = ast::ShowTarget::kStreams;
    } else if (acceptWord("tables")) {
        statement->target = ast::ShowTarget::kTables;
    } else if (acceptWord("jobs")) {
        statement->target = ast::ShowTarget::kJobs;
    } else if (acceptWord("functions")) {
        statement->target = ast::ShowTarget::kFunctions;
    } else {
        std::string hint;
        if (at(TokenKind::kWord)) {
            hint = didYouMean(peek().text,
                              std::vector<std::string>{"STREAMS", "TABLES", "JOBS", "FUNCTIONS"});
        }
        return errorHere(
            fmt::format("expected STREAMS, TABLES, JOBS or FUNCTIONS after SHOW, "
                        "found {}{}",
                        describe(peek()), hint));
    }
    return ast::StatementPtr(std::move(statement));
}

Result<ast::StatementPtr> Parser::parseDescribe() {
    advance();  // DESCRIBE
    // DESCRIBE STREAM x / DESCRIBE TABLE x: the kind word is optional.
    if ((atWord("stream") || atWord("table")) &&
        (peek(1).kind == TokenKind::kWord || peek(1).kind == TokenKind::kQuotedIdentifier)) {
        advance();
    }
    auto statement = std::make_unique<ast::DescribeStatement>();
    FERRIS_ASSIGN_OR_RETURN(statement->name,
                            parseIdentifier("a stream, table or job name after DESCRIBE"));
    return ast::StatementPtr(std::move(statement));
}

}  // namespace ferris::sql
