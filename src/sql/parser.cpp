#include "sql/parser.h"

#include <fmt/format.h>

#include <array>

#include "common/closest_name.h"
#include "sql/annotations.h"
#include "sql/duration.h"
#include "sql/lexer.h"
#include "sql/parser_internal.h"

namespace ferris::sql {

std::string formatLocation(SourceLocation location) {
    return fmt::format("{}:{}", location.line, location.column);
}

Parser::Parser(std::string_view text, std::span<const Token> tokens)
    : text_(text), tokens_(tokens) {
    FERRIS_CHECK(!tokens_.empty() && tokens_.back().kind == TokenKind::kEnd,
                 "the token stream must end with kEnd");
}

const Token& Parser::peek(size_t ahead) const {
    size_t index = pos_ + ahead;
    return index < tokens_.size() ? tokens_[index] : tokens_.back();
}

const Token& Parser::advance() {
    const Token& token = tokens_[pos_];
    if (token.kind != TokenKind::kEnd) {
        ++pos_;
        prevEnd_ = token.end;
    }
    return token;
}

bool Parser::accept(TokenKind kind) {
    if (!at(kind)) return false;
    advance();
    return true;
}

bool Parser::acceptWord(std::string_view keyword) {
    if (!atWord(keyword)) return false;
    advance();
    return true;
}

namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

}  // namespace

Status Parser::expectWord(std::string_view keyword, std::string_view context) {
    if (acceptWord(keyword)) return Status::ok();
    return expected(context.empty() ? upper(keyword)
                                    : fmt::format("{} {}", upper(keyword), context));
}

Status Parser::expect(TokenKind kind, std::string_view context) {
    if (accept(kind)) return Status::ok();
    return expected(context.empty() ? std::string(tokenKindName(kind))
                                    : fmt::format("{} {}", tokenKindName(kind), context));
}

Status Parser::expectClosing(TokenKind close, const Token& open) {
    if (accept(close)) return Status::ok();
    return expected(fmt::format("{} to close {} at {}", tokenKindName(close),
                                tokenKindName(open.kind), formatLocation(open.location)));
}

Status Parser::errorAt(const Token& token, std::string message) const {
    return Status::user(ErrorCode::kSyntaxError, "syntax error: " + message, token.location);
}

Status Parser::expected(std::string_view what) const {
    return errorHere(fmt::format("expected {}, found {}", what, describe(peek())));
}

std::string Parser::describe(const Token& token) const {
    if (token.kind == TokenKind::kEnd) return "the end of the input";
    constexpr size_t kMaxShown = 40;
    std::string_view source = text_.substr(token.begin, token.end - token.begin);
    std::string shown(source.substr(0, kMaxShown));
    if (source.size() > kMaxShown) shown += "...";
    if (token.kind == TokenKind::kString) return "the string " + shown;
    return "'" + shown + "'";
}

Status Parser::checkDepth() const {
    if (depth_ > kMaxNestingDepth) {
        return errorHere(
            fmt::format("the statement nests too deeply (more than {} levels)", kMaxNestingDepth));
    }
    return Status::ok();
}

ast::Identifier Parser::identifierFrom(const Token& token) const {
    ast::Identifier identifier;
    start(identifier, token);
    identifier.name = token.text;
    identifier.quoted = token.kind == TokenKind::kQuotedIdentifier;
    return identifier;
}

Result<ast::Identifier> Parser::parseIdentifier(std::string_view what) {
    const Token& token = peek();
    if (token.kind == TokenKind::kQuotedIdentifier ||
        (token.kind == TokenKind::kWord && !token.reserved)) {
        advance();
        return identifierFrom(token);
    }
    if (token.kind == TokenKind::kWord) {
        std::string_view written = text_.substr(token.begin, token.end - token.begin);
        return errorAt(token, fmt::format("'{0}' is a reserved word; quote it as `{0}` to use it "
                                          "as a name",
                                          written));
    }
    return expected(what);
}

Result<ast::Identifier> Parser::parseFieldName() {
    const Token& token = peek();
    if (token.kind == TokenKind::kQuotedIdentifier || token.kind == TokenKind::kWord) {
        advance();
        return identifierFrom(token);
    }
    return expected("a field name after '.'");
}

bool Parser::atBareAlias() const {
    const Token& token = peek();
    return token.kind == TokenKind::kQuotedIdentifier ||
           (token.kind == TokenKind::kWord && !token.reserved);
}

Status Parser::trailingTokenError() const {
    const Token& token = peek();
    if (token.kind == TokenKind::kRightParen) return errorAt(token, "unmatched ')'");
    static constexpr std::array<std::string_view, 6> kStatementStarts = {
        "create", "insert", "select", "with", "show", "describe"};
    for (std::string_view start : kStatementStarts) {
        if (token.isWord(start)) {
            return errorAt(token, fmt::format("unexpected {} after the end of the statement "
                                              "(missing ';' before it?)",
                                              describe(token)));
        }
    }
    return errorAt(token,
                   fmt::format("unexpected {} after the end of the statement", describe(token)));
}

// ---------------------------------------------------------------------------------------
// WITH ('key' = value, …)

Result<std::vector<ast::Property>> Parser::parseWithProperties() {
    const Token& open = peek();
    FERRIS_RETURN_IF_ERROR(expect(TokenKind::kLeftParen, "after WITH"));
    std::vector<ast::Property> properties;
    while (true) {
        FERRIS_ASSIGN_OR_RETURN(ast::Property property, parseProperty());
        properties.push_back(std::move(property));
        if (accept(TokenKind::kComma)) continue;
        if (accept(TokenKind::kRightParen)) return properties;
        return expected(
            fmt::format("',' or ')' to close '(' at {}", formatLocation(open.location)));
    }
}

Result<ast::Property> Parser::parseProperty() {
    const Token& key = peek();
    if (key.kind == TokenKind::kWord || key.kind == TokenKind::kQuotedIdentifier) {
        std::string_view written = text_.substr(key.begin, key.end - key.begin);
        return errorAt(key, fmt::format("a property name is a string literal: write '{}' = …",
                                        key.kind == TokenKind::kWord ? written : key.text));
    }
    if (key.kind != TokenKind::kString) return expected("a property such as 'key' = 'value'");
    advance();
    ast::Property property;
    start(property, key);
    property.key = key.text;
    property.keyLocation = key.location;
    FERRIS_RETURN_IF_ERROR(
        expect(TokenKind::kEq, fmt::format("after the property name '{}'", key.text)));

    const Token& value = peek();
    property.valueLocation = value.location;
    property.valueRange = {value.begin, value.end};
    if (value.kind == TokenKind::kString) {
        advance();
        property.value = value.text;
        property.valueKind = ast::PropertyValueKind::kString;
    } else if (value.isWord("true") || value.isWord("false")) {
        advance();
        property.value = value.text;
        property.valueKind = ast::PropertyValueKind::kBoolean;
    } else if (value.kind == TokenKind::kDuration) {
        advance();
        property.value = value.text;
        property.valueKind = ast::PropertyValueKind::kDuration;
    } else {
        std::string sign;
        if ((value.kind == TokenKind::kMinus || value.kind == TokenKind::kPlus) &&
            (peek(1).kind == TokenKind::kInteger || peek(1).kind == TokenKind::kDecimal ||
             peek(1).kind == TokenKind::kDouble)) {
            if (value.kind == TokenKind::kMinus) sign = "-";
            advance();
        }
        const Token& number = peek();
        if (number.kind != TokenKind::kInteger && number.kind != TokenKind::kDecimal &&
            number.kind != TokenKind::kDouble) {
            return expected(
                fmt::format("a value for the property '{}' (a string, a number, "
                            "TRUE or FALSE)",
                            key.text));
        }
        advance();
        property.value = sign + number.text;
        property.valueKind = ast::PropertyValueKind::kNumber;
        property.valueRange.end = number.end;
    }
    finish(property);
    return property;
}

// ---------------------------------------------------------------------------------------
// Intervals and durations

namespace {

constexpr std::array<std::string_view, 10> kIntervalUnitNames = {
    "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"};

std::vector<std::string> intervalUnitCandidates() {
    return {kIntervalUnitNames.begin(), kIntervalUnitNames.end()};
}

}  // namespace

bool Parser::atIntervalLiteral() const {
    if (at(TokenKind::kDuration)) return true;
    if (!atWord("interval")) return false;
    TokenKind next = peek(1).kind;
    return next == TokenKind::kString || next == TokenKind::kInteger || next == TokenKind::kDecimal;
}

Result<std::unique_ptr<ast::LiteralExpr>> Parser::parseIntervalLiteral() {
    auto literal = std::make_unique<ast::LiteralExpr>();
    literal->literalKind = ast::LiteralKind::kInterval;
    const Token& first = peek();
    start(*literal, first);
    if (first.kind == TokenKind::kDuration) {
        advance();
        literal->interval.micros = first.durationMicros;
        literal->text = first.text;
        finish(*literal);
        return literal;
    }
    if (!atIntervalLiteral()) return expected("an INTERVAL literal");
    advance();  // INTERVAL
    const Token& amountToken = advance();
    std::string amount = amountToken.text;
    const Token* unitToken = &peek();
    std::string unitWord;
    if (unitToken->kind == TokenKind::kWord && findIntervalUnit(unitToken->text) != nullptr) {
        unitWord = unitToken->text;
        advance();
    } else if (amountToken.kind == TokenKind::kString &&
               amount.find_first_of(" \t") != std::string::npos) {
        // INTERVAL '5 minutes'
        size_t space = amount.find_first_of(" \t");
        size_t unitBegin = amount.find_first_not_of(" \t", space);
        unitWord = unitBegin == std::string::npos ? "" : amount.substr(unitBegin);
        amount.resize(space);
        for (char& c : unitWord) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        unitToken = &amountToken;
        if (findIntervalUnit(unitWord) == nullptr) {
            return errorAt(amountToken,
                           fmt::format("unknown INTERVAL unit '{}'{}", unitWord,
                                       didYouMean(unitWord, intervalUnitCandidates())));
        }
    } else if (unitToken->kind == TokenKind::kWord) {
        return errorAt(*unitToken,
                       fmt::format("unknown INTERVAL unit '{}'{}", unitToken->text,
                                   didYouMean(unitToken->text, intervalUnitCandidates())));
    } else {
        return expected(
            fmt::format("an INTERVAL unit (YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, "
                        "SECOND, MILLISECOND or MICROSECOND) after INTERVAL {}",
                        text_.substr(amountToken.begin, amountToken.end - amountToken.begin)));
    }
    const IntervalUnit* unit = findIntervalUnit(unitWord);
    std::string shown = fmt::format("INTERVAL '{}' {}", amount, unit->name);
    ScaledAmount scaled = scaleAmount(amount, unit->months != 0 ? unit->months : unit->micros);
    if (scaled.error == AmountError::kMalformed) {
        return errorAt(amountToken,
                       fmt::format("expected a number in the INTERVAL literal, found {}",
                                   describe(amountToken)));
    }
    if (scaled.error == AmountError::kNotWhole) {
        return errorAt(amountToken,
                       unit->months != 0
                           ? fmt::format("{} is not a whole number of months", shown)
                           : fmt::format("{} is not a whole number of microseconds", shown));
    }
    if (scaled.error == AmountError::kTooLarge ||
        (unit->months != 0 && (scaled.value > INT32_MAX || scaled.value < -INT32_MAX))) {
        return errorAt(amountToken, fmt::format("{} is too large", shown));
    }
    if (unit->months != 0) {
        literal->interval.months = static_cast<int32_t>(scaled.value);
    } else {
        literal->interval.micros = scaled.value;
    }
    literal->text = std::move(shown);
    finish(*literal);
    return literal;
}

Result<ast::Duration> Parser::parseDuration(std::string_view context) {
    if (!atIntervalLiteral()) {
        return expected(fmt::format("a duration such as INTERVAL '1' MINUTE or 1m {}", context));
    }
    FERRIS_ASSIGN_OR_RETURN(std::unique_ptr<ast::LiteralExpr> literal, parseIntervalLiteral());
    ast::Duration duration;
    duration.location = literal->location;
    duration.range = literal->range;
    duration.micros = literal->interval.micros;
    duration.months = literal->interval.months;
    duration.text = std::move(literal->text);
    return duration;
}

// ---------------------------------------------------------------------------------------
// Entry points

namespace {

/// True when a newline separates the end of the previous token from `begin`.
bool startsLine(std::string_view text, uint32_t previousEnd, uint32_t begin) {
    return text.substr(previousEnd, begin - previousEnd).find('\n') != std::string_view::npos;
}

}  // namespace

Result<ParsedApp> parseApp(std::string text) {
    ParsedApp app;
    app.text = std::move(text);
    FERRIS_ASSIGN_OR_RETURN(LexedSql lexed, lex(app.text));
    Parser parser(app.text, lexed.tokens);
    std::vector<StatementStart> starts;
    while (true) {
        while (parser.peek().kind == TokenKind::kSemicolon) parser.advance();
        const Token& first = parser.peek();
        if (first.kind == TokenKind::kEnd) break;
        size_t index = parser.position();
        StatementStart start;
        start.begin = first.begin;
        start.line = first.location.line;
        start.firstOnLine =
            index == 0 || startsLine(app.text, lexed.tokens[index - 1].end, first.begin);
        starts.push_back(start);
        FERRIS_ASSIGN_OR_RETURN(ast::StatementPtr statement, parser.parseStatement());
        app.statements.push_back(std::move(statement));
        if (parser.peek().kind == TokenKind::kSemicolon) continue;
        if (parser.peek().kind == TokenKind::kEnd) break;
        return parser.trailingTokenError();
    }
    FERRIS_ASSIGN_OR_RETURN(AssignedAnnotations annotations, assignAnnotations(lexed, starts));
    app.appAnnotations = std::move(annotations.app);
    app.detachedAnnotations = std::move(annotations.detached);
    for (size_t i = 0; i < app.statements.size(); ++i) {
        app.statements[i]->annotations = std::move(annotations.perStatement[i]);
    }
    return app;
}

Result<ParsedExpression> parseExpression(std::string text) {
    ParsedExpression parsed;
    parsed.text = std::move(text);
    FERRIS_ASSIGN_OR_RETURN(LexedSql lexed, lex(parsed.text));
    Parser parser(parsed.text, lexed.tokens);
    FERRIS_ASSIGN_OR_RETURN(parsed.expr, parser.parseExpression());
    if (parser.peek().kind != TokenKind::kEnd) {
        const Token& token = parser.peek();
        return Status::user(
            ErrorCode::kSyntaxError,
            fmt::format("syntax error: unexpected '{}' after the expression",
                        std::string_view(parsed.text).substr(token.begin, token.end - token.begin)),
            token.location);
    }
    return parsed;
}

}  // namespace ferris::sql
